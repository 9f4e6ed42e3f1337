"""Writing parsed files: whole files at a time, in batches, under a commit policy.

Every file is in the database wholly or not at all. Batches are committed in
transactions that grow as the load goes, each once it holds at least as much as the
load committed before it, or once a few seconds have passed: files land at scattered
ids (``rows.file_id``), so a commit rewrites pages all over each table, and growing
the transactions keeps what is written proportional to the log of the archive's
size; the clock bounds what a load killed outright loses. A load that is stopped
(Ctrl-C) commits what it has written.
"""
from __future__ import annotations

import operator
import os
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import sqlite_utils

from ..model import Issue
from .finish import SEARCHED, mark_unfinished
from .plan import Job, display_path
from .rows import COLUMNS, INSERTS, TABLES, FileRows, copy_rows, insert_into
from .schema import drop_secondary_indexes
from .work import Parsed, Result, Touched

_first = operator.itemgetter(0)

# A batch is written when it holds this many files or this many bytes of text.
# A batch's rows, and the files parsed ahead of it, are most of what a load holds
# in memory. Larger batches write no faster: they only raise the peak, and make
# it depend on how far the workers get ahead while a commit is slow.
BATCH_FILES = 500
BATCH_BYTES = 2 * 1024 * 1024
# The first commit comes after this many bytes of text, each later one when the
# uncommitted text matches what was committed before it, or after COMMIT_SECONDS.
FIRST_COMMIT_BYTES = 64 * 1024 * 1024
COMMIT_SECONDS = 5.0


@dataclass
class FileResult:
    """What happened to one file in a load."""

    path: str  # as shown to the user
    status: str  # loaded, unchanged, copy, failed
    issues: list[Issue] = field(default_factory=list)
    note: Optional[str] = None  # for a copy: which file it copies


@dataclass
class LoadReport:
    loaded: int = 0
    unchanged: int = 0
    copies: int = 0
    moved: int = 0
    removed: int = 0
    failed: list[FileResult] = field(default_factory=list)
    warnings: int = 0

    @property
    def saved(self) -> int:
        """Files whose state is in the database: read, skipped as unchanged, or recorded."""
        return self.loaded + self.unchanged + self.copies + len(self.failed)


