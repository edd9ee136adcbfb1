"""Credit score and grade (metrics.md section 4).

Five indicators, each 0-100 (NaN when undefined):

- S1 payment index (section 2, ``payment_index`` of :func:`partner_figures`);
- S2 ``100 * (1 - overdue_open / positive_open)``, 100 when nothing is open;
- S3 ``100 * (1 - min(max_dpd, 120) / 120)`` over open positive items (0 days if none);
- S4 ``100 * collection_rate`` (section 3);
- S5 days-late trend: ``dWADL = WADL(last 90 d) - WADL(91-365 d)``; 100 if dWADL <= 0,
  0 if >= 30, linear between.

``score = sum(w_i * S_i) / sum(w_i)`` over the indicators that are not NaN; the grade
comes from the unrounded score (A >= 80, B >= 65, C >= 50, else D).  A customer is
unrated (score NaN, grade None) when S1 is NaN and nothing is past due.
"""

import math
from itertools import pairwise

import numpy as np
import pandas as pd

from ._util import as_timestamp, group_index, ratio
from .behaviour import observations, weighted_days
from .constants import (
    DEFAULT_DPD_CAP,
    DEFAULT_GRADE_CUTOFFS,
    DEFAULT_RECENT_DAYS,
    DEFAULT_SCORE_WEIGHTS,
    DEFAULT_TREND_FULL,
    DEFAULT_WINDOW_DAYS,
    GRADES,
    SCORE_COLUMNS,
    SCORE_TOLERANCE,
)

_N_INDICATORS = len(SCORE_COLUMNS)
_WEIGHT_COLUMNS = [f"w{i}" for i in range(1, _N_INDICATORS + 1)]
_POINT_COLUMNS = [f"p{i}" for i in range(1, _N_INDICATORS + 1)]


def score_columns():
    """Column names of :func:`credit_scores` and :func:`score_from_indicators`."""
    return [*SCORE_COLUMNS, *_WEIGHT_COLUMNS, *_POINT_COLUMNS, "score", "grade", "rated"]


def _numbers(values, count, message):
    try:
        numbers = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if len(numbers) != count or not all(math.isfinite(v) for v in numbers):
        raise ValueError(message)
    return numbers


def _check_weights(weights):
    values = _numbers(
        weights,
        _N_INDICATORS,
        "Credit score: give exactly 5 weights (one per indicator), as numbers.",
    )
    if any(v < 0 for v in values):
        raise ValueError("Credit score: weights cannot be negative.")
    if not any(v > 0 for v in values):
        raise ValueError("Credit score: at least one weight must be greater than zero.")
    return values


def _check_cutoffs(cutoffs):
    values = _numbers(
        cutoffs,
        len(GRADES) - 1,
        "Credit score: give exactly 3 grade cut-offs (lowest score of A, B and C), as numbers.",
    )
    if any(v <= 0 or v > 100 for v in values):
        raise ValueError("Credit score: grade cut-offs must be greater than 0 and at most 100.")
    if any(high <= low for high, low in pairwise(values)):
        raise ValueError(
            "Credit score: grade cut-offs must be strictly decreasing (A above B above C)."
        )
    return values


def _check_positive(value, message):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(message)
    return number


def validate_score_settings(weights, cutoffs, window_days):
    """Check the per-company score settings (section 4); return them normalised.

    ``weights``: 5 finite numbers >= 0, not all zero (they need not sum to 1);
    ``cutoffs``: 3 finite numbers in (0, 100], strictly decreasing (lowest score of
    grades A, B, C); ``window_days`` > 0.  Raises ValueError with an English message
    (no interpolated values, so the caller can translate it) on the first fault.
    Returns ``(weights, cutoffs, window_days)`` as float tuples and an int.
    """
    weights = _check_weights(weights)
    cutoffs = _check_cutoffs(cutoffs)
    window = _check_positive(
        window_days, "Credit score: the window must be a positive number of days."
    )
    if window != int(window):
        raise ValueError("Credit score: the window must be a whole number of days.")
    return weights, cutoffs, int(window)


