"""Fit every series a strategy needs, forecast, and recombine into a coherent table.

Strategies (the case study's comparison): `components` models every line item and adds them up;
`split` models the fixed and the fluctuating group totals and shares each group out to its line
items; `direct` models the total and shares it out; `auto` picks the strategy whose total was most
accurate at rolling origins inside the training data.

Whatever the strategy, the output is coherent: line items sum exactly to their group and the
groups to the total. A level a strategy does not model is derived from one it does: sums upward,
forecast proportions downward (each line item's share of its parent in the line items' own
forecasts).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .calendar import Frequency
from .classify import Classification, classify, classify_series
from .config import Config
from .errors import ConfigError, InputDataError
from .revenue import GROUPS, RevenueData
from .select import SeriesForecast, SeriesPlan, forecast_series, judgmental_forecast

TOTAL = "total"
GROUP_PREFIX = "group:"


def group_name(group: str) -> str:
    return GROUP_PREFIX + group


@dataclass(frozen=True)
class ForecastResult:
    """A run's output: the contract table plus what produced it."""

    table: pd.DataFrame  # ordinal, date, series, mean, lower_*, upper_*, model
    strategy: str
    classifications: tuple
    fits: dict  # series -> SeriesForecast (the series that were modelled)
    paths: dict = field(repr=False, default_factory=dict)  # series -> (n_paths, h) joint sample paths
    warnings: tuple = ()
    levels: tuple = (80, 95)
    strategy_scores: dict = field(default_factory=dict)


def _plan_for(name: str, cls: Classification, config: Config, window_override) -> SeriesPlan:
    comp = config.components.get(name)
    window = window_override if window_override != "auto" else (
        comp.window if comp is not None and comp.window != "auto" else config.window)
    return SeriesPlan(
        group=cls.group,
        period=cls.period,
        model=comp.model if comp else "auto",
        window=window,
        per_day=comp.per_day if comp else None,
        calendar=(comp.calendar if comp and comp.calendar is not None else config.calendar),
        judgmental=comp.judgmental if comp else None,
        sf_window=config.spring_festival_window,
    )


def _limit_threads():
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover
        pass


def _forecast_task(args) -> SeriesForecast:
    name, y, first, freq, plan, horizon, user = args
    try:
        return forecast_series(name, y, first, freq, plan, horizon, user)
    except (ConfigError, InputDataError):
        raise
    except Exception as exc:  # one series never sinks the run: fall back and say so
        return judgmental_forecast(name, np.asarray(y, float), first, freq, plan, horizon,
                                   warning=f"{name}: model selection failed ({type(exc).__name__}: {exc}); "
                                           "used a simple rule")


