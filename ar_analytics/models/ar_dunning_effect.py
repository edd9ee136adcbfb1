"""How well dunning collects, per month, level and collector (``engine.dunning_effect``):
recomputed by the daily dunning job over the last 12 months, shown as pivot and graph."""

import pandas as pd

from odoo import api, fields, models

from .. import engine
from ..engine import dunning_effect
from ..store import dunning as stored

#: months of reminders the figures cover
MONTHS = 12


class ArDunningEffect(models.Model):
    _name = "ar.dunning.effect"
    _description = "Collection effectiveness"
    _order = "month desc, level_id, collector_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(required=True, readonly=True)
    level_id = fields.Many2one("ar.dunning.level", readonly=True, ondelete="set null")
    collector_id = fields.Many2one("res.users", readonly=True)
    reminders = fields.Integer("Reminders sent", readonly=True)
    amount = fields.Monetary("Amount reminded", readonly=True)
    paid_7 = fields.Monetary("Paid within 7 days", readonly=True)
    paid_14 = fields.Monetary("Paid within 14 days", readonly=True)
    paid_30 = fields.Monetary("Paid within 30 days", readonly=True)
    # ratios: summing or averaging them across rows would be wrong, so none is offered
    share_7 = fields.Float("Share paid in 7 days", readonly=True, aggregator=None)
    share_14 = fields.Float("Share paid in 14 days", readonly=True, aggregator=None)
    share_30 = fields.Float("Share paid in 30 days", readonly=True, aggregator=None)
    days_to_pay = fields.Float(
        "Median days to payment", readonly=True, digits=(16, 1), aggregator=None
    )
    promises = fields.Integer("Promises made", readonly=True)
    kept = fields.Integer("Promises kept", readonly=True)
    broken = fields.Integer("Promises broken", readonly=True)
    kept_rate = fields.Float("Kept rate", readonly=True, aggregator=None)

    @api.model
    def _recompute(self, company, run_date):
        """Replace the company's figures with those of the reminders of the last
        :data:`MONTHS` months up to ``run_date``."""
        since = (pd.Timestamp(run_date) - pd.DateOffset(months=MONTHS - 1)).replace(day=1)
        reminders, lines = stored.reminder_log(self.env, company, since.date(), run_date)
        partners = sorted(set(stored.reminded_partners(self.env, company, since.date())))
        cash = pd.DataFrame(columns=["item_id", "pay_date", "value"])
        if partners:
            items, allocs = self.env["ar.refresh"]._extract(company, run_date, set(partners))
            classified = engine.classify_allocations(allocs, items)
            cash = classified.loc[classified["kind"] == engine.KIND_CASH, list(cash.columns)]
        promises = stored.promises_made(self.env, company, since.date(), run_date)
        figures = dunning_effect.effectiveness(reminders, lines, cash, promises)
        stored.write_effect(self.env, company, figures)
        return figures
