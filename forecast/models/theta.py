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
    family: ClassVar[str] = "theta"

    def min_obs(self) -> int:
        return 2 * self.period + 2 if self.period > 1 else 4

    def _fit(self, y, exog):
        seasonal = self.period > 1
        method = "mul" if y.min() > 0 else "add"
        model = ThetaModel(y, period=self.period if seasonal else None, deseasonalize=seasonal,
                           use_test=False, method=method)
        res = model.fit(use_mle=False)
        alpha, b0 = float(res.params["alpha"]), float(res.params["b0"])
        # In-sample one-step errors: simple exponential smoothing with the fitted alpha on the
        # seasonally adjusted series plus half the drift (theta = 2), re-seasonalised.
        factors = np.ones(len(y)) if method == "mul" else np.zeros(len(y))
        if seasonal:
            factors = seasonal_decompose(y, model="mul" if method == "mul" else "add",
                                         period=self.period).seasonal
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

        return FittedModel(self, f"Theta" + (f"[{self.period}]" if seasonal else ""), len(y), resid, np.inf,
                           {"alpha": alpha, "b0": b0}, forecaster)
