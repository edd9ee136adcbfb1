"""Risk signals (metrics.md section 7): each returns ``none | warn | alert`` with its
evidence.

Series-level functions (:func:`days_late_jump`, :func:`ewma_drift`, :func:`cusum`,
:func:`index_drop`, :func:`overdue_share_rise`, :func:`credit_utilisation`,
:func:`grade_downgrade`) return a :class:`Signal`; they run the same array code as
:func:`customer_signals`, which evaluates every signal for every customer at once
(one row per customer, a severity column and evidence columns per signal).
Thresholds are parameters whose defaults are the module constants below, gathered
in :class:`SignalThresholds` so that a company can configure them.

- EWMA: ``z_t = lambda x_t + (1 - lambda) z_{t-1}``, ``z_0 = mu0``; control limit
  ``UCL = mu0 + L sigma sqrt(lambda / (2 - lambda))`` (the steady-state limit of
  NIST/SEMATECH 6.3.2.4; with mu0 5, sigma 2, lambda .2, L 3 it is exactly 7.0).
- CUSUM (Montgomery's standardised tabular CUSUM, upper side):
  ``S_t = max(0, S_{t-1} + (x_t - mu0) / sigma - k)``, ``S_0 = 0``; alert when S > h.
- Only a worsening counts: later payment (WADL up), lower payment index, higher
  overdue share, higher utilisation, lower grade.
- Every signal of :func:`customer_signals` has an amount at risk (docs/metrics.md,
  "Early-warning signals"); one under ``min_amount`` is not raised.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from ._util import as_timestamp, group_index, ratio
from .aging import assign_buckets, validate_buckets
from .behaviour import observations, payment_index
from .constants import (
    DEFAULT_SIGNAL_PRESET,
    GRADES,
    SIGNAL_PRESET_CUSTOM,
    SIGNAL_PRESETS,
    ZERO_TOLERANCE,
)
from .trend import series_matrix

SEVERITY_NONE = "none"
SEVERITY_WARN = "warn"
SEVERITY_ALERT = "alert"
SEVERITIES = (SEVERITY_NONE, SEVERITY_WARN, SEVERITY_ALERT)

#: Items due within this many days (today included) are "due soon".
DUE_SOON_DAYS = 7
#: A move into a bucket starting at this age or older alerts (61-90, 91+).
ALERT_BUCKET_DAYS = 61
#: The statistical thresholds below default to the standard sensitivity preset.
_STANDARD = SIGNAL_PRESETS[DEFAULT_SIGNAL_PRESET]
#: Days-late jump: z-score of the last month's WADL against the previous months.
JUMP_REFERENCE_MONTHS = 12
JUMP_MIN_MONTHS = 6
JUMP_WARN_Z = _STANDARD["jump_warn_z"]
JUMP_ALERT_Z = _STANDARD["jump_alert_z"]
#: Modified z-score (Iglewicz and Hoaglin), used when the reference std is 0.
MODIFIED_Z_FACTOR = 0.6745
MODIFIED_Z_ALERT = 3.5
#: EWMA and CUSUM (in units of the reference std).
EWMA_LAMBDA = _STANDARD["ewma_lambda"]
EWMA_SIGMAS = _STANDARD["ewma_sigmas"]
CUSUM_K = _STANDARD["cusum_k"]
CUSUM_H = _STANDARD["cusum_h"]
#: EWMA and CUSUM monitor the last this many months, against the reference
#: (JUMP_REFERENCE_MONTHS months, at least JUMP_MIN_MONTHS of them non-empty) before.
MONITOR_MONTHS = 6
#: Payment index of the last 3 months minus the last 12 months.
INDEX_SHORT_DAYS = 90
INDEX_LONG_DAYS = 365
INDEX_DROP_WARN = -10.0
INDEX_DROP_ALERT = -20.0
#: Overdue share (overdue / positive open): a rise of OVERDUE_SHARE_RISE against the
#: share OVERDUE_SHARE_DAYS before (read by the caller, e.g. from the history) warns.
OVERDUE_SHARE_RISE = 0.20
OVERDUE_SHARE_DAYS = 90
#: Credit-limit utilisation (exposure / limit, limit > 0).
UTILISATION_WARN = 0.9
UTILISATION_ALERT = 1.0
#: A downgrade into one of these grades alerts; any other downgrade warns.
GRADE_ALERTS = ("D",)
#: Comparisons at a threshold are made with this tolerance (float noise only).
SIGNAL_TOLERANCE = 1e-9
#: A signal whose amount at risk is under this is not raised (0: every signal is).
MIN_AMOUNT = 0.0

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


class Signal(NamedTuple):
    """A signal's ``severity`` (none, warn or alert) and its ``evidence`` (dict)."""

    severity: str
    evidence: dict


