"""Numbers as they are written: amounts to the input's own precision plus two decimals,
percentages to two decimals, probabilities and scores to four. Outputs to files and the screen
are rounded; the Python API keeps full precision (but for `forecast.batch`, which reads back
the file a batch streams). Also which columns are percentages, for the
one percentage format of Excel outputs."""
from __future__ import annotations

import pandas as pd

PERCENT_PLACES = 2
RATIO_PLACES = 4
EXTRA_PLACES = 2  # beyond the input's own, so sums and shares still add up as printed
RATIOS = frozenset({"mape", "smape", "mase", "rmsse", "accuracy", "phase_weight", "trend_strength",
                    "seasonal_strength", "total_mape", "total_accuracy", "total_mase", "annual_mape", "cv_error",
                    "mape_adjusted", "mape_statistical", "value_added"})
UNROUNDED = frozenset({"naive_mae", "naive_mse"})  # scales kept whole so metrics can be recomputed exactly


def places(column: str, decimals: int) -> int | None:
    """Decimal places for a column of floats (None: leave as it is)."""
    if column in UNROUNDED:
        return None
    if column.endswith("_pct"):
        return PERCENT_PLACES
    if column in RATIOS or column.startswith(("prob_", "coverage_", "annual_coverage_")):
        return RATIO_PLACES
    return decimals + EXTRA_PLACES


def rounded(table: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """`table` with every float column rounded as `places` says."""
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            digits = places(str(column), decimals)
            if digits is not None:
                out[column] = out[column].round(digits)
    return out


PERCENT_VALUES = frozenset({"mape", "smape", "accuracy", "total_mape", "total_accuracy", "annual_mape", "mape_adjusted",
                            "mape_statistical", "value_added"})


def percent_kind(column: str) -> str | None:
    """"percent" for a column of percent values (42.74 means 42.74%), "fraction" for one of
    shares and probabilities (0.78 means 78%), None for anything else."""
    if column.endswith("_pct") or column in PERCENT_VALUES:
        return "percent"
    if column.startswith(("prob_", "coverage_", "annual_coverage_")) or column in ("phase_weight", "cv_error"):
        return "fraction"
    return None
