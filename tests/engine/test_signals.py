"""Risk signals (metrics.md section 7): severities, evidence, thresholds, and the
per-customer frame."""

import math

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest
from ar_analytics_engine import drift, signals

AS_OF = "2024-06-30"
X = [5, 5, 5, 11, 11]


# --- EWMA and CUSUM vectors ----------------------------------------------------------------


def test_ewma_vector():
    result = drift.ewma_drift(X, 5, 2)
    assert result.severity == "alert"
    assert result.evidence["ewma"] == pytest.approx([5, 5, 5, 6.2, 7.16])
    assert result.evidence["ucl"] == pytest.approx(7.0, abs=1e-12)
    assert result.evidence["first_alarm"] == 5


def test_ewma_ucl_is_the_steady_state_limit():
    """The time-varying limit at t5 (6.89) is not the spec's 7.0."""
    lam, sigma = 0.2, 2
    varying = 5 + 3 * sigma * math.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** 10))
    assert varying == pytest.approx(6.89, abs=0.01)
    assert drift.ewma_drift(X[:4], 5, 2).severity == "none", "6.2 < 7.0 at t4"


def test_cusum_vector():
    result = drift.cusum(X, 5, 2)
    assert result.severity == "none"
    assert result.evidence["s"] == pytest.approx([0, 0, 0, 2.5, 5.0])
    longer = drift.cusum([*X, 11], 5, 2)
    assert longer.severity == "alert"
    assert longer.evidence["s"][-1] == pytest.approx(7.5)
    assert longer.evidence["first_alarm"] == 6


def test_ewma_and_cusum_judge_the_last_point():
    back = drift.ewma_drift([*X, 5, 5, 5], 5, 2)
    assert back.severity == "none"
    assert back.evidence["first_alarm"] == 5
    assert drift.cusum([5, 5, 2, 1], 5, 2).evidence["s"] == [0, 0, 0, 0], "upper side only"


def test_spc_thresholds_are_parameters():
    tight = signals.SignalThresholds(ewma_sigmas=2.0, cusum_h=4.0)
    assert drift.ewma_drift(X[:4], 5, 2, tight).severity == "none"
    assert drift.ewma_drift([5, 5, 5, 11, 8], 5, 2, tight).severity == "alert"
    assert drift.cusum(X, 5, 2, tight).severity == "alert"


# --- days-late jump ------------------------------------------------------------------------

REFERENCE = [10, 12, 8, 10, 12, 8]


@pytest.mark.parametrize(
    ("latest", "severity"),
    [(13.0, "none"), (14.0, "warn"), (15.3, "warn"), (16.0, "alert"), (0.0, "none")],
)
def test_days_late_jump_z_score(latest, severity):
    result = drift.days_late_jump(latest, REFERENCE)
    std = np.std(REFERENCE, ddof=1)
    assert result.severity == severity
    assert result.evidence["z"] == pytest.approx((latest - 10) / std)
    assert result.evidence["method"] == "z"
    assert result.evidence["months"] == 6


def test_days_late_jump_needs_six_months_and_ignores_empty_ones():
    assert drift.days_late_jump(50, REFERENCE[:5]).severity == "none"
    assert drift.days_late_jump(50, [*REFERENCE[:5], np.nan, np.nan]).severity == "none"
    with_gaps = drift.days_late_jump(16, [np.nan, *REFERENCE, np.nan])
    assert with_gaps.severity == "alert"
    assert with_gaps.evidence["months"] == 6
    assert drift.days_late_jump(np.nan, REFERENCE).severity == "none"


def test_days_late_jump_uses_the_modified_z_when_the_std_is_0():
    later = drift.days_late_jump(6, [5] * 8)
    assert later.severity == "alert"
    assert later.evidence["method"] == "modified_z"
    assert later.evidence["z"] == math.inf
    equal = drift.days_late_jump(5, [5] * 8)
    assert (equal.severity, equal.evidence["z"]) == ("none", 0.0)
    assert drift.days_late_jump(2, [5] * 8).severity == "none"


# --- level signals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "long", "severity"),
    [(66, 75, "none"), (65, 75, "warn"), (56, 75, "warn"), (55, 75, "alert"), (90, 60, "none")],
)
def test_index_drop(short, long, severity):
    result = signals.index_drop(short, long)
    assert result.severity == severity
    assert result.evidence == {"short": short, "long": long, "change": short - long}


