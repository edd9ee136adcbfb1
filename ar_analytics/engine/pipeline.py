"""The refresh as one call: every figure of one company at an as-of date, from the frames the
storage layer extracted (items, allocations, sales lines) and the company's settings.

:func:`refresh` owns every join between the engine's parts (behaviour, aging, scores, trend,
contribution, RFM, action labels) and the company figures derived from them; the caller only
reads frames and writes the result.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import expected
from .constants import (
    BASIS_DUE,
    COST_COGS,
    COST_NONE,
    COST_SALE_ORDER,
    COST_STANDARD,
    DEFAULT_MIN_OBS,
    DEFAULT_RECENT_DAYS,
    DEFAULT_WINDOW_DAYS,
    TIER_GENERAL,
)
from .contribution import (
    action_labels,
    concentration,
    contribution,
    contribution_ranks,
    margin_coverage,
    rfm,
    rfm_ranks,
    sales_summary,
)
from .figures import compute_all, partner_figures
from .score import credit_scores
from .settlement import prepare_frames, settle, settle_prepared
from .totals import combine_parts, total_parts, totals_from_parts

SALES_COLUMNS = [
    "partner_id",
    "move_id",
    "move_type",
    "invoice_date",
    "revenue",
    "cost",
    "cost_source",
]


@dataclass
class Settings:
    """A company's settings of the refresh; the defaults are the engine's."""

    buckets: list = None
    basis: str = BASIS_DUE
    window_days: int = DEFAULT_WINDOW_DAYS
    min_obs: int = DEFAULT_MIN_OBS
    recent_days: int = DEFAULT_RECENT_DAYS
    score: dict = field(default_factory=dict)  # credit_scores' keyword arguments
    tier_cutoffs: tuple = None

    def settle(self):
        """The settlement's keyword arguments (buckets and aging basis)."""
        return {"buckets": self.buckets, "basis": self.basis}


def sales_costs(lines, standard_prices):
    """The sales lines with their cost and its source (metrics.md section 0): the invoice's
    COGS lines shared by quantity, else the sale order line's cost, else the product's
    current cost (``standard_prices``, by product id), else unknown."""
    sales = lines.copy()
    for column in ("revenue", "quantity", "cogs", "so_unit_cost"):
        sales[column] = sales[column].astype("float64")
    if sales["cogs"].notna().any():
        # the COGS of a move's product shared by its lines in proportion to quantity
        quantity = sales.groupby(["move_id", "product_id"])["quantity"].transform("sum")
        sales["cogs"] = sales["cogs"] * sales["quantity"] / quantity.where(quantity != 0)
    standard_cost = sales["product_id"].map(standard_prices) * sales["quantity"]
    so_cost = sales["so_unit_cost"] * sales["quantity"]
    sales["cost_source"] = np.select(
        [sales["cogs"].notna(), so_cost.notna(), standard_cost.notna()],
        [COST_COGS, COST_SALE_ORDER, COST_STANDARD],
        default=COST_NONE,
    )
    sales["cost"] = sales["cogs"].fillna(so_cost).fillna(standard_cost)
    return sales[SALES_COLUMNS]


def ranks(sales, as_of, settings):
    """(contribution, rfm) of every customer: what ranks a customer among the company's
    others (its tier and revenue rank, its RFM quintiles), from the costed sales."""
    window = settings.window_days
    return (
        contribution(sales, as_of, window_days=window, cutoffs=settings.tier_cutoffs),
        rfm(sales, as_of, window_days=window),
    )


def _ranks_of(sales, as_of, settings, others):
    summary = sales_summary(sales, as_of, window_days=settings.window_days)
    if others is not None:
        # some customers: ranked among the others as their last refresh stored them
        summary = pd.concat([summary, others]).sort_index()
    return contribution_ranks(summary, cutoffs=settings.tier_cutoffs), rfm_ranks(summary, as_of)


def company_figures(contributions):
    """The company figures read off every customer's contribution: revenue concentration
    and the share of revenue whose margin is known."""
    shares = concentration(contributions)
    return {
        "top_customers_share": shares["top_n_share"],
        "top_fifth_share": shares["top_fraction_share"],
        "margin_coverage": margin_coverage(contributions),
    }


def _compute(items, allocs, as_of, settings, totals):
    return compute_all(
        items,
        allocs,
        as_of,
        totals=totals,
        recent_days=settings.recent_days,
        buckets=settings.buckets,
        basis=settings.basis,
        window_days=settings.window_days,
        min_obs=settings.min_obs,
    )


def _scored(bundle, settings):
    """Per customer (and the no-customer key 0): behaviour, aging, scores and trend."""
    scores = credit_scores(bundle["figures"], bundle["trend"], **settings.score)
    return bundle["figures"].join(scores).join(bundle["trend"])


