"""Expected payment date of open items and expected cash (metrics.md section 6).

The delay of an open item is drawn from a pool of past cash observations (section 2,
``late`` = pay_date - due, weight ``a``) of the last 24 months: the customer's own
when it holds at least 5 usable observations, else the customer's tier, else the
company, else none (the item is then expected on its due date and its amount is
*uncertain*).  An item already overdue by g days only uses delays > g.

Expected date = due + the pool's amount-weighted (lower) median delay.  Expected
cash of a period = sum of residual x probability, the probability that the item is
paid in the period being the weight share of its pool's delays that land there.

Pools are sorted once; every per-item figure is a ``searchsorted`` on the pool's
cumulated weights, so no loop runs over items or customers. The rows a pool is made of
(:func:`pool_inputs`: open items and observations) are small: a run in batches of
customers keeps those of each batch and gathers them (:func:`combine_pool_inputs`).

:func:`payment_date_errors` backtests the expected dates against the actual payment dates
and two naive dates (docs/metrics.md, "Expected payment dates against naive dates").
"""

import datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._util import as_timestamp, concat_parts, group_index, ratio
from .behaviour import observations, weighted_days
from .constants import ZERO_TOLERANCE

#: Observations of the last this many months form the pools.
EXPECTED_HISTORY_MONTHS = 24
#: A pool is usable from this many observations (after the overdue filter).
EXPECTED_MIN_OBS = 5
#: Expected cash horizons: weeks and calendar months after as_of.
CASH_WEEKS = 13
CASH_MONTHS = 6
FREQ_WEEK = "week"
FREQ_MONTH = "month"
SOURCE_CUSTOMER = "customer"
SOURCE_TIER = "tier"
SOURCE_COMPANY = "company"
#: No usable pool: expected on the due date, amount uncertain.
SOURCE_DUE = "due_date"
#: Kinds of the rows of :func:`cash_rows`: expected in a period, after the last period, or
#: uncertain (no usable pool).
CASH_PERIOD = "period"
CASH_LATER = "later"
CASH_UNCERTAIN = "uncertain"
#: Default labels of those rows ("%(date)s": the day after the last period).
CASH_LABELS = {CASH_LATER: "From %(date)s on", CASH_UNCERTAIN: "Uncertain: no payment history"}


#: Columns of the open items and of the observations of :class:`PoolInputs`.
OPEN_COLUMNS = ["item_id", "move_id", "partner_id", "company_id", "residual", "due", "dpd"]
OBSERVATION_COLUMNS = ["partial_id", "item_id", "partner_id", "company_id", "late", "a"]


class PoolInputs(NamedTuple):
    """What the expected payments of a set of items draw on (:func:`pool_inputs`): its open
    positive items (:data:`OPEN_COLUMNS`) and the cash observations of its pools' history
    (:data:`OBSERVATION_COLUMNS`), each in the order of the frames it was read from."""

    open_items: pd.DataFrame
    observations: pd.DataFrame


class CashProjection(NamedTuple):
    """Expected cash per group: ``periods`` (one column per period start), ``later``
    (expected after the last period) and ``uncertain`` (items without usable
    history); per group they add up to the open positive residual."""

    periods: pd.DataFrame
    later: pd.Series
    uncertain: pd.Series


