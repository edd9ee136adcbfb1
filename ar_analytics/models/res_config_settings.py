from odoo import api, fields, models

from .res_company_signals import SIGNAL_PRESET_FIELDS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_aging_basis = fields.Selection(related="company_id.ar_aging_basis", readonly=False)
    ar_window_days = fields.Integer(related="company_id.ar_window_days", readonly=False)
    ar_min_observations = fields.Integer(related="company_id.ar_min_observations", readonly=False)
    ar_last_refresh = fields.Datetime(related="company_id.ar_last_refresh")
    ar_weight_index = fields.Float(related="company_id.ar_weight_index", readonly=False)
    ar_weight_overdue = fields.Float(related="company_id.ar_weight_overdue", readonly=False)
    ar_weight_age = fields.Float(related="company_id.ar_weight_age", readonly=False)
    ar_weight_collection = fields.Float(related="company_id.ar_weight_collection", readonly=False)
    ar_weight_trend = fields.Float(related="company_id.ar_weight_trend", readonly=False)
    ar_score_dpd_cap = fields.Integer(related="company_id.ar_score_dpd_cap", readonly=False)
    ar_score_trend_days = fields.Integer(related="company_id.ar_score_trend_days", readonly=False)
    ar_score_recent_days = fields.Integer(related="company_id.ar_score_recent_days", readonly=False)
    ar_grade_a = fields.Float(related="company_id.ar_grade_a", readonly=False)
    ar_grade_b = fields.Float(related="company_id.ar_grade_b", readonly=False)
    ar_grade_c = fields.Float(related="company_id.ar_grade_c", readonly=False)
    ar_tier_core = fields.Float(related="company_id.ar_tier_core", readonly=False)
    ar_tier_important = fields.Float(related="company_id.ar_tier_important", readonly=False)
    ar_rule_limit = fields.Boolean(related="company_id.ar_rule_limit", readonly=False)
    ar_rule_grade = fields.Boolean(related="company_id.ar_rule_grade", readonly=False)
    ar_grade_a_action = fields.Selection(related="company_id.ar_grade_a_action", readonly=False)
    ar_grade_a_days = fields.Integer(related="company_id.ar_grade_a_days", readonly=False)
    ar_grade_b_action = fields.Selection(related="company_id.ar_grade_b_action", readonly=False)
    ar_grade_b_days = fields.Integer(related="company_id.ar_grade_b_days", readonly=False)
    ar_grade_c_action = fields.Selection(related="company_id.ar_grade_c_action", readonly=False)
    ar_grade_c_days = fields.Integer(related="company_id.ar_grade_c_days", readonly=False)
    ar_grade_d_action = fields.Selection(related="company_id.ar_grade_d_action", readonly=False)
    ar_grade_d_days = fields.Integer(related="company_id.ar_grade_d_days", readonly=False)
    ar_grade_unrated_action = fields.Selection(
        related="company_id.ar_grade_unrated_action", readonly=False
    )
    ar_grade_unrated_days = fields.Integer(
        related="company_id.ar_grade_unrated_days", readonly=False
    )
    ar_rule_overdue = fields.Boolean(related="company_id.ar_rule_overdue", readonly=False)
    ar_overdue_days = fields.Integer(related="company_id.ar_overdue_days", readonly=False)
    ar_overdue_amount = fields.Monetary(related="company_id.ar_overdue_amount", readonly=False)
    ar_rule_on_invoice = fields.Boolean(related="company_id.ar_rule_on_invoice", readonly=False)
    ar_promise_grace_days = fields.Integer(
        related="company_id.ar_promise_grace_days", readonly=False
    )
    ar_dunning_auto_send = fields.Boolean(related="company_id.ar_dunning_auto_send", readonly=False)
    ar_statement_period = fields.Selection(related="company_id.ar_statement_period", readonly=False)
    ar_dunning_offset_a = fields.Integer(related="company_id.ar_dunning_offset_a", readonly=False)
    ar_dunning_offset_b = fields.Integer(related="company_id.ar_dunning_offset_b", readonly=False)
    ar_dunning_offset_c = fields.Integer(related="company_id.ar_dunning_offset_c", readonly=False)
    ar_dunning_offset_d = fields.Integer(related="company_id.ar_dunning_offset_d", readonly=False)
    ar_dunning_call_core = fields.Boolean(related="company_id.ar_dunning_call_core", readonly=False)
    ar_dunning_call_important = fields.Boolean(
        related="company_id.ar_dunning_call_important", readonly=False
    )
    ar_dunning_call_general = fields.Boolean(
        related="company_id.ar_dunning_call_general", readonly=False
    )
    ar_signal_preset = fields.Selection(related="company_id.ar_signal_preset", readonly=False)
    ar_signal_min_amount = fields.Monetary(
        related="company_id.ar_signal_min_amount", readonly=False
    )
    ar_signal_due_days = fields.Integer(related="company_id.ar_signal_due_days", readonly=False)
    ar_signal_bucket_days = fields.Integer(
        related="company_id.ar_signal_bucket_days", readonly=False
    )
    ar_signal_jump_warn = fields.Float(related="company_id.ar_signal_jump_warn", readonly=False)
    ar_signal_jump_alert = fields.Float(related="company_id.ar_signal_jump_alert", readonly=False)
    ar_signal_ewma_lambda = fields.Float(related="company_id.ar_signal_ewma_lambda", readonly=False)
    ar_signal_ewma_sigmas = fields.Float(related="company_id.ar_signal_ewma_sigmas", readonly=False)
    ar_signal_cusum_k = fields.Float(related="company_id.ar_signal_cusum_k", readonly=False)
    ar_signal_cusum_h = fields.Float(related="company_id.ar_signal_cusum_h", readonly=False)
    ar_signal_monitor_months = fields.Integer(
        related="company_id.ar_signal_monitor_months", readonly=False
    )
    ar_signal_index_warn = fields.Float(related="company_id.ar_signal_index_warn", readonly=False)
    ar_signal_index_alert = fields.Float(related="company_id.ar_signal_index_alert", readonly=False)
    ar_signal_overdue_rise = fields.Float(
        related="company_id.ar_signal_overdue_rise", readonly=False
    )
    ar_signal_limit_warn = fields.Float(related="company_id.ar_signal_limit_warn", readonly=False)
    ar_signal_limit_alert = fields.Float(related="company_id.ar_signal_limit_alert", readonly=False)
    ar_signal_notify = fields.Selection(related="company_id.ar_signal_notify", readonly=False)
    ar_signals_date = fields.Date(related="company_id.ar_signals_date")
    ar_backtest_date = fields.Date(related="company_id.ar_backtest_date")
    ar_backtest_customers = fields.Integer(related="company_id.ar_backtest_customers")
    ar_backtest_spearman = fields.Float(related="company_id.ar_backtest_spearman")
    ar_backtest_capture = fields.Float(related="company_id.ar_backtest_capture")
    ar_backtest_predictor_ids = fields.One2many(related="company_id.ar_backtest_predictor_ids")
    ar_backtest_items = fields.Integer(related="company_id.ar_backtest_items")
    ar_backtest_expected_mae = fields.Float(related="company_id.ar_backtest_expected_mae")
    ar_backtest_due_mae = fields.Float(related="company_id.ar_backtest_due_mae")
    ar_backtest_late_mae = fields.Float(related="company_id.ar_backtest_late_mae")
    ar_suggest_date = fields.Date(related="company_id.ar_suggest_date")
    ar_suggest_customers = fields.Integer(related="company_id.ar_suggest_customers")
    ar_suggest_weight_index = fields.Float(related="company_id.ar_suggest_weight_index")
    ar_suggest_weight_overdue = fields.Float(related="company_id.ar_suggest_weight_overdue")
    ar_suggest_weight_age = fields.Float(related="company_id.ar_suggest_weight_age")
    ar_suggest_weight_collection = fields.Float(related="company_id.ar_suggest_weight_collection")
    ar_suggest_weight_trend = fields.Float(related="company_id.ar_suggest_weight_trend")
    ar_suggest_spearman = fields.Float(related="company_id.ar_suggest_spearman")
    ar_suggest_current_spearman = fields.Float(related="company_id.ar_suggest_current_spearman")
    ar_suggest_gain = fields.Float(related="company_id.ar_suggest_gain")

    @api.onchange("ar_signal_preset")
    def _onchange_ar_signal_preset(self):
        """A preset shows its thresholds (developer mode) before it is saved."""
        for settings in self:
            values = self.env["res.company"]._ar_signal_preset_values(settings.ar_signal_preset)
            settings.update(values)

    @api.onchange(*SIGNAL_PRESET_FIELDS)
    def _onchange_ar_signal_thresholds(self):
        """A threshold changed by hand makes the preset custom (unless they are a preset's)."""
        for settings in self:
            settings.ar_signal_preset = self.env["res.company"]._ar_matching_signal_preset(
                {field: settings[field] for field in SIGNAL_PRESET_FIELDS}
            )

    def action_ar_refresh(self):
        """Refresh the receivables figures of the settings' company now."""
        self.ensure_one()
        refresh = self.env["ar.refresh"]
        if not refresh.sudo()._lock_company(self.company_id, wait=False):
            return self._ar_notify(
                self.env._(
                    "A refresh of %(company)s is already running: its figures appear when it ends.",
                    company=self.company_id.name,
                ),
                kind="warning",
            )
        count = refresh._refresh(self.company_id)
        return self._ar_notify(
            self.env._("Receivables figures refreshed: %(count)s customers updated.", count=count)
        )

    def action_ar_signals(self):
        """Compute the collection trend, forecast, expected cash and signals now."""
        self.ensure_one()
        count = self.env["ar.collection.run"]._run(self.company_id)
        return self._ar_notify(
            self.env._("Trend and signals computed: %(count)s active signals.", count=count)
        )

    def _ar_notify(self, message, kind="success"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _check_credit_manager(self):
        self.env["ar.grade.override.wizard"]._check_manager()

    def action_ar_backtest(self):
        """Backtest the grades of 6 months ago on the company's own data."""
        self.ensure_one()
        self._check_credit_manager()
        self.env["ar.backtest"].sudo()._backtest(self.company_id)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_ar_suggest_weights(self):
        """Suggest indicator weights from the company's own history (a credit manager)."""
        self.ensure_one()
        self._check_credit_manager()
        result = self.env["ar.backtest"].sudo()._suggest_weights(self.company_id)
        if result["weights"] is None or not self.company_id.ar_suggest_date:
            return self._ar_notify(
                self.env._(
                    "Not enough history to suggest weights: it takes customers rated a year "
                    "ago who paid in each half-year since."
                ),
                kind="warning",
            )
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_ar_apply_weights(self):
        """Make the suggested weights the company's (a credit manager); scores follow at the
        next refresh."""
        self.ensure_one()
        weights = self.company_id._ar_apply_suggested_weights()
        return self._ar_notify(
            self.env._(
                "Credit score weights set to %(weights)s; the scores change at the next refresh.",
                weights=" / ".join(f"{100 * weight:g} %" for weight in weights),
            )
        )

    def action_ar_backfill(self):
        """Rebuild the score history as of the last 24 month-ends."""
        self.ensure_one()
        self._check_credit_manager()
        months = self.env["ar.backtest"].sudo()._backfill_history(self.company_id)
        return self._ar_notify(
            self.env._("Score history rebuilt for %(months)s month-ends.", months=months)
        )

    def action_ar_buckets(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Aging buckets"),
            "res_model": "ar.aging.bucket",
            "view_mode": "list",
            "domain": [("company_id", "=", self.company_id.id)],
            "context": {"default_company_id": self.company_id.id},
        }
