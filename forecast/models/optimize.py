"""L-BFGS-B with a forward-difference gradient computed here: the search scipy runs when it is
given no gradient (the same steps, so the same estimates), without the per-evaluation overhead of
its numerical differentiation, which took about as long as the likelihoods the toolkit's models
evaluate."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import fmin_l_bfgs_b

STEP = 1e-8  # scipy's default absolute step for L-BFGS-B's finite differences


def forward_gradient(objective: Callable[[np.ndarray], float], upper: np.ndarray):
    """objective -> (value, gradient) function; each coordinate is stepped by STEP, backwards
    where the step would cross its upper bound (as scipy does)."""

    def with_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        f0 = objective(x)
        gradient = np.empty_like(x)
        for i in range(len(x)):
            moved = x.copy()
            moved[i] += STEP if x[i] + STEP <= upper[i] else -STEP
            gradient[i] = (objective(moved) - f0) / (moved[i] - x[i])
        return f0, gradient

    return with_gradient


def minimize_bounded(objective: Callable[[np.ndarray], float], start: np.ndarray, lower: np.ndarray,
                     upper: np.ndarray, maxiter: int = 15000) -> tuple[np.ndarray, float, bool]:
    """(minimiser, minimum, converged) of `objective` within [lower, upper] (infinite bounds
    allowed) by L-BFGS-B from `start`, with scipy's default tolerances."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    bounds = [(None if np.isinf(lo) else lo, None if np.isinf(hi) else hi) for lo, hi in zip(lower, upper)]
    x, value, info = fmin_l_bfgs_b(forward_gradient(objective, upper), np.asarray(start, float), bounds=bounds,
                                   maxiter=maxiter)
    return x, float(value), info["warnflag"] == 0
