"""Automatic model choice for one series.

Within a family the member is chosen by AICc on the training window; across families (and
training windows) the choice is by out-of-sample error: rolling origins inside the training data,
each refitted on the data up to that origin only. Regressors (Spring Festival, days in period,
level shifts, user regressors) enter natively where the family takes them (linear trend, ARIMA)
and as a prior regression adjustment elsewhere (ETS, Theta, baselines).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.calendar import Frequency
from forecast.calibrate import (
    calibration,
    choose_candidates,
    combination_limits,
    combine_candidates,
    combined_label,
    cumulative_calibration,
)
from forecast.classification import classify_series
from forecast.errors import ConfigError, ModelFitError
from forecast.evaluate.origins import SELECTION_ORIGINS, quarter_step, rolling_origins
from forecast.models import (
    Drift,
    FittedModel,
    Forecast,
    LinearTrend,
    ModelSpec,
    Naive,
    SeasonalNaive,
    Theta,
    arima_candidates,
    ets_candidates,
)
from forecast.models.regression import trend_design
from forecast.models.transform import log_of
from forecast.regressors import Design

MIN_MODEL_PERIODS = 6  # shorter histories get the simple rule (or the config's judgmental forecast)
CHOOSE = "choose"  # the window value that tries 24, 36 and all periods per series (candidate_windows)
MIN_WINDOW = 8  # shorter automatic windows (two or three years of yearly data) are not tried
LOG_FAMILIES = ("linear_trend", "arima")  # families also tried on the log of a positive series
LOG_MIN_PERIODS_PER_YEAR = 12  # ... at monthly or finer data only: on M3 quarterly and yearly series
# the log members lost (yearly sMAPE 15.22 -> 15.80 on 300 series), on monthly ones they were neutral


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
    window: int | str | None = "auto"  # an int, None or "auto" for all history, or "choose"
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


def family_members(family: str, period: int, *, seasonal: bool, positive: bool, year: int = 1) -> list[ModelSpec]:
    """Members of a family for a series with this period. When no season was found but the
    frequency has a short year (quarters, months), ETS also tries seasonal members (kept only if AICc prefers
    them) and Theta applies its own seasonality test: a season too weak for the classification
    can still be worth modelling."""
    p = period if seasonal else 1
    maybe_seasonal = not seasonal and 1 < year <= 12  # months and quarters: long seasons are too slow
    table = {
        "linear_trend": lambda: [LinearTrend(p)],
        "ets": lambda: ets_candidates(p, trend=True, seasonal=seasonal, positive=positive) + (
            ets_candidates(year, trend=True, seasonal=True, positive=positive) if maybe_seasonal else []),
        "arima": lambda: arima_candidates(p, seasonal=seasonal),
        "theta": lambda: [Theta(year, test=True) if maybe_seasonal else Theta(p)],
        "drift": lambda: [Drift()],
        "naive": lambda: [Naive()],
        "seasonal_naive": lambda: [SeasonalNaive(period if seasonal else max(year, 1))],
    }
    return table[family]()


def auto_families(seasonal: bool) -> list[str]:
    if seasonal:
        return ["linear_trend", "ets", "arima", "theta", "seasonal_naive"]
    return ["linear_trend", "ets", "arima", "theta", "drift", "naive", "seasonal_naive"]


def candidate_windows(plan_window, n: int, freq: Frequency) -> list[int | None]:
    """The training windows tried: all history by default (`"auto"`: more accurate on real series
    and on the synthetic cities, and faster, docs/method.md), two and three years beside it with
    `"choose"`, else the one given."""
    if plan_window == "auto":
        return [None]
    if plan_window != CHOOSE:
        return [None if plan_window is None or plan_window >= n else int(plan_window)]
    year = freq.periods_per_year
    return [w for w in (2 * year, 3 * year) if MIN_WINDOW <= w < n] + [None]


def _fit_predict(spec: ModelSpec, y, X, X_future, h, *, fitted: FittedModel | None = None,
                 columns: np.ndarray | None = None):
    """Fit on (y, X) and forecast h steps; regressors adjusted out first if the family lacks them.
    With `fitted`, its estimates are applied to `y` instead (which must start where its data
    did), with the regressor `columns` it was fitted with."""
    varying = np.ptp(X, axis=0) > 0 if columns is None else columns
    X, X_future = X[:, varying], X_future[:, varying]
    run = spec.fit if fitted is None else fitted.apply
    if not X.shape[1]:
        model = run(y)
        return model, model.forecast(h)
    if spec.uses_exog:
        model = run(y, X)
        return model, model.forecast(h, X_future)
    D = np.column_stack([trend_design(0, len(y), spec.period), X])
    beta = np.linalg.lstsq(D, y, rcond=None)[0][-X.shape[1]:]
    model = run(y - X @ beta)
    fc = model.forecast(h)
    return model, Forecast(fc.mean + X_future @ beta, fc.sd, fc.psi, fc.common_sd)


def _best_member(members, y, X, X_future, h, errors):
    """The member with the lowest AICc, with its fit and forecast (None when none fits).

    ETS members are searched in two stages: the additive-error members first, then the
    multiplicative-error ones only with the trend and seasonality the best additive member has.
    Error types rarely change which trend and season fit best, and the second stage halves the
    family's fits (ETS was the slowest family, scripts/bench_batch.py). ARIMA orders are ranked
    by AICc at their conditional-sum-of-squares estimates, and only the best order is estimated
    by exact maximum likelihood (which costs four times as much)."""
    if len(members) > 1 and all(m.family == "arima" for m in members):
        for spec in _rank_arima(members, y, X, errors):  # the next order only if the best one fails
            best = _lowest_aicc([spec], y, X, X_future, h, errors)
            if best is not None:
                return best
        return None
    additive = [m for m in members if m.family == "ets" and m.error == "add"]
    if not additive or len(additive) == len(members):
        return _lowest_aicc(members, y, X, X_future, h, errors)
    best = _lowest_aicc(additive, y, X, X_future, h, errors)
    if best is None:
        return _lowest_aicc([m for m in members if m not in additive], y, X, X_future, h, errors)
    shape = (best[0].trend, best[0].damped, best[0].period)
    second = _lowest_aicc([m for m in members if m not in additive and (m.trend, m.damped, m.period) == shape],
                          y, X, X_future, h, errors)
    return best if second is None or best[1].aicc <= second[1].aicc else second


def _rank_arima(members, y, X, errors) -> list:
    """ARIMA orders that can be fitted, by AICc at their conditional-sum-of-squares estimates."""
    varying = np.ptp(X, axis=0) > 0
    exog = X[:, varying] if varying.any() else None
    scored = []
    for spec in members:
        if len(y) < spec.min_obs():
            continue
        try:
            scored.append((spec.css_aicc(y, exog), spec))
        except ModelFitError as exc:
            errors.append(f"{spec.family}: {exc}")
    return [spec for _, spec in sorted(scored, key=lambda t: t[0])]


def _lowest_aicc(members, y, X, X_future, h, errors):
    best = None
    for spec in members:
        if len(y) < spec.min_obs():
            continue
        try:
            fitted, fc = _fit_predict(spec, y, X, X_future, h)
        except ModelFitError as exc:
            errors.append(f"{spec.family}: {exc}")
            continue
        if not (np.isfinite(fc.mean).all() and np.isfinite(fc.sd).all()):
            continue
        if best is None or fitted.aicc < best[1].aicc:
            best = (spec, fitted, fc)
    return best


@dataclass(frozen=True)
class Candidate:
    """One fitted candidate (a family's AICc-best member on one window) with its rolling-origin
    errors: `cv_errors` and `cv_sd` are (origins, steps) arrays, NaN where an origin was skipped."""

    window: int | None
    start: int
    spec: ModelSpec
    fitted: object
    forecast: Forecast
    cv_errors: np.ndarray
    cv_sd: np.ndarray

    @property
    def label(self) -> str:
        return self.fitted.label


def _cv_errors(spec, design: Design, window, h_cv, step, fitted: FittedModel | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Errors (actual - forecast) and the model's own forecast standard deviations at SELECTION_ORIGINS
    rolling origins inside the training data, each on the data up to that origin only.

    When the training window is all history, `fitted` (the model fitted on all of it) is applied
    at each origin with its estimates held: one filter pass instead of an optimisation, which
    made the automatic forecaster N times faster (scripts/bench_batch.py). The estimates have
    seen the data after the origin, a mild optimism every candidate shares. Otherwise (and where
    applying fails) the model is refitted at each origin."""
    errors = np.full((SELECTION_ORIGINS, h_cv), np.nan)
    sds = np.full((SELECTION_ORIGINS, h_cv), np.nan)
    columns = np.ptp(design.X[:design.n], axis=0) > 0
    for k, origin in enumerate(rolling_origins(design.n, h_cv, SELECTION_ORIGINS, step)):
        start = 0 if window is None else max(0, origin - window)
        y = design.y[start:origin]
        if len(y) < spec.min_obs():
            continue
        X, X_future = design.X[start:origin], design.X[origin:origin + h_cv]
        fc = None
        if fitted is not None and window is None:
            with contextlib.suppress(ModelFitError):
                _, fc = _fit_predict(spec, y, X, X_future, h_cv, fitted=fitted, columns=columns)
        if fc is None:
            try:
                _, fc = _fit_predict(spec, y, X, X_future, h_cv)
            except ModelFitError:
                return np.full((SELECTION_ORIGINS, h_cv), np.inf), sds
        errors[k] = design.y[origin:origin + h_cv] - fc.mean
        sds[k] = fc.sd
    return errors, sds


def cv_score(errors: np.ndarray, scale: float) -> float:
    """Mean absolute rolling-origin error relative to the series' mean level; inf when a refit
    failed (inf errors) or no origin could be used."""
    if np.isinf(errors).any() or not np.isfinite(errors).any():
        return np.inf
    return float(np.nanmean(np.abs(errors)) / scale)


def forecast_series(name: str, y, first: int, freq: Frequency, plan: SeriesPlan, horizon: int,
                    user: pd.DataFrame | None = None) -> SeriesForecast:
    """Choose, fit and forecast one series. Never raises for a model failure: falls back to a
    simple rule and says so in `warnings`.

    Notes
    -----
    Each family's AICc-best member on each training window is scored by its mean absolute error
    at rolling origins inside the data. The forecast is the equal-weight mean of the best
    COMBINE_TOP candidates of different families whose error is at most COMBINE_RATIO times the
    best one's (4 within 4x for quarterly and yearly data, `combination_limits`; when the config
    fixes the family, the best candidate alone): on the M3 monthly
    data this combination beat the single best candidate by 0.6 sMAPE points
    (scripts/bench_m3.py). The ratio keeps a clearly worse candidate out of the mean: a seasonal
    naive forecast of a fast-growing line item dragged the sample's backtest total from 0.9% to
    2.6% MAPE before it (0.83% with it).
    """
    y = np.asarray(y, float)
    n = len(y)
    if plan.judgmental is not None:
        return judgmental_forecast(name, y, first, freq, plan, horizon)
    if n < MIN_MODEL_PERIODS:
        return judgmental_forecast(name, y, first, freq, plan, horizon, warning=(
            f"{name}: only {n} periods of history, too few for a statistical model; used a simple rule "
            f"(give a judgmental forecast in the config: [components.{name}] judgmental = [...] or growth = ...)"))
    design = Design(y, first, freq, plan, horizon, user)
    errors: list[str] = []
    found = _candidates(design, plan, freq, horizon, errors)
    if not found:
        warning = f"{name}: no model could be fitted ({'; '.join(errors[:2]) or f'only {n} periods'}); used a simple rule"
        return judgmental_forecast(name, y, first, freq, plan, horizon, warning=warning)
    scale = float(np.mean(np.abs(design.y))) or 1.0
    scores = [cv_score(c.cv_errors, scale) for c in found]
    chosen = choose_candidates(found, scores, *combination_limits(freq.periods_per_year))
    fc, resid, cv_err, cv_sd = combine_candidates(chosen, n, design.mult, first)
    mult = design.mult[n:]
    # Widen (never narrow) the intervals when the rolling-origin errors were larger than the
    # standard deviations said: model choice and level shifts make textbook intervals too narrow.
    # The same for sums over the steps: a year's total is what a budget is judged on.
    ratios = [r for r in (calibration(cv_err, cv_sd), cumulative_calibration(cv_err, cv_sd, fc)) if np.isfinite(r)]
    widen = max([1.0, *ratios])
    forecast = Forecast(fc.mean * mult, fc.sd * mult * widen, fc.psi, fc.common_sd * mult * widen)
    label = combined_label(chosen, design.describe())
    candidates = tuple({"model": c.label, "window": "all" if c.window is None else c.window,
                        "cv_error": round(sc, 5), "used": any(c is u for u in chosen)}
                       for c, sc in sorted(zip(found, scores), key=lambda t: t[1]))
    warns = tuple(errors) + tuple(w for c in chosen for w in c.fitted.warnings)
    params = {"members": [c.label for c in chosen], "cv_error": cv_score(cv_err, scale), "interval_widening": widen}
    if len(chosen) == 1:
        params = dict(chosen[0].fitted.params) | params
    window = chosen[0].window
    return SeriesForecast(name, label, window, forecast, resid, candidates, warns, params)


def _candidates(design: Design, plan: SeriesPlan, freq: Frequency, horizon: int, errors: list[str]) -> list[Candidate]:
    """Each family's AICc-best member on each candidate window (and, for positive monthly or finer
    data, the linear trend and ARIMA members again in logs), with its rolling-origin errors.
    Families that cannot be fitted add their reason to `errors`."""
    n = design.n
    seasonal = plan.period > 1
    positive = bool(design.y.min() > 0)
    try_logs = positive and freq.periods_per_year >= LOG_MIN_PERIODS_PER_YEAR
    families = auto_families(seasonal) if plan.model == "auto" else [plan.model]
    year = freq.periods_per_year
    h_cv, step = min(horizon, max(year, 1)), quarter_step(year)
    found: list[Candidate] = []
    for window in candidate_windows(plan.window, n, freq):
        start = 0 if window is None else n - window
        y_w, X_w, X_f = design.y[start:], design.X[start:n], design.X[n:]
        for family in families:
            members = family_members(family, plan.period, seasonal=seasonal, positive=positive, year=year)
            best = _best_member(members, y_w, X_w, X_f, horizon, errors)
            if best is None:
                continue
            spec, fitted, fc = best
            found.append(Candidate(window, start, spec, fitted, fc, *_cv_errors(spec, design, window, h_cv, step, fitted)))
            if try_logs and family in LOG_FAMILIES:  # the chosen member again in logs, judged against it
                best = _best_member([log_of(spec)], y_w, X_w, X_f, horizon, errors)
                if best is not None:
                    spec, fitted, fc = best
                    found.append(Candidate(window, start, spec, fitted, fc,
                                           *_cv_errors(spec, design, window, h_cv, step, fitted)))
    return found


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
                    window: int | str | None = None, calendar: bool = True, per_day: bool | None = None,
                    season_candidates: tuple[int, ...] | None = None) -> SeriesForecast:
    """The automatic forecaster for one series on its own: classify it (fixed or fluctuating,
    seasonal period found from the data among `season_candidates`, the frequency's usual ones by
    default, unless `period` is given), then choose, fit and forecast.

    Notes
    -----
    The training window defaults to all history: on the M3 monthly data choosing among 24, 36
    and all periods by rolling-origin error lost 0.7 sMAPE points to always using all history
    (scripts/bench_m3.py); `window="choose"` restores the choice.
    """
    cls = classify_series(name, np.asarray(y, float), freq, override_period=period, candidates=season_candidates,
                          with_strengths=False)
    plan = SeriesPlan(group=cls.group, period=cls.period, window=window, calendar=calendar, per_day=per_day)
    return forecast_series(name, y, first, freq, plan, horizon)
