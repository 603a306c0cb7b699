"""Hierarchies: reconciliation against hand computations, coherence of every method, and
`forecast batch --hierarchy` end to end."""
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import sparse

import forecast
from forecast.cli.main import main
from forecast.io.files import RawTable
from forecast.models import Forecast
from forecast.revenue import decimal_places
from forecast.scale.hierarchy import forecast_hierarchy, method_scores
from forecast.scale.hierarchy_paths import base_paths, correlated_shocks, reconciled_paths, widened_paths, widening
from forecast.scale.reconcile import METHODS, Correlation, Structure, reconcile, shrunk_correlation, top_down_shares
from tests.conftest import SAMPLE


def tiny_structure() -> Structure:
    # total -> a, b (the two bottom series)
    S = sparse.csr_matrix(np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]))
    return Structure(("total", "a", "b"), ("total", "unit", "unit"), S, np.array([-1, 0, 0]))


def identity(nodes: int) -> Correlation:
    return Correlation(np.zeros((5, nodes)), np.ones(nodes), 1.0)


def test_mint_with_an_identity_covariance_is_ols_reconciliation_by_hand():
    # G = (S'S)^-1 S': S'S = [[2, 1], [1, 2]], S'y = [14, 15] -> bottoms 13/3 and 16/3
    mean, sd = reconcile(tiny_structure(), "mint_shrink", np.array([[10.0], [4.0], [5.0]]), np.ones((3, 1)),
                         identity(3))
    np.testing.assert_allclose(mean[:, 0], [29 / 3, 13 / 3, 16 / 3], rtol=1e-12)
    # reconciled error S G e with e ~ N(0, I): Var(total) = 1' S G G' S' 1 = (2/3)^2 * 3 ... by hand
    G = np.linalg.solve(np.array([[2.0, 1], [1, 2]]), np.array([[1.0, 1, 0], [1, 0, 1]]))
    SG = np.array([[1.0, 1], [1, 0], [0, 1]]) @ G
    np.testing.assert_allclose(sd[:, 0], np.sqrt(np.sum(SG**2, axis=1)), rtol=1e-12)


def test_bottom_up_and_top_down_by_hand():
    base = np.array([[100.0], [30.0], [10.0]])
    up, _ = reconcile(tiny_structure(), "bottom_up", base, np.ones((3, 1)), identity(3))
    np.testing.assert_allclose(up[:, 0], [40, 30, 10])
    down, down_sd = reconcile(tiny_structure(), "top_down", base, np.array([[8.0], [1], [1]]), identity(3))
    np.testing.assert_allclose(down[:, 0], [100, 75, 25])
    np.testing.assert_allclose(down_sd[:, 0], [8, 6, 2])  # each node carries its share of the total's error
    np.testing.assert_allclose(top_down_shares(tiny_structure(), base)[:, 0], [1, 0.75, 0.25])


def test_every_method_adds_up_on_a_three_level_hierarchy():
    rng = np.random.default_rng(5)
    # total -> 2 counties -> 5 units (3 + 2)
    S = np.vstack([np.ones(5), [1, 1, 1, 0, 0], [0, 0, 0, 1, 1], np.eye(5)])
    structure = Structure(tuple(f"n{i}" for i in range(8)), ("total", "county", "county", *["unit"] * 5),
                          sparse.csr_matrix(S), np.array([-1, 0, 0, 1, 1, 1, 2, 2]))
    mean = rng.uniform(10, 50, (8, 4))
    sd = rng.uniform(1, 3, (8, 4))
    correlation = shrunk_correlation(rng.normal(size=(40, 8)))
    for method in METHODS:
        coherent, out_sd = reconcile(structure, method, mean, sd, correlation)
        np.testing.assert_allclose(coherent, S @ coherent[3:], rtol=1e-10, err_msg=method)
        assert (out_sd >= 0).all() and np.isfinite(out_sd).all()


def test_shrinkage_intensity_is_schafer_strimmer_by_the_formula():
    rng = np.random.default_rng(2)
    r = rng.normal(size=(30, 4)) @ np.array([[1, 0.5, 0, 0], [0, 1, 0.3, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]])
    lam = shrunk_correlation(r).lam
    z = (r - r.mean(axis=0)) / r.std(axis=0)
    n = len(z)
    w = np.einsum("ki,kj->kij", z, z)
    var = n / (n - 1) ** 3 * ((w - w.mean(axis=0)) ** 2).sum(axis=0)
    corr = w.mean(axis=0) * n / (n - 1)
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(lam, var[off].sum() / (corr[off] ** 2).sum(), rtol=1e-10)


