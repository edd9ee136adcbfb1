"""Risk signals (metrics.md section 7): each returns ``none | warn | alert`` with its
evidence.

The rule signals on levels (:func:`index_drop`, :func:`overdue_share_rise`,
:func:`credit_utilisation`, :func:`grade_downgrade`) return a :class:`Signal`; they run
the same array code as :func:`customer_signals`, which evaluates every signal for every
customer at once (one row per customer, a severity column and evidence columns per
signal): the item signals (:func:`item_signals`), the rule signals and the statistical
detectors of :mod:`drift` (days-late jump, EWMA, CUSUM).  Thresholds are parameters whose
defaults are the constants of :mod:`signal_thresholds`, gathered in
:class:`SignalThresholds` so that a company can configure them.

- Only a worsening counts: later payment (WADL up), lower payment index, higher
  overdue share, higher utilisation, lower grade.
- Every signal of :func:`customer_signals` has an amount at risk (docs/metrics.md,
  "Early-warning signals"); one under ``min_amount`` is not raised.
"""

import numpy as np
import pandas as pd

from ._util import as_timestamp, concat_parts, group_index, ratio
from .aging import assign_buckets, validate_buckets
from .behaviour import observations, payment_index
from .constants import GRADES, SEVERITY_NONE, SEVERITY_RANK, ZERO_TOLERANCE
from .drift import drift_columns, jump_columns
from .signal_thresholds import (
    ALERT_BUCKET_DAYS,
    CUSUM_H,
    CUSUM_K,
    DUE_SOON_DAYS,
    EWMA_LAMBDA,
    EWMA_SIGMAS,
    INDEX_DROP_ALERT,
    INDEX_DROP_WARN,
    JUMP_ALERT_Z,
    JUMP_WARN_Z,
    MONITOR_MONTHS,
    OVERDUE_SHARE_RISE,
    SIGNAL_TOLERANCE,
    UTILISATION_ALERT,
    UTILISATION_WARN,
    SignalThresholds,
    above,
    at_least,
    at_most,
    first_signal,
    float_array,
    matching_preset,
    preset_thresholds,
    severity_labels,
    severity_levels,
)
from .trend import series_matrix

# The thresholds' defaults and presets are re-exported: the company's settings and the
# collection run read them here, with the signals.
__all__ = [
    "ALERT_BUCKET_DAYS",
    "CUSUM_H",
    "CUSUM_K",
    "DUE_SOON_DAYS",
    "EVIDENCE",
    "EWMA_LAMBDA",
    "EWMA_SIGMAS",
    "INDEX_DROP_ALERT",
    "INDEX_DROP_WARN",
    "INDEX_LONG_DAYS",
    "INDEX_SHORT_DAYS",
    "JUMP_ALERT_Z",
    "JUMP_WARN_Z",
    "MONITOR_MONTHS",
    "OPEN_RECEIVABLE_SIGNALS",
    "OVERDUE_SHARE_DAYS",
    "OVERDUE_SHARE_RISE",
    "SIGNALS",
    "SIGNAL_TOLERANCE",
    "UTILISATION_ALERT",
    "UTILISATION_WARN",
    "SignalThresholds",
    "combine_item_parts",
    "credit_utilisation",
    "customer_signals",
    "grade_downgrade",
    "index_drop",
    "item_parts",
    "item_signals",
    "matching_preset",
    "overdue_share_rise",
    "payment_index_windows",
    "preset_thresholds",
    "signal_columns",
    "signals_from_parts",
]

#: Payment index of the last INDEX_SHORT_DAYS minus the last INDEX_LONG_DAYS (3 and 12
#: months): the inputs of :func:`index_drop`.
INDEX_SHORT_DAYS = 90
INDEX_LONG_DAYS = 365
#: The overdue share now is compared with the share this many days before (read by the
#: caller, e.g. from the score history).
OVERDUE_SHARE_DAYS = 90

