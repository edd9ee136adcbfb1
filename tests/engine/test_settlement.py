"""Allocation kinds, settlement invariant, multi-currency, as_of cut, installments
(metrics.md sections 0-2, engine_contract.md)."""

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest

KIND_COLUMNS = ["cash", "pending", "credit_noted", "adjusted", "fx"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"cp_is_exchange": True, "cp_is_payment": True}, "fx"),
        ({"cp_is_payment": True, "cp_pending": True}, "pending"),
        ({"cp_is_payment": True, "cp_move_type": "out_refund"}, "cash"),
        ({"cp_move_type": "out_refund"}, "credit_note"),
        ({"cp_move_type": "out_invoice"}, "credit_note"),
        ({"cp_move_type": "entry"}, "adjustment"),
        ({"cp_move_type": "in_invoice"}, "adjustment"),
    ],
)
def test_classify_allocation_kinds(ledger, flags, expected):
    item = ledger.item(100, "2024-01-01")
    ledger.alloc(item, 100, "2024-01-05", kind="adjustment")
    items, allocs = ledger.frames()
    for column, value in flags.items():
        allocs[column] = value
    classified = engine.classify_allocations(allocs, items)
    assert classified["kind"].tolist() == [expected]
    assert classified["value"].tolist() == [100.0]


def test_classify_drops_allocations_of_unknown_items(ledger):
    item = ledger.item(100, "2024-01-01")
    ledger.alloc(item, 100, "2024-01-05")
    items, allocs = ledger.frames()
    assert engine.classify_allocations(allocs, items.iloc[0:0]).empty


@pytest.fixture
def mixed(ledger):
    """An invoice settled by every kind, a partly paid one, an open credit note,
    an unreconciled payment and a refund offsetting an invoice."""
    inv = ledger.item(1_000, "2024-01-01", "2024-01-31")
    ledger.alloc(inv, 300, "2024-01-20")
    ledger.alloc(inv, 200, "2024-02-05", kind="pending")
    ledger.alloc(inv, 250, "2024-02-01", kind="credit_note")
    ledger.alloc(inv, 50, "2024-02-10", kind="adjustment")
    ledger.alloc(inv, 0, "2024-02-10", kind="fx")
    part = ledger.item(400, "2024-02-01", "2024-03-02", partner=2)
    ledger.alloc(part, 150, "2024-03-10")
    ledger.item(-120, "2024-02-15", move_type="out_refund", partner=2)
    ledger.item(-300, "2024-02-20", move_type="entry", is_payment=True, partner=3)
    refund = ledger.item(-250, "2024-02-01", move_type="out_refund")
    ledger.alloc(refund, 250, "2024-02-01", kind="credit_note")
    return ledger.frames()


def test_settlement_invariant(mixed):
    items, allocs = mixed
    out = engine.settle(items, allocs, "2024-03-31")
    total = out[KIND_COLUMNS].sum(axis=1) + out["residual"]
    np.testing.assert_allclose(total, out["balance"], atol=1e-9)
    first = out.iloc[0]
    assert (first["cash"], first["pending"]) == (300, 200)
    assert (first["credit_noted"], first["adjusted"], first["fx"]) == (250, 50, 0)
    assert first["residual"] == pytest.approx(200)
    assert out["residual"].tolist()[1:] == [250.0, -120.0, -300.0, 0.0]


def test_only_cash_is_a_collection(ledger):
    """Credit notes, write-offs, FX and pending never count as collections."""
    inv = ledger.item(1_000, "2024-01-01", "2024-01-31")
    ledger.alloc(inv, 200, "2024-01-10", kind="credit_note")
    ledger.alloc(inv, 50, "2024-01-20", kind="adjustment")
    ledger.alloc(inv, 30, "2024-01-25", kind="fx", foreign=0)
    ledger.alloc(inv, 100, "2024-01-28", kind="pending")
    ledger.alloc(inv, 650, "2024-02-10")
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, "2024-03-31")
    assert out.loc[0, "cash"] == 650
    assert out.loc[0, "fx"] == 0
    assert out.loc[0, "residual"] == pytest.approx(0)
    assert out.loc[0, "last_cash_date"] == pd.Timestamp("2024-02-10")
    row = engine.partner_figures(items, allocs, "2024-03-31", min_obs=1).loc[1]
    assert row["n_obs"] == 1
    assert row["wadl"] == 10
    assert row["collection_rate"] == pytest.approx(650 / 800)
    assert row["on_time_rate"] == 0
    assert row["pending_amount"] == 100
    assert row["last_payment_date"] == pd.Timestamp("2024-02-10")


def test_multi_currency_uses_booking_rate(ledger):
    """EUR 1,000 booked at 1.1 (1,100); EUR 400 paid at 1.2 (480) counts 440; the
    rest at 1.25 plus an exchange-difference partial: cash 1,100, never 1,230."""
    inv = ledger.item(1_100, "2024-01-01", "2024-01-31", amount_currency=1_000, currency=2)
    ledger.alloc(inv, 480, "2024-02-10", foreign=400)
    items, allocs = ledger.frames()
    partly = engine.settle(items, allocs, "2024-02-29").iloc[0]
    assert partly["cash"] == pytest.approx(440)
    assert partly["residual"] == pytest.approx(660)
    ledger.alloc(inv, 750, "2024-03-05", foreign=600)
    ledger.alloc(inv, 130, "2024-03-05", kind="fx", foreign=0)
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, "2024-03-31")
    paid = out.iloc[0]
    assert paid["cash"] == pytest.approx(1_100)
    assert paid["fx"] == 0
    assert paid["fully_settled"]
    classified = engine.classify_allocations(allocs, items)
    obs = engine.observations(out, classified, "2024-03-31")
    assert obs["a"].tolist() == pytest.approx([440, 660])


