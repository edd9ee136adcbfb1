"""Credit score and grade (metrics.md section 4): indicators, weights, grades, the
dWADL trend, settings validation and monotonicity."""

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest

AS_OF = "2024-06-30"
S_COLUMNS = ["s1", "s2", "s3", "s4", "s5"]
W_COLUMNS = ["w1", "w2", "w3", "w4", "w5"]
P_COLUMNS = ["p1", "p2", "p3", "p4", "p5"]
VECTORS = [
    ((80, 100, 100, 100, 100), 92.0, "A"),
    ((50, 50, 62.5, 75, 100), 60.625, "C"),
]


def figures_frame(rows):
    """A partner_figures-like frame from dicts (missing keys: nothing open, no
    index, no collection rate)."""
    defaults = {
        "payment_index": np.nan,
        "booked_open": 0.0,
        "overdue_amount": 0.0,
        "max_dpd": 0.0,
        "collection_rate": np.nan,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows], dtype="float64")
    frame.index = pd.Index(range(1, len(rows) + 1), name="partner_id")
    return frame


def indicators_frame(*rows):
    return pd.DataFrame(list(rows), columns=S_COLUMNS, dtype="float64")


@pytest.mark.parametrize(("indicators", "score", "grade"), VECTORS)
def test_score_vectors_from_indicators(indicators, score, grade):
    out = engine.score_from_indicators(indicators_frame(indicators))
    row = out.iloc[0]
    assert round(row["score"], 3) == score
    assert row["score"] == pytest.approx(score, abs=1e-9)
    assert row["grade"] == grade
    assert bool(row["rated"])
    assert row[P_COLUMNS].sum() == pytest.approx(row["score"], abs=1e-9)
    assert row[W_COLUMNS].tolist() == pytest.approx([0.40, 0.20, 0.15, 0.15, 0.10])
    assert list(out.columns) == engine.score_columns()


@pytest.mark.parametrize(
    ("figures", "trend", "indicators", "score", "grade"),
    [
        (
            {"payment_index": 80, "collection_rate": 1.0},
            -5.0,
            VECTORS[0][0],
            92.0,
            "A",
        ),
        (
            {
                "payment_index": 50,
                "booked_open": 1_000,
                "overdue_amount": 500,
                "max_dpd": 45,
                "collection_rate": 0.75,
            },
            0.0,
            VECTORS[1][0],
            60.625,
            "C",
        ),
    ],
)
def test_score_vectors_from_figures(figures, trend, indicators, score, grade):
    frame = figures_frame([figures])
    out = engine.credit_scores(frame, pd.Series([trend], index=frame.index))
    row = out.loc[1]
    assert row[S_COLUMNS].tolist() == pytest.approx(list(indicators), abs=1e-12)
    assert round(row["score"], 3) == score
    assert row["grade"] == grade
    assert out.index.equals(frame.index)


@pytest.mark.parametrize(
    ("trend", "s5"),
    [(-12.0, 100.0), (0.0, 100.0), (7.5, 75.0), (15.0, 50.0), (30.0, 0.0), (45.0, 0.0)],
)
def test_trend_indicator(trend, s5):
    frame = figures_frame([{"payment_index": 80}])
    out = engine.score_indicators(frame, pd.Series([trend], index=frame.index))
    assert out.loc[1, "s5"] == pytest.approx(s5)


@pytest.mark.parametrize(
    ("max_dpd", "s3"), [(0, 100.0), (30, 75.0), (60, 50.0), (120, 0.0), (400, 0.0), (np.nan, 100.0)]
)
def test_dpd_indicator(max_dpd, s3):
    frame = figures_frame([{"max_dpd": max_dpd, "booked_open": 10, "overdue_amount": 10}])
    assert engine.score_indicators(frame).loc[1, "s3"] == pytest.approx(s3)


def test_undefined_indicators_are_dropped_not_zero():
    """S4 and S5 undefined: score over S1..S3 with their weights renormalised."""
    frame = figures_frame([{"payment_index": 70, "booked_open": 100, "overdue_amount": 25}])
    row = engine.credit_scores(frame).loc[1]
    assert row[["s1", "s2", "s3"]].tolist() == [70, 75, 100]
    assert np.isnan(row["s4"]) and np.isnan(row["s5"])
    assert np.isnan(row["w4"]) and np.isnan(row["p5"])
    expected = (0.40 * 70 + 0.20 * 75 + 0.15 * 100) / 0.75
    assert row["score"] == pytest.approx(expected)
    assert row[P_COLUMNS].sum() == pytest.approx(expected)
    assert row["grade"] == "B"


