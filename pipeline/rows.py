"""What one parsed file becomes in the database: its rows, table by table.

A pure function of the parse result, run where the file was parsed, so that only
plain tuples travel to the process that writes them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Optional

from .model import Issue, ParsedFile

# Ids are kept within JavaScript's safe integers, so Datasette's JSON keeps them exact.
_ID_BITS = 53

# Tables in the order their rows are inserted (parents before children), and the
# columns each row gives, in schema.sql's order (a test holds them to it).
COLUMNS = {
    "sources": ("id", "path", "sha256", "bytes", "mtime_ns", "encoding", "layout", "placement", "layout_note",
                "lines", "text", "loaded_at"),
    "posts": ("id", "source_id", "title", "date_line", "published", "published_precision", "published_source",
              "published_evidence", "published_year", "published_month", "body", "first_line", "last_line",
              "comment_count"),
    "comments": ("id", "post_id", "parent_id", "path", "depth", "position", "seq", "body", "first_line",
                 "last_line"),
    "date_mentions": ("id", "post_id", "comment_id", "text", "start", "end", "value", "precision", "resolution"),
    "parse_issues": ("id", "source_id", "line", "kind", "severity", "message"),
}
TABLES = tuple(COLUMNS)
INSERTS = {
    table: f"INSERT INTO {table} ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' * len(columns))})"
    for table, columns in COLUMNS.items()
}


def stable_id(*parts: str) -> int:
    """An integer id derived from the parts, the same on every load.

    Every row's id is derived from its file's path and its place in the file, so
    loading a file again, or other files besides, never changes an id.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") & ((1 << _ID_BITS) - 1)


@dataclass
class FileRows:
    """One file's rows, ready to insert, and what the loader reports of it."""

    path: str
    source_id: int
    rows: dict[str, list[tuple]]
    issues: list[Issue]
    failed: bool
    size: int  # characters of text, for sizing batches


def rows_of(parsed: ParsedFile) -> FileRows:
    """The rows one parsed file becomes."""
    source_id = stable_id(parsed.path)
    ids = {c.path: stable_id(parsed.path, c.path) for c in parsed.comments}
    post = parsed.post
    loaded_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows: dict[str, list[tuple]] = {
        "sources": [(
            source_id, parsed.path, parsed.sha256, parsed.bytes, parsed.mtime_ns, parsed.encoding, parsed.layout,
            parsed.placement, parsed.layout_note, parsed.line_count, parsed.text, loaded_at,
        )],
        "posts": [],
        "comments": [
            (ids[c.path], source_id, ids[c.parent_path] if c.parent_path else None, c.path, c.depth, c.position,
             c.seq, c.body, c.first_line, c.last_line)
            for c in parsed.comments
        ],
        "date_mentions": [
            (stable_id(parsed.path, "mention", m.comment_path or "", str(m.start)), source_id,
             ids[m.comment_path] if m.comment_path else None, m.text, m.start, m.end, m.value, m.precision,
             m.resolution)
            for m in parsed.mentions
        ],
        "parse_issues": [
            (stable_id(parsed.path, "issue", str(number)), source_id, issue.line, issue.kind, issue.severity,
             issue.message)
            for number, issue in enumerate(parsed.issues)
        ],
    }
    if post is not None:
        published: Optional[str] = post.published
        rows["posts"].append((
            source_id, source_id, post.title, post.date_line, published, post.published_precision,
            post.published_source, post.published_evidence, int(published[:4]) if published else None,
            published[:7] if published and len(published) >= 7 else None, post.body, post.first_line,
            post.last_line, len(parsed.comments),
        ))
    return FileRows(parsed.path, source_id, rows, parsed.issues, parsed.failed, len(parsed.text))
