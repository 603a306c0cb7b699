import numpy as np

import forecast
from forecast.calendar import Frequency
from forecast.classification import classify_series, find_period
from tests.conftest import DEKAD, SAMPLE


def test_sample_line_items_fall_in_their_groups():
    table = forecast.classify(SAMPLE).table
    groups = dict(zip(table["component"], table["group"]))
    assert groups == {"broadband": "fixed", "rental_new_services": "fixed", "other_data": "fixed",
                      "local_calls": "fluctuating", "long_distance": "fluctuating", "mobile_data": "fluctuating"}
    periods = dict(zip(table["component"], table["period"]))
    assert periods["broadband"] == 1 and periods["local_calls"] == 12


def test_no_period_is_reported_for_a_trend_with_noise():
    rng = np.random.default_rng(11)
    y = 100 + 2 * np.arange(96) + rng.normal(0, 3, 96)
    c = classify_series("x", y, Frequency("month"))
    assert c.period == 1 and c.group == "fixed" and c.trend_strength > 0.9


def test_period_is_found_not_assumed():
    rng = np.random.default_rng(12)
    t = np.arange(120)
    assert find_period(50 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 120), Frequency("month")) == 12
    assert find_period(50 + 10 * np.sin(2 * np.pi * t / 4) + rng.normal(0, 1, 120), Frequency("quarter")) == 4


def test_dekad_calls_have_the_36_dekad_year():
    table = forecast.classify(DEKAD).table
    assert table["period"].tolist() == [36, 36]
    assert (table["group"] == "fluctuating").all()
