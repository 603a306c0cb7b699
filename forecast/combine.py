"""Fit every series a strategy needs, forecast, and recombine into a coherent table.

Strategies (the case study's comparison): `components` models every line item and adds them up;
`split` models the fixed and the fluctuating group totals and shares each group out to its line
items; `direct` models the total and shares it out; a *grouping* from the config (e.g. "by
business": line items mapped to groups) models each group's summed history and shares it out;
`auto` picks the strategy whose total was most accurate in a backtest inside the training data
(`backtest.choose_strategy`).

Whatever the strategy, the output is coherent: line items sum exactly to their group and the
groups to the total. A level a strategy does not model is derived from one it does: sums upward,
forecast proportions downward (each line item's share of its parent in the line items' own
forecasts).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.classification import Classification, classify, classify_series
from forecast.config import Config
from forecast.errors import ConfigError, InputDataError
from forecast.evaluate.choice import Choice
from forecast.models.intervals import path_offsets, tail_scales
from forecast.progress import current, step
from forecast.revenue import GROUPS, RevenueData
from forecast.scale.engines import default_jobs, run_local
from forecast.select import SeriesForecast, SeriesPlan, forecast_series, judgmental_forecast
from forecast.strategies import STRATEGIES, TOTAL, group_name, grouping_series, plan, present_groupings


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
    strategy_choice: Choice | None = None  # --strategy auto: the backtest behind the choice

    @property
    def strategy_scores(self) -> dict[str, float]:
        """--strategy auto: each strategy's total MAPE (%) in the backtest inside the data."""
        return self.strategy_choice.scores if self.strategy_choice is not None else {}

    def __repr__(self) -> str:
        n = self.table["series"].nunique()
        return f"<ForecastResult {self.strategy}: {n} series x {len(self.table) // max(n, 1)} periods>"

    def model_table(self) -> pd.DataFrame:
        """Each modelled series: its group, the model chosen, and every candidate with its
        rolling-origin error (MAPE-like, %), those combined marked (used)."""
        groups = {c.component: c.group for c in self.classifications}
        rows = []
        for name, fit in self.fits.items():
            tried = "; ".join(f"{c['model']}@{c['window']} {100 * c['cv_error']:.2f}%{' (used)' if c.get('used') else ''}"
                              for c in fit.candidates)
            rows.append({"series": name, "group": groups.get(name, ""), "model": fit.label, "candidates": tried})
        return pd.DataFrame(rows, columns=["series", "group", "model", "candidates"])


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


def map_tasks(tasks: list, jobs: int | None, progress=None) -> list[SeriesForecast]:
    """Run forecast tasks, over a process pool when it pays (jobs > 1 and several tasks).
    `progress(n)` is called as tasks complete (else they count on the command's progress bar). BLAS is held to one thread either way, so the
    numbers do not depend on how many workers ran them."""
    if progress is None:
        step(f"fitting {len(tasks)} series", total=len(tasks))
        progress = current()
    workers = max(1, min(jobs or default_jobs(), len(tasks)))
    out = []
    for fit in run_local(_forecast_task, tasks, workers):
        out.append(fit)
        if progress is not None:
            progress(1)
    return out


def by_values(names, arrays: dict) -> list:
    """`names` in an order set by their data alone (the bytes of `arrays[name]`), so that sums
    and random draws come out the same whatever the series are called and whatever order the
    file lists them in; the name only breaks ties between identical data."""
    return sorted(names, key=lambda n: (np.ascontiguousarray(arrays[n], dtype=float).tobytes(), n))


def _sum(arrays: dict, names: list, size) -> np.ndarray:
    ordered = by_values(names, arrays)
    return np.sum([arrays[n] for n in ordered], axis=0) if ordered else np.zeros(size)


def aggregate_series(data: RevenueData, groups: dict[str, str], groupings: dict | None = None) -> dict[str, np.ndarray]:
    """History of every series: line items, group totals, the groups of each grouping, the total.
    Line items missing from `groups` (not yet present at an early origin) count in the total only."""
    wide = data.wide()
    out = {c: wide[c].to_numpy() for c in data.components}
    items = dict(out)
    for g in GROUPS:
        out[group_name(g)] = _sum(items, [c for c in data.components if groups.get(c) == g], len(wide))
    for name, parts in present_groupings(groupings or {}, data.components).items():
        for g, members in parts.items():
            out[grouping_series(name, g)] = _sum(items, members, len(wide))
    out[TOTAL] = _sum(items, list(items), len(wide))
    return out


