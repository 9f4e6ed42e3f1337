"""Reading Blogger's export and Google Takeout's feed: one Atom file for a whole blog.

The file is streamed (``lxml.etree.iterparse``), each entry read and let go as it
ends, so memory stays flat however large the file; a large file is cut into ranges
at entries' ends, each read on a core of its own (``cut_feed``). Entries are set
aside on disk as they are read and given back post by post (``iter_set_aside``):
a feed lists comments apart from their posts. Entries are matched by the local
names of their elements: namespace URIs vary between Blogger's files, and some real
exports use an ``app:`` prefix they never declare (libxml2 recovers them, and the
local name is what is left). Entities the file defines are never expanded, nothing
is fetched, and libxml2 refuses entity-expansion bombs.

Export: an entry's kind is its ``category`` of scheme ``...g/2005#kind`` (post,
comment, page; settings and template are not posts); a comment names its post in
``thr:in-reply-to/@ref`` and, when a reply, its parent in ``link[@rel=related]``;
drafts carry ``app:control/app:draft = yes``; a removed comment the extended
property ``blogger.contentRemoved``. Takeout: ``blogger:type``, ``blogger:status``,
``blogger:parent`` and ``blogger:inReplyTo``, ``blogger:trashed``, times in UTC; a removed
comment has the status ``GHOSTED_COMMENT``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import marshal
import os
import sqlite3
import tempfile
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable, Iterator, Optional

import lxml.etree

from ..model import Author, Issue, reader_failed
from .blogger import Entry, RemoteThread, author_of, iso_time, shown_clock, tag_parts, trailing_number
from .html import xml_parser_options

EXPORT = "blogger-export"
TAKEOUT = "takeout"

_KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
_LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
_TAKEOUT_TYPES = {"POST": "post", "PAGE": "page", "COMMENT": "comment"}
# Statuses of a Takeout entry that is on the blog; others (DRAFT, SPAM_COMMENT,
# PENDING_MODERATION, ...) are not posts or comments.
_LIVE = {"LIVE", "", None}
# Statuses of a comment removed on the blog but shown in its place, kept without text:
# GHOSTED_COMMENT is Takeout's (its content empty), DELETED an earlier guess at it.
_REMOVED = {"GHOSTED_COMMENT", "DELETED"}


def local(tag) -> str:
    """An element's name without namespace or (undeclared) prefix: ``draft`` of ``app:draft``."""
    try:
        return _LOCAL[tag]
    except KeyError:
        name = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] if isinstance(tag, str) else ""
        if isinstance(tag, str) and len(_LOCAL) < 10_000:  # a file's few names, not whatever one invents
            _LOCAL[tag] = name
        return name


_LOCAL: dict[str, str] = {}


@dataclass
class FeedReport:
    """What reading a feed found besides posts and comments."""

    format: str = EXPORT
    blog_id: Optional[str] = None
    updated: Optional[str] = None  # the feed's own time: which of two exports is newer
    # The latest time among its entries, in UTC: the time of a feed that gives none
    # of its own (Takeout's). Read only then.
    latest: Optional[str] = None
    skipped: Counter = field(default_factory=Counter)  # draft, settings, template, trashed, ...
    posts: int = 0  # the posts (and pages) given back, once grouped (``iter_set_aside``)
    issues: list[Issue] = field(default_factory=list)
    # Whether the parser met a fatal error (the file is not well-formed) and went on
    # as it could: a feed read in ranges (``cut_feed``) is then read again as a whole,
    # as only a whole reading says what such a file holds. (An undeclared prefix is
    # an error, not a fatal one: it is the same in every range.)
    recovered: bool = False

    def add(self, other: "FeedReport") -> None:
        """Add what reading another range of the same file found."""
        self.format = other.format if other.format == TAKEOUT else self.format
        self.blog_id = self.blog_id or other.blog_id
        self.updated = self.updated or other.updated
        self.latest = max(filter(None, (self.latest, other.latest)), default=None)
        self.skipped.update(other.skipped)
        self.issues.extend(other.issues)
        self.recovered = self.recovered or other.recovered


