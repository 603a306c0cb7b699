"""What an export looks like before it is a table: its text encoding, its separator, and where
the header is among title, unit and note rows.

Finance teams' files come from Chinese Excel (GB18030/GBK), from "Unicode text" exports
(UTF-16, tab-separated), from European locales (semicolons, decimal commas) and from report
templates with a title and a unit row (`单位：万元`) above the header. Each is recognised here
so that none needs an option; `--encoding` forces the encoding when the guess is wrong.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecast.calendar import is_period
from forecast.errors import InputDataError
from forecast.io.amounts import decimal_mark
from forecast.names import DATE_ALIASES, canonical_header, rename_headers

ENCODINGS_TRIED = ("utf-8", "gb18030", "cp1252")
_UNIT = re.compile(r"(?:单位|單位|unit|units)\s*[:：]\s*([^\s,;，；)）]+)", re.IGNORECASE)
_UNIT_IN_BRACKETS = re.compile(r"[(（]\s*((?:万|千|百万|亿)?元|(?:thousand|million)s?\s*\w*)\s*[)）]", re.IGNORECASE)
HEADER_SEARCH_ROWS = 30


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """The file's text: a forced encoding, else by its BOM, else UTF-8, GB18030, Windows-1252."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputDataError(f"--encoding {encoding!r} is not an encoding Python knows; use e.g. utf-8, "
                                 "gb18030 or utf-16") from None
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise InputDataError(f"{source}: byte {exc.start} cannot be read as {encoding}; check --encoding "
                                 "or leave it out to detect the encoding") from None
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decode_or_fail(data, name, source)
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:  # UTF-16 without a BOM
        return _decode_or_fail(data, "utf-16-le" if data[1] == 0 else "utf-16-be", source)
    for name in ENCODINGS_TRIED:
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    raise InputDataError(f"{source}: cannot tell the file's text encoding; save it as UTF-8 CSV, or give "
                         "--encoding")  # unreachable in practice: cp1252 decodes almost anything


def _decode_or_fail(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputDataError(f"{source}: looks like {encoding} but byte {exc.start} is not; save it again as "
                             "UTF-8 CSV, or give --encoding") from None


def delimiter_of(text: str) -> str:
    """Comma, semicolon, tab or pipe: the one that splits the most lines into the same number
    (above one) of cells, quoted cells respected."""
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS + 20]
    best, best_score = ",", (0, 0)
    for candidate in (",", ";", "\t", "|"):
        widths = [len(row) for row in csv.reader(lines, delimiter=candidate)]
        common = max(set(widths), key=widths.count) if widths else 1
        score = (widths.count(common) if common > 1 else 0, common)
        if score > best_score:
            best, best_score = candidate, score
    return best


def csv_rows(text: str, delimiter: str) -> list[list[str]]:
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


@dataclass(frozen=True)
class RawTable:
    frame: pd.DataFrame
    source: str
    first_row: int  # file row number of frame.iloc[0] (header is row 1 in CSV and Excel)
    row_word: str = "row"
    row_numbers: "object | None" = None  # file row of each frame row, when not consecutive
    unit: str | None = None  # e.g. 万元, from a unit row above the header
    decimal: str = "."  # the file's decimal mark (a comma in European semicolon files)


@dataclass(frozen=True)
class Layout:
    header: int  # index of the header row in the grid
    unit: str | None  # e.g. 万元, from a unit row or a title


def filled(row) -> list:
    return [c for c in row if not blank(c)]


def blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def find_layout(grid: list[list], source: str) -> Layout:
    """The header row: the first row of two or more cells that names a date column, or whose next
    filled row starts with a period (a wide table whose first column holds the periods), or whose
    own cells after the first are periods (line items down, months across). Rows above it are
    titles, units and notes; a unit found there is kept for plots and reports."""
    rows = [i for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]) if filled(row)]
    if not rows:
        raise InputDataError(f"{source}: the file is empty; it needs a header row and data rows")
    for pos, i in enumerate(rows):
        cells = filled(grid[i])
        if len(cells) < 2:
            continue
        names = {canonical_header(c) for c in cells if isinstance(c, str)}
        below = grid[rows[pos + 1]] if pos + 1 < len(rows) else []
        first_below = next((c for c in below if not blank(c)), None)
        periods_across = sum(bool(is_period(c)) for c in cells[1:])
        if (names & DATE_ALIASES or (first_below is not None and is_period(first_below) and not is_period(cells[0]))
                or periods_across >= max(2, len(cells) - 2)):
            return Layout(i, _unit(grid[:i]))
    first = next((i for i in rows if len(filled(grid[i])) >= 2), rows[0])  # below any title
    return Layout(first, _unit(grid[:first]))


def _unit(rows) -> str | None:
    for row in rows:
        for cell in filled(row):
            text = str(cell)
            m = _UNIT.search(text) or _UNIT_IN_BRACKETS.search(text)
            if m:
                return m.group(1)
    return None


