"""`RevenueData`: the one tidy table that flows through the pipeline.

Long format, one row per (component, period): columns `ordinal` (integer period index, see
`calendar.Frequency`), `component`, `value`. Frequency, the input's date style and the source
name travel with it so that outputs can be written in the input's own form.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from forecast.calendar import Frequency, parse_dates
from forecast.errors import InputDataError

GROUPS = ("fixed", "fluctuating")


@dataclass(frozen=True)
class RevenueData:
    frame: pd.DataFrame  # columns: ordinal, component, value
    freq: Frequency
    style: str
    source: str
    groups: dict = field(default_factory=dict)  # component -> group given in the file
    notes: tuple = ()  # things worth telling the user (negative values, ...)
    unit: str | None = None  # e.g. 万元, from the file's unit row
    decimals: int = 2  # decimal places the input's amounts are given to (outputs get two more)

    @property
    def components(self) -> list[str]:
        return list(dict.fromkeys(self.frame["component"]))

    @property
    def first(self) -> int:
        return int(self.frame["ordinal"].min())

    @property
    def last(self) -> int:
        return int(self.frame["ordinal"].max())

    def wide(self) -> pd.DataFrame:
        """Periods x components; a component that starts later is 0 before its first period."""
        wide = self.frame.pivot(index="ordinal", columns="component", values="value")
        wide = wide.reindex(index=np.arange(self.first, self.last + 1), columns=self.components)
        return wide.fillna(0.0)

    def series(self, component: str) -> pd.Series:
        sub = self.frame[self.frame["component"] == component]
        return pd.Series(sub["value"].to_numpy(float), index=sub["ordinal"].to_numpy())

    def label(self, ordinal: int) -> str:
        return self.freq.label(ordinal, self.style)

    def cut(self, end: int) -> "RevenueData":
        """The data as if it ended at period `end` (inclusive)."""
        return replace(self, frame=self.frame[self.frame["ordinal"] <= end].reset_index(drop=True))

    def period(self, text: str, *, option: str = "--train-end") -> int:
        """Ordinal of a period written like the input's dates (e.g. 2023-12)."""
        try:
            parsed = parse_dates([text], source=option, freq=self.freq.name if self.freq.name != "week" else None)
        except InputDataError:
            raise InputDataError(
                f"{option} {text!r} is not a {self.freq.name} period like {self.label(self.last)!r}; "
                "write it in the same form as the file's dates") from None
        ordinal = int(parsed.ordinals[0]) if self.freq.name != "week" else self.freq.ordinal(
            parsed.freq.date(int(parsed.ordinals[0])))
        return ordinal


def decimal_places(values, most: int = 6) -> int:
    """The fewest decimal places that write every value exactly (at most `most`): 2 for
    amounts in yuan and fen, 0 for whole 万元."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    for places in range(most + 1):
        scaled = values * 10 ** places
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-12 * np.maximum(1.0, np.abs(scaled))):
            return places
    return most
