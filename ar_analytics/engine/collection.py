"""The collection run as one call (metrics.md sections 6-7): from one company's items and
allocations at an as-of date and what the storage layer read besides (customer tiers, score
history, credit exposure, broken promises), the trend and forecast of the company and of each
customer, the expected payment date of every open invoice, the expected cash by week and by
month, and the early-warning signals found, each with its evidence figures.

:func:`run` owns every join between the engine's parts (trend, forecast, expected, signals);
the caller reads the inputs (:func:`reads` says which) and writes the result. A run in
batches of customers gives the same result without holding the whole book:
:func:`batch` keeps what a batch contributes (per-customer rows, the additive parts of the
company series, the rows the expected payments' pools are made of) and :func:`combine`
finishes from those; :func:`run` is :func:`combine` of a single batch.
"""

import datetime
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
import pandas as pd

from . import expected, forecast, signals, trend
from ._util import concat_parts, group_index
from .aging import validate_buckets
from .collection_signals import (
    BROKEN_PROMISE,
    DESCRIPTIONS,
    Description,
    broken_promises,
    found_signals,
    worst_severity,
)
from .constants import BASIS_DUE, DEFAULT_PROMISE_GRACE_DAYS, SEVERITY_RANK
from .settlement import prepare_frames, settle_prepared

# The storage of the signals found is read here, with the run that finds them.
__all__ = [
    "BROKEN_PROMISE",
    "DESCRIPTIONS",
    "SEVERITY_RANK",
    "Description",
    "Inputs",
    "Settings",
    "active_months",
    "batch",
    "broken_promises",
    "combine",
    "customer_inputs",
    "forecasts",
    "found_signals",
    "history_dates",
    "reads",
    "run",
    "scope_frames",
    "trend_frames",
    "worst_severity",
]

#: a customer's collections are forecast from this many months of history on
CUSTOMER_FORECAST_MIN_MONTHS = 12
#: customers forecast at once: a forecast's grid arrays grow with their number
FORECAST_CHUNK = 500
#: the grade a downgrade is measured against: the grade this many days before
GRADE_LOOKBACK_DAYS = 30
SLOPES = ("invoiced", "collected", "collection_rate", "wadl", "cei")
#: columns of the trend summary that a scope without forecasts still has (empty)
SUMMARY_TEXTS = ("model", "benchmark")
SUMMARY_NUMBERS = (
    *forecast.PARAMETERS,
    "mae",
    "mase",
    "mape",
    "mape_skipped",
    "smape",
    "n_points",
    "benchmark_mase",
    "benchmark_gain",
    "forecast_next",
    "forecast_total",
)


@dataclass
class Settings:
    """A company's settings of the collection run; the defaults are the engine's."""

    since: datetime.date = None  # the previous evaluation (default: the day before as_of)
    buckets: list = None
    basis: str = BASIS_DUE
    thresholds: signals.SignalThresholds = field(default_factory=signals.SignalThresholds)
    bucket_ids: dict = field(default_factory=dict)  # bucket code -> the id the evidence names
    promise_grace_days: int = DEFAULT_PROMISE_GRACE_DAYS
    # labels of the expected cash rows, in the language they are stored in
    labels: dict = field(default_factory=lambda: dict(expected.CASH_LABELS))


@dataclass
class Inputs:
    """What the storage layer read for the run besides the items and allocations."""

    stats: pd.DataFrame = None  # the stored tier of each customer, indexed by partner_id
    history: pd.DataFrame = None  # date, partner_id, grade, overdue_ratio at reads()' dates
    # credit, credit_to_invoice and credit_limit by partner_id; None: no credit limits
    credit: pd.DataFrame = None
    promises: pd.DataFrame = None  # partner_id, move_id, unpaid of each broken promise


def history_dates(as_of):
    """The dates of the score history the signals compare with: now, the overdue share's
    comparison date and the grade's."""
    return (
        as_of,
        as_of - datetime.timedelta(days=signals.OVERDUE_SHARE_DAYS),
        as_of - datetime.timedelta(days=GRADE_LOOKBACK_DAYS),
    )


def reads(items, stats, as_of):
    """(customers, dates): the customers whose score history and credit the run reads (those
    of the items and of the stored figures) and the dates of that history."""
    keys = pd.Index(items["partner_id"].unique()).union(stats.index)
    return [int(p) for p in keys if p], history_dates(as_of)


def run(items, allocs, as_of, settings=None, inputs=None):
    """Every figure of the collection run of one company at ``as_of``.

    Returns a dict: ``months`` and ``summaries`` (the trend rows of the company and of each
    customer, :func:`trend_frames`), ``expected_dates`` (per open invoice, by move_id),
    ``cash`` (:func:`expected.cash_rows`), ``signals`` ({(partner, signal): values} of the signals
    on) and ``severity`` (the worst severity of each customer with a signal on).
    """
    return combine([batch(items, allocs, as_of, settings, inputs)], as_of, settings, inputs)


def _stats(inputs):
    return inputs.stats if inputs.stats is not None else pd.DataFrame(columns=["tier"])


