"""Habits people bring to a command line: -h is help, help ends with examples that work, `-`
reads stdin and writes stdout, Parquet goes in and out, progress only on a terminal, numbers
as precise as the input and no more, and Excel dates that are dates."""
import fcntl
import os
import pty
import shlex
import struct
import subprocess
import sys
import termios

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from forecast.cli.main import COMMANDS, main

COMMAND_PATHS = [[name] for name in COMMANDS if name != "ledger"] + [
    ["ledger"], *[["ledger", sub] for sub in ("list", "show", "actuals", "override", "accuracy")]]


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="forecast", **kwargs)


def _command(path):
    command = main
    for name in path:
        command = command.get_command(None, name)
    return command


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_dash_h_is_help_and_help_ends_with_examples_that_parse(path):
    res = invoke(*path, "-h")
    assert res.exit_code == 0 and res.output.startswith(f"Usage: forecast {' '.join(path)}"), res.output
    examples = res.output.split("Examples:")[-1].strip().splitlines()
    assert "Examples:" in res.output and 1 <= len(examples) <= 3
    for line in examples:
        words = shlex.split(line.split("|")[-1].split(">")[0])  # the forecast command of a pipeline
        assert words[0] == "forecast"
        depth = 2 if words[1] == "ledger" and len(words) > 2 and not words[2].startswith("-") else 1
        _command(words[1:1 + depth]).make_context(" ".join(words[1:1 + depth]), words[1 + depth:],
                                                  help_option_names=["-h", "--help"])


def test_the_horizon_has_its_own_short_option(sample, fast_config, tmp_path):
    out = tmp_path / "fc.csv"
    assert invoke("run", sample, "-H", 2, "--config", fast_config, "-o", out).exit_code == 0
    assert len(pd.read_csv(out)) == 2 * 9


def test_dash_reads_stdin_and_writes_stdout(sample, fast_config, tmp_path):
    res = CliRunner().invoke(main, ["run", "-", "-H", "2", "--config", str(fast_config), "-o", "-"],
                             input=sample.read_bytes())
    assert res.exit_code == 0, res.output
    piped = res.stdout.splitlines()
    assert piped[0] == "date,series,mean,lower_80,upper_80,lower_95,upper_95,model" and len(piped) == 1 + 2 * 9
    out = tmp_path / "fc.csv"
    assert invoke("run", sample, "-H", 2, "--config", fast_config, "-o", out).exit_code == 0
    assert out.read_text().splitlines() == piped


def test_parquet_in_and_out(sample, fast_config, tmp_path):
    table = pd.read_csv(sample)
    table.to_parquet(tmp_path / "revenue.parquet", index=False)
    for source, name in ((sample, "from_csv"), (tmp_path / "revenue.parquet", "from_parquet")):
        res = invoke("run", source, "-H", 3, "--config", fast_config, "-o", tmp_path / f"{name}.parquet")
        assert res.exit_code == 0, res.output
    from_csv = pd.read_parquet(tmp_path / "from_csv.parquet")
    pd.testing.assert_frame_equal(from_csv, pd.read_parquet(tmp_path / "from_parquet.parquet"))
    assert list(from_csv.columns) == ["date", "series", "mean", "lower_80", "upper_80", "lower_95", "upper_95", "model"]
    res = invoke("run", tmp_path / "from_csv.parquet", "-H", 3)  # a forecast is no revenue table: one line
    assert res.exit_code == 1 and "Traceback" not in res.output
    (tmp_path / "fake.parquet").write_text("date,component,value\n")
    res = invoke("run", tmp_path / "fake.parquet", "-H", 3)
    assert res.exit_code == 1 and "is not a Parquet file" in res.output


def test_numbers_are_written_to_the_inputs_precision_plus_two(sample, fast_config, tmp_path):
    out = tmp_path / "fc.csv"
    assert invoke("run", sample, "-H", 3, "--config", fast_config, "-o", out).exit_code == 0
    cells = [cell for line in out.read_text().splitlines()[1:] for cell in line.split(",")[2:7]]
    assert max(len(cell.split(".")[1]) for cell in cells if "." in cell) == 4  # the sample has two decimals


