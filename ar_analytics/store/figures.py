"""The refresh's writes: the engine's result (``engine.pipeline.refresh``) into the stored
figures of customers, buckets, score history, company and invoices, through ``writer``.
Each write touches only the rows whose figures changed."""

import numpy as np
import pandas as pd

from odoo.tools import SQL

from ..engine.constants import BUCKET_PREFIX, ZERO_TOLERANCE
from ..engine.outputs import (
    MOVE_FIELDS,
    history_figures,
    stored_figures,
    stored_move_figures,
)
from . import writer
from .arrays import array, sql_values, unnest
from .frames import query_frame
from .stored import stored_moves_read

# a new history row only when the grade changes, the score moves this much, or a month starts
SCORE_STEP = 1.0


def _figure_columns(env, model, figures, as_of=None, now=None):
    """Writer columns of the engine's ``figures`` stored in ``model``, with the as-of date
    and the computation time."""
    columns = writer.field_columns(env, model, stored_figures(figures))
    if as_of is not None:
        columns["as_of"] = ([as_of] * len(figures), "date")
    if now is not None:
        columns["computed_at"] = ([now] * len(figures), "timestamp")
    return columns


def _partner_columns(env, partner_ids):
    """Writer columns of the customer rows' stored related fields (salesperson, sales team,
    country, industry), filled here since the rows are written in SQL."""
    env["res.partner"].flush_model(["user_id", "country_id", "industry_id"])
    env["res.users"].flush_model(["sale_team_id"])
    rows = env.execute_query(
        SQL(
            """
        SELECT p.id, p.user_id, u.sale_team_id, p.country_id, p.industry_id
          FROM res_partner p LEFT JOIN res_users u ON u.id = p.user_id
         WHERE p.id = ANY(%s)
        """,
            array(partner_ids, "int4"),
        )
    )
    related = {row[0]: row[1:] for row in rows}
    values = [related.get(partner, (None,) * 4) for partner in partner_ids]
    names = ("user_id", "team_id", "country_id", "industry_id")
    return {name: ([row[i] for row in values], "int4") for i, name in enumerate(names)}


def write_customers(env, company, as_of, now, figures, partner_ids):
    """Upsert a row of ``ar.customer.stat`` per customer of ``figures`` and delete the rows
    of the scope (``partner_ids``, or the company) whose customer left it. Returns the ids
    of the rows written."""
    columns = {
        "partner_id": (figures.index.tolist(), "int4"),
        "company_id": ([company.id] * len(figures), "int4"),
        **_partner_columns(env, figures.index.tolist()),
        **_figure_columns(env, "ar.customer.stat", figures, as_of, now),
    }
    compare = [n for n in columns if n not in ("partner_id", "company_id", "computed_at")]
    model = "ar.customer.stat"
    changed = writer.upsert(env, model, ["partner_id", "company_id"], columns, compare)
    scope = SQL("company_id = %s", company.id)
    if partner_ids is not None:
        scope = SQL("%s AND partner_id IN %s", scope, tuple(partner_ids) or (0,))
    partners = array(figures.index.tolist(), "int4")
    writer.delete(env, model, SQL("%s AND partner_id <> ALL(%s)", scope, partners))
    return changed


def write_aging(env, company, figures, buckets, unapplied_id):
    """One row per customer and non-zero bucket, unapplied credits in the bucket
    ``unapplied_id`` so that the rows add up to the ledger; stale rows removed."""
    amounts = figures[[f"{BUCKET_PREFIX}{code}" for code, *_ in buckets]]
    amounts.columns = [int(code[1:]) for code, *_ in buckets]
    amounts[unapplied_id] = figures["unapplied_credits"]
    long = amounts.stack()
    long = long[long.abs() >= ZERO_TOLERANCE]
    partners = array(long.index.get_level_values(0).tolist(), "int4")
    bucket_ids = array(long.index.get_level_values(1).tolist(), "int4")
    env.execute_query(
        SQL(
            """
        DELETE FROM ar_customer_aging a
         USING ar_customer_stat s
         WHERE s.id = a.stat_id AND s.company_id = %s AND s.partner_id = ANY(%s)
           AND (s.partner_id, a.bucket_id) NOT IN (SELECT * FROM unnest(%s, %s))
        """,
            company.id,
            array(figures.index.tolist(), "int4"),
            partners,
            bucket_ids,
        )
    )
    if not long.empty:
        audit_names, audit_values = writer.audit_columns(env)
        env.execute_query(
            SQL(
                """
            INSERT INTO ar_customer_aging (stat_id, partner_id, company_id, bucket_id, sequence,
                                           amount, %(audit_names)s)
            SELECT s.id, s.partner_id, s.company_id, b.id, b.sequence, v.amount,
                   %(audit_values)s
              FROM unnest(%(partners)s, %(buckets)s, %(amounts)s)
                   AS v(partner_id, bucket_id, amount)
              JOIN ar_customer_stat s ON s.partner_id = v.partner_id AND s.company_id = %(company)s
              JOIN ar_aging_bucket b ON b.id = v.bucket_id
            ON CONFLICT (stat_id, bucket_id) DO UPDATE
               SET amount = EXCLUDED.amount, sequence = EXCLUDED.sequence,
                   write_date = EXCLUDED.write_date
             WHERE ar_customer_aging.amount IS DISTINCT FROM EXCLUDED.amount
                OR ar_customer_aging.sequence IS DISTINCT FROM EXCLUDED.sequence
            """,
                audit_names=audit_names,
                audit_values=audit_values,
                partners=partners,
                buckets=bucket_ids,
                amounts=array(long.tolist(), "numeric"),
                company=company.id,
            )
        )
    writer.invalidate(env, "ar.customer.aging")


