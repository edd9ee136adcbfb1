from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """Online payment: a quotation the payment does not fully cover and that the credit
        rules block stays a quotation, with an activity for its salesperson, instead of
        failing the payment's processing; a fully paid order is never blocked."""
        held = self.env["sale.order"]
        for tx in self.filtered(lambda t: len(t.sale_order_ids) == 1):
            quotation = tx.sale_order_ids.filtered(lambda so: so.state in ("draft", "sent"))
            if quotation and quotation._is_confirmation_amount_reached():
                held |= quotation._ar_credit_hold(self.env._("online payment"))
        rest = self.filtered(lambda t: not (t.sale_order_ids & held))
        return super(PaymentTransaction, rest)._check_amount_and_confirm_order()
