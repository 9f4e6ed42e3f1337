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

import itertools
import operator
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import sqlite_utils

from .finish import SEARCHED, ensure_finished, mark_unfinished
from ..model import Issue
from .rows import COLUMNS, INSERTS, TABLES, FileRows, file_id, insert_into
from .schema import SCHEMA_VERSION, SchemaMismatch, drop_secondary_indexes, ensure_schema
from .work import Job, Unchanged, iter_results

_first = operator.itemgetter(0)

# A batch is written when it holds this many files or this many bytes of text.
# A batch's rows, and the files parsed ahead of it, are most of what a load holds
# in memory. Larger batches write no faster: they only raise the peak, and make
# it depend on how far the workers get ahead while a commit is slow.
BATCH_FILES = 500
BATCH_BYTES = 2 * 1024 * 1024
# The first commit comes after this many bytes of text, each later one when the
# uncommitted text matches what was committed before it.
FIRST_COMMIT_BYTES = 64 * 1024 * 1024
# Files whose records are asked of the database in one query.
LOOKUP_FILES = 500


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
    (as itself and within its folder, or within two folders named) is given once.
    What is remembered to do so is the paths named, not the files found: memory
    does not grow with the number of files.
    """
    named, folders, files = _named(paths)
    done: set[str] = set()  # named folders walked, named files given
    for absolute in named:
        if absolute in done:
            continue
        done.add(absolute)
        if absolute not in folders:
            yield display_path(absolute)
            continue
        for root, names in _walk(absolute, folders, done):
            # Shown as the folder is, and named within it: display_path once per
            # folder rather than once per file.
            shown = display_path(root)
            prefix = "" if shown == "." else shown + "/"
            named_here = {os.path.basename(f) for f in files if os.path.dirname(f) == root}
            for name in names:
                if name in named_here:  # also named itself: given once
                    file = os.path.join(root, name)
                    if file in done:
                        continue
                    done.add(file)
                yield prefix + name


def _named(paths: Iterable[str | os.PathLike]) -> tuple[list[str], set[str], set[str]]:
    """The paths named, made absolute; those that are folders; those that are not."""
    named = [os.path.abspath(p) for p in paths]
    folders = {p for p in named if os.path.isdir(p)}
    return named, folders, set(named) - folders


def _hidden(relative: str) -> bool:
    """Whether ``_walk`` skips this normalised path below its folder: a part has a leading dot."""
    return relative.startswith(".") or os.sep + "." in relative


def _walk(folder: str, folders: set[str], done: set[str]) -> Iterator[tuple[str, list[str]]]:
    """Each folder under ``folder`` (itself first) with the names of its files, in
    sorted order, leaving out hidden ones and named folders already walked (and
    noting those walked into)."""
    for root, dirs, names in os.walk(folder):
        kept = []
        for d in sorted(dirs):
            below = os.path.join(root, d)
            if d.startswith(".") or below in done:
                continue
            if below in folders:
                done.add(below)
            kept.append(d)
        dirs[:] = kept
        yield root, [name for name in sorted(names) if not name.startswith(".")]


def save_batch(db: sqlite_utils.Database, batch: list[FileRows], replace: bool = True) -> None:
    """Write whole files, all of them or none, replacing any rows they had.

    ``replace=False`` is for a first load, of files the database never had: it skips
    looking for old rows, and there is no search index yet (it is built after the
    load). Rows go in through one prepared INSERT per table (``executemany``): at
    hundreds of thousands of rows, building each statement anew costs more than
    the writing.

    Otherwise the search index is kept in step by its triggers, and FTS5 writes
    what it holds to disk, as a new segment to be merged later, at the end of each
    statement: row by row, each comment would make a segment of its own.
    So the old rows are deleted in one statement, and the rows of searched tables
    go into a temporary table first and from there into theirs in one statement.
    """
    with db.atomic():
        mark_unfinished(db)
        if replace:
            ids = sorted(f.source_id for f in batch)
            marks = _marks(len(ids))
            # Replies, then the files with all that hangs from them: so each statement
            # deletes comments in ascending ids, the order the search index keeps
            # (a reply deleted along with its parent would come out of order).
            db.conn.execute(f"DELETE FROM comments WHERE parent_id IS NOT NULL AND post_id IN ({marks})", ids)
            db.conn.execute(f"DELETE FROM sources WHERE id IN ({marks})", ids)
        for table in TABLES:
            # In ascending ids, so that each table's pages are written in order and
            # the search index is given rows in the order it keeps. A reply may come
            # before the comment it answers: foreign keys are checked at the end of
            # each statement (and a first load does not check them).
            rows = sorted((row for f in batch for row in f.rows[table]), key=_first)
            if not rows:
                continue
            if replace and table in SEARCHED:
                _insert_at_once(db, table, rows)
            else:
                db.conn.executemany(INSERTS[table], rows)


def _insert_at_once(db: sqlite_utils.Database, table: str, rows: list[tuple]) -> None:
    """Insert ``rows`` into ``table`` in one statement, in their order, by way of a
    temporary table: ``table``'s triggers then all run within that statement."""
    stage = f"temp.[stage_{table}]"
    columns = ", ".join(f"[{c}]" for c in COLUMNS[table])
    db.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS [stage_{table}] AS SELECT {columns} FROM main.[{table}] LIMIT 0")
    db.conn.executemany(insert_into(stage, table), rows)
    db.conn.execute(f"INSERT INTO main.[{table}] ({columns}) SELECT {columns} FROM {stage} ORDER BY rowid")
    db.conn.execute(f"DELETE FROM {stage}")


