"""Company totals from additive parts, so that a refresh in batches of customers gives the
company row of :func:`figures.partner_figures` with ``by='company_id'`` without holding
the whole book.

Every company figure is a sum, a count, a maximum or a ratio of sums (no median): per batch,
:func:`total_parts` keeps those pieces; :func:`combine_parts` adds the pieces of several
batches; :func:`totals_from_parts` turns them into the figures. Batches must split the items
by customer (each item in exactly one batch); the result equals the whole book's to the
order of the float sums.
"""

import numpy as np
import pandas as pd

from ._util import as_timestamp, group_index, group_sum, ratio, window_start
from .aging import aging, validate_buckets
from .behaviour import index_points, observations
from .constants import (
    BUCKET_PREFIX,
    DEFAULT_CEI_MONTHS,
    DEFAULT_HORIZON,
    DEFAULT_MIN_OBS,
    DEFAULT_WINDOW_DAYS,
    MOVE_INVOICE,
    OVER_90_DAYS,
    ZERO_TOLERANCE,
)
from .figures import figure_columns
from .kpi import (
    ar_balances,
    cei,
    cei_dates,
    countback,
    current_ar,
    current_ar_at,
    month_days,
    monthly_sales,
    net_sales,
    period_sales,
    turnover_dates,
)

BY = "company_id"
# the parts combined by their maximum; every other part is added
MAX_PARTS = ("max_dpd", "last_payment_date")


def _points(as_of, cei_months):
    """The dates whose AR balance the totals read (CEI bounds and turnover dates), ascending."""
    return pd.DatetimeIndex(sorted({*cei_dates(as_of, cei_months), *turnover_dates(as_of)}))


def _aging_parts(items_out, rows, index):
    residual = items_out["residual"]
    positive = residual >= ZERO_TOLERANCE
    # the amounts of aging() itself: the same float sums
    table = aging(items_out, rows, BY)
    out = table[[BUCKET_PREFIX + bucket.code for bucket in rows] + ["unapplied_credits"]].copy()
    # summed as aging() sums them, over the positive items only: the same float sums
    open_positive = items_out.loc[positive]
    dpd = open_positive["dpd"]
    out["current"] = group_sum(
        open_positive, BY, open_positive["residual"].where(dpd <= 0, 0.0), index
    )
    out["over_90"] = group_sum(
        open_positive, BY, open_positive["residual"].where(dpd >= OVER_90_DAYS, 0.0), index
    )
    out["current_ar"] = current_ar(items_out, BY, index)
    overdue = positive & (items_out["dpd"] > 0)
    out["booked_open"] = group_sum(items_out, BY, residual.where(positive, 0.0), index)
    out["overdue_amount"] = group_sum(items_out, BY, residual.where(overdue, 0.0), index)
    out["open_ar"] = group_sum(
        items_out, BY, residual.where(residual.abs() >= ZERO_TOLERANCE, 0.0), index
    )
    out["pending_amount"] = group_sum(items_out, BY, items_out["pending"], index)
    out["max_dpd"] = items_out["dpd"].clip(lower=0).groupby(items_out[BY]).max().reindex(index)
    out["last_payment_date"] = items_out.groupby(BY)["last_cash_date"].max().reindex(index)
    return out


def _behaviour_parts(items_out, obs, as_of, window_days, index):
    out = pd.DataFrame(index=index)
    out["n_obs"] = obs.groupby(BY).size().reindex(index, fill_value=0).astype("int64")
    out["obs_amount"] = group_sum(obs, BY, obs["a"], index)
    for column, days in (
        ("obs_dtp", obs["dtp"]),
        ("obs_terms", obs["terms"]),
        ("obs_late", obs["late"]),
        ("obs_dbt", obs["late"].clip(lower=0)),
    ):
        out[column] = group_sum(obs, BY, obs["a"] * days, index)
    settled = items_out.loc[
        (items_out["move_type"] == MOVE_INVOICE)
        & (items_out["balance"] > 0)
        & items_out["fully_settled"]
        & (items_out["last_cash_date"] > window_start(as_of, window_days))
        & (items_out["last_cash_date"] <= as_of)
        & items_out["days_late"].notna()
    ]
    out["adl_days"] = group_sum(settled, BY, settled["days_late"], index)
    out["adl_count"] = settled.groupby(BY).size().reindex(index, fill_value=0).astype("int64")
    points = index_points(items_out, obs, BY)
    out["index_count"] = points.groupby(BY).size().reindex(index, fill_value=0).astype("int64")
    out["index_weight"] = group_sum(points, BY, points["w"], index)
    out["index_points"] = group_sum(points, BY, points["w"] * points["idx"], index)
    return out


