"""Model families behind one protocol (see base.py)."""
from .arima import ARIMA, arima_candidates
from .base import FittedModel, Forecast, ModelSpec
from .baselines import Drift, Naive, SeasonalNaive
from .ets import ETS, ets_candidates
from .regression import LinearTrend
from .theta import Theta

FAMILIES = ("linear_trend", "ets", "arima", "theta", "drift", "naive", "seasonal_naive")

__all__ = ["ARIMA", "ETS", "Drift", "FAMILIES", "FittedModel", "Forecast", "LinearTrend", "ModelSpec", "Naive",
           "SeasonalNaive", "Theta", "arima_candidates", "ets_candidates"]
