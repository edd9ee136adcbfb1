from odoo import api, fields, models
from odoo.fields import Domain

from ..engine.constants import ACTION_LABELS, GRADE_LABELS, SEVERITY_LABELS, TIER_LABELS
from .ar_security import FIGURE_GROUPS, REFRESH_GROUPS, VERDICT_GROUPS, check_groups

# partner field -> figure of the current company's ar.customer.stat row
CURRENT_FIGURES = {
    "ar_credit_grade": "grade",
    "ar_credit_score": "credit_score",
    "ar_tier": "tier",
    "ar_action": "action",
    "ar_payment_cycle_days": "payment_cycle_days",
    "ar_score_explanation": "score_explanation",
    "ar_figures_as_of": "as_of",
    "ar_signal_severity": "signal_severity",
}


def _search_current(figure):
    """A search method on the current company's figure (stats read with sudo: salespeople
    filter on grades without reading the figures themselves)."""

    def search(self, operator, value):
        if operator not in ("=", "in", "<", "<=", ">", ">="):
            return NotImplemented
        # searching on a figure reveals it: only for those who may read the field
        name = next(name for name, column in CURRENT_FIGURES.items() if column == figure)
        self._check_field_access(self._fields[name], "read")
        stats = (
            self.env["ar.customer.stat"]
            .sudo()
            .search([("company_id", "=", self.env.company.id), (figure, operator, value)])
        )
        return Domain("commercial_partner_id", "in", stats.partner_id.ids)

    return search


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_stat_ids = fields.One2many(
        "ar.customer.stat", "partner_id", "Receivables figures", groups=FIGURE_GROUPS
    )
    ar_stat_id = fields.Many2one(
        "ar.customer.stat",
        "Receivables figures (current company)",
        compute="_compute_ar_current",
        compute_sudo=True,
        groups=FIGURE_GROUPS,
    )
    # what a salesperson sees of the current company's figures (read with sudo)
    ar_credit_grade = fields.Selection(
        list(GRADE_LABELS),
        "Credit grade",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("grade"),
        groups=VERDICT_GROUPS,
    )
    ar_credit_score = fields.Float(
        "Credit score",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("credit_score"),
        digits=(5, 1),
        groups=FIGURE_GROUPS,
    )
    ar_tier = fields.Selection(
        list(TIER_LABELS),
        "Customer tier",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("tier"),
        groups=VERDICT_GROUPS,
    )
    ar_action = fields.Selection(
        list(ACTION_LABELS),
        "Credit action",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("action"),
        groups=VERDICT_GROUPS,
    )
    ar_payment_cycle_days = fields.Float(
        "Payment cycle (days)",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("payment_cycle_days"),
        digits=(16, 1),
        groups=FIGURE_GROUPS,
    )
    ar_grade_overridden = fields.Boolean(
        compute="_compute_ar_current", compute_sudo=True, groups=VERDICT_GROUPS
    )
    ar_score_explanation = fields.Html(
        "Score breakdown",
        compute="_compute_ar_current",
        compute_sudo=True,
        sanitize=False,
        groups=FIGURE_GROUPS,
    )
    ar_figures_as_of = fields.Date(
        "Figures as of",
        compute="_compute_ar_current",
        compute_sudo=True,
        groups=FIGURE_GROUPS,
    )

    ar_signal_severity = fields.Selection(
        list(SEVERITY_LABELS),
        "Early warning",
        compute="_compute_ar_current",
        compute_sudo=True,
        search=_search_current("signal_severity"),
        groups=FIGURE_GROUPS,
    )
    # the dunning level a salesperson sees (read with sudo; the reminder log is not theirs)
    ar_dunning_level_id = fields.Many2one(
        "ar.dunning.level",
        "Dunning level",
        compute="_compute_ar_dunning",
        compute_sudo=True,
        groups=VERDICT_GROUPS,
    )
    ar_dunning_state_id = fields.Many2one(
        "ar.dunning.state",
        "Dunning",
        compute="_compute_ar_dunning",
        compute_sudo=True,
        groups=FIGURE_GROUPS,
    )
    ar_dunning_last_date = fields.Date(
        "Last reminder", compute="_compute_ar_dunning", compute_sudo=True, groups=FIGURE_GROUPS
    )
    ar_dunning_next_date = fields.Date(
        "Next action", compute="_compute_ar_dunning", compute_sudo=True, groups=FIGURE_GROUPS
    )
    ar_dunning_collector_id = fields.Many2one(
        "res.users",
        "Collector",
        compute="_compute_ar_dunning",
        compute_sudo=True,
        groups=FIGURE_GROUPS,
    )
    ar_dunning_paused_until = fields.Date(
        "Paused until", compute="_compute_ar_dunning", compute_sudo=True, groups=FIGURE_GROUPS
    )
    ar_statement_opt_out = fields.Boolean(
        "No periodic statement",
        help="The customer does not want its statement of account by email every period.",
        groups=FIGURE_GROUPS,
    )
    ar_signal_ids = fields.One2many(
        "ar.customer.signal",
        "partner_id",
        "Early-warning signals",
        domain=lambda self: self._ar_company_domain(),
        groups=FIGURE_GROUPS,
    )

    ar_window_days = fields.Integer(
        "Window (days)",
        compute="_compute_ar_current",
        compute_sudo=True,
        groups=FIGURE_GROUPS,
    )

    ar_aging_ids = fields.One2many(
        "ar.customer.aging",
        "partner_id",
        "Aging",
        domain=lambda self: self._ar_company_domain(),
        groups=FIGURE_GROUPS,
    )
    ar_exposure = fields.Monetary(
        "Credit exposure",
        compute="_compute_ar_exposure",
        currency_field="ar_company_currency_id",
        help="Open receivables + confirmed orders not invoiced, in the current company: the "
        "amount the credit limit is checked against.",
        groups=FIGURE_GROUPS,
    )
    ar_limit_use = fields.Float(
        "Credit limit used", compute="_compute_ar_exposure", groups=FIGURE_GROUPS
    )
    ar_company_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_ar_exposure",
        string="Company currency",
        groups=FIGURE_GROUPS,
    )
    ar_order_verdict = fields.Html(
        "Credit rules for new orders",
        compute="_compute_ar_order_verdict",
        compute_sudo=True,
        sanitize=False,
        help="What the current company's credit rules say about a new order for this customer.",
        groups=VERDICT_GROUPS,
    )
    ar_history_count = fields.Integer(
        "Score history entries",
        compute="_compute_ar_counts",
        compute_sudo=True,
        groups=FIGURE_GROUPS,
    )
    ar_open_item_count = fields.Integer(
        "Open invoices",
        compute="_compute_ar_counts",
        compute_sudo=True,
        groups=FIGURE_GROUPS,
    )

    def _ar_company_domain(self):
        return [("company_id", "=", self.env.company.id)]

    @api.depends_context("company")
    def _compute_ar_exposure(self):
        company = self.env.company
        for partner in self:
            commercial = partner.commercial_partner_id.sudo().with_company(company)
            exposure = commercial.credit + commercial.credit_to_invoice
            limit = commercial.credit_limit if company.account_use_credit_limit else 0.0
            partner.ar_company_currency_id = company.currency_id
            partner.ar_exposure = exposure
            partner.ar_limit_use = exposure / limit if limit > 0 else 0.0

    @api.depends_context("company")
    def _compute_ar_order_verdict(self):
        """Any new order under the current company's credit rules, checked with the
        smallest amount (one cent), which the wording never shows (no document)."""
        self.ar_order_verdict = False
        company = self.env.company
        if not company._ar_credit_rules_on():
            return
        rules = self.env["ar.credit.rules"]
        customers = self.filtered("id")
        requests = [
            {"key": partner.id, "partner": partner, "amount": company.currency_id.rounding}
            for partner in customers
        ]
        verdicts = rules._evaluate(company, requests)
        for partner in customers:
            _facts, findings = verdicts[partner.id]
            if findings:
                partner.ar_order_verdict = rules._message(
                    company, None, partner, findings, html=True
                )

    @api.depends_context("company")
    def _compute_ar_counts(self):
        company = self.env.company
        commercial = self.commercial_partner_id
        history = dict(
            self.env["ar.score.history"]._read_group(
                [("partner_id", "in", commercial.ids), ("company_id", "=", company.id)],
                ["partner_id"],
                ["__count"],
            )
        )
        items = dict(
            self.env["account.move"]._read_group(
                self._ar_open_items_domain(company)
                + [("commercial_partner_id", "in", commercial.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.ar_history_count = history.get(partner.commercial_partner_id, 0)
            partner.ar_open_item_count = items.get(partner.commercial_partner_id, 0)

    @api.model
    def _ar_open_items_domain(self, company):
        return [
            ("company_id", "=", company.id),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("payment_state", "in", ("not_paid", "partial")),
        ]

    def action_ar_open_items(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Open items"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": self._ar_open_items_domain(self.env.company)
            + [("commercial_partner_id", "=", self.commercial_partner_id.id)],
            "context": {"create": False},
        }

    def action_ar_score_history(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Score history"),
            "res_model": "ar.score.history",
            "view_mode": "list,graph",
            "domain": [
                ("partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
            ],
        }

    def _ar_current_rows(self, model):
        """{partner: its customer's ``model`` row of the current company} (empty if none)."""
        rows = self.env[model].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_customer = {row.partner_id: row for row in rows}
        return {p: by_customer.get(p.commercial_partner_id, rows.browse()) for p in self}

    @api.depends("ar_stat_ids")
    @api.depends_context("company")
    def _compute_ar_current(self):
        stats = self._ar_current_rows("ar.customer.stat")
        for partner in self:
            stat = stats[partner]
            partner.ar_stat_id = stat
            for field, figure in CURRENT_FIGURES.items():
                partner[field] = stat[figure]
            partner.ar_grade_overridden = stat.grade_overridden
            partner.ar_window_days = self.env.company.ar_window_days

    @api.depends_context("company")
    def _compute_ar_dunning(self):
        states = self._ar_current_rows("ar.dunning.state")
        for partner in self:
            state = states[partner]
            partner.ar_dunning_state_id = state
            partner.ar_dunning_level_id = state.level_id
            partner.ar_dunning_last_date = state.last_reminder_date
            partner.ar_dunning_next_date = state.next_action_date
            partner.ar_dunning_collector_id = state.collector_id
            partner.ar_dunning_paused_until = state.paused_until

    def action_ar_refresh(self):
        """Recompute the receivables figures of these customers in the allowed companies."""
        check_groups(
            self.env,
            REFRESH_GROUPS,
            self.env._("You are not allowed to recompute receivables figures."),
        )
        partners = self.commercial_partner_id
        self.env["ar.refresh"]._refresh(self.env.companies, partner_ids=set(partners.ids))
        return True
