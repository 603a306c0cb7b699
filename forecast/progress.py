"""The one progress protocol: a callable `progress(done=0, more=0, failed=0)`.

`more` announces tasks to come, `done` counts tasks finished, `failed` is how many have failed
so far. Every long-running library function (backtests, batches, hierarchies) takes such a
callable; `Progress` draws it as a tqdm bar on stderr, and `None` means no report.
"""
from __future__ import annotations

import sys

from tqdm import tqdm


def silent(done: int = 0, more: int = 0, failed: int = 0) -> None:
    """The progress callable that reports nothing."""


class Progress:
    """A tqdm bar on stderr fed by `progress(done, more, failed)`; nothing at all when `quiet`."""

    def __init__(self, unit: str = "task", *, desc: str | None = None, quiet: bool = False):
        self.bar = None if quiet else tqdm(total=0, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True,
                                           smoothing=0.1, leave=False)

    def __call__(self, done: int = 0, more: int = 0, failed: int = 0) -> None:
        if self.bar is None:
            return
        if more:
            self.bar.total += more
            self.bar.refresh()
        if failed:
            self.bar.set_postfix(failed=failed, refresh=False)
        if done:
            self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False
