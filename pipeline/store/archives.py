"""Which archive each path named to a load belongs to: the identity of files.

An archive is a folder of raw files loaded as one: a blog, or one scrape of it. A
file is known by its archive and its path within the archive's folder, never by
the path as typed: the same folder named by a relative or an absolute path, through
a symlink, or from any working directory is the same archive, and its files the
same files. Where an archive's folder is is recorded (``archives.root``) and
followed when it moves: a folder, or a file, that is in no known archive's folder
but holds files whose bytes and paths are those of an archive whose folder no
longer holds them is that archive, moved.

A file belongs to the innermost archive whose folder holds it, so archives may be
nested, and a folder that holds other archives' folders leaves their files to them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from typing import Iterable, Optional

import sqlite_utils

from ..model import PipelineError
from ..parse import READER_VERSION
from ..read.files import open_raw

# Files hashed to recognise an archive that moved.
SAMPLE_FILES = 16


class ArchiveError(PipelineError):
    """A path that cannot be placed in the archive asked for."""


@dataclass
class Archive:
    id: int
    name: str
    root: str  # absolute, symlinks resolved
    blog_author: Optional[str] = None
    blog_zone: Optional[str] = None  # IANA name (Europe/London)
    reader: Optional[int] = READER_VERSION  # the reading rules its files were read with


# An Archive's fields, as columns of the archives table.
_COLUMNS = "id, name, root, blog_author, blog_zone, reader"


@dataclass(frozen=True)
class Target:
    """A path named to a load, placed in its archive."""

    archive: Archive
    path: str  # absolute, symlinks resolved
    is_folder: bool

    @property
    def relative(self) -> str:
        """The path within its archive's folder ("" for the folder itself)."""
        return within(self.path, self.archive.root) or ""


def within(path: str, folder: str) -> Optional[str]:
    """``path`` relative to ``folder`` with ``/`` between parts, or None when outside it."""
    if path == folder:
        return ""
    prefix = folder.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return None
    return path[len(prefix):].replace(os.sep, "/")


def real(path: str | os.PathLike) -> str:
    """The absolute path with symlinks resolved: the one spelling of a place."""
    return os.path.realpath(os.path.abspath(path))


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def all_archives(db: sqlite_utils.Database) -> list[Archive]:
    return [Archive(*row) for row in db.execute(f"SELECT {_COLUMNS} FROM archives ORDER BY id")]


def innermost(archives: Iterable[Archive], path: str) -> Optional[Archive]:
    """The archive with the deepest folder that holds ``path``, if any."""
    holding = [a for a in archives if within(path, a.root) is not None]
    return max(holding, key=lambda a: len(a.root), default=None)


def resolve_targets(db: sqlite_utils.Database, paths: Iterable[str | os.PathLike],
                    name: Optional[str] = None) -> list[Target]:
    """Place each named path in its archive, making or moving archives as needed.

    With ``name``, every path goes into the archive of that name (made, with the
    folder that holds all the paths as its folder, if there is none). Without, each
    path goes into the innermost archive whose folder holds it, else into an archive
    that moved there, else into a new archive of its own folder, named after it.
    Raises ArchiveError when a path lies outside the folder of the archive named,
    or in the folder of another archive, which holds its files: an archive's name is
    part of its files' ids, so files never change archive by being named so.
    """
    reals = [real(p) for p in paths]
    archives = all_archives(db)
    if name is not None:
        archive = next((a for a in archives if a.name == name), None)
        for path, shown in zip(reals, paths):
            other = innermost(archives, path)
            if other is not None and other is not archive and _holds(db, other, path):
                raise ArchiveError(
                    f"{shown} is in the folder of archive {other.name!r} ({other.root}), which holds its files: "
                    f"load it as --archive {other.name}, or with no --archive")
        if archive is None:
            archive = _create(db, name, _common_folder(reals))
            archives.append(archive)
        for path, shown in zip(reals, paths):
            if within(path, archive.root) is None:
                root = _moved_root(db, path, archive.id)
                if root is None:
                    raise ArchiveError(
                        f"{shown} is outside the folder of archive {name!r} ({archive.root}) and holds none of its "
                        f"files: load it into an archive of its own (--archive OTHER_NAME, or no --archive)")
                _move(db, archive, root)
    targets = []
    for path in reals:
        archive = innermost(archives, path)
        if (archive is None or archive.root != path) and _recognise_moved(db, path, archives):
            # An archive whose folder is gone may have moved here, into another
            # archive's folder too: it is then the innermost archive of its files.
            archive = innermost(archives, path)
        if archive is None:
            folder = path if os.path.isdir(path) else os.path.dirname(path)
            archive = _create(db, _free_name(db, _default_name(folder)), folder)
            archives.append(archive)
        targets.append(Target(archive, path, os.path.isdir(path)))
    return targets


