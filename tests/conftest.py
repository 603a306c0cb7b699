import shutil
from pathlib import Path

import pytest

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
