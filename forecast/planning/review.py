"""The month-end revenue review (`forecast review`): the figures an analyst writes up each month.

As of the end of one month, from the data up to it only:
- per line item, group and the total: the month's actual with its MoM and YoY, the year to date
  and its YoY, the share of the total and its change since last year, the contribution to the
  total's YoY growth (the line items' contributions add up to the total's YoY, in points), and,
  from `forecast budget` on the same data and month, the full-year forecast with its interval;
- against each labelled target (考核目标, 认购目标, ...): attainment (year to date / target, the
  operators' 完成率), ahead of or behind the phased plan, the gap of the full-year forecast to the
  target and the probability of meeting it;
- the month's actual against the forecast made a month earlier (`forecast run --train-end` the
  month before, one period ahead), and the flags: items outside that forecast's 95% interval,
  series behind plan, and line items whose class (fixed / fluctuating) changed since last year;
- two bridges of the total by line item: last year's year to date to this year's, and last year's
  full year to this year's forecast.

Every forecast figure is `forecast budget`'s (one call, its targets the union of all labels', so
the phasing and the sample paths are the same), and the month-earlier check is `forecast run`'s.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.combine import TOTAL, aggregate_series, resolve_classes
from forecast.config import Config
from forecast.errors import ForecastError, InputDataError
from forecast.evaluate.metrics import change_pct
from forecast.pipeline import run_forecast
from forecast.planning.budget import BudgetResult, budget, canonical_series, check_targets, year_periods
from forecast.revenue import RevenueData

DEFAULT_LABEL = "target"

REVIEW_COLUMNS = ["series", "month_actual", "mom_pct", "yoy_pct", "ytd_actual", "ytd_yoy_pct", "share_pct",
                  "attainment_pct", "ahead_of_plan", "full_year_forecast", "full_year_lower_80", "full_year_upper_80",
                  "prob_meet_target", "contribution_pct"]

@dataclass(frozen=True)
class Review:
    """A month-end review; `table` holds REVIEW_COLUMNS and more, one row per series."""

    month: str  # the review's month, as the input writes it (2024-05, 2024年5月, ...)
    year: int
    month_of_year: int  # 1 to 12
    table: pd.DataFrame  # line items, groups, total
    targets: pd.DataFrame  # one row per (label, series): target, attainment, plan, gap, P(meet)
    check: pd.DataFrame  # line items (and groups, total): the month against the forecast made a month earlier
    flags: pd.DataFrame  # kind (outside_95, behind_plan, class_changed), series, level, label, amount, pct, detail
    bridges: dict  # "ytd", "full_year" -> DataFrame(step, label, amount) from last year's total to this year's
    labels: tuple  # target labels in the order given (the first fills the contract columns)
    unit: str | None = None
    units: pd.DataFrame | None = None  # the ranking of business units (with --id-col)
    notes: tuple = ()
    decimals: int = 2  # the input's decimal places (outputs get two more)
    budget: BudgetResult | None = field(default=None, repr=False)

    @property
    def headline(self) -> dict:
        """The total's figures the headline sentence reads."""
        total = self.table.set_index("series").loc[TOTAL]
        per_label = self.targets[self.targets["series"] == TOTAL].set_index("label")
        return {"month": self.month, "year": self.year, "total": total, "targets": per_label, "unit": self.unit}

    def text(self, lang: str = "en") -> str:
        """The headline paragraph in `lang` (zh or en)."""
        from forecast.output.review_text import headline

        return headline(self, lang)

    def write(self, path, *, lang: str = "en") -> list:
        """Write the review (.html, .md, .xlsx or .csv by extension); returns the files written."""
        from forecast.output.review_report import write_review

        return write_review(self, path, lang=lang)

    def __repr__(self) -> str:
        t = self.table.set_index("series").loc[TOTAL]
        return (f"<Review {self.month}: year to date {t['ytd_actual']:,.0f} ({t['ytd_yoy_pct']:+.2f}% YoY), "
                f"full year {t['full_year_forecast']:,.0f}, {len(self.flags)} flag(s)>")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables to write, by name (the .xlsx sheets and the Markdown sections)."""
        out = {"review": self.table, "targets": self.targets, "check": self.check, "flags": self.flags,
               "bridge_ytd": self.bridges["ytd"], "bridge_full_year": self.bridges["full_year"]}
        if self.units is not None:
            out["units"] = self.units
        return out


def month_span(data: RevenueData, month: str) -> int:
    """The review month's ordinal; one line when the data are not monthly or do not hold it."""
    if data.freq.name != "month":
        raise InputDataError(f"{data.source}: the review is monthly and these data are {data.freq.name}ly; "
                             "give monthly revenue (dates like 2024-05)")
    a = data.period(month, option="--month")
    if not data.first + 1 <= a <= data.last:
        raise InputDataError(f"--month {month} is outside the data ({data.label(data.first)} to "
                             f"{data.label(data.last)}); give a month the file has, after its first")
    return a


