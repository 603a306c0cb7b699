"""Revenue forecasting for budget analysts.

    import forecast
    data = forecast.load("data/revenue_monthly.csv")
    result = forecast.run_forecast(data.cut(data.period("2023-12")), horizon=12)
    result.table            # date, series, mean, lower_80, upper_80, lower_95, upper_95, model
    forecast.classify(data)  # fixed / fluctuating, trend and seasonal strength, period
"""
from .classify import Classification, classification_table, classify
from .combine import ForecastResult, run_forecast
from .config import Config, load_config
from .errors import ConfigError, ForecastError, InputDataError, ModelFitError
from .io import read_table, write_table
from .revenue import RevenueData
from .validate import to_revenue

__version__ = "0.1.0"


def load(path=None, *, sheet=None, db=None, query=None, freq=None, encoding=None) -> RevenueData:
    """Read and validate a revenue table (CSV, .xlsx, or a read-only database query)."""
    return to_revenue(read_table(path, sheet=sheet, db=db, query=query, encoding=encoding), freq=freq)


__all__ = ["Classification", "Config", "ConfigError", "ForecastError", "ForecastResult", "InputDataError",
           "ModelFitError", "RevenueData", "classification_table", "classify", "load", "load_config",
           "read_table", "run_forecast", "to_revenue", "write_table"]
