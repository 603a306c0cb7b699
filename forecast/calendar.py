"""Frequencies (month, quarter, dekad, week, day), period labels, and calendar regressors:
the moving Spring Festival and the number of days in each period.

Every period is mapped to an integer *ordinal* so that gaps, horizons and windows are plain
integer arithmetic, whatever the frequency.
"""
from __future__ import annotations

import calendar as _pycal
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import InputDataError

# Chinese New Year (Spring Festival) day. 2010-2030 from METHOD.md; the rest from public almanacs.
SPRING_FESTIVAL = {
    2000: "02-05", 2001: "01-24", 2002: "02-12", 2003: "02-01", 2004: "01-22",
    2005: "02-09", 2006: "01-29", 2007: "02-18", 2008: "02-07", 2009: "01-26",
    2010: "02-14", 2011: "02-03", 2012: "01-23", 2013: "02-10", 2014: "01-31",
    2015: "02-19", 2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05",
    2020: "01-25", 2021: "02-12", 2022: "02-01", 2023: "01-22", 2024: "02-10",
    2025: "01-29", 2026: "02-17", 2027: "02-06", 2028: "01-26", 2029: "02-13",
    2030: "02-03", 2031: "01-23", 2032: "02-11", 2033: "01-31", 2034: "02-19",
    2035: "02-08",
}

_DEKAD_DAYS = {1: 0, 11: 1, 21: 2}
_DEKAD_WORDS = {"上": 1, "中": 11, "下": 21}
_QUARTER_WORDS = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_MONTH_NAMES = {name: i for i, full in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1) for name in (full, full[:3])} | {"sept": 9}