def _ranked(figures, contributions, rfm_scores):
    """The scored figures with their ranks and action labels, without the key 0."""
    figures = figures.join(contributions).join(rfm_scores)
    figures["tier"] = figures["tier"].fillna(TIER_GENERAL)
    figures["action"] = action_labels(figures["tier"], figures["grade"]).to_numpy()
    return figures[figures.index != 0]


def refresh(items, allocs, as_of, settings, sales=None, given_ranks=None, others=None, totals=True):
    """Every figure of one company at ``as_of``.

    ``sales``: the costed sales lines (:func:`sales_costs`), or a function returning them,
    called once the behaviour figures are computed (the database reads them meanwhile);
    ``given_ranks``: (contribution, rfm) of :func:`ranks` instead, for a batch of customers
    ranked among all; ``others``: the stored sales summary of the customers not refreshed
    (a refresh of some customers); ``totals``: compute the company totals.

    Returns a dict: ``figures`` (per customer: behaviour, aging, scores, trend,
    contribution, RFM, action), ``totals`` (per company), ``items`` (settled), ``moves``
    (per invoice), ``contribution`` (the ranks) and ``company`` (:func:`company_figures`,
    or None without sales).
    """
    bundle = _compute(items, allocs, as_of, settings, totals)
    figures = _scored(bundle, settings)
    if given_ranks is None:
        costed = sales() if callable(sales) else sales
        contributions, rfm_scores = _ranks_of(costed, as_of, settings, others)
    else:
        contributions, rfm_scores = given_ranks
    return {
        "figures": _ranked(figures, contributions, rfm_scores),
        "totals": bundle["totals"],
        "items": bundle["items"],
        "moves": bundle["moves"],
        "contribution": contributions,
        "company": company_figures(contributions),
    }


def batch(items, allocs, as_of, settings, sales=None):
    """What one batch of customers contributes to a refresh in batches (its items split
    from the others' by customer): the figures that depend on its customers only.

    ``sales``: the batch's costed sales lines, or a function returning them (as
    :func:`refresh`). Returns a dict: ``figures`` (per customer, scored, not ranked),
    ``moves`` (per invoice), ``parts`` (the pieces of the company totals,
    :func:`totals.total_parts`) and ``summary`` (:func:`sales_summary`, what ranks its
    customers). Only ``figures``, ``parts`` and ``summary`` are needed by :func:`combine`.
    """
    bundle = _compute(items, allocs, as_of, settings, totals=False)
    parts = total_parts(
        bundle["items"],
        bundle["allocs"],
        as_of,
        buckets=settings.buckets,
        window_days=settings.window_days,
        obs=bundle["obs"],
    )
    figures = _scored(bundle, settings)
    costed = sales() if callable(sales) else sales
    return {
        "figures": figures,
        "moves": bundle["moves"],
        "parts": parts,
        "summary": sales_summary(costed, as_of, window_days=settings.window_days),
    }


def _filled(frames):
    """The frames with rows (or the first one when none has): an empty frame's dtypes
    would change those of the concatenation."""
    return [frame for frame in frames if not frame.empty] or frames[:1]


def combine(batches, as_of, settings):
    """The result of :func:`refresh` (without ``items`` and ``moves``) from the
    :func:`batch` results of every customer of the company: ranks among all the customers,
    company totals from the batches' parts."""
    summary = pd.concat(_filled([b["summary"] for b in batches])).sort_index()
    contributions = contribution_ranks(summary, cutoffs=settings.tier_cutoffs)
    rfm_scores = rfm_ranks(summary, as_of)
    figures = pd.concat(_filled([b["figures"] for b in batches])).sort_index()
    totals = totals_from_parts(
        combine_parts([b["parts"] for b in batches]),
        as_of,
        buckets=settings.buckets,
        window_days=settings.window_days,
        min_obs=settings.min_obs,
    )
    return {
        "figures": _ranked(figures, contributions, rfm_scores),
        "totals": totals,
        "contribution": contributions,
        "company": company_figures(contributions),
    }


def days_late_since(items, allocs, as_of, days, settings):
    """Per customer, the WADL of the cash paid in (as_of - days, as_of]: how late each one
    paid since a backtest date."""
    figures = partner_figures(items, allocs, as_of, buckets=settings.buckets, window_days=days)
    return figures["wadl"]


def payment_date_backtest(items, allocs, then, as_of, tiers, settings):
    """Errors of the expected payment dates computed at ``then`` for the items open then and
    paid by ``as_of`` (from frames extracted at as_of), next to the due date and the due
    date plus the customer's mean days late (:func:`expected.payment_date_mae`)."""
    items_cut, allocs_cut = prepare_frames(items, allocs, then)
    items_then = settle_prepared(items_cut, allocs_cut, then, **settings.settle())
    items_now = settle(items, allocs, as_of, **settings.settle())
    errors = expected.payment_date_errors(items_then, allocs_cut, then, items_now, tiers=tiers)
    return expected.payment_date_mae(errors)