@pytest.mark.parametrize(
    ("figures", "rated"),
    [
        ({}, False),
        ({"booked_open": 500, "collection_rate": 1.0}, False),
        ({"booked_open": 500, "overdue_amount": 500, "max_dpd": 10}, True),
        ({"payment_index": 90}, True),
    ],
)
def test_unrated_without_index_and_nothing_past_due(figures, rated):
    row = engine.credit_scores(figures_frame([figures]), pd.Series([5.0], index=[1])).loc[1]
    assert bool(row["rated"]) is rated
    if rated:
        assert not np.isnan(row["score"])
        assert row["grade"] in engine.GRADES
    else:
        assert np.isnan(row["score"])
        assert row["grade"] is None
        assert row[W_COLUMNS + P_COLUMNS].isna().all()
        assert row["s2"] == 100  # the indicators are kept for the explanation


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100.0, "A"),
        (80.0, "A"),
        (79.999, "B"),
        (65.0, "B"),
        (64.99, "C"),
        (50.0, "C"),
        (49.99, "D"),
        (0.0, "D"),
        (np.nan, None),
    ],
)
def test_grade_bands_on_unrounded_score(score, grade):
    assert engine.grade_from_score(score) == grade


def test_grade_from_score_is_vectorised_and_custom():
    scores = pd.Series([95.0, 70.0, np.nan], index=[4, 5, 6])
    grades = engine.grade_from_score(scores, cutoffs=(90, 70, 60))
    assert grades.tolist() == ["A", "B", None]
    assert grades.index.equals(scores.index)


def test_float_noise_does_not_cost_a_grade():
    """All indicators at 80 with weights summing to 1.0000000000000002 is A."""
    row = engine.score_from_indicators(indicators_frame((80, 80, 80, 80, 80))).iloc[0]
    assert row["score"] == pytest.approx(80)
    assert row["grade"] == "A"


@pytest.mark.parametrize("scale", [1, 100])
def test_weights_need_not_sum_to_one(scale):
    weights = tuple(w * scale for w in (0.40, 0.20, 0.15, 0.15, 0.10))
    out = engine.score_from_indicators(indicators_frame(*(v[0] for v in VECTORS)), weights)
    assert out["score"].tolist() == pytest.approx([92.0, 60.625])


def test_zero_weight_on_every_defined_indicator_is_unrated():
    out = engine.score_from_indicators(
        indicators_frame((np.nan, 50, 50, 50, 50)), weights=(1, 0, 0, 0, 0)
    )
    assert np.isnan(out.loc[0, "score"])
    assert out.loc[0, "grade"] is None
    assert not out.loc[0, "rated"]


@pytest.mark.parametrize(
    ("weights", "cutoffs", "window", "message"),
    [
        ((0.4, 0.2, 0.15, 0.15, -0.1), (80, 65, 50), 365, "negative"),
        ((0, 0, 0, 0, 0), (80, 65, 50), 365, "greater than zero"),
        ((0.5, 0.5), (80, 65, 50), 365, "exactly 5 weights"),
        (("a", 1, 1, 1, 1), (80, 65, 50), 365, "exactly 5 weights"),
        ((1, 1, 1, 1, np.nan), (80, 65, 50), 365, "exactly 5 weights"),
        ((1, 1, 1, 1, 1), (80, 65), 365, "exactly 3 grade cut-offs"),
        ((1, 1, 1, 1, 1), (80, 80, 50), 365, "strictly decreasing"),
        ((1, 1, 1, 1, 1), (50, 65, 80), 365, "strictly decreasing"),
        ((1, 1, 1, 1, 1), (120, 65, 50), 365, "at most 100"),
        ((1, 1, 1, 1, 1), (80, 65, 0), 365, "greater than 0"),
        ((1, 1, 1, 1, 1), (80, 65, 50), 0, "window"),
        ((1, 1, 1, 1, 1), (80, 65, 50), -30, "window"),
        ((1, 1, 1, 1, 1), (80, 65, 50), 30.5, "whole number"),
    ],
)
def test_validate_score_settings_rejects(weights, cutoffs, window, message):
    with pytest.raises(ValueError, match=message):
        engine.validate_score_settings(weights, cutoffs, window)


def test_validate_score_settings_normalises():
    assert engine.validate_score_settings([40, 20, 15, 15, 10], [80, 65, 50], 365.0) == (
        (40.0, 20.0, 15.0, 15.0, 10.0),
        (80.0, 65.0, 50.0),
        365,
    )
    with pytest.raises(ValueError, match="negative"):
        engine.credit_scores(figures_frame([{}]), weights=(1, 1, 1, 1, -1))


