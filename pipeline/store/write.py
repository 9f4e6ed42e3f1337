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
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, NamedTuple, Optional

import sqlite_utils

from ..model import Issue
from ..read.blogger import iso_time
from ..read.feed import COMMENTS_ONLY
from ..read.sniff import EXPORT, PAGE, TAKEOUT
from .finish import SEARCHED, mark_unfinished, timed
from .plan import CANNOT_LIST, Job, display_path
from .rows import COLUMNS, COPY, INSERTS, SUPERSEDED, TABLES, FileRows, ThreadRows, held_rows, insert_into, next_block
from .schema import drop_secondary_indexes
from .stop import whole
from .work import Result, Touched

FEEDS = (EXPORT, TAKEOUT)

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
    status: str  # loaded, unchanged, held (another file holds its posts), renamed (of a file gone), left out, failed
    issues: list[Issue] = field(default_factory=list)
    # For a held file: which file holds its posts, and why; for a feed that holds no
    # post: what it is.
    note: Optional[str] = None


@dataclass
class LoadReport:
    loaded: int = 0
    unchanged: int = 0
    held: int = 0  # files whose posts other files hold: copies, older exports
    left_out: int = 0  # files known to hold no post (templates, CSV tables): counted in ``skipped`` too
    moved: int = 0
    removed: int = 0
    failed: list[FileResult] = field(default_factory=list)
    warnings: int = 0
    skipped: Counter = field(default_factory=Counter)  # entries of feeds that are not posts: drafts, ...
    timings: dict[str, float] = field(default_factory=dict)  # seconds each stage of the load took
    finishing: bool = False  # every file was saved, and the load was building indexes and the like

    @property
    def saved(self) -> int:
        """Files whose state is in the database: read, skipped as unchanged, or recorded."""
        return self.loaded + self.unchanged + self.held + self.left_out + len(self.failed)


