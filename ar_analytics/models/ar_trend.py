"""Stored collection trend (metrics.md section 6): the monthly series of every company and
customer with the forecast months appended, the trend summary (slopes, the forecast model
chosen by backtest and its accuracy) and the expected cash by week and by month. Written by
``ar.collection.run`` (one batched write per table and company); read-only everywhere else."""

from odoo import api, fields, models
from odoo.tools import SQL

BENCHMARK_MODELS = [
    ("naive", "Naive: last month repeated"),
    ("seasonal_naive", "Seasonal naive: same month last year"),
]
FORECAST_MODELS = [
    *BENCHMARK_MODELS,
    ("ses", "Simple exponential smoothing"),
    ("damped_holt", "Damped Holt"),
    ("holt_winters", "Additive Holt-Winters"),
]
SCOPES = [("company", "Company"), ("customer", "Customer")]
EXPECTED_SOURCES = [
    ("customer", "Customer's own history"),
    ("tier", "Customers of the same tier"),
    ("company", "All the company's customers"),
    ("due_date", "No usable history: due date"),
]


def _money(string, aggregator="sum", **kwargs):
    return fields.Monetary(string, readonly=True, aggregator=aggregator, **kwargs)


def _figure(string, aggregator="avg", digits=(16, 2), **kwargs):
    return fields.Float(string, readonly=True, aggregator=aggregator, digits=digits, **kwargs)


class ArTrendMonth(models.Model):
    """One month of a company's or a customer's collection series; forecast months carry
    the forecast only."""

    _name = "ar.trend.month"
    _description = "Monthly collection trend"
    _order = "company_id, scope, partner_id, month"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    scope = fields.Selection(SCOPES, required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True, index=True)
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    kind = fields.Selection(
        [("actual", "Actual"), ("forecast", "Forecast")], required=True, readonly=True
    )
    invoiced = _money("Invoiced", help="Net sales of the month: invoices less credit notes.")
    collected = _money("Collected", help="Cash received on the month's invoices and older ones.")
    forecast = _money("Forecast collections")
    collections = _money(
        "Collections (actual or forecast)",
        help="Collected in an actual month, the forecast in a forecast month: one line to chart.",
    )
    collection_rate = _figure(
        "Collection rate",
        digits=(16, 4),
        help="Cash received on the items due in the month over their amount, at the month end.",
    )
    wadp = _figure("Payment cycle (days)", help="Amount-weighted days to pay of the month.")
    wadl = _figure("Days late", help="Amount-weighted days late of the payments of the month.")
    cei = _figure("CEI", digits=(16, 4), help="Collection effectiveness index of the month.")
    invoiced_mom = _figure("Invoiced vs previous month", digits=(16, 4))
    invoiced_yoy = _figure("Invoiced vs a year before", digits=(16, 4))
    collected_mom = _figure("Collected vs previous month", digits=(16, 4))
    collected_yoy = _figure("Collected vs a year before", digits=(16, 4))
    collection_rate_mom = _figure("Collection rate change (points)", digits=(16, 4))
    collection_rate_yoy = _figure("Collection rate change on a year (points)", digits=(16, 4))
    wadl_mom = _figure("Days late change (days)")
    wadl_yoy = _figure("Days late change on a year (days)")
    invoiced_roll3 = _money("Invoiced, last 3 months")
    collected_roll3 = _money("Collected, last 3 months")
    # Odoo reads an empty number as 0: the views hide the figures a month does not have
    empty_figures = fields.Char(compute="_compute_empty_figures")

    def _compute_empty_figures(self):
        """``,name,name,`` of the figures stored empty (NULL) on each row."""
        names = [
            name
            for name, field in self._fields.items()
            if field.store and field.type in ("float", "monetary")
        ]
        rows = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, concat_ws(',', '', %s, '') FROM ar_trend_month WHERE id = ANY(%s)",
                    SQL(", ").join(
                        SQL("CASE WHEN %s IS NULL THEN %s END", SQL.identifier(name), name)
                        for name in names
                    ),
                    self.ids,
                )
            )
        )
        for row in self:
            row.empty_figures = rows.get(row.id, "")


