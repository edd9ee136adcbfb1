from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .ar_security import MANAGER_GROUP


class ArCreditOverride(models.Model):
    """A credit manager's decision to let one document through the credit rules that block
    it: who, when, which rules, the figures at that moment and the reason. The audit
    trail is append-only; an override serves one confirmation (or posting) of its document,
    up to the amount approved."""

    _name = "ar.credit.override"
    _description = "Credit rule override"
    _order = "create_date desc, id desc"
    _rec_name = "document"

    document = fields.Char(required=True, readonly=True)
    order_id = fields.Many2one(
        "sale.order", "Sales order", ondelete="set null", index="btree_not_null", readonly=True
    )
    move_id = fields.Many2one(
        "account.move", "Invoice", ondelete="set null", index="btree_not_null", readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary("Amount approved", required=True, readonly=True)
    rules = fields.Char("Rules overridden", required=True, readonly=True)
    details = fields.Html("Verdict at the time", readonly=True, sanitize=True)
    reason = fields.Text(required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        "Credit manager",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    used = fields.Boolean(
        readonly=True,
        help="The override has served the confirmation (or posting) it was given for.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a credit manager can override the credit rules."))
        for vals in vals_list:
            if not (vals.get("reason") or "").strip():
                raise UserError(self.env._("Give the reason for overriding the credit rules."))
            vals["user_id"] = self.env.uid
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) != {"used"} or not vals["used"]:
            raise UserError(
                self.env._("Credit rule overrides are an audit trail: they cannot be changed.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Credit rule overrides are an audit trail: they cannot be deleted.")
        )

    def _consume(self, amount):
        """Use the first unused override of these that covers ``amount``; True if one did."""
        currency = self.company_id.currency_id[:1]
        for override in self.filtered(lambda o: not o.used).sorted("id"):
            if currency.compare_amounts(override.amount, amount) >= 0:
                override.sudo().used = True
                return True
        return False
