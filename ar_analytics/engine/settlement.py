"""Allocation kinds and item settlement (metrics.md section 0, engine_contract.md).

``items`` and ``allocs`` are the frames of engine_contract.md.  Every amount is in
company currency at the booking rate: an allocation is worth ``f * balance`` of its
item, ``f = amount_item_currency / |amount_currency|`` (fallback ``amount / |balance|``
when the item has no foreign amount), so realised exchange differences never count as
collections and ``balance = cash + pending + credit_noted + adjusted + fx + residual``
holds exactly.
"""

import numpy as np
import pandas as pd

from ._util import as_timestamp, attach, day_diff, lookup
from .aging import assign_buckets, validate_buckets
from .constants import (
    AGING_BASES,
    ALLOCATION_KINDS,
    BASIS_DUE,
    KIND_ADJUSTMENT,
    KIND_CASH,
    KIND_COLUMNS,
    KIND_CREDIT_NOTE,
    KIND_FX,
    KIND_PENDING,
    SALES_MOVE_TYPES,
    ZERO_TOLERANCE,
)


def _flag(frame, column):
    return frame[column].fillna(False).astype(bool).to_numpy()


def classify_allocations(allocs, items):
    """Return ``allocs`` with ``kind`` and company-currency ``value`` (section 0).

    Kind from the counterpart, first match wins: exchange move -> ``fx``; payment or
    bank statement line -> ``pending`` when ``cp_pending`` else ``cash``;
    ``out_refund``/``out_invoice`` -> ``credit_note``; anything else -> ``adjustment``
    (write-off).  ``value`` carries the sign of the item's balance.  Rows whose item is
    not in ``items`` are dropped.
    """
    kind = np.select(
        [
            _flag(allocs, "cp_is_exchange"),
            _flag(allocs, "cp_is_payment") & _flag(allocs, "cp_pending"),
            _flag(allocs, "cp_is_payment"),
            allocs["cp_move_type"].isin(SALES_MOVE_TYPES).to_numpy(),
        ],
        [KIND_FX, KIND_PENDING, KIND_CASH, KIND_CREDIT_NOTE],
        default=KIND_ADJUSTMENT,
    )
    out = attach(
        allocs.assign(kind=kind),
        items,
        ["balance", "amount_currency"],
        ["_balance", "_amount_currency"],
    )
    foreign = out["_amount_currency"].abs()
    company = out["_balance"].abs()
    share = (
        (out["amount_item_currency"] / foreign.where(foreign > 0))
        .fillna(out["amount"] / company.where(company > 0))
        .fillna(0.0)
    )
    out["value"] = share * out["_balance"]
    return out.drop(columns=["_balance", "_amount_currency"])


def prepare_frames(items, allocs, as_of):
    """Cut the inputs at ``as_of`` and classify the allocations (section 0).

    Returns ``(items_cut, allocs_cut)``: the items with ``date <= as_of`` and the
    classified allocations (:func:`classify_allocations`) of those items with
    ``max_date <= as_of``.
    """
    as_of = as_timestamp(as_of)
    items_cut = items.loc[items["date"] <= as_of]
    allocs_cut = allocs.loc[allocs["max_date"] <= as_of]
    return items_cut, classify_allocations(allocs_cut, items_cut)


