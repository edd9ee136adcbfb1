"""Reads and writes of the collection run: the stored inputs of its signals (customer tiers,
score history, credit exposure, broken promises to pay) and its results (trend months and
summaries, expected payment dates and cash, signal updates, each customer's worst severity),
one set-based statement per table and company."""

import datetime
import json

import pandas as pd

from odoo.tools import SQL

from ..engine.constants import SEVERITY_NONE
from . import writer
from .arrays import array, sql_values, unnest

#: ar.trend.month column -> (result column, Python type of the values, SQL type)
TREND_MONTH_COLUMNS = {
    "scope": ("scope", "varchar", "varchar"),
    "partner_id": ("group", "int4", "int4"),
    "month": ("month", "date", "date"),
    "kind": ("kind", "varchar", "varchar"),
    "forecast": ("forecast", "float8", "numeric"),
    "collections": ("collections", "float8", "numeric"),
    **{
        name: (name, "float8", "numeric")
        for name in ("invoiced", "collected", "invoiced_roll3", "collected_roll3")
    },
    **{
        name: (name, "float8", "float8")
        for name in (
            "collection_rate",
            "wadp",
            "wadl",
            "cei",
            "invoiced_mom",
            "invoiced_yoy",
            "collected_mom",
            "collected_yoy",
            "collection_rate_mom",
            "collection_rate_yoy",
            "wadl_mom",
            "wadl_yoy",
        )
    },
}
#: ar.collection.trend column -> SQL type (the result column of the same name; partner_id:
#: ``group``)
SUMMARY_COLUMNS = {
    "scope": "varchar",
    "partner_id": "int4",
    "months": "int4",
    "first_month": "date",
    "last_month": "date",
    "invoiced_slope": "numeric",
    "collected_slope": "numeric",
    "collection_rate_slope": "float8",
    "wadl_slope": "float8",
    "cei_slope": "float8",
    "model": "varchar",
    "alpha": "float8",
    "beta": "float8",
    "gamma": "float8",
    "phi": "float8",
    "mae": "numeric",
    "mase": "float8",
    "mape": "float8",
    "mape_skipped": "int4",
    "smape": "float8",
    "n_points": "int4",
    "benchmark": "varchar",
    "benchmark_mase": "float8",
    "benchmark_gain": "float8",
    "forecast_next": "numeric",
    "forecast_total": "numeric",
}
#: ar.expected.cash column -> (result column, Python type of the values, SQL type)
CASH_COLUMNS = {
    "partner_id": ("partner", "int4", "int4"),
    "frequency": ("frequency", "varchar", "varchar"),
    "kind": ("kind", "varchar", "varchar"),
    "sequence": ("sequence", "int4", "int4"),
    "period": ("period", "varchar", "varchar"),
    "date_start": ("date_start", "date", "date"),
    "date_end": ("date_end", "date", "date"),
    "amount": ("amount", "float8", "numeric"),
}
#: ar.customer.signal column -> SQL type, of the open signals updated in place
SIGNAL_COLUMNS = {
    "severity": "varchar",
    "severity_rank": "int4",
    "evidence_data": "jsonb",
    "amount_at_risk": "numeric",
    "value": "float8",
    "threshold": "float8",
    "last_date": "date",
}


def _columns(frame, spec):
    return {
        name: (sql_values(frame[column], python_type), sql_type)
        for name, (column, python_type, sql_type) in spec.items()
    }


def _company(company):
    return SQL("company_id = %s", company.id)


# -- reads -------------------------------------------------------------------------------------


def customer_stats(env, company):
    """The stored tier and grade of the company's customers, indexed by partner."""
    rows = env.execute_query(
        SQL(
            "SELECT partner_id, tier, grade FROM ar_customer_stat WHERE company_id = %s", company.id
        )
    )
    return pd.DataFrame(rows, columns=["partner_id", "tier", "grade"]).set_index("partner_id")


def history_at(env, company, dates, partner_ids):
    """Each customer's latest score history row dated up to each of ``dates``, in one
    statement: date, partner_id, grade and overdue_ratio."""
    rows = env.execute_query(
        SQL(
            """
        SELECT d.date, h.partner_id, h.grade, h.overdue_ratio
          FROM unnest(%s::date[]) AS d(date)
          JOIN LATERAL (
                SELECT DISTINCT ON (partner_id) partner_id, grade, overdue_ratio
                  FROM ar_score_history
                 WHERE company_id = %s AND date <= d.date
                   AND partner_id = ANY(%s::int4[])
                 ORDER BY partner_id, date DESC, id DESC
               ) h ON TRUE
        """,
            list(dates),
            company.id,
            partner_ids,
        )
    )
    return pd.DataFrame(rows, columns=["date", "partner_id", "grade", "overdue_ratio"])


