"""Metrics against hand computations, and their invariants."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.evaluate import metrics as M

A = [100.0, 200.0, 400.0]
F = [110.0, 180.0, 400.0]


def test_percentage_errors_by_hand():
    assert M.mape(A, F) == pytest.approx((10 / 100 + 20 / 200 + 0) / 3 * 100)
    assert M.smape(A, F) == pytest.approx((200 * 10 / 210 + 200 * 20 / 380 + 0) / 3)
    assert M.accuracy(A, F) == pytest.approx(100 - 20 / 3)
    assert M.bias(A, F) == pytest.approx((10 - 20 + 0) / 3)  # forecast - actual: negative = too low


def test_zero_actuals_are_left_out_of_mape():
    assert M.mape([0.0, 100.0], [5.0, 90.0]) == pytest.approx(10.0)
    assert np.isnan(M.mape([0.0], [1.0]))
    assert np.isnan(M.smape([0.0], [0.0]))


def test_scaled_errors_by_hand():
    history = [10.0, 12.0, 11.0, 15.0, 14.0]
    assert M.naive_scale(history, 1) == pytest.approx((2 + 1 + 4 + 1) / 4)
    assert M.naive_scale(history, 2) == pytest.approx((1 + 3 + 3) / 3)
    assert M.naive_scale(history, 2, power=2) == pytest.approx((1 + 9 + 9) / 3)
    assert M.naive_scale(history, 12) == M.naive_scale(history, 1)  # shorter than a season: lag 1
    assert M.mase(A, F, 5.0) == pytest.approx(10 / 5)
    assert M.rmsse(A, F, 25.0) == pytest.approx(np.sqrt((100 + 400) / 3 / 25))


def test_coverage_and_winkler_by_hand():
    actual, lower, upper = [5.0, 10.0, 20.0], [0.0, 0.0, 0.0], [10.0, 10.0, 10.0]
    assert M.coverage(actual, lower, upper) == pytest.approx(2 / 3)
    # width 10 everywhere; the third misses by 10: penalty 2/0.2 * 10 = 100 at 80%
    assert M.winkler(actual, lower, upper, 80) == pytest.approx((10 + 10 + 110) / 3)


finite = st.floats(min_value=1.0, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, finite, st.floats(0, 1e5), st.floats(0, 1e5)), min_size=1, max_size=20))
def test_metric_ranges(rows):
    a = np.array([r[0] for r in rows])
    f = np.array([r[1] for r in rows])
    assert M.mape(a, f) >= 0
    assert 0 <= M.smape(a, f) <= 200
    lo, hi = f - np.array([r[2] for r in rows]), f + np.array([r[3] for r in rows])
    assert M.winkler(a, lo, hi, 95) >= np.mean(hi - lo) - 1e-6
    assert 0 <= M.coverage(a, lo, hi) <= 1
    assert M.mape(a, a) == 0 and M.coverage(a, a, a) == 1
