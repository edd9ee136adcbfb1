from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.ar_security import MANAGER_GROUP
from ..models.sale_order import APPROVAL_ACTIVITY


class ArCreditOverrideWizard(models.TransientModel):
    """A credit manager lets a blocked quotation be confirmed (or a blocked invoice be
    posted) with a reason; the override is recorded and logged in the document's and the
    customer's chatter with who, when, which rules and the figures."""

    _name = "ar.credit.override.wizard"
    _description = "Override the credit rules for one document"

    order_id = fields.Many2one("sale.order", ondelete="cascade")
    move_id = fields.Many2one("account.move", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Customer", compute="_compute_verdict")
    verdict = fields.Html(compute="_compute_verdict", sanitize=False)
    reason = fields.Text(required=True)

    @api.depends("order_id", "move_id")
    def _compute_verdict(self):
        for wizard in self:
            document = wizard._document()
            wizard.partner_id = document.partner_id.commercial_partner_id
            wizard.verdict = document.sudo().ar_credit_verdict

    def _document(self):
        self.ensure_one()
        return self.order_id or self.move_id

    def action_override(self):
        """Record the override, then confirm the order (post the invoice) at once."""
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a credit manager can override the credit rules."))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for overriding the credit rules."))
        document = self._document()
        if not document:
            raise UserError(self.env._("There is no document to override the credit rules for."))
        findings = document._ar_credit_findings().get(document.id)
        if findings:
            self._record(document, findings, reason)
        if self.order_id:
            self.order_id.action_confirm()
            # the credit approval requests are answered: off the managers' to-do lists
            self.order_id.activity_feedback(
                [APPROVAL_ACTIVITY],
                feedback=self.env._("Credit rules overridden: %(reason)s", reason=reason),
            )
        else:
            self.move_id.action_post()
        # closes the wizard and reloads the document behind it, also when the wizard was
        # opened from the refusal dialog (no form button to reload it)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _record(self, document, findings, reason):
        rules = self.env["ar.credit.rules"]
        company = document.company_id
        if self.order_id:
            amount = self.order_id._ar_credit_amount()
        else:
            amount = self.move_id.amount_total_signed
        details = rules._message(
            company, document.display_name, document.partner_id, findings, html=True
        )
        override = self.env["ar.credit.override"].create(
            {
                "document": document.display_name,
                "order_id": self.order_id.id,
                "move_id": self.move_id.id,
                "partner_id": document.partner_id.commercial_partner_id.id,
                "company_id": company.id,
                "amount": amount,
                "rules": rules._rules_summary(findings),
                "details": details,
                "reason": reason,
            }
        )
        body = Markup("<p>%s</p>%s<p>%s</p>") % (
            self.env._(
                "Credit rules overridden by %(user)s on %(date)s for %(document)s "
                "(%(amount)s): %(rules)s.",
                user=self.env.user.name,
                date=fields.Datetime.to_string(
                    fields.Datetime.context_timestamp(self, override.create_date)
                ),
                document=document.display_name,
                amount=override.currency_id.format(amount),
                rules=override.rules,
            ),
            details,
            self.env._("Reason: %(reason)s", reason=reason),
        )
        document.message_post(body=body, subtype_xmlid="mail.mt_note")
        document.partner_id.commercial_partner_id.sudo().message_post(
            body=body, subtype_xmlid="mail.mt_note"
        )
        return override
