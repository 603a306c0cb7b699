"""The options that archive a run in the ledger (`--save`, `--note`, `--ledger`), shared by
`forecast run`, `forecast budget` and the `forecast ledger` commands."""
from __future__ import annotations

from pathlib import Path

import click

LEDGER_HELP = "Ledger file or database URL (default: $FORECAST_LEDGER, else ~/.forecast/ledger.sqlite)."


def ledger_option(fn):
    return click.option("--ledger", "ledger_location", metavar="PATH_OR_URL", help=LEDGER_HELP)(fn)


def save_options(fn):
    """--save, --note, --ledger for commands whose forecasts can be archived."""
    for option in reversed([
        click.option("--save", is_flag=True, help="Keep this run (options, models, forecasts) in the ledger."),
        click.option("--note", help="A note stored with the saved run, e.g. 'January budget, board version'."),
        ledger_option,
    ]):
        fn = option(fn)
    return fn


def open_for_save(save: bool, note: str | None, location: str | None):
    """The ledger a run will be saved to, opened before the work so a bad path fails at once."""
    if not save:
        if note is not None or location is not None:
            raise click.UsageError("--note and --ledger go with --save; add --save to keep this run in the ledger")
        return None
    from forecast.planning.ledger import Ledger  # SQLAlchemy and alembic (0.5 s of start-up) only to save

    ledger = Ledger(location)
    ledger.close()  # its connections; the ledger reconnects to save (a run may take minutes)
    return ledger


def run_options(config_path: str | None) -> dict:
    """The command's options as given, plus the config file's text (the run depends on it)."""
    params = dict(click.get_current_context().params)
    for key in ("save", "ledger_location", "note"):
        params.pop(key, None)
    if config_path:
        params["config_text"] = Path(config_path).read_text(encoding="utf-8")
    return params


def save_run(ledger, command: str, data, result, *, note: str | None, config, tables=None) -> None:
    from forecast.planning.ledger import record_run

    record = record_run(command, data, result, options=run_options(click.get_current_context().params.get(
        "config_path")), note=note or "", tables=tables, groupings=config.groupings)
    try:
        run_id = ledger.save(record)
    finally:
        ledger.close()
    click.echo(f"saved as run {run_id} in the ledger {ledger.shown}", err=True)