def _marks(count: int) -> str:
    """Placeholders for a list of ``count`` values: ``?, ?, ?``."""
    return ", ".join("?" * count)


def load_paths(
    db: sqlite_utils.Database,
    paths: Iterable[str | os.PathLike],
    *,
    keep_missing: bool = False,
    on_file: Optional[Callable[[FileResult], None]] = None,
    workers: Optional[int] = None,
) -> LoadReport:
    """Load every file under ``paths``, skipping those whose content is unchanged.

    A file whose size and modification time are those recorded is not read; one
    that was touched but not changed is read and hashed, not parsed. Rows of files
    that are gone from a folder being loaded are removed unless ``keep_missing``.
    ``on_file`` is called after each file, for progress and reporting. The finishing
    work (indexes, dates, search, statistics) runs once at the end.

    Files are streamed: what a load holds in memory is a few batches of them, and
    what it knows of those loaded before is asked of the database file by file,
    so memory does not grow with the archive.
    """
    paths = list(paths)
    report = LoadReport()
    cold = db.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is None
    # Ids given to files not written yet: with the database's, those a new file's
    # id must not collide with.
    pending_ids: set[int] = set()

    def recorded(chunk: list[str]) -> dict[str, tuple]:
        """What the database holds of these paths: id, sha256, bytes, mtime_ns."""
        return {row[0]: row[1:] for row in db.conn.execute(
            f"SELECT path, id, sha256, bytes, mtime_ns FROM sources WHERE path IN ({_marks(len(chunk))})", chunk)}

    def taken(source_id: int) -> bool:
        return source_id in pending_ids or \
            db.execute("SELECT 1 FROM sources WHERE id = ?", [source_id]).fetchone() is not None

    def jobs() -> Iterator[Job]:
        walked = iter_source_files(paths)
        # Files are looked up in the database a chunk at a time: one query per file
        # costs more than the rest of a re-run.
        for chunk in iter(lambda: list(itertools.islice(walked, LOOKUP_FILES)), []):
            known = recorded(chunk)
            for path in chunk:
                row = known.get(path)
                if row is None:
                    # A new file takes the id its path gives, or the next free one
                    # should another file have it.
                    source_id = file_id(path, taken)
                    pending_ids.add(source_id)
                    yield Job(path, source_id)
                    continue
                source_id, sha256, size, mtime_ns = row
                try:
                    stat = os.stat(path)
                    unchanged = stat.st_size == size and stat.st_mtime_ns == mtime_ns
                except OSError:
                    unchanged = False
                if unchanged:
                    report.unchanged += 1
                    if on_file:
                        on_file(FileResult(path, "unchanged"))
                else:
                    yield Job(path, source_id, sha256)

    batch: list[FileRows] = []
    batch_bytes = 0
    committed = uncommitted = 0
    touched: list[Unchanged] = []
    keys_dropped = False

    def flush() -> None:
        nonlocal batch, batch_bytes, committed, uncommitted, touched, keys_dropped
        if batch and cold and not keys_dropped:
            # Into an empty database, rows go in faster without the schema's indexes
            # (ensure_finished makes them again, in bulk) and without checking foreign
            # keys row by row: nothing is there to refer to or cascade to, the rows
            # are made consistent by construction, and `pipeline check` verifies them.
            drop_secondary_indexes(db)
            db.execute("PRAGMA foreign_keys = OFF")
            keys_dropped = True
            _bulk_journal(db)
        if batch or touched:
            if not db.conn.in_transaction:
                db.conn.execute("BEGIN")
            if batch:
                save_batch(db, batch, replace=not cold)
                pending_ids.difference_update(parsed.source_id for parsed in batch)
            if touched:
                # Remember the new modification times, so the next load need not read them.
                db.conn.executemany("UPDATE sources SET mtime_ns = ? WHERE path = ?",
                                    [(t.mtime_ns, t.path) for t in touched])
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
        batch, batch_bytes, touched = [], 0, []

    try:
        for result in iter_results(jobs(), workers):
            if isinstance(result, Unchanged):
                touched.append(result)
                report.unchanged += 1
                if on_file:
                    on_file(FileResult(result.path, "unchanged"))
            else:
                batch.append(result)
                batch_bytes += result.size
            if len(batch) + len(touched) >= BATCH_FILES or batch_bytes >= BATCH_BYTES:
                flush()
        flush()
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        if keys_dropped:
            db.execute("PRAGMA foreign_keys = ON")
    if not keep_missing:
        report.removed = remove_missing(db, paths)
    ensure_finished(db)
    if keys_dropped:
        _shared_journal(db)
    return report


