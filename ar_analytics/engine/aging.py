"""Aging buckets and aging per group (metrics.md section 1).

Buckets are data: a sequence of ``(code, label, min_days, max_days)`` tuples or dicts
with those keys.  ``min_days`` None means "up to max_days" (the first bucket, e.g.
``not_due`` for dpd <= 0); ``max_days`` None means open-ended (the last bucket).
Together the buckets must cover every integer exactly once, in ascending order.
"""

from itertools import pairwise
from typing import NamedTuple

import numpy as np

from ._util import group_index, group_sum, ratio
from .constants import BUCKET_PREFIX, DEFAULT_BUCKETS, OVER_90_DAYS, ZERO_TOLERANCE


class Bucket(NamedTuple):
    """One aging bucket: ages (days) in [min_days, max_days], None = unbounded."""

    code: str
    label: str
    min_days: int | None
    max_days: int | None


def _as_int(value, code, field):
    if value is None:
        return None
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(f"aging bucket {code!r}: {field} must be an integer or None")
    return int(value)


def _as_bucket(spec):
    if isinstance(spec, dict):
        spec = (spec["code"], spec.get("label"), spec["min_days"], spec["max_days"])
    code, label, min_days, max_days = spec
    if not isinstance(code, str) or not code:
        raise ValueError(f"aging bucket code must be a non-empty string, got {code!r}")
    return Bucket(
        code,
        label if label is not None else code,
        _as_int(min_days, code, "min_days"),
        _as_int(max_days, code, "max_days"),
    )


def validate_buckets(buckets=None):
    """Check aging buckets and return them as a tuple of :class:`Bucket` (section 1).

    ``buckets`` None gives the defaults (not_due, 1-30, 31-60, 61-90, 91-120,
    over 120).  Raises ValueError with a message naming the faulty bucket when the
    list is empty, has duplicate codes, a bucket with min > max, is unordered,
    overlapping or gapped, or does not cover all integers (the first bucket must have
    min_days None and the last max_days None).
    """
    specs = DEFAULT_BUCKETS if buckets is None else buckets
    rows = tuple(_as_bucket(b) for b in specs)
    if not rows:
        raise ValueError("aging buckets: at least one bucket is required")
    codes = [b.code for b in rows]
    if len(set(codes)) != len(codes):
        raise ValueError(f"aging buckets: duplicate codes in {codes}")
    for b in rows:
        if b.min_days is not None and b.max_days is not None and b.min_days > b.max_days:
            raise ValueError(f"aging bucket {b.code!r}: min_days > max_days")
    if rows[0].min_days is not None:
        raise ValueError(
            f"aging buckets do not cover ages below {rows[0].min_days}: "
            f"the first bucket {rows[0].code!r} must have min_days None"
        )
    if rows[-1].max_days is not None:
        raise ValueError(
            f"aging buckets do not cover ages above {rows[-1].max_days}: "
            f"the last bucket {rows[-1].code!r} must have max_days None"
        )
    starts = [-np.inf if b.min_days is None else b.min_days for b in rows]
    if starts != sorted(starts):
        raise ValueError(f"aging buckets are unordered: list them by ascending age, got {codes}")
    for prev, cur in pairwise(rows):
        if prev.max_days is None or cur.min_days is None:
            raise ValueError(
                f"aging buckets are unordered: only the first bucket may have "
                f"min_days None and only the last max_days None ({cur.code!r})"
            )
        if cur.min_days <= prev.max_days:
            raise ValueError(
                f"aging buckets overlap: {prev.code!r} ends at {prev.max_days}, "
                f"{cur.code!r} starts at {cur.min_days}"
            )
        if cur.min_days > prev.max_days + 1:
            raise ValueError(
                f"aging buckets have a gap: {prev.code!r} ends at {prev.max_days}, "
                f"{cur.code!r} starts at {cur.min_days}"
            )
    return rows


def bucket_columns(buckets=None):
    """Output column names of the buckets: ``'bucket_' + code`` in bucket order."""
    return [BUCKET_PREFIX + b.code for b in validate_buckets(buckets)]


