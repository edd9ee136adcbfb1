"""Contribution, ABC tiers, RFM and the value x risk matrix (metrics.md section 5).

Input ``sales``: one row per invoice line of the posted out_invoice/out_refund moves
of one company, columns ``partner_id`` (int), ``move_id`` (int), ``move_type`` (str),
``invoice_date`` (datetime64), ``revenue`` (untaxed, company currency, signed: +
invoice, - credit note), ``cost`` (company currency, signed like revenue, NaN when
unknown) and ``cost_source`` ('cogs', 'sale_order', 'standard' = current product
cost, approximate, or 'none').  A line's cost is known when ``cost`` is not NaN and
``cost_source`` is not 'none'.

Every function returns one row per customer with a sales line dated <= as_of (all
history), so :func:`contribution` and :func:`rfm` share their index; customers
without a line in the window have revenue 0.
"""

import math

import numpy as np
import pandas as pd

from ._util import as_timestamp, day_diff, group_index, group_sum, ratio, window_start
from .constants import (
    ACTION_MATRIX,
    CONCENTRATION_TOP_FRACTION,
    CONCENTRATION_TOP_N,
    COST_NONE,
    COST_STANDARD,
    DEFAULT_TIER_CUTOFFS,
    DEFAULT_WINDOW_DAYS,
    MOVE_INVOICE,
    RFM_BINS,
    SALES_MOVE_TYPES,
    SHARE_TOLERANCE,
    TIER_CORE,
    TIER_GENERAL,
    TIER_IMPORTANT,
)

#: Grade key of unrated customers in the action lookup table.
_UNRATED = ""


def contribution_columns():
    """Column names of :func:`contribution`, in order."""
    return [
        "revenue",
        "revenue_share",
        "cost",
        "margin",
        "margin_approximate",
        "margin_share",
        "cum_share_before",
        "tier",
        "rank",
    ]


def _check_tier_cutoffs(cutoffs):
    try:
        core, important = (float(c) for c in cutoffs)
    except (TypeError, ValueError):
        raise ValueError("Customer tiers: give exactly 2 cut-offs (core, important).") from None
    if not (0 < core < important <= 1):
        raise ValueError(
            "Customer tiers: cut-offs must satisfy 0 < core cut-off < important cut-off <= 1."
        )
    return core, important


def _history(sales, as_of):
    return sales.loc[sales["move_type"].isin(SALES_MOVE_TYPES) & (sales["invoice_date"] <= as_of)]


def _window(history, as_of, window_days):
    return history.loc[history["invoice_date"] > window_start(as_of, window_days)]


def _revenue_order(revenue):
    """Positions of ``revenue`` (indexed by partner) sorted by revenue descending,
    ties by partner id ascending."""
    return np.lexsort((revenue.index.to_numpy(), -revenue.to_numpy()))


def sales_summary(sales, as_of, *, window_days=DEFAULT_WINDOW_DAYS, by="partner_id"):
    """What ranks a customer among the others (section 5), one row per customer with a
    sales line dated <= as_of (all history), ascending:

    - ``revenue``: R of the window (invoices - credit notes);
    - ``cost``: the window lines' cost, NaN when any of them is unknown;
    - ``margin_approximate``: some window line's cost came from 'standard';
    - ``last_invoice``: the last out_invoice invoice_date (NaT for credit notes only);
    - ``frequency``: distinct out_invoice moves of the window.

    :func:`contribution_ranks` and :func:`rfm_ranks` rank customers from it, so that a
    refresh of some customers can rank them among the others' summaries as stored."""
    as_of = as_timestamp(as_of)
    history = _history(sales, as_of)
    index = group_index(history, by)
    lines = _window(history, as_of, window_days)
    known = lines["cost"].notna() & (lines["cost_source"] != COST_NONE)
    unknown = group_sum(lines, by, (~known).astype("float64"), index)
    approximate = known & (lines["cost_source"] == COST_STANDARD)
    invoices = history.loc[history["move_type"] == MOVE_INVOICE]
    recent = _window(invoices, as_of, window_days)
    out = pd.DataFrame(index=index)
    out["revenue"] = group_sum(lines, by, lines["revenue"], index)
    cost = group_sum(lines, by, lines["cost"].where(known, 0.0), index)
    out["cost"] = cost.where(unknown == 0)
    out["margin_approximate"] = group_sum(lines, by, approximate.astype("float64"), index) > 0
    out["last_invoice"] = invoices.groupby(by)["invoice_date"].max().reindex(index)
    out["frequency"] = recent.groupby(by)["move_id"].nunique().reindex(index, fill_value=0)
    return out


