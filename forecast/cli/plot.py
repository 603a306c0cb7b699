"""`forecast plot`: a fan chart of a forecast, or every archived forecast of a series."""
from __future__ import annotations

import click

from forecast.cli.common import (
    check_plot_output,
    examples,
    friendly,
    input_options,
    refuse_given,
    shows_steps,
    unit_option,
    user_files,
)
from forecast.cli.run import run_input
from forecast.config import MAX_HORIZON
from forecast.errors import InputDataError
from forecast.output.plot import plot_result, plot_vintages, save_figure
from forecast.planning.ledger import Ledger
from forecast.planning.ledger.location import ledger_location


@click.command(epilog=examples(
    "forecast plot data/revenue_monthly.csv -H 12 --train-end 2023-12 -o fan.png",
    "forecast plot data/revenue_monthly.csv -H 12 --series total --series mobile_data -o fan.svg",
    "forecast plot --ledger --series total -o vintages.png"))
@input_options
@click.option("--horizon", "-H", type=click.IntRange(1, MAX_HORIZON), help="Periods to forecast (not with --ledger).")
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
@unit_option
@shows_steps
@friendly
def plot(input, sheet, db, query, freq, encoding, horizon, train_end, window, strategy, series, config_path,
         ledger_location, run_ids, output, jobs, unit):
    """Fan chart of history, forecast (80/95% bands) and actuals after --train-end; or, with
    --ledger, every archived forecast of a series against its actuals."""
    if ledger_location is not None:
        refuse_given(("input", "sheet", "db", "query", "freq", "encoding", "horizon", "train_end", "window",
                      "strategy", "config_path", "jobs", "unit"), "with --ledger (it draws archived forecasts)")
        return _plot_vintages(ledger_location or None, series, run_ids, output)
    refuse_given(("run_ids",), "without --ledger")
    if horizon is None:
        raise click.UsageError("give --horizon H (or --ledger to draw archived forecasts)")
    check_plot_output(output, user_files(input=input, config_path=config_path, db=db), option="--output")
    result, data, full = run_input(input, sheet, db, query, freq, horizon, train_end, window, strategy, (),
                                   config_path, None, jobs, encoding, unit)
    known = set(result.table["series"])
    for s in series:
        if s not in known:
            raise InputDataError(f"--series {s!r} is not in the forecast; choose from {', '.join(dict.fromkeys(result.table['series']))}")
    save_figure(plot_result(data, result, actual_data=full, series=list(series) or None), output)
    click.echo(f"wrote plot to {output}", err=True)


def _plot_vintages(location, series, run_ids, output):
    if len(series) != 1:
        raise click.UsageError("with --ledger give one --series, e.g. --series total")
    check_plot_output(output, user_files(ledger=ledger_location(location)), option="--output")
    with Ledger(location) as ledger:
        rows, actual = ledger.vintages(series[0], list(run_ids) or None)
    save_figure(plot_vintages(rows, actual, series=series[0]), output)
    click.echo(f"wrote plot of {rows['run_id'].nunique()} archived forecasts of {series[0]} to {output}", err=True)
