"""The reminder log: one communication to a customer on a date, at a level, listing its items.
The log is what makes a run exactly-once: an item listed at a level never triggers that level
again, and a customer has at most one reminder a day (a unique constraint)."""

from odoo import fields, models

from ..engine.constants import DUNNING_CHANNEL_LABELS


class ArDunningReminder(models.Model):
    _name = "ar.dunning.reminder"
    _description = "Dunning reminder"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, readonly=True
    )
    state_id = fields.Many2one("ar.dunning.state", "Dunning state", index=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    level_id = fields.Many2one("ar.dunning.level", readonly=True, ondelete="set null")
    level_days = fields.Integer("Level days", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    channel = fields.Selection(list(DUNNING_CHANNEL_LABELS), readonly=True)
    email = fields.Boolean(readonly=True)
    letter = fields.Boolean(readonly=True)
    call = fields.Boolean(readonly=True)
    escalate = fields.Boolean("Escalation", readonly=True)
    hold = fields.Boolean("Credit hold", readonly=True)
    no_email = fields.Boolean(
        "No email address", readonly=True, help="The level emails, the customer has no address."
    )
    automatic = fields.Boolean("Sent automatically", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary("Amount reminded", readonly=True)
    item_count = fields.Integer("Items", readonly=True)
    message_id = fields.Many2one("mail.message", readonly=True, ondelete="set null")
    mail_state = fields.Selection(
        related="message_id.mail_ids.state", string="Email status", related_sudo=True
    )
    line_ids = fields.One2many(
        "ar.dunning.reminder.line", "reminder_id", "Listed items", readonly=True
    )

    _day_uniq = models.Constraint(
        "UNIQUE(company_id, partner_id, date)", "A customer gets at most one reminder a day."
    )
