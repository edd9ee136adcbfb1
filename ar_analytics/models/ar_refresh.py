"""Refresh of the stored receivables figures: one set-based extraction per company (posted
receivable items and their partial reconciliations, cut at an as-of date), one engine call,
one batched write of what changed. Full refresh (cron, settings, server action) and
incremental refresh (posting, cancelling, resetting, reconciling, unreconciling) share it."""

import logging

import numpy as np
import pandas as pd

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from .. import engine
from .ar_figures_mixin import FIGURES, FLAGS

_logger = logging.getLogger(__name__)

DIRTY_KEY = "ar_analytics.dirty"
# above this many customers of one company, an incremental refresh refreshes the whole company
INCREMENTAL_LIMIT = 500

ITEM_COLUMNS = [
    "item_id",
    "move_id",
    "partner_id",
    "company_id",
    "move_type",
    "is_payment",
    "date",
    "invoice_date",
    "date_maturity",
    "balance",
    "amount_currency",
    "currency_id",
]
ALLOC_COLUMNS = [
    "partial_id",
    "item_id",
    "counterpart_id",
    "amount_item_currency",
    "amount",
    "max_date",
    "pay_date",
    "cp_move_type",
    "cp_is_payment",
    "cp_pending",
    "cp_is_exchange",
]
DATE_COLUMNS = ("date", "invoice_date", "date_maturity", "max_date", "pay_date")
MOVE_FIGURES = {
    # engine column -> (account.move field, SQL type)
    "payment_date": ("ar_payment_date", "date"),
    "days_to_pay": ("ar_days_to_pay", "int4"),
    "days_late": ("ar_days_late", "int4"),
    "paid_on_time": ("ar_paid_on_time", "varchar"),
    "cash_share": ("ar_cash_share", "float8"),
    "pending_share": ("ar_pending_share", "float8"),
    "credit_note_share": ("ar_credit_note_share", "float8"),
    "writeoff_share": ("ar_writeoff_share", "float8"),
}


def _frame(rows, columns):
    frame = pd.DataFrame(rows, columns=columns)
    for column in DATE_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def _sql_values(series, sql_type):
    """A column as a Python list for an SQL array: NaN/NaT/NA become NULL."""
    if sql_type == "date":
        return [None if pd.isna(v) else v.date() for v in series]
    if sql_type == "int4":
        return [None if pd.isna(v) else round(v) for v in series]
    if sql_type == "varchar":
        return [None if pd.isna(v) else str(v) for v in series]
    return [None if pd.isna(v) else float(v) for v in series]


def _unnest(columns):
    """``unnest(%s::type[], ...) AS v(name, ...)`` for {name: (values, sql type)}."""
    return SQL(
        "unnest(%s) AS v(%s)",
        SQL(", ").join(
            SQL("%s::%s[]", values, SQL(sql_type)) for values, sql_type in columns.values()
        ),
        SQL(", ").join(SQL.identifier(name) for name in columns),
    )


def _allocation_side(as_of, side):
    """Allocations of the partials whose ``side`` ('debit' or 'credit') line is an item."""
    other = "credit" if side == "debit" else "debit"
    return SQL(
        """
        SELECT part.id, items.id, cp.id, %(item_amount)s, part.amount, part.max_date,
               cp.date, cpm.move_type,
               (cpm.origin_payment_id IS NOT NULL OR cpm.statement_line_id IS NOT NULL),
               (pay.id IS NOT NULL AND pay.is_matched IS NOT TRUE),
               EXISTS (SELECT 1 FROM account_partial_reconcile x WHERE x.exchange_move_id = cpm.id)
          FROM items
          JOIN account_partial_reconcile part ON %(item_line)s = items.id
          JOIN account_move_line cp ON cp.id = %(cp_line)s
          JOIN account_move cpm ON cpm.id = cp.move_id
     LEFT JOIN account_payment pay ON pay.id = cpm.origin_payment_id
         WHERE part.max_date <= %(as_of)s
        """,
        item_amount=SQL.identifier("part", f"{side}_amount_currency"),
        item_line=SQL.identifier("part", f"{side}_move_id"),
        cp_line=SQL.identifier("part", f"{other}_move_id"),
        as_of=as_of,
    )


