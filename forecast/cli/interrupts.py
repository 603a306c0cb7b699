"""Whether Ctrl-C has been pressed in this run. The installed command records it (an interrupt
that lands inside a C extension's import surfaces as an ImportError, not a KeyboardInterrupt),
so that such a failure is still reported as "interrupted"."""
from __future__ import annotations

_received: list[int] = []


def record(signum: int) -> None:
    _received.append(signum)


def was_interrupted() -> bool:
    return bool(_received)