def labelled_targets(targets: dict) -> dict[str, dict[str, float]]:
    """{label: {series: amount}}; a plain {series: amount} is one target labelled `target`."""
    if targets and all(not isinstance(v, dict) for v in targets.values()):
        targets = {DEFAULT_LABEL: targets}
    if not targets:
        raise InputDataError("no target; give --target AMOUNT, --target LABEL=AMOUNT or --targets FILE")
    return {str(label): {canonical_series(k): float(v) for k, v in amounts.items()}
            for label, amounts in targets.items()}


def review(data: RevenueData, month: str, *, targets: dict, phase: str = "seasonal", config: Config | None = None,
           strategy: str | None = None, window="auto", jobs: int | None = None,
           targets_source: str = "--target") -> Review:
    """The review of `month` (as the file writes it) against `targets`: {series: amount} or
    {label: {series: amount}}; every label needs the total's target or one derivable from parts."""
    config = config or Config()
    a = month_span(data, month)
    year = data.freq.year(a)
    by_label = labelled_targets(targets)
    union: dict[str, float] = {}
    for amounts in by_label.values():
        for name, value in amounts.items():
            union.setdefault(name, value)
    result = budget(data, year, targets=union, as_of=month, phase=phase, config=config, strategy=strategy,
                    window=window, levels=(80, 95), jobs=jobs, targets_source=targets_source)
    groups = {c.component: c.group for c in result.forecast.classifications}
    known = list(result.projections["series"])
    by_label = {label: check_targets(amounts, known, list(groups), groups, targets_source)
                for label, amounts in by_label.items()}
    cut = data.cut(a)
    history = aggregate_series(cut, groups)
    table = _figures(cut, result, history, a, known)
    table["group"] = table["series"].map(lambda name: group_of(name, groups))
    target_rows = _against_targets(result, by_label, table)
    first = target_rows[target_rows["label"] == next(iter(by_label))].set_index("series")
    for column in ("target", "attainment_pct", "ahead_of_plan", "prob_meet_target", "gap_to_target"):
        table[column] = table["series"].map(first[column])
    table = table[REVIEW_COLUMNS + [c for c in table.columns if c not in REVIEW_COLUMNS]]
    check = _month_check(data, a, config, strategy, window, jobs, known)
    flags = _flags(check, target_rows, _class_changes(data, a, config, groups), groups)
    return Review(data.label(a), year, data.freq.position_in_year(a) + 1, table, target_rows, check, flags,
                  _bridges(table, groups), tuple(by_label), data.unit, notes=result.notes, decimals=data.decimals,
                  budget=result)


def _figures(data: RevenueData, result: BudgetResult, history: dict, a: int, known: list[str]) -> pd.DataFrame:
    """Month, year-to-date, share and contribution figures of every series, with budget's
    projections beside them."""
    ppy, first = data.freq.periods_per_year, data.first
    start, end = year_periods(data, result.year)

    def span(name, lo, hi):
        if lo < first or hi > a:
            return np.nan
        return float(history[name][lo - first: hi - first + 1].sum())

    rows = []
    for name in known:
        month, before, last_year = span(name, a, a), span(name, a - 1, a - 1), span(name, a - ppy, a - ppy)
        ytd, last_ytd = span(name, start, a), span(name, start - ppy, a - ppy)
        rows.append({"series": name, "month_actual": month, "mom_pct": change_pct(month, before),
                     "yoy_pct": change_pct(month, last_year), "ytd_actual": ytd,
                     "last_ytd_actual": last_ytd, "ytd_yoy_pct": change_pct(ytd, last_ytd),
                     "last_year_actual": span(name, start - ppy, end - ppy)})
    table = pd.DataFrame(rows)
    total = table.set_index("series").loc[TOTAL]
    table["share_pct"] = table["ytd_actual"] / total["ytd_actual"] * 100.0
    last_share = table["last_ytd_actual"] / total["last_ytd_actual"] * 100.0
    table["share_change_pp"] = table["share_pct"] - last_share
    # each series' YoY change over last year's total: the line items' add up to the total's YoY
    table["contribution_pct"] = (table["ytd_actual"] - table["last_ytd_actual"]) / total["last_ytd_actual"] * 100.0
    projections = result.projections.set_index("series")
    for column in ("full_year_forecast", "full_year_lower_80", "full_year_upper_80", "full_year_lower_95",
                   "full_year_upper_95", "remaining_forecast"):
        table[column] = table["series"].map(projections[column])
    table["full_year_yoy_pct"] = change_pct(table["full_year_forecast"], table["last_year_actual"])
    return table


