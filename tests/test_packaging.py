"""The package installs anywhere: every subpackage is listed for the wheel, the sample ships
inside it, and a missing optional part is one line naming the extra to install."""
import sys
import tomllib

import pytest

from forecast.errors import ConfigError
from forecast.sample import sample_path

from .conftest import ROOT


def test_every_package_of_the_tree_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "forecast").rglob("__init__.py")}
    assert found | {"forecast.data"} == listed


def test_the_sample_is_found():
    path = sample_path("revenue_monthly.csv")
    assert path.is_file() and path.read_text().startswith("date,component,value")


def test_a_missing_dask_names_the_extra(monkeypatch):
    from forecast.scale.engines import run_tasks

    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ConfigError, match=r"pip install 'telecom-revenue-forecast\[dask\]'"):
        list(run_tasks(abs, [1, 2], engine="dask", jobs=1))


def test_a_missing_postgres_driver_names_the_extra(monkeypatch):
    from forecast.planning.ledger import Ledger

    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ConfigError, match=r"pip install 'telecom-revenue-forecast\[postgres\]'"):
        Ledger("postgresql://nobody@127.0.0.1:1/none")
