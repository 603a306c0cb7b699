"""Backtests of many business units at once: `forecast backtest INPUT --id-col COL`.

Each key is backtested on its own, on any engine, exactly as a one-unit backtest would be: a
revenue-table key through `backtest.backtest` (every strategy, window and line item), a
single-series key by the automatic forecaster refitted at each rolling origin on the data up to
that origin only. The forecasts and metrics of every key stream to DIR/forecasts.csv and
DIR/metrics.csv (the key column first) as keys complete; a key that fails goes to
DIR/errors.csv and the rest complete.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.errors import ConfigError
from forecast.evaluate import metrics as M
from forecast.evaluate.backtest import SEASON_LAG, backtest, backtest_origins, score_forecasts, window_label
from forecast.io.files import RawTable
from forecast.io.rounding import rounded
from forecast.models.intervals import sd_bounds
from forecast.progress import silent
from forecast.scale.batch import BatchSummary, write_keyed
from forecast.scale.engines import run_tasks
from forecast.scale.keys import SERIES_NAME, KeyResult, KeyTask, forecast_values, guarded, key_revenue, key_tasks, lost
from forecast.select import CHOOSE


@dataclass(frozen=True)
class KeyBacktest:
    task: KeyTask
    windows: tuple
    origins: int
    step: int
    strategies: tuple


def backtest_key(job: KeyBacktest) -> KeyResult:
    return guarded(job.task.key, lambda: _backtest_key(job))


def _backtest_key(job: KeyBacktest) -> dict[str, pd.DataFrame]:
    task = job.task
    data, single = key_revenue(task.raw)
    if not single:
        result = backtest(data, task.horizon, windows=job.windows, origins=job.origins, step=job.step,
                          strategies=job.strategies, levels=task.levels, jobs=1)
        forecasts = result.forecasts.drop(columns=["ordinal", "origin_ordinal"])
        return {"forecasts": rounded(forecasts, data.decimals), "metrics": rounded(result.metrics, data.decimals)}
    rows = []
    y = data.series(SERIES_NAME)
    lag = SEASON_LAG[data.freq.name]
    for window in job.windows:
        for origin in backtest_origins(data, task.horizon, job.origins, job.step):
            history = y.loc[:origin].to_numpy(float)
            start = 0 if window is None or window in ("auto", CHOOSE) else max(0, len(history) - int(window))
            fit = forecast_values(history[start:], data.first + start, data.freq, task.horizon, task.season_length)
            ords = np.arange(origin + 1, origin + task.horizon + 1)
            table = {"origin": data.label(origin), "strategy": "auto", "series": SERIES_NAME,
                     "date": [data.label(o) for o in ords], "step": np.arange(1, task.horizon + 1),
                     "mean": fit.forecast.mean}
            table |= sd_bounds(fit.forecast.mean, fit.forecast.sd, task.levels)
            table["actual"] = y.reindex(ords).to_numpy(float)
            table |= {"window": window_label(window), "naive_mae": M.naive_scale(history, lag),
                      "naive_mse": M.naive_scale(history, lag, power=2), "model": fit.label}
            rows.append(pd.DataFrame(table))
    forecasts = pd.concat(rows, ignore_index=True)
    return {"forecasts": rounded(forecasts, data.decimals),
            "metrics": rounded(score_forecasts(forecasts, task.levels), data.decimals)}


def batch_backtest(raw: RawTable, id_col: str, horizon: int, output_dir, *, windows=(24,), origins: int = 12,
                   step: int = 1, strategies=("direct", "split", "components"), season_length: int | None = None,
                   levels: tuple[int, ...] = (80, 95), engine: str = "local", jobs: int | None = None,
                   scheduler: str | None = None, progress=None) -> BatchSummary:
    """Backtest every key of `raw` and write DIR/forecasts.csv and DIR/metrics.csv (the columns
    of `forecast backtest`, the key column first) and DIR/errors.csv for keys that failed.

    Single-series keys are forecast by the automatic forecaster (strategy `auto`) on the window's
    last periods (`all` or `auto`: all history); revenue-table keys by each of `strategies`."""
    if horizon < 1:
        raise ConfigError(f"--horizon must be at least 1 (got {horizon})")
    folder = Path(output_dir)
    if not folder.parent.is_dir():
        raise ConfigError(f"--output-dir {folder}: the folder {folder.parent} does not exist; create it first")
    folder.mkdir(exist_ok=True)  # as `forecast backtest` without --id-col does
    tasks = [KeyBacktest(task, tuple(windows), origins, step, tuple(strategies))
             for task in key_tasks(raw, id_col, horizon, season_length=season_length, levels=levels)]
    results = run_tasks(backtest_key, tasks, engine=engine, jobs=jobs, scheduler=scheduler,
                        on_chunk_error=lambda job, reason: lost(job.task, reason))
    progress = progress or silent
    progress(more=len(tasks))
    began = time.perf_counter()
    keys, failed, errors = write_keyed(results, {"forecasts": folder / "forecasts.csv",
                                                 "metrics": folder / "metrics.csv"},
                                       id_col, folder / "errors.csv", progress)
    return BatchSummary(keys, failed, time.perf_counter() - began, folder / "metrics.csv", errors)
