"""Forecast of the monthly cash series (metrics.md section 6): SES, damped Holt,
additive Holt-Winters, the naive and seasonal naive benchmarks, grid search, accuracy,
rolling-origin backtest, model choice."""

import math

import numpy as np
import pandas as pd
import pytest
from ar_analytics_engine import forecast, forecast_models

VECTOR = {"abs": 1e-3}


def seasonal(length, trend=0.0):
    t = np.arange(length)
    return 100 + 30 * np.sin(2 * np.pi * t / 12) + trend * t


# --- spec vectors ----------------------------------------------------------------------


def test_ses_vector():
    fit = forecast_models.ses([10, 12, 11, 13], 0.5)
    assert fit.forecast.tolist() == [12.0]
    assert fit.sse == 8.0
    assert fit.params == {"alpha": 0.5}


def test_ses_starts_from_the_first_observation():
    """l0 = y1: the first one-step error is 0 and every horizon gets the last level."""
    fit = forecast_models.ses([10, 12, 11, 13], 0.5, h=3)
    assert fit.forecast.tolist() == [12.0, 12.0, 12.0]
    assert forecast_models.ses([7.0], 0.3, h=2).forecast.tolist() == [7.0, 7.0]


def test_holt_vector_is_the_undamped_limit():
    """l0 = y1, b0 = y2 - y1, y1 processed first, phi = 1 -> exactly 17.2890625."""
    fit = forecast_models.holt([10, 12, 14, 16], 0.5, 0.5)
    assert fit.forecast.tolist() == [17.2890625]
    assert fit.params == {"alpha": 0.5, "beta": 0.5, "phi": 1.0}
    assert forecast_models.holt([10, 12, 14, 16], 0.5, 0.5, phi=1.0).forecast[0] == 17.2890625
    assert forecast_models.holt([10, 12, 14, 16], 0.5, 0.5, phi=0.98).forecast[0] != 17.2890625


def test_holt_horizons_add_the_damped_trend():
    """Final state of the vector: l = 15.640625, b = 1.6484375."""
    level, trend = 15.640625, 1.6484375
    fit = forecast_models.holt([10, 12, 14, 16], 0.5, 0.5, h=2)
    assert fit.forecast.tolist() == [level + trend, level + 2 * trend]


def test_accuracy_vector():
    out = forecast.forecast_accuracy([118, 125], [120, 120], [100, 110, 105, 120, 115])
    assert round(out["mase"], 2) == 0.40
    assert out["mape"] == pytest.approx(2.847, **VECTOR)
    assert out["smape"] == pytest.approx(2.881, **VECTOR)
    assert out["mae"] == pytest.approx(3.5)
    assert out["rmse"] == pytest.approx(math.sqrt((4 + 25) / 2))
    assert out["mape_skipped"] == 0
    assert out["n_points"] == 2


# --- accuracy edge cases -----------------------------------------------------------------


def test_mape_skips_zero_actuals_and_counts_them():
    out = forecast.forecast_accuracy([0, 100, 0], [10, 90, 0], [1, 2])
    assert out["mape"] == pytest.approx(10.0)
    assert out["mape_skipped"] == 2
    assert out["mae"] == pytest.approx(20 / 3)
    assert out["smape"] == pytest.approx(100 * (2 + 20 / 190) / 2), "0/0 point skipped"


def test_mape_undefined_when_every_actual_is_zero():
    out = forecast.forecast_accuracy([0, 0], [5, 0], [3, 4])
    assert math.isnan(out["mape"])
    assert out["mape_skipped"] == 2


def test_mase_undefined_on_a_flat_or_single_point_training_set():
    assert math.isnan(forecast.forecast_accuracy([5], [4], [3, 3, 3])["mase"])
    assert math.isnan(forecast.forecast_accuracy([5], [4], [3])["mase"])


# --- recursions against a plain reference implementation ---------------------------------


def reference_holt_winters(y, alpha, beta, gamma, m, h):
    level = sum(y[:m]) / m
    trend = (sum(y[m : 2 * m]) / m - level) / m
    season = [v - level for v in y[:m]]
    sse = 0.0
    for t, value in enumerate(y):
        s = season[t % m]
        sse += (value - level - trend - s) ** 2
        new_level = alpha * (value - s) + (1 - alpha) * (level + trend)
        season[t % m] = gamma * (value - level - trend) + (1 - gamma) * s
        trend = beta * (new_level - level) + (1 - beta) * trend
        level = new_level
    n = len(y)
    return [level + j * trend + season[(n + j - 1) % m] for j in range(1, h + 1)], sse


