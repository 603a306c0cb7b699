"""`forecast batch` on the M3 monthly series, end to end: keys per second and accuracy.

Writes the 1,428 M3 monthly training series as one batch file (`unit, date, value`), runs
`forecast batch FILE --id-col unit --horizon 18 --season-length 12 --jobs N` in a fresh process
for each N, and scores the forecasts on the official hold-out with the competition's sMAPE and
MASE (Theta, the M3 winner: 13.89 / 0.858).

    python scripts/bench_batch.py --jobs 1,2 --engines local,dask
    python scripts/bench_batch.py --limit 200 --jobs 2       # a quick look
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.evaluate.metrics import mase, naive_scale, smape

ROOT = Path(__file__).resolve().parents[1]


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop: how fast this machine is right now."""
    began = time.perf_counter()
    total = 0
    for i in range(10**7):
        total += i
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "benchdata" / "m3_tidy.csv.gz"))
    parser.add_argument("--jobs", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--engines", default="local", help="comma-separated: local, dask")
    parser.add_argument("--limit", type=int, help="N evenly spaced series (for a quick look)")
    args = parser.parse_args()
    data = pd.read_parquet(args.data) if args.data.endswith(".parquet") else pd.read_csv(args.data, parse_dates=["ds"])
    data = data[data["frequency"] == "MONTHLY"].sort_values(["series_id", "t"])
    ids = data["series_id"].drop_duplicates()
    if args.limit:
        ids = ids.iloc[np.linspace(0, len(ids) - 1, args.limit).round().astype(int)]
    data = data[data["series_id"].isin(ids)]
    train, test = data[data["split"] == "train"], data[data["split"] == "test"]
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    batch_file = work / "m3_monthly.csv"
    pd.DataFrame({"unit": train["series_id"], "date": train["ds"].dt.strftime("%Y-%m"),
                  "value": train["y"]}).to_csv(batch_file, index=False)
    print(f"machine speed now: a pure-Python loop of 10^7 additions takes {reference_loop():.2f} s "
          "(compare runs only at similar figures: a shared machine's speed drifts)")
    runs = [(engine, int(jobs)) for engine in args.engines.split(",") for jobs in args.jobs.split(",")]
    for engine, jobs in runs:
        out = work / f"fc_{engine}{jobs}.csv"
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "forecast", "batch", str(batch_file), "--id-col", "unit",
                        "--horizon", "18", "--season-length", "12", "--jobs", str(jobs), "--engine", engine,
                        "--quiet", "--output", str(out)], check=True)
        seconds = time.perf_counter() - began
        fc = pd.read_csv(out)
        scores = []
        for sid, rows in fc.groupby("unit"):
            y = train.loc[train["series_id"] == sid, "y"].to_numpy(float)
            actual = test.loc[test["series_id"] == sid, "y"].to_numpy(float)
            f = rows["mean"].to_numpy(float)[:len(actual)]
            scores.append((smape(actual, f), mase(actual, f, naive_scale(y, 12))))
        s, m = np.mean(scores, axis=0)
        print(f"forecast batch, {len(ids)} M3 monthly series, --engine {engine} --jobs {jobs}: {seconds:.1f} s "
              f"end to end, "
              f"{len(ids) / seconds:.2f} series/s; sMAPE {s:.2f}, MASE {m:.3f} ({len(scores)} forecast)")


if __name__ == "__main__":
    main()
