"""Where many independent tasks run: a process pool on this machine, or a Dask cluster.

Both engines take a picklable function that never raises (it turns any failure into its own
result) and yield the results in task order as they complete, with a bounded number of tasks in
flight, so memory stays flat however many tasks there are. Work is sent in chunks so that the
per-task overhead (pickling, scheduling) stays small beside a fit of a few tenths of a second.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from threadpoolctl import threadpool_limits

from forecast.errors import ConfigError
from forecast.extras import missing_extra

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("local", "dask")


def chunk_size(tasks: int, workers: int) -> int:
    """Chunks small enough to keep every worker busy to the end (eight per worker) and no larger
    than 16 tasks."""
    return max(1, min(16, tasks // (workers * 8)))


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


@contextlib.contextmanager
def one_blas_thread_per_worker():
    """Worker processes started inside this block run one BLAS/OpenMP thread each.

    The workers already fill the cores; more threads only contend. threadpoolctl (in each
    worker's initializer) reaches only the libraries loaded by then, so the limit is also set
    in the environment the workers inherit, which holds for libraries loaded later too. Without
    it, M3 monthly through `forecast batch --jobs 2` ran at 8.95 series/s instead of 10.05
    (scripts/bench_batch.py), and two fitting processes side by side ran 3.7 times slower each."""
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_SPAWN_IS_SAFE = False


def spawn_is_safe() -> None:
    """Say that the main module is guarded (`forecast`'s own command line is), so that worker
    processes may be spawned by default on platforms without fork."""
    global _SPAWN_IS_SAFE
    _SPAWN_IS_SAFE = True


def start_method() -> str:
    """fork on Linux (no re-import per worker, nothing re-run); spawn elsewhere (macOS and
    Windows, where fork is unsafe or missing)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def default_jobs() -> int:
    """Worker processes when none are asked for: every core, except where workers are spawned
    from a user's script. A spawned worker re-runs the main script, and a script without an
    `if __name__ == "__main__":` guard would then crash; there the default is one process, and
    `jobs=N` inside such a guard uses N cores."""
    if start_method() == "fork" or _SPAWN_IS_SAFE or not getattr(sys.modules.get("__main__"), "__file__", None):
        return os.cpu_count() or 1
    return 1


def _single_threaded() -> None:
    threadpool_limits(1)


def _local_worker() -> None:
    """A local pool worker: one BLAS thread, and deaf to Ctrl-C. The terminal sends SIGINT to
    every process of the command; the parent alone turns it into "interrupted" and terminates
    the pool, so no worker prints a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _single_threaded()


def _run_chunk(func: Callable[[T], R], chunk: list[T]) -> list[R]:
    _single_threaded()
    return [func(task) for task in chunk]


def run_local(func: Callable[[T], R], tasks: Iterable[T], jobs: int, chunksize: int = 1) -> Iterator[R]:
    """Results in task order, from a process pool over `jobs` cores (in this process for one).

    BLAS runs one thread either way, so the numbers do not depend on the number of workers.
    Workers start as `start_method()` says. Leaving the iteration early (an error, Ctrl-C)
    terminates the workers at once."""
    if jobs == 1:
        with threadpool_limits(1):
            yield from map(func, tasks)
        return

    context = multiprocessing.get_context(start_method())
    with one_blas_thread_per_worker(), context.Pool(jobs, initializer=_local_worker) as pool:
        yield from pool.imap(func, tasks, chunksize=chunksize)


def run_dask(func: Callable[[T], R], tasks: Iterable[T], jobs: int | None, chunksize: int = 1,
             scheduler: str | None = None, on_chunk_error: Callable[[T, str], R] | None = None) -> Iterator[R]:
    """Results in task order from dask.distributed: the cluster at `scheduler` (e.g.
    tcp://10.0.0.5:8786), or a local cluster of `jobs` single-threaded worker processes.

    At most four chunks per worker thread are in flight. A chunk the cluster itself loses (a
    worker killed three times over it) becomes `on_chunk_error(task, reason)` for each of its tasks.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise missing_extra(exc, "--engine dask") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}); start one "
                              "with `dask scheduler` and `dask worker ADDRESS`, or leave --scheduler out "
                              "for a local cluster") from exc
    else:
        with one_blas_thread_per_worker():
            cluster = LocalCluster(n_workers=jobs or default_jobs(), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        slots = max(1, sum(client.nthreads().values())) * 4
        pending: deque = deque()
        chunks = _chunks(tasks, chunksize)
        for chunk in itertools.islice(chunks, slots):
            pending.append((chunk, client.submit(_run_chunk, func, chunk, pure=False)))
        while pending:
            chunk, future = pending.popleft()
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001 - the cluster lost it; report, never sink the rest
                if on_chunk_error is None:
                    raise
                results = [on_chunk_error(task, f"the Dask cluster lost this task: {type(exc).__name__}: {exc}")
                           for task in chunk]
            future.release()
            yield from results
            for nxt in itertools.islice(chunks, 1):
                pending.append((nxt, client.submit(_run_chunk, func, nxt, pure=False)))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _chunks(tasks: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(tasks)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def run_tasks(func: Callable[[T], R], tasks: list[T], *, engine: str = "local", jobs: int | None = None,
              scheduler: str | None = None, on_chunk_error: Callable[[T, str], R] | None = None) -> Iterator[R]:
    """`func` over `tasks` on the chosen engine, results in task order."""
    if engine not in ENGINES:
        raise ConfigError(f"--engine {engine!r} is not known; use one of: {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise ConfigError("--scheduler is for --engine dask; add --engine dask or leave --scheduler out")
    workers = jobs or default_jobs()
    size = chunk_size(len(tasks), workers)
    if engine == "dask":
        return run_dask(func, tasks, jobs, size, scheduler, on_chunk_error)
    return run_local(func, tasks, workers, size)
