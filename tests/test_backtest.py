"""Backtests: the same numbers as `forecast run`, no leakage, metrics that recompute, reports."""
import base64
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import forecast
from forecast.cli.main import main
from forecast.config import config_from_dict
from forecast.errors import ConfigError, InputDataError
from forecast.evaluate.backtest import backtest, backtest_origins, choose_strategy, parse_windows
from forecast.pipeline import run_forecast
from tests.conftest import FAST_CONFIG, SAMPLE

FORECAST_COLUMNS = ["origin", "strategy", "series", "date", "step", "mean", "lower_80", "upper_80", "lower_95",
                    "upper_95", "actual"]
METRIC_COLUMNS = ["strategy", "series", "step", "n", "mape", "smape", "mase", "rmsse", "bias", "accuracy",
                  "coverage_80", "coverage_95"]
GROUPINGS = """
[groupings.by_business]
fixed_line = ["rental_new_services", "local_calls", "long_distance"]
data = ["broadband", "other_data", "mobile_data"]
"""


@pytest.fixture(scope="module")
def data():
    return forecast.load(SAMPLE)


@pytest.fixture(scope="module")
def config():
    return config_from_dict(__import__("tomllib").loads(FAST_CONFIG + GROUPINGS), "fast.toml")


@pytest.fixture(scope="module")
def result(data, config):
    return backtest(data, 6, windows=(24,), origins=3, step=2,
                    strategies=("direct", "split", "components", "by_business"), config=config)


def test_origins_are_the_latest_with_a_full_horizon_after_them(data):
    ords = backtest_origins(data, 12, 3, step=2)
    assert [data.label(o) for o in ords] == ["2023-08", "2023-10", "2023-12"]
    with pytest.raises(InputDataError, match="at most"):
        backtest_origins(data, 12, 200)


def test_each_origin_equals_forecast_run_cut_there(data, config, result):
    for origin in ("2024-02", "2024-06"):
        for strategy in result.strategies:
            run = run_forecast(data.cut(data.period(origin)), 6, config=config, strategy=strategy, window=24)
            rows = result.forecasts[(result.forecasts["origin"] == origin) & (result.forecasts["strategy"] == strategy)]
            assert list(rows["series"]) == list(run.table["series"])
            for col in ("mean", "lower_80", "upper_80", "lower_95", "upper_95"):
                np.testing.assert_array_equal(rows[col].to_numpy(), run.table[col].to_numpy())
            assert list(rows["model"]) == list(run.table["model"])


def test_values_after_an_origin_never_reach_its_forecasts(data, config, result):
    origin = data.period("2024-02")
    frame = data.frame.copy()
    later = frame["ordinal"] > origin
    frame.loc[later, "value"] = frame.loc[later, "value"] * np.random.default_rng(3).uniform(0.5, 2.0, later.sum())
    changed = type(data)(frame, data.freq, data.style, data.source, data.groups)
    again = backtest(changed, 6, windows=(24,), origins=3, step=2, strategies=("components", "split"), config=config)
    key = ["origin", "strategy", "series", "date"]
    a = result.forecasts[result.forecasts["origin"] == "2024-02"].merge(
        again.forecasts[again.forecasts["origin"] == "2024-02"], on=key)
    assert len(a) == 2 * 9 * 6
    np.testing.assert_array_equal(a["mean_x"], a["mean_y"])
    np.testing.assert_array_equal(a["upper_95_x"], a["upper_95_y"])
    assert not np.allclose(a["actual_x"], a["actual_y"])  # the actuals did change


def test_metrics_recompute_from_the_forecast_table(result):
    f, m = result.forecasts, result.metrics
    for (strategy, series), rows in f.groupby(["strategy", "series"]):
        err = rows["mean"] - rows["actual"]
        got = m[(m["strategy"] == strategy) & (m["series"] == series) & (m["step"] == "all")].iloc[0]
        assert got["n"] == len(rows)
        assert got["mape"] == pytest.approx(np.mean(np.abs(err) / rows["actual"]) * 100)
        assert got["smape"] == pytest.approx(np.mean(200 * np.abs(err) / (rows["actual"] + rows["mean"])))
        assert got["bias"] == pytest.approx(err.mean())
        assert got["accuracy"] == pytest.approx(100 - got["mape"])
        assert got["mase"] == pytest.approx(np.mean(np.abs(err) / rows["naive_mae"]))
        assert got["rmsse"] == pytest.approx(np.sqrt(np.mean(err**2 / rows["naive_mse"])))
        inside = (rows["actual"] >= rows["lower_95"]) & (rows["actual"] <= rows["upper_95"])
        assert got["coverage_95"] == pytest.approx(inside.mean())
        step1 = m[(m["strategy"] == strategy) & (m["series"] == series) & (m["step"] == 1)].iloc[0]
        assert step1["mape"] == pytest.approx(np.mean(np.abs(err[rows["step"] == 1]) / rows["actual"][rows["step"] == 1]) * 100)


