"""Budget mode: what analysts report each month (METHOD.md's vocabulary).

For each series with an annual target: the year-to-date actual, the forecast of the rest of the
year, the projected full year with its interval, attainment (projected full year / target),
year-to-date completion (actual / target), time progress, ahead or behind plan (actual minus the
target phased to date), YoY and MoM changes, and the probability of meeting the target. With
`as_of` the last period of a year, next year's forecast per series with P10/P50/P90 scenarios.

The probability and the full-year interval come from the joint sample paths of the forecast
(`ForecastResult.paths`): correlated across line items and carrying each model's error dynamics
over the months, so the annual sum's spread is not the sum of monthly bounds.

Phasing splits an annual target over the periods of the year: `even` gives every period the same
share; `seasonal` gives each period its share of the forecast made at the end of the previous
year (the plan the year started with), so a seasonally weak month does not count as falling
behind.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.combine import TOTAL, ForecastResult, aggregate_series, group_name, series_order
from forecast.config import Config
from forecast.errors import ConfigError, InputDataError
from forecast.evaluate.metrics import change_pct
from forecast.io.files import read_table
from forecast.models.intervals import path_offsets
from forecast.names import folded, is_total
from forecast.pipeline import run_forecast
from forecast.revenue import GROUPS, RevenueData
from forecast.validate import check_numeric

BUDGET_FREQS = ("quarter", "month", "dekad")
PHASES = ("seasonal", "even")
SCENARIOS = (10, 50, 90)  # percentiles of next year's budget table

CONTRACT_COLUMNS = ["series", "ytd_actual", "remaining_forecast", "full_year_forecast", "full_year_lower_80",
                    "full_year_upper_80", "target", "attainment_pct", "ytd_completion_pct", "time_progress_pct",
                    "ahead_of_plan", "yoy_pct", "prob_meet_target"]


@dataclass(frozen=True)
class BudgetResult:
    table: pd.DataFrame  # one row per series with a target
    phasing: pd.DataFrame  # one row per series with a target and period of the year
    next_year: pd.DataFrame | None  # per series: P10/P50/P90 of next year's sum (as_of at a year end)
    next_year_periods: pd.DataFrame | None  # per series and period of next year
    year: int
    as_of: str
    phase: str
    forecast: ForecastResult = field(repr=False)
    full_year_samples: dict = field(repr=False, default_factory=dict)  # series -> (n_paths,) annual sums
    notes: tuple = ()
    unit: str | None = None  # the file's unit (e.g. 万元), for charts
    projections: pd.DataFrame | None = None  # every series, targeted or not: year to date and full-year bounds

    def prob_meet(self, series: str, target) -> np.ndarray | float:
        """Probability that `series` reaches `target` (scalar or array) this year."""
        samples = np.sort(self.full_year_samples[series])
        # share of samples >= target; a higher target can only lower it
        below = np.searchsorted(samples, np.asarray(target, float), side="left")
        return (len(samples) - below) / len(samples)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to write, by name (sheet names of the .xlsx output)."""
        out = {"budget": self.table, "phasing": self.phasing}
        if self.next_year is not None:
            out["next_year"] = self.next_year
            out["next_year_periods"] = self.next_year_periods
        return out


def measures_by_series(table: pd.DataFrame) -> pd.DataFrame:
    """The budget table turned to read down: one row per measure, one column per series (as the
    command prints it)."""
    return table.set_index("series").T.reset_index(names="measure")


def year_periods(data: RevenueData, year: int) -> tuple[int, int]:
    """First and last ordinal of calendar year `year`."""
    start = data.freq.ordinal(dt.date(year, 1, 1))
    return start, start + data.freq.periods_per_year - 1


def canonical_series(name: str) -> str:
    """`fixed` and `fluctuating` are accepted for the group series `group:fixed`, ..., and any
    total word (合计, 总计, Total) for `total`."""
    name = str(name).strip()
    if is_total(name):
        return "total"
    return group_name(name) if name in GROUPS else name


TARGET_HEADINGS = {"series": ("series", "项目", "名称", "收入项目"), "target": ("target", "目标", "考核目标", "预算",
                                                                          "预算目标", "全年目标")}


