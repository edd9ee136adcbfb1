"""Collection KPIs (metrics.md section 3, Credit Research Foundation definitions).

Collection and on-time rates, DSO (simple and countback), best possible DSO, average
days delinquent (ADD = DSO - BPDSO), CEI, AR balances at past dates and AR turnover.
Net sales are the balances (tax included) of out_invoice and out_refund items by
invoice_date month.
"""

import numpy as np
import pandas as pd

from ._util import as_timestamp, attach, group_index, group_sum, ratio, window_start
from .constants import (
    CEI_MIN_DENOMINATOR_SHARE,
    DEFAULT_CEI_MONTHS,
    DEFAULT_HORIZON,
    DEFAULT_WINDOW_DAYS,
    FLAG_HORIZON,
    FLAG_NONPOSITIVE,
    MOVE_INVOICE,
    SALES_MOVE_TYPES,
    TURNOVER_POINTS,
    ZERO_TOLERANCE,
)


def _scalar_or_array(values, *inputs):
    if all(np.ndim(x) == 0 for x in inputs):
        return float(values)
    return values


def current_ar(items_out, by="partner_id", index=None):
    """Current AR per group (section 3, best possible DSO and CEI): open positive
    residuals of :func:`settle` output not yet due (dpd <= 0), on ``index`` (default:
    the groups of items_out)."""
    if index is None:
        index = group_index(items_out, by)
    residual = items_out["residual"]
    current = residual.where((residual >= ZERO_TOLERANCE) & (items_out["dpd"] <= 0))
    return group_sum(items_out, by, current.fillna(0.0), index)


def _interval_sums(keys, starts, stops, values, ends, groups):
    """Per group, the sum of ``values`` over the rows whose [start, stop] contains each
    date of ``ends``: a (groups x ends) array of cumulated deltas."""
    first = ends.searchsorted(starts.to_numpy(), side="left")
    after = ends.searchsorted(stops.to_numpy(), side="right")
    rows = groups.get_indexer(keys.to_numpy())
    live = (first < after) & (rows >= 0)
    amount = values.to_numpy(dtype="float64")[live]
    delta = np.zeros((len(groups), len(ends) + 1))
    np.add.at(delta, (rows[live], first[live]), amount)
    np.add.at(delta, (rows[live], after[live]), -amount)
    return delta.cumsum(axis=1)[:, : len(ends)]


def current_ar_at(items_out, allocs, dates, by="partner_id", index=None):
    """Current AR per group at each date D of ``dates`` (section 3): the residuals at D
    of the positive items dated <= D and not yet due at D (D <= due, i.e. dpd <= 0).

    An allocation reduces its item from the later of its max_date and the item's date.
    ``allocs`` classified.  Returns a frame on ``index`` (default: the groups of
    items_out) with one column per date (ascending).
    """
    points = pd.DatetimeIndex(sorted({as_timestamp(d) for d in dates}))
    if index is None:
        index = group_index(items_out, by)
    positive = items_out.loc[items_out["balance"] > 0]
    valued = attach(allocs[["item_id", "max_date", "value"]], positive, [by, "date", "due"])
    effective = valued["max_date"].where(valued["max_date"] >= valued["date"], valued["date"])
    booked = _interval_sums(
        positive[by], positive["date"], positive["due"], positive["balance"], points, index
    )
    allocated = _interval_sums(valued[by], effective, valued["due"], valued["value"], points, index)
    return pd.DataFrame(booked - allocated, index=index, columns=points)


def collection_rates(items_out, as_of, window_days=DEFAULT_WINDOW_DAYS, by="partner_id"):
    """Collection rate and on-time rate per group, due cohort (section 3).

    Cohort: out_invoice items (balance > 0) of :func:`settle` output due in
    (as_of - window_days, as_of].  ``collection_rate = cash / (booked - credit_noted)``
    with the cash counted at as_of; ``on_time_rate`` counts only cash paid on or before
    the item's due date.  NaN when the denominator is <= 0 (e.g. no cohort).
    """
    as_of = as_timestamp(as_of)
    index = group_index(items_out, by)
    cohort = items_out.loc[
        (items_out["move_type"] == MOVE_INVOICE)
        & (items_out["balance"] > 0)
        & (items_out["due"] > window_start(as_of, window_days))
        & (items_out["due"] <= as_of)
    ]
    base = group_sum(cohort, by, cohort["balance"] - cohort["credit_noted"], index)
    return pd.DataFrame(
        {
            "collection_rate": ratio(
                group_sum(cohort, by, cohort["cash"], index), base, positive=True
            ),
            "on_time_rate": ratio(
                group_sum(cohort, by, cohort["cash_on_time"], index),
                base,
                positive=True,
            ),
        },
        index=index,
    )