def credit_exposure(env, company, partner_ids):
    """Core's receivable (``credit``), amount to invoice and credit limit of the customers
    with a credit limit in the company, indexed by partner (as the credit rules read them)."""
    partners = (
        env["res.partner"]
        .sudo()
        .with_company(company)
        .search([("id", "in", partner_ids), ("credit_limit", ">", 0)])
    )
    return pd.DataFrame(
        {
            "credit": partners.mapped("credit"),
            "credit_to_invoice": partners.mapped("credit_to_invoice"),
            "credit_limit": partners.mapped("credit_limit"),
        },
        index=pd.Index(partners.ids, name="partner_id", dtype="int64"),
    )


def broken_promises(env, company, as_of):
    """The invoices whose promise to pay was not kept within the company's grace days, in
    the ORM's order: partner_id, move_id and the promised amount still unpaid, converted
    into the company's currency at ``as_of``."""
    deadline = as_of - datetime.timedelta(days=company.ar_promise_grace_days)
    moves = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("state", "=", "posted"),
            ("move_type", "=", "out_invoice"),
            ("ar_promise_date", "!=", False),
            ("ar_promise_date", "<", deadline),
            ("amount_residual", ">", 0),
        ]
    )
    rows = []
    for move in moves.filtered(lambda m: m.ar_promise_status == "broken"):
        unpaid = move.ar_promise_amount - (move.ar_promise_residual - move.amount_residual)
        converted = move.currency_id._convert(unpaid, company.currency_id, company, as_of)
        rows.append((move.commercial_partner_id.id, move.id, converted))
    return pd.DataFrame(rows, columns=["partner_id", "move_id", "unpaid"])


# -- writes ------------------------------------------------------------------------------------


def write_trend(env, company, as_of, months, summaries):
    """Replace the company's trend months and summaries."""
    writer.replace_frame(
        env,
        "ar.trend.month",
        _company(company),
        months,
        lambda part: _columns(part, TREND_MONTH_COLUMNS),
        constants={"company_id": company.id},
    )
    columns = {"as_of": ([as_of] * len(summaries), "date")}
    for name, sql_type in SUMMARY_COLUMNS.items():
        values = summaries["group" if name == "partner_id" else name]
        columns[name] = (
            sql_values(values, "float8" if sql_type == "numeric" else sql_type),
            sql_type,
        )
    writer.replace(
        env, "ar.collection.trend", _company(company), columns, constants={"company_id": company.id}
    )


def write_expected_dates(env, company, dates):
    """Set the expected payment date and source of the invoices of ``dates`` (indexed by
    move) where they changed, and clear them on the company's other invoices."""
    ids = dates.index.astype(int).tolist()
    columns = {
        "id": (ids, "int4"),
        "ar_expected_date": (sql_values(dates["expected_date"], "date"), "date"),
        "ar_expected_source": (sql_values(dates["source"], "varchar"), "varchar"),
    }
    writer.update(env, "account.move", columns, audit=False, changed_only=True)
    env.execute_query(
        SQL(
            "UPDATE account_move SET ar_expected_date = NULL, ar_expected_source = NULL "
            "WHERE company_id = %s AND ar_expected_date IS NOT NULL AND id <> ALL(%s)",
            company.id,
            array(ids, "int4"),
        )
    )
    writer.invalidate(env, "account.move", ["ar_expected_date", "ar_expected_source"])


def write_cash(env, company, as_of, cash):
    """Replace the company's expected cash rows."""
    columns = {"as_of": ([as_of] * len(cash), "date"), **_columns(cash, CASH_COLUMNS)}
    writer.replace(
        env, "ar.expected.cash", _company(company), columns, constants={"company_id": company.id}
    )


def update_signals(env, ids, rows):
    """Update the open signals ``ids`` with ``rows`` (their values, in the same order) in one
    statement; the evidence figures go through their JSON text."""
    columns = {"id": (list(ids), "int4")}
    for name, sql_type in SIGNAL_COLUMNS.items():
        values = [row[name] for row in rows]
        if name == "evidence_data":
            values = [json.dumps(value) for value in values]
        columns[name] = (values, sql_type)
    writer.update(env, "ar.customer.signal", columns)


def write_stat_severity(env, company, severity):
    """Set each customer's worst signal severity (``severity``: {partner: warn or alert};
    none for the customers left out) where it changed."""
    env.execute_query(
        SQL(
            """
        UPDATE ar_customer_stat s
           SET signal_severity = COALESCE(v.severity, %(none)s)
          FROM ar_customer_stat s2
     LEFT JOIN %(unnest)s ON v.partner_id = s2.partner_id
         WHERE s2.id = s.id AND s.company_id = %(company)s
           AND s.signal_severity IS DISTINCT FROM COALESCE(v.severity, %(none)s)
        """,
            none=SEVERITY_NONE,
            unnest=unnest(
                {
                    "partner_id": (list(severity), "int4"),
                    "severity": (list(severity.values()), "varchar"),
                }
            ),
            company=company.id,
        )
    )
    writer.invalidate(env, "ar.customer.stat", ["signal_severity"])