def reference_damped_holt(y, alpha, beta, phi, h):
    level, trend, sse = y[0], y[1] - y[0], 0.0
    for value in y:
        sse += (value - level - phi * trend) ** 2
        new_level = alpha * value + (1 - alpha) * (level + phi * trend)
        trend = beta * (new_level - level) + (1 - beta) * phi * trend
        level = new_level
    steps = np.cumsum([phi**j for j in range(1, h + 1)])
    return [level + s * trend for s in steps], sse


def test_holt_winters_matches_the_reference_recursion():
    y = list(seasonal(30, trend=1.5) + np.random.default_rng(3).normal(0, 2, 30))
    fit = forecast_models.holt_winters(y, 0.3, 0.1, 0.2, h=14)
    expected, sse = reference_holt_winters(y, 0.3, 0.1, 0.2, 12, 14)
    np.testing.assert_allclose(fit.forecast, expected)
    assert fit.sse == pytest.approx(sse)


def test_damped_holt_matches_the_reference_recursion():
    y = list(50 + 2 * np.arange(15) + np.random.default_rng(4).normal(0, 3, 15))
    fit = forecast_models.holt(y, 0.4, 0.2, phi=0.9, h=4)
    expected, sse = reference_damped_holt(y, 0.4, 0.2, 0.9, 4)
    np.testing.assert_allclose(fit.forecast, expected)
    assert fit.sse == pytest.approx(sse)


def test_models_need_their_starting_values():
    with pytest.raises(ValueError, match="at least 2"):
        forecast_models.holt([5.0], 0.5, 0.5)
    with pytest.raises(ValueError, match="at least 24"):
        forecast_models.holt_winters(list(range(23)), 0.5, 0.1, 0.1)
    with pytest.raises(ValueError, match="finite"):
        forecast_models.ses([1.0, np.nan], 0.5)


def test_min_lengths_follow_the_spec():
    assert forecast_models.min_length("ses") == 1
    assert forecast_models.min_length("damped_holt") == 10
    assert forecast_models.min_length("holt_winters") == 24
    assert forecast_models.min_length("holt_winters", m=20) == 30, "max(24, 10 + 2 * (m // 2))"


# --- grid search --------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["ses", "damped_holt", "holt_winters"])
def test_grid_search_minimises_the_one_step_sse(model):
    y = seasonal(30, trend=0.8) + np.random.default_rng(5).normal(0, 4, 30)
    best = forecast_models.fit_model(y, model)
    singles = {"ses": forecast_models.ses, "damped_holt": forecast_models.holt}
    single = singles.get(model, forecast_models.holt_winters)
    rng = np.random.default_rng(6)
    grids = {
        "alpha": forecast_models.ALPHA_GRID,
        "beta": forecast_models.BETA_GRID,
        "gamma": forecast_models.GAMMA_GRID,
        "phi": forecast_models.PHI_GRID,
    }
    assert all(best.params[name] in grids[name] for name in best.params)
    for _ in range(10):
        params = {name: float(rng.choice(grids[name])) for name in best.params}
        assert best.sse <= single(y, **params).sse + 1e-9
    assert single(y, **best.params).sse == pytest.approx(best.sse)


def test_forecasts_are_clipped_at_zero():
    fit = forecast_models.holt([100, 80, 60, 40, 20], 0.9, 0.9, h=3)
    assert fit.forecast.tolist() == [0.0, 0.0, 0.0]
    result = forecast.forecast_series(np.maximum(0, 200 - 15 * np.arange(16)), h=6)
    assert (result.forecast >= 0).all()


# --- backtest and model choice -------------------------------------------------------------


def test_backtest_refits_on_an_expanding_window():
    """Naive and SES (T = 6): origins 1..5, horizons 1..3, each fitted on the first t
    values."""
    y = np.array([10.0, 14.0, 9.0, 13.0, 15.0, 11.0])
    errors = []
    for origin in range(1, len(y)):
        predicted = forecast_models.fit_model(y[:origin], "ses", h=3).forecast
        errors += [y[origin + step] - predicted[step] for step in range(3) if origin + step < 6]
    scores = forecast.backtest_forecasts(y)
    assert list(scores) == ["naive", "ses"]
    assert scores["ses"]["n_points"][0] == len(errors) == 12
    assert scores["ses"]["mae"][0] == pytest.approx(np.mean(np.abs(errors)))