SIGNALS = (
    "due_soon",
    "new_overdue",
    "bucket_move",
    "days_late_jump",
    "ewma_drift",
    "cusum",
    "index_drop",
    "overdue_share",
    "credit_utilisation",
    "grade_downgrade",
)
#: Evidence columns of :func:`customer_signals`, per signal.
EVIDENCE = {
    "due_soon": ("amount", "count", "date"),
    "new_overdue": ("amount", "count"),
    "bucket_move": ("amount", "count", "bucket"),
    "days_late_jump": ("wadl", "z", "method", "months"),
    "ewma_drift": ("value", "ucl"),
    "cusum": ("value",),
    "index_drop": ("short", "long", "change"),
    "overdue_share": ("now", "before", "change"),
    "credit_utilisation": ("exposure", "limit", "ratio"),
    "grade_downgrade": ("before", "now"),
}


def signal_columns():
    """Column names of :func:`customer_signals`, in order."""
    columns = []
    for name in SIGNALS:
        columns += [name, f"{name}_at_risk", *(f"{name}_{field}" for field in EVIDENCE[name])]
    return [*columns, "severity"]


def _prefixed(name, out):
    return {name if key == "level" else f"{name}_{key}": value for key, value in out.items()}


# --- levels: payment index, overdue share, utilisation, grade -------------------------


def _index_drop(short, long, t):
    short, long = float_array(short), float_array(long)
    change = short - long
    warn, alert = at_most(change, t.index_drop_warn), at_most(change, t.index_drop_alert)
    return {"level": severity_levels(warn, alert), "short": short, "long": long, "change": change}


def _overdue_share(now, before, t):
    now, before = float_array(now), float_array(before)
    change = now - before
    warn = at_least(change, t.overdue_share_rise)
    return {"level": severity_levels(warn, False), "now": now, "before": before, "change": change}


def _utilisation(exposure, limit, t):
    exposure, limit = float_array(exposure), float_array(limit)
    value = float_array(ratio(exposure, limit, positive=True))
    warn, alert = above(value, t.utilisation_warn), above(value, t.utilisation_alert)
    return {
        "level": severity_levels(warn, alert),
        "exposure": exposure,
        "limit": limit,
        "ratio": value,
    }


def _grade(before, now, t):
    rank = {grade: position for position, grade in enumerate(GRADES)}
    before = pd.Series(np.asarray(before, dtype=object))
    now = pd.Series(np.asarray(now, dtype=object))
    worse = (now.map(rank) > before.map(rank)).to_numpy()
    alert = worse & now.isin(t.grade_alerts).to_numpy()
    return {
        "level": severity_levels(worse, alert),
        "before": before.to_numpy(),
        "now": now.to_numpy(),
    }


def index_drop(short, long, thresholds=None):
    """Payment index of the last 3 months minus the last 12 (section 7):
    change <= -10 warn, <= -20 alert; NaN on either side: none."""
    return first_signal(_index_drop(short, long, thresholds or SignalThresholds()))


def overdue_share_rise(now, before, thresholds=None):
    """Overdue share (overdue / positive open) now minus 90 days before (section 7):
    a rise of at least 0.20 warns; NaN on either side: none."""
    return first_signal(_overdue_share(now, before, thresholds or SignalThresholds()))


def credit_utilisation(exposure, limit, thresholds=None):
    """Credit-limit utilisation ``exposure / limit`` (section 7): > 0.9 warn, > 1
    alert; no limit (<= 0, Odoo's "no limit"): none."""
    return first_signal(_utilisation(exposure, limit, thresholds or SignalThresholds()))


def grade_downgrade(before, now, thresholds=None):
    """Grade downgrade (section 7): a worse grade than before warns, a downgrade into
    ``grade_alerts`` (D) alerts; unrated (None) on either side: none."""
    return first_signal(_grade([before], [now], thresholds or SignalThresholds()))


