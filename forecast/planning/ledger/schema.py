"""The ledger's schema: alembic migrations applied in one locked transaction, and a schema newer
than this version refused rather than touched."""
from __future__ import annotations

import functools
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from forecast.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_LOCK_KEY = 0x4C454447  # "LEDG": serialises schema upgrades and actual loads on PostgreSQL


def lock(conn) -> None:
    """SQLite's BEGIN IMMEDIATE already holds the write lock; PostgreSQL takes an advisory one."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def _alembic_config(connection=None):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts():
    return ScriptDirectory.from_config(_alembic_config())


def upgrade_schema(engine: sa.Engine, revision: str = "head", *, shown: str = "the ledger") -> None:
    """Migrate a ledger's schema to `revision` in one locked transaction; a schema newer than
    this version knows is refused rather than touched."""
    with engine.begin() as conn:
        lock(conn)
        current = current_revision(conn)
        if current is not None and current not in {s.revision for s in _scripts().walk_revisions()}:
            raise ConfigError(f"ledger {shown} was written by a newer version of this toolkit (schema {current}); "
                              "upgrade the toolkit to use it")
        command.upgrade(_alembic_config(conn), revision)


def current_revision(conn) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return _scripts().get_current_head()
