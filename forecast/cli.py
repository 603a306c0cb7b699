"""Command line: each command parses options, calls the library once, and turns the library's
errors into a one-line message with exit status 1 (usage errors exit 2). The ledger's commands
live in cli_ledger.py."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd

from .cli_save import open_for_save, save_options, save_run
from .config import MAX_HORIZON
from .errors import ForecastError, InputDataError

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
from .calendar import FREQUENCIES as FREQS


class Interrupted(click.ClickException):
    exit_code = 130

    def __init__(self):
        super().__init__("interrupted; nothing written")


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def friendly(fn):
    """Run a command so that its outputs appear all together or not at all, and every failure
    is one line: the toolkit's errors exit 1, Ctrl-C 130, file-system errors name the file, and
    anything unexpected says it is a bug (FORECAST_DEBUG=1 shows the traceback)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .io import all_or_nothing

        try:
            with all_or_nothing():
                return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ForecastError as exc:
            raise click.ClickException(one_line(exc)) from None
        except KeyboardInterrupt:
            raise Interrupted() from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or one_line(exc)}; nothing written; check the "
                                       "path, its permissions and the free disk space") from None
        except MemoryError:
            raise click.ClickException("out of memory; nothing written; forecast fewer periods or series at "
                                       "once") from None
        except Exception as exc:
            if os.environ.get("FORECAST_DEBUG"):
                raise
            raise click.ClickException(f"unexpected {type(exc).__name__}: {one_line(exc)[:300]}; nothing written. "
                                       "This is a bug: rerun with FORECAST_DEBUG=1 and report the traceback") from None
    return wrapper


def input_options(fn):
    for option in reversed([
        click.argument("input", required=False, type=click.Path(dir_okay=False)),
        click.option("--sheet", help="Excel sheet name (default: the first sheet)."),
        click.option("--db", help="SQLAlchemy database URL, e.g. sqlite:///revenue.db (with --query)."),
        click.option("--query", help="SELECT returning a long or wide revenue table (with --db)."),
        click.option("--freq", type=click.Choice(FREQS), help="Override the inferred frequency."),
        click.option("--encoding", help="Text encoding of a CSV input, e.g. gb18030 or utf-16 (default: detected)."),
    ]):
        fn = option(fn)
    return fn


def load_input(input, sheet, db, query, freq, encoding=None):
    from . import load

    check_input_options(input, sheet, db, query, encoding)
    return load(input, sheet=sheet, db=db, query=query, freq=freq, encoding=encoding)


def check_input_options(input, sheet, db, query, encoding) -> None:
    """Usage errors for input options that would be ignored."""
    if input is None and db is None:
        raise click.UsageError("give an INPUT file, or --db URL --query SQL")
    if input is not None and (db is not None or query is not None):
        raise click.UsageError("give either an INPUT file or --db/--query, not both")
    if db is not None and (sheet is not None or encoding is not None):
        raise click.UsageError("--sheet and --encoding are for INPUT files, not for --db")
    if encoding is not None and str(input).lower().endswith((".xlsx", ".xlsm")):
        raise click.UsageError("--encoding is for CSV input; a workbook has no text encoding")


def user_files(*, input=None, config_path=None, regressors=None, targets_path=None, db=None,
               ledger: str | None = None) -> list[str]:
    """The user's files a command reads: none of them may be written by it."""
    from .outputs import sqlite_path

    return [p for p in (input, config_path, regressors, targets_path, sqlite_path(db), sqlite_path(ledger))
            if p and p != "-"]


def check_table_output(output, protected, option: str = "--output") -> None:
    from .outputs import TABLE_SUFFIXES, check_output

    check_output(option, output, kinds=TABLE_SUFFIXES, protected=protected)


def check_plot_output(path, protected, option: str = "--plot") -> None:
    from .outputs import check_output, plot_suffixes

    check_output(option, path, kinds=plot_suffixes(), protected=protected)