def needed_series(strategy: str, groups: dict[str, str], groupings: dict | None = None) -> list[str]:
    """Series to model: line items always (their forecasts give the proportions), plus the level
    the strategy models."""
    members = {g: [c for c in groups if groups[c] == g] for g in GROUPS}
    modelled = plan(strategy, members, present_groupings(groupings or {}, groups)).base
    return list(groups) + [name for name in modelled if name not in groups]


def fit_tasks(data: RevenueData, classes: list[Classification], config: Config, horizon: int, names: list[str],
              *, window="auto", user: pd.DataFrame | None = None) -> list[tuple]:
    """One task per series in `names`: its history, plan and horizon (see `forecast_series`)."""
    groups = {c.component: c.group for c in classes}
    history = aggregate_series(data, groups, config.groupings)
    by_name = {c.component: c for c in classes}
    tasks = []
    for name in names:
        y = history[name]
        if name in by_name:
            cls = by_name[name]
            first = int(data.frame.loc[data.frame["component"] == name, "ordinal"].min())
            y = y[first - data.first:]
        else:
            cls = classify_series(name, y, data.freq)
            first = data.first
        tasks.append((name, y, first, data.freq, _plan_for(name, cls, config, window), horizon, user))
    return tasks


def fit_all(data: RevenueData, classes: list[Classification], config: Config, horizon: int, names: list[str],
            *, window="auto", user: pd.DataFrame | None = None, jobs: int | None = None) -> dict[str, SeriesForecast]:
    tasks = fit_tasks(data, classes, config, horizon, names, window=window, user=user)
    return dict(zip(names, map_tasks(tasks, jobs)))


def correlated_shocks(fits: list[SeriesForecast], horizon: int, n_paths: int, seed: int) -> np.ndarray:
    """Unit-variance shocks (n_paths, horizon + 1, k) of the predictive shape (`intervals`),
    correlated across series as their in-sample one-step errors are (pairwise correlations, shrunk
    10% towards zero) and uncorrelated over time; the last of the horizon + 1 drives the error each
    series' steps share (`Forecast.common_sd`)."""
    k = len(fits)
    resid = pd.concat([f.residuals.rename(i) for i, f in enumerate(fits)], axis=1)
    corr = resid.corr(min_periods=8).fillna(0.0).to_numpy() if k > 1 else np.ones((1, 1))
    corr = 0.9 * corr + 0.1 * np.eye(k)
    np.fill_diagonal(corr, 1.0)
    vals, vecs = np.linalg.eigh(corr)
    root = vecs * np.sqrt(np.clip(vals, 1e-9, None))
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal((n_paths, horizon + 1, k)) @ root.T
    return normal * tail_scales(rng, (n_paths, 1, 1))


def coherent_paths(strategy: str, fits: dict[str, SeriesForecast], groups: dict[str, str], horizon: int,
              n_paths: int, seed: int, groupings: dict | None = None) -> tuple[dict, dict, dict]:
    """Means, sample paths and model labels for every series, coherent across levels."""
    components = list(groups)
    identity = {n: np.concatenate([f.forecast.mean, f.forecast.sd, f.residuals.to_numpy(float)])
                for n, f in fits.items()}
    members = {g: [c for c in by_values(components, identity) if groups[c] == g] for g in GROUPS}
    how = plan(strategy, members, present_groupings(groupings or {}, components))
    base = list(how.base)
    base = by_values(base, identity)  # shocks, and so bounds, independent of names and row order
    shocks = correlated_shocks([fits[b] for b in base], horizon, n_paths, seed)
    mean, paths, label = {}, {}, {}
    for i, name in enumerate(base):
        fc = fits[name].forecast
        mean[name] = fc.mean
        paths[name] = fc.sample_paths(shocks[:, :horizon, i], shocks[:, horizon, i])
        label[name] = fits[name].label

    # Line items' own forecasts, and their sums per group, give the proportions for sharing out.
    own = {c: fits[c].forecast.mean for c in components}
    own.update({group_name(g): np.sum([own[c] for c in members[g]], axis=0) for g in GROUPS if members[g]})

    def share_out(parent: str, children: list[str], top: str):
        raw = np.array([own[c] for c in children])
        total = raw.sum(axis=0)
        ok = np.abs(total) > 1e-12
        share = np.where(ok, raw / np.where(ok, total, 1.0), 1.0 / len(children))
        for c, s in zip(children, share):
            mean[c] = mean[parent] * s
            paths[c] = paths[parent] * s
            label[c] = f"top-down({top})"

    for parent, children, top in how.shares:
        share_out(parent, list(children), top)
    for g in GROUPS:
        gname = group_name(g)
        if not members[g]:
            mean[gname] = np.zeros(horizon)
            paths[gname] = np.zeros((n_paths, horizon))
            label[gname] = "empty group"
        elif gname not in mean:
            mean[gname] = np.sum([mean[c] for c in members[g]], axis=0)
            paths[gname] = np.sum([paths[c] for c in members[g]], axis=0)
            label[gname] = "sum of components"
    if TOTAL not in mean:
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
            lo, hi = path_offsets(centred, level)
            row[f"lower_{level}"] = mean[name] + lo
            row[f"upper_{level}"] = mean[name] + hi
        row["model"] = label[name]
        frames.append(pd.DataFrame(row))
    table = pd.concat(frames, ignore_index=True)
    bounds = [f"{side}_{lv}" for lv in levels for side in ("lower", "upper")]
    return table[["ordinal", "date", "series", "mean", *bounds, "model"]]