def read_targets(path) -> dict[str, float]:
    """A targets file: columns `series, target` (CSV or .xlsx; also headed 项目, 目标), one row
    per series."""
    raw = read_table(path)
    frame = raw.frame.rename(columns={c: key for key, names in TARGET_HEADINGS.items() for c in raw.frame.columns
                                      if folded(c) in names and key not in raw.frame.columns})
    missing = [c for c in ("series", "target") if c not in frame.columns]
    if missing:
        raise InputDataError(f"{raw.source}: no column {missing[0]!r} (columns are: {', '.join(map(str, frame.columns))}); "
                             "a targets file has columns series,target, e.g. total,467500")
    rows = np.asarray(raw.row_numbers) if raw.row_numbers is not None else np.arange(len(frame)) + raw.first_row
    values = check_numeric(frame["target"], raw.source, rows, raw.row_word, column="target", decimal=raw.decimal)
    out: dict[str, float] = {}
    for row, name, value in zip(rows, frame["series"], values):
        name = canonical_series(name)
        if not name:
            raise InputDataError(f"{raw.source}: {raw.row_word} {row}, column 'series' is empty; name the series "
                                 "(a line item, fixed, fluctuating or total)")
        if name in out:
            raise InputDataError(f"{raw.source}: {raw.row_word} {row}: a second target for {name!r}; "
                                 "give one target per series")
        out[name] = float(value)
    if not out:
        raise InputDataError(f"{raw.source}: no targets; add rows such as total,467500")
    return out
def check_targets(targets: dict[str, float], known: list[str], components: list[str], groups: dict[str, str],
                  source: str) -> dict[str, float]:
    """Targets by series, with the total's derived from the parts when only they are given."""
    targets = {canonical_series(k): float(v) for k, v in targets.items()}
    for name, value in targets.items():
        if name not in known:
            raise InputDataError(f"{source}: no series {name!r} to set a target for; use one of "
                                 f"{', '.join(known)}")
        if not np.isfinite(value) or value <= 0:
            raise InputDataError(f"{source}: the target of {name!r} is {value:g}; targets must be positive amounts")
    if TOTAL not in targets:
        group_names = [group_name(g) for g in GROUPS if g in groups.values()]
        for parts in (components, group_names):
            if parts and all(p in targets for p in parts):
                targets[TOTAL] = float(sum(targets[p] for p in parts))
                break
        else:
            raise InputDataError(f"{source}: no target for the total; add a row total,AMOUNT (or give --target), "
                                 "or targets for every line item or both groups")
    order = {name: i for i, name in enumerate(known)}
    return dict(sorted(targets.items(), key=lambda kv: order[kv[0]]))


def _quantiles(centred: np.ndarray, probs) -> np.ndarray:
    return np.quantile(centred, probs, axis=0)


def _interval(centred: np.ndarray, level: int) -> tuple[float, float]:
    """Bounds around 0 of a centred sample, never on the wrong side of the mean."""
    lo, hi = path_offsets(centred, level)
    return float(lo), float(hi)


def budget(data: RevenueData, year: int, *, targets: dict[str, float], as_of: str | None = None,
           phase: str = "seasonal", config: Config | None = None, strategy: str | None = None, window="auto",
           levels: tuple[int, ...] | None = None, regressors: pd.DataFrame | None = None, jobs: int | None = None,
           targets_source: str = "--target") -> BudgetResult:
    """Track year `year` as of period `as_of` (default: the data's last period) against `targets`
    (series -> annual amount; `total` required or derivable from all line items or both groups).

    Data after `as_of` are ignored, exactly as `forecast run --train-end`.
    """
    config = config or Config()
    levels = tuple(levels or config.levels)
    freq = data.freq
    ppy = freq.periods_per_year
    start, end, a = _budget_span(data, year, as_of, phase)
    cut = data.cut(a)
    year_end_as_of = freq.position_in_year(a) == ppy - 1
    remaining = end - a
    horizon = max(remaining, ppy if year_end_as_of else 0)
    current = run_forecast(cut, horizon, config=config, strategy=strategy, window=window, levels=levels,
                           regressors=regressors, jobs=jobs, components=data.components)
    groups = {c.component: c.group for c in current.classifications}
    # an empty group (e.g. a file of call revenue only) has nothing to track
    known = [n for n in series_order(groups) if n not in {group_name(g) for g in GROUPS if g not in groups.values()}]
    targets = check_targets(targets, known, list(groups), groups, targets_source)
    notes = list(current.warnings)

    plan = None
    if phase == "seasonal":
        plan, why = _plan_forecast(data, current, a, start, ppy, config, window, levels, regressors, jobs)
        if plan is None:
            notes.append(f"seasonal phasing needs a forecast from {data.label(start - 1)} ({why}); targets phased evenly")
            phase = "even"
    weights = _phase_weights(known, targets, plan, ppy, notes)

    history = aggregate_series(cut, groups)

    def span(name: str, lo: int, hi: int) -> float:
        """Sum of actuals over ordinals lo..hi; NaN when the data do not cover them."""
        if lo < cut.first or hi > a:
            return np.nan
        return float(history[name][lo - cut.first: hi - cut.first + 1].sum())

    elapsed = a - start + 1
    samples, rows, phasing, projections = {}, [], [], []
    labels = [data.label(o) for o in range(start, end + 1)]
    for name in known:
        ytd = span(name, start, a) if elapsed > 0 else 0.0
        mean = current.table.loc[current.table["series"] == name, "mean"].to_numpy(float)[:remaining]
        paths = current.paths[name][:, :remaining]
        centred = paths.sum(axis=1) - paths.sum(axis=1).mean()
        rest = float(mean.sum())
        samples[name] = ytd + rest + centred
        projections.append({"series": name, "ytd_actual": ytd, "remaining_forecast": rest}
                           | full_year_bounds(ytd, rest, centred if remaining else None, levels))
        if name not in targets:
            continue
        phased = targets[name] * weights[name]
        row = {"series": name, "as_of": data.label(a), "ytd_actual": ytd, "remaining_forecast": rest}
        row |= full_year_bounds(ytd, rest, centred if remaining else None, levels)
        row |= progress_figures(name, targets[name], phased, ytd, row["full_year_forecast"], samples[name], span,
                         (start, end, a), ppy, freq.name)
        row |= {"periods_elapsed": elapsed, "periods_remaining": remaining, "phase": phase,
                "model": current.table.loc[current.table["series"] == name, "model"].iloc[0]}
        rows.append(row)
        phasing.append(_phasing_rows(name, labels, start, a, phased, history[name][start - cut.first:] if elapsed else [],
                                     mean, paths, levels, plan, ppy))
    table = pd.DataFrame(rows)
    table = table[CONTRACT_COLUMNS + [c for c in table.columns if c not in CONTRACT_COLUMNS]]
    next_year = periods = None
    if year_end_as_of:
        next_year, periods = _next_year(data, current, known, a, ppy, span)
    return BudgetResult(table, pd.concat(phasing, ignore_index=True), next_year, periods, year, data.label(a), phase,
                        current, samples, tuple(dict.fromkeys(notes)), data.unit, pd.DataFrame(projections))


