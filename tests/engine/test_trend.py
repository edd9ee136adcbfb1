"""Monthly collection trend per customer and company (metrics.md section 6)."""

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest
from ar_analytics_engine import forecast, trend

VECTOR = {"abs": 1e-3}


def settled(items, allocs, as_of):
    items_cut, allocs_cut = engine.prepare_frames(items, allocs, as_of)
    return engine.settle_prepared(items_cut, allocs_cut, as_of), allocs_cut


def series_of(items, allocs, as_of, months=6, by="partner_id"):
    items_out, allocs_cut = settled(items, allocs, as_of)
    return trend.monthly_series(items_out, allocs_cut, as_of, months, by)


@pytest.fixture
def invoices_a_b(ledger):
    """metrics.md section 2: A 1,000 (01-01, due 01-31) paid 600 on 02-10 and 400 on
    03-02; B 500 (01-15, due 02-14) paid 02-14; plus a 100 credit note on 02-20."""
    a = ledger.item(1000, "2024-01-01", "2024-01-31")
    b = ledger.item(500, "2024-01-15", "2024-02-14")
    ledger.alloc(a, 600, "2024-02-10")
    ledger.alloc(a, 400, "2024-03-02")
    ledger.alloc(b, 500, "2024-02-14")
    ledger.item(-100, "2024-02-20", move_type="out_refund")
    return ledger.frames()


def random_book(ledger, partners=12, n_items=500, seed=11):
    rng = np.random.default_rng(seed)
    start = np.datetime64("2022-01-01")
    for _ in range(n_items):
        partner = int(rng.integers(1, partners + 1))
        date = start + np.timedelta64(int(rng.integers(0, 900)), "D")
        if rng.random() < 0.08:
            ledger.item(
                -float(rng.integers(10, 400)), date, partner=partner, move_type="out_refund"
            )
            continue
        amount = float(rng.integers(100, 5_000))
        due = date + np.timedelta64(int(rng.choice([0, 30, 45])), "D")
        item = ledger.item(amount, date, due, partner=partner)
        for share in rng.dirichlet([1, 1])[: int(rng.integers(0, 3))]:
            kind = str(rng.choice(["cash", "cash", "cash", "credit_note", "adjustment"]))
            pay = due + np.timedelta64(int(rng.integers(-15, 80)), "D")
            ledger.alloc(item, round(share * amount, 2), max(pay, date), kind=kind)
    return ledger.frames()


@pytest.fixture(scope="module")
def book(ledger_class):
    return random_book(ledger_class())


