"""Resolving references: which comment (or the post) each reference points at.

Pure functions over plain data: a thread's text (``ThreadText``: the post's author
names, its comments in reading order with what is known of each) and the references
found in each comment (``refs.find_refs``). The rules, from the issue:

- a time addresses an earlier comment on the same page shown at that minute
  (``shown-time``), or, where the page shows no times, one signed with that time
  (``signed-time``); where no comment fits the time, a time written with a name
  (``Kestrel at 15:40``) addresses the one earlier comment signed (``signature``) or
  written (``author``) by that name;
- a name addresses the post when it is the blog's author's (``blog-author``),
  otherwise the nearest earlier comment signed with it (``signature``) or written
  by it (``author``), otherwise the post when it names the writer of what the post
  reproduces (``post-writer``: see ``writers``);
- a position addresses the first comment (``first``), the comment replied to
  (``parent``) or the one before (``previous``); "your first post" the first comment
  of the writer answered (``addressee-first``), "my last comment" the writer's own
  earlier one (``own``), "the original post" the post (``post``).

Where two comments or more fit equally, the reference is left unresolved (no target)
and ``candidates`` says how many fitted; a name that several earlier comments are
signed with is resolved to the nearest of them, as the rule says, with a lower
confidence.

Confidence (0..1) is a prior for the method, not a measured probability: it says
how often the rule is expected to name the comment a careful reader would.

- 0.95 a time matched to the one comment shown at that minute, 0.9 when the page's
  clock is 12-hour and the other reading of the hour matched nothing, 0.85 when only
  the name written with it (``Kestrel at 15:40``) told two such comments apart;
- 0.9 the blog's author by name (readers name him or her to mean the post); 0.7
  the writer of what the post reproduces, cited (``Morwenna Tate says ...``);
- 0.8 a name signed or written on one earlier comment, 0.6 the nearest of several;
- 0.7 the first comment; 0.8 the parent or previous comment where they are the same
  comment, 0.5 where a reply's parent and previous comment differ;
- 0.6 the one earlier comment by the name written with a time that no comment fits;
- 0.6 a time matched to a timed signature: such a time most likely names the
  signer's earlier comment (see ``signatures``), so the signed comment is the right
  writer but perhaps not the comment meant;
- 0.5 a name matched only on a comment that follows in reading order but may have
  been posted earlier (a reply answering a later top-level comment).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, Optional, Sequence, Union

from .refs import NAME, POSITION, TIME, Ref, find_refs_many, known_names
from .signatures import Signature, is_anonymous, signature_name, signature_time
from .writers import add_cites

# Positions, by their word.
_FIRST = frozenset(("first", "1st", "initial", "original", "opening"))
_BEFORE = frozenset(("above", "previous", "earlier", "preceding", "prior", "last", "final", "closing"))
_AFTER = frozenset(("below", "next", "following"))
_POST_NOUNS = ("post", "poster", "article", "blog", "piece")


@dataclass
class CommentText:
    """One comment as resolution needs it.

    ``signature``: its sign-off (``find_signature``'s, or its text), or None.
    ``author``: its author's name where a file gives one (a profile's or a typed
    name; None for an anonymous comment or a text dump). ``shown_time``: ``HH:MM``,
    24-hour, the time the blog displayed beside it in the blog's own time zone (None
    where the file shows none, as in text dumps). ``posted_at``: its exact instant
    (ISO 8601 with an offset) where known, which orders comments exactly.
    """

    path: str
    parent_path: Optional[str]
    body: str
    signature: Union[Signature, str, None] = None
    author: Optional[str] = None
    shown_time: Optional[str] = None
    posted_at: Optional[str] = None

    @property
    def signature_text(self) -> Optional[str]:
        return self.signature.text if isinstance(self.signature, Signature) else self.signature

    @property
    def signed_name(self) -> Optional[str]:
        """The name it is signed with, without a time ("Wayfarer" for "Wayfarer 20:43")."""
        return signature_name(self.signature)


@dataclass
class ThreadText:
    """A post's thread: the blog author's names and the comments in reading order.

    ``post_author_names``: how readers may name the blog's author (``author_name_forms``
    of the post's author, or an option where no file says). ``twelve_hour``: the blog
    shows times on a 12-hour clock ("9:19 PM"), so "9:19" may mean 09:19 or 21:19.
    ``post_writer_names``: the writers of what the post reproduces (``writers.post_writers``).
    """

    comments: list[CommentText]
    post_author_names: tuple[str, ...] = ()
    twelve_hour: bool = False
    post_writer_names: tuple[str, ...] = ()

    def names(self) -> frozenset:
        """The names the thread knows, for ``find_refs``."""
        signatures = [c.signed_name for c in self.comments if not is_anonymous(c.signature_text)]
        return known_names(signatures, [c.author for c in self.comments], self.post_author_names)


@dataclass
class Resolved:
    """What one reference (``ref``, in comment ``path``) points at.

    ``target_path`` is the comment, or None; ``target_post`` True when it is the post
    or its author. ``method`` says which rule resolved it (None: unresolved).
    ``candidates`` is how many comments fitted the rule: 1 when resolved to a comment,
    0 when none did, 2 or more when it was left unresolved for ambiguity (or, for a
    name, how many earlier comments bear it).
    """

    path: str
    ref: Ref
    target_path: Optional[str] = None
    target_post: bool = False
    method: Optional[str] = None
    confidence: float = 0.0
    candidates: int = 0


@dataclass
class SameWriter:
    """A timed signature ("Anon 20:43") read as naming the writer's earlier comment."""

    path: str
    time: str
    target_path: Optional[str]
    candidates: int


