"""Planning a load: which files to read, which are unchanged, which are gone.

Files are walked as they are loaded, so nothing is held per file: what the database
knows of them is asked for a chunk of paths at a time.
"""
from __future__ import annotations

import itertools
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import sqlite_utils

from ..model import PipelineError
from .archives import Archive, Target, innermost, within

# Files whose records are asked of the database in one query.
LOOKUP_FILES = 500


@dataclass(frozen=True)
class Walked:
    """A file found by the walk, placed in its archive."""

    archive: Archive
    path: str  # within the archive's folder, "/" between parts: what identifies the file
    file: str  # absolute, where it is read from
    shown: str  # as the user would write it: relative to the working directory when below it


@dataclass(frozen=True)
class Job:
    """A file to read and parse."""

    file: str
    path: str  # within its archive
    archive_id: int
    source_id: int  # the file's id (rows.file_id): its rows are numbered from it
    shown: str
    known_sha256: Optional[str] = None  # of the copy already loaded, if any
    recorded: bool = False  # whether the database has rows of it, to be replaced
    blog_author: Optional[str] = None  # whom its readers address as the blog's author (its archive's)
    blog_zone: Optional[str] = None  # the blog's time zone, for files with times in UTC only (its archive's)


@dataclass(frozen=True)
class Gone:
    """A recorded file no longer on disk."""

    source_id: int
    archive: Archive
    path: str