class ArCollectionTrend(models.Model):
    """The trend of a company's or a customer's collections: slopes over the last 12
    months, and the forecast model chosen by rolling-origin backtest with its accuracy."""

    _name = "ar.collection.trend"
    _description = "Collection trend and forecast"
    _order = "company_id, scope, forecast_total desc, id"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    scope = fields.Selection(SCOPES, required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True, index=True)
    as_of = fields.Date("As of", readonly=True)
    months = fields.Integer("Months of history", readonly=True, aggregator=None)
    first_month = fields.Date(readonly=True)
    last_month = fields.Date("Last complete month", readonly=True)
    invoiced_slope = _money("Invoiced trend (per month)", aggregator=None)
    collected_slope = _money("Collected trend (per month)", aggregator=None)
    collection_rate_slope = _figure("Collection rate trend (per month)", digits=(16, 4))
    wadl_slope = _figure("Days late trend (days per month)")
    cei_slope = _figure("CEI trend (per month)", digits=(16, 4))
    model = fields.Selection(FORECAST_MODELS, "Forecast model", readonly=True)
    alpha = _figure("Alpha", digits=(4, 2), aggregator=None)
    beta = _figure("Beta", digits=(4, 2), aggregator=None)
    gamma = _figure("Gamma", digits=(4, 2), aggregator=None)
    phi = _figure("Phi", digits=(4, 2), aggregator=None)
    mae = _money("MAE", aggregator=None, help="Mean absolute error of the backtest.")
    mase = _figure(
        "MASE",
        digits=(16, 3),
        aggregator=None,
        help="Backtest error over the naive forecast's: below 1 beats repeating last month.",
    )
    mape = _figure("MAPE (%)", aggregator=None, help="Months with no collections are skipped.")
    mape_skipped = fields.Integer("MAPE months skipped", readonly=True, aggregator=None)
    smape = _figure("sMAPE (%)", aggregator=None)
    n_points = fields.Integer("Backtest points", readonly=True, aggregator=None)
    benchmark = fields.Selection(
        BENCHMARK_MODELS,
        "Best naive benchmark",
        readonly=True,
        help="The better of the naive forecasts in the backtest: every model must beat it to "
        "be chosen.",
    )
    benchmark_mase = _figure("Benchmark MASE", digits=(16, 3), aggregator=None)
    benchmark_gain = _figure(
        "Gain on the benchmark",
        digits=(16, 4),
        aggregator=None,
        help="How much lower the chosen model's backtest error (MASE) is than the best naive "
        "benchmark's; 0 when a benchmark is chosen.",
    )
    forecast_next = _money("Forecast next month")
    forecast_total = _money("Forecast next 6 months")

    @api.depends("scope", "partner_id", "company_id")
    def _compute_display_name(self):
        for trend in self:
            trend.display_name = (
                trend.partner_id.display_name
                if trend.scope == "customer"
                else self.env._("%(company)s (company)", company=trend.company_id.name)
            )


class ArExpectedCash(models.Model):
    """Expected cash-in per customer and period (13 weeks, 6 months), the amount expected
    later and the uncertain amount (items without usable payment history) apart."""

    _name = "ar.expected.cash"
    _description = "Expected cash-in"
    _order = "company_id, frequency, sequence, partner_id"
    _rec_name = "period"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True, index=True)
    as_of = fields.Date("As of", readonly=True)
    frequency = fields.Selection(
        [("week", "Weekly"), ("month", "Monthly")], required=True, readonly=True
    )
    kind = fields.Selection(
        [
            ("period", "Expected in the period"),
            ("later", "Expected after the last period"),
            ("uncertain", "Uncertain: no payment history"),
        ],
        required=True,
        readonly=True,
    )
    sequence = fields.Integer(readonly=True, aggregator=None)
    period = fields.Char(
        readonly=True,
        help="The period's dates; the amounts expected after the last period and the "
        "uncertain ones (customers without payment history) on rows of their own.",
    )
    date_start = fields.Date("From", readonly=True)
    date_end = fields.Date("To", readonly=True)
    amount = _money("Expected amount")