def _kpi_parts(items_out, allocs_cut, as_of, window_days, horizon, cei_months, index):
    cohort = items_out.loc[
        (items_out["move_type"] == MOVE_INVOICE)
        & (items_out["balance"] > 0)
        & (items_out["due"] > window_start(as_of, window_days))
        & (items_out["due"] <= as_of)
    ]
    out = pd.DataFrame(index=index)
    out["cohort_base"] = group_sum(cohort, BY, cohort["balance"] - cohort["credit_noted"], index)
    out["cohort_cash"] = group_sum(cohort, BY, cohort["cash"], index)
    out["cohort_on_time"] = group_sum(cohort, BY, cohort["cash_on_time"], index)
    sales = monthly_sales(items_out, as_of, horizon, BY).reindex(index)
    out[[f"sales_month_{k}" for k in range(horizon)]] = sales.to_numpy()
    points = _points(as_of, cei_months)
    balances = ar_balances(items_out, allocs_cut, points, BY).reindex(index, fill_value=0.0)
    out[[f"balance_{k}" for k in range(len(points))]] = balances.to_numpy()
    bounds = pd.DatetimeIndex(cei_dates(as_of, cei_months))
    current = current_ar_at(items_out, allocs_cut, bounds[1:], BY, index)
    out[[f"current_at_{k}" for k in range(1, len(bounds))]] = current.to_numpy()
    period = period_sales(items_out, bounds, BY, index)
    out[[f"period_sales_{k}" for k in range(1, len(bounds))]] = period
    out["net_sales"] = net_sales(items_out, window_start(as_of, window_days), as_of, BY).reindex(
        index, fill_value=0.0
    )
    return out


def total_parts(
    items_out,
    allocs_cut,
    as_of,
    *,
    buckets=None,
    window_days=DEFAULT_WINDOW_DAYS,
    horizon=DEFAULT_HORIZON,
    cei_months=DEFAULT_CEI_MONTHS,
    obs=None,
):
    """The additive pieces of the company totals of one batch of customers, one row per
    company of ``items_out`` (settled items, :func:`settle`; ``allocs_cut`` classified and
    cut at as_of, as :func:`figures.compute_all` returns them; ``obs``: its observations)."""
    as_of = as_timestamp(as_of)
    rows = validate_buckets(buckets)
    index = group_index(items_out, BY)
    if obs is None:
        obs = observations(items_out, allocs_cut, as_of, window_days, BY)
    parts = [
        _aging_parts(items_out, rows, index),
        _behaviour_parts(items_out, obs, as_of, window_days, index),
        _kpi_parts(items_out, allocs_cut, as_of, window_days, horizon, cei_months, index),
    ]
    return pd.concat(parts, axis=1)


def _empty_index():
    return pd.Index([], name=BY, dtype="int64")


def combine_parts(parts):
    """The pieces of several batches (:func:`total_parts`) as those of their union: maxima
    of MAX_PARTS, sums of the others."""
    parts = [frame for frame in parts if not frame.empty]
    if not parts:
        return pd.DataFrame(index=_empty_index())
    stacked = pd.concat(parts)
    grouped = stacked.groupby(level=0, sort=True)
    how = {column: "max" if column in MAX_PARTS else "sum" for column in stacked.columns}
    combined = grouped.agg(how)
    combined.index.name = BY
    return combined


