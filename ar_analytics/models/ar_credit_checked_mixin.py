from odoo import api, fields, models

from .ar_security import VERDICT_GROUPS


class ArCreditCheckedMixin(models.AbstractModel):
    """A document the credit rules check before it commits the customer (sales order,
    customer invoice): the verdict shown before confirmation, and the override action.

    The document model implements ``_ar_credit_findings()`` (``{id: findings}``),
    ``_ar_credit_depends()`` (what the verdict depends on) and names its field on the
    override wizard in ``_ar_credit_wizard_field``.
    """

    _name = "ar.credit.checked.mixin"
    _description = "Document checked by the credit rules"
    _ar_credit_wizard_field = None

    ar_credit_verdict = fields.Html(
        "Credit verdict",
        compute="_compute_ar_credit_verdict",
        compute_sudo=True,
        sanitize=False,
        help="What the company's credit rules say about this document now.",
        groups=VERDICT_GROUPS,
    )
    ar_credit_blocked = fields.Boolean(
        "Blocked by credit rules",
        compute="_compute_ar_credit_verdict",
        compute_sudo=True,
        groups=VERDICT_GROUPS,
    )

    @api.depends(lambda self: self._ar_credit_depends())
    def _compute_ar_credit_verdict(self):
        self.ar_credit_verdict = False
        self.ar_credit_blocked = False
        results = self._ar_credit_findings()
        for document in self:
            if findings := results.get(document.id):
                document.ar_credit_blocked = True
                document.ar_credit_verdict = self.env["ar.credit.rules"]._message(
                    document.company_id,
                    document._ar_credit_document_name(),
                    document.partner_id,
                    findings,
                    html=True,
                )

    def _ar_credit_depends(self):
        return ["partner_id", "company_id", "state"]

    def _ar_credit_findings(self, lock=False):
        raise NotImplementedError

    def _ar_credit_document_name(self):
        self.ensure_one()
        name = self.name
        return name if name and name != "/" else self.env._("This document")

    def action_ar_credit_override(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override the credit rules"),
            "res_model": "ar.credit.override.wizard",
            "view_mode": "form",
            # the refusal dialog runs it as is (no server-side cleaning): views are needed
            "views": [(False, "form")],
            "target": "new",
            "context": {f"default_{self._ar_credit_wizard_field}": self.id},
        }
