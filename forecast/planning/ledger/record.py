"""A run as the ledger stores it: built from a forecast result, no database needed."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata

import numpy as np
import pandas as pd

from forecast import __version__
from forecast.combine import ForecastResult
from forecast.revenue import RevenueData
from forecast.strategies import GROUP_PREFIX, TOTAL, grouping_series, present_groupings


@dataclass(frozen=True)
class RunRecord:
    """Rows for the ledger's tables: `run` (one), `series`, `forecasts`, `intervals`, `tables`."""

    run: dict
    series: list[dict]
    forecasts: list[dict]
    intervals: list[dict]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def software_version() -> str:
    try:
        return metadata.version("telecom-revenue-forecast")
    except metadata.PackageNotFoundError:  # running from a source tree without installing

        return __version__


def fingerprint(data: RevenueData) -> str:
    """SHA-256 of the data the run saw (after --train-end / --as-of): same data, same print."""
    frame = data.frame.sort_values(["component", "ordinal"])
    text = f"{data.freq.name}:{data.freq.anchor}\n" + frame[["component", "ordinal", "value"]].to_csv(
        index=False, float_format="%.17g")
    return hashlib.sha256(text.encode()).hexdigest()


def series_members(result: ForecastResult, components: list[str], groupings: dict | None = None) -> dict[str, list[str]]:
    """For each output series, the line items whose actuals sum to it (the run's own grouping)."""
    groups = {c.component: c.group for c in result.classifications}
    members = {c: [c] for c in components}
    members[TOTAL] = list(components)
    for group in set(groups.values()):
        members[GROUP_PREFIX + group] = [c for c in components if groups.get(c) == group]
    for name, parts in present_groupings(groupings or {}, components).items():
        for group, items in parts.items():
            members[grouping_series(name, group)] = list(items)
    return members


def record_run(command: str, data: RevenueData, result: ForecastResult, *, options: dict, note: str = "",
               tables: dict[str, pd.DataFrame] | None = None, groupings: dict | None = None) -> RunRecord:
    """Everything needed to answer later what was forecast, from what, and how.

    `data` is the history the run used (its last period is the train end); `options` the
    command's options as given (stored as JSON).
    """
    table = result.table
    members = series_members(result, data.components, groupings)
    horizon = int(table["ordinal"].max() - data.last)
    run = {"version": software_version(), "command": command, "source": data.source,
           "fingerprint": fingerprint(data), "options": json.dumps(options, default=str, sort_keys=True),
           "freq": data.freq.name, "freq_anchor": int(data.freq.anchor), "train_end": data.label(data.last),
           "horizon": horizon, "strategy": result.strategy, "note": note or ""}
    series_rows = []
    for position, (name, rows) in enumerate(table.groupby("series", sort=False)):
        fit = result.fits.get(name)
        series_rows.append({"series": name, "position": position, "model": str(rows["model"].iloc[0]),
                            "window": None if fit is None or fit.window is None else int(fit.window),
                            "params": json.dumps(_plain(fit.params) if fit is not None else {}, sort_keys=True),
                            "members": json.dumps(members.get(name, []))})
    forecasts, intervals = [], []
    for r in table.itertuples(index=False):
        lead = int(r.ordinal - data.last)
        forecasts.append({"series": r.series, "lead": lead, "date": r.date,
                          "period_start": data.freq.date(int(r.ordinal)).isoformat(), "mean": float(r.mean)})
        for level in result.levels:
            intervals.append({"series": r.series, "lead": lead, "level": int(level),
                              "lower": float(getattr(r, f"lower_{level}")), "upper": float(getattr(r, f"upper_{level}"))})
    return RunRecord(run, series_rows, forecasts, intervals, dict(tables or {}))


def _plain(value):
    """JSON-ready copy of model parameters (numpy scalars and arrays become numbers and lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def actual_rows(data: RevenueData) -> pd.DataFrame:
    """The line items of a revenue table as ledger actuals: series, freq, period_start, date, value."""
    frame = data.frame
    ords = frame["ordinal"].astype(int)
    return pd.DataFrame({"series": frame["component"].astype(str), "freq": data.freq.name,
                         "period_start": [data.freq.date(o).isoformat() for o in ords],
                         "date": [data.label(o) for o in ords], "value": frame["value"].astype(float)})
