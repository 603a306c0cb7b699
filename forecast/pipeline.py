"""`run_forecast`: the one function that forecasts a revenue table, for the CLI, budget mode,
batches and the Python API. It sits above `combine` (the strategies) and `evaluate` (the
backtests), because `strategy="auto"` chooses a strategy by backtesting them."""
from __future__ import annotations

import pandas as pd

from forecast.combine import ForecastResult, assemble, check_strategy, fit_all, needed_series, resolve_classes
from forecast.config import Config, check_horizon
from forecast.evaluate.backtest import choose_strategy
from forecast.progress import current, step
from forecast.regressors import check_regressors_cover
from forecast.revenue import RevenueData


def run_forecast(data: RevenueData, horizon: int, *, config: Config | None = None, strategy: str | None = None,
                 window="auto", levels: tuple[int, ...] | None = None, regressors: pd.DataFrame | None = None,
                 jobs: int | None = None, components: list[str] | None = None) -> ForecastResult:
    """Forecast every line item, both groups and the total, `horizon` periods past the data's end.

    `components` lists every line item of the whole file when `data` was cut from it (so config
    names are checked against the file, not the cut).

    Notes
    -----
    Intervals of the groups and the total account for the correlation between line items: each
    modelled series gets unit-variance Student t shocks (`forecast.models.intervals`) that are
    correlated across series like their in-sample one-step errors, propagated through the model's
    own psi weights and scaled to its own forecast standard deviation. Sums of these joint sample
    paths give the bounds of the aggregates, so bounds are not simply added.
    """
    config = config or Config()
    strategy = strategy or config.strategy
    levels = levels or config.levels
    jobs = jobs or config.jobs
    check_horizon(horizon, data.freq, series=len(data.components) + 3, paths=config.paths)
    check_strategy(strategy, config)
    if regressors is not None:
        check_regressors_cover(regressors, data.first, data.last + horizon, data.freq, data.style,
                               "regressor file")
    step("classifying line items")
    classes = resolve_classes(data, config, components)
    groups = {c.component: c.group for c in classes}
    choice = None
    if strategy == "auto":
        step("choosing the strategy by backtest")
        choice = choose_strategy(data, horizon, config=config, window=window, regressors=regressors, jobs=jobs,
                                 components=components, progress=current())
        strategy = choice.chosen
    fits = fit_all(data, classes, config, horizon, needed_series(strategy, groups, config.groupings),
                   window=window, user=regressors, jobs=jobs)
    step("sampling joint paths")
    return assemble(data, strategy, fits, classes, config, horizon, levels, choice)
