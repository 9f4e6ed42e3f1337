"""What Blogger's own files say of posts and comments: entries, and threads made of them.

Blogger's export, a Takeout feed and a saved post page all come down to entries: a
post (or a page) and its comments, each with Blogger's id, its author, its exact
time, its HTML, and, for a reply, the id of the comment it answers. The readers
(``feed`` for the export and Takeout, ``page`` for saved pages) make entries; a
thread is one post's entry and its comments' (``RemoteThread``), which the
understanding stage turns into a post and comments like those of a text dump.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Optional

from ..model import Author, Comment, Issue
from ..understand.words import names_no_one
from .html import html_to_text

# Names Blogger shows for a commenter who gave none, in the languages of its pages.
ANONYMOUS_NAMES = frozenset({"", "anonymous", "anonym", "anonyme", "anónimo", "anonimo", "anoniem", "anônimo",
                             "anonimowy", "anonymní", "névtelen", "anonyymi", "anonymt"})
# A Google account's profile, as opposed to a website a commenter gave with a name:
# Blogger's own, or a Google+ or Google profile, which exports of 2011 to 2019 give
# for authors who had linked one (by number or by a +name).
_PROFILE = re.compile(r"^https?://(?:(?:www\.)?blogger\.com/profile/\d+"
                      r"|plus\.google\.com/(?:u/\d+/)?(?:\d+|\+[^/?#\s]+)|profiles\.google\.com/\d+)", re.I)
# The name Blogger's export gives a profile whose name it could not give (the same
# profile's other entries may give it): no name.
_NO_PROFILE_NAMES = frozenset({"unknown"})
# tag:blogger.com,1999:blog-BLOG.post-ID, .page-ID; the number is what identifies it,
# whatever word is before it (files made by other tools than Blogger's export write
# a comment's as .comment-ID).
_TAG_ID = re.compile(r"blog-(?P<blog>\d+)(?:\.(?P<what>[a-z]+)-(?P<id>\d+))?")
_TRAILING_NUMBER = re.compile(r"(\d+)/*$")


@dataclass
class Entry:
    """One post, page or comment as Blogger's file gives it.

    ``content`` is the HTML as written (made text later, by ``html.html_to_text``);
    ``published_at`` is ISO 8601 with milliseconds and an offset; ``line`` is where
    the entry starts in the file.
    """

    kind: str  # post, page, comment
    remote_id: str
    line: int
    blog_id: Optional[str] = None
    post_id: Optional[str] = None  # a comment's post
    parent_id: Optional[str] = None  # a reply's parent comment
    published_at: Optional[str] = None
    title: str = ""
    content: str = ""
    url: Optional[str] = None
    author: Optional[Author] = None  # None: anonymous
    labels: tuple[str, ...] = ()
    deleted: bool = False  # a comment whose content was removed: kept, without text
    date_text: Optional[str] = None  # the date a page shows (its header), where it has no exact time
    shown_time: Optional[str] = None  # HH:MM as the blog showed it, in its own time zone
    twelve_hour: bool = False  # the blog shows times with AM/PM


@dataclass
class RemoteThread:
    """A post's entry and its comments' entries, in any order."""

    post: Entry
    comments: list[Entry] = field(default_factory=list)
    complete: bool = True  # False when the file says it holds only some of the comments

    @property
    def twelve_hour(self) -> bool:
        """Whether the blog shows comment times with AM/PM ("9:19 PM")."""
        return any(comment.twelve_hour for comment in self.comments)


def author_of(name: Optional[str], uri: Optional[str]) -> Optional[Author]:
    """The author a file names, or None for an anonymous commenter.

    A commenter with no link and the name Blogger gives nobody ("Anonymous", in the
    page's language), or a name typed in that names no one ("Anon", "anon 20:43"),
    is anonymous: never one author for all who wrote it. A profile link (Blogger's, Google+)
    makes a ``profile`` author (with no name where the file gives Blogger's "Unknown");
    a name typed in, with or without a website, a ``name`` one. (Takeout types
    name-only commenters ANONYMOUS too: their name tells them apart.)
    """
    name = " ".join((name or "").split())
    uri = (uri or "").strip() or None
    if uri is None and (name.lower() in ANONYMOUS_NAMES or names_no_one(name)):
        return None
    if uri and _PROFILE.match(uri):
        return Author(None if name.lower() in _NO_PROFILE_NAMES else name or None, uri, "profile")
    return Author(name or None, uri, "name")


def tag_parts(tag: Optional[str]) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(blog id, what it is (post, page, ...), number) of a Blogger tag id; Nones where it has none."""
    match = _TAG_ID.search(tag or "")
    if not match:
        return None, None, None
    return match["blog"], match["what"], match["id"]


def trailing_number(url: Optional[str]) -> Optional[str]:
    """The number a URL ends with (a reply's ``related`` link ends with its parent's id)."""
    match = _TRAILING_NUMBER.search(url or "")
    return match[1] if match else None


def iso_time(text: Optional[str], utc: bool = False) -> Optional[str]:
    """An RFC 3339 time as ISO 8601 with milliseconds and a numeric offset, or None.

    ``2014-03-06T10:23:00Z`` is ``2014-03-06T10:23:00.000+00:00``; a time with no
    offset is not an instant and gives None. ``utc``: the same instant in UTC, so that
    such times compare as strings.
    """
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    if utc:
        try:
            moment = moment.astimezone(dt.timezone.utc)
        except OverflowError:  # at the calendar's end, in UTC a day past it
            return None
    return moment.isoformat(timespec="milliseconds")


def from_epoch_ms(ms: int) -> str:
    """Milliseconds since 1970 (``?showComment=``) as an ISO 8601 time in UTC."""
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    return moment.isoformat(timespec="milliseconds")


def instant(iso: Optional[str]) -> Optional[dt.datetime]:
    return dt.datetime.fromisoformat(iso) if iso else None


def build_remote_thread(entries: list[Entry]) -> tuple[list[Comment], list[Issue]]:
    """Place a post's comment entries in their thread, as Blogger shows them.

    Top-level comments in the order of their times, each followed by its replies in
    the order of theirs (file order where times are equal; a comment without a time
    stays after the one before it in the file). Blogger
    threads one level deep: a reply to a reply is placed under the comment its
    parent answers. A reply whose parent is not in the file is kept as a top-level
    comment, and said so. Text is made from each entry's HTML; a removed comment
    has none.
    """
    issues: list[Issue] = []
    by_id: dict[str, Entry] = {}
    for entry in entries:
        if entry.remote_id in by_id:
            issues.append(Issue(entry.line, "repeated-comment", f"comment {entry.remote_id} is in the file twice: "
                                "read once"))
        else:
            by_id[entry.remote_id] = entry
    entries = list(by_id.values())

    def top_of(entry: Entry) -> Optional[str]:
        seen = set()
        parent = entry.parent_id
        while parent in by_id and by_id[parent].parent_id and parent not in seen:
            seen.add(parent)
            parent = by_id[parent].parent_id
        return parent

    order = {entry.remote_id: k for k, entry in enumerate(entries)}
    # A comment without a time stays after the one before it in the file: on a page
    # that is its place; in an export, listed newest first, about its place.
    moments = {}
    last = _EPOCH
    for entry in entries:
        moment = instant(entry.published_at)
        last = moment if moment is not None else last
        moments[entry.remote_id] = last

    def when(entry: Entry):
        return (moments[entry.remote_id], order[entry.remote_id])

    tops: list[Entry] = []
    replies: dict[str, list[Entry]] = {}
    for entry in entries:
        parent = top_of(entry) if entry.parent_id else None
        if parent is not None and parent != entry.remote_id and parent in by_id:
            replies.setdefault(parent, []).append(entry)
        else:
            if entry.parent_id and entry.parent_id != entry.remote_id:
                issues.append(Issue(entry.line, "orphan-reply", f"comment {entry.remote_id} answers comment "
                                    f"{entry.parent_id}, which the file does not hold: kept as a top-level comment"))
            tops.append(entry)
    comments: list[Comment] = []
    seq = 0
    for number, top in enumerate(sorted(tops, key=when), start=1):
        seq += 1
        comments.append(_comment(top, str(number), None, 1, number, seq))
        for position, reply in enumerate(sorted(replies.get(top.remote_id, []), key=when), start=1):
            seq += 1
            comments.append(_comment(reply, f"{number}.{position}", str(number), 2, position, seq))
    return comments, issues


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _comment(entry: Entry, path: str, parent: Optional[str], depth: int, position: int, seq: int) -> Comment:
    return Comment(path, parent, depth, position, seq, "" if entry.deleted else html_to_text(entry.content),
                   entry.line, entry.line, remote_id=entry.remote_id, published_at=entry.published_at,
                   author=entry.author, deleted=entry.deleted, shown_time=entry.shown_time)


# Month names in the languages of Blogger's date headers (English, German, French,
# Spanish, Italian, Dutch, Portuguese), and the usual short forms.
_MONTH_NAMES = {
    1: "january jan januar jänner janvier janv enero ene gennaio gen januari janeiro",
    2: "february feb februar février févr fevrier febrero febbraio februari fevereiro fev",
    3: "march mar märz mars marzo maart março",
    4: "april apr avril abril aprile",
    5: "may mai mayo maggio mei maio",
    6: "june jun juni juin junio giugno junho",
    7: "july jul juli juillet juil julio luglio julho",
    8: "august aug août agosto augustus",
    9: "september sep sept septembre septiembre setiembre settembre setembro",
    10: "october oct oktober octobre octubre ottobre outubro",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember décembre déc diciembre dicembre dezembro",
}
_MONTH_OF = {word: number for number, words in _MONTH_NAMES.items() for word in words.split()}
_WORD = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+")


def parse_shown_date(text: Optional[str]) -> Optional[dt.date]:
    """The day a page's date header names, in any of Blogger's usual languages.

    ``Thursday, March 6, 2014``, ``Thursday, 6 March 2014``, ``Donnerstag, 6. März
    2014``, ``jeudi 6 mars 2014``: a year of four digits, a month's name and a day.
    """
    if not text:
        return None
    numbers = [int(n) for n in _NUMBER.findall(text)]
    years = [n for n in numbers if 1990 <= n <= 2100]
    days = [n for n in numbers if 1 <= n <= 31]
    month = next((_MONTH_OF[word] for word in _WORD.findall(text.lower()) if word in _MONTH_OF), None)
    if not (years and days and month):
        return None
    try:
        return dt.date(years[-1], month, days[0])
    except ValueError:
        return None


_CLOCK = re.compile(r"(?<!\d)(\d{1,2})[:.](\d{2})(?!\d)(?:\s*([AaPp])\.?\s*[Mm]\b\.?)?")


def shown_clock(text: Optional[str]) -> tuple[Optional[str], bool]:
    """The time a page shows (``March 6, 2014 at 10:23 AM``, ``6. März 2014 um 18:01``)
    as 24-hour ``HH:MM``, and whether it was written with AM/PM."""
    match = _CLOCK.search(text or "")
    if not match:
        return None, False
    hour, minute = int(match[1]), match[2]
    if match[3]:
        hour = hour % 12 + (12 if match[3].lower() == "p" else 0)
    if hour > 23:
        return None, False
    return f"{hour:02d}:{minute}", bool(match[3])