def _holds(db: sqlite_utils.Database, archive: Archive, path: str) -> bool:
    """Whether ``archive`` holds files loaded from ``path`` (a file, or a folder's files)."""
    relative = within(path, archive.root)
    if relative is None:
        return False
    if not relative:
        return db.execute("SELECT 1 FROM sources WHERE archive_id = ? LIMIT 1", [archive.id]).fetchone() is not None
    prefix = relative + "/"
    return db.execute("SELECT 1 FROM sources WHERE archive_id = ? AND (path = ? OR substr(path, 1, ?) = ?) LIMIT 1",
                      [archive.id, relative, len(prefix), prefix]).fetchone() is not None


def _recognise_moved(db: sqlite_utils.Database, path: str, archives: list[Archive]) -> bool:
    """Follow an archive whose folder is gone and whose files are at ``path`` now.

    Returns whether one was found (its folder is then recorded as where they are).
    """
    votes: dict[tuple[int, str], int] = {}
    if db.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is None:
        return False  # nothing loaded yet: nothing moved
    for file in _sample(path):
        for archive_id, root in _roots_for(db, file):
            votes[(archive_id, root)] = votes.get((archive_id, root), 0) + 1
    if not votes:
        return False
    (archive_id, root), _ = max(votes.items(), key=lambda item: item[1])
    _move(db, next(a for a in archives if a.id == archive_id), root)
    return True


def _moved_root(db: sqlite_utils.Database, path: str, archive_id: int) -> Optional[str]:
    """Where archive ``archive_id``'s folder is now, judged from the files at ``path``."""
    votes: dict[str, int] = {}
    for file in _sample(path):
        for found_id, root in _roots_for(db, file):
            if found_id == archive_id:
                votes[root] = votes.get(root, 0) + 1
    return max(votes, key=votes.__getitem__) if votes else None


def _roots_for(db: sqlite_utils.Database, file: str) -> list[tuple[int, str]]:
    """(archive id, folder) of each archive whose folder is gone and that holds this
    file's bytes at a path that ``file`` ends with: where that archive is now.

    Only an archive whose folder is gone has moved: a folder that still exists with
    the same files in it was copied, and its files are copies.
    """
    try:
        with open_raw(file) as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()  # in pieces: a feed may be large
    except OSError:
        return []
    found = []
    for archive_id, root, relative in db.execute(
            """SELECT a.id, a.root, s.path FROM sources s JOIN archives a ON a.id = s.archive_id
               WHERE s.sha256 = ?""", [digest]):
        suffix = os.sep + relative.replace("/", os.sep)
        if file.endswith(suffix) and not os.path.isdir(root):
            found.append((archive_id, file[:-len(suffix)] or os.sep))
    return found


def _sample(path: str) -> list[str]:
    """A few of the files at ``path`` (itself, for a file), to recognise it by."""
    if not os.path.isdir(path):
        return [path]
    files: list[str] = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(os.path.join(root, n) for n in sorted(names) if not n.startswith("."))
        if len(files) >= SAMPLE_FILES:
            break
    return files[:SAMPLE_FILES]


