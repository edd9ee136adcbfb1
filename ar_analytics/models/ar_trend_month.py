"""One month of a company's or a customer's collection series (``ar.trend.month``)."""

from odoo import fields, models
from odoo.tools import SQL

from .ar_trend import SCOPES, figure, money


class ArTrendMonth(models.Model):
    """One month of a company's or a customer's collection series; forecast months carry
    the forecast only."""

    _name = "ar.trend.month"
    _description = "Monthly collection trend"
    _order = "company_id, scope, partner_id, month"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    scope = fields.Selection(SCOPES, required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True, index=True)
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    kind = fields.Selection(
        [("actual", "Actual"), ("forecast", "Forecast")], required=True, readonly=True
    )
    invoiced = money("Invoiced", help="Net sales of the month: invoices less credit notes.")
    collected = money("Collected", help="Cash received on the month's invoices and older ones.")
    forecast = money("Forecast collections")
    collections = money(
        "Collections (actual or forecast)",
        help="Collected in an actual month, the forecast in a forecast month: one line to chart.",
    )
    collection_rate = figure(
        "Collection rate",
        digits=(16, 4),
        help="Cash received on the items due in the month over their amount, at the month end.",
    )
    wadp = figure("Payment cycle (days)", help="Amount-weighted days to pay of the month.")
    wadl = figure("Days late", help="Amount-weighted days late of the payments of the month.")
    cei = figure("CEI", digits=(16, 4), help="Collection effectiveness index of the month.")
    invoiced_mom = figure("Invoiced vs previous month", digits=(16, 4))
    invoiced_yoy = figure("Invoiced vs a year before", digits=(16, 4))
    collected_mom = figure("Collected vs previous month", digits=(16, 4))
    collected_yoy = figure("Collected vs a year before", digits=(16, 4))
    collection_rate_mom = figure("Collection rate change (points)", digits=(16, 4))
    collection_rate_yoy = figure("Collection rate change on a year (points)", digits=(16, 4))
    wadl_mom = figure("Days late change (days)")
    wadl_yoy = figure("Days late change on a year (days)")
    invoiced_roll3 = money("Invoiced, last 3 months")
    collected_roll3 = money("Collected, last 3 months")
    # Odoo reads an empty number as 0: the views hide the figures a month does not have
    empty_figures = fields.Char(compute="_compute_empty_figures")

    def _compute_empty_figures(self):
        """``,name,name,`` of the figures stored empty (NULL) on each row."""
        names = [
            name
            for name, field in self._fields.items()
            if field.store and field.type in ("float", "monetary")
        ]
        rows = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, concat_ws(',', '', %s, '') FROM ar_trend_month WHERE id = ANY(%s)",
                    SQL(", ").join(
                        SQL("CASE WHEN %s IS NULL THEN %s END", SQL.identifier(name), name)
                        for name in names
                    ),
                    self.ids,
                )
            )
        )
        for row in self:
            row.empty_figures = rows.get(row.id, "")
