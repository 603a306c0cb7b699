"""forecast batch: many keys, single series or revenue tables, failures reported, same results on
one core and on a process pool."""
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli.main import main
from forecast.errors import ConfigError, InputDataError
from forecast.io.files import read_table
from forecast.scale.batch import batch
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    sample = pd.read_csv(SAMPLE, dtype=str)
    sample = sample[sample["date"] <= "2023-12"]
    single = sample[sample["component"] == "broadband"][["date", "value"]].assign(unit="north")
    table = sample[sample["component"].isin(["broadband", "local_calls"])][["date", "component", "value"]]
    broken = single.head(12).assign(unit="broken", value=lambda f: f["value"].where(f.index % 5 != 0, "n/a"))
    short = single.head(2).assign(unit="tiny")
    frame = pd.concat([single, broken, table.assign(unit="south"), short], ignore_index=True)
    path = tmp_path_factory.mktemp("batch") / "units.csv"
    frame[["unit", "date", "component", "value"]].to_csv(path, index=False)
    return path


def test_each_key_is_forecast_and_broken_ones_are_reported(units, tmp_path):
    out = tmp_path / "fc.csv"
    summary = batch(read_table(units), "unit", 6, out, season_length=12, jobs=1)
    assert (summary.keys, summary.failed) == (4, 2)
    table = pd.read_csv(out)
    assert list(table.columns) == ["unit", "series", "date", "mean", "lower_80", "upper_80", "lower_95", "upper_95",
                                   "model"]  # as ../shared/CONTRACT.md names them
    assert list(dict.fromkeys(table["unit"])) == ["north", "south"]
    north = table[table["unit"] == "north"]
    assert list(north["series"].unique()) == ["value"] and list(north["date"]) == [f"2024-0{m}" for m in range(1, 7)]
    assert (north["lower_95"] <= north["lower_80"]).all() and (north["lower_80"] <= north["mean"]).all()
    assert (north["mean"] <= north["upper_80"]).all() and (north["upper_80"] <= north["upper_95"]).all()
    south = table[table["unit"] == "south"].pivot(index="date", columns="series", values="mean")
    assert {"broadband", "local_calls", "total"} <= set(south.columns)
    # written to the input's precision plus two decimals: the total agrees to the rounding of its parts
    np.testing.assert_allclose(south["total"], south["broadband"] + south["local_calls"], rtol=0, atol=1.5e-4)
    errors = pd.read_csv(summary.errors).set_index("unit")["error"]
    assert set(errors.index) == {"broken", "tiny"}
    assert "'n/a' is not a number" in errors["broken"] and "units.csv (unit broken): row" in errors["broken"]
    assert "only 2 period(s) of history" in errors["tiny"]


