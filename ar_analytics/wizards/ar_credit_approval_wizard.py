from odoo import api, fields, models


class ArCreditApprovalWizard(models.TransientModel):
    """A salesperson asks the company's credit managers to let a blocked quotation
    through: each gets a credit approval activity on the order with the verdict and the
    note, and overrides the rules from the order (ar.credit.override.wizard)."""

    _name = "ar.credit.approval.wizard"
    _description = "Request a credit manager's approval for one quotation"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
    verdict = fields.Html(compute="_compute_verdict", sanitize=False)
    note = fields.Text("Note for the credit managers")

    @api.depends("order_id")
    def _compute_verdict(self):
        for wizard in self:
            # read as the requester: the order's access rules apply
            wizard.verdict = wizard.order_id.ar_credit_verdict

    def action_request(self):
        self.ensure_one()
        managers = self.order_id._ar_request_credit_approval(self.note)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Credit approval requested from %(managers)s.",
                    managers=", ".join(managers.mapped("name")),
                ),
                # closes the wizard and shows the order's new activities and note
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