class _Pool:
    """Delays of one pool level, sorted by (key, late), with cumulated weights.

    A query (key code, days) finds the first observation of the key with
    ``late > days`` by a single searchsorted on ``code * span + (late - low)``.
    """

    def __init__(self, keys, late, weight):
        self.keys = pd.Index(pd.unique(keys))
        code = self.keys.get_indexer(keys)
        order = np.lexsort((late, code))
        self.late = late[order]
        self.low = self.late.min() if len(late) else 0.0
        self.span = (self.late.max() - self.low + 1) if len(late) else 1.0
        self.sort_key = code[order] * self.span + (self.late - self.low)
        self.cum = np.concatenate([[0.0], np.cumsum(weight[order])])

    def codes(self, keys):
        return self.keys.get_indexer(keys)

    def after(self, code, days):
        """Index of the first observation of ``code`` with late > ``days``."""
        offset = np.clip(np.asarray(days, dtype="float64") - self.low, -1.0, self.span - 1)
        return np.searchsorted(self.sort_key, code * self.span + offset, side="right")

    def window(self, code, threshold):
        """(first, end) indices of the observations of ``code`` with late > threshold."""
        return self.after(code, threshold), self.after(code, np.inf)

    def median(self, first, end):
        """Lower weighted median delay of observations [first, end) (NaN when empty)."""
        if not len(self.late):
            return np.full(len(first), np.nan)
        target = (self.cum[end] + self.cum[first]) / 2 - ZERO_TOLERANCE
        position = np.searchsorted(self.cum, target, side="left") - 1
        position = np.clip(position, first, np.maximum(end - 1, first))
        position = np.minimum(position, len(self.late) - 1)
        return np.where(end > first, self.late[position], np.nan)

    def share(self, code, first, end, days):
        """Weight share of observations [first, end) of ``code`` with late <= days."""
        upto = np.maximum(self.after(code, days), first)
        return ratio(self.cum[upto] - self.cum[first], self.cum[end] - self.cum[first])


def _history(items_out, allocs, as_of, months, columns=()):
    start = as_timestamp(as_of - pd.DateOffset(months=months))
    obs = observations(items_out, allocs, as_of, (as_of - start).days, columns=columns)
    return obs.loc[obs["a"] > 0]


def pool_inputs(items_out, allocs, as_of, months=EXPECTED_HISTORY_MONTHS):
    """The :class:`PoolInputs` of ``items_out`` (:func:`settle` output at as_of; ``allocs``:
    classified allocations cut at as_of): its open items (residual >= 0.005) and its cash
    observations (section 2) with pay_date in the last ``months`` months and a > 0."""
    as_of = as_timestamp(as_of)
    obs = _history(items_out, allocs, as_of, months, ["partial_id"])
    open_items = items_out.loc[items_out["residual"] >= ZERO_TOLERANCE, OPEN_COLUMNS]
    # the rows' labels are never read: a range index takes no memory
    return PoolInputs(
        open_items.reset_index(drop=True), obs[OBSERVATION_COLUMNS].reset_index(drop=True)
    )


def combine_pool_inputs(parts):
    """The :class:`PoolInputs` of several sets of items split by customer as those of their
    union: open items by item_id, observations by partial_id then item_id, the order of the
    frames of engine_contract.md. The pools' cumulated weights, and so the figures drawn
    from them, are then those of the union read in that order. A single set's inputs are
    returned as they are."""
    parts = list(parts)
    return PoolInputs(
        concat_parts([part.open_items for part in parts], ["item_id"]),
        concat_parts([part.observations for part in parts], ["partial_id", "item_id"]),
    )


def _levels(open_items, obs, tiers):
    """(source, observation keys, item keys) per pool level, most specific first."""
    levels = [(SOURCE_CUSTOMER, obs["partner_id"], open_items["partner_id"])]
    if tiers is not None:
        levels.append(
            (SOURCE_TIER, obs["partner_id"].map(tiers), open_items["partner_id"].map(tiers))
        )
    levels.append((SOURCE_COMPANY, obs["company_id"], open_items["company_id"]))
    return levels


def _assign(pools, tiers, min_obs):
    """The pool level chosen per open item of ``pools`` (-1: none) and, per level,
    ``(source, pool, key codes, first, end)`` with [first, end) the item's usable
    observations (late > dpd when overdue, all when not yet due)."""
    open_items, obs = pools
    threshold = open_items["dpd"].where(open_items["dpd"] > 0, -np.inf).to_numpy()
    late = obs["late"].to_numpy(dtype="float64")
    weight = obs["a"].to_numpy(dtype="float64")
    chosen = np.full(len(open_items), -1)
    found = []
    for level, (source, obs_keys, item_keys) in enumerate(_levels(open_items, obs, tiers)):
        known = obs_keys.notna().to_numpy()
        pool = _Pool(obs_keys.to_numpy()[known], late[known], weight[known])
        code = pool.codes(item_keys.to_numpy())
        first, end = pool.window(code, threshold)
        usable = (chosen < 0) & (code >= 0) & (end - first >= min_obs)
        chosen[usable] = level
        found.append((source, pool, code, first, end))
    return chosen, found


