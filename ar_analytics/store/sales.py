"""The sales lines a refresh ranks customers by (revenue, costs, recency and frequency), at an
as-of date: searched through the ORM (``_search``), so record rules and companies apply, with
their candidate costs (cost of goods sold booked, sale line cost, standard price)."""

import numpy as np
import pandas as pd

from odoo.fields import Domain
from odoo.tools import SQL

from .frames import BATCH, identifiers
from .scope import batch_number, contacts, partner_domain


def _join_cogs(query, line, company, partner_ids):
    """Join ``ar_cogs.amount``: the COGS lines of the line's move and product (anglo-saxon
    accounting), aggregated once for the company, or looked up by move for a few customers."""
    cogs = SQL(
        """SELECT c.move_id, c.product_id, SUM(c.balance) AS amount
             FROM account_move_line c
             JOIN account_account a ON a.id = c.account_id
            WHERE c.display_type = 'cogs' AND a.account_type LIKE 'expense%%'
              AND c.company_id = %s AND c.parent_state = 'posted'""",
        company.id,
    )
    move_product = identifiers(line, move="move_id", product="product_id")
    if partner_ids is None:
        query.add_join(
            "LEFT JOIN",
            "ar_cogs",
            SQL("(%s GROUP BY 1, 2)", cogs),
            SQL(
                "ar_cogs.move_id = %(move)s AND ar_cogs.product_id = %(product)s",
                **move_product,
            ),
        )
    else:
        query.add_join(
            "LEFT JOIN",
            "ar_cogs",
            SQL(
                "LATERAL (%s AND c.move_id = %s AND c.product_id = %s GROUP BY 1, 2)",
                cogs,
                move_product["move"],
                move_product["product"],
            ),
            SQL("TRUE"),
        )


def _join_sale_cost(env, query, line, company):
    """Join the sale order line's unit cost (sale_margin) when the database has it; returns
    the SQL of that cost (NULL without sale_margin)."""
    so_cost = SQL("NULL::float8")
    order_lines = env["sale.order.line"]
    if "purchase_price" in order_lines._fields and order_lines._fields["purchase_price"].store:
        so_cost = SQL("ar_so.unit_cost::float8")
        query.add_join(
            "LEFT JOIN",
            "ar_so",
            SQL(
                """(SELECT rel.invoice_line_id,
                           SUM(sol.purchase_price) / COUNT(*) AS unit_cost
                      FROM sale_order_line_invoice_rel rel
                      JOIN sale_order_line sol ON sol.id = rel.order_line_id
                     WHERE sol.purchase_price > 0 AND sol.company_id = %s
                     GROUP BY rel.invoice_line_id)""",
                company.id,
            ),
            SQL("ar_so.invoice_line_id = %s", SQL.identifier(line, "id")),
        )
    return so_cost


def sales_read(env, company, as_of, partner_ids=None, firsts=None):
    """(query, columns, order) of the sales lines: one row per product line of the company's
    posted customer invoices and credit notes dated up to as_of, untaxed revenue in company
    currency, and the candidate costs (metrics.md section 0) that ``engine.pipeline.sales_costs``
    chooses from; ``firsts``: every batch's, each row led by its batch (:func:`batched_reads`)."""
    domain = Domain(
        [
            ("company_id", "=", company.id),
            ("parent_state", "=", "posted"),
            ("move_id.move_type", "in", ("out_invoice", "out_refund")),
            ("display_type", "=", "product"),
            ("move_id.invoice_date", "<=", as_of),
        ]
    )
    if partner_ids is not None:
        domain &= partner_domain("move_id.partner_id", contacts(env, partner_ids), partner_ids)
    # joined to the ORM's query (record rules applied): one scan of the lines
    query = env["account.move.line"]._search(domain)
    line = query.table

    # the move's join of the domain (move type, invoice date), reused
    move = query.left_join(line, "move_id", "account_move", "id", "move_id")
    query.add_join(
        "LEFT JOIN",
        "ar_partner",
        "res_partner",
        SQL("%s = %s", SQL.identifier("ar_partner", "id"), SQL.identifier(move, "partner_id")),
    )
    _join_cogs(query, line, company, partner_ids)
    so_cost = _join_sale_cost(env, query, line, company)
    partner = SQL(
        "COALESCE(ar_partner.commercial_partner_id, %s)", SQL.identifier(move, "partner_id")
    )
    lead = SQL() if firsts is None else SQL("%s, ", batch_number(partner, firsts))
    return (
        query.select(
            SQL(
                """%(lead)s %(partner)s,
                   %(move)s, %(move_type)s, %(invoice_date)s,
                   (-%(balance)s)::float8, %(product)s,
                   (%(quantity)s
                    * CASE WHEN %(move_type)s = 'out_refund' THEN -1 ELSE 1 END)::float8,
                   ar_cogs.amount::float8, %(so_cost)s""",
                lead=lead,
                partner=partner,
                **identifiers(
                    move,
                    move="id",
                    move_type="move_type",
                    invoice_date="invoice_date",
                ),
                **identifiers(line, balance="balance", product="product_id", quantity="quantity"),
                so_cost=so_cost,
            )
        ),
        [
            *([] if firsts is None else [BATCH]),
            "partner_id",
            "move_id",
            "move_type",
            "invoice_date",
            "revenue",
            "product_id",
            "quantity",
            "cogs",
            "so_unit_cost",
        ],
        ["move_id", "product_id", "revenue", "quantity"],
    )


def standard_prices(env, company, product_ids):
    """The products' current cost in ``company`` (a Series by product id; NaN when none),
    read through the ORM: the cost is a company-dependent field."""
    ids = [int(p) for p in pd.unique(pd.Series(product_ids).dropna())]
    products = env["product.product"].sudo().with_company(company).browse(ids)
    return pd.Series({p.id: p.standard_price or np.nan for p in products}, dtype="float64")