def payment_index_windows(
    items_out,
    allocs,
    as_of,
    *,
    short_days=INDEX_SHORT_DAYS,
    long_days=INDEX_LONG_DAYS,
    by="partner_id",
):
    """Payment index (section 2) over the last ``short_days`` and ``long_days``:
    columns ``payment_index_short`` and ``payment_index_long`` per group, the inputs
    of the payment index signal (both include the open past-due items at as_of)."""
    as_of = as_timestamp(as_of)
    out = {}
    for name, days in (("payment_index_short", short_days), ("payment_index_long", long_days)):
        obs = observations(items_out, allocs, as_of, days, by)
        out[name] = payment_index(items_out, obs, by)["payment_index"]
    return pd.DataFrame(out)


# --- item-level signals and the per-customer frame ------------------------------------


def item_signals(items_out, as_of, *, since=None, buckets=None, thresholds=None):
    """Item-level signals (section 7) of the open positive items of :func:`settle`
    output (residual >= 0.005), with columns added:

    - ``due_soon``: 0 <= due - as_of <= ``due_soon_days`` (7);
    - ``new_overdue``: past due now, and at ``since`` (the previous evaluation, default
      the day before as_of) not yet past due or not yet booked;
    - ``bucket_before``: the bucket of the item's age at since;
    - ``bucket_move``: severity; warn when an item already past due at since is in an
      older bucket now, alert when that bucket starts at ``alert_bucket_days`` (61) or
      more (the first move into 61-90 or 91+).

    ``buckets`` must be those used by settle (ages of its ``age`` column).
    """
    t = thresholds or SignalThresholds()
    as_of = as_timestamp(as_of)
    since = as_of - pd.Timedelta(days=1) if since is None else as_timestamp(since)
    rows = validate_buckets(buckets)
    out = items_out.loc[items_out["residual"] >= ZERO_TOLERANCE].copy()
    elapsed = (as_of - since).days
    existed = (out["date"] <= since).to_numpy()
    out["due_soon"] = out["dpd"].between(-t.due_soon_days, 0).to_numpy()
    out["new_overdue"] = (out["dpd"] > 0).to_numpy() & ~(existed & (out["dpd"] > elapsed))
    age_before = out["age"] - elapsed
    out["bucket_before"] = assign_buckets(age_before.to_numpy(), rows)
    order = {bucket.code: position for position, bucket in enumerate(rows)}
    starts = {bucket.code: bucket.min_days for bucket in rows if bucket.min_days is not None}
    older = out["bucket"].map(order) > out["bucket_before"].map(order)
    moved = existed & (out["dpd"] > elapsed).to_numpy() & older.to_numpy()
    into_old = at_least(out["bucket"].map(starts).astype("float64"), t.alert_bucket_days)
    out["bucket_move"] = severity_labels(severity_levels(moved, moved & into_old))
    return out


def item_parts(items_out, as_of, *, since=None, buckets=None, thresholds=None, by="partner_id"):
    """What :func:`customer_signals` reads off the items (:func:`item_signals`), per
    customer: a dict of Series by ``by``, each holding only the customers concerned (the
    count, amount and date of the items due soon, the count and amount of the new overdue
    ones, the level, count, amount and oldest bucket of the bucket moves, the open
    receivable and the overdue amount). The parts of several sets of items split by
    customer, put together (:func:`combine_item_parts`), are those of their union."""
    items = item_signals(items_out, as_of, since=since, buckets=buckets, thresholds=thresholds)
    out = {}
    for name in ("due_soon", "new_overdue"):
        flagged = items.loc[items[name]]
        out[f"{name}_amount"] = flagged.groupby(by)["residual"].sum()
        out[f"{name}_count"] = flagged.groupby(by).size()
    out["due_soon_date"] = items.loc[items["due_soon"]].groupby(by)["due"].min()
    moved = items.loc[items["bucket_move"] != SEVERITY_NONE]
    out["bucket_move"] = moved["bucket_move"].map(SEVERITY_RANK).groupby(moved[by]).max()
    out["bucket_move_amount"] = moved.groupby(by)["residual"].sum()
    out["bucket_move_count"] = moved.groupby(by).size()
    oldest = moved.sort_values("age", kind="stable").groupby(by)["bucket"].last()
    out["bucket_move_bucket"] = oldest  # the bucket of the oldest item moved
    out["receivable"] = items.groupby(by)["residual"].sum()
    out["overdue"] = items.loc[items["dpd"] > 0].groupby(by)["residual"].sum()
    return out


