"""Database input, read-only by construction.

The user's database is never changed, whatever `--query` says:
- the statement must be one query (SELECT, WITH ... SELECT, VALUES, TABLE); anything else, or a
  second statement, is refused before connecting;
- SQLite is opened through a read-only URI (`mode=ro`) with `PRAGMA query_only`, so not even a
  journal file is created;
- PostgreSQL and MySQL run the query inside a READ ONLY transaction;
- every transaction is rolled back, never committed.
"""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from forecast.errors import InputDataError
from forecast.extras import missing_extra

QUERY_WORDS = ("select", "with", "values", "table")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\$\$.*?\$\$", re.DOTALL)
# Words that write even inside a WITH or a SELECT in some dialect (SELECT ... INTO makes a table).
_WRITES = re.compile(r"\b(insert|update|delete|create|drop|alter|truncate|attach|detach|pragma|vacuum|grant|"
                     r"revoke|into)\b", re.IGNORECASE)


def check_query(query: str) -> str:
    """The query with trailing semicolons and comments removed, if it is one read-only query."""
    bare = _COMMENT.sub(" ", query)
    words_only = _QUOTED.sub("''", bare)
    statements = [s for s in words_only.split(";") if s.strip()]
    if len(statements) != 1:
        raise InputDataError(f"--query holds {len(statements) or 'no'} statements; give exactly one SELECT")
    first = statements[0].strip().lstrip("(").split(None, 1)[0].lower()
    if first not in QUERY_WORDS:
        raise InputDataError(f"--query starts with {first.upper()!r}: only a query (SELECT ...) is run, and the "
                             "database is never changed")
    if (m := _WRITES.search(statements[0])) is not None:
        raise InputDataError(f"--query contains {m.group(1).upper()!r}: only a plain query is run, and the "
                             "database is never changed; remove it")
    return bare.strip().rstrip(";").strip()


def _safe_url(url) -> str:
    with contextlib.suppress(Exception):
        return url.render_as_string(hide_password=True)
    return str(url)


def read_only_engine(url_text: str):
    """A SQLAlchemy engine that cannot write: read-only SQLite URI, or read-only transactions."""
    try:
        url = sa.engine.make_url(url_text)
    except sa.exc.ArgumentError:
        raise InputDataError(f"--db {url_text!r} is not a database URL; write e.g. sqlite:///revenue.db or "
                             "postgresql://user@host/db") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise InputDataError(f"--db {url_text}: give the path of a SQLite file, e.g. sqlite:///revenue.db")
        path = Path(database)
        if not path.is_file():
            raise InputDataError(f"--db {url_text}: no such SQLite file {path}; check the path")
        url = url.set(database=f"file:{path.resolve().as_uri()[len('file://'):]}",
                      query={**url.query, "mode": "ro", "uri": "true"})
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

        @sa.event.listens_for(engine, "connect")
        def _query_only(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA query_only = ON")

        return engine, url
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, as the ledger uses
    try:
        options = {"postgresql_readonly": True} if backend == "postgresql" else {}
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool).execution_options(**options)
    except ImportError as exc:
        raise missing_extra(exc, f"--db {_safe_url(url)}") from None
    if backend in ("mysql", "mariadb"):
        @sa.event.listens_for(engine, "begin")
        def _read_only(connection):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    return engine, url


def read_query(url_text: str, query: str) -> tuple[pd.DataFrame, str]:
    """The query's rows as text-or-number cells, and a source label without the password."""
    query = check_query(query)
    engine, url = read_only_engine(url_text)
    source = f"query on {_safe_url(sa.engine.make_url(url_text))}"
    try:
        with engine.connect() as conn:
            try:
                result = conn.execute(sa.text(query))
                frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object)
            finally:
                conn.rollback()
    except sa.exc.SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise InputDataError(f"{source}: {first}; check the URL and the SELECT statement") from None
    finally:
        engine.dispose()
    frame = frame.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
    return frame, source
