from odoo import fields, models


class ArDunningReminderLine(models.Model):
    """An item a reminder listed, with its days past due and amount due on the reminder's
    date: the log that keeps an item from triggering the same level twice."""

    _name = "ar.dunning.reminder.line"
    _description = "Dunning reminder item"
    _order = "reminder_id, due_date, id"

    reminder_id = fields.Many2one(
        "ar.dunning.reminder", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="reminder_id.company_id", store=True, index=True)
    move_line_id = fields.Many2one(
        "account.move.line", "Item", required=True, index=True, readonly=True, ondelete="cascade"
    )
    move_id = fields.Many2one("account.move", "Invoice", readonly=True, index=True)
    due_date = fields.Date("Due date", readonly=True)
    days_past_due = fields.Integer("Days past due", readonly=True)
    level_days = fields.Integer(
        "Level days", readonly=True, help="The days of the level the item was reminded at."
    )
    currency_id = fields.Many2one(related="reminder_id.currency_id")
    residual = fields.Monetary("Amount due", readonly=True)
