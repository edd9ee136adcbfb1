"""Monthly collection trend per customer and per company (metrics.md section 6).

:func:`monthly_series` builds, for every group and each of the last complete calendar
months, the amounts invoiced and collected, the collection rate, WADP, WADL and CEI
(sections 2 and 3 measured month by month) with their month-over-month and
year-over-year changes and the rolling 3-month sums of the amounts;
:func:`trend_slopes` gives the OLS slope of each figure per group; :func:`series_parts`
gives the sums the series are made of, which add up over sets of customers (a run in
batches, :func:`combine_series_parts`).  Inputs are :func:`settle` output and the
classified allocations cut at as_of (:func:`prepare_frames`).  Everything is grouped,
never looped per customer.
"""

import numpy as np
import pandas as pd

from ._util import as_timestamp, attach, group_index, ratio
from .behaviour import observations
from .constants import KIND_CASH, KIND_CREDIT_NOTE, MOVE_INVOICE, SALES_MOVE_TYPES
from .kpi import cei, monthly_cei_parts

#: Length of the monthly series (3 years: Holt-Winters needs 24 months plus a backtest).
TREND_MONTHS = 36
#: OLS slopes are fitted on this many last months of the series.
TREND_SLOPE_MONTHS = 12
#: Amount columns: relative changes and rolling sums.
AMOUNT_COLUMNS = ("invoiced", "collected")
#: Rate and day columns: changes are differences (points, days); never summed.
RATE_COLUMNS = ("collection_rate", "wadp", "wadl", "cei")
SERIES_COLUMNS = (*AMOUNT_COLUMNS, *RATE_COLUMNS)
#: Lags of the month-over-month and year-over-year changes, and the rolling window.
MOM_LAG = 1
YOY_LAG = 12
ROLLING_MONTHS = 3
#: Parts of :func:`series_parts`: the due cohort's cash, credit notes and booked amount of
#: the collection rate; the weight, weighted days to pay and weighted days late of the
#: observations; Beg, S, EndTotal and EndCurrent of the CEI.
COHORT_PARTS = ("cohort_cash", "cohort_noted", "cohort_booked")
PAID_PARTS = ("paid", "paid_days", "paid_late")
CEI_PARTS = ("cei_beg", "cei_sales", "cei_end", "cei_current")
PART_COLUMNS = (*AMOUNT_COLUMNS, *COHORT_PARTS, *PAID_PARTS, *CEI_PARTS)


def series_months(as_of, months=TREND_MONTHS):
    """Month starts of the ``months`` complete months ending at as_of, ascending.

    The last month is as_of's month when as_of is its last day, else the month
    before: a month is only ever shown complete.
    """
    as_of = as_timestamp(as_of)
    last = as_of.to_period("M")
    if as_of != last.end_time.normalize():
        last -= 1
    return pd.period_range(end=last, periods=months, freq="M").to_timestamp()


def _month(dates):
    return dates.dt.to_period("M").dt.start_time


def _table(frame, by, month, values, index):
    """``values`` summed per (by, month) on the (group, month) product ``index``."""
    keep = month.isin(index.levels[1])
    sums = values[keep].groupby([frame.loc[keep, by], month[keep]]).sum()
    return sums.reindex(index, fill_value=0.0).astype("float64")


def _collected(items_out, allocs, by, index):
    targets = items_out.loc[(items_out["balance"] > 0) & ~items_out["is_payment"].astype(bool)]
    cash = attach(
        allocs.loc[allocs["kind"] == KIND_CASH, ["item_id", "pay_date", "value"]], targets, [by]
    )
    return _table(cash, by, _month(cash["pay_date"]), cash["value"], index)


def _cohort(items_out, allocs, by, index):
    """(cash, credit notes, booked) of the due cohort of each month measured at its month
    end (section 3 with as_of = the month end and the window = the month)."""
    cohort = items_out.loc[(items_out["move_type"] == MOVE_INVOICE) & (items_out["balance"] > 0)]
    cohort = cohort.assign(_month=_month(cohort["due"]))
    cohort = cohort.assign(_end=cohort["_month"] + pd.offsets.MonthEnd(0))
    kinds = allocs.loc[allocs["kind"].isin([KIND_CASH, KIND_CREDIT_NOTE])]
    alloc = attach(kinds, cohort, [by, "_month", "_end"])
    alloc = alloc.loc[alloc["max_date"] <= alloc["_end"]]
    is_cash = alloc["kind"] == KIND_CASH
    cash = _table(alloc, by, alloc["_month"], alloc["value"].where(is_cash, 0.0), index)
    noted = _table(alloc, by, alloc["_month"], alloc["value"].where(~is_cash, 0.0), index)
    booked = _table(cohort, by, cohort["_month"], cohort["balance"], index)
    return cash, noted, booked


