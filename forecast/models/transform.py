"""Models fitted on the log of a positive series: growth that compounds (a line item growing or
shrinking by a steady percentage a year) is a straight line in logs, where an additive trend
fitted over a two- or three-year window lags behind it and forecasts growth too low and decline
too steep.

Forecasts are back-transformed with the lognormal mean, exp(m + s^2/2), and standard deviation,
mean * sqrt(exp(s^2) - 1); the psi weights (error dynamics over the horizon) are the log model's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecast.errors import ModelFitError
from forecast.models.base import FittedModel, Forecast, ModelSpec


@dataclass(frozen=True)
class Log(ModelSpec):
    inner: ModelSpec = None

    @property
    def family(self) -> str:  # a log member competes within its family, e.g. "linear_trend"
        return self.inner.family

    @property
    def uses_exog(self) -> bool:
        return self.inner.uses_exog

    def min_obs(self) -> int:
        return self.inner.min_obs()

    def _fit(self, y, exog):
        if np.min(y) <= 0:
            raise ModelFitError("log model: the series is not positive")
        return self._wrap(self.inner.fit(np.log(y), exog), y)

    def _wrap(self, inner: FittedModel, y) -> FittedModel:
        fitted_log = np.log(y) - inner.residuals
        residuals = y - np.exp(fitted_log)  # on the original scale, NaN where the inner model has none

        def forecaster(h, exog_future):
            fc = inner.forecast(h, exog_future)
            var = fc.sd**2
            with np.errstate(over="ignore"):  # an exploding log forecast gives inf: never chosen
                mean = np.exp(fc.mean + var / 2)
                sd = mean * np.sqrt(np.expm1(var))
            common = None
            if fc.common_sd is not None:  # the shared part keeps its share of the error
                common = sd * np.divide(fc.common_sd, fc.sd, out=np.zeros(h), where=fc.sd > 0)
            return Forecast(mean, sd, fc.psi, common)

        def applier(y_new, exog_new):
            if np.min(y_new) <= 0:
                raise ModelFitError("log model: the series is not positive")
            return self._wrap(inner.apply(np.log(y_new), exog_new), y_new)

        return FittedModel(self, f"log {inner.label}", inner.nobs, residuals, inner.aicc, dict(inner.params),
                           forecaster, inner.warnings, applier=applier)


def log_of(spec: ModelSpec) -> Log:
    return Log(period=spec.period, inner=spec)
