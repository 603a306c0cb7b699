"""Revenue forecasting for budget analysts.

    import forecast
    data = forecast.load("data/revenue_monthly.csv")
    result = forecast.run_forecast(data.cut(data.period("2023-12")), horizon=12)
    result.table            # date, series, mean, lower_80, upper_80, lower_95, upper_95, model
    forecast.classify(data)  # fixed / fluctuating, trend and seasonal strength, period

The names below are imported when first used, so that `import forecast` (and the `forecast`
command's start, which Ctrl-C must be able to interrupt cleanly) stays fast.
"""
from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "Classification": "classification", "classification_table": "classification", "classify": "classification",
    "ForecastResult": "combine", "run_forecast": "pipeline",
    "Config": "config", "load_config": "config",
    "ConfigError": "errors", "ForecastError": "errors", "InputDataError": "errors", "ModelFitError": "errors",
    "read_table": "io", "write_table": "io",
    "RevenueData": "revenue",
    "to_revenue": "validate",
}


def load(path=None, *, sheet=None, db=None, query=None, freq=None, encoding=None):
    """Read and validate a revenue table (CSV, .xlsx, or a read-only database query)."""
    from forecast.io.files import read_table
    from forecast.validate import to_revenue

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
