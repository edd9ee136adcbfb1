"""Stored collection trend (metrics.md section 6): the monthly series of every company and
customer with the forecast months appended (``ar.trend.month``), the trend summary with the
forecast model chosen by backtest and its accuracy (``ar.collection.trend``) and the expected
cash by week and by month (``ar.expected.cash``). Written by ``ar.collection.run`` (one
batched write per table and company); read-only everywhere else. This module holds their
shared selections and field helpers."""

from odoo import fields

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


def money(string, aggregator="sum", **kwargs):
    """A read-only amount in the company's currency, summed when grouped."""
    return fields.Monetary(string, readonly=True, aggregator=aggregator, **kwargs)


def figure(string, aggregator="avg", digits=(16, 2), **kwargs):
    """A read-only figure (rate, days, index), averaged when grouped."""
    return fields.Float(string, readonly=True, aggregator=aggregator, digits=digits, **kwargs)
