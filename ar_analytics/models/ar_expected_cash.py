"""Expected cash-in per customer and period (``ar.expected.cash``)."""

from odoo import fields, models

from .ar_trend import money


class ArExpectedCash(models.Model):
    """Expected cash-in per customer and period (13 weeks, 6 months), the amount expected
    later and the uncertain amount (items without usable payment history) apart."""

    _name = "ar.expected.cash"
    _description = "Expected cash-in"
    _order = "company_id, frequency, sequence, partner_id"
    _rec_name = "period"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True, index=True)
    as_of = fields.Date("As of", readonly=True)
    frequency = fields.Selection(
        [("week", "Weekly"), ("month", "Monthly")], required=True, readonly=True
    )
    kind = fields.Selection(
        [
            ("period", "Expected in the period"),
            ("later", "Expected after the last period"),
            ("uncertain", "Uncertain: no payment history"),
        ],
        required=True,
        readonly=True,
    )
    sequence = fields.Integer(readonly=True, aggregator=None)
    period = fields.Char(
        readonly=True,
        help="The period's dates; the amounts expected after the last period and the "
        "uncertain ones (customers without payment history) on rows of their own.",
    )
    date_start = fields.Date("From", readonly=True)
    date_end = fields.Date("To", readonly=True)
    amount = money("Expected amount")
