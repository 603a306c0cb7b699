"""The automatic per-series forecaster on the M3 competition data, scored like the competition.

Reads ../shared/benchdata/m3_tidy.csv.gz (or --data, also .parquet with pyarrow), forecasts every series' official hold-out
(monthly h=18, quarterly h=8, yearly h=6, other h=8) from its training part with
`forecast.select.forecast_single` as `forecast batch` calls it for a single-series key (period
found from the data; calendar regressors and level shifts where the data support them), and
prints sMAPE and MASE per frequency beside the published results (../shared/benchdata/README.md).
Writes the table to docs/m3.md.

    python scripts/bench_m3.py                       # all 3,003 series, all cores
    python scripts/bench_m3.py --frequency MONTHLY --limit 200
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
sys.path.insert(0, str(ROOT))

from forecast.calendar import Frequency  # noqa: E402
from forecast.evaluate.metrics import mape, mase, naive_scale, smape  # noqa: E402
from forecast.scale.engines import one_blas_thread_per_worker  # noqa: E402

FREQ = {"MONTHLY": "month", "QUARTERLY": "quarter", "YEARLY": "year", "OTHER": "year"}
# Published / re-scored results on the same files (benchdata README): (sMAPE, MASE).
REFERENCE = {
    "MONTHLY": {"Theta (M3 winner)": (13.89, 0.858), "ForecastPro": (13.90, 0.848),
                "R ets+arima+theta mean": (13.52, 0.828), "R thetaf": (13.86, 0.864), "R ets": (14.14, 0.865)},
    "QUARTERLY": {"Theta (M3 winner)": (8.96, None), "R thetaf": (9.20, 1.117), "R ets": (9.68, 1.170),
                  "R ets+arima+theta mean": (9.01, 1.064)},
    "YEARLY": {"Theta (M3 winner)": (16.97, None), "R thetaf": (16.76, 2.774), "R ets": (17.00, 2.860),
               "R ets+arima+theta mean": (16.03, 2.688)},
    "OTHER": {},
}


def _init():
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def forecast_one(task):
    from forecast.select import forecast_single

    sid, frequency, season, horizon, first, y, actual = task
    freq = Frequency(FREQ[frequency])
    start = time.perf_counter()
    fit = forecast_single(sid, y, first, freq, horizon)  # as `forecast batch` forecasts a single-series key
    seconds = time.perf_counter() - start
    f = fit.forecast.mean
    return {"series_id": sid, "frequency": frequency, "smape": smape(actual, f), "mape": mape(actual, f),
            "mase": mase(actual, f, naive_scale(y, season)), "model": fit.label, "seconds": seconds}


def rescore_originals(path: Path, data: pd.DataFrame, methods=("THETA", "ForecastPro")) -> pd.DataFrame:
    """The competition's own submissions scored on exactly the series benchmarked here."""
    if not path.exists():
        return pd.DataFrame(columns=["method", "frequency", "smape", "mase"])
    originals = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    originals = originals[originals["method"].isin(methods)]
    rows = []
    for sid, frequency, season, horizon, _, y, actual in tasks_from(data):
        for method, f in originals[originals["series_id"] == sid].groupby("method"):
            f = f.sort_values("step")["yhat"].to_numpy(float)[:horizon]
            rows.append({"method": method, "frequency": frequency, "smape": smape(actual, f),
                         "mase": mase(actual, f, naive_scale(y, season))})
    return pd.DataFrame(rows)


def tasks_from(data: pd.DataFrame):
    for (sid, frequency), rows in data.groupby(["series_id", "frequency"], sort=False):
        train, test = rows[rows["split"] == "train"], rows[rows["split"] == "test"]
        freq = Frequency(FREQ[frequency])
        first = freq.ordinal(train["ds"].iloc[0].date())
        yield (sid, frequency, int(rows["season_length"].iloc[0]), int(rows["horizon"].iloc[0]), first,
               train["y"].to_numpy(float), test["y"].to_numpy(float))


def read_benchmark(path: Path, frequencies, limit: int | None) -> pd.DataFrame:
    """A tidy benchdata file's series of the given frequencies (`limit`: N evenly spaced of each)."""
    data = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, parse_dates=["ds"])
    data = data[data["frequency"].isin(frequencies)].sort_values(["series_id", "t"])
    if limit:
        keep = data.drop_duplicates("series_id").groupby("frequency")["series_id"].apply(
            lambda ids: ids.iloc[np.linspace(0, len(ids) - 1, min(limit, len(ids))).astype(int)]).explode()
        data = data[data["series_id"].isin(set(keep))]
    return data


def forecast_all(data: pd.DataFrame, jobs: int) -> tuple[pd.DataFrame, float]:
    """Every series forecast and scored (one row each), and the wall-clock seconds it took."""
    start = time.perf_counter()
    # one BLAS thread per worker through the environment too: threadpoolctl in the initializer
    # misses the libraries a worker loads later (statsmodels' scipy), which ran 2.3x slower here
    with one_blas_thread_per_worker(), ProcessPoolExecutor(jobs, initializer=_init) as pool:
        rows = list(pool.map(forecast_one, tasks_from(data), chunksize=4))
    return pd.DataFrame(rows), time.perf_counter() - start


def publish(text: str, output: str, quick: bool) -> None:
    """Print the page; write it to `output` unless it is a quick look at a subset."""
    print(text)
    if not quick:
        Path(output).write_text(text)
        print(f"wrote {output}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "benchdata" / "m3_tidy.csv.gz"))
    parser.add_argument("--frequency", action="append", choices=list(FREQ), help="repeatable; default all")
    parser.add_argument("--limit", type=int, help="N evenly spaced series per frequency (for a quick look)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--output", default=str(ROOT / "docs" / "m3.md"))
    parser.add_argument("--details", help="CSV of per-series scores")
    args = parser.parse_args(argv)

    path = Path(args.data)
    frequencies = args.frequency or list(FREQ)
    data = read_benchmark(path, frequencies, args.limit)
    scores, wall = forecast_all(data, args.jobs)
    if args.details:
        scores.to_csv(args.details, index=False)
    lines = ["# M3 competition data, automatic forecaster", "",
             f"Generated by `python scripts/bench_m3.py` (all cores of a {os.cpu_count()}-core machine).", "",
             f"M3 with the automatic forecaster: {len(scores)} series, {wall:.0f} s wall on {args.jobs} "
             f"worker(s) ({scores['seconds'].mean():.2f} s per series on one core).", ""]
    originals = "m3_original_forecasts" + (".parquet" if path.suffix == ".parquet" else ".csv.gz")
    rescored = rescore_originals(path.parent / originals, data)
    table = []
    for frequency in frequencies:
        s = scores[scores["frequency"] == frequency]
        if s.empty:
            continue
        table.append({"frequency": frequency, "method": "this toolkit (automatic)", "series": len(s),
                      "smape": round(s["smape"].mean(), 2), "mase": round(s["mase"].mean(), 3)})
        for method, r in rescored[rescored["frequency"] == frequency].groupby("method"):
            table.append({"frequency": frequency, "method": f"{method} (original submission, same series)",
                          "series": len(r), "smape": round(r["smape"].mean(), 2), "mase": round(r["mase"].mean(), 3)})
        for method, (sm, ms) in ({} if args.limit else REFERENCE[frequency]).items():
            table.append({"frequency": frequency, "method": method, "series": "", "smape": sm,
                          "mase": ms if ms is not None else ""})
    publish("\n".join(lines) + "\n" + pd.DataFrame(table).to_markdown(index=False) + "\n", args.output,
            quick=bool(args.limit))


if __name__ == "__main__":
    main()
