"""`forecast review`: every figure recomputed by hand from the input file, the forecast figures
equal to `forecast budget`'s and the month-earlier check to `forecast run`'s, the flags, the
units' ranking, the four formats, and bad input refused in one line."""
import re
import shutil
import subprocess

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli.main import main
from forecast.planning.review import REVIEW_COLUMNS
from tests.conftest import DEKAD, FAST_CONFIG, ROOT, SAMPLE

UNITS = ROOT / "data" / "units_monthly.csv"
ITEMS = ["broadband", "rental_new_services", "other_data", "local_calls", "long_distance", "mobile_data"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("review")
    (path / "fast.toml").write_text(FAST_CONFIG)
    return path


@pytest.fixture(scope="module")
def reviewed(folder):
    """The sample reviewed as of 2024-05 against two labelled targets, as CSV."""
    out = folder / "review.csv"
    result = invoke("review", SAMPLE, "--month", "2024-05", "--target", "考核目标=158000", "--target",
                    "认购目标=160000", "--config", folder / "fast.toml", "-o", out)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out).set_index("series"), pd.read_csv(folder / "review.targets.csv"), result.output


def by_hand():
    """Month and year-to-date sums per line item, straight from the file."""
    frame = pd.read_csv(SAMPLE, dtype={"date": str})
    wide = frame.pivot(index="date", columns="component", values="value")[ITEMS]
    wide["total"] = wide.sum(axis=1)
    return wide


def test_figures_equal_a_hand_computation(reviewed):
    table, _, _ = reviewed
    wide = by_hand()
    assert list(table.reset_index().columns[:len(REVIEW_COLUMNS)]) == REVIEW_COLUMNS
    ytd = wide.loc["2024-01":"2024-05"].sum()
    last_ytd = wide.loc["2023-01":"2023-05"].sum()
    for name in [*ITEMS, "total"]:
        row = table.loc[name]
        assert row["month_actual"] == pytest.approx(wide.at["2024-05", name], abs=1e-6)
        month = wide.at["2024-05", name]
        assert row["mom_pct"] == pytest.approx((month / wide.at["2024-04", name] - 1) * 100, abs=0.006)
        assert row["yoy_pct"] == pytest.approx((month / wide.at["2023-05", name] - 1) * 100, abs=0.006)
        assert row["ytd_actual"] == pytest.approx(ytd[name], abs=1e-6)
        assert row["ytd_yoy_pct"] == pytest.approx((ytd[name] / last_ytd[name] - 1) * 100, abs=0.006)
        assert row["share_pct"] == pytest.approx(ytd[name] / ytd["total"] * 100, abs=0.006)
        assert row["contribution_pct"] == pytest.approx((ytd[name] - last_ytd[name]) / last_ytd["total"] * 100,
                                                        abs=0.006)
    # the line items' contributions add up to the total's YoY (within the written rounding)
    assert table.loc[ITEMS, "contribution_pct"].sum() == pytest.approx(table.at["total", "ytd_yoy_pct"], abs=0.03)
    assert table.at["total", "attainment_pct"] == pytest.approx(ytd["total"] / 158_000 * 100, abs=0.006)


def test_forecast_figures_equal_forecast_budget(reviewed, folder):
    table, targets, _ = reviewed
    for label, amount in (("考核目标", 158000), ("认购目标", 160000)):
        out = folder / f"budget_{amount}.csv"
        result = invoke("budget", SAMPLE, "--year", 2024, "--as-of", "2024-05", "--target", amount, "--config",
                        folder / "fast.toml", "-o", out)
        assert result.exit_code == 0, result.output
        budget = pd.read_csv(out).set_index("series").loc["total"]
        mine = targets[targets["label"] == label].set_index("series").loc["total"]
        for column in ("full_year_forecast", "prob_meet_target", "ahead_of_plan", "time_progress_pct"):
            assert mine[column] == budget[column], column
        assert mine["attainment_pct"] == budget["ytd_completion_pct"]  # the operators' 完成率
        assert mine["projected_attainment_pct"] == budget["attainment_pct"]
        if label == "考核目标":  # the first label fills the contract's columns
            row = table.loc["total"]
            for column in ("full_year_forecast", "full_year_lower_80", "full_year_upper_80", "prob_meet_target",
                           "ahead_of_plan", "mom_pct", "ytd_actual"):
                assert row[column] == budget[column], column
            assert row["ytd_yoy_pct"] == budget["yoy_pct"]