def find_thread_refs(thread: ThreadText) -> dict[str, list[Ref]]:
    """``find_refs`` over every comment of ``thread``, with the names the thread knows,
    and where a comment cites the writer of what the post reproduces (``writers``)."""
    bodies = [c.body for c in thread.comments]
    found = find_refs_many(bodies, thread.names(), [_signature_span(c) for c in thread.comments],
                           thread.twelve_hour)
    add_cites(found, bodies, thread.post_writer_names)
    return {c.path: refs for c, refs in zip(thread.comments, found)}


def _signature_span(comment: CommentText) -> Optional[Signature]:
    if isinstance(comment.signature, Signature) or not comment.signature:
        return comment.signature or None
    start = comment.body.rfind(comment.signature)
    return Signature(comment.signature, start, start + len(comment.signature)) if start >= 0 else None


def resolve_refs(thread: ThreadText, refs_by_comment: Mapping[str, Sequence[Ref]]) -> list[Resolved]:
    """Resolve every reference: one ``Resolved`` per ref, comments in reading order."""
    index = _Index(thread)
    out = []
    for i, comment in enumerate(thread.comments):
        for ref in refs_by_comment.get(comment.path, ()):
            if ref.kind == TIME:
                out.append(_resolve_time(index, i, ref))
            elif ref.kind == NAME:
                out.append(_resolve_name(index, i, ref))
            elif ref.kind == POSITION:
                out.append(_resolve_position(index, i, ref))
            else:
                out.append(Resolved(comment.path, ref))
    return out


def same_writer_links(thread: ThreadText) -> list[SameWriter]:
    """For each comment signed with a time, the earlier comment shown at that minute.

    Where the page shows times, "Anon 20:43" links its comment to the comment shown
    at 20:43: most likely the same writer's. Unresolved (None) where no comment or
    several fit, or the page shows no times.
    """
    index = _Index(thread)
    out = []
    for i, comment in enumerate(thread.comments):
        time = index.signature_times[i]
        if not time:
            continue
        found = [j for j in index.possibly_before(i) if thread.comments[j].shown_time == time]
        target = thread.comments[found[0]].path if len(found) == 1 else None
        out.append(SameWriter(comment.path, time, target, len(found)))
    return out


