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
    # credit score (metrics.md section 4): indicator weights and grade cut-offs
    ar_weight_index = fields.Float("Weight: payment index", default=0.40, digits=(4, 3))
    ar_weight_overdue = fields.Float("Weight: overdue share", default=0.20, digits=(4, 3))
    ar_weight_age = fields.Float("Weight: oldest overdue", default=0.15, digits=(4, 3))
    ar_weight_collection = fields.Float("Weight: collection rate", default=0.15, digits=(4, 3))
    ar_weight_trend = fields.Float("Weight: days-late trend", default=0.10, digits=(4, 3))
    ar_score_dpd_cap = fields.Integer(
        "Oldest overdue: days for zero points",
        default=120,
        help="S3 falls linearly from 100 (nothing overdue) to 0 at this many days past due.",
    )
    ar_score_trend_days = fields.Integer(
        "Trend: days of slowdown for zero points",
        default=30,
        help="S5 falls linearly from 100 (no slowdown) to 0 when recent days late exceed the "
        "rest of the window by this many days.",
    )
    ar_score_recent_days = fields.Integer(
        "Trend: recent period (days)",
        default=90,
        help="Days late of this recent period are compared with the rest of the window.",
    )
    ar_grade_a = fields.Float("Grade A from", default=80.0, digits=(5, 2))
    ar_grade_b = fields.Float("Grade B from", default=65.0, digits=(5, 2))
    ar_grade_c = fields.Float("Grade C from", default=50.0, digits=(5, 2))
    # tiers (metrics.md section 5): cumulative revenue share before the customer
    ar_tier_core = fields.Float("Core up to cumulative share", default=0.80, digits=(4, 3))
    ar_tier_important = fields.Float(
        "Important up to cumulative share", default=0.95, digits=(4, 3)
    )
    # backtest of the grades on the company's own data
    ar_backtest_date = fields.Date("Backtest as of", readonly=True)
    ar_backtest_customers = fields.Integer("Backtest customers", readonly=True)
    ar_backtest_spearman = fields.Float("Rank correlation", readonly=True, digits=(4, 3))
    ar_backtest_capture = fields.Float("Late payers graded C or D", readonly=True, digits=(4, 3))

    @api.constrains("ar_window_days", "ar_min_observations")
    def _check_ar_settings(self):
        for company in self:
            if company.ar_window_days <= 0:
                raise ValidationError(self.env._("The analysis window must be at least one day."))
            if company.ar_min_observations < 1:
                raise ValidationError(
                    self.env._("The minimum number of observations must be at least 1.")
                )

    @api.constrains(
        "ar_weight_index",
        "ar_weight_overdue",
        "ar_weight_age",
        "ar_weight_collection",
        "ar_weight_trend",
    )
    def _check_ar_weights(self):
        for company in self:
            weights = company._ar_score_weights()
            if any(w < 0 for w in weights):
                raise ValidationError(self.env._("Credit score weights cannot be negative."))
            if not sum(weights):
                raise ValidationError(
                    self.env._("At least one credit score weight must be greater than zero.")
                )

    @api.constrains(
        "ar_score_dpd_cap", "ar_score_trend_days", "ar_score_recent_days", "ar_window_days"
    )
    def _check_ar_score_parameters(self):
        for company in self:
            if (
                min(
                    company.ar_score_dpd_cap,
                    company.ar_score_trend_days,
                    company.ar_score_recent_days,
                )
                < 1
            ):
                raise ValidationError(self.env._("Credit score parameters must be at least 1 day."))
            if company.ar_score_recent_days >= company.ar_window_days:
                raise ValidationError(
                    self.env._(
                        "The trend's recent period (%(recent)s days) must be shorter than the "
                        "analysis window (%(window)s days).",
                        recent=company.ar_score_recent_days,
                        window=company.ar_window_days,
                    )
                )

    @api.constrains("ar_grade_a", "ar_grade_b", "ar_grade_c")
    def _check_ar_grades(self):
        for company in self:
            a, b, c = company._ar_grade_cutoffs()
            if not 100 >= a > b > c > 0:
                raise ValidationError(
                    self.env._(
                        "Grade cut-offs must be strictly decreasing between 100 and 0: "
                        "A (%(a)s) > B (%(b)s) > C (%(c)s).",
                        a=a,
                        b=b,
                        c=c,
                    )
                )

    @api.constrains("ar_tier_core", "ar_tier_important")
    def _check_ar_tiers(self):
        for company in self:
            core, important = company._ar_tier_cutoffs()
            if not 0 < core < important <= 1:
                raise ValidationError(
                    self.env._(
                        "Tier cut-offs must satisfy "
                        "0 < core (%(core)s) < important (%(important)s) <= 1.",
                        core=core,
                        important=important,
                    )
                )

    def _ar_score_weights(self):
        self.ensure_one()
        return (
            self.ar_weight_index,
            self.ar_weight_overdue,
            self.ar_weight_age,
            self.ar_weight_collection,
            self.ar_weight_trend,
        )

    def _ar_grade_cutoffs(self):
        self.ensure_one()
        return (self.ar_grade_a, self.ar_grade_b, self.ar_grade_c)

    def _ar_tier_cutoffs(self):
        self.ensure_one()
        return (self.ar_tier_core, self.ar_tier_important)

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["ar.aging.bucket"].sudo()._ensure_defaults(companies)
        return companies
