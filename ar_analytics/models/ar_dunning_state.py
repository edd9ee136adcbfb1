"""Where each customer stands in dunning, per company: its level, last reminder, next action
and collector. Written by the dunning run (levels, amounts, dates) and by collectors (collector,
pause, next action after a call)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.constants import GRADE_LABELS, TIER_LABELS
from .ar_security import MANAGER_GROUP


class ArDunningState(models.Model):
    _name = "ar.dunning.state"
    _description = "Customer dunning state"
    _order = "amount_at_risk desc, next_action_date, id"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, readonly=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_id = fields.Many2one(
        "ar.dunning.level", "Level reached", readonly=True, ondelete="set null"
    )
    last_level_id = fields.Many2one(
        "ar.dunning.level", "Last level sent", readonly=True, ondelete="set null"
    )
    last_reminder_date = fields.Date("Last reminder", readonly=True)
    next_action_date = fields.Date("Next action", index=True)
    follow_up_date = fields.Date(
        "Follow-up", help="Set by the collector after a call: the next action waits for it."
    )
    collector_id = fields.Many2one(
        "res.users",
        index=True,
        help="Who chases this customer (default: its salesperson).",
    )
    paused_until = fields.Date(
        "Paused until", help="No reminder is sent to the customer until this date."
    )
    pause_reason = fields.Char("Pause reason")
    hold = fields.Boolean(
        "Credit hold",
        readonly=True,
        help="Reached a level that holds new orders: the credit rules block them until the "
        "customer is back below that level.",
    )
    overdue_amount = fields.Monetary("Overdue amount", readonly=True)
    amount_at_risk = fields.Monetary(
        "Amount at risk",
        readonly=True,
        help="The overdue amount weighted by the credit grade (D counts in full).",
    )
    grade = fields.Selection(list(GRADE_LABELS), "Credit grade", readonly=True)
    tier = fields.Selection(list(TIER_LABELS), readonly=True)
    promise_count = fields.Integer("Open promises", readonly=True)
    signal_severity = fields.Selection(
        related="partner_id.ar_signal_severity", string="Alerts", related_sudo=True
    )
    script = fields.Text(related="level_id.script", string="Script")
    reminder_ids = fields.One2many("ar.dunning.reminder", "state_id", "Reminders", readonly=True)

    _partner_uniq = models.Constraint(
        "UNIQUE(company_id, partner_id)", "A customer has one dunning state per company."
    )

    @api.constrains("paused_until", "pause_reason")
    def _check_pause(self):
        for state in self:
            if state.paused_until and not state.pause_reason:
                raise ValidationError(
                    self.env._("Say why the reminders to %s are paused.", state.partner_id.name)
                )

    @api.model
    def action_open_worklist(self):
        """The worklist: the customers whose next action is due, the user's own ones first
        filtered, everyone's for credit managers."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ar_analytics.ar_dunning_state_action"
        )
        manager = self.env.user.has_group(MANAGER_GROUP)
        action["context"] = {"search_default_due": 1, "search_default_mine": int(not manager)}
        return action

    def action_log_call(self):
        """The call outcome form of this customer."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a call"),
            "res_model": "ar.dunning.call",
            "view_mode": "form",
            "target": "new",
            "context": {"default_state_id": self.id},
        }

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }
