"""Recombination: coherence under every strategy, joint intervals, fallbacks."""
import numpy as np
import pandas as pd
import pytest

import forecast
from forecast.config import config_from_dict, load_config
from forecast.models import Forecast
from forecast.pipeline import run_forecast
from forecast.select import SeriesForecast
from tests.conftest import SAMPLE


@pytest.fixture(scope="module")
def data():
    full = forecast.load(SAMPLE)
    return full.cut(full.period("2023-12"))


@pytest.mark.parametrize("strategy", ["split", "direct"])
def test_every_strategy_is_coherent_and_ordered(data, strategy, fast_config):
    result = run_forecast(data, 6, config=load_config(fast_config), strategy=strategy)
    wide = result.table.pivot(index="date", columns="series", values="mean")
    items = ["broadband", "rental_new_services", "other_data", "local_calls", "long_distance", "mobile_data"]
    np.testing.assert_allclose(wide[items].sum(axis=1), wide["total"], rtol=1e-9)
    np.testing.assert_allclose(wide[items[:3]].sum(axis=1), wide["group:fixed"], rtol=1e-9)
    t = result.table
    assert ((t.lower_95 <= t.lower_80) & (t.lower_80 <= t["mean"]) & (t["mean"] <= t.upper_80)
            & (t.upper_80 <= t.upper_95)).all()
    top = "total" if strategy == "direct" else "group:fixed"
    assert t.loc[t.series == "broadband", "model"].iloc[0] == f"top-down({top})"


def test_total_interval_reflects_correlation_not_sum_of_bounds(data, fast_config):
    result = run_forecast(data, 12, config=load_config(fast_config))
    t = result.table.set_index(["series", "date"])
    width = (t["upper_95"] - t["lower_95"]).unstack(0)
    items = ["broadband", "rental_new_services", "other_data", "local_calls", "long_distance", "mobile_data"]
    assert (width["total"] < width[items].sum(axis=1)).all()
    assert (width["total"] > np.sqrt((width[items] ** 2).sum(axis=1)) * 0.8).all()


def test_judgmental_values_and_growth_from_config(data):
    cfg = config_from_dict({"forecast": {"window": 36, "jobs": 1},
                            "components": {"other_data": {"judgmental": [1000.0, 1010.0, 1020.0]},
                                           "broadband": {"growth": 0.10}}}, "cfg.toml")
    result = run_forecast(data, 3, config=cfg)
    t = result.table
    np.testing.assert_allclose(t.loc[t.series == "other_data", "mean"], [1000, 1010, 1020])
    last_year = data.series("broadband").to_numpy()[-12:-9]
    np.testing.assert_allclose(t.loc[t.series == "broadband", "mean"], last_year * 1.10)


def test_a_component_too_short_for_any_model_falls_back_with_a_warning(data, fast_config):
    frame = data.frame.copy()
    new = pd.DataFrame({"ordinal": [data.last - 1, data.last], "component": "iptv", "value": [5.0, 6.0]})
    short = forecast.RevenueData(pd.concat([frame, new], ignore_index=True), data.freq, data.style, "x.csv")
    result = run_forecast(short, 3, config=load_config(fast_config))
    iptv = result.table[result.table.series == "iptv"]
    assert iptv["mean"].tolist() == [6.0, 6.0, 6.0]
    assert iptv["model"].iloc[0] == "Rule: last value"
    assert any("iptv" in w for w in result.warnings)


def test_no_data_after_the_cutoff_changes_the_forecast(fast_config):
    full = forecast.load(SAMPLE)
    end = full.period("2023-06")
    altered = full.frame.copy()
    altered.loc[altered["ordinal"] > end, "value"] *= 3
    other = forecast.RevenueData(altered, full.freq, full.style, full.source)
    cfg = load_config(fast_config)
    a = run_forecast(full.cut(end), 4, config=cfg).table
    b = run_forecast(other.cut(end), 4, config=cfg).table
    pd.testing.assert_frame_equal(a, b)


def test_library_warnings_stay_on_the_fits_and_toolkit_notes_reach_the_user(data):
    """Regression: statsmodels' EstimationWarning reached stderr as a 'note' on long histories."""
    from forecast.combine import assemble, resolve_classes
    from forecast.config import Config

    classes = resolve_classes(data, Config())
    rng = np.random.default_rng(0)
    fits = {c.component: SeriesForecast(c.component, "m", None, Forecast(np.ones(3), np.ones(3), np.r_[1.0, 0, 0]),
                                        pd.Series(rng.normal(size=30)),
                                        warnings=("EstimationWarning: too few observations", f"{c.component}: own note"))
            for c in classes}
    result = assemble(data, "components", fits, classes, Config(), 3, (80, 95))
    assert not any("Warning:" in w for w in result.warnings)
    assert f"{classes[0].component}: own note" in result.warnings


@pytest.mark.slow
def test_renaming_and_reordering_line_items_changes_no_number(tmp_path):
    """Regression: the shocks behind the intervals were assigned by sorted name, so renaming the
    line items (e.g. to Chinese) moved bounds by up to 0.36% of the mean."""
    from forecast.config import Config

    frame = pd.read_csv(SAMPLE)
    names = dict(zip(frame["component"].unique(), ["宽带", "月租及新业务", "其他数据", "本地通话", "长途", "移动数据"]))
    renamed = frame.assign(component=frame["component"].map(names)).sample(frac=1, random_state=7)
    path = tmp_path / "renamed.csv"
    renamed.to_csv(path, index=False)
    config = Config(paths=300, jobs=1, window=36)
    for strategy in ("components", "split", "direct"):
        a = run_forecast(forecast.load(SAMPLE), 6, config=config, strategy=strategy).table
        b = run_forecast(forecast.load(path), 6, config=config, strategy=strategy).table
        b["series"] = b["series"].map({v: k for k, v in names.items()}).fillna(b["series"])
        key = ["series", "date"]
        a, b = a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
        numbers = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
        pd.testing.assert_frame_equal(a[key + numbers], b[key + numbers], check_exact=True)
