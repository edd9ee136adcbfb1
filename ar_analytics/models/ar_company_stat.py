from odoo import fields, models


class ArCompanyStat(models.Model):
    """A company's receivables totals: the same figures, computed over all its customers."""

    _name = "ar.company.stat"
    _inherit = "ar.figures.mixin"
    _description = "Company receivables figures"
    _rec_name = "company_id"

    customer_count = fields.Integer("Customers", readonly=True)

    _company_uniq = models.Constraint("UNIQUE(company_id)", "A company has one row of totals.")