def expected_payments(
    items_out,
    allocs,
    as_of,
    *,
    tiers=None,
    months=EXPECTED_HISTORY_MONTHS,
    min_obs=EXPECTED_MIN_OBS,
):
    """Expected payment date of each open positive item (section 6).

    ``items_out``: :func:`settle` output at as_of; ``allocs``: classified allocations
    cut at as_of; ``tiers``: optional Series partner_id -> tier (e.g. the ``tier`` of
    :func:`contribution`).  Pool: cash observations (section 2) with pay_date in the
    last ``months`` months, customer, then tier, then company, the first holding at
    least ``min_obs`` observations with late > g for an item overdue by g days (all
    delays for items not yet due).  One row per open item (residual >= 0.005), indexed
    by item_id: ``partner_id``, ``company_id``, ``residual``, ``due``, ``dpd``,
    ``source`` (customer, tier, company or due_date), ``n_obs`` (observations used),
    ``delay`` (lower amount-weighted median of late, NaN for due_date) and
    ``expected_date`` (due + delay; the due date when there is no usable pool).
    """
    return payments_from(
        pool_inputs(items_out, allocs, as_of, months), tiers=tiers, min_obs=min_obs
    )


def payments_from(pools, *, tiers=None, min_obs=EXPECTED_MIN_OBS):
    """:func:`expected_payments` of the open items of ``pools`` (:class:`PoolInputs`)."""
    open_items = pools.open_items
    chosen, found = _assign(pools, tiers, min_obs)
    source = np.full(len(open_items), SOURCE_DUE, dtype=object)
    n_obs = np.zeros(len(open_items), dtype="int64")
    delay = np.full(len(open_items), np.nan)
    for level, (name, pool, _code, first, end) in enumerate(found):
        rows = chosen == level
        source[rows] = name
        n_obs[rows] = (end - first)[rows]
        delay[rows] = pool.median(first, end)[rows]
    out = open_items.set_index("item_id")[["partner_id", "company_id", "residual", "due", "dpd"]]
    out["source"] = source
    out["n_obs"] = n_obs
    out["delay"] = delay
    out["expected_date"] = out["due"] + pd.to_timedelta(np.nan_to_num(delay), unit="D")
    return out


def cash_periods(as_of, freq=FREQ_WEEK, count=None):
    """(start, end) of the expected cash periods after as_of, both inclusive.

    Weeks: ``count`` (default 13) blocks of 7 days starting the day after as_of.
    Months: ``count`` (default 6) calendar months, the first from the day after as_of
    to the end of that day's month.
    """
    defaults = {FREQ_WEEK: CASH_WEEKS, FREQ_MONTH: CASH_MONTHS}
    if freq not in defaults:
        raise ValueError(f"expected cash: freq must be {FREQ_WEEK!r} or {FREQ_MONTH!r}")
    count = defaults[freq] if count is None else count
    if int(count) != count or count < 1:
        raise ValueError("expected cash: the number of periods must be a positive integer")
    first = as_timestamp(as_of) + pd.Timedelta(days=1)
    if freq == FREQ_WEEK:
        starts = pd.date_range(first, periods=int(count), freq="7D")
        ends = starts + pd.Timedelta(days=6)
    else:
        months = pd.period_range(first.to_period("M"), periods=int(count), freq="M")
        starts = months.to_timestamp().where(months != first.to_period("M"), first)
        ends = months.to_timestamp(how="end").normalize()
    return pd.DataFrame({"start": starts, "end": ends})


def expected_cash(
    items_out,
    allocs,
    as_of,
    *,
    freq=FREQ_WEEK,
    count=None,
    by="partner_id",
    tiers=None,
    months=EXPECTED_HISTORY_MONTHS,
    min_obs=EXPECTED_MIN_OBS,
):
    """Expected cash per group and period (section 6): sum of residual x probability.

    Items and pools as :func:`expected_payments`.  For an item with a usable pool, the
    probability of period k is the weight share of the pool's delays d (late > g when
    overdue) with ``due + d`` in the period; delays landing on or before as_of count
    in the first period, delays after the last period in ``later``.  Items without a
    usable pool go to ``uncertain`` whole.  Periods: :func:`cash_periods`.  Returns a
    :class:`CashProjection` indexed by the groups of items_out.
    """
    pools = pool_inputs(items_out, allocs, as_of, months)
    index = group_index(items_out, by)
    return cash_from(
        pools, as_of, index, freq=freq, count=count, by=by, tiers=tiers, min_obs=min_obs
    )


