"""What every command shares: running a command so that every failure is one line and its
outputs appear all together or not at all, the input options, output checks, and printing."""
from __future__ import annotations

import functools
import os
from dataclasses import replace

import click
import numpy as np
import pandas as pd
from click.core import ParameterSource

from forecast import load
from forecast.calendar import FREQUENCIES as FREQS
from forecast.cli.interrupts import finishing, was_interrupted
from forecast.config import parse_window
from forecast.errors import ForecastError, InputDataError, one_line
from forecast.io.files import all_or_nothing, read_table, write_table, write_tables
from forecast.io.paths import STDOUT, TABLE_SUFFIXES, check_output, plot_suffixes, sqlite_path
from forecast.io.rounding import rounded
from forecast.progress import reporting, step
from forecast.regressors import read_user_regressors


class Interrupted(click.ClickException):
    exit_code = 130

    def __init__(self):
        super().__init__("interrupted; nothing written")


def friendly(fn):
    """Run a command so that its outputs appear all together or not at all, and every failure
    is one line: the toolkit's errors exit 1, Ctrl-C 130, file-system errors name the file, and
    anything unexpected says it is a bug (FORECAST_DEBUG=1 shows the traceback)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with all_or_nothing():
                result = fn(*args, **kwargs)
                if was_interrupted():  # a Ctrl-C that Python swallowed (raised inside a callback)
                    raise KeyboardInterrupt
                finishing()
            return result
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
            if was_interrupted():  # Ctrl-C inside a C extension's import surfaces as ImportError
                raise Interrupted() from None
            if os.environ.get("FORECAST_DEBUG"):
                raise
            raise click.ClickException(f"unexpected {type(exc).__name__}: {one_line(exc)[:300]}; nothing written. "
                                       "This is a bug: rerun with FORECAST_DEBUG=1 and report the traceback") from None
    return wrapper


def examples(*lines: str) -> str:
    """A command's help epilog: example command lines, kept as written (click's \\b)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


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


def shows_steps(fn):
    """`--quiet/-q`, and otherwise the command's steps (a bar where they count series) on
    stderr when it is a terminal."""
    @functools.wraps(fn)
    def wrapper(*args, quiet=False, **kwargs):
        with reporting(quiet=quiet):
            return fn(*args, **kwargs)
    return click.option("--quiet", "-q", is_flag=True, help="No progress on stderr (shown only on a terminal).")(
        wrapper)


def unit_option(fn):
    return click.option("--unit", help="The amounts' unit on charts and in reports, e.g. 万元 (default: the file's "
                        "unit row, else the config's unit).")(fn)


def load_input(input, sheet, db, query, freq, encoding=None, *, unit=None, config=None):
    """The input as a validated revenue table; its unit is `unit` when given, else the file's,
    else the config's."""
    check_input_options(input, sheet, db, query, encoding)
    step(f"reading {'the query' if db else input}")
    data = load(input, sheet=sheet, db=db, query=query, freq=freq, encoding=encoding)
    chosen = unit or data.unit or (config.unit if config is not None else None)
    return replace(data, unit=chosen) if chosen != data.unit else data


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
    return [p for p in (input, config_path, regressors, targets_path, sqlite_path(db), sqlite_path(ledger))
            if p and p != "-"]


def check_table_output(output, protected, option: str = "--output") -> None:
    check_output(option, output, kinds=TABLE_SUFFIXES, protected=protected)


def check_plot_output(path, protected, option: str = "--plot") -> None:
    if path is not None:
        check_output(option, path, kinds=plot_suffixes(), protected=protected)


def refuse_given(names: tuple[str, ...], why: str) -> None:
    """A usage error when any of these parameters was given on the command line: in this mode
    it would be ignored."""
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
    from forecast.planning.ledger.location import ledger_location  # SQLAlchemy and alembic only to save

    return ledger_location(location)


def parse_window_option(value):
    return "auto" if value is None else parse_window(value, "--window")


def emit(table: pd.DataFrame, output: str | None, decimals: int = 2) -> None:
    """A table to `output` (its format by extension), as CSV to stdout for `-`, else printed;
    amounts rounded to `decimals` (the input's) plus two places."""
    table = rounded(table, decimals)
    if output == STDOUT:
        click.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
    elif output:
        write_table(table, output)
        click.echo(f"wrote {len(table)} rows to {output}", err=True)
    else:
        with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_columns", None,
                               "display.max_colwidth", 60):
            click.echo(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


def emit_tables(tables: dict[str, pd.DataFrame], output: str | None, decimals: int = 2) -> None:
    """The first table as `emit` does; the others beside it (or below it, titled, on stdout).
    With `-o -` only the first goes to stdout as CSV, so that it stays one CSV."""
    step("writing")
    tables = {name: rounded(table, decimals) for name, table in tables.items()}
    if output == STDOUT:
        emit(next(iter(tables.values())), STDOUT, decimals)
        if len(tables) > 1:
            click.echo(f"note: {', '.join(list(tables)[1:])} not written; give --output FILE for them", err=True)
        return
    if output:
        written = write_tables(tables, output)
        click.echo(f"wrote {', '.join(f'{len(t)} rows to {p}' for t, p in zip(tables.values(), written))}"
                   if len(written) == len(tables) else f"wrote {', '.join(map(str, written))}", err=True)
        return
    for i, (name, table) in enumerate(tables.items()):
        if i:
            click.echo(f"\n{name}:")
        emit(table, None, decimals)


def verbose_option(fn):
    return click.option("--verbose", "-v", is_flag=True,
                        help="Also show each series' model choice and the candidates' backtest errors (stderr).")(fn)


def tell_models(result) -> None:
    """--verbose: what each modelled series chose, and from what."""
    for row in result.model_table().itertuples():
        click.echo(f"{row.series} ({row.group or 'aggregate'}): {row.model}", err=True)
        if row.candidates:
            click.echo(f"    candidates (rolling-origin error): {row.candidates}", err=True)


def notes(result) -> None:
    if result.strategy_scores:
        scores = ", ".join(f"{s} {v:.2f}%" for s, v in result.strategy_scores.items())
        click.echo(f"note: auto chose {result.strategy} (total MAPE in a backtest inside the data: {scores}); "
                   f"{result.strategy_choice.text()}", err=True)
    for line in result.warnings:
        click.echo(f"note: {line}", err=True)


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
    return read_user_regressors(read_table(path), freq)


def parse_amount(text: str, option: str) -> float:
    try:
        value = float(str(text).replace(",", "").replace("_", "").strip())
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an amount; write e.g. 467500", param_hint=option) from None
    if not np.isfinite(value) or value <= 0:
        raise click.BadParameter(f"{text!r}: the target must be a positive amount", param_hint=option)
    return value
