"""Where many tasks run: results in task order whatever the engine and the number of workers."""
import pytest

from forecast.errors import ConfigError
from forecast.scale.engines import chunk_size, run_local, run_tasks


def square(x):
    return x * x


def test_chunks_keep_every_worker_busy_and_stay_small():
    assert chunk_size(10, 2) == 1
    assert chunk_size(1000, 2) == 16  # at most 16
    assert chunk_size(200, 2) == 12  # eight chunks per worker


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_task_order(jobs):
    tasks = list(range(40))
    assert list(run_local(square, tasks, jobs, chunksize=3)) == [t * t for t in tasks]
    assert list(run_tasks(square, tasks, engine="local", jobs=jobs)) == [t * t for t in tasks]


def test_engine_mistakes_are_one_line():
    with pytest.raises(ConfigError, match="--engine 'spark' is not known"):
        run_tasks(square, [1], engine="spark")
    with pytest.raises(ConfigError, match="--scheduler is for --engine dask"):
        run_tasks(square, [1], engine="local", scheduler="tcp://127.0.0.1:1")
