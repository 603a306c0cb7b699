"""The Theta method (winner of the M3 competition), computed as statsmodels' ThetaModel does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter
from statsmodels.tsa.seasonal import seasonal_decompose
from statsmodels.tsa.stattools import acf

from forecast.models.base import FittedModel, Forecast, ModelSpec
from forecast.models.ets import ets_psi


def ses_sse(y: np.ndarray, alpha: float) -> float:
    """Sum of squared one-step errors of simple exponential smoothing from the first value."""
    level = lfilter([alpha], [1.0, alpha - 1.0], y, zi=[(1.0 - alpha) * y[0]])[0]
    return float(np.sum((y[1:] - level[:-1]) ** 2))


def ses_alpha(y: np.ndarray) -> float:
    """The smoothing parameter of least squares in [0, 1], as statsmodels' ExponentialSmoothing
    finds it for ThetaModel (a grid, then a bounded search around its best point): statsmodels'
    own fit builds a full results object, most of the Theta family's time."""
    grid = np.linspace(0.0, 1.0, 41)
    best = grid[int(np.argmin([ses_sse(y, a) for a in grid]))]
    found = minimize_scalar(lambda a: ses_sse(y, a), bounds=(max(0.0, best - 0.025), min(1.0, best + 0.025)),
                            method="bounded", options={"xatol": 1e-7})
    return float(found.x) if found.fun <= ses_sse(y, best) else float(best)


def has_seasonality(y, period: int) -> bool:
    """statsmodels' ThetaModel test: n r_m^2 / sum_{k<m} r_k^2 above the 90% point of chi2(1),
    with r the autocorrelations of `y`."""
    rho = acf(y, nlags=period, fft=True)
    return bool(len(y) * rho[-1] ** 2 / np.sum(rho[:-1] ** 2) > 2.705543454095404)


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
        return self._wrap(y, None, self._season(y))

    def _season(self, y) -> int:
        """The period `y` is seasonally adjusted at: `period` when long enough (and, with
        `test`, when the test finds a season there), else 1."""
        period = self.period if self.period > 1 and len(y) >= 2 * self.period + 2 else 1
        return 1 if period > 1 and self.test and not has_seasonality(y, period) else period

    def _wrap(self, y, alpha: float | None, period: int) -> FittedModel:
        """Theta's forecast on `y`, seasonally adjusted at `period` (1: not), as statsmodels'
        ThetaModel computes it: classical decomposition (multiplicative for positive data), the
        OLS slope b0 of the adjusted series, and simple exponential smoothing from the first
        value with smoothing `alpha` (None: the least-squares one, `ses_alpha`), combined with
        weight 1/2 on the trend (theta = 2)."""
        n = len(y)
        method = "mul" if y.min() > 0 else "add"
        factors = np.ones(n) if method == "mul" else np.zeros(n)
        if period > 1:
            factors = seasonal_decompose(y, model=method, period=period).seasonal
            if method == "mul" and factors.min() <= 0:  # as ThetaModel: fall back to additive
                method = "add"
                factors = seasonal_decompose(y, model="add", period=period).seasonal
        adjusted = y / factors if method == "mul" else y - factors
        if alpha is None:
            alpha = ses_alpha(adjusted)
        t = np.arange(n, dtype=float)
        b0 = float(np.polyfit(t, adjusted, 1)[0])
        # In-sample one-step errors: the same smoothing plus half the drift, re-seasonalised.
        level = adjusted[0]
        fitted = np.empty(n)
        for i, value in enumerate(adjusted):
            fitted[i] = level + b0 / 2
            level = alpha * value + (1 - alpha) * level
        fitted = fitted * factors if method == "mul" else fitted + factors
        resid = y - fitted
        resid[0] = np.nan
        sigma = float(np.sqrt(np.nanmean(resid**2)))
        season = factors[:period]

        def forecaster(h, _exog):
            steps = np.arange(h, dtype=float)
            if alpha > 0:
                steps += 1 / alpha - (1 - alpha) ** n / alpha
            mean = level + b0 * steps / 2
            if period > 1:
                ahead = season[(n + np.arange(h)) % period]
                mean = mean * ahead if method == "mul" else mean + ahead
            psi = ets_psi(h, alpha)
            return Forecast(mean, sigma * np.sqrt(np.cumsum(psi**2)), psi)

        def applier(y_new, _exog):
            # alpha is held; the season is tested again, as a refit on the shorter data would
            return self._wrap(y_new, alpha, self._season(y_new))

        return FittedModel(self, "Theta" + (f"[{period}]" if period > 1 else ""), n, resid, np.inf,
                           {"alpha": alpha, "b0": b0}, forecaster, applier=applier)