class Writer:
    """Writes the results of a load in batches of whole files, and commits them.

    ``cold`` is for a first load into an empty database: rows go in without the
    schema's indexes and the search index (built at the end) and without checking
    foreign keys row by row, with a rollback journal (see ``bulk_journal``).
    """

    def __init__(self, db: sqlite_utils.Database, report: LoadReport, cold: bool,
                 on_file: Optional[Callable[[FileResult], None]] = None):
        self.db = db
        self.report = report
        self.cold = cold
        self.on_file = on_file
        self.batch: list[tuple[Job, FileRows]] = []
        self.batch_bytes = 0
        self.touched: list[Touched] = []
        self.committed = 0
        self.uncommitted = 0
        self.last_commit = time.monotonic()
        self.bulk = False  # indexes dropped and keys off, for a first load
        self.reserved: set[int] = set()  # ids given to files not written yet

    def reserve(self, source_id: int) -> int:
        """Note that ``source_id`` is given to a file on its way; returns it."""
        self.reserved.add(source_id)
        return source_id

    def taken(self, source_id: int) -> bool:
        """Whether a file has the id ``source_id``, written or on its way."""
        return source_id in self.reserved or \
            self.db.conn.execute("SELECT 1 FROM sources WHERE id = ?", [source_id]).fetchone() is not None

    def add(self, result: Result) -> None:
        if isinstance(result, Touched):
            self.touched.append(result)
        else:
            self.batch.append((result.job, result.rows))
            self.batch_bytes += result.rows.size
        if len(self.batch) + len(self.touched) >= BATCH_FILES or self.batch_bytes >= BATCH_BYTES:
            self.flush()

    def unchanged(self, shown: str) -> None:
        self.report.unchanged += 1
        self._tell(FileResult(shown, "unchanged"))

    def flush(self) -> None:
        """Write the files held, and commit if the policy says so."""
        if not (self.batch or self.touched):
            return
        if self.batch and self.cold and not self.bulk:
            # Into an empty database, rows go in faster without the schema's indexes
            # (finishing makes them again, in bulk) and without checking foreign keys
            # row by row: nothing is there to refer to or cascade to, the rows are
            # consistent by construction, and `pipeline check` verifies them.
            drop_secondary_indexes(self.db)
            self.db.execute("PRAGMA foreign_keys = OFF")
            self.bulk = True
            bulk_journal(self.db)
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN")
        batch = self._with_copies(self.batch)
        if batch:
            save_batch(self.db, [rows for _, rows in batch], replace=not self.cold)
            self.reserved.difference_update(rows.source_id for _, rows in batch)
        if self.touched:
            # Remember the new modification times, so the next load need not read them.
            self.db.conn.executemany("UPDATE sources SET mtime_ns = ? WHERE id = ?",
                                     [(t.mtime_ns, t.job.source_id) for t in self.touched])
        self.uncommitted += self.batch_bytes
        for touched in self.touched:
            self.report.unchanged += 1
            self._tell(FileResult(touched.job.shown, "unchanged"))
        for job, rows in batch:
            self._report(job, rows)
        self.batch, self.batch_bytes, self.touched = [], 0, []
        if (self.uncommitted >= max(FIRST_COMMIT_BYTES, self.committed)
                or time.monotonic() - self.last_commit >= COMMIT_SECONDS):
            self.commit()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")
        self.committed, self.uncommitted = self.committed + self.uncommitted, 0
        self.last_commit = time.monotonic()

    def close(self) -> None:
        """Commit what was written, however the load ends, and turn foreign keys back on.

        What is uncommitted is whole files (a batch cut short is rolled back to its
        start by ``save_batch``), so it is kept.
        """
        try:
            if self.db.conn.in_transaction:
                self.db.conn.execute("COMMIT")
        finally:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            if self.bulk:
                self.db.execute("PRAGMA foreign_keys = ON")

    def _with_copies(self, batch: list[tuple[Job, FileRows]]) -> list[tuple[Job, FileRows]]:
        """The batch, each file byte for byte like one already loaded (or earlier in
        the batch) turned into a record of the copy: one post, not two."""
        out = []
        seen: dict[str, tuple[int, str]] = {}
        for job, rows in batch:
            original = None
            if not rows.failed:
                original = seen.get(rows.sha256) or self._loaded_with(rows.sha256, rows.source_id)
            if original is None:
                if not rows.failed:
                    seen.setdefault(rows.sha256, (rows.source_id, job.shown))
                out.append((job, rows))
            else:
                out.append((job, copy_rows(rows, *original)))
        return out

    def _loaded_with(self, sha256: str, source_id: int) -> Optional[tuple[int, str]]:
        """The id and shown path of a file already loaded with these bytes, if any."""
        row = self.db.conn.execute(
            """SELECT s.id, a.root, s.path FROM sources s JOIN archives a ON a.id = s.archive_id
               WHERE s.sha256 = ? AND s.layout != 'copy' AND s.id != ? LIMIT 1""", [sha256, source_id]).fetchone()
        return (row[0], display_path(os.path.join(row[1], row[2]))) if row else None

    def _report(self, job: Job, rows: FileRows) -> None:
        if rows.copy_note:
            self.report.copies += 1
            self._tell(FileResult(job.shown, "copy", note=rows.copy_note))
            return
        result = FileResult(job.shown, "failed" if rows.failed else "loaded", rows.issues)
        if rows.failed:
            self.report.failed.append(result)
        else:
            self.report.loaded += 1
        self.report.warnings += sum(1 for issue in rows.issues if issue.severity != "error")
        self._tell(result)

    def _tell(self, result: FileResult) -> None:
        if self.on_file:
            self.on_file(result)


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


def bulk_journal(db: sqlite_utils.Database) -> None:
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


def shared_journal(db: sqlite_utils.Database) -> None:
    """Back to WAL mode, in which readers (Datasette) and a load do not block each other."""
    try:
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.OperationalError:
        pass  # another connection holds it: the next load opens it in WAL mode
