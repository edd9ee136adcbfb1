"""Expected payment date of open items and expected cash (metrics.md section 6)."""

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest
from ar_analytics_engine import expected

AS_OF = "2024-06-30"


def settled(ledger, as_of=AS_OF):
    items, allocs = ledger.frames()
    items_cut, allocs_cut = engine.prepare_frames(items, allocs, as_of)
    return engine.settle_prepared(items_cut, allocs_cut, as_of), allocs_cut


def paid_history(ledger, delays, *, partner=1, amounts=None, start="2024-01-01", kind="cash"):
    """One invoice per delay (due 30 days after its date), paid ``delay`` days late."""
    amounts = amounts or [100.0] * len(delays)
    for position, (delay, amount) in enumerate(zip(delays, amounts, strict=True)):
        date = pd.Timestamp(start) + pd.Timedelta(days=3 * position)
        due = date + pd.Timedelta(days=30)
        item = ledger.item(amount, date, due, partner=partner)
        ledger.alloc(item, amount, due + pd.Timedelta(days=delay), kind=kind)


def payments(ledger, **kwargs):
    return expected.expected_payments(*settled(ledger), AS_OF, **kwargs)


def test_customer_median_is_amount_weighted(ledger):
    paid_history(ledger, [0, 5, 10, 20, 30, 40], amounts=[100, 100, 100, 100, 100, 500])
    open_id = ledger.item(1000, "2024-06-20", "2024-07-10")
    row = payments(ledger).loc[open_id]
    assert row["source"] == "customer"
    assert row["n_obs"] == 6
    assert row["delay"] == 30.0, "unweighted median would be 15"
    assert row["expected_date"] == pd.Timestamp("2024-08-09")


def test_weighted_median_is_the_lower_one_at_an_exact_half(ledger):
    paid_history(ledger, [2, 4, 6, 8, 10, 12])
    open_id = ledger.item(500, "2024-06-25", "2024-07-05")
    assert payments(ledger).loc[open_id, "delay"] == 6.0


def test_overdue_item_uses_only_longer_delays(ledger):
    paid_history(ledger, [0, 1, 2, 20, 25, 30, 35, 60])
    overdue = ledger.item(800, "2024-05-01", "2024-06-15")
    not_due = ledger.item(800, "2024-06-20", "2024-07-20")
    out = payments(ledger)
    assert out.loc[overdue, "dpd"] == 15
    assert out.loc[overdue, "n_obs"] == 5
    assert out.loc[overdue, "delay"] == 30.0
    assert out.loc[overdue, "expected_date"] > pd.Timestamp(AS_OF)
    assert out.loc[not_due, "n_obs"] == 8
    assert out.loc[not_due, "delay"] == 20.0


def test_customers_without_history_fall_back_to_the_tier_then_the_company(ledger):
    paid_history(ledger, [10, 10, 10, 10, 10], partner=1)
    paid_history(ledger, [40, 40, 40], partner=2)
    paid_history(ledger, [0, 0, 0], partner=3)
    items = {p: ledger.item(100, "2024-06-20", "2024-07-20", partner=p) for p in (1, 2, 3, 4)}
    tiers = pd.Series({1: "core", 2: "general", 3: "general", 4: "core"})
    out = payments(ledger, tiers=tiers)
    assert out.loc[items[1], ["source", "delay"]].tolist() == ["customer", 10.0]
    assert out.loc[items[2], ["source", "n_obs", "delay"]].tolist() == ["tier", 6, 0.0]
    assert out.loc[items[4], ["source", "n_obs", "delay"]].tolist() == ["tier", 5, 10.0]
    without_tiers = payments(ledger)
    assert without_tiers.loc[items[2], ["source", "n_obs", "delay"]].tolist() == [
        "company",
        11,
        10.0,
    ]


def test_no_usable_history_means_the_due_date(ledger):
    paid_history(ledger, [0, 5, 10])
    overdue = ledger.item(400, "2024-04-01", "2024-05-16", partner=2)
    fresh = ledger.item(400, "2024-06-20", "2024-07-20", partner=2)
    out = payments(ledger)
    for item_id in (overdue, fresh):
        row = out.loc[item_id]
        assert row["source"] == "due_date"
        assert row["n_obs"] == 0
        assert np.isnan(row["delay"])
        assert row["expected_date"] == row["due"]


def test_only_cash_of_the_last_24_months_counts(ledger):
    paid_history(ledger, [50] * 5, start="2021-06-01")
    paid_history(ledger, [5] * 5, kind="credit_note")
    paid_history(ledger, [0, 0, 0, 0, 0], start="2023-09-01")
    open_id = ledger.item(100, "2024-06-20", "2024-07-20")
    row = payments(ledger).loc[open_id]
    assert (row["n_obs"], row["delay"]) == (5, 0.0)
    longer = payments(ledger, months=40).loc[open_id]
    assert (longer["n_obs"], longer["delay"]) == (10, 0.0)


