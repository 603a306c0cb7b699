"""Revenue splits from public series: is forecasting each line item with the toolkit and adding
them up better than the plain mean of statsforecast's ETS, ARIMA and Theta on the same line items,
and at what cost?

A "revenue table" here is `--items` monthly series of one benchmark set that cover the same months
(tourism: the competition's series whose training data end in 2005-09; M3: the monthly series
that end in 1992-08 and start together), in series_id order, as line items of one total. Each
table is cut at three year ends (the set's training end and one and two years before it) and the
next 12 months of the total are scored, as a budget year is: MAPE of the total, mean over tables
and origins. The toolkit runs as `forecast run` does by default (`--strategy components`, all
history) and with `--window choose` (24, 36 or all periods per line item, the default before issue
20); the peer fits AutoETS, AutoARIMA and AutoTheta (season 12) to every line item and takes their mean.
Both use 2 processes; the peer is timed after numba compiled it.

    pip install statsforecast   # the peer; not a dependency of the toolkit
    python scripts/bench_splits.py                       # tourism and M3, writes docs/splits.md
    python scripts/bench_splits.py --tables 2 --output -
"""
from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT.parent / "shared" / "benchdata"

from forecast.evaluate.metrics import mape  # noqa: E402
from forecast.scale.engines import run_local  # noqa: E402

HORIZON = 12
ORIGINS = 3


def tables(name: str, items: int, limit: int | None) -> list[pd.DataFrame]:
    """Wide tables (months x line items, positive values only) of `items` series each."""
    data = pd.read_parquet(BENCH / f"{name}_tidy.parquet")
    data = data[data["frequency"] == "MONTHLY"].sort_values(["series_id", "t"])
    span = data.groupby("series_id")["ds"].agg(["min", "max"])
    train_end = data[data["split"] == "train"].groupby("series_id")["ds"].max()
    end = train_end.mode()[0]
    ids = train_end.index[train_end == end]
    start = span.loc[ids, "min"].mode()[0]
    ids = [i for i in ids if span.loc[i, "min"] == start and span.loc[i, "max"] >= end + pd.DateOffset(months=12)]
    wide = data[data["series_id"].isin(ids)].pivot(index="ds", columns="series_id", values="y")
    wide = wide.loc[:end + pd.DateOffset(months=HORIZON)]
    wide = wide.loc[:, (wide > 0).all()]
    ids = sorted(wide.columns, key=lambda s: (len(s), s))
    out = [wide[ids[k:k + items]] for k in range(0, len(ids) - items + 1, items)]
    return out[:limit] if limit else out


def cuts(table: pd.DataFrame) -> list[tuple[pd.DataFrame, np.ndarray]]:
    """(training months, the total's next 12 actual months) at each origin, latest first."""
    out = []
    for back in range(ORIGINS):
        end = len(table) - HORIZON - 12 * back
        out.append((table.iloc[:end], table.iloc[end:end + HORIZON].sum(axis=1).to_numpy(float)))
    return out


def _toolkit_one(train: pd.DataFrame, window="auto") -> np.ndarray:
    from forecast.io.files import RawTable
    from forecast.pipeline import run_forecast
    from forecast.validate import to_revenue

    long = train.rename_axis("date").reset_index().melt(id_vars="date", var_name="component", value_name="value")
    long["date"] = long["date"].dt.strftime("%Y-%m")
    data = to_revenue(RawTable(long.astype(str), "table", 2))
    result = run_forecast(data, HORIZON, jobs=1, window=window)
    table = result.table
    return table[table["series"] == "total"]["mean"].to_numpy(float)


def run_toolkit(trains: list[pd.DataFrame], jobs: int, window="auto") -> tuple[float, list[np.ndarray]]:
    began = time.perf_counter()
    totals = list(run_local(partial(_toolkit_one, window=window), trains, jobs))
    return time.perf_counter() - began, totals