def cash_from(
    pools,
    as_of,
    index,
    *,
    freq=FREQ_WEEK,
    count=None,
    by="partner_id",
    tiers=None,
    min_obs=EXPECTED_MIN_OBS,
):
    """:func:`expected_cash` of the open items of ``pools`` (:class:`PoolInputs`), on the
    groups ``index``."""
    periods = cash_periods(as_of, freq, count)
    open_items = pools.open_items
    chosen, found = _assign(pools, tiers, min_obs)
    due = open_items["due"].to_numpy()
    offsets = (periods["end"].to_numpy()[None, :] - due[:, None]) / np.timedelta64(1, "D")
    share = np.zeros((len(open_items), len(periods)))
    for level, (_name, pool, code, first, end) in enumerate(found):
        rows = chosen == level
        share[rows] = pool.share(
            code[rows, None], first[rows, None], end[rows, None], offsets[rows]
        )
    residual = open_items["residual"].to_numpy()
    amounts = residual[:, None] * np.diff(share, axis=1, prepend=0.0)
    with_pool = chosen >= 0
    keys = open_items[by].to_numpy()
    table = pd.DataFrame(amounts, columns=pd.DatetimeIndex(periods["start"], name="start"))
    return CashProjection(
        table.groupby(keys).sum().reindex(index, fill_value=0.0),
        _per_group(np.where(with_pool, residual * (1 - share[:, -1]), 0.0), keys, index),
        _per_group(np.where(with_pool, 0.0, residual), keys, index),
    )


def _per_group(values, keys, index):
    return pd.Series(values).groupby(keys).sum().reindex(index, fill_value=0.0)


def expected_dates(items_out, allocs, as_of, tiers=None):
    """Expected payment date and its source of every open invoice (its last open item's),
    indexed by move_id."""
    return dates_from(pool_inputs(items_out, allocs, as_of), tiers)


def dates_from(pools, tiers=None):
    """:func:`expected_dates` of the open items of ``pools`` (:class:`PoolInputs`)."""
    payments = payments_from(pools, tiers=tiers)
    moves = pools.open_items["move_id"].to_numpy()
    payments = payments.assign(move_id=moves).sort_values("expected_date")
    last = payments.groupby("move_id").tail(1).set_index("move_id")
    return last[["expected_date", "source"]]


def _cash_parts(pools, as_of, index, tiers, labels, frequency):
    """(frequency, kind, sequence, label, start, end, amounts by customer) of one frequency:
    its periods, then the amounts expected later and the uncertain ones."""
    periods = cash_periods(as_of, frequency)
    cash = cash_from(pools, as_of, index, freq=frequency, tiers=tiers)
    rows = []
    for sequence, period in enumerate(periods.itertuples()):
        start, end = period.start.date(), period.end.date()
        label = f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
        rows.append(
            (frequency, CASH_PERIOD, sequence, label, start, end, cash.periods[period.start])
        )
    after = periods["end"].iloc[-1].date() + datetime.timedelta(days=1)
    later = labels[CASH_LATER] % {"date": f"{after:%Y-%m-%d}"}
    rows.append((frequency, CASH_LATER, len(periods), later, after, None, cash.later))
    rows.append(
        (
            frequency,
            CASH_UNCERTAIN,
            len(periods) + 1,
            labels[CASH_UNCERTAIN],
            None,
            None,
            cash.uncertain,
        )
    )
    return rows


def cash_rows(items_out, allocs, as_of, tiers=None, labels=None):
    """The expected cash by week and by month per customer (``partner``, NaN for the items
    without one): one row per customer and period with an amount, then the amounts
    expected after the last period and the uncertain ones, each kind labelled
    (``labels``: as :data:`CASH_LABELS`)."""
    pools = pool_inputs(items_out, allocs, as_of)
    return cash_rows_from(pools, as_of, group_index(items_out, "partner_id"), tiers, labels)