def write_history(env, company, as_of, figures):
    """Append the day's scores to the compact history: a row only for customers whose
    grade changed, whose score moved by SCORE_STEP or more, or whose last row is from an
    earlier month; a second run on the same day updates that day's row."""
    if figures.empty:
        return
    rows = history_figures(stored_figures(figures))
    columns = {
        "partner_id": (figures.index.tolist(), "int4"),
        **writer.field_columns(env, "ar.score.history", rows),
    }
    names = list(columns)
    audit_names, audit_values = writer.audit_columns(env)
    env.execute_query(
        SQL(
            """
        WITH v AS (SELECT * FROM %(unnest)s),
        last AS (
            SELECT DISTINCT ON (h.partner_id) h.partner_id, h.date, h.credit_score, h.grade
              FROM ar_score_history h
             WHERE h.company_id = %(company)s AND h.partner_id IN (SELECT partner_id FROM v)
               AND h.date < %(as_of)s
             ORDER BY h.partner_id, h.date DESC, h.id DESC
        )
        INSERT INTO ar_score_history (company_id, date, %(names)s, %(audit_names)s)
        SELECT %(company)s, %(as_of)s, %(values)s, %(audit_values)s
          FROM v LEFT JOIN last ON last.partner_id = v.partner_id
         WHERE last.partner_id IS NULL
            OR last.grade IS DISTINCT FROM v.grade
            OR ABS(COALESCE(last.credit_score, -1000) - COALESCE(v.credit_score, -1000))
               >= %(step)s
            OR date_trunc('month', last.date) < date_trunc('month', %(as_of)s::date)
        ON CONFLICT (partner_id, company_id, date) DO UPDATE SET %(set)s
        """,
            unnest=unnest(columns),
            company=company.id,
            as_of=as_of,
            names=SQL(", ").join(SQL.identifier(n) for n in names),
            audit_names=audit_names,
            values=SQL(", ").join(SQL.identifier("v", n) for n in names),
            audit_values=audit_values,
            step=SCORE_STEP,
            set=SQL(", ").join(
                SQL("%s = EXCLUDED.%s", SQL.identifier(n), SQL.identifier(n))
                for n in names
                if n != "partner_id"
            ),
        )
    )
    writer.invalidate(env, "ar.score.history")


def write_company(env, company, as_of, now, result, customer_count):
    """The company's row of ``ar.company.stat`` (deleted when it has no receivable)."""
    totals = result["totals"]
    totals = totals.loc[[company.id]] if company.id in totals.index else totals.iloc[0:0]
    if totals.empty:
        writer.delete(env, "ar.company.stat", SQL("company_id = %s", company.id))
        return
    columns = {
        "company_id": ([company.id], "int4"),
        "customer_count": ([customer_count], "int4"),
        **{
            name: (sql_values(pd.Series([value]), "float8"), "float8")
            for name, value in result["company"].items()
        },
        **_figure_columns(env, "ar.company.stat", totals, as_of, now),
    }
    compare = [n for n in columns if n not in ("company_id", "computed_at")]
    writer.upsert(env, "ar.company.stat", ["company_id"], columns, compare)


def _changed_moves(env, moves, stored):
    """Whether each move's figures differ from the ``stored`` ones (new moves included)."""
    known = moves.index.isin(stored.index)
    changed = ~known
    if known.any():
        old = stored.reindex(moves.index[known])
        fields = env["account.move"]._fields
        for name in moves.columns:
            new = moves.loc[known, name]
            if fields[name].type == "integer":  # written rounded (sql_values)
                new = new.astype("float64").round()
            same = (new == old[name]).fillna(False) | (new.isna() & old[name].isna())
            changed[np.flatnonzero(known)[~same.to_numpy(dtype=bool)]] = True
    return changed


def write_moves(env, company, moves, partner_ids, stored=None, clear=True):
    """Per-invoice figures on account.move: compared in pandas with the stored figures of
    the scope (read here, or ``stored``: read by ``stored.stored_moves_read`` before
    anything was written); only the moves whose figures changed are written, and (with
    ``clear``) the moves of the scope that are no longer posted receivables are cleared.
    Returns the number of moves written."""
    moves = stored_move_figures(moves)
    if stored is None:
        stored = query_frame(env, *stored_moves_read(env, company, partner_ids))
    stored = stored.set_index("move_id").rename(columns=MOVE_FIELDS)
    changed = _changed_moves(env, moves, stored)
    computed = [SQL("ar_computed = TRUE")]
    if changed.any():
        rows = moves.loc[changed]
        columns = {"id": (rows.index.tolist(), "int4")}
        columns.update(writer.field_columns(env, "account.move", rows))
        writer.update(env, "account.move", columns, audit=False, extra=computed)
    stale = stored.index[~stored.index.isin(moves.index)] if clear else stored.index[:0]
    _clear_moves(env, stale)
    return int(changed.sum()) + len(stale)


def _clear_moves(env, stale):
    fields = list(MOVE_FIELDS.values())
    writer.clear(env, "account.move", fields, stale, extra=[SQL("ar_computed = FALSE")])
    writer.invalidate(env, "account.move", ["ar_computed"])


def clear_moves(env, known, computed):
    """Clear the per-invoice figures of the moves ``known`` (the ids of those stored) that
    are not ``computed`` (the ids of every move a refresh in batches computed): after its
    last batch, the moves that are no longer posted receivables. Returns their number."""
    stale = known[~np.isin(known, computed)]
    _clear_moves(env, stale.tolist())
    return len(stale)