def iter_entries(source: BinaryIO, report: FeedReport, line_offset: int = 0, careful: bool = False) -> Iterator[Entry]:
    """Every post, page and comment entry of a feed, in file order.

    Drafts, trashed entries, settings and templates are counted in ``report.skipped``,
    not given. Should the file be cut off or broken, the entries read whole are
    given and the break is an issue in ``report.issues``; an entry the break cut
    into is not given. ``line_offset`` is added to every line number
    (``source`` being a range of a file, read after the file's header). ``careful``
    reads a file known to be broken so as to put each error down to the entry it
    stands in (see ``_iter_elements``).
    """
    for element in _iter_elements(source, report, line_offset, careful):
        try:
            entry = _entry(element, report)
        except Exception as error:  # a fault of the reader's own: this entry is left out, the file goes on
            report.issues.append(reader_failed((element.sourceline or 1) + line_offset, error,
                                               "this entry is left out"))
            continue
        if entry is not None:
            entry.line += line_offset
            if entry.published_at is None:
                _say_bad_time(element, entry, report)
            yield entry


# A broken file is given to the parser this much at a time, so that an error it
# meets is known to stand in the entry being read, not anywhere in a larger piece
# read ahead (``_iter_elements``).
_CAREFUL_BYTES = 64
# Errors that leave the entry they stand in whole: a character XML does not allow (a
# control character, a reference to one, bytes not of the file's encoding), which
# the parser leaves out. Any other error (a tag cut off, or closed by another) may
# have cost the entry it stands in a part of itself.
_CHARACTER_ERRORS = frozenset({"ERR_INVALID_CHAR", "ERR_INVALID_CHARREF", "ERR_INVALID_ENCODING"})


class _Pieces:
    """A file read ``_CAREFUL_BYTES`` at a time, however much is asked for."""

    def __init__(self, source: BinaryIO):
        self.source = source

    def read(self, n: int = -1) -> bytes:
        return self.source.read(_CAREFUL_BYTES if n is None or n < 0 or n > _CAREFUL_BYTES else n)


def _say_bad_time(element, entry: Entry, report: FeedReport) -> None:
    """A warning for an entry whose time is written but is no time with its offset
    (``2019-02-30T...``, ``25:00``, ``+99:00``): it has no exact time."""
    written = next((child.text.strip() for child in element if local(child.tag) in ("published", "created")
                    and isinstance(child.text, str) and child.text.strip()), None)
    if written:
        report.issues.append(Issue(entry.line, "bad-time", f"the {entry.kind} {entry.remote_id}'s time "
                                   f"{written[:40]!r} is no time with its offset: it has no exact time", "warning"))


def _iter_elements(source: BinaryIO, report: FeedReport, line_offset: int = 0, careful: bool = False) -> Iterator:
    """Each whole entry element of a feed, let go of once the caller is done with it.

    An entry is whole unless an error that may cut an entry was met while it was
    read: the parser, recovering, closes what the error left open (a file cut off
    ends the entry it cut into). The parser reads ahead of the entries it gives, so
    an error is known to stand in one entry only when the file is read ``careful``ly,
    a little at a time, every entry's start noted: a file that meets such an error
    (``report.recovered``) is to be read again so.
    """
    # Only the starts (when careful) and ends of entries reach Python: the feed's own
    # fields are read from the root when the first entry ends, before anything is let go.
    if careful:
        context = lxml.etree.iterparse(_Pieces(source), events=("start", "end"), tag="{*}entry",
                                       **xml_parser_options())
    else:
        context = lxml.etree.iterparse(source, events=("end",), tag="{*}entry", **xml_parser_options())
    errors = _Errors(report, line_offset)
    opened: list[int] = []  # for each entry open, the errors that may cut one met before its start
    first = True
    try:
        for event, element in context:
            ended = errors.cutting  # at the last event
            errors.note(context.error_log)
            if event == "start":
                opened.append(errors.cutting)
                continue
            cutting_before = opened.pop() if opened else ended
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # an entry inside something else than the feed
            if first:
                _feed(parent, report)
                first = False
            if errors.cutting == cutting_before:
                yield element
            # Let go of what was read: the entry, and what came before it.
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    except lxml.etree.XMLSyntaxError as error:
        report.recovered = True
        report.issues.append(Issue((error.lineno or 1) + line_offset, "broken-file",
                                   f"not well-formed XML: {error.msg}; the entries before it are kept", "warning"))
        return
    errors.note(context.error_log)
    errors.tell()


