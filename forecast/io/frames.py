"""pandas objects in: a DataFrame or Series as the same raw table a file would give.

The shapes a Python user has at hand are all accepted: the contract's long `date, component,
value`; statsforecast's `unique_id, ds, y`; a wide table with a date column or a date index and
one column per line item; a Series with a date index (one line item, named after the Series).
Cells then go through the very checks a CSV's cells do (`sniff.table_from_cells`), so a
DataFrame and the file written from it give the same forecast.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.errors import InputDataError
from forecast.io.sniff import Layout, RawTable, table_from_cells

SOURCE = "the DataFrame"


def _periods_as_dates(values: pd.Index | pd.Series) -> pd.Index | pd.Series:
    """pandas Periods become the first day of their period, which the calendar reads."""
    if isinstance(values, pd.PeriodIndex):
        return values.to_timestamp()
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.to_timestamp()
    return values


def _with_date_column(frame: pd.DataFrame) -> pd.DataFrame:
    """A date index becomes the `date` column (a wide table indexed by month, say)."""
    index = frame.index
    dated = isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) or (
        index.name is not None and str(index.name).strip().lower() in ("date", "ds", "month", "period"))
    if not dated:
        return frame
    named = "date" if not ({"date", "ds"} & {str(c).lower() for c in frame.columns}) else "period"
    return frame.set_axis(_periods_as_dates(index).rename(named)).reset_index()


def frame_table(data: pd.DataFrame | pd.Series, *, source: str = SOURCE, id_col: str | None = None) -> RawTable:
    """`data` as a raw table (see the module's docstring for the shapes)."""
    if isinstance(data, pd.Series):
        name = "value" if data.name is None else str(data.name)
        data = data.rename(name).to_frame()
        if not isinstance(data.index, (pd.DatetimeIndex, pd.PeriodIndex)) and data.index.name is None:
            raise InputDataError(f"{source}: a Series needs dates as its index (a DatetimeIndex or PeriodIndex)")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or Series, or a path; got {type(data).__name__}")
    frame = _with_date_column(data)
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    if "unique_id" in lowered and id_col != lowered["unique_id"] and "component" not in lowered:
        frame = frame.rename(columns={lowered["unique_id"]: "component"})  # statsforecast's long shape
    frame = frame.apply(_periods_as_dates)
    if frame.shape[1] == 0 or len(frame) == 0:
        raise InputDataError(f"{source}: is empty; it needs a date column (or index) and values")
    header = pd.DataFrame([list(map(str, frame.columns))], columns=range(frame.shape[1]), dtype=object)
    body = pd.DataFrame(frame.astype(object).to_numpy(), columns=range(frame.shape[1]), dtype=object)
    body = body.where(body.notna(), None)
    table = table_from_cells(pd.concat([header, body], ignore_index=True), Layout(0, None), source, ",")
    return RawTable(table.frame, source, first_row=0, row_word="row at position",
                    row_numbers=np.asarray(table.row_numbers) - 2, unit=table.unit, decimal=".")
