"""Prediction bounds, one place for every kind: bounds from a mean and a standard deviation,
and bounds from joint sample paths, both with the same predictive shape.

The shape is a Student t scaled to unit variance, with PREDICTIVE_DOF degrees of freedom: held-out
errors in units of the forecasts' own standard deviations are heavier-tailed than normal. On M3
monthly (1,428 series, official hold-out, 25,704 errors) their excess kurtosis is 6.3 and the
likelihood of a unit-variance t, the forecasts' standard deviations kept, peaks at 6 degrees of
freedom (log-likelihood -36,995 against -38,507 for the normal). Tourism monthly confirms it (366
series, kurtosis 4.6, peak at 4, t(6) 521 points above the normal). With t(6) the 80% and 95%
intervals covered 0.781 / 0.942 of M3 (normal: 0.815 / 0.939) and 0.827 / 0.949 of tourism
(normal: 0.851 / 0.947): a narrower middle and longer tails, the variance unchanged.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t

PREDICTIVE_DOF = 6.0


def standard_quantile(p, dof: float = PREDICTIVE_DOF):
    """Quantile of the unit-variance Student t with `dof` degrees of freedom (the normal's when
    dof is infinite)."""
    if not np.isfinite(dof):
        return student_t.ppf(p, np.inf)
    return student_t.ppf(p, dof) * np.sqrt((dof - 2) / dof)


def tail_scales(rng: np.random.Generator, size, dof: float = PREDICTIVE_DOF) -> np.ndarray:
    """Draws of sqrt((dof - 2) / chi2(dof)): standard normal shocks times one such draw are unit-
    variance Student t. The callers share one draw among every step and every series of a path (a
    multivariate t): the correlations across series are kept exactly, and sums over steps and
    series (a year, a total) are as heavy-tailed as each step is."""
    return np.sqrt((dof - 2) / rng.chisquare(dof, size=size))


def sd_bounds(mean: np.ndarray, sd: np.ndarray, levels) -> dict[str, np.ndarray]:
    """`lower_L` and `upper_L` columns for each level L: mean -/+ the predictive shape's quantile
    times sd."""
    out = {}
    for level in levels:
        z = standard_quantile(0.5 + level / 200)
        out[f"lower_{level}"], out[f"upper_{level}"] = mean - z * sd, mean + z * sd
    return out


def path_offsets(centred: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a sample of paths centred on its mean (paths along axis 0), as offsets from the
    mean: the sample's quantiles at (1 - level) / 2 and (1 + level) / 2, never on the wrong side
    of the mean (so lower <= mean <= upper, and nested levels stay nested)."""
    lo, hi = np.quantile(centred, [(1 - level / 100) / 2, (1 + level / 100) / 2], axis=0)
    return np.minimum(lo, 0.0), np.maximum(hi, 0.0)
