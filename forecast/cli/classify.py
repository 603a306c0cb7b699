"""`forecast classify`: fixed or fluctuating, and why."""
from __future__ import annotations

import click

from forecast.classification import classification_table
from forecast.cli.common import check_table_output, emit, examples, friendly, input_options, load_input, user_files
from forecast.combine import resolve_classes
from forecast.config import load_config


@click.command("classify", epilog=examples(
    "forecast classify data/revenue_monthly.csv",
    "forecast classify export_gbk.csv -o classes.xlsx"))
@input_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML config with group overrides.")
@click.option("--output", "-o", help="Write the table (.csv, .xlsx or .json); else print it.")
@friendly
def classify_cmd(input, sheet, db, query, freq, encoding, config_path, output):
    """Fixed or fluctuating: trend and seasonal strength and the seasonal period of each line item."""
    check_table_output(output, user_files(input=input, config_path=config_path, db=db))
    data = load_input(input, sheet, db, query, freq, encoding)
    emit(classification_table(resolve_classes(data, load_config(config_path))), output)
