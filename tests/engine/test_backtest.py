"""Backtest of grades: rank correlation and capture of later late payers (section 4); the
score against its ingredients and the suggested weights (docs/metrics.md)."""

import math

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest


def test_spearman_matches_the_textbook_formula_without_ties():
    x = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    y = pd.Series([5.0, 6.0, 7.0, 8.0, 7.5])
    d2 = ((x.rank() - y.rank()) ** 2).sum()
    n = len(x)
    assert engine.spearman(x, y) == pytest.approx(1 - 6 * d2 / (n * (n**2 - 1)))


def test_spearman_average_ties_and_undefined_cases():
    assert engine.spearman(pd.Series([1, 2, 2, 3]), pd.Series([1, 2, 2, 3])) == pytest.approx(1.0)
    assert math.isnan(engine.spearman(pd.Series([1, 2]), pd.Series([2, 1])))
    assert math.isnan(engine.spearman(pd.Series([1, 1, 1]), pd.Series([1, 2, 3])))


def test_backtest_perfect_and_reversed_grades():
    before = pd.DataFrame(
        {
            "score": [90.0, 75.0, 55.0, 40.0, None],
            "grade": ["A", "B", "C", "D", None],
            "rated": [True, True, True, True, False],
        },
        index=[1, 2, 3, 4, 5],
    )
    later = pd.Series({1: -2.0, 2: 5.0, 3: 35.0, 4: 60.0, 5: 90.0})
    result = engine.backtest_grades(before, later)
    assert result == {
        "customers": 4,
        "spearman": pytest.approx(1.0),
        "late_customers": 2,
        "capture": 1.0,
    }
    reversed_result = engine.backtest_grades(before, -later)
    assert reversed_result["spearman"] == pytest.approx(-1.0)
    assert math.isnan(reversed_result["capture"]), "nobody paid late"


# --- the score against its own ingredients ----------------------------------------------

NAN = float("nan")


@pytest.fixture
def ingredients():
    """docs/metrics.md "The score against its own ingredients": c1..c4 rated with a later
    payment, c5 unrated, c6 rated without any later payment."""
    before = pd.DataFrame(
        {
            "score": [90.0, 75.0, 60.0, 45.0, NAN, 80.0],
            "rated": [True, True, True, True, False, True],
            "s1": [80.0, 70.0, 60.0, NAN, NAN, 50.0],
            "s2": [100.0, 80.0, 50.0, 20.0, 0.0, 50.0],
            "s3": [100.0, 60.0, 70.0, 30.0, 0.0, 50.0],
            "s4": [100.0, 100.0, 80.0, 60.0, NAN, 50.0],
            "s5": [100.0, NAN, 100.0, 0.0, NAN, 50.0],
            "wadl": [2.0, 10.0, 1.0, 25.0, NAN, 3.0],
        },
        index=[1, 2, 3, 4, 5, 6],
    )
    later = pd.Series({1: 0.0, 2: 5.0, 3: 20.0, 4: 40.0, 5: 90.0})
    return before, later


def test_predictors_vector(ingredients):
    out = engine.backtest_predictors(*ingredients)
    assert list(out.index) == ["score", "naive_wadl", "s1", "s2", "s3", "s4", "s5"]
    assert out["customers"].tolist() == [4, 4, 3, 4, 4, 4, 3]
    expected = [1.0, 0.4, 1.0, 1.0, 0.8, 0.9487, 0.8660]
    assert out["spearman"].round(4).tolist() == expected
    assert out["score_spearman"].tolist() == pytest.approx([1.0] * 7)


def test_predictors_are_each_judged_on_their_own_customers(ingredients):
    """The score on the same customers as a predictor: here, when the later lateness of
    c3 and c4 is swapped, the score misranks them, on S1's three customers as on all."""
    before, later = ingredients
    swapped = later.rename({3: 4, 4: 3})
    out = engine.backtest_predictors(before, swapped)
    assert out.loc["score", "spearman"] == pytest.approx(0.8)
    s1 = out.loc["s1"]
    assert s1["customers"] == 3
    assert s1["spearman"] == pytest.approx(-engine.spearman(before["s1"][:3], swapped[[1, 2, 3]]))
    assert s1["score_spearman"] == pytest.approx(
        -engine.spearman(before["score"][:3], swapped[[1, 2, 3]])
    )
    naive = out.loc["naive_wadl"]
    assert naive["spearman"] == pytest.approx(engine.spearman(before["wadl"][:4], swapped))


def test_predictors_without_customers_are_undefined():
    before = pd.DataFrame(
        {"score": [70.0], "rated": [True], "wadl": [5.0]} | {f"s{i}": [50.0] for i in range(1, 6)},
        index=[1],
    )
    out = engine.backtest_predictors(before, pd.Series({1: 3.0}))
    assert (out["customers"] == 1).all()
    assert out["spearman"].isna().all()


# --- suggested weights ------------------------------------------------------------------


