"""The company's receivables settings: aging, analysis window, credit score and tiers. The
credit rules, signals and backtest settings extend res.company in the res_company_* files."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import constants
from .ar_security import INTERNAL_GROUP

#: the indicator weights S1..S5: ``ar_<name>`` holds the weight, ``ar_suggest_<name>`` the
#: suggested one
WEIGHT_FIELDS = (
    "weight_index",
    "weight_overdue",
    "weight_age",
    "weight_collection",
    "weight_trend",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_aging_bucket_ids = fields.One2many(
        "ar.aging.bucket", "company_id", "Aging buckets", groups=INTERNAL_GROUP
    )
    ar_aging_basis = fields.Selection(
        list(constants.AGING_BASIS_LABELS),
        "Aging basis",
        default=constants.BASIS_DUE,
        required=True,
        help="Age of an open item: days past its due date (standard) or since its invoice date.",
        groups=INTERNAL_GROUP,
    )
    ar_window_days = fields.Integer(
        "Analysis window (days)",
        default=constants.DEFAULT_WINDOW_DAYS,
        required=True,
        help="Payment behaviour and collection figures look at the trailing window ending on "
        "the as-of date.",
        groups=INTERNAL_GROUP,
    )
    ar_min_observations = fields.Integer(
        "Minimum observations",
        default=constants.DEFAULT_MIN_OBS,
        required=True,
        help="A customer with fewer payments than this gets no payment index.",
        groups=INTERNAL_GROUP,
    )
    ar_last_refresh = fields.Datetime(
        "Receivables figures refreshed", readonly=True, groups=INTERNAL_GROUP
    )
    # credit score (metrics.md section 4): indicator weights and grade cut-offs
    ar_weight_index = fields.Float(
        "Weight: payment index",
        default=constants.DEFAULT_SCORE_WEIGHTS[0],
        digits=(4, 3),
        groups=INTERNAL_GROUP,
    )
    ar_weight_overdue = fields.Float(
        "Weight: share not overdue",
        default=constants.DEFAULT_SCORE_WEIGHTS[1],
        digits=(4, 3),
        groups=INTERNAL_GROUP,
    )
    ar_weight_age = fields.Float(
        "Weight: oldest overdue",
        default=constants.DEFAULT_SCORE_WEIGHTS[2],
        digits=(4, 3),
        groups=INTERNAL_GROUP,
    )
    ar_weight_collection = fields.Float(
        "Weight: collection rate",
        default=constants.DEFAULT_SCORE_WEIGHTS[3],
        digits=(4, 3),
        groups=INTERNAL_GROUP,
    )
    ar_weight_trend = fields.Float(
        "Weight: days-late trend",
        default=constants.DEFAULT_SCORE_WEIGHTS[4],
        digits=(4, 3),
        groups=INTERNAL_GROUP,
    )
    ar_score_dpd_cap = fields.Integer(
        "Oldest overdue: days for zero points",
        default=constants.DEFAULT_DPD_CAP,
        help="The score's 'oldest overdue item' part goes from full marks (nothing overdue) "
        "down to zero when the oldest unpaid item is this many days overdue.",
        groups=INTERNAL_GROUP,
    )
    ar_score_trend_days = fields.Integer(
        "Trend: days of slowdown for zero points",
        default=constants.DEFAULT_TREND_FULL,
        help="The score's 'trend' part goes from full marks (paying no later than before) "
        "down to zero when the customer now pays this many days later than it used to.",
        groups=INTERNAL_GROUP,
    )
    ar_score_recent_days = fields.Integer(
        "Trend: recent period (days)",
        default=constants.DEFAULT_RECENT_DAYS,
        help="Days late of this recent period are compared with the rest of the window.",
        groups=INTERNAL_GROUP,
    )
    ar_grade_a = fields.Float(
        "Grade A from",
        default=constants.DEFAULT_GRADE_CUTOFFS[0],
        digits=(5, 2),
        groups=INTERNAL_GROUP,
    )
    ar_grade_b = fields.Float(
        "Grade B from",
        default=constants.DEFAULT_GRADE_CUTOFFS[1],
        digits=(5, 2),
        groups=INTERNAL_GROUP,
    )
    ar_grade_c = fields.Float(
        "Grade C from",
        default=constants.DEFAULT_GRADE_CUTOFFS[2],
        digits=(5, 2),
        groups=INTERNAL_GROUP,
    )
    # tiers (metrics.md section 5): cumulative revenue share before the customer
    ar_tier_core = fields.Float(
        "Core up to cumulative share",
        default=constants.DEFAULT_TIER_CUTOFFS[0],
        digits=(4, 3),
        help="Customers sorted by revenue, largest first: those that together bring this share "
        "of the revenue are core customers.",
        groups=INTERNAL_GROUP,
    )
    ar_tier_important = fields.Float(
        "Important up to cumulative share",
        default=constants.DEFAULT_TIER_CUTOFFS[1],
        digits=(4, 3),
        help="The next customers, up to this share of the revenue, are important; the rest are "
        "general.",
        groups=INTERNAL_GROUP,
    )

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
                        "0 %% < core (%(core)s) < important (%(important)s) <= 100 %%.",
                        core=f"{100 * core:g} %",
                        important=f"{100 * important:g} %",
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
        self.env["ar.dunning.level"].sudo()._ensure_defaults(companies)
        return companies
