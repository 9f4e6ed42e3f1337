"""Reading Blogger's export and Google Takeout's feed: one Atom file for a whole blog.

The file is streamed (``lxml.etree.iterparse``), each entry read and let go as it
ends, so memory stays flat however large the file. Entries are matched by the local
names of their elements: namespace URIs vary between Blogger's files, and some real
exports use an ``app:`` prefix they never declare (libxml2 recovers them, and the
local name is what is left). Entities the file defines are never expanded, nothing
is fetched, and libxml2 refuses entity-expansion bombs.

Export: an entry's kind is its ``category`` of scheme ``...g/2005#kind`` (post,
comment, page; settings and template are not posts); a comment names its post in
``thr:in-reply-to/@ref`` and, when a reply, its parent in ``link[@rel=related]``;
drafts carry ``app:control/app:draft = yes``; a removed comment the extended
property ``blogger.contentRemoved``. Takeout: ``blogger:type``, ``blogger:status``,
``blogger:parent`` and ``blogger:inReplyTo``, ``blogger:trashed``, times in UTC.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
import tempfile
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator, Optional

import lxml.etree

from ..model import Issue
from .blogger import Entry, RemoteThread, author_of, iso_time, shown_clock, tag_parts, trailing_number
from .html import xml_parser_options

EXPORT = "blogger-export"
TAKEOUT = "takeout"

_KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
_LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
_TAKEOUT_TYPES = {"POST": "post", "PAGE": "page", "COMMENT": "comment"}
# Statuses of a Takeout entry that is on the blog; others (DRAFT, ...) are not posts.
_LIVE = {"LIVE", "", None}


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
    skipped: Counter = field(default_factory=Counter)  # draft, settings, template, trashed, ...
    issues: list[Issue] = field(default_factory=list)


def iter_entries(source: BinaryIO, report: FeedReport) -> Iterator[Entry]:
    """Every post, page and comment entry of a feed, in file order.

    Drafts, trashed entries, settings and templates are counted in ``report.skipped``,
    not given. Should the file be cut off or broken, the entries read whole before
    the break are given and the break is an issue in ``report.issues``; an entry
    the break cut into is not given.
    """
    for element in _iter_elements(source, report):
        entry = _entry(element, report)
        if entry is not None:
            yield entry


def iter_heads(source: BinaryIO, report: FeedReport) -> Iterator[Head]:
    """As ``iter_entries``, each entry's head only, with its XML for ``read_entry``."""
    for element in _iter_elements(source, report):
        head = _head(_children(element), report)
        if head is not None:
            kind, _, remote_id, post_id = head
            yield Head(kind, remote_id, post_id, element.sourceline or 1,
                       lxml.etree.tostring(element, encoding="utf-8"))


def _iter_elements(source: BinaryIO, report: FeedReport) -> Iterator:
    """Each whole entry element of a feed, let go of once the caller is done with it."""
    # Only the ends of entries reach Python: the feed's own fields are read from the
    # root when the first entry ends, before anything is let go.
    context = lxml.etree.iterparse(source, events=("end",), tag="{*}entry", **xml_parser_options())
    errors_seen = 0
    first = True
    try:
        for _, element in context:
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # an entry inside something else than the feed
            if first:
                _feed(parent, report)
                first = False
            log = context.error_log
            cut = False
            if len(log) > errors_seen:  # closed by the parser's recovery: cut off, not whole
                cut = any(error.level_name == "FATAL" for error in list(log)[errors_seen:])
                errors_seen = len(log)
            if not cut:
                yield element
            # Let go of what was read: the entry, and what came before it.
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    except lxml.etree.XMLSyntaxError as error:
        report.issues.append(Issue(error.lineno or 1, "broken-file", f"not well-formed XML: {error.msg}; "
                                   "the entries before it are kept", "warning"))
        return
    for error in context.error_log:
        if error.level_name == "FATAL":
            report.issues.append(Issue(error.line or 1, "broken-file",
                                       f"not well-formed XML: {error.message.strip()}; the entries read whole before "
                                       "it are kept", "warning"))
            break


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
    return found[0].text if found else None


@dataclass(frozen=True)
class Head:
    """What the loader needs of an entry to group it with its post: the rest of it is
    read from ``xml``, where there are cores to spare (``read_entry``)."""

    kind: str
    remote_id: str
    post_id: Optional[str]
    line: int
    xml: bytes


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
        if status not in _LIVE and not (kind == "comment" and status == "DELETED"):
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
    head = _head(children, report)
    if head is None:
        return None
    if report.format == TAKEOUT or "type" in children:
        return _takeout_entry(element, children, head)
    return _export_entry(element, children, head)