def _payment_days(items_out, allocs, as_of, by, index):
    """(sum a, sum a*dtp, sum a*late) of the cash observations paid in each month."""
    start = index.levels[1][0]
    obs = observations(items_out, allocs, as_of, (as_of - start).days + 1, by)
    month = _month(obs["pay_date"])
    weight = _table(obs, by, month, obs["a"], index)
    return (
        weight,
        *(_table(obs, by, month, obs["a"] * obs[days], index) for days in ("dtp", "late")),
    )


def _monthly_cei(items_out, allocs, by, index):
    """(Beg, S, EndTotal, EndCurrent) of the CEI of each month with N = 1 (section 3,
    "compute CEI monthly"), flat in the order of ``index``."""
    months = index.levels[1]
    bounds = [months[0] - pd.Timedelta(days=1), *(months + pd.offsets.MonthEnd(0))]
    parts = monthly_cei_parts(items_out, allocs, bounds, by, index.levels[0])
    return [np.asarray(part, dtype="float64").reshape(-1) for part in parts]


def _changes(frame, by):
    grouped = frame.groupby(level=by)
    out = {}
    for column in SERIES_COLUMNS:
        for suffix, lag in (("mom", MOM_LAG), ("yoy", YOY_LAG)):
            before = grouped[column].shift(lag)
            if column in AMOUNT_COLUMNS:
                out[f"{column}_{suffix}"] = ratio(frame[column], before, positive=True) - 1.0
            else:
                out[f"{column}_{suffix}"] = frame[column] - before
    for column in AMOUNT_COLUMNS:
        window = [grouped[column].shift(lag) for lag in range(1, ROLLING_MONTHS)]
        out[f"{column}_roll{ROLLING_MONTHS}"] = sum(window, frame[column])
    return pd.DataFrame(out, index=frame.index)


def series_columns():
    """Column names of :func:`monthly_series`, in order."""
    changes = [f"{c}_{s}" for c in SERIES_COLUMNS for s in ("mom", "yoy")]
    rolling = [f"{c}_roll{ROLLING_MONTHS}" for c in AMOUNT_COLUMNS]
    return [*SERIES_COLUMNS, *changes, *rolling]


def monthly_series(items_out, allocs, as_of, months=TREND_MONTHS, by="partner_id"):
    """Monthly series of every group over the complete months of :func:`series_months`.

    metrics.md section 6 ("Trend").  ``items_out``: :func:`settle` output at as_of;
    ``allocs``: classified allocations cut at as_of.  Index (``by``, ``month``: month
    start), one row per group of items_out and month.  Columns:

    - ``invoiced``: net sales of the month (out_invoice minus out_refund balances by
      invoice_date, tax included, as section 3);
    - ``collected``: cash allocations (section 0 kind ``cash`` only) on positive
      non-payment items, by pay_date;
    - ``collection_rate``: section 3's due cohort rate of the month measured at its
      end: cash on the out_invoice items due in the month with max_date <= month end,
      over their booked amount minus credit notes with max_date <= month end;
    - ``wadp``, ``wadl``: section 2 over the cash observations paid in the month;
    - ``cei``: section 3 with N = 1: Beg = AR at the previous month end, S =
      ``invoiced``, EndTotal = AR at the month end, EndCurrent = open positive
      residuals not yet due at the month end (:func:`monthly_cei`: NaN when the
      denominator is under 1 % of Beg + S);
    - ``<column>_mom``/``<column>_yoy``: change against 1 and 12 months before,
      relative (``x / before - 1``, NaN when before <= 0) for the amounts, a difference
      for rates and days; ``invoiced_roll3``, ``collected_roll3``: sum of the month and
      the two before (NaN for the first two months).

    Amounts of a month without activity are 0; rates and days are NaN (never 0).
    """
    return series_from_parts(series_parts(items_out, allocs, as_of, months, by))