def test_naive_backtest_vector():
    """docs/metrics.md "Forecast benchmarks": MAE 2.9167 over 12 points, MASE 0.7118 over
    the 9 points whose origin has a scale (origin 1's window is one value)."""
    scores = forecast.backtest_forecasts([10, 14, 9, 13, 15, 11])["naive"]
    assert scores["n_points"][0] == 12
    assert scores["mae"][0] == pytest.approx(35 / 12)
    scaled = [5 / 4, 1 / 4, 1 / 4, 4 / 4.5, 6 / 4.5, 2 / 4.5, 6 / 13, 6 / 13, 4 / 3.75]
    assert scores["mase"][0] == pytest.approx(np.mean(scaled))
    assert round(scores["mase"][0], 4) == 0.7118


def test_naive_and_seasonal_naive_forecasts():
    y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert forecast_models.naive(y, h=3).forecast.tolist() == [6.0, 6.0, 6.0]
    assert forecast_models.naive(y, h=1).sse == 5.0, "one-step errors 0, 1, 1, 1, 1, 1"
    seasonal_fit = forecast_models.seasonal_naive(y, m=4, h=6)
    assert seasonal_fit.forecast.tolist() == [3.0, 4.0, 5.0, 6.0, 3.0, 4.0]
    assert seasonal_fit.sse == 2 * 4.0**2, "the first season forecasts itself"
    assert seasonal_fit.params == {}
    with pytest.raises(ValueError, match="at least 12"):
        forecast_models.seasonal_naive(list(range(11)))
    assert forecast_models.min_length("naive") == 1
    assert forecast_models.min_length("seasonal_naive") == 12


def test_backtest_scores_every_candidate_on_the_same_points():
    """T = 30: the benchmarks, SES, damped Holt (10 + 3) and Holt-Winters (24 + 3) compete
    from origin 24."""
    scores = forecast.backtest_forecasts(seasonal(30))
    assert list(scores) == ["naive", "seasonal_naive", "ses", "damped_holt", "holt_winters"]
    assert {int(score["n_points"][0]) for score in scores.values()} == {6 * 3 - 3}


def test_seasonal_naive_competes_from_one_season_and_three_origins():
    assert "seasonal_naive" not in forecast.backtest_forecasts(np.arange(14.0))
    scores = forecast.backtest_forecasts(np.arange(15.0))
    assert list(scores) == ["naive", "seasonal_naive", "ses", "damped_holt"]
    assert {int(score["n_points"][0]) for score in scores.values()} == {3 * 3 - 3}


@pytest.mark.parametrize("length", [2, 5, 9, 12])
def test_short_trend_picks_naive_over_ses(length):
    """Only naive and SES compete before 13 months; on a steady rise SES lags behind the
    last value, so the naive forecast wins."""
    result = forecast.forecast_series(10 + 3 * np.arange(length), h=2)
    assert result.model == "naive"
    assert result.params == {}
    assert result.forecast.tolist() == [10 + 3 * (length - 1)] * 2
    assert result.benchmark == "naive"
    assert result.gain == 0.0 if length > 2 else math.isnan(result.accuracy["mase"])


def test_random_walk_picks_naive():
    """A random walk with jumps (increments 0 most months): the last value is the best
    forecast, every smoothing model lags or overshoots after a jump."""
    rng = np.random.default_rng(21)
    steps = np.where(rng.random(36) < 0.3, rng.normal(0, 200, 36), 0.0)
    y = 1000 + np.cumsum(steps)
    result = forecast.forecast_series(y)
    assert result.model == "naive"
    assert result.benchmark == "naive"
    assert result.gain == 0.0
    assert result.forecast.tolist() == [y[-1]] * forecast.FORECAST_MONTHS
    scores = forecast.backtest_forecasts(y)
    assert all(scores["naive"]["mase"][0] < scores[m]["mase"][0] for m in forecast_models.SMOOTHING)
    # not one lucky walk: naive wins most of forty
    walks = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        walks.append(1000 + np.cumsum(np.where(rng.random(36) < 0.3, rng.normal(0, 200, 36), 0)))
    models = forecast.forecast_frame(pd.DataFrame(walks), h=1)["model"]
    assert (models == "naive").mean() > 0.75


