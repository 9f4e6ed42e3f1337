"""Reading and parsing files on every core, in order, a bounded number at a time.

``parse_bytes`` is a pure function of a file's path and bytes (and ``rows_of`` of
its result and the file's id), so the work is
spread over processes here, and could as well be spread over machines. The main
process only writes: results come back in file order, and no more than a few
chunks are ever in flight, so memory does not grow with the archive.
"""
from __future__ import annotations

import ctypes
import hashlib
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Optional, Union

from ..model import Issue, ParsedFile, reader_failed
from ..parse import FEED, NOT_READ, parse_bytes, understand_remote
from ..read import sniff
from ..read.files import open_raw
from ..read.feed import FeedReport, Range, entry_line, read_range, read_thread
from .plan import Job
from .rows import FileRows, rows_of

# Files per task sent to a worker.
CHUNK = 32
# Tasks given to each worker at a time: one to parse, one waiting, so that it need
# not wait for the consumer. What is parsed and not yet consumed is held in the
# consumer's memory, so no more is.
AHEAD = 2
# Below this many files, starting processes costs more than it saves.
PARALLEL_FROM = 200
# A feed's parts (``load.PART_BYTES`` of the file each) to a task, and how many make
# it worth starting processes.
FEED_CHUNK = 16
FEED_PARALLEL_FROM = 8


@dataclass(frozen=True)
class Touched:
    """A file whose bytes are those already loaded (only its modification time moved)."""

    job: Job
    mtime_ns: int


@dataclass
class Parsed:
    """A file read and turned into rows."""

    job: Job
    rows: FileRows


@dataclass(frozen=True)
class Feed:
    """A file that holds a whole blog (Blogger's export, a Takeout feed): read apart,
    post by post (``load``), not here. Its hash, size and line count are those of the
    bytes read here."""

    job: Job
    format: str
    mtime_ns: int
    sha256: str
    size: int
    lines: int


@dataclass(frozen=True)
class Part:
    """Some posts of a feed, to turn into rows: its ``index``-th part."""

    job: Job
    format: str  # the feed's
    index: int
    threads: list  # read.feed.RawThread: each post's and its comments' entries, packed


@dataclass
class PartRows:
    """A part of a feed turned into rows."""

    job: Job
    index: int
    rows: FileRows


Result = Union[Parsed, Touched, Feed, PartRows, FeedReport]
# Read in pieces: a feed may be far larger than memory should hold.
_READ_PIECE = 1 << 20


def read_and_parse(job: Job | Part | Range) -> Result:
    """Read one file and turn it into rows, unless its content is the one already
    loaded or it holds a whole blog (then it is handed back to be read apart). A
    part of a feed is turned into rows, a range of one read and set aside."""
    if isinstance(job, Part):
        return part_rows(job)
    if isinstance(job, Range):
        return read_range(job, stopped=lambda: _stopping is not None and _stopping.is_set())
    try:
        with open_raw(job.file) as f:
            head = f.read(sniff.SNIFF_BYTES)
            kind = sniff.sniff(head)
            if sniff.is_feed(kind):
                digest = hashlib.sha256(head)
                size, lines = len(head), head.count(b"\n") + 1
                for piece in iter(lambda: f.read(_READ_PIECE), b""):
                    digest.update(piece)
                    size += len(piece)
                    lines += piece.count(b"\n")
                data = None
            else:
                data = head + f.read()
            mtime_ns = os.fstat(f.fileno()).st_mtime_ns
    except OSError as error:
        return Parsed(job, rows_of(unreadable(job.path, error), job.source_id, job.archive_id))
    if data is None:
        if job.known_sha256 and digest.hexdigest() == job.known_sha256:
            return Touched(job, mtime_ns)
        return Feed(job, kind, mtime_ns, digest.hexdigest(), size, lines)
    if job.known_sha256 and hashlib.sha256(data).hexdigest() == job.known_sha256:
        return Touched(job, mtime_ns)
    try:
        parsed = parse_bytes(job.path, data, blog_author=job.blog_author)
    except Exception as error:  # a fault of the reader's own: this file fails, the batch goes on
        parsed = failed_file(job.path, error)
    parsed.mtime_ns = mtime_ns
    return Parsed(job, rows_of(parsed, job.source_id, job.archive_id))


