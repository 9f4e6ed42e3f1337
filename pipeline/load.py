"""Stage 5: load parsed files into SQLite, whole files at a time.

Files are read and parsed on every core (``work``) and written here in batches of
whole files. Batches are committed in transactions that grow as the load goes:
each commits once it holds at least as much as this load committed before it.
Files land at scattered ids (``rows.file_id``), so a commit rewrites pages all
over each table; growing the transactions keeps the number of commits, and so
what is written, proportional to the log of the archive's size rather than to
its size. However a load is interrupted, every file is in the database wholly
or not at all, at most half of the load's work is lost, and the next load
finishes the job.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import sqlite_utils

from .finish import ensure_finished, mark_unfinished
from .model import Issue
from .rows import INSERTS, TABLES, FileRows, file_id
from .schema import SCHEMA_VERSION, SchemaMismatch, drop_secondary_indexes, ensure_schema
from .work import Job, Unchanged, iter_results

# A batch is written when it holds this many files or this many bytes of text.
BATCH_FILES = 500
BATCH_BYTES = 32 * 1024 * 1024
# The first commit comes after this many bytes of text, each later one when the
# uncommitted text matches what was committed before it.
FIRST_COMMIT_BYTES = 64 * 1024 * 1024


@dataclass
class FileResult:
    """What happened to one file in a load."""

    path: str
    status: str  # loaded, unchanged, failed
    issues: list[Issue] = field(default_factory=list)


@dataclass
class LoadReport:
    loaded: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[FileResult] = field(default_factory=list)
    warnings: int = 0


def open_database(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open (creating if need be) the database at ``path`` and apply the schema."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, SCHEMA_VERSION) or (version == 0 and db.table_names()):
        db.close()
        raise SchemaMismatch(
            f"{path} was built with schema version {version}, this is version {SCHEMA_VERSION}: "
            f"delete it (or run `make clean`) and load again"
        )
    db.enable_wal()
    # In WAL mode, NORMAL keeps the database consistent through a crash; a load cut
    # short by a power failure loses at most its last batches, which the next redoes.
    db.execute("PRAGMA synchronous = NORMAL")
    # A load's large transactions grow the write-ahead log; give the disk back after.
    db.execute("PRAGMA journal_size_limit = 67108864")
    db.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db)
    return db


def display_path(path: str | os.PathLike) -> str:
    """The path as stored: relative to the working directory when under it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    chosen = absolute if relative.startswith("..") else relative
    return Path(chosen).as_posix()