def series_order(groups: dict[str, str]) -> list[str]:
    return list(groups) + [group_name(g) for g in GROUPS] + [TOTAL]


def resolve_classes(data: RevenueData, config: Config, known: list[str] | None = None) -> list[Classification]:
    """Classify the line items, applying the config's overrides. `known` lists every line item of
    the whole file (a backtest origin may precede some); names outside it are config mistakes."""
    known = list(known or data.components)
    unknown = [c for c in config.components if c not in known]
    if unknown:
        raise ConfigError(f"{config.source}: [components.{unknown[0]}] names no component of {data.source} "
                          f"(components: {', '.join(known)}); fix the name")
    check_groupings(config, known, data.source)
    overrides = {c: cc.group for c, cc in config.components.items() if cc.group}
    periods = {c: cc.period for c, cc in config.components.items() if cc.period}
    return classify(data, overrides, periods)


def check_groupings(config: Config, components: list[str], source: str) -> None:
    """Every grouping must put every line item in exactly one group."""
    for name, parts in config.groupings.items():
        where = f"{config.source} [groupings.{name}]"
        seen: dict[str, str] = {}
        for g, items in parts.items():
            for c in items:
                if c not in components:
                    raise ConfigError(f"{where}: group {g!r} lists {c!r}, which is no component of {source} "
                                      f"(components: {', '.join(components)}); fix the name")
                if c in seen:
                    raise ConfigError(f"{where}: {c!r} is in both {seen[c]!r} and {g!r}; put it in one group")
                seen[c] = g
        missing = [c for c in components if c not in seen]
        if missing:
            raise ConfigError(f"{where}: {missing[0]!r} is in no group; every line item must be in one group "
                              "of each grouping")


def check_strategy(strategy: str, config: Config) -> None:
    if strategy not in STRATEGIES and strategy not in config.groupings:
        extra = f", or a grouping of {config.source}: {', '.join(config.groupings)}" if config.groupings else (
            ", or a grouping defined in the config as [groupings.NAME]")
        raise ConfigError(f"strategy {strategy!r} is not known; use one of {', '.join(STRATEGIES)}{extra}")


def assemble(data: RevenueData, strategy: str, fits: dict[str, SeriesForecast], classes: list[Classification],
             config: Config, horizon: int, levels: tuple[int, ...], choice: Choice | None = None) -> ForecastResult:
    """Recombine fitted series into the coherent contract table of one strategy."""
    groups = {c.component: c.group for c in classes}
    mean, paths, label = coherent_paths(strategy, fits, groups, horizon, config.paths, config.seed, config.groupings)
    table = interval_table(data, mean, paths, label, horizon, levels, series_order(groups))
    used = needed_series(strategy, groups, config.groupings)
    # Library warnings caught while fitting ("ConvergenceWarning: ...") stay on the fits; the
    # user hears only the toolkit's own notes (fallbacks, families that could not be fitted).
    warns = tuple(w for name in used for w in fits[name].warnings if not w.split(":", 1)[0].endswith("Warning"))
    return ForecastResult(table, strategy, tuple(classes), {n: fits[n] for n in used}, paths, data.notes + warns,
                          levels, choice)