# The period labels finance exports carry, each read as (year, month[, day]) or (year, quarter).
# Each form maps to one output style: outputs write the standard forms 2024-01, 2024Q1, 2024 and
# ISO days, whatever form the file used.
_YEAR_FORMS = [re.compile(r"^(\d{4})\s*年?$")]
_MONTH_FORMS = [
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"),                   # 2024-01, 2024/1, 2024.01
    re.compile(r"^(\d{4})(\d{2})$"),                                # 202401
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月份?$"),                # 2024年1月, 2024年01月(份)
]
_NAMED_MONTH_FORMS = [
    re.compile(r"^([A-Za-z]{3,9})\.?[\s\-'’/]*(\d{4}|\d{2})$"),          # Jan-24, Jan 2024, January 2024
    re.compile(r"^(\d{2}|\d{4})[\s\-/]*([A-Za-z]{3,9})\.?$"),           # 24-Jan, 2024 Jan
]
_QUARTER_FORMS = [
    re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]\s*([1-4])$"),               # 2024Q1, 2024-Q1, 2024 Q1
    re.compile(r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$"),                   # Q1 2024 (quarter first)
    re.compile(r"^(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?$"),        # 2024年第1季度, 2024年一季度
]
_DEKAD_FORMS = [
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*([上中下])旬$"),        # 2024年1月上旬
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]?\s*([上中下])旬$"),  # 2024-01上旬, 2024-01-中旬
]
_DAY_FORMS = [
    re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?:[ T]0?0:00(?::00(?:\.0+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),                         # 20240131
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$"),     # 2024年1月31日
]


@dataclass(frozen=True)
class Frequency:
    """A regular calendar frequency; `anchor` aligns weekly ordinals to the data's weekday."""

    name: str  # year, quarter, month, dekad, week, day
    anchor: int = 0

    @property
    def periods_per_year(self) -> int:
        return {"year": 1, "month": 12, "quarter": 4, "dekad": 36, "week": 52, "day": 365}[self.name]

    @property
    def season_candidates(self) -> tuple[int, ...]:
        """Seasonal periods worth testing for (lesson 7: found from the data, never assumed)."""
        return {
            "year": (),
            "month": (12, 6, 4, 3),
            "quarter": (4, 2),
            "dekad": (36, 18, 12, 3),
            "week": (52, 13, 4),
            "day": (7, 365),
        }[self.name]

    def ordinal(self, date: dt.date) -> int:
        if self.name == "year":
            return date.year
        if self.name == "month":
            return date.year * 12 + date.month - 1
        if self.name == "quarter":
            return date.year * 4 + (date.month - 1) // 3
        if self.name == "dekad":
            return (date.year * 12 + date.month - 1) * 3 + _DEKAD_DAYS[date.day]
        if self.name == "week":
            return (date.toordinal() - self.anchor) // 7
        return date.toordinal()

    def date(self, ordinal: int) -> dt.date:
        """The first day of the period with this ordinal."""
        ordinal = int(ordinal)
        if self.name == "year":
            return dt.date(ordinal, 1, 1)
        if self.name == "month":
            return dt.date(ordinal // 12, ordinal % 12 + 1, 1)
        if self.name == "quarter":
            return dt.date(ordinal // 4, (ordinal % 4) * 3 + 1, 1)
        if self.name == "dekad":
            month = ordinal // 3
            return dt.date(month // 12, month % 12 + 1, (1, 11, 21)[ordinal % 3])
        if self.name == "week":
            return dt.date.fromordinal(ordinal * 7 + self.anchor)
        return dt.date.fromordinal(ordinal)

    def label(self, ordinal: int, style: str) -> str:
        """The period written in the input's own form (`style` from `parse_dates`)."""
        d = self.date(ordinal)
        if style == "year":
            return f"{d.year:04d}"
        if style == "month":
            return f"{d.year:04d}-{d.month:02d}"
        if style == "quarter":
            return f"{d.year:04d}Q{(d.month - 1) // 3 + 1}"
        return d.isoformat()

    def days(self, ordinal: int) -> int:
        """Number of days in the period."""
        start = self.date(ordinal)
        end = self.date(ordinal + 1)
        return (end - start).days

    def position_in_year(self, ordinal: int) -> int:
        """0-based position of the period within its calendar year (month 0-11, dekad 0-35...)."""
        if self.name == "week":
            return (self.date(ordinal).timetuple().tm_yday - 1) // 7 % 52
        if self.name == "day":
            return self.date(ordinal).timetuple().tm_yday - 1
        return ordinal % self.periods_per_year

    def year(self, ordinal: int) -> int:
        return self.date(ordinal).year


FREQUENCIES = ("year", "quarter", "month", "dekad", "week", "day")


@dataclass(frozen=True)
class ParsedDates:
    freq: Frequency
    ordinals: np.ndarray
    style: str  # month | quarter | iso


def _match(forms, text):
    for form in forms:
        m = form.match(text)
        if m:
            return m.groups()
    return None


def _named_month(name: str) -> int:
    if name.lower() not in _MONTH_NAMES:
        raise ValueError(name)
    return _MONTH_NAMES[name.lower()]


def _full_year(text: str) -> int:
    return int(text) if len(text) == 4 else 2000 + int(text)


@functools.lru_cache(maxsize=1 << 16)  # a file repeats each label once per line item
def _to_date(value) -> tuple[dt.date, str]:
    """A period label as (first day, style); ValueError when it is no period form we know."""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return dt.date(value.year, value.month, value.day), "iso"
    if isinstance(value, dt.date):
        return value, "iso"
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if (g := _match(_YEAR_FORMS, text)) is not None:
        return dt.date(int(g[0]), 1, 1), "year"
    if (g := _match(_MONTH_FORMS, text)) is not None:
        return dt.date(int(g[0]), int(g[1]), 1), "month"
    if (g := _match(_NAMED_MONTH_FORMS, text)) is not None:
        name, year = (g[0], g[1]) if g[0][0].isalpha() else (g[1], g[0])
        return dt.date(_full_year(year), _named_month(name), 1), "month"
    if (g := _match(_QUARTER_FORMS, text)) is not None:
        year, quarter = (g[1], g[0]) if len(g[0]) == 1 else g
        return dt.date(int(year), (_QUARTER_WORDS[quarter] - 1) * 3 + 1, 1), "quarter"
    if (g := _match(_DEKAD_FORMS, text)) is not None:
        return dt.date(int(g[0]), int(g[1]), _DEKAD_WORDS[g[2]]), "dekad"
    if (g := _match(_DAY_FORMS, text)) is not None:
        return dt.date(int(g[0]), int(g[1]), int(g[2])), "iso"
    raise ValueError(text)


def _is_month_end(d: dt.date) -> bool:
    return d.day == month_length(d.year, d.month) and d.day != 1


def parse_dates(values, *, source: str, rows=None, freq: str | None = None) -> ParsedDates:
    """Parse period labels and infer (or apply) the frequency.

    `rows` gives the file row number of each value, for error messages.
    """
    values = list(values)
    rows = list(rows) if rows is not None else list(range(1, len(values) + 1))
    dates, styles = [], set()
    for value, row in zip(values, rows):
        try:
            d, style = _to_date(value)
        except (ValueError, TypeError):
            raise InputDataError(
                f"{source}: row {row}, column 'date': cannot read {str(value)!r} as a period; "
                "write months as 2024-03 (or 2024年3月, Mar-2024), quarters as 2024Q1, years as 2024, "
                "days/dekads/weeks as 2024-03-11"
            ) from None
        dates.append(d)
        styles.add(style)
    if not dates:
        raise InputDataError(f"{source}: no rows with data; give at least a date and a value per row")
    if len(styles) > 1:
        raise InputDataError(
            f"{source}: column 'date' mixes forms ({', '.join(sorted(styles))}); "
            "write every period in one form, e.g. all as 2024-03"
        )
    style = styles.pop()
    if style == "dekad":  # 上旬/中旬/下旬: dekads by name, whatever the days present
        style, freq = "iso", freq or "dekad"
    elif style == "iso" and all(_is_month_end(d) for d in dates) and freq in (None, "month", "quarter", "year"):
        # Month-end dates (2024-01-31), as ledgers and Excel exports often write months.
        dates = [d.replace(day=1) for d in dates]
        months = sorted({d.year * 12 + d.month - 1 for d in dates})
        quarter_ends = all(d.month in (3, 6, 9, 12) for d in dates) and (
            len(months) == 1 or min(np.diff(months)) >= 3)
        quarterly = freq == "quarter" or (freq is None and quarter_ends)
        if quarterly:
            dates = [d.replace(month=d.month - 2) if d.month in (3, 6, 9, 12) else d for d in dates]
        style = "quarter" if quarterly else "month"
    if freq is None:
        freq_obj = _infer(dates, style, source)
    else:
        if freq not in FREQUENCIES:
            raise InputDataError(f"--freq {freq!r} is not known; use one of {', '.join(FREQUENCIES)}")
        freq_obj = Frequency(freq, dates[0].toordinal() % 7 if freq == "week" else 0)
    _check_on_grid(dates, rows, freq_obj, source)
    ordinals = np.array([freq_obj.ordinal(d) for d in dates], dtype=np.int64)
    return ParsedDates(freq_obj, ordinals, style)


def _infer(dates: list[dt.date], style: str, source: str) -> Frequency:
    if style == "year":
        return Frequency("year")
    if style == "month":
        return Frequency("month")
    if style == "quarter":
        return Frequency("quarter")
    days = {d.day for d in dates}
    unique = sorted(set(dates))
    if days == {1}:
        months = sorted({d.year * 12 + d.month - 1 for d in unique})
        steps = set(np.diff(months).tolist()) if len(months) > 1 else {1}
        if min(steps) >= 3 and all(d.month in (1, 4, 7, 10) for d in unique):
            return Frequency("quarter")
        return Frequency("month")
    if days <= {1, 11, 21}:
        return Frequency("dekad")
    ords = [d.toordinal() for d in unique]
    steps = set(np.diff(ords).tolist()) if len(ords) > 1 else {1}
    if all(s % 7 == 0 for s in steps):
        return Frequency("week", ords[0] % 7)
    if min(steps) >= 28:
        raise InputDataError(
            f"{source}: column 'date' has dates on varying days that are a month or more apart; "
            "write monthly data as 2024-03 (or always on the 1st)"
        )
    return Frequency("day")


def _check_on_grid(dates, rows, freq: Frequency, source: str) -> None:
    for d, row in zip(dates, rows):
        ok = True
        if freq.name in ("year", "month", "quarter"):
            ok = d.day == 1 and (freq.name == "month" or d.month in ((1,) if freq.name == "year" else (1, 4, 7, 10)))
        elif freq.name == "dekad":
            ok = d.day in _DEKAD_DAYS
        elif freq.name == "week":
            ok = (d.toordinal() - freq.anchor) % 7 == 0
        if not ok:
            raise InputDataError(
                f"{source}: row {row}, column 'date': {d.isoformat()} does not fit the "
                f"{freq.name}ly grid of the other dates (mixed frequencies); "
                "give every period in one frequency or set --freq"
            )


def days_in_period(freq: Frequency, ordinals) -> np.ndarray:
    return np.array([freq.days(o) for o in ordinals], dtype=float)


def spring_festival_share(freq: Frequency, ordinals, window: tuple[int, int] = (-7, 7)) -> np.ndarray:
    """Share of the Spring Festival window [festival+window[0], festival+window[1]] days that
    falls in each period (0 to 1). The festival moves between late January and mid-February,
    so this regressor carries the part of the January/February pattern a fixed season cannot.

    Returns NaN for periods in years whose festival date is not known.
    """
    lo, hi = window
    length = hi - lo + 1
    out = np.zeros(len(ordinals))
    for i, o in enumerate(ordinals):
        start, end = freq.date(o), freq.date(o + 1)
        total = 0
        for year in {start.year - 1, start.year, end.year}:
            if year not in SPRING_FESTIVAL:
                if start.month <= 3 and year == start.year:
                    total = np.nan
                continue
            festival = dt.date.fromisoformat(f"{year}-{SPRING_FESTIVAL[year]}")
            w0 = festival + dt.timedelta(days=lo)
            w1 = festival + dt.timedelta(days=hi + 1)
            overlap = (min(end, w1) - max(start, w0)).days
            total += max(overlap, 0)
        out[i] = total / length
    return out


def month_length(year: int, month: int) -> int:
    return _pycal.monthrange(year, month)[1]


def is_period(value) -> bool:
    """Whether a cell reads as a period label in one of the known forms."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    try:
        _to_date(value)
    except (ValueError, TypeError):
        return False
    return True


def period_starts(labels) -> pd.Series:
    """Period labels as they are written in outputs (2024-03, 2024Q1, 2024-03-11) as the first
    day of each period, a real pandas date."""
    labels = pd.Series(labels)
    starts = {label: pd.Timestamp(_to_date(label)[0]) for label in labels.dropna().unique()}
    return pd.to_datetime(labels.map(starts))