class _Index:
    """What resolution asks of a thread, worked out once."""

    def __init__(self, thread: ThreadText):
        self.thread = thread
        self.comments = thread.comments
        self.position = {c.path: k for k, c in enumerate(self.comments)}
        self.instants = [_instant(c.posted_at) for c in self.comments]
        self.timed = all(t is not None for t in self.instants)
        # With exact instants: the comments latest first (in reading order where two
        # share an instant), worked out once for every reference.
        self.latest_first = sorted(range(len(self.comments)), key=self.instants.__getitem__,
                                   reverse=True) if self.timed else []
        self.shows_times = any(c.shown_time for c in self.comments)
        # The time each comment's signature carries ("Anon 20:43"), asked of every
        # earlier comment for each time reference.
        self.signature_times = [signature_time(c.signature_text) for c in self.comments]
        # Each comment's signed name and author, casefolded ("" for none), asked of
        # every earlier comment for each name.
        self.signed_names = [(c.signed_name or "").casefold() for c in self.comments]
        self.author_names = [(c.author or "").casefold() for c in self.comments]
        self.blog_names = {n.casefold() for n in thread.post_author_names}
        self.writer_names = {n.casefold() for n in thread.post_writer_names}

    def possibly_before(self, i: int) -> list[int]:
        """Comments that may have been posted before comment ``i``, nearest first.

        With exact instants, those posted before it. Otherwise from the thread's
        shape: before a top-level comment, everything before it in reading order;
        before a reply, everything but its later siblings (a reply may answer a
        top-level comment posted after its own parent), those above it first.
        """
        if self.timed:
            mine = self.instants[i]
            return [j for j in self.latest_first if self.instants[j] < mine]
        above = list(range(i - 1, -1, -1))
        comment = self.comments[i]
        if comment.parent_path is None:
            return above
        below = [j for j in range(i + 1, len(self.comments))
                 if self.comments[j].parent_path != comment.parent_path]
        return above + below

    def above(self, i: int) -> list[int]:
        """Comments before ``i`` in reading order (or in time), nearest first."""
        if self.timed:
            return [j for j in self.possibly_before(i)]
        return list(range(i - 1, -1, -1))

    def named(self, j: int, name: str) -> Optional[str]:
        """How comment ``j`` bears ``name`` (casefolded): "signature", "author" or None."""
        if self.signed_names[j] and self.signed_names[j] == name:
            return "signature"
        if self.author_names[j] and self.author_names[j] == name:
            return "author"
        return None

    def bearers(self, js: Iterable[int], name: str) -> list[tuple[int, str]]:
        """Each of the comments ``js`` that bears ``name`` (casefolded), with how (``named``)."""
        return [(j, how) for j in js if (how := self.named(j, name))]

    def writer_name(self, j: int) -> Optional[str]:
        signature = self.signed_names[j]
        if signature and not is_anonymous(signature):
            return signature
        return self.author_names[j] or None


def _instant(text: Optional[str]) -> Optional[dt.datetime]:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _readings(index: _Index, ref: Ref) -> list[str]:
    """The times a time reference may mean: on a 12-hour clock, "9:19" is 09:19 or 21:19."""
    time = ref.time
    if not time:
        return []
    hour, minute = int(time[:2]), time[3:]
    written = ref.target.lower()
    if index.thread.twelve_hour and hour <= 12 and "m" not in written:
        return [f"{hour % 12:02d}:{minute}", f"{hour % 12 + 12:02d}:{minute}"]
    return [time]


def _resolve_time(index: _Index, i: int, ref: Ref) -> Resolved:
    path = index.comments[i].path
    readings = _readings(index, ref)
    if not readings:
        return Resolved(path, ref)
    earlier = index.possibly_before(i)
    if index.shows_times:
        found = [j for j in earlier if index.comments[j].shown_time in readings]
        confidence = 0.95 if len(readings) == 1 else 0.9
        if len(found) > 1 and ref.name:
            named = [j for j in found if index.named(j, ref.name.casefold())]
            if len(named) == 1:
                return Resolved(path, ref, index.comments[named[0]].path, False, "shown-time", 0.85, len(found))
        if len(found) == 1:
            return Resolved(path, ref, index.comments[found[0]].path, False, "shown-time", confidence, 1)
        if found:
            return Resolved(path, ref, candidates=len(found))
    signed = [j for j in earlier if index.signature_times[j] in readings]
    if len(signed) == 1:
        return Resolved(path, ref, index.comments[signed[0]].path, False, "signed-time", 0.6, 1)
    if not signed and ref.name:
        # "Kestrel at 15:40" where no comment is known at that minute (a dump shows no
        # times, or none was shown then): the one earlier comment signed or written by
        # that name; of several, none.
        name = ref.name.casefold()
        named = index.bearers(earlier, name)
        if len(named) == 1:
            [(j, how)] = named
            return Resolved(path, ref, index.comments[j].path, False, how, 0.6, 1)
        return Resolved(path, ref, candidates=len(named))
    return Resolved(path, ref, candidates=len(signed))


