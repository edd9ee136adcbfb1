from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import credit_rules, signals
from ..engine.constants import (
    DEFAULT_SIGNAL_MIN_AMOUNT,
    SIGNAL_PRESET_CAUTIOUS,
    SIGNAL_PRESET_CUSTOM,
    SIGNAL_PRESET_RELAXED,
    SIGNAL_PRESET_STANDARD,
    SIGNAL_PRESETS,
)

GRADE_ACTIONS = [
    (credit_rules.ACTION_ALLOW, "Allow"),
    (credit_rules.ACTION_APPROVAL, "Manager approval"),
    (credit_rules.ACTION_PREPAY, "Paid in advance"),
    (credit_rules.ACTION_OVERDUE, "Hold if past due > N days"),
]
#: the company's receivables settings and backtest: internal users only (not portal)
INTERNAL = "base.group_user"
#: grade (None: unrated) -> field suffix of its action and days on res.company
GRADE_FIELDS = {"A": "a", "B": "b", "C": "c", "D": "d", None: "unrated"}
CREDIT_MANAGER = "ar_analytics.group_ar_analytics_credit_manager"
#: the indicator weights S1..S5: ``ar_<name>`` holds the weight, ``ar_suggest_<name>`` the
#: suggested one
WEIGHT_FIELDS = (
    "weight_index",
    "weight_overdue",
    "weight_age",
    "weight_collection",
    "weight_trend",
)
#: the backtest of the expected payment dates: company field -> method (engine.expected)
BACKTEST_DATE_FIELDS = {
    "ar_backtest_expected_mae": "expected",
    "ar_backtest_due_mae": "due",
    "ar_backtest_late_mae": "mean_late",
}
#: the statistical thresholds a sensitivity preset sets: company field -> engine name
SIGNAL_PRESET_FIELDS = {
    "ar_signal_jump_warn": "jump_warn_z",
    "ar_signal_jump_alert": "jump_alert_z",
    "ar_signal_ewma_lambda": "ewma_lambda",
    "ar_signal_ewma_sigmas": "ewma_sigmas",
    "ar_signal_cusum_k": "cusum_k",
    "ar_signal_cusum_h": "cusum_h",
}
#: the stored suggestion (ar.refresh._suggest_weights)
SUGGESTION_FIELDS = (
    "ar_suggest_date",
    "ar_suggest_customers",
    *(f"ar_suggest_{name}" for name in WEIGHT_FIELDS),
    "ar_suggest_spearman",
    "ar_suggest_current_spearman",
    "ar_suggest_gain",
)


def _grade_action(grade):
    action, _days = credit_rules.DEFAULT_GRADE_ACTIONS[grade]
    label = f"Grade {grade}" if grade else "Unrated"
    return fields.Selection(GRADE_ACTIONS, label, default=action, required=True, groups=INTERNAL)