def _against_targets(result: BudgetResult, by_label: dict, table: pd.DataFrame) -> pd.DataFrame:
    """One row per (label, series): `forecast budget`'s figures for that target. The budget ran on
    the first label's amounts (others' where the first has none); another amount for the same series
    is phased with the same weights and scored on the same sample paths."""
    rows_by_series = result.table.set_index("series")
    figures = table.set_index("series")
    rows = []
    for label, amounts in by_label.items():
        for name, target in amounts.items():
            row = rows_by_series.loc[name]
            ytd, full_year = figures.at[name, "ytd_actual"], figures.at[name, "full_year_forecast"]
            if target == row["target"]:
                to_date = row["phased_target_to_date"]
            else:
                weights = result.phasing.loc[result.phasing["series"] == name, "phase_weight"].to_numpy(float)
                to_date = float((target * weights)[:int(row["periods_elapsed"])].sum())
            rows.append({"label": label, "series": name, "target": target, "attainment_pct": ytd / target * 100.0,
                         "time_progress_pct": row["time_progress_pct"], "phased_target_to_date": to_date,
                         "ahead_of_plan": ytd - to_date, "full_year_forecast": full_year,
                         "projected_attainment_pct": full_year / target * 100.0, "gap_to_target": full_year - target,
                         "prob_meet_target": float(result.prob_meet(name, target)), "phase": row["phase"]})
    return pd.DataFrame(rows)


def _month_check(data: RevenueData, a: int, config: Config, strategy, window, jobs, known) -> pd.DataFrame:
    """Each series' month against `forecast run --train-end` the month before, one month ahead:
    whether it fell outside the 95% interval and by how much (0 inside)."""
    before = run_forecast(data.cut(a - 1), 1, config=config, strategy=strategy, window=window, levels=(80, 95),
                          jobs=jobs, components=data.components)
    groups = {c.component: c.group for c in before.classifications}
    actual = {name: values[-1] for name, values in aggregate_series(data.cut(a), groups).items()}
    table = before.table.set_index("series")
    rows = []
    for name in known:
        if name not in table.index:
            continue
        f = table.loc[name]
        value = float(actual[name])
        miss = max(value - f["upper_95"], 0.0) + min(value - f["lower_95"], 0.0)  # 0 inside the interval
        rows.append({"series": name, "actual": value, "forecast": f["mean"], "lower_80": f["lower_80"],
                     "upper_80": f["upper_80"], "lower_95": f["lower_95"], "upper_95": f["upper_95"],
                     "error_pct": change_pct(value, f["mean"]), "outside_95": miss != 0.0,
                     "beyond_95": miss, "model": f["model"]})
    return pd.DataFrame(rows)


def _class_changes(data: RevenueData, a: int, config: Config, groups: dict) -> list[tuple[str, str, str]]:
    """(line item, last year's class, this year's) for the items classified otherwise a year ago."""
    ppy = data.freq.periods_per_year
    try:
        before = resolve_classes(data.cut(a - ppy), config, data.components)
    except (ForecastError, ValueError):
        return []  # too little history a year ago to classify: nothing to compare
    return [(c.component, c.group, groups[c.component]) for c in before
            if c.component in groups and c.group != groups[c.component]]


def _flags(check: pd.DataFrame, targets: pd.DataFrame, changes: list, groups: dict) -> pd.DataFrame:
    """What the review points out: months outside the 95% interval of the month-earlier forecast,
    series behind a target's plan, line items that changed class."""
    level = lambda name: "item" if name in groups else ("total" if name == TOTAL else "group")  # noqa: E731
    rows = [{"kind": "outside_95", "series": r.series, "level": level(r.series), "label": "",
             "amount": r.beyond_95, "pct": r.beyond_95 / r.forecast * 100.0, "detail": ""}
            for r in check.itertuples() if r.outside_95]
    rows += [{"kind": "behind_plan", "series": r.series, "level": level(r.series), "label": r.label,
              "amount": r.ahead_of_plan, "pct": r.ahead_of_plan / r.phased_target_to_date * 100.0, "detail": ""}
             for r in targets.itertuples() if r.ahead_of_plan < 0]
    rows += [{"kind": "class_changed", "series": name, "level": "item", "label": "", "amount": np.nan,
              "pct": np.nan, "detail": f"{was} -> {now}"} for name, was, now in changes]
    return pd.DataFrame(rows, columns=["kind", "series", "level", "label", "amount", "pct", "detail"])


def _bridges(table: pd.DataFrame, groups: dict) -> dict[str, pd.DataFrame]:
    """Last year's total to this year's, one step per line item (the steps add up exactly)."""
    rows = table.set_index("series")
    items = [name for name in groups if name in rows.index]

    def bridge(before: str, after: str) -> pd.DataFrame:
        steps = [("start", TOTAL, rows.at[TOTAL, before])]
        steps += [("item", name, rows.at[name, after] - rows.at[name, before]) for name in items]
        steps.append(("end", TOTAL, rows.at[TOTAL, after]))
        return pd.DataFrame(steps, columns=["step", "series", "amount"])

    return {"ytd": bridge("last_ytd_actual", "ytd_actual"),
            "full_year": bridge("last_year_actual", "full_year_forecast")}


def group_of(name: str, groups: dict) -> str:
    """The series' place: a line item's group, or the group/total itself."""
    if name in groups:
        return groups[name]
    return TOTAL if name == TOTAL else name.split(":", 1)[-1]