def test_index_drop_undefined_index_is_no_signal():
    assert signals.index_drop(np.nan, 80).severity == "none"


@pytest.mark.parametrize(
    ("now", "before", "severity"),
    [(0.5, 0.3, "warn"), (0.7, 0.5, "warn"), (0.69, 0.5, "none"), (0.2, 0.6, "none")],
)
def test_overdue_share_rise(now, before, severity):
    assert signals.overdue_share_rise(now, before).severity == severity


@pytest.mark.parametrize(
    ("exposure", "limit", "severity"),
    [(90, 100, "none"), (95, 100, "warn"), (100, 100, "warn"), (101, 100, "alert"), (5, 0, "none")],
)
def test_credit_utilisation(exposure, limit, severity):
    result = signals.credit_utilisation(exposure, limit)
    assert result.severity == severity
    if limit:
        assert result.evidence["ratio"] == pytest.approx(exposure / limit)
    else:
        assert math.isnan(result.evidence["ratio"]), "no limit: undefined"


@pytest.mark.parametrize(
    ("before", "now", "severity"),
    [
        ("A", "B", "warn"),
        ("B", "C", "warn"),
        ("B", "D", "alert"),
        ("C", "B", "none"),
        ("B", "B", "none"),
        (None, "D", "none"),
        ("A", None, "none"),
    ],
)
def test_grade_downgrade(before, now, severity):
    result = signals.grade_downgrade(before, now)
    assert result.severity == severity
    assert result.evidence == {"before": before, "now": now}


def test_level_thresholds_are_configurable():
    company = signals.SignalThresholds(
        utilisation_warn=0.8, index_drop_warn=-5, overdue_share_rise=0.1, grade_alerts=("C", "D")
    )
    assert signals.credit_utilisation(85, 100, company).severity == "warn"
    assert signals.index_drop(74, 80, company).severity == "warn"
    assert signals.overdue_share_rise(0.3, 0.2, company).severity == "warn"
    assert signals.grade_downgrade("B", "C", company).severity == "alert"


# --- item-level signals -----------------------------------------------------------------------


def settled(ledger, as_of=AS_OF):
    items, allocs = ledger.frames()
    return engine.settle(items, allocs, as_of)


@pytest.fixture
def aged(ledger):
    """Open items by days past due at 2024-06-30, booked 2024-01-01 unless noted."""
    due = pd.Timestamp(AS_OF)
    ids = {}
    for dpd in (-8, -7, 0, 1, 2, 30, 31, 60, 61, 90, 91, 121):
        ids[dpd] = ledger.item(100 + dpd, "2024-01-01", due - pd.Timedelta(days=dpd))
    ids["late_booked"] = ledger.item(70, AS_OF, "2024-05-01")
    paid = ledger.item(50, "2024-01-01", "2024-06-29")
    ledger.alloc(paid, 50, "2024-06-10")
    return ids


def test_item_signals(ledger, aged):
    out = signals.item_signals(settled(ledger), AS_OF).set_index("item_id")
    due_soon = out.index[out["due_soon"]]
    assert sorted(due_soon) == sorted([aged[-7], aged[0]])
    new = out.index[out["new_overdue"]]
    assert sorted(new) == sorted([aged[1], aged["late_booked"]]), "booked today, already late"
    moves = out.loc[out["bucket_move"] != "none", "bucket_move"].to_dict()
    assert moves == {aged[31]: "warn", aged[61]: "alert", aged[91]: "alert", aged[121]: "alert"}
    assert out.loc[aged[61], ["bucket_before", "bucket"]].tolist() == ["d31_60", "d61_90"]
    assert len(out) == 13, "settled items are not signalled"


def test_item_signals_since_the_previous_run(ledger, aged):
    out = signals.item_signals(settled(ledger), AS_OF, since="2024-06-27").set_index("item_id")
    new = set(out.index[out["new_overdue"]])
    assert new == {aged[1], aged[2], aged["late_booked"]}
    assert out.loc[aged[2], "bucket_move"] == "none", "not_due -> 1-30 is a new overdue"
    assert out.loc[aged[31], "bucket_move"] == "warn"


