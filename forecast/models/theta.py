"""The Theta method (winner of the M3 competition) over statsmodels' ThetaModel."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import seasonal_decompose

from .base import FittedModel, Forecast, ModelSpec
from .ets import ets_psi


@dataclass(frozen=True)
class Theta(ModelSpec):
    """Theta on the seasonally adjusted series. With `test`, the series is adjusted only when the
    M3 Theta method's own test finds seasonality at `period` (autocorrelation at lag `period`
    significant at 90%, statsmodels' `use_test`); without, whenever `period` > 1."""

    family: ClassVar[str] = "theta"
    test: bool = False

    def min_obs(self) -> int:
        if self.test:
            return 4
        return 2 * self.period + 2 if self.period > 1 else 4

    def _fit(self, y, exog):
        period = self.period if self.period > 1 and len(y) >= 2 * self.period + 2 else 1
        method = "mul" if y.min() > 0 else "add"
        model = ThetaModel(y, period=period if period > 1 else None, deseasonalize=period > 1,
                           use_test=self.test and period > 1, method=method)
        res = model.fit(use_mle=False)
        seasonal = period > 1 and bool(model._has_seasonality)
        alpha, b0 = float(res.params["alpha"]), float(res.params["b0"])
        # In-sample one-step errors: simple exponential smoothing with the fitted alpha on the
        # seasonally adjusted series plus half the drift (theta = 2), re-seasonalised.
        factors = np.ones(len(y)) if method == "mul" else np.zeros(len(y))
        if seasonal:
            factors = seasonal_decompose(y, model="mul" if method == "mul" else "add", period=period).seasonal
        adjusted = y / factors if method == "mul" else y - factors
        level = adjusted[0]
        fitted = np.empty(len(y))
        for t, value in enumerate(adjusted):
            fitted[t] = level + b0 / 2
            level = alpha * value + (1 - alpha) * level
        fitted = fitted * factors if method == "mul" else fitted + factors
        resid = y - fitted
        resid[0] = np.nan
        sigma = float(np.sqrt(np.nanmean(resid**2)))

        def forecaster(h, _exog):
            mean = np.asarray(res.forecast(h))
            psi = ets_psi(h, alpha)
            return Forecast(mean, sigma * np.sqrt(np.cumsum(psi**2)), psi)

        return FittedModel(self, "Theta" + (f"[{period}]" if seasonal else ""), len(y), resid, np.inf,
                           {"alpha": alpha, "b0": b0}, forecaster)