def cash_rows_from(pools, as_of, partners, tiers=None, labels=None):
    """:func:`cash_rows` of the open items of ``pools`` (:class:`PoolInputs`); ``partners``:
    the customers of the items (sorted)."""
    labels = labels or CASH_LABELS
    rows = []
    for frequency in (FREQ_WEEK, FREQ_MONTH):
        rows += _cash_parts(pools, as_of, partners, tiers, labels, frequency)
    parts = []
    for frequency, kind, sequence, label, start, end, amounts in rows:
        amounts = amounts[amounts.abs() >= 0.005]
        parts.append(
            pd.DataFrame(
                {
                    "partner": amounts.index,
                    "amount": amounts.to_numpy(),
                    "frequency": frequency,
                    "kind": kind,
                    "sequence": sequence,
                    "period": label,
                    "date_start": pd.Timestamp(start) if start else pd.NaT,
                    "date_end": pd.Timestamp(end) if end else pd.NaT,
                }
            )
        )
    cash = pd.concat(parts, ignore_index=True)
    cash["partner"] = cash["partner"].where(cash["partner"] != 0)
    return cash


#: methods of :func:`payment_date_errors`: expected date, due date, due + mean days late
DATE_METHODS = ("expected", "due", "mean_late")


def payment_date_errors(
    items_then,
    allocs_then,
    then,
    items_later,
    *,
    tiers=None,
    months=EXPECTED_HISTORY_MONTHS,
    min_obs=EXPECTED_MIN_OBS,
):
    """Errors of the expected payment dates computed at ``then``, against the actual
    payment dates, next to two naive dates (docs/metrics.md, "Expected payment dates
    against naive dates").

    ``items_then``/``allocs_then``: :func:`settle` output and classified allocations cut at
    ``then``; ``items_later``: :func:`settle` output at a later date.  Items: those of
    :func:`expected_payments` at ``then`` (open positive items) that are fully settled in
    ``items_later`` with some cash; their actual payment date is the last cash date.  One
    row per item, indexed by item_id: ``partner_id``, ``due``, ``actual``, the dates of
    each method (``expected_date``; ``due``; ``mean_late_date`` = due + the customer's
    amount-weighted mean of ``late`` over the pool's months of cash observations, rounded
    to whole days, the due date without any observation) and their absolute errors in days
    ``expected_error``, ``due_error``, ``mean_late_error``.
    """
    then = as_timestamp(then)
    out = expected_payments(
        items_then, allocs_then, then, tiers=tiers, months=months, min_obs=min_obs
    )
    later = items_later.set_index("item_id")
    paid = later["fully_settled"] & later["last_cash_date"].notna()
    out = out.join(later.loc[paid, "last_cash_date"].rename("actual"), how="inner")
    obs = _history(items_then, allocs_then, then, months)
    mean_late = weighted_days(obs, obs["late"], group_index(items_then, "partner_id"))
    shift = np.floor(mean_late.reindex(out["partner_id"]).fillna(0.0).to_numpy() + 0.5)
    out["mean_late_date"] = out["due"] + pd.to_timedelta(shift, unit="D")
    for method, column in zip(
        DATE_METHODS, ("expected_date", "due", "mean_late_date"), strict=True
    ):
        out[f"{method}_error"] = (out[column] - out["actual"]).abs().dt.days.astype("float64")
    return out[
        [
            "partner_id",
            "due",
            "actual",
            "expected_date",
            "mean_late_date",
            *(f"{method}_error" for method in DATE_METHODS),
        ]
    ]


def payment_date_mae(errors):
    """Summary of :func:`payment_date_errors`: ``items`` and, per method of
    :data:`DATE_METHODS`, ``<method>_mae``, the mean absolute error in days (NaN without
    any item)."""
    summary = {"items": len(errors)}
    for method in DATE_METHODS:
        column = errors[f"{method}_error"]
        summary[f"{method}_mae"] = float(column.mean()) if len(column) else float("nan")
    return summary
