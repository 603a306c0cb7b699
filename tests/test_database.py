"""`--db/--query` input is read-only by construction: whatever the query says, the user's
database is unchanged afterwards, on SQLite and on a real PostgreSQL server (FORECAST_TEST_PG)."""
import hashlib

import pandas as pd
import pytest
import sqlalchemy as sa

from forecast import load
from forecast.errors import InputDataError
from forecast.io.database import check_query
from tests.conftest import SAMPLE, throwaway_postgres
from tests.test_cli import invoke

HARMFUL = [
    "DROP TABLE revenue",
    "CREATE TABLE copy AS SELECT * FROM revenue",
    "INSERT INTO revenue VALUES ('2030-01', 'x', 1)",
    "UPDATE revenue SET value = 0",
    "DELETE FROM revenue",
    "ATTACH DATABASE 'other.db' AS other",
    "PRAGMA user_version = 7",
    "SELECT * FROM revenue; DROP TABLE revenue",
    "WITH gone AS (DELETE FROM revenue RETURNING *) SELECT * FROM gone",
    "SELECT * INTO copy FROM revenue",
    "SELECT * FROM no_such_table",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A database URL holding the sample as table `revenue`, and a fingerprint of its state."""
    frame = pd.read_csv(SAMPLE)
    if request.param == "sqlite":
        path = tmp_path / "revenue.db"
        engine = sa.create_engine(f"sqlite:///{path}")
        frame.to_sql("revenue", engine, index=False)
        engine.dispose()
        yield f"sqlite:///{path}", lambda: (hashlib.sha256(path.read_bytes()).hexdigest(),
                                             sorted(p.name for p in tmp_path.iterdir()))
        return
    with throwaway_postgres("input") as url:
        engine = sa.create_engine(url)
        frame.to_sql("revenue", engine, index=False)

        def state():
            with engine.connect() as conn:
                tables = sorted(conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").scalars())
                rows = conn.exec_driver_sql(
                    "SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM revenue r").scalar()
            return tables, rows

        yield url.set(drivername="postgresql").render_as_string(hide_password=False), state
        engine.dispose()


def test_a_query_reads_the_table(database):
    url, _ = database
    data = load(db=url, query="SELECT date, component, value FROM revenue")
    assert len(data.frame) == len(pd.read_csv(SAMPLE))


@pytest.mark.parametrize("query", HARMFUL)
def test_no_query_changes_the_database(database, query):
    url, state = database
    before = state()
    with pytest.raises(InputDataError):
        load(db=url, query=query)
    assert state() == before


def test_the_engine_itself_refuses_writes_that_pass_the_query_check(database, monkeypatch):
    """Even past the statement check, the connection cannot write (read-only URI or transaction)."""
    import forecast.io.database

    url, state = database
    before = state()
    monkeypatch.setattr(forecast.io.database, "check_query", lambda q: q)
    for query in ("DELETE FROM revenue", "CREATE TABLE copy AS SELECT * FROM revenue"):
        with pytest.raises(InputDataError, match="read-?only"):
            load(db=url, query=query)
    assert state() == before


def test_cli_refuses_a_write_with_one_line(database):
    url, state = database
    before = state()
    result = invoke("run", "--db", url, "--query", "DROP TABLE revenue", "-H", 3)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "only a query" in result.output
    assert state() == before


def test_statement_check_by_hand():
    assert check_query("SELECT 1;  -- trailing comment") == "SELECT 1"
    assert check_query("select * from t where note = 'a; drop table t'").startswith("select")
    with pytest.raises(InputDataError, match="2 statements"):
        check_query("SELECT 1; SELECT 2")
    with pytest.raises(InputDataError, match="no statements"):
        check_query("  -- nothing\n")


def test_a_missing_sqlite_file_is_not_created(tmp_path):
    with pytest.raises(InputDataError, match="no such SQLite file"):
        load(db=f"sqlite:///{tmp_path / 'nope.db'}", query="SELECT 1")
    assert not (tmp_path / "nope.db").exists()
