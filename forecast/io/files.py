"""The only module that reads and writes files, Excel workbooks and databases.

Readers return raw frames (column names normalised, cells as read) with a `source` label used in
error messages; `validate.py` turns them into a `RevenueData`. Writers are atomic: they write a
temporary file beside the target and rename it, so a failed run never leaves half a file.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import sys
import tempfile
import tomllib
from contextvars import ContextVar
from pathlib import Path

import pandas as pd

from forecast.errors import InputDataError, one_line
from forecast.io.frames import frame_table
from forecast.io.paths import STDIN
from forecast.io.sniff import RawTable, decode, delimiter_of, read_delimited
from forecast.names import rename_headers


def read_table(path: str | os.PathLike | None = None, *, sheet: str | None = None, db: str | None = None,
               query: str | None = None, encoding: str | None = None) -> RawTable:
    """Read a revenue table from a CSV or .xlsx file, or from a database query.

    CSV text is decoded by its BOM, else as UTF-8, GB18030 (Chinese Excel) or Windows-1252
    (`encoding` forces one); the separator (comma, semicolon, tab, pipe) and the decimal mark
    are detected; title, unit and note rows above the header are skipped, and a unit such as
    `单位：万元` is kept on the table. In a workbook the data sheet is found when it is not the
    first. A table with periods across and line items down is turned the usual way round.
    """
    if db is not None or query is not None:
        if not (db and query):
            raise InputDataError("--db and --query go together: give a SQLAlchemy URL and a SELECT")
        from forecast.io.database import read_query  # SQLAlchemy only when a database is read

        frame, source = read_query(db, query)
        return RawTable(frame.set_axis(rename_headers(list(frame.columns)), axis=1), source, first_row=1,
                        row_word="result row")
    if path is None:
        raise InputDataError("no input: give a CSV or .xlsx file, or --db URL --query SQL")
    if str(path) == STDIN:
        data = sys.stdin.buffer.read()
        if not data.strip():
            raise InputDataError("<stdin>: nothing was piped in; pipe a CSV, e.g. `cat revenue.csv | forecast run - ...`")
        if sheet is not None:
            raise InputDataError("--sheet is for .xlsx input, and standard input is read as CSV; leave --sheet out")
        text = decode(data, "<stdin>", encoding)
        return read_delimited(text, "<stdin>", delimiter_of(text))
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise InputDataError(f"{source}: no such file; check the path")
    if path.is_dir():
        raise InputDataError(f"{source}: is a folder; give a CSV or .xlsx file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputDataError(f"{source}: the old .xls format cannot be read; open it in Excel and save it as "
                             ".xlsx or CSV")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputDataError(f"{source}: cannot be read ({exc.strerror}); check its permissions") from None
    if not data.strip():
        raise InputDataError(f"{source}: the file is empty; it needs a header row and data rows")
    if suffix in (".xlsx", ".xlsm"):
        from forecast.io.workbook import workbook_table  # openpyxl (0.1 s of start-up) only for workbooks

        return workbook_table(path, data, sheet)
    if suffix == ".parquet":
        return _parquet_table(path, data, sheet, encoding)
    if sheet is not None:
        raise InputDataError(f"--sheet {sheet!r} is for .xlsx input, and {source} is not a workbook; "
                             "leave --sheet out")
    text = decode(data, source, encoding)
    return read_delimited(text, source, delimiter_of(text))


def _parquet_table(path: Path, data: bytes, sheet, encoding) -> RawTable:
    if sheet is not None or encoding is not None:
        raise InputDataError(f"{path}: --sheet and --encoding are for workbooks and CSV, not Parquet; leave them out")
    if not data.startswith(b"PAR1"):
        raise InputDataError(f"{path}: is not a Parquet file although it is named so; rename it to its real "
                             "format (.csv, .xlsx) or export Parquet again")
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputDataError(f"{path}: cannot be read as Parquet ({one_line(exc)[:200]}); export it again") from None
    return frame_table(frame, source=str(path))


def write_table(frame: pd.DataFrame, path: str | os.PathLike, *, sheet_name: str = "forecast") -> None:
    """Write a table as CSV, .xlsx or .json (by extension), atomically."""
    write_tables({sheet_name: frame}, path)


def write_tables(tables: dict[str, pd.DataFrame], path: str | os.PathLike) -> list[Path]:
    """Write named tables: an .xlsx gets one sheet per table; CSV, JSON and Parquet write the
    first table to `path` and each other one beside it as `STEM.NAME.SUFFIX`. Each file is written atomically.
    Returns the paths written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from forecast.io.excel import write_workbook

        atomic_write(path, lambda tmp: write_workbook(tables, tmp))
        return [path]
    written = []
    for i, (name, frame) in enumerate(tables.items()):
        target = path if i == 0 else path.with_name(f"{path.stem}.{name}{path.suffix}")
        if suffix == ".parquet":
            atomic_write(target, lambda tmp, f=frame: f.to_parquet(tmp, index=False))
        elif suffix == ".json":
            atomic_write(target, lambda tmp, f=frame: f.to_json(tmp, orient="records", indent=1, double_precision=15))
        else:
            atomic_write(target, lambda tmp, f=frame: f.to_csv(tmp, index=False, lineterminator="\n"))
        written.append(target)
    return written


_PENDING: ContextVar[list | None] = ContextVar("forecast_pending_outputs", default=None)


@contextlib.contextmanager
def all_or_nothing():
    """Outputs written inside the block appear together when it ends, or not at all.

    Each output is still written to a temp file beside its target as it is produced; the renames
    wait for the block's end, so an error or Ctrl-C half way through a command that writes
    several files leaves every file the user had byte-identical (the temp files are removed).
    """
    pending: list[tuple[str, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        for tmp, _ in pending:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    finally:
        _PENDING.reset(token)
    for tmp, target in pending:
        os.replace(tmp, target)


def commit_temp(tmp: str, path: Path) -> None:
    """Give a finished temp file the usual mode and rename it onto `path` (at the end of an
    `all_or_nothing` block when one is open)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private
    pending = _PENDING.get()
    if pending is None:
        os.replace(tmp, path)
    else:
        pending.append((tmp, path))


def temp_beside(path: Path) -> tuple[int, str]:
    """An open temp file in `path`'s folder (so the final rename is atomic)."""
    if path.parent and not path.parent.exists():
        raise InputDataError(f"{path}: the folder {path.parent} does not exist; create it first")
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)


def atomic_write(path: Path, writer) -> None:
    """Call writer(temp_path), then rename the temp file onto `path`.

    A symlink keeps pointing where it did (its target is replaced), and a path that is not a
    regular file (/dev/null, a named pipe) is written into, never renamed over: as root, a rename
    onto /dev/null would replace the device with a file for every program on the machine.
    """
    path = Path(path)
    if path.exists() and not stat.S_ISREG(os.stat(path).st_mode):
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder) / f"out{path.suffix}"
            writer(str(tmp))
            with open(tmp, "rb") as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
        return
    if path.is_symlink():
        path = path.resolve()
    fd, tmp = temp_beside(path)
    os.close(fd)
    try:
        writer(tmp)
        commit_temp(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_toml(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.exists():
        raise InputDataError(f"{path}: no such config file; check the path")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputDataError(f"{path}: not valid TOML ({exc}); fix the syntax at that line") from None