def assign_buckets(days, buckets=None):
    """Bucket code for each age in ``days`` (array-like; NaN gives None) (section 1)."""
    rows = validate_buckets(buckets)
    ages = np.asarray(days, dtype="float64")
    uppers = np.array([b.max_days for b in rows[:-1]], dtype="float64")
    codes = np.array([b.code for b in rows], dtype=object)
    out = codes[np.searchsorted(uppers, ages, side="left").clip(max=len(rows) - 1)]
    out[np.isnan(ages)] = None
    return out


def aging(items_out, buckets=None, by="partner_id"):
    """Aging per group from settled items (:func:`settle` output) (section 1).

    Positive open residuals (>= 0.005) are summed into their ``bucket`` column
    (``bucket_<code>``); negative open residuals (<= -0.005) into ``unapplied_credits``;
    ``total_ar = sum(buckets) + unapplied_credits`` exactly (residual dust below the
    tolerance is ignored).  ``percent_current`` is the positive not-due amount
    (due-basis dpd <= 0) over total_ar and ``pct_over_90`` the positive amount with
    dpd >= 91 over total_ar, both NaN when total_ar <= 0.  The buckets must be those
    used by :func:`settle`.  One row per group of ``items_out``.
    """
    rows = validate_buckets(buckets)
    index = group_index(items_out, by)
    residual = items_out["residual"]
    table = (
        residual.groupby([items_out[by], items_out["bucket"]])
        .sum()
        .unstack(fill_value=0.0)
        .reindex(index=index, columns=[b.code for b in rows], fill_value=0.0)
        .astype("float64")
    )
    table.columns = [BUCKET_PREFIX + b.code for b in rows]
    table.columns.name = None
    negative = items_out.loc[residual <= -ZERO_TOLERANCE]
    table["unapplied_credits"] = group_sum(negative, by, negative["residual"], index)
    table["total_ar"] = table.sum(axis=1)
    positive = items_out.loc[residual >= ZERO_TOLERANCE]
    current = positive["residual"].where(positive["dpd"] <= 0, 0.0)
    over_90 = positive["residual"].where(positive["dpd"] >= OVER_90_DAYS, 0.0)
    table["percent_current"] = ratio(
        group_sum(positive, by, current, index), table["total_ar"], positive=True
    )
    table["pct_over_90"] = ratio(
        group_sum(positive, by, over_90, index), table["total_ar"], positive=True
    )
    return table


def aging_by_currency(items_out, buckets=None, by="partner_id"):
    """Aging per group and currency, in each item's own currency (section 1).

    Same buckets and open items as :func:`aging` (the bucket of an item does not depend
    on the currency it is counted in), amounts from ``residual_currency``.  Index:
    (``by``, ``currency_id``); columns ``bucket_<code>``..., ``unapplied_credits``,
    ``total``.
    """
    rows = validate_buckets(buckets)
    open_items = items_out.loc[items_out["residual"].abs() >= ZERO_TOLERANCE]
    keys = [open_items[by], open_items["currency_id"]]
    amount = open_items["residual_currency"]
    positive = open_items["bucket"].notna()
    table = (
        amount[positive]
        .groupby([k[positive] for k in keys] + [open_items.loc[positive, "bucket"]])
        .sum()
        .unstack(fill_value=0.0)
    )
    index = amount.groupby(keys).size().index
    table = table.reindex(index=index, columns=[b.code for b in rows], fill_value=0.0)
    table = table.astype("float64")
    table.columns = [BUCKET_PREFIX + b.code for b in rows]
    table.columns.name = None
    table["unapplied_credits"] = (
        amount.where(~positive, 0.0).groupby(keys).sum().reindex(index, fill_value=0.0)
    )
    table["total"] = table.sum(axis=1)
    return table


def open_items(items_out):
    """The items a customer's aging lists: open (``|residual|`` >= the tolerance), with a
    customer, by customer, due date and item, so that each customer's items are one slice."""
    shown = items_out.loc[
        (items_out["residual"].abs() >= ZERO_TOLERANCE) & (items_out["partner_id"] != 0)
    ]
    return shown.sort_values(["partner_id", "due", "item_id"], kind="stable")
