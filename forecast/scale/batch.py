"""Many business units at once: one forecast per key of an id column, on all cores.

Each key is either a single series (columns `date, value`) or a whole revenue table (with
`component`), which goes through the same pipeline as `forecast run`. Results stream to the
output in key order as they complete, so memory stays flat however many keys there are; a key
that cannot be forecast is reported with its reason and the rest go on.
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.errors import ConfigError, InputDataError
from forecast.io.files import RawTable, commit_temp, temp_beside, write_table
from forecast.io.rounding import rounded
from forecast.progress import silent
from forecast.revenue import decimal_places
from forecast.scale.engines import run_tasks
from forecast.scale.hierarchy import forecast_hierarchy
from forecast.scale.keys import KeyResult, forecast_key, key_tasks, lost


@dataclass(frozen=True)
class BatchSummary:
    keys: int
    failed: int
    seconds: float
    output: Path
    errors: Path | None

    @property
    def keys_per_second(self) -> float:
        return self.keys / self.seconds if self.seconds else float("nan")


class StreamedCSV:
    """A CSV written frame by frame into a temp file beside `path`, renamed over it by `commit()`
    (so a failed run never leaves half a file); `abort()` removes the temp file."""

    def __init__(self, path: Path):
        self.path = Path(path).resolve() if Path(path).is_symlink() else Path(path)
        fd, self.tmp = temp_beside(self.path)
        self.fh = os.fdopen(fd, "w", newline="")
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        frame.to_csv(self.fh, header=self.rows == 0, index=False, lineterminator="\n")
        self.rows += len(frame)

    def commit(self) -> None:
        self.fh.close()
        commit_temp(self.tmp, self.path)

    def abort(self) -> None:
        self.fh.close()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


def write_keyed(results: Iterable[KeyResult], outputs: dict[str, Path], id_col: str, errors_path: Path,
                progress=silent) -> tuple[int, int, Path | None]:
    """Stream each key's tables, the key column first, to `outputs` (table name -> CSV path), and
    the failed keys to `errors_path`; returns (keys, failed, errors path or None)."""
    streams = {}
    keys = 0
    failures = []
    try:
        streams = {name: StreamedCSV(path) for name, path in outputs.items()}
        for result in results:
            keys += 1
            if result.error is not None:
                failures.append({id_col: result.key, "error": result.error})
            else:
                for name, table in result.tables.items():
                    table.insert(0, id_col, result.key)
                    streams[name].write(table)
            progress(1, failed=len(failures))
        if keys == len(failures):
            raise InputDataError(f"no key could be forecast; the first failed with: {failures[0]['error']}"
                                 if failures else "the input has no keys")
        for stream in streams.values():
            stream.commit()
    except BaseException:
        for stream in streams.values():
            stream.abort()
        raise
    if failures:
        write_table(pd.DataFrame(failures), errors_path)
        return keys, len(failures), errors_path
    with contextlib.suppress(FileNotFoundError):
        errors_path.unlink()  # an old run's errors would be mistaken for this one's
    return keys, 0, None


def batch(raw: RawTable, id_col: str, horizon: int, output, *, season_length: int | None = None,
          levels: tuple[int, ...] = (80, 95), engine: str = "local", jobs: int | None = None,
          scheduler: str | None = None, progress=None) -> BatchSummary:
    """Forecast every key of `raw` and write the results to `output` (CSV).

    `engine` is "local" (a process pool over `jobs` cores) or "dask" (the cluster at `scheduler`,
    else a local one of `jobs` workers); both give the same numbers. `progress` follows
    `forecast.progress` (e.g. a `Progress` bar): one `done` per key.
    """
    if horizon < 1:
        raise ConfigError(f"--horizon must be at least 1 (got {horizon})")
    if Path(output).suffix.lower() != ".csv":
        raise ConfigError(f"--output {output}: batch writes CSV as it goes; give a .csv file")
    tasks = list(key_tasks(raw, id_col, horizon, season_length=season_length, levels=levels))
    results = run_tasks(forecast_key, tasks, engine=engine, jobs=jobs, scheduler=scheduler, on_chunk_error=lost)
    progress = progress or silent
    progress(more=len(tasks))
    began = time.perf_counter()
    output = Path(output)
    keys, failed, errors = write_keyed(results, {"forecast": output}, id_col,
                                       output.with_name(f"{output.stem}.errors.csv"), progress)
    return BatchSummary(keys, failed, time.perf_counter() - began, Path(output), errors)


@dataclass(frozen=True)
class HierarchySummary:
    nodes: int
    failed: int
    method: str
    seconds: float
    output: Path
    errors: Path | None
    scores: Path  # the backtest of the methods: --reconcile auto's choice, the intervals' widening
    choice: str = ""  # --reconcile auto: what it chose and how sure it was


def batch_hierarchy(raw: RawTable, id_col: str, hierarchy: tuple[str, ...], horizon: int, output, *,
                    season_length: int | None = None, levels: tuple[int, ...] = (80, 95), method: str = "auto",
                    engine: str = "local", jobs: int | None = None, scheduler: str | None = None,
                    progress=None) -> HierarchySummary:
    """Forecast every node of the hierarchy the units roll up to, reconciled so that every level
    adds up (see `hierarchy.forecast_hierarchy`), and write `output` (CSV); units that cannot be
    read go to OUTPUT.errors.csv and are left out of the sums, the backtest of the methods (behind
    `method="auto"` and the intervals' widening) to OUTPUT.reconcile.csv."""
    if horizon < 1:
        raise ConfigError(f"--horizon must be at least 1 (got {horizon})")
    output = Path(output)
    if output.suffix.lower() != ".csv":
        raise ConfigError(f"--output {output}: batch writes CSV; give a .csv file")
    began = time.perf_counter()
    table, failed, fit = forecast_hierarchy(raw, id_col, hierarchy, horizon, season_length=season_length,
                                            levels=levels, method=method, engine=engine, jobs=jobs,
                                            scheduler=scheduler, progress=progress)
    errors_path = output.with_name(f"{output.stem}.errors.csv")
    scores_path = output.with_name(f"{output.stem}.reconcile.csv")
    values = pd.to_numeric(raw.frame.get("value", pd.Series(dtype=float)), errors="coerce")
    write_table(rounded(table, decimal_places(values) if values.notna().any() else 2), output)
    if failed:
        write_table(pd.DataFrame({id_col: list(failed), "error": list(failed.values())}), errors_path)
    else:
        with contextlib.suppress(FileNotFoundError):
            errors_path.unlink()
    write_table(fit.scores, scores_path)
    return HierarchySummary(table[id_col].nunique(), len(failed), fit.method, time.perf_counter() - began, output,
                            errors_path if failed else None, scores_path,
                            fit.choice.text() if fit.choice is not None else "")
