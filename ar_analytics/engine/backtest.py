"""Backtest of the credit grades on a company's own data (metrics.md section 4).

A grade is useful if it ranks customers by how late they pay *afterwards*. Given the
scores at a past date and the days late each customer paid since then, report the rank
correlation (Spearman, average-rank ties) and how many of the customers who later paid
more than 30 days late had already been graded C or D.

The score must also do better than its own ingredients: :func:`backtest_predictors` gives
the same rank correlation for the naive predictor (the customer's past days late) and for
each indicator alone, each next to the score's on the same customers; and
:func:`suggest_weights` searches the indicator weights that would have ranked best on an
earlier period and judges them on a later one (docs/metrics.md, "Suggested weights").
"""

import itertools

import numpy as np
import pandas as pd

from .constants import SCORE_COLUMNS

#: customers who later paid more than this many days late count as late payers
LATE_DAYS = 30
BAD_GRADES = ("C", "D")
#: predictors of :func:`backtest_predictors`, in order: the score, the naive predictor
#: (past WADL), then each indicator alone
PREDICTOR_SCORE = "score"
PREDICTOR_NAIVE = "naive_wadl"
PREDICTORS = (PREDICTOR_SCORE, PREDICTOR_NAIVE, *SCORE_COLUMNS)
#: weights of :func:`suggest_weights` are multiples of this step summing to 1
WEIGHT_STEP = 0.1
#: rank correlations closer than this are tied
RANK_TOLERANCE = 1e-9
#: customers x candidate weights scored at once (bounds the memory of the search)
_BLOCK_CELLS = 2_000_000


def spearman(x, y):
    """Spearman rank correlation of two aligned Series (pairs with a NaN dropped; NaN with
    fewer than 3 pairs or a constant side). Ranks with average ties, then Pearson."""
    frame = pd.DataFrame({"x": x, "y": y}).dropna()
    if len(frame) < 3:
        return float("nan")
    rx = frame["x"].rank(method="average").to_numpy()
    ry = frame["y"].rank(method="average").to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def backtest_grades(before, future_days_late, *, late_days=LATE_DAYS):
    """Score the grades of ``before`` (columns ``score``, ``grade``, ``rated``; one row per
    customer) against ``future_days_late`` (Series by customer: WADL since then).

    Returns a dict: ``customers`` (rated customers with a future observation),
    ``spearman`` (minus the rank correlation between score and later days late, so that 1
    means the score ranks later lateness perfectly), ``late_customers`` (those who later
    paid more than ``late_days`` late) and ``capture`` (the share of them graded C or D
    then; NaN when there are none).
    """
    rated = before.loc[before["rated"].fillna(False).astype(bool), ["score", "grade"]]
    joined = rated.join(future_days_late.rename("later"), how="inner").dropna(subset=["later"])
    late = joined.loc[joined["later"] > late_days]
    capture = float(late["grade"].isin(BAD_GRADES).mean()) if len(late) else float("nan")
    return {
        "customers": len(joined),
        "spearman": -spearman(joined["score"], joined["later"]),
        "late_customers": len(late),
        "capture": capture,
    }


def _oriented(before, predictor):
    """The predictor of ``before`` as a Series where higher means paying better: the score
    and the indicators as they are, the past WADL negated."""
    if predictor == PREDICTOR_NAIVE:
        return -before["wadl"].astype("float64")
    return before[predictor].astype("float64")


def _population(before, later):
    """Rated customers of ``before`` with a later observation, joined to it (``later``)."""
    rated = before.loc[before["rated"].fillna(False).astype(bool)]
    joined = rated.join(later.rename("later"), how="inner")
    return joined.loc[joined["later"].notna()]


def backtest_predictors(before, future_days_late):
    """Rank correlation with later lateness of the score, the naive predictor and each
    indicator alone (docs/metrics.md, "The score against its own ingredients").

    ``before``: one row per customer as of the backtest date, columns ``score``,
    ``rated``, ``wadl`` (past days late) and ``s1``..``s5``; ``future_days_late``: Series by
    customer, the WADL paid since.  Customers: the rated ones with a later observation.
    Each predictor is judged on those where it is defined.  Returns a frame indexed by
    :data:`PREDICTORS` (named ``predictor``) with ``customers``, ``spearman`` (minus the
    Spearman correlation of the predictor, oriented so that higher is better, with the later
    WADL: 1 = perfect ranking) and ``score_spearman`` (the score's, on the same customers).
    """
    joined = _population(before, future_days_late)
    score = joined["score"].astype("float64")
    rows = []
    for predictor in PREDICTORS:
        values = _oriented(joined, predictor)
        defined = values.notna() & score.notna()
        later = joined["later"][defined]
        rows.append(
            {
                "predictor": predictor,
                "customers": int(defined.sum()),
                "spearman": -spearman(values[defined], later),
                "score_spearman": -spearman(score[defined], later),
            }
        )
    return pd.DataFrame(rows).set_index("predictor")