def test_the_choice_is_never_worse_than_the_benchmarks():
    """On random walks, whatever wins has a backtest MASE at most the best benchmark's,
    and the gain is positive exactly when a smoothing model wins."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(1000 + np.cumsum(rng.normal(0, 50, (60, 30)), axis=1))
    out = forecast.forecast_frame(frame, h=3)
    assert set(out["benchmark"]) <= set(forecast_models.BENCHMARKS)
    assert (out["mase"] <= out["benchmark_mase"]).all()
    smoothing = out["model"].isin(forecast_models.SMOOTHING)
    assert smoothing.any() and (~smoothing).any()
    assert (out.loc[smoothing, "benchmark_gain"] > 0).all()
    assert (out.loc[~smoothing, "benchmark_gain"] == 0).all()
    np.testing.assert_allclose(
        out["benchmark_gain"], 1 - out["mase"] / out["benchmark_mase"], atol=1e-12
    )


def test_trend_picks_damped_holt():
    result = forecast.forecast_series(10 + 3 * np.arange(20.0), h=3)
    assert result.model == "damped_holt"
    assert set(result.params) == {"alpha", "beta", "phi"}
    assert result.forecast[0] > 60
    assert result.benchmark == "naive", "the seasonal naive lags a whole year"
    assert result.accuracy["mase"] < result.benchmark_accuracy["mase"]
    assert result.gain == pytest.approx(
        1 - result.accuracy["mase"] / result.benchmark_accuracy["mase"]
    )


def test_seasonality_picks_holt_winters_only_from_24_months():
    result = forecast.forecast_series(seasonal(48, trend=2.0))
    assert result.model == "holt_winters"
    assert set(result.params) == {"alpha", "beta", "gamma"}
    assert result.accuracy["mase"] < 1
    assert result.gain > 0.5, "far better than both benchmarks"
    assert forecast.forecast_series(seasonal(26)).model != "holt_winters"


def test_pure_season_picks_a_seasonal_method_over_naive():
    """A season without trend nor noise: the seasonal naive forecast is exact, and no
    smoothing model beats an exact forecast (a tie goes to the benchmark)."""
    result = forecast.forecast_series(seasonal(36))
    assert result.model == "seasonal_naive"
    assert result.benchmark == "seasonal_naive"
    assert result.accuracy["mae"] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(result.forecast, seasonal(42)[36:])


def test_result_exposes_model_params_and_accuracy():
    result = forecast.forecast_series([120, 80, 100, 90, 110, 95, 105], h=4)
    assert result.model == "ses"
    assert 0 < result.params["alpha"] < 1
    assert len(result.forecast) == 4
    assert set(result.accuracy) == set(forecast.ACCURACY)
    assert result.accuracy["n_points"] == 6 * 3 - 3


def test_empty_series_has_no_model_and_no_forecast():
    result = forecast.forecast_series([], h=3)
    assert result.model is None
    assert result.benchmark is None
    assert math.isnan(result.gain)
    assert result.params == {}
    assert np.isnan(result.forecast).all() and len(result.forecast) == 3
    assert result.accuracy["n_points"] == 0
    assert math.isnan(result.accuracy["mae"])


def test_single_month_repeats_it_without_accuracy():
    """No backtest point: nothing beat the benchmark, the naive forecast is kept."""
    result = forecast.forecast_series([42.0], h=2)
    assert result.model == "naive"
    assert result.forecast.tolist() == [42.0, 42.0]
    assert result.accuracy["n_points"] == 0
    assert math.isnan(result.accuracy["mase"])
    assert result.benchmark == "naive"
    assert math.isnan(result.gain)


def test_zero_months_are_skipped_by_mape_in_the_backtest():
    y = [0, 100, 0, 120, 0, 90, 0, 110]
    result = forecast.forecast_series(y)
    assert result.accuracy["mape_skipped"] > 0
    assert result.accuracy["n_points"] > result.accuracy["mape_skipped"]


def test_frame_forecasts_each_row_like_a_single_series():
    rows = {
        "flat": [50.0] * 30,
        "trend": list(10 + 3 * np.arange(30.0)),
        "seasonal": list(seasonal(30)),
        "noise": list(np.random.default_rng(8).gamma(2, 100, 30)),
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    out = forecast.forecast_frame(frame, h=3)
    assert list(out.index) == list(rows)
    for name, y in rows.items():
        single = forecast.forecast_series(y, h=3)
        assert out.loc[name, "model"] == single.model
        np.testing.assert_allclose(
            out.loc[name, ["forecast_1", "forecast_2", "forecast_3"]].to_numpy(dtype=float),
            single.forecast,
        )
        for param in forecast.PARAMETERS:
            assert out.loc[name, param] == pytest.approx(
                single.params.get(param, np.nan), nan_ok=True
            )
    assert out.loc["flat", "forecast_1"] == pytest.approx(50.0)


def test_frame_without_months():
    out = forecast.forecast_frame(pd.DataFrame(index=[1, 2]), h=2)
    assert out["model"].isna().all()
    assert out[["forecast_1", "forecast_2", "mae"]].isna().all().all()
    assert (out["n_points"] == 0).all()


# --- oracle ---------------------------------------------------------------------------------


def test_statsmodels_oracle():
    holtwinters = pytest.importorskip("statsmodels.tsa.holtwinters")
    y = np.array([10.0, 12.0, 11.0, 13.0])
    ses = holtwinters.SimpleExpSmoothing(y, initialization_method="known", initial_level=10.0)
    ses_fit = ses.fit(smoothing_level=0.5, optimized=False)
    assert ses_fit.forecast(1)[0] == pytest.approx(forecast_models.ses(y, 0.5).forecast[0])
    trend = np.array([10.0, 12.0, 14.0, 16.0])
    holt = holtwinters.Holt(
        trend, initialization_method="known", initial_level=10.0, initial_trend=2.0
    )
    holt_fit = holt.fit(smoothing_level=0.5, smoothing_trend=0.5, optimized=False)
    assert holt_fit.forecast(1)[0] == pytest.approx(17.2890625)


def _seasonal_series(months=36, seed=7):
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    return 100 + 2.0 * t + 15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, months)


def test_statsmodels_oracle_damped_holt():
    """Damped Holt with the same start state (l0 = y1, b0 = y2 - y1) and parameters gives
    statsmodels' forecasts at every horizon."""
    holtwinters = pytest.importorskip("statsmodels.tsa.holtwinters")
    y = _seasonal_series(24)
    ours = forecast_models.holt(y, 0.4, 0.2, phi=0.9, h=6)
    model = holtwinters.Holt(
        y,
        damped_trend=True,
        initialization_method="known",
        initial_level=y[0],
        initial_trend=y[1] - y[0],
    )
    fit = model.fit(smoothing_level=0.4, smoothing_trend=0.2, damping_trend=0.9, optimized=False)
    np.testing.assert_allclose(ours.forecast, fit.forecast(6), rtol=1e-9)
    assert ours.sse == pytest.approx(fit.sse, rel=1e-9)


