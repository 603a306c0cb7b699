"""(Seasonal) ARIMA with optional regressors, over statsmodels' SARIMAX; a small set of orders
chosen by AICc within the family (orders with the same differencing are compared)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.polynomial import polynomial as P
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
        return self._wrap(model.fit(disp=False, maxiter=200), y, exog, scale)

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