def weight_grid(step=WEIGHT_STEP):
    """Every weight vector of the indicators whose weights are multiples of ``step`` (one
    over a whole number) summing to 1, as a (candidates x 5) array in ascending
    lexicographic order (1,001 vectors for 0.1)."""
    parts = round(1 / step)
    if parts < 1 or abs(parts * step - 1) > 1e-9:
        raise ValueError("Credit score: the weight step must divide 1 (e.g. 0.1, 0.05).")
    n = len(SCORE_COLUMNS)
    # stars and bars: the positions of the n - 1 bars among parts + n - 1 slots
    bars = np.array(list(itertools.combinations(range(parts + n - 1), n - 1)), dtype="int64")
    edges = np.column_stack([np.full(len(bars), -1), bars, np.full(len(bars), parts + n - 1)])
    grid = (np.diff(edges, axis=1) - 1) / parts
    return grid[np.lexsort(grid.T[::-1])]


def _ranks(values):
    """Average ranks of each column of a 2-D array without NaN."""
    return pd.DataFrame(values).rank(method="average").to_numpy(dtype="float64", copy=True)


def rank_correlations(indicators, later, weights):
    """Rank correlation with ``later`` of the score under each row of ``weights``.

    ``indicators``: frame with ``s1``..``s5`` (NaN where undefined), aligned with the Series
    ``later``; ``weights``: (candidates x 5) array of weights >= 0.  The score of a customer
    under weights w is ``sum(w_i S_i) / sum(w_i)`` over its defined indicators (section 4).
    Returns one value per candidate: minus the Spearman correlation of the score with
    ``later`` (1 = perfect), NaN when the candidate leaves a customer without any weighted
    indicator, with fewer than 3 customers or a constant side.
    """
    weights = np.atleast_2d(np.asarray(weights, dtype="float64"))
    values = indicators[list(SCORE_COLUMNS)].to_numpy(dtype="float64")
    defined = ~np.isnan(values)
    filled = np.where(defined, values, 0.0)
    later_ranks = _ranks(np.asarray(later, dtype="float64")[:, None])[:, 0]
    out = np.full(len(weights), np.nan)
    if len(values) < 3 or np.ptp(later_ranks) == 0:
        return out
    y = later_ranks - later_ranks.mean()
    block = max(1, _BLOCK_CELLS // max(1, len(values)))
    for start in range(0, len(weights), block):
        chunk = weights[start : start + block]
        total = defined @ chunk.T
        complete = (total > 0).all(axis=0)
        if not complete.any():
            continue
        # rounded: equal scores reached by different sums tie as they should
        scores = np.round((filled @ chunk[complete].T) / total[:, complete], 9)
        x = _ranks(scores)
        x -= x.mean(axis=0)
        spread = np.sqrt((x**2).sum(axis=0) * (y**2).sum())
        covariance = (x * y[:, None]).sum(axis=0)
        rho = np.where(spread > 0, covariance / np.where(spread > 0, spread, 1.0), np.nan)
        out[start + np.flatnonzero(complete)] = -rho
    return out


def suggest_weights(fit, fit_later, test, test_later, current, *, step=WEIGHT_STEP):
    """Indicator weights that rank later lateness best, fitted on one period and judged on
    a later one (docs/metrics.md, "Suggested weights").

    ``fit`` and ``test``: frames as of the two dates (one row per customer, columns
    ``rated`` and ``s1``..``s5``); ``fit_later`` and ``test_later``: Series of the WADL
    paid in the period after each date; ``current``: the 5 current weights.  On each period
    the customers are the rated ones with a later observation.  Candidates: the simplex grid
    (:func:`weight_grid`) and the current weights normalised; the best rank correlation on
    the fit period wins, ties to the nearest to the current weights, then the first.

    Returns a dict: ``weights`` (5 floats summing to 1, None when no candidate is defined
    on the fit period), ``current`` (normalised), ``fit_customers``, ``test_customers``,
    ``fit_spearman`` and ``fit_current`` (chosen and current weights on the fit period),
    ``test_spearman`` and ``test_current`` (the same on the later period) and ``gain``
    (``test_spearman - test_current``; NaN when undefined).
    """
    current = np.asarray(current, dtype="float64")
    if current.shape != (len(SCORE_COLUMNS),) or (current < 0).any() or current.sum() <= 0:
        raise ValueError("Credit score: give 5 weights >= 0, not all zero.")
    current = current / current.sum()
    candidates = np.vstack([weight_grid(step), current])
    fit_rows = _population(fit, fit_later)
    test_rows = _population(test, test_later)
    fit_rho = rank_correlations(fit_rows, fit_rows["later"], candidates)
    result = {
        "weights": None,
        "current": tuple(float(w) for w in current),
        "fit_customers": len(fit_rows),
        "test_customers": len(test_rows),
        "fit_spearman": float("nan"),
        "fit_current": float(fit_rho[-1]),
        "test_spearman": float("nan"),
        "test_current": float("nan"),
        "gain": float("nan"),
    }
    if np.isnan(fit_rho).all():
        return result
    best = np.nanmax(fit_rho)
    tied = np.flatnonzero(fit_rho >= best - RANK_TOLERANCE)
    distance = np.abs(candidates[tied] - current).sum(axis=1)
    chosen = candidates[tied[np.argmin(distance)]]
    test_rho = rank_correlations(test_rows, test_rows["later"], np.vstack([chosen, current]))
    result.update(
        weights=tuple(float(round(w, 10)) for w in chosen),
        fit_spearman=float(fit_rho[tied[np.argmin(distance)]]),
        test_spearman=float(test_rho[0]),
        test_current=float(test_rho[1]),
        gain=float(test_rho[0] - test_rho[1]),
    )
    return result
