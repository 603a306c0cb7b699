"""Budget mode: year-to-date sums, projection, attainment, phasing, probability of meeting the
target, next year's budget, dekads, and the .xlsx output."""
import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast import load, load_config
from forecast.cli.main import main
from forecast.errors import InputDataError
from forecast.pipeline import run_forecast
from forecast.planning.budget import CONTRACT_COLUMNS, budget
from forecast.temporal import sum_to
from tests.conftest import DEKAD, SAMPLE

FIXED = ["broadband", "rental_new_services", "other_data"]
FLUCT = ["local_calls", "long_distance", "mobile_data"]

DEKAD_CONFIG = """
[forecast]
paths = 500
jobs = 1
[components.local_calls]
model = "linear_trend"
[components.long_distance]
model = "seasonal_naive"
"""


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    from tests.conftest import FAST_CONFIG

    path = tmp_path_factory.mktemp("cfg") / "fast.toml"
    path.write_text(FAST_CONFIG)
    return load_config(path)


@pytest.fixture(scope="module")
def data():
    return load(SAMPLE)


@pytest.fixture(scope="module")
def may(data, config):
    return budget(data, 2024, targets={"total": 158_000, "local_calls": 14_000, "fixed": 80_000}, as_of="2024-05",
                  config=config)


def file_sum(names, first, last):
    frame = pd.read_csv(SAMPLE, dtype={"date": str})
    rows = frame[frame["component"].isin(names) & (frame["date"] >= first) & (frame["date"] <= last)]
    return rows["value"].sum()


