"""The calibration and accuracy guard: a fixed small benchmark whose figures must stay inside the
bounds pinned in tests/guard_bounds.toml (tests/test_guard.py runs it in CI, in about a minute
and a half on two cores).

- cities: three synthetic cities (scripts/make_sample_data.py, seeds never used elsewhere),
  trained to 2023-12, the 12 months of 2024 forecast: the total's MAPE, and the coverage of
  the 80% and 95% intervals pooled over every series (line items, groups, total) and month;
- m3: 50 M3 monthly series (tests/data/m3_monthly_50.csv, every 28th series), the official
  18-month hold-out: sMAPE, MASE and the coverage of the single-series forecaster's intervals (as
  `forecast batch` forecasts a single-series key);
- tourism: 20 monthly and 30 quarterly tourism series (tests/data/tourism_50.csv, evenly
  spaced), the official hold-outs (24 months, 8 quarters): MAPE, MASE and coverage per frequency;
- hierarchy: one synthetic hierarchy of 20 units (4 counties, 1 city), `batch --hierarchy`
  with the default `--reconcile auto`: MAPE of the total and coverage at every level;
- budget: P(meet target) with the target at the year's true outcome (the PIT) for the total
  and the line items of two cities as of 2024-03 and 2024-09: its mean, the share inside
  [0.1, 0.9] (80% when calibrated) and inside [0.025, 0.975] (95%).

    python scripts/guard.py            # print the figures and any that leave their bounds
"""
from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from make_sample_data import make_city, make_units  # noqa: E402

from forecast.calendar import Frequency  # noqa: E402
from forecast.evaluate.metrics import mape, mase, naive_scale, smape  # noqa: E402
from forecast.io.files import RawTable  # noqa: E402
from forecast.models.intervals import sd_bounds  # noqa: E402
from forecast.pipeline import run_forecast  # noqa: E402
from forecast.planning.budget import budget  # noqa: E402
from forecast.scale.hierarchy import forecast_hierarchy  # noqa: E402
from forecast.select import forecast_single  # noqa: E402
from forecast.validate import to_revenue  # noqa: E402

BOUNDS = ROOT / "tests" / "guard_bounds.toml"
M3_SUBSET = ROOT / "tests" / "data" / "m3_monthly_50.csv"
TOURISM_SUBSET = ROOT / "tests" / "data" / "tourism_50.csv"
CITY_SEEDS = (8101, 8102, 8103)
BUDGET_SEEDS = (8201, 8202)
BUDGET_AS_OF = ("2024-03", "2024-09")
HIERARCHY_SEED = 8301


def _city(seed: int):
    long, _ = make_city(seed)
    return to_revenue(RawTable(long.drop(columns="group").astype(str), f"city{seed}", 2))


def _covered(actual, lower, upper) -> np.ndarray:
    return (np.asarray(actual) >= np.asarray(lower)) & (np.asarray(actual) <= np.asarray(upper))


def cities(jobs: int | None = None) -> dict[str, float]:
    mapes, inside = [], {80: [], 95: []}
    for seed in CITY_SEEDS:
        data = _city(seed)
        end = data.period("2023-12")
        result = run_forecast(data.cut(end), 12, jobs=jobs)
        table, wide = result.table, data.wide()
        groups = {c.component: c.group for c in result.classifications}
        truth = {c: wide[c] for c in data.components}
        for g in ("fixed", "fluctuating"):
            truth[f"group:{g}"] = wide[[c for c in data.components if groups[c] == g]].sum(axis=1)
        truth["total"] = wide.sum(axis=1)
        for name, rows in table.groupby("series", sort=False):
            actual = truth[name].reindex(rows["ordinal"]).to_numpy(float)
            for level in (80, 95):
                inside[level].append(_covered(actual, rows[f"lower_{level}"], rows[f"upper_{level}"]))
            if name == "total":
                mapes.append(float(np.mean(np.abs(rows["mean"].to_numpy() - actual) / actual) * 100))
    return {"total_mape": float(np.mean(mapes)),
            "coverage_80": float(np.mean(np.concatenate(inside[80]))),
            "coverage_95": float(np.mean(np.concatenate(inside[95])))}


def single_series(data: pd.DataFrame, freq: Frequency) -> dict[str, float]:
    """The single-series forecaster on each series' official hold-out: sMAPE, MAPE, MASE (means
    over series) and the coverage of its intervals pooled over series and steps."""
    scores, inside = [], {80: [], 95: []}
    for _, rows in data.groupby("series_id", sort=True):
        train, test = rows[rows["split"] == "train"], rows[rows["split"] == "test"]
        y, actual = train["y"].to_numpy(float), test["y"].to_numpy(float)
        fit = forecast_single("y", y, freq.ordinal(train["ds"].iloc[0].date()), freq, len(actual))  # as batch does
        mean = fit.forecast.mean
        season = int(rows["season_length"].iloc[0])
        scores.append((smape(actual, mean), mape(actual, mean), mase(actual, mean, naive_scale(y, season))))
        bounds = sd_bounds(mean, fit.forecast.sd, (80, 95))
        for level in (80, 95):
            inside[level].append(_covered(actual, bounds[f"lower_{level}"], bounds[f"upper_{level}"]))
    smapes, mapes, mases = (np.asarray(v) for v in zip(*scores))
    return {"smape": float(np.mean(smapes)), "mape": float(np.nanmean(mapes)), "mase": float(np.mean(mases)),
            "coverage_80": float(np.mean(np.concatenate(inside[80]))),
            "coverage_95": float(np.mean(np.concatenate(inside[95])))}


