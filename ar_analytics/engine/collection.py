"""The collection run as one call (metrics.md sections 6-7): from one company's items and
allocations at an as-of date and what the storage layer read besides (customer tiers, score
history, credit exposure, broken promises), the trend and forecast of the company and of each
customer, the expected payment date of every open invoice, the expected cash by week and by
month, and the early-warning signals found, each with its evidence figures.

:func:`run` owns every join between the engine's parts (trend, forecast, expected, signals);
the caller reads the inputs (:func:`reads` says which) and writes the result.
"""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import expected, forecast, signals, trend
from .aging import validate_buckets
from .constants import BASIS_DUE, SEVERITY_ALERT, SEVERITY_NONE, SEVERITY_RANK
from .settlement import prepare_frames, settle_prepared

#: a customer's collections are forecast from this many months of history on
CUSTOMER_FORECAST_MIN_MONTHS = 12
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
BROKEN_PROMISE = "broken_promise"


@dataclass
class Settings:
    """A company's settings of the collection run; the defaults are the engine's."""

    since: datetime.date = None  # the previous evaluation (default: the day before as_of)
    buckets: list = None
    basis: str = BASIS_DUE
    thresholds: signals.SignalThresholds = field(default_factory=signals.SignalThresholds)
    bucket_ids: dict = field(default_factory=dict)  # bucket code -> the id the evidence names
    promise_grace_days: int = 0
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
    settings = settings or Settings()
    inputs = inputs or Inputs()
    stats = inputs.stats if inputs.stats is not None else pd.DataFrame(columns=["tier"])
    buckets = validate_buckets(settings.buckets)
    items_cut, allocs_cut = prepare_frames(items, allocs, as_of)
    items_out = settle_prepared(items_cut, allocs_cut, as_of, buckets=buckets, basis=settings.basis)
    customers = trend.monthly_series(items_out, allocs_cut, as_of, by="partner_id")
    totals = trend.monthly_series(items_out, allocs_cut, as_of, by="company_id")
    months, summaries = trend_frames(customers, totals)
    tiers = stats["tier"] if len(stats) else None
    dates = expected.expected_dates(items_out, allocs_cut, as_of, tiers)
    cash = expected.cash_rows(items_out, allocs_cut, as_of, tiers, settings.labels)
    frame = signals.customer_signals(
        items_out,
        as_of,
        monthly=customers,
        customers=customer_inputs(items_out, allocs_cut, as_of, stats, inputs),
        since=_since(settings, as_of),
        buckets=buckets,
        thresholds=settings.thresholds,
    )
    found = found_signals(frame, settings)
    found.update(broken_promises(inputs.promises, settings))
    return {
        "months": months,
        "summaries": summaries,
        "expected_dates": dates,
        "cash": cash,
        "signals": found,
        "severity": worst_severity(found),
    }


def _since(settings, as_of):
    return settings.since or as_of - datetime.timedelta(days=1)


# -- trend and forecast ------------------------------------------------------------------------


def active_months(series, by):
    """The series from each group's first month with an invoice or a collection on."""
    active = (series["invoiced"].abs() >= 0.005) | (series["collected"].abs() >= 0.005)
    return series[active.groupby(level=by).cummax()]


def forecasts(series):
    """Forecast each group's collections from its active months: groups are forecast
    together by length of history (the engine works on equal-length rows)."""
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
        parts.append(forecast.forecast_frame(block))
    return pd.concat(parts) if parts else pd.DataFrame()


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
    customers = customers.loc[customers.index.get_level_values(0) != 0]
    customers = active_months(customers, "partner_id")
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


def _number(value):
    return float(value) if value is not None and np.isfinite(value) else None


def _column(suffix, convert=None):
    """A reader of the signal's ``<signal>_<suffix>`` column (None when empty)."""
    return lambda get, settings: (convert or (lambda value: value))(get(suffix))


def _threshold(name):
    """A reader of the company's threshold ``name`` (:class:`signals.SignalThresholds`)."""
    return lambda get, settings: getattr(settings.thresholds, name)


def _fixed(value):
    return lambda get, settings: value


def _day(value):
    return str(pd.Timestamp(value).date())


def _bucket_id(get, settings):
    return settings.bucket_ids.get(str(get("bucket")))


def _grades(get, settings):
    return f"{get('before')}>{get('now')}"


class Description(NamedTuple):
    """How a signal of :func:`signals.customer_signals` is stored: its evidence figures
    ({key: reader}; worded when read, in the reader's language), its value, its threshold
    and its event (what identifies it while it stays on); each a reader ``(get, settings)``
    of the customer's row."""

    evidence: dict
    value: object
    threshold: object
    event: object = _fixed("")


