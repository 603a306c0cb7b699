"""Whether Ctrl-C has been pressed in this run. The installed command records it (an interrupt
that lands inside a C extension's import surfaces as an ImportError, not a KeyboardInterrupt),
so that such a failure is still reported as "interrupted"; and whether the run has finished its
work, after which Ctrl-C no longer interrupts it."""
from __future__ import annotations

_received: list[int] = []
_finishing: list[bool] = []


def record(signum: int) -> None:
    _received.append(signum)


def was_interrupted() -> bool:
    return bool(_received)


def finishing() -> None:
    """The command's work is done and its outputs are being put in place: a Ctrl-C from now on
    could only leave them half renamed, or report as "nothing written" a run that wrote them."""
    _finishing.append(True)


def is_finishing() -> bool:
    return bool(_finishing)
