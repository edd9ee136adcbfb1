"""Early-warning signals of a customer (metrics.md section 7, plus broken promises to pay).

One row per customer, signal and *event*: while a signal stays on for the same event (the same
bucket, the same downgrade, the same drift episode...) its row is updated in place; a new
event opens a new row and a signal gone closes its row (kept for the record). An alert raises
one activity per row, so a daily job never repeats one.

Each row carries its amount at risk (docs/metrics.md, "Early-warning signals") and its evidence
as figures; the evidence is worded when read, in the reader's language."""

import math

from odoo import api, fields, models
from odoo.tools import format_date

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
    # the largest amounts at risk first: what a credit controller should chase first
    _order = "active desc, amount_at_risk desc, severity_rank desc, last_date desc, id desc"
    _rec_name = "partner_id"

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
    evidence = fields.Char(compute="_compute_evidence")
    evidence_data = fields.Json("Evidence figures", readonly=True)
    amount_at_risk = fields.Monetary(
        "Amount at risk",
        readonly=True,
        help="What the customer owes that this signal concerns: the items due soon, newly "
        "overdue or moved to an older bucket; for the credit limit, what it owes above the "
        "limit (above the warning point for a warning); the overdue amount when the overdue "
        "share rises; the unpaid promised amount; otherwise all the customer owes.",
    )
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

    @api.depends("partner_id", "signal")
    @api.depends_context("lang")
    def _compute_display_name(self):
        labels = dict(self._fields["signal"]._description_selection(self.env))
        for row in self:
            row.display_name = self.env._(
                "%(customer)s — %(signal)s",
                customer=row.partner_id.display_name or "",
                signal=labels.get(row.signal, row.signal or ""),
            )

    @api.depends("signal", "evidence_data", "company_id")
    @api.depends_context("lang")
    def _compute_evidence(self):
        for row in self:
            row.evidence = row._evidence_text() if row.evidence_data else False

    def _evidence_text(self):
        """The evidence of the signal in the language of ``self.env``, from its figures
        (``ar.collection.run._describe``)."""
        self.ensure_one()
        data = self.evidence_data

        def money(amount):
            return self.company_id.currency_id.format(amount or 0.0)

        if self.signal == "due_soon":
            return self.env._(
                "%(count)s item(s), %(amount)s, due by %(date)s",
                count=data["count"],
                amount=money(data["amount"]),
                date=format_date(self.env, data["date"]),
            )
        if self.signal == "new_overdue":
            return self.env._(
                "%(count)s item(s) newly past due, %(amount)s",
                count=data["count"],
                amount=money(data["amount"]),
            )
        if self.signal == "bucket_move":
            bucket = self.env["ar.aging.bucket"].sudo().browse(data.get("bucket_id") or []).exists()
            return self.env._(
                "%(count)s item(s), %(amount)s, moved into %(bucket)s",
                count=data["count"],
                amount=money(data["amount"]),
                bucket=bucket.name or data.get("bucket") or "",
            )
        if self.signal == "days_late_jump":
            methods = {"z": self.env._("z-score"), "modified_z": self.env._("modified z-score")}
            z = data.get("z")
            return self.env._(
                "%(wadl).1f days late last month, z = %(z).1f (%(method)s, %(months)s months)",
                wadl=data["wadl"],
                # a later month against a flat history: an infinite z, shown as a large one
                z=z if z is not None and math.isfinite(z) else 99.0,
                method=methods.get(data.get("method"), data.get("method") or ""),
                months=data["months"],
            )
        if self.signal in ("ewma_drift", "cusum"):
            return self.env._(
                "Days late statistic %(value).2f above its limit %(limit).2f",
                value=data["value"],
                limit=data["limit"],
            )
        if self.signal == "index_drop":
            return self.env._(
                "Payment index %(short).1f over 3 months against %(long).1f over 12 (%(change).1f)",
                short=data["short"],
                long=data["long"],
                change=data["change"],
            )
        if self.signal == "overdue_share":
            return self.env._(
                "Overdue share %(now).0f%% against %(before).0f%% 90 days before",
                now=100 * data["now"],
                before=100 * data["before"],
            )
        if self.signal == "credit_utilisation":
            return self.env._(
                "Exposure %(exposure)s is %(ratio).0f%% of the credit limit %(limit)s",
                exposure=money(data["exposure"]),
                ratio=100 * data["ratio"],
                limit=money(data["limit"]),
            )
        if self.signal == "grade_downgrade":
            return self.env._("Grade %(before)s to %(now)s", before=data["before"], now=data["now"])
        return self.env._(
            "%(count)s promise(s) to pay not kept, %(amount)s unpaid",
            count=data["count"],
            amount=money(data["amount"]),
        )
