"""Accuracy metrics as small pure functions with one signature: arrays in, a float out.

Conventions: `error = forecast - actual`, so a positive bias means the forecast was too high.
Percentage metrics are in percent. Points where a metric is undefined (a zero actual for MAPE,
0/0 for sMAPE) are left out of the mean; with no defined point the result is NaN.

The scaled metrics (MASE, RMSSE) divide by the in-sample error of the seasonal naive forecast
on the training data (`naive_scale`), as in Hyndman & Koehler (2006) and the M5 competition.
"""
from __future__ import annotations

import numpy as np


def change_pct(now, before):
    """(now / before - 1) x 100: YoY, MoM and growth in percent; NaN where `before` is 0 or either
    is missing. Scalars give a float, arrays an array."""
    now, before = np.asarray(now, float), np.asarray(before, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(np.isfinite(before) & np.isfinite(now) & (before != 0), (now / before - 1.0) * 100.0, np.nan)
    return float(out) if out.ndim == 0 else out


def _arrays(*xs):
    return [np.asarray(x, dtype=float) for x in xs]


def _mean(values) -> float:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else float("nan")


def percentage_errors(actual, forecast) -> np.ndarray:
    """(f - a) / |a| * 100 per point; NaN where the actual is zero."""
    a, f = _arrays(actual, forecast)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a != 0, (f - a) / np.abs(a), np.nan) * 100


def mape(actual, forecast) -> float:
    """Mean absolute percentage error: mean(|f - a| / |a|) * 100, over non-zero actuals."""
    return _mean(np.abs(percentage_errors(actual, forecast)))


def bias_pct(actual, forecast) -> float:
    """Mean percentage error, signed (positive = the forecast was too high)."""
    return _mean(percentage_errors(actual, forecast))


def worst_ape(actual, forecast) -> float:
    """The largest absolute percentage error."""
    pe = np.abs(percentage_errors(actual, forecast))
    pe = pe[np.isfinite(pe)]
    return float(pe.max()) if len(pe) else float("nan")


def smape(actual, forecast) -> float:
    """Symmetric MAPE as in the M3 competition: mean(200 |f - a| / (|a| + |f|)), range 0-200."""
    a, f = _arrays(actual, forecast)
    denom = np.abs(a) + np.abs(f)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _mean(np.where(denom > 0, 200 * np.abs(f - a) / denom, np.nan))


def accuracy(actual, forecast) -> float:
    """The case study's accuracy figure: 100 - MAPE."""
    return 100 - mape(actual, forecast)


def bias(actual, forecast) -> float:
    """Mean error, signed: mean(f - a). Positive = the forecast was too high."""
    a, f = _arrays(actual, forecast)
    return _mean(f - a)


def mae(actual, forecast) -> float:
    a, f = _arrays(actual, forecast)
    return _mean(np.abs(f - a))


def rmse(actual, forecast) -> float:
    a, f = _arrays(actual, forecast)
    return float(np.sqrt(_mean((f - a) ** 2)))


def naive_scale(history, season: int = 1, power: int = 1) -> float:
    """In-sample mean of |y_t - y_{t-season}| ** power (the seasonal naive's one-season-ahead
    error). Falls back to lag 1 when the history is shorter than a season plus one."""
    y = np.asarray(history, dtype=float)
    y = y[np.isfinite(y)]
    lag = season if len(y) > season else 1
    if len(y) <= lag:
        return float("nan")
    return float(np.mean(np.abs(y[lag:] - y[:-lag]) ** power))


def mase(actual, forecast, scale: float) -> float:
    """Mean absolute scaled error: mean|f - a| / scale, with scale = naive_scale(history, m)."""
    return mae(actual, forecast) / scale if scale > 0 else float("nan")


def rmsse(actual, forecast, scale_squared: float) -> float:
    """Root mean squared scaled error: sqrt(mean((f - a)^2) / scale_squared), with
    scale_squared = naive_scale(history, m, power=2)."""
    a, f = _arrays(actual, forecast)
    return float(np.sqrt(_mean((f - a) ** 2) / scale_squared)) if scale_squared > 0 else float("nan")


def coverage(actual, lower, upper) -> float:
    """Share of actuals inside [lower, upper]."""
    a, lo, hi = _arrays(actual, lower, upper)
    ok = np.isfinite(a) & np.isfinite(lo) & np.isfinite(hi)
    return float(np.mean((a[ok] >= lo[ok]) & (a[ok] <= hi[ok]))) if ok.any() else float("nan")


def winkler(actual, lower, upper, level: float) -> float:
    """Winkler (interval) score at `level` percent: width plus 2/alpha times the distance by which
    the actual falls outside; lower is better (Winkler 1972; Gneiting & Raftery 2007)."""
    a, lo, hi = _arrays(actual, lower, upper)
    alpha = 1 - level / 100
    score = (hi - lo) + 2 / alpha * (np.maximum(lo - a, 0) + np.maximum(a - hi, 0))
    return _mean(score)
