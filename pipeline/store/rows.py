"""What one parsed file becomes in the database: its rows, table by table.

A pure function of the parse result and the file's id, run where the file was
parsed, so that only plain tuples travel to the process that writes them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Optional

from ..model import Author, Issue, ParsedFile, Thread

# A post's rows take their ids from one block of the id space: the post's own id is
# the block's first, and each of its comments and date mentions is numbered within
# it. A file's issues are numbered within its own block (a file's id). A text dump's
# post is its file's: one block. A post from Blogger's own files takes the block its
# Blogger id gives, whichever file it comes from, so a newer export updates it. A
# post's rows are thus neighbours in every table: a load writes each post in one
# place instead of scattering its rows over whole tables. Ids stay within
# JavaScript's safe integers (53 bits), so Datasette's JSON keeps them exact.
_ID_BITS = 53
LOCAL_BITS = 20


def max_rows_per_file() -> int:
    """Rows a post may give one table: half its block, so numbering stays quick."""
    return 1 << (LOCAL_BITS - 1)


# Tables in the order their rows are inserted (parents before children), and the
# columns each row gives, in schema.sql's order (a test holds them to it).
COLUMNS = {
    "authors": ("id", "name", "profile_url", "kind", "key"),
    "sources": ("id", "archive_id", "path", "format", "sha256", "bytes", "mtime_ns", "held_by", "encoding", "layout",
                "placement", "layout_note", "lines", "blog_id", "feed_updated", "loaded_at"),
    "posts": ("id", "source_id", "remote_id", "url", "kind", "title", "date_line", "published",
              "published_precision", "published_source", "published_evidence", "published_at", "published_year",
              "published_month", "author_id", "body", "first_line", "last_line", "comment_count"),
    "post_labels": ("post_id", "label"),
    "comments": ("id", "post_id", "parent_id", "path", "depth", "position", "seq", "remote_id", "author_id",
                 "published_at", "deleted", "shown_time", "signature", "signed_time", "body", "first_line",
                 "last_line"),
    "comment_refs": ("id", "post_id", "comment_id", "start", "end", "text", "kind", "target", "target_comment_id",
                     "target_post", "method", "confidence", "candidates"),
    "date_mentions": ("id", "post_id", "comment_id", "text", "start", "end", "value", "precision", "resolution"),
    "parse_issues": ("id", "source_id", "line", "kind", "severity", "message"),
}
TABLES = tuple(COLUMNS)
_LAYOUT = COLUMNS["sources"].index("layout")
_LAYOUT_NOTE = COLUMNS["sources"].index("layout_note")
# The tables of a post's own rows, and the columns in them that hold ids of its block.
THREAD_TABLES = ("posts", "post_labels", "comments", "comment_refs", "date_mentions")
THREAD_IDS = {"posts": ("id",), "post_labels": ("post_id",), "comments": ("id", "post_id", "parent_id"),
              "comment_refs": ("id", "post_id", "comment_id", "target_comment_id"),
              "date_mentions": ("id", "post_id", "comment_id")}
# The layouts recorded for a file whose posts another file holds.
COPY = "copy"  # byte for byte the other file
SUPERSEDED = "superseded"  # an older export of the same blog, or a page of a post an export holds


def insert_into(target: str, table: str, verb: str = "INSERT") -> str:
    """A prepared INSERT of one row of ``table`` (its ``COLUMNS``) into ``target``."""
    columns = COLUMNS[table]
    return f"{verb} INTO {target} ({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' * len(columns))})"


# Authors are shared by every file that names them: inserted once, the name of the
# first mention that gives one kept (a profile's mention may give none: see
# ``read.blogger.author_of``).
INSERTS = {table: insert_into(table, table, "INSERT OR IGNORE" if table == "authors" else "INSERT")
           for table in COLUMNS}
INSERTS["authors"] += (" ON CONFLICT(id) DO UPDATE SET name = excluded.name"
                       " WHERE authors.name IS NULL AND excluded.name IS NOT NULL")


def _hash(*parts: str) -> int:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _block(*parts: str) -> int:
    blocks = 1 << (_ID_BITS - LOCAL_BITS)
    return (_hash(*parts) % blocks) << LOCAL_BITS


def next_block(block: int) -> int:
    """The block after ``block``, round the id space."""
    return (block + (1 << LOCAL_BITS)) % (1 << _ID_BITS)


def file_id(archive: str, path: str, taken: Callable[[int], bool] = lambda source_id: False) -> int:
    """The id of the file at ``path`` in the archive named ``archive``, derived from
    both: the same on every load, wherever the archive's folder is.

    Should another file already have it (``taken`` says so: about one chance in
    eight billion for each pair of files), the next free block is taken instead.
    """
    block = _block(archive, path)
    while taken(block):
        block = next_block(block)
    return block


def post_block(remote_id: str) -> int:
    """The block of a post that Blogger's own files give, from Blogger's id for it."""
    return _block("blogger-post", remote_id)


def author_id(key: str) -> int:
    """An author's id, from what makes it one author (``author_key``)."""
    return _hash("author", key) % (1 << _ID_BITS)


