"""The Python API mirrors the CLI: DataFrames of every common shape or paths in, the CLI's
numbers out with real dates, and a wrong argument raises at once, naming it."""
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import forecast
from forecast.cli.main import main
from tests.conftest import FAST_CONFIG, ROOT, SAMPLE

CONFIG = {"forecast": {"window": 36, "paths": 500, "jobs": 1},
          "components": {name: {"model": model} for name, model in [
              ("broadband", "linear_trend"), ("rental_new_services", "linear_trend"), ("other_data", "drift"),
              ("local_calls", "linear_trend"), ("long_distance", "linear_trend"), ("mobile_data", "theta")]}}
BOUNDS = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]


@pytest.fixture(scope="module")
def long():
    return pd.read_csv(SAMPLE)


@pytest.fixture(scope="module")
def reference(long):
    return forecast.run(long, horizon=6, train_end="2023-12", config=CONFIG)


def shapes(long):
    wide = long.pivot(index="date", columns="component", values="value")[list(dict.fromkeys(long["component"]))]
    by_period = wide.set_axis(pd.PeriodIndex(wide.index, freq="M"))
    by_timestamp = wide.set_axis(pd.DatetimeIndex(pd.to_datetime(wide.index), name="month"))
    statsforecast = long.rename(columns={"component": "unique_id", "date": "ds", "value": "y"}).assign(
        ds=lambda f: pd.to_datetime(f["ds"]))
    return {"wide with a date column": wide.reset_index(), "wide with a PeriodIndex": by_period,
            "wide with a DatetimeIndex": by_timestamp, "unique_id, ds, y": statsforecast}


@pytest.mark.parametrize("shape", ["wide with a date column", "wide with a PeriodIndex", "wide with a DatetimeIndex",
                                   "unique_id, ds, y"])
def test_every_shape_gives_the_long_tables_forecast(long, reference, shape):
    result = forecast.run(shapes(long)[shape], horizon=6, train_end=pd.Timestamp("2023-12-31"), config=CONFIG)
    pd.testing.assert_frame_equal(result.table, reference.table)


def test_the_table_has_real_dates_and_the_contract_columns(reference):
    table = reference.table
    assert list(table.columns) == ["date", "series", *BOUNDS, "model"]
    assert pd.api.types.is_datetime64_any_dtype(table["date"])
    assert table["date"].min() == pd.Timestamp("2024-01-01") and table["date"].max() == pd.Timestamp("2024-06-01")
    assert "ordinal" not in table.columns


def test_the_api_gives_the_commands_numbers(tmp_path, reference):
    config = tmp_path / "fast.toml"
    config.write_text(FAST_CONFIG)
    out = tmp_path / "fc.csv"
    res = CliRunner().invoke(main, ["run", str(SAMPLE), "-H", "6", "--train-end", "2023-12", "--config", str(config),
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    cli = pd.read_csv(out)
    assert list(cli["date"].unique()) == list(reference.table["date"].dt.strftime("%Y-%m").unique())
    # the CLI writes amounts to the input's two decimals plus two
    np.testing.assert_allclose(cli[BOUNDS].to_numpy(), reference.table[BOUNDS].to_numpy(), rtol=0, atol=5e-5)
    assert list(cli["model"]) == list(reference.table["model"])


def test_a_series_is_one_line_item(long):
    broadband = long[long["component"] == "broadband"].set_index("date")["value"].rename("broadband")
    broadband.index = pd.PeriodIndex(broadband.index, freq="M")
    result = forecast.run(broadband, horizon=3, window="all")
    assert set(result.table["series"]) == {"broadband", "group:fixed", "group:fluctuating", "total"}


def test_the_window_is_all_history_unless_asked_to_choose(long):
    broadband = long[long["component"] == "broadband"].set_index("date")["value"].rename("broadband")
    broadband.index = pd.PeriodIndex(broadband.index, freq="M")
    tried = {w: set(forecast.run(broadband, horizon=3, window=w, jobs=1).models["candidates"].str.findall(
        r"@(\w+) ").sum()) for w in ("auto", "choose")}
    assert tried == {"auto": {"all"}, "choose": {"24", "36", "all"}}


def test_results_print_short_and_render_in_notebooks(reference):
    assert len(repr(reference)) < 200 and repr(reference).startswith("<Forecast components")
    assert "<table" in reference._repr_html_() and len(reference._repr_html_()) < 20_000
    assert set(reference.models["series"]) >= {"broadband", "mobile_data"}
    fig = reference.plot()
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert [t.split(": forecast")[0] for t in titles] == ["total", "group:fixed", "group:fluctuating"]


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(window="24"), TypeError, "window=24"),
    (dict(window=2), ValueError, "window"),
    (dict(levels=(150,)), ValueError, "levels=150"),
    (dict(levels="80"), TypeError, "levels"),
    (dict(horizon="12"), TypeError, "horizon=12"),
    (dict(horizon=0), ValueError, "horizon"),
    (dict(horizon=2.5), TypeError, "horizon"),
    (dict(strategy="best"), ValueError, "strategy 'best'"),
    (dict(strategy=3), TypeError, "strategy"),
    (dict(train_end="2030-01"), ValueError, "train_end"),
    (dict(train_end=2023.5), TypeError, "train_end"),
    (dict(jobs=0), ValueError, "jobs"),
    (dict(config={"forecast": {"speed": 1}}), ValueError, "speed"),
    (dict(config=42), TypeError, "config"),
])
def test_bad_arguments_raise_at_once_naming_the_argument(long, kwargs, error, words):
    args = dict(horizon=3, config=CONFIG)
    args.update(kwargs)
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        forecast.run(long, **args)


