"""Progress: the callable protocol `progress(done=0, more=0, failed=0)` and the named steps of a
command.

`more` announces tasks to come, `done` counts tasks finished, `failed` is how many have failed
so far. Every long-running library function (backtests, batches, hierarchies) takes such a
callable; `Progress` draws it as a tqdm bar on stderr, and `None` means no report.

A command's steps ("reading", "fitting 9 series", ...) are announced with `step(name, total)`
wherever the work happens; they reach the `Progress` that the command made current with
`reporting` (none, and nothing is shown, from the Python API). Only a terminal sees any of it:
a log file or a pipe gets no carriage returns.
"""
from __future__ import annotations

import contextlib
import sys
from contextvars import ContextVar

from tqdm import tqdm

tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked beside the bar


def silent(done: int = 0, more: int = 0, failed: int = 0) -> None:
    """The progress callable that reports nothing."""


def on_terminal(stream=None) -> bool:
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


_STEP_FORMAT = "{desc} [{elapsed}]"


class Progress:
    """A tqdm bar on stderr fed by `progress(done, more, failed)` and by named steps; nothing at
    all when `quiet` or when stderr is not a terminal."""

    def __init__(self, unit: str = "task", *, desc: str | None = None, quiet: bool = False):
        self.unit = unit
        self.bar = None if quiet or not on_terminal() else tqdm(
            total=0, unit=unit, desc=desc or "starting", file=sys.stderr, dynamic_ncols=True, smoothing=0.1,
            leave=False, bar_format=None if desc else _STEP_FORMAT)

    def __call__(self, done: int = 0, more: int = 0, failed: int = 0) -> None:
        if self.bar is None:
            return
        if more:
            self.bar.bar_format = None  # a count to show
            self.bar.total += more
            self.bar.refresh()
        if failed:
            self.bar.set_postfix(failed=failed, refresh=False)
        if done:
            self.bar.update(done)

    def step(self, name: str, total: int = 0) -> None:
        """A new step: its name, and a bar when it counts `total` tasks."""
        if self.bar is None:
            return
        self.bar.bar_format = None if total else _STEP_FORMAT
        self.bar.reset(total=total)
        self.bar.set_description(name, refresh=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False


_CURRENT: ContextVar[Progress | None] = ContextVar("forecast_progress", default=None)


@contextlib.contextmanager
def reporting(unit: str = "series", *, quiet: bool = False):
    """A `Progress` that receives the steps announced inside the block."""
    with Progress(unit, quiet=quiet) as progress:
        token = _CURRENT.set(progress)
        try:
            yield progress
        finally:
            _CURRENT.reset(token)


def step(name: str, total: int = 0) -> None:
    """Announce a step to the current `reporting` block, if any."""
    progress = _CURRENT.get()
    if progress is not None:
        progress.step(name, total)


def current():
    """The progress callable of the current `reporting` block (`silent` outside one)."""
    return _CURRENT.get() or silent