def batch(items, allocs, as_of, settings=None, inputs=None):
    """What one batch of customers contributes to a collection run in batches: from its
    items and allocations (all those of its customers, each customer in a single batch; the
    items without a customer in one of them) and ``inputs`` restricted to its customers
    (their tiers in ``stats``, history, credit and broken promises).

    Returns a dict of small frames, none holding its items: ``partners`` (its items'
    customers), ``series`` (the monthly series of each customer from its first active
    month, :func:`active_months`), ``wadl`` (its customers' monthly WADL, customers x
    months), ``company`` (:func:`trend.series_parts` by company), ``pools``
    (:func:`expected.pool_inputs`: its open items and cash observations), ``items``
    (:func:`signals.item_parts`), ``customers`` (:func:`customer_inputs`) and ``promises``
    (:func:`broken_promises`).
    """
    settings = settings or Settings()
    inputs = inputs or Inputs()
    buckets = validate_buckets(settings.buckets)
    items_cut, allocs_cut = prepare_frames(items, allocs, as_of)
    items_out = settle_prepared(items_cut, allocs_cut, as_of, buckets=buckets, basis=settings.basis)
    customers = trend.monthly_series(items_out, allocs_cut, as_of, by="partner_id")
    return {
        "partners": group_index(items_out, "partner_id"),
        "series": active_months(customers.loc[_customer_rows(customers)], "partner_id"),
        "wadl": trend.series_matrix(customers, "wadl"),
        "company": trend.series_parts(items_out, allocs_cut, as_of, by="company_id"),
        "pools": expected.pool_inputs(items_out, allocs_cut, as_of),
        "items": signals.item_parts(
            items_out,
            as_of,
            since=_since(settings, as_of),
            buckets=buckets,
            thresholds=settings.thresholds,
        ),
        "customers": customer_inputs(items_out, allocs_cut, as_of, _stats(inputs), inputs),
        "promises": broken_promises(inputs.promises, settings),
    }


def combine(batches, as_of, settings=None, inputs=None):
    """The result of :func:`run` from the :func:`batch` results of every customer of the
    company (at least one batch). Of ``inputs`` only ``stats`` is read: the tier of every
    customer, by which the expected payments pool observations.

    Per customer, the figures are those of a run on the whole book whatever the split, but
    for the last bit of the sums pandas makes by another algorithm when a batch's keys come
    sorted; the company's are sums of the batches' parts, equal to the whole book's to the
    order of the float sums. The expected payments draw on the open items and observations
    of every batch in the order of the frames of engine_contract.md
    (:func:`expected.combine_pool_inputs`): with frames in that order, as extracted, their
    figures are the whole book's."""
    settings = settings or Settings()
    stats = _stats(inputs or Inputs())
    batches = list(batches)
    partners = _partners(b["partners"] for b in batches)
    totals = trend.series_from_parts(trend.combine_series_parts([b["company"] for b in batches]))
    months, summaries = trend_frames(concat_parts(b["series"] for b in batches), totals)
    tiers = stats["tier"] if len(stats) else None
    pools = expected.combine_pool_inputs(b["pools"] for b in batches)
    frame = signals.signals_from_parts(
        signals.combine_item_parts(b["items"] for b in batches),
        partners,
        concat_parts(b["wadl"] for b in batches),
        concat_parts(b["customers"] for b in batches),
        settings.thresholds,
    )
    found = found_signals(frame, settings)
    for part in batches:
        found.update(part["promises"])
    return {
        "months": months,
        "summaries": summaries,
        "expected_dates": expected.dates_from(pools, tiers),
        "cash": expected.cash_rows_from(pools, as_of, partners, tiers, settings.labels),
        "signals": found,
        "severity": worst_severity(found),
    }


def _partners(indexes):
    """The union of the batches' customers; a single batch's as they are."""
    indexes = list(indexes)
    # an empty index may have another dtype than the others'
    return reduce(pd.Index.union, [index for index in indexes if len(index)] or indexes[:1])


def _customer_rows(series):
    """The rows of the customers (the items without one, partner 0, are no customer)."""
    return series.index.get_level_values(0) != 0


def _since(settings, as_of):
    return settings.since or as_of - datetime.timedelta(days=1)


# -- trend and forecast ------------------------------------------------------------------------


def active_months(series, by):
    """The series from each group's first month with an invoice or a collection on."""
    active = (series["invoiced"].abs() >= 0.005) | (series["collected"].abs() >= 0.005)
    return series[active.groupby(level=by).cummax()]


def forecasts(series, chunk=FORECAST_CHUNK):
    """Forecast each group's collections from its active months: groups are forecast
    together by length of history (the engine works on equal-length rows), at most about
    ``chunk`` at once."""
    matrix = trend.series_matrix(series, "collected")
    lengths = matrix.notna().sum(axis=1)
    parts = []
    for length in sorted(set(lengths)):
        rows = matrix.loc[lengths == length]
        if not length:
            continue
        block = pd.DataFrame(
            np.vstack([row[~np.isnan(row)] for row in rows.to_numpy()]), index=rows.index
        )
        parts += [forecast.forecast_frame(piece) for piece in _pieces(block, chunk)]
    return pd.concat(parts) if parts else pd.DataFrame()


