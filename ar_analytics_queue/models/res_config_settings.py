from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_refresh_in_jobs = fields.Boolean(related="company_id.ar_refresh_in_jobs", readonly=False)
    ar_refresh_batch_size = fields.Integer(
        related="company_id.ar_refresh_batch_size", readonly=False
    )