def filled_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """True where a cell holds something (not None, NaN or only spaces), column by column."""
    return pd.DataFrame({c: cells[c].notna().to_numpy() & (cells[c].astype(str).str.strip() != "").to_numpy()
                         for c in cells.columns}, index=cells.index)


def table_from_grid(grid: list[list], source: str, delimiter: str = ",") -> RawTable:
    """The table below the header row of a grid of cells (see `sniff.find_layout`)."""
    layout = find_layout(grid, source)
    rows = grid[layout.header:]
    width = max(len(row) for row in rows)
    padded = [list(row) + [None] * (width - len(row)) for row in rows]
    return table_from_cells(pd.DataFrame(padded, dtype=object), layout, source, delimiter)


def read_delimited(text: str, source: str, delimiter: str) -> RawTable:
    """A CSV's table; pandas' C parser reads the rows below the header, the csv module any file
    that parser cannot (rows longer than the header, quoted line breaks above it)."""
    head = csv_rows("\n".join(text.splitlines()[:HEADER_SEARCH_ROWS + 2]), delimiter)
    layout = find_layout(head, source)
    if '"' not in "\n".join(text.splitlines()[:layout.header]):  # no quoted line breaks above the header
        try:
            cells = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, skiprows=layout.header, dtype=str,
                                keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c")
            return table_from_cells(cells, layout, source, delimiter)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            pass
    return table_from_grid(csv_rows(text, delimiter), source, delimiter)


def table_from_cells(cells: pd.DataFrame, layout: Layout, source: str, delimiter: str) -> RawTable:
    """`cells`: the header row and the rows below it, one column per cell position (row i is
    file row layout.header + i + 1). Empty rows and unheaded empty columns are dropped; an
    unheaded column with values, a row longer than the header and two columns headed alike are
    refused, naming them."""
    header = ["" if blank(c) else str(c).strip() for c in cells.iloc[0]]
    body = cells.iloc[1:]
    filled_mask = filled_cells(body)
    occupied = filled_mask.any(axis=1).to_numpy()
    body, filled_mask = body[occupied], filled_mask[occupied]
    numbers = np.flatnonzero(occupied).astype(np.int64) + layout.header + 2
    last_heading = max([j for j, h in enumerate(header) if h] + [0])
    keep = []
    for j, heading in enumerate(header):
        if heading or j == 0:
            keep.append(j)
        elif filled_mask.iloc[:, j].any():
            first = int(numbers[np.flatnonzero(filled_mask.iloc[:, j].to_numpy())[0]])
            raise InputDataError(
                f"{source}: row {first} has more cells than the header (row {layout.header + 1}) has headings; "
                "remove the extra cells or head their column" if j > last_heading else
                f"{source}: column {j + 1} has values but no heading in row {layout.header + 1}; name the line item")
    names = rename_headers([header[j] or f"column {j + 1}" for j in keep])
    for name in dict.fromkeys(names):
        where = [keep[j] + 1 for j, n in enumerate(names) if n == name]
        if len(where) > 1:
            raise InputDataError(f"{source}: columns {where[0]} and {where[1]} are both headed {name!r}; give each "
                                 "column its own heading")
    frame = body.iloc[:, keep].set_axis(names, axis=1).reset_index(drop=True)
    frame = frame.astype(object).where(filled_cells(frame).to_numpy(), "")
    if "date" not in frame.columns and len(frame) and is_period(frame.iloc[0, 0]):
        frame = frame.rename(columns={frame.columns[0]: "date"})  # the periods' column, headed otherwise
    value_columns = [c for c in frame.columns if c not in ("date", "component", "group")]
    marked = [c for col in value_columns for c in frame[col][frame[col].astype(str).str.contains(r"\d[.,]\d")]
              .head(2000)]
    table = RawTable(frame, source, first_row=int(numbers[0]) if len(numbers) else layout.header + 2,
                     row_numbers=numbers, unit=layout.unit, decimal=decimal_mark(marked, delimiter))
    if "date" not in frame.columns and sum(map(is_period, frame.columns[1:])) >= 2:
        return periods_across(table)
    return table


def periods_across(raw: RawTable) -> RawTable:
    """Line items down and periods across (a common report layout) as a long table; columns that
    are not periods (a 合计 column of row totals) are left out."""
    frame = raw.frame
    name_col = frame.columns[0]
    period_cols = [c for c in frame.columns[1:] if is_period(c)]
    long = frame.melt(id_vars=[name_col], value_vars=period_cols, var_name="date", value_name="value")
    long = long.rename(columns={name_col: "component"})[["date", "component", "value"]]
    numbers = np.tile(np.asarray(raw.row_numbers), len(period_cols))
    return replace(raw, frame=long.reset_index(drop=True), row_numbers=numbers, first_row=int(numbers[0]))
