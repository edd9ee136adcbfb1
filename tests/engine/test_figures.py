"""partner_figures / company totals (metrics.md sections 1-3)."""

import subprocess
import sys
from pathlib import Path

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest

ADDITIVE = [
    "booked_open",
    "total_ar",
    "unapplied_credits",
    *engine.bucket_columns(),
    "overdue_amount",
    "net_sales",
    "pending_amount",
    "n_obs",
]


def random_book(ledger, n_items=800, seed=7):
    """Random invoices, refunds and payments of 30 partners in 2 companies."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2022-07-01")
    for _ in range(n_items):
        partner = int(rng.integers(1, 31))
        company = 1 + partner % 2
        date = start + np.timedelta64(int(rng.integers(0, 730)), "D")
        due = date + np.timedelta64(int(rng.choice([0, 15, 30, 60])), "D")
        roll = rng.random()
        if roll < 0.1:
            ledger.item(
                -float(rng.integers(10, 500)),
                date,
                partner=partner,
                company=company,
                move_type="out_refund",
            )
            continue
        amount = float(rng.integers(100, 10_000))
        item = ledger.item(amount, date, due, partner=partner, company=company)
        if roll < 0.2:
            continue
        for share in rng.dirichlet([1, 1, 1])[: int(rng.integers(1, 4))]:
            kind = rng.choice(["cash", "cash", "cash", "pending", "credit_note", "adjustment"])
            value = round(share * amount, 2)
            pay = due + np.timedelta64(int(rng.integers(-20, 90)), "D")
            ledger.alloc(item, value, max(pay, date), kind=str(kind))
    return ledger.frames()


@pytest.fixture(scope="module")
def book(ledger_class):
    return random_book(ledger_class())


@pytest.fixture(scope="module")
def book_figures(book):
    """partner_figures of the random book at 2024-06-30, min_obs 1."""
    items, allocs = book
    return engine.partner_figures(items, allocs, "2024-06-30", min_obs=1)


def test_columns(book_figures):
    figures = book_figures
    assert list(figures.columns) == engine.figure_columns()
    assert figures.index.name == "partner_id"
    assert len(figures) == 30
    assert set(figures["dso_flag"].dropna()) <= {"nonpositive_month", "horizon"}


def test_company_totals_equal_sum_over_partners(book, book_figures):
    items, allocs = book
    partners = book_figures
    company = engine.partner_figures(items, allocs, "2024-06-30", by="company_id", min_obs=1)
    assert company.index.name == "company_id"
    key = partners.index.to_series().map(items.groupby("partner_id")["company_id"].first())
    summed = partners[ADDITIVE].groupby(key).sum()
    pd.testing.assert_frame_equal(
        company[ADDITIVE], summed.rename_axis("company_id"), check_dtype=False
    )
    assert company.loc[1, "last_payment_date"] == partners.loc[key == 1, "last_payment_date"].max()


def test_vectorised_groups_match_one_partner_at_a_time(book, book_figures):
    items, allocs = book
    figures = book_figures
    for partner in (2, 17):
        own = items["partner_id"] == partner
        alone = engine.partner_figures(
            items[own],
            allocs[allocs["item_id"].isin(items.loc[own, "item_id"])],
            "2024-06-30",
            min_obs=1,
        )
        pd.testing.assert_frame_equal(
            alone, figures.loc[[partner]], check_dtype=False, check_index_type=False
        )


def test_cei_windows_are_counted_from_as_of():
    """docs/metrics.md "CEI monthly": each bound is k calendar months before as_of,
    clipped to the month's length (never chained month by month)."""
    dates = [d.strftime("%Y-%m-%d") for d in engine.cei_dates("2024-05-31")]
    assert dates == ["2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"]
    dates = [d.strftime("%Y-%m-%d") for d in engine.cei_dates("2024-05-15", months=2)]
    assert dates == ["2024-03-15", "2024-04-15", "2024-05-15"]


def test_cei_is_the_mean_of_the_defined_months(ledger):
    """Mid-month as_of 2024-05-15: (02-15, 03-15] invoiced 1,000 due 04-14, nothing
    collectable yet (denominator 0: no CEI); (03-15, 04-15] 1,000 falls due, 400 paid: 40;
    (04-15, 05-15] 600 overdue, 600 paid: 100 -> mean 70 over the 2 defined months."""
    a = ledger.item(1_000, "2024-03-01", "2024-04-14")
    ledger.alloc(a, 400, "2024-04-10")
    ledger.alloc(a, 600, "2024-05-02")
    items, allocs = ledger.frames()
    figures = engine.partner_figures(items, allocs, "2024-05-15")
    assert figures.loc[1, "cei"] == pytest.approx(70.0)


def test_no_history_is_undefined(ledger):
    ledger.item(500, "2024-06-20", "2024-07-20", partner=5)
    a = ledger.item(1_000, "2024-01-01", "2024-01-31", partner=6)
    ledger.alloc(a, 1_000, "2024-01-31")
    ledger.item(100, "2024-07-05", partner=7)
    items, allocs = ledger.frames()
    figures = engine.partner_figures(items, allocs, "2024-06-30")
    assert list(figures.index) == [5, 6]
    new = figures.loc[5]
    assert new["n_obs"] == 0
    for column in ("wadp", "wat", "wadl", "dbt", "adl", "payment_index"):
        assert np.isnan(new[column]), column
    assert np.isnan(new["collection_rate"])
    assert np.isnan(new["on_time_rate"])
    assert pd.isna(new["last_payment_date"])
    assert new["max_dpd"] == 0
    assert new["overdue_ratio"] == 0
    assert new["dso"] == new["bpdso"] == pytest.approx(30)
    assert new["dso_flag"] is None
    settled = figures.loc[6]
    assert np.isnan(settled["overdue_ratio"])
    assert np.isnan(settled["cei"])
    assert settled["total_ar"] == 0
    assert settled["dso"] == 0
    assert np.isnan(settled["ar_turnover"])
    assert settled["wadl"] == 0