@pytest.fixture(scope="module")
def units_file(tmp_path_factory):
    """Six units of two counties of one city: each unit a scaled, noisy copy of a sample line item."""
    sample = pd.read_csv(SAMPLE)
    sample = sample[sample["date"] <= "2023-12"]
    rng = np.random.default_rng(11)
    parts = []
    for i, item in enumerate(["broadband", "local_calls", "mobile_data", "broadband", "other_data", "local_calls"]):
        rows = sample[sample["component"] == item]
        value = rows["value"].to_numpy() * rng.uniform(0.2, 1.0) * np.exp(rng.normal(0, 0.02, len(rows)))
        parts.append(pd.DataFrame({"unit": f"u{i}", "county": "east" if i < 3 else "west", "city": "metro",
                                   "date": rows["date"], "value": value.round(2)}))
    path = tmp_path_factory.mktemp("hier") / "units.csv"
    pd.concat(parts).to_csv(path, index=False)
    return path


def test_batch_hierarchy_end_to_end_adds_up_at_every_level(units_file, tmp_path):
    out = tmp_path / "h.csv"
    result = CliRunner().invoke(main, ["batch", str(units_file), "--id-col", "unit", "--horizon", "6",
                                       "--hierarchy", "county,city", "--jobs", "1", "--quiet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "reconciled" in result.output and "h.reconcile.csv" in result.output
    table = pd.read_csv(out)
    assert list(table.columns[:9]) == ["unit", "series", "date", "mean", "lower_80", "upper_80", "lower_95",
                                       "upper_95", "model"]
    assert set(table["level"]) == {"total", "city", "county", "unit"}
    mean = table.pivot(index="date", columns="unit", values="mean")
    units = [f"u{i}" for i in range(6)]
    half_unit = 0.5 * 10.0 ** -(decimal_places(pd.read_csv(units_file)["value"]) + 2)  # as written
    np.testing.assert_allclose(mean["east"], mean[units[:3]].sum(axis=1), rtol=0, atol=4 * half_unit)
    np.testing.assert_allclose(mean["west"], mean[units[3:]].sum(axis=1), rtol=0, atol=4 * half_unit)
    np.testing.assert_allclose(mean["metro"], mean["east"] + mean["west"], rtol=0, atol=3 * half_unit)
    np.testing.assert_allclose(mean["total"], mean["metro"], rtol=0, atol=2 * half_unit)
    assert (table["lower_95"] <= table["lower_80"]).all() and (table["upper_80"] <= table["upper_95"]).all()
    assert table.loc[table["unit"] == "u4", "county"].eq("west").all()
    scores = pd.read_csv(tmp_path / "h.reconcile.csv")
    assert set(scores["method"]) == {"base", *METHODS} and set(scores["level"]) == {"total", "city", "county", "unit"}
    assert scores["origin"].nunique() == 3 and "all" in set(scores["origin"])
    # auto: top_down unless another method was more accurate on average over the levels and at both origins
    chosen = table["model"].str.extract(r"reconciled (\w+)")[0].unique()
    by_origin = (scores[(scores["method"] != "base") & (scores["origin"] != "all")]
                 .groupby(["method", "origin"])["error_pct"].mean().unstack("origin"))
    best = by_origin.mean(axis=1).idxmin()
    clear = (by_origin.loc[best] < by_origin.loc["top_down"]).all()
    assert list(chosen) == [best if clear else "top_down"]
    assert "note: --reconcile auto " in result.output
    pooled = scores[scores["origin"] == "all"].set_index(["method", "level"])
    per_origin = scores[scores["origin"] != "all"].groupby(["method", "level"])["error_pct"].mean()
    np.testing.assert_allclose(pooled["error_pct"], per_origin.reindex(pooled.index), rtol=1e-12)


def test_a_unit_with_two_parents_or_a_missing_level_is_one_clear_line(units_file, tmp_path):
    frame = pd.read_csv(units_file)
    frame.loc[frame.index[5], "county"] = "west"  # u0 now belongs to east and west
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    runner = CliRunner()
    for path, hierarchy, message in ((bad, "county,city", "row 7: unit 'u0' belongs to county 'east' and 'west'"),
                                     (units_file, "county,region", "no column 'region' for --hierarchy")):
        result = runner.invoke(main, ["batch", str(path), "--id-col", "unit", "-H", "3", "--hierarchy", hierarchy,
                                      "--reconcile", "bottom_up", "--quiet", "-o", str(tmp_path / "x.csv")])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
        assert not (tmp_path / "x.csv").exists()


def test_an_unreadable_unit_is_reported_and_left_out_of_the_sums(units_file, tmp_path):
    frame = pd.read_csv(units_file)
    frame["value"] = frame["value"].astype(object)
    frame.loc[frame["unit"] == "u5", "value"] = "n/a"
    path = tmp_path / "one_bad.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "h.csv"
    result = CliRunner().invoke(main, ["batch", str(path), "--id-col", "unit", "-H", "3", "--hierarchy", "county,city",
                                       "--reconcile", "bottom_up", "--jobs", "1", "--quiet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 unit(s) could not be read" in result.output
    errors = pd.read_csv(tmp_path / "h.errors.csv")
    assert errors["unit"].tolist() == ["u5"] and "'n/a' is not a number" in errors["error"].iloc[0]
    mean = pd.read_csv(out).pivot(index="date", columns="unit", values="mean")
    assert "u5" not in mean.columns
    np.testing.assert_allclose(mean["west"], mean["u3"] + mean["u4"], rtol=1e-10)


def test_names_and_row_order_change_no_number_and_the_output_keeps_the_files_order(units_file):
    frame = pd.read_csv(units_file, dtype=str)
    first, _, _ = forecast_hierarchy(RawTable(frame, "a", 2), "unit", ("county", "city"), 3, jobs=1)
    renamed = {u: f"zz{9 - i}" for i, u in enumerate(dict.fromkeys(frame["unit"]))}
    shuffled = frame.sample(frac=1, random_state=3).assign(unit=lambda f: f["unit"].map(renamed))
    second, _, _ = forecast_hierarchy(RawTable(shuffled.reset_index(drop=True), "b", 2), "unit", ("county", "city"),
                                         3, jobs=1)
    back = {v: k for k, v in renamed.items()}
    second["unit"] = second["unit"].map(lambda u: back.get(u, u))
    key = ["unit", "date"]
    bounds = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    pd.testing.assert_frame_equal(first.set_index(key).sort_index()[bounds], second.set_index(key).sort_index()[bounds],
                                  check_exact=True)
    units = first[first["level"] == "unit"]["unit"]
    assert list(dict.fromkeys(units)) == list(dict.fromkeys(frame["unit"]))  # as the file names them
    assert list(dict.fromkeys(first["level"])) == ["total", "city", "county", "unit"]


def test_joint_paths_are_coherent_and_spread_as_the_reconciliation_says():
    """The paths' standard deviations match the analytic ones of `reconcile` (same correlation,
    errors independent over time), and every path adds up level by level."""
    rng = np.random.default_rng(9)
    S = np.vstack([np.ones(5), [1, 1, 1, 0, 0], [0, 0, 0, 1, 1], np.eye(5)])
    structure = Structure(tuple(f"n{i}" for i in range(8)), ("total", "county", "county", *["unit"] * 5),
                          sparse.csr_matrix(S), np.array([-1, 0, 0, 1, 1, 1, 2, 2]))
    horizon = 3
    mean = rng.uniform(10, 50, (8, horizon))
    sd = rng.uniform(1, 3, (8, horizon))
    correlation = shrunk_correlation(rng.normal(size=(60, 8)) + rng.normal(size=(60, 1)))
    psi = np.r_[1.0, np.zeros(horizon - 1)]  # no dynamics: each step's error its own
    forecasts = [Forecast(mean[k], sd[k], psi) for k in range(8)]
    shocks = correlated_shocks(correlation, 40_000, horizon + 1, seed=2)
    paths = base_paths(forecasts, shocks)
    for method in METHODS:
        coherent, analytic = reconcile(structure, method, mean, sd, correlation)
        drawn = reconciled_paths(structure, method, paths, mean, correlation)
        np.testing.assert_allclose(drawn[:, :3, :], np.einsum("nb,pbh->pnh", S[:3, :], drawn[:, 3:, :]), rtol=1e-10)
        np.testing.assert_allclose(drawn.mean(axis=0), coherent, rtol=0, atol=0.1, err_msg=method)  # 4 s.e.
        np.testing.assert_allclose(drawn.std(axis=0), analytic, rtol=0.03, err_msg=method)
    widened = widened_paths(drawn, coherent, np.full(8, 2.0))
    np.testing.assert_allclose(widened.std(axis=0), 2 * drawn.std(axis=0), rtol=1e-10)


def test_the_backtest_spread_widens_or_narrows_each_level_and_counts_its_errors():
    # 2 origins: the total's 12 errors per origin at twice the paths' spread, the units' at half
    rows = [{"origin": o, "method": "bottom_up", "level": level, "error_pct": 1.0, "z2": z2, "n": n, "nodes": nodes}
            for o in ("2023-06", "2023-09") for level, z2, n, nodes in (("total", 12 * 4.0, 12, 1),
                                                                         ("unit", 24 * 0.25, 24, 2))]
    scores = method_scores(pd.DataFrame(rows))
    factor, dof = widening(tiny_structure(), scores, "bottom_up")
    np.testing.assert_allclose(factor, [2.0, 0.5, 0.5])
    np.testing.assert_allclose(dof, [3 * 1 * 2, 3 * 2 * 2, 3 * 2 * 2])  # three errors per node and origin
    unscored = widening(tiny_structure(), scores[scores["level"] != "unit"], "bottom_up")
    np.testing.assert_allclose(unscored[0], [2.0, 1.0, 1.0])
    np.testing.assert_array_equal(unscored[1][1:], np.inf)


def test_a_factor_resting_on_few_errors_gives_student_t_bounds():
    """Normal paths whose level factor rests on nu independent errors: the bounds are Student t
    quantiles with nu degrees of freedom (scipy's), scaled by the factor; a level resting on
    very many errors keeps normal bounds, and a factor below 1 narrows."""
    from scipy import stats
    rng = np.random.default_rng(4)
    paths = rng.standard_normal((200_000, 3, 1))
    mean = np.zeros((3, 1))
    out = widened_paths(paths, mean, np.array([1.0, 0.5, 0.5]), np.array([4.0, 1e6, 1e6]), ("total", "unit", "unit"))
    for q in (0.9, 0.975):
        np.testing.assert_allclose(np.quantile(out[:, 0, 0], q), stats.t.ppf(q, 4), rtol=0.02)
        np.testing.assert_allclose(np.quantile(out[:, 1, 0], q), 0.5 * stats.norm.ppf(q), rtol=0.02)
    # one draw of the factor per path and level: the units of a level keep their correlation
    assert np.corrcoef(np.abs(out[:, 1, 0]), np.abs(out[:, 2, 0]))[0, 1] < 0.01
    same_level = widened_paths(np.repeat(paths[:, :1], 2, axis=1), np.zeros((2, 1)), np.ones(2), np.full(2, 3.0),
                               ("unit", "unit"))
    np.testing.assert_allclose(same_level[:, 0], same_level[:, 1], rtol=1e-12)


def test_budget_at_every_node_of_a_hierarchy(units_file, tmp_path):
    frame = pd.read_csv(units_file)
    year = frame[frame["date"].str.startswith("2023")]
    ytd = year[year["date"] <= "2023-06"]
    east = ytd[ytd["unit"].isin(["u0", "u1", "u2"])]["value"].sum()
    targets = tmp_path / "targets.csv"
    targets.write_text("series,target\ntotal,1\neast,%f\nu4,1e9\n" % (east * 2))
    out = tmp_path / "b.csv"
    result = CliRunner().invoke(main, ["budget", str(units_file), "--id-col", "unit", "--hierarchy", "county,city",
                                       "--year", "2023", "--as-of", "2023-06", "--targets", str(targets),
                                       "--phase", "even", "--jobs", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out).set_index("series")
    assert list(table.index) == ["total", "east", "u4"]
    assert list(table.columns[:12]) == ["ytd_actual", "remaining_forecast", "full_year_forecast", "full_year_lower_80",
                                        "full_year_upper_80", "target", "attainment_pct", "ytd_completion_pct",
                                        "time_progress_pct", "ahead_of_plan", "yoy_pct", "prob_meet_target"]
    assert table.loc["total", "ytd_actual"] == pytest.approx(ytd["value"].sum(), abs=1e-3)  # by hand from the file
    assert table.loc["east", "ytd_actual"] == pytest.approx(east, abs=1e-3)
    assert table.loc["east", "ahead_of_plan"] == pytest.approx(east - east * 2 / 2, abs=1e-3)  # even: half the target
    assert table.loc["total", "prob_meet_target"] == 1.0 and table.loc["u4", "prob_meet_target"] == 0.0
    row = table.loc["east"]
    assert row["full_year_lower_80"] < row["full_year_forecast"] < row["full_year_upper_80"]
    assert row["full_year_forecast"] == pytest.approx(row["ytd_actual"] + row["remaining_forecast"], abs=1e-3)
    assert set(table["level"]) == {"total", "county", "unit"}
    # from Python too; the probability follows the joint paths: the projected year is met about half the time
    first = forecast.budget(units_file, 2023, as_of="2023-06", targets={"west": 1.0}, id_col="unit",
                            hierarchy=("county", "city"), jobs=1)
    projected = float(first.table["full_year_forecast"].iloc[0])
    again = forecast.budget(units_file, 2023, as_of="2023-06", targets={"west": projected}, id_col="unit",
                            hierarchy="county,city", jobs=1)
    assert again.table["series"].tolist() == ["west"] and 0.4 <= again.table["prob_meet_target"].iloc[0] <= 0.6


def test_a_budget_target_for_no_node_is_one_line(units_file, tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text("series,target\nnorth,100\n")
    result = CliRunner().invoke(main, ["budget", str(units_file), "--id-col", "unit", "--hierarchy", "county,city",
                                       "--year", "2023", "--targets", str(targets)])
    assert result.exit_code == 1 and "'north', which is no node of the hierarchy" in result.output
    result = CliRunner().invoke(main, ["budget", str(units_file), "--hierarchy", "county,city", "--year", "2023",
                                       "--target", "5"])
    assert result.exit_code == 2 and "--id-col and --hierarchy go together" in result.output
