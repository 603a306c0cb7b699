"""Regenerate docs/python.md: the notebook flow (load, forecast, plot, backtest, budget, batch)
run for real on the bundled sample, each step with the output it printed.

    python scripts/docs_python.py
"""
from __future__ import annotations

import ast
import contextlib
import io
import textwrap
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

STEPS = [
    ("Load a DataFrame of any common shape (or pass a path: CSV, .xlsx, Parquet)", """
import pandas as pd
import forecast

df = pd.read_csv("data/revenue_monthly.csv")           # long: date, component, value
df.head(3)
"""),
    ("Forecast: keyword arguments named like the CLI's options", """
fc = forecast.run(df, horizon=12, train_end="2023-12")
fc
"""),
    ("`.table` is the contract's table, with real pandas dates", """
fc.table.head(4)
"""),
    ("", """
fc.table.dtypes
"""),
    ("Each modelled series' choice and the candidates it was chosen from", """
fc.models[["series", "group", "model"]]
"""),
    ("Other shapes give the same numbers: wide with a PeriodIndex, statsforecast's unique_id/ds/y", """
wide = df.pivot(index="date", columns="component", values="value")
wide.index = pd.PeriodIndex(wide.index, freq="M")
same = forecast.run(wide, horizon=12, train_end=pd.Period("2023-12", "M"))
sf = df.rename(columns={"component": "unique_id", "date": "ds", "value": "y"})
also = forecast.run(sf, horizon=12, train_end="2023-12")
(same.table.set_index(["series", "date"]).loc[fc.table.set_index(["series", "date"]).index, "mean"].to_numpy()
 == fc.table["mean"].to_numpy()).all(), (also.table["mean"] == fc.table["mean"]).all()
"""),
    ("Plot: one panel per series, or one series on your own axes", """
fig = fc.plot()                                        # total and both groups, actuals of 2024 in red
fig.savefig("docs/python_fan.png", dpi=80)
"""),
    ("Classify", """
forecast.classify(df).table
"""),
    ("Backtest two strategies over two windows, ranked by the annual total", """
bt = forecast.backtest(df, horizon=12, window=[24, "all"], origins=4, step=3,
                       strategies=["split", "components"], criterion="annual")
bt
"""),
    ("", """
bt.ranking[["rank", "strategy", "window", "total_mape", "annual_mape", "coverage_80"]]
"""),
    ("Budget: year to date, projection, attainment, plan and P(meet target)", """
b = forecast.budget(df, year=2024, as_of="2024-05", target=158_000)
b
"""),
    ("", """
b.table[["series", "ytd_actual", "full_year_forecast", "attainment_pct", "ahead_of_plan", "prob_meet_target"]]
"""),
    ("Other targets without a refit", """
b.prob_meet("total", [157_000, 158_000, 159_000])
"""),
    ("The month-end review (docs/review.md)", """
r = forecast.review(df, month="2024-05", target={"考核目标": 158_000, "认购目标": 160_000}, unit="万元")
print(r.text("zh"))
"""),
    ("", """
r.table[["series", "month_actual", "yoy_pct", "ytd_yoy_pct", "share_pct", "contribution_pct"]]
"""),
    ("Many business units at once", """
units = pd.read_csv("data/units_monthly.csv")
many = forecast.batch(units, id_col="unit", horizon=6)
many
"""),
    ("A wrong argument raises at once, naming it", """
try:
    forecast.run(df, horizon=12, window="24")
except TypeError as error:
    print(error)
"""),
]

LEDGER = """from forecast.planning.ledger import Ledger, record_run, actual_rows
data = forecast.load("data/revenue_monthly.csv")
with Ledger("ledger.sqlite") as ledger:                # or "postgresql://user@host/db"
    run_id = ledger.save(record_run("run", fc.data, fc.result, options={"horizon": 12}, note="Jan budget"))
    ledger.load_actuals(actual_rows(data), source="revenue_monthly.csv")
    ledger.override(run_id, "broadband", "2024-03", 3300.0, "price rise in March")
    ledger.accuracy()["accuracy"]                      # also "by_lead" and "annual"
"""


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, pd.DataFrame):
        with pd.option_context("display.width", 120, "display.max_columns", 12, "display.max_colwidth", 40):
            return value.to_string(float_format=lambda v: f"{v:,.2f}")
    return repr(value)


def run_steps() -> list[tuple[str, str, str]]:
    namespace: dict = {}
    done = []
    for title, code in STEPS:
        code = textwrap.dedent(code).strip()
        tree = ast.parse(code)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(tree, "<docs>", "exec"), namespace)  # noqa: S102 - the documented code itself
            value = eval(compile(ast.Expression(last.value), "<docs>", "eval"), namespace) if last else None  # noqa: S307
        output = (printed.getvalue() + _shown(value)).strip("\n")
        done.append((title, code, output))
    return done


def main() -> None:
    import os

    os.chdir(ROOT)
    lines = ["# From Python", "",
             "Generated by `python scripts/docs_python.py` on the bundled sample: every output below is what the "
             "code above it printed. `forecast.run`, `classify`, `backtest`, `budget`, `review` and `batch` take a DataFrame "
             "(long `date, component, value`; statsforecast-style `unique_id, ds, y`; wide with a date column or a "
             "DatetimeIndex/PeriodIndex), a Series with a date index, or a path; their keyword arguments are named "
             "like the CLI's options; results carry `.table` with the contract's columns and real dates, print in "
             "one line and render as HTML in notebooks. The numbers are the CLI's (`tests/test_api.py` compares "
             "them), at full precision (the CLI rounds what it writes; `batch` returns the table its streamed file "
             "holds, rounded as the CLI writes it).", "",
             "A wrong type raises `TypeError`, a wrong value `ValueError` (the toolkit's own errors, "
             "`forecast.ForecastError`, are `ValueError`s), before any work, naming the argument.", "",
             "Scripts need no `if __name__ == \"__main__\":` guard. On Linux worker processes are forked; on macOS "
             "and Windows, where they are spawned and would re-run an unguarded script, the default is one "
             "process, and `jobs=N` inside such a guard uses N cores.", ""]
    for title, code, output in run_steps():
        if title:
            lines += [f"## {title}", ""]
        lines += ["```python", code, "```", ""]
        if output:
            lines += ["```", output, "```", ""]
        if "python_fan.png" in code:
            lines += ["![the fan charts](python_fan.png)", ""]
    lines += ["## Underneath", "",
              "Each result keeps the library's own object as `.result` (`ForecastResult` with the joint sample "
              "paths, `BudgetResult`, `BacktestResult`); `forecast.load(path_or_frame)` gives the validated "
              "`RevenueData` they work on; the modules are described in [layout.md](layout.md). The ledger "
              "(every issued forecast kept and scored) is used from Python like this:", "",
              "```python", LEDGER, "```", ""]
    (DOCS / "python.md").write_text("\n".join(lines), encoding="utf-8")
    print("wrote docs/python.md and docs/python_fan.png")


if __name__ == "__main__":
    main()