def _grade_days(grade):
    _action, days = credit_rules.DEFAULT_GRADE_ACTIONS[grade]
    label = f"Grade {grade}: days past due" if grade else "Unrated: days past due"
    return fields.Integer(
        label,
        default=days,
        help="With 'Hold if past due > N days': N, the days an item may be past due before "
        "new orders are held.",
        groups=INTERNAL,
    )


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_aging_bucket_ids = fields.One2many(
        "ar.aging.bucket", "company_id", "Aging buckets", groups=INTERNAL
    )
    ar_aging_basis = fields.Selection(
        [("due", "Due date"), ("invoice", "Invoice date")],
        "Aging basis",
        default="due",
        required=True,
        help="Age of an open item: days past its due date (standard) or since its invoice date.",
        groups=INTERNAL,
    )
    ar_window_days = fields.Integer(
        "Analysis window (days)",
        default=365,
        required=True,
        help="Payment behaviour and collection figures look at the trailing window ending on "
        "the as-of date.",
        groups=INTERNAL,
    )
    ar_min_observations = fields.Integer(
        "Minimum observations",
        default=3,
        required=True,
        help="A customer with fewer payments than this gets no payment index.",
        groups=INTERNAL,
    )
    ar_last_refresh = fields.Datetime(
        "Receivables figures refreshed", readonly=True, groups=INTERNAL
    )
    # credit score (metrics.md section 4): indicator weights and grade cut-offs
    ar_weight_index = fields.Float(
        "Weight: payment index", default=0.40, digits=(4, 3), groups=INTERNAL
    )
    ar_weight_overdue = fields.Float(
        "Weight: overdue share", default=0.20, digits=(4, 3), groups=INTERNAL
    )
    ar_weight_age = fields.Float(
        "Weight: oldest overdue", default=0.15, digits=(4, 3), groups=INTERNAL
    )
    ar_weight_collection = fields.Float(
        "Weight: collection rate", default=0.15, digits=(4, 3), groups=INTERNAL
    )
    ar_weight_trend = fields.Float(
        "Weight: days-late trend", default=0.10, digits=(4, 3), groups=INTERNAL
    )
    ar_score_dpd_cap = fields.Integer(
        "Oldest overdue: days for zero points",
        default=120,
        help="The score's 'oldest overdue item' part goes from full marks (nothing overdue) "
        "down to zero when the oldest unpaid item is this many days overdue.",
        groups=INTERNAL,
    )
    ar_score_trend_days = fields.Integer(
        "Trend: days of slowdown for zero points",
        default=30,
        help="The score's 'trend' part goes from full marks (paying no later than before) "
        "down to zero when the customer now pays this many days later than it used to.",
        groups=INTERNAL,
    )
    ar_score_recent_days = fields.Integer(
        "Trend: recent period (days)",
        default=90,
        help="Days late of this recent period are compared with the rest of the window.",
        groups=INTERNAL,
    )
    ar_grade_a = fields.Float("Grade A from", default=80.0, digits=(5, 2), groups=INTERNAL)
    ar_grade_b = fields.Float("Grade B from", default=65.0, digits=(5, 2), groups=INTERNAL)
    ar_grade_c = fields.Float("Grade C from", default=50.0, digits=(5, 2), groups=INTERNAL)
    # tiers (metrics.md section 5): cumulative revenue share before the customer
    ar_tier_core = fields.Float(
        "Core up to cumulative share",
        default=0.80,
        digits=(4, 3),
        help="Customers sorted by revenue, largest first: those that together bring this share "
        "of the revenue are core customers.",
        groups=INTERNAL,
    )
    ar_tier_important = fields.Float(
        "Important up to cumulative share",
        default=0.95,
        digits=(4, 3),
        help="The next customers, up to this share of the revenue, are important; the rest are "
        "general.",
        groups=INTERNAL,
    )
    # credit rules (issue 5): each can be switched on or off
    ar_rule_limit = fields.Boolean(
        "Block orders over the credit limit",
        help="Confirming an order is blocked when the customer's exposure after it (open "
        "receivables + confirmed orders not invoiced + this order) exceeds its credit limit. "
        "Uses the Sales Credit Limit setting and each customer's credit limit.",
        groups=INTERNAL,
    )
    ar_rule_grade = fields.Boolean(
        "Apply the grade policies",
        help="What each credit grade does with a new order: allow it, require a credit "
        "manager's approval, require payment in advance, or hold it while old items are due.",
        groups=INTERNAL,
    )
    ar_grade_a_action = _grade_action("A")
    ar_grade_a_days = _grade_days("A")
    ar_grade_b_action = _grade_action("B")
    ar_grade_b_days = _grade_days("B")
    ar_grade_c_action = _grade_action("C")
    ar_grade_c_days = _grade_days("C")
    ar_grade_d_action = _grade_action("D")
    ar_grade_d_days = _grade_days("D")
    ar_grade_unrated_action = _grade_action(None)
    ar_grade_unrated_days = _grade_days(None)
    ar_rule_overdue = fields.Boolean(
        "Block customers with overdue items",
        help="Confirming an order is blocked while the customer has an item past due by more "
        "than the days below, or more past due in total than the amount below.",
        groups=INTERNAL,
    )
    ar_overdue_days = fields.Integer("Past due by more than (days)", default=60, groups=INTERNAL)
    ar_overdue_amount = fields.Monetary(
        "Or past due in total more than",
        currency_field="currency_id",
        help="0: no amount condition, only the days count.",
        groups=INTERNAL,
    )
    ar_rule_on_invoice = fields.Boolean(
        "Check customer invoices too",
        help="Apply the same rules when posting a customer invoice, for the part of it that "
        "does not come from a confirmed sales order (those were checked at confirmation).",
        groups=INTERNAL,
    )
    ar_promise_grace_days = fields.Integer(
        "Promise grace days",
        default=3,
        help="Days after a promised payment date before an unkept promise counts as broken.",
        groups=INTERNAL,
    )
    # early-warning signals (metrics.md section 7): the thresholds, and the daily job's state
    ar_signal_preset = fields.Selection(
        [
            (SIGNAL_PRESET_CAUTIOUS, "Cautious: more alerts, earlier"),
            (SIGNAL_PRESET_STANDARD, "Standard"),
            (SIGNAL_PRESET_RELAXED, "Relaxed: fewer alerts"),
            (SIGNAL_PRESET_CUSTOM, "Custom"),
        ],
        "Alert sensitivity",
        compute="_compute_ar_signal_preset",
        inverse="_inverse_ar_signal_preset",
        store=True,
        readonly=False,
        help="How readily a customer whose payments are getting later is flagged. Cautious "
        "flags it sooner (more alerts), Relaxed only on a clear change (fewer alerts); "
        "Standard suits most companies. Custom: the detailed thresholds were changed by hand.",
        groups=INTERNAL,
    )
    ar_signal_min_amount = fields.Monetary(
        "Minimum amount at risk",
        currency_field="currency_id",
        default=DEFAULT_SIGNAL_MIN_AMOUNT,
        help="A warning or an alert is raised only when the amount it concerns (what the "
        "customer owes that is late, due or over its limit) reaches this amount.",
        groups=INTERNAL,
    )
    ar_signal_due_days = fields.Integer(
        "Due soon within (days)", default=signals.DUE_SOON_DAYS, groups=INTERNAL
    )
    ar_signal_bucket_days = fields.Integer(
        "Alert on a move into a bucket from (days)",
        default=signals.ALERT_BUCKET_DAYS,
        help="A move into an older bucket warns; into a bucket starting at this age, it alerts.",
        groups=INTERNAL,
    )
    ar_signal_jump_warn = fields.Float(
        "Days-late jump: warning at z",
        default=signals.JUMP_WARN_Z,
        digits=(4, 2),
        groups=INTERNAL,
    )
    ar_signal_jump_alert = fields.Float(
        "Days-late jump: alert at z",
        default=signals.JUMP_ALERT_Z,
        digits=(4, 2),
        groups=INTERNAL,
    )
    ar_signal_ewma_lambda = fields.Float(
        "EWMA weight (lambda)",
        default=signals.EWMA_LAMBDA,
        digits=(4, 2),
        groups=INTERNAL,
    )
    ar_signal_ewma_sigmas = fields.Float(
        "EWMA limit (sigmas)",
        default=signals.EWMA_SIGMAS,
        digits=(4, 2),
        groups=INTERNAL,
    )
    ar_signal_cusum_k = fields.Float(
        "CUSUM slack (k)", default=signals.CUSUM_K, digits=(4, 2), groups=INTERNAL
    )
    ar_signal_cusum_h = fields.Float(
        "CUSUM limit (h)", default=signals.CUSUM_H, digits=(4, 2), groups=INTERNAL
    )
    ar_signal_monitor_months = fields.Integer(
        "Drift: months monitored",
        default=signals.MONITOR_MONTHS,
        help="The drift checks compare how late the customer paid in these last months with "
        "the 12 months before.",
        groups=INTERNAL,
    )
    ar_signal_index_warn = fields.Float(
        "Payment index drop: warning at",
        default=signals.INDEX_DROP_WARN,
        digits=(6, 1),
        help="Points (a negative number): warn when the payment index of the last 3 months is "
        "this much below that of the last 12 months.",
        groups=INTERNAL,
    )
    ar_signal_index_alert = fields.Float(
        "Payment index drop: alert at",
        default=signals.INDEX_DROP_ALERT,
        digits=(6, 1),
        help="Points (a negative number): alert when the payment index of the last 3 months is "
        "this much below that of the last 12 months.",
        groups=INTERNAL,
    )
    ar_signal_overdue_rise = fields.Float(
        "Overdue share rise in 90 days",
        default=signals.OVERDUE_SHARE_RISE,
        digits=(5, 4),
        help="Warn when the overdue part of what the customer owes is this many percentage "
        "points higher than 90 days before.",
        groups=INTERNAL,
    )
    ar_signal_limit_warn = fields.Float(
        "Credit limit used: warning above",
        default=signals.UTILISATION_WARN,
        digits=(5, 4),
        help="What the customer owes (open invoices and confirmed orders not yet invoiced) as "
        "a percentage of its credit limit.",
        groups=INTERNAL,
    )
    ar_signal_limit_alert = fields.Float(
        "Credit limit used: alert above",
        default=signals.UTILISATION_ALERT,
        digits=(5, 4),
        help="What the customer owes (open invoices and confirmed orders not yet invoiced) as "
        "a percentage of its credit limit.",
        groups=INTERNAL,
    )
    ar_signal_notify = fields.Selection(
        [
            ("salesperson", "The customer's salesperson (else a credit manager)"),
            ("credit_manager", "A credit manager"),
        ],
        "Alert activities for",
        default="salesperson",
        required=True,
        groups=INTERNAL,
    )
    ar_signals_date = fields.Date("Signals as of", readonly=True, groups=INTERNAL)
    ar_signals_since = fields.Date("Signals compared with", readonly=True, groups=INTERNAL)
    # backtest of the grades on the company's own data
    ar_backtest_date = fields.Date("Backtest as of", readonly=True, groups=INTERNAL)
    ar_backtest_customers = fields.Integer("Backtest customers", readonly=True, groups=INTERNAL)
    ar_backtest_spearman = fields.Float(
        "Rank correlation",
        readonly=True,
        digits=(4, 3),
        help="1: the grades ranked the customers exactly by how late they paid since; 0: not "
        "at all.",
        groups=INTERNAL,
    )
    ar_backtest_capture = fields.Float(
        "Late payers graded C or D",
        readonly=True,
        digits=(4, 3),
        help="Of the customers who then paid more than 30 days late, the share the grades had "
        "put in C or D.",
        groups=INTERNAL,
    )
    ar_backtest_predictor_ids = fields.One2many(
        "ar.backtest.predictor",
        "company_id",
        "Score against its ingredients",
        readonly=True,
        groups=INTERNAL,
    )
    # expected payment dates of the backtest date against the actual ones, and naive dates
    ar_backtest_items = fields.Integer(
        "Items paid since",
        readonly=True,
        help="Items open on the backtest date and paid in full since, with cash.",
        groups=INTERNAL,
    )
    ar_backtest_expected_mae = fields.Float(
        "Expected dates: mean error (days)", readonly=True, digits=(6, 1), groups=INTERNAL
    )
    ar_backtest_due_mae = fields.Float(
        "Due dates: mean error (days)", readonly=True, digits=(6, 1), groups=INTERNAL
    )
    ar_backtest_late_mae = fields.Float(
        "Due date + mean days late: mean error (days)",
        readonly=True,
        digits=(6, 1),
        help="Each item's due date plus its customer's average days late so far.",
        groups=INTERNAL,
    )
    # indicator weights suggested by the backtest, judged on a period the fit never saw
    ar_suggest_date = fields.Date("Weights suggested as of", readonly=True, groups=INTERNAL)
    ar_suggest_customers = fields.Integer("Customers judged", readonly=True, groups=INTERNAL)
    ar_suggest_weight_index = fields.Float(
        "Suggested: payment index", readonly=True, digits=(4, 3), groups=INTERNAL
    )
    ar_suggest_weight_overdue = fields.Float(
        "Suggested: overdue share", readonly=True, digits=(4, 3), groups=INTERNAL
    )
    ar_suggest_weight_age = fields.Float(
        "Suggested: oldest overdue", readonly=True, digits=(4, 3), groups=INTERNAL
    )
    ar_suggest_weight_collection = fields.Float(
        "Suggested: collection rate", readonly=True, digits=(4, 3), groups=INTERNAL
    )
    ar_suggest_weight_trend = fields.Float(
        "Suggested: days-late trend", readonly=True, digits=(4, 3), groups=INTERNAL
    )
    ar_suggest_spearman = fields.Float(
        "Rank correlation, suggested weights", readonly=True, digits=(4, 3), groups=INTERNAL
    )
    ar_suggest_current_spearman = fields.Float(
        "Rank correlation, current weights", readonly=True, digits=(4, 3), groups=INTERNAL
    )
    ar_suggest_gain = fields.Float(
        "Gain of the suggested weights",
        readonly=True,
        digits=(4, 3),
        help="How much better the suggested weights ranked customers by later lateness than "
        "the current ones, on the latest half-year, which was not used to choose them (above "
        "0: better).",
        groups=INTERNAL,
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

    @api.constrains(
        *(f"ar_grade_{suffix}_days" for suffix in GRADE_FIELDS.values()),
        "ar_overdue_days",
        "ar_overdue_amount",
        "ar_promise_grace_days",
    )
    def _check_ar_credit_rules(self):
        for company in self:
            if company.ar_promise_grace_days < 0:
                raise ValidationError(self.env._("Promise grace days must be 0 or more."))
            if (
                min(
                    company.ar_overdue_days,
                    *(company[f"ar_grade_{suffix}_days"] for suffix in GRADE_FIELDS.values()),
                )
                < 0
            ):
                raise ValidationError(
                    self.env._("Days past due in the credit rules must be 0 or more.")
                )
            if company.ar_overdue_amount < 0:
                raise ValidationError(
                    self.env._("The past-due amount of the overdue rule cannot be negative.")
                )

    @api.constrains(
        "ar_signal_due_days",
        "ar_signal_bucket_days",
        "ar_signal_jump_warn",
        "ar_signal_jump_alert",
        "ar_signal_ewma_lambda",
        "ar_signal_ewma_sigmas",
        "ar_signal_cusum_k",
        "ar_signal_cusum_h",
        "ar_signal_monitor_months",
        "ar_signal_index_warn",
        "ar_signal_index_alert",
        "ar_signal_overdue_rise",
        "ar_signal_limit_warn",
        "ar_signal_limit_alert",
        "ar_signal_min_amount",
    )
    def _check_ar_signals(self):
        for company in self:
            if company.ar_signal_min_amount < 0:
                raise ValidationError(
                    self.env._("Signals: the minimum amount at risk cannot be negative.")
                )
            if company.ar_signal_due_days < 0 or company.ar_signal_bucket_days < 1:
                raise ValidationError(
                    self.env._(
                        "Signals: the due-soon days must be 0 or more and the alert bucket "
                        "age 1 day or more."
                    )
                )
            if not 0 < company.ar_signal_jump_warn <= company.ar_signal_jump_alert:
                raise ValidationError(
                    self.env._(
                        "Signals: the days-late jump thresholds must be positive, the warning "
                        "at most the alert."
                    )
                )
            if not 0 < company.ar_signal_ewma_lambda <= 1:
                raise ValidationError(self.env._("Signals: the EWMA weight must be in (0, 1]."))
            if min(company.ar_signal_ewma_sigmas, company.ar_signal_cusum_h) <= 0 or (
                company.ar_signal_cusum_k < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Signals: the EWMA and CUSUM limits must be positive and the CUSUM "
                        "slack 0 or more."
                    )
                )
            if not 1 <= company.ar_signal_monitor_months <= 24:
                raise ValidationError(
                    self.env._("Signals: the drift watches between 1 and 24 months.")
                )
            if not company.ar_signal_index_alert <= company.ar_signal_index_warn < 0:
                raise ValidationError(
                    self.env._(
                        "Signals: the payment index drops are negative, the alert at most "
                        "the warning."
                    )
                )
            if not 0 < company.ar_signal_overdue_rise <= 1:
                raise ValidationError(
                    self.env._(
                        "Signals: the overdue share rise must be more than 0 % and at most 100 %."
                    )
                )
            if not 0 < company.ar_signal_limit_warn <= company.ar_signal_limit_alert:
                raise ValidationError(
                    self.env._(
                        "Signals: the credit limit thresholds must be positive, the warning "
                        "at most the alert."
                    )
                )

    def _ar_signal_thresholds(self):
        """The company's thresholds for the engine (the others keep metrics.md's values)."""
        self.ensure_one()
        return signals.SignalThresholds(
            due_soon_days=self.ar_signal_due_days,
            alert_bucket_days=self.ar_signal_bucket_days,
            jump_warn_z=self.ar_signal_jump_warn,
            jump_alert_z=self.ar_signal_jump_alert,
            ewma_lambda=self.ar_signal_ewma_lambda,
            ewma_sigmas=self.ar_signal_ewma_sigmas,
            cusum_k=self.ar_signal_cusum_k,
            cusum_h=self.ar_signal_cusum_h,
            monitor_months=self.ar_signal_monitor_months,
            index_drop_warn=self.ar_signal_index_warn,
            index_drop_alert=self.ar_signal_index_alert,
            overdue_share_rise=self.ar_signal_overdue_rise,
            utilisation_warn=self.ar_signal_limit_warn,
            utilisation_alert=self.ar_signal_limit_alert,
            min_amount=self.ar_signal_min_amount,
        )

    @api.model
    def _ar_signal_preset_values(self, preset):
        """{company field: value} of the statistical thresholds of ``preset`` (none for
        custom)."""
        values = SIGNAL_PRESETS.get(preset, {})
        return {field: values[key] for field, key in SIGNAL_PRESET_FIELDS.items() if values}

    @api.model
    def _ar_matching_signal_preset(self, values):
        """The preset whose thresholds are ``values`` ({company field: value}), else custom."""
        return signals.matching_preset(
            {key: values[field] for field, key in SIGNAL_PRESET_FIELDS.items()}
        )

    @api.depends(*SIGNAL_PRESET_FIELDS)
    def _compute_ar_signal_preset(self):
        # thresholds changed by hand show as custom, unless they are a preset's
        for company in self:
            company.ar_signal_preset = self._ar_matching_signal_preset(
                {field: company[field] for field in SIGNAL_PRESET_FIELDS}
            )

    def _inverse_ar_signal_preset(self):
        for company in self:
            values = self._ar_signal_preset_values(company.ar_signal_preset)
            if values:
                company.write(values)

    @tools.ormcache("self.id")
    def _ar_tree_ids(self):
        """Ids of the company's root and all its branches, archived ones included (the
        companies core's customer credit counts). Companies never move in the hierarchy,
        and creating or deleting one clears this cache."""
        self.ensure_one()
        tree = (
            self.sudo()
            .with_context(active_test=False)
            .search([("parent_path", "=like", f"{self.root_id.parent_path}%")])
        )
        return tuple(tree.ids)

    def _ar_credit_policy(self):
        """The company's credit rules for the engine; the limit rule also needs core's
        Sales Credit Limit setting."""
        self.ensure_one()
        return credit_rules.CreditPolicy(
            limit_on=self.ar_rule_limit and self.account_use_credit_limit,
            grade_on=self.ar_rule_grade,
            grade_actions={
                grade: (self[f"ar_grade_{suffix}_action"], self[f"ar_grade_{suffix}_days"])
                for grade, suffix in GRADE_FIELDS.items()
            },
            overdue_on=self.ar_rule_overdue,
            overdue_days=self.ar_overdue_days,
            overdue_amount=self.ar_overdue_amount,
        )

    def _ar_credit_rules_on(self):
        self.ensure_one()
        policy = self._ar_credit_policy()
        return policy.limit_on or policy.grade_on or policy.overdue_on

    def _ar_score_weights(self):
        self.ensure_one()
        return (
            self.ar_weight_index,
            self.ar_weight_overdue,
            self.ar_weight_age,
            self.ar_weight_collection,
            self.ar_weight_trend,
        )

    def _ar_suggested_weights(self):
        self.ensure_one()
        return tuple(self[f"ar_suggest_{name}"] for name in WEIGHT_FIELDS)

    def _ar_apply_suggested_weights(self):
        """Write the suggested weights as the company's (a credit manager only) and clear
        the suggestion, now the current weights."""
        self.ensure_one()
        if not self.env.user.has_group(CREDIT_MANAGER):
            raise AccessError(
                self.env._("Only a credit manager can change the credit score weights.")
            )
        if not self.ar_suggest_date:
            raise UserError(self.env._("Suggest weights first: there is no suggestion to apply."))
        weights = self._ar_suggested_weights()
        self.sudo().write(
            {
                **{f"ar_{name}": value for name, value in zip(WEIGHT_FIELDS, weights, strict=True)},
                **dict.fromkeys(SUGGESTION_FIELDS, False),
            }
        )
        return weights

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