_COUNT = _column("count", int)
_AMOUNT = _column("amount", _number)
DESCRIPTIONS = {
    "due_soon": Description(
        {"count": _COUNT, "amount": _AMOUNT, "date": _column("date", _day)},
        _column("count"),
        _threshold("due_soon_days"),
        _column("date", _day),
    ),
    "new_overdue": Description({"count": _COUNT, "amount": _AMOUNT}, _column("count"), _fixed(0.0)),
    "bucket_move": Description(
        {
            "count": _COUNT,
            "amount": _AMOUNT,
            "bucket": _column("bucket", str),
            "bucket_id": _bucket_id,
        },
        _column("count"),
        _threshold("alert_bucket_days"),
        _column("bucket", str),
    ),
    "days_late_jump": Description(
        {
            "wadl": _column("wadl", _number),
            "z": _column("z", _number),
            "method": _column("method"),
            "months": _column("months", lambda value: int(value or 0)),
        },
        _column("wadl"),
        _threshold("jump_warn_z"),
    ),
    "ewma_drift": Description(
        {"value": _column("value", _number), "limit": _column("ucl", _number)},
        _column("value"),
        _column("ucl", _number),
    ),
    "cusum": Description(
        {"value": _column("value", _number), "limit": _threshold("cusum_h")},
        _column("value"),
        _threshold("cusum_h"),
    ),
    "index_drop": Description(
        {key: _column(key, _number) for key in ("short", "long", "change")},
        _column("change"),
        _threshold("index_drop_warn"),
    ),
    "overdue_share": Description(
        {key: _column(key, _number) for key in ("now", "before")},
        _column("change"),
        _threshold("overdue_share_rise"),
    ),
    "credit_utilisation": Description(
        {key: _column(key, _number) for key in ("exposure", "limit", "ratio")},
        _column("ratio"),
        _threshold("utilisation_warn"),
    ),
    "grade_downgrade": Description(
        {"before": _column("before"), "now": _column("now")}, _fixed(None), _fixed(None), _grades
    ),
}


def _getter(name, row):
    def get(suffix):
        value = row[f"{name}_{suffix}"]
        return None if pd.isna(value) else value

    return get


def found_signals(frame, settings):
    """{(partner, signal): values} of the signals on in ``frame`` (the customer without a
    partner left out): severity, evidence figures, amount at risk, value, threshold and
    event, as :data:`DESCRIPTIONS` reads them."""
    found = {}
    frame = frame.loc[(frame.index != 0) & (frame["severity"] != SEVERITY_NONE)]
    for name in signals.SIGNALS:
        description = DESCRIPTIONS[name]
        on = frame.loc[frame[name] != SEVERITY_NONE]
        for partner_id, row in on.iterrows():
            get = _getter(name, row)
            found[int(partner_id), name] = {
                "severity": row[name],
                "evidence_data": {
                    key: read(get, settings) for key, read in description.evidence.items()
                },
                "amount_at_risk": float(row[f"{name}_at_risk"]),
                "value": description.value(get, settings),
                "threshold": description.threshold(get, settings),
                "event": description.event(get, settings),
            }
    return found


def broken_promises(promises, settings):
    """{(partner, "broken_promise"): values}: per customer, the invoices whose promise to pay
    was broken (``promises``: partner_id, move_id and unpaid amount, one row per invoice),
    their count and unpaid amount; an amount under the minimum amount is not raised."""
    per_customer = {}
    if promises is not None:
        rows = promises[["partner_id", "move_id", "unpaid"]].itertuples(index=False)
        # summed in the order read: a float sum depends on it
        for partner_id, move_id, unpaid in rows:
            count, amount, ids = per_customer.get(int(partner_id), (0, 0.0, []))
            per_customer[int(partner_id)] = (
                count + 1,
                amount + float(unpaid),
                [*ids, int(move_id)],
            )
    t = settings.thresholds
    return {
        (partner_id, BROKEN_PROMISE): {
            "severity": SEVERITY_ALERT,
            "evidence_data": {"count": count, "amount": amount},
            "amount_at_risk": amount,
            "value": count,
            "threshold": settings.promise_grace_days,
            "event": ",".join(map(str, sorted(ids))),
        }
        for partner_id, (count, amount, ids) in per_customer.items()
        if amount >= t.min_amount - signals.SIGNAL_TOLERANCE
    }


def worst_severity(found):
    """{partner: the worst severity of its signals on}."""
    worst = {}
    for (partner_id, _name), values in found.items():
        rank = SEVERITY_RANK[values["severity"]]
        worst[partner_id] = max(worst.get(partner_id, 0), rank)
    labels = {rank: severity for severity, rank in SEVERITY_RANK.items()}
    return {partner_id: labels[rank] for partner_id, rank in worst.items()}
