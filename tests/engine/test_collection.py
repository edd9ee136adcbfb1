"""The collection run as one call (engine.collection): trend and forecast frames per scope,
expected payment dates and cash rows, the signals found with their stored evidence."""

import datetime

import numpy as np
import pandas as pd
import pytest
from ar_analytics_engine import collection, expected, signals

AS_OF = datetime.date(2024, 6, 30)


def _month(index):
    """The first day of the index-th month from January 2023."""
    return datetime.date(2023 + index // 12, index % 12 + 1, 1)


@pytest.fixture
def book(ledger):
    """Customer 1: an invoice each month from 2023-01 to 2024-06 (moves 1-18), each paid 10
    days after its due date but the last two, and two open invoices due in July and at the
    year end (19, 20). Customer 2: three invoices from 2024-03 on, the first one paid (21-23).
    Customer 3: an invoice fallen due on 2024-06-25 (24), one overdue since 2024-05-25 (25)."""
    for index in range(18):
        start = _month(index)
        item = ledger.item(1000 + 10 * index, start, start + datetime.timedelta(days=30))
        if index < 16:
            ledger.alloc(item, 1000 + 10 * index, start + datetime.timedelta(days=40))
    ledger.item(500, "2024-06-25", "2024-07-03", partner=1)
    ledger.item(800, "2024-06-28", "2024-12-31", partner=1)
    for index in range(14, 17):
        start = _month(index)
        item = ledger.item(200, start, start + datetime.timedelta(days=30), partner=2)
        if index == 14:
            ledger.alloc(item, 200, start + datetime.timedelta(days=30))
    ledger.item(300, "2024-05-26", "2024-06-25", partner=3)
    ledger.item(400, "2024-04-25", "2024-05-25", partner=3)
    return ledger.frames()


def _run(book, **kwargs):
    items, allocs = book
    return collection.run(items, allocs, AS_OF, kwargs.pop("settings", None), **kwargs)


# --- trend and forecast -------------------------------------------------------------------------


def test_active_months_start_at_the_first_invoice_or_collection():
    index = pd.MultiIndex.from_product(
        [[1, 2], pd.date_range("2024-01-01", periods=4, freq="MS")], names=["partner_id", "month"]
    )
    series = pd.DataFrame(
        {"invoiced": [0, 0, 5, 0, 0.001, 0, 0, 0], "collected": [0, 0, 0, 0, 0, 3, 0, 0]},
        index=index,
    )
    active = collection.active_months(series, "partner_id")
    assert active.index.tolist() == [
        (1, pd.Timestamp("2024-03-01")),
        (1, pd.Timestamp("2024-04-01")),
        (2, pd.Timestamp("2024-02-01")),
        (2, pd.Timestamp("2024-03-01")),
        (2, pd.Timestamp("2024-04-01")),
    ]


def test_trend_months_and_summaries(book):
    result = _run(book)
    months, summaries = result["months"], result["summaries"]
    company = months.loc[months["scope"] == "company"]
    assert company["group"].isna().all()
    actual = company.loc[company["kind"] == "actual"]
    # the complete months of the company, from its first active one
    assert actual["month"].tolist() == list(pd.date_range("2023-01-01", "2024-06-01", freq="MS"))
    forecast = company.loc[company["kind"] == "forecast"]
    assert forecast["month"].tolist() == list(pd.date_range("2024-07-01", periods=6, freq="MS"))
    assert (forecast["forecast"] >= 0).all()
    # one line to chart: the collections of an actual month, the forecast of a forecast one
    assert actual["collections"].tolist() == actual["collected"].tolist()
    assert forecast["collections"].tolist() == forecast["forecast"].tolist()

    customers = summaries.loc[summaries["scope"] == "customer"].set_index("group")
    assert sorted(customers.index) == [1, 2, 3]
    assert customers["months"].to_dict() == {1: 18, 2: 4, 3: 3}
    assert customers.loc[3, "first_month"] == pd.Timestamp("2024-04-01")
    assert customers.loc[1, "model"] in ("naive", "seasonal_naive", "ses", "damped_holt")
    assert customers.loc[1, "forecast_total"] == pytest.approx(
        months.loc[(months["group"] == 1) & (months["kind"] == "forecast"), "forecast"].sum()
    )
    # under CUSTOMER_FORECAST_MIN_MONTHS of history: a trend, no forecast
    assert pd.isna(customers.loc[2, "model"])
    assert np.isnan(customers.loc[2, "forecast_next"])
    assert not ((months["group"] == 2) & (months["kind"] == "forecast")).any()
    # every stored column is there, empty when a scope has no forecast
    for name in (*collection.SUMMARY_TEXTS, *collection.SUMMARY_NUMBERS):
        assert name in summaries


def test_the_book_without_a_partner_is_no_customer(ledger):
    for index in range(3):
        ledger.item(100, _month(14 + index), _month(15 + index), partner=0)
    result = _run(ledger.frames())
    assert set(result["summaries"]["scope"]) == {"company"}
    assert result["cash"]["partner"].isna().all()
    assert not result["signals"]


# --- expected payments and cash -----------------------------------------------------------------


def test_expected_dates_per_open_invoice(book):
    dates = _run(book)["expected_dates"]
    assert set(dates.index) == {17, 18, 19, 20, 22, 23, 24, 25}
    assert list(dates.columns) == ["expected_date", "source"]
    # customer 1 pays 10 days late: its own history; but no delay of its history is beyond
    # the 30 days its May invoice is overdue: the due date
    assert dates.loc[18].tolist() == [pd.Timestamp("2024-07-11"), "customer"]
    assert dates.loc[17].tolist() == [pd.Timestamp("2024-05-31"), "due_date"]


def test_cash_rows(book):
    labels = {expected.CASH_LATER: "After %(date)s", expected.CASH_UNCERTAIN: "Not known"}
    settings = collection.Settings(labels=labels)
    cash = _run(book, settings=settings)["cash"]
    assert set(cash["frequency"]) == {"week", "month"}
    months = cash.loc[cash["frequency"] == "month"].set_index(["partner", "kind"])
    july = months.loc[(1, "period")]
    assert (july["period"], july["amount"]) == ("2024-07-01 – 2024-07-31", 1670.0)
    assert (july["date_start"], july["date_end"]) == (
        pd.Timestamp("2024-07-01"),
        pd.Timestamp("2024-07-31"),
    )
    # the invoice due at the year end is expected 10 days later: after the 13 weeks and
    # after the 6 months
    weeks = cash.loc[cash["frequency"] == "week"].set_index(["partner", "kind"])
    assert weeks.loc[(1, "later"), "period"] == "After 2024-09-30"
    assert weeks.loc[(1, "later"), "date_start"] == pd.Timestamp("2024-09-30")
    assert months.loc[(1, "later"), "period"] == "After 2025-01-01"
    assert months.loc[(1, "later"), "amount"] == 800.0
    uncertain = cash.loc[cash["kind"] == "uncertain"]
    assert set(uncertain["period"]) == {"Not known"}
    assert uncertain["date_start"].isna().all()
    assert (cash["amount"].abs() >= 0.005).all()
    # per customer and frequency, the rows add up to its open receivable
    for frequency in ("week", "month"):
        rows = cash.loc[cash["frequency"] == frequency].groupby("partner")["amount"].sum()
        assert rows.to_dict() == pytest.approx({1: 1160 + 1170 + 500 + 800, 2: 400, 3: 700})


# --- signals ------------------------------------------------------------------------------------


def test_every_signal_is_described():
    assert set(collection.DESCRIPTIONS) == set(signals.SIGNALS)


def test_reads_the_customers_of_the_items_and_of_the_stored_figures(book):
    items, _allocs = book
    stats = pd.DataFrame({"tier": ["core", "general"]}, index=pd.Index([4, 0], name="partner_id"))
    customers, dates = collection.reads(items, stats, AS_OF)
    assert customers == [1, 2, 3, 4]
    assert dates == (AS_OF, datetime.date(2024, 4, 1), datetime.date(2024, 5, 31))


def test_found_signals_and_their_evidence(book):
    settings = collection.Settings(
        since=datetime.date(2024, 6, 20),
        bucket_ids={"d31_60": 7},
        thresholds=signals.SignalThresholds(due_soon_days=1),
    )
    found = _run(book, settings=settings)["signals"]
    due_soon = found[1, "due_soon"]
    assert due_soon == {
        "severity": "warn",
        "evidence_data": {"count": 1, "amount": 1170.0, "date": "2024-07-01"},
        "amount_at_risk": 1170.0,
        "value": 1,
        "threshold": 1,
        "event": "2024-07-01",
    }
    # fallen due since the previous run on 2024-06-20
    new_overdue = found[3, "new_overdue"]
    assert new_overdue["evidence_data"] == {"count": 1, "amount": 300.0}
    assert (new_overdue["value"], new_overdue["threshold"], new_overdue["event"]) == (1, 0.0, "")
    # 26 days overdue then, 36 now
    moved = found[3, "bucket_move"]
    assert moved["evidence_data"] == {
        "count": 1,
        "amount": 400.0,
        "bucket": "d31_60",
        "bucket_id": 7,
    }
    assert (moved["severity"], moved["threshold"], moved["event"]) == ("warn", 61, "d31_60")
    assert (2, "new_overdue") not in found


def test_grade_downgrade_from_the_history(book):
    history = pd.DataFrame(
        [
            (AS_OF, 2, "D", 0.5),
            (datetime.date(2024, 5, 31), 2, "B", 0.1),
            (datetime.date(2024, 4, 1), 2, "B", 0.1),
            (datetime.date(2024, 5, 31), 9, "A", 0.0),  # not a customer of the book
        ],
        columns=["date", "partner_id", "grade", "overdue_ratio"],
    )
    stats = pd.DataFrame({"tier": ["general"]}, index=pd.Index([2], name="partner_id"))
    inputs = collection.Inputs(stats=stats, history=history)
    found = _run(book, inputs=inputs)["signals"]
    downgrade = found[2, "grade_downgrade"]
    assert downgrade["severity"] == "alert"
    assert downgrade["evidence_data"] == {"before": "B", "now": "D"}
    assert downgrade["event"] == "B>D"
    assert downgrade["value"] is None and downgrade["threshold"] is None
    share = found[2, "overdue_share"]
    assert share["evidence_data"] == {"now": 0.5, "before": 0.1}
    assert not any(partner == 9 for partner, _name in found)


def test_credit_utilisation_from_core_figures(book):
    credit = pd.DataFrame(
        {
            "credit": [2500.0, 50.0],
            "credit_to_invoice": [300.0, 0.0],
            "credit_limit": [2000.0, 1.0],
        },
        index=pd.Index([1, 8], name="partner_id"),
    )
    inputs = collection.Inputs(credit=credit)
    found = _run(book, inputs=inputs)["signals"]
    used = found[1, "credit_utilisation"]
    assert used["evidence_data"] == {"exposure": 2800.0, "limit": 2000.0, "ratio": 1.4}
    assert used["threshold"] == signals.UTILISATION_WARN
    assert used["amount_at_risk"] == pytest.approx(800.0)
    assert (8, "credit_utilisation") not in found


def test_broken_promises_per_customer():
    promises = pd.DataFrame(
        [(5, 31, 40.0), (6, 12, 20.0), (5, 30, 70.5), (7, 40, 0.5)],
        columns=["partner_id", "move_id", "unpaid"],
    )
    settings = collection.Settings(
        promise_grace_days=3, thresholds=signals.SignalThresholds(min_amount=10.0)
    )
    found = collection.broken_promises(promises, settings)
    assert list(found) == [(5, "broken_promise"), (6, "broken_promise")]
    assert found[5, "broken_promise"] == {
        "severity": "alert",
        "evidence_data": {"count": 2, "amount": 110.5},
        "amount_at_risk": 110.5,
        "value": 2,
        "threshold": 3,
        "event": "30,31",
    }
    assert collection.broken_promises(None, settings) == {}


def test_worst_severity_per_customer():
    found = {
        (1, "due_soon"): {"severity": "warn"},
        (1, "cusum"): {"severity": "alert"},
        (2, "index_drop"): {"severity": "warn"},
    }
    assert collection.worst_severity(found) == {1: "alert", 2: "warn"}


def test_the_worst_severity_of_a_run_covers_its_signals(book):
    promises = pd.DataFrame([(2, 20, 200.0)], columns=["partner_id", "move_id", "unpaid"])
    result = _run(book, inputs=collection.Inputs(promises=promises))
    assert result["signals"][2, "broken_promise"]["event"] == "20"
    assert result["severity"][2] == "alert"
    assert set(result["severity"]) == {partner for partner, _name in result["signals"]}
