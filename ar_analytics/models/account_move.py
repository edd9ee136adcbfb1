import datetime

from odoo import api, fields, models
from odoo.fields import Domain


class AccountMove(models.Model):
    _inherit = "account.move"

    # written by the receivables refresh (ar.refresh), per invoice over its installments
    ar_computed = fields.Boolean(readonly=True, copy=False)
    ar_payment_date = fields.Date(
        "Payment date", readonly=True, copy=False, help="Date of the last cash allocation."
    )
    ar_days_to_pay = fields.Integer("Days to pay", readonly=True, copy=False, aggregator="avg")
    ar_days_late = fields.Integer(
        "Days late",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Days between the due date and the last cash allocation (negative: early); the "
        "latest installment counts.",
    )
    ar_paid_on_time = fields.Selection(
        [("on_time", "On time"), ("late", "Late")], "Paid on time", readonly=True, copy=False
    )
    ar_cash_share = fields.Float("Paid by cash", readonly=True, copy=False)
    ar_pending_share = fields.Float("Pending bank matching", readonly=True, copy=False)
    ar_credit_note_share = fields.Float("Settled by credit notes", readonly=True, copy=False)
    ar_writeoff_share = fields.Float("Written off", readonly=True, copy=False)
    ar_days_overdue = fields.Integer(
        "Days overdue",
        compute="_compute_ar_overdue",
        search="_search_ar_days_overdue",
        help="Days past due of the oldest open installment, today.",
    )
    ar_aging_bucket_id = fields.Many2one(
        "ar.aging.bucket", "Aging bucket", compute="_compute_ar_overdue"
    )

    def _ar_open_items(self):
        return self.line_ids.filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and line.parent_state == "posted"
                and line.amount_residual > 0
            )
        )

    @api.depends("line_ids.amount_residual", "line_ids.date_maturity", "state")
    @api.depends_context("company")
    def _compute_ar_overdue(self):
        buckets_by_company = {}
        for move in self:
            items = move._ar_open_items()
            if not items:
                move.ar_days_overdue = 0
                move.ar_aging_bucket_id = False
                continue
            today = fields.Date.context_today(move)
            company = move.company_id
            if company not in buckets_by_company:
                buckets_by_company[company] = self.env["ar.aging.bucket"].search(
                    [("company_id", "=", company.id)]
                )
            oldest = min(items.mapped(lambda line: line.date_maturity or line.date))
            invoice_date = move.invoice_date or move.date
            dpd = (today - oldest).days
            age = dpd if company.ar_aging_basis == "due" else (today - invoice_date).days
            move.ar_days_overdue = max(dpd, 0)
            buckets = buckets_by_company[company]
            move.ar_aging_bucket_id = (
                next((b for b in buckets[:-1] if age <= b.days_to), buckets[-1:])
                if buckets
                else False
            )

    def _search_ar_days_overdue(self, operator, value):
        if operator not in (">", ">=") or not isinstance(value, int):
            return NotImplemented
        days = value if operator == ">" else value - 1
        limit = fields.Date.context_today(self) - datetime.timedelta(days=days)
        return Domain(
            "line_ids",
            "any",
            [
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", limit),
            ],
        )

    def _ar_mark_dirty(self):
        self.env["ar.refresh"]._mark_dirty(
            {(move.company_id.id, move.commercial_partner_id.id) for move in self}
        )

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted._ar_mark_dirty()
        return posted

    def button_draft(self):
        self._ar_mark_dirty()
        return super().button_draft()

    def button_cancel(self):
        result = super().button_cancel()
        self._ar_mark_dirty()
        return result
