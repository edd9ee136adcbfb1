"""metrics.md test vectors of sections 2 and 3, reproduced to the stated decimals
(3-decimal vectors with abs=1e-3, 2-decimal vectors by rounding)."""

import math

import ar_analytics_engine as engine
import numpy as np
import pytest

VECTOR = {"abs": 1e-3}


@pytest.fixture
def invoices_a_b(ledger):
    """Invoice A 1,000 (01-01, due 01-31) paid 600 on 02-10 and 400 on 03-02;
    invoice B 500 (01-15, due 02-14) paid on 02-14 (metrics.md section 2)."""
    a = ledger.item(1000, "2024-01-01", "2024-01-31")
    b = ledger.item(500, "2024-01-15", "2024-02-14")
    ledger.alloc(a, 600, "2024-02-10")
    ledger.alloc(a, 400, "2024-03-02")
    ledger.alloc(b, 500, "2024-02-14")
    return ledger.frames()


def test_payment_behaviour_vector(invoices_a_b):
    items, allocs = invoices_a_b
    row = engine.partner_figures(items, allocs, "2024-03-31").loc[1]
    assert row["n_obs"] == 3
    assert row["wadp"] == pytest.approx(42.267, **VECTOR)
    assert row["wat"] == pytest.approx(30, **VECTOR)
    assert row["wadl"] == pytest.approx(12.267, **VECTOR)
    assert row["dbt"] == pytest.approx(12.267, **VECTOR)
    assert row["adl"] == pytest.approx(15.5, **VECTOR)
    assert row["wadp"] == pytest.approx(row["wat"] + row["wadl"], abs=1e-9)
    assert round(row["payment_index"], 2) == 69.24


@pytest.mark.parametrize(
    ("days", "points"),
    [
        (-40, 100),
        (-25, 95),
        (-10, 85),
        (0, 80),
        (7.5, 75),
        (15, 70),
        (26, 55),
        (45, 45),
        (150, 10),
        (200, 0),
    ],
)
def test_index_curve_checks(days, points):
    assert engine.index_curve(days) == pytest.approx(points, **VECTOR)


def test_index_curve_is_vectorised():
    values = engine.index_curve(np.array([-40.0, 0.0, np.nan, 200.0]))
    np.testing.assert_allclose(values, [100.0, 80.0, np.nan, 0.0])


@pytest.mark.parametrize("third", ["cash", "open_past_due"])
def test_payment_index_vector(ledger, third):
    """{5,000 at 0, 5,000 at 0, 1,000 at 30} -> 77.27, the 1,000 either paid 30 days
    late or still open 30 days past due at as_of."""
    for _ in range(2):
        item = ledger.item(5000, "2024-05-01", "2024-05-31")
        ledger.alloc(item, 5000, "2024-05-31")
    late = ledger.item(1000, "2024-04-01", "2024-05-01")
    if third == "cash":
        ledger.alloc(late, 1000, "2024-05-31")
    items, allocs = ledger.frames()
    row = engine.partner_figures(items, allocs, "2024-05-31").loc[1]
    assert row["n_index_obs"] == 3
    assert round(row["payment_index"], 2) == 77.27


def test_payment_index_needs_min_obs(ledger):
    item = ledger.item(1000, "2024-01-01", "2024-01-31")
    ledger.alloc(item, 1000, "2024-01-31")
    items, allocs = ledger.frames()
    row = engine.partner_figures(items, allocs, "2024-03-31").loc[1]
    assert np.isnan(row["payment_index"])
    assert engine.partner_figures(items, allocs, "2024-03-31", min_obs=1).loc[
        1, "payment_index"
    ] == pytest.approx(80)


@pytest.mark.parametrize(
    ("ar", "sales", "days", "expected"),
    [
        (250_000, [120_000, 100_000, 90_000], [31, 29, 31], 70.333),
        (212_000, [100_000, 80_000, 70_000], [30, 30, 30], 73.714),
        (15_000, [10_000, 10_000], [30, 30], 45.0),
        (4_000, [10_000, 10_000], [30, 30], 12.0),
    ],
)
def test_dso_countback_vectors(ar, sales, days, expected):
    value, flag = engine.dso_countback(ar, sales, days)
    assert value == pytest.approx(expected, **VECTOR)
    assert flag is None