def dso_simple(ar, sales, days):
    """``DSO_simple = ar / sales * days`` (section 3); NaN when sales <= 0.

    Scalars or numpy arrays (element-wise).
    """
    value = ratio(ar, sales, positive=True) * np.asarray(days, dtype="float64")
    return _scalar_or_array(value, ar, sales, days)


def countback(ar, sales, days):
    """Vectorised DSO countback (section 3) for G groups over H months.

    ``ar``: shape (G,); ``sales``: (G, H), most recent month first; ``days``: (H,)
    the day count of each month.  Walks back consuming each month's sales until AR is
    exhausted; the exhausting month contributes ``remaining / sales * days``.  Returns
    ``(values, flags)``: AR <= 0 gives 0 (flag None); a month with sales <= 0 stops the
    walk with the days counted so far and flag ``'nonpositive_month'`` (NaN when that is
    the first month: no day counted, nothing measured); running out of the H months gives
    the total days and flag ``'horizon'``.  Flagged values are lower bounds.
    """
    ar = np.asarray(ar, dtype="float64")
    days = np.asarray(days, dtype="float64")
    sales = np.asarray(sales, dtype="float64").reshape(len(ar), len(days))
    n_groups, n_months = sales.shape
    positive_ar = ar > 0
    if not n_months:
        return np.zeros(n_groups), np.where(positive_ar, FLAG_HORIZON, None)
    cum_sales = sales.cumsum(axis=1)
    cum_days = np.concatenate([[0.0], days.cumsum()])
    rows = np.arange(n_groups)

    nonpositive = sales <= 0
    stop = np.where(nonpositive.any(axis=1), nonpositive.argmax(axis=1), n_months)
    exhausted = cum_sales >= ar[:, None]
    reach = np.where(exhausted.any(axis=1), exhausted.argmax(axis=1), n_months)
    done = reach < stop

    month = np.minimum(reach, n_months - 1)
    month_sales = np.where(done, sales[rows, month], 1.0)
    before = cum_sales[rows, month] - sales[rows, month]
    partial = (ar - before) / month_sales * days[month]
    values = np.where(done, cum_days[month] + partial, cum_days[stop])
    flags = np.where(done, None, np.where(stop < n_months, FLAG_NONPOSITIVE, FLAG_HORIZON)).astype(
        object
    )
    values = np.where(positive_ar, values, 0.0)
    # a walk that stops before counting a single day measures nothing: undefined, not 0
    values = np.where(positive_ar & ~done & (stop == 0), np.nan, values)
    flags[~positive_ar] = None
    return values, flags


def dso_countback(ar, sales_recent_first, days_recent_first, horizon=DEFAULT_HORIZON):
    """Scalar DSO countback (section 3): returns ``(value, flag)``.

    ``sales_recent_first`` and ``days_recent_first`` start at the as_of month; at most
    ``horizon`` months are used.  See :func:`countback` for the flags.
    """
    months = min(len(sales_recent_first), len(days_recent_first), horizon)
    values, flags = countback(
        [ar], [list(sales_recent_first)[:months]], list(days_recent_first)[:months]
    )
    return float(values[0]), flags[0]


def month_days(as_of, months=DEFAULT_HORIZON):
    """Day counts of the ``months`` months ending with as_of's month, recent first.

    The as_of month counts the days elapsed (``as_of.day``), the others their
    calendar length (section 3).
    """
    as_of = as_timestamp(as_of)
    periods = pd.period_range(end=as_of.to_period("M"), periods=months, freq="M")
    days = periods.days_in_month.to_numpy(dtype="float64")[::-1].copy()
    days[0] = as_of.day
    return days


def monthly_sales(items, as_of, months=DEFAULT_HORIZON, by="partner_id"):
    """Net sales per group and month (section 3), columns 0..months-1 recent first.

    Month 0 is as_of's month up to as_of; items are out_invoice and out_refund
    balances by invoice_date (tax included).  One row per group of ``items``.
    """
    as_of = as_timestamp(as_of)
    index = group_index(items, by)
    sales = items.loc[items["move_type"].isin(SALES_MOVE_TYPES) & (items["invoice_date"] <= as_of)]
    invoice_date = sales["invoice_date"]
    back = (as_of.year - invoice_date.dt.year) * 12 + (as_of.month - invoice_date.dt.month)
    recent = back < months
    table = (
        sales.loc[recent, "balance"]
        .groupby([sales.loc[recent, by], back[recent]])
        .sum()
        .unstack(fill_value=0.0)
    )
    return table.reindex(index=index, columns=range(months), fill_value=0.0).astype("float64")