class _Errors:
    """The errors the parser met in a feed, as they are met: how many may cut an
    entry, the first of them, and the characters left out."""

    def __init__(self, report: FeedReport, line_offset: int):
        self.report = report
        self.line_offset = line_offset
        self.seen = 0
        self.cutting = 0
        self.first_cutting = None
        self.characters = 0
        self.first_character = None

    def note(self, log) -> None:
        if len(log) == self.seen:
            return
        for error in list(log)[self.seen:]:
            if error.level_name != "FATAL":
                continue
            if error.type_name in _CHARACTER_ERRORS:
                self.characters += 1
                self.first_character = self.first_character or error
            else:
                self.cutting += 1
                self.first_cutting = self.first_cutting or error
        self.seen = len(log)

    def tell(self) -> None:
        """Say in the report what was met: the first error that may cut an entry, and
        the characters left out."""
        if self.first_cutting is not None:
            error = self.first_cutting
            self.report.recovered = True
            self.report.issues.append(Issue(
                (error.line or 1) + self.line_offset, "broken-file",
                f"not well-formed XML: {error.message.strip()}; the entries read whole are kept, an entry it cut "
                "into is not", "warning"))
        if self.first_character is not None:
            error = self.first_character
            many = f"{self.characters} characters" if self.characters > 1 else "a character"
            self.report.issues.append(Issue(
                (error.line or 1) + self.line_offset, "invalid-character",
                f"{many} that XML does not allow left out of the text (the first at column {error.column}: "
                f"{error.message.strip()}); every entry is kept", "warning"))


def _feed(root, report: FeedReport) -> None:
    """What the feed says of itself: Takeout's or Blogger's, the blog's id, its time."""
    _feed_start(root, report)
    for child in root:
        if local(child.tag) in ("id", "updated"):
            _feed_field(child, report)


def _feed_start(element, report: FeedReport) -> None:
    namespaces = {uri for uri in (element.nsmap or {}).values() if uri}
    if any("schemas.google.com/blogger/2018" in uri for uri in namespaces):
        report.format = TAKEOUT


def _feed_field(element, report: FeedReport) -> None:
    if local(element.tag) == "id" and report.blog_id is None:
        report.blog_id = tag_parts(element.text)[0]
    elif local(element.tag) == "updated" and report.updated is None:
        report.updated = iso_time(element.text)


def _note_latest(children, report: FeedReport) -> None:
    """Note an entry's times (any entry's: a draft's too) in ``report.latest`` when later."""
    for name in ("updated", "published"):
        moment = iso_time(_text(children, name), utc=True)
        if moment is not None and (report.latest is None or moment > report.latest):
            report.latest = moment


def _children(element) -> dict[str, list]:
    out: dict[str, list] = {}
    for child in element:
        name = local(child.tag)
        if name in out:
            out[name].append(child)
        else:
            out[name] = [child]
    return out


def _text(children: dict[str, list], name: str) -> Optional[str]:
    found = children.get(name)
    if not found:
        return None
    try:
        return found[0].text
    except UnicodeDecodeError:
        # A reference to a character XML does not allow (&#xD800;), which the parser,
        # recovering, kept as bytes that are no UTF-8: each such character as U+FFFD.
        return lxml.etree.tostring(found[0], method="text", encoding="utf-8", with_tail=False).decode(
            "utf-8", "replace") or None


