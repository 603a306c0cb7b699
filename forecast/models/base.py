"""The one protocol every model family follows.

A `ModelSpec` is an immutable description (family and options). `spec.fit(y, exog)` returns a
`FittedModel` holding the estimates; `fitted.forecast(h, exog_future)` returns a `Forecast`.
Specs never change when fitted, and fitted models never see data after the end of `y`.

Every forecast carries, beside its mean, the per-step standard deviation and the model's
psi (impulse-response) weights. With them `sample_paths` turns standardised shocks, drawn jointly
for all components elsewhere, into sample paths that keep each model's own error dynamics.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Callable, ClassVar

import numpy as np
from scipy.linalg import toeplitz

from forecast.errors import ModelFitError


@dataclass(frozen=True)
class Forecast:
    mean: np.ndarray  # (h,)
    sd: np.ndarray  # (h,) standard deviation of the h-step error
    psi: np.ndarray  # (h,) psi weights, psi[0] == 1
    common_sd: np.ndarray | None = None  # (h,) part of sd shared by all steps (estimated trend and level)

    def sample_paths(self, shocks: np.ndarray, common: np.ndarray | None = None) -> np.ndarray:
        """Paths (n, h) from standardised shocks (n, h) that are independent over time, plus
        `common` (n,), one standardised shock per path for the error the steps share.

        The shared part is the error in the estimated trend and level (`common_sd`): one draw
        moves a whole path, as a wrong slope does. The rest follows the model's dynamics: error at
        step j is sum_{i<=j} psi[j-i] * shock[i], rescaled so that the total standard deviation
        is the model's own `sd[j]`. Without the shared part, the sum of a year's steps would
        treat a wrong slope as twelve independent errors and come out far too narrow.
        """
        h = len(self.mean)
        own = np.asarray(self.sd, float)
        shared = np.zeros(h) if self.common_sd is None or common is None else np.minimum(self.common_sd, own)
        rest = np.sqrt(np.maximum(own**2 - shared**2, 0.0))
        lower = np.tril(toeplitz(self.psi[:h]))
        base_sd = np.sqrt(np.cumsum(self.psi[:h] ** 2))
        scale = np.divide(rest, base_sd, out=np.zeros(h), where=base_sd > 0)
        paths = self.mean + (shocks @ lower.T) * scale
        if common is not None:
            paths = paths + np.outer(common, shared)
        return paths


@dataclass(frozen=True)
class FittedModel:
    spec: "ModelSpec"
    label: str  # e.g. "ETS(A,Ad,N)"
    nobs: int
    residuals: np.ndarray  # in-sample one-step errors, NaN where undefined
    aicc: float
    params: dict
    forecaster: Callable[[int, np.ndarray | None], Forecast] = field(repr=False)
    warnings: tuple[str, ...] = ()
    # the same estimates conditioned on other data that starts where this fit's did (a shorter
    # history for rolling origins); None: refit the spec instead
    applier: Callable[[np.ndarray, np.ndarray | None], "FittedModel"] | None = field(default=None, repr=False)

    @property
    def sigma(self) -> float:
        r = self.residuals[np.isfinite(self.residuals)]
        return float(np.sqrt(np.mean(r**2))) if len(r) else 0.0

    def apply(self, y, exog: np.ndarray | None = None) -> "FittedModel":
        """This model's parameters, not re-estimated, run over `y` (which must start where the
        fitted data started): what a rolling origin inside the data needs, at the cost of one
        pass of the filter instead of an optimisation. Models without an applier are refitted."""
        if self.applier is None:
            return self.spec.fit(y, exog)
        return self.spec.fit(y, exog, _run=self.applier)

    def forecast(self, h: int, exog_future: np.ndarray | None = None) -> Forecast:
        fc = self.forecaster(h, exog_future)
        common = None if fc.common_sd is None else np.asarray(fc.common_sd, float)
        return Forecast(np.asarray(fc.mean, float), np.asarray(fc.sd, float), np.asarray(fc.psi, float), common)


@dataclass(frozen=True)
class ModelSpec:
    """Base of all model specifications. `period` is the seasonal period (1 = none)."""

    period: int = 1
    family: ClassVar[str] = "model"
    uses_exog: ClassVar[bool] = False  # True when the family takes regressors natively

    def min_obs(self) -> int:
        return 3

    def fit(self, y, exog: np.ndarray | None = None, _run=None) -> FittedModel:
        y = np.asarray(y, dtype=float)
        if len(y) < self.min_obs():
            raise ModelFitError(f"{self.family} needs at least {self.min_obs()} observations, got {len(y)}")
        if not np.isfinite(y).all():
            raise ModelFitError(f"{self.family}: the series has missing or infinite values")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            np_err = np.seterr(all="ignore")
            try:
                fitted = (_run or self._fit)(y, exog)
            except ModelFitError:
                raise
            except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, IndexError) as exc:
                raise ModelFitError(f"{self.family}: {exc}") from exc
            finally:
                np.seterr(**np_err)
        messages = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
        if messages:
            fitted = dataclasses.replace(fitted, warnings=fitted.warnings + messages)
        return fitted

    def _fit(self, y: np.ndarray, exog: np.ndarray | None) -> FittedModel:  # pragma: no cover
        raise NotImplementedError


def random_walk_sd(sigma: float, psi: np.ndarray) -> np.ndarray:
    return sigma * np.sqrt(np.cumsum(psi**2))


def aicc(loglike: float, k: int, n: int) -> float:
    aic = -2 * loglike + 2 * k
    return aic + (2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf)