def wadl_trend(
    items_out,
    allocs,
    as_of,
    *,
    recent_days=DEFAULT_RECENT_DAYS,
    window_days=DEFAULT_WINDOW_DAYS,
    by="partner_id",
    obs=None,
):
    """Days-late trend dWADL per group (section 4, indicator S5), a Series.

    ``items_out``: :func:`settle` output at as_of; ``allocs``: the classified
    allocations cut at as_of (:func:`prepare_frames`).  The cash observations of
    :func:`observations` over (as_of - window_days, as_of] are split by pay_date:
    recent = (as_of - recent_days, as_of], prior = (as_of - window_days,
    as_of - recent_days].  ``dWADL = WADL(recent) - WADL(prior)`` (WADL of
    :func:`payment_behaviour`, amount-weighted signed days late); NaN when either side
    has no observation (so always NaN when recent_days >= window_days).  Indexed by
    the groups of items_out (as :func:`partner_figures`), named ``wadl_trend``. ``obs``:
    those observations when already made.
    """
    as_of = as_timestamp(as_of)
    recent_days = _check_positive(recent_days, "Credit score: the recent period must be positive.")
    if obs is None:
        obs = observations(items_out, allocs, as_of, window_days, by)
    recent = obs["pay_date"] > as_of - pd.Timedelta(days=recent_days)
    index = group_index(items_out, by)
    # the WADL of payment_behaviour on each side, without its other figures
    wadl = [
        weighted_days(part, part["late"], index, by) for part in (obs.loc[recent], obs.loc[~recent])
    ]
    return (wadl[0] - wadl[1]).rename("wadl_trend")


def score_indicators(
    figures,
    trend=None,
    *,
    dpd_cap=DEFAULT_DPD_CAP,
    trend_full=DEFAULT_TREND_FULL,
):
    """Indicators S1..S5 (section 4), columns ``s1``..``s5``, indexed like ``figures``.

    ``figures``: :func:`partner_figures` output (uses payment_index, booked_open,
    overdue_amount, max_dpd, collection_rate); ``trend``: dWADL per group
    (:func:`wadl_trend`, aligned on the index; None: S5 undefined).

    - ``s1 = payment_index``;
    - ``s2 = 100 * (1 - overdue_amount / booked_open)``, 100 when booked_open <= 0;
    - ``s3 = 100 * (1 - min(max_dpd, dpd_cap) / dpd_cap)``, max_dpd NaN read as 0;
    - ``s4 = 100 * collection_rate``;
    - ``s5 = 100 * (1 - clip(dWADL, 0, trend_full) / trend_full)``.

    NaN stays NaN (never 0).
    """
    dpd_cap = _check_positive(dpd_cap, "Credit score: the days-past-due cap must be positive.")
    trend_full = _check_positive(trend_full, "Credit score: the trend scale must be positive.")
    index = figures.index
    booked = figures["booked_open"]
    overdue_share = ratio(figures["overdue_amount"], booked, positive=True)
    if trend is None:
        trend = pd.Series(np.nan, index=index)
    delta = pd.Series(trend, dtype="float64").reindex(index)
    max_dpd = figures["max_dpd"].astype("float64").fillna(0.0).clip(lower=0.0, upper=dpd_cap)
    return pd.DataFrame(
        {
            "s1": figures["payment_index"].astype("float64"),
            "s2": 100.0 * (1.0 - overdue_share.where(booked > 0, 0.0)),
            "s3": 100.0 * (1.0 - max_dpd / dpd_cap),
            "s4": 100.0 * figures["collection_rate"].astype("float64"),
            "s5": 100.0 * (1.0 - delta.clip(lower=0.0, upper=trend_full) / trend_full),
        },
        index=index,
    )