def test_bad_data_raises_valueerror_naming_the_row(long):
    broken = long.astype({"value": object})
    broken.loc[5, "value"] = "lots"
    with pytest.raises(ValueError, match="row at position 5.*'lots' is not a number"):
        forecast.run(broken, horizon=3)
    with pytest.raises(TypeError, match="DataFrame"):
        forecast.run([1, 2, 3], horizon=3)


def test_budget_backtest_and_classify_from_a_dataframe(long, tmp_path):
    budget = forecast.budget(long, 2024, as_of="2024-05", target=158_000, config=CONFIG)
    cli = tmp_path / "b.csv"
    config = tmp_path / "fast.toml"
    config.write_text(FAST_CONFIG)
    res = CliRunner().invoke(main, ["budget", str(SAMPLE), "--year", "2024", "--as-of", "2024-05", "--target",
                                    "158000", "--config", str(config), "-o", str(cli)])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(cli)
    np.testing.assert_allclose(written["full_year_forecast"], budget.table["full_year_forecast"], atol=5e-5)
    np.testing.assert_allclose(written["prob_meet_target"], budget.table["prob_meet_target"], atol=5e-5)
    assert pd.api.types.is_datetime64_any_dtype(budget.phasing["date"])
    assert budget.prob_meet("total", 1e9) == 0.0
    with pytest.raises(TypeError, match="target must be a number"):
        forecast.budget(long, 2024, target="158000")
    with pytest.raises(ValueError, match="give the annual target"):
        forecast.budget(long, 2024)

    bt = forecast.backtest(long, 3, origins=2, window=[24, "all"], strategies="split,components",
                           criterion="annual", config=CONFIG)
    assert bt.criterion == "annual" and len(bt.ranking) == 4
    assert list(bt.ranking["annual_mape"]) == sorted(bt.ranking["annual_mape"])
    assert pd.api.types.is_datetime64_any_dtype(bt.table["origin"]) and pd.api.types.is_datetime64_any_dtype(
        bt.table["date"])
    assert list(bt.table.columns[:11]) == ["origin", "strategy", "series", "date", "step", "mean", "lower_80",
                                           "upper_80", "lower_95", "upper_95", "actual"]  # forecasts.csv's
    assert {"strategy", "series", "step", "mape", "coverage_80"} <= set(bt.metrics.columns)
    with pytest.raises(ValueError, match="criterion='weekly'"):
        forecast.backtest(long, 3, criterion="weekly")

    classes = forecast.classify(long)
    assert list(classes.table.columns) == ["component", "group", "trend_strength", "seasonal_strength", "period"]


def test_batch_of_a_few_units():
    units = pd.read_csv(ROOT / "data" / "units_monthly.csv", dtype={"unit": str})
    few = units[units["unit"].isin(sorted(units["unit"].unique())[:2])]
    result = forecast.batch(few, id_col="unit", horizon=3, jobs=1)
    assert result.table["unit"].nunique() == 2 and result.errors.empty
    assert pd.api.types.is_datetime64_any_dtype(result.table["date"])
    assert repr(result).startswith("<Batch: 2 keys")


SCRIPT = """
import forecast
from forecast.scale import engines
engines.start_method = lambda: "spawn"   # as on macOS and Windows
fc = forecast.run({sample!r}, horizon=3)
print(engines.default_jobs(), len(fc.table))
"""


def test_a_script_without_a_main_guard_runs_where_workers_are_spawned(tmp_path):
    script = tmp_path / "no_guard.py"
    script.write_text(textwrap.dedent(SCRIPT.format(sample=str(SAMPLE))))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "27"]  # one process: nothing re-runs the script


def test_batch_over_a_hierarchy_and_backtest_over_keys():
    branches = pd.read_csv(ROOT / "data" / "branches_monthly.csv")
    county = branches[branches["county"] == "county_001"]
    result = forecast.batch(county, id_col="unit", horizon=2, hierarchy=["county", "city"], reconcile="bottom_up",
                            jobs=1)
    assert repr(result).startswith("<Batch: 8 nodes forecast") and "reconciled bottom_up" in repr(result)
    top = result.table[result.table["level"] == "total"]
    assert (top["county"] == "").all() and pd.api.types.is_datetime64_any_dtype(top["date"])
    units = pd.read_csv(ROOT / "data" / "units_monthly.csv")
    one = units[units["unit"] == sorted(units["unit"].unique())[0]]
    bt = forecast.backtest(one, 2, origins=2, window="all", id_col="unit", jobs=1)
    assert set(bt.table["unit"]) == set(one["unit"]) and pd.api.types.is_datetime64_any_dtype(bt.table["date"])
    assert bt.errors.empty and not bt.metrics.empty
