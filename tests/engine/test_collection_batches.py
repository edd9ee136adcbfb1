"""The collection run in batches of customers (engine.collection.batch and combine): whatever
the split of a book's customers into batches, the combined result is the run of the whole book,
per customer (trend, forecast, expected dates and cash, signals) as well as for the company
(to the order of the float sums); a single batch is the run itself, to the last digit.

Per customer the figures are the whole run's to the last digit but for one thing: pandas sums
the groups of a groupby whose keys come sorted (a batch of one customer) with
``np.add.reduceat``, those of unsorted keys (the whole book) with compensated sums, which may
differ in the last bit. Per-customer floats are compared to 1e-12, everything else exactly."""

import datetime
import math

import numpy as np
import pandas as pd
import pytest
import random_books
from ar_analytics_engine import collection, expected, signals, trend
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

AS_OF = datetime.date(2025, 6, 30)
START = datetime.date(2023, 7, 1)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PARTNERS = 9
#: in the stored figures, without any item in the book (even: a credit limit, _inputs)
STATS_ONLY = PARTNERS + 1
KINDS = ["cash", "cash", "cash", "pending", "credit_note", "adjustment", "fx"]
TIERS = ["core", "general", "strategic"]
CUSTOMER_RTOL = 1e-12
COMPANY_RTOL = 1e-9
# what a sum of cents that cancel out leaves of float noise
ATOL = 1e-6

books = st.lists(
    random_books.invoices(
        PARTNERS,
        (AS_OF - START).days + 30,
        KINDS,
        paid=st.sampled_from([0.0, 0.3, 1.0, 1.0]),
        max_delay=200,
        second=True,
    ),
    min_size=1,
    max_size=40,
)
credits = random_books.credits(PARTNERS, 700, max_size=4)
# each customer's batch (customers 1..STATS_ONLY), or every customer alone
splits = st.one_of(
    random_books.batch_numbers(STATS_ONLY),
    st.just("alone"),
)


def _book(ledger_class, rows, unapplied):
    return ledger_class.random_book(rows, unapplied, START)


def _inputs(items, customers=STATS_ONLY):
    """Tiers of every customer 1..``customers`` (some without any item), score history with
    downgrades and overdue shares rising, credit limits exceeded, broken promises on some
    invoices."""
    partners = range(1, customers + 1)
    stats = pd.DataFrame(
        {"tier": [TIERS[p % 3] for p in partners]}, index=pd.Index(partners, name="partner_id")
    )
    now, before, grade_before = collection.history_dates(AS_OF)
    history = pd.DataFrame(
        [(now, p, "ABCD"[p % 4], 0.1 * (p % 7)) for p in partners]
        + [(before, p, "A", 0.05 * (p % 3)) for p in partners]
        + [(grade_before, p, "ABCD"[(p + 1) % 4], 0.0) for p in partners],
        columns=["date", "partner_id", "grade", "overdue_ratio"],
    )
    even = [p for p in partners if p % 2 == 0]
    credit = pd.DataFrame(
        {
            "credit": [1000.0 * p for p in even],
            "credit_to_invoice": [100.0] * len(even),
            "credit_limit": [900.0 * p for p in even],
        },
        index=pd.Index(even, name="partner_id"),
    )
    invoices = items.loc[(items["move_type"] == "out_invoice") & (items["partner_id"] != 0)]
    broken = invoices.iloc[::3]
    promises = pd.DataFrame(
        {
            "partner_id": broken["partner_id"].to_numpy(),
            "move_id": broken["move_id"].to_numpy(),
            "unpaid": (broken["balance"] / 2).round(2).to_numpy(),
        }
    )
    return collection.Inputs(stats=stats, history=history, credit=credit, promises=promises)


def _restricted(inputs, partners):
    """The inputs of a batch: its customers' rows only."""

    def rows(frame, keys):
        return frame.loc[np.isin(keys, partners)]

    return collection.Inputs(
        stats=rows(inputs.stats, inputs.stats.index),
        history=rows(inputs.history, inputs.history["partner_id"]),
        credit=rows(inputs.credit, inputs.credit.index),
        promises=rows(inputs.promises, inputs.promises["partner_id"]),
    )


def _in_batches(items, allocs, inputs, split, config=None):
    """The run of the book cut into batches of customers (``split``: the batch of each
    customer of the stats, or "alone"), the items without a customer in the last batch."""
    customers = inputs.stats.index
    if split == "alone":
        split = list(range(len(customers)))
    batch_of = dict(zip(customers, split, strict=True))
    batch_of[0] = max(split)
    parts = []
    for number in sorted(set(batch_of.values())):
        partners = [p for p, b in batch_of.items() if b == number]
        part = items.loc[items["partner_id"].isin(partners)].reset_index(drop=True)
        part_allocs = allocs.loc[allocs["item_id"].isin(part["item_id"])].reset_index(drop=True)
        parts.append(
            collection.batch(part, part_allocs, AS_OF, config, _restricted(inputs, partners))
        )
    return collection.combine(parts, AS_OF, config, inputs), len(parts)


