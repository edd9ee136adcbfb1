"""Payment behaviour and payment index (metrics.md section 2).

Observations are cash allocations only: credit-note, FX, adjustment and pending
allocations are never observations.
"""

import numpy as np
import pandas as pd

from ._util import (
    as_timestamp,
    attach,
    day_diff,
    group_index,
    group_sum,
    ratio,
    window_start,
)
from .constants import (
    DEFAULT_MIN_OBS,
    DEFAULT_WINDOW_DAYS,
    INDEX_CURVE_X,
    INDEX_CURVE_Y,
    KIND_CASH,
    MOVE_INVOICE,
)

_ITEM_KEYS = ("move_id", "partner_id", "company_id")


def index_curve(days):
    """Payment index points of a delay in days (section 2), clamped to [0, 100].

    ``interp(days, X, Y)`` with X = [-30, -20, 0, 15, 22, 30, 60, 90, 120, 180] and
    Y = [100, 90, 80, 70, 60, 50, 40, 30, 20, 0] (constants INDEX_CURVE_X/Y); scalar
    in, float out; array-like in, ndarray out; NaN gives NaN.
    """
    values = np.interp(np.asarray(days, dtype="float64"), INDEX_CURVE_X, INDEX_CURVE_Y)
    return values if values.ndim else float(values)


def observations(
    items_out, allocs, as_of, window_days=DEFAULT_WINDOW_DAYS, by="partner_id", columns=()
):
    """Cash observations of the window (section 2), one row per cash allocation.

    ``items_out`` is :func:`settle` output, ``allocs`` classified allocations (see
    :func:`prepare_frames`).  Kept: cash allocations with ``max_date <= as_of`` and
    ``pay_date`` in (as_of - window_days, as_of] on ``out_invoice`` items with balance
    > 0.  Columns: item_id, move_id, partner_id, company_id (and ``by``), pay_date,
    ``a`` (company-currency value), ``dtp`` (pay_date - invoice_date), ``late``
    (pay_date - due, signed), ``terms`` (due - invoice_date), ``idx`` (index_curve of
    late), and the allocations' ``columns`` asked for.
    """
    as_of = as_timestamp(as_of)
    start = window_start(as_of, window_days)
    cash = allocs.loc[
        (allocs["kind"] == KIND_CASH)
        & (allocs["max_date"] <= as_of)
        & (allocs["pay_date"] > start)
        & (allocs["pay_date"] <= as_of),
        ["item_id", "pay_date", "value", *columns],
    ]
    keys = [k for k in dict.fromkeys((*_ITEM_KEYS, by)) if k in items_out.columns]
    targets = items_out.loc[(items_out["move_type"] == MOVE_INVOICE) & (items_out["balance"] > 0)]
    obs = attach(cash, targets, [*keys, "invoice_date", "due"])
    obs = obs.rename(columns={"value": "a"})
    obs["dtp"] = day_diff(obs["pay_date"], obs["invoice_date"])
    obs["late"] = day_diff(obs["pay_date"], obs["due"])
    obs["terms"] = day_diff(obs["due"], obs["invoice_date"])
    obs["idx"] = index_curve(obs["late"].to_numpy())
    return obs.drop(columns=["invoice_date", "due"])


def weighted_days(obs, days, index, by="partner_id", weight=None):
    """``sum(a*days)/sum(a)`` of the observations ``obs`` per group of ``index`` (NaN for a
    group without observation); ``weight``: ``sum(a)`` per group when already summed."""
    if weight is None:
        weight = group_sum(obs, by, obs["a"], index)
    return ratio(group_sum(obs, by, obs["a"] * days, index), weight)


def payment_behaviour(items_out, obs, as_of, window_days=DEFAULT_WINDOW_DAYS, by="partner_id"):
    """Weighted payment timing per group (section 2); one row per group of items_out.

    From the observations ``obs`` (:func:`observations`), weights ``a``:
    ``n_obs`` (count), ``wadp = sum(a*dtp)/sum(a)`` (payment cycle), ``wat`` (terms),
    ``wadl`` (signed late; wadp = wat + wadl), ``dbt = sum(a*max(late,0))/sum(a)``.
    ``adl``: unweighted mean of ``days_late`` (last cash date - due) over the
    out_invoice items with balance > 0 fully settled at as_of whose last cash date is
    in the window.  NaN (never 0) where a group has no observation or no such item.
    """
    as_of = as_timestamp(as_of)
    start = window_start(as_of, window_days)
    index = group_index(items_out, by)
    weight = group_sum(obs, by, obs["a"], index)
    out = pd.DataFrame(index=index)
    out["n_obs"] = obs.groupby(by).size().reindex(index, fill_value=0).astype("int64")
    for column, days in (
        ("wadp", obs["dtp"]),
        ("wat", obs["terms"]),
        ("wadl", obs["late"]),
        ("dbt", obs["late"].clip(lower=0)),
    ):
        out[column] = weighted_days(obs, days, index, by, weight)
    settled = items_out.loc[
        (items_out["move_type"] == MOVE_INVOICE)
        & (items_out["balance"] > 0)
        & items_out["fully_settled"]
        & (items_out["last_cash_date"] > start)
        & (items_out["last_cash_date"] <= as_of)
    ]
    out["adl"] = settled.groupby(by)["days_late"].mean().reindex(index)
    return out


def index_points(items_out, obs, by="partner_id"):
    """The weighted points of :func:`payment_index` (columns ``by``, ``w``, ``idx``): the
    window's cash observations, then the open past-due items, in that order (the order of
    the float sums)."""
    overdue = items_out.loc[items_out["dpd"] > 0, [by, "residual", "dpd"]]
    return pd.concat(
        [
            pd.DataFrame({by: obs[by], "w": obs["a"], "idx": obs["idx"]}),
            pd.DataFrame(
                {
                    by: overdue[by],
                    "w": overdue["residual"],
                    "idx": index_curve(overdue["dpd"].to_numpy()),
                }
            ),
        ],
        ignore_index=True,
    )


def payment_index(items_out, obs, by="partner_id", min_obs=DEFAULT_MIN_OBS):
    """Payment index per group (section 2; PAYDEX-style, never call it PAYDEX).

    ``sum(w*idx)/sum(w)`` over the window's cash observations (``w = a``,
    ``idx = index_curve(late)``) plus the open past-due positive items of
    ``items_out`` (``w = residual``, ``idx = index_curve(dpd)``, dpd > 0).  Columns:
    ``payment_index`` (NaN with fewer than ``min_obs`` observations in total) and
    ``n_index_obs`` (that total).  One row per group of items_out.
    """
    index = group_index(items_out, by)
    points = index_points(items_out, obs, by)
    grouped = points.groupby(by)
    count = grouped.size().reindex(index, fill_value=0).astype("int64")
    weight = grouped["w"].sum().reindex(index, fill_value=0.0)
    score = (points["w"] * points["idx"]).groupby(points[by]).sum()
    value = ratio(score.reindex(index, fill_value=0.0), weight, positive=True)
    return pd.DataFrame(
        {"payment_index": value.where(count >= min_obs), "n_index_obs": count},
        index=index,
    )