def test_item_signals_with_company_buckets(ledger, aged):
    buckets = [
        ("current", "Current", None, 0),
        ("d1_45", "1-45", 1, 45),
        ("d46_plus", "46+", 46, None),
    ]
    items, allocs = ledger.frames()
    items_out = engine.settle(items, allocs, AS_OF, buckets=buckets)
    out = signals.item_signals(items_out, AS_OF, buckets=buckets)
    assert (out["bucket_move"] != "none").sum() == 0
    far = signals.item_signals(items_out, AS_OF, since="2024-05-01", buckets=buckets)
    far = far.set_index("item_id")["bucket_move"]
    assert far[aged[61]] == "warn", "46+ starts below 61"
    strict = signals.SignalThresholds(alert_bucket_days=46)
    assert (
        signals.item_signals(
            items_out, AS_OF, since="2024-05-01", buckets=buckets, thresholds=strict
        )
        .set_index("item_id")
        .loc[aged[61], "bucket_move"]
        == "alert"
    )


# --- per-customer frame ------------------------------------------------------------------------


def monthly_wadl(rows, months=18):
    """A monthly_series-like frame holding only ``wadl`` (partner -> list of months)."""
    index = pd.period_range(end="2024-06", periods=months, freq="M").to_timestamp()
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=index)
    frame.index.name = "partner_id"
    frame.columns.name = "month"
    return frame.stack(future_stack=True).rename("wadl").to_frame()


STEADY = [10, 12, 8, 10, 12, 8, 10, 12, 8, 10, 12, 8]


def test_customer_signals_one_row_per_customer(ledger, aged):
    ledger.item(300, "2024-06-01", "2024-06-10", partner=2)
    monthly = monthly_wadl(
        {
            1: [*STEADY, 10, 10, 10, 10, 10, 10],
            2: [*STEADY, 10, 10, 10, 20, 25, 30],
            3: [*STEADY, 10, 10, 10, 10, 10, 40],
        }
    )
    customers = pd.DataFrame(
        {
            "payment_index_short": [70.0, 50.0, np.nan, 80.0],
            "payment_index_long": [75.0, 75.0, 70.0, 80.0],
            "overdue_share": [0.5, 0.1, np.nan, 0.0],
            "overdue_share_before": [0.2, 0.1, 0.0, 0.0],
            "exposure": [95.0, 10.0, 20.0, 0.0],
            "credit_limit": [100.0, 0.0, 10.0, 0.0],
            "grade": ["B", "D", "A", None],
            "grade_before": ["A", "B", "A", None],
        },
        index=pd.Index([1, 2, 3, 4], name="partner_id"),
    )
    out = signals.customer_signals(settled(ledger), AS_OF, monthly=monthly, customers=customers)
    assert list(out.columns) == signals.signal_columns()
    assert list(out.index) == [1, 2, 3, 4]
    assert out.loc[1, ["due_soon", "new_overdue", "bucket_move"]].tolist() == [
        "warn",
        "warn",
        "alert",
    ]
    assert out.loc[1, "due_soon_amount"] == 93.0 + 100.0
    assert out.loc[1, "due_soon_count"] == 2
    assert out.loc[1, "due_soon_date"] == pd.Timestamp(AS_OF)
    assert out.loc[1, "bucket_move_count"] == 4
    assert out.loc[1, "bucket_move_bucket"] == "over_120"
    assert out.loc[2, ["due_soon", "new_overdue", "bucket_move"]].tolist() == ["none"] * 3
    assert out.loc[2, "days_late_jump"] == "alert"
    assert out.loc[2, "ewma_drift"] == "alert"
    assert out.loc[2, "cusum"] == "alert"
    assert out.loc[3, ["days_late_jump", "ewma_drift", "cusum"]].tolist() == [
        "alert",
        "alert",
        "alert",
    ]
    assert out.loc[1, ["days_late_jump", "ewma_drift", "cusum"]].tolist() == ["none"] * 3
    assert out["index_drop"].tolist() == ["none", "alert", "none", "none"]
    assert out["overdue_share"].tolist() == ["warn", "none", "none", "none"]
    assert out["credit_utilisation"].tolist() == ["warn", "none", "alert", "none"]
    assert out["grade_downgrade"].tolist() == ["warn", "alert", "none", "none"]
    assert out["severity"].tolist() == ["alert", "alert", "alert", "none"]
    assert out.loc[4, "days_late_jump_months"] == 0


