"""L-BFGS-B with a forward-difference gradient computed here: the search scipy runs when it is
given no gradient (the same steps, so the same estimates), without the per-evaluation overhead of
its numerical differentiation, which took about as long as the likelihoods the toolkit's models
evaluate.

Where scipy's L-BFGS-B routine has the calling convention of the versions in SETULB_TESTED, the
iteration that drives it is run here too, as `scipy.optimize.minimize` runs it but without its
per-evaluation bookkeeping (a scalar-function wrapper, a memoised gradient, a result object
each iteration): a fifth of an ETS fit's time went there. Any other scipy gets
`fmin_l_bfgs_b` itself. tests/test_models.py holds both to scipy's own steps."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy
from scipy.optimize import fmin_l_bfgs_b

STEP = 1e-8  # scipy's default absolute step for L-BFGS-B's finite differences
# scipy's defaults for L-BFGS-B (fmin_l_bfgs_b): corrections kept, relative reduction of the
# objective (factr, in units of the machine epsilon), projected gradient, line-search steps,
# evaluations
CORRECTIONS, FACTR, PGTOL, MAX_LINE_SEARCH, MAX_EVALUATIONS = 10, 1e7, 1e-5, 20, 15000
SETULB_TESTED = ("1.15", "1.16", "1.17")  # scipy's C L-BFGS-B: setulb(..., maxls, ln_task)
_NEW, _FG, _CONVERGED = 1, 3, 4  # setulb's task codes: new iterate, evaluate f and g, converged
_STOP, _STOP_ITERATIONS, _STOP_EVALUATIONS = 5, 504, 502


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
    value_and_gradient = forward_gradient(objective, upper)
    if _setulb() is not None:
        return _lbfgsb(value_and_gradient, np.asarray(start, float), lower, upper, maxiter)
    bounds = [(None if np.isinf(lo) else lo, None if np.isinf(hi) else hi) for lo, hi in zip(lower, upper)]
    x, value, info = fmin_l_bfgs_b(value_and_gradient, np.asarray(start, float), bounds=bounds, maxiter=maxiter)
    return x, float(value), info["warnflag"] == 0


def _setulb():
    """scipy's L-BFGS-B step routine when its calling convention is one tested here, else None."""
    if ".".join(scipy.__version__.split(".")[:2]) not in SETULB_TESTED:
        return None
    try:
        from scipy.optimize._lbfgsb import setulb
    except ImportError:
        return None
    return setulb


def _lbfgsb(value_and_gradient, start: np.ndarray, lower: np.ndarray, upper: np.ndarray,
            maxiter: int) -> tuple[np.ndarray, float, bool]:
    """The loop of scipy's `_minimize_lbfgsb` (scipy 1.15 to 1.17) with a (value, gradient)
    function: the same calls to setulb with the same values, so the same iterates."""
    setulb = _setulb()
    n, m = len(start), CORRECTIONS
    nbd = np.where(np.isinf(lower), np.where(np.isinf(upper), 0, 3), np.where(np.isinf(upper), 1, 2)).astype(np.int32)
    low_bnd, upper_bnd = np.where(np.isinf(lower), 0.0, lower), np.where(np.isinf(upper), 0.0, upper)
    x = np.clip(start, lower, upper).astype(np.float64)
    evaluated_at, f, g = x.copy(), *value_and_gradient(x.copy())  # scipy evaluates the start first
    evaluations = 1
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m, np.float64)
    iwa = np.zeros(3 * n, np.int32)
    task, ln_task, lsave = np.zeros(2, np.int32), np.zeros(2, np.int32), np.zeros(4, np.int32)
    isave, dsave = np.zeros(44, np.int32), np.zeros(29, np.float64)
    iterations = 0
    while True:
        g = g.astype(np.float64)
        setulb(m, x, low_bnd, upper_bnd, nbd, f, g, FACTR, PGTOL, wa, iwa, task, lsave, isave, dsave,
               MAX_LINE_SEARCH, ln_task)
        if task[0] == _FG:
            if not np.array_equal(x, evaluated_at):  # scipy's wrapper reuses the last evaluation
                evaluated_at = x.copy()
                f, g = value_and_gradient(x.copy())
                evaluations += 1
        elif task[0] == _NEW:
            iterations += 1
            if iterations >= maxiter:
                task[0], task[1] = _STOP, _STOP_ITERATIONS
            elif evaluations > MAX_EVALUATIONS:
                task[0], task[1] = _STOP, _STOP_EVALUATIONS
        else:
            break
    return x, float(f), bool(task[0] == _CONVERGED)
