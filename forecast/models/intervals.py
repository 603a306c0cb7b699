"""Prediction bounds, one place for every kind: normal bounds from a mean and a standard
deviation, and bounds from joint sample paths."""
from __future__ import annotations

import numpy as np
from scipy.stats import norm


def normal_bounds(mean: np.ndarray, sd: np.ndarray, levels) -> dict[str, np.ndarray]:
    """`lower_L` and `upper_L` columns for each level L: mean -/+ the normal quantile times sd."""
    out = {}
    for level in levels:
        z = norm.ppf(0.5 + level / 200)
        out[f"lower_{level}"], out[f"upper_{level}"] = mean - z * sd, mean + z * sd
    return out


def path_offsets(centred: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a sample of paths centred on its mean (paths along axis 0), as offsets from the
    mean: the sample's quantiles at (1 - level) / 2 and (1 + level) / 2, never on the wrong side
    of the mean (so lower <= mean <= upper, and nested levels stay nested)."""
    lo, hi = np.quantile(centred, [(1 - level / 100) / 2, (1 + level / 100) / 2], axis=0)
    return np.minimum(lo, 0.0), np.maximum(hi, 0.0)
