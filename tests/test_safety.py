"""Nothing of the user's is ever damaged, and every failure is one line: outputs that would
overwrite an input are refused before any work, a failed or interrupted run leaves every file
as it was, options that would be ignored are usage errors, and no command ends in a traceback."""
import functools
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.conftest import ROOT, SAMPLE
from tests.test_cli import invoke

UNITS = ROOT / "data" / "units_monthly.csv"


def fingerprint(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_error(result, code=1):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("make_args", [
    lambda d: ["run", d / "revenue.csv", "-H", 3, "-o", d / "revenue.csv"],
    lambda d: ["run", d / "revenue.csv", "-H", 3, "--plot", d / "revenue.csv"],
    lambda d: ["run", d / "revenue.csv", "-H", 3, "--config", d / "fast.toml", "-o", d / "fast.toml"],
    lambda d: ["run", d / "fc.month.csv", "-H", 3, "-o", d / "fc.csv"],  # STEM.month.csv would be written
    lambda d: ["budget", d / "revenue.csv", "--year", 2024, "--targets", d / "t.csv", "-o", d / "t.csv"],
    lambda d: ["run", d / "revenue.csv", "-H", 3, "--save", "--ledger", d / "l.sqlite", "-o", d / "l.sqlite"],
    lambda d: ["classify", d / "revenue.csv", "-o", d / "REVENUE.csv" if (d / "REVENUE.csv").exists() else
               d / "revenue.csv"],
    lambda d: ["batch", d / "units.csv", "--id-col", "unit", "-H", 3, "-o", d / "units.csv"],
    lambda d: ["backtest", d / "metrics.csv", "-H", 3, "-o", d],
    lambda d: ["ledger", "list", "--ledger", d / "l.sqlite", "-o", d / "l.sqlite"],
    lambda d: ["run", "--db", f"sqlite:///{d / 'r.db'}", "--query", "SELECT * FROM revenue", "-H", 3, "-o",
               d / "r.db"],
], ids=["output=input", "plot=input", "output=config", "beside-output=input", "output=targets",
        "output=ledger", "classify", "batch", "backtest-dir", "ledger-list", "output=sqlite"])
def test_an_output_never_overwrites_what_the_run_reads(tmp_path, fast_config, make_args):
    for name in ("revenue.csv", "fc.month.csv", "metrics.csv"):
        shutil.copy(SAMPLE, tmp_path / name)
    shutil.copy(UNITS, tmp_path / "units.csv")
    (tmp_path / "t.csv").write_text("series,target\ntotal,170000\n")
    (tmp_path / "l.sqlite").write_bytes(b"")
    import sqlite3

    with sqlite3.connect(tmp_path / "r.db") as con:
        pd.read_csv(SAMPLE).to_sql("revenue", con, index=False)
    before = fingerprint(tmp_path)
    message = one_line_error(invoke(*make_args(tmp_path)))
    assert "which this run reads" in message
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize("extra, needle, code", [
    (["-o", "{d}"], "is a folder", 1),
    (["-o", "{d}/fc.txt"], "cannot write .txt; use .csv, .xlsx, .json, .parquet", 1),
    (["-o", "{d}/fc"], "cannot write a file without an extension", 1),
    (["--plot", "{d}/fc.bmpx"], "cannot write .bmpx", 1),
    (["-o", "{d}/missing/fc.csv"], "does not exist; create it first", 1),
    (["-o", "/proc/fc.csv"], "nothing written", 1),
    (["--train-end", "2031-01"], "after the data's last period 2024-12", 1),
    (["-H", "400"], "more than 10 years (120 months)", 1),
    (["-H", "100000"], "not in the range", 2),
])
def test_run_refuses_what_it_cannot_do_before_fitting(sample, tmp_path, extra, needle, code):
    args = [a.format(d=tmp_path) if isinstance(a, str) else a for a in extra]
    horizon = [] if "-H" in args else ["-H", 3]
    start = time.perf_counter()
    result = invoke("run", sample, *horizon, *args)
    assert result.exit_code == code, result.output
    assert needle in result.output and "Traceback" not in result.output
    if needle != "nothing written":
        assert time.perf_counter() - start < 5  # refused before any model is fitted


def test_a_failure_after_the_first_output_leaves_every_file_as_it_was(sample, fast_config, tmp_path, monkeypatch):
    import forecast.output.plot

    out, fig = tmp_path / "fc.csv", tmp_path / "fc.png"
    out.write_text("the user's old forecast\n")
    before = fingerprint(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("the plotting library failed")

    monkeypatch.setattr(forecast.output.plot, "plot_result", broken)  # imported when --plot is given
    result = invoke("run", sample, "-H", 3, "--config", fast_config, "-o", out, "--plot", fig)
    assert "unexpected RuntimeError" in one_line_error(result) and "nothing written" in result.output
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize("args, needle", [
    (["backtest", "{s}", "-H", 3, "-o", "{d}/bt", "--id-col", "unit", "--config", "{c}"], "--config does not apply"),
    (["backtest", "{s}", "-H", 3, "-o", "{d}/bt", "--engine", "dask"], "--engine does not apply without --id-col"),
    (["backtest", "{s}", "-H", 3, "-o", "{d}/bt", "--season-length", 12], "--season-length does not apply"),
    (["batch", "{u}", "--id-col", "unit", "-H", 3, "-o", "{d}/b.csv", "--reconcile", "bottom_up"],
     "--reconcile does not apply without --hierarchy"),
    (["batch", "{u}", "--id-col", "unit", "-H", 3, "-o", "{d}/b.csv", "--scheduler", "tcp://127.0.0.1:1"],
     "--scheduler goes with --engine dask"),
    (["run", "{s}", "-H", 3, "--db", "sqlite:///x.db", "--query", "SELECT 1"], "not both"),
    (["run", "{s}", "-H", 3, "--sheet", "Data"], "--sheet 'Data' is for .xlsx input"),
    (["plot", "{s}", "-H", 3, "-o", "{d}/p.png", "--run", 1], "--run does not apply without --ledger"),
    (["plot", "{s}", "--ledger", "{d}/l.sqlite", "--series", "total", "-o", "{d}/p.png"], "INPUT does not apply"),
    (["budget", "{s}", "--year", 2024, "--target", 1, "--plot-series", "total"], "--plot-series does not apply"),
])
def test_options_that_a_mode_would_ignore_are_refused(sample, fast_config, tmp_path, args, needle):
    filled = [a.format(s=sample, d=tmp_path, c=fast_config, u=UNITS) if isinstance(a, str) else a for a in args]
    result = invoke(*filled)
    assert result.exit_code in (1, 2), result.output
    assert needle in result.output and "Traceback" not in result.output


BAD_FILES = {
    "missing.csv": None,
    "folder": "dir",
    "empty.csv": b"",
    "binary.csv": bytes(range(256)) * 8,
    "renamed.xlsx": b"date,component,value\n2024-01,a,1\n",
    "broken.xlsx": b"PK\x03\x04" + b"\0" * 64,
    "old.xls": b"\xd0\xcf\x11\xe0" + b"\0" * 64,
    "header_only.csv": b"date,component,value\n",
    "text.csv": "说明\n本文件没有数据\n".encode("gb18030"),
    "two_totals.csv": b"date,a,b,total\n2024-01,1,2,9\n2024-02,1,2,3\n2024-03,1,2,3\n",
}


@pytest.mark.parametrize("name", list(BAD_FILES))
@pytest.mark.parametrize("command", [
    ["run", "{f}", "-H", 3], ["classify", "{f}"], ["budget", "{f}", "--year", 2024, "--target", 100],
    ["backtest", "{f}", "-H", 3, "-o", "{d}/bt"], ["plot", "{f}", "-H", 3, "-o", "{d}/p.png"],
    ["batch", "{f}", "--id-col", "unit", "-H", 3, "-o", "{d}/b.csv"], ["ledger", "actuals", "{f}", "--ledger",
                                                                        "{d}/l.sqlite"],
], ids=lambda c: c[0] if isinstance(c, list) and c[0] != "ledger" else "ledger-actuals")
def test_no_command_ends_in_a_traceback_on_a_bad_file(tmp_path, name, command):
    path = tmp_path / name
    content = BAD_FILES[name]
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    before = fingerprint(tmp_path)
    args = [a.format(f=path, d=tmp_path) if isinstance(a, str) else a for a in command]
    result = invoke(*args)
    one_line_error(result, code=result.exit_code if result.exit_code in (1, 2) else 1)
    after = fingerprint(tmp_path)
    assert {k: v for k, v in after.items() if k != "l.sqlite"} == before


@functools.cache
def _interpreter_start() -> float:
    """Seconds Python takes to start before it runs any of the toolkit's code: a Ctrl-C inside them
    meets Python's own handler (a traceback from `import site`), which no program can replace."""
    def once():
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        return time.perf_counter() - start
    return min(once() for _ in range(3))


def _interrupt(args, cwd, after, group):
    """Ctrl-C `after` seconds into the toolkit's own part of a run."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "forecast", *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    time.sleep(_interpreter_start() + after)
    if group:
        os.killpg(proc.pid, signal.SIGINT)  # as the terminal's Ctrl-C does: every process of the command
    else:
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def test_ctrl_c_once_the_outputs_are_being_put_in_place_lets_the_run_finish(monkeypatch):
    """Before, a Ctrl-C landing between the last write and the exit killed a run that had written
    its outputs (exit -2, or 130 with "nothing written"); a `forecast run` of about 2 s met it."""
    from forecast.cli import entry, interrupts

    monkeypatch.setattr(interrupts, "_finishing", [])
    monkeypatch.setattr(interrupts, "_received", [])
    with pytest.raises(KeyboardInterrupt):
        entry._on_interrupt(signal.SIGINT, None)
    monkeypatch.setattr(interrupts, "_received", [])
    interrupts.finishing()
    previous = signal.getsignal(signal.SIGINT)
    try:
        assert entry._on_interrupt(signal.SIGINT, None) is None and not interrupts.was_interrupted()
        # ignored by the OS from now on: Python restores the default handler while it shuts down,
        # and a Ctrl-C then killed a run that had written its outputs (CI: 2 of 4 tries, exit -2)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_python_swallowed_still_stops_the_run_before_it_writes(monkeypatch, tmp_path, capsys):
    """A Ctrl-C landing in a callback Python runs for itself (an import lock's weakref callback)
    cannot propagate: before, Python printed it as an ignored exception with a traceback and the
    run went on to write its outputs (test_safety's 0.6 s interrupt met it once)."""
    import weakref

    from forecast.cli import common, entry, interrupts

    monkeypatch.setattr(interrupts, "_finishing", [])
    monkeypatch.setattr(interrupts, "_received", [])
    monkeypatch.setattr(sys, "unraisablehook", entry._quiet_interrupt)
    target = tmp_path / "fc.csv"

    class Thing:
        pass

    @common.friendly
    def command():
        thing = Thing()
        weakref.finalize(thing, entry._on_interrupt, signal.SIGINT, None)
        del thing  # the finaliser raises KeyboardInterrupt inside a callback: Python swallows it
        target.write_text("half a forecast\n")

    with pytest.raises(common.Interrupted):
        command()
    assert interrupts.was_interrupted() and "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("after, group", [(0.05, False), (0.6, True), (2.5, False), (2.5, True)])
def test_ctrl_c_at_any_moment_exits_130_and_writes_nothing(tmp_path, after, group):
    shutil.copy(SAMPLE, tmp_path / "revenue.csv")
    (tmp_path / "fc.csv").write_text("the user's old forecast\n")
    before = fingerprint(tmp_path)
    code, err = _interrupt(["run", "revenue.csv", "-H", 12, "--jobs", 2, "-o", "fc.csv", "--plot", "fc.png"],
                           tmp_path, after, group)
    if code == 0:  # the run had finished, or was putting its outputs in place: all of them are there
        assert len(pd.read_csv(tmp_path / "fc.csv")) == 108 and (tmp_path / "fc.png").stat().st_size > 0, err
        assert "Traceback" not in err
        return
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "Error: interrupted; nothing written"
    assert "Traceback" not in err
    assert fingerprint(tmp_path) == before
