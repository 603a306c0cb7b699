"""One business unit (key) of a batch: its rows cut from the file, forecast as a single series
or as a revenue table, any failure kept as the key's error so that it never sinks the others."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.config import check_horizon
from forecast.errors import ForecastError, InputDataError
from forecast.io.rounding import rounded
from forecast.io.sniff import RawTable
from forecast.models.intervals import sd_bounds
from forecast.pipeline import run_forecast
from forecast.select import forecast_single
from forecast.validate import to_revenue

SERIES_NAME = "value"  # the `series` of a single-series key


@dataclass(frozen=True)
class KeyTask:
    key: str
    raw: RawTable
    horizon: int
    season_length: int | None
    levels: tuple[int, ...]


@dataclass(frozen=True)
class KeyResult:
    key: str
    tables: dict[str, pd.DataFrame]  # the key's rows of each output (empty when it failed)
    error: str | None = None


def key_tasks(raw: RawTable, id_col: str, horizon: int, *, season_length: int | None = None,
              levels: tuple[int, ...] = (80, 95)) -> Iterator[KeyTask]:
    """One task per key, in the order the file first names the keys; each keeps its file rows."""
    frame = raw.frame
    if id_col not in frame.columns:
        raise InputDataError(f"{raw.source}: no column {id_col!r} (columns are: {', '.join(map(str, frame.columns))}); "
                             "give the key column with --id-col")
    keys = frame[id_col].astype(str).str.strip()
    if (keys == "").any() or frame[id_col].isna().any():
        row = raw.first_row + int(np.flatnonzero(((keys == "") | frame[id_col].isna()).to_numpy())[0])
        raise InputDataError(f"{raw.source}: row {row}, column {id_col!r} is empty; every row needs its key")
    rows = np.arange(len(frame)) + raw.first_row
    for key, index in keys.groupby(keys, sort=False).indices.items():
        part = frame.iloc[index].drop(columns=id_col).reset_index(drop=True)
        yield KeyTask(key, RawTable(part, f"{raw.source} ({id_col} {key})", int(rows[index[0]]), raw.row_word,
                                    rows[index]), horizon, season_length, levels)


def forecast_key(task: KeyTask) -> KeyResult:
    """Forecast one key; any failure becomes the key's error, never the batch's."""
    return guarded(task.key, lambda: {"forecast": _forecast_key(task)})


def guarded(key: str, work) -> KeyResult:
    """`work()`'s tables as the key's result; any failure becomes the key's error, never the run's."""
    try:
        return KeyResult(key, work())
    except ForecastError as exc:
        return KeyResult(key, {}, str(exc).replace("\n", " "))
    except Exception as exc:  # noqa: BLE001 - one broken key must not sink thousands of others
        return KeyResult(key, {}, f"unexpected {type(exc).__name__}: {exc}")


def key_revenue(raw: RawTable):
    """A key's rows as revenue data, and whether they are a single series (no `component`, or
    an empty one in a file that mixes both kinds: its series is named `value`)."""
    frame = raw.frame
    if "component" in frame.columns and frame["component"].fillna("").astype(str).str.strip().eq("").all():
        frame = frame.drop(columns="component")
    if "component" in frame.columns:
        return to_revenue(raw), False
    if "value" not in frame.columns:
        raise InputDataError(f"{raw.source}: needs a column 'value' (or 'component' and 'value')")
    return to_revenue(RawTable(frame.assign(component=SERIES_NAME), raw.source, raw.first_row, raw.row_word,
                               raw.row_numbers)), True


def _forecast_key(task: KeyTask) -> pd.DataFrame:
    """The key's rows in the contract's order: series, date, mean, bounds, model (the key column
    goes in front when written)."""
    data, single = key_revenue(task.raw)
    if single:
        table = _single_series(data, task)
    else:
        table = run_forecast(data, task.horizon, levels=task.levels, jobs=1).table.drop(columns="ordinal")
    return rounded(table[["series", "date", *[c for c in table.columns if c not in ("series", "date")]]],
                   data.decimals)


def forecast_values(y, first: int, freq, horizon: int, season_length: int | None):
    """The automatic forecaster on one series. A given `season_length` is modelled where the data
    show it, by the same tests as a season found unaided: a peak of the detrended autocorrelation
    at that lag and real STL seasonal strength (keeping it everywhere cost 0.3 sMAPE points on M3
    monthly, scripts/bench_batch.py)."""
    return forecast_single(SERIES_NAME, np.asarray(y, float), first, freq, horizon,
                           season_candidates=(season_length,) if season_length else None)


def _single_series(data, task: KeyTask) -> pd.DataFrame:
    check_horizon(task.horizon, data.freq)
    fit = forecast_values(data.series(SERIES_NAME).to_numpy(float), data.first, data.freq, task.horizon,
                          task.season_length)
    ords = np.arange(data.last + 1, data.last + task.horizon + 1)
    mean, sd = fit.forecast.mean, fit.forecast.sd
    table = {"date": [data.label(o) for o in ords], "series": SERIES_NAME, "mean": mean}
    table |= sd_bounds(mean, sd, task.levels)
    table["model"] = fit.label
    return pd.DataFrame(table)


def lost(task: KeyTask, reason: str) -> KeyResult:
    return KeyResult(task.key, {}, reason)
