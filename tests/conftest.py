import contextlib
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "revenue_monthly.csv"
DEKAD = ROOT / "data" / "calls_dekad.csv"

# A quick configuration for tests that check plumbing rather than model choice.
FAST_CONFIG = """
[forecast]
window = 36
paths = 500
jobs = 1
[components.broadband]
model = "linear_trend"
[components.rental_new_services]
model = "linear_trend"
[components.other_data]
model = "drift"
[components.local_calls]
model = "linear_trend"
[components.long_distance]
model = "linear_trend"
[components.mobile_data]
model = "theta"
"""


@pytest.fixture
def sample(tmp_path) -> Path:
    path = tmp_path / "revenue.csv"
    shutil.copy(SAMPLE, path)
    return path


@pytest.fixture
def fast_config(tmp_path) -> Path:
    path = tmp_path / "fast.toml"
    path.write_text(FAST_CONFIG)
    return path


@contextlib.contextmanager
def throwaway_postgres(prefix: str):
    """A new database on the test PostgreSQL server (FORECAST_TEST_PG), dropped afterwards; its
    URL with the psycopg driver. Skips the test when no server is configured."""
    admin_url = os.environ.get("FORECAST_TEST_PG")
    if not admin_url:
        pytest.skip("no PostgreSQL server: set FORECAST_TEST_PG (scripts/start_test_postgres.sh starts one)")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(sa.make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(admin_url).set(database=name, drivername="postgresql+psycopg")
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()
