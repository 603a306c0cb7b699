"""Command line of many business units: `forecast batch` (keys, engines, hierarchies) and the
keyed form of `forecast backtest` (`--id-col`)."""
from __future__ import annotations

import click

from forecast.cli.common import examples, friendly, refuse_given, user_files
from forecast.config import MAX_HORIZON
from forecast.io.files import read_table
from forecast.io.paths import check_output
from forecast.progress import Progress
from forecast.scale.batch import batch, batch_hierarchy
from forecast.scale.keyed_backtest import batch_backtest


@click.command("batch", epilog=examples(
    "forecast batch units.csv --id-col unit -H 12 -o fc.csv",
    "forecast batch branches.csv --id-col unit --hierarchy county,city -H 12 -o fc.csv",
    "forecast batch units.csv --id-col unit -H 12 --engine dask --scheduler tcp://HOST:8786 -o fc.csv"))
@click.argument("input", type=click.Path(dir_okay=False))
@click.option("--id-col", required=True, help="Column that names each business unit (key), e.g. unit.")
@click.option("--horizon", "-H", type=click.IntRange(1, MAX_HORIZON), required=True, help="Periods to forecast.")
@click.option("--season-length", type=click.IntRange(min=2),
              help="Seasonal period to look for in single-series keys, e.g. 12 (kept only where the data show it).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a process pool on this machine; dask: a Dask cluster (see --scheduler).")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler of an existing cluster, e.g. tcp://10.0.0.5:8786 (default: a local cluster of --jobs workers).")
@click.option("--level", "levels", type=click.IntRange(1, 99), multiple=True, help="Interval level(s), default 80 and 95.")
@click.option("--hierarchy", metavar="COL,COL,...",
              help="Columns naming each unit's parent at each level, lowest first (e.g. county,city): "
                   "forecast every level and reconcile them so that they add up.")
@click.option("--reconcile", "method", type=click.Choice(["auto", "bottom_up", "top_down", "mint_shrink"]),
              default="auto", show_default=True, help="With --hierarchy: how; auto chooses by backtest.")
@click.option("--sheet", help="Excel sheet name (default: the sheet that holds the data).")
@click.option("--encoding", help="Text encoding of a CSV input, e.g. gb18030 (default: detected).")
@click.option("--output", "-o", required=True, help="CSV written as keys complete; failed keys go to STEM.errors.csv.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@friendly
def batch_cmd(input, id_col, horizon, season_length, engine, jobs, scheduler, levels, hierarchy, method, sheet,
              encoding, output, quiet):
    """Forecast many business units at once: each key a single series (date, value) or a
    revenue table (date, component, value) run as `forecast run` would. With --hierarchy, the
    units roll up level by level and every level's forecasts are reconciled."""
    check_output("--output", output, kinds=(".csv",), protected=user_files(input=input))
    if hierarchy is None:
        refuse_given(("method",), "without --hierarchy")
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler goes with --engine dask")
    raw = read_table(input, sheet=sheet, encoding=encoding)
    options = dict(season_length=season_length, levels=tuple(levels) or (80, 95), engine=engine, jobs=jobs,
                   scheduler=scheduler)
    if hierarchy is not None:
        levels_named = tuple(c.strip() for c in hierarchy.split(",") if c.strip())
        with Progress("node", quiet=quiet) as progress:
            done = batch_hierarchy(raw, id_col, levels_named, horizon, output, method=method, progress=progress,
                                   **options)
        click.echo(f"forecast {done.nodes} nodes, reconciled {done.method}, in {done.seconds:.1f} s; wrote "
                   f"{done.output}" + (f" (backtest of the methods: {done.scores})" if done.scores else ""), err=True)
        if done.choice:
            click.echo(f"note: --reconcile auto {done.choice}", err=True)
        if done.failed:
            click.echo(f"note: {done.failed} unit(s) could not be read and are left out of the sums; reasons in "
                       f"{done.errors}", err=True)
        return
    with Progress("key", quiet=quiet) as progress:
        summary = batch(raw, id_col, horizon, output, progress=progress, **options)
    click.echo(f"forecast {summary.keys - summary.failed} of {summary.keys} keys in {summary.seconds:.1f} s "
               f"({summary.keys_per_second:.1f} keys/s); wrote {summary.output}", err=True)
    if summary.failed:
        click.echo(f"note: {summary.failed} key(s) could not be forecast; reasons in {summary.errors}", err=True)


def backtest_keys(input, sheet, id_col, horizon, windows, origins, step, strategies, output_dir, levels,
                  season_length, engine, jobs, scheduler, quiet, encoding=None):
    """`forecast backtest --id-col`: every key backtested on its own."""
    if input is None:
        raise click.UsageError("--id-col backtests the keys of an INPUT file; give one")
    names = tuple(s.strip() for s in strategies.split(",") if s.strip())
    with Progress("key", quiet=quiet) as progress:
        summary = batch_backtest(read_table(input, sheet=sheet, encoding=encoding), id_col, horizon, output_dir,
                                 windows=windows, origins=origins, step=step, strategies=names,
                                 season_length=season_length, levels=tuple(levels) or (80, 95), engine=engine,
                                 jobs=jobs, scheduler=scheduler, progress=progress)
    click.echo(f"backtested {summary.keys - summary.failed} of {summary.keys} keys in {summary.seconds:.1f} s; "
               f"wrote forecasts.csv and metrics.csv to {output_dir}", err=True)
    if summary.failed:
        click.echo(f"note: {summary.failed} key(s) could not be backtested; reasons in {summary.errors}", err=True)