class SignalThresholds(NamedTuple):
    """Every threshold of section 7; the defaults are the module constants."""

    due_soon_days: int = DUE_SOON_DAYS
    alert_bucket_days: int = ALERT_BUCKET_DAYS
    jump_reference_months: int = JUMP_REFERENCE_MONTHS
    jump_min_months: int = JUMP_MIN_MONTHS
    jump_warn_z: float = JUMP_WARN_Z
    jump_alert_z: float = JUMP_ALERT_Z
    modified_z_alert: float = MODIFIED_Z_ALERT
    ewma_lambda: float = EWMA_LAMBDA
    ewma_sigmas: float = EWMA_SIGMAS
    cusum_k: float = CUSUM_K
    cusum_h: float = CUSUM_H
    monitor_months: int = MONITOR_MONTHS
    index_drop_warn: float = INDEX_DROP_WARN
    index_drop_alert: float = INDEX_DROP_ALERT
    overdue_share_rise: float = OVERDUE_SHARE_RISE
    utilisation_warn: float = UTILISATION_WARN
    utilisation_alert: float = UTILISATION_ALERT
    grade_alerts: tuple = GRADE_ALERTS
    min_amount: float = MIN_AMOUNT


def preset_thresholds(preset, thresholds=None):
    """``thresholds`` (default :class:`SignalThresholds`) with the statistical
    thresholds of the sensitivity ``preset`` (:data:`SIGNAL_PRESETS`)."""
    return (thresholds or SignalThresholds())._replace(**SIGNAL_PRESETS[preset])


def matching_preset(values):
    """The preset whose statistical thresholds are ``values`` ({name: value}, every
    name of a preset), or ``custom`` when none is."""
    for name, preset in SIGNAL_PRESETS.items():
        if all(
            abs(float(values[key]) - value) <= SIGNAL_TOLERANCE for key, value in preset.items()
        ):
            return name
    return SIGNAL_PRESET_CUSTOM


def signal_columns():
    """Column names of :func:`customer_signals`, in order."""
    columns = []
    for name in SIGNALS:
        columns += [name, f"{name}_at_risk", *(f"{name}_{field}" for field in EVIDENCE[name])]
    return [*columns, "severity"]


def _level(warn, alert):
    """Severity levels 0 (none), 1 (warn), 2 (alert) from boolean arrays."""
    return np.where(alert, 2, np.where(warn, 1, 0))


def _labels(levels):
    return np.array(SEVERITIES, dtype=object)[np.asarray(levels, dtype="int64")]


def _at_least(value, threshold):
    return np.asarray(value, dtype="float64") >= threshold - SIGNAL_TOLERANCE


def _above(value, threshold):
    return np.asarray(value, dtype="float64") > threshold + SIGNAL_TOLERANCE


def _at_most(value, threshold):
    return np.asarray(value, dtype="float64") <= threshold + SIGNAL_TOLERANCE


def _floats(values):
    return np.atleast_1d(np.asarray(values, dtype="float64"))


