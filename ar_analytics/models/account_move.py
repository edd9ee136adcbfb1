import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from .ar_security import FIGURE_GROUPS, REFRESH_GROUPS, VERDICT_GROUPS, check_groups
from .ar_trend import EXPECTED_SOURCES


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ("account.move", "ar.credit.checked.mixin")
    _ar_credit_wizard_field = "move_id"

    # written by the receivables refresh (ar.refresh), per invoice over its installments
    ar_computed = fields.Boolean(readonly=True, copy=False, groups=FIGURE_GROUPS)
    ar_payment_date = fields.Date(
        "Payment date",
        readonly=True,
        copy=False,
        help="Date of the last cash allocation.",
        groups=FIGURE_GROUPS,
    )
    ar_days_to_pay = fields.Integer(
        "Days to pay", readonly=True, copy=False, aggregator="avg", groups=FIGURE_GROUPS
    )
    ar_days_late = fields.Integer(
        "Days late",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Days between the due date and the last cash allocation (negative: early); the "
        "latest installment counts.",
        groups=FIGURE_GROUPS,
    )
    ar_paid_on_time = fields.Selection(
        [("on_time", "On time"), ("late", "Late")],
        "Paid on time",
        readonly=True,
        copy=False,
        groups=FIGURE_GROUPS,
    )
    ar_cash_share = fields.Float("Paid by cash", readonly=True, copy=False, groups=FIGURE_GROUPS)
    ar_pending_share = fields.Float(
        "Pending bank matching", readonly=True, copy=False, groups=FIGURE_GROUPS
    )
    ar_credit_note_share = fields.Float(
        "Settled by credit notes", readonly=True, copy=False, groups=FIGURE_GROUPS
    )
    ar_writeoff_share = fields.Float("Written off", readonly=True, copy=False, groups=FIGURE_GROUPS)
    ar_expected_date = fields.Date(
        "Expected payment",
        readonly=True,
        copy=False,
        help="When the open amount is expected to be paid, from the customer's own history of "
        "days late (else its tier's, else the company's; else the due date).",
        groups=FIGURE_GROUPS,
    )
    ar_expected_source = fields.Selection(
        EXPECTED_SOURCES, "Expected from", readonly=True, copy=False, groups=FIGURE_GROUPS
    )
    ar_days_overdue = fields.Integer(
        "Days overdue",
        compute="_compute_ar_overdue",
        search="_search_ar_days_overdue",
        help="Days past due of the oldest open installment, today.",
        groups=FIGURE_GROUPS,
    )
    ar_aging_bucket_id = fields.Many2one(
        "ar.aging.bucket",
        "Aging bucket",
        compute="_compute_ar_overdue",
        groups=FIGURE_GROUPS,
    )

    # collection follow-up (overdue reasons, promises to pay)
    ar_overdue_reason_id = fields.Many2one(
        "ar.overdue.reason",
        "Overdue reason",
        tracking=True,
        copy=False,
        index="btree_not_null",
        groups=FIGURE_GROUPS,
    )
    ar_collection_note = fields.Text("Collection note", copy=False, groups=FIGURE_GROUPS)
    ar_promise_date = fields.Date(
        "Promised payment date", tracking=True, copy=False, groups=FIGURE_GROUPS
    )
    ar_promise_amount = fields.Monetary("Promised amount", copy=False, groups=FIGURE_GROUPS)
    ar_promise_residual = fields.Monetary(
        "Open when promised",
        copy=False,
        readonly=True,
        help="The amount due when the promise was recorded: the promise is kept once this "
        "much less the promised amount (or nothing) is still due.",
        groups=FIGURE_GROUPS,
    )
    ar_promise_status = fields.Selection(
        [("pending", "Pending"), ("kept", "Kept"), ("broken", "Broken")],
        "Promise",
        compute="_compute_ar_promise_status",
        help="Broken: not paid as promised within the company's grace days after the date.",
        groups=FIGURE_GROUPS,
    )
    ar_credit_override_ids = fields.One2many(
        "ar.credit.override",
        "move_id",
        "Credit overrides",
        readonly=True,
        groups=VERDICT_GROUPS,
    )

    def _ar_credit_depends(self):
        return [*super()._ar_credit_depends(), "amount_total_signed", "move_type"]

    def _ar_credit_findings(self, lock=False):
        """``{move id: findings}`` for the draft customer invoices of ``self`` whose company
        checks invoices; an invoice is checked for what it adds to the exposure beyond the
        confirmed sales orders it invoices (those were checked at their confirmation)."""
        invoices = self.filtered(
            lambda m: (
                m.state == "draft"
                and m.move_type == "out_invoice"
                and m.partner_id
                and m.company_id.ar_rule_on_invoice
                and m.company_id._ar_credit_rules_on()
            )
        )
        result = {}
        for company, moves in invoices.grouped("company_id").items():
            requests = []
            for move in moves:
                from_orders = move._get_partner_credit_warning_exclude_amount()
                amount = move.amount_total_signed
                if company.currency_id.compare_amounts(amount, from_orders) <= 0:
                    continue
                requests.append(
                    {
                        "key": move.id,
                        "partner": move.partner_id,
                        "amount": amount,
                        "to_invoice_offset": from_orders,
                    }
                )
            verdicts = self.env["ar.credit.rules"]._evaluate(company, requests, lock=lock)
            result.update({key: found for key, (_facts, found) in verdicts.items() if found})
        return result

    def _ar_credit_check(self):
        """Refuse to post customer invoices the credit rules block, unless a credit manager
        overrode them for that invoice."""
        rules = self.env["ar.credit.rules"]
        messages = []
        for move_id, findings in self._ar_credit_findings(lock=True).items():
            move = self.browse(move_id)
            if move.sudo().ar_credit_override_ids._consume(move.amount_total_signed):
                continue
            messages.append(
                rules._message(move.company_id, move.display_name, move.partner_id, findings)
            )
        if messages:
            raise UserError("\n\n".join(messages))

    @api.depends("ar_promise_date", "ar_promise_amount", "ar_promise_residual", "amount_residual")
    def _compute_ar_promise_status(self):
        today = fields.Date.context_today(self)
        for move in self:
            if not move.ar_promise_date:
                move.ar_promise_status = False
                continue
            paid_since = move.ar_promise_residual - move.amount_residual
            kept = move.currency_id.compare_amounts(paid_since, move.ar_promise_amount) >= 0
            deadline = move.ar_promise_date + datetime.timedelta(
                days=move.company_id.ar_promise_grace_days
            )
            if kept or move.currency_id.is_zero(move.amount_residual):
                move.ar_promise_status = "kept"
            else:
                move.ar_promise_status = "broken" if today > deadline else "pending"

    @api.constrains("ar_promise_date", "ar_promise_amount")
    def _check_ar_promise(self):
        for move in self.filtered("ar_promise_date"):
            if move.move_type != "out_invoice" or move.state != "posted":
                raise ValidationError(
                    self.env._("A promise to pay is recorded on a posted customer invoice.")
                )
            if move.ar_promise_amount <= 0:
                raise ValidationError(self.env._("The promised amount must be positive."))
            if (
                move.currency_id.compare_amounts(move.ar_promise_amount, move.ar_promise_residual)
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "The promised amount (%(promised)s) is more than what is due (%(due)s).",
                        promised=move.currency_id.format(move.ar_promise_amount),
                        due=move.currency_id.format(move.ar_promise_residual),
                    )
                )

    def write(self, vals):
        if "ar_promise_date" in vals or "ar_promise_amount" in vals:
            # the amount due when the promise is made: what "kept" is measured from
            for move in self:
                super(AccountMove, move).write({"ar_promise_residual": move.amount_residual})
        return super().write(vals)

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

    def action_ar_refresh(self):
        """Recompute the receivables figures of these documents' customers (their companies)."""
        check_groups(
            self.env,
            REFRESH_GROUPS,
            self.env._("You are not allowed to recompute receivables figures."),
        )
        for company, moves in self.grouped("company_id").items():
            self.env["ar.refresh"]._refresh(
                company, partner_ids=set(moves.commercial_partner_id.ids)
            )
        return True

    def _ar_mark_dirty(self):
        self.env["ar.refresh"]._mark_dirty(
            {(move.company_id.id, move.commercial_partner_id.id) for move in self}
        )

    def _post(self, soft=True):
        self._ar_credit_check()
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
