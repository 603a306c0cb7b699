"""Automatic model choice for one series.

Within a family the member is chosen by AICc on the training window; across families (and
training windows) the choice is by out-of-sample error: rolling origins inside the training data,
each refitted on the data up to that origin only. Regressors (Spring Festival, days in period,
level shifts, user regressors) enter natively where the family takes them (linear trend, ARIMA)
and as a prior regression adjustment elsewhere (ETS, Theta, baselines).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .calendar import Frequency, days_in_period
from .errors import ModelFitError
from .models import (ARIMA, ETS, Drift, Forecast, LinearTrend, ModelSpec, Naive, SeasonalNaive, Theta,
                     arima_candidates, ets_candidates)
from .models.regression import trend_design
from .regressors import calendar_regressors, level_shifts, significant_columns, step_columns

CV_ORIGINS = 3
MIN_MODEL_PERIODS = 6  # shorter histories get the simple rule (or the config's judgmental forecast)


@dataclass(frozen=True)
class Judgmental:
    """A manual forecast (lesson 3): explicit future values, or an annual growth rate applied to
    the same period of the last year (the last value when the series is not seasonal)."""

    values: tuple[float, ...] | None = None
    growth: float | None = None


@dataclass(frozen=True)
class SeriesPlan:
    """How to model one series; `None`/"auto" fields are decided from the data."""

    group: str = "fixed"
    period: int = 1
    model: str = "auto"
    window: int | str | None = "auto"  # an int, None for all history, or "auto"
    per_day: bool | None = None
    calendar: bool = True
    judgmental: Judgmental | None = None
    sf_window: tuple[int, int] = (-7, 7)


@dataclass(frozen=True)
class SeriesForecast:
    name: str
    label: str
    window: int | None
    forecast: Forecast
    residuals: pd.Series  # in-sample one-step errors on the value scale, indexed by ordinal
    candidates: tuple = ()
    warnings: tuple = ()
    params: dict = field(default_factory=dict)


def family_members(family: str, period: int, *, seasonal: bool, positive: bool) -> list[ModelSpec]:
    p = period if seasonal else 1
    table = {
        "linear_trend": lambda: [LinearTrend(p)],
        "ets": lambda: ets_candidates(p, trend=True, seasonal=seasonal, positive=positive),
        "arima": lambda: arima_candidates(p, seasonal=seasonal),
        "theta": lambda: [Theta(p)],
        "drift": lambda: [Drift()],
        "naive": lambda: [Naive()],
        "seasonal_naive": lambda: [SeasonalNaive(max(period, 1))],
    }
    return table[family]()


def auto_families(seasonal: bool) -> list[str]:
    if seasonal:
        return ["linear_trend", "ets", "arima", "theta", "seasonal_naive"]
    return ["linear_trend", "ets", "arima", "theta", "drift", "naive"]


def candidate_windows(plan_window, n: int, freq: Frequency) -> list[int | None]:
    if plan_window != "auto":
        return [None if plan_window is None or plan_window >= n else int(plan_window)]
    year = freq.periods_per_year
    return [w for w in (2 * year, 3 * year) if w < n] + [None]


class _Design:
    """Regressor columns and the per-day multiplier for one series, over history and horizon."""

    def __init__(self, y, first, freq, plan, horizon, user: pd.DataFrame | None):
        n = len(y)
        last = first + n - 1
        self.per_day = plan.per_day if plan.per_day is not None else (
            plan.group == "fluctuating" and freq.name in ("month", "dekad") and plan.judgmental is None)
        days = days_in_period(freq, np.arange(first, last + horizon + 1))
        self.mult = days if self.per_day else np.ones(n + horizon)
        self.y = y / self.mult[:n]
        cols = []
        self.names: list[str] = []
        seasonal = plan.period > 1
        self.shifts = level_shifts(self.y) if not seasonal and plan.calendar else []
        steps = step_columns(n + horizon, self.shifts)
        if plan.calendar:
            cal = calendar_regressors(freq, first, last + horizon, plan.sf_window)
            if self.per_day or seasonal:
                cal = cal.drop(columns=["days_in_period"], errors="ignore")
            keep = significant_columns(self.y, plan.period, cal.iloc[:n], steps[:n])
            cols += [cal[k].to_numpy() for k in keep]
            self.names += keep
        if len(self.shifts):
            cols += list(steps.T)
            self.names += [f"shift@{s}" for s in self.shifts]
        if user is not None:
            cols += [user.loc[first:last + horizon, c].to_numpy(float) for c in user.columns]
            self.names += list(user.columns)
        self.X = np.column_stack(cols) if cols else np.empty((n + horizon, 0))
        self.n = n

    def describe(self) -> str:
        bits = ["per-day"] if self.per_day else []
        bits += [n for n in self.names if not n.startswith("shift@")]
        if self.shifts:
            bits.append(f"{len(self.shifts)} level shift{'s' if len(self.shifts) > 1 else ''}")
        return ", ".join(bits)


def _fit_predict(spec: ModelSpec, y, X, X_future, h):
    """Fit on (y, X) and forecast h steps; regressors adjusted out first if the family lacks them."""
    if X.shape[1]:
        varying = np.ptp(X, axis=0) > 0
        X, X_future = X[:, varying], X_future[:, varying]
    if not X.shape[1]:
        fitted = spec.fit(y)
        return fitted, fitted.forecast(h)
    if spec.uses_exog:
        fitted = spec.fit(y, X)
        return fitted, fitted.forecast(h, X_future)
    D = np.column_stack([trend_design(0, len(y), spec.period), X])
    beta = np.linalg.lstsq(D, y, rcond=None)[0][-X.shape[1]:]
    fitted = spec.fit(y - X @ beta)
    fc = fitted.forecast(h)
    return fitted, Forecast(fc.mean + X_future @ beta, fc.sd, fc.psi)


def _best_member(members, y, X, X_future, h, errors):
    best = None
    for spec in members:
        if len(y) < spec.min_obs():
            continue
        try:
            fitted, fc = _fit_predict(spec, y, X, X_future, h)
        except ModelFitError as exc:
            errors.append(f"{spec.family}: {exc}")
            continue
        if not np.isfinite(fc.mean).all():
            continue
        if best is None or fitted.aicc < best[1].aicc:
            best = (spec, fitted, fc)
    return best


def _cv_score(spec, design: _Design, window, h_cv, step) -> tuple[float, float]:
    """Mean absolute error at rolling origins (scaled by the series' mean level), and the root
    mean square of the errors in units of the model's own forecast standard deviation."""
    errors, zs, scale = [], [], np.mean(np.abs(design.y)) or 1.0
    for k in range(CV_ORIGINS):
        origin = design.n - h_cv - k * step
        start = 0 if window is None else max(0, origin - window)
        y = design.y[start:origin]
        if len(y) < spec.min_obs():
            continue
        try:
            _, fc = _fit_predict(spec, y, design.X[start:origin], design.X[origin:origin + h_cv], h_cv)
        except ModelFitError:
            return np.inf, 1.0
        err = design.y[origin:origin + h_cv] - fc.mean
        errors.append(np.abs(err))
        zs.append(err / np.where(fc.sd > 0, fc.sd, np.inf))
    if not errors:
        return np.inf, 1.0
    return float(np.mean(np.concatenate(errors)) / scale), float(np.sqrt(np.mean(np.concatenate(zs) ** 2)))


def forecast_series(name: str, y, first: int, freq: Frequency, plan: SeriesPlan, horizon: int,
                    user: pd.DataFrame | None = None) -> SeriesForecast:
    """Choose, fit and forecast one series. Never raises for a model failure: falls back to a
    simple rule and says so in `warnings`."""
    y = np.asarray(y, float)
    n = len(y)
    if plan.judgmental is not None:
        return judgmental_forecast(name, y, first, freq, plan, horizon)
    if n < MIN_MODEL_PERIODS:
        return judgmental_forecast(name, y, first, freq, plan, horizon, warning=(
            f"{name}: only {n} periods of history, too few for a statistical model; used a simple rule "
            f"(give a judgmental forecast in the config: [components.{name}] judgmental = [...] or growth = ...)"))
    design = _Design(y, first, freq, plan, horizon, user)
    seasonal = plan.period > 1
    positive = bool(design.y.min() > 0)
    families = auto_families(seasonal) if plan.model == "auto" else [plan.model]
    year = freq.periods_per_year
    h_cv, step = min(horizon, year), max(1, year // 4)
    errors: list[str] = []
    results = []
    for window in candidate_windows(plan.window, n, freq):
        start = 0 if window is None else n - window
        y_w, X_w, X_f = design.y[start:], design.X[start:n], design.X[n:]
        for family in families:
            members = family_members(family, plan.period, seasonal=seasonal, positive=positive)
            best = _best_member(members, y_w, X_w, X_f, horizon, errors)
            if best is None:
                continue
            spec, fitted, fc = best
            score, calibration = _cv_score(spec, design, window, h_cv, step)
            results.append((score, window, start, spec, fitted, fc, calibration))
    if not results:
        warning = f"{name}: no model could be fitted ({'; '.join(errors[:2]) or f'only {n} periods'}); used a simple rule"
        return judgmental_forecast(name, y, first, freq, plan, horizon, warning=warning)
    results.sort(key=lambda r: (r[0], r[1] is None, -(r[1] or 0)))
    score, window, start, spec, fitted, fc, calibration = results[0]
    mult = design.mult[n:]
    # Widen (never narrow) the model's intervals when its errors at the rolling origins were
    # larger than its own standard deviations said: model choice and level shifts make the
    # textbook intervals too narrow.
    widen = max(1.0, calibration) if np.isfinite(calibration) else 1.0
    forecast = Forecast(fc.mean * mult, fc.sd * mult * widen, fc.psi)
    resid = pd.Series(fitted.residuals * design.mult[start:n], index=np.arange(first + start, first + n))
    extras = design.describe()
    label = f"{fitted.label} [window {'all' if window is None else window}" + (f"; {extras}" if extras else "") + "]"
    candidates = tuple({"model": r[4].label, "window": "all" if r[1] is None else r[1], "cv_error": round(r[0], 5)}
                       for r in results)
    warns = tuple(errors) + fitted.warnings
    params = dict(fitted.params) | {"cv_error": score, "interval_widening": widen}
    return SeriesForecast(name, label, window, forecast, resid, candidates, warns, params)


def judgmental_forecast(name, y, first, freq, plan: SeriesPlan, horizon, warning: str | None = None) -> SeriesForecast:
    """Manual forecast from the config, or the documented simple rule when no model fits:
    the same period last year grown by the last year-on-year change when a full year and a bit
    of history exist, else the last value. Intervals come from the matching naive model."""
    n, year = len(y), freq.periods_per_year
    j = plan.judgmental or Judgmental()
    seasonal_base = n > year
    baseline = SeasonalNaive(year) if seasonal_base else Naive()
    fitted = baseline.fit(y)
    fc = fitted.forecast(horizon)
    steps = np.arange(horizon)
    if j.values is not None:
        if len(j.values) < horizon:
            from .errors import ConfigError
            raise ConfigError(f"judgmental values for {name!r} cover {len(j.values)} periods but the horizon is "
                              f"{horizon}; give {horizon} values or shorten --horizon")
        mean, label = np.asarray(j.values[:horizon], float), "Judgmental (values)"
    else:
        if j.growth is not None:
            growth, label = float(j.growth), f"Judgmental (growth {j.growth:+.1%})"
        elif n >= 2 * year:
            prev, last = y[-2 * year:-year].sum(), y[-year:].sum()
            growth, label = (last / prev - 1 if prev > 0 else 0.0), "Rule: last year x YoY growth"
        else:
            growth, label = 0.0, "Rule: last year" if seasonal_base else "Rule: last value"
        if seasonal_base:
            mean = y[n - year + steps % year] * (1 + growth) ** (steps // year + 1)
        else:
            mean = y[-1] * (1 + growth) ** ((steps + 1) / year)
    resid = pd.Series(fitted.residuals, index=np.arange(first, first + n))
    warns = (warning,) if warning else ()
    return SeriesForecast(name, label, None, Forecast(mean, fc.sd, fc.psi), resid, (), warns)


def forecast_single(name: str, y, first: int, freq: Frequency, horizon: int, *, period: int | None = None,
                    window: int | str | None = None, calendar: bool = True,
                    per_day: bool | None = None) -> SeriesForecast:
    """The automatic forecaster for one series on its own: classify it (fixed or fluctuating,
    seasonal period found from the data unless `period` is given), then choose, fit and forecast.

    Notes
    -----
    The training window defaults to all history: on the M3 monthly data choosing among 24, 36
    and all periods by rolling-origin error lost 0.7 sMAPE points to always using all history
    (scripts/bench_m3.py); `window="auto"` restores the choice.
    """
    from .classify import classify_series

    cls = classify_series(name, np.asarray(y, float), freq, override_period=period)
    plan = SeriesPlan(group=cls.group, period=cls.period, window=window, calendar=calendar, per_day=per_day)
    return forecast_series(name, y, first, freq, plan, horizon)
