"""The `forecast` command group: one module per command, gathered here.

A command's module is imported only when that command runs (click's lazy-loading pattern), so
that `forecast run` does not pay for importing the ledger, the report or Dask."""
from __future__ import annotations

from importlib import import_module

import click

from forecast.scale.engines import spawn_is_safe

COMMANDS = {
    "run": "forecast.cli.run:run",
    "classify": "forecast.cli.classify:classify_cmd",
    "backtest": "forecast.cli.backtest:backtest",
    "budget": "forecast.cli.budget:budget_cmd",
    "plot": "forecast.cli.plot:plot",
    "batch": "forecast.cli.batch:batch_cmd",
    "ledger": "forecast.cli.ledger:ledger_group",
    "demo": "forecast.cli.demo:demo",
    "review": "forecast.cli.review:review_cmd",
}


class LazyGroup(click.Group):
    """Commands looked up in COMMANDS and imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="telecom-revenue-forecast")
def main():
    """Revenue forecasting for budget analysts: split, model, recombine, backtest."""
    spawn_is_safe()  # the installed command's main module is guarded
