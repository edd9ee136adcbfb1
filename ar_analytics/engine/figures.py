"""Combined figures: one row per group (partner or company) and one row per move.

:func:`partner_figures` assembles metrics.md sections 1-3 for every group key; with
``by='company_id'`` the same code gives company totals.
"""

import numpy as np
import pandas as pd

from ._util import as_timestamp, group_index, group_sum, ratio
from .aging import aging, bucket_columns, validate_buckets
from .behaviour import observations, payment_behaviour, payment_index
from .constants import (
    BASIS_DUE,
    DEFAULT_CEI_MONTHS,
    DEFAULT_HORIZON,
    DEFAULT_MIN_OBS,
    DEFAULT_RECENT_DAYS,
    DEFAULT_WINDOW_DAYS,
    ZERO_TOLERANCE,
)
from .kpi import (
    ar_balances,
    ar_turnover,
    cei_dates,
    cei_figures,
    collection_rates,
    dso_figures,
    turnover_dates,
)
from .score import wadl_trend
from .settlement import prepare_frames, settle_prepared


def figure_columns(buckets=None):
    """Column names of :func:`partner_figures`, in order."""
    return [
        "booked_open",
        "total_ar",
        "unapplied_credits",
        *bucket_columns(buckets),
        "percent_current",
        "pct_over_90",
        "overdue_amount",
        "overdue_ratio",
        "max_dpd",
        "last_payment_date",
        "n_obs",
        "wadp",
        "wat",
        "wadl",
        "dbt",
        "adl",
        "payment_index",
        "n_index_obs",
        "collection_rate",
        "on_time_rate",
        "dso",
        "dso_flag",
        "bpdso",
        "add",
        "cei",
        "ar_turnover",
        "net_sales",
        "pending_amount",
    ]


def _open_figures(items_out, by, index):
    residual = items_out["residual"]
    positive = residual >= ZERO_TOLERANCE
    overdue = positive & (items_out["dpd"] > 0)
    out = pd.DataFrame(index=index)
    out["booked_open"] = group_sum(items_out, by, residual.where(positive, 0.0), index)
    out["overdue_amount"] = group_sum(items_out, by, residual.where(overdue, 0.0), index)
    out["overdue_ratio"] = ratio(out["overdue_amount"], out["booked_open"])
    max_dpd = items_out["dpd"].clip(lower=0).groupby(items_out[by]).max()
    out["max_dpd"] = max_dpd.reindex(index).fillna(0.0)
    last_cash = items_out.groupby(by)["last_cash_date"].max()
    out["last_payment_date"] = last_cash.reindex(index)
    out["pending_amount"] = group_sum(items_out, by, items_out["pending"], index)
    return out


def partner_figures(
    items,
    allocs,
    as_of,
    *,
    by="partner_id",
    buckets=None,
    basis=BASIS_DUE,
    window_days=DEFAULT_WINDOW_DAYS,
    min_obs=DEFAULT_MIN_OBS,
    horizon=DEFAULT_HORIZON,
    cei_months=DEFAULT_CEI_MONTHS,
):
    """All section 1-3 figures of metrics.md, one row per ``by`` key at ``as_of``.

    ``items``/``allocs`` are the raw frames of engine_contract.md (cut at as_of here).
    Index: the keys of the items dated <= as_of.  Columns (:func:`figure_columns`):

    - section 1: ``booked_open`` (sum of positive open residuals), ``total_ar``,
      ``unapplied_credits``, ``bucket_<code>`` per bucket, ``percent_current``,
      ``pct_over_90``, ``overdue_amount`` (positive residual with dpd > 0),
      ``overdue_ratio`` (overdue / booked_open, NaN if nothing positive is open),
      ``max_dpd`` (largest dpd of an open positive item, 0 when nothing is overdue or
      open), ``pending_amount`` (pending bank matching allocations, not collected);
    - section 2: ``last_payment_date`` (last cash pay_date <= as_of), ``n_obs``,
      ``wadp``, ``wat``, ``wadl``, ``dbt``, ``adl``, ``payment_index`` and
      ``n_index_obs`` (:func:`payment_behaviour`, :func:`payment_index`);
    - section 3: ``collection_rate``, ``on_time_rate``, ``dso``, ``dso_flag``,
      ``bpdso``, ``add``, ``cei`` (mean of the monthly CEIs of the last ``cei_months``
      months), ``ar_turnover`` and ``net_sales`` of the window.

    Undefined figures are NaN/NaT, never 0.
    """
    as_of = as_timestamp(as_of)
    rows = validate_buckets(buckets)
    items_cut, allocs_cut = prepare_frames(items, allocs, as_of)
    items_out = settle_prepared(items_cut, allocs_cut, as_of, buckets=rows, basis=basis)
    obs = observations(items_out, allocs_cut, as_of, window_days, by)
    return _figures_from_settled(
        items_out, allocs_cut, obs, by, as_of, rows, window_days, min_obs, horizon, cei_months
    )


