"""Rolling origins: the one helper behind every backtest, and the settings of each.

An origin is the end of a training stretch (the last period used, or the number of periods
used, counted the same way as `end`); the forecast from it is scored on the `horizon` periods
after it. Model selection, `--strategy auto`, `--reconcile auto`, `forecast backtest` and the
keyed backtests all take their origins from `rolling_origins`.
"""
from __future__ import annotations

SELECTION_ORIGINS = 3  # per series, inside its training data: which family and window forecast best
STRATEGY_ORIGINS = 3  # `--strategy auto`: which strategy's total was most accurate
RECONCILE_ORIGINS = 2  # `--reconcile auto`: which reconciliation was most accurate


def rolling_origins(end: int, horizon: int, count: int, step: int = 1) -> list[int]:
    """The `count` latest origins, `step` periods apart, that still have `horizon` periods after
    them up to `end`; latest first."""
    return [end - horizon - k * step for k in range(count)]


def quarter_step(periods_per_year: int) -> int:
    """Origins a quarter of a year apart (one period for yearly data): the automatic choices'
    step, so that their origins see different seasons."""
    return max(1, periods_per_year // 4)
