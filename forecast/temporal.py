"""Temporal aggregation: a forecast at a fine frequency (dekads) summed to a coarser one (months).

The sums are coherent by construction: a month's mean is the sum of its dekads' means, and its
bounds are quantiles of the sums of the joint sample paths over those dekads (so the dekads'
correlated errors are kept, never their bounds added). A month already under way when the
forecast starts counts its observed dekads as known; a month the horizon ends inside is left out.
"""
from __future__ import annotations

import pandas as pd

from forecast.calendar import Frequency
from forecast.combine import ForecastResult, aggregate_series
from forecast.errors import InputDataError
from forecast.models.intervals import path_offsets
from forecast.revenue import RevenueData

# coarser frequencies each frequency can be summed to exactly (a week straddles months)
COARSER = {"dekad": ("month", "quarter", "year"), "day": ("month", "quarter", "year"),
           "month": ("quarter", "year"), "quarter": ("year",)}


def default_aggregate(freq: Frequency) -> str | None:
    """Dekad forecasts are reported as month sums unless asked otherwise."""
    return "month" if freq.name == "dekad" else None


def sum_to(data: RevenueData, result: ForecastResult, to: str) -> pd.DataFrame:
    """The forecast of `result` (made from `data`) summed to frequency `to`.

    Columns: date (the coarse period in the usual form: 2024-05, 2024Q2, 2024), series, mean,
    lower_*/upper_*, observed (the part of the sum already in the data), periods (fine periods
    summed), model.
    """
    fine = data.freq
    if to not in COARSER.get(fine.name, ()):
        allowed = ", ".join(COARSER.get(fine.name, ())) or "nothing"
        raise InputDataError(f"--aggregate {to}: {fine.name}ly forecasts can be summed to {allowed}")
    coarse = Frequency(to)
    table = result.table
    first_fc = int(table["ordinal"].min())
    last_fc = int(table["ordinal"].max())
    groups = {c.component: c.group for c in result.classifications}
    history = aggregate_series(data, groups)
    buckets = []
    for b in sorted({coarse.ordinal(fine.date(o)) for o in range(first_fc, last_fc + 1)}):
        lo, hi = fine.ordinal(coarse.date(b)), fine.ordinal(coarse.date(b + 1)) - 1
        if hi <= last_fc and lo >= data.first:
            buckets.append((b, lo, hi))
    levels = result.levels
    if not buckets:  # the horizon ends inside the first period: nothing whole to report
        return pd.DataFrame(columns=["date", "series", "mean", *[f"{side}_{lv}" for lv in levels
                                                                 for side in ("lower", "upper")],
                                     "observed", "periods", "model"])
    frames = []
    for name, rows in table.groupby("series", sort=False):
        mean_fc = rows["mean"].to_numpy(float)
        paths = result.paths[name]
        out = {"date": [], "mean": [], "observed": [], "periods": []}
        bounds = {f"{side}_{lv}": [] for lv in levels for side in ("lower", "upper")}
        for b, lo, hi in buckets:
            seen = float(history[name][lo - data.first: min(hi, first_fc - 1) - data.first + 1].sum()) if lo < first_fc else 0.0
            cols = slice(max(lo, first_fc) - first_fc, hi - first_fc + 1)
            mean = seen + float(mean_fc[cols].sum())
            total = paths[:, cols].sum(axis=1)
            centred = total - total.mean()
            for lv in levels:
                below, above = path_offsets(centred, lv)
                bounds[f"lower_{lv}"].append(mean + float(below))
                bounds[f"upper_{lv}"].append(mean + float(above))
            out["date"].append(coarse.label(b, to))
            out["mean"].append(mean)
            out["observed"].append(seen)
            out["periods"].append(hi - lo + 1)
        frame = pd.DataFrame({"date": out["date"], "series": name, "mean": out["mean"], **bounds,
                              "observed": out["observed"], "periods": out["periods"],
                              "model": f"sum of {fine.name}s"})
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
