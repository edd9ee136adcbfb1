"""The figures stored by the last refresh that a refresh reads back: the sales summary of the
customers a refresh of some customers ranks its own among, and the per-invoice figures a
refresh compares its own with before writing them."""

import pandas as pd

from odoo.tools import SQL

from ..engine.outputs import MOVE_FIELDS
from .arrays import array
from .frames import BATCH
from .scope import batch_number, contact_scope, contacts


def stored_summary(env, company, excluded):
    """``engine.sales_summary`` of the company's other customers, from their stored
    figures (stored revenue is NULL for a customer without sales); the last invoice
    date is the stored as-of date minus the stored recency."""
    rows = env.execute_query(
        SQL(
            """
        SELECT partner_id, revenue::float8, cost_of_sales::float8,
               COALESCE(margin_approximate, FALSE), as_of - recency_days, frequency
          FROM ar_customer_stat
         WHERE company_id = %s AND revenue IS NOT NULL AND partner_id <> ALL(%s)
        """,
            company.id,
            array([int(p) for p in excluded], "int4"),
        )
    )
    summary = pd.DataFrame(
        rows,
        columns=[
            "partner_id",
            "revenue",
            "cost",
            "margin_approximate",
            "last_invoice",
            "frequency",
        ],
    ).set_index("partner_id")
    summary["revenue"] = summary["revenue"].astype("float64")
    summary["cost"] = summary["cost"].astype("float64")
    summary["margin_approximate"] = summary["margin_approximate"].astype(bool)
    summary["last_invoice"] = pd.to_datetime(summary["last_invoice"])
    summary["frequency"] = summary["frequency"].fillna(0).astype("int64")
    return summary


def stored_moves_read(env, company, partner_ids, firsts=None):
    """(query, columns, order) of the per-invoice figures stored for the scope; ``firsts``:
    for every batch of a refresh in batches, each row led by its batch
    (``store.extract.batched_reads``)."""
    scope = SQL("m.company_id = %s AND m.ar_computed", company.id)
    if partner_ids is not None:
        # by contact: account_move.partner_id is indexed, commercial_partner_id is not
        scope = SQL("%s AND %s", scope, contact_scope("m", contacts(env, partner_ids), partner_ids))
    lead, join, columns = SQL(), SQL(), ["move_id", *MOVE_FIELDS]
    if firsts is not None:
        partner = SQL("COALESCE(p.commercial_partner_id, m.partner_id)")
        lead = SQL("%s, ", batch_number(partner, firsts))
        join = SQL("LEFT JOIN res_partner p ON p.id = m.partner_id")
        columns = [BATCH, *columns]
    return (
        SQL(
            "SELECT %s m.id, %s FROM account_move m %s WHERE %s",
            lead,
            SQL(", ").join(SQL.identifier("m", field) for field in MOVE_FIELDS.values()),
            join,
            scope,
        ),
        columns,
        ["move_id"],
    )
