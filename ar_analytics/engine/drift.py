"""Statistical detectors of the risk signals (metrics.md section 7) on the monthly WADL of
a customer: the days-late jump of the last month, EWMA drift and upper CUSUM.

Series-level functions (:func:`days_late_jump`, :func:`ewma_drift`, :func:`cusum`) return
a :class:`Signal`; they run the same array code as :func:`jump_columns` and
:func:`drift_columns`, which judge every customer at once for
:func:`signals.customer_signals`.  Thresholds: :class:`SignalThresholds`.

- EWMA: ``z_t = lambda x_t + (1 - lambda) z_{t-1}``, ``z_0 = mu0``; control limit
  ``UCL = mu0 + L sigma sqrt(lambda / (2 - lambda))`` (the steady-state limit of
  NIST/SEMATECH 6.3.2.4; with mu0 5, sigma 2, lambda .2, L 3 it is exactly 7.0).
- CUSUM (Montgomery's standardised tabular CUSUM, upper side):
  ``S_t = max(0, S_{t-1} + (x_t - mu0) / sigma - k)``, ``S_0 = 0``; alert when S > h.
- Only a worsening counts: later payment (WADL up).
"""

import numpy as np

from ._util import ratio
from .constants import SEVERITIES
from .signal_thresholds import (
    Signal,
    SignalThresholds,
    above,
    at_least,
    at_most,
    first_signal,
    float_array,
    severity_levels,
)

#: Modified z-score (Iglewicz and Hoaglin): ``0.6745 (x - median) / MAD``.
MODIFIED_Z_FACTOR = 0.6745


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


def jump_columns(latest, reference, t):
    """Days-late jump of every row: z-score of ``latest`` (n,) against ``reference``
    (n, months), NaN ignored; ``{"level": levels, evidence name: values}``
    (:func:`days_late_jump`) with thresholds ``t``."""
    latest = float_array(latest)
    reference = np.asarray(reference, dtype="float64").reshape(len(latest), -1)
    months, mean, std = _reference_stats(reference)
    flat = at_most(std, 0.0)
    z = np.divide(latest - mean, std, out=np.full(len(latest), np.nan), where=std > 0)
    median = _nan_median(reference)
    gap = MODIFIED_Z_FACTOR * (latest - median)
    mad = _nan_median(np.abs(reference - median[:, None]))
    modified = np.where(gap > 0, np.inf, np.where(gap < 0, -np.inf, 0.0))
    modified = np.divide(gap, mad, out=modified, where=mad > 0)
    usable = (months >= t.jump_min_months) & ~np.isnan(latest)
    warn = usable & ~flat & at_least(z, t.jump_warn_z)
    alert = usable & np.where(
        flat, above(modified, t.modified_z_alert), at_least(z, t.jump_alert_z)
    )
    return {
        "level": severity_levels(warn, alert),
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
    return first_signal(jump_columns([latest], [reference], thresholds or SignalThresholds()))


# --- EWMA and CUSUM -------------------------------------------------------------------


def _ewma(x, mu0, sigma, t):
    """EWMA path (n, T) of ``x`` from ``mu0`` and the UCL; a month without a value
    keeps the EWMA."""
    value = float_array(mu0)
    path = np.empty_like(x)
    for month in range(x.shape[1]):
        column = x[:, month]
        step = t.ewma_lambda * column + (1 - t.ewma_lambda) * value
        value = np.where(np.isnan(column), value, step)
        path[:, month] = value
    ucl = mu0 + t.ewma_sigmas * sigma * np.sqrt(t.ewma_lambda / (2 - t.ewma_lambda))
    return path, float_array(ucl)


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
    alarms = above(path[0], ucl[0])
    evidence = {"ewma": path[0].tolist(), "ucl": float(ucl[0]), "first_alarm": _first_alarm(alarms)}
    return Signal(SEVERITIES[2 * bool((alarms & above(path[0], 0.0))[-1:].any())], evidence)


def cusum(x, mu0, sigma, thresholds=None):
    """Upper CUSUM (section 7) of ``x``, standardised by ``mu0`` and ``sigma``.

    Alert when the last S exceeds h and the customer pays late (last EWMA > 0 days).
    Vector (k .5, h 5): mu0 5, sigma 2,
    x = [5, 5, 5, 11, 11] -> S = 0, 0, 0, 2.5, 5.0 (none); one more 11 -> 7.5 (alert).
    Evidence: ``s`` (the path), ``first_alarm`` (1-based, or None).
    """
    t = thresholds or SignalThresholds()
    path = _cusum(_series(x), mu0, sigma, t)
    alarms = above(path[0], t.cusum_h)
    evidence = {"s": path[0].tolist(), "first_alarm": _first_alarm(alarms)}
    late_now = above(_ewma(_series(x), mu0, sigma, t)[0][0], 0.0)
    return Signal(SEVERITIES[2 * bool((alarms & late_now)[-1:].any())], evidence)


def drift_columns(wadl, t):
    """EWMA and CUSUM of the last ``monitor_months`` of each row of ``wadl`` (n, T),
    mu0 and sigma from the ``jump_reference_months`` before them (at least
    ``jump_min_months`` non-empty, sigma > 0): ``{"ewma_drift": columns, "cusum": columns}``,
    each ``{"level": levels, evidence name: values}``."""
    split = max(wadl.shape[1] - t.monitor_months, 0)
    monitored = wadl[:, split:]
    months, mu0, sigma = _reference_stats(wadl[:, max(split - t.jump_reference_months, 0) : split])
    usable = (months >= t.jump_min_months) & above(np.nan_to_num(sigma), 0.0)
    usable &= ~np.isnan(monitored).all(axis=1)
    mu0 = np.where(usable, mu0, 0.0)
    sigma = np.where(usable, sigma, 1.0)
    ewma, ucl = _ewma(monitored, mu0, sigma, t)
    s = _cusum(monitored, mu0, sigma, t)
    last_ewma = ewma[:, -1] if ewma.shape[1] else np.full(len(wadl), np.nan)
    last_s = s[:, -1] if s.shape[1] else np.full(len(wadl), np.nan)
    # a customer who still pays on time or early drifts without any risk: not an alert
    late_now = above(last_ewma, 0.0)
    return {
        "ewma_drift": {
            "level": severity_levels(False, usable & late_now & above(last_ewma, ucl)),
            "value": np.where(usable, last_ewma, np.nan),
            "ucl": np.where(usable, ucl, np.nan),
        },
        "cusum": {
            "level": severity_levels(False, usable & late_now & above(last_s, t.cusum_h)),
            "value": np.where(usable, last_s, np.nan),
        },
    }
