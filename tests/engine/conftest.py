"""Load the engine from its path (never via ar_analytics/__init__.py, which imports
odoo) as the top-level module ``ar_analytics_engine``, and provide a ledger builder
for hand-made ``items``/``allocs`` frames (engine_contract.md)."""

import datetime
import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

ENGINE_DIR = Path(__file__).resolve().parents[2] / "ar_analytics" / "engine"
ENGINE_NAME = "ar_analytics_engine"


def _load_engine():
    if ENGINE_NAME in sys.modules:
        return sys.modules[ENGINE_NAME]
    spec = importlib.util.spec_from_file_location(
        ENGINE_NAME,
        ENGINE_DIR / "__init__.py",
        submodule_search_locations=[str(ENGINE_DIR)],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[ENGINE_NAME] = module
    spec.loader.exec_module(module)
    return module


_load_engine()

ITEM_COLUMNS = {
    "item_id": "int64",
    "move_id": "int64",
    "partner_id": "int64",
    "company_id": "int64",
    "move_type": object,
    "is_payment": bool,
    "date": "datetime64[ns]",
    "invoice_date": "datetime64[ns]",
    "date_maturity": "datetime64[ns]",
    "balance": "float64",
    "amount_currency": "float64",
    "currency_id": "int64",
}
ALLOC_COLUMNS = {
    "partial_id": "int64",
    "item_id": "int64",
    "counterpart_id": "int64",
    "amount_item_currency": "float64",
    "amount": "float64",
    "max_date": "datetime64[ns]",
    "pay_date": "datetime64[ns]",
    "cp_move_type": object,
    "cp_is_payment": bool,
    "cp_pending": bool,
    "cp_is_exchange": bool,
}
#: counterpart flags per allocation kind: (cp_move_type, is_payment, pending, exchange)
COUNTERPARTS = {
    "cash": ("entry", True, False, False),
    "pending": ("entry", True, True, False),
    "credit_note": ("out_refund", False, False, False),
    "adjustment": ("entry", False, False, False),
    "fx": ("entry", False, False, True),
}


def _day(value):
    return None if value is None else pd.Timestamp(value)


def _frame(rows, columns):
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(columns)


class Ledger:
    """Builds contract frames: items (receivable lines) and allocs (partial sides)."""

    def __init__(self):
        self.items = []
        self.allocs = []

    def item(
        self,
        amount,
        date,
        due=None,
        *,
        partner=1,
        company=1,
        move_type="out_invoice",
        move=None,
        invoice_date=None,
        amount_currency=None,
        currency=1,
        is_payment=False,
    ):
        """Add a receivable item; returns its item_id."""
        item_id = len(self.items) + 1
        self.items.append(
            {
                "item_id": item_id,
                "move_id": item_id if move is None else move,
                "partner_id": partner,
                "company_id": company,
                "move_type": move_type,
                "is_payment": is_payment,
                "date": _day(date),
                "invoice_date": _day(invoice_date or date),
                "date_maturity": _day(due),
                "balance": float(amount),
                "amount_currency": float(amount if amount_currency is None else amount_currency),
                "currency_id": currency,
            }
        )
        return item_id

    def alloc(self, item_id, amount, pay_date, *, kind="cash", max_date=None, foreign=None):
        """Allocate ``amount`` (company currency, >= 0) to an item on ``pay_date``.

        ``foreign`` is the amount in the item's currency (default: ``amount``);
        ``max_date`` defaults to the later of pay_date and the item's date.
        """
        item = self.items[item_id - 1]
        cp_move_type, is_payment, pending, exchange = COUNTERPARTS[kind]
        pay = pd.Timestamp(pay_date)
        partial_id = len(self.allocs) + 1
        self.allocs.append(
            {
                "partial_id": partial_id,
                "item_id": item_id,
                "counterpart_id": 100_000 + partial_id,
                "amount_item_currency": float(amount if foreign is None else foreign),
                "amount": float(amount),
                "max_date": _day(max_date) or max(pay, item["date"]),
                "pay_date": pay,
                "cp_move_type": cp_move_type,
                "cp_is_payment": is_payment,
                "cp_pending": pending,
                "cp_is_exchange": exchange,
            }
        )
        return partial_id

    @classmethod
    def random_book(cls, rows, unapplied, start):
        """``(items, allocs)`` of a book drawn by hypothesis: per row (``day`` counted from
        ``start``) an invoice with terms, paid in part (``paid``, ``kind``, ``delay`` after
        its due date) and, with ``second``, for the rest 25 days later; or a credit note
        (``refund``); and unapplied payments ``(partner, amount, day)``."""
        ledger = cls()
        for row in rows:
            date = start + datetime.timedelta(days=row["day"])
            due = date + datetime.timedelta(days=row["terms"])
            if row["refund"]:
                ledger.item(
                    -row["amount"], date, date, partner=row["partner"], move_type="out_refund"
                )
                continue
            item = ledger.item(row["amount"], date, due, partner=row["partner"])
            settled = round(row["amount"] * row["paid"], 2)
            pay = max(date, due + datetime.timedelta(days=row["delay"]))
            if settled >= 0.01:
                ledger.alloc(item, settled, pay, kind=row["kind"])
            rest = round(row["amount"] - settled, 2)
            if row.get("second") and rest >= 0.01:
                ledger.alloc(item, rest, pay + datetime.timedelta(days=25))
        for partner, amount, day in unapplied:
            date = start + datetime.timedelta(days=day)
            ledger.item(-amount, date, partner=partner, move_type="entry", is_payment=True)
        return ledger.frames()

    def frames(self):
        """Return ``(items, allocs)`` with the contract's columns and dtypes."""
        return _frame(self.items, ITEM_COLUMNS), _frame(self.allocs, ALLOC_COLUMNS)


@pytest.fixture(scope="session")
def ledger_class():
    """The :class:`Ledger` builder class, for fixtures wider than a test."""
    return Ledger


@pytest.fixture
def ledger():
    return Ledger()


@pytest.fixture
def floored_book(ledger):
    """docs/metrics.md "CEI monthly", vector 2 (as of 2024-03-31): March's
    denominator is 10, under 1 % of its Beg + S (10,100)."""
    p = ledger.item(4_000, "2023-12-01", "2023-12-31")
    q = ledger.item(2_000, "2024-01-20", "2024-02-19")
    r = ledger.item(5_000, "2024-02-15", "2024-02-20")
    ledger.item(10_000, "2024-03-25", "2024-04-24")
    ledger.item(90, "2024-03-28", "2024-04-27", move_type="entry")
    ledger.alloc(p, 3_000, "2024-01-15")
    ledger.alloc(p, 1_000, "2024-02-10")
    ledger.alloc(q, 2_000, "2024-02-25")
    ledger.alloc(r, 4_900, "2024-02-28")
    return ledger.frames()
