"""Exponential smoothing models and benchmarks of a monthly cash series (metrics.md
section 6; Hyndman, *Forecasting: Principles and Practice*, 3rd ed., ch. 5 and 8).

Three exponential smoothing models in component form, each started from a state
*before* the first observation, so that every observation (the first included) is
forecast one step ahead and counted in the SSE:

- ``ses``: level only, ``l0 = y1``;
- ``damped_holt``: level and damped trend, ``l0 = y1``, ``b0 = y2 - y1``; forecast
  ``l + (phi + ... + phi^h) b`` (``phi = 1`` is Holt's linear trend);
- ``holt_winters``: additive seasonality, undamped trend, classical start from the
  first two seasons (``l0`` = mean of season 1, ``b0`` = (mean of season 2 - ``l0``)
  / m, ``s_i = y_i - l0``).

Two benchmarks compete with them (*FPP* sections 5.2 and 5.8): ``naive`` (every
horizon repeats the last value) and ``seasonal_naive`` (the same month a season earlier).

Parameters are chosen by grid search on the one-step SSE (ties: the first grid
point); forecasts are clipped at 0.  Every computation runs on a (series x grid) array,
so many series of the same length are fitted at once (:func:`sweep`, which the backtest
and the model choice of :mod:`forecast` run); the only loop is over time.
"""

from typing import NamedTuple

import numpy as np

NAIVE = "naive"
SEASONAL_NAIVE = "seasonal_naive"
SES = "ses"
DAMPED_HOLT = "damped_holt"
HOLT_WINTERS = "holt_winters"
#: the benchmarks every smoothing model must beat, in their order of preference on a tie
BENCHMARKS = (NAIVE, SEASONAL_NAIVE)
SMOOTHING = (SES, DAMPED_HOLT, HOLT_WINTERS)
MODELS = (*BENCHMARKS, *SMOOTHING)
#: Season length of a monthly series.
SEASON_LENGTH = 12
#: Damped Holt needs this many observations ("from ~10 months").
HOLT_MIN_LENGTH = 10
#: Holt-Winters needs T >= max(HW_MIN_LENGTH, 10 + 2 * (m // 2)).
HW_MIN_LENGTH = 24
#: Grids of the smoothing parameters (level, trend, season) and of the damping.
ALPHA_GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))
BETA_GRID = (0.05, 0.1, 0.2, 0.3)
GAMMA_GRID = (0.05, 0.1, 0.2, 0.3)
PHI_GRID = (0.8, 0.85, 0.9, 0.95, 0.98)


class Fit(NamedTuple):
    """One fitted model: ``forecast`` (h values, >= 0), one-step ``sse``, ``params``."""

    forecast: np.ndarray
    sse: float
    params: dict


class _Naive:
    params = ()

    @staticmethod
    def start_length(m):
        return 1

    @staticmethod
    def min_length(m):
        return 1

    @staticmethod
    def grid(m):
        return np.zeros((1, 0))

    def __init__(self, y, grid, m):
        self.last = np.repeat(y[:, :1], len(grid), axis=1)

    def predict(self, t, h):
        return np.repeat(self.last[..., None], h, axis=2)

    def update(self, y_t, t):
        error = y_t[:, None] - self.last
        self.last = np.repeat(y_t[:, None], self.last.shape[1], axis=1)
        return error


class _SeasonalNaive:
    """The last season of values, slot ``t % m`` holding the value of month t; started
    from the first season (its own one-step forecasts, errors 0)."""

    params = ()

    @staticmethod
    def start_length(m):
        return m

    @staticmethod
    def min_length(m):
        return m

    @staticmethod
    def grid(m):
        return np.zeros((1, 0))

    def __init__(self, y, grid, m):
        self.m = m
        self.season = np.repeat(y[:, None, :m], len(grid), axis=1)

    def predict(self, t, h):
        return self.season[..., (t + np.arange(h)) % self.m]

    def update(self, y_t, t):
        slot = t % self.m
        error = y_t[:, None] - self.season[..., slot]
        self.season[..., slot] = y_t[:, None]
        return error


