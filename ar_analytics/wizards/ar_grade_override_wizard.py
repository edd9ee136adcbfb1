from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine.constants import GRADE_LABELS
from ..models.ar_security import MANAGER_GROUP


class ArGradeOverrideWizard(models.TransientModel):
    """A credit manager's manual grade for a customer in one company, with a reason and an
    expiry date; refreshes never erase it, and it is logged in the customer's chatter."""

    _name = "ar.grade.override.wizard"
    _description = "Override a customer's credit grade"

    stat_id = fields.Many2one("ar.customer.stat", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="stat_id.partner_id")
    company_id = fields.Many2one(related="stat_id.company_id")
    computed_grade = fields.Selection(related="stat_id.computed_grade")
    grade = fields.Selection(list(GRADE_LABELS), "Override grade", required=True)
    reason = fields.Text(required=True)
    expiry = fields.Date(
        "Valid until",
        required=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=3),
    )

    @api.model
    def _check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a credit manager can override credit grades."))

    def action_apply(self):
        self.ensure_one()
        self._check_manager()
        if not (self.reason or "").strip():
            raise UserError(self.env._("Give the reason for the override."))
        if self.expiry < fields.Date.context_today(self):
            raise UserError(self.env._("The override must be valid until today or later."))
        stat = self.stat_id.sudo()
        stat.write(
            {
                "grade_override": self.grade,
                "grade_override_reason": self.reason.strip(),
                "grade_override_expiry": self.expiry,
                "grade_override_user_id": self.env.uid,
                "grade_override_date": fields.Datetime.now(),
            }
        )
        stat._apply_effective_grades()
        stat.partner_id.message_post(
            body=self.env._(
                "Credit grade in %(company)s overridden to %(grade)s (computed: %(computed)s) "
                "by %(user)s until %(expiry)s. Reason: %(reason)s",
                company=stat.company_id.name,
                grade=self.grade,
                computed=stat.computed_grade or self.env._("not rated"),
                user=self.env.user.name,
                expiry=self.expiry,
                reason=self.reason.strip(),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close"}