def author_key(author: Author) -> str:
    """What makes two mentions of an author one author: the profile, for a Blogger
    profile; otherwise the name (case and spacing aside), with the website given, if
    any, and kept apart by kind, so that a signature is never merged with a profile."""
    if author.kind == "profile" and author.profile_url:
        return f"profile:{author.profile_url.lower().rstrip('/')}"
    name = " ".join((author.name or "").split()).casefold()
    return f"{author.kind}:{name}:{(author.profile_url or '').lower().rstrip('/')}"


def _numbered(base: int, keys: Iterable[str]) -> list[int]:
    """Ids within the block at ``base``, one for each key, derived from the key.

    A key whose number another key of the post took gets the next free one, so a
    row keeps its id when rows are added to its post, unless their numbers collide.
    """
    mask = (1 << LOCAL_BITS) - 1
    used: set[int] = set()
    ids = []
    sha256 = hashlib.sha256
    for key in keys:
        local = int.from_bytes(sha256(key.encode("utf-8")).digest()[:8], "big") & mask  # _hash(key), inlined
        while local in used:
            local = (local + 1) & mask
        used.add(local)
        ids.append(base + local)
    return ids


@dataclass
class ThreadRows:
    """One post's rows, all with ids in the block at ``post_id``."""

    post_id: int
    remote_id: Optional[str]
    rows: dict[str, list[tuple]]

    def moved(self, base: int) -> "ThreadRows":
        """The same rows with their ids in the block at ``base`` instead."""
        low, high = self.post_id, self.post_id + (1 << LOCAL_BITS)

        def shift(value):
            return value - low + base if isinstance(value, int) and low <= value < high else value

        rows = {}
        for table, table_rows in self.rows.items():
            columns = [COLUMNS[table].index(c) for c in THREAD_IDS[table]]
            rows[table] = [tuple(shift(v) if k in columns else v for k, v in enumerate(row)) for row in table_rows]
        return ThreadRows(base, self.remote_id, rows)


@dataclass
class FileRows:
    """One file's rows, ready to insert, and what the loader reports of it."""

    path: str  # within its archive
    source_id: int
    sha256: str
    source: tuple  # its sources row
    issues: list[Issue]
    issue_rows: list[tuple]
    threads: list[ThreadRows]
    authors: list[tuple]
    failed: bool
    size: int  # characters of text, for sizing batches
    format: str = "dump"
    blog_id: Optional[str] = None
    feed_updated: Optional[str] = None
    held_note: Optional[str] = None  # for a file whose posts another holds: which, and why
    renamed: bool = False  # held by a file that is gone from disk: this is that file, renamed or moved
    replaces: bool = True  # whether writing it replaces the file's rows (not for a feed's later parts)
    no_posts: bool = False  # a feed's own rows, when it holds no post (Takeout's comments-only feed)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def layout_note(self) -> Optional[str]:
        return self.source[_LAYOUT_NOTE] if self.source else None

    @property
    def left_out(self) -> bool:
        """Whether the file is one known to hold no post (``parse._left_out``): read
        without error, yet not read as posts."""
        return not self.failed and self.source is not None and self.source[_LAYOUT] == "none"

    def table_rows(self, table: str) -> list[tuple]:
        if table == "sources":
            return [self.source] if self.source else []
        if table == "parse_issues":
            return self.issue_rows
        if table == "authors":
            return self.authors
        return [row for thread in self.threads for row in thread.rows[table]]