class _Ses:
    params = ("alpha",)

    @staticmethod
    def start_length(m):
        return 1

    @staticmethod
    def min_length(m):
        return 1

    @staticmethod
    def grid(m):
        return np.array(ALPHA_GRID)[:, None]

    def __init__(self, y, grid, m):
        (self.alpha,) = grid.T
        self.level = np.repeat(y[:, :1], len(grid), axis=1)

    def predict(self, t, h):
        return np.repeat(self.level[..., None], h, axis=2)

    def update(self, y_t, t):
        error = y_t[:, None] - self.level
        self.level = self.level + self.alpha * error
        return error


class _DampedHolt:
    params = ("alpha", "beta", "phi")

    @staticmethod
    def start_length(m):
        return 2

    @staticmethod
    def min_length(m):
        return HOLT_MIN_LENGTH

    @staticmethod
    def grid(m):
        mesh = np.meshgrid(ALPHA_GRID, BETA_GRID, PHI_GRID, indexing="ij")
        return np.column_stack([axis.ravel() for axis in mesh])

    def __init__(self, y, grid, m):
        self.alpha, self.beta, self.phi = grid.T
        self.level = np.repeat(y[:, :1], len(grid), axis=1)
        self.trend = np.repeat(y[:, 1:2] - y[:, :1], len(grid), axis=1)

    def predict(self, t, h):
        steps = np.cumsum(self.phi[:, None] ** np.arange(1, h + 1), axis=1)
        return self.level[..., None] + self.trend[..., None] * steps

    def update(self, y_t, t):
        fitted = self.level + self.phi * self.trend
        error = y_t[:, None] - fitted
        level = self.alpha * y_t[:, None] + (1 - self.alpha) * fitted
        self.trend = self.beta * (level - self.level) + (1 - self.beta) * self.phi * self.trend
        self.level = level
        return error