def test_the_month_is_checked_against_forecast_run_a_month_earlier(folder, reviewed):
    out = folder / "run.csv"
    result = invoke("run", SAMPLE, "-H", 1, "--train-end", "2024-04", "--config", folder / "fast.toml", "-o", out)
    assert result.exit_code == 0, result.output
    run = pd.read_csv(out).set_index("series")
    check = pd.read_csv(folder / "review.check.csv").set_index("series")
    for column in ("mean", "lower_95", "upper_95"):
        assert (check[column if column != "mean" else "forecast"] == run.loc[check.index, column]).all()
    outside = (check["actual"] > check["upper_95"]) | (check["actual"] < check["lower_95"])
    assert (check["outside_95"] == outside).all()
    flags = pd.read_csv(folder / "review.flags.csv")
    assert set(flags.loc[flags["kind"] == "outside_95", "series"]) == set(check.index[outside])
    beyond = np.where(check["actual"] > check["upper_95"], check["actual"] - check["upper_95"],
                      np.where(check["actual"] < check["lower_95"], check["actual"] - check["lower_95"], 0.0))
    assert np.allclose(check["beyond_95"], beyond, atol=1e-3)


def test_bridges_add_up(folder, reviewed):
    table, _, _ = reviewed
    for name, before, after in (("bridge_ytd", "last_ytd_actual", "ytd_actual"),
                                ("bridge_full_year", "last_year_actual", "full_year_forecast")):
        bridge = pd.read_csv(folder / f"review.{name}.csv")
        assert bridge["amount"].iloc[0] == pytest.approx(table.at["total", before])
        assert bridge["amount"].iloc[-1] == pytest.approx(table.at["total", after])
        steps = bridge.loc[bridge["step"] == "item", "amount"].sum()
        assert bridge["amount"].iloc[0] + steps == pytest.approx(bridge["amount"].iloc[-1], abs=0.01)


def test_headline_reads_the_numbers(reviewed):
    table, targets, output = reviewed
    total = table.loc["total"]
    first = targets.set_index("label").loc["考核目标"]
    assert f"1-5月累计完成收入{total['ytd_actual']:.0f}" in output
    assert f"完成全年考核目标(158000)的{first['attainment_pct']:.2f}%" in output
    assert f"同比增幅{total['ytd_yoy_pct']:.2f}%" in output
    side = "超" if first["ahead_of_plan"] >= 0 else "欠"
    assert f"{side}考核目标进度" in output
    assert f"完成考核目标的概率为{first['prob_meet_target'] * 100:.0f}%" in output
    assert re.search(r"预计全年收入\d+\(80%区间\d+至\d+\)", output)


def test_even_phasing_is_the_target_times_time_progress(folder):
    out = folder / "even.csv"
    result = invoke("review", SAMPLE, "--month", "2024-05", "--target", 158000, "--phase", "even", "--config",
                    folder / "fast.toml", "-o", out, "--lang", "en")
    assert result.exit_code == 0, result.output
    total = pd.read_csv(out).set_index("series").loc["total"]
    assert total["ahead_of_plan"] == pytest.approx(total["ytd_actual"] - 158000 * 5 / 12, abs=1e-3)
    assert "January-May 2024 revenue" in result.output