def test_verbose_tells_each_series_model_and_its_candidates(sample, fast_config):
    res = invoke("run", sample, "-H", 3, "--config", fast_config, "--verbose")
    assert res.exit_code == 0, res.output
    assert "broadband (fixed): log LinearTrend" in res.stderr and "candidates (rolling-origin error)" in res.stderr


def _on_a_terminal(args, cwd):
    """Run the command with stderr on a pseudo-terminal of 120 columns; what it drew there."""
    main_end, sub_end = pty.openpty()
    os.set_blocking(main_end, False)
    fcntl.ioctl(sub_end, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    done = subprocess.run([sys.executable, "-m", "forecast", *map(str, args)], stdout=subprocess.DEVNULL,
                          stderr=sub_end, cwd=cwd, timeout=600, check=False)
    os.close(sub_end)
    drawn = b""
    while True:
        try:
            chunk = os.read(main_end, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main_end)
    return done.returncode, drawn.decode(errors="replace")


def test_progress_only_on_a_terminal_and_quiet_silences_it(sample, fast_config, tmp_path):
    code, drawn = _on_a_terminal(["run", sample, "-H", 3, "--config", fast_config, "-o", tmp_path / "a.csv"], tmp_path)
    assert code == 0 and "fitting 6 series" in drawn and "reading" in drawn, drawn[-1000:]
    code, drawn = _on_a_terminal(["run", sample, "-H", 3, "--config", fast_config, "-q", "-o", tmp_path / "b.csv"],
                                 tmp_path)
    assert code == 0 and "fitting" not in drawn and "\r" not in drawn.replace("\r\n", "")
    piped = subprocess.run([sys.executable, "-m", "forecast", "run", str(sample), "-H", "3", "--config",
                            str(fast_config), "-o", str(tmp_path / "c.csv")], capture_output=True, text=True,
                           timeout=600, check=False)
    assert piped.returncode == 0 and "\r" not in piped.stderr and "fitting" not in piped.stderr


def test_excel_dates_are_dates_and_percentages_share_one_format(sample, fast_config, tmp_path):
    out = tmp_path / "fc.xlsx"
    assert invoke("run", sample, "-H", 3, "--config", fast_config, "-o", out).exit_code == 0
    sheet = openpyxl.load_workbook(out)["forecast"]
    assert sheet.auto_filter.ref == sheet.dimensions and sheet.freeze_panes == "A2"
    dates = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.is_date and cell.number_format == "yyyy-mm" for cell in dates)
    assert dates[0].value.strftime("%Y-%m") == "2025-01"
    budget = tmp_path / "b.xlsx"
    assert invoke("budget", sample, "--year", 2024, "--as-of", "2024-05", "--target", 158000, "--config",
                  fast_config, "-o", budget).exit_code == 0
    book = openpyxl.load_workbook(budget)
    formats = set()
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        for j, name in enumerate(header):
            if str(name).endswith("_pct") or str(name).startswith("prob_") or name == "phase_weight":
                formats |= {ws.cell(row=i, column=j + 1).number_format for i in range(2, ws.max_row + 1)
                            if ws.cell(row=i, column=j + 1).value is not None}
    summary = book["summary"]
    for row in summary.iter_rows(min_row=2):
        if row[0].value.endswith("_pct") or row[0].value.startswith("prob_"):
            formats |= {c.number_format for c in row[1:]}
    assert formats == {"0.00%"}


def test_shell_completion_completes_commands_and_options():
    def complete(words, cword):
        env = {**os.environ, "_FORECAST_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        done = subprocess.run([sys.executable, "-m", "forecast"], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert "plain,run" in complete("forecast ru", 1)
    assert "plain,--horizon" in complete("forecast run --hor", 2)
    assert "plain,--criterion" in complete("forecast backtest --cri", 2)
