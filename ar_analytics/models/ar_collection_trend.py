"""The trend and forecast of a company's or a customer's collections
(``ar.collection.trend``)."""

from odoo import api, fields, models

from .ar_trend import BENCHMARK_MODELS, FORECAST_MODELS, SCOPES, figure, money


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
    invoiced_slope = money("Invoiced trend (per month)", aggregator=None)
    collected_slope = money("Collected trend (per month)", aggregator=None)
    collection_rate_slope = figure("Collection rate trend (per month)", digits=(16, 4))
    wadl_slope = figure("Days late trend (days per month)")
    cei_slope = figure("CEI trend (per month)", digits=(16, 4))
    model = fields.Selection(FORECAST_MODELS, "Forecast model", readonly=True)
    alpha = figure("Alpha", digits=(4, 2), aggregator=None)
    beta = figure("Beta", digits=(4, 2), aggregator=None)
    gamma = figure("Gamma", digits=(4, 2), aggregator=None)
    phi = figure("Phi", digits=(4, 2), aggregator=None)
    mae = money("MAE", aggregator=None, help="Mean absolute error of the backtest.")
    mase = figure(
        "MASE",
        digits=(16, 3),
        aggregator=None,
        help="Backtest error over the naive forecast's: below 1 beats repeating last month.",
    )
    mape = figure("MAPE (%)", aggregator=None, help="Months with no collections are skipped.")
    mape_skipped = fields.Integer("MAPE months skipped", readonly=True, aggregator=None)
    smape = figure("sMAPE (%)", aggregator=None)
    n_points = fields.Integer("Backtest points", readonly=True, aggregator=None)
    benchmark = fields.Selection(
        BENCHMARK_MODELS,
        "Best naive benchmark",
        readonly=True,
        help="The better of the naive forecasts in the backtest: every model must beat it to "
        "be chosen.",
    )
    benchmark_mase = figure("Benchmark MASE", digits=(16, 3), aggregator=None)
    benchmark_gain = figure(
        "Gain on the benchmark",
        digits=(16, 4),
        aggregator=None,
        help="How much lower the chosen model's backtest error (MASE) is than the best naive "
        "benchmark's; 0 when a benchmark is chosen.",
    )
    forecast_next = money("Forecast next month")
    forecast_total = money("Forecast next 6 months")

    @api.depends("scope", "partner_id", "company_id")
    def _compute_display_name(self):
        for trend in self:
            trend.display_name = (
                trend.partner_id.display_name
                if trend.scope == "customer"
                else self.env._("%(company)s (company)", company=trend.company_id.name)
            )
