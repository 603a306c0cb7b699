"""`forecast demo`: the bundled sample city's 2024 forecast against its actuals."""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np
import pandas as pd

from forecast import load
from forecast.cli.common import emit, examples, friendly, shows_steps
from forecast.combine import aggregate_series
from forecast.io.files import write_table
from forecast.io.paths import check_output
from forecast.io.rounding import rounded
from forecast.output.plot import plot_result, save_figure
from forecast.pipeline import run_forecast
from forecast.sample import sample_path


@click.command(epilog=examples(
    "forecast demo",
    "forecast demo --output-dir /tmp/demo"))
@click.option("--output-dir", default="demo_output", show_default=True, help="Where to write the demo's files.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@shows_steps
@friendly
def demo(output_dir, jobs):
    """Forecast 2024 of the bundled sample city from data to 2023-12 and compare with its actuals."""
    check_output("--output-dir", output_dir, kinds=(), folder=True, written=("forecast.csv", "forecast.png"))
    path = sample_path("revenue_monthly.csv")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    full = load(path)
    train = full.cut(full.period("2023-12"))
    result = run_forecast(train, 12, jobs=jobs)
    table = result.table.copy()
    actual = _actuals(full, result, table)
    table["actual"] = actual
    write_table(rounded(table.drop(columns="ordinal"), full.decimals), out / "forecast.csv")
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
    groups = {c.component: c.group for c in result.classifications}
    hist = aggregate_series(full, groups)
    return [hist[s][o - full.first] if o <= full.last else np.nan for s, o in zip(table["series"], table["ordinal"])]
