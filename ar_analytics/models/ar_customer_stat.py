from odoo import fields, models


class ArCustomerStat(models.Model):
    """A customer's receivables figures in one company (one row per commercial partner and
    company), written by the refresh in batches; read by views, reports and credit rules."""

    _name = "ar.customer.stat"
    _inherit = "ar.figures.mixin"
    _description = "Customer receivables figures"
    _order = "total_ar desc, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson", store=True)
    team_id = fields.Many2one(
        related="partner_id.user_id.sale_team_id", string="Sales team", store=True
    )
    country_id = fields.Many2one(related="partner_id.country_id", store=True)
    industry_id = fields.Many2one(related="partner_id.industry_id", store=True)
    aging_ids = fields.One2many("ar.customer.aging", "stat_id", readonly=True)

    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "A customer has one row of figures per company.",
    )