def full_year_bounds(ytd: float, rest: float, centred: np.ndarray | None, levels) -> dict:
    """The rest of the year's bounds, and the full year's (the year to date is known)."""
    row = {}
    for level in levels:
        lo, hi = _interval(centred, level) if centred is not None else (0.0, 0.0)
        row[f"remaining_lower_{level}"], row[f"remaining_upper_{level}"] = rest + lo, rest + hi
    row["full_year_forecast"] = ytd + rest
    for level in levels:
        row[f"full_year_lower_{level}"] = ytd + row[f"remaining_lower_{level}"]
        row[f"full_year_upper_{level}"] = ytd + row[f"remaining_upper_{level}"]
    return row


def progress_figures(name: str, target: float, phased: np.ndarray, ytd: float, full_year: float,
                     samples: np.ndarray, span, periods: tuple[int, int, int], ppy: int, freq_name: str) -> dict:
    """Attainment, plan progress, YoY, MoM and the probability of meeting the target."""
    start, end, a = periods
    elapsed = a - start + 1
    to_date = float(phased[:elapsed].sum())
    return {
        "target": target,
        "attainment_pct": full_year / target * 100.0,
        "ytd_completion_pct": ytd / target * 100.0,
        "time_progress_pct": elapsed / ppy * 100.0,
        "phased_target_to_date": to_date,
        "ahead_of_plan": ytd - to_date,
        "yoy_pct": change_pct(ytd, span(name, start - ppy, a - ppy)) if elapsed else np.nan,
        "full_year_yoy_pct": change_pct(full_year, span(name, start - ppy, end - ppy)),
        "mom_pct": _last_period_change(freq_name, a, lambda lo, hi: span(name, lo, hi)),
        "prob_meet_target": float(np.mean(samples >= target)),
    }


def _budget_span(data: RevenueData, year: int, as_of: str | None, phase: str) -> tuple[int, int, int]:
    """The year's first and last period and the as-of period, or a one-line refusal."""
    if data.freq.name not in BUDGET_FREQS:
        raise InputDataError(f"{data.source}: budget mode needs monthly, quarterly or dekad data; this file is "
                             f"{data.freq.name}ly")
    if phase not in PHASES:
        raise ConfigError(f"--phase {phase!r} is not known; use one of {', '.join(PHASES)}")
    start, end = year_periods(data, year)
    a = data.period(as_of, option="--as-of") if as_of is not None else data.last
    check_as_of(a, year, (start, end), (data.first, data.last), data.label, data.source)
    return start, end, a


def check_as_of(a: int, year: int, span: tuple[int, int], data_span: tuple[int, int], label, source: str) -> None:
    """The as-of period must be in the data and in the year (or on its eve), and the data must
    cover the year up to it."""
    (start, end), (first, last) = span, data_span
    if a > last:
        raise InputDataError(f"--as-of {label(a)} is after the data's last period {label(last)}; "
                             "give a period the file has")
    if not start - 1 <= a <= end:
        raise InputDataError(f"--as-of {label(a)} is not in {year} (nor its eve {label(start - 1)}); "
                             f"give a period of {year} or change --year")
    if first > min(start, a):
        raise InputDataError(f"{source}: the data start at {label(first)}, after the start of {year}; "
                             f"the year to date needs every period of {year} up to --as-of")


