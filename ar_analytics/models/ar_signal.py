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
from odoo.tools.translate import LazyTranslate

from ..engine.constants import SEVERITY_LABELS, SEVERITY_NONE

_lt = LazyTranslate(__name__)

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


# -- the evidence's figures in words: one formatter per kind of figure -------------------------
def _plain(row, data, key):
    return data[key]


def _money(row, data, key):
    return row.company_id.currency_id.format(data[key] or 0.0)


def _percent(row, data, key):
    return 100 * data[key]


def _date(row, data, key):
    return format_date(row.env, data[key])


def _bucket(row, data, key):
    """The bucket's name in the reader's language (the code stored if it was deleted)."""
    bucket = row.env["ar.aging.bucket"].sudo().browse(data.get("bucket_id") or []).exists()
    return bucket.name or data.get(key) or ""


def _z(row, data, key):
    # a later month against a flat history: an infinite z, shown as a large one
    z = data.get(key)
    return z if z is not None and math.isfinite(z) else 99.0


Z_METHODS = {"z": _lt("z-score"), "modified_z": _lt("modified z-score")}


def _method(row, data, key):
    method = data.get(key)
    return row.env._(Z_METHODS[method]) if method in Z_METHODS else method or ""


_DRIFT = _lt("Days late statistic %(value).2f above its limit %(limit).2f")
#: signal -> (template, {placeholder: formatter of the evidence figure of that key})
EVIDENCE_TEXTS = {
    "due_soon": (
        _lt("%(count)s item(s), %(amount)s, due by %(date)s"),
        {"count": _plain, "amount": _money, "date": _date},
    ),
    "new_overdue": (
        _lt("%(count)s item(s) newly past due, %(amount)s"),
        {"count": _plain, "amount": _money},
    ),
    "bucket_move": (
        _lt("%(count)s item(s), %(amount)s, moved into %(bucket)s"),
        {"count": _plain, "amount": _money, "bucket": _bucket},
    ),
    "days_late_jump": (
        _lt("%(wadl).1f days late last month, z = %(z).1f (%(method)s, %(months)s months)"),
        {"wadl": _plain, "z": _z, "method": _method, "months": _plain},
    ),
    "ewma_drift": (_DRIFT, {"value": _plain, "limit": _plain}),
    "cusum": (_DRIFT, {"value": _plain, "limit": _plain}),
    "index_drop": (
        _lt("Payment index %(short).1f over 3 months against %(long).1f over 12 (%(change).1f)"),
        {"short": _plain, "long": _plain, "change": _plain},
    ),
    "overdue_share": (
        _lt("Overdue share %(now).0f%% against %(before).0f%% 90 days before"),
        {"now": _percent, "before": _percent},
    ),
    "credit_utilisation": (
        _lt("Exposure %(exposure)s is %(ratio).0f%% of the credit limit %(limit)s"),
        {"exposure": _money, "ratio": _percent, "limit": _money},
    ),
    "grade_downgrade": (_lt("Grade %(before)s to %(now)s"), {"before": _plain, "now": _plain}),
    "broken_promise": (
        _lt("%(count)s promise(s) to pay not kept, %(amount)s unpaid"),
        {"count": _plain, "amount": _money},
    ),
}


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
    # a row is a raised signal: never of severity none
    severity = fields.Selection(
        [(code, label) for code, label in SEVERITY_LABELS if code != SEVERITY_NONE],
        required=True,
        readonly=True,
    )
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
        (``engine.collection.DESCRIPTIONS``) worded by :data:`EVIDENCE_TEXTS`."""
        self.ensure_one()
        template, formats = EVIDENCE_TEXTS[self.signal]
        data = self.evidence_data
        return self.env._(template) % {key: word(self, data, key) for key, word in formats.items()}
