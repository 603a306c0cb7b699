"""Model families behind one protocol (see base.py)."""
from forecast.models.arima import ARIMA, arima_candidates
from forecast.models.base import FittedModel, Forecast, ModelSpec
from forecast.models.baselines import Drift, Naive, SeasonalNaive
from forecast.models.ets import ETS, ets_candidates
from forecast.models.regression import LinearTrend
from forecast.models.theta import Theta

FAMILIES = ("linear_trend", "ets", "arima", "theta", "drift", "naive", "seasonal_naive")

__all__ = ["ARIMA", "ETS", "Drift", "FAMILIES", "FittedModel", "Forecast", "LinearTrend", "ModelSpec", "Naive",
           "SeasonalNaive", "Theta", "arima_candidates", "ets_candidates"]