def _pieces(block, size):
    """The rows of ``block`` in pieces of at most about ``size`` rows, none of a single
    row unless the block is: a row forecast among others gets the same figures whatever
    the others, but alone numpy sums its values in another order (the last bits differ)."""
    count = -(-len(block) // max(size, 3))
    if count <= 1:
        return [block]
    return [block.iloc[rows] for rows in np.array_split(np.arange(len(block)), count)]


def _future(summary, steps):
    """The forecast months after each group's last month, for the groups with a model."""
    chosen = summary.loc[summary["model"].notna()]
    return [
        pd.DataFrame(
            {
                "group": chosen.index,
                "month": chosen["last_month"].to_numpy().astype("datetime64[M]")
                + np.timedelta64(k + 1, "M"),
                "kind": "forecast",
                "forecast": chosen[step].to_numpy(),
            }
        )
        for k, step in enumerate(steps)
    ]


def scope_frames(scope, series, forecasted):
    """(months, summary) frames of one scope: the actual months, the forecast months
    after the last one, and per group its history, slopes, model and accuracy."""
    by = series.index.names[0]
    months = series.reset_index().rename(columns={by: "group"})
    months["kind"], months["forecast"] = "actual", np.nan
    index = months.groupby("group")["month"]
    summary = pd.DataFrame(
        {"months": index.size(), "first_month": index.min(), "last_month": index.max()}
    )
    summary = summary.join(trend.trend_slopes(series, SLOPES).rename_axis("group"))
    steps = [f"forecast_{k + 1}" for k in range(forecast.FORECAST_MONTHS)]
    future = []
    if len(forecasted):
        summary = summary.join(forecasted.rename_axis("group"))
        summary["forecast_next"] = summary[steps[0]]
        summary["forecast_total"] = summary[steps].sum(axis=1, min_count=1)
        future = _future(summary, steps)
    months = pd.concat([months, *future], ignore_index=True)
    months["month"] = pd.to_datetime(months["month"])
    for frame in (months, summary):
        frame["scope"] = scope
    summary = summary.reset_index()
    if scope == "company":
        months["group"], summary["group"] = None, None
    return months, summary


def trend_frames(customers, totals):
    """(months, summaries) of the company (``totals``) and of its customers from their
    first active month: every month of :func:`trend.monthly_series` plus the forecast
    months, with ``collections`` (collected, or the forecast of a forecast month); per
    group its summary. A customer is forecast from CUSTOMER_FORECAST_MIN_MONTHS months
    of history on; ``group`` is the customer (None for the company)."""
    customers = active_months(customers.loc[_customer_rows(customers)], "partner_id")
    totals = active_months(totals, "company_id")
    history = customers.groupby(level="partner_id").size()
    long_enough = history.index[history >= CUSTOMER_FORECAST_MIN_MONTHS]
    forecastable = customers.loc[customers.index.get_level_values(0).isin(long_enough)]
    parts = [
        scope_frames("company", totals, forecasts(totals)),
        scope_frames("customer", customers, forecasts(forecastable)),
    ]
    months = pd.concat([part[0] for part in parts], ignore_index=True)
    months["collections"] = months["collected"].where(
        months["kind"] == "actual", months["forecast"]
    )
    summaries = pd.concat([part[1] for part in parts], ignore_index=True)
    for name in (*SUMMARY_TEXTS, *SUMMARY_NUMBERS):
        if name not in summaries:
            summaries[name] = None if name in SUMMARY_TEXTS else np.nan
    return months, summaries


# -- signals -----------------------------------------------------------------------------------


def _history_at(history, date):
    if history is None:
        history = pd.DataFrame(columns=["date", "partner_id", "grade", "overdue_ratio"])
    rows = history.loc[pd.to_datetime(history["date"]) == pd.Timestamp(date)]
    return rows.set_index("partner_id")[["grade", "overdue_ratio"]]


def customer_inputs(items_out, allocs, as_of, stats, inputs):
    """The per-customer inputs of :func:`signals.customer_signals`: payment index windows,
    overdue share now and 90 days before and grade now and a month before (from the score
    history), exposure and credit limit."""
    frame = signals.payment_index_windows(items_out, allocs, as_of)
    partner_ids = [int(p) for p in frame.index.union(stats.index) if p]
    dates = history_dates(as_of)
    now, before, grade_before = (_history_at(inputs.history, date) for date in dates)
    frame = frame.reindex(frame.index.union(pd.Index(partner_ids)))
    frame["overdue_share"] = now["overdue_ratio"]
    frame["overdue_share_before"] = before["overdue_ratio"]
    frame["grade"] = now["grade"].astype(object)
    frame["grade_before"] = grade_before["grade"].astype(object)
    frame["exposure"], frame["credit_limit"] = np.nan, np.nan
    credit = inputs.credit
    if credit is not None and len(credit):
        known = credit.loc[credit.index.isin(partner_ids)]
        frame.loc[known.index, "exposure"] = (
            known["credit"] + known["credit_to_invoice"]
        ).to_numpy()
        frame.loc[known.index, "credit_limit"] = known["credit_limit"].to_numpy()
    return frame