class Writer:
    """Writes the results of a load in batches of whole files, and commits them.

    ``cold`` is for a first load into an empty database: rows go in without the
    schema's indexes and the search index (built at the end) and without checking
    foreign keys row by row, with a rollback journal (see ``bulk_journal``).

    Before a file is written, the writer settles which file holds which posts: a
    byte-for-byte copy of a file already loaded holds none (its original does); of
    two exports of one blog, the newer holds the blog; a post that an export holds
    is not taken from a saved page of it, and of two pages of one post the first
    loaded keeps it. A post from Blogger's files keeps the id it has.
    """

    def __init__(self, db: sqlite_utils.Database, report: LoadReport, cold: bool,
                 on_file: Optional[Callable[[FileResult], None]] = None,
                 on_progress: Optional[Callable[[str], None]] = None):
        self.db = db
        self.report = report
        self.cold = cold
        self.on_file = on_file
        self.on_progress = on_progress
        self.batch: list[tuple[Job, FileRows]] = []
        self.batch_bytes = 0
        self.touched: list[Touched] = []
        self.committed = 0
        self.uncommitted = 0
        self.last_commit = time.monotonic()
        self.bulk = False  # indexes dropped and keys off, for a first load
        self.reserved: set[int] = set()  # ids given to files and posts not written yet
        self.feed: Optional[_FeedState] = None  # a feed being written, part by part
        # Pages loaded by this load: one may yet give its post up to a feed loaded
        # after it, and be counted as held instead.
        self.pages: set[int] = set()
        # Files that gave their posts up to one being written: marked as held once it is.
        self.given_up: list[tuple] = []

    def reserve(self, row_id: int) -> int:
        """Note that ``row_id`` is given to a file or post on its way; returns it."""
        self.reserved.add(row_id)
        return row_id

    def taken(self, row_id: int) -> bool:
        """Whether a file, or a post, has the id ``row_id``, written or on its way."""
        return row_id in self.reserved or _exists(self.db, "sources", row_id) or _exists(self.db, "posts", row_id)

    def add(self, result: Result) -> None:
        if isinstance(result, Touched):
            self.touched.append(result)
        else:
            rows = result.rows
            if rows.replaces and not result.job.recorded:
                rows = replace(rows, replaces=False)  # nothing of it to replace
            self.batch.append((result.job, rows))
            self.batch_bytes += rows.size
        if len(self.batch) + len(self.touched) >= BATCH_FILES or self.batch_bytes >= BATCH_BYTES:
            self.flush()

    def not_walked(self, path: str, reason: str, error: bool = True) -> None:
        """What the walk does not give (``plan.iter_named``): an error, or what is left
        out as no post, counted in the summary. A folder it cannot list is not read,
        and none of its files is taken for gone (``plan.find_gone``)."""
        if not error:
            self.report.skipped[reason] += 1
            return
        if reason.startswith(CANNOT_LIST):
            reason += "; the files in it are left as they were loaded"
        result = FileResult(display_path(path), "failed", [Issue(1, "unreadable", reason, "error")])
        self.report.failed.append(result)
        self._tell(result)

    def unchanged(self, shown: str) -> None:
        self.report.unchanged += 1
        self._tell(FileResult(shown, "unchanged"))

    def flush(self) -> None:
        """Write the files held, and commit if the policy says so."""
        if not (self.batch or self.touched):
            return
        # Written and counted together: a stop waits for the batch, so that the
        # files the load says it saved are the files the database holds.
        with timed(self.report.timings, "of which writing rows"), whole():
            self._flush()

    def _flush(self) -> None:
        self._begin()
        pending = _Pending()
        settled = [(job, self._settle(job, rows, pending)) for job, rows in self.batch]
        if settled:
            save_batch(self.db, [rows for _, rows in settled], replace=not self.cold)
            self._mark_given_up()
            for _, rows in settled:  # written: the database says they are taken now
                self.reserved.discard(rows.source_id)
                self.reserved.difference_update(thread.post_id for thread in rows.threads)
        if self.touched:
            # Remember the new modification times, so the next load need not read them.
            self.db.conn.executemany("UPDATE sources SET mtime_ns = ? WHERE id = ?",
                                     [(t.mtime_ns, t.job.source_id) for t in self.touched])
        self.uncommitted += self.batch_bytes
        for touched in self.touched:
            self.report.unchanged += 1
            self._tell(FileResult(touched.job.shown, "unchanged"))
        for job, rows in settled:
            if self.feed is None:
                self._report(job, rows)
            else:
                self.feed.issues.extend(rows.issues)
        self.batch, self.batch_bytes, self.touched = [], 0, []
        if self.feed is None and (self.uncommitted >= max(FIRST_COMMIT_BYTES, self.committed)
                                  or time.monotonic() - self.last_commit >= COMMIT_SECONDS):
            self.commit()

    def begin_feed(self, job: Job, head: FileRows) -> bool:
        """Start writing a feed: its source row and what was said of it as a whole.

        Returns False when another file holds its posts (a copy, an older export of
        the blog): the feed is then recorded as such, and done. Otherwise its parts
        follow (``add``), all within one savepoint, so that the feed is in the
        database wholly or not at all, and ``end_feed`` closes it.
        """
        self.flush()
        with whole():
            return self._begin_feed(job, head)

    def _begin_feed(self, job: Job, head: FileRows) -> bool:
        self._begin()
        self.db.conn.execute("SAVEPOINT feed")
        settled = self._settle(job, head if job.recorded else replace(head, replaces=False), _Pending())
        self.feed = _FeedState(job, settled, list(settled.issues))
        save_batch(self.db, [settled], replace=not self.cold)
        self._mark_given_up()
        if settled.held_note:
            self.end_feed()
            return False
        return True

    def end_feed(self) -> None:
        """The feed's parts are all written: release it, and report it."""
        self.flush()
        with whole():
            state, self.feed = self.feed, None
            self.db.conn.execute("RELEASE feed")
            self._report(state.job, replace(state.head, issues=state.issues,
                                            failed=any(i.severity == "error" for i in state.issues)))
            self.commit()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")
        self.committed, self.uncommitted = self.committed + self.uncommitted, 0
        self.last_commit = time.monotonic()

    def close(self) -> None:
        """Commit what was written, however the load ends, and turn foreign keys back on.

        What is uncommitted is whole files (a batch cut short is rolled back to its
        start by ``save_batch``; a feed cut short, to before it), so it is kept.
        """
        try:
            if self.feed is not None:
                self.feed = None
                self.db.conn.execute("ROLLBACK TO feed")
                self.db.conn.execute("RELEASE feed")
            if self.db.conn.in_transaction:
                self.db.conn.execute("COMMIT")
        finally:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            if self.bulk:
                self.db.execute("PRAGMA foreign_keys = ON")

    def _begin(self) -> None:
        if self.cold and not self.bulk:
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

    # -- which file holds which posts ------------------------------------------------------

    def _settle(self, job: Job, rows: FileRows, pending: "_Pending") -> FileRows:
        """The file's rows once it is settled which file holds which posts, and where
        each post's rows go. ``pending`` is what files of the same batch, not written
        yet, hold."""
        if rows.source is not None and not rows.failed:
            original = pending.files.get(rows.sha256) or self._loaded_with(rows.sha256, rows.source_id, job)
            if original is not None and original.renamed:
                # Held all the same, so that removing the original passes its rows,
                # ids and all, to this file.
                return replace(held_rows(rows, original.source_id, COPY, f"{original.shown}, renamed or moved: "
                                                                         "its rows and ids follow it"), renamed=True)
            if original is not None:
                return held_rows(rows, original.source_id, COPY, f"a copy of {original.shown}: not loaded twice")
            pending.files.setdefault(rows.sha256, _Original(rows.source_id, job.shown))
        if rows.source is not None and not rows.failed and rows.format in FEEDS and rows.blog_id and not rows.no_posts:
            newer = self._newer_export(job, rows)
            if newer is not None:
                return held_rows(rows, newer[0], SUPERSEDED,
                                 f"an older export of the blog than {newer[1]}, which holds its posts")
        threads = []
        for thread in rows.threads:
            if thread.remote_id is None:
                threads.append(thread)
                continue
            holder = pending.posts.get(thread.remote_id) or self._holder(job, rows, thread.remote_id)
            if holder is not None:
                if rows.format == PAGE:
                    return held_rows(rows, holder[0], SUPERSEDED,
                                     f"a page of post {thread.remote_id}, which {holder[1]} holds")
                continue  # a feed does not take a post that another feed holds
            threads.append(self._placed(thread))
        for thread in threads:
            if thread.remote_id is not None:
                pending.posts[thread.remote_id] = (rows.source_id, job.shown)
        return replace(rows, threads=threads)

    def _newer_export(self, job: Job, rows: FileRows) -> Optional[tuple[int, str]]:
        """The newest other export of the same blog, if newer than ``rows``. Older ones
        give their posts up to ``rows``, which holds them from now on.

        A feed that holds no post is no export of the blog, neither held nor holding
        (it is not asked about): Takeout's ``Blogger/Comments/NAME/feed.atom``, the
        comments an account wrote, has the id of the blog they are on, and would
        otherwise hold the posts of the blog's own feed, or be called an older export
        of the blog.
        """
        others = self.db.conn.execute(
            f"""SELECT s.id, s.feed_updated, a.root, s.path FROM sources s JOIN archives a ON a.id = s.archive_id
                WHERE s.blog_id = ? AND s.format IN ({_marks(len(FEEDS))}) AND s.id != ? AND s.held_by IS NULL
                AND s.layout = 'feed' AND EXISTS (SELECT 1 FROM posts p WHERE p.source_id = s.id)""",
            [rows.blog_id, *FEEDS, rows.source_id]).fetchall()
        newest = max(others, key=lambda row: _instant(row[1]), default=None)
        if newest is not None and _instant(newest[1]) >= _instant(rows.feed_updated):
            return newest[0], display_path(os.path.join(newest[2], newest[3]))
        for source_id, _, _, _ in others:
            self._give_up(source_id, rows.source_id, SUPERSEDED,
                          f"an older export of the blog than {job.shown}, which holds its posts")
        return None

    def _holder(self, job: Job, rows: FileRows, remote_id: str) -> Optional[tuple[int, str]]:
        """The other file that holds the post ``remote_id`` and keeps it, if any.

        A feed keeps its posts from a page, and a page its post from a later page; a
        feed takes a post from a page, which is then held by the feed.
        """
        row = self.db.conn.execute(
            """SELECT s.id, s.format, a.root, s.path FROM posts p JOIN sources s ON s.id = p.source_id
               JOIN archives a ON a.id = s.archive_id WHERE p.remote_id = ? AND s.id != ?""",
            [remote_id, rows.source_id]).fetchone()
        if row is None:
            return None
        source_id, fmt, root, path = row
        if fmt == PAGE and rows.format in FEEDS:
            self._give_up(source_id, rows.source_id, SUPERSEDED, f"a page of post {remote_id}, which {job.shown} holds")
            return None
        return source_id, display_path(os.path.join(root, path))

    def _give_up(self, source_id: int, holder_id: int, layout: str, note: str) -> None:
        """Take a file's posts out of the database, now that another file holds them,
        with those of the files it held in its place (copies of it are read again)."""
        if source_id in self.pages:  # loaded by this load: counted as held instead
            self.pages.discard(source_id)
            self.report.loaded -= 1
            self.report.held += 1
        [(root, path)] = self.db.conn.execute("SELECT a.root, s.path FROM sources s JOIN archives a "
                                              "ON a.id = s.archive_id WHERE s.id = ?", [source_id]).fetchall()
        self._tell(FileResult(display_path(os.path.join(root, path)), "held", note=note))
        delete_posts(self.db, [source_id])
        self.given_up.append((holder_id, layout, note, source_id, source_id, SUPERSEDED))

    def _mark_given_up(self) -> None:
        """Point the files that gave their posts up at the file now holding them (which
        is written by now), with the files they held."""
        self.db.conn.executemany("UPDATE sources SET held_by = ?, layout = ?, placement = NULL, layout_note = ? "
                                 "WHERE id = ? OR (held_by = ? AND layout = ?)", self.given_up)
        self.given_up = []

    def _placed(self, thread: ThreadRows) -> ThreadRows:
        """A post of Blogger's files in the block it had, else in the block its id
        gives, or the next free one."""
        row = self.db.conn.execute("SELECT id FROM posts WHERE remote_id = ?", [thread.remote_id]).fetchone()
        if row is not None:
            return thread if row[0] == thread.post_id else thread.moved(row[0])
        block = thread.post_id
        while self.taken(block):
            block = next_block(block)
        self.reserve(block)
        return thread if block == thread.post_id else thread.moved(block)

    def _loaded_with(self, sha256: str, source_id: int, job: Job) -> Optional["_Original"]:
        """A file already loaded with these bytes, if any: ``renamed`` when it is in
        ``job``'s archive and gone from disk (``job``'s file is it, renamed or moved)."""
        row = self.db.conn.execute(
            """SELECT s.id, a.root, s.path, s.archive_id, s.bytes FROM sources s
               JOIN archives a ON a.id = s.archive_id
               WHERE s.sha256 = ? AND s.held_by IS NULL AND s.layout NOT IN ('copy', 'superseded')
               AND s.id != ? LIMIT 1""", [sha256, source_id]).fetchone()
        if row is None:
            return None
        path = os.path.join(row[1], row[2])
        try:
            stat = os.stat(path)
        except OSError:
            return _Original(row[0], display_path(path), renamed=row[3] == job.archive_id)
        if stat.st_size != row[4]:
            # Its file changed since it was loaded (two files whose names were swapped):
            # these bytes are not its now. (A touched file may still be: it is read again.)
            return None
        return _Original(row[0], display_path(path))

    def _report(self, job: Job, rows: FileRows) -> None:
        for what, count in rows.skipped.items():
            self.report.skipped[what] += count
        status = ("renamed" if rows.renamed else "held" if rows.held_note else "failed" if rows.failed
                  else "left out" if rows.left_out else "loaded")
        # A feed of comments only says what it is (``load.read_feed`` notes it so).
        note = rows.held_note or (COMMENTS_ONLY if status == "loaded" and rows.layout_note == COMMENTS_ONLY else None)
        result = FileResult(job.shown, status, rows.issues, note)
        # A renamed file is counted as moved, once its original's rows pass to it.
        if status == "held":
            self.report.held += 1
        elif status == "left out":
            self.report.left_out += 1
        elif status == "failed":
            self.report.failed.append(result)
        elif status == "loaded":
            self.report.loaded += 1
            if rows.format == PAGE:
                self.pages.add(rows.source_id)
        self.report.warnings += sum(1 for issue in rows.issues if issue.severity != "error")
        self._tell(result)

    def progress(self, status: str) -> None:
        """Say how a long file is getting on (``load_paths``'s ``on_progress``)."""
        if self.on_progress:
            self.on_progress(status)

    def _tell(self, result: FileResult) -> None:
        if self.on_file:
            self.on_file(result)


