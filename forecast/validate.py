"""Turn a raw table into a validated `RevenueData`, or raise `InputDataError` naming the file,
the row or column, what was found and how to fix it."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.calendar import is_period, parse_dates
from forecast.errors import InputDataError
from forecast.io.amounts import to_amount
from forecast.io.sniff import RawTable, blank, filled_cells
from forecast.names import clashing, is_subtotal, is_total
from forecast.revenue import GROUPS, RevenueData, decimal_places

MIN_PERIODS = 3  # below this not even a naive forecast has anything to go on
TOTAL_TOLERANCE = 0.005  # a total within 0.5% of the sum of its parts is that sum (rounding in exports)


def to_revenue(raw: RawTable, *, freq: str | None = None, key_columns: tuple[str, ...] = ()) -> RevenueData:
    """Validate a long or wide revenue table (see CONTRACT.md) and return it tidy.

    Footnote rows below the data are dropped; a total row, column or line item (合计, total...)
    is checked against the sum of the others and left out (see `drop_totals`)."""
    frame, source = raw.frame, raw.source
    if frame.shape[1] == 0 or (len(frame) == 0 and "date" not in frame.columns):
        raise InputDataError(f"{source}: the file is empty; it needs a header row and data rows")
    check_columns(frame, source)
    if len(frame) == 0:
        raise InputDataError(f"{source}: has a header but no data rows; add at least {MIN_PERIODS} periods")
    rows = np.asarray(raw.row_numbers) if raw.row_numbers is not None else np.arange(len(frame)) + raw.first_row
    frame, rows, total_rows = _split_note_and_total_rows(frame, rows, key_columns)
    long = _to_long(frame, source, key_columns)
    rows = rows[long.pop("_pos").to_numpy()]
    parsed = parse_dates(long["date"], source=source, rows=rows, freq=freq)
    columns = long["component"].astype(str).to_numpy() if "component" not in frame.columns else "value"
    values = check_numeric(long["value"], source, rows, raw.row_word, column=columns, decimal=raw.decimal)
    tidy = pd.DataFrame({"ordinal": parsed.ordinals, "component": long["component"].astype(str).str.strip(),
                         "value": values})
    if (tidy["component"] == "").any():
        row = rows[np.flatnonzero(tidy["component"] == "")[0]]
        raise InputDataError(f"{source}: {raw.row_word} {row}, column 'component' is empty; name the line item")
    check_names(tidy["component"], source)
    groups = check_groups(long, source, rows, raw.row_word)
    check_duplicates(tidy, rows, source, parsed, raw.row_word)
    tidy, notes = drop_totals(tidy, total_rows, raw, key_columns, lambda o: parsed.freq.label(int(o), parsed.style))
    # Line items keep the order in which the file first names them (factorize numbers them so).
    first_named = pd.factorize(tidy["component"])[0]
    tidy = tidy.iloc[np.lexsort((tidy["ordinal"].to_numpy(), first_named))]  # a stable sort
    named = set(tidy["component"])
    data = RevenueData(tidy.reset_index(drop=True), parsed.freq, parsed.style, source,
                       {c: g for c, g in groups.items() if c in named}, unit=raw.unit,
                       decimals=decimal_places(tidy["value"]))
    check_gaps(data)
    check_length(data)
    negatives = tidy[tidy["value"] < 0]
    if len(negatives):
        first = negatives.iloc[0]
        notes += (f"{source}: {len(negatives)} negative value(s), e.g. {first['component']} at "
                  f"{data.label(int(first['ordinal']))} = {first['value']:g}; kept as revenue adjustments",)
    return replace(data, notes=notes)


def _split_note_and_total_rows(frame: pd.DataFrame, rows: np.ndarray, key_columns):
    """Rows whose period cell is a total word (a 合计 row summing the periods), and notes below
    the data (a period cell that is no period and no amount beside it) are taken out."""
    labels = pd.unique(frame["date"].to_numpy(object))
    odd = {v for v in labels if not is_period(v)}
    if not odd:
        return frame, rows, frame.iloc[:0]
    dates = frame["date"]
    totals = dates.map(lambda v: v in odd and is_total(v)).to_numpy(bool)
    values = frame.drop(columns=[c for c in ("date", "component", "group", *key_columns) if c in frame.columns])
    empty = filled_cells(values).sum(axis=1).to_numpy() == 0
    periods = ~dates.map(lambda v: v in odd).to_numpy(bool)
    notes = np.zeros(len(frame), bool)
    if periods.any():
        after = np.arange(len(frame)) > np.flatnonzero(periods)[-1]
        notes = after & ~periods & empty
    keep = ~(totals | notes)
    return frame[keep].reset_index(drop=True), rows[keep], frame[totals & ~notes].reset_index(drop=True)


def check_names(components: pd.Series, source: str) -> None:
    for group in clashing(components):
        raise InputDataError(f"{source}: line items {' and '.join(map(repr, group))} differ only in case, width or "
                             "spaces; give each line item one spelling")


def drop_totals(tidy: pd.DataFrame, total_rows: pd.DataFrame, raw: RawTable, key_columns, label) -> tuple:
    """Take a total line item or column (合计, 总计, total, sum...) and a total row out of the
    modelling when it equals the sum of the others to 0.5% (it would count the revenue twice);
    raise naming the periods or items that do not add up when it does not."""
    if not len(total_rows) and not any(is_total(c) or is_subtotal(c) for c in pd.unique(tidy["component"])):
        return tidy, ()
    tidy, notes = _drop_subtotals(tidy, raw.source, label)
    totals = [c for c in dict.fromkeys(tidy["component"]) if is_total(c)]
    others = tidy[~tidy["component"].isin(totals)]
    if totals and len(others):
        summed = others.groupby("ordinal")["value"].sum()
        for name in totals:
            given = tidy[tidy["component"] == name].set_index("ordinal")["value"]
            expected = summed.reindex(given.index).fillna(0.0)
            off = ~np.isclose(given, expected, rtol=TOTAL_TOLERANCE, atol=1e-9)
            if off.any():
                bad = [f"{label(o)} ({given[o]:,.2f} vs {expected[o]:,.2f})" for o in given.index[off][:3]]
                raise InputDataError(
                    f"{raw.source}: the total {name!r} does not equal the sum of the other line items in "
                    f"{int(off.sum())} period(s): {', '.join(bad)}; correct it, or rename the column if it is "
                    "not a total")
        notes += (f"{raw.source}: {', '.join(map(repr, totals))} equals the sum of the line items; used as a "
                  "check and left out of the modelling",)
        tidy = others
    if len(total_rows):
        long = _to_long(total_rows, raw.source, key_columns)
        sums = tidy.groupby("component")["value"].sum()
        for component, cell in zip(long["component"].astype(str).str.strip(), long["value"]):
            if component in totals or blank(cell) or component not in sums.index:
                continue
            given = check_numeric(pd.Series([cell]), raw.source, ["total row"], decimal=raw.decimal)[0]
            if not np.isclose(given, sums[component], rtol=TOTAL_TOLERANCE, atol=1e-9):
                raise InputDataError(f"{raw.source}: the total row gives {component} = {given:,.2f} but its periods "
                                     f"sum to {sums[component]:,.2f}; correct the total row or remove it")
        notes += (f"{raw.source}: the total row ({total_rows['date'].iloc[0]}) adds up; left out of the modelling",)
    return tidy, notes


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


def _off_periods(given: pd.Series, expected: pd.Series, label) -> list[str]:
    off = ~np.isclose(given, expected, rtol=TOTAL_TOLERANCE, atol=1e-9)
    return [f"{label(o)} ({given[o]:,.2f} vs {expected[o]:,.2f})" for o in given.index[off]]


def _drop_subtotals(tidy: pd.DataFrame, source: str, label) -> tuple[pd.DataFrame, tuple]:
    """Subtotal line items (小计) that sum the items listed just before them are left out."""
    names = list(dict.fromkeys(tidy["component"]))
    if not any(is_subtotal(n) for n in names):
        return tidy, ()
    values = tidy.pivot(index="ordinal", columns="component", values="value").fillna(0.0)
    dropped, run, notes = [], [], ()
    for name in names:
        if is_total(name):
            continue
        if not is_subtotal(name):
            run.append(name)
            continue
        given = values[name][tidy.loc[tidy["component"] == name, "ordinal"].to_numpy()]
        bad = _off_periods(given, values[run].sum(axis=1).reindex(given.index), label) if run else ["no items"]
        if bad:
            raise InputDataError(f"{source}: the subtotal {name!r} does not equal the sum of the line items before "
                                 f"it ({', '.join(run) or 'none'}) in {len(bad)} period(s), e.g. {bad[0]}; correct "
                                 "it, or rename it if it is not a subtotal")
        notes += (f"{source}: subtotal {name!r} equals {' + '.join(run)}; used as a check and left out",)
        dropped.append(name)
        run = []
    return tidy[~tidy["component"].isin(dropped)], notes


def check_numeric(values: pd.Series, source: str, rows, row_word: str = "row", column="value",
                  decimal: str = ".") -> np.ndarray:
    """Amounts as floats; `column` names the column of every value (one name, or one per value
    when a wide table was melted), for the error naming the cell."""
    values = pd.Series(values).reset_index(drop=True)
    out = np.full(len(values), np.nan)
    if decimal == ".":  # plain numbers at numpy speed; the rest cell by cell
        out = pd.to_numeric(values, errors="coerce").to_numpy(float, copy=True)
    columns = [column] * len(values) if isinstance(column, str) else column
    for i in np.flatnonzero(~np.isfinite(out)):
        v, column = values[i], columns[i]
        try:
            amount = to_amount(v, decimal)
        except ValueError:
            raise InputDataError(f"{source}: {row_word} {rows[i]}, column {column!r}: {str(v)!r} is not a number; "
                                 "write amounts such as 1234.5, 1,234.50 or (12.50)") from None
        out[i] = amount
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
