"""The command line: contract names, outputs, and one-line errors for bad input."""
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli.main import main

CONTRACT = ["date", "series", "mean", "lower_80", "upper_80", "lower_95", "upper_95", "model"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_every_command_has_help():
    import click

    names = main.list_commands(click.Context(main))
    assert names == ["backtest", "batch", "budget", "classify", "demo", "ledger", "plot", "review", "run"]
    for name in names:
        assert main.get_command(click.Context(main), name).help, name
        assert invoke(name, "--help").exit_code == 0


def test_run_writes_the_contract_columns_and_is_coherent(sample, fast_config, tmp_path):
    out = tmp_path / "fc.csv"
    result = invoke("run", sample, "--horizon", 12, "--train-end", "2023-12", "--config", fast_config, "--output", out)
    assert result.exit_code == 0, result.output
    fc = pd.read_csv(out)
    assert list(fc.columns) == CONTRACT
    assert fc["date"].iloc[0] == "2024-01" and fc["date"].iloc[11] == "2024-12"
    wide = fc.pivot(index="date", columns="series", values="mean")
    fixed = wide[["broadband", "rental_new_services", "other_data"]].sum(axis=1)
    fluct = wide[["local_calls", "long_distance", "mobile_data"]].sum(axis=1)
    # written to four decimals (the input's two plus two): sums agree to the rounding of their parts
    half_unit = 0.5e-4
    np.testing.assert_allclose(wide["group:fixed"], fixed, rtol=0, atol=4 * half_unit)
    np.testing.assert_allclose(wide["group:fluctuating"], fluct, rtol=0, atol=4 * half_unit)
    np.testing.assert_allclose(wide["total"], fixed + fluct, rtol=0, atol=7 * half_unit)
    assert (fc["lower_95"] <= fc["lower_80"]).all() and (fc["lower_80"] <= fc["mean"]).all()
    assert (fc["mean"] <= fc["upper_80"]).all() and (fc["upper_80"] <= fc["upper_95"]).all()


def test_train_end_equals_cutting_the_file(sample, fast_config, tmp_path):
    cut = tmp_path / "cut.csv"
    frame = pd.read_csv(sample, dtype=str)
    frame[frame["date"] <= "2023-12"].to_csv(cut, index=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert invoke("run", sample, "-H", 6, "--train-end", "2023-12", "--config", fast_config, "-o", a).exit_code == 0
    assert invoke("run", cut, "-H", 6, "--config", fast_config, "-o", b).exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(a), pd.read_csv(b))


def test_levels_xlsx_and_json_outputs(sample, fast_config, tmp_path):
    xlsx, js = tmp_path / "fc.xlsx", tmp_path / "fc.json"
    args = ["run", sample, "-H", 3, "--config", fast_config, "--level", 90]
    assert invoke(*args, "-o", xlsx).exit_code == 0
    assert invoke(*args, "-o", js).exit_code == 0
    book = pd.read_excel(xlsx)
    assert list(book.columns) == ["date", "series", "mean", "lower_90", "upper_90", "model"]
    records = json.loads(js.read_text())
    assert len(records) == len(book) == 3 * 9
    np.testing.assert_allclose([r["mean"] for r in records], book["mean"], rtol=1e-9)


def test_wide_csv_and_database_inputs_give_the_same_forecast(sample, fast_config, tmp_path):
    long = pd.read_csv(sample)
    wide = long.pivot(index="date", columns="component", values="value").reset_index()
    wide_path = tmp_path / "wide.csv"
    wide.to_csv(wide_path, index=False)
    db = tmp_path / "rev.db"
    with sqlite3.connect(db) as con:
        long.to_sql("revenue", con, index=False)
    outs = []
    for i, source in enumerate([[sample], [wide_path], ["--db", f"sqlite:///{db}", "--query", "SELECT * FROM revenue"]]):
        out = tmp_path / f"o{i}.csv"
        result = invoke("run", *source, "-H", 3, "--config", fast_config, "-o", out)
        assert result.exit_code == 0, result.output
        outs.append(pd.read_csv(out).set_index(["series", "date"]).sort_index())
    pd.testing.assert_frame_equal(outs[0], outs[1])
    pd.testing.assert_frame_equal(outs[0], outs[2])


def test_classify_command(sample, tmp_path):
    out = tmp_path / "cls.csv"
    assert invoke("classify", sample, "-o", out).exit_code == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["component", "group", "trend_strength", "seasonal_strength", "period"]


def _bad(tmp_path, text, name="bad.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD_HEAD = "date,component,value\n" + "".join(f"2023-{m:02d},a,{100 + m}\n" for m in range(1, 13))


@pytest.mark.parametrize("text, needle", [
    ("", "empty"),
    ("date,component,value\n", "no data rows"),
    ("component,when,value\na,2023-01,1\n", "no column 'date'"),
    ("date,component\n2023-01,a\n", "column 'value'"),
    (GOOD_HEAD + "2024-13,a,5\n", "row 14, column 'date'"),
    (GOOD_HEAD + "2024-01,a,abc\n", "row 14, column 'value': 'abc' is not a number"),
    (GOOD_HEAD + "2024-01,a,\n", "row 14, column 'value' is empty"),
    (GOOD_HEAD + "2023-12,a,5\n", "rows 13 and 14 both give a at 2023-12"),
    (GOOD_HEAD + "2024-03,a,5\n", "no row for 2024-01"),
    (GOOD_HEAD + "2024-01-01,a,5\n", "mixes forms"),
    ("date,component,value\n2023-01,a,1\n2023-02,a,2\n", "only 2 period(s)"),
    (GOOD_HEAD + "".join(f"2023-{m:02d},b,1\n" for m in range(1, 11)), "b ends at 2023-10"),
    (GOOD_HEAD.replace("date,component,value", "date,component,value,group").replace("\n2023", ",fixed\n2023")
     .replace(",112\n", ",112,wobbly\n"), "'wobbly' is not a group"),
])
def test_bad_input_exits_1_with_one_line(tmp_path, text, needle):
    result = invoke("run", _bad(tmp_path, text), "-H", 3)
    assert result.exit_code == 1, result.output
    message = result.output.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert needle in message
    assert "bad.csv" in message or needle == "empty"


def test_bad_options_and_config(sample, tmp_path):
    cfg = _bad(tmp_path, "[forecast]\nwindw = 24\n", "c.toml")
    r = invoke("run", sample, "-H", 3, "--config", cfg)
    assert r.exit_code == 1 and "unknown key 'windw'" in r.output
    cfg = _bad(tmp_path, "[components.nope]\nmodel = 'ets'\n", "c2.toml")
    r = invoke("run", sample, "-H", 3, "--config", cfg)
    assert r.exit_code == 1 and "names no component" in r.output
    r = invoke("run", sample, "-H", 3, "--train-end", "last year")
    assert r.exit_code == 1 and "--train-end" in r.output
    r = invoke("run", sample, "-H", 3, "--window", "two")
    assert r.exit_code == 1 and "window" in r.output
    r = invoke("run", sample, "-H", 3, "--strategy", "by_brand")
    assert r.exit_code == 1 and "strategy 'by_brand' is not known" in r.output
    cfg = _bad(tmp_path, "[groupings.by_brand]\nall = ['broadband']\n", "c3.toml")
    r = invoke("run", sample, "-H", 3, "--strategy", "by_brand", "--config", cfg)
    assert r.exit_code == 1 and "'rental_new_services' is in no group" in r.output
    assert invoke("run", sample).exit_code == 2  # missing --horizon is a usage error
    assert invoke("run", tmp_path / "missing.csv", "-H", 3).exit_code == 1


def test_regressors_must_cover_the_horizon(sample, fast_config, tmp_path):
    months = pd.period_range("2017-01", "2024-06", freq="M").strftime("%Y-%m")
    reg = tmp_path / "reg.csv"
    pd.DataFrame({"date": months, "promo": np.arange(len(months)) % 5}).to_csv(reg, index=False)
    r = invoke("run", sample, "-H", 3, "--train-end", "2024-06", "--regressors", reg, "--config", fast_config)
    assert r.exit_code == 1 and "future values must be known" in r.output
    out = tmp_path / "fc.csv"
    r = invoke("run", sample, "-H", 3, "--train-end", "2024-03", "--regressors", reg, "--config", fast_config, "-o", out)
    assert r.exit_code == 0, r.output


def test_failed_write_leaves_no_file(sample, fast_config, tmp_path):
    r = invoke("run", sample, "-H", 3, "--config", fast_config, "-o", tmp_path / "nodir" / "fc.csv")
    assert r.exit_code == 1 and "does not exist" in r.output
    assert not (tmp_path / "nodir").exists()


def test_plot_command_writes_an_image(sample, fast_config, tmp_path):
    out = tmp_path / "fan.png"
    r = invoke("plot", sample, "-H", 12, "--train-end", "2023-12", "--config", fast_config, "--series", "total",
               "--series", "mobile_data", "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_outputs_to_a_pipe_or_through_a_symlink_keep_what_they_are(tmp_path):
    """A rename onto /dev/null (as root) would replace the device with a file: a path that is
    not a regular file is written into; a symlink keeps pointing at its (replaced) target."""
    import os
    import threading

    from forecast.io.files import write_table

    table = pd.DataFrame({"series": ["total"], "mean": [1.5]})
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()))
    reader.start()
    write_table(table, pipe)
    reader.join(timeout=10)
    assert received == ["series,mean\ntotal,1.5\n"]
    assert not pipe.is_file() and pipe.exists()  # still a pipe
    target, link = tmp_path / "real.csv", tmp_path / "link.csv"
    target.write_text("old")
    link.symlink_to(target)
    write_table(table, link)
    assert link.is_symlink() and target.read_text() == "series,mean\ntotal,1.5\n"


def test_output_dash_writes_csv_to_stdout(sample, fast_config, tmp_path, monkeypatch):
    import io

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", str(sample), "-H", "2", "--config", str(fast_config), "-o", "-"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == CONTRACT and len(table) == 2 * 9
    assert not (tmp_path / "-").exists()