def test_series_months_are_complete_months():
    assert list(trend.series_months("2024-03-31", 3).strftime("%Y-%m")) == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]
    mid_month = trend.series_months("2024-03-30", 2)
    assert list(mid_month.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-02-01"]


def test_monthly_figures_of_the_section_2_vector(invoices_a_b):
    items, allocs = invoices_a_b
    rows = series_of(items, allocs, "2024-04-30", months=4).loc[1]
    jan, feb, mar, apr = (rows.loc[pd.Timestamp(f"2024-{m:02d}-01")] for m in (1, 2, 3, 4))
    assert (jan["invoiced"], feb["invoiced"], mar["invoiced"]) == (1500.0, -100.0, 0.0)
    assert (jan["collected"], feb["collected"], mar["collected"]) == (0.0, 1100.0, 400.0)
    assert feb["wadp"] == pytest.approx((600 * 40 + 500 * 30) / 1100)
    assert feb["wadl"] == pytest.approx(600 * 10 / 1100)
    assert (mar["wadp"], mar["wadl"]) == (61.0, 31.0)
    assert np.isnan(jan["wadp"]) and np.isnan(apr["wadl"]), "no payment: undefined, not 0"
    assert jan["collection_rate"] == 0.0, "A due 01-31 unpaid at 01-31"
    assert feb["collection_rate"] == 1.0, "B due 02-14 paid on 02-14"
    assert np.isnan(mar["collection_rate"]), "nothing due in March"
    assert feb["cei"] == pytest.approx(100 * (1500 - 100 - 300) / (1500 - 100 - 0))
    assert apr["collected"] == 0.0


def test_monthly_wadp_adds_up_to_the_window_wadp(invoices_a_b):
    items, allocs = invoices_a_b
    rows = series_of(items, allocs, "2024-03-31", months=3).loc[1]
    weighted = (rows["collected"] * rows["wadp"]).sum() / rows["collected"].sum()
    assert weighted == pytest.approx(42.267, **VECTOR)


def test_changes_and_rolling_sums(ledger):
    for date, amount in [
        ("2023-01-10", 100),
        ("2024-01-10", 130),
        ("2024-02-10", 195),
        ("2024-04-10", 50),
    ]:
        ledger.item(amount, date, date)
    items, allocs = ledger.frames()
    rows = series_of(items, allocs, "2024-04-30", months=16).loc[1]
    jan, feb, mar, apr = (rows.loc[pd.Timestamp(f"2024-{m:02d}-01")] for m in (1, 2, 3, 4))
    assert jan["invoiced_yoy"] == pytest.approx(0.3)
    assert feb["invoiced_mom"] == pytest.approx(0.5)
    assert mar["invoiced_mom"] == pytest.approx(-1.0)
    assert np.isnan(apr["invoiced_mom"]), "after an empty month: undefined"
    assert mar["invoiced_roll3"] == 325.0 and apr["invoiced_roll3"] == 245.0
    first = rows.iloc[:2]
    assert first["invoiced_roll3"].isna().all() and first["invoiced_mom"].isna().iloc[0]
    assert jan["collection_rate"] == 0.0 and np.isnan(mar["collection_rate"])
    assert np.isnan(mar["collection_rate_mom"]), "rates: differences, NaN when undefined"
    assert feb["collection_rate_mom"] == 0.0


def test_rate_changes_are_differences(invoices_a_b):
    items, allocs = invoices_a_b
    rows = series_of(items, allocs, "2024-03-31", months=3).loc[1]
    mar = rows.loc[pd.Timestamp("2024-03-01")]
    feb = rows.loc[pd.Timestamp("2024-02-01")]
    assert mar["wadp_mom"] == pytest.approx(mar["wadp"] - feb["wadp"])
    assert mar["cei_mom"] == pytest.approx(mar["cei"] - feb["cei"])
    assert feb["collection_rate_mom"] == pytest.approx(1.0)


def test_columns_and_index(invoices_a_b):
    items, allocs = invoices_a_b
    out = series_of(items, allocs, "2024-03-31", months=3)
    assert list(out.columns) == trend.series_columns()
    assert out.index.names == ["partner_id", "month"]
    assert len(out) == 3


def test_empty_book_gives_an_empty_series(ledger):
    items, allocs = ledger.frames()
    out = series_of(items, allocs, "2024-03-31", months=3)
    assert out.empty
    assert list(out.columns) == trend.series_columns()


def test_monthly_cei_matches_section_3_at_each_month_end(book):
    """CEI with N = 1 equals cei_figures(months=1) at month ends whose previous month
    ends one calendar month earlier (31-day months)."""
    items, allocs = book
    series = series_of(items, allocs, "2024-06-30", months=30)
    checked = 0
    for month_end in ["2023-01-31", "2023-03-31", "2023-05-31", "2023-08-31", "2024-03-31"]:
        items_out, allocs_cut = settled(items, allocs, month_end)
        expected = engine.cei_figures(items_out, allocs_cut, month_end, months=1)
        month = pd.Timestamp(month_end).replace(day=1)
        got = series.xs(month, level="month")["cei"].reindex(expected.index)
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), equal_nan=True)
        checked += expected.notna().sum()
    assert checked > 20


def test_monthly_cei_one_percent_floor(floored_book):
    """docs/metrics.md "CEI monthly", vector 2 by calendar month: January 75, February
    98.75, March none (denominator 10 under 1 % of 10,100)."""
    items, allocs = floored_book
    rows = series_of(items, allocs, "2024-03-31", months=3).loc[1]
    np.testing.assert_allclose(rows["cei"].to_numpy(), [75.0, 98.75, np.nan])
    assert rows["cei_mom"].iloc[1] == pytest.approx(23.75)
    assert np.isnan(rows["cei_mom"].iloc[2])