def run_peer(trains: list[pd.DataFrame], jobs: int) -> tuple[float, list[np.ndarray]]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    def long(k, train):
        frame = train.reset_index(drop=True).rename_axis("ds").reset_index().melt(
            id_vars="ds", var_name="item", value_name="y")
        return frame.assign(unique_id=f"{k}|" + frame["item"].astype(str))[["unique_id", "ds", "y"]]

    frames = pd.concat([long(k, t) for k, t in enumerate(trains)], ignore_index=True)
    models = [AutoETS(season_length=12), AutoARIMA(season_length=12), AutoTheta(season_length=12)]
    warm = frames[frames["unique_id"].isin(frames["unique_id"].unique()[:jobs])]
    StatsForecast(models, freq=1, n_jobs=jobs).forecast(df=warm, h=HORIZON)  # numba compiles here
    began = time.perf_counter()
    fc = StatsForecast(models, freq=1, n_jobs=jobs).forecast(df=frames, h=HORIZON)
    seconds = time.perf_counter() - began
    fc["mean"] = fc[["AutoETS", "AutoARIMA", "AutoTheta"]].mean(axis=1)
    fc["table"] = fc["unique_id"].str.split("|").str[0].astype(int)
    fc["step"] = fc.groupby("unique_id").cumcount()
    totals = fc.groupby(["table", "step"])["mean"].sum()
    return seconds, [totals.loc[k].to_numpy(float) for k in range(len(trains))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="tourism,m3")
    parser.add_argument("--items", type=int, default=15, help="line items per table")
    parser.add_argument("--tables", type=int, help="at most this many tables per set (a quick look)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--windows", default="auto,choose", help="the toolkit's --window settings to run")
    parser.add_argument("--no-peer", action="store_true", help="the toolkit alone (a quick comparison)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "splits.md"), help="- prints only")
    args = parser.parse_args(argv)
    rows, detail = [], []
    for name in args.sets.split(","):
        work = [(k, cut) for k, table in enumerate(tables(name, args.items, args.tables)) for cut in cuts(table)]
        trains = [train for _, (train, _) in work]
        actuals = [actual for _, (_, actual) in work]
        methods = [(f"toolkit (forecast run{'' if w == 'auto' else f' --window {w}'})",
                     lambda t, j, w=w: run_toolkit(t, j, w)) for w in args.windows.split(",")]
        if not args.no_peer:
            methods.append(("mean of statsforecast AutoETS, AutoARIMA, AutoTheta", run_peer))
        for method, runner in methods:
            seconds, totals = runner(trains, args.jobs)
            errors = [mape(a, f) for a, f in zip(actuals, totals)]
            annual = [abs(f.sum() / a.sum() - 1) * 100 for a, f in zip(actuals, totals)]
            rows.append({"set": name, "method": method, "tables": len({k for k, _ in work}), "origins": ORIGINS,
                         "line_items": sum(t.shape[1] for t in trains), "mape_total": round(float(np.mean(errors)), 3),
                         "annual_total_ape": round(float(np.mean(annual)), 3), "seconds": round(seconds, 1)})
            short = method.split(" (")[0] + method.partition("run")[2].rstrip(")")  # toolkit --window choose
            detail += [{"set": name, "method": short, "table": k, "train_end": str(t.index[-1].date()),
                        "mape_total": round(e, 3)} for (k, _), t, e in zip(work, trains, errors)]
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    text = "\n".join([
        "# Revenue splits from public series: line items forecast and added up", "",
        f"Generated by `python scripts/bench_splits.py --sets {args.sets} --items {args.items} --windows {args.windows}"
        + (f" --tables {args.tables}" if args.tables else "") + "`. " + __doc__.split("\n\n")[1].replace("\n", " "),
        "", table.to_markdown(index=False), "", "Per table and origin:", "",
        pd.DataFrame(detail).pivot_table(index=["set", "table", "train_end"], columns="method",
                                         values="mape_total").reset_index().to_markdown(index=False), ""])
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
