"""The business units of a month-end review (`forecast review --id-col unit`).

The file holds one revenue table per unit (`unit, date, component, value`, or `unit, date, value`).
The review's line items are the sum over the units; each unit is ranked, as the operators' reports
rank their counties and grids: units behind plan first, then by attainment and YoY. Units with a
target get `forecast budget --id-col --hierarchy`'s projection and probability (the units and their
total reconciled, with no level between).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.errors import ForecastError, InputDataError
from forecast.evaluate.metrics import change_pct
from forecast.io.sniff import RawTable
from forecast.planning.budget import year_periods
from forecast.planning.hierarchy_budget import hierarchy_budget
from forecast.revenue import RevenueData
from forecast.scale.keys import key_tasks
from forecast.validate import to_revenue

UNIT_COLUMNS = ["rank", "unit", "month_actual", "mom_pct", "yoy_pct", "ytd_actual", "ytd_yoy_pct", "share_pct",
                "share_change_pp", "contribution_pct", "target", "attainment_pct", "ahead_of_plan",
                "full_year_forecast", "full_year_lower_80", "full_year_upper_80", "prob_meet_target"]


def read_units(raw: RawTable, id_col: str) -> tuple[dict[str, RevenueData], dict[str, str]]:
    """Each unit's revenue table, and the units that could not be read ({unit: reason})."""
    units, failed = {}, {}
    for task in key_tasks(raw, id_col, 1):
        try:
            units[task.key] = to_revenue(task.raw)
        except ForecastError as exc:
            failed[task.key] = str(exc).replace("\n", " ")
    if not units:
        raise InputDataError("no unit could be read; the first failed with: " + next(iter(failed.values()), "?"))
    freqs = {data.freq.name for data in units.values()}
    if len(freqs) > 1:
        raise InputDataError(f"{raw.source}: the units' dates mix frequencies ({', '.join(sorted(freqs))}); "
                             "give every unit monthly data")
    return units, failed


def combined(units: dict[str, RevenueData], source: str) -> RevenueData:
    """The units summed line item by line item: the revenue table the review reads."""
    first = next(iter(units.values()))
    frame = pd.concat([data.frame for data in units.values()], ignore_index=True)
    frame = frame.groupby(["ordinal", "component"], sort=False, as_index=False)["value"].sum()
    order = {name: i for i, name in enumerate(dict.fromkeys(c for data in units.values() for c in data.components))}
    frame = frame.sort_values(["component", "ordinal"], key=lambda s: s.map(order) if s.name == "component" else s,
                              kind="stable").reset_index(drop=True)
    groups = {c: g for data in units.values() for c, g in data.groups.items()}
    return replace(first, frame=frame, source=source, groups=groups, notes=(),
                   decimals=max(data.decimals for data in units.values()))


def unit_totals(units: dict[str, RevenueData]) -> dict[str, pd.Series]:
    """Each unit's total revenue by period ordinal."""
    return {key: data.frame.groupby("ordinal")["value"].sum() for key, data in units.items()}


def rank_units(units: dict[str, RevenueData], id_col: str, a: int, targets: dict[str, float], *, phase: str,
               jobs: int | None, source: str) -> pd.DataFrame:
    """One row per unit, ranked: behind plan first, then by attainment, then by YoY of the year to date."""
    totals = unit_totals(units)
    first = next(iter(units.values()))
    freq, ppy = first.freq, first.freq.periods_per_year
    start, _ = year_periods(first, freq.year(a))

    def span(values: pd.Series, lo: int, hi: int) -> float:
        if lo < values.index.min() or hi > values.index.max():
            return np.nan
        return float(values.loc[lo:hi].sum())

    rows = []
    for key, values in totals.items():
        values = values.loc[:a]
        month, ytd, last_ytd = span(values, a, a), span(values, start, a), span(values, start - ppy, a - ppy)
        rows.append({"unit": key, "month_actual": month,
                     "mom_pct": change_pct(month, span(values, a - 1, a - 1)),
                     "yoy_pct": change_pct(month, span(values, a - ppy, a - ppy)), "ytd_actual": ytd,
                     "last_ytd_actual": last_ytd, "ytd_yoy_pct": change_pct(ytd, last_ytd)})
    table = pd.DataFrame(rows)
    table["share_pct"] = table["ytd_actual"] / table["ytd_actual"].sum() * 100.0
    table["share_change_pp"] = table["share_pct"] - table["last_ytd_actual"] / table["last_ytd_actual"].sum() * 100.0
    table["contribution_pct"] = ((table["ytd_actual"] - table["last_ytd_actual"]) /
                                 table["last_ytd_actual"].sum() * 100.0)
    table = table.join(_unit_budget(totals, id_col, a, freq, first.style, targets, phase, jobs, source), on="unit")
    behind = table["ahead_of_plan"].lt(0)
    table = table.assign(_behind=behind).sort_values(["_behind", "attainment_pct", "ytd_yoy_pct"],
                                                     ascending=[False, False, False], kind="stable", na_position="last")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = table[UNIT_COLUMNS + [c for c in table.columns if c not in UNIT_COLUMNS and c != "_behind"]]
    return table.rename(columns={"unit": id_col}).reset_index(drop=True)


def _unit_budget(totals, id_col, a, freq, style, targets, phase, jobs, source) -> pd.DataFrame:
    """`forecast budget --id-col`'s figures for the units with a target (empty without targets)."""
    columns = ["target", "attainment_pct", "ahead_of_plan", "full_year_forecast", "full_year_lower_80",
               "full_year_upper_80", "prob_meet_target"]
    if not targets:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="unit"), dtype=float)
    frame = pd.concat([pd.DataFrame({id_col: key, "date": [freq.label(o, style) for o in values.index],
                                     "value": values.to_numpy(float)}) for key, values in totals.items()],
                      ignore_index=True)
    table, failed = hierarchy_budget(RawTable(frame, source, 2), id_col, (), freq.year(a), targets=targets,
                                     as_of=freq.label(a, style), phase=phase, jobs=jobs)
    table = table[table["level"] == id_col].set_index("series")
    # the operators' attainment: year to date over target (budget calls it ytd_completion_pct)
    table["attainment_pct"] = table["ytd_completion_pct"]
    return table[columns].rename_axis("unit")


def review_by_unit(raw: RawTable, id_col: str, month: str, *, targets: dict, unit: str | None = None, **options):
    """The review of the units' sum, with the units ranked. Targets that name a unit are the
    unit's (first label only); the others are the line items', groups' and total's."""
    from forecast.planning.review import labelled_targets, month_span, review

    units, failed = read_units(raw, id_col)
    data = combined(units, raw.source)
    data = replace(data, unit=unit or data.unit)
    by_label = labelled_targets(targets)
    unit_targets = {name: amount for name, amount in next(iter(by_label.values())).items() if name in units}
    series_targets = {label: {k: v for k, v in amounts.items() if k not in units}
                      for label, amounts in by_label.items()}
    series_targets = {label: amounts for label, amounts in series_targets.items() if amounts}
    if not series_targets:
        raise InputDataError("every target names a unit; add the total's, e.g. --target 467500 or a row total,467500")
    result = review(data, month, targets=series_targets, **options)
    ranking = rank_units(units, id_col, month_span(data, month), unit_targets, phase=options.get("phase", "seasonal"),
                         jobs=options.get("jobs"), source=raw.source)
    notes = result.notes
    if failed:
        notes += (f"{len(failed)} unit(s) could not be read and are left out, e.g. {next(iter(failed.values()))}",)
    return replace(result, units=ranking, notes=notes)