@pytest.mark.parametrize("by", ["partner_id", "company_id"])
def test_cei_figure_is_the_mean_of_the_last_3_monthly_ceis(book, by):
    """At a month end the 3 windows of the customer (company) figure are calendar
    months: its CEI is the mean of the trend's last 3 monthly CEIs that are defined."""
    items, allocs = book
    series = series_of(items, allocs, "2024-03-31", months=3, by=by)
    expected = series["cei"].unstack("month").mean(axis=1)
    figures = engine.partner_figures(items, allocs, "2024-03-31", by=by)
    np.testing.assert_allclose(
        figures["cei"].to_numpy(), expected.reindex(figures.index).to_numpy(), equal_nan=True
    )
    assert figures["cei"].notna().sum() >= (8 if by == "partner_id" else 1)


def test_monthly_collection_rate_matches_section_3_at_each_month_end(book):
    items, allocs = book
    series = series_of(items, allocs, "2024-06-30", months=30)
    checked = 0
    for month in pd.period_range("2023-01", "2024-06", freq="M"):
        month_end = month.end_time.normalize()
        items_out, _ = settled(items, allocs, month_end)
        expected = engine.collection_rates(items_out, month_end, window_days=month.days_in_month)
        got = series.xs(month.start_time, level="month")["collection_rate"]
        got = got.reindex(expected.index)
        np.testing.assert_allclose(
            got.to_numpy(), expected["collection_rate"].to_numpy(), equal_nan=True
        )
        checked += expected["collection_rate"].notna().sum()
    assert checked > 50


def test_collected_is_the_cash_of_the_window(book):
    items, allocs = book
    series = series_of(items, allocs, "2024-06-30", months=12)
    _, allocs_cut = settled(items, allocs, "2024-06-30")
    cash = allocs_cut.loc[
        (allocs_cut["kind"] == "cash")
        & (allocs_cut["pay_date"] >= "2023-07-01")
        & (allocs_cut["pay_date"] <= "2024-06-30")
    ]
    assert series["collected"].sum() == pytest.approx(cash["value"].sum())
    assert (series["collected"] >= 0).all()


def test_company_series_adds_the_customer_amounts(book):
    items, allocs = book
    partners = series_of(items, allocs, "2024-06-30", months=12)
    company = series_of(items, allocs, "2024-06-30", months=12, by="company_id").loc[1]
    for column in ("invoiced", "collected"):
        summed = partners[column].groupby(level="month").sum()
        np.testing.assert_allclose(company[column].to_numpy(), summed.to_numpy())
    weights = partners["collected"].where(partners["wadp"].notna(), 0.0)
    weighted = (weights * partners["wadp"].fillna(0.0)).groupby(level="month").sum()
    expected = weighted / weights.groupby(level="month").sum()
    np.testing.assert_allclose(company["wadp"].to_numpy(), expected.to_numpy(), equal_nan=True)


def test_ols_slope():
    assert trend.ols_slope([[1.0, 3.0, 5.0, 7.0]]).tolist() == [2.0]
    values = np.array([[1.0, np.nan, 5.0, 7.0], [4.0, np.nan, np.nan, np.nan]])
    slope = trend.ols_slope(values)
    assert slope[0] == pytest.approx(np.polyfit([0, 2, 3], [1, 5, 7], 1)[0])
    assert np.isnan(slope[1]), "a single month has no slope"


def test_trend_slopes_use_the_last_months(ledger):
    for month, amount in enumerate([500, 100, 200, 300, 400], start=1):
        ledger.item(amount, f"2024-{month:02d}-05", f"2024-{month:02d}-05")
    items, allocs = ledger.frames()
    series = series_of(items, allocs, "2024-05-31", months=5)
    slopes = trend.trend_slopes(series, months=4)
    assert slopes.loc[1, "invoiced_slope"] == pytest.approx(100.0)
    assert np.isnan(slopes.loc[1, "wadp_slope"])
    assert trend.trend_slopes(series, months=5).loc[1, "invoiced_slope"] == pytest.approx(
        np.polyfit(range(5), [500, 100, 200, 300, 400], 1)[0]
    )


def test_series_matrix_feeds_the_forecast(book):
    items, allocs = book
    series = series_of(items, allocs, "2024-06-30", months=24)
    matrix = trend.series_matrix(series, "collected")
    assert matrix.shape == (12, 24)
    assert list(matrix.columns) == list(trend.series_months("2024-06-30", 24))
    out = forecast.forecast_frame(matrix, h=3)
    assert out["model"].notna().all()
    assert (out[["forecast_1", "forecast_2", "forecast_3"]] >= 0).all().all()
