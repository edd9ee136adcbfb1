"""Property-based tests of the engine (issue 9), with hypothesis: on random ledgers the
aging buckets sum to the total, scores stay in [0, 100], paying later never raises the
score, revenue and margin shares sum to 1, and the figures as of a date do not depend on
what happened after it (as-of aging at the last date equals the aging of that day)."""

import datetime

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

AS_OF = pd.Timestamp("2025-06-30")
START = datetime.date(2024, 9, 1)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

amounts = st.floats(min_value=0.01, max_value=1_000_000, allow_nan=False).map(
    lambda value: round(value, 2)
)
days = st.integers(min_value=0, max_value=(AS_OF.date() - START).days)
invoice = st.fixed_dictionaries(
    {
        "partner": st.integers(min_value=1, max_value=4),
        "amount": amounts,
        "day": days,
        "terms": st.sampled_from([0, 15, 30, 60]),
        "paid": st.floats(min_value=0.0, max_value=1.0),
        "delay": st.integers(min_value=-10, max_value=200),
        "kind": st.sampled_from(["cash", "cash", "pending", "credit_note", "adjustment"]),
    }
)
ledgers = st.lists(invoice, min_size=1, max_size=12)
#: invoices all paid before the as-of date, even 60 days later
paid_early = st.lists(
    invoice.map(lambda row: {**row, "day": row["day"] % 100, "delay": row["delay"] % 60}),
    min_size=1,
    max_size=12,
)
credits = st.lists(st.tuples(st.integers(min_value=1, max_value=4), amounts, days), max_size=4)


def _date(offset):
    return START + datetime.timedelta(days=offset)


def _build(ledger_class, rows, unapplied=(), shift=0, cut=None):
    """Invoices (partly) settled ``delay + shift`` days after their due date, and
    unapplied payments; only what happened up to ``cut`` when given."""
    ledger = ledger_class()
    for row in rows:
        date = _date(row["day"])
        due = date + datetime.timedelta(days=row["terms"])
        if cut is not None and pd.Timestamp(date) > cut:
            continue
        item = ledger.item(row["amount"], date, due, partner=row["partner"])
        settled = round(row["amount"] * row["paid"], 2)
        pay = max(date, due + datetime.timedelta(days=row["delay"] + shift))
        if settled >= 0.01 and pd.Timestamp(pay) <= (AS_OF if cut is None else cut):
            ledger.alloc(item, settled, pay, kind=row["kind"])
    for partner, amount, day in unapplied:
        if cut is None or pd.Timestamp(_date(day)) <= cut:
            ledger.item(-amount, _date(day), partner=partner, move_type="entry", is_payment=True)
    return ledger.frames()


@SETTINGS
@given(rows=ledgers, unapplied=credits)
def test_aging_buckets_sum_to_the_total(ledger_class, rows, unapplied):
    items, allocs = _build(ledger_class, rows, unapplied)
    figures = engine.partner_figures(items, allocs, AS_OF)
    buckets = figures[[c for c in figures.columns if c.startswith(engine.constants.BUCKET_PREFIX)]]
    np.testing.assert_allclose(
        buckets.sum(axis=1) + figures["unapplied_credits"], figures["total_ar"], atol=1e-6
    )
    # and the total is what is left to collect: booked amounts less what was allocated
    open_amount = items["balance"].sum() - allocs["amount"].sum()
    assert abs(figures["total_ar"].sum() - open_amount) < 0.005 * (len(items) + 1)
    assert (buckets >= -1e-9).all().all(), "a bucket holds positive residuals only"


@SETTINGS
@given(rows=ledgers, unapplied=credits)
def test_scores_stay_between_0_and_100(ledger_class, rows, unapplied):
    items, allocs = _build(ledger_class, rows, unapplied)
    bundle = engine.compute_all(items, allocs, AS_OF)
    scores = engine.credit_scores(bundle["figures"], bundle["trend"])
    rated = scores["score"].dropna()
    assert ((rated >= -1e-9) & (rated <= 100 + 1e-9)).all()
    assert scores.loc[scores["rated"], "grade"].isin(engine.GRADES).all()
    assert scores.loc[~scores["rated"], "grade"].isna().all()