def test_value_falls_back_to_company_amount(ledger):
    item = ledger.item(200, "2024-01-01", amount_currency=0)
    ledger.alloc(item, 50, "2024-01-05", foreign=0)
    items, allocs = ledger.frames()
    assert engine.classify_allocations(allocs, items)["value"].tolist() == [50.0]


def test_as_of_cut(ledger):
    inv = ledger.item(1_000, "2024-01-01", "2024-01-31")
    ledger.alloc(inv, 400, "2024-02-10")
    ledger.alloc(inv, 600, "2024-03-20", max_date="2024-04-02")
    ledger.item(500, "2024-04-01", "2024-05-01")
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, "2024-03-31")
    assert out["item_id"].tolist() == [inv]
    assert out.loc[0, "cash"] == 400
    assert out.loc[0, "residual"] == 600
    assert out.loc[0, "dpd"] == 60
    assert out.loc[0, "last_cash_date"] == pd.Timestamp("2024-02-10")
    later = engine.settle(items, allocs, "2024-04-02")
    assert later["residual"].tolist() == [0.0, 500.0]
    balances = engine.ar_balances(
        out, engine.classify_allocations(allocs, items), ["2024-02-09", "2024-03-31"]
    )
    assert balances.loc[1].tolist() == [1_000, 600]


def test_item_timing_columns(ledger):
    inv = ledger.item(1_000, "2024-01-01", "2024-01-31")
    ledger.alloc(inv, 600, "2024-02-10")
    ledger.alloc(inv, 400, "2024-03-02")
    early = ledger.item(500, "2024-01-15", "2024-02-14")
    ledger.alloc(early, 500, "2024-02-01")
    noted = ledger.item(300, "2024-01-15", "2024-02-14")
    ledger.alloc(noted, 300, "2024-02-01", kind="credit_note")
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, "2024-03-31").set_index("item_id")
    assert out.loc[inv, "pay_date"] == pd.Timestamp("2024-03-02")
    assert out.loc[inv, "days_to_pay"] == 61
    assert out.loc[inv, "days_late"] == 31
    assert out["paid_on_time"].tolist() == [False, True, pd.NA]
    assert out["fully_settled"].all()
    assert out["dpd"].isna().all()
    assert out["bucket"].isna().all()
    assert np.isnan(out.loc[noted, "days_to_pay"])


def test_installments_and_move_figures(ledger):
    """Two installments of one move with different maturities."""
    first = ledger.item(500, "2024-01-01", "2024-01-31", move=7)
    ledger.item(500, "2024-01-01", "2024-02-29", move=7)
    ledger.alloc(first, 500, "2024-02-10")
    other = ledger.item(300, "2024-01-01", "2024-01-31", move=8)
    ledger.alloc(other, 200, "2024-01-20")
    ledger.alloc(other, 100, "2024-01-25", kind="adjustment")
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, "2024-03-15")
    assert out["dpd"].tolist()[:2] == [pytest.approx(np.nan, nan_ok=True), 15]
    assert out["days_late"].tolist()[0] == 10
    moves = engine.move_figures(out)
    seven, eight = moves.loc[7], moves.loc[8]
    assert seven["payment_date"] == pd.Timestamp("2024-02-10")
    assert seven["days_late"] == 10
    assert seven["paid_on_time"] is pd.NA
    assert seven["cash_share"] == pytest.approx(0.5)
    assert seven["residual"] == 500
    assert (seven["dpd"], seven["bucket"]) == (15, "d1_30")
    assert eight["paid_on_time"]
    assert eight["cash_share"] == pytest.approx(2 / 3)
    assert eight["writeoff_share"] == pytest.approx(1 / 3)
    assert eight["credit_note_share"] == 0
    assert np.isnan(eight["dpd"])
    assert pd.isna(eight["bucket"])
    row = engine.partner_figures(items, allocs, "2024-03-15").loc[1]
    assert row["overdue_amount"] == 500
    assert row["max_dpd"] == 15


def test_move_paid_late_when_one_installment_late(ledger):
    a = ledger.item(500, "2024-01-01", "2024-01-31", move=9)
    b = ledger.item(500, "2024-01-01", "2024-02-29", move=9)
    ledger.alloc(a, 500, "2024-01-31")
    ledger.alloc(b, 500, "2024-03-05")
    items, allocs = ledger.frames()
    moves = engine.move_figures(engine.settle(items, allocs, "2024-03-31"))
    assert not moves.loc[9, "paid_on_time"]
    assert moves.loc[9, "days_late"] == 5


def test_settle_without_allocations(ledger):
    ledger.item(100, "2024-01-01", "2024-01-31")
    items, allocs = ledger.frames()
    out = engine.settle(items, allocs, "2024-03-31")
    assert out.loc[0, "residual"] == 100
    assert out.loc[0, "bucket"] == "d31_60"
    assert out["last_cash_date"].isna().all()


def test_settle_rejects_unknown_basis(ledger):
    ledger.item(100, "2024-01-01")
    items, allocs = ledger.frames()
    with pytest.raises(ValueError, match="basis"):
        engine.settle(items, allocs, "2024-03-31", basis="posting")
