"""The bundled sample data: shipped inside the package (`forecast.data`), and found beside the
source tree when the package is run from a checkout."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from forecast.errors import InputDataError

CHECKOUT_DATA = Path(__file__).resolve().parents[1] / "data"


def sample_path(name: str = "revenue_monthly.csv") -> Path:
    """The path of a bundled sample file, e.g. `revenue_monthly.csv` or `units_monthly.csv`."""
    try:
        shipped = Path(str(resources.files("forecast.data") / name))
    except ModuleNotFoundError:  # a checkout or an editable install: the repository's data/
        shipped = CHECKOUT_DATA / name
    if shipped.is_file():
        return shipped
    if (CHECKOUT_DATA / name).is_file():
        return CHECKOUT_DATA / name
    raise InputDataError(f"the bundled sample {name} is missing from this installation; reinstall the package "
                         "(or run python scripts/make_sample_data.py in a checkout)")