@pytest.mark.parametrize(
    ("ar", "sales", "days", "expected", "flag"),
    [
        (50_000, [10_000, 0, 90_000], [31, 29, 31], 31.0, "nonpositive_month"),
        (50_000, [-5_000, 90_000], [31, 29], float("nan"), "nonpositive_month"),
        (500_000, [100_000, 100_000], [31, 29], 60.0, "horizon"),
        (500_000, [100_000, 100_000, 100_000], [31, 29, 31], 60.0, "horizon"),
        (0, [100_000], [31], 0.0, None),
        (-100, [100_000], [31], 0.0, None),
        (100, [], [], 0.0, "horizon"),
    ],
)
def test_dso_countback_stops(ar, sales, days, expected, flag):
    value, got_flag = engine.dso_countback(ar, sales, days, horizon=2)
    if math.isnan(expected):
        assert math.isnan(value), "stopped before counting a day: undefined, not 0"
    else:
        assert value == pytest.approx(expected, **VECTOR)
    assert got_flag == flag


def test_add_vector():
    dso = engine.dso_simple(15_000, 10_000, 30)
    bpdso = engine.dso_simple(4_000, 10_000, 30)
    assert dso == pytest.approx(45, **VECTOR)
    assert bpdso == pytest.approx(12, **VECTOR)
    assert dso - bpdso == pytest.approx(33, **VECTOR)


def test_dso_simple_undefined_without_sales():
    assert np.isnan(engine.dso_simple(100, 0, 30))
    np.testing.assert_allclose(
        engine.dso_simple(np.array([100.0, 50.0]), np.array([0.0, 100.0]), 30),
        [np.nan, 15.0],
    )


def test_cei_vector():
    assert round(engine.cei(6_200, 10_890, 3, 6_340, 3_590), 2) == 55.93
    assert np.isnan(engine.cei(0, 0, 3, 0, 0))


def test_cei_one_percent_floor():
    """docs/metrics.md "CEI monthly": a denominator under 1 % of Beg + S gives no CEI
    (the vector 2 month: 10 < 101 would read -900); exactly 1 % is kept."""
    assert np.isnan(engine.cei(100, 10_000, 1, 10_190, 10_090))
    assert engine.cei(100, 9_900, 1, 9_950, 9_900) == pytest.approx(50.0)
    assert np.isnan(engine.cei(100, 9_900, 1, 9_950, 9_900.01))
    np.testing.assert_allclose(
        engine.cei(
            np.array([4_000.0, 100.0]),
            np.array([2_000.0, 10_000.0]),
            1,
            np.array([3_000.0, 10_190.0]),
            np.array([2_000.0, 10_090.0]),
        ),
        [75.0, np.nan],
    )


def test_countback_per_partner_vector(ledger):
    """The 70.333 vector from frames: Jan 90,000, Feb 100,000, Mar 120,000 (2024),
    60,000 collected, AR 250,000 at 2024-03-31; March not yet due (current AR
    120,000 -> BPDSO 31)."""
    jan = ledger.item(90_000, "2024-01-10", "2024-02-09")
    ledger.item(100_000, "2024-02-10", "2024-03-11")
    ledger.item(120_000, "2024-03-10", "2024-04-09")
    ledger.alloc(jan, 60_000, "2024-02-05")
    items, allocs = ledger.frames()
    row = engine.partner_figures(items, allocs, "2024-03-31").loc[1]
    assert row["total_ar"] == pytest.approx(250_000)
    assert row["dso"] == pytest.approx(70.333, **VECTOR)
    assert row["dso_flag"] is None
    assert row["bpdso"] == pytest.approx(31, **VECTOR)
    assert row["add"] == pytest.approx(39.333, **VECTOR)


