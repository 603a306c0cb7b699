"""The `forecast` command group: one module per command, gathered here."""
from __future__ import annotations

import click

from forecast.cli.backtest import backtest
from forecast.cli.batch import batch_cmd
from forecast.cli.budget import budget_cmd
from forecast.cli.classify import classify_cmd
from forecast.cli.demo import demo
from forecast.cli.ledger import ledger_group
from forecast.cli.plot import plot
from forecast.cli.run import run


@click.group()
@click.version_option(package_name="telecom-revenue-forecast")
def main():
    """Revenue forecasting for budget analysts: split, model, recombine, backtest."""


for command in (run, backtest, budget_cmd, classify_cmd, demo, plot, batch_cmd, ledger_group):
    main.add_command(command)