def _head(children, report: FeedReport) -> Optional[tuple[str, Optional[str], str, Optional[str]]]:
    """(kind, blog id, remote id, post id) of an entry that is a post, page or comment
    on the blog; None, counted in ``report.skipped``, for anything else."""
    if report.format == TAKEOUT or "type" in children:
        kind = _TAKEOUT_TYPES.get((_text(children, "type") or "").strip().upper())
        if kind is None:
            report.skipped[(_text(children, "type") or "unknown").strip().lower() or "unknown"] += 1
            return None
        status = (_text(children, "status") or "").strip().upper()
        if (_text(children, "trashed") or "").strip():
            report.skipped["trashed"] += 1
            return None
        if status not in _LIVE and not (kind == "comment" and status in _REMOVED):
            report.skipped[status.lower()] += 1
            return None
        # A comment's post, or for a reply perhaps its parent comment (see ``_spooled``).
        post_id = tag_parts(_text(children, "parent"))[2] if kind == "comment" else None
    else:
        kind = next((c.get("term", "").rsplit("#", 1)[-1] for c in children.get("category", [])
                     if c.get("scheme") == _KIND_SCHEME), None)
        if kind not in ("post", "page", "comment"):
            report.skipped[kind or "unknown"] += 1
            return None
        if _is_draft(children):
            report.skipped["draft"] += 1
            return None
        reply_to = children.get("in-reply-to")
        post_id = tag_parts(reply_to[0].get("ref"))[2] if kind == "comment" and reply_to else None
    blog_id, _, remote_id = tag_parts(_text(children, "id"))
    if remote_id is None:
        report.skipped["unknown"] += 1
        return None
    return kind, blog_id, remote_id, post_id


def _entry(element, report: FeedReport) -> Optional[Entry]:
    children = _children(element)
    if report.updated is None:
        _note_latest(children, report)
    head = _head(children, report)
    if head is None:
        return None
    if report.format == TAKEOUT or "type" in children:
        return _takeout_entry(element, children, head)
    return _export_entry(element, children, head)


def _export_entry(element, children, head) -> Entry:
    kind, blog_id, remote_id, post_id = head
    labels = tuple(c.get("term") for c in children.get("category", [])
                   if c.get("scheme") == _LABEL_SCHEME and c.get("term"))
    links = {(link.get("rel"), link.get("type")): link.get("href") for link in children.get("link", [])}
    entry = Entry(kind=kind, remote_id=remote_id, line=element.sourceline or 1, blog_id=blog_id, post_id=post_id,
                  published_at=iso_time(_text(children, "published")), title=(_text(children, "title") or "").strip(),
                  content=_text(children, "content") or "", author=_author(children), labels=labels)
    if kind == "comment":
        entry.parent_id = next((trailing_number(href) for (rel, _), href in links.items() if rel == "related"), None)
        properties = {prop.get("name"): prop.get("value") for prop in children.get("extendedProperty", [])}
        entry.deleted = properties.get("blogger.contentRemoved") == "true"
        if entry.deleted:
            entry.content = ""
        # The time as the blog showed it: the export's times are in the blog's own zone.
        entry.shown_time = entry.published_at[11:16] if entry.published_at else None
        entry.twelve_hour = shown_clock(properties.get("blogger.displayTime"))[1]
    entry.url = next((href for (rel, _), href in links.items() if rel == "alternate"), None)
    return entry


def _is_draft(children) -> bool:
    for control in children.get("control", []):
        for child in control:
            if local(child.tag) == "draft" and (child.text or "").strip().lower() == "yes":
                return True
    return False


def _author(children) -> Optional[object]:
    found = children.get("author")
    if not found:
        return None
    parts = _children(found[0])
    return author_of(_text(parts, "name"), _text(parts, "uri"))