class _HoltWinters:
    params = ("alpha", "beta", "gamma")

    @staticmethod
    def start_length(m):
        return 2 * m

    @staticmethod
    def min_length(m):
        return max(HW_MIN_LENGTH, 10 + 2 * (m // 2))

    @staticmethod
    def grid(m):
        mesh = np.meshgrid(ALPHA_GRID, BETA_GRID, GAMMA_GRID, indexing="ij")
        return np.column_stack([axis.ravel() for axis in mesh])

    def __init__(self, y, grid, m):
        self.alpha, self.beta, self.gamma = grid.T
        self.m = m
        first = y[:, :m].mean(axis=1, keepdims=True)
        second = y[:, m : 2 * m].mean(axis=1, keepdims=True)
        self.level = np.repeat(first, len(grid), axis=1)
        self.trend = np.repeat((second - first) / m, len(grid), axis=1)
        self.season = np.repeat((y[:, :m] - first)[:, None, :], len(grid), axis=1)

    def predict(self, t, h):
        ahead = np.arange(1, h + 1)
        season = self.season[..., (t + ahead - 1) % self.m]
        return self.level[..., None] + self.trend[..., None] * ahead + season

    def update(self, y_t, t):
        y_t = y_t[:, None]
        slot = t % self.m
        season = self.season[..., slot]
        base = self.level + self.trend
        error = y_t - (base + season)
        level = self.alpha * (y_t - season) + (1 - self.alpha) * base
        self.season[..., slot] = self.gamma * (y_t - base) + (1 - self.gamma) * season
        self.trend = self.beta * (level - self.level) + (1 - self.beta) * self.trend
        self.level = level
        return error


_MODEL_CLASSES = {
    NAIVE: _Naive,
    SEASONAL_NAIVE: _SeasonalNaive,
    SES: _Ses,
    DAMPED_HOLT: _DampedHolt,
    HOLT_WINTERS: _HoltWinters,
}


def min_length(model, m=SEASON_LENGTH):
    """Fewest observations ``model`` is fitted on (naive 1, seasonal naive m, SES 1,
    damped Holt 10, Holt-Winters max(24, 10 + 2*(m//2)))."""
    return _MODEL_CLASSES[model].min_length(m)


def parameter_grid(model, m=SEASON_LENGTH):
    """The grid of ``model``'s parameters: one row per grid point, one column per name of
    :func:`parameter_names` (no column for a benchmark)."""
    return _MODEL_CLASSES[model].grid(m)


def parameter_names(model):
    """The names of ``model``'s parameters, in the order of its grid's columns."""
    return _MODEL_CLASSES[model].params


def series_array(y):
    """``y`` (one series or a (series x T) array) as a 2-d float array; NaN or inf refused."""
    values = np.atleast_2d(np.asarray(y, dtype="float64"))
    if not np.isfinite(values).all():
        raise ValueError("forecast: the series must be finite numbers (no NaN)")
    return values


def sweep(model, y, grid, m, stops, h):
    """Run ``model`` with every grid point over ``y`` (series x T).

    For each training length t of ``stops``, pick the grid point with the least SSE
    of the first t one-step errors and forecast t+1..t+h from its state.  Returns
    ``{t: (forecasts (series x h) clipped at 0, grid index, sse)}``.
    """
    cls = _MODEL_CLASSES[model]
    state = cls(y, grid, m)
    rows = np.arange(len(y))
    sse = np.zeros((len(y), len(grid)))
    out = {}
    for t in range(y.shape[1] + 1):
        if t in stops:
            best = np.argmin(np.where(np.isfinite(sse), sse, np.inf), axis=1)
            values = state.predict(t, h)[rows, best]
            out[t] = (np.clip(values, 0.0, None), best, sse[rows, best])
        if t < y.shape[1]:
            sse += state.update(y[:, t], t) ** 2
    return out


def _fit(model, y, grid, h, m):
    y = series_array(y)
    needed = _MODEL_CLASSES[model].start_length(m)
    if y.shape[1] < needed:
        raise ValueError(f"forecast: {model} needs at least {needed} observations")
    forecast, best, sse = sweep(model, y, grid, m, {y.shape[1]}, h)[y.shape[1]]
    values = (float(v) for v in grid[best[0]])
    return Fit(
        forecast[0], float(sse[0]), dict(zip(_MODEL_CLASSES[model].params, values, strict=True))
    )


def ses(y, alpha, h=1):
    """Simple exponential smoothing with ``l0 = y1`` (section 6 vector: y = [10, 12, 11,
    13], alpha .5 -> forecast 12.0, one-step SSE 8.0)."""
    return _fit(SES, y, np.array([[alpha]], dtype="float64"), h, SEASON_LENGTH)


def holt(y, alpha, beta, phi=1.0, h=1):
    """(Damped) Holt with ``l0 = y1``, ``b0 = y2 - y1``; ``phi = 1`` is Holt's linear
    trend (section 6 vector: y = [10, 12, 14, 16], alpha = beta = .5 -> 17.2890625)."""
    grid = np.array([[alpha, beta, phi]], dtype="float64")
    return _fit(DAMPED_HOLT, y, grid, h, SEASON_LENGTH)


def holt_winters(y, alpha, beta, gamma, m=SEASON_LENGTH, h=1):
    """Additive Holt-Winters (classical start from the first two seasons)."""
    return _fit(HOLT_WINTERS, y, np.array([[alpha, beta, gamma]], dtype="float64"), h, m)


def naive(y, h=1):
    """Naive forecast: every horizon repeats the last value."""
    return _fit(NAIVE, y, _Naive.grid(SEASON_LENGTH), h, SEASON_LENGTH)


def seasonal_naive(y, m=SEASON_LENGTH, h=1):
    """Seasonal naive forecast: ``y_{T+h} = y_{T+h-m(k+1)}``, k = (h - 1) // m."""
    return _fit(SEASONAL_NAIVE, y, _SeasonalNaive.grid(m), h, m)


def fit_model(y, model, h=1, m=SEASON_LENGTH):
    """``model`` fitted on one series with the grid point of least one-step SSE."""
    return _fit(model, y, parameter_grid(model, m), h, m)