def part_rows(part: Part) -> PartRows:
    """The rows of some posts of a feed; issues about them numbered within the part."""
    threads, issues = [], []
    for raw in part.threads:
        try:
            thread, thread_issues = understand_remote(read_thread(raw, part.format, part.job.blog_zone))
        except Exception as error:  # a fault of the reader's own: this post is left out, the feed goes on
            issues.append(reader_failed(entry_line(raw[0]), error, "this post is left out"))
            continue
        threads.append(thread)
        issues.extend(thread_issues)
    parsed = ParsedFile(part.job.path, "", 0, "", part.format, FEED, None, None, 0, threads, issues)
    rows = rows_of(parsed, part.job.source_id, part.job.archive_id, issue_key=f"part {part.index}")
    return PartRows(part.job, part.index, replace(rows, source=None, replaces=False))


def failed_file(path: str, error: Exception) -> ParsedFile:
    """A file the reader itself failed on (a fault in this program, not in the file), as a
    result to record: no hash is kept, so the next load reads it again."""
    return ParsedFile(
        path=path, sha256="", bytes=0, encoding="unknown", format="unknown", layout=NOT_READ, placement=None,
        layout_note=None, line_count=0, threads=[], issues=[reader_failed(1, error, "the file is not loaded")],
    )


def unreadable(path: str, error: OSError) -> ParsedFile:
    """A file that could not be read at all, as a result to record."""
    return ParsedFile(
        path=path, sha256="", bytes=0, encoding="unknown", format="unknown", layout=NOT_READ, placement=None,
        layout_note=None, line_count=0, threads=[],
        issues=[Issue(1, "unreadable", f"cannot read file: {error.strerror or error}", "error")],
    )


# In a worker: set by the loader when it stops, so that the work still queued is
# dropped rather than done.
_stopping = None


def _read_and_parse_chunk(jobs: list[Job | Part | Range]) -> list[Result]:
    results = []
    for job in jobs:
        if _stopping is not None and _stopping.is_set():
            return []  # nobody will read it
        results.append(read_and_parse(job))
    return results


def _start_worker(parent: int, stopping) -> None:
    """Make a worker process end with the process that started it, however that ends.

    Ctrl-C reaches every process of the terminal's group: the workers leave it to
    the loader, which asks them to stop (``stopping``). Should the loader be killed
    outright (SIGKILL), Linux kills the workers with it (PR_SET_PDEATHSIG);
    elsewhere, or should that fail, a thread notices that the parent is gone and
    ends the worker.
    """
    global _stopping
    _stopping = stopping
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker is forked with the loader's SIGTERM handler, which ignores a second
    # signal: the loader's last resort, terminate(), would then not end it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # gone before the above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def _stop(pool: ProcessPoolExecutor, stopping) -> None:
    """Stop a pool's workers, the work they hold abandoned.

    Each ends once the file it is reading is done: a worker is not killed, for one
    killed while sending a result leaves the pool's thread waiting for the rest of
    it, and the process could then never exit. Only one that does not end in
    ``_STOP_SECONDS`` is killed.
    """
    stopping.set()
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + _STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()


_STOP_SECONDS = 30.0


def iter_results(jobs: Iterable[Job | Part | Range], workers: Optional[int] = None, chunk: int = CHUNK,
                 parallel_from: int = PARALLEL_FROM) -> Iterator[Result]:
    """Each job's result, in order; parsed in ``workers`` processes (default: every core).

    Jobs are taken from ``jobs`` as they are needed, ``chunk`` to a task: no more
    than ``AHEAD`` tasks per worker are parsed ahead of the one being consumed, so
    the workers keep going while the consumer writes, and memory stays bounded
    however many jobs there are. Fewer jobs than ``parallel_from`` are parsed here.
    """
    jobs = iter(jobs)
    workers = workers or os.cpu_count() or 1
    first = list(itertools.islice(jobs, parallel_from))
    remaining = itertools.chain(first, jobs)
    if workers < 2 or len(first) < parallel_from:
        yield from map(read_and_parse, remaining)
        return
    tasks = iter(lambda: list(itertools.islice(remaining, chunk)), [])
    stopping = multiprocessing.get_context().Event()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(), stopping))
    finished = False
    try:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.submit(_read_and_parse_chunk, task))
            if len(pending) >= workers * AHEAD:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
        finished = True
    finally:
        # Stopped early (interrupted, or the consumer failed): the workers are
        # asked to stop, the work they hold dropped.
        if finished:
            pool.shutdown()
        else:
            _stop(pool, stopping)