def dso_figures(items_out, as_of, horizon=DEFAULT_HORIZON, by="partner_id"):
    """DSO, best possible DSO and ADD per group by countback (section 3).

    ``dso``/``dso_flag``: countback of the total AR at as_of (open residuals, as
    ``total_ar`` of :func:`aging`); ``bpdso``: countback of the current AR (open
    positive residuals not yet due, dpd <= 0); ``add = dso - bpdso``.  Sales per
    :func:`monthly_sales`, month days per :func:`month_days`.
    """
    as_of = as_timestamp(as_of)
    index = group_index(items_out, by)
    residual = items_out["residual"]
    is_open = residual.abs() >= ZERO_TOLERANCE
    total = group_sum(items_out, by, residual.where(is_open, 0.0), index)
    current = current_ar(items_out, by, index)
    sales = monthly_sales(items_out, as_of, horizon, by).reindex(index).to_numpy()
    days = month_days(as_of, horizon)
    dso, flags = countback(total.to_numpy(), sales, days)
    bpdso, _ = countback(current.to_numpy(), sales, days)
    return pd.DataFrame(
        {
            "dso": dso,
            "dso_flag": pd.Series(flags, index=index, dtype=object),
            "bpdso": bpdso,
            "add": dso - bpdso,
        },
        index=index,
    )


def net_sales(items, start, end, by="partner_id"):
    """Net sales per group with invoice_date in (start, end] (section 3).

    out_invoice minus out_refund balances, tax included.  One value per group of
    ``items``.
    """
    start, end = as_timestamp(start), as_timestamp(end)
    index = group_index(items, by)
    sales = items.loc[
        items["move_type"].isin(SALES_MOVE_TYPES)
        & (items["invoice_date"] > start)
        & (items["invoice_date"] <= end)
    ]
    return group_sum(sales, by, sales["balance"], index).rename("net_sales")


def ar_balances(items, allocs, dates, by="partner_id"):
    """AR balance per group at each date D of ``dates`` (section 0, "Balance at D").

    ``sum(balance of items with date <= D) - sum(value of allocations with
    max_date <= D)``, an allocation counting from the later of its max_date and its
    item's date.  ``allocs`` must be classified (:func:`classify_allocations`).
    Returns a frame indexed by the groups of ``items`` with one column per date
    (ascending).
    """
    points = pd.DatetimeIndex(sorted({as_timestamp(d) for d in dates}))
    index = group_index(items, by)
    valued = attach(
        allocs[["item_id", "max_date", "value"]],
        items,
        ["date", by],
        ["_item_date", "_key"],
    )
    effective = valued["max_date"].where(
        valued["max_date"] >= valued["_item_date"], valued["_item_date"]
    )
    booked = (
        items["balance"].groupby([items[by].to_numpy(), points.searchsorted(items["date"])]).sum()
    )
    allocated = (
        valued["value"].groupby([valued["_key"].to_numpy(), points.searchsorted(effective)]).sum()
    )
    delta = booked.sub(allocated, fill_value=0.0).unstack(fill_value=0.0)
    delta = delta.reindex(index=index, columns=range(len(points)), fill_value=0.0)
    balances = delta.astype("float64").cumsum(axis=1)
    balances.columns = points
    return balances


def cei(beg, sales, n, end_total, end_current):
    """Collection effectiveness index (section 3), an index (100 = all collected).

    ``(beg + sales/n - end_total) / (beg + sales/n - end_current) * 100``; NaN when the
    denominator is <= 0 or under ``CEI_MIN_DENOMINATOR_SHARE`` of ``beg + sales/n``.
    Scalars or numpy arrays (element-wise).
    """
    base = np.asarray(beg, dtype="float64") + np.asarray(sales, dtype="float64") / n
    den = base - np.asarray(end_current)
    # under half a cent the denominator is float noise of amounts that cancel out (its sign
    # depends on the order of the sums): nothing to collect, no CEI
    den = np.where(np.abs(den) < ZERO_TOLERANCE, 0.0, den)
    # a denominator that is a sliver of what there was to collect turns a few units of
    # timing noise into absurd indexes: undefined, not a figure
    den = np.where(den < CEI_MIN_DENOMINATOR_SHARE * base, 0.0, den)
    value = ratio(base - end_total, den, positive=True) * 100
    return _scalar_or_array(value, beg, sales, end_total, end_current)


def cei_dates(as_of, months=DEFAULT_CEI_MONTHS):
    """Bounds of the ``months`` calendar-month windows ending at as_of, ascending:
    as_of - k months for k = months..0, each counted from as_of (section 3)."""
    as_of = as_timestamp(as_of)
    return [as_timestamp(as_of - pd.DateOffset(months=k)) for k in range(months, -1, -1)]


