"""The forecast ledger end to end, through the command line, with its numbers.

On a held-out synthetic city (scripts/make_sample_data.py's generator, seed 4000 by default):
12 monthly vintages `forecast run CITY.csv --horizon 12 --train-end 2023-MM --save`, the actuals
loaded twice (the second load must change nothing), `forecast ledger accuracy`, and every error
recomputed by hand from the stored forecasts and the file. Then 8 processes save at the same time
into a fresh ledger. Reports the total's error by lead time over the vintages, how the year-end
projection of 2023 converged month by month, and the time each step took. Writes docs/ledger.md
and docs/ledger_vintages.png.

    python scripts/eval_ledger.py                          # SQLite file in a temporary folder
    python scripts/eval_ledger.py --ledger postgresql://user@host/db   # an empty database
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample_data import make_city  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FORECAST = [sys.executable, "-m", "forecast"]


def cli(*args: str) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run([*FORECAST, *map(str, args)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"forecast {' '.join(map(str, args))} failed:\n{done.stderr}")
    return time.perf_counter() - began, done.stdout + done.stderr


def by_hand(accuracy: pd.DataFrame, shown: dict[int, pd.DataFrame], city: pd.DataFrame) -> float:
    """Largest difference between the ledger's MAPE and one recomputed from `ledger show` and the file."""
    wide = city.pivot(index="date", columns="component", values="value")
    groups = city.drop_duplicates("component").set_index("component")["group"]
    for g in ("fixed", "fluctuating"):
        wide[f"group:{g}"] = wide[groups.index[groups == g]].sum(axis=1)
    wide["total"] = wide[groups.index].sum(axis=1)
    worst = 0.0
    for row in accuracy.itertuples():
        table = shown[row.run_id]
        f = table[(table["series"] == row.series) & (table["lead"] == row.lead)].iloc[0]
        a = wide.loc[f["date"], row.series]
        worst = max(worst, abs(abs(f["mean"] - a) / a * 100 - row.mape))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=4000)
    parser.add_argument("--ledger", help="an empty database URL (default: a new SQLite file)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "ledger.md")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "ledger_vintages.png")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ledger-eval-"))
    city, _ = make_city(args.seed)
    path = work / f"city{args.seed}.csv"
    city.to_csv(path, index=False)
    ledger = args.ledger or str(work / "ledger.sqlite")
    ends = [f"2023-{m:02d}" for m in range(1, 13)]

    run_seconds = [cli("run", path, "--horizon", 12, "--train-end", end, "--save", "--note", f"vintage {end}",
                       "--ledger", ledger, "--output", work / f"run{end}.csv")[0] for end in ends]
    load_seconds, first = cli("ledger", "actuals", path, "--ledger", ledger)
    again_seconds, again = cli("ledger", "actuals", path, "--ledger", ledger)
    acc_seconds, _ = cli("ledger", "accuracy", "--ledger", ledger, "--output", work / "acc.csv")
    accuracy = pd.read_csv(work / "acc.csv")
    annual = pd.read_csv(work / "acc.annual.csv")
    shown = {}
    for run_id in sorted(set(accuracy["run_id"])):
        cli("ledger", "show", run_id, "--ledger", ledger, "--output", work / f"show{run_id}.csv")
        shown[run_id] = pd.read_csv(work / f"show{run_id}.csv", dtype={"date": str})
    worst = by_hand(accuracy, shown, city.astype({"date": str}))
    cli("plot", "--ledger", ledger, "--series", "total", "--output", args.plot)

    together = work / "together.sqlite" if not args.ledger else None
    began = time.perf_counter()
    if together is not None:
        jobs = [subprocess.Popen([*FORECAST, "run", str(path), "--horizon", "12", "--train-end", end, "--save",
                                  "--ledger", str(together), "--output", str(work / f"p{end}.csv")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for end in ends[:8]]
        codes = [job.wait() for job in jobs]
        concurrent_seconds = time.perf_counter() - began
        _, listing = cli("ledger", "list", "--ledger", together, "--output", work / "together.csv")
        together_runs = pd.read_csv(work / "together.csv")
        rows = {r: len(pd.read_csv(work / f"show_t{r}.csv")) for r in together_runs["run_id"]
                if cli("ledger", "show", r, "--ledger", together, "--output", work / f"show_t{r}.csv")}
        concurrent = (f"8 `forecast run --save` processes started at once into one new SQLite ledger: exit codes "
                      f"{sorted(set(codes))}, {len(together_runs)} runs stored, each with "
                      f"{sorted(set(rows.values()))} forecast rows; {concurrent_seconds:.1f} s wall on 2 cores.")
    else:
        concurrent = "(not run against a database URL)"

    total = accuracy[accuracy["series"] == "total"]
    lead_table = total.groupby("lead").agg(n=("mape", "size"), mape=("mape", "mean"), bias=("bias", "mean"))
    year_end = annual[(annual["series"] == "total") & (annual["year"] == 2023)][["train_end", "projected", "actual",
                                                                                    "error_pct"]]
    text = [
        "# The forecast ledger, measured",
        "",
        f"`python scripts/eval_ledger.py` (held-out synthetic city, seed {args.seed}; ledger: "
        f"{'SQLite file' if not args.ledger else 'the URL given'}). 12 vintages `forecast run --save`, train ends "
        "2023-01 ... 2023-12, horizon 12, automatic models.",
        "",
        f"- Every error `forecast ledger accuracy` reports ({len(accuracy)} forecast rows with actuals) recomputed "
        f"by hand from `forecast ledger show` and the file: largest difference in MAPE {worst:.2e} points.",
        f"- Actuals: first load `{first.strip().split(': ', 1)[1].split(' actuals')[0]}`, second load "
        f"`{again.strip().split(': ', 1)[1].split(' actuals')[0]}`.",
        f"- {concurrent}",
        f"- Seconds (whole command, fresh process): run with --save median {np.median(run_seconds):.1f}; "
        f"ledger actuals {load_seconds:.1f} (first), {again_seconds:.1f} (again); ledger accuracy {acc_seconds:.1f}.",
        "",
        "## Total revenue: error by lead time over the 12 vintages",
        "",
        lead_table.reset_index().to_markdown(index=False, floatfmt=("g", "g", ".3f", ".1f")),
        "",
        "## How the year-end projection of 2023's total converged",
        "",
        "Actuals to the train end plus the forecast of the rest of the year, against the year's actual:",
        "",
        year_end.to_markdown(index=False, floatfmt=",.2f"),
        "",
        f"![vintages]({args.plot.name})",
        "",
    ]
    args.output.write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
