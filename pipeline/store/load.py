"""Stage 5: load raw files into SQLite.

A load takes place in four steps:

1. place the paths named in their archives (``archives``);
2. walk them and decide, file by file, what to read (``plan``), read and parse the
   files on every core (``work``) and write them in batches of whole files
   (``write``);
3. remove the rows of files gone from the folders named, and read again the copies
   whose original changed or went;
4. bring the derived tables (indexes, dates, search, statistics) in step (``finish``).

However a load ends, every file is in the database wholly or not at all; a load
that was stopped keeps what it wrote, and the next load finishes the job.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple, Optional

import sqlite_utils

from .archives import Archive, all_archives, apply_settings, mark_loaded, real, resolve_targets, set_reader
from .finish import ensure_finished, mark_unfinished, timed
from .plan import Gone, Job, Unchanged, Walked, display_path, find_gone, iter_decisions, iter_files, iter_named
from ..parse import feed_file
from ..read.feed import COMMENTS_ONLY, ORPHANS, RawThread, iter_set_aside, set_aside_file
from .rows import COPY, SUPERSEDED, FileRows, file_id, rows_of
from .schema import SCHEMA_VERSION, SchemaMismatch, ensure_schema, upgrade
from . import stop
from .stop import request_stop
from .work import FEED_CHUNK, FEED_PARALLEL_FROM, Feed, Parsed, Part, iter_results, unreadable
from .write import FileResult, LoadReport, Writer, shared_journal

__all__ = ["FileResult", "LoadReport", "LoadInterrupted", "count_files", "load_paths", "open_database",
           "read_feed", "request_stop", "stoppable"]

# The stages of a load, as ``LoadReport.timings`` gives their seconds.
STAGES = ("files (parsed and written)", "of which writing rows", "files gone", "feeds (parsed and written)",
          "last commit", "indexes", "search index", "statistics", "dates and authors", "journal")
# Companions SQLite keeps beside a database file.
_DATABASE_FILES = ("", "-wal", "-shm", "-journal")
# How often, in SQLite's virtual machine instructions, a long statement checks
# whether the load was asked to stop.
_STOP_CHECK_STEPS = 100_000


class LoadInterrupted(KeyboardInterrupt):
    """A load stopped before its end (Ctrl-C, SIGTERM), with what it had done."""

    def __init__(self, report: LoadReport):
        super().__init__()
        self.report = report


def open_database(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open (creating if need be) the database at ``path`` and apply the schema."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    upgrade(db)  # a database of an older version that only lacks columns
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, SCHEMA_VERSION) or (version == 0 and db.table_names()):
        db.close()
        raise SchemaMismatch(path, version)
    db.enable_wal()
    # In WAL mode, NORMAL keeps the database consistent through a crash; a load cut
    # short by a power failure loses at most its last batches, which the next redoes.
    db.execute("PRAGMA synchronous = NORMAL")
    # A load's large transactions grow the write-ahead log; give the disk back after.
    db.execute("PRAGMA journal_size_limit = 67108864")
    db.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db)
    return db


def load_paths(
    db: sqlite_utils.Database,
    paths: Iterable[str | os.PathLike],
    *,
    archive: Optional[str] = None,
    blog_author: Optional[str] = None,
    blog_zone: Optional[str] = None,
    keep_missing: bool = False,
    on_file: Optional[Callable[[FileResult], None]] = None,
    workers: Optional[int] = None,
    on_progress: Optional[Callable[[str], None]] = None,
) -> LoadReport:
    """Load every file under ``paths`` into its archive, skipping those unchanged.

    ``archive`` names the archive the paths belong to; by default each goes into the
    archive whose folder holds it, or a new one named after its folder.
    ``blog_author`` is whom the archives' readers address as the blog's author (for
    text dumps, which do not say; Blogger's files name each post's author);
    ``blog_zone`` the blog's time zone (an IANA name, for files that give times in
    UTC only: Takeout's). A file
    whose size and modification time are those recorded is not read; one that was
    touched but not changed is read and hashed, not parsed; one byte for byte like
    a file already loaded is recorded as its copy. Rows of files gone from a folder
    being loaded are removed unless ``keep_missing``. ``on_file`` is called after
    each file, for progress and reporting; ``on_progress`` is told how a long file
    (a feed) is getting on ("blog.xml: 1,200 of 4,571 posts"). The finishing work (indexes, dates,
    search, statistics) runs once at the end.

    Raises LoadInterrupted, with what was done, when ``request_stop`` is called
    while it runs; what was written is kept.
    """
    report = LoadReport()
    with stoppable(db, report):
        _load(db, list(paths), archive, blog_author, blog_zone, keep_missing, on_file, workers, report, on_progress)
    return report


@contextlib.contextmanager
def stoppable(db: sqlite_utils.Database, report: LoadReport) -> Iterator[None]:
    """Run a load that ``request_stop`` (or Ctrl-C) stops at once, raising
    LoadInterrupted with ``report``, what it had done."""
    stop.reset()
    db.conn.set_progress_handler(stop.should_stop, _STOP_CHECK_STEPS)
    try:
        yield
    except LoadInterrupted:
        raise
    except KeyboardInterrupt:
        raise LoadInterrupted(report) from None
    except sqlite3.OperationalError:
        if stop.should_stop():  # a long statement stopped by the progress handler
            raise LoadInterrupted(report) from None
        raise
    finally:
        db.conn.set_progress_handler(None, 0)


def _load(db, paths, archive_name, blog_author, blog_zone, keep_missing, on_file, workers, report,
          on_progress=None) -> None:
    cold = db.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is None
    with db.atomic():
        targets = resolve_targets(db, paths, archive_name)
        apply_settings(db, [target.archive for target in targets], blog_author, blog_zone)
        set_reader(db, [target.archive for target in targets])
    archives = all_archives(db)
    writer = Writer(db, report, cold, on_file, on_progress)
    timings = report.timings
    timings.update(dict.fromkeys(STAGES, 0.0))
    try:
        walked = iter_files(targets, archives, skip=_database_files(db), on_error=writer.not_walked)
        with timed(timings, "files (parsed and written)"):
            feeds = _load_all(writer, _jobs(db, walked, writer), workers)
        if not keep_missing:
            with timed(timings, "files gone"):
                gone = find_gone(db, targets, archives)
                report.removed, report.moved = remove_gone(db, gone)
        # Files whose posts another file held are read again when that file changed
        # or went; loading a feed can leave others so: until none is left.
        read_again: set[int] = set()
        while True:
            with timed(timings, "feeds (parsed and written)"):
                for feed in feeds:
                    load_feed(writer, feed, workers)
            orphans = [job for job in iter_orphans(db) if job.source_id not in read_again]
            if not orphans:
                break
            read_again.update(job.source_id for job in orphans)
            with timed(timings, "files (parsed and written)"):
                feeds = _load_all(writer, orphans, workers)
        with db.atomic():
            mark_loaded(db, [target.archive for target in targets])
    finally:
        with timed(timings, "last commit"):
            writer.close()
    report.finishing = True
    ensure_finished(db, timings)
    if writer.bulk:
        with timed(timings, "journal"):
            shared_journal(db)


def _load_all(writer: Writer, jobs: Iterable[Job], workers: Optional[int]) -> list[Feed]:
    """Read, parse and write these files; returns the feeds among them, to be read apart."""
    feeds = []
    # Closed however the loop ends, so that a stop ends the workers at once.
    with contextlib.closing(iter_results(jobs, workers)) as results:
        for result in results:
            if isinstance(result, Feed):
                feeds.append(result)
            else:
                writer.add(result)
    writer.flush()
    return feeds


def load_feed(writer: Writer, feed: Feed, workers: Optional[int]) -> None:
    """Load a file that holds a whole blog (Blogger's export, a Takeout feed).

    It is read in ranges on every core and its entries set aside, then given back
    post by post (``read.feed``): the posts go to the workers a part at a time, and
    the rows come back to be written, all in one savepoint, so the feed is loaded
    wholly or not at all and memory holds a few parts however large the file.
    """
    job = feed.job
    writer.progress(f"{job.shown}: reading {feed.size / 1e6:,.1f} MB")
    try:
        with read_feed(feed, workers) as (head, parts, posts):
            if not writer.begin_feed(job, head):
                return
            done = 0
            with contextlib.closing(iter_results(parts, workers, FEED_CHUNK, FEED_PARALLEL_FROM)) as results:
                for result in results:
                    writer.add(result)
                    done += len(result.rows.threads)
                    writer.progress(f"{job.shown}: {done:,} of {posts:,} posts")
            writer.end_feed()
    except OSError as error:
        writer.add(Parsed(job, rows_of(unreadable(job.path, error), job.source_id, job.archive_id)))
        writer.flush()


@contextlib.contextmanager
def read_feed(feed: Feed, workers: Optional[int] = 1) -> Iterator[tuple[FileRows, Iterator[Part], int]]:
    """A feed's own rows (its source row, what was said of it as a whole), its posts
    in parts, to be turned into rows (``work.part_rows``) in order, and how many posts
    there are.

    The file is read whole, in ranges on ``workers`` processes (None: every core),
    and its entries set aside before the rows are given; the parts are taken from
    what was set aside.
    """
    job = feed.job
    workers = workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="blog-pipeline-") as folder:
        report, spools = set_aside_file(job.file, feed.format, folder, workers,
                                        lambda ranges: iter_results(ranges, workers, 1, 2))
        threads = iter_set_aside(spools, report)
        first = next(threads, None)  # the posts grouped, and what was left out counted, by now
        parsed = feed_file(job.path, None, report, [], sha256=feed.sha256, size=feed.size, line_count=feed.lines,
                           has_posts=first is not None)
        parsed.mtime_ns = feed.mtime_ns
        if first is None and report.skipped[ORPHANS]:
            parsed.layout_note = COMMENTS_ONLY
        head = replace(rows_of(parsed, job.source_id, job.archive_id, issue_key="feed "), no_posts=first is None)
        try:
            yield head, _parts(job, feed.format, itertools.chain([first] if first else [], threads)), report.posts
        finally:
            threads.close()


# A feed's posts go to the workers in parts of about this much of the file (or of
# this many posts): each about what a text dump holds.
PART_BYTES = 64 * 1024
PART_POSTS = 16


def _parts(job: Job, fmt: str, threads: Iterable[RawThread]) -> Iterator[Part]:
    part: list[RawThread] = []
    size = 0
    index = 0
    for thread in threads:
        part.append(thread)
        post, comments = thread
        size += len(post) + sum(len(c) for c in comments)
        if size >= PART_BYTES or len(part) >= PART_POSTS:
            yield Part(job, fmt, index, part)
            part, size, index = [], 0, index + 1
    if part:
        yield Part(job, fmt, index, part)


def _jobs(db: sqlite_utils.Database, walked: Iterable[Walked], writer: Writer) -> Iterator[Job]:
    """The files to read; those unchanged are reported as such, not read."""
    def new_id(item: Walked) -> int:
        # A new file takes the id its archive and path give, or the next free one
        # should another file have it.
        return writer.reserve(file_id(item.archive.name, item.path, writer.taken))

    for decision in iter_decisions(db, walked, new_id):
        if isinstance(decision, Unchanged):
            writer.unchanged(decision.walked.shown)
        else:
            yield decision


def remove_gone(db: sqlite_utils.Database, gone: list[Gone]) -> tuple[int, int]:
    """Delete the rows of files that are gone; returns how many were removed and moved.

    A gone file with a copy on disk (the same bytes under another name: a file that
    was moved or renamed) is not removed: its rows, ids included, pass to the copy.
    """
    removed = moved = 0
    if not gone:
        return removed, moved
    with db.atomic():
        mark_unfinished(db)
        for item in gone:
            heir = _copy_on_disk(db, item.source_id)
            if heir is None:
                db.execute("DELETE FROM sources WHERE id = ?", [item.source_id])
                removed += 1
                continue
            copy_id, archive_id, path, mtime_ns = heir
            db.execute("DELETE FROM sources WHERE id = ?", [copy_id])
            db.execute("UPDATE sources SET archive_id = ?, path = ?, mtime_ns = ? WHERE id = ?",
                       [archive_id, path, mtime_ns, item.source_id])
            moved += 1
    return removed, moved


def _copy_on_disk(db: sqlite_utils.Database, source_id: int) -> Optional[tuple]:
    for copy_id, archive_id, path, mtime_ns, root in db.execute(
            """SELECT s.id, s.archive_id, s.path, s.mtime_ns, a.root FROM sources s
               JOIN archives a ON a.id = s.archive_id WHERE s.held_by = ? AND s.layout = ? ORDER BY s.id""",
            [source_id, COPY]).fetchall():
        if os.path.isfile(os.path.join(root, path)):
            return copy_id, archive_id, path, mtime_ns
    return None


def iter_orphans(db: sqlite_utils.Database) -> Iterator[Job]:
    """Files whose posts another file held, to read again: that file changed or went.

    A copy is read again when its original no longer has its bytes; an older
    export, or a page of a post an export held, when the file holding it is gone
    or itself held by another.
    """
    for orphan in orphan_rows(db):
        file = os.path.join(orphan.root, orphan.path)
        if os.path.isfile(file):
            yield Job(file, orphan.path, orphan.archive_id, orphan.source_id, display_path(file), recorded=True,
                      blog_author=orphan.blog_author, blog_zone=orphan.blog_zone)


class Orphan(NamedTuple):
    """A file whose posts another file held, to be read again, and its archive's settings."""

    source_id: int
    archive_id: int
    path: str
    root: str  # its archive's folder
    blog_author: Optional[str]
    blog_zone: Optional[str]


def orphan_rows(db: sqlite_utils.Database) -> list[Orphan]:
    """Each file whose posts another file held, and that is to be read again (``iter_orphans``)."""
    return [Orphan(*row) for row in db.execute(
        """SELECT s.id, s.archive_id, s.path, a.root, a.blog_author, a.blog_zone FROM sources s
           JOIN archives a ON a.id = s.archive_id
           LEFT JOIN sources o ON o.id = s.held_by
           WHERE s.layout IN (?, ?) AND (o.id IS NULL OR o.held_by IS NOT NULL
                 OR (s.layout = ? AND o.sha256 != s.sha256))""", [COPY, SUPERSEDED, COPY])]


def count_files(paths: Iterable[str | os.PathLike], db_path: Optional[str | os.PathLike] = None) -> int:
    """How many files a load of ``paths`` walks (for a progress bar): a walk of its own."""
    skip = database_files(db_path) if db_path else set()
    return sum(1 for _ in iter_named([real(p) for p in paths], skip, on_error=lambda path, reason, error: None))


def database_files(path: str | os.PathLike) -> set[str]:
    """A database's own files, which a load never reads as input."""
    return {real(f"{path}{suffix}") for suffix in _DATABASE_FILES}


def _database_files(db: sqlite_utils.Database) -> set[str]:
    [name] = [row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"]
    return database_files(name) if name else set()
