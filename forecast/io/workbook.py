"""Excel input: the data sheet of a workbook as a grid of cells, whichever sheet it is on."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from forecast.errors import InputDataError
from forecast.io.sniff import table_from_grid


def _cell(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)  # 202401 typed in a General cell arrives as 202401.0
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.time):
        return ""
    return value


def _not_a_workbook(path: Path, data: bytes) -> InputDataError:
    head = data[:2048]
    try:
        head.decode("utf-8")
        looks_like_text = b"\0" not in head
    except UnicodeDecodeError:
        looks_like_text = False
    hint = ("it holds plain text: rename it to .csv" if looks_like_text
            else "open it in Excel and save it again as .xlsx, or export CSV")
    return InputDataError(f"{path}: is not an Excel workbook (.xlsx) although it is named so; {hint}")


def workbook_table(path: Path, data: bytes, sheet: str | None):
    """The table of the sheet named `sheet`, else of the first sheet that holds one (a header
    row with a date column, or periods across); the error lists the sheets when none does."""
    if not data.startswith(b"PK"):
        raise _not_a_workbook(path, data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputDataError(f"{path}: the workbook is damaged and cannot be read ({type(exc).__name__}); "
                             "open it in Excel and save it again") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise InputDataError(f"{path}: no sheet {sheet!r}; sheets are {', '.join(names)}")
        tried = []
        for name in [sheet] if sheet is not None else names:
            grid = [[_cell(v) for v in row] for row in book[name].iter_rows(values_only=True)]
            if not any(any(v not in (None, "") for v in row) for row in grid):
                tried.append(f"{name} (empty)")
                continue
            try:
                table = table_from_grid(grid, f"{path} [sheet {name}]")
            except InputDataError as exc:
                if sheet is not None:
                    raise
                tried.append(f"{name} ({str(exc).split(': ', 1)[-1][:60]})")
                continue
            if "date" in table.frame.columns or sheet is not None:
                return table
            tried.append(f"{name} (no date column)")
    finally:
        book.close()
    raise InputDataError(f"{path}: no sheet holds a revenue table with a date column; sheets: "
                         f"{'; '.join(tried)}; give --sheet NAME, or head the period column 'date'")