def map_tasks(tasks: list, jobs: int | None):
    """Run forecast tasks, over a process pool when it pays (jobs > 1 and several tasks)."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(tasks) <= 1:
        return [_forecast_task(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=_limit_threads) as pool:
        return list(pool.map(_forecast_task, tasks))


def aggregate_series(data: RevenueData, groups: dict[str, str]) -> dict[str, np.ndarray]:
    """History of every series: line items, group totals and the total."""
    wide = data.wide()
    out = {c: wide[c].to_numpy() for c in data.components}
    for g in GROUPS:
        members = [c for c in data.components if groups[c] == g]
        out[group_name(g)] = wide[members].sum(axis=1).to_numpy() if members else np.zeros(len(wide))
    out[TOTAL] = wide.sum(axis=1).to_numpy()
    return out


def needed_series(strategy: str, groups: dict[str, str]) -> list[str]:
    """Series to model: line items always (their forecasts give the proportions), plus the level
    the strategy models."""
    names = list(groups)
    if strategy in ("split", "auto"):
        names += [group_name(g) for g in GROUPS if g in groups.values()]
    if strategy in ("direct", "auto"):
        names.append(TOTAL)
    return names


def fit_all(data: RevenueData, classes: list[Classification], config: Config, horizon: int, strategy: str,
            *, window="auto", user: pd.DataFrame | None = None, jobs: int | None = None) -> dict[str, SeriesForecast]:
    groups = {c.component: c.group for c in classes}
    history = aggregate_series(data, groups)
    by_name = {c.component: c for c in classes}
    tasks = []
    for name in needed_series(strategy, groups):
        y = history[name]
        if name in by_name:
            cls = by_name[name]
            first = int(data.frame.loc[data.frame["component"] == name, "ordinal"].min())
            y = y[first - data.first:]
        else:
            cls = classify_series(name, y, data.freq)
            first = data.first
        tasks.append((name, y, first, data.freq, _plan_for(name, cls, config, window), horizon, user))
    return dict(zip([t[0] for t in tasks], map_tasks(tasks, jobs)))


def correlated_shocks(fits: list[SeriesForecast], horizon: int, n_paths: int, seed: int) -> np.ndarray:
    """Standard normal shocks (n_paths, horizon, k), correlated across series as their in-sample
    one-step errors are (pairwise correlations, shrunk 10% towards zero) and independent over time."""
    k = len(fits)
    resid = pd.concat([f.residuals.rename(i) for i, f in enumerate(fits)], axis=1)
    corr = resid.corr(min_periods=8).fillna(0.0).to_numpy() if k > 1 else np.ones((1, 1))
    corr = 0.9 * corr + 0.1 * np.eye(k)
    np.fill_diagonal(corr, 1.0)
    vals, vecs = np.linalg.eigh(corr)
    root = vecs * np.sqrt(np.clip(vals, 1e-9, None))
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_paths, horizon, k)) @ root.T


def reconcile(strategy: str, fits: dict[str, SeriesForecast], groups: dict[str, str], horizon: int,
              n_paths: int, seed: int) -> tuple[dict, dict, dict]:
    """Means, sample paths and model labels for every series, coherent across levels."""
    components = list(groups)
    members = {g: [c for c in components if groups[c] == g] for g in GROUPS}
    if strategy == "components":
        base = components
    elif strategy == "split":
        base = [group_name(g) for g in GROUPS if members[g]]
    else:
        base = [TOTAL]
    base = sorted(base)  # the same numbers whatever order the input lists the line items in
    shocks = correlated_shocks([fits[b] for b in base], horizon, n_paths, seed)
    mean, paths, label = {}, {}, {}
    for i, name in enumerate(base):
        fc = fits[name].forecast
        mean[name] = fc.mean
        paths[name] = fc.sample_paths(shocks[:, :, i])
        label[name] = fits[name].label

    # Line items' own forecasts, and their sums per group, give the proportions for sharing out.
    own = {c: fits[c].forecast.mean for c in components}
    own.update({group_name(g): np.sum([own[c] for c in members[g]], axis=0) for g in GROUPS if members[g]})

    def share_out(parent: str, children: list[str]):
        raw = np.array([own[c] for c in children])
        total = raw.sum(axis=0)
        ok = np.abs(total) > 1e-12
        share = np.where(ok, raw / np.where(ok, total, 1.0), 1.0 / len(children))
        for c, s in zip(children, share):
            mean[c] = mean[parent] * s
            paths[c] = paths[parent] * s
            label[c] = f"top-down({TOTAL if strategy == 'direct' else parent})"

    if strategy == "direct":
        share_out(TOTAL, [group_name(g) for g in GROUPS if members[g]])
    for g in GROUPS:
        gname = group_name(g)
        if not members[g]:
            mean[gname] = np.zeros(horizon)
            paths[gname] = np.zeros((n_paths, horizon))
            label[gname] = "empty group"
        elif strategy == "components":
            mean[gname] = np.sum([mean[c] for c in members[g]], axis=0)
            paths[gname] = np.sum([paths[c] for c in members[g]], axis=0)
            label[gname] = "sum of components"
        else:
            share_out(gname, members[g])
    if strategy != "direct":
        mean[TOTAL] = mean[group_name("fixed")] + mean[group_name("fluctuating")]
        paths[TOTAL] = paths[group_name("fixed")] + paths[group_name("fluctuating")]
        label[TOTAL] = "sum of groups"
    return mean, paths, label


def interval_table(data: RevenueData, mean: dict, paths: dict, label: dict, horizon: int,
                   levels: tuple[int, ...], order: list[str]) -> pd.DataFrame:
    """The contract table. Bounds are quantiles of the joint sample paths, centred on the coherent
    mean (so lower <= mean <= upper and nested levels are ordered by construction)."""
    ords = np.arange(data.last + 1, data.last + horizon + 1)
    frames = []
    for name in order:
        centred = paths[name] - paths[name].mean(axis=0)
        row = {"ordinal": ords, "date": [data.label(o) for o in ords], "series": name, "mean": mean[name]}
        for level in levels:
            lo, hi = np.quantile(centred, [(1 - level / 100) / 2, (1 + level / 100) / 2], axis=0)
            row[f"lower_{level}"] = mean[name] + np.minimum(lo, 0)
            row[f"upper_{level}"] = mean[name] + np.maximum(hi, 0)
        row["model"] = label[name]
        frames.append(pd.DataFrame(row))
    table = pd.concat(frames, ignore_index=True)
    bounds = [f"{side}_{lv}" for lv in levels for side in ("lower", "upper")]
    return table[["ordinal", "date", "series", "mean", *bounds, "model"]]


def series_order(groups: dict[str, str]) -> list[str]:
    return list(groups) + [group_name(g) for g in GROUPS] + [TOTAL]


def resolve_classes(data: RevenueData, config: Config) -> list[Classification]:
    unknown = [c for c in config.components if c not in data.components]
    if unknown:
        raise ConfigError(f"{config.source}: [components.{unknown[0]}] names no component of {data.source} "
                          f"(components: {', '.join(data.components)}); fix the name")
    overrides = {c: cc.group for c, cc in config.components.items() if cc.group}
    periods = {c: cc.period for c, cc in config.components.items() if cc.period}
    return classify(data, overrides, periods)


def run_forecast(data: RevenueData, horizon: int, *, config: Config | None = None, strategy: str | None = None,
                 window="auto", levels: tuple[int, ...] | None = None, regressors: pd.DataFrame | None = None,
                 jobs: int | None = None) -> ForecastResult:
    """Forecast every line item, both groups and the total, `horizon` periods past the data's end.

    Notes
    -----
    Intervals of the groups and the total account for the correlation between line items: each
    modelled series gets standard normal shocks that are correlated across series like their
    in-sample one-step errors, propagated through the model's own psi weights and scaled to its
    own forecast standard deviation. Sums of these joint sample paths give the bounds of the
    aggregates, so bounds are not simply added.
    """
    config = config or Config()
    strategy = strategy or config.strategy
    levels = levels or config.levels
    jobs = jobs or config.jobs
    if horizon < 1:
        raise ConfigError(f"--horizon must be at least 1 (got {horizon})")
    if regressors is not None:
        from .regressors import check_regressors_cover

        check_regressors_cover(regressors, data.first, data.last + horizon, data.freq, data.style,
                               "regressor file")
    classes = resolve_classes(data, config)
    groups = {c.component: c.group for c in classes}
    scores = {}
    if strategy == "auto":
        strategy, scores = choose_strategy(data, classes, config, horizon, window, regressors, jobs)
    fits = fit_all(data, classes, config, horizon, strategy, window=window, user=regressors, jobs=jobs)
    mean, paths, label = reconcile(strategy, fits, groups, horizon, config.paths, config.seed)
    table = interval_table(data, mean, paths, label, horizon, levels, series_order(groups))
    warns = tuple(w for f in fits.values() for w in f.warnings if not w.startswith(("ConvergenceWarning",
                  "RuntimeWarning", "UserWarning", "ValueWarning", "FutureWarning")))
    return ForecastResult(table, strategy, tuple(classes), fits, paths, data.notes + warns, levels, scores)


def choose_strategy(data: RevenueData, classes, config: Config, horizon: int, window, regressors, jobs,
                    n_origins: int = 2) -> tuple[str, dict]:
    """The strategy whose total had the lowest mean absolute percentage error at `n_origins`
    rolling origins inside the training data (each refitted on data up to the origin only)."""
    year = data.freq.periods_per_year
    h = min(horizon, year)
    groups = {c.component: c.group for c in classes}
    errors = {s: [] for s in ("components", "split", "direct")}
    history = data.wide().sum(axis=1)
    for k in range(n_origins):
        origin = data.last - h - k * max(1, year // 2)
        if origin - data.first + 1 < 2 * year:
            break
        past = data.cut(origin)
        fits = fit_all(past, classes, config, h, "auto", window=window, user=regressors, jobs=jobs)
        actual = history.loc[origin + 1:origin + h].to_numpy()
        for s in errors:
            mean, _, _ = reconcile(s, fits, groups, h, 10, 0)
            errors[s].append(np.mean(np.abs(mean[TOTAL] - actual) / np.abs(actual)) * 100)
    scores = {s: float(np.mean(e)) for s, e in errors.items() if e}
    if not scores:
        return "components", {}
    return min(scores, key=scores.get), scores