def contribution(
    sales,
    as_of,
    *,
    window_days=DEFAULT_WINDOW_DAYS,
    cutoffs=DEFAULT_TIER_CUTOFFS,
    by="partner_id",
):
    """Revenue, margin and ABC tier per customer (section 5).

    Window lines: invoice_date in (as_of - window_days, as_of].  Columns
    (:func:`contribution_columns`):

    - ``revenue`` R_i: sum of the window's line revenues (invoices - credit notes);
    - ``revenue_share = R_i / sum(R > 0)``, for every customer (<= 0 when R <= 0), NaN
      when that sum is <= 0;
    - ``cost``: sum of the window's line costs, NaN when any line's cost is unknown;
    - ``margin = revenue - cost``: NaN (never 0) when any window line's cost is
      unknown; 0 for a customer without window lines;
    - ``margin_approximate``: some window line's cost came from 'standard';
    - ``margin_share = margin / sum(known margins)``, NaN where the margin is unknown
      or when that sum is <= 0;
    - ``cum_share_before``: sum of the positive revenue shares of the customers ranked
      before it (R descending, ties by partner id ascending); 1 for R <= 0;
    - ``tier``: 'core' if cum_share_before < cutoffs[0], 'important' if < cutoffs[1],
      else 'general'; R <= 0 (or no positive revenue at all) -> 'general';
      SHARE_TOLERANCE absorbs float noise at the cut-offs;
    - ``rank``: 1 = largest revenue, in the same order.

    Index: customers (``by``) with a line dated <= as_of, ascending.
    """
    summary = sales_summary(sales, as_of, window_days=window_days, by=by)
    return contribution_ranks(summary, cutoffs=cutoffs)


def contribution_ranks(summary, *, cutoffs=DEFAULT_TIER_CUTOFFS):
    """:func:`contribution` from a :func:`sales_summary` (columns revenue, cost,
    margin_approximate), every customer of it ranked among the others."""
    core, important = _check_tier_cutoffs(cutoffs)
    index = summary.index
    out = pd.DataFrame(index=index)
    out["revenue"] = summary["revenue"].astype("float64")
    positive = out["revenue"] > 0
    total = out["revenue"].where(positive, 0.0).sum()
    out["revenue_share"] = ratio(out["revenue"], total, positive=True)
    out["cost"] = summary["cost"].astype("float64")
    out["margin"] = out["revenue"] - out["cost"]
    out["margin_approximate"] = summary["margin_approximate"].astype(bool)
    out["margin_share"] = ratio(out["margin"], out["margin"].sum(), positive=True)

    order = _revenue_order(out["revenue"])
    ranked = out["revenue"].iloc[order].clip(lower=0.0)
    before = ranked.cumsum().shift(fill_value=0.0)
    out["cum_share_before"] = ratio(before, total, positive=True).reindex(index)
    cum = out["cum_share_before"].to_numpy()
    tier = np.select(
        [~positive.to_numpy(), cum < core - SHARE_TOLERANCE, cum < important - SHARE_TOLERANCE],
        [TIER_GENERAL, TIER_CORE, TIER_IMPORTANT],
        default=TIER_GENERAL,
    )
    out["tier"] = pd.Series(tier, index=index, dtype=object)
    out["rank"] = pd.Series(np.arange(1, len(index) + 1), index=ranked.index).reindex(index)
    return out


def margin_coverage(result):
    """Share of revenue with a known margin (section 5), from :func:`contribution`.

    ``sum(R of customers with R > 0 and known margin) / sum(R > 0)``: revenue with
    known cost counted per customer (a customer's margin is known only when every
    window line has a cost).  NaN when there is no positive revenue.
    """
    revenue = result["revenue"].where(result["revenue"] > 0, 0.0)
    return float(
        ratio(revenue.where(result["margin"].notna(), 0.0).sum(), revenue.sum(), positive=True)
    )