def settled_frames(items, allocs, as_of):
    items_cut, allocs_cut = engine.prepare_frames(items, allocs, as_of)
    return engine.settle_prepared(items_cut, allocs_cut, as_of), allocs_cut


def test_cei_per_partner_vector(ledger):
    """docs/metrics.md "CEI monthly", vector 1: the section 3 book (Beg 6,200 at
    2024-03-30, sales 10,890, end 6,340 of which 3,590 not yet due at 2024-06-30: 55.93
    with N = 3) month by month: 100, 45 and 45.54, mean 63.51."""
    x = ledger.item(6_200, "2024-02-01", "2024-03-01")
    y = ledger.item(5_000, "2024-04-15", "2024-05-15")
    z = ledger.item(5_890, "2024-06-15", "2024-07-15")
    ledger.alloc(x, 6_200, "2024-04-10")
    ledger.alloc(y, 2_250, "2024-05-20")
    ledger.alloc(z, 2_300, "2024-06-20")
    items, allocs = ledger.frames()
    bounds = engine.cei_dates("2024-06-30")
    assert [d.strftime("%m-%d") for d in bounds] == ["03-30", "04-30", "05-30", "06-30"]
    items_out, allocs_cut = settled_frames(items, allocs, "2024-06-30")
    balances = engine.ar_balances(items_out, allocs_cut, bounds).loc[1]
    np.testing.assert_allclose(balances.to_numpy(), [6_200, 5_000, 2_750, 6_340])
    current = engine.current_ar_at(items_out, allocs_cut, bounds[1:]).loc[1]
    np.testing.assert_allclose(current.to_numpy(), [5_000, 0, 3_590])
    monthly = engine.monthly_cei(items_out, allocs_cut, bounds).loc[1]
    np.testing.assert_allclose(monthly.to_numpy(), [100.0, 45.0, 100 * 2_300 / 5_050])
    assert round(monthly.iloc[2], 2) == 45.54
    row = engine.partner_figures(items, allocs, "2024-06-30").loc[1]
    assert row["total_ar"] == pytest.approx(6_340)
    assert row["cei"] == pytest.approx((100 + 45 + 100 * 2_300 / 5_050) / 3)
    assert round(row["cei"], 2) == 63.51


def test_cei_floor_vector(floored_book):
    """Months 75, 98.75 and none (would be -900): CEI 86.875."""
    items, allocs = floored_book
    bounds = engine.cei_dates("2024-03-31")
    assert [d.strftime("%Y-%m-%d") for d in bounds] == [
        "2023-12-31",
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
    ]
    items_out, allocs_cut = settled_frames(items, allocs, "2024-03-31")
    balances = engine.ar_balances(items_out, allocs_cut, bounds).loc[1]
    np.testing.assert_allclose(balances.to_numpy(), [4_000, 3_000, 100, 10_190])
    current = engine.current_ar_at(items_out, allocs_cut, bounds[1:]).loc[1]
    np.testing.assert_allclose(current.to_numpy(), [2_000, 0, 10_090])
    monthly = engine.monthly_cei(items_out, allocs_cut, bounds).loc[1]
    np.testing.assert_allclose(monthly.to_numpy(), [75.0, 98.75, np.nan])
    row = engine.partner_figures(items, allocs, "2024-03-31").loc[1]
    assert row["cei"] == pytest.approx(86.875)
    totals = engine.partner_figures(items, allocs, "2024-03-31", by="company_id").loc[1]
    assert totals["cei"] == pytest.approx(86.875)


def test_countback_stopping_before_any_day_is_undefined_not_zero():
    value, flag = engine.dso_countback(5_000, [0, 100_000], [20, 31])
    assert math.isnan(value)
    assert flag == "nonpositive_month"
    value, flag = engine.dso_countback(150_000, [100_000, 0, 90_000], [30, 31, 30])
    assert value == pytest.approx(30.0), "a lower bound once some days are counted"
    assert flag == "nonpositive_month"