def _bulk_journal(db: sqlite_utils.Database) -> None:
    """Journal a first load the way that writes least.

    In WAL mode every page is written twice, to the log and then to the database;
    with a rollback journal, pages new to the file (all a first load writes, bar a
    few) are written once, the journal keeping only the few pages that were there
    before each commit. Syncing in full keeps the new file safe through a power cut.
    Should another connection be reading the database, it stays as it is.
    """
    try:
        db.execute("PRAGMA journal_mode = TRUNCATE")
        db.execute("PRAGMA synchronous = FULL")
    except sqlite3.OperationalError:
        pass


def _shared_journal(db: sqlite_utils.Database) -> None:
    """Back to WAL mode, in which readers (Datasette) and a load do not block each other."""
    try:
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.OperationalError:
        pass  # another connection holds it: the next load opens it in WAL mode


def remove_missing(db: sqlite_utils.Database, paths: Iterable[str | os.PathLike]) -> int:
    """Delete the rows of files that were loaded from these folders and are gone.

    A file under a folder being loaded is gone when loading the paths would not
    give it: it is no longer a file, or it is hidden within every such folder (a
    part with a leading dot), and it is not named itself.
    """
    _, folders, files = _named(paths)
    if not folders:
        return 0
    cwd = os.getcwd()
    prefixes = [folder.rstrip(os.sep) + os.sep for folder in folders]
    gone = []
    for source_id, path in db.execute("SELECT id, path FROM sources"):
        # Stored paths are normalised, relative to the working directory or absolute.
        absolute = os.path.join(cwd, path)
        if absolute in files:
            continue
        below = [absolute[len(folder):] for folder in prefixes if absolute.startswith(folder)]
        if below and (all(map(_hidden, below)) or not os.path.isfile(absolute)):
            gone.append(source_id)
    if gone:
        with db.atomic():
            mark_unfinished(db)
            for source_id in gone:
                db.execute("DELETE FROM sources WHERE id = ?", [source_id])
    return len(gone)
