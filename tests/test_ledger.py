"""The forecast ledger on SQLite always, and on a real PostgreSQL server when FORECAST_TEST_PG
holds an admin URL (.ci/run starts one: scripts/start_test_postgres.sh)."""
import multiprocessing
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import forecast
from forecast.cli.main import main
from forecast.config import load_config
from forecast.errors import ConfigError, InputDataError
from forecast.pipeline import run_forecast
from forecast.planning.ledger import Ledger, actual_rows, record_run
from forecast.planning.ledger.schema import upgrade_schema
from tests.conftest import FAST_CONFIG, SAMPLE, throwaway_postgres

TRAIN_ENDS = [f"2023-{m:02d}" for m in range(1, 13)]


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.sqlite")
        return
    with throwaway_postgres("ledger") as url:
        yield url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def monthly_runs(tmp_path_factory):
    """Twelve monthly vintages of the sample (train ends 2023-01 ... 2023-12), quick models."""
    path = tmp_path_factory.mktemp("cfg") / "fast.toml"
    path.write_text(FAST_CONFIG)
    config = load_config(path)
    full = forecast.load(SAMPLE)
    runs = []
    for end in TRAIN_ENDS:
        data = full.cut(full.period(end))
        result = run_forecast(data, 12, config=config)
        runs.append((data, result, record_run("run", data, result, options={"horizon": 12, "train_end": end},
                                              note=f"vintage {end}")))
    return full, runs