def _figures_from_settled(
    items_out, allocs_cut, obs, by, as_of, rows, window_days, min_obs, horizon, cei_months
):
    index = group_index(items_out, by)
    dates = [*cei_dates(as_of, cei_months), *turnover_dates(as_of)]
    balances = ar_balances(items_out, allocs_cut, dates, by)
    parts = [
        aging(items_out, rows, by),
        _open_figures(items_out, by, index),
        payment_behaviour(items_out, obs, as_of, window_days, by),
        payment_index(items_out, obs, by, min_obs),
        collection_rates(items_out, as_of, window_days, by),
        dso_figures(items_out, as_of, horizon, by),
        cei_figures(items_out, allocs_cut, as_of, cei_months, by, balances),
        ar_turnover(items_out, allocs_cut, as_of, window_days, by, balances),
    ]
    return pd.concat(parts, axis=1)[figure_columns(rows)]


def compute_all(
    items,
    allocs,
    as_of,
    *,
    buckets=None,
    basis=BASIS_DUE,
    window_days=DEFAULT_WINDOW_DAYS,
    min_obs=DEFAULT_MIN_OBS,
    horizon=DEFAULT_HORIZON,
    cei_months=DEFAULT_CEI_MONTHS,
    recent_days=DEFAULT_RECENT_DAYS,
    totals=True,
):
    """Everything a refresh stores, settling the items once (sections 1-4).

    Returns a dict: ``items`` (:func:`settle` output), ``allocs`` (classified, cut),
    ``obs`` (the cash observations of the window, :func:`observations`, with the partner
    and the company), ``figures`` (:func:`partner_figures` by partner), ``totals`` (the same
    by company, or None when ``totals`` is false), ``trend`` (dWADL by partner,
    :func:`wadl_trend`) and ``moves`` (:func:`move_figures`).
    """
    as_of = as_timestamp(as_of)
    rows = validate_buckets(buckets)
    items_cut, allocs_cut = prepare_frames(items, allocs, as_of)
    items_out = settle_prepared(items_cut, allocs_cut, as_of, buckets=rows, basis=basis)
    # the same rows whatever the grouping: made once
    obs = observations(items_out, allocs_cut, as_of, window_days)
    args = (as_of, rows, window_days, min_obs, horizon, cei_months)
    return {
        "items": items_out,
        "allocs": allocs_cut,
        "obs": obs,
        "figures": _figures_from_settled(items_out, allocs_cut, obs, "partner_id", *args),
        "totals": _figures_from_settled(items_out, allocs_cut, obs, "company_id", *args)
        if totals
        else None,
        "trend": wadl_trend(
            items_out,
            allocs_cut,
            as_of,
            recent_days=recent_days,
            window_days=window_days,
            obs=obs,
        ),
        "moves": move_figures(items_out),
    }


def move_figures(items_out):
    """Per-move summary of :func:`settle` output (sections 1-2), indexed by move_id.

    ``payment_date`` (latest last cash date of its items), ``days_to_pay`` and
    ``days_late`` (max over its items), ``paid_on_time`` (NA unless every item is
    fully settled; then False if an item was paid late, True if an item was paid on
    time and none late, NA when no item was settled with cash), ``cash_share``,
    ``pending_share``, ``credit_note_share``, ``writeoff_share`` (allocated amounts
    over the sum of |balance|, NaN when that is 0), ``residual`` (sum), ``dpd`` (max
    over open positive items) and ``bucket`` (bucket of its oldest open item).
    """
    grouped = items_out.groupby("move_id")
    index = pd.Index(grouped.size().index, name="move_id")
    sign = np.sign(items_out["balance"])
    booked = items_out["balance"].abs().groupby(items_out["move_id"]).sum()
    out = pd.DataFrame(index=index)
    out["payment_date"] = grouped["last_cash_date"].max()
    out["days_to_pay"] = grouped["days_to_pay"].max()
    out["days_late"] = grouped["days_late"].max()

    on_time = items_out["paid_on_time"]
    all_settled = grouped["fully_settled"].all()
    any_late = on_time.eq(False).fillna(False).groupby(items_out["move_id"]).any()
    any_on_time = on_time.eq(True).fillna(False).groupby(items_out["move_id"]).any()
    paid_on_time = pd.Series(pd.NA, index=index, dtype="boolean")
    paid_on_time[all_settled & any_on_time] = True
    paid_on_time[all_settled & any_late] = False
    out["paid_on_time"] = paid_on_time

    for column, source in (
        ("cash_share", "cash"),
        ("pending_share", "pending"),
        ("credit_note_share", "credit_noted"),
        ("writeoff_share", "adjusted"),
    ):
        allocated = (items_out[source] * sign).groupby(items_out["move_id"]).sum()
        out[column] = ratio(allocated, booked)
    out["residual"] = grouped["residual"].sum()
    out["dpd"] = grouped["dpd"].max()
    oldest = (
        items_out.loc[items_out["bucket"].notna(), ["move_id", "age", "bucket"]]
        .sort_values("age", ascending=False, kind="stable")
        .drop_duplicates("move_id")
        .set_index("move_id")["bucket"]
    )
    out["bucket"] = oldest.reindex(index)
    return out
