"""Command line of the forecast ledger: `forecast ledger ...`, and the `--save` options that
`forecast run` and `forecast budget` share."""
from __future__ import annotations

import functools

import click

from forecast.cli.common import (
    check_table_output,
    emit,
    emit_tables,
    examples,
    friendly,
    input_options,
    load_input,
    user_files,
)
from forecast.cli.save import ledger_option
from forecast.planning.ledger import Ledger, actual_rows
from forecast.planning.ledger.location import ledger_location as location_of


def with_ledger(fn):
    """Open the ledger named by --ledger for the command and close it afterwards."""
    @functools.wraps(fn)
    def wrapper(*args, ledger_location=None, **kwargs):
        if "output" in kwargs:  # before the ledger is opened (and perhaps upgraded)
            check_table_output(kwargs["output"], user_files(ledger=location_of(ledger_location)))

        with Ledger(ledger_location) as ledger:
            return fn(ledger, *args, **kwargs)
    return wrapper


@click.group("ledger", epilog=examples(
    "forecast run data/revenue_monthly.csv -H 12 --train-end 2023-12 --save --note 'Jan budget'",
    "forecast ledger actuals data/revenue_monthly.csv",
    "forecast ledger accuracy -o accuracy.xlsx"))
def ledger_group():
    """Archived forecasts: list, show, load actuals, override, accuracy by lead time."""


@ledger_group.command("list", epilog=examples("forecast ledger list", "forecast ledger list --ledger runs.sqlite -o runs.csv"))
@ledger_option
@click.option("--output", "-o", help="Write the table (.csv, .xlsx or .json); else print it.")
@friendly
@with_ledger
def list_cmd(ledger, output):
    """Every saved run: run_id, created, command, train_end, strategy, note (and who, which version)."""
    runs = ledger.runs()
    if runs.empty and not output:
        click.echo(f"the ledger {ledger.shown} has no runs yet; keep one with `forecast run ... --save`", err=True)
        return
    emit(runs, output)


@ledger_group.command("show", epilog=examples("forecast ledger show 3", "forecast ledger show 3 -o run3.xlsx"))
@click.argument("run_id", metavar="RUN", type=int)
@ledger_option
@click.option("--output", "-o", help="Write the tables (.xlsx: one sheet each; .csv: STEM.models.csv ... beside it).")
@friendly
@with_ledger
def show_cmd(ledger, run_id, output):
    """The stored forecast table of run RUN (with overrides), its models and any budget tables."""
    tables = {"forecast": ledger.show(run_id), "models": ledger.models(run_id), **ledger.tables(run_id)}
    emit_tables(tables, output)


@ledger_group.command("actuals", epilog=examples(
    "forecast ledger actuals data/revenue_monthly.csv",
    "forecast ledger actuals june.xlsx --ledger postgresql://user@host/forecasts"))
@input_options
@ledger_option
@friendly
@with_ledger
def actuals_cmd(ledger, input, sheet, db, query, freq, encoding):
    """Load actuals from a revenue file (idempotent: a changed value becomes a new revision)."""
    data = load_input(input, sheet, db, query, freq, encoding)
    loaded = ledger.load_actuals(actual_rows(data), data.source)
    click.echo(f"{data.source}: {loaded} actuals in the ledger {ledger.shown}", err=True)


@ledger_group.command("override", epilog=examples(
    "forecast ledger override 3 --series broadband --date 2024-03 --value 3300 --comment 'price rise in March'"))
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--series", required=True, help="Series of the run, e.g. broadband or total.")
@click.option("--date", "date", required=True, help="Forecast period, written as in the run (e.g. 2024-03).")
@click.option("--value", required=True, help="The adjusted value.")
@click.option("--comment", required=True, help="Why: kept with who and when.")
@ledger_option
@friendly
@with_ledger
def override_cmd(ledger, run_id, series, date, value, comment):
    """Record a judgmental adjustment beside the statistical forecast of RUN."""
    try:
        amount = float(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an amount; write e.g. 3250.5", param_hint="--value") from None
    lead = ledger.override(run_id, series, date, amount, comment)
    click.echo(f"run {run_id}: {series} {date} (lead {lead}) adjusted to {amount:,.2f}", err=True)


@ledger_group.command("accuracy", epilog=examples(
    "forecast ledger accuracy", "forecast ledger accuracy --series total -o accuracy.xlsx"))
@ledger_option
@click.option("--series", "series", multiple=True, help="Only these series (repeatable).")
@click.option("--output", "-o", help="Write the tables (.xlsx: one sheet each; .csv: STEM.by_lead.csv and "
              "STEM.annual.csv beside it).")
@friendly
@with_ledger
def accuracy_cmd(ledger, series, output):
    """Every archived forecast against the actuals that arrived later, by lead time; statistical
    and overridden side by side; year-end projections against the year's actual."""
    tables = ledger.accuracy(list(series) or None)
    emit_tables(tables, output)
    errors = tables["accuracy"]
    if errors.empty:
        click.echo("note: no archived forecast has an actual yet; load them with `forecast ledger actuals FILE`",
                   err=True)
        return
    click.echo(f"{len(errors)} forecasts from {errors['run_id'].nunique()} runs scored; "
               f"MAPE {errors['mape'].mean():.2f}%", err=True)
    adjusted = errors[errors["mape_adjusted"].notna()]
    if len(adjusted):
        click.echo(f"overrides: {len(adjusted)} adjusted forecasts scored, MAPE {adjusted['mape'].mean():.2f}% "
                   f"statistical vs {adjusted['mape_adjusted'].mean():.2f}% adjusted "
                   f"(value added {adjusted['value_added'].mean():+.2f} points)", err=True)