def test_behind_plan_and_class_change_flags(folder):
    from forecast import load
    from forecast.planning.review import review

    data = load(SAMPLE)
    config = __import__("forecast").load_config(folder / "fast.toml")
    result = review(data, "2024-05", targets={"total": 170000, "mobile_data": 50000}, config=config)
    behind = result.flags[result.flags["kind"] == "behind_plan"]
    assert set(behind["series"]) == {"total"}  # mobile data is ahead of a 50,000 plan
    assert (behind["amount"] < 0).all()
    # a line item classified otherwise a year ago is flagged with both classes
    changed = result.flags[result.flags["kind"] == "class_changed"]
    assert all(" -> " in d for d in changed["detail"])


def test_html_markdown_and_excel_hold_the_same_tables(folder):
    for suffix in (".html", ".md", ".xlsx"):
        out = folder / f"r{suffix}"
        result = invoke("review", SAMPLE, "--month", "2024-05", "--target", "考核目标=158000", "--unit", "万元",
                        "--config", folder / "fast.toml", "-o", out)
        assert result.exit_code == 0, result.output
    page = (folder / "r.html").read_text(encoding="utf-8")
    assert "@media print" in page and "size:A4" in page and 'lang="zh-CN"' in page
    assert "src=\"http" not in page and page.count("<svg") == 3  # self-contained: the charts are inline
    assert "累计完成收入" in page and "占收比%" in page and "完成率%" in page
    markdown = (folder / "r.md").read_text(encoding="utf-8")
    assert "| 项目" in markdown and "占收比%" in markdown
    assert (folder / "r_files" / "bridge_ytd.svg").exists()
    book = openpyxl.load_workbook(folder / "r.xlsx")
    assert book.sheetnames[:3] == ["headline", "review", "targets"]
    header = [c.value for c in book["review"][1]]
    assert header[:len(REVIEW_COLUMNS)] == REVIEW_COLUMNS


def test_units_are_ranked_behind_plan_first(folder):
    targets = folder / "unit_targets.csv"
    targets.write_text("series,target\ntotal,350000\ncounty_01,16000\ncounty_02,12000\ncounty_03,30000\n")
    out = folder / "units.csv"
    result = invoke("review", UNITS, "--id-col", "unit", "--month", "2024-05", "--targets", targets, "--config",
                    folder / "fast.toml", "-o", out)
    assert result.exit_code == 0, result.output
    units = pd.read_csv(folder / "units.units.csv")
    assert list(units["rank"]) == list(range(1, 16))
    behind = units["ahead_of_plan"].lt(0).to_numpy()
    assert behind.any() and not (np.diff(behind.astype(int)) > 0).any()  # behind plan first
    raw = pd.read_csv(UNITS, dtype={"date": str})
    by_unit = raw[raw["date"].between("2024-01", "2024-05")].groupby("unit")["value"].sum()
    mine = units.set_index("unit")
    assert np.allclose(mine.loc[by_unit.index, "ytd_actual"], by_unit, atol=1e-6)
    assert mine.at["county_03", "attainment_pct"] == pytest.approx(by_unit["county_03"] / 30000 * 100, abs=0.006)
    # the units' forecasts are `forecast budget --id-col unit --hierarchy ""`'s on the units' totals
    totals = folder / "unit_totals.csv"
    raw.groupby(["unit", "date"], as_index=False)["value"].sum().to_csv(totals, index=False)
    unit_targets = folder / "only_units.csv"
    unit_targets.write_text("series,target\ncounty_01,16000\ncounty_02,12000\ncounty_03,30000\n")
    budget_out = folder / "unit_budget.csv"
    result = invoke("budget", totals, "--year", 2024, "--as-of", "2024-05", "--id-col", "unit", "--hierarchy", "",
                    "--targets", unit_targets, "-o", budget_out)
    assert result.exit_code == 0, result.output
    budget = pd.read_csv(budget_out).set_index("series")
    for unit in ("county_01", "county_02", "county_03"):
        for column in ("full_year_forecast", "full_year_lower_80", "full_year_upper_80", "prob_meet_target",
                       "ahead_of_plan"):
            assert mine.at[unit, column] == pytest.approx(budget.at[unit, column], abs=1e-3), (unit, column)
    table = pd.read_csv(out).set_index("series")
    assert table.at["total", "ytd_actual"] == pytest.approx(by_unit.sum(), abs=1e-6)