def _takeout_entry(element, children, head) -> Entry:
    kind, blog_id, remote_id, post_id = head
    deleted = kind == "comment" and (_text(children, "status") or "").strip().upper() in _REMOVED
    # Takeout gives a label the blog's own tag id as its scheme (``tag:blogger.com,1999:blog-ID``);
    # it has no kind categories, so every category but one of kind is a label.
    labels = tuple(c.get("term") for c in children.get("category", []) if c.get("term")
                   and c.get("scheme") != _KIND_SCHEME)
    entry = Entry(kind=kind, remote_id=remote_id, line=element.sourceline or 1, blog_id=blog_id, post_id=post_id,
                  published_at=iso_time(_text(children, "published") or _text(children, "created")),
                  title=(_text(children, "title") or "").strip(), content="" if deleted else
                  (_text(children, "content") or ""), author=_author(children), labels=labels, deleted=deleted,
                  url=(_text(children, "filename") or "").strip() or None)
    if kind == "comment":
        # inReplyTo names a reply's parent comment.
        entry.parent_id = tag_parts(_text(children, "inReplyTo"))[2]
    return entry


def iter_threads(source: BinaryIO, report: FeedReport) -> Iterator[RemoteThread]:
    """Each post of a feed with its comments, read whole, one post at a time."""
    for raw in iter_raw_threads(source, report):
        yield read_thread(raw, report.format)


# -- a feed set aside, then given back post by post ------------------------------------
#
# A feed lists comments apart from their posts, in any order (an export: newest first,
# all posts mixed). So its entries are set aside as they are read, each packed as
# bytes in a database on disk, and given back post by post: memory holds one thread,
# however large the file. A large file is read in ranges, each on a core of its own
# (``cut_feed``), each range set aside in a database of its own.

RawThread = tuple  # (the post's entry, [its comments' entries]), each packed (``pack``)
# What comments whose post the file does not hold are counted as (``FeedReport.skipped``).
ORPHANS = "comment without its post"
# What a feed that holds such comments and no post is: Takeout's Blogger/Comments/NAME/feed.atom.
COMMENTS_ONLY = ("comments without their posts in this file (as Takeout's Blogger/Comments/NAME/feed.atom holds "
                 "those an account wrote on a blog): left out; the blog's own feed holds the blog")

_FIELDS = tuple(f.name for f in dataclasses.fields(Entry))
_AUTHOR = _FIELDS.index("author")
_LINE = _FIELDS.index("line")


def pack(entry: Entry) -> bytes:
    """An entry as bytes, to set aside or to send to another process (``unpack``)."""
    values = [getattr(entry, name) for name in _FIELDS]
    author = entry.author
    values[_AUTHOR] = None if author is None else (author.name, author.profile_url, author.kind)
    return marshal.dumps(tuple(values))


def entry_line(data: bytes) -> int:
    """The line a packed entry starts at."""
    return marshal.loads(data)[_LINE]


def unpack(data: bytes) -> Entry:
    values = list(marshal.loads(data))
    if values[_AUTHOR] is not None:
        values[_AUTHOR] = Author(*values[_AUTHOR])
    return Entry(*values)


def read_thread(raw: RawThread, fmt: str, zone: Optional[str] = None) -> RemoteThread:
    """A thread set aside (``iter_set_aside``), its entries unpacked.

    ``zone``, the blog's time zone (an IANA name), gives the clock the blog showed
    beside each comment where the file does not: Takeout's times are in UTC.
    """
    post_data, comments_data = raw
    post = unpack(post_data)
    entries = [unpack(data) for data in comments_data]
    for entry in entries:
        entry.post_id = post.remote_id  # as settled when grouping (a Takeout reply may name its parent)
    if zone is not None:
        _shown_in(entries, zone)
    return RemoteThread(post, entries)


def _shown_in(entries: list[Entry], zone: str) -> None:
    """Set the time shown (``HH:MM``) of each entry that has a time and none shown,
    as a clock in ``zone`` reads it."""
    tz = _zone(zone)
    for entry in entries:
        if entry.shown_time is None and entry.published_at:
            entry.shown_time = dt.datetime.fromisoformat(entry.published_at).astimezone(tz).strftime("%H:%M")


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def iter_raw_threads(source: BinaryIO, report: FeedReport) -> Iterator[RawThread]:
    """Each post of a feed read from ``source`` with its comments, packed, one post at a
    time, in file order (see ``iter_set_aside``). A broken file is read again,
    carefully, when ``source`` can be gone back in."""
    with tempfile.TemporaryDirectory(prefix="blog-pipeline-") as folder:
        path = os.path.join(folder, "range-0.db")
        start = source.tell() if source.seekable() else None
        found = FeedReport(format=report.format)
        set_aside(iter_entries(source, found), path)
        if found.recovered and start is not None:
            os.unlink(path)
            source.seek(start)
            found = FeedReport(format=report.format)
            set_aside(iter_entries(source, found, careful=True), path)
        for name in (f.name for f in dataclasses.fields(FeedReport)):
            setattr(report, name, getattr(found, name))
        yield from iter_set_aside([path], report)


