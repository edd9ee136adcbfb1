from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_stat_ids = fields.One2many("ar.customer.stat", "partner_id", "Receivables figures")
    ar_stat_id = fields.Many2one(
        "ar.customer.stat", "Receivables figures (current company)", compute="_compute_ar_stat_id"
    )

    @api.depends("ar_stat_ids")
    @api.depends_context("company")
    def _compute_ar_stat_id(self):
        stats = self.env["ar.customer.stat"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {stat.partner_id: stat for stat in stats}
        for partner in self:
            partner.ar_stat_id = by_partner.get(partner.commercial_partner_id, False)

    def action_ar_refresh(self):
        """Recompute the receivables figures of these customers in the allowed companies."""
        partners = self.commercial_partner_id
        self.env["ar.refresh"]._refresh(self.env.companies, partner_ids=set(partners.ids))
        return True
