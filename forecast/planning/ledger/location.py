"""Where the ledger is (`--ledger`, else $FORECAST_LEDGER, else ~/.forecast/ledger.sqlite) and the
engine that opens it."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa

from forecast.errors import ConfigError

ENV_VAR = "FORECAST_LEDGER"
DEFAULT_PATH = Path("~/.forecast/ledger.sqlite")
SQLITE_TIMEOUT = 120.0  # seconds a writer waits for another one's transaction


def ledger_location(location: str | None = None) -> str:
    """`--ledger`, else $FORECAST_LEDGER, else ~/.forecast/ledger.sqlite."""
    return location or os.environ.get(ENV_VAR) or str(DEFAULT_PATH.expanduser())


def ledger_url(location: str) -> sa.URL:
    """A SQLAlchemy URL for a path or URL; `postgresql://` uses the psycopg (3) driver."""
    if "://" not in location:
        path = Path(location).expanduser().resolve()
        if path.is_dir():
            raise ConfigError(f"--ledger {location}: is a folder; give a file such as {path / 'ledger.sqlite'}")
        if not path.parent.exists():
            if path != DEFAULT_PATH.expanduser().resolve():
                raise ConfigError(f"--ledger {location}: the folder {path.parent} does not exist; create it first")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"the default ledger's folder {path.parent} cannot be made ({exc.strerror}); "
                                  "give --ledger PATH") from None
        return sa.URL.create("sqlite", database=str(path))
    try:
        url = sa.make_url(location)
    except sa.exc.ArgumentError:
        raise ConfigError(f"--ledger {location!r} is not a database URL; write e.g. "
                          "postgresql://user@host/dbname or a file path") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _write_ahead_log(dbapi_connection) -> None:
    """Put the ledger in WAL mode, once. Switching the mode needs the file to itself, and SQLite
    refuses it at once ("database is locked") rather than waiting while another process writes:
    processes opening a new ledger together retry, as a writer would wait, up to SQLITE_TIMEOUT."""
    deadline = time.monotonic() + SQLITE_TIMEOUT
    while True:
        try:
            if str(dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                dbapi_connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def sqlite_engine(url: sa.URL) -> sa.Engine:
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        # take transactions into our own hands (pysqlite's implicit BEGIN would start them
        # deferred, and two deferred writers can deadlock instead of waiting)
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        _write_ahead_log(dbapi_connection)

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        # writers take the write lock at once; readers (the `reader` engine) read a snapshot
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get("read_only") else "BEGIN IMMEDIATE")

    return engine