def ensure_archive(db: sqlite_utils.Database, name: str, root: str, blog_author: Optional[str] = None,
                   blog_zone: Optional[str] = None) -> Archive:
    """The archive named ``name``, made with ``root`` as its folder (and ``blog_author``,
    ``blog_zone``) if there is none.

    For rows parsed elsewhere (shards), whose archive is known by its name only: an
    archive of that name already here keeps its folder, its blog author and zone.
    """
    row = db.execute(f"SELECT {_COLUMNS} FROM archives WHERE name = ?", [name]).fetchone()
    if row:
        return Archive(*row)
    return _create(db, name, root, blog_author, blog_zone)


def _create(db: sqlite_utils.Database, name: str, root: str, blog_author: Optional[str] = None,
            blog_zone: Optional[str] = None) -> Archive:
    stamp = now()
    cursor = db.execute(
        "INSERT INTO archives (name, root, first_loaded, last_loaded, blog_author, blog_zone, reader) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", [name, root, stamp, stamp, blog_author, blog_zone, READER_VERSION])
    return Archive(cursor.lastrowid, name, root, blog_author, blog_zone, READER_VERSION)


def _move(db: sqlite_utils.Database, archive: Archive, root: str) -> None:
    db.execute("UPDATE archives SET root = ? WHERE id = ?", [root, archive.id])
    archive.root = root


def apply_settings(db: sqlite_utils.Database, archives: Iterable[Archive], blog_author: Optional[str] = None,
                   blog_zone: Optional[str] = None) -> None:
    """Give the archives the settings a load names (``--blog-author``, ``--blog-zone``;
    None: as they are)."""
    archives = list(archives)
    if blog_author is not None:
        set_blog_author(db, archives, blog_author)
    if blog_zone is not None:
        set_blog_zone(db, archives, blog_zone)


def set_blog_author(db: sqlite_utils.Database, archives: Iterable[Archive], name: str) -> None:
    """Record whom the archives' readers address as the blog's author; where that
    changes, their files are read again (what their references point at may change)."""
    _set(db, archives, "blog_author", name)


def set_blog_zone(db: sqlite_utils.Database, archives: Iterable[Archive], zone: str) -> None:
    """Record the archives' blog's time zone; where that changes, their files are
    read again (the clock their comments showed, and what time references address)."""
    _set(db, archives, "blog_zone", zone)


def set_reader(db: sqlite_utils.Database, archives: Iterable[Archive]) -> None:
    """Record that the archives' files are read by these reading rules
    (``READER_VERSION``); where they were read by others, they are read again."""
    _set(db, archives, "reader", READER_VERSION)


def _set(db: sqlite_utils.Database, archives: Iterable[Archive], column: str, value) -> None:
    for archive in {a.id: a for a in archives}.values():
        if getattr(archive, column) == value:
            continue
        db.execute(f"UPDATE archives SET {column} = ? WHERE id = ?", [value, archive.id])
        db.execute("UPDATE sources SET mtime_ns = NULL, sha256 = '' WHERE archive_id = ?", [archive.id])
        setattr(archive, column, value)


def mark_loaded(db: sqlite_utils.Database, archives: Iterable[Archive]) -> None:
    """Record that these archives were loaded now."""
    stamp = now()
    db.conn.executemany("UPDATE archives SET last_loaded = ? WHERE id = ?",
                        [(stamp, a.id) for a in {a.id: a for a in archives}.values()])


def _common_folder(paths: list[str]) -> str:
    folders = [p if os.path.isdir(p) else os.path.dirname(p) for p in paths]
    return os.path.commonpath(folders)


def _default_name(folder: str) -> str:
    """An archive's name from its folder: the folder's own name ("raw", "blog-2019")."""
    name = os.path.basename(folder.rstrip(os.sep))
    return re.sub(r"\s+", " ", name).strip() or "archive"


def _free_name(db: sqlite_utils.Database, name: str) -> str:
    """``name``, or ``name-2``, ``name-3``... when another archive has it."""
    taken = {row[0] for row in db.execute("SELECT name FROM archives")}
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name}-{k}"
    return candidate
