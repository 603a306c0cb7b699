"""Everything about an output path that can be checked before any work is done.

A run that would overwrite one of the user's inputs (the data, the config, the regressors, the
targets, the ledger), write into a missing or read-only folder, or write a format it does not
know is refused here, before fitting, with one line naming the option and the fix.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from forecast.errors import ConfigError

TABLE_SUFFIXES = (".csv", ".xlsx", ".json", ".parquet")
STDOUT = "-"  # as --output: CSV to standard output
STDIN = "-"  # as INPUT: CSV from standard input


def plot_suffixes() -> tuple[str, ...]:
    """The image formats matplotlib writes (imported here, not at start-up: only a plot needs it)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return tuple(f".{s}" for s in FigureCanvasBase.get_supported_filetypes())


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _family(path: Path, input_path: Path) -> bool:
    """Whether writing `path` may also write `input_path` (tables beside it: STEM.NAME.SUFFIX)."""
    if _same_file(path, input_path):
        return True
    a, b = path.resolve(), input_path.resolve()
    return a == b or (a.parent == b.parent and b.name.startswith(f"{a.stem}.") and b.suffix == a.suffix)


def check_output(option: str, value, *, kinds: tuple[str, ...], protected: Iterable = (),
                 folder: bool = False, written: Iterable[str] = ()) -> None:
    """Refuse `option value` unless it can be written without harm.

    kinds: the suffixes it may have (empty: any); protected: the user's files it must never
    touch; folder: the value names a folder of outputs (`written`: the names put in it)."""
    if value is None or value == STDOUT:
        return
    path = Path(value).expanduser()
    where = f"{option} {value}"
    targets = [path / name for name in written] if folder else [path]
    for target in targets:
        for kept in protected:
            if kept and _family(target, Path(kept).expanduser()):
                raise ConfigError(f"{where}: would overwrite {kept}, which this run reads; write to another file")
    if folder:
        if path.exists() and not path.is_dir():
            raise ConfigError(f"{where}: is a file, not a folder; give a folder for the outputs")
        parent = path if path.exists() else path.parent
    else:
        if path.is_dir():
            raise ConfigError(f"{where}: is a folder; give a file name such as {path / ('forecast' + kinds[0])}")
        if kinds and path.suffix.lower() not in kinds:
            raise ConfigError(f"{where}: cannot write {path.suffix or 'a file without an extension'}; "
                              f"use {', '.join(kinds)}")
        parent = path.parent
    parent = parent if str(parent) else Path(".")
    if not parent.exists():
        raise ConfigError(f"{where}: the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise ConfigError(f"{where}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{where}: the folder {parent} is not writable; choose another folder")
    for target in targets:
        if target.exists() and target.is_file() and not os.access(target, os.W_OK):
            raise ConfigError(f"{where}: {target} is read-only; choose another name or make it writable")


def sqlite_path(url_or_path: str | None) -> str | None:
    """The file behind a SQLite URL or a ledger path (None for server databases)."""
    if not url_or_path:
        return None
    if "://" not in url_or_path:
        return url_or_path
    if url_or_path.startswith("sqlite:///"):
        return url_or_path[len("sqlite:///"):].split("?", 1)[0] or None
    return None
