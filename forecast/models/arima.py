"""(Seasonal) ARIMA with optional regressors, over statsmodels' SARIMAX; a small set of orders
chosen by AICc within the family (orders with the same differencing are compared)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np
from numpy.polynomial import polynomial as P
from scipy.signal import lfilter
from statsmodels.tsa.arima_process import arma2ma
from statsmodels.tsa.statespace.sarimax import SARIMAX

from forecast.errors import ModelFitError
from forecast.models.arma_likelihood import RegressionArma, arma_loglike, lag_polynomial, ma_polynomial
from forecast.models.base import FittedModel, Forecast, ModelSpec
from forecast.models.compat import sarimax_exog_coefficients, sarimax_filtered, sarimax_recursion
from forecast.models.optimize import least_squares_lm, minimize_bounded


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

    def _css(self, y, exog) -> tuple[RegressionArma, np.ndarray, float]:
        """The ARMA model of the differenced series (rescaled by the returned scale) and its CSS
        estimates. Remembered for a few calls: the order that ranks best is then estimated by
        maximum likelihood from the same start."""
        y = np.ascontiguousarray(y, float)
        exog = None if exog is None else np.ascontiguousarray(exog, float)
        return _css_of(self, y.tobytes(), None if exog is None else exog.tobytes(),
                       0 if exog is None else exog.shape[1])

    def _regression_arma(self, y, exog) -> tuple[RegressionArma, np.ndarray, float]:
        """What `_css` returns, computed."""
        d, sd = self.order[1], self.seasonal_order[1]
        if self.drift and d + sd > 1:
            raise ModelFitError(f"{self.code}: drift with more than one difference is not identified")
        scale = float(np.std(y)) or 1.0
        z, zx = _difference(y / scale, self.differencing()), _difference(exog, self.differencing())
        (p, _, q), (sp, _, sq) = self.order, self.seasonal_order
        arma = RegressionArma(z, zx, self.drift, p, q, sp, sq, self.period if sp or sq else 0)
        return arma, css_estimates(z, zx, self.order, self.seasonal_order, self.period, self.drift), scale

    @staticmethod
    def _sarimax(arma: RegressionArma) -> SARIMAX:
        """SARIMAX for the ARMA model of the differenced series: the state space of the
        differences themselves (what SARIMAX calls simple differencing) is several times smaller
        for seasonal orders, and its likelihood is the one the full form reaches after its diffuse
        start."""
        seasonal = (arma.seasonal_ar, 0, arma.seasonal_ma, arma.period) if arma.period else (0, 0, 0, 0)
        return SARIMAX(arma.endog, exog=arma.exog, order=(arma.ar, 0, arma.ma), seasonal_order=seasonal,
                       trend="c" if arma.intercept else "n", concentrate_scale=True)

    def _fit(self, y, exog):
        arma, start, scale = self._css(y, exog)
        model = self._sarimax(arma)
        k_arma = arma.ar + arma.ma + arma.seasonal_ar + arma.seasonal_ma
        params = exact_ml(self._loglike(arma, model), start, k_arma)
        return self._wrap(sarimax_filtered(model, params), y, exog, scale)

    def _loglike(self, arma: RegressionArma, model: SARIMAX | None = None) -> Callable[[np.ndarray], float]:
        """SARIMAX's likelihood of `arma`: from the banded factor where the order allows, else
        from `model` (built here if not given)."""
        return arma_loglike(arma) or (model if model is not None else self._sarimax(arma)).loglike

    def css_aicc(self, y, exog=None) -> float:
        """AICc at the conditional-sum-of-squares estimates (the exact likelihood there): what
        ranks the orders before the best one is estimated by maximum likelihood. Raises
        ModelFitError when the order cannot be fitted."""
        y = np.asarray(y, float)
        if len(y) < self.min_obs():
            raise ModelFitError(f"{self.code} needs at least {self.min_obs()} observations, got {len(y)}")
        with np.errstate(all="ignore"):
            try:
                arma, params, scale = self._css(y, exog)
                llf = float(self._loglike(arma)(params))
            except (ValueError, np.linalg.LinAlgError) as exc:
                raise ModelFitError(f"{self.code}: {exc}") from exc
        if not np.isfinite(llf):
            raise ModelFitError(f"{self.code}: the likelihood is not finite")
        return _aicc(llf, len(params), len(arma.endog), scale)

    def _wrap(self, res, y, exog, scale) -> FittedModel:
        """The fitted model on `y`, from SARIMAX results `res` of the differenced data. `y` may be
        a prefix of the data `res` was filtered on (a rolling origin inside it): the filter is
        causal, so its state after the prefix is exactly the final state of a filter run on the
        prefix alone, and no new model or filter pass is needed. A prefix model has no AICc."""
        if not np.isfinite(res.llf):
            raise ModelFitError(f"{self.code}: the likelihood is not finite")
        diff = self.differencing()
        burn = len(diff) - 1
        n_z = len(y) - burn
        prefix = n_z < res.nobs
        resid = np.r_[np.full(burn, np.nan), np.asarray(res.resid)[:n_z] * scale]
        ar = P.polymul(np.asarray(res.polynomial_reduced_ar), diff)
        ma = np.asarray(res.polynomial_reduced_ma)
        scale_z = res.scale  # concentrated out: on a prefix, the mean squared standardised error there
        if prefix:
            scale_z = res.scale * float(np.nanmean(res.filter_results.standardized_forecasts_error[0, :n_z] ** 2))
        sigma = float(np.sqrt(scale_z)) * scale
        model = res.model
        beta = sarimax_exog_coefficients(model, res.params)
        transition, design, intercept = sarimax_recursion(model)
        state = np.asarray(res.predicted_state[:, n_z])

        def forecaster(h, exog_future):
            steps = np.empty(h)
            a = state
            for j in range(h):  # the state space recursion from the last filtered state
                steps[j] = design @ a
                a = intercept + transition @ a
            if model.k_exog:
                steps += _difference(np.vstack([exog[len(exog) - burn:], exog_future]), diff) @ beta
            path = np.r_[y, np.zeros(h)]  # undo the differencing, one step at a time
            for t in range(len(y), len(y) + h):
                path[t] = steps[t - len(y)] * scale - diff[1:] @ path[t - burn:t][::-1]
            psi = arma2ma(ar, ma, lags=h)
            return Forecast(path[len(y):], sigma * np.sqrt(np.cumsum(psi**2)), psi)

        def applier(y_new, exog_new):
            m = len(y_new)
            if burn < m <= len(y) and np.array_equal(y_new, y[:m]) and (
                    exog is None or np.array_equal(exog_new, exog[:m])):
                return self._wrap(res, y_new, None if exog is None else exog[:m], scale)
            z, zx = _difference(y_new / scale, diff), _difference(exog_new, diff)
            return self._wrap(res.apply(z, exog=zx), y_new, exog_new, scale)

        params = dict(zip(res.param_names, np.asarray(res.params))) | {"sigma2": sigma**2}
        aicc = np.nan if prefix else _aicc(float(res.llf), len(res.params), n_z, scale)
        return FittedModel(self, self.code, len(y), resid, aicc, params, forecaster, applier=applier)


@lru_cache(maxsize=8)
def _css_of(spec: ARIMA, y: bytes, exog: bytes | None, exog_columns: int):
    """`spec._regression_arma` of the data these bytes hold (hashable, so that it can be remembered)."""
    values = np.frombuffer(y)
    regressors = None if exog is None else np.frombuffer(exog).reshape(len(values), exog_columns)
    return spec._regression_arma(values, regressors)


def _aicc(llf: float, n_params: int, n: int, scale: float) -> float:
    """AICc of the ARMA model of the differences with `n_params` estimates and the concentrated
    variance, on the original scale (the data were divided by `scale`)."""
    k = n_params + 1
    return -2 * llf + 2 * k + 2 + 2 * np.log(scale) * n + 2 * k * (k + 1) / max(n - k - 1, 1)


def _difference(x, poly: np.ndarray):
    """`poly` applied along time (axis 0): the differenced series, len(poly) - 1 rows shorter."""
    if x is None:
        return None
    x = np.asarray(x, float)
    return lfilter(poly, [1.0], x, axis=0)[len(poly) - 1:]


BOUND = 0.98  # largest |coefficient| of a conditional-sum-of-squares estimate
BOUND_ML = 0.995  # ... and of a maximum-likelihood one


def css_estimates(z, exog, order, seasonal_order, period: int, drift: bool) -> np.ndarray:
    """Conditional-sum-of-squares estimates of the ARMA model of the differenced series `z`, in
    SARIMAX's parameter order (intercept, regressors, ar, ma, seasonal ar, seasonal ma).

    Notes
    -----
    The model is SARIMAX's: z_t = x_t b + u_t with phi(B) Phi(B^m) u_t = c + theta(B) Theta(B^m) e_t.
    Residuals come from one linear filter pass, so a least-squares fit costs milliseconds where
    the exact likelihood costs a Kalman filter per evaluation. Every polynomial here has one
    coefficient, so coefficients written as 0.98 tanh(a) stay stationary and invertible while
    Levenberg-Marquardt searches freely over a."""
    p, _, q = order
    sp, _, sq = seasonal_order
    n = len(z)
    X = np.empty((n, 0)) if exog is None else np.asarray(exog, float).reshape(n, -1)
    D = np.column_stack([np.ones(n), X]) if drift else X
    beta = np.linalg.lstsq(D, z, rcond=None)[0] if D.shape[1] else np.empty(0)
    k_reg, k_arma = D.shape[1], p + q + sp + sq
    burn = p + sp * period

    def residuals(params):
        b, arma = params[:k_reg], BOUND * np.tanh(params[k_reg:])
        ar, ma = arma[:p], arma[p:p + q]
        sar, sma = arma[p + q:p + q + sp], arma[p + q + sp:]
        u = z - X @ (b[1:] if drift else b)
        # np.convolve: the same products and AR filter as numpy.polynomial and lfilter, without
        # their per-call overhead (this runs a few hundred times per fit)
        ar_poly = np.convolve(lag_polynomial(ar, 1, -1.0), lag_polynomial(sar, period, -1.0))
        ma_poly = ma_polynomial(ma, sma, period)
        w = np.convolve(u, ar_poly)[burn:n] - (b[0] if drift else 0.0)
        return lfilter([1.0], ma_poly, w)

    start = np.r_[beta, np.zeros(k_arma)]
    if not k_arma or len(z) - burn <= len(start):
        return start
    found = least_squares_lm(residuals, start)
    return np.r_[found[:k_reg], BOUND * np.tanh(found[k_reg:])]


def exact_ml(loglike: Callable[[np.ndarray], float], start: np.ndarray, k_arma: int) -> np.ndarray:
    """Maximum-likelihood estimates (the exact Gaussian likelihood `loglike`), searched by L-BFGS-B
    from the conditional-sum-of-squares `start`.

    Notes
    -----
    The CSS start is close, so a third of the likelihood evaluations of `SARIMAX.fit` suffice
    (scripts/bench_batch.py). CSS alone is not enough: it pulls a seasonal MA coefficient near
    -1 (a stable seasonal pattern) towards zero, and on M3 monthly it cost 0.06 sMAPE points. Each
    ARMA polynomial here has one coefficient, so |coefficient| <= 0.995 keeps every estimate
    stationary and invertible. `loglike` is SARIMAX's likelihood, from a banded Cholesky factor
    where the order allows (forecast.models.arma_likelihood: the same value, several times
    faster); the last `k_arma` parameters are the ARMA coefficients."""
    if not k_arma:
        return start  # a regression on the differences: CSS is already least squares
    free = np.full(len(start) - k_arma, np.inf)
    limits = np.r_[free, np.full(k_arma, BOUND_ML)]  # CSS stays inside
    with np.errstate(all="ignore"):
        found, value, _ = minimize_bounded(lambda p: -loglike(p), start, -limits, limits)
    return found if np.isfinite(value) and value <= -loglike(start) else start


def arima_candidates(period: int, *, seasonal: bool) -> list[ARIMA]:
    if seasonal and period > 1:
        return [ARIMA(period, (0, 1, 1), (0, 1, 1), drift=False),
                ARIMA(period, (1, 0, 0), (0, 1, 1), drift=True)]
    return [ARIMA(1, (0, 1, 1), drift=True), ARIMA(1, (1, 1, 0), drift=True), ARIMA(1, (1, 1, 1), drift=True)]