def test_customer_signals_match_the_series_functions(ledger):
    rng = np.random.default_rng(2)
    rows = {p: list(rng.normal(10, 3, 18).round(1)) for p in range(1, 30)}
    rows[30] = [5.0] * 12 + [np.nan] * 5 + [9.0]
    out = signals.customer_signals(
        engine.settle(*ledger.frames(), AS_OF), AS_OF, monthly=monthly_wadl(rows)
    )
    for partner, values in rows.items():
        jump = drift.days_late_jump(values[-1], values[-13:-1])
        assert out.loc[partner, "days_late_jump"] == jump.severity
        assert out.loc[partner, "days_late_jump_z"] == pytest.approx(
            jump.evidence["z"], nan_ok=True
        )
        reference = np.array(values[:12])
        reference = reference[~np.isnan(reference)]
        mu0, sigma = reference.mean(), reference.std(ddof=1)
        if sigma > 0:
            ewma = drift.ewma_drift(values[12:], mu0, sigma)
            assert out.loc[partner, "ewma_drift"] == ewma.severity
            assert out.loc[partner, "ewma_drift_value"] == pytest.approx(ewma.evidence["ewma"][-1])
            assert out.loc[partner, "cusum"] == drift.cusum(values[12:], mu0, sigma).severity
        else:
            assert out.loc[partner, "ewma_drift"] == "none", "no spread: undefined"
            assert math.isnan(out.loc[partner, "ewma_drift_value"])
    assert out.loc[30, "days_late_jump"] == "alert"
    assert out.loc[30, "days_late_jump_method"] == "modified_z"


def test_customer_signals_without_inputs_are_none(ledger):
    ledger.item(100, "2024-01-01", "2024-03-10")
    out = signals.customer_signals(settled(ledger), AS_OF)
    row = out.loc[1]
    assert row["severity"] == "none"
    assert all(row[name] == "none" for name in signals.SIGNALS)
    assert math.isnan(row["credit_utilisation_ratio"])


def test_payment_index_windows(ledger):
    for _ in range(3):
        item = ledger.item(1000, "2023-09-01", "2023-10-01")
        ledger.alloc(item, 1000, "2023-10-01")
    for _ in range(3):
        item = ledger.item(1000, "2024-04-01", "2024-05-01")
        ledger.alloc(item, 1000, "2024-05-31")
    items, allocs = ledger.frames()
    items_cut, allocs_cut = engine.prepare_frames(items, allocs, AS_OF)
    items_out = engine.settle_prepared(items_cut, allocs_cut, AS_OF)
    out = signals.payment_index_windows(items_out, allocs_cut, AS_OF)
    assert out.loc[1, "payment_index_short"] == pytest.approx(50.0)
    assert out.loc[1, "payment_index_long"] == pytest.approx(65.0)
    assert signals.index_drop(*out.loc[1]).severity == "warn"


def test_customer_signals_of_a_book_without_items(ledger):
    """A company without any receivable (a new company) gives an empty frame."""
    out = signals.customer_signals(settled(ledger), AS_OF)
    assert out.empty
    assert list(out.columns) == signals.signal_columns()


# --- amount at risk, minimum amount, presets (docs/metrics.md "Early-warning signals") ------


@pytest.fixture
def at_risk_book(ledger):
    """Customer 1 of the vector: 500 due soon, 300 newly past due, 200 moved into 61-90,
    1,000 not due; customer 2: nothing open."""
    for amount, due in ((500, "2024-07-05"), (300, "2024-06-29"), (200, "2024-04-30")):
        ledger.item(amount, "2024-05-01", due)
    ledger.item(1000, "2024-05-01", "2024-07-30")
    paid = ledger.item(100, "2024-01-01", "2024-02-01", partner=2)
    ledger.alloc(paid, 100, "2024-02-01")
    return settled(ledger)


def at_risk_inputs(limit=1999.99, exposure=2000.0):
    return pd.DataFrame(
        {
            "overdue_share": [0.25, np.nan],
            "overdue_share_before": [0.0, np.nan],
            "exposure": [exposure, np.nan],
            "credit_limit": [limit, np.nan],
            "grade": ["D", None],
            "grade_before": ["B", None],
        },
        index=pd.Index([1, 2], name="partner_id"),
    )


DRIFTING = {2: [*STEADY, 10, 10, 10, 20, 25, 30]}


def at_risk_signals(items_out, min_amount, **inputs):
    return signals.customer_signals(
        items_out,
        AS_OF,
        monthly=monthly_wadl(DRIFTING),
        customers=at_risk_inputs(**inputs),
        thresholds=signals.SignalThresholds(min_amount=min_amount),
    )