def set_aside(entries: Iterable[Entry], path: str) -> None:
    """Write ``entries`` into a new database at ``path``, in order."""
    spool = sqlite3.connect(path)
    try:
        spool.execute("PRAGMA journal_mode = OFF")
        spool.execute("PRAGMA synchronous = OFF")
        spool.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, kind TEXT, remote_id TEXT, post_id TEXT, "
                      "data BLOB)")
        spool.executemany("INSERT INTO entries (kind, remote_id, post_id, data) VALUES (?, ?, ?, ?)",
                          ((e.kind, e.remote_id, e.post_id, pack(e)) for e in entries))
        spool.commit()
    finally:
        spool.close()


def iter_set_aside(paths: list[str], report: FeedReport) -> Iterator[RawThread]:
    """Each post set aside in ``paths`` (``set_aside``: the ranges of one file, in file
    order) with its comments, in file order.

    A comment whose post the file does not hold, and a post the file holds twice, are
    counted in ``report.skipped`` before the first post is given.
    """
    folder = os.path.dirname(paths[0])
    index = sqlite3.connect(os.path.join(folder, "index.db"))
    try:
        yield from _grouped(index, paths, report)
    finally:
        index.close()


def _grouped(index: sqlite3.Connection, paths: list[str], report: FeedReport) -> Iterator[RawThread]:
    index.execute("PRAGMA journal_mode = OFF")
    index.execute("PRAGMA synchronous = OFF")
    index.execute("CREATE TABLE heads (seq INTEGER PRIMARY KEY, range INTEGER, local INTEGER, kind TEXT, "
                  "remote_id TEXT, post_id TEXT)")
    for k, path in enumerate(paths):
        index.execute(f"ATTACH DATABASE ? AS range{k}", [path])
        index.execute(f"INSERT INTO heads (range, local, kind, remote_id, post_id) "
                      f"SELECT {k}, seq, kind, remote_id, post_id FROM range{k}.entries ORDER BY seq")
    index.execute("CREATE INDEX heads_remote ON heads(remote_id, kind)")
    # A Takeout reply may name its parent comment where a comment names its post:
    # its post is that comment's.
    index.execute("""UPDATE heads SET post_id = (SELECT parent.post_id FROM heads parent
                     WHERE parent.kind = 'comment' AND parent.remote_id = heads.post_id)
                     WHERE kind = 'comment' AND post_id IN (SELECT remote_id FROM heads WHERE kind = 'comment')""")
    index.execute("CREATE INDEX heads_post ON heads(post_id, kind)")
    [orphans] = index.execute(
        """SELECT count(*) FROM heads WHERE kind = 'comment'
           AND post_id NOT IN (SELECT remote_id FROM heads WHERE kind != 'comment')""").fetchone()
    [given, report.posts] = index.execute(
        "SELECT count(*), count(DISTINCT remote_id) FROM heads WHERE kind != 'comment'").fetchone()
    repeated = given - report.posts
    if orphans:
        report.skipped[ORPHANS] += orphans
    if repeated:
        report.skipped["repeated post"] += repeated
    # Each entry beside its data, the ranges' tables read as one, in file order.
    index.execute("CREATE TEMP VIEW entries AS " + " UNION ALL ".join(
        f"SELECT heads.seq, heads.kind, heads.remote_id, heads.post_id, range{k}.entries.data FROM heads "
        f"JOIN range{k}.entries ON range{k}.entries.seq = heads.local WHERE heads.range = {k}"
        for k in range(len(paths))))
    seen: set[str] = set()
    # Two cursors on one connection: the posts in file order, each one's comments.
    for remote_id, data in index.execute("SELECT remote_id, data FROM entries WHERE kind != 'comment' ORDER BY seq"):
        if remote_id in seen:
            continue
        seen.add(remote_id)
        comments = [row[0] for row in index.execute(
            "SELECT data FROM entries WHERE kind = 'comment' AND post_id = ? ORDER BY seq", [remote_id])]
        yield data, comments


