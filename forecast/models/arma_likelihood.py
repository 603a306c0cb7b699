"""The exact Gaussian log-likelihood of a regression with ARMA errors, from a banded Cholesky
factor instead of a Kalman filter.

The toolkit's ARIMA orders have at most one autoregressive coefficient and no seasonal one. For
such errors u (AR(1) times a moving average of order Q, seasonal lags included), the vector
(u_1, u_2 - phi u_1, ..., u_n - phi u_{n-1}) has a determinant-one map from u and a covariance
matrix with only Q bands below the diagonal (Ansley 1979): the moving average's autocovariances,
and in the first column the covariances of u_1 with the moving average. Its Cholesky factor costs
n Q^2 operations in LAPACK, about a fourteenth of a call to SARIMAX's likelihood on M3 monthly
series (an airline model on 10 years), and gives the same value (tests/test_models.py). Maximum
likelihood evaluates it a few dozen times per fit.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.linalg.lapack import dpbtrf, dtbtrs
from scipy.signal import lfilter

LOG_2PI_PLUS_1 = float(np.log(2 * np.pi) + 1)


class RegressionArma(NamedTuple):
    """SARIMAX's model of a differenced series, z_t = x_t b + u_t with
    phi(B) Phi(B^period) u_t = c + theta(B) Theta(B^period) e_t (c only with `intercept`), and the
    orders of its polynomials; parameters in SARIMAX's order: c, b, phi, theta, Phi, Theta."""

    endog: np.ndarray
    exog: np.ndarray | None
    intercept: bool
    ar: int
    ma: int
    seasonal_ar: int
    seasonal_ma: int
    period: int


def lag_polynomial(coefs, lag: int, sign: float) -> np.ndarray:
    """1 + sign * (c1 B^lag + c2 B^(2 lag) + ...), lowest power first."""
    poly = np.zeros(lag * len(coefs) + 1)
    poly[0] = 1.0
    poly[lag::lag] = sign * np.asarray(coefs)
    return poly


def ma_polynomial(ma: np.ndarray, seasonal_ma: np.ndarray, period: int) -> np.ndarray:
    """(1 + ma_1 B + ...)(1 + sma_1 B^period + ...), lowest power first."""
    short = lag_polynomial(ma, 1, 1.0)
    return np.convolve(short, lag_polynomial(seasonal_ma, period, 1.0)) if len(seasonal_ma) else short


def banded_covariance(phi: float, theta: np.ndarray, n: int) -> np.ndarray:
    """Lower band storage (Q + 1, n) of the covariance, at unit innovation variance, of
    (u_1, u_2 - phi u_1, ..., u_n - phi u_{n-1}) for u_t = phi u_{t-1} + theta(B) e_t, with
    `theta` the moving-average polynomial (theta[0] = 1, degree Q)."""
    q = len(theta) - 1
    gamma = np.correlate(theta, theta, "full")[q:]  # the moving average's autocovariances, lags 0..Q
    band = np.repeat(gamma[:, None], n, axis=1)
    if phi:
        psi = lfilter([1.0], [1.0, -phi], theta)  # u's moving-average weights 0..Q; then psi_Q phi^k
        band[0, 0] = psi @ psi + psi[-1] ** 2 * phi**2 / (1 - phi**2)
        # cov(u_1, theta(B) e_{1+d}) = sum_k theta_{k+d} psi_k, d = 1..Q
        band[1:, 0] = np.correlate(theta, psi, "full")[q + 1:]
    return band


def arma_loglike(model: RegressionArma) -> Callable[[np.ndarray], float] | None:
    """The log-likelihood SARIMAX computes for `model` (stationary start, the innovation variance
    concentrated out) as a function of the parameter vector; None when the model has more than
    one autoregressive coefficient or a seasonal one."""
    if model.seasonal_ar or model.ar > 1:
        return None
    z, X, n = model.endog, model.exog, len(model.endog)
    k_trend, k_exog, p, q = int(model.intercept), 0 if X is None else X.shape[1], model.ar, model.ma
    if n <= q + model.seasonal_ma * model.period:
        return None

    def loglike(params: np.ndarray) -> float:
        params = np.asarray(params, float)
        arma = params[k_trend + k_exog:]
        phi = float(arma[0]) if p else 0.0
        if abs(phi) >= 1:
            return -np.inf
        u = z - X @ params[k_trend:k_trend + k_exog] if k_exog else z
        if k_trend:
            u = u - params[0] / (1 - phi)  # SARIMAX's intercept enters the AR equation
        theta = ma_polynomial(arma[p:p + q], arma[p + q:], model.period)
        factor, info = dpbtrf(banded_covariance(phi, theta, n), lower=1)
        if info:
            return -np.inf
        w = u[1:] - phi * u[:-1] if phi else u
        white, info = dtbtrs(factor, np.r_[u[:1], w] if phi else w, uplo="L")
        if info:
            return -np.inf
        return float(-0.5 * n * (LOG_2PI_PLUS_1 + np.log(white @ white / n)) - np.sum(np.log(factor[0])))

    return loglike
