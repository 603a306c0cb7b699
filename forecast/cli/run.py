"""`forecast run`: every line item, both groups and the total."""
from __future__ import annotations

import click

from forecast.cli.common import (
    check_plot_output,
    check_table_output,
    emit_tables,
    examples,
    friendly,
    input_options,
    load_input,
    notes,
    parse_window_option,
    read_regressors,
    saved_ledger,
    shows_steps,
    tell_models,
    train_end_period,
    unit_option,
    user_files,
    verbose_option,
)
from forecast.cli.save import open_for_save, save_options, save_run
from forecast.config import MAX_HORIZON, load_config
from forecast.pipeline import run_forecast
from forecast.temporal import default_aggregate, sum_to


@click.command(epilog=examples(
    "forecast run data/revenue_monthly.csv -H 12 -o fc.csv",
    "forecast run export.xlsx -H 12 --train-end 2023-12 --strategy auto -o fc.xlsx --plot fan.png",
    "cat data/revenue_monthly.csv | forecast run - -H 6 -o - > fc.csv"))
@input_options
@click.option("--horizon", "-H", type=click.IntRange(1, MAX_HORIZON), required=True, help="Periods to forecast.")
@click.option("--train-end", help="Use data up to this period only (e.g. 2023-12); forecast from the next.")
@click.option("--window", help="Fit on the last N periods (default: all history; 'choose': 24, 36 or all, per series).")
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
@unit_option
@verbose_option
@shows_steps
@friendly
def run(input, sheet, db, query, freq, encoding, horizon, train_end, window, strategy, levels, config_path,
        regressors, output, plot_path, aggregate, jobs, save, note, ledger_location, verbose, unit):
    """Forecast every line item, both groups and the total."""
    mine = user_files(input=input, config_path=config_path, regressors=regressors, db=db,
                      ledger=saved_ledger(save, ledger_location))
    check_table_output(output, mine)
    check_plot_output(plot_path, mine)
    ledger = open_for_save(save, note, ledger_location)
    result, data, full = run_input(input, sheet, db, query, freq, horizon, train_end, window, strategy, levels,
                                   config_path, regressors, jobs, encoding, unit)
    tables = {"forecast": result.table.drop(columns="ordinal")}
    aggregate = default_aggregate(data.freq) if aggregate is None else (None if aggregate == "none" else aggregate)
    if aggregate:
        summed = sum_to(data, result, aggregate)
        if len(summed):
            tables[aggregate] = summed
        else:
            click.echo(f"note: the forecast covers no whole {aggregate}, so there are no {aggregate} sums; "
                       f"forecast to the end of a {aggregate} for them", err=True)
    emit_tables(tables, output, data.decimals)
    if plot_path:
        from forecast.output.plot import plot_result, save_figure  # matplotlib: 0.5 s of start-up, for --plot only

        save_figure(plot_result(data, result, actual_data=full), plot_path)
        click.echo(f"wrote plot to {plot_path}", err=True)
    if ledger is not None:
        save_run(ledger, "run", data, result, note=note, config=load_config(config_path))
    if verbose:
        tell_models(result)
    notes(result)


def run_input(input, sheet, db, query, freq, horizon, train_end, window, strategy, levels, config_path, regressors, jobs,
              encoding=None, unit=None):
    config = load_config(config_path)
    full = load_input(input, sheet, db, query, freq, encoding, unit=unit, config=config)
    data = full.cut(train_end_period(full, train_end)) if train_end else full
    user = read_regressors(regressors, data.freq)
    result = run_forecast(data, horizon, config=config, strategy=strategy, window=parse_window_option(window),
                          levels=tuple(levels) or None, regressors=user, jobs=jobs, components=full.components)
    return result, data, full
