"""Optional parts of the package, installed as extras: one line says which extra a command needs."""
from __future__ import annotations

from forecast.errors import ConfigError

DISTRIBUTION = "telecom-revenue-forecast"
EXTRAS = {"dask": "dask", "distributed": "dask", "psycopg": "postgres", "psycopg2": "postgres"}


def missing_extra(exc: ImportError, needed_for: str) -> ConfigError:
    """The error for an optional dependency that is not installed."""
    module = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(module, "all")
    return ConfigError(f"{needed_for} needs the optional '{extra}' part ({module or exc} is not installed); "
                       f"install it with: pip install '{DISTRIBUTION}[{extra}]'")
