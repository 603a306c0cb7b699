"""Speed against the fastest single-model peer, in the same run on the same machine: M3 (monthly by
default) end to end through `forecast batch --jobs N` (a fresh process: read the CSV, forecast
every series, write the CSV) beside statsforecast's AutoETS with `n_jobs=N`, timed after its numba
compilation. Both are scored on the official hold-out (sMAPE and MASE as in bench_m3.py).

    pip install statsforecast   # the peer; not a dependency of the toolkit
    python scripts/bench_peer.py                     # all 1,428 monthly series, 2 jobs, 3 rounds
    python scripts/bench_peer.py --limit 200 --repeat 1 --output -

Writes docs/speed.md (the table and the ratio of the two rates).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecast.evaluate.metrics import mase, naive_scale, smape  # noqa: E402

SEASON = {"MONTHLY": 12, "QUARTERLY": 4, "YEARLY": 1, "OTHER": 1}


def load(path: Path, frequency: str, limit: int | None) -> pd.DataFrame:
    data = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, parse_dates=["ds"])
    data = data[data["frequency"] == frequency].sort_values(["series_id", "t"])
    if limit:
        ids = data["series_id"].drop_duplicates()
        data = data[data["series_id"].isin(ids.iloc[np.linspace(0, len(ids) - 1, min(limit, len(ids))).astype(int)])]
    return data


def scores(data: pd.DataFrame, forecasts: dict[str, np.ndarray], season: int) -> tuple[float, float]:
    s, m = [], []
    for sid, rows in data.groupby("series_id", sort=False):
        train = rows[rows["split"] == "train"]["y"].to_numpy(float)
        actual = rows[rows["split"] == "test"]["y"].to_numpy(float)
        f = forecasts[sid][:len(actual)]
        s.append(smape(actual, f))
        m.append(mase(actual, f, naive_scale(train, season)))
    return float(np.mean(s)), float(np.mean(m))


def run_toolkit(data: pd.DataFrame, horizon: int, season: int, jobs: int) -> tuple[float, dict[str, np.ndarray]]:
    """`forecast batch` as a user runs it, in a fresh process (the season found from the data, as
    scripts/bench_m3.py does); the seconds include reading and writing."""
    train = data[data["split"] == "train"]
    period = {12: "%Y-%m", 4: None, 1: "%Y"}[season]
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / "m3.csv", Path(tmp) / "fc.csv"
        dates = (train["ds"].dt.strftime(period) if period else
                 train["ds"].dt.year.astype(str) + "Q" + train["ds"].dt.quarter.astype(str))
        pd.DataFrame({"series_id": train["series_id"], "date": dates, "value": train["y"]}).to_csv(source, index=False)
        command = [sys.executable, "-m", "forecast", "batch", str(source), "--id-col", "series_id",
                   "--horizon", str(horizon), "--jobs", str(jobs), "--output", str(output), "--quiet"]
        began = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        seconds = time.perf_counter() - began
        table = pd.read_csv(output)
    return seconds, {sid: g["mean"].to_numpy(float) for sid, g in table.groupby("series_id", sort=False)}


def run_autoets(data: pd.DataFrame, horizon: int, season: int, jobs: int) -> tuple[float, dict[str, np.ndarray]]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    train = data[data["split"] == "train"].rename(columns={"series_id": "unique_id"})[["unique_id", "ds", "y"]]
    warm = train[train["unique_id"].isin(train["unique_id"].unique()[:jobs])]
    StatsForecast([AutoETS(season_length=season)], freq=1, n_jobs=jobs).forecast(df=warm.assign(
        ds=warm.groupby("unique_id").cumcount()), h=horizon)  # numba compiles here, outside the timing
    train = train.assign(ds=train.groupby("unique_id").cumcount())
    began = time.perf_counter()
    fc = StatsForecast([AutoETS(season_length=season)], freq=1, n_jobs=jobs).forecast(df=train, h=horizon)
    seconds = time.perf_counter() - began
    return seconds, {sid: g["AutoETS"].to_numpy(float) for sid, g in fc.groupby("unique_id", sort=False)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "benchdata" / "m3_tidy.parquet"))
    parser.add_argument("--frequency", default="MONTHLY", choices=list(SEASON))
    parser.add_argument("--limit", type=int, help="N evenly spaced series (for a quick look)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds, each timing both back to back (the order alternating); the median is reported")
    parser.add_argument("--output", default=str(ROOT / "docs" / "speed.md"), help="- prints only")
    args = parser.parse_args()
    data = load(Path(args.data), args.frequency, args.limit)
    data_name = "tourism" if "tourism" in Path(args.data).name else "M3"
    season, horizon = SEASON[args.frequency], int(data["horizon"].iloc[0])
    series = data["series_id"].nunique()
    runners = {"statsforecast AutoETS (after numba compilation)": run_autoets,
               "forecast batch (end to end: CSV in, CSV out)": run_toolkit}
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    accuracy = {}
    # the machine's speed drifts from minute to minute (the same run took 69 to 77 s within the
    # hour): each round times both back to back, the one that goes first alternating
    for round_ in range(args.repeat):
        for name in (list(runners) if round_ % 2 == 0 else list(runners)[::-1]):
            took, forecasts = runners[name](data, horizon, season, args.jobs)
            seconds[name].append(took)
            accuracy[name] = scores(data, forecasts, season)
    table = pd.DataFrame([{"method": name, "series": series, "seconds": round(float(np.median(seconds[name])), 1),
                           "series_per_second": round(series / float(np.median(seconds[name])), 1),
                           "smape": round(accuracy[name][0], 2), "mase": round(accuracy[name][1], 3)}
                          for name in runners])
    peer, toolkit = (seconds[name] for name in runners)
    ratios = [p / t for p, t in zip(peer, toolkit)]  # the toolkit's rate over the peer's, round by round
    text = "\n".join([
        "# Speed against the fastest single-model peer", "",
        f"Generated by `python scripts/bench_peer.py --frequency {args.frequency} --jobs {args.jobs}"
        + (f" --limit {args.limit}" if args.limit else "") + (f" --data {Path(args.data).name}" if data_name != "M3"
                                                                else "")
        + f" --repeat {args.repeat}` on a {os.cpu_count()}-core machine: {data_name} "
        f"{args.frequency.lower()}, {series} series, h = {horizon}, both with {args.jobs} worker(s), in the same run: "
        f"{args.repeat} round(s), each timing the two back to back (which goes first alternates); seconds are the "
        "medians over the rounds. Absolute rates drift between machines and within an hour on one; the ratio of one "
        "round is what is compared.", "",
        table.to_markdown(index=False), "",
        f"The toolkit runs at {float(np.median(ratios)):.2f} times AutoETS's rate (the median round; rounds: "
        + ", ".join(f"{r:.2f}" for r in ratios) + ").", ""])
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
