"""`forecast budget`: year to date, projection, attainment, plan and P(meet target)."""
from __future__ import annotations

import click
import pandas as pd

from forecast.cli.common import (
    check_plot_output,
    check_table_output,
    emit,
    emit_tables,
    examples,
    friendly,
    input_options,
    load_input,
    parse_amount,
    parse_window_option,
    read_regressors,
    refuse_given,
    saved_ledger,
    shows_steps,
    tell_models,
    unit_option,
    user_files,
    verbose_option,
)
from forecast.cli.save import open_for_save, save_options, save_run
from forecast.config import load_config
from forecast.errors import InputDataError
from forecast.io.files import read_table
from forecast.io.rounding import rounded
from forecast.planning.budget import budget, measures_by_series, read_targets
from forecast.planning.hierarchy_budget import hierarchy_budget
from forecast.revenue import decimal_places


@click.command("budget", epilog=examples(
    "forecast budget data/revenue_monthly.csv --year 2024 --as-of 2024-05 --target 158000",
    "forecast budget data/revenue_monthly.csv --year 2024 --targets targets.csv -o budget.xlsx --plot budget.png",
    "forecast budget data/branches_monthly.csv --id-col unit --hierarchy county,city --year 2024 --as-of 2024-06 "
    "--targets node_targets.csv"))
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
@click.option("--window", help="Fit on the last N periods (default: all history; 'choose': 24, 36 or all, per series).")
@click.option("--level", "levels", type=click.IntRange(1, 99), multiple=True, help="Interval level(s), default 80 and 95.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config (overrides per component).")
@click.option("--regressors", type=click.Path(dir_okay=False), help="CSV: date plus one column per regressor.")
@click.option("--output", "-o", help="Write the tables: .xlsx (one sheet per table) or .csv (STEM.phasing.csv, "
              "STEM.next_year.csv beside it).")
@click.option("--plot", "plot_path", help="Chart of cumulative actual and forecast against the target (.png, .svg, .pdf).")
@click.option("--plot-series", default="total", show_default=True, help="Series drawn by --plot.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--id-col", help="With --hierarchy: the column naming each business unit.")
@click.option("--hierarchy", metavar="COL,COL,...", help="Budget every node of a hierarchy of units (e.g. "
              "county,city, lowest first): targets by node name in --targets, the total's with --target.")
