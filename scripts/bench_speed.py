"""Wall-clock time of `forecast run` on the bundled sample (6 components, 8 years monthly,
automatic model choice), as a user runs it: a fresh process each time.

    python scripts/bench_speed.py --repeat 3
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--strategy", default="components")
    args = parser.parse_args()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "forecast", "run", str(ROOT / "data" / "revenue_monthly.csv"),
                            "--horizon", "12", "--strategy", args.strategy, "--output", f"{tmp}/fc.csv"],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    print(f"forecast run, sample data, strategy {args.strategy}: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s over {args.repeat} runs")


if __name__ == "__main__":
    main()
