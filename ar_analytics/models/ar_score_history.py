from odoo import fields, models

from ..engine.constants import GRADE_LABELS


class ArScoreHistory(models.Model):
    """Compact history of a customer's credit score and grade in one company: one row per
    date at most, written only when something moved (or once per month), for trends, audit
    and backtests."""

    _name = "ar.score.history"
    _description = "Credit score history"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True)
    credit_score = fields.Float(readonly=True, aggregator="avg", digits=(5, 2))
    grade = fields.Selection(list(GRADE_LABELS), readonly=True)
    payment_index = fields.Float(readonly=True, aggregator="avg")
    days_late = fields.Float(readonly=True, aggregator="avg")
    collection_rate = fields.Float("Collection rate", readonly=True, aggregator="avg")
    overdue_ratio = fields.Float(readonly=True, aggregator="avg")
    total_ar = fields.Monetary("Open receivables", readonly=True, aggregator="sum")

    _partner_company_date_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id, date)", "One history row per customer, company and date."
    )
    _partner_company_date_idx = models.Index("(partner_id, company_id, date DESC)")
