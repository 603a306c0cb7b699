"""The Python API: the command line's commands as functions.

    import forecast
    fc = forecast.run(df, horizon=12, train_end="2023-12")      # df: long, unique_id/ds/y, wide, Series, or a path
    fc.table                                                     # date (Timestamps), series, mean, bounds, model
    forecast.classify(df).table
    forecast.backtest(df, horizon=12, window=[24, "all"], origins=6, criterion="annual").ranking  # .table, .metrics
    forecast.budget(df, year=2024, as_of="2024-05", target=158_000).table
    forecast.batch(units, id_col="unit", horizon=12).table

Keyword arguments are named like the CLI's options, the numbers are the CLI's numbers, and a
wrong argument raises TypeError or ValueError at once, naming it.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

from forecast import arguments as check
from forecast.classification import classification_table
from forecast.combine import resolve_classes
from forecast.config import Config
from forecast.errors import InputDataError
from forecast.evaluate.backtest import CRITERIA, DEFAULT_STRATEGIES
from forecast.evaluate.backtest import backtest as run_backtest
from forecast.io.files import read_table
from forecast.io.frames import frame_table
from forecast.io.sniff import RawTable
from forecast.pipeline import run_forecast
from forecast.planning.budget import PHASES
from forecast.planning.budget import budget as run_budget
from forecast.planning.hierarchy_budget import hierarchy_budget
from forecast.regressors import read_user_regressors
from forecast.results import Backtest, Batch, Budget, Classes, Forecast, with_dates
from forecast.revenue import RevenueData
from forecast.scale.batch import batch as run_batch
from forecast.scale.batch import batch_hierarchy
from forecast.scale.engines import ENGINES
from forecast.scale.keyed_backtest import batch_backtest
from forecast.scale.reconcile import METHODS
from forecast.validate import to_revenue


def raw_table(data, *, sheet=None, encoding=None, id_col=None) -> RawTable:
    """A path (CSV, .xlsx, Parquet), a DataFrame or a Series as the raw table the readers give."""
    if isinstance(data, (str, os.PathLike)):
        return read_table(data, sheet=sheet, encoding=encoding)
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return frame_table(data, id_col=id_col)
    raise TypeError(f"data must be a pandas DataFrame or Series, or a file path; got {type(data).__name__}")


def revenue(data, *, freq=None, sheet=None, encoding=None) -> RevenueData:
    """`data` as a validated revenue table (see `raw_table` for what it may be)."""
    if isinstance(data, RevenueData):
        return data
    return to_revenue(raw_table(data, sheet=sheet, encoding=encoding), freq=check.text("freq", freq))


def _regressors(value, freq) -> pd.DataFrame | None:
    if value is None:
        return None
    return read_user_regressors(raw_table(value), freq)


def _cut(full: RevenueData, train_end) -> RevenueData:
    label = check.period("train_end", train_end)
    if label is None:
        return full
    end = full.period(label, option="train_end")
    if not full.first <= end <= full.last:
        raise InputDataError(f"train_end {label!r} is outside the data ({full.label(full.first)} to "
                             f"{full.label(full.last)}); give a period inside it")
    return full.cut(end)


def run(data, horizon, *, train_end=None, window="auto", strategy=None, levels=None, config=None,
        regressors=None, jobs=None, freq=None, sheet=None, encoding=None) -> Forecast:
    """Forecast every line item, both groups and the total `horizon` periods ahead (`forecast run`)."""
    horizon = check.horizon(horizon)
    window = check.window(window)
    levels = check.levels(levels)
    strategy = check.text("strategy", strategy)
    jobs = check.optional_whole_number("jobs", jobs)
    settings = check.config(config)
    full = revenue(data, freq=freq, sheet=sheet, encoding=encoding)
    train = _cut(full, train_end)
    result = run_forecast(train, horizon, config=settings, strategy=strategy, window=window, levels=levels,
                          regressors=_regressors(regressors, train.freq), jobs=jobs, components=full.components)
    return Forecast(with_dates(result.table), result.strategy, result.model_table(), result.warnings, result, train,
                    full)


def classify(data, *, config=None, freq=None, sheet=None, encoding=None) -> Classes:
    """Fixed or fluctuating, with trend and seasonal strength and the period (`forecast classify`)."""
    settings = check.config(config)
    full = revenue(data, freq=freq, sheet=sheet, encoding=encoding)
    items = resolve_classes(full, settings)
    return Classes(classification_table(items), tuple(items))


def backtest(data, horizon, *, window=24, origins=12, step=1, strategies=DEFAULT_STRATEGIES, criterion="monthly",
             levels=None, config=None, regressors=None, jobs=None, id_col=None, season_length=None, engine="local",
             freq=None, sheet=None, encoding=None) -> Backtest:
    """Refit at rolling origins and score each strategy and window (`forecast backtest`)."""
    horizon = check.horizon(horizon)
    windows = check.windows(window)
    origins = check.whole_number("origins", origins)
    step = check.whole_number("step", step)
    strategies = check.names("strategies", strategies)
    criterion = check.text("criterion", criterion, CRITERIA)
    levels = check.levels(levels)
    jobs = check.optional_whole_number("jobs", jobs)
    if id_col is not None:
        check.text("id_col", id_col)
        engine = check.text("engine", engine, ENGINES)
        with tempfile.TemporaryDirectory() as folder:
            summary = batch_backtest(raw_table(data, sheet=sheet, encoding=encoding, id_col=id_col), id_col, horizon,
                                     folder, windows=windows, origins=origins, step=step, strategies=strategies,
                                     season_length=check.optional_whole_number("season_length", season_length,
                                                                                minimum=2),
                                     levels=levels or (80, 95), engine=engine, jobs=jobs)
            forecasts = _read_csv(Path(folder) / "forecasts.csv", keep=(id_col,))
            metrics = _read_csv(Path(folder) / "metrics.csv", keep=(id_col,))
            errors = (_read_csv(summary.errors, keep=(id_col,)) if summary.errors else
                      pd.DataFrame(columns=[id_col, "error"]))
        return Backtest(with_dates(forecasts), metrics, pd.DataFrame(), criterion, None, errors)
    settings = check.config(config)
    full = revenue(data, freq=freq, sheet=sheet, encoding=encoding)
    result = run_backtest(full, horizon, windows=windows, origins=origins, step=step, strategies=strategies,
                          config=settings, levels=levels, regressors=_regressors(regressors, full.freq), jobs=jobs,
                          criterion=criterion)
    forecasts = result.forecasts.drop(columns=["model", "origin_ordinal"]).assign(model=result.forecasts["model"])
    return Backtest(with_dates(forecasts), result.metrics, result.ranking, criterion, result)  # as forecasts.csv


def budget(data, year, *, target=None, targets=None, as_of=None, phase="seasonal", strategy=None, window="auto",
           levels=None, config=None, regressors=None, jobs=None, freq=None, sheet=None, encoding=None, id_col=None,
           hierarchy=None) -> Budget:
    """Year-to-date, projection, attainment, plan and P(meet target) (`forecast budget`); with
    `id_col` and `hierarchy`, for every node of a hierarchy of units that has a target."""
    year = check.whole_number("year", year, minimum=1000, maximum=9999)
    wanted = check.targets(target, targets)
    as_of = check.period("as_of", as_of)
    phase = check.text("phase", phase, PHASES)
    if (id_col is None) != (hierarchy is None):
        raise ValueError("id_col and hierarchy go together: the unit column and the levels above it")
    if hierarchy is not None:
        table, failed = hierarchy_budget(raw_table(data, sheet=sheet, encoding=encoding, id_col=id_col),
                                         check.text("id_col", id_col), check.names("hierarchy", hierarchy), year,
                                         targets=wanted, as_of=as_of, phase=phase,
                                         levels=check.levels(levels) or Config().levels,
                                         jobs=check.optional_whole_number("jobs", jobs))
        notes = tuple(f"{unit}: {why}" for unit, why in failed.items())
        return Budget(table, pd.DataFrame(), None, notes, None, year)
    strategy = check.text("strategy", strategy)
    window = check.window(window)
    levels = check.levels(levels)
    jobs = check.optional_whole_number("jobs", jobs)
    settings = check.config(config)
    full = revenue(data, freq=freq, sheet=sheet, encoding=encoding)
    result = run_budget(full, year, targets=wanted, as_of=as_of, phase=phase, config=settings, strategy=strategy,
                        window=window, levels=levels, regressors=_regressors(regressors, full.freq), jobs=jobs,
                        targets_source="targets" if targets is not None else "target")
    return Budget(result.table, with_dates(result.phasing), result.next_year, result.notes, result, year)


def review(data, month, *, target=None, targets=None, id_col=None, phase="seasonal", strategy=None, window="auto",
           config=None, jobs=None, unit=None, freq=None, sheet=None, encoding=None):
    """The month-end review of `month` (`forecast review`). `target`: the total's amount, or
    {label: amount} for several (e.g. {"考核目标": 46750, "认购目标": 47135}); `targets`: {series: amount}
    or a file (series,target), joined to the first label. `.table` holds the CSV's columns;
    `.text(lang)` is the headline, `.write(path, lang=)` writes .html, .md, .xlsx or .csv."""
    from forecast.planning.review import review as run_review
    from forecast.planning.review_units import review_by_unit

    month = check.period("month", month)
    labelled = {}
    if isinstance(target, dict):
        labelled = {check.text("target label", k): {"total": check.amount(f"target[{k!r}]", v)}
                    for k, v in target.items()}
        target = None
    wanted = check.targets(target, targets) if (target is not None or targets is not None) else {}
    if labelled:
        first = labelled[next(iter(labelled))]
        if "total" in wanted:
            raise ValueError("the total's target is given twice (target= and targets=); give it once")
        first.update(wanted)
    elif wanted:
        labelled = {"target": wanted}
    else:
        raise ValueError("give a target: target=AMOUNT, target={label: amount} or targets={series: amount}")
    options = dict(phase=check.text("phase", phase, PHASES), config=check.config(config),
                   strategy=check.text("strategy", strategy), window=check.window(window),
                   jobs=check.optional_whole_number("jobs", jobs))
    unit = check.text("unit", unit)
    if id_col is not None:
        raw = raw_table(data, sheet=sheet, encoding=encoding, id_col=id_col)
        return review_by_unit(raw, check.text("id_col", id_col), month, targets=labelled,
                              unit=unit or raw.unit or options["config"].unit, **options)
    full = revenue(data, freq=freq, sheet=sheet, encoding=encoding)
    full = replace(full, unit=unit or full.unit or options["config"].unit)
    return run_review(full, month, targets=labelled, **options)


def batch(data, id_col, horizon, *, season_length=None, levels=None, hierarchy=None, reconcile="auto",
          engine="local", jobs=None, scheduler=None, sheet=None, encoding=None) -> Batch:
    """Forecast many business units at once, optionally reconciled up a hierarchy (`forecast batch`)."""
    id_col = check.text("id_col", id_col)
    horizon = check.horizon(horizon)
    levels = check.levels(levels) or Config().levels
    season_length = check.optional_whole_number("season_length", season_length, minimum=2)
    engine = check.text("engine", engine, ENGINES)
    jobs = check.optional_whole_number("jobs", jobs)
    raw = raw_table(data, sheet=sheet, encoding=encoding, id_col=id_col)
    options = dict(season_length=season_length, levels=levels, engine=engine, jobs=jobs, scheduler=scheduler)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "forecast.csv"
        if hierarchy is not None:
            columns = check.names("hierarchy", hierarchy)
            method = check.text("reconcile", reconcile, ("auto", *METHODS))
            done = batch_hierarchy(raw, id_col, columns, horizon, output, method=method, **options)
            seconds, used = done.seconds, done.method
        else:
            done = run_batch(raw, id_col, horizon, output, **options)
            seconds, used = done.seconds, None
        table = _read_csv(output, keep=(id_col,))
        if hierarchy is not None:  # a node's ancestors above its own level are empty, not missing
            table[list(columns)] = table[list(columns)].fillna("")
        errors = _read_csv(done.errors, keep=(id_col,)) if done.errors else pd.DataFrame(columns=[id_col, "error"])
    return Batch(with_dates(table), errors, seconds, used)


def _read_csv(path, keep=()) -> pd.DataFrame:
    """A table the library wrote, with key columns kept as text (a unit called 0101 stays 0101)."""
    return pd.read_csv(path, dtype={c: str for c in ("date", "origin", *keep)}, keep_default_na=False,
                       na_values=[""])