@dataclass
class _Pending:
    """What the files of a batch being settled hold, before any is written: files by
    their bytes, posts by Blogger's id (a feed is written on its own, so these are
    dumps' and pages')."""

    files: dict[str, "_Original"] = field(default_factory=dict)
    posts: dict[str, tuple[int, str]] = field(default_factory=dict)


class _Original(NamedTuple):
    """The file whose posts a file with the same bytes leaves to it."""

    source_id: int
    shown: str
    renamed: bool = False  # the file at hand is this one, renamed or moved: it is gone from disk


@dataclass
class _FeedState:
    job: Job
    head: FileRows
    issues: list[Issue]


def _exists(db: sqlite_utils.Database, table: str, row_id: int) -> bool:
    return db.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone() is not None


def delete_posts(db: sqlite_utils.Database, source_ids: list[int]) -> None:
    """Delete the posts of these files and all that hangs from them, table by table.

    Explicitly rather than by cascade, so that it works with foreign keys off (a
    first load) and each statement deletes comments in ascending ids, the order the
    search index keeps: replies, then the rest.
    """
    marks = _marks(len(source_ids))
    posts = f"SELECT id FROM posts WHERE source_id IN ({marks})"
    for sql in (f"DELETE FROM date_mentions WHERE post_id IN ({posts})",
                f"DELETE FROM comment_refs WHERE post_id IN ({posts})",
                f"DELETE FROM post_labels WHERE post_id IN ({posts})",
                f"DELETE FROM comments WHERE parent_id IS NOT NULL AND post_id IN ({posts})",
                f"DELETE FROM comments WHERE post_id IN ({posts})",
                f"DELETE FROM posts WHERE source_id IN ({marks})"):
        db.conn.execute(sql, source_ids)


