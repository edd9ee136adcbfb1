"""Backtest of the credit grades on a company's own data (metrics.md section 4).

A grade is useful if it ranks customers by how late they pay *afterwards*. Given the
scores at a past date and the days late each customer paid since then, report the rank
correlation (Spearman, average-rank ties) and how many of the customers who later paid
more than 30 days late had already been graded C or D.
"""

import numpy as np
import pandas as pd

#: customers who later paid more than this many days late count as late payers
LATE_DAYS = 30
BAD_GRADES = ("C", "D")


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
