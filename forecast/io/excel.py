"""Excel output that analysts can use as it is: periods as real dates (formatted `yyyy-mm` for
months), one percentage format (real Excel percentages: 42.74% is stored as 0.4274, so formulas
work on it), thousands separators on amounts, a bold frozen header with an autofilter, and
columns as wide as their contents. The column names are the contract's, as in the CSV.

A table whose first column is `measure` (the budget read down, one column per series) is
formatted row by row, by the measure each row holds.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from forecast.calendar import period_starts
from forecast.io.rounding import percent_kind

DATE_COLUMNS = ("date", "origin", "train_end", "as_of")
TIMESTAMP_COLUMNS = ("created",)
PERCENT_FORMAT = "0.00%"
AMOUNT_FORMAT = "#,##0.00"
PLAIN_INTEGERS = ("year", "step", "n", "periods_elapsed", "periods_remaining", "ordinal", "rank", "run_id", "lead",
                  "period", "periods", "origins")
_FORMS = [(re.compile(r"^\d{4}$"), "yyyy"), (re.compile(r"^\d{4}-\d{2}$"), "yyyy-mm"),
          (re.compile(r"^\d{4}Q[1-4]$"), "yyyy-mm"), (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "yyyy-mm-dd")]
MEASURE = "measure"


def date_format(labels: pd.Series) -> str | None:
    """The Excel format of a column of period labels as the toolkit writes them (None: not periods)."""
    values = labels.dropna().astype(str)
    if values.empty:
        return None
    for pattern, form in _FORMS:
        if values.str.match(pattern).all():
            return form
    return None


def number_format(column: str, dtype) -> str | None:
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return None
    if percent_kind(column):
        return PERCENT_FORMAT
    if pd.api.types.is_integer_dtype(dtype):
        return "0" if column in PLAIN_INTEGERS else "#,##0"
    return AMOUNT_FORMAT


def as_excel(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame as cells (dates as datetimes, percents as fractions) and each column's format."""
    out, formats = frame.copy(), {}
    for column in frame.columns:
        name = str(column)
        if name in TIMESTAMP_COLUMNS and not pd.api.types.is_numeric_dtype(frame[column]):
            stamps = pd.to_datetime(frame[column], errors="coerce", utc=True)
            if stamps.notna().all():  # when a run was saved, in UTC (Excel has no time zones)
                out[column] = python_datetimes(stamps.dt.tz_localize(None))
                formats[name] = "yyyy-mm-dd hh:mm"
            continue
        if name in DATE_COLUMNS and not pd.api.types.is_numeric_dtype(frame[column]):
            form = date_format(frame[column])
            if form:
                out[column] = python_datetimes(period_starts(frame[column]))
                formats[name] = form
            continue
        fmt = number_format(name, frame[column].dtype)
        if fmt:
            formats[name] = fmt
            if percent_kind(name) == "percent":
                out[column] = frame[column] / 100
    return out, formats


def _measure_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str | None]]:
    """A measure-by-series table: percent rows as fractions, and each row's format."""
    out = frame.copy().astype(object)
    formats = []
    for i, measure in enumerate(frame[MEASURE].astype(str)):
        values = pd.to_numeric(frame.iloc[i, 1:], errors="coerce")
        numeric = values.notna().all()
        kind = percent_kind(measure)
        if numeric and kind == "percent":
            out.iloc[i, 1:] = (values / 100).to_numpy()
        formats.append((PERCENT_FORMAT if kind else AMOUNT_FORMAT) if numeric else None)
    return out, formats


def python_datetimes(stamps: pd.Series) -> list:
    """The cells openpyxl writes as dates (`.dt.to_pydatetime()` returns an array in pandas 2 and
    a Series in pandas 3, and warns in between)."""
    return [t.to_pydatetime() for t in stamps]


def display_width(value) -> int:
    """Characters a cell needs: East Asian wide characters count twice."""
    text = f"{value:,.2f}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_workbook(tables: dict[str, pd.DataFrame], path) -> None:
    """One sheet per table, named by its key."""
    with pd.ExcelWriter(path, engine="openpyxl", datetime_format="yyyy-mm-dd") as writer:
        for name, frame in tables.items():
            sheet = name[:31]
            by_row = len(frame.columns) and str(frame.columns[0]) == MEASURE
            if by_row:
                cells, row_formats = _measure_rows(frame)
                formats = {}
            else:
                cells, formats = as_excel(frame)
            cells.to_excel(writer, index=False, sheet_name=sheet)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "B2" if by_row else "A2"
            if len(frame):
                ws.auto_filter.ref = ws.dimensions
            for j, column in enumerate(frame.columns, start=1):
                ws.cell(row=1, column=j).font = Font(bold=True)
                fmt = formats.get(str(column))
                for i, (cell,) in enumerate(ws.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=j, max_col=j)):
                    chosen = row_formats[i] if by_row and j > 1 else fmt
                    if chosen:
                        cell.number_format = chosen
                shown = frame[column].head(200)
                width = max([display_width(column)] + [display_width(v) for v in shown])
                ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 9), 60)
