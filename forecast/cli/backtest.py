"""`forecast backtest`: refit at rolling origins, compare strategies and windows, report."""
from __future__ import annotations

import click

from forecast.cli.batch import backtest_keys
from forecast.cli.common import (
    examples,
    friendly,
    input_options,
    load_input,
    read_regressors,
    refuse_given,
    unit_option,
    user_files,
)
from forecast.config import MAX_HORIZON, load_config
from forecast.evaluate.backtest import backtest as run_backtest
from forecast.evaluate.backtest import parse_windows
from forecast.io.paths import check_output
from forecast.output.report import BACKTEST_FILES, write_backtest
from forecast.progress import Progress


@click.command(epilog=examples(
    "forecast backtest data/revenue_monthly.csv -H 12 --window 24 --origins 12 -o bt",
    "forecast backtest data/revenue_monthly.csv -H 12 --window 12,24,36,all --criterion annual -o bt",
    "forecast backtest units.csv --id-col unit -H 6 --origins 6 -o bt_units"))
@input_options
@click.option("--horizon", "-H", type=click.IntRange(1, MAX_HORIZON), required=True, help="Periods forecast from each origin.")
@click.option("--window", default="24", show_default=True,
              help="Training window in periods, 'all', 'choose', or a list to compare, e.g. 12,24,36,all.")
@click.option("--origins", type=click.IntRange(min=1), default=12, show_default=True,
              help="Number of rolling origins (the latest periods with --horizon actuals after them).")
@click.option("--step", type=click.IntRange(min=1), default=1, show_default=True, help="Periods between origins.")
@click.option("--strategies", default="direct,split,components", show_default=True,
              help="Comma list of strategies: direct, split, components, auto, and groupings from the config.")
@click.option("--criterion", type=click.Choice(["monthly", "annual"]), default="monthly", show_default=True,
              help="Rank strategies by the total's MAPE over every period, or by the error of the annual total.")
@click.option("--output-dir", "-o", required=True, help="Folder for forecasts.csv, metrics.csv and the report.")
@click.option("--level", "levels", type=click.IntRange(1, 99), multiple=True, help="Interval level(s), default 80 and 95.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config (overrides, groupings).")
@click.option("--regressors", type=click.Path(dir_okay=False), help="CSV: date plus one column per regressor.")
@click.option("--report/--no-report", default=True, show_default=True, help="Write report.html and report.md.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--id-col", help="Backtest every business unit (key) of this column on its own (see `batch`).")
@click.option("--season-length", type=click.IntRange(min=2),
              help="With --id-col: seasonal period to look for in single-series keys.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="With --id-col: a process pool on this machine, or a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS", help="With --engine dask: an existing cluster's scheduler.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@unit_option
@friendly
def backtest(input, sheet, db, query, freq, encoding, horizon, window, origins, step, strategies, criterion, output_dir,
             levels, config_path, regressors, report, jobs, id_col, season_length, engine, scheduler, quiet, unit):
    """Refit at rolling origins, compare strategies and training windows, and report accuracy."""
    mine = user_files(input=input, config_path=config_path, regressors=regressors, db=db)
    if id_col is not None:
        refuse_given(("config_path", "regressors", "db", "query", "report", "criterion", "unit"),
                     "to backtests over keys (--id-col): each key is backtested with the defaults")
        if scheduler is not None and engine != "dask":
            raise click.UsageError("--scheduler goes with --engine dask")
        check_output("--output-dir", output_dir, kinds=(), folder=True, protected=mine,
                     written=("forecasts.csv", "metrics.csv", "errors.csv"))
        backtest_keys(input, sheet, id_col, horizon, parse_windows(window), origins, step, strategies, output_dir,
                      levels, season_length, engine, jobs, scheduler, quiet, encoding)
        return
    refuse_given(("season_length", "engine", "scheduler"), "without --id-col (backtests over keys)")
    check_output("--output-dir", output_dir, kinds=(), folder=True, protected=mine, written=BACKTEST_FILES)
    config = load_config(config_path)
    data = load_input(input, sheet, db, query, freq, encoding, unit=unit, config=config)
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    with Progress("fit", desc="backtest", quiet=quiet) as progress:
        result = run_backtest(data, horizon, windows=parse_windows(window), origins=origins, step=step,
                              strategies=names, config=config, levels=tuple(levels) or None,
                              regressors=read_regressors(regressors, data.freq), jobs=jobs, progress=progress,
                              criterion=criterion)
    written = write_backtest(result, output_dir, report=report)
    best = result.best
    click.echo(f"best: {best['strategy']} (window {best['window']}, by {criterion} error), total MAPE {best['total_mape']:.2f}%, "
               f"annual total MAPE {best['annual_mape']:.2f}% over {len(result.origins)} origins "
               f"({result.seconds:.0f} s)")
    click.echo(f"wrote {', '.join(p.name for p in written)} to {output_dir}", err=True)