def test_mase_scale_is_the_seasonal_naive_on_history_up_to_the_origin(data, result):
    row = result.forecasts[(result.forecasts["series"] == "broadband")].iloc[0]
    y = data.series("broadband").loc[:int(row["ordinal"]) - int(row["step"])].to_numpy()
    assert row["naive_mae"] == pytest.approx(np.mean(np.abs(y[12:] - y[:-12])))


def test_annual_total_is_the_sum_of_the_steps(result):
    a = result.annual[(result.annual["strategy"] == "components") & (result.annual["series"] == "total")]
    f = result.forecasts[(result.forecasts["strategy"] == "components") & (result.forecasts["series"] == "total")]
    sums = f.groupby("origin")[["mean", "actual"]].sum()
    np.testing.assert_allclose(a.set_index("origin")[["mean", "actual"]].loc[sums.index], sums)
    assert (a["lower_95"] <= a["lower_80"]).all() and (a["upper_80"] <= a["upper_95"]).all()


def test_a_grouping_strategy_is_coherent_and_ranked(result):
    f = result.forecasts[result.forecasts["strategy"] == "by_business"]
    wide = f.pivot_table(index=["origin", "date"], columns="series", values="mean")
    np.testing.assert_allclose(wide[list(forecast.load(SAMPLE).components)].sum(axis=1), wide["total"], rtol=1e-9)
    assert f.loc[f["series"] == "broadband", "model"].iloc[0] == "top-down(by_business:data)"
    assert set(result.ranking["strategy"]) == {"direct", "split", "components", "by_business"}
    assert result.ranking["total_mape"].is_monotonic_increasing


def test_bad_groupings_and_windows_are_one_line_errors(data):
    with pytest.raises(ConfigError, match="in no group"):
        backtest(data, 3, origins=1, strategies=("mine",), config=config_from_dict(
            {"groupings": {"mine": {"a": ["broadband"]}}}, "c.toml"))
    with pytest.raises(ConfigError, match="in both"):
        run_forecast(data, 3, strategy="mine", config=config_from_dict(
            {"groupings": {"mine": {"a": list(data.components), "b": ["broadband"]}}}, "c.toml"))
    with pytest.raises(ConfigError, match="not known"):
        backtest(data, 3, origins=1, strategies=("by_brand",))
    assert parse_windows("12, 24,all") == (12, 24, None)
    with pytest.raises(ConfigError, match="window"):
        parse_windows("24,x")


def test_auto_picks_the_best_strategy_of_an_inner_backtest(data, config):
    train = data.cut(data.period("2023-12"))
    choice = choose_strategy(train, 12, config=config, window=24)
    scores = choice.scores
    assert set(scores) == {"components", "split", "direct", "by_business"} and choice.origins == 3
    best = min(scores, key=scores.get)
    clear = scores[best] <= 0.9 * scores["components"] and choice.wins(best) >= 2
    assert choice.chosen == (best if clear else "components")
    # the scores are the backtest's total MAPE, origin by origin
    bt = backtest(train, 12, windows=(24,), origins=3, step=3, strategies=("components",), config=config)
    total = bt.forecasts[bt.forecasts["series"] == "total"]
    by_origin = (100 * (total["actual"] - total["mean"]).abs() / total["actual"]).groupby(total["origin"]).mean()
    assert choice.errors.loc["components"].to_numpy() == pytest.approx(by_origin.sort_index().to_numpy())


def test_cli_backtest_writes_the_contract_files(sample, fast_config, tmp_path):
    out = tmp_path / "bt"
    res = CliRunner().invoke(main, ["backtest", str(sample), "--horizon", "4", "--window", "24,all", "--origins", "2",
                                    "--config", str(fast_config), "--output-dir", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    f = pd.read_csv(out / "forecasts.csv", dtype={"origin": str, "date": str})
    m = pd.read_csv(out / "metrics.csv", dtype={"step": str})
    assert list(f.columns[:len(FORECAST_COLUMNS)]) == FORECAST_COLUMNS
    assert list(m.columns[:len(METRIC_COLUMNS)]) == METRIC_COLUMNS
    assert set(f["strategy"]) == {"direct", "split", "components"} and set(f["window"].astype(str)) == {"24", "all"}
    assert sorted(f["origin"].unique()) == ["2024-07", "2024-08"]
    assert set(m["step"]) == {"1", "2", "3", "4", "all"}
    html = (out / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) >= 5 and "src=\"http" not in html
    for data in images:  # each embedded plot decodes to a real picture
        picture = plt.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert picture.shape[0] > 200 and picture.shape[1] > 300 and picture.std() > 0.01
    assert "Training window study" in html
    md = (out / "report.md").read_text()
    for link in re.findall(r"\]\((report_files/[^)]+)\)", md):
        assert (out / link).stat().st_size > 1000
    assert "best:" in res.output


def test_cli_backtest_too_many_origins_is_a_one_line_error(sample, tmp_path):
    out = tmp_path / "bt"
    res = CliRunner().invoke(main, ["backtest", str(sample), "--horizon", "12", "--origins", "90",
                                    "--output-dir", str(out), "--quiet"])
    assert res.exit_code == 1
    assert "Ask for at most" in res.output and "Traceback" not in res.output
    assert not out.exists()
