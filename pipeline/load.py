"""Stage 5: load parsed files into SQLite, one transaction per file."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import sqlite_utils

from .finish import ensure_finished, mark_unfinished
from .model import Issue, ParsedFile, PipelineError
from .parse import parse_bytes

SCHEMA_VERSION = 3
# Ids are kept within JavaScript's safe integers, so Datasette's JSON keeps them exact.
_ID_BITS = 53


class SchemaMismatch(PipelineError):
    pass


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


def schema_path() -> Path:
    """The project's schema.sql: beside the package in a checkout, inside it in a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schema.sql", here.parent / "schema.sql"):
        if candidate.exists():
            return candidate
    raise PipelineError("schema.sql not found: reinstall the project")


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
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(schema_path().read_text())
    return db


def stable_id(*parts: str) -> int:
    """An integer id derived from the parts, the same on every load.

    Every row's id is derived from its file's path and its place in the file, so
    loading a file again, or other files besides, never changes an id.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << _ID_BITS) - 1)


def display_path(path: str | os.PathLike) -> str:
    """The path as stored: relative to the working directory when under it."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    chosen = absolute if relative.startswith("..") else relative
    return Path(chosen).as_posix()


def iter_source_files(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Every file named, and every file under each folder named, in sorted order.

    Hidden files and folders (a leading dot) are skipped.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield display_path(Path(root) / name)
        else:
            yield display_path(path)


def save_parsed(db: sqlite_utils.Database, parsed: ParsedFile) -> int:
    """Replace every row of one source with what it parsed to; returns the source id.

    Runs in one transaction: a file is either wholly in the database or not at all.
    """
    source_id = stable_id(parsed.path)
    post = parsed.post
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    ids = {c.path: stable_id(parsed.path, c.path) for c in parsed.comments}
    with db.atomic():
        mark_unfinished(db)
        db.execute("DELETE FROM sources WHERE path = ? OR id = ?", [parsed.path, source_id])
        db["sources"].insert({
            "id": source_id,
            "path": parsed.path,
            "sha256": parsed.sha256,
            "bytes": parsed.bytes,
            "encoding": parsed.encoding,
            "layout": parsed.layout,
            "placement": parsed.placement,
            "layout_note": parsed.layout_note,
            "lines": parsed.line_count,
            "text": parsed.text,
            "loaded_at": now,
        })
        if post is not None:
            db["posts"].insert({
                "id": source_id,
                "source_id": source_id,
                "title": post.title,
                "date_line": post.date_line,
                "published": post.published,
                "published_precision": post.published_precision,
                "published_source": post.published_source,
                "published_evidence": post.published_evidence,
                "published_year": int(post.published[:4]) if post.published else None,
                "published_month": post.published[:7] if post.published and len(post.published) >= 7 else None,
                "body": post.body,
                "first_line": post.first_line,
                "last_line": post.last_line,
                "comment_count": len(parsed.comments),
            })
        db["comments"].insert_all(
            (
                {
                    "id": ids[c.path],
                    "post_id": source_id,
                    "parent_id": ids[c.parent_path] if c.parent_path else None,
                    "path": c.path,
                    "depth": c.depth,
                    "position": c.position,
                    "seq": c.seq,
                    "body": c.body,
                    "first_line": c.first_line,
                    "last_line": c.last_line,
                }
                for c in parsed.comments
            ),
            batch_size=1000,
        )
        db["date_mentions"].insert_all(
            (
                {
                    "id": stable_id(parsed.path, "mention", m.comment_path or "", str(m.start)),
                    "post_id": source_id,
                    "comment_id": ids[m.comment_path] if m.comment_path else None,
                    "text": m.text,
                    "start": m.start,
                    "end": m.end,
                    "value": m.value,
                    "precision": m.precision,
                    "resolution": m.resolution,
                }
                for m in parsed.mentions
            ),
            batch_size=1000,
        )
        db["parse_issues"].insert_all(
            {
                "id": stable_id(parsed.path, "issue", str(number)),
                "source_id": source_id,
                "line": issue.line,
                "kind": issue.kind,
                "severity": issue.severity,
                "message": issue.message,
            }
            for number, issue in enumerate(parsed.issues)
        )
    return source_id


def read_failure(path: str, error: OSError) -> ParsedFile:
    """A file that could not be read at all, as a parse result to record."""
    reason = error.strerror or str(error)
    parsed = parse_bytes(path, b"")
    parsed.issues = [Issue(1, "unreadable", f"cannot read file: {reason}", "error")]
    parsed.encoding = "unknown"
    return parsed


def load_paths(
    db: sqlite_utils.Database,
    paths: Iterable[str | os.PathLike],
    *,
    keep_missing: bool = False,
    on_file: Optional[Callable[[FileResult], None]] = None,
    files: Optional[list[str]] = None,
) -> LoadReport:
    """Load every file under ``paths``, skipping those whose content is unchanged.

    Rows of files that are gone from a folder being loaded are removed unless
    ``keep_missing``. ``on_file`` is called after each file, for progress and
    reporting. The finishing work (dates, statistics) runs once at the end.
    """
    paths = list(paths)
    files = files if files is not None else list(iter_source_files(paths))
    known = {row["path"]: row["sha256"] for row in db.query("SELECT path, sha256 FROM sources")}
    report = LoadReport()
    for path in files:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            parsed = read_failure(path, error)
        else:
            if known.get(path) == hashlib.sha256(data).hexdigest():
                report.unchanged += 1
                if on_file:
                    on_file(FileResult(path, "unchanged"))
                continue
            parsed = parse_bytes(path, data)
        save_parsed(db, parsed)
        result = FileResult(path, "failed" if parsed.failed else "loaded", parsed.issues)
        if parsed.failed:
            report.failed.append(result)
        else:
            report.loaded += 1
        report.warnings += sum(1 for issue in parsed.issues if issue.severity != "error")
        if on_file:
            on_file(result)
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