def combine_item_parts(parts):
    """The :func:`item_parts` of several sets of items split by customer as those of their
    union (each Series by customer, sorted). A single set's parts are returned as they are."""
    parts = list(parts)
    return {name: concat_parts([part[name] for part in parts]) for name in parts[0]}


def _item_frame(parts, index):
    out = {}
    for name in ("due_soon", "new_overdue"):
        count = parts[f"{name}_count"]
        out[name] = severity_levels(index.isin(count.index), False)
        out[f"{name}_amount"] = _group(parts[f"{name}_amount"], index, 0.0)
        out[f"{name}_count"] = _group(count, index, 0)
    out["due_soon_date"] = _group(parts["due_soon_date"], index)
    out["bucket_move"] = _group(parts["bucket_move"], index, 0)
    out["bucket_move_amount"] = _group(parts["bucket_move_amount"], index, 0.0)
    out["bucket_move_count"] = _group(parts["bucket_move_count"], index, 0)
    out["bucket_move_bucket"] = _group(parts["bucket_move_bucket"], index)
    return out


def _group(values, index, fill=None):
    if fill is None:
        return values.reindex(index).to_numpy()
    return values.reindex(index, fill_value=fill).to_numpy()


#: Signals whose amount at risk is the customer's open receivable: they say how it pays now
#: (lateness) or how its whole credit is judged (grade).
OPEN_RECEIVABLE_SIGNALS = ("days_late_jump", "ewma_drift", "cusum", "index_drop", "grade_downgrade")


def _at_risk(parts, items, index, t):
    """Per signal (level, amount at risk) once the minimum amount applies: a signal whose
    amount at risk is under ``t.min_amount`` falls to none; a credit-limit alert whose
    amount over the limit is under it is judged again as a warning, so that a customer just
    over its limit never gets less than one just under it. ``items``: :func:`item_parts`."""
    receivable = _group(items["receivable"], index, 0.0)
    overdue = _group(items["overdue"], index, 0.0)
    amounts = {name: parts[f"{name}_amount"] for name in ("due_soon", "new_overdue", "bucket_move")}
    amounts.update(dict.fromkeys(OPEN_RECEIVABLE_SIGNALS, receivable))
    amounts["overdue_share"] = overdue
    out = {
        name: (np.where(at_least(amount, t.min_amount), parts[name], 0), amount)
        for name, amount in amounts.items()
    }
    exposure = float_array(parts["credit_utilisation_exposure"])
    limit = float_array(parts["credit_utilisation_limit"])
    level = np.asarray(parts["credit_utilisation"])
    over_alert = exposure - t.utilisation_alert * limit
    over_warn = exposure - t.utilisation_warn * limit
    alert = (level == 2) & at_least(over_alert, t.min_amount)
    warn = (level >= 1) & ~alert & at_least(over_warn, t.min_amount)
    out["credit_utilisation"] = (
        severity_levels(warn, alert),
        np.where(alert, over_alert, over_warn),
    )
    return out


def _column(customers, name, dtype="float64"):
    if name in customers.columns:
        return customers[name].to_numpy(dtype=dtype)
    return np.full(len(customers), np.nan if dtype == "float64" else None, dtype=dtype)