def period_sales(items, bounds, by, index):
    """Net sales per group with invoice_date in each window (bounds[k-1], bounds[k]]."""
    sales = items.loc[items["move_type"].isin(SALES_MOVE_TYPES)]
    period = bounds.searchsorted(sales["invoice_date"].to_numpy(), side="left")
    keep = (period >= 1) & (period < len(bounds))
    table = (
        sales.loc[keep, "balance"]
        .groupby([sales.loc[keep, by].to_numpy(), period[keep]])
        .sum()
        .unstack(fill_value=0.0)
    )
    table = table.reindex(index=index, columns=range(1, len(bounds)), fill_value=0.0)
    return table.to_numpy(dtype="float64")


def monthly_cei(items_out, allocs, bounds, by="partner_id", index=None, balances=None):
    """CEI with N = 1 of each window (bounds[k-1], bounds[k]] per group (section 3).

    Beg = AR balance at bounds[k-1], S = net sales with invoice_date in the window,
    EndTotal = AR balance at bounds[k], EndCurrent = :func:`current_ar_at` bounds[k].
    ``allocs`` classified; ``balances``: optional :func:`ar_balances` frame holding the
    bounds.  Returns a frame on ``index`` (default: the groups of items_out) with one
    column per window, named by its end; NaN where the window has no CEI.
    """
    points = pd.DatetimeIndex(sorted({as_timestamp(d) for d in bounds}))
    if index is None:
        index = group_index(items_out, by)
    beg, sales, end, current = monthly_cei_parts(items_out, allocs, points, by, index, balances)
    value = cei(beg, sales, 1, end, current)
    return pd.DataFrame(np.asarray(value, dtype="float64"), index=index, columns=points[1:])


def monthly_cei_parts(items_out, allocs, bounds, by, index, balances=None):
    """The amounts of :func:`monthly_cei`, each a (groups of ``index`` x windows) array:
    (Beg, S, EndTotal, EndCurrent). Sums over the items: the parts of several sets of
    items add up to those of their union."""
    points = pd.DatetimeIndex(sorted({as_timestamp(d) for d in bounds}))
    if balances is None:
        balances = ar_balances(items_out, allocs, points, by)
    level = balances[points].reindex(index, fill_value=0.0).to_numpy()
    current = current_ar_at(items_out, allocs, points[1:], by, index).to_numpy()
    sales = period_sales(items_out, points, by, index)
    return level[:, :-1], sales, level[:, 1:], current


def cei_figures(
    items_out,
    allocs,
    as_of,
    months=DEFAULT_CEI_MONTHS,
    by="partner_id",
    balances=None,
):
    """CEI per group "over the last ``months`` months" (section 3): the mean of the
    monthly CEIs (:func:`monthly_cei`) of the windows of :func:`cei_dates`, over the
    windows that have one; NaN when none has.

    ``allocs`` classified; ``balances``: optional :func:`ar_balances` frame holding the
    dates of :func:`cei_dates`.
    """
    index = group_index(items_out, by)
    monthly = monthly_cei(items_out, allocs, cei_dates(as_of, months), by, index, balances)
    return monthly.mean(axis=1).rename("cei")


def turnover_dates(as_of, points=TURNOVER_POINTS):
    """as_of (its month end clipped to as_of) and the ``points - 1`` previous month
    ends, ascending (section 3, AR turnover)."""
    as_of = as_timestamp(as_of)
    months = pd.period_range(end=as_of.to_period("M") - 1, periods=points - 1, freq="M")
    ends = months.to_timestamp(how="end").normalize()
    return [*ends, as_of]


def ar_turnover(
    items_out,
    allocs,
    as_of,
    window_days=DEFAULT_WINDOW_DAYS,
    by="partner_id",
    balances=None,
):
    """AR turnover per group (section 3).

    ``net_sales`` of the window (as_of - window_days, as_of] divided by the mean of
    the 13 AR balances of :func:`turnover_dates`; NaN when that mean is <= 0.
    Returns columns ``net_sales`` and ``ar_turnover``.  ``allocs`` classified;
    ``balances``: optional :func:`ar_balances` frame holding the 13 dates.
    """
    as_of = as_timestamp(as_of)
    dates = turnover_dates(as_of)
    if balances is None:
        balances = ar_balances(items_out, allocs, dates, by)
    sales = net_sales(items_out, window_start(as_of, window_days), as_of, by)
    mean_ar = balances[dates].mean(axis=1)
    # a mean of cent amounts that is not a cent is float noise of balances that cancel out
    # (its sign and size depend on the order of the sums): no balance, no turnover
    mean_ar = mean_ar.where(mean_ar.abs() >= ZERO_TOLERANCE, 0.0)
    return pd.DataFrame({"net_sales": sales, "ar_turnover": ratio(sales, mean_ar, positive=True)})