def _scalar(value):
    value = np.asarray(value, dtype=object).reshape(-1)[0]
    return value.item() if isinstance(value, np.generic) else value


def _signal(out):
    """The :class:`Signal` of the first row of an array result."""
    level = out.pop("level")
    return Signal(SEVERITIES[int(level[0])], {key: _scalar(value) for key, value in out.items()})


def _prefixed(name, out):
    return {name if key == "level" else f"{name}_{key}": value for key, value in out.items()}


# --- days-late jump -------------------------------------------------------------------


def _nan_median(values):
    """Row medians ignoring NaN (NaN for a row without values), without warnings."""
    if not values.shape[1]:
        return np.full(len(values), np.nan)
    ordered = np.sort(values, axis=1)
    count = (~np.isnan(ordered)).sum(axis=1)
    rows = np.arange(len(ordered))
    low = ordered[rows, np.maximum((count - 1) // 2, 0)]
    high = ordered[rows, np.maximum(count // 2, 0)]
    return np.where(count > 0, (low + high) / 2, np.nan)


def _reference_stats(reference):
    """Count of non-empty months, mean and sample std (ddof 1) per row."""
    present = ~np.isnan(reference)
    months = present.sum(axis=1)
    mean = ratio(np.where(present, reference, 0.0).sum(axis=1), months)
    spread = np.where(present, reference - mean[:, None], 0.0)
    std = np.sqrt(ratio((spread**2).sum(axis=1), months - 1, positive=True))
    return months, np.atleast_1d(mean), np.atleast_1d(std)


def _jump(latest, reference, t):
    """z-score of ``latest`` (n,) against ``reference`` (n, months), NaN ignored."""
    latest = _floats(latest)
    reference = np.asarray(reference, dtype="float64").reshape(len(latest), -1)
    months, mean, std = _reference_stats(reference)
    flat = _at_most(std, 0.0)
    z = np.divide(latest - mean, std, out=np.full(len(latest), np.nan), where=std > 0)
    median = _nan_median(reference)
    gap = MODIFIED_Z_FACTOR * (latest - median)
    mad = _nan_median(np.abs(reference - median[:, None]))
    modified = np.where(gap > 0, np.inf, np.where(gap < 0, -np.inf, 0.0))
    modified = np.divide(gap, mad, out=modified, where=mad > 0)
    usable = (months >= t.jump_min_months) & ~np.isnan(latest)
    warn = usable & ~flat & _at_least(z, t.jump_warn_z)
    alert = usable & np.where(
        flat, _above(modified, t.modified_z_alert), _at_least(z, t.jump_alert_z)
    )
    return {
        "level": _level(warn, alert),
        "wadl": latest,
        "z": np.where(usable, np.where(flat, modified, z), np.nan),
        "method": np.where(usable, np.where(flat, "modified_z", "z"), None).astype(object),
        "months": months,
    }


def days_late_jump(latest, reference, thresholds=None):
    """Days-late jump (section 7): the last month's WADL ``latest`` against the
    previous months ``reference`` (NaN = month without payment, ignored).

    With at least ``jump_min_months`` (6) reference months: ``z = (x - mean) / std``
    (sample std), warn >= 2, alert >= 3; when the std is 0 the modified z
    ``0.6745 (x - median) / MAD`` alerts above 3.5 (MAD is then 0 too: a later month
    gives +inf and alerts, an equal month 0).  Only a rise counts.  Evidence: ``wadl``,
    ``z`` (the score used), ``method`` (z or modified_z), ``months``.
    """
    return _signal(_jump([latest], [reference], thresholds or SignalThresholds()))


# --- EWMA and CUSUM -------------------------------------------------------------------


def _ewma(x, mu0, sigma, t):
    """EWMA path (n, T) of ``x`` from ``mu0`` and the UCL; a month without a value
    keeps the EWMA."""
    value = _floats(mu0)
    path = np.empty_like(x)
    for month in range(x.shape[1]):
        column = x[:, month]
        step = t.ewma_lambda * column + (1 - t.ewma_lambda) * value
        value = np.where(np.isnan(column), value, step)
        path[:, month] = value
    ucl = mu0 + t.ewma_sigmas * sigma * np.sqrt(t.ewma_lambda / (2 - t.ewma_lambda))
    return path, _floats(ucl)


def _cusum(x, mu0, sigma, t):
    """Upper standardised CUSUM path (n, T); a month without a value keeps S."""
    value = np.zeros(len(x))
    path = np.empty_like(x)
    for month in range(x.shape[1]):
        step = (x[:, month] - mu0) / sigma - t.cusum_k
        value = np.where(np.isnan(step), value, np.maximum(0.0, value + step))
        path[:, month] = value
    return path


def _first_alarm(alarms):
    hits = np.flatnonzero(alarms)
    return int(hits[0]) + 1 if len(hits) else None


def _series(x):
    return np.asarray(x, dtype="float64").reshape(1, -1)


def ewma_drift(x, mu0, sigma, thresholds=None):
    """EWMA drift (section 7) of the series ``x`` with target ``mu0`` and std ``sigma``.

    Alert when the last EWMA exceeds the steady-state UCL (module docstring) and the
    customer pays late (last EWMA > 0 days).
    Vector: mu0 5, sigma 2, x = [5, 5, 5, 11, 11] -> EWMA 7.16 > UCL 7.0, alert at t5.
    Evidence: ``ewma`` (the path), ``ucl``, ``first_alarm`` (1-based, or None).
    """
    t = thresholds or SignalThresholds()
    path, ucl = _ewma(_series(x), mu0, sigma, t)
    alarms = _above(path[0], ucl[0])
    evidence = {"ewma": path[0].tolist(), "ucl": float(ucl[0]), "first_alarm": _first_alarm(alarms)}
    return Signal(SEVERITIES[2 * bool((alarms & _above(path[0], 0.0))[-1:].any())], evidence)


def cusum(x, mu0, sigma, thresholds=None):
    """Upper CUSUM (section 7) of ``x``, standardised by ``mu0`` and ``sigma``.

    Alert when the last S exceeds h and the customer pays late (last EWMA > 0 days).
    Vector (k .5, h 5): mu0 5, sigma 2,
    x = [5, 5, 5, 11, 11] -> S = 0, 0, 0, 2.5, 5.0 (none); one more 11 -> 7.5 (alert).
    Evidence: ``s`` (the path), ``first_alarm`` (1-based, or None).
    """
    t = thresholds or SignalThresholds()
    path = _cusum(_series(x), mu0, sigma, t)
    alarms = _above(path[0], t.cusum_h)
    evidence = {"s": path[0].tolist(), "first_alarm": _first_alarm(alarms)}
    late_now = _above(_ewma(_series(x), mu0, sigma, t)[0][0], 0.0)
    return Signal(SEVERITIES[2 * bool((alarms & late_now)[-1:].any())], evidence)


def _drift(wadl, t):
    """EWMA and CUSUM of the last ``monitor_months`` of each row of ``wadl`` (n, T),
    mu0 and sigma from the ``jump_reference_months`` before them (at least
    ``jump_min_months`` non-empty, sigma > 0)."""
    split = max(wadl.shape[1] - t.monitor_months, 0)
    monitored = wadl[:, split:]
    months, mu0, sigma = _reference_stats(wadl[:, max(split - t.jump_reference_months, 0) : split])
    usable = (months >= t.jump_min_months) & _above(np.nan_to_num(sigma), 0.0)
    usable &= ~np.isnan(monitored).all(axis=1)
    mu0 = np.where(usable, mu0, 0.0)
    sigma = np.where(usable, sigma, 1.0)
    ewma, ucl = _ewma(monitored, mu0, sigma, t)
    s = _cusum(monitored, mu0, sigma, t)
    last_ewma = ewma[:, -1] if ewma.shape[1] else np.full(len(wadl), np.nan)
    last_s = s[:, -1] if s.shape[1] else np.full(len(wadl), np.nan)
    # a customer who still pays on time or early drifts without any risk: not an alert
    late_now = _above(last_ewma, 0.0)
    return {
        "ewma_drift": {
            "level": _level(False, usable & late_now & _above(last_ewma, ucl)),
            "value": np.where(usable, last_ewma, np.nan),
            "ucl": np.where(usable, ucl, np.nan),
        },
        "cusum": {
            "level": _level(False, usable & late_now & _above(last_s, t.cusum_h)),
            "value": np.where(usable, last_s, np.nan),
        },
    }


# --- levels: payment index, overdue share, utilisation, grade -------------------------


def _index_drop(short, long, t):
    short, long = _floats(short), _floats(long)
    change = short - long
    warn, alert = _at_most(change, t.index_drop_warn), _at_most(change, t.index_drop_alert)
    return {"level": _level(warn, alert), "short": short, "long": long, "change": change}


def _overdue_share(now, before, t):
    now, before = _floats(now), _floats(before)
    change = now - before
    warn = _at_least(change, t.overdue_share_rise)
    return {"level": _level(warn, False), "now": now, "before": before, "change": change}


def _utilisation(exposure, limit, t):
    exposure, limit = _floats(exposure), _floats(limit)
    value = _floats(ratio(exposure, limit, positive=True))
    warn, alert = _above(value, t.utilisation_warn), _above(value, t.utilisation_alert)
    return {"level": _level(warn, alert), "exposure": exposure, "limit": limit, "ratio": value}


def _grade(before, now, t):
    rank = {grade: position for position, grade in enumerate(GRADES)}
    before = pd.Series(np.asarray(before, dtype=object))
    now = pd.Series(np.asarray(now, dtype=object))
    worse = (now.map(rank) > before.map(rank)).to_numpy()
    alert = worse & now.isin(t.grade_alerts).to_numpy()
    return {"level": _level(worse, alert), "before": before.to_numpy(), "now": now.to_numpy()}


def index_drop(short, long, thresholds=None):
    """Payment index of the last 3 months minus the last 12 (section 7):
    change <= -10 warn, <= -20 alert; NaN on either side: none."""
    return _signal(_index_drop(short, long, thresholds or SignalThresholds()))


def overdue_share_rise(now, before, thresholds=None):
    """Overdue share (overdue / positive open) now minus 90 days before (section 7):
    a rise of at least 0.20 warns; NaN on either side: none."""
    return _signal(_overdue_share(now, before, thresholds or SignalThresholds()))


def credit_utilisation(exposure, limit, thresholds=None):
    """Credit-limit utilisation ``exposure / limit`` (section 7): > 0.9 warn, > 1
    alert; no limit (<= 0, Odoo's "no limit"): none."""
    return _signal(_utilisation(exposure, limit, thresholds or SignalThresholds()))


def grade_downgrade(before, now, thresholds=None):
    """Grade downgrade (section 7): a worse grade than before warns, a downgrade into
    ``grade_alerts`` (D) alerts; unrated (None) on either side: none."""
    return _signal(_grade([before], [now], thresholds or SignalThresholds()))


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
    into_old = _at_least(out["bucket"].map(starts).astype("float64"), t.alert_bucket_days)
    out["bucket_move"] = _labels(_level(moved, moved & into_old))
    return out


def _item_frame(items, by, index):
    out = {}
    for name in ("due_soon", "new_overdue"):
        flagged = items.loc[items[name]]
        out[name] = _level(index.isin(flagged[by]), False)
        out[f"{name}_amount"] = _group(flagged.groupby(by)["residual"].sum(), index, 0.0)
        out[f"{name}_count"] = _group(flagged.groupby(by).size(), index, 0)
    out["due_soon_date"] = _group(items.loc[items["due_soon"]].groupby(by)["due"].min(), index)
    moved = items.loc[items["bucket_move"] != SEVERITY_NONE]
    level = moved["bucket_move"].map({name: rank for rank, name in enumerate(SEVERITIES)})
    out["bucket_move"] = _group(level.groupby(moved[by]).max(), index, 0)
    out["bucket_move_amount"] = _group(moved.groupby(by)["residual"].sum(), index, 0.0)
    out["bucket_move_count"] = _group(moved.groupby(by).size(), index, 0)
    oldest = moved.sort_values("age", kind="stable").groupby(by)["bucket"].last()
    out["bucket_move_bucket"] = _group(oldest, index)
    return out


def _group(values, index, fill=None):
    if fill is None:
        return values.reindex(index).to_numpy()
    return values.reindex(index, fill_value=fill).to_numpy()


#: Signals whose amount at risk is the customer's open receivable: they say how it pays now
#: (lateness) or how its whole credit is judged (grade).
OPEN_RECEIVABLE_SIGNALS = ("days_late_jump", "ewma_drift", "cusum", "index_drop", "grade_downgrade")


def _at_risk(parts, items, by, index, t):
    """Per signal (level, amount at risk) once the minimum amount applies: a signal whose
    amount at risk is under ``t.min_amount`` falls to none; a credit-limit alert whose
    amount over the limit is under it is judged again as a warning, so that a customer just
    over its limit never gets less than one just under it."""
    receivable = _group(items.groupby(by)["residual"].sum(), index, 0.0)
    overdue = _group(items.loc[items["dpd"] > 0].groupby(by)["residual"].sum(), index, 0.0)
    amounts = {name: parts[f"{name}_amount"] for name in ("due_soon", "new_overdue", "bucket_move")}
    amounts.update(dict.fromkeys(OPEN_RECEIVABLE_SIGNALS, receivable))
    amounts["overdue_share"] = overdue
    out = {
        name: (np.where(_at_least(amount, t.min_amount), parts[name], 0), amount)
        for name, amount in amounts.items()
    }
    exposure = _floats(parts["credit_utilisation_exposure"])
    limit = _floats(parts["credit_utilisation_limit"])
    level = np.asarray(parts["credit_utilisation"])
    over_alert = exposure - t.utilisation_alert * limit
    over_warn = exposure - t.utilisation_warn * limit
    alert = (level == 2) & _at_least(over_alert, t.min_amount)
    warn = (level >= 1) & ~alert & _at_least(over_warn, t.min_amount)
    out["credit_utilisation"] = (_level(warn, alert), np.where(alert, over_alert, over_warn))
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
    customers = pd.DataFrame() if customers is None else customers
    wadl = pd.DataFrame() if monthly is None else series_matrix(monthly, "wadl")
    index = group_index(items_out, by).union(wadl.index).union(customers.index).rename(by)
    if not len(index):
        return pd.DataFrame(index=index, columns=signal_columns())
    wadl = wadl.reindex(index).to_numpy(dtype="float64")
    customers = customers.reindex(index)
    items = item_signals(items_out, as_of, since=since, buckets=buckets, thresholds=t)
    parts = _item_frame(items, by, index)
    last = wadl.shape[1] - 1
    latest = wadl[:, last] if last >= 0 else np.full(len(index), np.nan)
    reference = wadl[:, max(last - t.jump_reference_months, 0) : max(last, 0)]
    parts.update(_prefixed("days_late_jump", _jump(latest, reference, t)))
    for name, out in _drift(wadl, t).items():
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
    for name, (level, amount) in _at_risk(parts, items, by, index, t).items():
        parts[name], parts[f"{name}_at_risk"] = level, np.asarray(amount, dtype="float64")
    frame = pd.DataFrame(parts, index=index)
    frame["severity"] = _labels(frame[list(SIGNALS)].max(axis=1))
    for name in SIGNALS:
        frame[name] = _labels(frame[name])
    return frame[signal_columns()]
