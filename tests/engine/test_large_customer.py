"""A customer with 10,000 invoices (robustness catalogue, docs/robustness.md): the engine
computes its figures in one pass, in seconds, and they add up."""

import time

import ar_analytics_engine as engine
import numpy as np
import pandas as pd

AS_OF = pd.Timestamp("2025-06-30")
INVOICES = 10_000


def test_ten_thousand_invoices_of_one_customer(ledger_class):
    rng = np.random.default_rng(9)
    ledger = ledger_class()
    start = AS_OF - pd.Timedelta(days=720)
    for n in range(INVOICES):
        date = start + pd.Timedelta(days=int(n * 700 / INVOICES))
        due = date + pd.Timedelta(days=30)
        amount = round(float(rng.uniform(10, 5000)), 2)
        item = ledger.item(amount, date, due)
        if n % 4:  # three in four paid, some late
            pay = due + pd.Timedelta(days=int(rng.integers(-10, 60)))
            if pay <= AS_OF:
                ledger.alloc(item, amount, pay)
    items, allocs = ledger.frames()
    started = time.perf_counter()
    bundle = engine.compute_all(items, allocs, AS_OF)
    scores = engine.credit_scores(bundle["figures"], bundle["trend"])
    elapsed = time.perf_counter() - started
    figures = bundle["figures"]
    assert list(figures.index) == [1]
    open_amount = items["balance"].sum() - allocs["amount"].sum()
    assert abs(figures.loc[1, "total_ar"] - open_amount) < 0.01
    buckets = [c for c in figures.columns if c.startswith(engine.constants.BUCKET_PREFIX)]
    assert abs(figures.loc[1, buckets].sum() - figures.loc[1, "total_ar"]) < 0.01
    assert 0 <= scores.loc[1, "score"] <= 100
    assert len(bundle["moves"]) == INVOICES
    assert elapsed < 20, f"{elapsed:.1f} s for one customer's 10,000 invoices"
