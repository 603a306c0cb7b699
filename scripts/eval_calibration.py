"""Are the intervals calibrated? Coverage of the 80% and 95% intervals on held-out data, pooled
over series and steps, against the bands asked for (80%: 0.75 to 0.85; 95%: 0.92 to 0.98):

- single series: the automatic forecaster (`forecast_single`, as `forecast batch` runs a
  single-series key) on M3 monthly and tourism monthly, full sets, official hold-outs;
- revenue tables: `forecast run` (default strategy) on synthetic cities at two train ends,
  the next 12 months, every series (line items, groups, total).

Writes docs/calibration.md.

    python scripts/eval_calibration.py --cities 12
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "benchdata"
sys.path.insert(0, str(ROOT / "scripts"))
from bench_m3 import FREQ, _init, tasks_from  # noqa: E402
from make_sample_data import make_city  # noqa: E402

from forecast.calendar import Frequency  # noqa: E402
from forecast.io.files import RawTable  # noqa: E402
from forecast.models.intervals import sd_bounds  # noqa: E402
from forecast.pipeline import run_forecast  # noqa: E402
from forecast.scale.engines import one_blas_thread_per_worker  # noqa: E402
from forecast.select import forecast_single  # noqa: E402
from forecast.validate import to_revenue  # noqa: E402

BANDS = {80: (0.75, 0.85), 95: (0.92, 0.98)}


def series_coverage(task) -> dict:
    sid, frequency, _, horizon, first, y, actual = task
    fit = forecast_single(sid, y, first, Frequency(FREQ[frequency]), horizon)  # as `forecast batch` does
    bounds = sd_bounds(fit.forecast.mean, fit.forecast.sd, (80, 95))
    return {f"in_{lv}": int(np.sum((actual >= bounds[f"lower_{lv}"]) & (actual <= bounds[f"upper_{lv}"])))
            for lv in (80, 95)} | {"points": len(actual)}


def single_series(name: str, path: Path, jobs: int) -> dict:
    data = pd.read_csv(path, parse_dates=["ds"])
    data = data[data["frequency"] == "MONTHLY"].sort_values(["series_id", "t"])
    tasks = list(tasks_from(data))
    began = time.perf_counter()
    with one_blas_thread_per_worker(), ProcessPoolExecutor(jobs, initializer=_init) as pool:
        rows = pd.DataFrame(pool.map(series_coverage, tasks, chunksize=4))
    points = rows["points"].sum()
    return {"set": name, "series": len(rows), "points": int(points),
            "coverage_80": rows["in_80"].sum() / points, "coverage_95": rows["in_95"].sum() / points,
            "seconds": round(time.perf_counter() - began)}


def cities(n: int, first_seed: int, ends=("2022-12", "2023-12")) -> list[dict]:
    rows = []
    for seed in range(first_seed, first_seed + n):
        long, _ = make_city(seed)
        data = to_revenue(RawTable(long.drop(columns="group").astype(str), f"city{seed}", 2))
        wide = data.wide()
        for end_label in ends:
            end = data.period(end_label)
            result = run_forecast(data.cut(end), 12)
            groups = {c.component: c.group for c in result.classifications}
            truth = {c: wide[c] for c in data.components} | {"total": wide.sum(axis=1)}
            for g in ("fixed", "fluctuating"):
                truth[f"group:{g}"] = wide[[c for c in data.components if groups[c] == g]].sum(axis=1)
            for name, part in result.table.groupby("series", sort=False):
                actual = truth[name].reindex(part["ordinal"]).to_numpy(float)
                kind = "total" if name == "total" else "groups" if name.startswith("group:") else "line items"
                rows.append({"kind": kind, "points": len(actual)} | {
                    f"in_{lv}": int(np.sum((actual >= part[f"lower_{lv}"]) & (actual <= part[f"upper_{lv}"])))
                    for lv in (80, 95)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=6000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "calibration.md")
    args = parser.parse_args()
    table = [single_series("M3 monthly", BENCH / "m3_tidy.csv.gz", args.jobs),
             single_series("tourism monthly", BENCH / "tourism_tidy.csv.gz", args.jobs)]
    began = time.perf_counter()
    city_rows = pd.DataFrame(cities(args.cities, args.first_seed))
    for kind, part in list(city_rows.groupby("kind", sort=False)) + [("all series", city_rows)]:
        points = part["points"].sum()
        table.append({"set": f"synthetic cities: {kind}", "series": len(part), "points": int(points),
                      "coverage_80": part["in_80"].sum() / points, "coverage_95": part["in_95"].sum() / points,
                      "seconds": round(time.perf_counter() - began)})
    frame = pd.DataFrame(table)
    for lv, (low, high) in BANDS.items():
        frame[f"in band {lv}"] = frame[f"coverage_{lv}"].between(low, high).map({True: "yes", False: "no"})
    text = ("# Interval calibration, measured\n\n"
            f"Generated by `python scripts/eval_calibration.py --cities {args.cities} --first-seed {args.first_seed}` "
            f"on a {os.cpu_count()}-core machine. Coverage = share of held-out actuals inside the interval, pooled over "
            "series and steps. Bands asked for: 80% intervals 0.75 to 0.85, 95% intervals 0.92 to 0.98.\n\n"
            "- M3 and tourism monthly: every series, its official hold-out (18 and 24 months), the automatic "
            "single-series forecaster (`forecast batch` on single-series keys).\n"
            f"- Synthetic cities: {args.cities} cities (scripts/make_sample_data.py, seeds {args.first_seed}...), trained "
            "to 2022-12 and to 2023-12, the next 12 months, `forecast run` with the defaults; line items, both groups "
            "and the total.\n"
            "- Hierarchies: coverage at every level is measured in [hierarchy.md](hierarchy.md) (held-out synthetic "
            "branches) and [hierarchy_tourism.md](hierarchy_tourism.md) (real tourism series in a made-up "
            "hierarchy).\n\n"
            + frame.round(3).to_markdown(index=False) + "\n")
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