def m3() -> dict[str, float]:
    figures = single_series(pd.read_csv(M3_SUBSET, parse_dates=["ds"]), Frequency("month"))
    return {k: figures[k] for k in ("smape", "mase", "coverage_80", "coverage_95")}


def tourism() -> dict[str, float]:
    data = pd.read_csv(TOURISM_SUBSET, parse_dates=["ds"])
    out = {}
    for frequency, freq in (("MONTHLY", "month"), ("QUARTERLY", "quarter")):
        figures = single_series(data[data["frequency"] == frequency], Frequency(freq))
        out |= {f"{frequency.lower()}_{k}": figures[k] for k in ("mape", "mase", "coverage_80", "coverage_95")}
    return out


def hierarchy(jobs: int | None = None) -> dict[str, float]:
    frame = make_units(20, HIERARCHY_SEED)
    train = frame[frame["date"] <= "2023-12"]
    table, _, _ = forecast_hierarchy(RawTable(train.astype(str), "units", 2), "unit", ("county", "city"), 12,
                                     season_length=12, jobs=jobs)
    unit_truth = frame[frame["date"] > "2023-12"].pivot(index="date", columns="unit", values="value")
    parents = frame.drop_duplicates("unit").set_index("unit")
    truth = {u: unit_truth[u] for u in unit_truth.columns}
    for level in ("county", "city"):
        for name, members in parents.groupby(level).groups.items():
            truth[name] = unit_truth[list(members)].sum(axis=1)
    truth["total"] = unit_truth.sum(axis=1)
    out = {}
    for level, rows in table.groupby("level", sort=False):
        actual = np.concatenate([truth[n].reindex(r["date"]).to_numpy(float) for n, r in rows.groupby("unit")])
        rows = pd.concat([r for _, r in rows.groupby("unit")])
        for lv in (80, 95):
            out[f"coverage_{lv}_{level}"] = float(np.mean(_covered(actual, rows[f"lower_{lv}"], rows[f"upper_{lv}"])))
        if level == "total":
            out["total_mape"] = float(np.mean(np.abs(rows["mean"].to_numpy() - actual) / actual) * 100)
    return out


def budget_pit(jobs: int | None = None) -> dict[str, float]:
    pits = []
    for seed in BUDGET_SEEDS:
        data = _city(seed)
        wide = data.wide()
        start = 2024 * 12
        truth = {c: float(wide[c].loc[start:start + 11].sum()) for c in data.components}
        truth["total"] = float(sum(truth.values()))
        targets = {"total": truth["total"]} | {c: truth[c] for c in data.components}
        for as_of in BUDGET_AS_OF:
            result = budget(data, 2024, targets=targets, as_of=as_of, phase="even", jobs=jobs)
            pits += [float(result.prob_meet(name, value)) for name, value in targets.items()]
    pits = np.asarray(pits)
    return {"mean_pit": float(np.mean(pits)), "inside_80": float(np.mean((pits >= 0.1) & (pits <= 0.9))),
            "inside_95": float(np.mean((pits >= 0.025) & (pits <= 0.975))), "cases": float(len(pits))}


def measure(jobs: int | None = None) -> dict[str, dict[str, float]]:
    return {"cities": cities(jobs), "m3": m3(), "tourism": tourism(), "hierarchy": hierarchy(jobs),
            "budget": budget_pit(jobs)}


def load_bounds(path: Path = BOUNDS) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def violations(figures: dict, bounds: dict) -> list[str]:
    """Each figure outside its pinned [low, high], and each pinned figure not measured."""
    out = []
    for part, limits in bounds.items():
        for name, (low, high) in limits.items():
            value = figures.get(part, {}).get(name)
            if value is None:
                out.append(f"{part}.{name}: pinned but not measured")
            elif not low <= value <= high:
                out.append(f"{part}.{name} = {value:.4f}, outside its pinned bounds [{low}, {high}]")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    began = time.perf_counter()
    figures = measure(args.jobs)
    for part, values in figures.items():
        print(f"[{part}]")
        for name, value in values.items():
            print(f"{name} = {value:.4f}")
    problems = violations(figures, load_bounds())
    print(f"\n{time.perf_counter() - began:.0f} s; " + ("all inside their bounds" if not problems else
                                                       "OUTSIDE:\n" + "\n".join(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
