import logging

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import RedirectWarning, UserError

from .ar_security import MANAGER_GROUP, VERDICT_GROUPS

#: the activity a credit approval request gives the credit managers; done by the override
APPROVAL_ACTIVITY = "ar_analytics.mail_activity_type_credit_approval"


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ("sale.order", "ar.credit.checked.mixin")
    _ar_credit_wizard_field = "order_id"

    ar_credit_override_ids = fields.One2many(
        "ar.credit.override",
        "order_id",
        "Credit overrides",
        readonly=True,
        groups=VERDICT_GROUPS,
    )
    ar_is_credit_manager = fields.Boolean(
        compute="_compute_ar_is_credit_manager", groups=VERDICT_GROUPS
    )

    def _ar_credit_depends(self):
        return [*super()._ar_credit_depends(), "amount_total", "currency_id"]

    def _compute_ar_is_credit_manager(self):
        self.ar_is_credit_manager = self.env.user.has_group(MANAGER_GROUP)

    def _ar_credit_amount(self):
        """The order in company currency, as core's credit warning counts it."""
        self.ensure_one()
        return self.amount_total / (self.currency_rate or 1.0)

    def _ar_paid_in_advance(self):
        """Nothing left to pay: online payments (authorized or done) cover the total."""
        self.ensure_one()
        return self.currency_id.compare_amounts(self.amount_paid, self.amount_total) >= 0

    def _ar_credit_findings(self, lock=False, pending=None):
        """``{order id: findings}`` for the quotations of ``self`` whose company applies
        credit rules (batched per company); orders without findings are left out.
        ``pending``: ``{order id: amount}`` confirmed in the same batch before it, counted
        with the orders not invoiced yet."""
        pending = pending or {}
        quotations = self.filtered(
            lambda o: (
                o.state in ("draft", "sent") and o.partner_id and o.company_id._ar_credit_rules_on()
            )
        )
        result = {}
        for company, orders in quotations.grouped("company_id").items():
            requests = [
                {
                    "key": order.id,
                    "partner": order.partner_id,
                    "amount": order._ar_credit_amount(),
                    "paid_in_advance": order._ar_paid_in_advance,
                    "to_invoice_offset": -pending.get(order.id, 0.0),
                }
                for order in orders
            ]
            verdicts = self.env["ar.credit.rules"]._evaluate(company, requests, lock=lock)
            result.update(
                {key: findings for key, (_facts, findings) in verdicts.items() if findings}
            )
        return result

    def action_confirm(self):
        # a batch is checked at once (one call, see ArCreditRules._figures) before core asks
        # each order; each order counts the same customer's quotations ahead of it
        orders = self
        if len(self) > 1:
            findings = self._ar_credit_findings(lock=True, pending=self._ar_credit_pending())
            orders = self.with_context(
                ar_credit_checked={"ids": frozenset(self.ids), "findings": findings}
            )
        return super(SaleOrder, orders).action_confirm()

    def _ar_credit_pending(self):
        """``{order id: amount}``: the same customer's quotations of ``self`` ahead of each
        order (company currency), as confirmed in this order."""
        ahead = {}
        pending = {}
        for order in self:
            key = (order.company_id.id, order.partner_id.commercial_partner_id.id)
            pending[order.id] = ahead.get(key, 0.0)
            if order.state in ("draft", "sent"):
                ahead[key] = ahead.get(key, 0.0) + max(order._ar_credit_amount(), 0.0)
        return pending

    def _confirmation_error_message(self):
        """Block the confirmation when the company's credit rules say so, unless a credit
        manager overrode them for this order (ar.credit.override). An internal user gets
        a RedirectWarning instead of the message (see ``_ar_credit_refusal``)."""
        error = super()._confirmation_error_message()
        if error:
            return error
        checked = self.env.context.get("ar_credit_checked")
        if checked and self.id in checked["ids"]:
            findings = checked["findings"].get(self.id)  # checked with its batch
        else:  # confirmed alone: nothing ahead of it
            findings = self._ar_credit_findings(lock=True).get(self.id)
        if not findings or self.sudo().ar_credit_override_ids._consume(self._ar_credit_amount()):
            return False
        return self._ar_credit_refusal(findings)

    def _ar_credit_refusal(self, findings):
        """Raise the refusal of a blocked confirmation with one way forward: the override
        for a credit manager, the approval request for the other internal users. Core
        raises the message itself as a UserError for the others (portal, public), who can
        do neither, and for code running as superuser. Raised, the whole batch stays
        unconfirmed."""
        self.ensure_one()
        rules = self.env["ar.credit.rules"]
        if self.env.su or not self.env.user._is_internal():
            return rules._message(self.company_id, self.name, self.partner_id, findings)
        if self.env.user.has_group(MANAGER_GROUP):
            footer = self.env._(
                "Override credit rules: give the reason, and the order is confirmed (the "
                "override is recorded)."
            )
            action, button = self.action_ar_credit_override(), self.env._("Override credit rules")
        else:
            footer = self.env._(
                "Request credit approval: the credit managers get an activity to review it "
                "and can override the rules."
            )
            action = self.action_ar_request_credit_approval()
            button = self.env._("Request credit approval")
        message = rules._message(
            self.company_id, self.name, self.partner_id, findings, footer=footer
        )
        refusal = RedirectWarning(message, action, button)
        # logged as a warning, like core's UserError, not as a server error with traceback
        refusal.loglevel = logging.WARNING
        raise refusal

    def _validate_order(self):
        """Portal confirmation (signature, or checkout without payment): a blocked order stays
        a quotation and the salesperson gets an activity instead of an error."""
        held = self._ar_credit_hold(self.env._("customer portal"))
        return super(SaleOrder, self - held)._validate_order()

    def _ar_credit_hold(self, origin):
        """Put the blocked quotations of ``self`` on hold (chatter + activities) and return
        them; the others are left to be confirmed."""
        results = self._ar_credit_findings()
        held = self.browse(results)
        for order in held:
            self.env["ar.credit.rules"]._hold(order, order.company_id, results[order.id], origin)
        return held

    def action_ar_request_credit_approval(self):
        """Open the request asking the company's credit managers to review the blocked
        quotation (ar.credit.approval.wizard, with a note for them)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Request credit approval"),
            "res_model": "ar.credit.approval.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _ar_request_credit_approval(self, note=""):
        """Give each credit manager of the company who can open the quotation a credit
        approval activity (not a second one while the first is open) and log the request
        in the chatter; the override marks them done. Returns the managers asked."""
        self.ensure_one()
        rules = self.env["ar.credit.rules"]
        findings = self._ar_credit_findings().get(self.id)
        if not findings:
            raise UserError(
                self.env._(
                    "The credit rules do not block %(order)s: it can be confirmed.",
                    order=self.name,
                )
            )
        company = self.company_id
        # an activity on an order the manager cannot open would help nobody
        managers = rules._credit_managers(company).filtered(
            lambda user: (
                self.with_user(user)
                .with_context(allowed_company_ids=company.ids)
                .has_access("read")
            )
        )
        if not managers:
            raise UserError(
                self.env._(
                    "No credit manager of %(company)s can open %(order)s: ask an administrator "
                    "to name one with access to the sales orders.",
                    company=company.name,
                    order=self.name,
                )
            )
        message = rules._message(company, self.name, self.partner_id, findings, html=True)
        note = (note or "").strip()
        if note:
            note = Markup("<p>%s</p>") % self.env._(
                "Note from %(user)s: %(note)s", user=self.env.user.name, note=note
            )
        summary = self.env._("Credit approval requested for %(order)s", order=self.name)
        waiting = self.activity_search([APPROVAL_ACTIVITY], only_automated=False).user_id
        for manager in managers - waiting:
            self.activity_schedule(
                APPROVAL_ACTIVITY, summary=summary, note=message + note, user_id=manager.id
            )
        requested = self.env._(
            "Credit approval requested by %(user)s from %(managers)s.",
            user=self.env.user.name,
            managers=", ".join(managers.mapped("name")),
        )
        self.message_post(
            body=Markup("<p>%s</p>%s") % (requested, note), subtype_xmlid="mail.mt_note"
        )
        return managers
