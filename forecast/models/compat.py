"""Every statsmodels internal the fast paths rely on, in one place.

The model adapters use statsmodels' public models, but for speed they also read a few things
its results objects do not promise: ETS's raw parameter vector and smoothing pass, its heuristic
initial states, the start, bounds, internal parametrisation and smoothing kernel its fit
searches with, SARIMAX's state-space matrices and parameter layout. Each is reached through a
function here, so that a statsmodels release that moves one breaks one function, and the
equivalence tests against statsmodels' own answers (tests/test_models.py) say which. pyproject.toml pins the statsmodels
versions these were tested with.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.exponential_smoothing.initialization import _initialization_heuristic
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecast.models.optimize import minimize_bounded

TESTED = ("0.14", "0.15")  # statsmodels minor versions the equivalence tests have passed on


def ets_estimates(model: ETSModel, maxiter: int = 200) -> np.ndarray:
    """ETS's maximum-likelihood parameters as its raw vector: `ETSModel.fit`'s search (its start,
    bounds and internal parametrisation, L-BFGS-B on minus the mean log-likelihood) with the
    likelihood computed from its smoothing kernel directly, by `minimize_bounded`. The wrappers
    around each evaluation (statsmodels' likelihood method, scipy's numerical differentiation)
    took over half of a fit; tests/test_models.py holds the estimates to `ETSModel.fit`'s own."""
    start = model._convert_and_bound_start_params(model.start_params)
    bounds = np.array(model._setup_bounds(), dtype=float)
    beta_star, gamma_star = "smoothing_trend" not in model.bounds, "smoothing_seasonal" not in model.bounds
    if beta_star:
        start[1] /= start[0]
    if gamma_star:
        start[2] /= 1 - start[0]
    is_fixed = (bounds[:, 0] == bounds[:, 1]).astype(np.int64)
    fixed_values = np.where(is_fixed, bounds[:, 0], 0.0)
    free = ~is_fixed.astype(bool)
    lower, upper = bounds[free, 0], bounds[free, 1]
    data, n = np.asarray(model.endog, float), model.nobs
    yhat, states = np.zeros(n), np.zeros((n, model._k_states_internal))
    multiplicative = model.error == "mul"
    smooth = model._smoothing_func
    squares, logs = np.empty(n), np.empty(n)

    def objective(x: np.ndarray) -> float:
        # ETSModel.loglike's arithmetic, written into two buffers: numpy's per-call overhead on
        # a few dozen values cost twice the smoothing pass itself (np.mean and np.sum are the
        # same pairwise sums as add.reduce, so the value is the same to the last bit)
        smooth(x, data, yhat, states, is_fixed, fixed_values, beta_star, gamma_star)
        np.subtract(data, yhat, out=squares)
        if multiplicative:
            np.divide(squares, yhat, out=squares)
        np.multiply(squares, squares, out=squares)
        loglike = -n / 2 * (np.log(2 * np.pi * (np.add.reduce(squares) / n)) + 1)
        if multiplicative:
            np.abs(yhat, out=logs)
            logs[yhat == 0] = 1e-32
            loglike -= np.add.reduce(np.log(logs, out=logs))
        return -loglike / n

    found, _, converged = minimize_bounded(objective, start[free], lower, upper, maxiter=maxiter)
    if not converged:  # what ETSModel.fit says then
        warnings.warn("Maximum Likelihood optimization failed to converge. Check mle_retvals", ConvergenceWarning)
    params = np.where(is_fixed, fixed_values, 0.0)
    params[free] = found
    if beta_star:
        params[1] *= params[0]
    if gamma_star:
        params[2] *= 1 - params[0]
    return np.asarray(model._model_params(params))


def ets_seasonal_model(endog: np.ndarray, error: str, trend: str | None, damped: bool, seasonal: str,
                       period: int) -> ETSModel:
    """`ETSModel(endog, ..., initialization_method="heuristic")`: the same model, its heuristic
    initial states remembered. They depend only on the first few seasons of the data (at most
    five, and enough for ten seasonally adjusted values), which the members of the ETS family
    and every rolling origin of one series share; their pandas moving averages took three
    quarters of the model's construction."""
    nobs = len(endog)
    min_obs = 10 + 2 * (period // 2)
    shape = dict(error=error, trend=trend, damped_trend=damped, seasonal=seasonal, seasonal_periods=period)
    if nobs < max(10, 2 * period, min_obs):  # too short: statsmodels' own refusal
        return ETSModel(endog, **shape, initialization_method="heuristic")
    # statsmodels reads the first `cycles` seasons: given just those, it finds the same count
    cycles = max(min(5, nobs // period), int(np.ceil(min_obs / period)))
    level, slope, season = _heuristic_start(np.ascontiguousarray(endog[:cycles * period], float).tobytes(),
                                            seasonal, period)
    return ETSModel(endog, **shape, initialization_method="known", initial_level=level,
                    initial_trend=slope if trend else None, initial_seasonal=season.copy())


@lru_cache(maxsize=64)
def _heuristic_start(head: bytes, seasonal: str, period: int) -> tuple[float, float, np.ndarray]:
    """statsmodels' heuristic initial (level, trend, seasonal states) of data that begin with
    `head` (their first seasons, as bytes; the rest is never read)."""
    level, slope, season = _initialization_heuristic(np.frombuffer(head), trend="add", seasonal=seasonal,
                                                     seasonal_periods=period)
    return level, slope, np.asarray(season)


def ets_smoothing(model: ETSModel, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one-step fitted values and the state rows (level, trend, season) of ETS's smoothing
    pass at `params`."""
    fitted, states = model.smooth(params, return_raw=True)
    return np.asarray(fitted), np.asarray(states)


def ets_named(model: ETSModel, params: np.ndarray) -> dict[str, float]:
    """`params` by name (smoothing_level, smoothing_trend, smoothing_seasonal, damping_trend...)."""
    return dict(zip(model.param_names, params))


def sarimax_filtered(model: SARIMAX, params: np.ndarray):
    """A Kalman filter pass at `params` without the parameters' covariance."""
    return model.filter(params, cov_type="none")


def sarimax_exog_coefficients(model: SARIMAX, params) -> np.ndarray:
    """The regression coefficients in SARIMAX's parameter vector (after the trend terms)."""
    return np.asarray(params)[model.k_trend:model.k_trend + model.k_exog]


def sarimax_recursion(model: SARIMAX) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(transition, design row, state intercept) of the time-invariant state space."""
    transition, design = model.ssm["transition"], model.ssm["design"][0]
    intercept = model.ssm["state_intercept"]
    return transition, design, intercept[:, -1] if intercept.ndim == 2 else intercept