def concentration(result, *, top_n=CONCENTRATION_TOP_N, top_fraction=CONCENTRATION_TOP_FRACTION):
    """Revenue concentration (section 5) from :func:`contribution`.

    Over the customers with R > 0 only, sorted by revenue descending: returns a dict
    with ``customers`` (their count), ``top_n`` and ``top_n_share`` (revenue share of
    the ``top_n`` largest), ``top_fraction_customers`` = ceil(top_fraction x count)
    and ``top_fraction_share`` (their revenue share).  Shares are NaN when no customer
    has positive revenue.
    """
    revenue = result.loc[result["revenue"] > 0, "revenue"]
    ordered = revenue.iloc[_revenue_order(revenue)].to_numpy()
    count = len(ordered)
    top_count = math.ceil(top_fraction * count - SHARE_TOLERANCE)
    total = ordered.sum()
    return {
        "customers": count,
        "top_n": top_n,
        "top_n_share": float(ratio(ordered[:top_n].sum(), total, positive=True)),
        "top_fraction_customers": top_count,
        "top_fraction_share": float(ratio(ordered[:top_count].sum(), total, positive=True)),
    }


def _quintiles(values, *, ascending=True):
    """RFM score 1..RFM_BINS: ``ceil(RFM_BINS * rank / n)`` with ``rank`` the
    average rank (1 = worst; ``ascending`` False ranks the largest value 1) and ``n``
    the count of non-NaN values; NaN stays NaN."""
    rank = values.rank(method="average", ascending=ascending)
    return np.ceil(rank * RFM_BINS / values.count())


def rfm(sales, as_of, *, window_days=DEFAULT_WINDOW_DAYS, by="partner_id"):
    """Recency, frequency, monetary and their quintile scores (section 5).

    - ``recency``: days as_of - last out_invoice invoice_date over all history up to
      as_of (NaN for a customer with credit notes only);
    - ``frequency``: distinct out_invoice moves with invoice_date in the window
      (as_of - window_days, as_of];
    - ``monetary``: R of the window (:func:`contribution` ``revenue``);
    - ``r_score``, ``f_score``, ``m_score`` (float 1..5): with n the number of
      customers with a value and ``rank`` pandas ``rank(method='average')`` (ties get
      their average rank) ascending for frequency and monetary and descending for
      recency (the most recent customer ranks n, so scores 5),
      ``score = ceil(5 * rank / n)``, i.e. ``ceil(pct * 5)`` with
      ``pct = rank(pct=True)``, computed as ``5 * rank / n`` to avoid float noise.

    Index as :func:`contribution`.
    """
    summary = sales_summary(sales, as_of, window_days=window_days, by=by)
    return rfm_ranks(summary, as_of)


def rfm_ranks(summary, as_of):
    """:func:`rfm` from a :func:`sales_summary` (columns revenue, last_invoice,
    frequency), every customer of it ranked among the others."""
    out = pd.DataFrame(index=summary.index)
    out["recency"] = day_diff(as_timestamp(as_of), summary["last_invoice"])
    out["frequency"] = summary["frequency"].astype("int64")
    out["monetary"] = summary["revenue"].astype("float64")
    out["r_score"] = _quintiles(out["recency"], ascending=False)
    out["f_score"] = _quintiles(out["frequency"].astype("float64"))
    out["m_score"] = _quintiles(out["monetary"])
    return out


def action_label(tier, grade):
    """Value x risk action (section 5) of one customer: ``(code, English label)``.

    ``tier`` in 'core'/'important'/'general'; ``grade`` 'A'..'D' or None/NaN when
    unrated.  Raises ValueError for an unknown tier or grade.  Cells: ACTION_MATRIX.
    """
    key = (tier, grade if isinstance(grade, str) else None)
    if key not in ACTION_MATRIX:
        raise ValueError(f"no action for tier {tier!r} and grade {grade!r}")
    return ACTION_MATRIX[key]


def action_labels(tiers, grades, *, labels=False):
    """Vectorised :func:`action_label`: a Series of action codes (English labels
    if ``labels``) aligned with ``tiers``; grades None/NaN are unrated; an unknown
    tier or grade gives None."""
    tiers = pd.Series(tiers, dtype=object)
    grades = pd.Series(np.asarray(grades, dtype=object), index=tiers.index)
    table = pd.Series(
        {
            (tier, _UNRATED if grade is None else grade): value[1 if labels else 0]
            for (tier, grade), value in ACTION_MATRIX.items()
        }
    )
    keys = pd.MultiIndex.from_arrays(
        [tiers.to_numpy(), grades.where(grades.notna(), _UNRATED).to_numpy()]
    )
    values = table.reindex(keys).to_numpy(dtype=object)
    values[pd.isna(values)] = None
    return pd.Series(values, index=tiers.index, dtype=object, name="action")