def test_statsmodels_oracle_holt_winters():
    """Additive Holt-Winters with the classical start (l0 = mean of season 1, b0 = (mean of
    season 2 - l0) / m, s_i = y_i - l0) gives statsmodels' forecasts."""
    holtwinters = pytest.importorskip("statsmodels.tsa.holtwinters")
    y = _seasonal_series(36)
    m = 12
    level = y[:m].mean()
    slope = (y[m : 2 * m].mean() - level) / m
    ours = forecast_models.holt_winters(y, 0.3, 0.1, 0.2, m=m, h=12)
    model = holtwinters.ExponentialSmoothing(
        y,
        trend="add",
        seasonal="add",
        seasonal_periods=m,
        initialization_method="known",
        initial_level=level,
        initial_trend=slope,
        initial_seasonal=y[:m] - level,
    )
    fit = model.fit(
        smoothing_level=0.3, smoothing_trend=0.1, smoothing_seasonal=0.2, optimized=False
    )
    np.testing.assert_allclose(ours.forecast[: m - 1], fit.forecast(m)[: m - 1], rtol=1e-9)
    # h = m: statsmodels up to 0.15 forecasts with the seasonal factor of the season before
    # (statsmodels issue 9538, fixed by its pull request 10230); Hyndman's formula
    # l_T + h b_T + s_T, from statsmodels' own final states, is what we give
    hyndman = fit.level[-1] + m * fit.trend[-1] + fit.season[-1]
    assert ours.forecast[m - 1] == pytest.approx(hyndman, rel=1e-9)