def test_accuracy_by_lead_matches_errors_recomputed_by_hand(location, monthly_runs):
    full, runs = monthly_runs
    with Ledger(location) as ledger:
        ids = [ledger.save(record) for _, _, record in runs]
        ledger.load_actuals(actual_rows(full), "sample")
        scores = ledger.accuracy()
        listed = ledger.runs()
    assert ids == list(range(1, 13))
    assert list(listed["train_end"]) == TRAIN_ENDS and list(listed["note"]) == [f"vintage {e}" for e in TRAIN_ENDS]
    table = scores["accuracy"]
    assert list(table.columns[:7]) == ["run_id", "train_end", "series", "lead", "n", "mape", "bias"]
    wide = full.wide()
    wide.columns = list(wide.columns)
    groups = {c.component: c.group for c in runs[0][1].classifications}
    for g in ("fixed", "fluctuating"):
        wide[f"group:{g}"] = wide[[c for c in groups if groups[c] == g]].sum(axis=1)
    wide["total"] = wide[full.components].sum(axis=1)
    expected = []
    for run_id, (data, result, _) in zip(ids, runs):
        for row in result.table.itertuples():
            if row.ordinal > full.last:
                continue
            actual = wide.loc[row.ordinal, row.series]
            expected.append({"run_id": run_id, "series": row.series, "lead": row.ordinal - data.last,
                             "mape_hand": abs(row.mean - actual) / actual * 100, "bias_hand": row.mean - actual})
    merged = table.merge(pd.DataFrame(expected), on=["run_id", "series", "lead"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert len(merged) == 12 * 9 * 12  # every vintage's 12 leads have arrived in the sample (to 2024-12)
    np.testing.assert_allclose(merged["mape"], merged["mape_hand"], rtol=1e-12)
    np.testing.assert_allclose(merged["bias"], merged["bias_hand"], rtol=1e-9, atol=1e-9)
    by_lead = scores["by_lead"]
    total_1 = by_lead[(by_lead["series"] == "total") & (by_lead["lead"] == 1)].iloc[0]
    assert total_1["n"] == 12
    assert total_1["mape"] == pytest.approx(merged[(merged.series == "total") & (merged.lead == 1)]["mape_hand"].mean())


def test_stored_forecast_is_the_issued_one_and_the_year_end_projection_adds_actuals(location, monthly_runs):
    full, runs = monthly_runs
    data, result, record = runs[5]  # trained to 2023-06
    with Ledger(location) as ledger:
        run_id = ledger.save(record)
        shown = ledger.show(run_id)
        models = ledger.models(run_id)
        ledger.load_actuals(actual_rows(full), "sample")
        annual = ledger.accuracy()["annual"]
    issued = result.table.drop(columns="ordinal").reset_index(drop=True)
    pd.testing.assert_frame_equal(shown[issued.columns], issued, check_exact=False, rtol=1e-13)
    assert set(models["series"]) == set(issued["series"])
    wide = full.wide()
    row = annual[(annual["series"] == "broadband") & (annual["year"] == 2023)].iloc[0]
    jan, jun, dec = full.period("2023-01"), full.period("2023-06"), full.period("2023-12")
    fc = result.table[(result.table.series == "broadband") & (result.table.ordinal <= dec)]["mean"].sum()
    assert row["projected"] == pytest.approx(wide.loc[jan:jun, "broadband"].sum() + fc, rel=1e-12)
    assert row["actual"] == pytest.approx(wide.loc[jan:dec, "broadband"].sum(), rel=1e-12)
    assert row["error_pct"] == pytest.approx((row["projected"] / row["actual"] - 1) * 100)


def test_actuals_load_twice_changes_nothing_and_a_revision_is_kept(location, monthly_runs):
    full, runs = monthly_runs
    rows = actual_rows(full)
    with Ledger(location) as ledger:
        first = ledger.load_actuals(rows, "a.csv")
        again = ledger.load_actuals(rows, "a.csv")
        history_before = ledger.actuals(revisions=True)
        revised = rows.copy()
        hit = (revised["series"] == "broadband") & (revised["date"] == "2024-03")
        revised.loc[hit, "value"] += 100.0
        third = ledger.load_actuals(revised, "b.csv")
        history = ledger.actuals(revisions=True)
        latest = ledger.actuals()
    assert (first.new, first.revised, first.unchanged) == (len(rows), 0, 0)
    assert (again.new, again.revised, again.unchanged) == (0, 0, len(rows))
    assert len(history_before) == len(rows)
    assert (third.new, third.revised, third.unchanged) == (0, 1, len(rows) - 1)
    kept = history[(history["series"] == "broadband") & (history["date"] == "2024-03")].sort_values("revision")
    assert list(kept["revision"]) == [1, 2] and list(kept["source"]) == ["a.csv", "b.csv"]
    assert kept["value"].iloc[1] - kept["value"].iloc[0] == pytest.approx(100.0)
    now = latest[(latest["series"] == "broadband") & (latest["date"] == "2024-03")]["value"].iloc[0]
    assert now == pytest.approx(kept["value"].iloc[1])


def test_an_override_moves_its_groups_and_is_scored_beside_the_statistical_value(location, monthly_runs):
    full, runs = monthly_runs
    data, result, record = runs[11]  # trained to 2023-12
    with Ledger(location) as ledger:
        run_id = ledger.save(record)
        ledger.load_actuals(actual_rows(full), "sample")
        ledger.override(run_id, "broadband", "2024-03", 1.0, "first try")
        lead = ledger.override(run_id, "broadband", "2024-03", 3300.0, "price rise in March")  # the later one counts
        shown = ledger.show(run_id)
        scores = ledger.accuracy()["accuracy"]
        with pytest.raises(InputDataError, match="no series 'fiber'"):
            ledger.override(run_id, "fiber", "2024-03", 1.0, "x")
        with pytest.raises(InputDataError, match="2024-01 to 2024-12"):
            ledger.override(run_id, "broadband", "2025-03", 1.0, "x")
        assert len(ledger.overrides(run_id)) == 2
    assert lead == 3
    march = shown[shown["date"] == "2024-03"].set_index("series")
    delta = 3300.0 - march.loc["broadband", "mean"]
    group = next(c.group for c in result.classifications if c.component == "broadband")
    assert march.loc["broadband", "adjusted"] == 3300.0
    assert march.loc["broadband", "override_comment"] == "price rise in March"
    for series in (f"group:{group}", "total"):
        assert march.loc[series, "adjusted"] == pytest.approx(march.loc[series, "mean"] + delta, rel=1e-12)
    assert march.loc["local_calls", "adjusted"] == march.loc["local_calls", "mean"]
    actual = full.wide().loc[full.period("2024-03"), "broadband"]
    row = scores[(scores.run_id == run_id) & (scores.series == "broadband") & (scores.lead == 3)].iloc[0]
    assert row["mape_adjusted"] == pytest.approx(abs(3300.0 - actual) / actual * 100)
    assert row["value_added"] == pytest.approx(row["mape"] - row["mape_adjusted"])
    assert scores[(scores.run_id == run_id) & (scores.lead != 3)]["mape_adjusted"].isna().all()


def _save_in_process(args):
    location, record = args
    with Ledger(location) as ledger:
        return ledger.save(record)


@pytest.mark.slow
def test_eight_processes_saving_at_once_all_land_complete(location, monthly_runs):
    _, runs = monthly_runs
    records = [record for _, _, record in runs[:8]]
    # the ledger does not exist yet: the eight also race to create it
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        ids = pool.map(_save_in_process, [(location, r) for r in records])
    assert sorted(ids) == list(range(1, 9))
    with Ledger(location) as ledger:
        assert len(ledger.runs()) == 8
        for run_id, record in zip(ids, records):
            shown = ledger.show(run_id)
            assert len(shown) == len(record.forecasts)
            assert ledger.runs().set_index("run_id").loc[run_id, "train_end"] == record.run["train_end"]


KILLER = """
import os, signal, sys
from forecast.planning.ledger import Ledger
import forecast.planning.ledger.store as store
import pickle
record = pickle.load(open(sys.argv[2], "rb"))

class Midway(list):
    # the forecasts are written after the run and its models: die there, inside the transaction
    def __getitem__(self, *args):
        os.kill(os.getpid(), signal.SIGKILL)
    __iter__ = __getitem__

from dataclasses import replace
Ledger(sys.argv[1]).save(replace(record, forecasts=Midway(record.forecasts)))
"""


def test_a_run_killed_while_it_saves_leaves_nothing(location, monthly_runs, tmp_path):
    import pickle

    _, runs = monthly_runs
    record_file = tmp_path / "record.pkl"
    record_file.write_bytes(pickle.dumps(runs[0][2]))
    script = tmp_path / "killer.py"
    script.write_text(textwrap.dedent(KILLER))
    done = subprocess.run([sys.executable, str(script), location, str(record_file)], capture_output=True)
    assert done.returncode == -9, done.stderr.decode()[-500:]
    with Ledger(location) as ledger:
        assert ledger.runs().empty
        with ledger.reader.connect() as conn:
            for table in ("run_series", "forecasts", "intervals"):
                assert conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0
        assert ledger.save(runs[0][2]) >= 1  # and the ledger still works


def test_ctrl_c_while_saving_rolls_the_run_back(tmp_path, monthly_runs):
    from dataclasses import replace

    _, runs = monthly_runs

    class Interrupted(list):
        def __getitem__(self, *args):
            raise KeyboardInterrupt
        __iter__ = __getitem__

    with Ledger(str(tmp_path / "l.sqlite")) as ledger:
        with pytest.raises(KeyboardInterrupt):
            ledger.save(replace(runs[0][2], forecasts=Interrupted(runs[0][2].forecasts)))
        assert ledger.runs().empty


def test_a_ledger_of_the_first_schema_opens_and_upgrades(location, monthly_runs):
    _, runs = monthly_runs
    from forecast.planning.ledger.location import ledger_url, sqlite_engine

    target = ledger_url(location)
    engine = sqlite_engine(target) if target.get_backend_name() == "sqlite" else sa.create_engine(target)
    upgrade_schema(engine, "0001")
    record = runs[0][2]
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        assert "overrides" not in meta.tables
        conn.execute(meta.tables["runs"].insert().values(run_id=1, created=pd.Timestamp("2024-01-05", tz="UTC"),
                                                        user_name="old", **record.run))
        for name, rows in (("run_series", record.series), ("forecasts", record.forecasts),
                           ("intervals", record.intervals)):
            conn.execute(meta.tables[name].insert(), [{"run_id": 1, **r} for r in rows])
    engine.dispose()
    with Ledger(location) as ledger:
        assert ledger.schema_version() == "0002"
        assert list(ledger.runs()["user_name"]) == ["old"]
        assert ledger.override(1, "total", "2023-03", 12000.0, "after the upgrade") == 2
        assert len(ledger.show(1)) == len(record.forecasts)


def new_ledger_altered(path, sql: str) -> str:
    """A new SQLite ledger changed behind the toolkit's back by `sql`."""
    Ledger(str(path)).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()
    return str(path)


def test_a_ledger_from_a_newer_version_is_refused(tmp_path):
    path = new_ledger_altered(tmp_path / "l.sqlite", "UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(ConfigError, match="newer version"):
        Ledger(str(path))


def test_cli_save_list_show_actuals_override_accuracy_and_vintage_plot(location, sample, fast_config, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("FORECAST_LEDGER", str(tmp_path / "env.sqlite"))
    runner = CliRunner()
    ledger = ["--ledger", location]
    common = ["--config", str(fast_config)]
    out = tmp_path / "run.csv"
    for end in ("2023-11", "2023-12"):
        done = runner.invoke(main, ["run", str(sample), "--horizon", "12", "--train-end", end, "--output", str(out),
                                    "--save", "--note", f"to {end}", *common, *ledger])
        assert done.exit_code == 0, done.output
    assert "saved as run 2" in done.output
    done = runner.invoke(main, ["budget", str(sample), "--year", "2024", "--as-of", "2024-05", "--target", "158000",
                                "--save", *common, *ledger])
    assert done.exit_code == 0, done.output
    listed = tmp_path / "list.csv"
    assert runner.invoke(main, ["ledger", "list", "--output", str(listed), *ledger]).exit_code == 0
    runs = pd.read_csv(listed)
    assert list(runs.columns[:6]) == ["run_id", "created", "command", "train_end", "strategy", "note"]
    assert list(runs["command"]) == ["run", "run", "budget"] and list(runs["train_end"]) == ["2023-11", "2023-12", "2024-05"]
    shown = tmp_path / "show.csv"
    assert runner.invoke(main, ["ledger", "show", "2", "--output", str(shown), *ledger]).exit_code == 0
    issued, stored = pd.read_csv(out), pd.read_csv(shown)
    pd.testing.assert_frame_equal(stored[issued.columns], issued)
    assert (tmp_path / "show.models.csv").exists()
    budget_show = tmp_path / "budget.xlsx"
    assert runner.invoke(main, ["ledger", "show", "3", "--output", str(budget_show), *ledger]).exit_code == 0
    with pd.ExcelFile(budget_show) as book:
        assert {"forecast", "models", "budget", "phasing"} <= set(book.sheet_names)
    for _ in range(2):
        done = runner.invoke(main, ["ledger", "actuals", str(sample), *ledger])
        assert done.exit_code == 0, done.output
    assert "0 new, 0 revised, 576 unchanged" in done.output
    done = runner.invoke(main, ["ledger", "override", "2", "--series", "total", "--date", "2024-02", "--value",
                                "12,900", "--comment", "Spring Festival later", *ledger])
    assert done.exit_code == 0, done.output
    acc = tmp_path / "acc.csv"
    done = runner.invoke(main, ["ledger", "accuracy", "--output", str(acc), *ledger])
    assert done.exit_code == 0, done.output
    assert "overrides: 1 adjusted forecasts scored" in done.output
    table = pd.read_csv(acc)
    assert list(table.columns[:7]) == ["run_id", "train_end", "series", "lead", "n", "mape", "bias"]
    assert set(table["run_id"]) == {1, 2, 3}
    assert (tmp_path / "acc.by_lead.csv").exists() and (tmp_path / "acc.annual.csv").exists()
    png = tmp_path / "vintages.png"
    done = runner.invoke(main, ["plot", "--ledger", location, "--series", "total", "-o", str(png)])
    assert done.exit_code == 0, done.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # without --ledger the environment variable names the ledger
    assert runner.invoke(main, ["ledger", "actuals", str(sample)]).exit_code == 0
    assert (tmp_path / "env.sqlite").exists()


@pytest.mark.parametrize("args, code, message", [
    (["ledger", "show", "7"], 1, "run 7 is not in the ledger"),
    (["ledger", "override", "1", "--series", "total", "--date", "1999-01", "--value", "5", "--comment", "x"], 1,
     "has no forecast of total for '1999-01'"),
    (["ledger", "override", "1", "--series", "total", "--date", "2024-01", "--value", "lots", "--comment", "x"], 2,
     "is not an amount"),
    (["ledger", "accuracy", "--series", "fiber"], 1, "no archived forecast of it"),
    (["plot", "--ledger", "--series", "total", "--series", "broadband", "-o", "x.png"], 2, "one --series"),
])
def test_cli_ledger_mistakes_get_one_line(args, code, message, sample, fast_config, tmp_path, monkeypatch):
    monkeypatch.setenv("FORECAST_LEDGER", str(tmp_path / "l.sqlite"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    saved = runner.invoke(main, ["run", str(sample), "-H", "12", "--train-end", "2023-12", "--save",
                                 "--config", str(fast_config)])
    assert saved.exit_code == 0, saved.output
    done = runner.invoke(main, args)
    assert done.exit_code == code, done.output
    assert message in done.output
    assert "Traceback" not in done.output


def test_note_without_save_is_a_usage_error(sample):
    done = CliRunner().invoke(main, ["run", str(sample), "-H", "3", "--note", "x"])
    assert done.exit_code == 2 and "add --save" in done.output


def test_a_ledger_path_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        Ledger(str(tmp_path))


def test_a_database_failure_mid_save_is_one_line_and_stores_nothing(tmp_path, monthly_runs):
    # the save fails after the run, its models and forecasts are written
    path = new_ledger_altered(tmp_path / "l.sqlite", "CREATE TRIGGER failing BEFORE INSERT ON intervals "
                              "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with Ledger(path) as ledger:
        with pytest.raises(ConfigError, match="could not save the run .disk full.; nothing was changed"):
            ledger.save(monthly_runs[1][2][2])
        assert ledger.runs().empty
        with ledger.reader.connect() as conn:
            assert conn.exec_driver_sql("SELECT COUNT(*) FROM forecasts").scalar() == 0


def test_an_empty_ledger_reports_nothing_to_score(tmp_path):
    runner = CliRunner()
    ledger = ["--ledger", str(tmp_path / "new.sqlite")]
    done = runner.invoke(main, ["ledger", "accuracy", "--output", str(tmp_path / "acc.csv"), *ledger])
    assert done.exit_code == 0 and "no archived forecast has an actual yet" in done.output
    assert pd.read_csv(tmp_path / "acc.csv").empty
    done = runner.invoke(main, ["ledger", "list", *ledger])
    assert done.exit_code == 0 and "has no runs yet" in done.output
