"""`forecast batch` on thousands of business units: the local and Dask engines side by side.

Writes N held-out unit series (`make_units` in scripts/make_sample_data.py, seed 9000, so never
the bundled data) with one deliberately broken key, runs
`forecast batch FILE --id-col unit --horizon 12 --season-length 12 --jobs J --engine E` for each
engine in a fresh process, and reports wall time, keys per second and the peak memory of the
whole process tree (the command and its workers, sampled every 0.2 s), checks that both engines
give the same forecasts (to 1e-8) and that only the broken key is reported.

    python scripts/bench_units.py --units 2000 --jobs 2
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
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from make_sample_data import make_units  # noqa: E402


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak MiB of the process and all its descendants)."""
    began = time.perf_counter()
    proc = subprocess.Popen(cmd)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.2)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return time.perf_counter() - began, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--engines", default="local,dask")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-units-"))
    frame = make_units(args.units, 9000).drop(columns=["county", "city"])
    frame = frame[frame["date"] <= "2023-12"].astype({"value": object})
    frame.loc[(frame["unit"] == "sub_0007") & (frame["date"] == "2020-05"), "value"] = "n/a"  # the broken key
    path = work / "units.csv"
    frame.to_csv(path, index=False)
    outputs = {}
    for engine in args.engines.split(","):
        out = work / f"{engine}.csv"
        seconds, mib = run_measured([sys.executable, "-m", "forecast", "batch", str(path), "--id-col", "unit",
                                     "--horizon", "12", "--season-length", "12", "--jobs", str(args.jobs),
                                     "--engine", engine, "--quiet", "--output", str(out)])
        errors = pd.read_csv(work / f"{engine}.errors.csv")
        outputs[engine] = pd.read_csv(out)
        print(f"--engine {engine}: {args.units} units in {seconds:.1f} s ({args.units / seconds:.2f} units/s), "
              f"peak memory {mib:.0f} MiB; {outputs[engine]['unit'].nunique()} forecast, failed: "
              f"{errors['unit'].tolist()}", flush=True)
    if len(outputs) == 2:
        a, b = outputs.values()
        diff = np.max(np.abs(a.select_dtypes("number").to_numpy() - b.select_dtypes("number").to_numpy()))
        same = a.select_dtypes(exclude="number").equals(b.select_dtypes(exclude="number"))
        print(f"engines agree: max abs difference {diff:.2e}, labels identical: {same}")


if __name__ == "__main__":
    main()