def test_a_process_pool_gives_the_same_forecasts_as_one_core(units, tmp_path):
    one, pool = tmp_path / "one.csv", tmp_path / "pool.csv"
    batch(read_table(units), "unit", 6, one, season_length=12, jobs=1)
    batch(read_table(units), "unit", 6, pool, season_length=12, jobs=2)
    a, b = pd.read_csv(one), pd.read_csv(pool)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-8)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_forecasts_as_the_process_pool(units, tmp_path):
    pool, cluster = tmp_path / "pool.csv", tmp_path / "dask.csv"
    batch(read_table(units), "unit", 6, pool, season_length=12, jobs=2)
    summary = batch(read_table(units), "unit", 6, cluster, season_length=12, jobs=2, engine="dask")
    assert (summary.keys, summary.failed) == (4, 2)
    pd.testing.assert_frame_equal(pd.read_csv(pool), pd.read_csv(cluster), check_exact=False, rtol=1e-8)
    assert set(pd.read_csv(summary.errors)["unit"]) == {"broken", "tiny"}


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_clear_error(units, tmp_path):
    result = CliRunner().invoke(main, ["batch", str(units), "--id-col", "unit", "-H", "3", "--engine", "dask",
                                       "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
    assert "--scheduler tcp://127.0.0.1:9: cannot reach a Dask scheduler" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_an_errant_key_is_told_by_its_own_file_row_and_no_output_when_all_fail(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("unit,date,value\na,2020-01,1\nb,2020-01,1\na,2020-02,x\n")
    with pytest.raises(InputDataError, match="no key could be forecast; the first failed with: .*row 4, column 'value'"):
        batch(read_table(path), "unit", 2, tmp_path / "o.csv", jobs=1)
    assert not (tmp_path / "o.csv").exists()


def test_batch_cli_and_its_mistakes(units, tmp_path):
    runner = CliRunner()
    out = tmp_path / "fc.csv"
    done = runner.invoke(main, ["batch", str(units), "--id-col", "unit", "--horizon", "3", "--jobs", "1", "--quiet",
                                "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "forecast 2 of 4 keys" in done.output and "fc.errors.csv" in done.output
    for args, message in ((["--id-col", "branch"], "no column 'branch'"),
                          (["--id-col", "unit", "-o", str(tmp_path / "fc.xlsx")], "cannot write .xlsx; use .csv")):
        if "-o" not in args:
            args = [*args, "-o", str(tmp_path / "x.csv")]
        done = runner.invoke(main, ["batch", str(units), "--horizon", "3", "--quiet", *args])
        assert done.exit_code == 1 and message in done.output and "Traceback" not in done.output


def test_batch_refuses_a_bad_horizon_or_engine(units, tmp_path):
    with pytest.raises(ConfigError, match="horizon"):
        batch(read_table(units), "unit", 0, tmp_path / "o.csv")
    with pytest.raises(ConfigError, match="engine"):
        batch(read_table(units), "unit", 3, tmp_path / "o.csv", engine="spark")


def test_backtest_over_keys_is_each_keys_own_backtest(units, tmp_path):
    from forecast.evaluate.backtest import backtest
    from forecast.scale.keys import forecast_values
    from forecast.validate import to_revenue

    out = tmp_path / "bt"
    out.mkdir()
    result = CliRunner().invoke(main, ["backtest", str(units), "--id-col", "unit", "--horizon", "3", "--origins", "2",
                                       "--window", "all", "--strategies", "components,direct", "--season-length",
                                       "12", "--jobs", "2", "--quiet", "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "backtested 2 of 4 keys" in result.output
    forecasts, metrics = pd.read_csv(out / "forecasts.csv"), pd.read_csv(out / "metrics.csv")
    assert list(forecasts.columns[:12]) == ["unit", "origin", "strategy", "series", "date", "step", "mean", "lower_80",
                                            "upper_80", "lower_95", "upper_95", "actual"]
    assert list(metrics.columns[:13]) == ["unit", "strategy", "series", "step", "n", "mape", "smape", "mase", "rmsse",
                                          "bias", "accuracy", "coverage_80", "coverage_95"]
    assert set(pd.read_csv(out / "errors.csv")["unit"]) == {"broken", "tiny"}
    # the single-series key: the automatic forecaster on the data up to each origin only
    frame = pd.read_csv(units)
    north = frame[frame["unit"] == "north"]
    rows = forecasts[forecasts["unit"] == "north"]
    assert rows["origin"].unique().tolist() == ["2023-08", "2023-09"]  # the data end at 2023-12
    y = north["value"].to_numpy(float)
    data = to_revenue(read_table(units).__class__(north[["date", "value"]].assign(component="value"), "x", 2))
    fit = forecast_values(y[:-3], data.first, data.freq, 3, 12)  # origin 2023-09
    written = 0.5e-4 + 1e-9  # the file's two decimals plus two, as written
    np.testing.assert_allclose(rows.loc[rows["origin"] == "2023-09", "mean"], fit.forecast.mean, rtol=0, atol=written)
    np.testing.assert_allclose(rows.loc[rows["origin"] == "2023-09", "actual"], y[-3:])
    # the revenue-table key: exactly `forecast backtest` on its own rows
    south = frame[frame["unit"] == "south"].drop(columns="unit")
    own = backtest(to_revenue(read_table(units).__class__(south, "s", 2)), 3, windows=(None,), origins=2,
                   strategies=("components", "direct"), jobs=1)
    mine = forecasts[forecasts["unit"] == "south"]
    np.testing.assert_allclose(mine["mean"], own.forecasts["mean"], rtol=0, atol=written)
    step_all = metrics[(metrics["unit"] == "south") & (metrics["step"] == "all")]
    np.testing.assert_allclose(step_all["mape"], own.metrics.loc[own.metrics["step"] == "all", "mape"], rtol=0,
                               atol=0.5e-4 + 1e-9)
