"""(Seasonal) ARIMA with optional regressors, over statsmodels' SARIMAX; a small set of orders
chosen by AICc within the family (orders with the same differencing are compared)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.polynomial import polynomial as P
from scipy.optimize import least_squares
from scipy.signal import lfilter
from statsmodels.tsa.arima_process import arma2ma
from statsmodels.tsa.statespace.sarimax import SARIMAX

from ..errors import ModelFitError
from .base import FittedModel, Forecast, ModelSpec


@dataclass(frozen=True)
class ARIMA(ModelSpec):
    family: ClassVar[str] = "arima"
    uses_exog: ClassVar[bool] = True
    order: tuple[int, int, int] = (0, 1, 1)
    seasonal_order: tuple[int, int, int] = (0, 0, 0)
    drift: bool = True

    def min_obs(self) -> int:
        p, d, q = self.order
        sp, sd, sq = self.seasonal_order
        m = self.period if any(self.seasonal_order) else 0
        return d + sd * m + max(p + q + (sp + sq) * 1 + 1, 1) + 6 + (m if m else 0)

    @property
    def code(self) -> str:
        s = f"({','.join(map(str, self.seasonal_order))})[{self.period}]" if any(self.seasonal_order) else ""
        return f"ARIMA({','.join(map(str, self.order))}){s}" + ("+drift" if self.drift else "")

    def differencing(self) -> np.ndarray:
        """Coefficients of (1 - B)^d (1 - B^m)^D, lowest lag first."""
        poly = np.array([1.0])
        for _ in range(self.order[1]):
            poly = P.polymul(poly, [1, -1])
        if self.seasonal_order[1]:
            poly = P.polymul(poly, np.r_[1, np.zeros(self.period - 1), -1])
        return poly

    def _fit(self, y, exog):
        d, sd = self.order[1], self.seasonal_order[1]
        if self.drift and d + sd > 1:
            raise ModelFitError(f"{self.code}: drift with more than one difference is not identified")
        scale = float(np.std(y)) or 1.0
        z, zx = _difference(y / scale, self.differencing()), _difference(exog, self.differencing())
        p, _, q = self.order
        sp, _, sq = self.seasonal_order
        seasonal = (sp, 0, sq, self.period) if sp or sq else (0, 0, 0, 0)
        # The ARMA model of the differenced series: the state space of the differences themselves
        # (what SARIMAX calls simple differencing) is several times smaller for seasonal orders,
        # and its likelihood is the one the full form reaches after its diffuse start.
        model = SARIMAX(z, exog=zx, order=(p, 0, q), seasonal_order=seasonal, trend="c" if self.drift else "n",
                        concentrate_scale=True)
        # Conditional-sum-of-squares estimates, then one exact Kalman filter pass for the
        # likelihood (AICc), residuals and forecasts: within 0.02 of the exact maximum-likelihood
        # coefficients on these short orders, and a fifth of the time (tests/test_models.py).
        params = css_estimates(z, zx, self.order, self.seasonal_order, self.period, self.drift)
        return self._wrap(model.filter(params), y, exog, scale)

    def _wrap(self, res, y, exog, scale) -> FittedModel:
        if not np.isfinite(res.llf):
            raise ModelFitError(f"{self.code}: the likelihood is not finite")
        diff = self.differencing()
        burn = len(diff) - 1
        resid = np.r_[np.full(burn, np.nan), np.asarray(res.resid) * scale]
        ar = P.polymul(np.asarray(res.polynomial_reduced_ar), diff)
        ma = np.asarray(res.polynomial_reduced_ma)
        sigma = float(np.sqrt(res.scale)) * scale

        def forecaster(h, exog_future):
            future = None
            if exog is not None:
                future = _difference(np.vstack([exog[len(exog) - burn:], exog_future]), diff)
            steps = np.asarray(res.forecast(h, exog=future)) * scale
            path = np.r_[y, np.zeros(h)]  # undo the differencing, one step at a time
            for t in range(len(y), len(y) + h):
                path[t] = steps[t - len(y)] - diff[1:] @ path[t - burn:t][::-1]
            psi = arma2ma(ar, ma, lags=h)
            return Forecast(path[len(y):], sigma * np.sqrt(np.cumsum(psi**2)), psi)

        def applier(y_new, exog_new):
            z, zx = _difference(y_new / scale, diff), _difference(exog_new, diff)
            return self._wrap(res.apply(z, exog=zx), y_new, exog_new, scale)

        n = len(y) - burn
        k = len(res.params) + 1
        aicc = float(res.aic) + 2 + 2 * np.log(scale) * n + 2 * k * (k + 1) / max(n - k - 1, 1)
        params = dict(zip(res.param_names, np.asarray(res.params))) | {"sigma2": sigma**2}
        return FittedModel(self, self.code, len(y), resid, aicc, params, forecaster, applier=applier)


BOUND = 0.98  # largest |coefficient| of a conditional-sum-of-squares estimate


def _lag_polynomial(coefs, lag: int, sign: float) -> np.ndarray:
    """1 + sign * (c1 B^lag + c2 B^(2 lag) + ...), lowest power first."""
    poly = np.zeros(lag * len(coefs) + 1)
    poly[0] = 1.0
    poly[lag::lag] = sign * np.asarray(coefs)
    return poly


def css_estimates(z, exog, order, seasonal_order, period: int, drift: bool) -> np.ndarray:
    """Conditional-sum-of-squares estimates of the ARMA model of the differenced series `z`, in
    SARIMAX's parameter order (intercept, regressors, ar, ma, seasonal ar, seasonal ma).

    Notes
    -----
    The model is SARIMAX's: z_t = x_t b + u_t with phi(B) Phi(B^m) u_t = c + theta(B) Theta(B^m) e_t.
    Residuals come from one linear filter pass, so a least-squares fit costs milliseconds where
    the exact likelihood costs a Kalman filter per evaluation. Every polynomial here has one
    coefficient, so coefficients written as 0.98 tanh(a) stay stationary and invertible while
    Levenberg-Marquardt searches freely over a."""
    p, _, q = order
    sp, _, sq = seasonal_order
    n = len(z)
    X = np.empty((n, 0)) if exog is None else np.asarray(exog, float).reshape(n, -1)
    D = np.column_stack([np.ones(n), X]) if drift else X
    beta = np.linalg.lstsq(D, z, rcond=None)[0] if D.shape[1] else np.empty(0)
    k_reg, k_arma = D.shape[1], p + q + sp + sq
    burn = p + sp * period

    def residuals(params):
        b, arma = params[:k_reg], BOUND * np.tanh(params[k_reg:])
        ar, ma = arma[:p], arma[p:p + q]
        sar, sma = arma[p + q:p + q + sp], arma[p + q + sp:]
        u = z - X @ (b[1:] if drift else b)
        ar_poly = P.polymul(_lag_polynomial(ar, 1, -1.0), _lag_polynomial(sar, period, -1.0))
        ma_poly = P.polymul(_lag_polynomial(ma, 1, 1.0), _lag_polynomial(sma, period, 1.0))
        w = lfilter(ar_poly, [1.0], u)[burn:] - (b[0] if drift else 0.0)
        return lfilter([1.0], ma_poly, w)

    start = np.r_[beta, np.zeros(k_arma)]
    if not k_arma or len(z) - burn <= len(start):
        return start
    fit = least_squares(residuals, start, method="lm", x_scale="jac")
    return np.r_[fit.x[:k_reg], BOUND * np.tanh(fit.x[k_reg:])]


def _difference(x, poly: np.ndarray):
    """`poly` applied along time (axis 0): the differenced series, len(poly) - 1 rows shorter."""
    if x is None:
        return None
    x = np.asarray(x, float)
    return lfilter(poly, [1.0], x, axis=0)[len(poly) - 1:]


def arima_candidates(period: int, *, seasonal: bool) -> list[ARIMA]:
    if seasonal and period > 1:
        return [ARIMA(period, (0, 1, 1), (0, 1, 1), drift=False),
                ARIMA(period, (1, 0, 0), (0, 1, 1), drift=True)]
    return [ARIMA(1, (0, 1, 1), drift=True), ARIMA(1, (1, 1, 0), drift=True), ARIMA(1, (1, 1, 1), drift=True)]
