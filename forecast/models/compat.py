"""Every statsmodels internal the fast paths rely on, in one place.

The model adapters use statsmodels' public models, but for speed they also read a few things
its results objects do not promise: ETS's raw parameter vector and smoothing pass, SARIMAX's
state-space matrices and parameter layout. Each is reached through a function here, so that a
statsmodels release that moves one breaks one function, and the equivalence tests against
statsmodels' own answers (tests/test_models.py) say which. pyproject.toml pins the statsmodels
versions these were tested with.
"""
from __future__ import annotations

import numpy as np
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX

TESTED = ("0.14", "0.15")  # statsmodels minor versions the equivalence tests have passed on


def ets_estimates(model: ETSModel, maxiter: int = 200) -> np.ndarray:
    """ETS's maximum-likelihood parameters as its raw vector (no results object, so no numerical
    covariance estimate: a seventh of a fit's time)."""
    return np.asarray(model.fit(disp=False, maxiter=maxiter, return_params=True))


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
