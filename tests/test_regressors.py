"""Calendar regressors, level shifts and user regressors, by hand."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from forecast.calendar import Frequency, days_in_period, spring_festival_share
from forecast.errors import InputDataError
from forecast.io import RawTable
from forecast.models.regression import trend_design
from forecast.regressors import (
    Design,
    calendar_regressors,
    check_regressors_cover,
    level_shifts,
    read_user_regressors,
    shift_t_values,
    step_columns,
    supported_shifts,
)
from forecast.select import SeriesPlan

MONTH = Frequency("month")
JAN_2023 = MONTH.ordinal(dt.date(2023, 1, 1))


def test_calendar_regressors_are_the_calendar():
    cal = calendar_regressors(MONTH, JAN_2023, JAN_2023 + 23)
    ords = np.arange(JAN_2023, JAN_2023 + 24)
    np.testing.assert_array_equal(cal["days_in_period"], days_in_period(MONTH, ords))
    np.testing.assert_allclose(cal["spring_festival"], spring_festival_share(MONTH, ords, (-7, 7)))
    assert list(cal.index) == list(ords)


def test_a_tariff_cut_is_found_where_it_happened():
    rng = np.random.default_rng(3)
    y = 1000 + np.arange(48) * 2.0 + rng.normal(0, 3, 48)
    y[30:] -= 80  # a lasting step down at period 30
    assert level_shifts(y) == [30]
    assert level_shifts(1000 + rng.normal(0, 3, 48)) == []


def test_a_step_is_kept_only_where_the_data_support_it():
    rng = np.random.default_rng(3)
    y = 1000 + np.arange(48) * 2.0 + rng.normal(0, 3, 48)
    y[30:] -= 80  # a real tariff cut in a trending line item
    assert supported_shifts(y, level_shifts(y)) == [30]
    kept = found = 0
    for seed in range(30):  # persistent deviations from a trend: big shocks that fade look like steps
        shocks = np.random.default_rng(seed).standard_t(3, 96) * 5
        wander = np.zeros(96)
        for t in range(1, 96):
            wander[t] = 0.8 * wander[t - 1] + shocks[t]
        series = 1000 + 2 * np.arange(96) + wander
        shifts = level_shifts(series)
        found += len(shifts)
        kept += len(supported_shifts(series, shifts))
    assert found >= 20 and kept < 0.6 * found


def test_the_weakest_step_goes_first_and_the_test_is_a_trend_with_ar1_errors():
    rng = np.random.default_rng(5)
    y = 500 + np.arange(60) * 1.5 + rng.normal(0, 2, 60)
    y[20:] += 40
    y[45:] += 3  # too small to stand out from the noise in a regression
    assert supported_shifts(y, [20, 45]) == [20]
    # by hand: the t-value of the step in the quasi-differenced regression
    x = np.log(y)
    X = np.column_stack([np.ones(60), np.arange(60), step_columns(60, [20])])
    e = x - X @ np.linalg.lstsq(X, x, rcond=None)[0]
    rho = e[1:] @ e[:-1] / (e @ e)
    t = sm.OLS(x[1:] - rho * x[:-1], X[1:] - rho * X[:-1]).fit().tvalues[2]
    assert abs(t) >= 4 and supported_shifts(y, [20], threshold=abs(t) + 0.01) == []


def test_a_two_year_window_cannot_hold_five_level_shifts():
    rng = np.random.default_rng(8)
    n = 96
    y = 1000 + 2.0 * np.arange(n) + rng.normal(0, 3, n)
    steps = {74: -60, 78: 90, 83: -120, 87: 70, 91: -100}  # five big steps in the last two years
    for start, size in steps.items():
        y[start:] += size
    everywhere = Design(y, JAN_2023 - n, MONTH, SeriesPlan(group="fixed", period=1, window=None), 12, None)
    assert everywhere.shifts == sorted(steps)  # all history: each one clearly supported
    windowed = Design(y, JAN_2023 - n, MONTH, SeriesPlan(group="fixed", period=1, window=24), 12, None)
    assert len(windowed.shifts) == 2  # one per 12 months of the window
    t = dict(zip(everywhere.shifts, shift_t_values(y, everywhere.shifts)))
    assert windowed.shifts == sorted(sorted(steps, key=lambda p: -t[p])[:2])  # the best supported
    assert [c for c in windowed.names if c.startswith("shift@")] == [f"shift@{p}" for p in windowed.shifts]


def test_a_fixed_short_window_takes_the_spring_festival_from_all_history():
    n, h = 96, 12
    cal = calendar_regressors(MONTH, JAN_2023 - 72, JAN_2023 + 23 + h)
    sf = cal["spring_festival"].to_numpy()
    rng = np.random.default_rng(11)
    t = np.arange(n)
    y = np.exp(np.log(4000) + 0.004 * t + 0.05 * np.sin(2 * np.pi * t / 12) - 0.12 * sf[:n]
               + rng.normal(0, 0.01, n))
    plan = SeriesPlan(group="fluctuating", period=12, window=24, per_day=False)
    design = Design(y, JAN_2023 - 72, MONTH, plan, h, None)
    assert design.calendar_taken_out == ("spring_festival",) and design.X.shape[1] == 0  # not left to the window
    # the effect: log y on trend, month dummies and the Spring Festival share, all 96 months
    beta = sm.OLS(np.log(y), np.column_stack([trend_design(0, n, 12), sf[:n]])).fit().params[-1]
    assert beta == pytest.approx(-0.12, abs=0.02)
    np.testing.assert_allclose(design.mult, np.exp(beta * sf), rtol=1e-9)
    np.testing.assert_allclose(design.y, y / np.exp(beta * sf[:n]), rtol=1e-9)
    assert design.describe() == "spring_festival (effect from all 96 periods)"
    for window in ("choose", None, 120):  # all history, or the window the data choose: in the models
        other = Design(y, JAN_2023 - 72, MONTH, SeriesPlan(group="fluctuating", period=12, window=window,
                                                           per_day=False), h, None)
        assert other.calendar_taken_out == () and other.X.shape[1] == 1


def test_step_columns_by_hand():
    np.testing.assert_array_equal(step_columns(5, [2, 4]), [[0, 0], [0, 0], [1, 0], [1, 0], [1, 1]])
    assert step_columns(3, []).shape == (3, 0)


def test_user_regressors_are_read_and_must_cover_the_horizon():
    months = pd.period_range("2023-01", "2024-06", freq="M").strftime("%Y-%m")
    raw = RawTable(pd.DataFrame({"date": months, "promo": [str(i % 3) for i in range(len(months))]}), "reg.csv", 2)
    table = read_user_regressors(raw, MONTH)
    assert list(table.columns) == ["promo"] and table.index[0] == JAN_2023
    assert table["promo"].tolist()[:4] == [0.0, 1.0, 2.0, 0.0]
    check_regressors_cover(table, JAN_2023, JAN_2023 + 17, MONTH, "month", "reg.csv")
    with pytest.raises(InputDataError, match="future values must be known"):
        check_regressors_cover(table, JAN_2023, JAN_2023 + 20, MONTH, "month", "reg.csv")
