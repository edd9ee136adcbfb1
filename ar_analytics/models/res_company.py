from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_aging_bucket_ids = fields.One2many("ar.aging.bucket", "company_id", "Aging buckets")
    ar_aging_basis = fields.Selection(
        [("due", "Due date"), ("invoice", "Invoice date")],
        "Aging basis",
        default="due",
        required=True,
        help="Age of an open item: days past its due date (standard) or since its invoice date.",
    )
    ar_window_days = fields.Integer(
        "Analysis window (days)",
        default=365,
        required=True,
        help="Payment behaviour and collection figures look at the trailing window ending on "
        "the as-of date.",
    )
    ar_min_observations = fields.Integer(
        "Minimum observations",
        default=3,
        required=True,
        help="Fewer payment observations than this: the payment index is undefined.",
    )
    ar_last_refresh = fields.Datetime("Receivables figures refreshed", readonly=True)

    @api.constrains("ar_window_days", "ar_min_observations")
    def _check_ar_settings(self):
        for company in self:
            if company.ar_window_days <= 0:
                raise ValidationError(self.env._("The analysis window must be at least one day."))
            if company.ar_min_observations < 1:
                raise ValidationError(
                    self.env._("The minimum number of observations must be at least 1.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["ar.aging.bucket"].sudo()._ensure_defaults(companies)
        return companies
