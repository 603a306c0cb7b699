"""Revenue forecasting for budget analysts.

    import forecast
    fc = forecast.run("data/revenue_monthly.csv", horizon=12, train_end="2023-12")  # or a DataFrame
    fc.table                 # date, series, mean, lower_80, upper_80, lower_95, upper_95, model
    fc.plot()
    forecast.classify(df).table, forecast.backtest(df, 12).ranking, forecast.budget(df, 2024, target=158000).table
    forecast.batch(units, id_col="unit", horizon=12).table

The names below are imported when first used, so that `import forecast` (and the `forecast`
command's start, which Ctrl-C must be able to interrupt cleanly) stays fast.
"""
from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "run": "api", "classify": "api", "backtest": "api", "budget": "api", "batch": "api", "review": "api",
    "Classification": "classification", "classification_table": "classification",
    "ForecastResult": "combine", "run_forecast": "pipeline",
    "Config": "config", "load_config": "config",
    "ConfigError": "errors", "ForecastError": "errors", "InputDataError": "errors", "ModelFitError": "errors",
    "read_table": "io", "write_table": "io",
    "RevenueData": "revenue",
    "to_revenue": "validate",
}


def load(path=None, *, sheet=None, db=None, query=None, freq=None, encoding=None):
    """Read and validate a revenue table: a file (CSV, .xlsx, Parquet; "-" is stdin), a pandas
    DataFrame or Series, or a read-only database query."""
    import pandas as pd

    from forecast.io.files import read_table
    from forecast.io.frames import frame_table
    from forecast.validate import to_revenue

    if isinstance(path, (pd.DataFrame, pd.Series)):
        return to_revenue(frame_table(path), freq=freq)
    return to_revenue(read_table(path, sheet=sheet, db=db, query=query, encoding=encoding), freq=freq)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'forecast' has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_EXPORTS])


__all__ = ["load", *_EXPORTS]