@save_options
@unit_option
@verbose_option
@shows_steps
@friendly
def budget_cmd(input, sheet, db, query, freq, encoding, year, as_of, target, targets_path, phase, strategy, window,
               levels, config_path, regressors, output, plot_path, plot_series, jobs, id_col, hierarchy, save, note,
               ledger_location, verbose, unit):
    """Year-end projection, attainment, ahead/behind plan and the chance of meeting the target."""
    mine = user_files(input=input, config_path=config_path, regressors=regressors, targets_path=targets_path, db=db,
                      ledger=saved_ledger(save, ledger_location))
    check_table_output(output, mine)
    check_plot_output(plot_path, mine)
    if plot_path is None:
        refuse_given(("plot_series",), "without --plot")
    if target is None and targets_path is None:
        raise click.UsageError("give the annual target: --target AMOUNT (the total) or --targets FILE (series,target)")
    if (id_col is None) != (hierarchy is None):
        raise click.UsageError("--id-col and --hierarchy go together: the unit column and the levels above it")
    if hierarchy is not None:
        refuse_given(("db", "query", "freq", "strategy", "window", "config_path", "regressors", "plot_path", "save",
                      "note", "ledger_location", "verbose", "unit"), "to a budget over a hierarchy (--hierarchy)")
    ledger = open_for_save(save, note, ledger_location)
    targets, source = {}, "--target"
    if targets_path:
        targets, source = read_targets(targets_path), targets_path
    if target is not None:
        if "total" in targets:
            raise click.UsageError(f"the total's target is given twice (--target and {targets_path}); give it once")
        targets["total"] = parse_amount(target, "--target")
    if hierarchy is not None:
        return _hierarchy_budget(input, sheet, encoding, id_col, hierarchy, year, as_of, targets, phase, levels, jobs,
                                 output)
    config = load_config(config_path)
    data = load_input(input, sheet, db, query, freq, encoding, unit=unit, config=config)
    result = budget(data, year, targets=targets, as_of=as_of, phase=phase, config=config, strategy=strategy,
                    window=parse_window_option(window), levels=tuple(levels) or None,
                    regressors=read_regressors(regressors, data.freq), jobs=jobs, targets_source=source)
    if plot_path and plot_series not in set(result.table["series"]):
        raise InputDataError(f"--plot-series {plot_series!r} has no target; choose from "
                             f"{', '.join(result.table['series'])}")
    if output:
        tables = result.tables()
        if str(output).lower().endswith(".xlsx"):  # a sheet that reads down, as the command prints it
            tables = {"budget": tables.pop("budget"), "summary": measures_by_series(result.table), **tables}
        emit_tables(tables, output, data.decimals)
    else:
        emit(measures_by_series(rounded(result.table, data.decimals)), None, data.decimals)
        if result.next_year is not None:
            click.echo(f"\nnext year's budget ({result.next_year['year'].iloc[0]}):")
            emit(result.next_year, None, data.decimals)
    if plot_path:
        from forecast.output.plot import budget_figure, save_figure  # matplotlib: 0.5 s of start-up, for --plot only

        save_figure(budget_figure(result, series=plot_series), plot_path)
        click.echo(f"wrote plot to {plot_path}", err=True)
    if ledger is not None:
        save_run(ledger, "budget", data.cut(data.period(result.as_of, option="--as-of")), result.forecast,
                 note=note, config=config, tables=result.tables())
    tell_rows(result.table, result.year)
    if verbose:
        tell_models(result.forecast)
    for line in result.notes:
        click.echo(f"note: {line}", err=True)


def _hierarchy_budget(input, sheet, encoding, id_col, hierarchy, year, as_of, targets, phase, levels, jobs, output):
    """`forecast budget --id-col COL --hierarchy COL,COL`: a row per node with a target."""
    if input is None:
        raise click.UsageError("--hierarchy budgets the units of an INPUT file; give one")
    columns = tuple(c.strip() for c in hierarchy.split(",") if c.strip())
    raw = read_table(input, sheet=sheet, encoding=encoding)
    table, failed = hierarchy_budget(raw, id_col, columns, year, targets=targets, as_of=as_of, phase=phase,
                                     levels=tuple(levels) or (80, 95), jobs=jobs)
    values = pd.to_numeric(raw.frame.get("value", pd.Series(dtype=float)), errors="coerce")
    decimals = decimal_places(values) if values.notna().any() else 2
    if output:
        emit_tables({"budget": table}, output, decimals)
    else:
        emit(measures_by_series(rounded(table.drop(columns="model"), decimals)), None, decimals)
    tell_rows(table, year)
    if failed:
        click.echo(f"note: {len(failed)} unit(s) could not be read and are left out of the sums, e.g. "
                   f"{next(iter(failed.values()))}", err=True)


def tell_rows(table: pd.DataFrame, year: int) -> None:
    """One line per series on stderr: the projection, its interval, attainment, plan and P(meet)."""
    for _, row in table.iterrows():
        side = "ahead of" if row["ahead_of_plan"] >= 0 else "behind"
        where = f" ({row['level']})" if "level" in row else ""
        click.echo(f"{row['series']}{where}: {year} projected {row['full_year_forecast']:,.0f} "
                   f"(80%: {row['full_year_lower_80']:,.0f} to {row['full_year_upper_80']:,.0f}), "
                   f"{row['attainment_pct']:.1f}% of target {row['target']:,.0f}; {side} plan by "
                   f"{abs(row['ahead_of_plan']):,.0f}; P(meet target) {row['prob_meet_target']:.0%}", err=True)