# -- a large feed read in ranges, on several cores -------------------------------------

# A file is cut in ranges of at least this much, and no more than this many (each is
# a database attached to one connection: SQLite allows ten).
RANGE_BYTES = 16 << 20
MAX_RANGES = 8


@dataclass(frozen=True)
class Range:
    """A range of a feed file, read as a feed of its own (``read_range``): the file's
    ``header`` (up to its first entry: the root's start tag and the feed's own fields),
    the bytes from ``start`` to ``end``, and the root's end tag ``close``. The first
    range starts at the file's start and has no header; the last has no ``close``.
    Its entries are set aside in ``spool``."""

    file: str
    start: int
    end: int
    header: bytes
    close: bytes
    lines_before: int  # line ends in the file before ``start``
    format: str
    spool: str
    careful: bool = False  # read a broken file so as to tell which entries its errors cut (``iter_entries``)


def cut_feed(path: str, pieces: int, fmt: str, folder: str) -> list[Range]:
    """The ranges to read a feed file in, on ``pieces`` cores; their databases go in ``folder``.

    A range ends where an entry ends and the next begins, at the top of the feed. The
    file is read as one range when it is small, or when it holds anything that could
    hide an entry's tags from a search of its bytes: a CDATA section, a comment, a
    document type (any ``<!``, which Blogger's files never hold: their HTML is escaped).
    The file is searched a piece at a time, never held whole.
    """
    size = os.path.getsize(path)
    whole = [Range(path, 0, size, b"", b"", 0, fmt, os.path.join(folder, "range-0.db"))]
    pieces = min(pieces, MAX_RANGES, size // RANGE_BYTES)
    if pieces < 2:
        return whole
    with open(path, "rb") as f:
        first = _find(f, b"<entry", 0)
        while first >= 0 and _read_at(f, first + 6, 1) not in _TAG_ENDS:
            first = _find(f, b"<entry", first + 1)
        if first < 0 or _find(f, b"<!", 0) >= 0:
            return whole
        header = _read_at(f, 0, first)
        close = _root_end_tag(header)
        if close is None:
            return whole
        cuts = [0]
        for k in range(1, pieces):
            at = _next_entry(f, max(k * size // pieces, cuts[-1] + 1, first))
            if at < 0:
                break
            cuts.append(at)
        if len(cuts) < 2:
            return whole
        lines = [0]
        for start, end in zip(cuts, cuts[1:]):
            lines.append(lines[-1] + _count_lines(f, start, end))
    ends = cuts[1:] + [size]
    return [Range(path, start, end, header if k else b"", close if end < size else b"", lines[k], fmt,
                  os.path.join(folder, f"range-{k}.db"))
            for k, (start, end) in enumerate(zip(cuts, ends))]


_PIECE = 1 << 20
# The bytes that may follow a tag's name.
_TAG_ENDS = (b">", b" ", b"\t", b"\r", b"\n", b"/")


def _read_at(f: BinaryIO, at: int, n: int) -> bytes:
    f.seek(at)
    return f.read(n)


def _find(f: BinaryIO, needle: bytes, at: int) -> int:
    """Where ``needle`` first stands in the file at ``at`` or after, or -1."""
    keep = len(needle) - 1
    f.seek(at)
    piece = f.read(_PIECE)
    while piece:
        i = piece.find(needle)
        if i >= 0:
            return at + i
        more = f.read(_PIECE)
        if not more:
            return -1
        at += len(piece) - keep
        piece = piece[len(piece) - keep:] + more
    return -1


def _next_entry(f: BinaryIO, at: int) -> int:
    """Where the first entry that starts right after another's end, at ``at`` or later, starts; -1 if none."""
    end = _find(f, b"</entry>", at)
    while end >= 0:
        after = _read_at(f, end + len(b"</entry>"), 256)
        rest = after.lstrip(b" \t\r\n")
        if rest.startswith(b"<entry") and rest[6:7] in _TAG_ENDS:
            return end + len(b"</entry>") + len(after) - len(rest)
        end = _find(f, b"</entry>", end + 1)
    return -1


def _count_lines(f: BinaryIO, start: int, end: int) -> int:
    f.seek(start)
    count = 0
    while start < end:
        piece = f.read(min(_PIECE, end - start))
        if not piece:
            break
        count += piece.count(b"\n")
        start += len(piece)
    return count


def _root_end_tag(header: bytes) -> Optional[bytes]:
    """The end tag of the root element that ``header`` starts (``</feed>``), or None."""
    parser = lxml.etree.XMLPullParser(events=("start",), **xml_parser_options())
    parser.feed(header)
    for _, element in parser.read_events():
        name = local(element.tag)
        if name != "feed":
            return None
        return f"</{element.prefix}:{name}>".encode() if element.prefix else f"</{name}>".encode()
    return None


class _RangeReader:
    """A range of a file read as a file: its header, its bytes, its end tag."""

    def __init__(self, f: BinaryIO, part: Range):
        f.seek(part.start)
        self.f = f
        self.left = part.end - part.start
        self.before = part.header
        self.after = part.close

    def read(self, n: int = -1) -> bytes:
        n = n if n > 0 else 1 << 20
        if self.before:
            out, self.before = self.before[:n], self.before[n:]
            return out
        if self.left > 0:
            data = self.f.read(min(n, self.left))
            self.left = self.left - len(data) if data else 0
            if data:
                return data
        out, self.after = self.after[:n], self.after[n:]
        return out


def read_range(part: Range, stopped: Callable[[], bool] = lambda: False) -> FeedReport:
    """Read a range of a feed file and set its entries aside; returns what it found.

    ``stopped`` is asked now and then: once it says so, reading ends where it is.
    """
    report = FeedReport(format=part.format)
    offset = part.lines_before - part.header.count(b"\n")

    def entries(source) -> Iterator[Entry]:
        for count, entry in enumerate(iter_entries(source, report, offset, part.careful)):
            if count % 256 == 255 and stopped():
                return
            yield entry

    with open(part.file, "rb") as f:
        set_aside(entries(_RangeReader(f, part)), part.spool)
    return report


def set_aside_file(path: str, fmt: str, folder: str, pieces: int = 1,
                   run: Optional[Callable[[list[Range]], Iterable[FeedReport]]] = None) -> tuple[FeedReport, list[str]]:
    """Read the feed file at ``path`` and set its entries aside in ``folder``, in up to
    ``pieces`` ranges, each read by ``run`` (``read_range`` mapped over the ranges,
    on several cores); returns what was found and the databases, in file order.

    Should any range meet something the parser had to recover from, the file is read
    again as one range, carefully: the ranges of a broken file would not say what the
    whole says, and only a careful reading tells which entries its errors cut.
    """
    ranges = cut_feed(path, pieces, fmt, folder)
    reports = list((run or _read_each)(ranges)) if len(ranges) > 1 else [read_range(ranges[0])]
    if any(report.recovered for report in reports):
        for part in ranges:
            os.unlink(part.spool)
        ranges = [Range(path, 0, os.path.getsize(path), b"", b"", 0, fmt, os.path.join(folder, "whole.db"),
                        careful=True)]
        reports = [read_range(ranges[0])]
    report = reports[0]
    for other in reports[1:]:
        report.add(other)
    return report, [part.spool for part in ranges]


def _read_each(ranges: list[Range]) -> Iterator[FeedReport]:
    return map(read_range, ranges)