def customer_signals(
    items_out,
    as_of,
    *,
    monthly=None,
    customers=None,
    since=None,
    buckets=None,
    thresholds=None,
    by="partner_id",
):
    """Every section 7 signal for every customer: one row per customer.

    - ``items_out`` (:func:`settle` output at as_of): due soon, new overdue and bucket
      moves since ``since`` (:func:`item_signals`);
    - ``monthly`` (:func:`monthly_series` by ``by``, its ``wadl`` column): days-late
      jump of the last month against the ``jump_reference_months`` before; EWMA and
      CUSUM of the last ``monitor_months`` against the reference months before them;
    - ``customers`` (indexed by ``by``; each column optional, a missing one leaves its
      signal at none): ``payment_index_short``, ``payment_index_long``
      (:func:`payment_index_windows`), ``overdue_share`` and ``overdue_share_before``
      (overdue_ratio now and ``OVERDUE_SHARE_DAYS`` (90) days before, e.g. from the
      score history), ``exposure`` and ``credit_limit``,
      ``grade`` and ``grade_before``.

    Columns (:func:`signal_columns`): per signal its severity (none, warn, alert), its
    amount at risk ``<signal>_at_risk`` (docs/metrics.md: the items flagged, the open
    receivable, the overdue amount or the exposure above the threshold crossed) and its
    evidence columns ``<signal>_<field>`` (:data:`EVIDENCE`), then ``severity``, the worst
    of the row.  Thresholds: ``thresholds`` (:class:`SignalThresholds`); a signal whose
    amount at risk is under its ``min_amount`` is none.
    """
    t = thresholds or SignalThresholds()
    items = item_parts(items_out, as_of, since=since, buckets=buckets, thresholds=t, by=by)
    wadl = None if monthly is None else series_matrix(monthly, "wadl")
    return signals_from_parts(items, group_index(items_out, by), wadl, customers, t, by)


def signals_from_parts(items, groups, wadl, customers, thresholds=None, by="partner_id"):
    """:func:`customer_signals` from its parts: ``items`` (:func:`item_parts`), ``groups``
    (the customers of the items), ``wadl`` (the ``wadl`` of :func:`monthly_series` by
    customer as a customers x months frame, :func:`trend.series_matrix`; None: none) and
    ``customers`` (as :func:`customer_signals`). The statistical detectors run on the
    rows of every customer at once: their float results do not depend on how the
    customers were split to gather the parts."""
    t = thresholds or SignalThresholds()
    customers = pd.DataFrame() if customers is None else customers
    wadl = pd.DataFrame() if wadl is None else wadl
    index = groups.union(wadl.index).union(customers.index).rename(by)
    if not len(index):
        return pd.DataFrame(index=index, columns=signal_columns())
    wadl = wadl.reindex(index).to_numpy(dtype="float64")
    customers = customers.reindex(index)
    parts = _item_frame(items, index)
    last = wadl.shape[1] - 1
    latest = wadl[:, last] if last >= 0 else np.full(len(index), np.nan)
    reference = wadl[:, max(last - t.jump_reference_months, 0) : max(last, 0)]
    parts.update(_prefixed("days_late_jump", jump_columns(latest, reference, t)))
    for name, out in drift_columns(wadl, t).items():
        parts.update(_prefixed(name, out))
    levels = {
        "index_drop": _index_drop(
            _column(customers, "payment_index_short"), _column(customers, "payment_index_long"), t
        ),
        "overdue_share": _overdue_share(
            _column(customers, "overdue_share"), _column(customers, "overdue_share_before"), t
        ),
        "credit_utilisation": _utilisation(
            _column(customers, "exposure"), _column(customers, "credit_limit"), t
        ),
        "grade_downgrade": _grade(
            _column(customers, "grade_before", object), _column(customers, "grade", object), t
        ),
    }
    for name, out in levels.items():
        parts.update(_prefixed(name, out))
    for name, (level, amount) in _at_risk(parts, items, index, t).items():
        parts[name], parts[f"{name}_at_risk"] = level, np.asarray(amount, dtype="float64")
    frame = pd.DataFrame(parts, index=index)
    frame["severity"] = severity_labels(frame[list(SIGNALS)].max(axis=1))
    for name in SIGNALS:
        frame[name] = severity_labels(frame[name])
    return frame[signal_columns()]