def save_batch(db: sqlite_utils.Database, batch: list[FileRows], replace: bool = True) -> None:
    """Write whole files, all of them or none, replacing any rows they had.

    The old rows of files that have some (``FileRows.replaces``) go first, a table at
    a time. Rows go in through one prepared INSERT per table (``executemany``): at
    hundreds of thousands of rows, building each statement anew costs more than
    the writing.

    ``replace=False`` is for a first load: there is no search index yet (it is built
    after the load). Otherwise the search index is kept in step by its triggers,
    and FTS5 writes what it holds to disk, as a new segment to be merged later, at
    the end of each statement: row by row, each comment would make a segment of its
    own. So the rows of searched tables go into a temporary table first and from
    there into theirs in one statement.
    """
    with db.atomic():
        # Rows refer to rows of the same batch that may come later in their table's
        # id order (a reply before the comment it answers, a copy before its
        # original): foreign keys are checked when the transaction commits, not as
        # each row goes in. SQLite turns this off again at the commit.
        db.conn.execute("PRAGMA defer_foreign_keys = ON")
        mark_unfinished(db)
        ids = sorted(f.source_id for f in batch if f.replaces)
        if ids:
            delete_posts(db, ids)
            db.conn.execute(f"DELETE FROM parse_issues WHERE source_id IN ({_marks(len(ids))})", ids)
            db.conn.execute(f"DELETE FROM sources WHERE id IN ({_marks(len(ids))})", ids)
        for table in TABLES:
            # In ascending ids, so that each table's pages are written in order and
            # the search index is given rows in the order it keeps.
            rows = sorted((row for f in batch for row in f.table_rows(table)), key=_first)
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


def _instant(feed_updated: Optional[str]) -> str:
    """A feed's time in UTC, so that two feeds' times compare (as text) whatever offsets
    they were written with: an export's is in the blog's zone, a Takeout's in UTC. A
    feed with no time is older than any with one."""
    return iso_time(feed_updated, utc=True) or ""


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
