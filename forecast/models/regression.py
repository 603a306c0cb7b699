"""Linear trend: regression on time (plus seasonal dummies and any regressors) with AR(1)
errors, estimated by feasible GLS (statsmodels GLSAR). The case study's model for fixed charges."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from statsmodels.regression.linear_model import GLSAR, OLS

from forecast.models.base import FittedModel, Forecast, ModelSpec, aicc


def trend_design(start: int, n: int, period: int) -> np.ndarray:
    """Columns: intercept, time, and period-1 seasonal dummies (positions counted from 0)."""
    t = np.arange(start, start + n, dtype=float)
    cols = [np.ones(n), t]
    if period > 1:
        pos = np.arange(start, start + n) % period
        cols += [(pos == k).astype(float) for k in range(1, period)]
    return np.column_stack(cols)


@dataclass(frozen=True)
class LinearTrend(ModelSpec):
    family: ClassVar[str] = "linear_trend"
    uses_exog: ClassVar[bool] = True
    ar: bool = True

    def min_obs(self) -> int:
        return max(6, self.period + 4) if self.period > 1 else 4

    def _fit(self, y, exog):
        n = len(y)
        X = trend_design(0, n, self.period)
        k_exog = 0 if exog is None else exog.shape[1]
        if k_exog:
            X = np.column_stack([X, exog])
        if n - X.shape[1] < 2:
            raise ValueError(f"{n} observations are too few for {X.shape[1]} coefficients")
        if self.ar and n >= X.shape[1] + 6:
            model = GLSAR(y, X, rho=1)
            res = model.iterative_fit(maxiter=6)
            rho = float(np.clip(model.rho[0], -0.95, 0.95))
        else:
            res = OLS(y, X).fit()
            rho = 0.0
        return self._wrap(y, exog, np.asarray(res.params), rho, np.asarray(res.cov_params()))

    def _wrap(self, y, exog, beta: np.ndarray, rho: float, cov: np.ndarray) -> FittedModel:
        """The fitted model with coefficients `beta` and AR(1) coefficient `rho` on `y`: also the
        applier, which holds them (and their covariance) on a shorter history for a rolling
        origin, re-estimating only the innovation variance."""
        n = len(y)
        X = trend_design(0, n, self.period)
        k_exog = 0 if exog is None else exog.shape[1]
        if k_exog:
            X = np.column_stack([X, exog])
        u = y - X @ beta
        innov = np.r_[np.nan, u[1:] - rho * u[:-1]] if rho else u.copy()
        finite = innov[np.isfinite(innov)]
        sigma = float(np.sqrt(np.sum(finite**2) / max(len(finite) - X.shape[1], 1)))
        k = X.shape[1] + 1 + (rho != 0)
        loglike = -0.5 * len(finite) * (np.log(2 * np.pi * sigma**2) + 1)
        last_u = u[-1]
        period = self.period

        def forecaster(h, exog_future):
            Xf = trend_design(n, h, period)
            if k_exog:
                Xf = np.column_stack([Xf, exog_future])
            steps = np.arange(1, h + 1)
            mean = Xf @ beta + last_u * rho**steps
            psi = rho ** np.arange(h)
            # mean = rho^h y_n + (x_h - rho^h x_n)' beta: an error in the coefficients moves the
            # forecast only through that difference (near a unit root the level is pinned by y_n,
            # however poorly the intercept itself is estimated)
            D = Xf - np.outer(rho**steps, X[-1])
            param_var = np.einsum("ij,jk,ik->i", D, cov, D)
            sd = np.sqrt(sigma**2 * np.cumsum(psi**2) + np.maximum(param_var, 0))
            return Forecast(mean, sd, psi, np.sqrt(np.maximum(param_var, 0)))

        def applier(y_new, exog_new):
            return self._wrap(y_new, exog_new, beta, rho, cov)

        label = "LinearTrend" + (f"+Season[{period}]" if period > 1 else "") + ("+AR(1)" if rho else "")
        params = {"intercept": beta[0], "slope": beta[1], "rho": rho}
        return FittedModel(self, label, n, innov, aicc(loglike, k, len(finite)), params, forecaster, applier=applier)
