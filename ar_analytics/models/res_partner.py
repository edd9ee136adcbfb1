from odoo import api, fields, models
from odoo.fields import Domain

from .ar_customer_stat import ACTIONS, GRADES, TIERS

# partner field -> figure of the current company's ar.customer.stat row
CURRENT_FIGURES = {
    "ar_credit_grade": "grade",
    "ar_credit_score": "credit_score",
    "ar_tier": "tier",
    "ar_action": "action",
    "ar_payment_cycle_days": "payment_cycle_days",
    "ar_score_explanation": "score_explanation",
    "ar_figures_as_of": "as_of",
}


def _search_current(figure):
    """A search method on the current company's figure (stats read with sudo: salespeople
    filter on grades without reading the figures themselves)."""

    def search(self, operator, value):
        if operator not in ("=", "in", "<", "<=", ">", ">="):
            return NotImplemented
        stats = (
            self.env["ar.customer.stat"]
            .sudo()
            .search([("company_id", "=", self.env.company.id), (figure, operator, value)])
        )
        return Domain("commercial_partner_id", "in", stats.partner_id.ids)

    return search


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_stat_ids = fields.One2many("ar.customer.stat", "partner_id", "Receivables figures")
    ar_stat_id = fields.Many2one(
        "ar.customer.stat",
        "Receivables figures (current company)",
        compute="_compute_ar_current",
        compute_sudo=True,
    )
    # what a salesperson sees of the current company's figures (read with sudo)
    ar_credit_grade = fields.Selection(
        GRADES,
        "Credit grade",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("grade"),
    )
    ar_credit_score = fields.Float(
        "Credit score",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("credit_score"),
        digits=(5, 1),
    )
    ar_tier = fields.Selection(
        TIERS,
        "Customer tier",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("tier"),
    )
    ar_action = fields.Selection(
        ACTIONS,
        "Credit action",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("action"),
    )
    ar_payment_cycle_days = fields.Float(
        "Payment cycle (days)",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("payment_cycle_days"),
        digits=(16, 1),
    )
    ar_grade_overridden = fields.Boolean(compute="_compute_ar_current", compute_sudo=True)
    ar_score_explanation = fields.Html(
        "Score breakdown", compute="_compute_ar_current", compute_sudo=True, sanitize=False
    )
    ar_figures_as_of = fields.Date(
        "Figures as of", compute="_compute_ar_current", compute_sudo=True
    )

    ar_window_days = fields.Integer(
        "Window (days)", compute="_compute_ar_current", compute_sudo=True
    )

    @api.depends("ar_stat_ids")
    @api.depends_context("company")
    def _compute_ar_current(self):
        stats = self.env["ar.customer.stat"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {stat.partner_id: stat for stat in stats}
        for partner in self:
            stat = by_partner.get(partner.commercial_partner_id, stats.browse())
            partner.ar_stat_id = stat
            for field, figure in CURRENT_FIGURES.items():
                partner[field] = stat[figure]
            partner.ar_grade_overridden = stat.grade_overridden
            partner.ar_window_days = self.env.company.ar_window_days

    def action_ar_refresh(self):
        """Recompute the receivables figures of these customers in the allowed companies."""
        partners = self.commercial_partner_id
        self.env["ar.refresh"]._refresh(self.env.companies, partner_ids=set(partners.ids))
        return True
