"""Early-warning signals of a customer (metrics.md section 7, plus broken promises to pay).

One row per customer, signal and *event*: while a signal stays on for the same event (the same
bucket, the same downgrade, the same drift episode...) its row is updated in place; a new
event opens a new row and a signal gone closes its row (kept for the record). An alert raises
one activity per row, so a daily job never repeats one."""

from odoo import fields, models

SIGNALS = [
    ("due_soon", "Due soon"),
    ("new_overdue", "New overdue"),
    ("bucket_move", "Moved to an older bucket"),
    ("days_late_jump", "Days-late jump"),
    ("ewma_drift", "Days-late drift (EWMA)"),
    ("cusum", "Days-late drift (CUSUM)"),
    ("index_drop", "Payment index drop"),
    ("overdue_share", "Overdue share up"),
    ("credit_utilisation", "Credit limit used"),
    ("grade_downgrade", "Grade downgrade"),
    ("broken_promise", "Broken promise to pay"),
]
SEVERITIES = [("none", "None"), ("warn", "Warning"), ("alert", "Alert")]


class ArCustomerSignal(models.Model):
    _name = "ar.customer.signal"
    _description = "Receivables early-warning signal"
    _order = "active desc, severity_rank desc, last_date desc, id desc"
    _rec_name = "signal"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True
    )
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    signal = fields.Selection(SIGNALS, required=True, readonly=True)
    severity = fields.Selection(SEVERITIES[1:], required=True, readonly=True)
    severity_rank = fields.Integer(readonly=True, aggregator=None)
    event = fields.Char(
        readonly=True, help="What identifies the event (a bucket, a month, the grades...)."
    )
    evidence = fields.Char(readonly=True)
    amount = fields.Monetary("Amount concerned", readonly=True)
    value = fields.Float(readonly=True, digits=(16, 2), aggregator=None)
    threshold = fields.Float(readonly=True, digits=(16, 2), aggregator=None)
    first_date = fields.Date("Raised on", readonly=True)
    last_date = fields.Date("Last seen", readonly=True)
    active = fields.Boolean(default=True, readonly=True)
    closed_date = fields.Date("Cleared on", readonly=True)
    notified = fields.Boolean(
        "Activity raised", readonly=True, help="An activity was raised for this alert."
    )
    activity_user_id = fields.Many2one("res.users", "Activity for", readonly=True)

    _open_unique = models.UniqueIndex(
        "(company_id, partner_id, signal) WHERE active",
        "A signal is open once per customer and company.",
    )
