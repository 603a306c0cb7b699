"""(Seasonal) ARIMA with optional regressors, over statsmodels' SARIMAX; a small set of orders
chosen by AICc within the family (orders with the same differencing are compared)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.polynomial import polynomial as P
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

    def _fit(self, y, exog):
        d, sd = self.order[1], self.seasonal_order[1]
        if self.drift and d + sd > 1:
            raise ModelFitError(f"{self.code}: drift with more than one difference is not identified")
        seasonal = (*self.seasonal_order, self.period) if any(self.seasonal_order) else (0, 0, 0, 0)
        scale = float(np.std(y)) or 1.0
        model = SARIMAX(y / scale, exog=exog, order=self.order, seasonal_order=seasonal,
                        trend="c" if self.drift else "n")
        res = model.fit(disp=False, maxiter=200)
        if not np.isfinite(res.llf):
            raise ModelFitError(f"{self.code}: the likelihood is not finite")
        resid = np.asarray(res.resid) * scale
        burn = d + sd * self.period
        resid[:burn] = np.nan
        ar = np.asarray(res.polynomial_reduced_ar)
        for _ in range(d):
            ar = P.polymul(ar, [1, -1])
        if sd:
            ar = P.polymul(ar, np.r_[1, np.zeros(self.period - 1), -1])
        ma = np.asarray(res.polynomial_reduced_ma)

        def forecaster(h, exog_future):
            pred = res.get_forecast(h, exog=exog_future)
            mean = np.asarray(pred.predicted_mean) * scale
            se = np.asarray(pred.se_mean) * scale
            return Forecast(mean, se, arma2ma(ar, ma, lags=h))

        n = len(y)
        k = len(res.params)
        aicc = float(res.aic) + 2 * np.log(scale) * n + 2 * k * (k + 1) / max(n - k - 1, 1)
        params = dict(zip(res.param_names, np.asarray(res.params)))
        return FittedModel(self, self.code, n, resid, aicc, params, forecaster)


def arima_candidates(period: int, *, seasonal: bool) -> list[ARIMA]:
    if seasonal and period > 1:
        return [ARIMA(period, (0, 1, 1), (0, 1, 1), drift=False),
                ARIMA(period, (1, 0, 0), (0, 1, 1), drift=True)]
    return [ARIMA(1, (0, 1, 1), drift=True), ARIMA(1, (1, 1, 0), drift=True), ARIMA(1, (1, 1, 1), drift=True)]