def rows_of(parsed: ParsedFile, source_id: int, archive_id: int, issue_key: str = "") -> FileRows:
    """The rows one parsed file becomes: its source row and issues in the block at
    ``source_id`` (``file_id``), each post in its own block. ``issue_key`` keeps the
    issues of a feed's parts apart."""
    issues = list(parsed.issues)
    threads = []
    authors: dict[str, tuple] = {}
    for thread in parsed.threads:
        over = _over_capacity(thread)
        if over:
            issues.append(Issue(thread.post.first_line, "too-large", f"a post gives {over}; one post may give a "
                                f"table at most {max_rows_per_file():,} rows: not loaded", "error"))
            continue
        base = post_block(thread.post.remote_id) if thread.post.remote_id else source_id
        threads.append(thread_rows(thread, base, source_id, authors))
    failed = any(issue.severity == "error" for issue in issues)
    if failed and parsed.format == "dump":
        threads, authors = [], {}
    layout = parsed.layout if threads or not failed else "none"
    issue_ids = _numbered(source_id, (f"{issue_key}{k}" for k in range(len(issues))))
    loaded_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    source = (source_id, archive_id, parsed.path, parsed.format, parsed.sha256, parsed.bytes, parsed.mtime_ns, None,
              parsed.encoding, layout, parsed.placement, parsed.layout_note, parsed.line_count, parsed.blog_id,
              parsed.feed_updated, loaded_at)
    issue_rows = [(issue_id, source_id, issue.line, issue.kind, issue.severity, issue.message)
                  for issue_id, issue in zip(issue_ids, issues[:max_rows_per_file()])]
    size = sum(len(t.post.body) + sum(len(c.body) for c in t.comments) for t in parsed.threads)
    return FileRows(parsed.path, source_id, parsed.sha256, source, issues, issue_rows, threads,
                    list(authors.values()), failed, size, parsed.format, parsed.blog_id, parsed.feed_updated,
                    skipped=dict(parsed.skipped))


def thread_rows(thread: Thread, base: int, source_id: int, authors: dict[str, tuple]) -> ThreadRows:
    """One post's rows, ids in the block at ``base``; its authors added to ``authors``."""
    post = thread.post
    # A comment is keyed by Blogger's id where it has one, else by its place in the thread.
    keys = {c.path: c.remote_id or c.path for c in thread.comments}
    ids = dict(zip(keys, _numbered(base, keys.values())))
    mention_ids = _numbered(base, (f"{m.comment_path or ''}\x1f{m.start}" for m in thread.mentions))
    ref_ids = _numbered(base, (f"ref\x1f{r.comment_path}\x1f{r.start}" for r in thread.refs))
    published: Optional[str] = post.published
    rows: dict[str, list[tuple]] = {
        "posts": [(
            base, source_id, post.remote_id, post.url, post.kind, post.title, post.date_line, published,
            post.published_precision, post.published_source, post.published_evidence, post.published_at,
            int(published[:4]) if published else None, published[:7] if published and len(published) >= 7 else None,
            _author(post.author, authors), post.body, post.first_line, post.last_line, len(thread.comments),
        )],
        "post_labels": [(base, label) for label in dict.fromkeys(post.labels)],
        "comments": [
            (ids[c.path], base, ids[c.parent_path] if c.parent_path else None, c.path, c.depth, c.position, c.seq,
             c.remote_id, _author(c.author, authors), c.published_at, int(c.deleted), c.shown_time, c.signature,
             c.signed_time, c.body, c.first_line, c.last_line)
            for c in thread.comments
        ],
        "comment_refs": [
            (ref_id, base, ids[r.comment_path], r.start, r.end, r.text, r.kind, r.target,
             ids[r.target_path] if r.target_path else None, int(r.target_post), r.method, r.confidence, r.candidates)
            for ref_id, r in zip(ref_ids, thread.refs)
        ],
        "date_mentions": [
            (mention_id, base, ids[m.comment_path] if m.comment_path else None, m.text, m.start, m.end, m.value,
             m.precision, m.resolution)
            for mention_id, m in zip(mention_ids, thread.mentions)
        ],
    }
    return ThreadRows(base, post.remote_id, rows)


def _author(author: Optional[Author], authors: dict[str, tuple]) -> Optional[int]:
    if author is None:
        return None
    key = author_key(author)
    if key not in authors or (authors[key][1] is None and author.name):
        authors[key] = (author_id(key), author.name, author.profile_url, author.kind, key)
    return authors[key][0]


def _over_capacity(thread: Thread) -> Optional[str]:
    limit = max_rows_per_file()
    counts = {"comments": len(thread.comments), "date mentions": len(thread.mentions),
              "references": len(thread.refs)}
    over = [f"{count:,} {what}" for what, count in counts.items() if count > limit]
    return " and ".join(over) or None


def held_rows(rows: FileRows, holder_id: int, layout: str, note: str) -> FileRows:
    """A file's rows when another file (``holder_id``) holds its posts: its source row,
    pointing at that file, and why, and what was said of it; no posts."""
    source = dict(zip(COLUMNS["sources"], rows.source))
    source.update(held_by=holder_id, layout=layout, placement=None, layout_note=note)
    return replace(rows, source=tuple(source[c] for c in COLUMNS["sources"]), threads=[], authors=[], size=0,
                   held_note=note)
