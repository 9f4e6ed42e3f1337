"""Plain data passed between the stages, and the errors they raise."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


class PipelineError(Exception):
    """Base class for errors the CLI reports without a traceback."""


@dataclass(frozen=True)
class Author:
    """Who wrote a post or a comment, as far as anything says.

    ``kind`` is ``profile`` (a profile, Blogger's or Google+: ``profile_url`` is it),
    ``name`` (a name typed in, with the website given, if any) or ``signature`` (a
    name the comment is signed with: a name someone wrote, not a verified person). An
    anonymous comment has no author at all.
    """

    name: Optional[str]
    profile_url: Optional[str]
    kind: str


@dataclass(frozen=True)
class Issue:
    """Something worth telling the user about one line of one file.

    ``severity`` is ``error`` when the file could not be read as a blog page at all
    and ``warning`` when it was read, but something about it is doubtful.
    """

    line: int
    kind: str
    message: str
    severity: str = "warning"


def reader_failed(line: int, error: Exception, outcome: str) -> Issue:
    """The issue for a fault of the reader's own at ``line`` (not a fault of the file);
    ``outcome`` says what was left out."""
    return Issue(line, "reader-failed", f"the reader failed here ({type(error).__name__}: {error}); {outcome}. "
                 "This is a fault of the pipeline's, not of the file: please report it", "error")


@dataclass
class Decoded:
    """A raw file's text, once decoded, with how it was decoded."""

    text: str
    encoding: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.text else []


@dataclass
class Header:
    """The lines before the post body: date line and title, either may be absent."""

    date_line: Optional[str] = None
    title: Optional[str] = None
    body_start: int = 0  # index of the first body line


@dataclass
class RawComment:
    """One comment as split from the file, before it is placed in a thread.

    ``lines`` are the comment's text lines with numbers, markers and the layout's
    indentation removed; ``first_line`` and ``last_line`` are 1-based line numbers
    in the file.
    """

    is_reply: bool
    lines: list[str]
    first_line: int
    last_line: int
    number: Optional[int] = None  # the list number as written, numbered layout only


@dataclass
class Split:
    """A file split into header, post body and comments."""

    header: Header
    body_lines: list[str]
    body_first_line: int
    body_last_line: int
    comments: list[RawComment]
    layout: str
    placement: Optional[str] = None
    layout_note: Optional[str] = None
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Comment:
    """A comment placed in its thread."""

    path: str
    parent_path: Optional[str]
    depth: int
    position: int
    seq: int
    body: str
    first_line: int
    last_line: int
    # What Blogger's own files say, and dumps do not:
    remote_id: Optional[str] = None  # Blogger's id of the comment
    published_at: Optional[str] = None  # ISO 8601 with offset
    author: Optional[Author] = None  # None: anonymous, or not known
    deleted: bool = False  # removed on the blog: kept, with no text, as replies may answer it
    shown_time: Optional[str] = None  # HH:MM, the time the blog showed beside it, in its own zone
    # Who said what to whom (understand.people):
    signature: Optional[str] = None  # the writer's sign-off, as written
    signed_time: Optional[str] = None  # HH:MM written in the signature ("Anon 20:43")


@dataclass
class Post:
    """The post itself, normalised."""

    title: Optional[str]
    date_line: Optional[str]
    published: Optional[str]
    published_precision: Optional[str]
    published_source: Optional[str]
    published_evidence: Optional[str]
    body: str
    first_line: int
    last_line: int
    # What Blogger's own files say, and dumps do not:
    remote_id: Optional[str] = None  # Blogger's id of the post
    url: Optional[str] = None
    kind: str = "post"  # post or page
    published_at: Optional[str] = None  # ISO 8601 with offset
    author: Optional[Author] = None
    labels: tuple[str, ...] = ()


@dataclass
class Thread:
    """One post and its comments, understood: what the loader writes for each post."""

    post: Post
    comments: list[Comment]
    mentions: list = field(default_factory=list)  # dates.Mention, in the body then each comment
    complete: bool = True  # False when the file holds only some of the post's comments
    refs: list = field(default_factory=list)  # people.Reference: where comments address each other


@dataclass
class ParsedFile:
    """Everything the parse stages make of one file: what the load stage writes.

    A text dump or a saved page holds one post; Blogger's export or a Takeout feed
    holds a whole blog, its posts given thread by thread (``parse.iter_feed``).
    """

    path: str
    sha256: str
    bytes: int
    encoding: str
    format: str  # dump, blogger-export, takeout, page; what was read
    layout: str
    placement: Optional[str]
    layout_note: Optional[str]
    line_count: int
    threads: list[Thread]
    issues: list[Issue]
    mtime_ns: Optional[int] = None  # of the file when it was read
    blog_id: Optional[str] = None  # Blogger's id of the blog, where the file gives it
    # An export's own time, or its latest entry's when it gives none (Takeout's): of
    # two exports of a blog, the newer holds it.
    feed_updated: Optional[str] = None
    skipped: dict[str, int] = field(default_factory=dict)  # entries that are not posts: draft, settings, ...
    text: str = ""  # a dump's text, decoded (not stored: the raw file is the record)

    @property
    def failed(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)

    @property
    def post(self) -> Optional[Post]:
        """The post of a file that holds one (a dump, a page); None when not read."""
        return self.threads[0].post if len(self.threads) == 1 else None

    @property
    def comments(self) -> list[Comment]:
        """The comments of a file that holds one post."""
        return self.threads[0].comments if len(self.threads) == 1 else []

    @property
    def mentions(self) -> list:
        """The dates written in a file that holds one post."""
        return self.threads[0].mentions if len(self.threads) == 1 else []
