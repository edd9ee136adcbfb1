"""Company totals from the parts of customer batches (engine.totals, engine.pipeline.batch
and combine): whatever the split of a book's customers into batches, the combined company
row equals the whole book's ``by='company_id'`` row (to the order of the float sums), and
the per-customer figures and ranks equal those of a refresh of the whole book."""

import datetime

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest
import random_books
from ar_analytics_engine import pipeline, totals
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

AS_OF = pd.Timestamp("2025-06-30")
START = datetime.date(2023, 11, 1)
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PARTNERS = 8
KINDS = ["cash", "cash", "pending", "credit_note", "adjustment", "fx"]

books = st.lists(
    random_books.invoices(
        PARTNERS,
        (AS_OF.date() - START).days + 30,
        KINDS,
        paid=st.floats(min_value=0.0, max_value=1.0),
        max_delay=300,
    ),
    min_size=1,
    max_size=30,
)
credits = random_books.credits(PARTNERS, 600, max_size=5)
# each customer's batch (customers 0..PARTNERS)
splits = random_books.batch_numbers(PARTNERS + 1)


def _book(ledger_class, rows, unapplied):
    return ledger_class.random_book(rows, unapplied, START)


def _sales(items):
    """Sales lines of the book's invoices and credit notes (revenue: the untaxed share)."""
    lines = items.loc[items["move_type"].isin(["out_invoice", "out_refund"])]
    return pd.DataFrame(
        {
            "partner_id": lines["partner_id"],
            "move_id": lines["move_id"],
            "move_type": lines["move_type"],
            "invoice_date": lines["invoice_date"],
            "revenue": lines["balance"] / 1.2,
            "cost": (lines["balance"] * 0.5).where(lines["move_id"] % 3 != 0),
            "cost_source": np.where(lines["move_id"] % 5 == 0, "standard", "cogs"),
        }
    ).reset_index(drop=True)


def _batches(items, allocs, split):
    """The book cut into batches of customers (``split``: each customer's batch)."""
    batch_of = items["partner_id"].map(dict(enumerate(split)))
    for batch in sorted(set(batch_of)):
        part = items.loc[batch_of == batch].reset_index(drop=True)
        yield part, allocs.loc[allocs["item_id"].isin(part["item_id"])].reset_index(drop=True)


def _assert_totals_equal(combined, whole):
    pd.testing.assert_index_equal(combined.index, whole.index)
    assert list(combined.columns) == list(whole.columns)
    for column in whole.columns:
        left, right = combined[column], whole[column]
        if column in ("dso_flag", "last_payment_date", "n_obs", "n_index_obs"):
            pd.testing.assert_series_equal(left, right, check_dtype=False, check_names=False)
        else:
            np.testing.assert_allclose(
                left.to_numpy(dtype="float64"),
                right.to_numpy(dtype="float64"),
                rtol=1e-9,
                atol=1e-6,
                err_msg=column,
            )


@SETTINGS
@given(rows=books, unapplied=credits, split=splits)
def test_parts_of_batches_give_the_company_totals(ledger_class, rows, unapplied, split):
    items, allocs = _book(ledger_class, rows, unapplied)
    whole = engine.compute_all(items, allocs, AS_OF)["totals"]
    parts = []
    for batch_items, batch_allocs in _batches(items, allocs, split):
        bundle = engine.compute_all(batch_items, batch_allocs, AS_OF, totals=False)
        parts.append(totals.total_parts(bundle["items"], bundle["allocs"], AS_OF))
    combined = totals.totals_from_parts(totals.combine_parts(parts), AS_OF)
    _assert_totals_equal(combined, whole)


@SETTINGS
@given(rows=books, unapplied=credits, split=splits)
def test_a_refresh_in_batches_equals_the_whole_refresh(ledger_class, rows, unapplied, split):
    items, allocs = _book(ledger_class, rows, unapplied)
    sales = _sales(items)
    config = pipeline.Settings(tier_cutoffs=(0.5, 0.8))
    whole = pipeline.refresh(items, allocs, AS_OF, config, sales=sales)
    batches = [
        pipeline.batch(
            batch_items,
            batch_allocs,
            AS_OF,
            config,
            sales=sales.loc[sales["partner_id"].isin(batch_items["partner_id"])],
        )
        for batch_items, batch_allocs in _batches(items, allocs, split)
    ]
    combined = pipeline.combine(batches, AS_OF, config)
    pd.testing.assert_frame_equal(combined["figures"], whole["figures"])
    pd.testing.assert_frame_equal(combined["contribution"], whole["contribution"])
    assert combined["company"] == pytest.approx(whole["company"], nan_ok=True)
    moves = pd.concat([b["moves"] for b in batches]).sort_index()
    pd.testing.assert_frame_equal(moves, whole["moves"])
    _assert_totals_equal(combined["totals"], whole["totals"])


def test_a_large_book_in_random_batches(ledger_class):
    """A seeded book of a hundred customers, split at random into batches of any size."""
    rng = np.random.default_rng(7)
    rows = [
        {
            "partner": int(rng.integers(0, 100)),
            "amount": round(float(rng.uniform(1, 50_000)), 2),
            "day": int(rng.integers(0, 640)),
            "terms": int(rng.choice([0, 15, 30, 60])),
            "paid": float(rng.choice([0.0, 0.4, 1.0, 1.0])),
            "delay": int(rng.integers(-20, 200)),
            "kind": str(rng.choice(KINDS)),
            "refund": bool(rng.random() < 0.05),
        }
        for _ in range(3000)
    ]
    unapplied = [(int(rng.integers(0, 100)), 500.0, int(rng.integers(0, 600))) for _ in range(40)]
    items, allocs = _book(ledger_class, rows, unapplied)
    whole = engine.compute_all(items, allocs, AS_OF)["totals"]
    for batches in (1, 3, 17):
        split = rng.integers(0, batches, size=101).tolist()
        parts = []
        for batch_items, batch_allocs in _batches(items, allocs, split):
            bundle = engine.compute_all(batch_items, batch_allocs, AS_OF, totals=False)
            parts.append(totals.total_parts(bundle["items"], bundle["allocs"], AS_OF))
        combined = totals.totals_from_parts(totals.combine_parts(parts), AS_OF)
        _assert_totals_equal(combined, whole)


def test_no_item_gives_no_company_row():
    assert totals.totals_from_parts(totals.combine_parts([]), AS_OF).empty
