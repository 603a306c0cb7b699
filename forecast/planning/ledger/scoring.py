"""Scoring archived forecasts against the actuals that arrived later: pure functions on frames.

Every forecast row is matched with the latest revision of its actual; a group or the total is
the sum of the run's own line items (all of them must have arrived). An override replaces the
statistical value of the cell it names, and moves every group and total that contains that line
item by the same amount, unless the aggregate has an override of its own.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from forecast.calendar import Frequency
from forecast.evaluate.metrics import percentage_errors

ANNUAL_FREQS = ("year", "quarter", "month", "dekad")  # frequencies whose periods tile the calendar year


def latest_overrides(overrides: pd.DataFrame) -> pd.DataFrame:
    """The last override of each (run_id, series, lead): later ones replace earlier ones."""
    return (overrides.sort_values("override_id").groupby(["run_id", "series", "lead"], as_index=False).last()
            [["run_id", "series", "lead", "value", "comment", "user_name", "created"]])


def with_adjusted(forecasts: pd.DataFrame, overrides: pd.DataFrame, members: dict) -> pd.DataFrame:
    """`forecasts` plus `override` (the value set on that very cell) and `adjusted` (the forecast
    with all overrides applied; equal to `mean` where nothing was overridden)."""
    out = forecasts.copy()
    latest = latest_overrides(overrides).rename(columns={"value": "override", "comment": "override_comment",
                                                          "user_name": "override_by", "created": "override_at"})
    out = out.merge(latest, on=["run_id", "series", "lead"], how="left")
    # a ledger without overrides gives an all-None (object) column; numbers from here on
    out["override"] = pd.to_numeric(out["override"], errors="coerce")
    is_item = np.array([members.get((r, s)) == [s] for r, s in zip(out["run_id"], out["series"])], dtype=bool)
    delta = (out["override"] - out["mean"]).where(is_item & out["override"].notna(), 0.0)
    moved = {(r, s, lead): d for r, s, lead, d in zip(out["run_id"], out["series"], out["lead"], delta) if d != 0}
    shift = [0.0 if item else sum(moved.get((r, c, lead), 0.0) for c in members.get((r, s), []))
             for r, s, lead, item in zip(out["run_id"], out["series"], out["lead"], is_item)]
    out["adjusted"] = out["override"].fillna(out["mean"] + np.asarray(shift, float))
    return out


def _ordinal(freq: Frequency, period_start: str) -> int:
    return freq.ordinal(dt.date.fromisoformat(period_start))


def actual_lookup(actuals: pd.DataFrame) -> dict:
    """(series, freq, period_start) -> latest value."""
    return {(s, f, p): float(v) for s, f, p, v in zip(actuals["series"], actuals["freq"], actuals["period_start"],
                                                       actuals["value"])}


def summed_actual(lookup: dict, items: list[str], freq: str, period_start: str) -> float:
    """Sum of the line items' actuals for one period; NaN unless every one has arrived."""
    values = [lookup.get((c, freq, period_start)) for c in items]
    return float(sum(values)) if items and all(v is not None for v in values) else np.nan


def lead_errors(runs: pd.DataFrame, forecasts: pd.DataFrame, actuals: pd.DataFrame, members: dict) -> pd.DataFrame:
    """One row per archived forecast whose actual has arrived: the contract columns `run_id,
    train_end, series, lead, n, mape, bias` (bias = forecast - actual), then the adjusted
    forecast's `mape_adjusted, bias_adjusted` and `value_added` (MAPE points the overrides saved;
    negative = they made it worse) where an override changed the value, and the row's `date,
    forecast, adjusted, actual`."""
    lookup = actual_lookup(actuals)
    freq = dict(zip(runs["run_id"], runs["freq"]))
    frame = forecasts.merge(runs[["run_id", "train_end"]], on="run_id")
    frame["actual"] = [summed_actual(lookup, members.get((r, s), []), freq[r], p)
                       for r, s, p in zip(frame["run_id"], frame["series"], frame["period_start"])]
    frame = frame[frame["actual"].notna()].reset_index(drop=True)
    frame = frame.astype({"mean": float, "adjusted": float, "actual": float})
    adjusted = ~np.isclose(frame["adjusted"], frame["mean"], rtol=1e-12, atol=0)
    ape = np.abs(percentage_errors(frame["actual"], frame["mean"]))
    ape_adjusted = np.abs(percentage_errors(frame["actual"], frame["adjusted"]))
    out = pd.DataFrame({
        "run_id": frame["run_id"], "train_end": frame["train_end"], "series": frame["series"], "lead": frame["lead"],
        "n": 1, "mape": ape, "bias": frame["mean"] - frame["actual"],
        "mape_adjusted": np.where(adjusted, ape_adjusted, np.nan),
        "bias_adjusted": np.where(adjusted, frame["adjusted"] - frame["actual"], np.nan),
        "value_added": np.where(adjusted, ape - ape_adjusted, np.nan),
        "date": frame["date"], "forecast": frame["mean"], "adjusted": frame["adjusted"], "actual": frame["actual"]})
    return out.sort_values(["run_id", "series", "lead"], kind="stable").reset_index(drop=True)