def test_weight_grid_is_the_simplex_in_coarse_steps():
    grid = engine.weight_grid()
    assert grid.shape == (1001, 5)
    np.testing.assert_allclose(grid.sum(axis=1), 1.0)
    assert np.allclose(np.round(grid * 10), grid * 10)
    assert len({tuple(np.round(row, 6)) for row in grid}) == 1001
    assert grid[0].tolist() == [0, 0, 0, 0, 1.0] and grid[-1].tolist() == [1.0, 0, 0, 0, 0]
    assert engine.weight_grid(0.25).shape == (70, 5)
    with pytest.raises(ValueError, match="divide 1"):
        engine.weight_grid(0.3)


def test_rank_correlations_follow_the_score_formula():
    """The vectorised search gives, for every candidate, the backtest of the score that
    score_from_indicators computes with those weights."""
    rng = np.random.default_rng(3)
    indicators = pd.DataFrame(rng.uniform(0, 100, (60, 5)), columns=[f"s{i}" for i in range(1, 6)])
    indicators.loc[rng.random(60) < 0.3, "s1"] = np.nan
    indicators.loc[rng.random(60) < 0.5, "s5"] = np.nan
    later = pd.Series(rng.normal(10, 5, 60))
    candidates = engine.weight_grid(0.25)
    rho = engine.rank_correlations(indicators, later, candidates)
    for weights, value in zip(candidates, rho, strict=True):
        if not weights[1:4].any():  # S1 or S5 alone leave customers without a score
            assert np.isnan(value)
            continue
        score = engine.score_from_indicators(indicators, weights)["score"]
        assert value == pytest.approx(-engine.spearman(score, later), abs=1e-12)


def _period(rng, driver, customers=400):
    """Random indicators (S1 and S5 sometimes undefined) and later lateness that falls
    with ``driver`` alone, plus noise."""
    frame = pd.DataFrame(
        rng.uniform(0, 100, (customers, 5)),
        columns=[f"s{i}" for i in range(1, 6)],
        index=range(1, customers + 1),
    )
    frame.loc[rng.random(customers) < 0.2, "s1"] = np.nan
    frame.loc[rng.random(customers) < 0.5, "s5"] = np.nan
    frame["rated"] = True
    later = 60 - 0.6 * frame[driver].fillna(50) + rng.normal(0, 8, customers)
    return frame, later


@pytest.mark.parametrize("driver", ["s3", "s1", "s4"])
def test_suggestion_finds_the_indicator_that_drives_lateness(driver):
    rng = np.random.default_rng(11)
    fit, fit_later = _period(rng, driver)
    test, test_later = _period(rng, driver)
    equal = (1, 1, 1, 1, 1)
    result = engine.suggest_weights(fit, fit_later, test, test_later, equal)
    weights = dict(zip(fit.columns[:5], result["weights"], strict=False))
    assert sum(result["weights"]) == pytest.approx(1.0)
    assert max(weights, key=weights.get) == driver
    assert weights[driver] >= 0.5
    assert result["current"] == pytest.approx((0.2,) * 5)
    assert (result["fit_customers"], result["test_customers"]) == (400, 400)
    assert result["fit_spearman"] > result["fit_current"]
    assert result["test_spearman"] > result["test_current"] + 0.2
    assert result["gain"] == pytest.approx(result["test_spearman"] - result["test_current"])
    # judged on the later period with the score's own formula
    score = engine.score_from_indicators(test, result["weights"])["score"]
    assert result["test_spearman"] == pytest.approx(-engine.spearman(score, test_later))


def test_suggestion_is_deterministic_and_keeps_the_current_weights_on_a_tie():
    """Every indicator equal to S2: every candidate ranks alike, the current weights stay."""
    rng = np.random.default_rng(4)
    fit, fit_later = _period(rng, "s2", customers=50)
    for column in ("s1", "s3", "s4", "s5"):
        fit[column] = fit["s2"]
    current = (0.40, 0.20, 0.15, 0.15, 0.10)
    first = engine.suggest_weights(fit, fit_later, fit, fit_later, current)
    assert first["weights"] == pytest.approx(current)
    assert first["gain"] == pytest.approx(0.0)
    assert first == engine.suggest_weights(fit, fit_later, fit, fit_later, current)


def test_suggestion_judges_only_rated_customers_with_a_later_payment():
    rng = np.random.default_rng(8)
    fit, fit_later = _period(rng, "s3", customers=100)
    test, test_later = _period(rng, "s3", customers=100)
    fit.loc[[1, 2, 3], "rated"] = False
    test_later = test_later.drop([4, 5])
    result = engine.suggest_weights(fit, fit_later, test, test_later, (1, 1, 1, 1, 1))
    assert (result["fit_customers"], result["test_customers"]) == (97, 98)


def test_no_suggestion_without_history():
    frame = pd.DataFrame(columns=["rated", "s1", "s2", "s3", "s4", "s5"], dtype=float)
    later = pd.Series(dtype=float)
    result = engine.suggest_weights(frame, later, frame, later, (1, 0, 0, 0, 0))
    assert result["weights"] is None
    assert result["fit_customers"] == 0
    assert math.isnan(result["gain"])
    with pytest.raises(ValueError, match="5 weights"):
        engine.suggest_weights(frame, later, frame, later, (0, 0, 0, 0, 0))