indicator = st.one_of(st.none(), st.floats(min_value=0.0, max_value=100.0))
weight = st.floats(min_value=0.0, max_value=5.0)


@SETTINGS
@given(
    values=st.lists(st.lists(indicator, min_size=5, max_size=5), min_size=1, max_size=20),
    weights=st.lists(weight, min_size=5, max_size=5).filter(lambda w: sum(w) > 0.01),
)
def test_score_of_any_indicators_is_bounded(values, weights):
    frame = pd.DataFrame(
        [[np.nan if v is None else v for v in row] for row in values],
        columns=["s1", "s2", "s3", "s4", "s5"],
    )
    scores = engine.score_from_indicators(frame, weights)["score"].dropna()
    assert ((scores >= -1e-9) & (scores <= 100 + 1e-9)).all()


@SETTINGS
@given(rows=paid_early, shift=st.integers(min_value=1, max_value=60))
def test_paying_later_never_raises_the_score(ledger_class, rows, shift):
    """The same invoices paid ``shift`` days later (all before the as-of date, so what
    is open today is unchanged): no customer's score goes up. The trend indicator (how
    late recently against before) is left out: it measures a change, not lateness."""
    weights = (0.40, 0.20, 0.15, 0.15, 0.0)
    scores = []
    for offset in (0, shift):
        items, allocs = _build(ledger_class, rows, shift=offset)
        bundle = engine.compute_all(items, allocs, AS_OF)
        scores.append(engine.credit_scores(bundle["figures"], weights=weights)["score"])
    before, after = scores
    both = before.notna() & after.notna()
    assert (after[both] <= before[both] + 1e-6).all(), (before, after)


sale = st.fixed_dictionaries(
    {
        "partner_id": st.integers(min_value=1, max_value=8),
        "revenue": st.floats(min_value=-5_000, max_value=100_000).map(lambda v: round(v, 2)),
        "margin_rate": st.floats(min_value=-0.5, max_value=0.9),
        "day": st.integers(min_value=0, max_value=300),
    }
)


@SETTINGS
@given(lines=st.lists(sale, min_size=1, max_size=30))
def test_shares_sum_to_one(lines):
    sales = pd.DataFrame(
        [
            {
                "partner_id": line["partner_id"],
                "move_id": n + 1,
                "move_type": "out_invoice" if line["revenue"] >= 0 else "out_refund",
                "invoice_date": AS_OF - pd.Timedelta(days=line["day"]),
                "revenue": line["revenue"],
                "cost": line["revenue"] * (1 - line["margin_rate"]),
                "cost_source": "cogs",
            }
            for n, line in enumerate(lines)
        ]
    )
    result = engine.contribution(sales, AS_OF)
    positive = result["revenue"] > 0
    if positive.any():
        assert abs(result.loc[positive, "revenue_share"].sum() - 1.0) < 1e-9
        assert result["tier"].isin(engine.TIERS).all()
    margins = result["margin"].dropna()
    if margins.sum() > 0:
        assert abs(result["margin_share"].dropna().sum() - 1.0) < 1e-9


@SETTINGS
@given(rows=ledgers, unapplied=credits, back=st.integers(min_value=0, max_value=250))
def test_as_of_aging_equals_the_aging_of_that_day(ledger_class, rows, unapplied, back):
    """The figures as of a past date D from the whole ledger equal those computed on D
    itself, when only what was dated up to D existed."""
    day = AS_OF - pd.Timedelta(days=back)
    items, allocs = _build(ledger_class, rows, unapplied)
    then_items, then_allocs = _build(ledger_class, rows, unapplied, cut=day)
    assume(not then_items.empty)
    past = engine.partner_figures(items, allocs, day)
    that_day = engine.partner_figures(then_items, then_allocs, day)
    columns = [c for c in past.columns if c.startswith(engine.constants.BUCKET_PREFIX)]
    columns += ["total_ar", "unapplied_credits", "overdue_amount", "max_dpd"]
    pd.testing.assert_frame_equal(past[columns], that_day[columns], check_exact=False, atol=1e-6)