def _assert_identical(result, whole):
    assert list(result) == list(whole)
    for key, value in whole.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(result[key], value, check_exact=True)
        else:
            assert result[key] == value
            assert list(result[key]) == list(value)


def _assert_close_values(left, right, rtol):
    """Equal dicts of the signals found, floats to ``rtol``."""
    if isinstance(right, dict):
        assert left.keys() == right.keys()
        for key in right:
            _assert_close_values(left[key], right[key], rtol)
    elif isinstance(right, float) and isinstance(left, float):
        assert math.isclose(left, right, rel_tol=rtol, abs_tol=ATOL)
    else:
        assert left == right


def _scopes(frame):
    company = frame["scope"] == "company"
    return frame.loc[company], frame.loc[~company]


def _assert_same_run(result, whole):
    """Per customer the whole run's (floats to CUSTOMER_RTOL), for the company to
    COMPANY_RTOL."""
    for key in ("months", "summaries"):
        assert list(result[key].columns) == list(whole[key].columns)
        (company, customers), (whole_company, whole_customers) = map(
            _scopes, (result[key], whole[key])
        )
        pd.testing.assert_frame_equal(
            customers, whole_customers, check_exact=False, rtol=CUSTOMER_RTOL, atol=ATOL
        )
        pd.testing.assert_frame_equal(
            company, whole_company, check_exact=False, rtol=COMPANY_RTOL, atol=ATOL
        )
    pd.testing.assert_frame_equal(
        result["expected_dates"], whole["expected_dates"], check_exact=True
    )
    pd.testing.assert_frame_equal(
        result["cash"], whole["cash"], check_exact=False, rtol=CUSTOMER_RTOL, atol=ATOL
    )
    _assert_close_values(result["signals"], whole["signals"], CUSTOMER_RTOL)
    assert result["severity"] == whole["severity"]


@SETTINGS
@given(rows=books, unapplied=credits, split=splits)
def test_a_run_in_batches_is_the_whole_run(ledger_class, rows, unapplied, split):
    items, allocs = _book(ledger_class, rows, unapplied)
    inputs = _inputs(items)
    config = collection.Settings(
        since=AS_OF - datetime.timedelta(days=10),
        thresholds=signals.SignalThresholds(min_amount=1.0),
        promise_grace_days=2,
    )
    whole = collection.run(items, allocs, AS_OF, config, inputs)
    result, count = _in_batches(items, allocs, inputs, split, config)
    if count == 1:
        _assert_identical(result, whole)
    else:
        _assert_same_run(result, whole)


@settings(SETTINGS, max_examples=8)
@given(rows=books, unapplied=credits)
def test_a_single_batch_is_the_run(ledger_class, rows, unapplied):
    items, allocs = _book(ledger_class, rows, unapplied)
    inputs = _inputs(items)
    part = collection.batch(items, allocs, AS_OF, None, inputs)
    result = collection.combine([part], AS_OF, None, inputs)
    _assert_identical(result, collection.run(items, allocs, AS_OF, None, inputs))


def _seeded_book(ledger_class, seed, partners, count):
    rng = np.random.default_rng(seed)
    rows = [
        {
            "partner": int(rng.integers(0, partners + 1)),
            "amount": round(float(rng.uniform(1, 50_000)), 2),
            "day": int(rng.integers(0, (AS_OF - START).days + 30)),
            "terms": int(rng.choice([0, 15, 30, 60])),
            "paid": float(rng.choice([0.0, 0.3, 1.0, 1.0, 1.0])),
            "delay": int(rng.integers(-20, 150)),
            "kind": str(rng.choice(KINDS)),
            "refund": bool(rng.random() < 0.05),
            "second": bool(rng.random() < 0.2),
        }
        for _ in range(count)
    ]
    unapplied = [
        (int(rng.integers(0, partners + 1)), 500.0, int(rng.integers(0, 700))) for _ in range(10)
    ]
    return _book(ledger_class, rows, unapplied)


