"""Thresholds of the risk signals (metrics.md section 7) and how a value is judged
against them.

The defaults below are gathered in :class:`SignalThresholds` (a company passes its own),
the statistical ones set by a sensitivity preset (:data:`SIGNAL_PRESETS`).  The helpers
turn comparisons into severity levels 0 (none), 1 (warn) and 2 (alert), the positions in
:data:`SEVERITIES`; they are shared by :mod:`drift` (the statistical detectors) and
:mod:`signals` (the rule signals and the per-customer frame).  Comparisons at a threshold
allow :data:`SIGNAL_TOLERANCE` of float noise.
"""

from typing import NamedTuple

import numpy as np

from .constants import DEFAULT_SIGNAL_PRESET, SEVERITIES, SIGNAL_PRESET_CUSTOM, SIGNAL_PRESETS

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
#: Modified z-score (Iglewicz and Hoaglin) alert, used when the reference std is 0.
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
INDEX_DROP_WARN = -10.0
INDEX_DROP_ALERT = -20.0
#: Overdue share (overdue / positive open): a rise of this much against the share some
#: days before (signals.OVERDUE_SHARE_DAYS) warns.
OVERDUE_SHARE_RISE = 0.20
#: Credit-limit utilisation (exposure / limit, limit > 0).
UTILISATION_WARN = 0.9
UTILISATION_ALERT = 1.0
#: A downgrade into one of these grades alerts; any other downgrade warns.
GRADE_ALERTS = ("D",)
#: Comparisons at a threshold are made with this tolerance (float noise only).
SIGNAL_TOLERANCE = 1e-9
#: A signal whose amount at risk is under this is not raised (0: every signal is).
MIN_AMOUNT = 0.0


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


# --- severity arrays ------------------------------------------------------------------


def severity_levels(warn, alert):
    """Severity levels 0 (none), 1 (warn), 2 (alert) from boolean arrays."""
    return np.where(alert, 2, np.where(warn, 1, 0))


def severity_labels(levels):
    """The severity names (:data:`SEVERITIES`) of an array of levels."""
    return np.array(SEVERITIES, dtype=object)[np.asarray(levels, dtype="int64")]


def at_least(value, threshold):
    """``value >= threshold``, within the tolerance."""
    return np.asarray(value, dtype="float64") >= threshold - SIGNAL_TOLERANCE


def above(value, threshold):
    """``value > threshold``, beyond the tolerance."""
    return np.asarray(value, dtype="float64") > threshold + SIGNAL_TOLERANCE


def at_most(value, threshold):
    """``value <= threshold``, within the tolerance."""
    return np.asarray(value, dtype="float64") <= threshold + SIGNAL_TOLERANCE


def float_array(values):
    """``values`` (a scalar or a sequence) as a 1-d float array."""
    return np.atleast_1d(np.asarray(values, dtype="float64"))


def _scalar(value):
    value = np.asarray(value, dtype=object).reshape(-1)[0]
    return value.item() if isinstance(value, np.generic) else value


def first_signal(out):
    """The :class:`Signal` of the first row of an array result ({"level": levels, evidence
    name: values}); the series-level functions run the per-customer code on one row."""
    level = out.pop("level")
    return Signal(SEVERITIES[int(level[0])], {key: _scalar(value) for key, value in out.items()})
