"""What one parsed file becomes in the database: its rows, table by table.

A pure function of the parse result and the file's id, run where the file was
parsed, so that only plain tuples travel to the process that writes them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from ..model import Issue, ParsedFile
from ..parse import NOT_READ

# A file's rows take their ids from one block of the id space. The file's own id
# (its source's and its post's) is the block's first, derived from its path; each of
# its comments, date mentions and issues is numbered within the block. A file's rows
# are thus neighbours in every table: a load writes each file in one place instead
# of scattering its rows over whole tables. Ids stay within JavaScript's safe
# integers (53 bits), so Datasette's JSON keeps them exact.
_ID_BITS = 53
LOCAL_BITS = 20


def max_rows_per_file() -> int:
    """Rows a file may give one table: half its block, so numbering stays quick."""
    return 1 << (LOCAL_BITS - 1)


# Tables in the order their rows are inserted (parents before children), and the
# columns each row gives, in schema.sql's order (a test holds them to it).
COLUMNS = {
    "sources": ("id", "archive_id", "path", "sha256", "bytes", "mtime_ns", "copy_of", "encoding", "layout",
                "placement", "layout_note", "lines", "text", "loaded_at"),
    "posts": ("id", "source_id", "title", "date_line", "published", "published_precision", "published_source",
              "published_evidence", "published_year", "published_month", "body", "first_line", "last_line",
              "comment_count"),
    "comments": ("id", "post_id", "parent_id", "path", "depth", "position", "seq", "body", "first_line",
                 "last_line"),
    "date_mentions": ("id", "post_id", "comment_id", "text", "start", "end", "value", "precision", "resolution"),
    "parse_issues": ("id", "source_id", "line", "kind", "severity", "message"),
}
TABLES = tuple(COLUMNS)


def insert_into(target: str, table: str) -> str:
    """A prepared INSERT of one row of ``table`` (its ``COLUMNS``) into ``target``."""
    columns = COLUMNS[table]
    return f"INSERT INTO {target} ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' * len(columns))})"


INSERTS = {table: insert_into(table, table) for table in COLUMNS}


def _hash(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def file_id(archive: str, path: str, taken: Callable[[int], bool] = lambda source_id: False) -> int:
    """The id of the file at ``path`` in the archive named ``archive``, derived from
    both: the same on every load, wherever the archive's folder is.

    Should another file already have it (``taken`` says so: about one chance in
    eight billion for each pair of files), the next free block is taken instead.
    """
    blocks = 1 << (_ID_BITS - LOCAL_BITS)
    block = _hash(archive, path) % blocks
    while taken(block << LOCAL_BITS):
        block = (block + 1) % blocks
    return block << LOCAL_BITS


def _numbered(base: int, keys: Iterable[str]) -> list[int]:
    """Ids within the block at ``base``, one for each key, derived from the key.

    A key whose number another key of the file took gets the next free one, so a
    row keeps its id when rows are added to its file, unless their numbers collide.
    """
    mask = (1 << LOCAL_BITS) - 1
    used: set[int] = set()
    ids = []
    for key in keys:
        local = _hash(key) & mask
        while local in used:
            local = (local + 1) & mask
        used.add(local)
        ids.append(base + local)
    return ids


@dataclass
class FileRows:
    """One file's rows, ready to insert, and what the loader reports of it."""

    path: str  # within its archive
    source_id: int
    sha256: str
    rows: dict[str, list[tuple]]
    issues: list[Issue]
    failed: bool
    size: int  # characters of text, for sizing batches
    copy_note: Optional[str] = None  # for a copy of another file: which one


def rows_of(parsed: ParsedFile, source_id: int, archive_id: int) -> FileRows:
    """The rows one parsed file becomes, with ids in the block at ``source_id``
    (``file_id``)."""
    parsed = _within_capacity(parsed)
    paths = [c.path for c in parsed.comments]
    ids = dict(zip(paths, _numbered(source_id, paths)))
    mention_ids = _numbered(source_id, (f"{m.comment_path or ''}\x1f{m.start}" for m in parsed.mentions))
    issue_ids = _numbered(source_id, map(str, range(len(parsed.issues))))
    post = parsed.post
    loaded_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows: dict[str, list[tuple]] = {
        "sources": [(
            source_id, archive_id, parsed.path, parsed.sha256, parsed.bytes, parsed.mtime_ns, None, parsed.encoding,
            parsed.layout, parsed.placement, parsed.layout_note, parsed.line_count, parsed.text, loaded_at,
        )],
        "posts": [],
        "comments": [
            (ids[c.path], source_id, ids[c.parent_path] if c.parent_path else None, c.path, c.depth, c.position,
             c.seq, c.body, c.first_line, c.last_line)
            for c in parsed.comments
        ],
        "date_mentions": [
            (mention_id, source_id,
             ids[m.comment_path] if m.comment_path else None, m.text, m.start, m.end, m.value, m.precision,
             m.resolution)
            for mention_id, m in zip(mention_ids, parsed.mentions)
        ],
        "parse_issues": [
            (issue_id, source_id, issue.line, issue.kind, issue.severity,
             issue.message)
            for issue_id, issue in zip(issue_ids, parsed.issues)
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
    return FileRows(parsed.path, source_id, parsed.sha256, rows, parsed.issues, parsed.failed, len(parsed.text))


# The layout recorded for a file that is byte for byte another one already loaded.
COPY = "copy"


def copy_rows(copy: FileRows, original_id: int, original: str) -> FileRows:
    """A file's rows when it is a copy of the file ``original_id`` (shown as
    ``original``): its source row alone, pointing at the file that holds its posts."""
    [source] = copy.rows["sources"]
    row = dict(zip(COLUMNS["sources"], source))
    note = f"a copy of {original}: not loaded twice"
    row.update(copy_of=original_id, layout=COPY, placement=None, text="", layout_note=note)
    rows: dict[str, list[tuple]] = {table: [] for table in TABLES}
    rows["sources"] = [tuple(row[c] for c in COLUMNS["sources"])]
    return FileRows(copy.path, copy.source_id, copy.sha256, rows, [], False, 0, note)


def _within_capacity(parsed: ParsedFile) -> ParsedFile:
    """The file as parsed, or, when it gives a table more rows than its block holds,
    the file not read as a post, with an error saying why."""
    limit = max_rows_per_file()
    counts = {"comments": len(parsed.comments), "date mentions": len(parsed.mentions),
              "issues": len(parsed.issues)}
    over = [f"{count:,} {what}" for what, count in counts.items() if count > limit]
    if not over:
        return parsed
    issue = Issue(1, "too-large", f"the file gives {' and '.join(over)}; one file may give a table at most "
                  f"{limit:,} rows", "error")
    return dataclasses.replace(parsed, layout=NOT_READ, placement=None, layout_note=f"{parsed.layout}, too large",
                               post=None, comments=[], mentions=[], issues=[issue])
