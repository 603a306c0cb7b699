"""The `forecast` command as installed: the click group run so that no moment of a run, from
the first import to the last write, ends in a traceback.

Ctrl-C exits 130 with one line; click's own errors keep their exit status (2 for usage); a
reader that goes away (`forecast run ... | head`) ends the run quietly.
"""
from __future__ import annotations

import os
import signal
import sys

from forecast.cli.interrupts import is_finishing, record, was_interrupted

INTERRUPTED = 130


def _ignore_interrupts() -> None:
    # SIG_IGN, not a Python handler that returns: Python puts the default handler back while it
    # shuts down, and a Ctrl-C then would kill (exit -2) a run whose outputs are written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _on_interrupt(signum, frame):
    if is_finishing():
        _ignore_interrupts()
        return  # the outputs are being put in place: the run completes and exits as it would have
    record(signum)
    raise KeyboardInterrupt


def _quiet_interrupt(unraisable) -> None:
    # A Ctrl-C that lands in a callback Python runs for itself (an import lock's weakref, a
    # finaliser) cannot propagate: Python would print it as an ignored exception with a
    # traceback. It is recorded, and the command stops before writing (`friendly`).
    if not issubclass(unraisable.exc_type, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def _exit_interrupted() -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        sys.stderr.write("Error: interrupted; nothing written\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    # os._exit: an interrupt inside some C extensions' start-up leaves CPython set to kill itself
    # with SIGINT at exit, whatever status sys.exit gives; the outputs are already cleaned up.
    os._exit(INTERRUPTED)


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGINT, _on_interrupt)
    sys.unraisablehook = _quiet_interrupt
    try:
        import click

        from forecast.cli.main import main as group

        try:
            code = group.main(args=argv, prog_name="forecast", standalone_mode=False)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        except click.ClickException as exc:
            if exc.exit_code == INTERRUPTED or was_interrupted():
                raise KeyboardInterrupt from None
            exc.show()
            code = exc.exit_code
        _ignore_interrupts()  # the command is over: nothing is left for a Ctrl-C to stop
    except KeyboardInterrupt:
        _exit_interrupted()
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    except BaseException:
        if was_interrupted():
            _exit_interrupted()
        raise
    sys.exit(code if isinstance(code, int) else 0)
