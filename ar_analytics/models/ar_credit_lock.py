from odoo import api, fields, models


class ArCreditLock(models.Model):
    """One row per company and customer, written by every credit check that reads the
    customer's exposure: concurrent checks for the same customer are serialised (see
    ``store/sql/credit_figures.sql``, the database function that writes them, created
    with this table). ``checks`` counts them."""

    _name = "ar.credit.lock"
    _description = "Credit check serialisation"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    checks = fields.Integer(default=0)

    _company_partner_uniq = models.Constraint(
        "UNIQUE(company_id, partner_id)", "One credit lock per customer and company."
    )

    @api.private
    def init(self):
        self.env["ar.credit.rules"]._create_figures_function()
