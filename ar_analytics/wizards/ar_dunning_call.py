"""A collector logs the outcome of a call in one step: the promise or the dispute reason is
written on the invoices, the call is posted in the customer's chatter, and the worklist's next
action is set."""

import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.constants import CALL_OUTCOME_FOLLOW_UP_DAYS, CALL_OUTCOME_LABELS


class ArDunningCall(models.TransientModel):
    _name = "ar.dunning.call"
    _description = "Log a collection call"

    state_id = fields.Many2one("ar.dunning.state", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="state_id.partner_id")
    company_id = fields.Many2one(related="state_id.company_id")
    currency_id = fields.Many2one(related="state_id.currency_id")
    outcome = fields.Selection(list(CALL_OUTCOME_LABELS), required=True, default="reached")
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        compute="_compute_move_ids",
        store=True,
        readonly=False,
        domain="[('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id),"
        " ('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('payment_state', 'in', ('not_paid', 'partial'))]",
        help="The invoices the promise or the dispute is about (default: every overdue one).",
    )
    promise_date = fields.Date("Promised payment date")
    promise_amount = fields.Monetary(
        "Promised amount",
        help="Spread over the invoices, oldest first; empty: each invoice in full.",
    )
    reason_id = fields.Many2one(
        "ar.overdue.reason",
        default=lambda self: self.env.ref(
            "ar_analytics.ar_overdue_reason_dispute", raise_if_not_found=False
        ),
    )
    note = fields.Text()
    next_date = fields.Date("Next action", compute="_compute_next_date", store=True, readonly=False)

    @api.depends("state_id")
    def _compute_move_ids(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            wizard.move_ids = self.env["account.move"].search(
                [
                    ("commercial_partner_id", "=", wizard.partner_id.id),
                    ("company_id", "=", wizard.company_id.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", today),
                ],
                order="invoice_date_due, id",
            )

    @api.depends("outcome", "promise_date")
    def _compute_next_date(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            if wizard.outcome == "promise" and wizard.promise_date:
                grace = wizard.company_id.ar_promise_grace_days
                wizard.next_date = wizard.promise_date + datetime.timedelta(days=grace + 1)
            else:
                days = CALL_OUTCOME_FOLLOW_UP_DAYS.get(wizard.outcome, 1)
                wizard.next_date = today + datetime.timedelta(days=days)

    def action_log(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        if self.next_date and self.next_date < today:
            raise ValidationError(self.env._("The next action cannot be in the past."))
        if self.outcome == "promise":
            self._promise(today)
        elif self.outcome == "dispute":
            if not self.move_ids or not self.reason_id:
                raise UserError(self.env._("Choose the disputed invoices and the reason."))
            self.move_ids.write({"ar_overdue_reason_id": self.reason_id.id})
        label = dict(self._fields["outcome"]._description_selection(self.env))[self.outcome]
        body = self.env._("Collection call: %(outcome)s.", outcome=label)
        if self.outcome == "promise":
            body = self.env._(
                "Collection call: promise to pay %(amount)s by %(date)s.",
                amount=self.currency_id.format(self._promised_total()),
                date=fields.Date.to_string(self.promise_date),
            )
        if self.note:
            body = f"{body}\n{self.note}"
        # the wizard is the collector's right to log calls, not a right to edit the contact
        self.partner_id.sudo().message_post(
            body=body, subtype_xmlid="mail.mt_note", author_id=self.env.user.partner_id.id
        )
        self.state_id.write({"follow_up_date": self.next_date, "next_action_date": self.next_date})
        self._close_call_activities()
        return {"type": "ir.actions.act_window_close"}

    def _promised_total(self):
        return self.promise_amount or sum(self.move_ids.mapped("amount_residual"))

    def _promise(self, today):
        if not self.move_ids or not self.promise_date:
            raise UserError(self.env._("Choose the invoices and the promised payment date."))
        if self.promise_date < today:
            raise ValidationError(self.env._("A promised payment date cannot be in the past."))
        moves = self.move_ids.sorted(lambda m: (m.invoice_date_due or m.invoice_date, m.id))
        if self.promise_amount and len(moves.currency_id) > 1:
            raise UserError(
                self.env._("A promised amount spreads over invoices of one currency only.")
            )
        left = self.promise_amount
        for move in moves:
            amount = move.amount_residual
            if self.promise_amount:
                amount = min(amount, left)
                left -= amount
            if move.currency_id.is_zero(amount):
                continue
            move.write({"ar_promise_date": self.promise_date, "ar_promise_amount": amount})

    def _close_call_activities(self):
        call = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
        activities = self.partner_id.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == call and a.user_id == self.env.user
        )
        activities.action_feedback(feedback=self.env._("Call logged."))