def settle_prepared(items_cut, allocs_cut, as_of, *, buckets=None, basis=BASIS_DUE):
    """Per-item settlement of already prepared frames (see :func:`settle`)."""
    if basis not in AGING_BASES:
        raise ValueError(f"aging basis must be one of {AGING_BASES}, got {basis!r}")
    as_of = as_timestamp(as_of)
    out = items_cut.copy()
    out["invoice_date"] = out["invoice_date"].fillna(out["date"])
    out["due"] = out["date_maturity"].fillna(out["invoice_date"])

    sums = (
        allocs_cut.groupby(["item_id", "kind"])["value"]
        .sum()
        .unstack(fill_value=0.0)
        .reindex(columns=list(ALLOCATION_KINDS), fill_value=0.0)
        .rename(columns=KIND_COLUMNS)
    )
    out = out.join(sums.astype("float64"), on="item_id")
    kind_columns = list(KIND_COLUMNS.values())
    out[kind_columns] = out[kind_columns].fillna(0.0)

    cash = allocs_cut.loc[allocs_cut["kind"] == KIND_CASH]
    cash_due = lookup(out.set_index("item_id")["due"], cash["item_id"])
    on_time = cash["value"].where(cash["pay_date"] <= cash_due, 0.0)
    on_time = on_time.groupby(cash["item_id"]).sum()
    out["cash_on_time"] = lookup(on_time, out["item_id"]).fillna(0.0)
    out["residual"] = out["balance"] - out[kind_columns].sum(axis=1)
    # the same residual in the item's own currency, exact whatever the rates
    allocated = allocs_cut.groupby("item_id")["amount_item_currency"].sum()
    out["residual_currency"] = out["amount_currency"] - np.sign(out["amount_currency"]) * lookup(
        allocated, out["item_id"]
    ).fillna(0.0)

    last_cash = lookup(cash.groupby("item_id")["pay_date"].max(), out["item_id"])
    out["last_cash_date"] = last_cash
    out["pay_date"] = last_cash
    out["days_to_pay"] = day_diff(last_cash, out["invoice_date"])
    out["days_late"] = day_diff(last_cash, out["due"])
    out["fully_settled"] = out["residual"].abs() < ZERO_TOLERANCE
    paid_on_time = pd.Series(pd.NA, index=out.index, dtype="boolean")
    decided = out["fully_settled"] & last_cash.notna()
    paid_on_time[decided] = out.loc[decided, "days_late"] <= 0
    out["paid_on_time"] = paid_on_time

    open_positive = out["residual"] >= ZERO_TOLERANCE
    out["dpd"] = day_diff(as_of, out["due"]).where(open_positive)
    if basis == BASIS_DUE:
        out["age"] = out["dpd"]
    else:
        out["age"] = day_diff(as_of, out["invoice_date"]).where(open_positive)
    codes = assign_buckets(out["age"].to_numpy(), validate_buckets(buckets))
    out["bucket"] = pd.Series(codes, index=out.index, dtype=object)
    return out


def settle(items, allocs, as_of, *, buckets=None, basis=BASIS_DUE):
    """Settle every item at ``as_of``: one row per item with ``date <= as_of``.

    metrics.md sections 0 (settlement), 1 (aging) and 2 (per-item payment timing).
    Allocations with ``max_date > as_of`` are rolled back.  Output = the item columns
    (``invoice_date`` filled with ``date``) plus:

    - ``due``: date_maturity, else invoice_date;
    - ``cash``, ``pending``, ``credit_noted``, ``adjusted``, ``fx``: sums of allocation
      values per kind; ``cash_on_time``: cash paid on or before ``due``;
    - ``residual = balance - (cash + pending + credit_noted + adjusted + fx)``, and
      ``residual_currency``: the residual in the item's currency (amount_currency minus
      the allocations' amounts on the item's side);
    - ``last_cash_date`` = ``pay_date``: last cash pay_date (NaT without cash);
    - ``days_to_pay`` (last cash - invoice_date), ``days_late`` (last cash - due,
      signed), defined as soon as the item has cash, even if it is still partly open;
    - ``fully_settled``: abs(residual) < 0.005;
    - ``paid_on_time`` (nullable boolean): days_late <= 0 for items fully settled with
      some cash, NA otherwise;
    - ``dpd`` = as_of - due, for open positive items (residual >= 0.005), else NaN;
    - ``age``: the days used for bucketing (= dpd on basis ``'due'``, as_of -
      invoice_date on basis ``'invoice'``) and ``bucket``: its bucket code; both only
      for open positive items (negative residuals are unapplied credits, no bucket).

    Day counts are float64 (integral values, NaN when undefined).
    """
    items_cut, allocs_cut = prepare_frames(items, allocs, as_of)
    return settle_prepared(items_cut, allocs_cut, as_of, buckets=buckets, basis=basis)