def test_amount_at_risk_per_signal(at_risk_book):
    out = at_risk_signals(at_risk_book, 100.0)
    row = out.loc[1]
    expected = {
        "due_soon": ("warn", 500.0),
        "new_overdue": ("warn", 300.0),
        "bucket_move": ("alert", 200.0),
        "overdue_share": ("warn", 500.0),
        "grade_downgrade": ("alert", 2000.0),
        "credit_utilisation": ("warn", 2000.0 - 0.9 * 1999.99),
    }
    for name, (severity, amount) in expected.items():
        assert row[name] == severity, name
        assert row[f"{name}_at_risk"] == pytest.approx(amount), name
    assert row["severity"] == "alert"


def test_lateness_signals_risk_the_open_receivable(at_risk_book):
    out = at_risk_signals(at_risk_book, 0.0)
    assert out.loc[2, ["days_late_jump", "ewma_drift", "cusum"]].tolist() == ["alert"] * 3
    assert out.loc[2, "days_late_jump_at_risk"] == 0.0, "nothing open"
    assert out.loc[1, "grade_downgrade_at_risk"] == pytest.approx(2000.0)
    filtered = at_risk_signals(at_risk_book, 100.0)
    assert filtered.loc[2, ["days_late_jump", "ewma_drift", "cusum"]].tolist() == ["none"] * 3
    assert filtered.loc[2, "severity"] == "none"


def test_minimum_amount_filters_signals(at_risk_book):
    out = at_risk_signals(at_risk_book, 250.0).loc[1]
    assert out["bucket_move"] == "none", "200 < 250"
    assert out["new_overdue"] == "warn", "300 >= 250"
    assert out["credit_utilisation"] == "none", "0.01 over the limit, 200.009 over 90 %"
    assert at_risk_signals(at_risk_book, 0.0).loc[1, "credit_utilisation"] == "alert"


def test_a_limit_exceeded_by_a_cent_raises_no_alert(at_risk_book):
    small = at_risk_signals(at_risk_book, 100.0, limit=150.0, exposure=150.01).loc[1]
    assert small["credit_utilisation"] == "none", "0.01 over the limit, 15.01 over 90 %"
    assert small["credit_utilisation_at_risk"] == pytest.approx(150.01 - 135.0)
    over = at_risk_signals(at_risk_book, 100.0, limit=1000.0, exposure=1150.0).loc[1]
    assert over["credit_utilisation"] == "alert"
    assert over["credit_utilisation_at_risk"] == pytest.approx(150.0)


@pytest.mark.parametrize(
    ("preset", "ewma", "cusum"),
    [("cautious", "alert", "alert"), ("standard", "alert", "none"), ("relaxed", "none", "none")],
)
def test_sensitivity_presets(preset, ewma, cusum):
    thresholds = signals.preset_thresholds(preset)
    assert drift.ewma_drift(X, 5, 2, thresholds).severity == ewma
    assert drift.cusum(X, 5, 2, thresholds).severity == cusum
    assert signals.matching_preset(thresholds._asdict()) == preset


def test_standard_preset_is_the_default_and_a_change_is_custom():
    defaults = signals.SignalThresholds()
    assert signals.preset_thresholds("standard") == defaults
    assert signals.matching_preset(defaults._asdict()) == "standard"
    assert signals.matching_preset({**defaults._asdict(), "cusum_h": 4.5}) == "custom"


def test_a_drift_needs_lateness():
    """docs/metrics.md: drifting from 1 day early to on time is no risk; the same path 6
    days later is."""
    early = [-1, -1, -1, -0.5, -0.1]
    ewma = drift.ewma_drift(early, -1.0, 0.1)
    assert ewma.evidence["ewma"][-1] == pytest.approx(-0.74)
    assert ewma.evidence["ucl"] == pytest.approx(-0.9)
    assert ewma.severity == "none"
    assert drift.cusum(early, -1.0, 0.1).evidence["s"][-1] == pytest.approx(13.0)
    assert drift.cusum(early, -1.0, 0.1).severity == "none"
    late = [value + 6 for value in early]
    assert drift.ewma_drift(late, 5.0, 0.1).severity == "alert"
    assert drift.cusum(late, 5.0, 0.1).severity == "alert"
