"""L-BFGS-B with a forward-difference gradient computed here: the search scipy runs when it is
given no gradient (the same steps, so the same estimates), without the per-evaluation overhead of
its numerical differentiation, which took about as long as the likelihoods the toolkit's models
evaluate.

Under the scipy versions in SCIPY_TESTED, the loops that drive scipy's compiled L-BFGS-B and
Levenberg-Marquardt (MINPACK) routines are run here too, as `minimize` and `least_squares` run
them but without their per-evaluation bookkeeping (function wrappers, memoisation objects,
array-API dispatch, a result object each iteration): a fifth of an ETS fit's time and half of
a conditional-sum-of-squares ARIMA fit's went there. Any other scipy gets `fmin_l_bfgs_b` and
`least_squares` themselves. tests/test_models.py holds both paths to scipy's own iterates."""
from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
import scipy
from scipy.optimize import fmin_l_bfgs_b, least_squares

STEP = 1e-8  # scipy's default absolute step for L-BFGS-B's finite differences
RELATIVE_STEP = np.finfo(float).eps ** 0.5  # ... and relative step for least_squares' Jacobian
# scipy's defaults for L-BFGS-B (fmin_l_bfgs_b): corrections kept, relative reduction of the
# objective (factr, in units of the machine epsilon), projected gradient, line-search steps,
# evaluations
CORRECTIONS, FACTR, PGTOL, MAX_LINE_SEARCH, MAX_EVALUATIONS = 10, 1e7, 1e-5, 20, 15000
LM_TOLERANCE = 1e-8  # least_squares' default ftol, xtol and gtol
SCIPY_TESTED = ("1.17",)  # scipy versions whose private routines and loops are reproduced here
_NEW, _FG, _CONVERGED = 1, 3, 4  # setulb's task codes: new iterate, evaluate f and g, converged
_STOP, _STOP_ITERATIONS, _STOP_EVALUATIONS = 5, 504, 502


def forward_gradient(objective: Callable[[np.ndarray], float], upper: np.ndarray):
    """objective -> (value, gradient) function; each coordinate is stepped by STEP, backwards
    where the step would cross its upper bound (as scipy does)."""

    ceilings = np.asarray(upper, float).tolist()

    def with_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        f0 = objective(x)
        gradient = np.empty_like(x)
        for i, (xi, ceiling) in enumerate(zip(x.tolist(), ceilings)):  # Python floats: the same doubles, faster
            moved = x.copy()
            moved[i] = xi + (STEP if xi + STEP <= ceiling else -STEP)
            gradient[i] = (objective(moved) - f0) / (float(moved[i]) - xi)
        return f0, gradient

    return with_gradient


def minimize_bounded(objective: Callable[[np.ndarray], float], start: np.ndarray, lower: np.ndarray,
                     upper: np.ndarray, maxiter: int = 15000) -> tuple[np.ndarray, float, bool]:
    """(minimiser, minimum, converged) of `objective` within [lower, upper] (infinite bounds
    allowed) by L-BFGS-B from `start`, with scipy's default tolerances."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    value_and_gradient = forward_gradient(objective, upper)
    setulb = _private("_lbfgsb", "setulb")
    if setulb is not None:
        return _lbfgsb(setulb, value_and_gradient, np.asarray(start, float), lower, upper, maxiter)
    bounds = [(None if np.isinf(lo) else lo, None if np.isinf(hi) else hi) for lo, hi in zip(lower, upper)]
    x, value, info = fmin_l_bfgs_b(value_and_gradient, np.asarray(start, float), bounds=bounds, maxiter=maxiter)
    return x, float(value), info["warnflag"] == 0


def scipy_release() -> str:
    """The installed scipy's major.minor version, as SCIPY_TESTED lists them."""
    return ".".join(scipy.__version__.split(".")[:2])


def _private(module: str, name: str):
    """scipy.optimize's private routine `module.name` under a scipy version tested here, else None."""
    if scipy_release() not in SCIPY_TESTED:
        return None
    try:
        return getattr(importlib.import_module(f"scipy.optimize.{module}"), name)
    except (ImportError, AttributeError):
        return None


def _lbfgsb(setulb, value_and_gradient, start: np.ndarray, lower: np.ndarray, upper: np.ndarray,
            maxiter: int) -> tuple[np.ndarray, float, bool]:
    """The loop of scipy's `_minimize_lbfgsb` with a (value, gradient) function: the same calls
    to its `setulb` with the same values, so the same iterates."""
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


def least_squares_lm(residuals: Callable[[np.ndarray], np.ndarray], start: np.ndarray) -> np.ndarray:
    """The minimiser of the sum of squared `residuals` found by Levenberg-Marquardt from `start`:
    `least_squares(residuals, start, method="lm", x_scale="jac").x`, with its forward-difference
    Jacobian computed here."""
    lmder = _private("_minpack", "_lmder")
    x0 = np.atleast_1d(np.asarray(start, float)).astype(float)
    if lmder is None:
        return least_squares(residuals, x0, method="lm", x_scale="jac").x
    last = [x0.copy(), np.atleast_1d(residuals(x0.copy()))]
    if not np.all(np.isfinite(last[1])):
        raise ValueError("Residuals are not finite in the initial point.")

    def value(x: np.ndarray) -> np.ndarray:  # remembered: MINPACK asks for the Jacobian where it last evaluated
        if not np.array_equal(x, last[0]):
            last[0] = x.copy()
            last[1] = np.atleast_1d(residuals(x.copy()))
        return last[1]

    def jacobian(x: np.ndarray) -> np.ndarray:  # scipy's approx_derivative, 2-point, no bounds
        f0 = value(x)
        x = x.copy()
        step = RELATIVE_STEP * ((x >= 0).astype(float) * 2 - 1) * np.maximum(1.0, np.abs(x))
        columns = np.empty((len(x), len(f0)))
        for i in range(len(x)):
            moved = x.copy()
            moved[i] = x[i] + step[i]
            columns[i] = (np.atleast_1d(residuals(moved)) - f0) / ((x[i] + step[i]) - x[i])
        return columns.T

    found, _, _ = lmder(value, jacobian, x0.copy(), (), True, False, LM_TOLERANCE, LM_TOLERANCE, LM_TOLERANCE,
                        100 * len(x0), 100.0, None)
    return found
