from odoo import api, fields, models

from ..engine.constants import AGING_BASIS_LABELS

REPORT = "ar_analytics.action_report_aged_receivables"


class ArAgingReportWizard(models.TransientModel):
    """Options of the aged receivables report: as-of date, buckets and basis, which
    customers, and how much detail."""

    _name = "ar.aging.report.wizard"
    _description = "Aged receivables report options"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    as_of = fields.Date(
        "As of", required=True, default=lambda self: fields.Date.context_today(self)
    )
    basis = fields.Selection(
        list(AGING_BASIS_LABELS),
        "Aging basis",
        required=True,
        default=lambda self: self.env.company.ar_aging_basis,
    )
    bucket_limits = fields.Char(
        "Bucket limits (days)",
        help="Last day of each bucket but the last, e.g. '0, 30, 60, 90, 120': not due, 1-30, "
        "31-60, 61-90, 91-120, over 120. Empty: the company's buckets.",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers")
    user_id = fields.Many2one("res.users", "Salesperson")
    team_id = fields.Many2one("crm.team", "Sales team")
    show_items = fields.Boolean("Detail of open items")
    currency_detail = fields.Boolean("Amounts per currency")
    hide_zero = fields.Boolean(
        "Hide customers with nothing open",
        default=True,
        help="Unticked: the customers selected (or, with none selected, every customer with "
        "receivables figures in the company) are listed even with nothing open, with zeros.",
    )

    @api.onchange("company_id")
    def _onchange_company_id(self):
        self.basis = self.company_id.ar_aging_basis

    def _options(self):
        self.ensure_one()
        report = self.env["report.ar_analytics.report_aged_receivables"]
        report._check_as_of(self.as_of)
        report._parse_limits(self.bucket_limits, self.basis)
        return {
            "company_id": self.company_id.id,
            "as_of": fields.Date.to_string(self.as_of),
            "basis": self.basis,
            "bucket_limits": self.bucket_limits or "",
            "partner_ids": self.partner_ids.commercial_partner_id.ids,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "show_items": self.show_items,
            "currency_detail": self.currency_detail,
            "hide_zero": self.hide_zero,
        }

    def action_print(self):
        options = self._options()
        return self.env.ref(REPORT).report_action(None, data=options)

    def action_view_html(self):
        # the document layout dialog is about printed documents: the HTML view opens
        # directly, even on a company whose layout is not configured yet
        action = self.env.ref(REPORT).report_action(None, data=self._options(), config=False)
        action["report_type"] = "qweb-html"
        return action
