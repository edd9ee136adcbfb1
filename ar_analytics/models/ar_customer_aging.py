from odoo import fields, models


class ArCustomerAging(models.Model):
    """A customer's open receivables in one aging bucket of its company (non-zero only)."""

    _name = "ar.customer.aging"
    _description = "Customer aging bucket amount"
    _order = "stat_id, sequence, id"

    stat_id = fields.Many2one(
        "ar.customer.stat", required=True, readonly=True, ondelete="cascade", index=True
    )
    partner_id = fields.Many2one(related="stat_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="stat_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    bucket_id = fields.Many2one("ar.aging.bucket", required=True, readonly=True, ondelete="cascade")
    sequence = fields.Integer(related="bucket_id.sequence", store=True)
    amount = fields.Monetary(readonly=True, aggregator="sum")

    _stat_bucket_uniq = models.Constraint(
        "UNIQUE(stat_id, bucket_id)", "One amount per customer and bucket."
    )