@functools.lru_cache(maxsize=1)
def _entry_parser() -> lxml.etree.XMLParser:
    """One parser for every entry a process reads whole: making one costs more than
    parsing an entry."""
    return lxml.etree.XMLParser(**xml_parser_options())


def read_entry(head: Head, fmt: str) -> Entry:
    """The whole of an entry that ``iter_heads`` gave the head of."""
    element = lxml.etree.fromstring(head.xml, _entry_parser())
    entry = _entry(element, FeedReport(format=fmt))
    entry.line = head.line
    entry.post_id = head.post_id  # as settled when grouping
    return entry


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
    deleted = kind == "comment" and (_text(children, "status") or "").strip().upper() == "DELETED"
    labels = tuple(c.get("term") for c in children.get("category", []) if c.get("term")
                   and c.get("scheme") in (None, _LABEL_SCHEME))
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


RawThread = tuple  # (Head of the post, [Heads of its comments])


def read_thread(raw: RawThread, fmt: str, zone: Optional[str] = None) -> RemoteThread:
    """A thread of heads (``iter_raw_threads``) read whole.

    ``zone``, the blog's time zone (an IANA name), gives the clock the blog showed
    beside each comment where the file does not: Takeout's times are in UTC.
    """
    post, comments = raw
    entries = [read_entry(comment, fmt) for comment in comments]
    if zone is not None:
        _shown_in(entries, zone)
    return RemoteThread(read_entry(post, fmt), entries)


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
    """Each post of a feed with its comments, as heads, one post at a time, in file order.

    A feed lists comments apart from their posts, in any order (an export: newest
    first, all posts mixed). The entries are set aside in a temporary database
    as they are read, then given back post by post: memory holds one thread, however
    large the file. A comment whose post the file does not hold is counted in
    ``report.skipped`` (``comment without its post``).
    """
    with tempfile.TemporaryDirectory(prefix="blog-pipeline-") as folder:
        spool = sqlite3.connect(os.path.join(folder, "entries.db"))
        try:
            yield from _spooled(spool, source, report)
        finally:
            spool.close()


def _spooled(spool: sqlite3.Connection, source: BinaryIO, report: FeedReport) -> Iterator[RawThread]:
    spool.execute("PRAGMA journal_mode = OFF")
    spool.execute("PRAGMA synchronous = OFF")
    spool.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, kind TEXT, remote_id TEXT, post_id TEXT, "
                  "line INTEGER, xml BLOB)")
    spool.executemany("INSERT INTO entries (kind, remote_id, post_id, line, xml) VALUES (?, ?, ?, ?, ?)",
                      ((h.kind, h.remote_id, h.post_id, h.line, h.xml) for h in iter_heads(source, report)))
    spool.execute("CREATE INDEX entries_remote ON entries(remote_id, kind)")
    # A Takeout reply may name its parent comment where a comment names its post:
    # its post is that comment's.
    spool.execute("""UPDATE entries SET post_id = (SELECT parent.post_id FROM entries parent
                     WHERE parent.kind = 'comment' AND parent.remote_id = entries.post_id)
                     WHERE kind = 'comment' AND post_id IN (SELECT remote_id FROM entries WHERE kind = 'comment')""")
    spool.execute("CREATE INDEX entries_post ON entries(post_id, kind)")
    seen: set[str] = set()
    # Two cursors on one connection: the posts in file order, each one's comments.
    for kind, remote_id, post_id, line, xml in spool.execute(
            "SELECT kind, remote_id, post_id, line, xml FROM entries WHERE kind != 'comment' ORDER BY seq"):
        if remote_id in seen:
            report.skipped["repeated post"] += 1
            continue
        seen.add(remote_id)
        comments = [Head(*row) for row in spool.execute(
            "SELECT kind, remote_id, post_id, line, xml FROM entries WHERE kind = 'comment' AND post_id = ? "
            "ORDER BY seq", [remote_id])]
        yield Head(kind, remote_id, post_id, line, xml), comments
    [orphans] = spool.execute(
        """SELECT count(*) FROM entries WHERE kind = 'comment'
           AND post_id NOT IN (SELECT remote_id FROM entries WHERE kind != 'comment')""").fetchone()
    if orphans:
        report.skipped["comment without its post"] += orphans
