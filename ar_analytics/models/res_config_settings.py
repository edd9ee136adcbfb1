from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_aging_basis = fields.Selection(related="company_id.ar_aging_basis", readonly=False)
    ar_window_days = fields.Integer(related="company_id.ar_window_days", readonly=False)
    ar_min_observations = fields.Integer(related="company_id.ar_min_observations", readonly=False)
    ar_last_refresh = fields.Datetime(related="company_id.ar_last_refresh")

    def action_ar_refresh(self):
        """Refresh the receivables figures of the settings' company now."""
        self.ensure_one()
        count = self.env["ar.refresh"]._refresh(self.company_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Receivables figures refreshed: %(count)s customers updated.", count=count
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

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
