from odoo import fields, models


class ArCompanyStat(models.Model):
    """A company's receivables totals: the same figures, computed over all its customers."""

    _name = "ar.company.stat"
    _inherit = "ar.figures.mixin"
    _description = "Company receivables figures"
    _rec_name = "company_id"

    customer_count = fields.Integer("Customers", readonly=True)
    top_customers_share = fields.Float(
        "Top 10 customers' revenue share", readonly=True, aggregator=None
    )
    top_fifth_share = fields.Float(
        "Top 20% customers' revenue share", readonly=True, aggregator=None
    )
    margin_coverage = fields.Float(
        readonly=True, aggregator=None, help="Share of revenue whose cost (so margin) is known."
    )

    _company_uniq = models.Constraint("UNIQUE(company_id)", "A company has one row of totals.")