def test_more_lateness_never_raises_the_score():
    """Monotonicity: a lower index, more overdue, a larger dpd or a worse trend
    (each alone and all together) never raises the score."""
    rng = np.random.default_rng(11)
    n = 2_000
    booked = rng.uniform(0, 10_000, n)
    base = pd.DataFrame(
        {
            "payment_index": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0, 100, n)),
            "booked_open": booked,
            "overdue_amount": booked * rng.uniform(0, 1, n) * (rng.random(n) < 0.7),
            "max_dpd": rng.integers(0, 200, n).astype("float64"),
            "collection_rate": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0, 1, n)),
        }
    )
    trend = pd.Series(np.where(rng.random(n) < 0.3, np.nan, rng.uniform(-40, 40, n)))
    worse = base.copy()
    worse["payment_index"] = base["payment_index"] * rng.uniform(0, 1, n)
    worse["overdue_amount"] = base["overdue_amount"] + (booked - base["overdue_amount"]) * (
        rng.uniform(0, 1, n)
    )
    worse["max_dpd"] = base["max_dpd"] + rng.integers(0, 100, n)
    worse_trend = trend + rng.uniform(0, 20, n)
    before = engine.credit_scores(base, trend)
    rated = before["rated"]
    for column in ("payment_index", "overdue_amount", "max_dpd", None):
        changed = worse if column is None else base.assign(**{column: worse[column]})
        after = engine.credit_scores(changed, worse_trend if column is None else trend)
        assert (after["score"][rated] <= before["score"][rated] + 1e-9).all(), column
        assert after["rated"][rated].all()
    after = engine.credit_scores(base, worse_trend)
    assert (after["score"][rated] <= before["score"][rated] + 1e-9).all()


@pytest.fixture
def trend_book(ledger):
    """as_of 2024-06-30, recent = (04-01, 06-30], prior = (2023-07-01, 04-01].

    Partner 1: prior 1,000 paid on the due date, recent 1,000 paid 20 days late.
    Partner 2: recent observations only.  Partner 3: prior 1,000 at 10 days and
    3,000 at 0 days (WADL 2.5), recent 500 five days early (-5), paid on 04-01
    exactly (prior side) and 04-02 (recent side)."""
    p1a = ledger.item(1_000, "2024-01-01", "2024-01-31", partner=1)
    p1b = ledger.item(1_000, "2024-04-10", "2024-05-10", partner=1)
    ledger.alloc(p1a, 1_000, "2024-01-31")
    ledger.alloc(p1b, 1_000, "2024-05-30")
    p2 = ledger.item(700, "2024-05-01", "2024-05-31", partner=2)
    ledger.alloc(p2, 700, "2024-06-10")
    p3a = ledger.item(1_000, "2024-02-21", "2024-03-22", partner=3)
    p3b = ledger.item(3_000, "2023-09-01", "2023-10-01", partner=3)
    p3c = ledger.item(500, "2024-03-08", "2024-04-07", partner=3)
    ledger.alloc(p3a, 1_000, "2024-04-01")
    ledger.alloc(p3b, 3_000, "2023-10-01")
    ledger.alloc(p3c, 500, "2024-04-02")
    old = ledger.item(800, "2023-01-01", "2023-01-31", partner=4)
    ledger.alloc(old, 800, "2023-03-01")
    return ledger.frames()


def test_wadl_trend(trend_book):
    items, allocs = trend_book
    items_cut, allocs_cut = engine.prepare_frames(items, allocs, AS_OF)
    items_out = engine.settle_prepared(items_cut, allocs_cut, AS_OF)
    trend = engine.wadl_trend(items_out, allocs_cut, AS_OF)
    assert trend.name == "wadl_trend"
    assert trend.index.name == "partner_id"
    assert trend.loc[1] == pytest.approx(20)
    assert np.isnan(trend.loc[2])
    assert trend.loc[3] == pytest.approx(-5 - 2.5)
    assert np.isnan(trend.loc[4])  # outside the window on both sides
    wider = engine.wadl_trend(items_out, allocs_cut, AS_OF, window_days=730)
    assert np.isnan(wider.loc[4])  # prior observation only (29 days late)
    assert wider.loc[1] == pytest.approx(20)
    assert engine.wadl_trend(items_out, allocs_cut, AS_OF, recent_days=365).isna().all()


def test_scores_from_a_ledger(trend_book):
    items, allocs = trend_book
    figures = engine.partner_figures(items, allocs, AS_OF, min_obs=1)
    items_cut, allocs_cut = engine.prepare_frames(items, allocs, AS_OF)
    items_out = engine.settle_prepared(items_cut, allocs_cut, AS_OF)
    trend = engine.wadl_trend(items_out, allocs_cut, AS_OF)
    scores = engine.credit_scores(figures, trend)
    assert scores.index.equals(figures.index)
    assert list(scores.columns) == engine.score_columns()
    assert scores.loc[1, "s5"] == pytest.approx(100 * (1 - 20 / 30))
    assert scores.loc[3, "s5"] == 100
    assert np.isnan(scores.loc[2, "s5"])
    assert scores["rated"].tolist() == [True, True, True, False]
    assert scores.loc[4, "grade"] is None


def test_grade_policies():
    assert set(engine.GRADE_POLICIES) == set(engine.GRADES)
    assert engine.GRADE_POLICIES["A"][0] == "extended_terms"
    assert engine.GRADE_POLICIES["D"][0] == "cash_in_advance"