def series_parts(items_out, allocs, as_of, months=TREND_MONTHS, by="partner_id"):
    """The sums :func:`monthly_series` is made of, per (``by``, ``month``) (columns
    :data:`PART_COLUMNS`): the amounts, the due cohort's cash, credit notes and booked
    amount, the observations' weight and weighted days and the CEI's amounts. Every one is
    a sum over the items: the parts of several sets of items add up to those of their
    union (:func:`combine_series_parts`)."""
    as_of = as_timestamp(as_of)
    month_index = pd.DatetimeIndex(series_months(as_of, months), name="month")
    index = pd.MultiIndex.from_product([group_index(items_out, by), month_index])
    sales = items_out.loc[items_out["move_type"].isin(SALES_MOVE_TYPES)]
    parts = pd.DataFrame(index=index)
    parts["invoiced"] = _table(sales, by, _month(sales["invoice_date"]), sales["balance"], index)
    parts["collected"] = _collected(items_out, allocs, by, index)
    for name, values in zip(COHORT_PARTS, _cohort(items_out, allocs, by, index), strict=True):
        parts[name] = values
    days = _payment_days(items_out, allocs, as_of, by, index)
    for name, values in zip(PAID_PARTS, days, strict=True):
        parts[name] = values
    for name, values in zip(CEI_PARTS, _monthly_cei(items_out, allocs, by, index), strict=True):
        parts[name] = values
    return parts


def combine_series_parts(parts):
    """The parts (:func:`series_parts`) of several sets of items split by group or by
    customer, as those of their union: summed per (group, month). A single set's parts are
    returned as they are (no sum, no float rounding)."""
    parts = list(parts)
    filled = [frame for frame in parts if len(frame)] or parts[:1]
    if len(filled) == 1:
        return filled[0]
    return pd.concat(filled).groupby(level=[0, 1], sort=True).sum()


def series_from_parts(parts):
    """:func:`monthly_series` from its parts (:func:`series_parts`, or
    :func:`combine_series_parts` of several), grouped as they are."""
    by = parts.index.names[0]
    frame = pd.DataFrame(index=parts.index)
    frame["invoiced"] = parts["invoiced"]
    frame["collected"] = parts["collected"]
    frame["collection_rate"] = ratio(
        parts["cohort_cash"], parts["cohort_booked"] - parts["cohort_noted"], positive=True
    )
    for column, days in (("wadp", "paid_days"), ("wadl", "paid_late")):
        frame[column] = ratio(parts[days], parts["paid"])
    beg, sales, end, current = (parts[name].to_numpy(dtype="float64") for name in CEI_PARTS)
    frame["cei"] = cei(beg, sales, 1, end, current)
    return pd.concat([frame, _changes(frame, by)], axis=1)[series_columns()]


def series_matrix(series, column):
    """One column of :func:`monthly_series` as a (groups x months) frame."""
    return series[column].unstack("month")


def ols_slope(values):
    """OLS slope per row of a 2-D array against 0, 1, 2, ... (NaN entries left out).

    ``slope = (n*sum(t*y) - sum(t)*sum(y)) / (n*sum(t^2) - sum(t)^2)``; NaN for rows
    with fewer than 2 values.
    """
    y = np.atleast_2d(np.asarray(values, dtype="float64"))
    present = ~np.isnan(y)
    t = np.where(present, np.arange(y.shape[1], dtype="float64"), 0.0)
    y = np.where(present, y, 0.0)
    n = present.sum(axis=1)
    num = n * (t * y).sum(axis=1) - t.sum(axis=1) * y.sum(axis=1)
    den = n * (t * t).sum(axis=1) - t.sum(axis=1) ** 2
    return ratio(num, den, positive=True)


def trend_slopes(series, columns=SERIES_COLUMNS, months=TREND_SLOPE_MONTHS):
    """OLS slope per month of each figure over the last ``months`` months, per group.

    ``series``: :func:`monthly_series` output.  Columns ``<column>_slope`` (amount or
    rate per month); NaN with fewer than 2 defined months.
    """
    out = {}
    for column in columns:
        matrix = series_matrix(series, column).iloc[:, -months:]
        out[f"{column}_slope"] = pd.Series(ols_slope(matrix.to_numpy()), index=matrix.index)
    return pd.DataFrame(out)