def _resolve_name(index: _Index, i: int, ref: Ref) -> Resolved:
    path = index.comments[i].path
    name = (ref.name or ref.target).lstrip("@").casefold()
    if name in index.blog_names:
        return Resolved(path, ref, None, True, "blog-author", 0.9, 1)
    above = index.bearers(index.above(i), name)
    if above:
        j, how = above[0]
        return Resolved(path, ref, index.comments[j].path, False, how, 0.8 if len(above) == 1 else 0.6, len(above))
    if name in index.writer_names:
        return Resolved(path, ref, None, True, "post-writer", 0.7, 1)
    later = index.bearers((j for j in index.possibly_before(i) if j > i), name)
    if len(later) == 1:
        [(j, how)] = later
        return Resolved(path, ref, index.comments[j].path, False, how, 0.5, 1)
    return Resolved(path, ref, candidates=len(later))


def _resolve_position(index: _Index, i: int, ref: Ref) -> Resolved:
    comment = index.comments[i]
    path = comment.path
    word = ref.target.lower()
    text = ref.text.lower()
    owner = text.split()[0] if text.split() else ""
    if word in _AFTER:
        return Resolved(path, ref, candidates=len(index.comments) - i - 1)
    if owner == "my":
        mine = index.writer_name(i)
        found = [j for j in index.above(i) if mine and index.writer_name(j) == mine]
        if found:
            return Resolved(path, ref, index.comments[found[0]].path, False, "own", 0.6, len(found))
        return Resolved(path, ref)
    if word == "original" and text.rstrip("s").endswith(_POST_NOUNS):
        return Resolved(path, ref, None, True, "post", 0.7, 1)
    addressee = _addressee(index, i)
    if owner == "your":
        if addressee is None:
            return Resolved(path, ref)
        if word in _FIRST:
            name = index.writer_name(addressee)
            found = [j for j in range(0, i) if name and index.writer_name(j) == name]
            if found:
                return Resolved(path, ref, index.comments[found[0]].path, False, "addressee-first", 0.6, 1)
            return Resolved(path, ref)
        method, confidence = _addressee_method(index, i, addressee)
        return Resolved(path, ref, index.comments[addressee].path, False, method, confidence, 1)
    if word in _FIRST:
        if i == 0:
            return Resolved(path, ref)
        return Resolved(path, ref, index.comments[0].path, False, "first", 0.7, 1)
    if word in _BEFORE:
        if comment.parent_path is not None and word == "above" and comment.parent_path in index.position:
            parent = index.position[comment.parent_path]
            confidence = 0.8 if parent == i - 1 else 0.5
            return Resolved(path, ref, comment.parent_path, False, "parent", confidence, 1)
        if i == 0:
            return Resolved(path, ref)
        return Resolved(path, ref, index.comments[i - 1].path, False, "previous", 0.6, 1)
    return Resolved(path, ref)


def _addressee(index: _Index, i: int) -> Optional[int]:
    """The comment a "your ..." answers: the one just above in the thread, or the parent."""
    return i - 1 if i else None


def _addressee_method(index: _Index, i: int, addressee: int) -> tuple[str, float]:
    comment = index.comments[i]
    if index.comments[addressee].path == comment.parent_path:
        return "parent", 0.8
    if comment.parent_path is not None:
        return "previous", 0.5
    return "previous", 0.6