def by_lead(errors: pd.DataFrame) -> pd.DataFrame:
    """Errors by series and lead over all runs: `n, mape, bias`, and over the adjusted rows only
    `n_adjusted, mape_statistical, mape_adjusted, value_added` (the same rows, so comparable)."""
    def summary(rows: pd.DataFrame) -> pd.Series:
        adj = rows[rows["mape_adjusted"].notna()]
        return pd.Series({"n": len(rows), "mape": rows["mape"].mean(), "bias": rows["bias"].mean(),
                          "n_adjusted": len(adj),
                          "mape_statistical": adj["mape"].mean() if len(adj) else np.nan,
                          "mape_adjusted": adj["mape_adjusted"].mean() if len(adj) else np.nan,
                          "value_added": adj["value_added"].mean() if len(adj) else np.nan})

    if errors.empty:
        return pd.DataFrame(columns=["series", "lead", "n", "mape", "bias", "n_adjusted", "mape_statistical",
                                     "mape_adjusted", "value_added"])
    order = list(dict.fromkeys(errors["series"]))
    rows = [{"series": s, "lead": lead, **summary(part)} for (s, lead), part in errors.groupby(["series", "lead"])]
    table = pd.DataFrame(rows)
    table["n"] = table["n"].astype(int)
    table["n_adjusted"] = table["n_adjusted"].astype(int)
    return table.sort_values(["series", "lead"], key=lambda c: c.map(order.index) if c.name == "series" else c,
                             kind="stable").reset_index(drop=True)


def annual_errors(runs: pd.DataFrame, forecasts: pd.DataFrame, actuals: pd.DataFrame, members: dict) -> pd.DataFrame:
    """The year-end projection of every run: for each calendar year the forecast reaches the end
    of, actuals up to the train end plus forecasts after it, against the year's actual (once all
    of its periods have arrived). Columns `run_id, train_end, series, year, projected,
    projected_adjusted, actual, error_pct, error_pct_adjusted`."""
    lookup = actual_lookup(actuals)
    rows = []
    for run in runs.itertuples():
        if run.freq not in ANNUAL_FREQS:
            continue
        freq = Frequency(run.freq, int(run.freq_anchor))
        mine = forecasts[forecasts["run_id"] == run.run_id]
        if mine.empty:
            continue
        for series, part in mine.groupby("series", sort=False):
            items = members.get((run.run_id, series), [])
            ords = np.array([_ordinal(freq, p) for p in part["period_start"]])
            first_fc, last_fc = ords.min(), ords.max()
            for year in range(freq.year(int(first_fc)), freq.year(int(last_fc)) + 1):
                start = freq.ordinal(dt.date(year, 1, 1))
                end = freq.ordinal(dt.date(year + 1, 1, 1)) - 1
                if last_fc < end:
                    continue
                actual = [summed_actual(lookup, items, run.freq, freq.date(o).isoformat()) for o in range(start, end + 1)]
                known = [a for o, a in zip(range(start, end + 1), actual) if o < first_fc]
                if not np.all(np.isfinite(known)):
                    continue  # the year-to-date actuals the run stood on are not in the ledger
                inside = (ords >= start) & (ords <= end)
                projected = float(np.sum(known) + part["mean"].to_numpy()[inside].sum())
                projected_adj = float(np.sum(known) + part["adjusted"].to_numpy()[inside].sum())
                year_actual = float(np.sum(actual)) if np.all(np.isfinite(actual)) else np.nan
                rows.append({"run_id": run.run_id, "train_end": run.train_end, "series": series, "year": year,
                             "projected": projected, "projected_adjusted": projected_adj, "actual": year_actual,
                             "error_pct": (projected / year_actual - 1) * 100 if year_actual else np.nan,
                             "error_pct_adjusted": (projected_adj / year_actual - 1) * 100 if year_actual else np.nan})
    columns = ["run_id", "train_end", "series", "year", "projected", "projected_adjusted", "actual", "error_pct",
               "error_pct_adjusted"]
    return pd.DataFrame(rows, columns=columns)
