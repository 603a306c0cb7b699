"""Naive, seasonal naive and random walk with drift: the baselines every method must beat,
and the fallbacks when nothing else can be fitted."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from forecast.models.base import FittedModel, Forecast, ModelSpec


def _finite_sigma(resid: np.ndarray) -> float:
    r = resid[np.isfinite(resid)]
    return float(np.sqrt(np.mean(r**2))) if len(r) else 0.0


@dataclass(frozen=True)
class Naive(ModelSpec):
    family: ClassVar[str] = "naive"

    def min_obs(self) -> int:
        return 1

    def _fit(self, y, exog):
        resid = np.r_[np.nan, np.diff(y)]
        sigma = _finite_sigma(resid)
        last = y[-1]

        def forecaster(h, _exog):
            psi = np.ones(h)
            return Forecast(np.full(h, last), sigma * np.sqrt(np.arange(1, h + 1)), psi)

        return FittedModel(self, "Naive", len(y), resid, np.inf, {}, forecaster)


@dataclass(frozen=True)
class SeasonalNaive(ModelSpec):
    family: ClassVar[str] = "seasonal_naive"

    def min_obs(self) -> int:
        return max(self.period, 1) + 1

    def _fit(self, y, exog):
        m = max(self.period, 1)
        resid = np.r_[np.full(m, np.nan), y[m:] - y[:-m]]
        sigma = _finite_sigma(resid)
        season = y[-m:]

        def forecaster(h, _exog):
            steps = np.arange(h)
            psi = np.where(steps % m == 0, 1.0, 0.0)
            sd = sigma * np.sqrt(steps // m + 1)
            return Forecast(season[steps % m], sd, psi)

        return FittedModel(self, f"SeasonalNaive[{m}]", len(y), resid, np.inf, {}, forecaster)


@dataclass(frozen=True)
class Drift(ModelSpec):
    """Random walk with drift: the line from the first to the last observation, extended."""

    family: ClassVar[str] = "drift"

    def min_obs(self) -> int:
        return 2

    def _fit(self, y, exog):
        n = len(y)
        slope = (y[-1] - y[0]) / (n - 1)
        resid = np.r_[np.nan, np.diff(y) - slope]
        sigma = _finite_sigma(resid)

        def forecaster(h, _exog):
            steps = np.arange(1, h + 1)
            sd = sigma * np.sqrt(steps * (1 + steps / (n - 1)))
            return Forecast(y[-1] + slope * steps, sd, np.ones(h))

        return FittedModel(self, "Drift", n, resid, np.inf, {"drift": slope}, forecaster)
