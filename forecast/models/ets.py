"""Exponential smoothing (ETS) over statsmodels' ETSModel: simple, Holt, damped Holt and
Holt-Winters with additive or multiplicative seasonality, chosen by AICc within the family."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from ..errors import ModelFitError
from .base import FittedModel, Forecast, ModelSpec


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
        init = "heuristic" if self.seasonal else "estimated"
        return ETSModel(y / scale, error=self.error, trend=self.trend, damped_trend=self.damped,
                        seasonal=self.seasonal, seasonal_periods=self.period if self.seasonal else None,
                        initialization_method=init)

    def _fit(self, y, exog):
        multiplicative = self.error == "mul" or self.seasonal == "mul"
        if multiplicative and y.min() <= 0:
            raise ModelFitError(f"{self.code} needs positive data")
        scale = float(np.mean(np.abs(y))) or 1.0  # rescaling helps the optimiser
        return self._wrap(self._model(y, scale).fit(disp=False, maxiter=200), y, scale)

    def _wrap(self, res, y, scale) -> FittedModel:
        if not np.isfinite(res.llf):
            raise ModelFitError(f"{self.code}: the likelihood is not finite")
        p = dict(zip(res.param_names, np.asarray(res.params)))
        alpha, beta = p.get("smoothing_level", 0.0), p.get("smoothing_trend", 0.0)
        gamma, phi = p.get("smoothing_seasonal", 0.0), p.get("damping_trend", 1.0)
        resid = y - np.asarray(res.fittedvalues) * scale
        finite = resid[np.isfinite(resid)]
        sigma = float(np.sqrt(np.mean(finite**2)))
        period = self.period

        def forecaster(h, _exog):
            mean = np.asarray(res.forecast(h)) * scale
            psi = ets_psi(h, alpha, beta, gamma, phi, period)
            return Forecast(mean, sigma * np.sqrt(np.cumsum(psi**2)), psi)

        def applier(y_new, _exog):
            if (self.error == "mul" or self.seasonal == "mul") and y_new.min() <= 0:
                raise ModelFitError(f"{self.code} needs positive data")
            return self._wrap(self._model(y_new, scale).smooth(res.params), y_new, scale)

        n_params = len(res.params) + 1
        # statsmodels' aicc on the rescaled data differs by a constant per series: fine within it
        return FittedModel(self, self.code, len(y), resid, float(res.aicc), p | {"n_params": n_params}, forecaster,
                           applier=applier)


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
