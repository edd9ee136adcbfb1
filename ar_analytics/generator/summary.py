"""The demo command's summary of a database: what it holds, per company."""

from odoo import fields
from odoo.fields import Domain


def _money(company, amount):
    return f"{company.currency_id.symbol} {amount:,.2f}"


def _sum_residual(env, domain):
    [(total,)] = env["account.move.line"]._read_group(domain, [], ["amount_residual:sum"])
    return total or 0.0


def demo_summary(env):
    """Lines of text describing each company's receivables."""
    lines = []
    today = fields.Date.context_today(env["res.company"])
    for company in env["res.company"].search([], order="id"):
        documents = Domain(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ]
        )
        counts = dict(env["account.move"]._read_group(documents, ["move_type"], ["__count"]))
        if not counts:
            continue
        customers = env["account.move"]._read_group(
            documents & Domain("move_type", "=", "out_invoice"),
            [],
            ["commercial_partner_id:count_distinct"],
        )[0][0]
        open_items = Domain(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
            ]
        )
        lines += [
            f"\n{company.name} ({company.currency_id.name})",
            f"  customers invoiced   {customers}",
            f"  invoices posted      {counts.get('out_invoice', 0)}",
            f"  credit notes posted  {counts.get('out_refund', 0)}",
            f"  open receivables     {_money(company, _sum_residual(env, open_items))}",
            "  of which past due    "
            + _money(company, _sum_residual(env, open_items & Domain("date_maturity", "<", today))),
        ]
    return lines
