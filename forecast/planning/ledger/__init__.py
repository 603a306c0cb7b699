"""The forecast ledger: every issued forecast kept in a database (SQLite file or any SQLAlchemy
URL), the actuals that arrived later with their revisions, judgmental overrides with who, when and
why, and accuracy by lead time across vintages."""
from forecast.planning.ledger.location import DEFAULT_PATH, ENV_VAR, ledger_location
from forecast.planning.ledger.record import RunRecord, actual_rows, record_run
from forecast.planning.ledger.store import ActualsLoad, Ledger

__all__ = ["ActualsLoad", "DEFAULT_PATH", "ENV_VAR", "Ledger", "RunRecord", "actual_rows", "ledger_location", "record_run"]