def refuse_given(names: tuple[str, ...], why: str) -> None:
    """A usage error when any of these parameters was given on the command line: in this mode
    it would be ignored."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    flags = {p.name: p.opts[0] if isinstance(p, click.Option) else p.human_readable_name for p in ctx.command.params}
    given = [flags[n] for n in names if ctx.get_parameter_source(n) in (ParameterSource.COMMANDLINE,
                                                                         ParameterSource.ENVIRONMENT)]
    if given:
        raise click.UsageError(f"{', '.join(given)} {'does' if len(given) == 1 else 'do'} not apply {why}; "
                               "leave {} out".format("it" if len(given) == 1 else "them"))


def saved_ledger(save: bool, location: str | None) -> str | None:
    if not save:
        return None
    from .ledger.store import ledger_location

    return ledger_location(location)


def parse_window_option(value):
    from .config import parse_window

    return "auto" if value is None else parse_window(value, "--window")


def emit(table: pd.DataFrame, output: str | None) -> None:
    from .io import write_table

    if output:
        write_table(table, output)
        click.echo(f"wrote {len(table)} rows to {output}", err=True)
    else:
        with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_columns", None,
                               "display.max_colwidth", 60):
            click.echo(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


def emit_tables(tables: dict[str, pd.DataFrame], output: str | None) -> None:
    """The first table as `emit` does; the others beside it (or below it, titled, on stdout)."""
    if output:
        from .io import write_tables

        written = write_tables(tables, output)
        click.echo(f"wrote {', '.join(f'{len(t)} rows to {p}' for t, p in zip(tables.values(), written))}"
                   if len(written) == len(tables) else f"wrote {', '.join(map(str, written))}", err=True)
        return
    for i, (name, table) in enumerate(tables.items()):
        if i:
            click.echo(f"\n{name}:")
        emit(table, None)


def notes(result) -> None:
    if result.strategy_scores:
        scores = ", ".join(f"{s} {v:.2f}%" for s, v in sorted(result.strategy_scores.items(), key=lambda t: t[1]))
        click.echo(f"note: auto chose {result.strategy} (total MAPE in a backtest inside the data: {scores})", err=True)
    for line in result.warnings:
        click.echo(f"note: {line}", err=True)


@click.group()
@click.version_option(package_name="telecom-revenue-forecast")
def main():
    """Revenue forecasting for budget analysts: split, model, recombine, backtest."""


@main.command()
@input_options
@click.option("--horizon", "-h", type=click.IntRange(1, MAX_HORIZON), required=True, help="Periods to forecast.")
@click.option("--train-end", help="Use data up to this period only (e.g. 2023-12); forecast from the next.")
@click.option("--window", help="Fit on the last N periods ('all' = all history; default: chosen per series).")
@click.option("--strategy", help="auto, direct, split, components, or a grouping from the config "
              "(default from config: components).")
@click.option("--level", "levels", type=click.IntRange(1, 99), multiple=True, help="Interval level(s), default 80 and 95.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config (overrides per component).")
@click.option("--regressors", type=click.Path(dir_okay=False), help="CSV: date plus one column per regressor.")
@click.option("--output", "-o", help="Write the forecast (.csv, .xlsx or .json); else print it.")
@click.option("--plot", "plot_path", help="Save a fan chart of the total and the groups (.png, .svg, .pdf).")
@click.option("--aggregate", type=click.Choice(["none", "month", "quarter", "year"]),
              help="Also report the forecast summed to this frequency, e.g. dekads to months (default: month "
              "for dekad data, else none). Written beside --output as STEM.month.csv (a sheet in .xlsx).")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@save_options
@friendly
def run(input, sheet, db, query, freq, encoding, horizon, train_end, window, strategy, levels, config_path,
        regressors, output, plot_path, aggregate, jobs, save, note, ledger_location):
    """Forecast every line item, both groups and the total."""
    from .config import load_config
    from .temporal import default_aggregate, sum_to

    mine = user_files(input=input, config_path=config_path, regressors=regressors, db=db,
                      ledger=saved_ledger(save, ledger_location))
    check_table_output(output, mine)
    check_plot_output(plot_path, mine)
    ledger = open_for_save(save, note, ledger_location)
    result, data, full = _run(input, sheet, db, query, freq, horizon, train_end, window, strategy, levels,
                              config_path, regressors, jobs, encoding)
    tables = {"forecast": result.table.drop(columns="ordinal")}
    aggregate = default_aggregate(data.freq) if aggregate is None else (None if aggregate == "none" else aggregate)
    if aggregate:
        summed = sum_to(data, result, aggregate)
        if len(summed):
            tables[aggregate] = summed
        else:
            click.echo(f"note: the forecast covers no whole {aggregate}, so there are no {aggregate} sums; "
                       f"forecast to the end of a {aggregate} for them", err=True)
    emit_tables(tables, output)
    if plot_path:
        from .plot import plot_result, save_figure

        save_figure(plot_result(data, result, actual_data=full), plot_path)
        click.echo(f"wrote plot to {plot_path}", err=True)
    if ledger is not None:
        save_run(ledger, "run", data, result, note=note, config=load_config(config_path))
    notes(result)


def _run(input, sheet, db, query, freq, horizon, train_end, window, strategy, levels, config_path, regressors, jobs,
         encoding=None):
    from .combine import run_forecast
    from .config import load_config

    config = load_config(config_path)
    full = load_input(input, sheet, db, query, freq, encoding)
    data = full.cut(train_end_period(full, train_end)) if train_end else full
    user = read_regressors(regressors, data.freq)
    result = run_forecast(data, horizon, config=config, strategy=strategy, window=parse_window_option(window),
                          levels=tuple(levels) or None, regressors=user, jobs=jobs, components=full.components)
    return result, data, full


def train_end_period(full, train_end: str) -> int:
    end = full.period(train_end)
    if end < full.first:
        raise InputDataError(f"--train-end {train_end} is before the first period {full.label(full.first)}")
    if end > full.last:
        raise InputDataError(f"--train-end {train_end} is after the data's last period {full.label(full.last)}; "
                             f"leave it out to use all the data, or give a period up to {full.label(full.last)}")
    return end


def read_regressors(path, freq):
    if not path:
        return None
    from .io import read_table
    from .regressors import read_user_regressors

    return read_user_regressors(read_table(path), freq)


@main.command()
@input_options
@click.option("--horizon", "-h", type=click.IntRange(1, MAX_HORIZON), required=True, help="Periods forecast from each origin.")
@click.option("--window", default="24", show_default=True,
              help="Training window in periods, 'all', 'auto', or a list to compare, e.g. 12,24,36,all.")
@click.option("--origins", type=click.IntRange(min=1), default=12, show_default=True,
              help="Number of rolling origins (the latest periods with --horizon actuals after them).")
@click.option("--step", type=click.IntRange(min=1), default=1, show_default=True, help="Periods between origins.")
@click.option("--strategies", default="direct,split,components", show_default=True,
              help="Comma list of strategies: direct, split, components, auto, and groupings from the config.")
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
@friendly
def backtest(input, sheet, db, query, freq, encoding, horizon, window, origins, step, strategies, output_dir, levels,
             config_path, regressors, report, jobs, id_col, season_length, engine, scheduler, quiet):
    """Refit at rolling origins, compare strategies and training windows, and report accuracy."""
    from .backtest import backtest as run_backtest, parse_windows
    from .config import load_config
    from .outputs import check_output
    from .report import BACKTEST_FILES, write_backtest

    mine = user_files(input=input, config_path=config_path, regressors=regressors, db=db)
    if id_col is not None:
        from .cli_batch import backtest_keys

        refuse_given(("config_path", "regressors", "db", "query", "report"),
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
    data = load_input(input, sheet, db, query, freq, encoding)
    names = [s.strip() for s in strategies.split(",") if s.strip()]
    with _progress_bar(quiet) as progress:
        result = run_backtest(data, horizon, windows=parse_windows(window), origins=origins, step=step,
                              strategies=names, config=config, levels=tuple(levels) or None,
                              regressors=read_regressors(regressors, data.freq), jobs=jobs, progress=progress)
    written = write_backtest(result, output_dir, report=report)
    best = result.best
    click.echo(f"best: {best['strategy']} (window {best['window']}), total MAPE {best['total_mape']:.2f}%, "
               f"annual total MAPE {best['annual_mape']:.2f}% over {len(result.origins)} origins "
               f"({result.seconds:.0f} s)")
    click.echo(f"wrote {', '.join(p.name for p in written)} to {output_dir}", err=True)


class _progress_bar:
    """A tqdm bar on stderr fed by `progress(done, more)`; silent with --quiet."""

    def __init__(self, quiet: bool):
        self.bar = None
        if not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="fit", file=sys.stderr, dynamic_ncols=True, leave=False,
                            desc="backtest")

    def __enter__(self):
        return self

    def __call__(self, done: int = 0, more: int = 0):
        if self.bar is None:
            return
        if more:
            self.bar.total += more
            self.bar.refresh()
        if done:
            self.bar.update(done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        return False


@main.command("budget")
@input_options
@click.option("--year", type=int, required=True, help="The budget year, e.g. 2024.")
@click.option("--as-of", "as_of", help="Last period with actuals to use (default: the data's last period), e.g. "
              "2024-05 or, for dekads, 2024-05-11. The last period of a year adds next year's budget.")
@click.option("--target", "target", help="Annual target of the total, e.g. 467500.")
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False),
              help="CSV or .xlsx with columns series,target: targets for the total, groups or line items.")
@click.option("--phase", type=click.Choice(["seasonal", "even"]), default="seasonal", show_default=True,
              help="Split the target over the year by the forecast's seasonal profile, or evenly.")
@click.option("--strategy", help="auto, direct, split, components, or a grouping from the config.")
@click.option("--window", help="Fit on the last N periods ('all' = all history; default: chosen per series).")
@click.option("--level", "levels", type=click.IntRange(1, 99), multiple=True, help="Interval level(s), default 80 and 95.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config (overrides per component).")
@click.option("--regressors", type=click.Path(dir_okay=False), help="CSV: date plus one column per regressor.")
@click.option("--output", "-o", help="Write the tables: .xlsx (one sheet per table) or .csv (STEM.phasing.csv, "
              "STEM.next_year.csv beside it).")
@click.option("--plot", "plot_path", help="Chart of cumulative actual and forecast against the target (.png, .svg, .pdf).")
@click.option("--plot-series", default="total", show_default=True, help="Series drawn by --plot.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@save_options
@friendly
def budget_cmd(input, sheet, db, query, freq, encoding, year, as_of, target, targets_path, phase, strategy, window,
               levels, config_path, regressors, output, plot_path, plot_series, jobs, save, note, ledger_location):
    """Year-end projection, attainment, ahead/behind plan and the chance of meeting the target."""
    from .budget import budget, read_targets
    from .config import load_config

    mine = user_files(input=input, config_path=config_path, regressors=regressors, targets_path=targets_path, db=db,
                      ledger=saved_ledger(save, ledger_location))
    check_table_output(output, mine)
    check_plot_output(plot_path, mine)
    if plot_path is None:
        refuse_given(("plot_series",), "without --plot")
    if target is None and targets_path is None:
        raise click.UsageError("give the annual target: --target AMOUNT (the total) or --targets FILE (series,target)")
    ledger = open_for_save(save, note, ledger_location)
    targets, source = {}, "--target"
    if targets_path:
        targets, source = read_targets(targets_path), targets_path
    if target is not None:
        if "total" in targets:
            raise click.UsageError(f"the total's target is given twice (--target and {targets_path}); give it once")
        targets["total"] = parse_amount(target, "--target")
    config = load_config(config_path)
    data = load_input(input, sheet, db, query, freq, encoding)
    result = budget(data, year, targets=targets, as_of=as_of, phase=phase, config=config, strategy=strategy,
                    window=parse_window_option(window), levels=tuple(levels) or None,
                    regressors=read_regressors(regressors, data.freq), jobs=jobs, targets_source=source)
    if plot_path and plot_series not in set(result.table["series"]):
        raise InputDataError(f"--plot-series {plot_series!r} has no target; choose from "
                             f"{', '.join(result.table['series'])}")
    if output:
        from .io import write_tables

        written = write_tables(result.tables(), output)
        click.echo(f"wrote {', '.join(map(str, written))}", err=True)
    else:
        emit(result.table.set_index("series").T.reset_index(names="measure"), None)
        if result.next_year is not None:
            click.echo(f"\nnext year's budget ({result.next_year['year'].iloc[0]}):")
            emit(result.next_year, None)
    if plot_path:
        from .plot import budget_figure, save_figure

        save_figure(budget_figure(result, series=plot_series), plot_path)
        click.echo(f"wrote plot to {plot_path}", err=True)
    if ledger is not None:
        save_run(ledger, "budget", data.cut(data.period(result.as_of, option="--as-of")), result.forecast,
                 note=note, config=config, tables=result.tables())
    for _, row in result.table.iterrows():
        side = "ahead of" if row["ahead_of_plan"] >= 0 else "behind"
        click.echo(f"{row['series']}: {result.year} projected {row['full_year_forecast']:,.0f} "
                   f"(80%: {row['full_year_lower_80']:,.0f} to {row['full_year_upper_80']:,.0f}), "
                   f"{row['attainment_pct']:.1f}% of target {row['target']:,.0f}; {side} plan by "
                   f"{abs(row['ahead_of_plan']):,.0f}; P(meet target) {row['prob_meet_target']:.0%}", err=True)
    for line in result.notes:
        click.echo(f"note: {line}", err=True)


def parse_amount(text: str, option: str) -> float:
    try:
        value = float(str(text).replace(",", "").replace("_", "").strip())
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an amount; write e.g. 467500", param_hint=option) from None
    if not np.isfinite(value) or value <= 0:
        raise click.BadParameter(f"{text!r}: the target must be a positive amount", param_hint=option)
    return value


@main.command("classify")
@input_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config with group overrides.")
@click.option("--output", "-o", help="Write the table (.csv, .xlsx or .json); else print it.")
@friendly
def classify_cmd(input, sheet, db, query, freq, encoding, config_path, output):
    """Fixed or fluctuating: trend and seasonal strength and the seasonal period of each line item."""
    from .classification import classification_table
    from .combine import resolve_classes
    from .config import load_config

    check_table_output(output, user_files(input=input, config_path=config_path, db=db))
    data = load_input(input, sheet, db, query, freq, encoding)
    emit(classification_table(resolve_classes(data, load_config(config_path))), output)


@main.command()
@click.option("--output-dir", default="demo_output", show_default=True, help="Where to write the demo's files.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@friendly
def demo(output_dir, jobs):
    """Forecast 2024 of the bundled sample city from data to 2023-12 and compare with its actuals."""
    from .combine import run_forecast
    from .io import write_table
    from .plot import plot_result, save_figure
    from . import load

    from .outputs import check_output

    check_output("--output-dir", output_dir, kinds=(), folder=True, written=("forecast.csv", "forecast.png"))
    path = DATA_DIR / "revenue_monthly.csv"
    if not path.exists():
        raise InputDataError(f"{path}: the bundled sample is missing; run python scripts/make_sample_data.py")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    full = load(path)
    train = full.cut(full.period("2023-12"))
    result = run_forecast(train, 12, jobs=jobs)
    table = result.table.copy()
    actual = _actuals(full, result, table)
    table["actual"] = actual
    write_table(table.drop(columns="ordinal"), out / "forecast.csv")
    save_figure(plot_result(train, result, actual_data=full), out / "forecast.png")
    click.echo(f"Sample city, trained to 2023-12, 12 months of 2024 forecast with strategy '{result.strategy}'.\n")
    summary = []
    for series, rows in table.groupby("series", sort=False):
        summary.append({"series": series, "model": rows["model"].iloc[0][:48],
                        "forecast_2024": rows["mean"].sum(), "actual_2024": rows["actual"].sum(),
                        "mape_pct": float(np.mean(np.abs(rows["mean"] - rows["actual"]) / np.abs(rows["actual"])) * 100),
                        "coverage_95": float(np.mean((rows["actual"] >= rows["lower_95"]) & (rows["actual"] <= rows["upper_95"])))})
    emit(pd.DataFrame(summary), None)
    click.echo(f"\nwrote {out / 'forecast.csv'} and {out / 'forecast.png'}")


def _actuals(full, result, table):
    from .combine import aggregate_series

    groups = {c.component: c.group for c in result.classifications}
    hist = aggregate_series(full, groups)
    return [hist[s][o - full.first] if o <= full.last else np.nan for s, o in zip(table["series"], table["ordinal"])]


@main.command()
@input_options
@click.option("--horizon", "-h", type=click.IntRange(1, MAX_HORIZON), help="Periods to forecast (not with --ledger).")
@click.option("--train-end", help="Use data up to this period; later data are drawn as actuals.")
@click.option("--window", help="Fit on the last N periods ('all' = all history).")
@click.option("--strategy", help="auto, direct, split, components, or a grouping from the config.")
@click.option("--series", "series", multiple=True, help="Series to draw (default: total and both groups).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--ledger", "ledger_location", is_flag=False, flag_value="", default=None, metavar="[PATH_OR_URL]",
              help="Draw the archived forecasts of --series from the ledger instead (a vintage chart), against "
              "the actuals loaded there. Alone: the default ledger.")
@click.option("--run", "run_ids", type=int, multiple=True, help="With --ledger: only these runs (repeatable).")
@click.option("--output", "-o", required=True, help="Image file (.png, .svg, .pdf).")
@click.option("--jobs", type=click.IntRange(min=1))
@friendly
def plot(input, sheet, db, query, freq, encoding, horizon, train_end, window, strategy, series, config_path,
         ledger_location, run_ids, output, jobs):
    """Fan chart of history, forecast (80/95% bands) and actuals after --train-end; or, with
    --ledger, every archived forecast of a series against its actuals."""
    from .plot import plot_result, save_figure

    if ledger_location is not None:
        refuse_given(("input", "sheet", "db", "query", "freq", "encoding", "horizon", "train_end", "window",
                      "strategy", "config_path", "jobs"), "with --ledger (it draws archived forecasts)")
        return _plot_vintages(ledger_location or None, series, run_ids, output)
    refuse_given(("run_ids",), "without --ledger")
    if horizon is None:
        raise click.UsageError("give --horizon H (or --ledger to draw archived forecasts)")
    check_plot_output(output, user_files(input=input, config_path=config_path, db=db), option="--output")
    result, data, full = _run(input, sheet, db, query, freq, horizon, train_end, window, strategy, (),
                              config_path, None, jobs, encoding)
    known = set(result.table["series"])
    for s in series:
        if s not in known:
            raise InputDataError(f"--series {s!r} is not in the forecast; choose from {', '.join(dict.fromkeys(result.table['series']))}")
    save_figure(plot_result(data, result, actual_data=full, series=list(series) or None), output)
    click.echo(f"wrote plot to {output}", err=True)


def _plot_vintages(location, series, run_ids, output):
    from .ledger import Ledger
    from .ledger.store import ledger_location
    from .plot import plot_vintages, save_figure

    if len(series) != 1:
        raise click.UsageError("with --ledger give one --series, e.g. --series total")
    check_plot_output(output, user_files(ledger=ledger_location(location)), option="--output")
    with Ledger(location) as ledger:
        rows, actual = ledger.vintages(series[0], list(run_ids) or None)
    save_figure(plot_vintages(rows, actual, series=series[0]), output)
    click.echo(f"wrote plot of {rows['run_id'].nunique()} archived forecasts of {series[0]} to {output}", err=True)


from .cli_batch import batch_cmd  # noqa: E402  (they build on the helpers above)
from .cli_ledger import ledger_group  # noqa: E402

main.add_command(batch_cmd)
main.add_command(ledger_group)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
