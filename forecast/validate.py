"""Turn a raw table into a validated `RevenueData`, or raise `InputDataError` naming the file,
the row or column, what was found and how to fix it."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .calendar import parse_dates
from .errors import InputDataError
from .io import RawTable
from .revenue import GROUPS, RevenueData

MIN_PERIODS = 3  # below this not even a naive forecast has anything to go on
_NUMBER_CLEAN = re.compile(r"[,\s_]")


def to_revenue(raw: RawTable, *, freq: str | None = None, key_columns: tuple[str, ...] = ()) -> RevenueData:
    """Validate a long or wide revenue table (see CONTRACT.md) and return it tidy."""
    frame, source = raw.frame, raw.source
    if frame.shape[1] == 0 or (len(frame) == 0 and "date" not in frame.columns):
        raise InputDataError(f"{source}: the file is empty; it needs a header row and data rows")
    check_columns(frame, source)
    if len(frame) == 0:
        raise InputDataError(f"{source}: has a header but no data rows; add at least {MIN_PERIODS} periods")
    rows = np.asarray(raw.row_numbers) if raw.row_numbers is not None else np.arange(len(frame)) + raw.first_row
    long = _to_long(frame, source, key_columns)
    rows = rows[long.pop("_pos").to_numpy()]
    parsed = parse_dates(long["date"], source=source, rows=rows, freq=freq)
    values = check_numeric(long["value"], source, rows, raw.row_word)
    tidy = pd.DataFrame({"ordinal": parsed.ordinals, "component": long["component"].astype(str).str.strip(),
                         "value": values})
    if (tidy["component"] == "").any():
        row = rows[np.flatnonzero(tidy["component"] == "")[0]]
        raise InputDataError(f"{source}: {raw.row_word} {row}, column 'component' is empty; name the line item")
    groups = check_groups(long, source, rows, raw.row_word)
    check_duplicates(tidy, rows, source, parsed, raw.row_word)
    # Line items keep the order in which the file first names them.
    rank = {c: i for i, c in enumerate(dict.fromkeys(tidy["component"]))}
    tidy = tidy.assign(_rank=tidy["component"].map(rank)).sort_values(["_rank", "ordinal"], kind="stable")
    data = RevenueData(tidy.drop(columns="_rank").reset_index(drop=True), parsed.freq, parsed.style, source, groups)
    check_gaps(data)
    check_length(data)
    negatives = tidy[tidy["value"] < 0]
    notes = ()
    if len(negatives):
        first = negatives.iloc[0]
        notes = (f"{source}: {len(negatives)} negative value(s), e.g. {first['component']} at "
                 f"{data.label(int(first['ordinal']))} = {first['value']:g}; kept as revenue adjustments",)
    return RevenueData(data.frame, data.freq, data.style, source, groups, notes)


def check_columns(frame: pd.DataFrame, source: str) -> None:
    cols = list(frame.columns)
    if "date" not in cols:
        raise InputDataError(f"{source}: no column 'date' (columns are: {', '.join(map(str, cols))}); "
                             "name the period column 'date'")
    if "component" in cols and "value" not in cols:
        raise InputDataError(f"{source}: long format needs a column 'value' beside 'date' and 'component'; "
                             "add it or give a wide table (date plus one column per line item)")
    if "value" in cols and "component" not in cols:
        if len(cols) == 2:
            return  # a single series: date, value
        raise InputDataError(f"{source}: long format needs a column 'component' beside 'date' and 'value'; add it")
    if "component" not in cols and len(cols) < 2:
        raise InputDataError(f"{source}: only a 'date' column; add 'component' and 'value' columns "
                             "(long) or one column per line item (wide)")


def _to_long(frame: pd.DataFrame, source: str, key_columns) -> pd.DataFrame:
    frame = frame.assign(_pos=np.arange(len(frame)))
    if "component" in frame.columns:
        keep = ["date", "component", "value", "_pos"] + (["group"] if "group" in frame.columns else [])
        return frame[keep].reset_index(drop=True)
    if list(frame.columns) == ["date", "value", "_pos"]:
        return frame.assign(component="value")[["date", "component", "value", "_pos"]]
    item_cols = [c for c in frame.columns if c not in ("date", "_pos", "group", *key_columns)]
    long = frame.melt(id_vars=["date", "_pos"], value_vars=item_cols, var_name="component", value_name="value")
    return long.sort_values(["_pos"], kind="stable").reset_index(drop=True)


def check_numeric(values: pd.Series, source: str, rows, row_word: str = "row", column: str = "value") -> np.ndarray:
    def convert(v):
        if isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
            return float(v)
        text = _NUMBER_CLEAN.sub("", str(v))
        return float(text) if text else np.nan

    out = np.empty(len(values))
    for i, v in enumerate(values):
        try:
            out[i] = convert(v)
        except ValueError:
            raise InputDataError(f"{source}: {row_word} {rows[i]}, column {column!r}: {str(v)!r} is not a number; "
                                 "write plain numbers such as 1234.5") from None
        if np.isnan(out[i]) or np.isinf(out[i]):
            raise InputDataError(f"{source}: {row_word} {rows[i]}, column {column!r} is empty; fill in the value "
                                 "(write 0 if there was no revenue) or remove the row")
    return out


def check_groups(long: pd.DataFrame, source: str, rows, row_word: str = "row") -> dict:
    if "group" not in long.columns:
        return {}
    groups: dict[str, str] = {}
    for i, (component, group) in enumerate(zip(long["component"], long["group"])):
        group = str(group).strip().lower()
        if group == "":
            continue
        if group not in GROUPS:
            raise InputDataError(f"{source}: {row_word} {rows[i]}, column 'group': {group!r} is not a group; "
                                 "use 'fixed' or 'fluctuating' (or leave it empty to classify automatically)")
        if groups.setdefault(str(component).strip(), group) != group:
            raise InputDataError(f"{source}: {row_word} {rows[i]}, column 'group': {component} is "
                                 f"'{groups[component]}' on earlier rows and '{group}' here; give one group per component")
    return groups


def check_duplicates(tidy: pd.DataFrame, rows, source: str, parsed, row_word: str = "row") -> None:
    dup = tidy.duplicated(["component", "ordinal"], keep=False)
    if dup.any():
        first = tidy[dup].iloc[0]
        where = rows[np.flatnonzero(dup & (tidy["component"] == first["component"])
                                    & (tidy["ordinal"] == first["ordinal"]))]
        label = parsed.freq.label(int(first["ordinal"]), parsed.style)
        raise InputDataError(f"{source}: {row_word}s {' and '.join(map(str, where[:2]))} both give "
                             f"{first['component']} at {label}; keep one row per component and period")


def check_gaps(data: RevenueData) -> None:
    ends = {}
    for component, sub in data.frame.groupby("component", sort=False):
        ords = sub["ordinal"].to_numpy()
        steps = np.diff(ords)
        if (steps > 1).any():
            i = int(np.flatnonzero(steps > 1)[0])
            missing = data.label(int(ords[i]) + 1)
            raise InputDataError(
                f"{data.source}: {component} has no row for {missing} (between {data.label(int(ords[i]))} and "
                f"{data.label(int(ords[i + 1]))}); add the missing period(s), with 0 if there was no revenue")
        ends[component] = int(ords[-1])
    last = max(ends.values())
    for component, end in ends.items():
        if end != last:
            raise InputDataError(
                f"{data.source}: {component} ends at {data.label(end)} but other components run to "
                f"{data.label(last)}; give every component up to the same last period")


def check_length(data: RevenueData, minimum: int = MIN_PERIODS) -> None:
    n = data.last - data.first + 1
    if n < minimum:
        raise InputDataError(f"{data.source}: only {n} period(s) of history; at least {minimum} are needed "
                             "for any forecast (two years suit a statistical model)")