def _behaviour_figures(parts, min_obs):
    out = pd.DataFrame(index=parts.index)
    out["n_obs"] = parts["n_obs"].astype("int64")
    for column, part in (("wadp", "obs_dtp"), ("wat", "obs_terms"), ("wadl", "obs_late")):
        out[column] = ratio(parts[part], parts["obs_amount"])
    out["dbt"] = ratio(parts["obs_dbt"], parts["obs_amount"])
    out["adl"] = ratio(parts["adl_days"], parts["adl_count"])
    count = parts["index_count"].astype("int64")
    value = ratio(parts["index_points"], parts["index_weight"], positive=True)
    out["payment_index"] = value.where(count >= min_obs)
    out["n_index_obs"] = count
    return out


def _kpi_figures(parts, as_of, window_days, horizon, cei_months):
    out = pd.DataFrame(index=parts.index)
    out["collection_rate"] = ratio(parts["cohort_cash"], parts["cohort_base"], positive=True)
    out["on_time_rate"] = ratio(parts["cohort_on_time"], parts["cohort_base"], positive=True)
    sales = parts[[f"sales_month_{k}" for k in range(horizon)]].to_numpy(dtype="float64")
    days = month_days(as_of, horizon)
    dso, flags = countback(parts["open_ar"].to_numpy(), sales, days)
    bpdso, _ = countback(parts["current_ar"].to_numpy(), sales, days)
    out["dso"], out["bpdso"], out["add"] = dso, bpdso, dso - bpdso
    out["dso_flag"] = pd.Series(flags, index=parts.index, dtype=object)
    points = _points(as_of, cei_months)
    balances = pd.DataFrame(
        parts[[f"balance_{k}" for k in range(len(points))]].to_numpy(dtype="float64"),
        index=parts.index,
        columns=points,
    )
    bounds = pd.DatetimeIndex(cei_dates(as_of, cei_months))
    level = balances[bounds].to_numpy()
    windows = range(1, len(bounds))
    current = parts[[f"current_at_{k}" for k in windows]].to_numpy(dtype="float64")
    period = parts[[f"period_sales_{k}" for k in windows]].to_numpy(dtype="float64")
    monthly = np.asarray(cei(level[:, :-1], period, 1, level[:, 1:], current), dtype="float64")
    out["cei"] = pd.DataFrame(monthly, index=parts.index).mean(axis=1)
    mean_ar = balances[turnover_dates(as_of)].mean(axis=1)
    # as kpi.ar_turnover: a mean under a cent is float noise of balances that cancel out
    mean_ar = mean_ar.where(mean_ar.abs() >= ZERO_TOLERANCE, 0.0)
    out["net_sales"] = parts["net_sales"]
    out["ar_turnover"] = ratio(parts["net_sales"], mean_ar, positive=True)
    return out


def totals_from_parts(
    parts,
    as_of,
    *,
    buckets=None,
    window_days=DEFAULT_WINDOW_DAYS,
    min_obs=DEFAULT_MIN_OBS,
    horizon=DEFAULT_HORIZON,
    cei_months=DEFAULT_CEI_MONTHS,
):
    """The company totals (:func:`figures.partner_figures` by company, its columns) from
    the pieces of every batch (:func:`combine_parts`)."""
    as_of = as_timestamp(as_of)
    rows = validate_buckets(buckets)
    if parts.empty:
        return pd.DataFrame(columns=figure_columns(rows), index=_empty_index())
    out = pd.DataFrame(index=parts.index)
    bucket_names = [BUCKET_PREFIX + bucket.code for bucket in rows]
    out[bucket_names] = parts[bucket_names]
    out["unapplied_credits"] = parts["unapplied_credits"]
    out["total_ar"] = out[[*bucket_names, "unapplied_credits"]].sum(axis=1)
    out["percent_current"] = ratio(parts["current"], out["total_ar"], positive=True)
    out["pct_over_90"] = ratio(parts["over_90"], out["total_ar"], positive=True)
    for column in ("booked_open", "overdue_amount", "pending_amount", "last_payment_date"):
        out[column] = parts[column]
    out["overdue_ratio"] = ratio(parts["overdue_amount"], parts["booked_open"])
    out["max_dpd"] = parts["max_dpd"].astype("float64").fillna(0.0)
    out = out.join(_behaviour_figures(parts, min_obs))
    out = out.join(_kpi_figures(parts, as_of, window_days, horizon, cei_months))
    return out[figure_columns(rows)]
