from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.ar_analytics.models.ar_security import INTERNAL_GROUP

DEFAULT_BATCH_SIZE = 1000


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_refresh_in_jobs = fields.Boolean(
        string="Refresh in queue jobs",
        groups=INTERNAL_GROUP,
        help="The nightly refresh of this company's receivables figures runs as queue jobs, "
        "one per batch of customers, that the job runners of every Odoo node share; then the "
        "company totals, then the collection trend, forecast and signals.",
    )
    ar_refresh_batch_size = fields.Integer(
        string="Customers per job",
        groups=INTERNAL_GROUP,
        default=DEFAULT_BATCH_SIZE,
        help="How many customers one job refreshes: smaller batches spread over more workers "
        "and use less memory each.",
    )

    @api.constrains("ar_refresh_batch_size")
    def _check_ar_refresh_batch_size(self):
        for company in self:
            if company.ar_refresh_batch_size < 1:
                raise ValidationError(
                    self.env._(
                        "A refresh job must refresh at least one customer (%(company)s).",
                        company=company.name,
                    )
                )
