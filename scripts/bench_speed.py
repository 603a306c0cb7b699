"""Wall-clock time of the main commands on the bundled sample (6 line items, 8 years monthly),
as a user runs them: a fresh process each time, all cores.

    python scripts/bench_speed.py --repeat 3             # forecast run, and the backtest
    python scripts/bench_speed.py --only backtest

The backtest is the one issue 4 sets a target for: 12 origins, 3 strategies, a 24-month window,
12 months ahead, report included, under 60 s on a 2-core machine.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "data" / "revenue_monthly.csv")
DEKAD = str(ROOT / "data" / "calls_dekad.csv")
JOBS = {
    "run": ["run", SAMPLE, "--horizon", "12", "--output", "{tmp}/fc.csv"],
    "run-save": ["run", SAMPLE, "--horizon", "12", "--output", "{tmp}/fc.csv", "--save", "--ledger", "{tmp}/l.sqlite"],
    "run-auto": ["run", SAMPLE, "--horizon", "12", "--strategy", "auto", "--output", "{tmp}/fc.csv"],
    "backtest": ["backtest", SAMPLE, "--horizon", "12", "--window", "24", "--origins", "12",
                 "--strategies", "direct,split,components", "--output-dir", "{tmp}/bt", "--quiet"],
    "budget": ["budget", SAMPLE, "--year", "2024", "--as-of", "2024-05", "--target", "158000",
               "--output", "{tmp}/budget.xlsx", "--plot", "{tmp}/budget.png"],
    "run-dekad": ["run", DEKAD, "--horizon", "36", "--output", "{tmp}/fc.csv"],
    "budget-dekad": ["budget", DEKAD, "--year", "2024", "--as-of", "2024-05-11", "--target", "20000",
                     "--output", "{tmp}/budget.csv"],
}


def time_command(args: list[str], repeat: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "forecast", *[a.format(tmp=tmp) for a in args]], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=list(JOBS), action="append")
    args = parser.parse_args()
    for name in args.only or list(JOBS):
        times = time_command(JOBS[name], args.repeat)
        args_ = JOBS[name]
        shown = " ".join(a.replace(SAMPLE, "data/revenue_monthly.csv").replace(DEKAD, "data/calls_dekad.csv") for i, a in enumerate(args_)
                         if "{tmp}" not in a and not (i + 1 < len(args_) and "{tmp}" in args_[i + 1]))
        print(f"forecast {shown}: median {statistics.median(times):.2f} s, min {min(times):.2f} s, "
              f"max {max(times):.2f} s over {args.repeat} runs")


if __name__ == "__main__":
    main()
