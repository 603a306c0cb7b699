"""The `forecast` command as installed: the click group run so that no moment of a run, from
the first import to the last write, ends in a traceback.

Ctrl-C exits 130 with one line; click's own errors keep their exit status (2 for usage); a
reader that goes away (`forecast run ... | head`) ends the run quietly.
"""
from __future__ import annotations

import os
import sys

INTERRUPTED = 130


def _say(message: str) -> None:
    try:
        sys.stderr.write(f"Error: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> None:
    try:
        import click

        from .cli import main as group

        try:
            code = group.main(args=argv, prog_name="forecast", standalone_mode=False)
        except click.exceptions.Abort:
            raise KeyboardInterrupt from None
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted; nothing written")
        code = INTERRUPTED
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