def _phase_weights(known: list[str], targets: dict, plan, ppy: int, notes: list) -> dict[str, np.ndarray]:
    """How each target is spread over the year: by the plan forecast's profile (seasonal), else
    evenly; a note for each series that falls back to even."""
    weights = {name: np.full(ppy, 1.0 / ppy) for name in known}
    if plan is None:
        return weights
    for name in targets:
        profile = plan.table.loc[plan.table["series"] == name, "mean"].to_numpy(float)[:ppy]
        if np.all(profile > 0):
            weights[name] = profile / profile.sum()
        else:
            notes.append(f"{name}: the plan forecast is not positive in every period; its target is phased evenly")
    return weights


def _plan_forecast(data, current, a, start, ppy, config, window, levels, regressors, jobs):
    """The forecast of the whole year made at the end of the year before (the phasing profile)."""
    if a == start - 1:
        return current, ""
    if start - 1 < data.first:
        return None, "the data start in the year itself"
    try:
        plan = run_forecast(data.cut(start - 1), ppy, config=config, strategy=current.strategy, window=window,
                            levels=levels, regressors=regressors, jobs=jobs, components=data.components)
    except InputDataError as exc:
        return None, str(exc)
    return plan, ""


def _last_period_change(freq: str, a: int, span) -> float:
    """MoM: the last period against the one before. For dekads, the month to date against the same
    dekads of the month before (a month's dekads are not alike: the last has 8 to 11 days)."""
    if freq == "dekad":
        k = a % 3
        return change_pct(span(a - k, a), span(a - k - 3, a - 3))
    return change_pct(span(a, a), span(a - 1, a - 1))


def _phasing_rows(name, labels, start, a, phased, actual, mean, paths, levels, plan, ppy) -> pd.DataFrame:
    """One row per period of the year: the phased target, actuals to date, then the forecast, and
    the cumulative path with its bands (quantiles of the cumulative joint sample paths)."""
    elapsed = a - start + 1
    n = len(labels)
    act = np.full(n, np.nan)
    act[:max(elapsed, 0)] = actual[:max(elapsed, 0)]
    fc = np.full(n, np.nan)
    fc[max(elapsed, 0):] = mean
    ytd = float(np.nansum(act))
    cum = np.concatenate([np.cumsum(act[:max(elapsed, 0)]), ytd + np.cumsum(mean)])
    out = {"series": name, "date": labels, "phase_weight": phased / phased.sum(), "phased_target": phased,
           "cumulative_target": np.cumsum(phased), "actual": act, "forecast": fc, "cumulative": cum}
    cum_paths = np.cumsum(paths, axis=1)
    centred = cum_paths - cum_paths.mean(axis=0)
    for level in levels:
        lo = np.full(n, 0.0)
        hi = np.full(n, 0.0)
        if len(mean):
            lo[max(elapsed, 0):], hi[max(elapsed, 0):] = path_offsets(centred, level)
        out[f"cumulative_lower_{level}"] = cum + lo
        out[f"cumulative_upper_{level}"] = cum + hi
    if plan is not None:
        out["plan_forecast"] = plan.table.loc[plan.table["series"] == name, "mean"].to_numpy(float)[:ppy]
    return pd.DataFrame(out)


def _next_year(data, current, known, a, ppy, span) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Next year's budget per series: mean and P10/P50/P90 of its annual sum, and per period."""
    year = data.freq.year(a) + 1
    probs = [p / 100 for p in SCENARIOS]
    rows, per_period = [], []
    dates = [data.label(o) for o in range(a + 1, a + ppy + 1)]
    for name in known:
        mean = current.table.loc[current.table["series"] == name, "mean"].to_numpy(float)[:ppy]
        paths = current.paths[name][:, :ppy]
        total = paths.sum(axis=1)
        q = float(mean.sum()) + _quantiles(total - total.mean(), probs)
        last = span(name, a - ppy + 1, a)
        rows.append({"series": name, "year": year, "mean": float(mean.sum()),
                     **{f"p{p}": float(v) for p, v in zip(SCENARIOS, q)},
                     "last_year_actual": last, "growth_pct_p50": change_pct(float(q[1]), last),
                     "model": current.table.loc[current.table["series"] == name, "model"].iloc[0]})
        pq = mean + _quantiles(paths - paths.mean(axis=0), probs)
        per_period.append(pd.DataFrame({"series": name, "date": dates, "mean": mean,
                                        **{f"p{p}": pq[i] for i, p in enumerate(SCENARIOS)}}))
    return pd.DataFrame(rows), pd.concat(per_period, ignore_index=True)