def display_path(path: str | os.PathLike) -> str:
    """A path as shown to the user: relative to the working directory when under it
    (bytes of a name that are not UTF-8 shown as U+FFFD)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    chosen = absolute if relative.startswith("..") else relative
    shown = Path(chosen).as_posix()
    return shown if shown.isascii() else shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


CANNOT_LIST = "cannot read folder"
# Why a file whose name is not UTF-8 (a name from an old archive or another system)
# is not loaded: paths are recorded as text.
NAME_NOT_UTF8 = "the file name is not UTF-8, as the database records names: rename the file to load it"


def _recordable(path: str) -> bool:
    if path.isascii():
        return True
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# Told of what the walk does not give, with why, and whether that is an error: a
# folder it cannot list, a file whose name the database cannot record (errors, which
# by default end the walk: ``not_walked``); a saved page's own files (no error).
OnError = Callable[[str, str, bool], None]
# A folder a browser saves beside a page ("Save as... complete": Page.html and
# Page_files/), holding its scripts, styles and images: no posts.
PAGE_FILES = "folder of a saved page's scripts, styles and images"
_PAGE_FILES_SUFFIX = "_files"
_PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".mhtml")


def not_walked(path: str, reason: str, error: bool = True) -> None:
    """What the walk does not give: an error ends it, with the reason for the user."""
    if error:
        raise PipelineError(f"{display_path(path)}: {reason}")


def iter_files(targets: list[Target], archives: list[Archive], skip: Iterable[str] = (),
               on_error: OnError = not_walked) -> Iterator[Walked]:
    """Every file named, and every file under each folder named, each placed in the
    innermost archive whose folder holds it (see ``iter_named``)."""
    folder, archive = None, None
    for file, shown in iter_named([t.path for t in targets], skip, on_error):
        here = os.path.dirname(file)
        if here != folder:
            folder, archive = here, innermost(archives, file)
        yield Walked(archive, within(file, archive.root), file, shown)


def iter_named(paths: list[str], skip: Iterable[str] = (), on_error: OnError = not_walked) -> Iterator[tuple[str, str]]:
    """(absolute path, path as shown) of every file named, and every file under each
    folder named, in sorted order.

    ``paths`` are absolute, symlinks resolved. Hidden files and folders (a leading
    dot) are skipped unless named, as are the paths in ``skip`` (the database being
    written). A file named twice (as itself and within its folder, or within two
    folders named) is given once. What is remembered to do so is the paths named,
    not the files found: memory does not grow with the number of files. A folder
    that cannot be listed, and a file whose name is not UTF-8, are told to
    ``on_error`` and not given.
    """
    skip = set(skip)
    folders = {p for p in paths if os.path.isdir(p)}
    files = set(paths) - folders
    done: set[str] = set()  # named folders walked, named files given
    for path in paths:
        if path in done:
            continue
        done.add(path)
        if path not in folders:
            if path in skip:
                continue
            if _recordable(path):
                yield path, display_path(path)
            else:
                on_error(path, NAME_NOT_UTF8, True)
            continue
        for root, names in _walk(path, folders, done, on_error):
            # Shown as the folder is, and named within it: display_path once per
            # folder rather than once per file.
            shown = display_path(root)
            prefix = "" if shown == "." else shown + "/"
            named_here = {os.path.basename(f) for f in files if os.path.dirname(f) == root}
            base = os.path.join(root, "")  # the folder and a separator: joined to each name
            for name in names:
                file = base + name
                if file in skip:
                    continue
                if name in named_here:  # also named itself: given once
                    if file in done:
                        continue
                    done.add(file)
                if _recordable(file):
                    yield file, prefix + name
                else:
                    on_error(file, NAME_NOT_UTF8, True)


def _walk(folder: str, folders: set[str], done: set[str], on_error: OnError) -> Iterator[tuple[str, list[str]]]:
    """Each folder under ``folder`` (itself first) with the names of its files, in
    sorted order, leaving out hidden ones and named folders already walked (and
    noting those walked into)."""
    def cannot_list(error: OSError) -> None:
        on_error(error.filename or folder, f"{CANNOT_LIST}: {error.strerror or error}", True)

    for root, dirs, names in os.walk(folder, onerror=cannot_list):
        kept = []
        for d in sorted(dirs):
            below = os.path.join(root, d)
            if d.startswith(".") or below in done:
                continue
            if d.endswith(_PAGE_FILES_SUFFIX) and any(d[:-len(_PAGE_FILES_SUFFIX)] + suffix in names
                                                      for suffix in _PAGE_SUFFIXES):
                on_error(below, PAGE_FILES, False)
                continue
            if below in folders:
                done.add(below)
            kept.append(d)
        dirs[:] = kept
        yield root, [name for name in sorted(names) if not name.startswith(".")]


@dataclass(frozen=True)
class Unchanged:
    """A file whose size and modification time are those recorded: not read."""

    walked: Walked


def iter_decisions(db: sqlite_utils.Database, walked: Iterable[Walked],
                   new_id: Callable[[Walked], int]) -> Iterator[Job | Unchanged]:
    """For each file walked: a job to read it, or Unchanged when it need not be read.

    A file whose size and modification time are those recorded is unchanged; one
    that differs is read, and hashed against the recorded content before it is
    parsed. A new file takes the id ``new_id`` gives it.
    """
    walked = iter(walked)
    # Files are looked up in the database a chunk at a time: one query per file
    # costs more than the rest of a re-run.
    for chunk in iter(lambda: list(itertools.islice(walked, LOOKUP_FILES)), []):
        known = _recorded(db, chunk)
        for item in chunk:
            row = known.get((item.archive.id, item.path))
            if row is None:
                yield _job(item, new_id(item))
                continue
            source_id, sha256, size, mtime_ns = row
            try:
                stat = os.stat(item.file)
                unchanged = stat.st_size == size and stat.st_mtime_ns == mtime_ns
            except OSError:
                unchanged = False
            if unchanged:
                yield Unchanged(item)
            else:
                yield _job(item, source_id, sha256, recorded=True)


def _job(item: Walked, source_id: int, known_sha256: Optional[str] = None, recorded: bool = False) -> Job:
    """The job of reading a walked file, with its archive's settings; ``known_sha256``
    and ``recorded`` as ``Job`` has them, for a file the database holds."""
    return Job(item.file, item.path, item.archive.id, source_id, item.shown, known_sha256, recorded=recorded,
               blog_author=item.archive.blog_author, blog_zone=item.archive.blog_zone)


def _recorded(db: sqlite_utils.Database, chunk: list[Walked]) -> dict[tuple[int, str], tuple]:
    """What the database holds of these files: id, sha256, bytes, mtime_ns."""
    out = {}
    for archive_id, items in itertools.groupby(sorted(chunk, key=lambda w: w.archive.id), lambda w: w.archive.id):
        paths = [item.path for item in items]
        for row in db.conn.execute(
                f"""SELECT path, id, sha256, bytes, mtime_ns FROM sources
                    WHERE archive_id = ? AND path IN ({', '.join('?' * len(paths))})""", [archive_id, *paths]):
            out[(archive_id, row[0])] = row[1:]
    return out


def find_gone(db: sqlite_utils.Database, targets: list[Target], archives: list[Archive]) -> list[Gone]:
    """Recorded files under the folders named that are no longer on disk.

    Only folders named count (a file named alone removes nothing), and only files
    really gone: a file that is there, whether or not the walk reads it, stays.
    """
    gone: dict[int, Gone] = {}
    for target in targets:
        if not target.is_folder:
            continue
        for archive in archives:
            if within(archive.root, target.path) is not None:
                prefix = ""
            else:
                prefix = within(target.path, archive.root)
                if prefix is None:
                    continue
            if prefix:
                # Every path below prefix/: those that sort between "prefix/" and "prefix0".
                rows = db.conn.execute("SELECT id, path FROM sources WHERE archive_id = ? AND path > ? AND path < ? "
                                       "ORDER BY path", [archive.id, prefix + "/", prefix + "0"])
            else:
                rows = db.conn.execute("SELECT id, path FROM sources WHERE archive_id = ? ORDER BY path",
                                       [archive.id])
            on_disk = _Listings()
            for source_id, path in rows:
                if source_id not in gone and not on_disk.exists(os.path.join(archive.root, path)):
                    gone[source_id] = Gone(source_id, archive, path)
    return list(gone.values())


class _Listings:
    """Whether files are there, asked of their folders' listings: one system call a
    folder rather than one a file. The listings of the last few folders asked are
    kept (files come sorted by path, so a folder's files come together, but for its
    sub-folders' between them)."""

    KEEP = 8

    def __init__(self) -> None:
        self.names: dict[str, Optional[frozenset]] = {}

    def exists(self, file: str) -> bool:
        """Whether a file or link, even a broken one, is there, or may be: only a file
        the system says does not exist, or a folder now in its place, is gone, never one
        that cannot be looked at (in a folder that cannot be listed or gone through)."""
        folder, name = os.path.split(file)
        if folder not in self.names:
            try:
                # A folder standing where a file was is not that file: the file is gone.
                with os.scandir(folder) as entries:
                    names: Optional[frozenset] = frozenset(entry.name for entry in entries
                                                           if not entry.is_dir(follow_symlinks=False))
            except (FileNotFoundError, NotADirectoryError):
                names = frozenset()
            except OSError:  # a folder that cannot be listed: ask of each file
                names = None
            if len(self.names) >= self.KEEP:
                del self.names[next(iter(self.names))]
            self.names[folder] = names
        names = self.names[folder]
        return _there(file) if names is None else name in names


def _there(file: str) -> bool:
    try:
        return not stat.S_ISDIR(os.lstat(file).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:  # cannot be told: there, as far as anyone knows
        return True