@pytest.mark.parametrize("args, message", [
    (["--month", "2025-03", "--target", "158000"], "--month 2025-03 is outside the data"),
    (["--month", "2024-05", "--target", "考核目标=abc"], "'abc' is not an amount"),
    (["--month", "2024-05", "--target", "158000", "--targets", "TARGETS"], "no series 'fiber'"),
    (["--month", "2024-5x", "--target", "158000"], "--month '2024-5x' is not a month"),
])
def test_bad_input_is_one_line_and_writes_nothing(folder, args, message):
    (folder / "bad_targets.csv").write_text("series,target\nfiber,100\n")
    out = folder / "bad.csv"
    args = [str(folder / "bad_targets.csv") if a == "TARGETS" else a for a in args]
    result = invoke("review", SAMPLE, *args, "--config", folder / "fast.toml", "-o", out)
    assert result.exit_code == 1, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_dekad_data_are_refused(folder):
    result = invoke("review", DEKAD, "--month", "2024-05-21", "--target", 50000, "-o", folder / "d.csv")
    assert result.exit_code == 1 and "the review is monthly" in result.output


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_chromium_renders_the_review(folder):
    out = folder / "r.html"
    if not out.exists():
        assert invoke("review", SAMPLE, "--month", "2024-05", "--target", 158000, "--config", folder / "fast.toml",
                      "-o", out).exit_code == 0
    shot = folder / "shot.png"
    done = subprocess.run(["python", str(ROOT / "scripts" / "review_screenshot.py"), str(out), str(shot)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 50_000


def test_a_line_item_that_became_seasonal_is_flagged(tmp_path):
    from forecast import load
    from forecast.planning.review import review

    rng = np.random.default_rng(5)
    t = np.arange(72)
    calls = 1000 * (1 + 0.004 * t) * (1 + np.where(t >= 36, 0.25 * np.sin(2 * np.pi * t / 12), 0))
    calls *= 1 + 0.01 * rng.standard_normal(72)
    dates = pd.period_range("2019-01", periods=72, freq="M").strftime("%Y-%m")
    frame = pd.concat([pd.DataFrame({"date": dates, "component": "calls", "value": calls.round(2)}),
                       pd.DataFrame({"date": dates, "component": "broadband",
                                     "value": (500 + 3 * t + rng.normal(0, 3, 72)).round(2)})])
    frame.to_csv(tmp_path / "shift.csv", index=False)
    result = review(load(tmp_path / "shift.csv"), "2024-12", targets={"total": 250_000})
    changed = result.flags[result.flags["kind"] == "class_changed"]
    assert list(changed["series"]) == ["calls"] and list(changed["detail"]) == ["fixed -> fluctuating"]


def test_a_gbk_export_with_chinese_months_and_a_total_column(folder, reviewed):
    """The operators' own export: GBK, a unit row, 月份 like 2024年5月, a 合计 column."""
    wide = by_hand().drop(columns="total")
    wide["合计"] = wide.sum(axis=1).round(2)
    wide.index = [f"{d[:4]}年{int(d[5:])}月" for d in wide.index]
    path = folder / "export.csv"
    with open(path, "w", encoding="gbk") as handle:
        handle.write("单位：万元\n")
        wide.rename_axis("月份").to_csv(handle)
    out = folder / "export_review.csv"
    result = invoke("review", path, "--month", "2024年5月", "--target", "考核目标=158000", "--target", "认购目标=160000",
                    "--config", folder / "fast.toml", "-o", out)
    assert result.exit_code == 0, result.output
    assert "1-5月累计完成收入64033万元" in result.output  # the unit row's 万元
    table, _, _ = reviewed
    mine = pd.read_csv(out).set_index("series")
    assert mine.loc[table.index, "full_year_forecast"].equals(table["full_year_forecast"])
    assert mine.loc[table.index, "contribution_pct"].equals(table["contribution_pct"])