def test_a_large_book_in_random_batches(ledger_class):
    """A seeded book of 60 customers over two years (customers and the company forecast,
    every pool level used), split at random into batches of any size."""
    customers = 61
    items, allocs = _seeded_book(ledger_class, 11, customers - 1, 2500)
    inputs = _inputs(items, customers)
    whole = collection.run(items, allocs, AS_OF, None, inputs)
    sources = set(whole["expected_dates"]["source"])
    assert sources >= {expected.SOURCE_CUSTOMER, expected.SOURCE_TIER, expected.SOURCE_DUE}
    summaries = whole["summaries"]
    assert summaries.loc[summaries["scope"] == "customer", "model"].notna().any()
    rng = np.random.default_rng(3)
    for batches in (1, 3, 17):
        split = rng.integers(0, batches, size=customers).tolist()
        result, count = _in_batches(items, allocs, inputs, split)
        if count == 1:
            _assert_identical(result, whole)
        else:
            _assert_same_run(result, whole)
    result, _count = _in_batches(items, allocs, inputs, "alone")
    _assert_same_run(result, whole)


def test_a_batch_keeps_small_parts(ledger_class):
    """Per customer and month, per open item and per observation of the pools' history:
    never the items or the allocations."""
    items, allocs = _seeded_book(ledger_class, 5, 20, 800)
    part = collection.batch(items, allocs, AS_OF, None, _inputs(items))
    assert set(part) == {
        "partners",
        "series",
        "wadl",
        "company",
        "pools",
        "items",
        "customers",
        "promises",
    }
    pools = part["pools"]
    assert list(pools.open_items.columns) == expected.OPEN_COLUMNS
    assert list(pools.observations.columns) == expected.OBSERVATION_COLUMNS
    assert (pools.open_items["residual"] >= 0.005).all()
    assert len(pools.open_items) < len(items)
    assert list(part["company"].columns) == list(trend.PART_COLUMNS)
    assert len(part["company"]) == trend.TREND_MONTHS
    assert part["wadl"].shape == (len(part["partners"]), trend.TREND_MONTHS)
    customers = part["series"].index.get_level_values("partner_id")
    assert 0 not in customers
    for name, series in part["items"].items():
        assert series.index.is_unique, name


def test_the_parts_of_the_company_series_add_up():
    """Two halves of a month's parts give the parts of the whole month: sums, not ratios."""
    index = pd.MultiIndex.from_product(
        [[1], pd.DatetimeIndex(["2025-05-01"], name="month")], names=["company_id", "month"]
    )
    half = pd.DataFrame([[1.0] * len(trend.PART_COLUMNS)], index=index, columns=trend.PART_COLUMNS)
    assert trend.combine_series_parts([half]) is half
    both = trend.combine_series_parts([half, half * 3])
    assert both.to_numpy().tolist() == [[4.0] * len(trend.PART_COLUMNS)]
    assert trend.combine_series_parts([half.iloc[:0], half]) is half


def test_the_pools_of_several_batches_are_read_in_the_frames_order():
    first = expected.PoolInputs(
        pd.DataFrame({"item_id": [3, 9]}), pd.DataFrame({"partial_id": [2, 7], "item_id": [3, 9]})
    )
    second = expected.PoolInputs(
        pd.DataFrame({"item_id": [4]}), pd.DataFrame({"partial_id": [5], "item_id": [4]})
    )
    merged = expected.combine_pool_inputs([first, second])
    assert merged.open_items["item_id"].tolist() == [3, 4, 9]
    assert merged.observations["partial_id"].tolist() == [2, 5, 7]
    assert expected.combine_pool_inputs([first]).open_items is first.open_items


@pytest.mark.parametrize("alone", [False, True])
def test_a_customer_without_items_in_its_own_batch(ledger_class, alone):
    """A customer of the stored figures without any item still has its signals (credit
    limit), whether its batch has items or none."""
    items, allocs = _seeded_book(ledger_class, 8, PARTNERS, 200)
    inputs = _inputs(items)
    whole = collection.run(items, allocs, AS_OF, None, inputs)
    # alone: the customer without items in batch 0, every item (partner 0's too) in batch 1
    split = [1] * PARTNERS + [0 if alone else 1]
    result, count = _in_batches(items, allocs, inputs, split)
    assert count == (2 if alone else 1)
    assert whole["signals"][STATS_ONLY, "credit_utilisation"]["severity"] == "alert"
    _assert_same_run(result, whole)


def test_customers_forecast_in_pieces_get_the_same_figures(ledger_class):
    """Customers with as many months of history are forecast some at a time: the figures
    of each are those of a forecast of all at once, to the last digit."""
    items, allocs = _seeded_book(ledger_class, 11, 60, 2500)
    series = collection.batch(items, allocs, AS_OF)["series"]
    lengths = series.groupby(level="partner_id").size()
    assert lengths.value_counts().max() > 3
    whole = collection.forecasts(series, chunk=len(lengths))
    pd.testing.assert_frame_equal(collection.forecasts(series, chunk=3), whole, check_exact=True)