def test_year_to_date_projection_and_ratios_are_consistent(may):
    t = may.table.set_index("series")
    assert list(may.table.columns[:len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert list(t.index) == ["local_calls", "group:fixed", "total"]
    expected = {"local_calls": ["local_calls"], "group:fixed": FIXED, "total": FIXED + FLUCT}
    for name, parts in expected.items():
        row = t.loc[name]
        assert row["ytd_actual"] == pytest.approx(file_sum(parts, "2024-01", "2024-05"), rel=1e-12)
        assert row["full_year_forecast"] == row["ytd_actual"] + row["remaining_forecast"]
        assert row["full_year_lower_80"] <= row["full_year_forecast"] <= row["full_year_upper_80"]
        assert row["full_year_lower_95"] <= row["full_year_lower_80"]
        assert row["attainment_pct"] == pytest.approx(row["full_year_forecast"] / row["target"] * 100)
        assert row["ytd_completion_pct"] == pytest.approx(row["ytd_actual"] / row["target"] * 100)
        assert row["time_progress_pct"] == pytest.approx(5 / 12 * 100)
        assert row["ahead_of_plan"] == pytest.approx(row["ytd_actual"] - row["phased_target_to_date"])
        last_year = file_sum(parts, "2023-01", "2023-05")
        assert row["yoy_pct"] == pytest.approx((row["ytd_actual"] / last_year - 1) * 100)
        mom = file_sum(parts, "2024-05", "2024-05") / file_sum(parts, "2024-04", "2024-04")
        assert row["mom_pct"] == pytest.approx((mom - 1) * 100)
        assert 0 <= row["prob_meet_target"] <= 1
    # remaining = the forecast from the as-of period, summed over June to December
    fc = may.forecast.table
    assert t.loc["total", "remaining_forecast"] == pytest.approx(fc.loc[fc["series"] == "total", "mean"].sum())
    assert fc["date"].iloc[0] == "2024-06" and fc["ordinal"].nunique() == 7


def test_probability_is_monotone_and_uses_the_joint_paths(may):
    targets = np.linspace(150_000, 166_000, 400)
    probs = may.prob_meet("total", targets)
    assert np.all(np.diff(probs) <= 0) and probs[0] == 1.0 and probs[-1] == 0.0
    for _, row in may.table.iterrows():
        assert row["prob_meet_target"] == may.prob_meet(row["series"], row["target"])
    # the total's annual distribution is the sum of the line items' joint draws, not of their bounds
    parts = sum(may.full_year_samples[c] for c in FIXED + FLUCT)
    np.testing.assert_allclose(may.full_year_samples["total"], parts, rtol=1e-12)
    summed_bounds = sum(may.full_year_samples[c].std() for c in FIXED + FLUCT)
    assert may.full_year_samples["total"].std() < summed_bounds


def test_seasonal_phasing_follows_the_plan_made_at_the_start_of_the_year(data, config, may):
    plan = run_forecast(data.cut(data.period("2023-12")), 12, config=config)
    profile = plan.table.loc[plan.table["series"] == "total", "mean"].to_numpy()
    rows = may.phasing[may.phasing["series"] == "total"]
    np.testing.assert_allclose(rows["phase_weight"], profile / profile.sum(), rtol=1e-12)
    assert rows["cumulative_target"].iloc[-1] == pytest.approx(158_000)
    assert rows["cumulative"].iloc[-1] == pytest.approx(may.table.set_index("series").loc["total", "full_year_forecast"])
    assert rows["actual"].notna().sum() == 5 and rows["forecast"].notna().sum() == 7
    even = budget(data, 2024, targets={"total": 158_000}, as_of="2024-05", phase="even", config=config)
    row = even.table.iloc[0]
    assert row["phased_target_to_date"] == pytest.approx(158_000 * 5 / 12)
    assert row["ahead_of_plan"] == pytest.approx(row["ytd_actual"] - 158_000 * 5 / 12)
    # phasing moves the plan, never the projection
    assert row["full_year_forecast"] == may.table.set_index("series").loc["total", "full_year_forecast"]


def test_year_end_gives_next_years_budget(data, config):
    closed = budget(data, 2024, targets={"total": 150_000}, as_of="2024-12", config=config)
    row = closed.table.iloc[0]
    assert row["remaining_forecast"] == 0 and row["prob_meet_target"] == 1.0
    assert row["full_year_forecast"] == pytest.approx(file_sum(FIXED + FLUCT, "2024-01", "2024-12"))
    nxt = closed.next_year.set_index("series")
    assert (nxt["year"] == 2025).all()
    assert (nxt["p10"] < nxt["p50"]).all() and (nxt["p50"] < nxt["p90"]).all()
    fc = run_forecast(data, 12, config=config).table
    for name in ["broadband", "group:fluctuating", "total"]:
        assert nxt.loc[name, "mean"] == pytest.approx(fc.loc[fc["series"] == name, "mean"].sum(), rel=1e-12)
    assert nxt.loc["total", "last_year_actual"] == pytest.approx(row["full_year_forecast"])
    per = closed.next_year_periods
    assert per["date"].iloc[0] == "2025-01" and len(per) == 12 * len(nxt)
    # on the eve of the year, the year itself is next year's budget
    eve = budget(data, 2024, targets={"total": 150_000}, as_of="2023-12", config=config)
    assert eve.table.iloc[0]["ytd_actual"] == 0 and eve.next_year["year"].iloc[0] == 2024
    assert eve.table.iloc[0]["full_year_forecast"] == pytest.approx(eve.next_year.set_index("series").loc["total", "mean"])


def test_budget_cli_csv_and_xlsx_hold_the_same_numbers(sample, fast_config, tmp_path):
    targets = tmp_path / "targets.csv"
    targets.write_text("series,target\ntotal,158000\nfluctuating,78000\nmobile_data,\"56,000\"\n")
    common = [sample, "--year", 2024, "--as-of", "2024-12", "--targets", targets, "--config", fast_config]
    res = invoke("budget", *common, "--output", tmp_path / "b.csv", "--plot", tmp_path / "b.png")
    assert res.exit_code == 0, res.output
    assert invoke("budget", *common, "--output", tmp_path / "b.xlsx").exit_code == 0
    assert (tmp_path / "b.png").stat().st_size > 10_000
    book = openpyxl.load_workbook(tmp_path / "b.xlsx")
    assert book.sheetnames == ["budget", "summary", "phasing", "next_year", "next_year_periods"]
    for sheet, csv in [("budget", "b.csv"), ("phasing", "b.phasing.csv"), ("next_year", "b.next_year.csv"),
                       ("next_year_periods", "b.next_year_periods.csv")]:
        from_csv = pd.read_csv(tmp_path / csv, dtype={"date": str, "as_of": str})
        from_xlsx = pd.read_excel(tmp_path / "b.xlsx", sheet_name=sheet)
        for column in ("date", "as_of"):  # real Excel dates, the first day of each period
            if column in from_csv:
                assert list(from_xlsx[column].dt.strftime("%Y-%m")) == list(from_csv[column])
                from_xlsx[column] = from_csv[column]
        # Excel percentages: 42.74% is the fraction 0.4274
        for column in [c for c in from_csv.columns if c.endswith("_pct")]:
            from_xlsx[column] = from_xlsx[column] * 100
        pd.testing.assert_frame_equal(from_csv, from_xlsx, check_exact=False, rtol=1e-12, atol=0, check_dtype=False)
    ws = book["budget"]
    header = [c.value for c in ws[1]]
    assert header[:len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
    assert ws.auto_filter.ref and ws.freeze_panes == "A2"
    fmt = {h: ws.cell(row=2, column=j + 1).number_format for j, h in enumerate(header)}
    assert fmt["ytd_actual"] == "#,##0.00"
    assert fmt["attainment_pct"] == fmt["prob_meet_target"] == "0.00%"
    assert book["phasing"].cell(row=2, column=2).is_date and book["phasing"].cell(row=2, column=2).number_format == "yyyy-mm"
    summary = pd.read_excel(tmp_path / "b.xlsx", sheet_name="summary")
    assert list(summary.columns) == ["measure", *pd.read_csv(tmp_path / "b.csv")["series"]]
    assert list(pd.read_csv(tmp_path / "b.csv")["series"]) == ["mobile_data", "group:fluctuating", "total"]


@pytest.mark.parametrize("args, message", [
    (["--as-of", "2023-05", "--target", "1000"], "is not in 2024"),
    (["--as-of", "2025-03", "--target", "1000"], "after the data's last period"),
    (["--as-of", "next May", "--target", "1000"], "--as-of 'next May' is not a month period"),
    (["--target", "-5"], "positive amount"),
    (["--target", "lots"], "is not an amount"),
    ([], "give the annual target"),
    (["--target", "1000", "--output", "no/such/folder/b.csv"], "does not exist; create it first"),
])
def test_budget_usage_mistakes_get_one_line(sample, fast_config, args, message):
    res = invoke("budget", sample, "--year", 2024, "--config", fast_config, *args)
    assert res.exit_code != 0 and message in res.output, res.output
    assert "Traceback" not in res.output


def test_bad_targets_files_name_the_row(sample, fast_config, tmp_path):
    cases = {"series,target\ntotal,abc\n": "row 2, column 'target': 'abc' is not a number",
             "series,target\nbroadbnd,100\ntotal,5\n": "no series 'broadbnd'",
             "series,amount\ntotal,5\n": "no column 'target'",
             "series,target\ntotal,5\ntotal,6\n": "row 3: a second target for 'total'",
             "series,target\nbroadband,5\n": "no target for the total"}
    for text, message in cases.items():
        path = tmp_path / "t.csv"
        path.write_text(text)
        res = invoke("budget", sample, "--year", 2024, "--targets", path, "--config", fast_config)
        assert res.exit_code == 1 and message in res.output, (text, res.output)


def test_total_target_is_the_sum_of_the_parts_when_not_given(data, config):
    parts = {"fixed": 80_000, "fluctuating": 78_000}
    res = budget(data, 2024, targets=parts, as_of="2024-05", config=config, phase="even")
    assert res.table.set_index("series").loc["total", "target"] == 158_000


@pytest.fixture(scope="module")
def dekad_config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "dekad.toml"
    path.write_text(DEKAD_CONFIG)
    return load_config(path)


def test_dekad_budget_as_of_a_dekad_inside_a_month(dekad_config):
    data = load(DEKAD)
    res = budget(data, 2024, targets={"total": 20_000}, as_of="2024-05-11", config=dekad_config)
    row = res.table.iloc[0]
    frame = pd.read_csv(DEKAD, dtype={"date": str})
    ytd = frame[(frame["date"] >= "2024-01-01") & (frame["date"] <= "2024-05-11")]["value"].sum()
    assert row["ytd_actual"] == pytest.approx(ytd, rel=1e-12)
    assert row["periods_elapsed"] == 14 and row["periods_remaining"] == 22
    assert row["time_progress_pct"] == pytest.approx(14 / 36 * 100)
    def days(*dates):
        return frame[frame["date"].isin(dates)]["value"].sum()
    mom = days("2024-05-01", "2024-05-11") / days("2024-04-01", "2024-04-11")
    assert row["mom_pct"] == pytest.approx((mom - 1) * 100)
    assert len(res.phasing) == 36 and res.phasing["date"].iloc[13] == "2024-05-11"


def test_dekad_forecast_sums_to_months_coherently(dekad_config):
    data = load(DEKAD)
    cut = data.cut(data.period("2024-02-11"))  # a month under way: its first two dekads are known
    result = run_forecast(cut, 36, config=dekad_config)
    months = sum_to(cut, result, "month")
    calls = months[months["series"] == "local_calls"].set_index("date")
    # Feb 2024 = two observed dekads + the forecast of the third; Feb 2025 ends inside the horizon
    assert list(calls.index[[0, -1]]) == ["2024-02", "2025-01"]
    frame = pd.read_csv(DEKAD, dtype={"date": str})
    seen = frame[(frame["component"] == "local_calls") & frame["date"].isin(["2024-02-01", "2024-02-11"])]["value"].sum()
    fc = result.table[result.table["series"] == "local_calls"]["mean"].to_numpy()
    assert calls.loc["2024-02", "observed"] == pytest.approx(seen)
    assert (calls["periods"] == 3).all()  # regression: a refactor once overwrote it with a bound
    assert calls.loc["2024-02", "mean"] == pytest.approx(seen + fc[0])
    assert calls.loc["2024-03", "mean"] == pytest.approx(fc[1:4].sum())
    # bounds are quantiles of the summed joint paths, not sums of the dekads' bounds
    paths = result.paths["local_calls"][:, 1:4].sum(axis=1)
    lo = calls.loc["2024-03", "mean"] + np.quantile(paths - paths.mean(), 0.1)
    assert calls.loc["2024-03", "lower_80"] == pytest.approx(lo)
    dekad_bounds = result.table[result.table["series"] == "local_calls"]["lower_80"].to_numpy()[1:4].sum()
    assert calls.loc["2024-03", "lower_80"] > dekad_bounds
    # coherent across series too
    total = months[months["series"] == "total"].set_index("date")["mean"]
    parts = months[months["series"].isin(["local_calls", "long_distance"])].groupby("date")["mean"].sum()
    np.testing.assert_allclose(total, parts.loc[total.index], rtol=1e-12)


def test_run_on_dekads_writes_month_sums(tmp_path, dekad_config):
    cfg = tmp_path / "dekad.toml"
    cfg.write_text(DEKAD_CONFIG)
    res = invoke("run", DEKAD, "--horizon", 36, "--config", cfg, "--output", tmp_path / "fc.csv")
    assert res.exit_code == 0, res.output
    months = pd.read_csv(tmp_path / "fc.month.csv", dtype={"date": str})
    assert list(months.columns[:4]) == ["date", "series", "mean", "lower_80"]
    assert months["date"].iloc[0] == "2025-01" and months["date"].nunique() == 12
    res = invoke("run", DEKAD, "--horizon", 3, "--config", cfg, "--aggregate", "none", "--output", tmp_path / "x.csv")
    assert res.exit_code == 0 and not (tmp_path / "x.month.csv").exists()
    res = invoke("run", DEKAD, "--horizon", 1, "--config", cfg, "--output", tmp_path / "y.csv")
    assert res.exit_code == 0 and "no whole month" in res.output and not (tmp_path / "y.month.csv").exists()


def test_a_year_the_data_do_not_cover_from_its_start_is_refused(data, config):
    late = data.cut(data.last)
    late = type(late)(late.frame[late.frame["ordinal"] >= data.period("2024-03")].reset_index(drop=True), late.freq,
                      late.style, late.source)
    with pytest.raises(InputDataError, match="after the start of 2024"):
        budget(late, 2024, targets={"total": 1.0}, as_of="2024-05", config=config)
