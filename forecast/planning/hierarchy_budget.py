"""Budget mode on a hierarchy of business units (`forecast budget --id-col unit --hierarchy
county,city`): every node's year to date, projection with its interval, attainment, plan and
the probability of meeting its target, from the hierarchy's joint sample paths (so a county's
year sums its units' months with their correlation across units and over the months).

Phasing: `even` spreads a target evenly over the year; `seasonal` by the node's own profile of
the year before (its months' shares of last year's actual), evenly where that year is missing
or not positive.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.calendar import parse_dates
from forecast.errors import ConfigError, InputDataError
from forecast.io.sniff import RawTable
from forecast.planning.budget import (
    BUDGET_FREQS,
    CONTRACT_COLUMNS,
    PHASES,
    check_as_of,
    full_year_bounds,
    progress_figures,
)
from forecast.scale.hierarchy import TOP, Units, build_structure, fit_hierarchy, parse_units

COLUMNS = [*CONTRACT_COLUMNS, "level"]


def _as_of(units: Units, as_of: str | None) -> int:
    last = units.first + units.values.shape[1] - 1
    if as_of is None:
        return last
    try:
        parsed = parse_dates([as_of], source="--as-of", freq=units.freq.name)
    except InputDataError:
        raise InputDataError(f"--as-of {as_of!r} is not a {units.freq.name} period like "
                             f"{units.freq.label(last, units.style)!r}") from None
    return int(parsed.ordinals[0])


def _cut(units: Units, end: int) -> Units:
    """The units as if the data ended at ordinal `end`."""
    width = end - units.first + 1
    return replace(units, values=units.values[:, :width], starts=np.minimum(units.starts, width - 1))


def hierarchy_budget(raw: RawTable, id_col: str, hierarchy: tuple[str, ...], year: int, *, targets: dict[str, float],
                     as_of: str | None = None, phase: str = "seasonal", season_length: int | None = None,
                     levels: tuple[int, ...] = (80, 95), method: str = "auto", engine: str = "local",
                     jobs: int | None = None, scheduler: str | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per node with a target (contract columns plus `level`), and the units that could
    not be read ({unit: reason}, left out of the sums)."""
    if phase not in PHASES:
        raise ConfigError(f"--phase {phase!r} is not known; use one of {', '.join(PHASES)}")
    units, failed = parse_units(raw, id_col, hierarchy)
    freq = units.freq
    if freq.name not in BUDGET_FREQS:
        raise InputDataError(f"{raw.source}: budget mode needs monthly, quarterly or dekad data; these units are "
                             f"{freq.name}ly")
    ppy = freq.periods_per_year
    start = freq.ordinal(dt.date(year, 1, 1))
    end = start + ppy - 1
    last = units.first + units.values.shape[1] - 1
    a = _as_of(units, as_of)
    label = lambda o: freq.label(o, units.style)  # noqa: E731
    check_as_of(a, year, (start, end), (units.first, last), label, raw.source)
    cut = _cut(units, a)
    structure = build_structure(cut, id_col, hierarchy)
    unknown = [name for name in targets if name not in structure.names]
    if unknown:
        raise InputDataError(f"a target names {unknown[0]!r}, which is no node of the hierarchy (nodes: "
                             f"{', '.join(structure.names[:12])}{', ...' if len(structure.names) > 12 else ''})")
    history = np.asarray(structure.summing @ cut.values)
    remaining = end - a
    fit = fit_hierarchy(cut, structure, max(remaining, 1), season_length=season_length, method=method,
                        engine=engine, jobs=jobs, scheduler=scheduler)
    rows = []
    for k, name in enumerate(structure.names):
        if name not in targets:
            continue

        def span(_name, lo, hi, k=k):
            if lo < cut.first or hi > a:
                return np.nan
            return float(history[k, lo - cut.first: hi - cut.first + 1].sum())

        ytd = span(name, start, a) if a >= start else 0.0
        rest = float(fit.mean[k, :remaining].sum())
        sums = fit.paths[:, k, :remaining].sum(axis=1)
        centred = sums - sums.mean()
        samples = ytd + rest + centred
        phased, used = _phased(targets[name], history[k], cut.first, start, ppy, phase)
        row = {"series": name, "level": structure.levels[k], "as_of": label(a), "ytd_actual": ytd,
               "remaining_forecast": rest}
        row |= full_year_bounds(ytd, rest, centred if remaining else None, levels)
        row |= progress_figures(name, targets[name], phased, ytd, row["full_year_forecast"], samples, span,
                                (start, end, a), ppy, freq.name)
        row |= {"periods_elapsed": a - start + 1, "periods_remaining": remaining, "phase": used,
                "model": f"{fit.models[k]}; reconciled {fit.method}"}
        rows.append(row)
    order = {name: i for i, name in enumerate([TOP, *targets])}
    table = pd.DataFrame(rows).sort_values("series", key=lambda s: s.map(order), kind="stable")
    return table[COLUMNS + [c for c in table.columns if c not in COLUMNS]].reset_index(drop=True), failed


def _phased(target: float, history: np.ndarray, first: int, start: int, ppy: int, phase: str):
    """The target spread over the year's periods, and the phasing used."""
    last_year = history[start - ppy - first: start - first] if start - ppy >= first else np.array([])
    if phase == "seasonal" and len(last_year) == ppy and np.all(last_year > 0):
        return target * last_year / last_year.sum(), "seasonal"
    return np.full(ppy, target / ppy), "even"
