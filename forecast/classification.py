"""Classify each component as *fixed* (clear linear trend, no seasonality) or *fluctuating*
(clear seasonality), from the data (lessons 1 and 7).

The seasonal period is found, never assumed: the autocorrelation of the series, detrended by a
centred moving average over a year, must peak at a candidate period and be clearly positive
there, and an STL decomposition at that period must show real seasonal strength. Strengths follow
Wang, Smith & Hyndman (2006): F_T = max(0, 1 - Var(R)/Var(T+R)), F_S = max(0, 1 - Var(R)/Var(S+R)).

For monthly, quarterly and dekad data the class is decided by the seasonal *share*: how much of
the series' variance around its robust STL trend the position in the year explains (the R^2 of
month-of-year means, on logs when every value is positive). A line item that trends down while
keeping a clear month-by-month pattern (long-distance calls, with their Spring Festival swing) is
fluctuating, as the case study classes it: its robust STL takes the festival months for outliers
and reports little seasonal strength, and a steep trend can hide the autocorrelation's peak, but
the months still explain most of what the trend leaves (docs/classification.md measures both rules).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import acf

from forecast.calendar import Frequency

SEASONAL_THRESHOLD = 0.4  # seasonal strength (share) above which a component counts as fluctuating
SHARE_FREQS = ("month", "quarter", "dekad")  # where the seasonal share decides; elsewhere F_S


@dataclass(frozen=True)
class Classification:
    component: str
    group: str
    trend_strength: float
    seasonal_strength: float
    period: int
    source: str = "data"  # data | file | config


def centred_moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """A 2xW moving average for even W, a W moving average for odd W; NaN at the ends."""
    s = pd.Series(y)
    if window % 2 == 0:
        return s.rolling(window, center=True).mean().rolling(2).mean().shift(-1).to_numpy()
    return s.rolling(window, center=True).mean().to_numpy()


def find_period(y: np.ndarray, freq: Frequency, candidates=None) -> int:
    """The seasonal period shown by the data among `candidates` (the frequency's usual ones by
    default), or 1 when there is none."""
    y = np.asarray(y, float)
    year = freq.periods_per_year
    window = min(year, max(len(y) // 3, 2))
    trend = centred_moving_average(y, window)
    detrended = (y - trend)[np.isfinite(trend)]
    best, best_acf = 1, 0.0
    for m in sorted(freq.season_candidates if candidates is None else candidates, reverse=True):
        if len(detrended) < 2 * m + 2 or np.std(detrended) == 0:
            continue
        r = acf(detrended, nlags=m + 1, fft=True)
        threshold = max(0.3, 2.5 / np.sqrt(len(detrended)))
        peak = r[m] >= r[m - 1] and r[m] >= r[m + 1]
        if r[m] > threshold and peak and r[m] > best_acf * 1.1:
            best, best_acf = m, r[m]
    return best


def strengths(y: np.ndarray, period: int, freq: Frequency) -> tuple[float, float]:
    """(trend strength, seasonal strength) from a robust STL decomposition."""
    y = np.asarray(y, float)
    m = period if period > 1 else freq.periods_per_year
    if len(y) < 2 * m + 1 or m < 2 or np.std(y) == 0:
        m = 0
    if m:
        res = STL(y, period=m, robust=True).fit()
        trend, seasonal, resid = res.trend, res.seasonal, res.resid
    else:  # too short for a season: smooth trend only
        trend = pd.Series(y).rolling(max(3, len(y) // 4), center=True, min_periods=1).mean().to_numpy()
        seasonal, resid = np.zeros_like(y), y - trend
    var_r = np.var(resid)
    ft = max(0.0, 1 - var_r / np.var(trend + resid)) if np.var(trend + resid) > 0 else 0.0
    fs = max(0.0, 1 - var_r / np.var(seasonal + resid)) if m and np.var(seasonal + resid) > 0 else 0.0
    return float(ft), float(fs)


def seasonal_share(y: np.ndarray, period: int) -> float:
    """Share of the variance around a robust STL trend that the position in the season explains
    (the R^2 of the positions' means; on logs when every value is positive, so that a pattern that
    grows with the level counts as one). 0 with fewer than three full seasons."""
    y = np.asarray(y, float)
    if period < 2 or len(y) < 3 * period or np.std(y) == 0:
        return 0.0
    x = np.log(y) if np.all(y > 0) else y
    detrended = x - STL(x, period=period, robust=True).fit().trend
    position = np.arange(len(x)) % period
    means = np.bincount(position, detrended) / np.bincount(position)
    total = np.sum((detrended - detrended.mean()) ** 2)
    return float(np.sum((means[position] - detrended.mean()) ** 2) / total) if total > 0 else 0.0


def classify_series(name: str, y, freq: Frequency, *, override_group: str | None = None,
                    override_period: int | None = None, source: str = "data",
                    candidates: tuple[int, ...] | None = None, with_strengths: bool = True) -> Classification:
    """Group and period of one series; the period is looked for among `candidates` (the
    frequency's usual periods by default) and kept only where STL finds a real season there.
    With `with_strengths=False` (a forecast, which needs only the group and period) the STL
    strengths are computed only where they decide those, and are NaN elsewhere: a robust STL
    was a fourteenth of a monthly series' forecast, and two in three M3 monthly series show no
    autocorrelation peak to test."""
    y = np.asarray(y, float)
    period = override_period if override_period is not None else find_period(y, freq, candidates)
    ft, fs = strengths(y, period, freq) if with_strengths or period > 1 else (np.nan, np.nan)
    if period > 1 and fs < 0.2 and override_period is None:
        period = 1  # a peak in the autocorrelation that STL finds no real season behind
    if freq.name in SHARE_FREQS:
        fs = seasonal_share(y, period if period > 1 else freq.periods_per_year)
        if period == 1 and override_period is None and fs >= SEASONAL_THRESHOLD:
            period = freq.periods_per_year  # a pattern a steep trend hid from the autocorrelation
    group = "fluctuating" if period > 1 and fs >= SEASONAL_THRESHOLD else "fixed"
    if override_group is not None:
        group = override_group
    return Classification(name, group, round(ft, 4), round(fs, 4), int(period),
                          source if override_group is not None else "data")


def classify(data, overrides: dict | None = None, periods: dict | None = None) -> list[Classification]:
    """Classify every component of a RevenueData; `overrides` maps component -> group and takes
    precedence over the file's `group` column, which takes precedence over the data."""
    overrides = overrides or {}
    periods = periods or {}
    out = []
    for component in data.components:
        group, source = overrides.get(component), "config"
        if group is None and component in data.groups:
            group, source = data.groups[component], "file"
        out.append(classify_series(component, data.series(component).to_numpy(), data.freq,
                                   override_group=group, override_period=periods.get(component), source=source))
    return out


def classification_table(items: list[Classification]) -> pd.DataFrame:
    return pd.DataFrame([{"component": c.component, "group": c.group, "trend_strength": c.trend_strength,
                          "seasonal_strength": c.seasonal_strength, "period": c.period} for c in items])
