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
