"""Stage 5: load parsed files into SQLite, whole files at a time.

Files are read and parsed on every core (``work``) and written here in batches,
each batch one transaction holding whole files: however a load is interrupted,
every file is in the database wholly or not at all, and the next load finishes
the job.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import sqlite_utils

from .finish import ensure_finished, mark_unfinished
from .model import Issue, ParsedFile
from .schema import SCHEMA_VERSION, SchemaMismatch, drop_secondary_indexes, ensure_schema
from .work import Job, Unchanged, iter_results

# Ids are kept within JavaScript's safe integers, so Datasette's JSON keeps them exact.
_ID_BITS = 53
# A batch is written when it holds this many files or this many bytes of text.
BATCH_FILES = 500
BATCH_BYTES = 32 * 1024 * 1024
# Tables in the order their rows are inserted (parents before children).
TABLES = ("sources", "posts", "comments", "date_mentions", "parse_issues")


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
    db.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db)
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


def rows_of(parsed: ParsedFile) -> dict[str, list[dict]]:
    """The rows one parsed file becomes, table by table."""
    source_id = stable_id(parsed.path)
    ids = {c.path: stable_id(parsed.path, c.path) for c in parsed.comments}
    post = parsed.post
    rows: dict[str, list[dict]] = {table: [] for table in TABLES}
    rows["sources"].append({
        "id": source_id,
        "path": parsed.path,
        "sha256": parsed.sha256,
        "bytes": parsed.bytes,
        "mtime_ns": parsed.mtime_ns,
        "encoding": parsed.encoding,
        "layout": parsed.layout,
        "placement": parsed.placement,
        "layout_note": parsed.layout_note,
        "lines": parsed.line_count,
        "text": parsed.text,
        "loaded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    })
    if post is not None:
        rows["posts"].append({
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
    rows["comments"] = [
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
    ]
    rows["date_mentions"] = [
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
    ]
    rows["parse_issues"] = [
        {
            "id": stable_id(parsed.path, "issue", str(number)),
            "source_id": source_id,
            "line": issue.line,
            "kind": issue.kind,
            "severity": issue.severity,
            "message": issue.message,
        }
        for number, issue in enumerate(parsed.issues)
    ]
    return rows


def save_batch(db: sqlite_utils.Database, batch: list[ParsedFile], replace: bool = True) -> None:
    """Write whole files in one transaction, replacing any rows they had.

    ``replace=False`` skips looking for old rows: for files the database never had.
    """
    rows: dict[str, list[dict]] = {table: [] for table in TABLES}
    for parsed in batch:
        for table, table_rows in rows_of(parsed).items():
            rows[table].extend(table_rows)
    with db.atomic():
        mark_unfinished(db)
        if replace:
            db.conn.executemany("DELETE FROM sources WHERE id = ?", [(row["id"],) for row in rows["sources"]])
        for table in TABLES:
            if rows[table]:
                db[table].insert_all(rows[table], batch_size=len(rows[table]))


def save_parsed(db: sqlite_utils.Database, parsed: ParsedFile) -> int:
    """Write one file's rows in one transaction; returns its source id."""
    save_batch(db, [parsed])
    return stable_id(parsed.path)


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
    if not known and files:
        drop_secondary_indexes(db)  # made again, in bulk, by ensure_finished

    def stat_unchanged(path: str) -> bool:
        row = known.get(path)
        if row is None:
            return False
        try:
            stat = os.stat(path)
        except OSError:
            return False
        return stat.st_size == row["bytes"] and stat.st_mtime_ns == row["mtime_ns"]

    jobs = []
    for path in files:
        if stat_unchanged(path):
            report.unchanged += 1
            if on_file:
                on_file(FileResult(path, "unchanged"))
        else:
            jobs.append(Job(path, known[path]["sha256"] if path in known else None))

    batch: list[ParsedFile] = []
    batch_bytes = 0
    touched: list[Unchanged] = []

    def flush() -> None:
        nonlocal batch, batch_bytes
        if batch:
            save_batch(db, batch, replace=any(parsed.path in known for parsed in batch))
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

    for result in iter_results(jobs, workers):
        if isinstance(result, Unchanged):
            touched.append(result)
            report.unchanged += 1
            if on_file:
                on_file(FileResult(result.path, "unchanged"))
            continue
        batch.append(result)
        batch_bytes += len(result.text)
        if len(batch) >= BATCH_FILES or batch_bytes >= BATCH_BYTES:
            flush()
    flush()
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