def test_collection_and_on_time_rates(ledger):
    """Due cohort: 1,000 due in the window, 200 credit-noted, 500 paid on time and
    200 late -> 700/800 and 500/800; an item due after as_of is not in the cohort."""
    inv = ledger.item(1_000, "2024-03-01", "2024-03-31")
    ledger.alloc(inv, 200, "2024-03-10", kind="credit_note")
    ledger.alloc(inv, 500, "2024-03-31")
    ledger.alloc(inv, 200, "2024-04-15")
    later = ledger.item(400, "2024-06-01", "2024-07-01")
    ledger.alloc(later, 400, "2024-06-05")
    old = ledger.item(300, "2023-01-01", "2023-01-31")
    ledger.alloc(old, 300, "2023-06-01")
    items, allocs = ledger.frames()
    rates = engine.collection_rates(engine.settle(items, allocs, "2024-06-30"), "2024-06-30")
    assert rates.loc[1, "collection_rate"] == pytest.approx(0.875)
    assert rates.loc[1, "on_time_rate"] == pytest.approx(0.625)


def test_window_limits_observations(ledger):
    old = ledger.item(1_000, "2023-01-01", "2023-01-31")
    ledger.alloc(old, 1_000, "2023-06-30")
    new = ledger.item(1_000, "2024-01-01", "2024-01-31")
    ledger.alloc(new, 1_000, "2024-02-10")
    items, allocs = ledger.frames()
    row = engine.partner_figures(items, allocs, "2024-06-30").loc[1]
    assert row["n_obs"] == 1
    assert row["wadl"] == 10
    assert row["adl"] == 10
    wide = engine.partner_figures(items, allocs, "2024-06-30", window_days=730).loc[1]
    assert wide["n_obs"] == 2
    assert wide["adl"] == pytest.approx((150 + 10) / 2)


def test_ar_turnover(ledger):
    """1,200 invoiced 2023-07-15 and never paid: AR 0 at 2023-06-30 then 1,200 at the
    12 other month ends -> 1,200 / (1,200 * 12 / 13)."""
    ledger.item(1_200, "2023-07-15", "2023-08-14")
    items, allocs = ledger.frames()
    row = engine.partner_figures(items, allocs, "2024-06-30").loc[1]
    assert row["net_sales"] == 1_200
    assert row["ar_turnover"] == pytest.approx(13 / 12)
    dates = engine.turnover_dates("2024-06-15")
    assert len(dates) == 13
    assert (dates[0], dates[-2], dates[-1]) == (
        pd.Timestamp("2023-06-30"),
        pd.Timestamp("2024-05-31"),
        pd.Timestamp("2024-06-15"),
    )


def test_monthly_sales_and_month_days(ledger):
    ledger.item(100, "2024-03-05")
    ledger.item(-30, "2024-03-31", move_type="out_refund")
    ledger.item(50, "2024-01-31")
    ledger.item(999, "2024-02-10", move_type="entry")
    ledger.item(70, "2024-04-01")
    items, _ = ledger.frames()
    sales = engine.monthly_sales(items, "2024-03-31", months=3)
    assert sales.loc[1].tolist() == [70, 0, 50]
    assert engine.month_days("2024-03-15", 3).tolist() == [15, 29, 31]


def test_empty_input(ledger):
    items, allocs = ledger.frames()
    figures = engine.partner_figures(items, allocs, "2024-06-30")
    assert figures.empty
    assert list(figures.columns) == engine.figure_columns()


def test_engine_import_does_not_import_odoo():
    root = Path(__file__).resolve().parents[2]
    code = (
        "import importlib.util, sys\n"
        "path = 'ar_analytics/engine/__init__.py'\n"
        "spec = importlib.util.spec_from_file_location('ar_analytics_engine', path,"
        " submodule_search_locations=['ar_analytics/engine'])\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['ar_analytics_engine'] = module\n"
        "spec.loader.exec_module(module)\n"
        "assert module.partner_figures\n"
        "assert not any(m == 'odoo' or m.startswith('odoo.') for m in sys.modules)\n"
        "assert 'ar_analytics' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


def test_compute_all_equals_the_separate_functions(book):
    items, allocs = book
    as_of = "2024-06-30"
    bundle = engine.compute_all(items, allocs, as_of)
    pd.testing.assert_frame_equal(bundle["figures"], engine.partner_figures(items, allocs, as_of))
    pd.testing.assert_frame_equal(
        bundle["totals"], engine.partner_figures(items, allocs, as_of, by="company_id")
    )
    pd.testing.assert_frame_equal(
        bundle["moves"], engine.move_figures(engine.settle(items, allocs, as_of))
    )
    assert engine.compute_all(items, allocs, as_of, totals=False)["totals"] is None