def test_min_obs_is_a_parameter(ledger):
    paid_history(ledger, [7, 7, 7])
    open_id = ledger.item(100, "2024-06-20", "2024-07-20")
    assert payments(ledger).loc[open_id, "source"] == "due_date"
    assert payments(ledger, min_obs=3).loc[open_id, "source"] == "customer"


def test_only_open_positive_items_are_expected(ledger):
    paid_history(ledger, [0] * 5)
    ledger.item(-50, "2024-06-01", move_type="out_refund")
    out = payments(ledger)
    assert out.empty
    assert list(out.columns) == [
        "partner_id",
        "company_id",
        "residual",
        "due",
        "dpd",
        "source",
        "n_obs",
        "delay",
        "expected_date",
    ]


def test_cash_periods():
    weeks = expected.cash_periods(AS_OF)
    assert len(weeks) == 13
    assert weeks.iloc[0].tolist() == [pd.Timestamp("2024-07-01"), pd.Timestamp("2024-07-07")]
    assert weeks.iloc[-1, 1] == pd.Timestamp("2024-09-29")
    months = expected.cash_periods("2024-06-15", "month")
    assert len(months) == 6
    assert months.iloc[0].tolist() == [pd.Timestamp("2024-06-16"), pd.Timestamp("2024-06-30")]
    assert months.iloc[1].tolist() == [pd.Timestamp("2024-07-01"), pd.Timestamp("2024-07-31")]
    assert expected.cash_periods(AS_OF, "month", 2).iloc[0, 0] == pd.Timestamp("2024-07-01")
    with pytest.raises(ValueError, match="freq"):
        expected.cash_periods(AS_OF, "day")
    with pytest.raises(ValueError, match="positive"):
        expected.cash_periods(AS_OF, "week", 0)


@pytest.fixture
def projected(ledger):
    """Partner 1: delays 0, 5, 10, 20, 30, 40 (the last weighing 500 of 1,000); item of
    1,000 due 07-10.  Partner 2: no history (company pool), 300 due 07-05.  Partner 3:
    400 overdue 45 days, no pool delay > 45: uncertain."""
    paid_history(ledger, [0, 5, 10, 20, 30, 40], amounts=[100, 100, 100, 100, 100, 500])
    ledger.item(1000, "2024-06-20", "2024-07-10")
    ledger.item(300, "2024-06-25", "2024-07-05", partner=2)
    ledger.item(400, "2024-04-01", "2024-05-16", partner=3)
    return settled(ledger)


def test_expected_cash_per_week(projected):
    cash = expected.expected_cash(*projected, AS_OF)
    weeks = cash.periods
    assert list(weeks.columns) == list(expected.cash_periods(AS_OF)["start"])
    partner_1 = weeks.loc[1].to_numpy()
    np.testing.assert_allclose(partner_1[:8], [0, 100, 200, 0, 100, 100, 0, 500])
    assert partner_1[8:].sum() == 0.0
    np.testing.assert_allclose(weeks.loc[2].to_numpy()[:7], [30, 30, 30, 30, 30, 0, 150])
    assert cash.uncertain.to_dict() == {1: 0.0, 2: 0.0, 3: 400.0}
    assert cash.later.sum() == 0.0


def test_expected_cash_adds_up_to_the_open_amount(projected):
    for freq, count in (("week", 2), ("month", 6)):
        cash = expected.expected_cash(*projected, AS_OF, freq=freq, count=count)
        total = cash.periods.sum(axis=1) + cash.later + cash.uncertain
        np.testing.assert_allclose(total.to_numpy(), [1000.0, 300.0, 400.0])
    two_weeks = expected.expected_cash(*projected, AS_OF, count=2)
    assert two_weeks.later.loc[1] == pytest.approx(900.0)


def test_expected_cash_per_month_and_company(projected):
    cash = expected.expected_cash(*projected, AS_OF, freq="month", by="company_id")
    assert cash.periods.loc[1].tolist()[:3] == pytest.approx([520.0, 780.0, 0.0])
    assert cash.uncertain.loc[1] == 400.0


def test_early_payers_are_expected_in_the_first_period(ledger):
    paid_history(ledger, [-20] * 5)
    ledger.item(250, "2024-06-20", "2024-07-03")
    cash = expected.expected_cash(*settled(ledger), AS_OF)
    assert cash.periods.loc[1].iloc[0] == 250.0