def iter_source_files(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Every file named, and every file under each folder named, in sorted order.

    Hidden files and folders (a leading dot) are skipped, and a file named twice
    (as itself and within its folder) is given once.
    """
    seen: set[str] = set()
    for path in paths:
        path = Path(path)
        for file in _walk(path) if path.is_dir() else [path]:
            shown = display_path(file)
            if shown not in seen:
                seen.add(shown)
                yield shown


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def save_batch(db: sqlite_utils.Database, batch: list[FileRows], replace: bool = True) -> None:
    """Write whole files, all of them or none, replacing any rows they had.

    ``replace=False`` skips looking for old rows: for files the database never had.
    Rows go in through one prepared INSERT per table (``executemany``): at hundreds
    of thousands of rows, building each statement anew costs more than the writing.
    """
    with db.atomic():
        mark_unfinished(db)
        if replace:
            db.conn.executemany("DELETE FROM sources WHERE id = ?", [(f.source_id,) for f in batch])
        for table in TABLES:
            rows = [row for f in batch for row in f.rows[table]]
            if rows:
                db.conn.executemany(INSERTS[table], rows)


def load_paths(
    db: sqlite_utils.Database,
    paths: Iterable[str | os.PathLike],
    *,
    keep_missing: bool = False,
    on_file: Optional[Callable[[FileResult], None]] = None,
    files: Optional[list[str]] = None,
    workers: Optional[int] = None,
) -> LoadReport:
    """Load every file under ``paths``, skipping those whose content is unchanged.

    A file whose size and modification time are those recorded is not read; one
    that was touched but not changed is read and hashed, not parsed. Rows of files
    that are gone from a folder being loaded are removed unless ``keep_missing``.
    ``on_file`` is called after each file, for progress and reporting. The finishing
    work (indexes, dates, search, statistics) runs once at the end.
    """
    paths = list(paths)
    files = files if files is not None else list(iter_source_files(paths))
    known = {row["path"]: row for row in db.query("SELECT id, path, sha256, bytes, mtime_ns FROM sources")}
    report = LoadReport()
    cold = not known and bool(files)
    if cold:
        # Into an empty database, rows go in faster without the schema's indexes
        # (ensure_finished makes them again, in bulk) and without checking foreign
        # keys row by row: nothing is there to refer to or cascade to, the rows are
        # made consistent by construction, and `pipeline check` verifies them.
        drop_secondary_indexes(db)
        db.execute("PRAGMA foreign_keys = OFF")

    def stat_unchanged(path: str) -> bool:
        row = known.get(path)
        if row is None:
            return False
        try:
            stat = os.stat(path)
        except OSError:
            return False
        return stat.st_size == row["bytes"] and stat.st_mtime_ns == row["mtime_ns"]

    # A file keeps the id it was given; a new one takes the id its path gives, or
    # the next free one should another file have it.
    taken = {row["id"] for row in known.values()}
    jobs = []
    for path in files:
        if stat_unchanged(path):
            report.unchanged += 1
            if on_file:
                on_file(FileResult(path, "unchanged"))
        elif path in known:
            jobs.append(Job(path, known[path]["id"], known[path]["sha256"]))
        else:
            source_id = file_id(path, taken)
            taken.add(source_id)
            jobs.append(Job(path, source_id))

    batch: list[FileRows] = []
    batch_bytes = 0
    committed = uncommitted = 0
    touched: list[Unchanged] = []

    def flush() -> None:
        nonlocal batch, batch_bytes, committed, uncommitted
        if batch:
            if not db.conn.in_transaction:
                db.conn.execute("BEGIN")
            save_batch(db, batch, replace=any(parsed.path in known for parsed in batch))
            uncommitted += batch_bytes
            if uncommitted >= max(FIRST_COMMIT_BYTES, committed):
                db.conn.execute("COMMIT")
                committed, uncommitted = committed + uncommitted, 0
        for parsed in batch:
            result = FileResult(parsed.path, "failed" if parsed.failed else "loaded", parsed.issues)
            if parsed.failed:
                report.failed.append(result)
            else:
                report.loaded += 1
            report.warnings += sum(1 for issue in parsed.issues if issue.severity != "error")
            if on_file:
                on_file(result)
        batch, batch_bytes = [], 0

    try:
        for result in iter_results(jobs, workers, ahead=2 * BATCH_FILES):
            if isinstance(result, Unchanged):
                touched.append(result)
                report.unchanged += 1
                if on_file:
                    on_file(FileResult(result.path, "unchanged"))
                continue
            batch.append(result)
            batch_bytes += result.size
            if len(batch) >= BATCH_FILES or batch_bytes >= BATCH_BYTES:
                flush()
        flush()
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        if cold:
            db.execute("PRAGMA foreign_keys = ON")
    if touched:
        # Remember the new modification times, so the next load need not read them.
        with db.atomic():
            db.conn.executemany("UPDATE sources SET mtime_ns = ? WHERE id = ?",
                                [(t.mtime_ns, known[t.path]["id"]) for t in touched])
    if not keep_missing:
        report.removed = remove_missing(db, paths, set(files))
    ensure_finished(db)
    return report


def remove_missing(db: sqlite_utils.Database, paths: Iterable[str | os.PathLike], present: set[str]) -> int:
    """Delete the rows of files that were loaded from these folders and are gone."""
    folders = [display_path(p) for p in paths if Path(p).is_dir()]
    gone = []
    for row in db.query("SELECT id, path FROM sources"):
        if row["path"] in present:
            continue
        if any(folder == "." or row["path"].startswith(folder.rstrip("/") + "/") for folder in folders):
            gone.append(row["id"])
    if gone:
        with db.atomic():
            mark_unfinished(db)
            for source_id in gone:
                db.execute("DELETE FROM sources WHERE id = ?", [source_id])
    return len(gone)
