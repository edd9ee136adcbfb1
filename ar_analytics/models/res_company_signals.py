"""The company's early-warning signal settings: the sensitivity preset, the thresholds and
the daily job's state."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import constants, signals
from .ar_security import INTERNAL_GROUP

#: the statistical thresholds a sensitivity preset sets: company field -> engine name
SIGNAL_PRESET_FIELDS = {
    "ar_signal_jump_warn": "jump_warn_z",
    "ar_signal_jump_alert": "jump_alert_z",
    "ar_signal_ewma_lambda": "ewma_lambda",
    "ar_signal_ewma_sigmas": "ewma_sigmas",
    "ar_signal_cusum_k": "cusum_k",
    "ar_signal_cusum_h": "cusum_h",
}


class ResCompany(models.Model):
    # one extension per theme of settings, so that no file grows too long
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    # early-warning signals (metrics.md section 7): the thresholds, and the daily job's state
    ar_signal_preset = fields.Selection(
        list(constants.SIGNAL_PRESET_LABELS),
        "Alert sensitivity",
        compute="_compute_ar_signal_preset",
        inverse="_inverse_ar_signal_preset",
        store=True,
        readonly=False,
        help="How readily a customer whose payments are getting later is flagged. Cautious "
        "flags it sooner (more alerts), Relaxed only on a clear change (fewer alerts); "
        "Standard suits most companies. Custom: the detailed thresholds were changed by hand.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_min_amount = fields.Monetary(
        "Minimum amount at risk",
        currency_field="currency_id",
        default=constants.DEFAULT_SIGNAL_MIN_AMOUNT,
        help="A warning or an alert is raised only when the amount it concerns (what the "
        "customer owes that is late, due or over its limit) reaches this amount.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_due_days = fields.Integer(
        "Due soon within (days)", default=signals.DUE_SOON_DAYS, groups=INTERNAL_GROUP
    )
    ar_signal_bucket_days = fields.Integer(
        "Alert on a move into a bucket from (days)",
        default=signals.ALERT_BUCKET_DAYS,
        help="A move into an older bucket warns; into a bucket starting at this age, it alerts.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_jump_warn = fields.Float(
        "Days-late jump: warning at z",
        default=signals.JUMP_WARN_Z,
        digits=(4, 2),
        groups=INTERNAL_GROUP,
    )
    ar_signal_jump_alert = fields.Float(
        "Days-late jump: alert at z",
        default=signals.JUMP_ALERT_Z,
        digits=(4, 2),
        groups=INTERNAL_GROUP,
    )
    ar_signal_ewma_lambda = fields.Float(
        "EWMA weight (lambda)",
        default=signals.EWMA_LAMBDA,
        digits=(4, 2),
        groups=INTERNAL_GROUP,
    )
    ar_signal_ewma_sigmas = fields.Float(
        "EWMA limit (sigmas)",
        default=signals.EWMA_SIGMAS,
        digits=(4, 2),
        groups=INTERNAL_GROUP,
    )
    ar_signal_cusum_k = fields.Float(
        "CUSUM slack (k)", default=signals.CUSUM_K, digits=(4, 2), groups=INTERNAL_GROUP
    )
    ar_signal_cusum_h = fields.Float(
        "CUSUM limit (h)", default=signals.CUSUM_H, digits=(4, 2), groups=INTERNAL_GROUP
    )
    ar_signal_monitor_months = fields.Integer(
        "Drift: months monitored",
        default=signals.MONITOR_MONTHS,
        help="The drift checks compare how late the customer paid in these last months with "
        "the 12 months before.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_index_warn = fields.Float(
        "Payment index drop: warning at",
        default=signals.INDEX_DROP_WARN,
        digits=(6, 1),
        help="Points (a negative number): warn when the payment index of the last 3 months is "
        "this much below that of the last 12 months.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_index_alert = fields.Float(
        "Payment index drop: alert at",
        default=signals.INDEX_DROP_ALERT,
        digits=(6, 1),
        help="Points (a negative number): alert when the payment index of the last 3 months is "
        "this much below that of the last 12 months.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_overdue_rise = fields.Float(
        "Overdue share rise in 90 days",
        default=signals.OVERDUE_SHARE_RISE,
        digits=(5, 4),
        help="Warn when the overdue part of what the customer owes is this many percentage "
        "points higher than 90 days before.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_limit_warn = fields.Float(
        "Credit limit used: warning above",
        default=signals.UTILISATION_WARN,
        digits=(5, 4),
        help="What the customer owes (open invoices and confirmed orders not yet invoiced) as "
        "a percentage of its credit limit.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_limit_alert = fields.Float(
        "Credit limit used: alert above",
        default=signals.UTILISATION_ALERT,
        digits=(5, 4),
        help="What the customer owes (open invoices and confirmed orders not yet invoiced) as "
        "a percentage of its credit limit.",
        groups=INTERNAL_GROUP,
    )
    ar_signal_notify = fields.Selection(
        [
            ("salesperson", "The customer's salesperson (else a credit manager)"),
            ("credit_manager", "A credit manager"),
        ],
        "Alert activities for",
        default="salesperson",
        required=True,
        groups=INTERNAL_GROUP,
    )
    ar_signals_date = fields.Date("Signals as of", readonly=True, groups=INTERNAL_GROUP)
    ar_signals_since = fields.Date("Signals compared with", readonly=True, groups=INTERNAL_GROUP)

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
        values = constants.SIGNAL_PRESETS.get(preset, {})
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
