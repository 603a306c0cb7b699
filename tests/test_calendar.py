import datetime as dt

import numpy as np
import pytest

from forecast.calendar import Frequency, days_in_period, parse_dates, spring_festival_share
from forecast.errors import InputDataError


def test_months_quarters_and_dekads_are_inferred():
    assert parse_dates(["2024-01", "2024-02"], source="f").freq.name == "month"
    assert parse_dates(["2024Q1", "2024Q2"], source="f").freq.name == "quarter"
    assert parse_dates(["2024-01-01", "2024-01-11", "2024-01-21"], source="f").freq.name == "dekad"
    assert parse_dates(["2024-01-01", "2024-02-01", "2024-03-01"], source="f").freq.name == "month"
    assert parse_dates(["2024-01-01", "2024-04-01", "2024-07-01"], source="f").freq.name == "quarter"
    assert parse_dates(["2024-01-01", "2024-01-08", "2024-01-15"], source="f").freq.name == "week"
    assert parse_dates(["2024-01-01", "2024-01-02", "2024-01-03"], source="f").freq.name == "day"


def test_labels_round_trip_in_the_inputs_form():
    parsed = parse_dates(["2023-12", "2024-01"], source="f")
    assert [parsed.freq.label(o, parsed.style) for o in parsed.ordinals] == ["2023-12", "2024-01"]
    q = parse_dates(["2023Q4"], source="f")
    assert q.freq.label(q.ordinals[0] + 1, q.style) == "2024Q1"
    d = parse_dates(["2024-02-21"], source="f", freq="dekad")
    assert d.freq.label(d.ordinals[0] + 1, d.style) == "2024-03-01"


def test_unparsable_and_mixed_dates_name_the_row():
    with pytest.raises(InputDataError, match=r"row 3, column 'date'"):
        parse_dates(["2024-01", "2024-02", "March"], source="f", rows=[1, 2, 3])
    with pytest.raises(InputDataError, match="mixes forms"):
        parse_dates(["2024-01", "2024-02-01"], source="f")


def test_days_in_period_by_hand():
    month = Frequency("month")
    feb_2024 = month.ordinal(dt.date(2024, 2, 1))
    assert days_in_period(month, [feb_2024, feb_2024 + 1]).tolist() == [29.0, 31.0]
    dekad = Frequency("dekad")
    third_feb_2023 = dekad.ordinal(dt.date(2023, 2, 21))
    assert days_in_period(dekad, [third_feb_2023 - 1, third_feb_2023]).tolist() == [10.0, 8.0]


def test_spring_festival_share_by_hand():
    month = Frequency("month")
    jan = [month.ordinal(dt.date(y, 1, 1)) for y in (2023, 2024, 2025)]
    share = spring_festival_share(month, [o + k for o in jan for k in (0, 1, 2)], (-7, 7))
    # 2023-01-22: window Jan 15-29, all January. 2024-02-10: Feb 3-17, all February.
    # 2025-01-29: window Jan 22 - Feb 5: 10 of 15 days in January.
    expected = [1, 0, 0, 0, 1, 0, 10 / 15, 5 / 15, 0]
    np.testing.assert_allclose(share, expected)


def test_yearly_periods_parse_and_label():
    parsed = parse_dates(["2021", "2022", "2023"], source="t.csv")
    assert parsed.freq.name == "year" and parsed.style == "year"
    assert [parsed.freq.label(o, "year") for o in parsed.ordinals] == ["2021", "2022", "2023"]
    assert parsed.freq.periods_per_year == 1 and parsed.freq.days(2024) == 366
