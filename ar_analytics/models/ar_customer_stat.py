from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from ..engine.constants import (
    ACTION_LABELS,
    GRADE_LABELS,
    GRADE_POLICIES,
    GRADE_POLICY_LABELS,
    SCORE_INDICATOR_NAMES,
    SEVERITY_LABELS,
    TIER_LABELS,
)
from ..store import grades


class ArCustomerStat(models.Model):
    """A customer's receivables figures in one company (one row per commercial partner and
    company), written by the refresh in batches; read by views, reports and credit rules."""

    _name = "ar.customer.stat"
    _inherit = "ar.figures.mixin"
    _description = "Customer receivables figures"
    _order = "total_ar desc, id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson", store=True)
    team_id = fields.Many2one(
        related="partner_id.user_id.sale_team_id", string="Sales team", store=True
    )
    country_id = fields.Many2one(related="partner_id.country_id", store=True)
    industry_id = fields.Many2one(related="partner_id.industry_id", store=True)
    aging_ids = fields.One2many("ar.customer.aging", "stat_id", readonly=True)

    # credit score and grade (section 4)
    credit_score = fields.Float(readonly=True, aggregator="avg", digits=(5, 2))
    computed_grade = fields.Selection(list(GRADE_LABELS), readonly=True)
    grade = fields.Selection(
        list(GRADE_LABELS),
        "Credit grade",
        readonly=True,
        index=True,
        help="The computed grade, or the credit manager's override while it is valid.",
    )
    rated = fields.Boolean(readonly=True)
    days_late_trend = fields.Float(
        "Days-late trend",
        readonly=True,
        aggregator="avg",
        help="Days late of the last 90 days minus days late of the rest of the window.",
    )
    score_index = fields.Float("S1 payment index", readonly=True, aggregator="avg")
    score_overdue = fields.Float("S2 share not overdue", readonly=True, aggregator="avg")
    score_age = fields.Float("S3 oldest overdue", readonly=True, aggregator="avg")
    score_collection = fields.Float("S4 collection rate", readonly=True, aggregator="avg")
    score_trend = fields.Float("S5 trend", readonly=True, aggregator="avg")
    weight_index = fields.Float(readonly=True, aggregator=None)
    weight_overdue = fields.Float(readonly=True, aggregator=None)
    weight_age = fields.Float(readonly=True, aggregator=None)
    weight_collection = fields.Float(readonly=True, aggregator=None)
    weight_trend = fields.Float(readonly=True, aggregator=None)
    points_index = fields.Float(readonly=True, aggregator=None)
    points_overdue = fields.Float(readonly=True, aggregator=None)
    points_age = fields.Float(readonly=True, aggregator=None)
    points_collection = fields.Float(readonly=True, aggregator=None)
    points_trend = fields.Float(readonly=True, aggregator=None)
    grade_policy = fields.Selection(list(GRADE_POLICY_LABELS), compute="_compute_grade_policy")
    score_explanation = fields.Html(compute="_compute_score_explanation", sanitize=False)
    # manual override by a credit manager, never touched by a refresh
    grade_override = fields.Selection(list(GRADE_LABELS), readonly=True)
    grade_override_reason = fields.Text(readonly=True)
    grade_override_expiry = fields.Date(readonly=True)
    grade_override_user_id = fields.Many2one("res.users", "Overridden by", readonly=True)
    grade_override_date = fields.Datetime("Overridden on", readonly=True)
    grade_overridden = fields.Boolean(compute="_compute_grade_overridden")

    # contribution and tiers (section 5)
    revenue = fields.Monetary(readonly=True, aggregator="sum", help="Untaxed, net of credit notes.")
    revenue_share = fields.Float(readonly=True, aggregator="sum")
    cost_of_sales = fields.Monetary(readonly=True, aggregator="sum")
    margin = fields.Monetary(readonly=True, aggregator="sum")
    margin_approximate = fields.Boolean(
        readonly=True, help="Part of the cost is the product's current cost, not the cost then."
    )
    margin_share = fields.Float(readonly=True, aggregator="sum")
    cumulative_share_before = fields.Float(readonly=True, aggregator=None)
    tier = fields.Selection(list(TIER_LABELS), readonly=True, index=True)
    revenue_rank = fields.Integer(readonly=True, aggregator=None)
    recency_days = fields.Integer("Days since last invoice", readonly=True, aggregator="avg")
    frequency = fields.Integer("Invoices (window)", readonly=True, aggregator="sum")
    r_score = fields.Integer("Recency score", readonly=True, aggregator="avg")
    f_score = fields.Integer("Frequency score", readonly=True, aggregator="avg")
    m_score = fields.Integer("Monetary score", readonly=True, aggregator="avg")
    action = fields.Selection(list(ACTION_LABELS), "Recommended action", readonly=True)
    signal_severity = fields.Selection(
        list(SEVERITY_LABELS),
        "Early warning",
        readonly=True,
        index=True,
        help="The worst of the customer's open signals (the daily collection job).",
    )
    has_margin = fields.Boolean(readonly=True)
    has_trend = fields.Boolean(readonly=True)
    has_recency = fields.Boolean(readonly=True)

    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "A customer has one row of figures per company.",
    )

    @api.depends("grade")
    def _compute_grade_policy(self):
        for stat in self:
            stat.grade_policy = GRADE_POLICIES[stat.grade][0] if stat.grade else False

    @api.depends("grade_override", "grade_override_expiry", "as_of")
    def _compute_grade_overridden(self):
        for stat in self:
            stat.grade_overridden = stat._override_valid()

    def _override_valid(self):
        self.ensure_one()
        if not self.grade_override:
            return False
        return not self.grade_override_expiry or self.grade_override_expiry >= fields.Date.today()

    def _indicator_values(self):
        """Each score indicator's own figure, worded with its unit (what the points are
        computed from), by indicator name."""
        self.ensure_one()
        env = self.env
        trend = round(self.days_late_trend, 1)

        def number(value, digits=1):
            return formatLang(env, value, digits=digits)

        return {
            "index": env._("%(index)s of 100", index=number(self.payment_index)),
            "overdue": env._(
                "%(share)s%% not overdue", share=number(100 * (1 - self.overdue_ratio), 0)
            ),
            "age": env._("%(days)s days past due", days=self.max_dpd),
            "collection": env._("%(rate)s%% collected", rate=number(100 * self.collection_rate)),
            "trend": env._("%(days)s days later than before", days=number(trend))
            if trend > 0
            else env._("%(days)s days earlier than before", days=number(-trend))
            if trend < 0
            else env._("as late as before"),
        }

    @api.depends("credit_score", "grade", "rated")
    def _compute_score_explanation(self):
        # the indicators' labels (SCORE_INDICATORS) are those of the backtest lines, where
        # Odoo translates them as selection labels
        predictor = self.env["ar.backtest.predictor"]._fields["predictor"]
        labels = dict(predictor._description_selection(self.env))
        head = Markup(
            "<table class='table table-sm o_ar_score'><thead><tr><th>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr></thead><tbody>"
        ) % (
            self.env._("Indicator"),
            self.env._("Figure"),
            self.env._("Score (0-100)"),
            self.env._("Weight"),
            self.env._("Points"),
        )
        for stat in self:
            rows = []
            values = stat._indicator_values()
            for code, name in SCORE_INDICATOR_NAMES.items():
                weight = stat[f"weight_{name}"]
                cells = (
                    [
                        values[name],
                        formatLang(self.env, stat[f"score_{name}"], digits=1),
                        f"{weight:.0%}",
                        formatLang(self.env, stat[f"points_{name}"], digits=1),
                    ]
                    if weight
                    else [self.env._("no data"), "", "", ""]
                )
                rows.append(
                    Markup("<tr><td>%s</td>%s</tr>")
                    % (
                        labels[code],
                        Markup("").join(
                            Markup("<td class='text-end'>%s</td>") % escape(c) for c in cells
                        ),
                    )
                )
            total = (
                Markup(
                    "<tr class='fw-bold'><td>%s</td><td></td><td></td><td></td>"
                    "<td class='text-end'>%s</td></tr>"
                )
                % (self.env._("Score"), formatLang(self.env, stat.credit_score, digits=1))
                if stat.rated
                else Markup("<tr><td colspan='5'>%s</td></tr>")
                % self.env._("Not rated: no payment history and nothing past due.")
            )
            stat.score_explanation = (
                head + Markup("").join(rows) + total + Markup("</tbody></table>")
            )

    def action_override_grade(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override credit grade"),
            "res_model": "ar.grade.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_stat_id": self.id},
        }

    def action_clear_override(self):
        self.env["ar.grade.override.wizard"]._check_manager()
        for stat in self.sudo().filtered("grade_override"):
            stat.write(
                {
                    "grade_override": False,
                    "grade_override_reason": False,
                    "grade_override_expiry": False,
                    "grade_override_user_id": False,
                    "grade_override_date": False,
                }
            )
            stat._apply_effective_grades()
            stat.partner_id.message_post(
                body=self.env._(
                    "Credit grade override in %(company)s removed by %(user)s.",
                    company=stat.company_id.name,
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _apply_effective_grades(self):
        """grade = the valid override, else the computed grade (one statement)."""
        grades.apply_grades(self.env, SQL("id = ANY(%s)", self.ids))