def test_overdue_items_only_spread_over_longer_delays(ledger):
    paid_history(ledger, [0, 0, 0, 0, 0, 30, 30, 30, 30, 60])
    ledger.item(100, "2024-05-01", "2024-06-20")
    cash = expected.expected_cash(*settled(ledger), AS_OF, freq="month")
    assert cash.periods.loc[1].tolist()[:3] == pytest.approx([80.0, 20.0, 0.0])


# --- expected dates against naive dates (docs/metrics.md) --------------------------------

LATER = "2024-12-31"


def date_errors(ledger, then=AS_OF, later=LATER, **kwargs):
    items, allocs = ledger.frames()
    items_then, allocs_then = settled(ledger, then)
    items_later = engine.settle(items, allocs, later)
    return expected.payment_date_errors(items_then, allocs_then, then, items_later, **kwargs)


def test_payment_date_vector(ledger):
    """Paid 0, 10, 10, 20 and 60 days late (lower weighted median 10, WADL 20); X due 07-10
    paid 07-25, Z due 07-20 paid 07-30, W still open: MAE 2.5 / 12.5 / 7.5 on 2 items."""
    paid_history(ledger, [0, 10, 10, 20, 60])
    x = ledger.item(300, "2024-06-10", "2024-07-10")
    ledger.alloc(x, 300, "2024-07-25")
    z = ledger.item(200, "2024-06-20", "2024-07-20")
    ledger.alloc(z, 200, "2024-07-30")
    ledger.item(100, "2024-06-15", "2024-07-15")
    errors = date_errors(ledger)
    assert errors.index.tolist() == [x, z]
    assert errors["expected_date"].tolist() == [
        pd.Timestamp("2024-07-20"),
        pd.Timestamp("2024-07-30"),
    ]
    assert errors["mean_late_date"].tolist() == [
        pd.Timestamp("2024-07-30"),
        pd.Timestamp("2024-08-09"),
    ]
    assert errors["expected_error"].tolist() == [5.0, 0.0]
    assert errors["due_error"].tolist() == [15.0, 10.0]
    assert errors["mean_late_error"].tolist() == [5.0, 10.0]
    assert expected.payment_date_mae(errors) == {
        "items": 2,
        "expected_mae": 2.5,
        "due_mae": 12.5,
        "mean_late_mae": 7.5,
    }


def test_only_items_open_then_and_paid_in_cash_since_count(ledger):
    paid_history(ledger, [5] * 5)
    closed_before = ledger.item(100, "2024-05-01", "2024-05-31")
    ledger.alloc(closed_before, 100, "2024-06-10")
    credited = ledger.item(100, "2024-06-01", "2024-07-01")
    ledger.alloc(credited, 100, "2024-07-05", kind="credit_note")
    partly = ledger.item(100, "2024-06-01", "2024-07-01")
    ledger.alloc(partly, 60, "2024-07-10")
    booked_later = ledger.item(100, "2024-07-05", "2024-08-04")
    ledger.alloc(booked_later, 100, "2024-08-04")
    two_payments = ledger.item(100, "2024-06-01", "2024-07-01")
    ledger.alloc(two_payments, 40, "2024-06-20")
    ledger.alloc(two_payments, 60, "2024-07-12")
    errors = date_errors(ledger)
    assert errors.index.tolist() == [two_payments]
    assert errors.loc[two_payments, "actual"] == pd.Timestamp("2024-07-12"), "the last cash"
    assert expected.payment_date_mae(errors.iloc[:0]) == {
        "items": 0,
        "expected_mae": pytest.approx(float("nan"), nan_ok=True),
        "due_mae": pytest.approx(float("nan"), nan_ok=True),
        "mean_late_mae": pytest.approx(float("nan"), nan_ok=True),
    }


def test_mean_days_late_is_the_customers_own_and_weighted(ledger):
    """Customer 1: 100 paid 0 late and 300 paid 11 late, WADL 8.25, rounded to 8 days;
    customer 2 without any history: the due date (and the company pool for the expected
    date)."""
    paid_history(ledger, [0, 11, 11, 11], amounts=[100, 100, 100, 100])
    paid_history(ledger, [30, 30, 30, 30, 30], partner=3)
    one = ledger.item(100, "2024-06-20", "2024-07-20")
    ledger.alloc(one, 100, "2024-08-01")
    two = ledger.item(100, "2024-06-20", "2024-07-20", partner=2)
    ledger.alloc(two, 100, "2024-08-01")
    errors = date_errors(ledger)
    assert errors.loc[one, "mean_late_date"] == pd.Timestamp("2024-07-28")
    assert errors.loc[two, "mean_late_date"] == pd.Timestamp("2024-07-20")
    # nobody with 5 observations of their own: the company pool, 9 delays, median 30
    assert errors.loc[[one, two], "expected_date"].tolist() == [pd.Timestamp("2024-08-19")] * 2
    assert errors.loc[[one, two], "due_error"].tolist() == [12.0, 12.0]