def grade_from_score(scores, cutoffs=DEFAULT_GRADE_CUTOFFS):
    """Grade of unrounded scores (section 4): 'A' >= cutoffs[0], 'B' >= cutoffs[1],
    'C' >= cutoffs[2], else 'D'; None for NaN.  A score less than SCORE_TOLERANCE
    below a cut-off (float noise) reaches it.  Scalar in, str/None out; Series in,
    object Series out; array-like in, object ndarray out."""
    cutoffs = _check_cutoffs(cutoffs)
    values = np.asarray(scores, dtype="float64")
    grades = np.full(values.shape, None, dtype=object)
    grades[~np.isnan(values)] = GRADES[-1]
    for grade, cutoff in reversed(list(zip(GRADES, cutoffs, strict=False))):
        grades[values >= cutoff - SCORE_TOLERANCE] = grade
    if isinstance(scores, pd.Series):
        return pd.Series(grades, index=scores.index, dtype=object, name="grade")
    return grades if grades.ndim else grades.item()


def score_from_indicators(
    indicators,
    weights=DEFAULT_SCORE_WEIGHTS,
    cutoffs=DEFAULT_GRADE_CUTOFFS,
    *,
    rated=None,
):
    """Score, grade and breakdown from indicators S1..S5 (section 4).

    ``indicators``: frame with columns ``s1``..``s5`` (0-100 or NaN).  ``rated``:
    optional boolean mask (aligned with the rows); rows where it is False are unrated.
    Returns a frame on the same index with columns (:func:`score_columns`):

    - ``s1``..``s5``: the indicators;
    - ``w1``..``w5``: the weights used, NaN where the indicator is NaN;
    - ``p1``..``p5``: points ``w_i * S_i / sum(w used)`` (their sum is the score);
    - ``score = sum(w_i * S_i) / sum(w_i)`` over the non-NaN indicators, NaN when
      unrated or when no weight is used;
    - ``grade``: :func:`grade_from_score` of the unrounded score (None when NaN);
    - ``rated``: bool, False whenever the score is NaN.

    Unrated rows keep their indicators; their weights, points and score are NaN.
    """
    weights = np.asarray(_check_weights(weights))
    cutoffs = _check_cutoffs(cutoffs)
    frame = pd.DataFrame(indicators)
    values = frame[list(SCORE_COLUMNS)].astype("float64").to_numpy()
    keep = np.ones(len(frame), dtype=bool)
    if rated is not None:
        keep = np.asarray(rated, dtype=bool).reshape(len(frame))
    used = np.where(np.isnan(values) | ~keep[:, None], np.nan, weights)
    total = np.nansum(used, axis=1)
    total = np.where(total > 0, total, np.nan)
    points = used * values / total[:, None]
    score = np.nansum(used * values, axis=1) / total
    out = pd.DataFrame(values, index=frame.index, columns=list(SCORE_COLUMNS))
    out[_WEIGHT_COLUMNS] = used
    out[_POINT_COLUMNS] = points
    out["score"] = score
    out["grade"] = grade_from_score(out["score"], cutoffs)
    out["rated"] = out["score"].notna()
    return out


def credit_scores(
    figures,
    trend=None,
    *,
    weights=DEFAULT_SCORE_WEIGHTS,
    cutoffs=DEFAULT_GRADE_CUTOFFS,
    dpd_cap=DEFAULT_DPD_CAP,
    trend_full=DEFAULT_TREND_FULL,
):
    """Credit score and grade per group (section 4), indexed like ``figures``.

    ``figures``: :func:`partner_figures` output; ``trend``: dWADL
    (:func:`wadl_trend`).  Indicators from :func:`score_indicators`; a row is unrated
    (score NaN, grade None, rated False) when S1 is NaN and nothing is past due
    (overdue_amount <= 0 and max_dpd <= 0).  Columns and breakdown as
    :func:`score_from_indicators`.
    """
    indicators = score_indicators(figures, trend, dpd_cap=dpd_cap, trend_full=trend_full)
    past_due = (figures["overdue_amount"] > 0) | (figures["max_dpd"].fillna(0.0) > 0)
    rated = indicators["s1"].notna() | past_due
    return score_from_indicators(indicators, weights, cutoffs, rated=rated)
