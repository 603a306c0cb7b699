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


def test_a_seasonal_item_that_trends_down_steeply_is_fluctuating():
    """Long-distance calls as the case study has them: down 2% a month, a month-by-month pattern,
    and a Spring Festival swing that falls in January or February by the lunar calendar. Robust
    STL takes the festival months for outliers and the trend hides the autocorrelation's peak;
    the months still explain most of what the trend leaves, so the item is fluctuating."""
    season = np.array([1.04, 1.02, 0.98, 0.99, 1.00, 0.98, 1.03, 1.05, 0.99, 1.03, 0.96, 0.97])
    t = np.arange(84)
    festival = np.ones(84)
    for year, month in enumerate([1, 0, 1, 1, 0, 1, 0]):
        festival[12 * year + month] = 1.3
    for seed in range(20, 30):
        noise = np.exp(np.random.default_rng(seed).normal(0, 0.02, 84))
        y = 1000 * np.exp(-0.02 * t) * (1 + (season[t % 12] - 1) * 0.6) * festival * noise
        c = classify_series("long_distance", y, Frequency("month"))
        assert (c.group, c.period) == ("fluctuating", 12), seed
        assert c.seasonal_strength >= 0.4


def test_a_trend_with_a_tariff_cut_stays_fixed():
    rng = np.random.default_rng(31)
    t = np.arange(96)
    y = (2000 + 12 * t) * np.where(t >= 50, 0.95, 1.0) * np.exp(rng.normal(0, 0.015, 96))
    c = classify_series("broadband", y, Frequency("month"))
    assert c.group == "fixed" and c.seasonal_strength < 0.4


def test_a_forecast_skips_only_strengths_that_decide_nothing():
    """`with_strengths=False` (what the forecaster asks for) gives the same group and period as
    the full classification, on series with and without a season, at several frequencies."""
    rng = np.random.default_rng(41)
    t = np.arange(96)
    cases = [(Frequency("month"), 100 + 2 * t + rng.normal(0, 3, 96)),  # trend, no season
             (Frequency("month"), 100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 96)),
             (Frequency("month"), 1000 * np.exp(-0.02 * t) * (1 + 0.05 * np.sin(2 * np.pi * t / 12))),
             (Frequency("quarter"), 50 + 0.5 * t[:40] + 5 * np.sin(2 * np.pi * t[:40] / 4) + rng.normal(0, 1, 40)),
             (Frequency("quarter"), 50 + rng.normal(0, 1, 40)),
             (Frequency("year"), 10 + 0.3 * t[:30] + rng.normal(0, 1, 30))]
    skipped = 0
    for freq, y in cases:
        full = classify_series("x", y, freq)
        lean = classify_series("x", y, freq, with_strengths=False)
        assert (lean.group, lean.period) == (full.group, full.period), freq
        skipped += bool(np.isnan(lean.trend_strength))
        assert np.isnan(lean.trend_strength) or lean.trend_strength == full.trend_strength
    assert skipped >= 2  # ... and it did skip some
