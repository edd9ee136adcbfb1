"""Backtest of grades: rank correlation and capture of later late payers (section 4)."""

import math

import ar_analytics_engine as engine
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
