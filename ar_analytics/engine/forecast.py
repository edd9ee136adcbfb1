"""Forecast of a monthly cash series (metrics.md section 6; Hyndman, *Forecasting:
Principles and Practice*, 3rd ed., ch. 5): the choice among the models of
:mod:`forecast_models` and its accuracy figures.

The model is chosen on a rolling-origin (expanding window) backtest with horizons 1..3,
by the least MASE (MAE when MASE is undefined), ties to the benchmarks: a smoothing model
is chosen only when it beats them (docs/metrics.md, "Forecast benchmarks").  Every
computation runs on a (series x grid) array, so many customers with series of the same
length are forecast at once (:func:`forecast_frame`); the only loop is over time.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd

from ._util import ratio
from .forecast_models import (
    BENCHMARKS,
    MODELS,
    NAIVE,
    SEASON_LENGTH,
    SES,
    min_length,
    parameter_grid,
    parameter_names,
    series_array,
    sweep,
)

#: Parameter names, in the order of the grids and of :func:`forecast_frame` columns.
PARAMETERS = ("alpha", "beta", "gamma", "phi")
#: Backtest horizons 1..BACKTEST_HORIZON; a trend or seasonal model competes only
#: when it can be evaluated from at least BACKTEST_MIN_ORIGINS origins.
BACKTEST_HORIZON = 3
BACKTEST_MIN_ORIGINS = 3
#: Default number of months forecast.
FORECAST_MONTHS = 6
#: Accuracy figures, in the order of :func:`forecast_frame` columns.
ACCURACY = ("mae", "rmse", "mape", "mape_skipped", "smape", "mase", "n_points")
#: the best benchmark's backtest figures in :func:`forecast_frame` (after ``benchmark``)
BENCHMARK_COLUMNS = ("benchmark_mae", "benchmark_mase", "benchmark_gain")
_COUNTS = ("mape_skipped", "n_points")


class ForecastResult(NamedTuple):
    """The chosen model of a series: its name (None for an empty series), parameters,
    forecasts (>= 0) and backtest accuracy (:data:`ACCURACY` keys); the best benchmark
    (None for an empty series), its backtest ``mae`` and ``mase``, and ``gain``, how much
    lower the chosen model's backtest MASE is than the benchmark's, as a fraction (MAE when
    MASE is undefined; 0 when a benchmark is chosen, NaN without any backtest point)."""

    model: str | None
    params: dict
    forecast: np.ndarray
    accuracy: dict
    benchmark: str | None
    benchmark_accuracy: dict
    gain: float


def _masked_mean(values, mask):
    return ratio(np.where(mask, values, 0.0).sum(axis=1), mask.sum(axis=1))


def _accuracy(actual, forecast, scale):
    """Accuracy per row of (series x points) arrays; NaN entries are absent points."""
    present = ~np.isnan(actual)
    error = np.where(present, actual - forecast, 0.0)
    size = np.abs(np.where(present, actual, 0.0))
    total = size + np.abs(np.where(present, forecast, 0.0))
    nonzero = present & (size > 0)
    scaled = present & (scale > 0)
    return {
        "mae": _masked_mean(np.abs(error), present),
        "rmse": np.sqrt(_masked_mean(error**2, present)),
        "mape": 100 * _masked_mean(np.abs(error) / np.where(nonzero, size, 1.0), nonzero),
        "mape_skipped": (present & ~nonzero).sum(axis=1),
        "smape": 100
        * _masked_mean(2 * np.abs(error) / np.where(total > 0, total, 1.0), present & (total > 0)),
        "mase": _masked_mean(np.abs(error) / np.where(scaled, scale, 1.0), scaled),
        "n_points": present.sum(axis=1),
    }


def _naive_scale(train):
    """In-sample MAE of the naive forecast per row (NaN with fewer than 2 values)."""
    train = np.atleast_2d(train)
    if train.shape[1] < 2:
        return np.full(len(train), np.nan)
    return np.abs(np.diff(train, axis=1)).mean(axis=1)


def forecast_accuracy(actual, forecast, train):
    """MAE, RMSE, MAPE, sMAPE and MASE of ``forecast`` against ``actual`` (section 6).

    MAPE (percent) skips zero actuals and reports how many in ``mape_skipped``; sMAPE
    (percent) is ``mean(2|e| / (|y| + |f|))``, skipping points where both are 0; MASE
    divides the MAE by the in-sample MAE of the naive forecast on ``train``.
    Vector: train [100, 110, 105, 120, 115], test [118, 125], forecast [120, 120] ->
    MASE 0.40, MAPE 2.847, sMAPE 2.881.  Undefined figures are NaN.
    """
    actual = np.atleast_2d(np.asarray(actual, dtype="float64"))
    forecast = np.atleast_2d(np.asarray(forecast, dtype="float64"))
    scale = _naive_scale(np.asarray(train, dtype="float64"))[:, None]
    values = _accuracy(actual, forecast, np.broadcast_to(scale, actual.shape))
    return {key: value[0].item() for key, value in values.items()}


def _candidates(length, m, min_origins):
    """Naive and SES always; the others when they can be backtested from ``min_origins``
    origins. Benchmarks first: a tie goes to them."""
    return [
        model
        for model in MODELS
        if model in (NAIVE, SES) or length >= min_length(model, m) + min_origins
    ]


def _backtest_points(y, runs, origins, h):
    """(actual, forecast, scale) arrays of shape (series x origins*h) from the runs of
    :func:`sweep`, NaN where the target lies beyond the series."""
    if not len(origins):
        return (np.empty((len(y), 0)),) * 3
    targets = (np.asarray(origins)[:, None] + np.arange(h)).ravel()
    known = targets < y.shape[1]
    actual = np.where(known, y[:, np.minimum(targets, y.shape[1] - 1)], np.nan)
    forecast = np.hstack([runs[origin][0][:, :h] for origin in origins])
    scales = np.column_stack([_naive_scale(y[:, :origin]) for origin in origins])
    return actual, forecast, np.repeat(scales, h, axis=1)


def _evaluate(y, m, backtest_h, h, min_origins):
    """Backtest accuracy and final fit of every candidate model (one sweep each):
    ``{model: (accuracy, (forecasts, parameters, sse))}``."""
    length = y.shape[1]
    models = _candidates(length, m, min_origins)
    origins = range(max(min_length(model, m) for model in models), length)
    out = {}
    for model in models:
        grid = parameter_grid(model, m)
        runs = sweep(model, y, grid, m, {*origins, length}, max(backtest_h, h))
        forecasts, best, sse = runs[length]
        accuracy = _accuracy(*_backtest_points(y, runs, origins, backtest_h))
        out[model] = (accuracy, (forecasts[:, :h], grid[best], sse))
    return out


def backtest_forecasts(y, h=BACKTEST_HORIZON, m=SEASON_LENGTH, min_origins=BACKTEST_MIN_ORIGINS):
    """Rolling-origin (expanding window) backtest of the candidate models (section 6).

    ``y``: one series or a (series x T) array.  Candidates: naive and SES always; seasonal
    naive, damped Holt and Holt-Winters when T >= their minimum length + ``min_origins``.
    Every candidate is re-fitted (grid search) at each origin t = max(minimum lengths), ...,
    T-1 on the
    first t values and forecasts t+1..t+h; all candidates are scored on the same
    points.  Returns ``{model: accuracy}`` with arrays of one value per series
    (:data:`ACCURACY` keys; MASE scales each error by the naive MAE of its origin's
    training window).
    """
    y = series_array(y)
    return {model: run[0] for model, run in _evaluate(y, m, h, 1, min_origins).items()}


def _criterion(scores):
    """(series x candidates) backtest MASE, or MAE for a series whose MASE is undefined
    (every candidate is scored on the same points and scales: undefined for all alike);
    +inf without any backtest point."""
    mase = np.column_stack([score["mase"] for score in scores])
    mae = np.column_stack([score["mae"] for score in scores])
    value = np.where(np.isnan(mase).all(axis=1, keepdims=True), mae, mase)
    return np.where(np.isnan(value), np.inf, value)


def _choose(models, scores):
    """Per series: the index of the candidate with the least backtest criterion
    (:func:`_criterion`; ties and series without any backtest point: the first, a
    benchmark), the index of the best benchmark, and the gain of the first over the
    second (``1 - chosen / benchmark``; 0 when they are equal, NaN without any point)."""
    criterion = _criterion(scores)
    chosen = np.argmin(criterion, axis=1)
    benchmarks = [position for position, model in enumerate(models) if model in BENCHMARKS]
    best = np.asarray(benchmarks)[np.argmin(criterion[:, benchmarks], axis=1)]
    rows = np.arange(len(criterion))
    won, bench = criterion[rows, chosen], criterion[rows, best]
    with np.errstate(invalid="ignore", divide="ignore"):
        gain = np.where(won < bench, 1.0 - won / bench, 0.0)
    return chosen, best, np.where(np.isfinite(bench), gain, np.nan)


def forecast_frame(
    frame,
    h=FORECAST_MONTHS,
    m=SEASON_LENGTH,
    backtest_h=BACKTEST_HORIZON,
    min_origins=BACKTEST_MIN_ORIGINS,
):
    """Forecast every row of ``frame`` (series x months ascending, no NaN), e.g.
    :func:`series_matrix` of ``collected`` (section 6).

    Per row the backtest (:func:`backtest_forecasts`) chooses the model, which is then
    fitted on the whole row by grid search.  Columns: ``model``, ``alpha``, ``beta``,
    ``gamma``, ``phi`` (NaN when not a parameter of the model), ``sse``,
    ``forecast_1``..``forecast_h`` (>= 0), the chosen model's backtest accuracy
    (:data:`ACCURACY`), ``benchmark`` (the best of the benchmarks), ``benchmark_mae``,
    ``benchmark_mase`` and ``benchmark_gain`` (:class:`ForecastResult`'s ``gain``).
    Without any month: model and benchmark None, everything else NaN.
    """
    out = pd.DataFrame(index=frame.index)
    out["model"] = pd.Series(None, index=frame.index, dtype=object)
    forecast_columns = [f"forecast_{step + 1}" for step in range(h)]
    for name in (*PARAMETERS, "sse", *forecast_columns, *ACCURACY):
        out[name] = 0 if name in _COUNTS else np.nan
    out["benchmark"] = pd.Series(None, index=frame.index, dtype=object)
    for name in BENCHMARK_COLUMNS:
        out[name] = np.nan
    if not frame.shape[1] or not len(frame):
        return out
    runs = _evaluate(series_array(frame.to_numpy()), m, backtest_h, h, min_origins)
    models = list(runs)
    scores = [accuracy for accuracy, _fit in runs.values()]
    chosen, best, gain = _choose(models, scores)
    for position, (model, (accuracy, (forecasts, params, sse))) in enumerate(runs.items()):
        rows = chosen == position
        out.loc[rows, "model"] = model
        if parameter_names(model):
            out.loc[rows, list(parameter_names(model))] = params[rows]
        out.loc[rows, "sse"] = sse[rows]
        out.loc[rows, forecast_columns] = forecasts[rows]
        for key in ACCURACY:
            out.loc[rows, key] = accuracy[key][rows]
        rows = best == position
        out.loc[rows, "benchmark"] = model
        out.loc[rows, "benchmark_mae"] = accuracy["mae"][rows]
        out.loc[rows, "benchmark_mase"] = accuracy["mase"][rows]
    out["benchmark_gain"] = gain
    return out


def forecast_series(
    y,
    h=FORECAST_MONTHS,
    m=SEASON_LENGTH,
    backtest_h=BACKTEST_HORIZON,
    min_origins=BACKTEST_MIN_ORIGINS,
):
    """Forecast one series (section 6): :func:`forecast_frame` of a single row.

    Returns a :class:`ForecastResult`: the chosen model's name, its parameters, the
    ``h`` forecasts (>= 0), its backtest accuracy, the best benchmark, its accuracy and
    the gain over it.
    """
    frame = pd.DataFrame([np.asarray(y, dtype="float64")])
    row = forecast_frame(frame, h, m, backtest_h, min_origins).iloc[0]
    params = {name: float(row[name]) for name in PARAMETERS if not np.isnan(row[name])}
    accuracy = {key: (int if key in _COUNTS else float)(row[key]) for key in ACCURACY}
    forecast = row[[f"forecast_{step + 1}" for step in range(h)]].to_numpy(dtype="float64")
    model = row["model"] if isinstance(row["model"], str) else None
    benchmark = row["benchmark"] if isinstance(row["benchmark"], str) else None
    benchmark_accuracy = {key: float(row[f"benchmark_{key}"]) for key in ("mae", "mase")}
    return ForecastResult(
        model,
        params,
        forecast,
        accuracy,
        benchmark,
        benchmark_accuracy,
        float(row["benchmark_gain"]),
    )
