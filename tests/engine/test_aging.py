"""Aging buckets (metrics.md section 1)."""

import ar_analytics_engine as engine
import numpy as np
import pytest

AS_OF = "2024-06-30"
SEED_BUCKETS = [
    ("d0_30", "0-30", None, 30),
    ("d31_60", "31-60", 31, 60),
    ("d61_90", "61-90", 61, 90),
    ("over_90", "90+", 91, None),
]


@pytest.fixture
def spread(ledger):
    """Open items at dpd -10, 0, 1, 30, 31, 75, 91, 120, 121, 400, a partly paid
    item, an open credit note and an unreconciled payment (partner 1), and one
    not-due item of partner 2."""
    as_of = np.datetime64(AS_OF)
    for dpd in (-10, 0, 1, 30, 31, 75, 91, 120, 121, 400):
        due = as_of - np.timedelta64(dpd, "D")
        ledger.item(100 + dpd, due - np.timedelta64(30, "D"), due)
    part = ledger.item(1_000, "2024-01-01", "2024-01-31")
    ledger.alloc(part, 400, "2024-02-15")
    ledger.item(-70, "2024-05-01", move_type="out_refund")
    ledger.item(-30, "2024-06-01", move_type="entry", is_payment=True)
    ledger.item(55, "2024-06-20", "2024-07-20", partner=2)
    return ledger.frames()


def test_default_buckets(spread):
    items, allocs = spread
    out = engine.settle(items, allocs, AS_OF)
    assert out["bucket"].tolist()[:10] == [
        "not_due",
        "not_due",
        "d1_30",
        "d1_30",
        "d31_60",
        "d61_90",
        "d91_120",
        "d91_120",
        "over_120",
        "over_120",
    ]
    table = engine.aging(out).loc[1]
    assert table["bucket_not_due"] == 90 + 100
    assert table["bucket_d1_30"] == 101 + 130
    assert table["bucket_over_120"] == 221 + 500 + 600
    assert table["unapplied_credits"] == -100
    buckets = table[engine.bucket_columns()].sum()
    assert buckets + table["unapplied_credits"] == pytest.approx(table["total_ar"])
    assert table["total_ar"] == pytest.approx(out.query("partner_id == 1").residual.sum())
    assert table["percent_current"] == pytest.approx(190 / table["total_ar"])
    over_90 = 191 + 220 + 221 + 500 + 600
    assert table["pct_over_90"] == pytest.approx(over_90 / table["total_ar"])


def test_seed_buckets(spread):
    items, allocs = spread
    out = engine.settle(items, allocs, AS_OF, buckets=SEED_BUCKETS)
    table = engine.aging(out, SEED_BUCKETS)
    assert list(table.columns[:4]) == [
        "bucket_d0_30",
        "bucket_d31_60",
        "bucket_d61_90",
        "bucket_over_90",
    ]
    assert table.loc[1, "bucket_d0_30"] == 90 + 100 + 101 + 130
    assert table.loc[1, "bucket_over_90"] == 191 + 220 + 221 + 500 + 600
    assert table.loc[2, "bucket_d0_30"] == 55
    figures = engine.partner_figures(items, allocs, AS_OF, buckets=SEED_BUCKETS)
    assert figures.loc[1, "bucket_d61_90"] == 175
    assert "bucket_not_due" not in figures.columns


def test_invoice_basis(ledger):
    ledger.item(100, "2024-06-01", "2024-07-31")
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, AS_OF, basis="invoice")
    assert (out.loc[0, "dpd"], out.loc[0, "age"], out.loc[0, "bucket"]) == (
        -31,
        29,
        "d1_30",
    )
    row = engine.partner_figures(items, allocs, AS_OF, basis="invoice").loc[1]
    assert row["bucket_d1_30"] == 100
    assert row["overdue_amount"] == 0


def test_maturity_defaults_to_invoice_date(ledger):
    ledger.item(100, "2024-06-10")
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, AS_OF)
    assert out.loc[0, "due"] == out.loc[0, "invoice_date"]
    assert out.loc[0, "dpd"] == 20


def test_assign_buckets_accepts_dicts():
    buckets = [
        {"code": "current", "label": "Current", "min_days": None, "max_days": 0},
        {"code": "late", "label": "Late", "min_days": 1, "max_days": None},
    ]
    codes = engine.assign_buckets([-5, 0, 1, np.nan, 9_999], buckets)
    assert codes.tolist() == ["current", "current", "late", None, "late"]


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        ([], "at least one"),
        ([("a", "A", None, 10), ("b", "B", 5, None)], "overlap"),
        ([("a", "A", None, 10), ("b", "B", 12, None)], "gap"),
        (
            [
                ("a", "A", None, 0),
                ("c", "C", 31, 60),
                ("b", "B", 1, 30),
                ("d", "D", 61, None),
            ],
            "unordered",
        ),
        ([("a", "A", None, 0), ("b", "B", None, None)], "unordered"),
        ([("a", "A", 0, 10), ("b", "B", 11, None)], "below 0"),
        ([("a", "A", None, 10), ("b", "B", 11, 20)], "above 20"),
        ([("a", "A", None, 10), ("a", "B", 11, None)], "duplicate"),
        (
            [("a", "A", None, 10), ("b", "B", 30, 20), ("c", "C", 21, None)],
            "min_days > max",
        ),
        ([("a", "A", None, 10.5), ("b", "B", 11, None)], "integer"),
        ([("", "A", None, None)], "non-empty"),
    ],
)
def test_invalid_buckets(buckets, message):
    with pytest.raises(ValueError, match=message):
        engine.validate_buckets(buckets)


def test_single_bucket_is_valid():
    rows = engine.validate_buckets([("all", "All", None, None)])
    assert rows[0].code == "all"
    assert engine.assign_buckets([-3, 3], rows).tolist() == ["all", "all"]


def test_aging_by_currency_counts_each_item_in_its_own_currency(ledger):
    # 1,100 EUR booked at 1,000 company currency, 550 EUR paid (at another rate: 520)
    eur = ledger.item(1_000, "2024-01-01", "2024-01-31", amount_currency=1_100, currency=2)
    ledger.alloc(eur, 520, "2024-02-15", foreign=550)
    ledger.item(300, "2024-03-01", "2024-03-31")  # company currency, not due
    ledger.item(-80, "2024-03-05", move_type="entry", is_payment=True)  # unapplied
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, "2024-03-15")
    by_currency = engine.aging_by_currency(out)
    eur_row = by_currency.loc[(1, 2)]
    assert eur_row["bucket_d31_60"] == pytest.approx(550.0)
    assert eur_row["total"] == pytest.approx(550.0)
    company_row = by_currency.loc[(1, 1)]
    assert company_row["bucket_not_due"] == pytest.approx(300.0)
    assert company_row["unapplied_credits"] == pytest.approx(-80.0)
    assert company_row["total"] == pytest.approx(220.0)
    # in company currency the euro item is open at its booking rate: half of 1,000
    assert out.loc[out["item_id"] == eur, "residual"].item() == pytest.approx(500.0)