class ArRefresh(models.AbstractModel):
    _name = "ar.refresh"
    _description = "Receivables figures refresh"

    # -- extraction ----------------------------------------------------------------------------
    def _items_query(self, company, as_of, partner_ids=None):
        """The company's posted receivable items dated up to as_of, through the ORM's
        ``_search`` so that record rules and companies apply."""
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("date", "<=", as_of),
            ]
        )
        if partner_ids is not None:
            domain &= Domain("partner_id.commercial_partner_id", "in", list(partner_ids))
        return self.env["account.move.line"]._search(domain).subselect()

    def _extract(self, company, as_of, partner_ids=None):
        """(items, allocs) frames of engine_contract.md for one company at as_of."""
        items_subquery = self._items_query(company, as_of, partner_ids)
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.payment"].flush_model(["is_matched"])
        items = self.env.execute_query(
            SQL(
                """
            SELECT l.id, l.move_id, COALESCE(p.commercial_partner_id, l.partner_id, 0),
                   l.company_id, m.move_type,
                   (m.origin_payment_id IS NOT NULL OR m.statement_line_id IS NOT NULL),
                   l.date, COALESCE(m.invoice_date, l.date), l.date_maturity,
                   l.balance, l.amount_currency, l.currency_id
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
         LEFT JOIN res_partner p ON p.id = l.partner_id
             WHERE l.id IN %s
            """,
                items_subquery,
            )
        )
        allocs = self.env.execute_query(
            SQL(
                "WITH items AS MATERIALIZED "
                "(SELECT l.id FROM account_move_line l WHERE l.id IN %s) %s UNION ALL %s",
                items_subquery,
                _allocation_side(as_of, "debit"),
                _allocation_side(as_of, "credit"),
            )
        )
        return _frame(items, ITEM_COLUMNS), _frame(allocs, ALLOC_COLUMNS)

    # -- as-of date ------------------------------------------------------------------------------
    @api.model
    def _default_as_of(self, company):
        """Today; or, for a company whose receivables went quiet for a whole window, the date
        of its last receivable item (so a dormant database still gets meaningful figures)."""
        today = fields.Date.context_today(self.with_company(company))
        [(last,)] = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("parent_state", "=", "posted"),
                    ("account_id.account_type", "=", "asset_receivable"),
                ],
                [],
                ["date:max"],
            )
        )
        if last and (today - last).days > company.ar_window_days:
            return last
        return today

    # -- computation and writes ----------------------------------------------------------------
    @api.model
    def _refresh_company(self, company, as_of=None, partner_ids=None):
        """Recompute and store the figures of one company (all customers, or only
        ``partner_ids``, commercial partners). Returns the number of customers written."""
        as_of = as_of or self._default_as_of(company)
        buckets = self.env["ar.aging.bucket"]._engine_buckets(company)
        params = {
            "buckets": buckets,
            "basis": company.ar_aging_basis,
            "window_days": company.ar_window_days,
            "min_obs": company.ar_min_observations,
        }
        items, allocs = self._extract(company, as_of, partner_ids)
        figures = engine.partner_figures(items, allocs, as_of, **params)
        figures = figures[figures.index != 0]
        settled = engine.settle(items, allocs, as_of, buckets=buckets, basis=params["basis"])
        moves = engine.move_figures(settled)
        now = fields.Datetime.now()
        stat_ids = self._write_customers(company, as_of, now, figures, buckets, partner_ids)
        self._write_moves(company, moves, settled, partner_ids)
        if partner_ids is None:
            totals = engine.partner_figures(items, allocs, as_of, by="company_id", **params)
            self._write_company(company, as_of, now, totals, len(figures))
            company.sudo().ar_last_refresh = now
        self.env["ar.customer.stat"].invalidate_model()
        self.env["ar.customer.aging"].invalidate_model()
        self.env["ar.company.stat"].invalidate_model()
        self.env["account.move"].invalidate_model(
            [field for field, _type in MOVE_FIGURES.values()] + ["ar_computed"]
        )
        return len(stat_ids)

    def _figure_columns(self, figures, as_of, now):
        columns = {
            field: (_sql_values(figures[column], sql_type), sql_type)
            for column, (field, sql_type) in FIGURES.items()
        }
        for flag, column in FLAGS.items():
            columns[flag] = (figures[column].notna().tolist(), "bool")
        columns["as_of"] = ([as_of] * len(figures), "date")
        columns["computed_at"] = ([now] * len(figures), "timestamp")
        return columns

    def _upsert(self, table, keys, columns, compare):
        """INSERT ... ON CONFLICT (keys) DO UPDATE only the rows whose compared columns
        changed; returns the ids of the rows inserted or updated."""
        names = list(columns)
        uid = self.env.uid
        updated = [n for n in names if n not in keys]
        return self.env.execute_query(
            SQL(
                """
            INSERT INTO %(table)s (%(names)s, create_uid, create_date, write_uid, write_date)
            SELECT %(values)s, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM %(unnest)s
            ON CONFLICT (%(keys)s) DO UPDATE SET %(set)s,
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
             WHERE (%(old)s) IS DISTINCT FROM (%(new)s)
            RETURNING id
            """,
                table=SQL.identifier(table),
                names=SQL(", ").join(SQL.identifier(n) for n in names),
                values=SQL(", ").join(SQL.identifier("v", n) for n in names),
                uid=uid,
                unnest=_unnest(columns),
                keys=SQL(", ").join(SQL.identifier(k) for k in keys),
                set=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(n), SQL.identifier(n)) for n in updated
                ),
                old=SQL(", ").join(SQL.identifier(table, n) for n in compare),
                new=SQL(", ").join(SQL("EXCLUDED.%s", SQL.identifier(n)) for n in compare),
            )
        )

    def _write_customers(self, company, as_of, now, figures, buckets, partner_ids):
        partners = self.env["res.partner"].sudo().browse(figures.index.tolist())
        columns = {
            "partner_id": (figures.index.tolist(), "int4"),
            "company_id": ([company.id] * len(figures), "int4"),
            # stored related fields, filled here since rows are written in SQL
            "user_id": ([p.user_id.id or None for p in partners], "int4"),
            "team_id": ([p.user_id.sale_team_id.id or None for p in partners], "int4"),
            "country_id": ([p.country_id.id or None for p in partners], "int4"),
            "industry_id": ([p.industry_id.id or None for p in partners], "int4"),
            **self._figure_columns(figures, as_of, now),
        }
        compare = [n for n in columns if n not in ("partner_id", "company_id", "computed_at")]
        changed = self._upsert("ar_customer_stat", ["partner_id", "company_id"], columns, compare)
        # rows of customers that no longer have any receivable item in scope
        scope = SQL("company_id = %s", company.id)
        if partner_ids is not None:
            scope = SQL("%s AND partner_id IN %s", scope, tuple(partner_ids) or (0,))
        self.env.execute_query(
            SQL(
                "DELETE FROM ar_customer_stat WHERE %s AND partner_id <> ALL(%s::int4[])",
                scope,
                figures.index.tolist(),
            )
        )
        self._write_aging(company, figures, buckets)
        return changed

    def _write_aging(self, company, figures, buckets):
        """One row per customer and non-zero bucket; stale rows removed."""
        amounts = figures[[f"{engine.constants.BUCKET_PREFIX}{code}" for code, *_ in buckets]]
        amounts.columns = [int(code[1:]) for code, *_ in buckets]
        long = amounts.stack()
        long = long[long.abs() >= engine.constants.ZERO_TOLERANCE]
        partner_list = figures.index.tolist()
        self.env.execute_query(
            SQL(
                """
            DELETE FROM ar_customer_aging a
             USING ar_customer_stat s
             WHERE s.id = a.stat_id AND s.company_id = %s AND s.partner_id = ANY(%s::int4[])
               AND (s.partner_id, a.bucket_id) NOT IN (SELECT * FROM unnest(%s::int4[], %s::int4[]))
            """,
                company.id,
                partner_list,
                long.index.get_level_values(0).tolist(),
                long.index.get_level_values(1).tolist(),
            )
        )
        if long.empty:
            return
        self.env.execute_query(
            SQL(
                """
            INSERT INTO ar_customer_aging (stat_id, partner_id, company_id, bucket_id, sequence,
                                           amount, create_uid, create_date, write_uid, write_date)
            SELECT s.id, s.partner_id, s.company_id, b.id, b.sequence, v.amount,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM unnest(%(partners)s::int4[], %(buckets)s::int4[], %(amounts)s::numeric[])
                   AS v(partner_id, bucket_id, amount)
              JOIN ar_customer_stat s ON s.partner_id = v.partner_id AND s.company_id = %(company)s
              JOIN ar_aging_bucket b ON b.id = v.bucket_id
            ON CONFLICT (stat_id, bucket_id) DO UPDATE
               SET amount = EXCLUDED.amount, sequence = EXCLUDED.sequence,
                   write_date = EXCLUDED.write_date
             WHERE ar_customer_aging.amount IS DISTINCT FROM EXCLUDED.amount
                OR ar_customer_aging.sequence IS DISTINCT FROM EXCLUDED.sequence
            """,
                uid=self.env.uid,
                partners=long.index.get_level_values(0).tolist(),
                buckets=long.index.get_level_values(1).tolist(),
                amounts=[float(v) for v in long],
                company=company.id,
            )
        )

    def _write_company(self, company, as_of, now, totals, customer_count):
        totals = totals.loc[[company.id]] if company.id in totals.index else totals.iloc[0:0]
        if totals.empty:
            self.env.execute_query(
                SQL("DELETE FROM ar_company_stat WHERE company_id = %s", company.id)
            )
            return
        columns = {
            "company_id": ([company.id], "int4"),
            "customer_count": ([customer_count], "int4"),
            **self._figure_columns(totals, as_of, now),
        }
        compare = [n for n in columns if n not in ("company_id", "computed_at")]
        self._upsert("ar_company_stat", ["company_id"], columns, compare)

    def _write_moves(self, company, moves, settled, partner_ids):
        """Per-invoice figures on account.move: only rows that changed are written; moves of
        the scope that are no longer posted receivables are cleared."""
        moves = moves.copy()
        on_time = moves["paid_on_time"]
        moves["paid_on_time"] = np.where(
            on_time.isna(), None, np.where(on_time.fillna(False), "on_time", "late")
        )
        columns = {"id": (moves.index.tolist(), "int4")}
        for column, (field, sql_type) in MOVE_FIGURES.items():
            columns[field] = (_sql_values(moves[column], sql_type), sql_type)
        names = [field for field, _type in MOVE_FIGURES.values()]
        self.env.execute_query(
            SQL(
                """
            UPDATE account_move m SET %(set)s, ar_computed = TRUE
              FROM %(unnest)s
             WHERE m.id = v.id AND ((%(old)s, m.ar_computed) IS DISTINCT FROM (%(new)s, TRUE))
            """,
                set=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(n), SQL.identifier(n)) for n in names
                ),
                unnest=_unnest(columns),
                old=SQL(", ").join(SQL.identifier("m", n) for n in names),
                new=SQL(", ").join(SQL.identifier("v", n) for n in names),
            )
        )
        scope = SQL("m.company_id = %s", company.id)
        if partner_ids is not None:
            scope = SQL("%s AND m.commercial_partner_id IN %s", scope, tuple(partner_ids) or (0,))
        self.env.execute_query(
            SQL(
                "UPDATE account_move m SET %s, ar_computed = FALSE "
                "WHERE m.ar_computed AND %s AND m.id <> ALL(%s::int4[])",
                SQL(", ").join(SQL("%s = NULL", SQL.identifier(n)) for n in names),
                scope,
                moves.index.tolist(),
            )
        )

    # -- entry points ----------------------------------------------------------------------------
    @api.model
    def _refresh(self, companies=None, partner_ids=None, as_of=None):
        """Refresh the given companies (default: all), for all or some customers."""
        companies = (
            companies
            if companies is not None
            else self.env["res.company"].sudo().search([("active", "=", True)])
        )
        written = 0
        for company in companies:
            written += self.sudo()._refresh_company(company, as_of=as_of, partner_ids=partner_ids)
        return written

    @api.model
    def _cron_refresh(self):
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        for n, company in enumerate(companies):
            self.sudo()._refresh_company(company)
            self.env["ir.cron"]._commit_progress(1, remaining=len(companies) - n - 1)

    # -- incremental refresh -------------------------------------------------------------------
    @api.model
    def _mark_dirty(self, pairs):
        """Queue (company id, commercial partner id) pairs for a refresh at the end of the
        transaction (precommit): the figures are right when the operation commits."""
        if self.env.context.get("ar_skip_refresh"):
            return
        pairs = {(c, p) for c, p in pairs if c and p}
        if not pairs:
            return
        data = self.env.cr.precommit.data
        if DIRTY_KEY not in data:
            data[DIRTY_KEY] = set()
            self.env.cr.precommit.add(self._flush_dirty)
        data[DIRTY_KEY] |= pairs

    @api.model
    def _mark_dirty_lines(self, lines):
        receivable = lines.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self._mark_dirty(
            {(line.company_id.id, line.partner_id.commercial_partner_id.id) for line in receivable}
        )

    @api.model
    def _flush_dirty(self):
        pairs = self.env.cr.precommit.data.pop(DIRTY_KEY, set())
        by_company = {}
        for company_id, partner_id in pairs:
            by_company.setdefault(company_id, set()).add(partner_id)
        for company_id, partner_ids in by_company.items():
            company = self.env["res.company"].sudo().browse(company_id)
            scope = None if len(partner_ids) > INCREMENTAL_LIMIT else partner_ids
            self.sudo()._refresh_company(company, partner_ids=scope)
