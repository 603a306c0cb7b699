"""Exponential smoothing (ETS) over statsmodels' ETSModel: simple, Holt, damped Holt and
Holt-Winters with additive or multiplicative seasonality, chosen by AICc within the family."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from forecast.errors import ModelFitError
from forecast.models.base import FittedModel, Forecast, ModelSpec
from forecast.models.compat import ets_estimates, ets_named, ets_seasonal_model, ets_smoothing


def ets_psi(h: int, alpha: float, beta: float = 0.0, gamma: float = 0.0, phi: float = 1.0,
            period: int = 1) -> np.ndarray:
    """psi weights of additive ETS (Hyndman et al. 2008, Table 6.1): c_j = alpha + beta*phi_j
    + gamma*[j mod m == 0], with phi_j = phi + ... + phi^j."""
    j = np.arange(1, h)
    phi_j = j if phi == 1 else phi * (1 - phi**j) / (1 - phi)
    seasonal = gamma * ((j % period) == 0) if period > 1 else 0.0
    return np.r_[1.0, alpha + beta * phi_j + seasonal]


@dataclass(frozen=True)
class ETS(ModelSpec):
    family: ClassVar[str] = "ets"
    error: str = "add"
    trend: str | None = "add"
    damped: bool = False
    seasonal: str | None = None

    def min_obs(self) -> int:
        k = 2 + (2 if self.trend else 0) + (1 if self.damped else 0)
        if self.seasonal:
            return max(2 * self.period + 2, self.period + k + 4)
        return k + 4

    @property
    def code(self) -> str:
        e = self.error[0].upper()
        t = "N" if not self.trend else ("Ad" if self.damped else "A")
        s = "N" if not self.seasonal else self.seasonal[0].upper()
        return f"ETS({e},{t},{s})"

    def _model(self, y, scale):
        if self.seasonal:  # initial states from the heuristic, as statsmodels' "heuristic" has them
            return ets_seasonal_model(y / scale, self.error, self.trend, self.damped, self.seasonal, self.period)
        return ETSModel(y / scale, error=self.error, trend=self.trend, damped_trend=self.damped,
                        initialization_method="estimated")

    def _fit(self, y, exog):
        multiplicative = self.error == "mul" or self.seasonal == "mul"
        if multiplicative and y.min() <= 0:
            raise ModelFitError(f"{self.code} needs positive data")
        scale = float(np.mean(np.abs(y))) or 1.0  # rescaling helps the optimiser
        model = self._model(y, scale)
        return self._wrap(model, ets_estimates(model), y, scale)

    def _wrap(self, model: ETSModel, params: np.ndarray, y, scale) -> FittedModel:
        """The fitted model from statsmodels' raw smoothing pass: its results object would also
        estimate a covariance matrix of the parameters numerically, a seventh of a fit's time and
        most of an application's, for nothing used here."""
        llf = float(model.loglike(params))
        if not np.isfinite(llf):
            raise ModelFitError(f"{self.code}: the likelihood is not finite")
        fitted, states = ets_smoothing(model, params)
        p = ets_named(model, params)
        alpha, beta = p.get("smoothing_level", 0.0), p.get("smoothing_trend", 0.0)
        gamma, phi = p.get("smoothing_seasonal", 0.0), p.get("damping_trend", 1.0)
        resid = y - fitted * scale
        finite = resid[np.isfinite(resid)]
        sigma = float(np.sqrt(np.mean(finite**2)))
        period = self.period
        last = states[-period:] if self.seasonal else states[-1:]

        def forecaster(h, _exog):
            mean = point_forecast(last, h, trend=bool(self.trend), damped=self.damped, phi=phi,
                                  seasonal=self.seasonal, period=period) * scale
            psi = ets_psi(h, alpha, beta, gamma, phi, period)
            return Forecast(mean, sigma * np.sqrt(np.cumsum(psi**2)), psi)

        def applier(y_new, _exog):
            if (self.error == "mul" or self.seasonal == "mul") and y_new.min() <= 0:
                raise ModelFitError(f"{self.code} needs positive data")
            return self._wrap(self._model(y_new, scale), params, y_new, scale)

        k = len(params) + 1  # and the error variance
        n = len(y)
        # statsmodels' aicc (on the rescaled data: it differs by a constant per series, fine within it)
        aicc = -2 * llf + 2 * k + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf
        return FittedModel(self, self.code, n, resid, aicc, p | {"n_params": k}, forecaster, applier=applier)


def point_forecast(states: np.ndarray, h: int, *, trend: bool, damped: bool, phi: float, seasonal: str | None,
                   period: int) -> np.ndarray:
    """ETS point forecasts from the last states (rows: the last `period` times, or the last one;
    columns: level, trend if any, season if any), Hyndman et al. (2008) Table 2.1: level plus
    the (damped) trend, with the season of the same period a year before added or multiplied.
    The same for additive and multiplicative errors."""
    k = np.arange(1, h + 1)
    level = states[-1, 0]
    mean = np.full(h, level, dtype=float)
    if trend:
        mean += states[-1, 1] * (np.cumsum(phi**k) if damped else k)
    if seasonal:
        season = states[-period:, 2 if trend else 1][(k - 1) % period]
        mean = mean * season if seasonal == "mul" else mean + season
    return mean


def ets_candidates(period: int, *, trend: bool = True, seasonal: bool = False, positive: bool = True) -> list[ETS]:
    """The members of the ETS family worth trying for a series of this kind: no, additive and
    damped trend (no trend only when `trend` is False), additive errors, and multiplicative errors
    and seasonality for positive data (the non-explosive set of Hyndman et al. 2008)."""
    trends = [(None, False), ("add", False), ("add", True)] if trend else [(None, False)]
    out = []
    for t, damped in trends:
        if seasonal and period > 1:
            out.append(ETS(period, "add", t, damped, "add"))
            if positive:
                out += [ETS(period, "mul", t, damped, "mul"), ETS(period, "mul", t, damped, "add")]
        else:
            out.append(ETS(1, "add", t, damped, None))
            if positive:
                out.append(ETS(1, "mul", t, damped, None))
    return out
