"""What every export shares: the database opened to read, the folder written, values read."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Optional

from ..model import PipelineError
from ..store.audit import open_read_only
from ..store.schema import SCHEMA_VERSION, SchemaMismatch

# The shadow tables of a full-text index: bookkeeping, not data.
FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")
# An INTEGER column so named holds a flag, 0 or 1 (``comments.deleted``).
FLAG_PREFIXES = ("is_", "has_")
FLAG_SUFFIX = "ed"


def is_flag(name: str) -> bool:
    """Whether an INTEGER column of this name is a flag (exported as a boolean)."""
    return name.startswith(FLAG_PREFIXES) or name.endswith(FLAG_SUFFIX)


class ExportError(PipelineError):
    """An export that cannot be made, with what to do."""


def open_database(path: str | os.PathLike) -> sqlite3.Connection:
    """The database at ``path``, opened to read only; ExportError, naming the fix, when
    it is missing or is not one this version reads."""
    if not Path(path).is_file():
        raise ExportError(f"{path} does not exist: build it with `pipeline load` (or `make`), or name another "
                          "with --db")
    try:
        con = open_read_only(path)
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise ExportError(f"{path}: {error}") from None
    if version == SCHEMA_VERSION and "posts" in tables:
        return con
    con.close()
    if version == 0 and not tables:
        raise ExportError(f"{path} holds nothing yet (a first load stopped before it began?): load files into it "
                          f"with pipeline load --db {path}")
    if version != SCHEMA_VERSION:
        raise ExportError(str(SchemaMismatch(path, version)))
    raise ExportError(f"{path} is not a database of the pipeline (it has no posts table): name another with --db")


def prepare_folder(out: str | os.PathLike, force: bool) -> Path:
    """The folder ``out``, made if need be; ExportError when it holds files and not ``force``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file: OUT_DIR names a folder to write into")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} exists and is not empty: choose another OUT_DIR, or add --force to write into it "
                          "(files of the same names are replaced, others left)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def to_instant(text: Optional[str]) -> Optional[dt.datetime]:
    """The instant an ISO 8601 time with its UTC offset names; None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None or len(text.strip()) <= 10:
        return None
    try:
        return moment.astimezone(dt.timezone.utc)
    except OverflowError:  # at the calendar's end, in UTC a day past it (9999-12-31T23:00-05:00)
        return None


def to_day(text: Optional[str]) -> Optional[dt.date]:
    """The day a ``YYYY-MM-DD`` value names; None for a partial date or anything else."""
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
