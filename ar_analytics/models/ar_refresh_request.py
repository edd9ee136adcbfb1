from odoo import fields, models


class ArRefreshRequest(models.Model):
    """A customer whose figures must be refreshed in one company: queued by postings and
    reconciliations at the end of their transaction, processed right after by a cron job
    (so those operations stay fast); one row per customer and company at most."""

    _name = "ar.refresh.request"
    _description = "Queued receivables refresh"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")

    _company_partner_uniq = models.Constraint(
        "UNIQUE(company_id, partner_id)", "A customer is queued once per company."
    )
