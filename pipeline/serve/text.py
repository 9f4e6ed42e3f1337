"""Strangers' text made ready for a page: paragraphs, references as links, safe web links.

Nothing here makes markup. A body becomes paragraphs of lines of ``Piece``s (plain
text, a reference to another comment, a web address) that a template writes out
with Jinja's autoescape, so whatever a comment holds (``<script>``, quotes, an
``onerror`` attribute) is shown as the characters it is. Only ``http`` and ``https``
addresses become links; ``javascript:``, ``data:`` and the rest stay text.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence
from urllib.parse import urlsplit

SAFE_SCHEMES = ("http", "https")
# A web address in running text, up to white space or a character that never ends one.
_URL = re.compile(r"""https?://[^\s<>"'\u00a0\u201c\u201d\u2018\u2019]+""", re.I)
# Punctuation that closes the sentence around an address rather than the address itself.
_TRAILING = ".,;:!?'\")]}*"
# FTS5 snippet() markers: characters of Unicode's private use area, which no text
# written for a blog holds, split out again before anything is written to a page.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"


@dataclass(frozen=True)
class Piece:
    """A run of a body as shown: ``kind`` is ``text``, ``url`` (a safe web link in
    ``href``), ``ref`` (a reference resolved to the comment ``target``, or the post
    when ``target`` is ``post``) or ``unresolved`` (a reference nothing could be told
    from; ``note`` says why)."""

    text: str
    kind: str = "text"
    href: Optional[str] = None
    target: Optional[str] = None
    note: Optional[str] = None


@dataclass(frozen=True)
class Ref:
    """A reference as the page needs it: offsets in the body, and what it addresses."""

    start: int
    end: int
    target_comment_id: Optional[int]
    target_post: bool
    candidates: int = 0


Line = list  # of Piece
Paragraph = list  # of Line


def safe_url(url: Optional[str]) -> Optional[str]:
    """``url`` when it is an http or https address with a host, else None: the only links made from data."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url


def link_pieces(text: str) -> list[Piece]:
    """``text`` as plain pieces and ``url`` pieces for the http(s) addresses in it."""
    pieces: list[Piece] = []
    at = 0
    for match in _URL.finditer(text):
        url = _trim(match.group())
        href = safe_url(url)
        if href is None:
            continue
        if match.start() > at:
            pieces.append(Piece(text[at:match.start()]))
        pieces.append(Piece(url, "url", href=href))
        at = match.start() + len(url)
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return pieces


def _trim(url: str) -> str:
    # A bracket closes the address only when the address opened none ("(see
    # https://x.org/a)" but "https://en.wikipedia.org/wiki/Fork_(software)").
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def body_paragraphs(body: Optional[str], refs: Sequence[Ref] = ()) -> list[Paragraph]:
    """A body as paragraphs (split at blank lines) of lines of pieces.

    ``refs`` are places in the body that address another comment or the post, by
    their offsets; one that overlaps another or falls outside the body is shown as
    plain text.
    """
    body = body or ""
    pieces: list[Piece] = []
    at = 0
    for ref in sorted(refs, key=lambda r: (r.start, r.end)):
        if ref.start < at or ref.end > len(body) or ref.start >= ref.end:
            continue
        pieces.extend(link_pieces(body[at:ref.start]))
        pieces.append(_ref_piece(body[ref.start:ref.end], ref))
        at = ref.end
    pieces.extend(link_pieces(body[at:]))
    return _paragraphs(pieces)


def _ref_piece(text: str, ref: Ref) -> Piece:
    text = " ".join(text.split("\n"))
    if ref.target_comment_id is not None:
        return Piece(text, "ref", target=f"c{ref.target_comment_id}")
    if ref.target_post:
        return Piece(text, "ref", target="post")
    note = (f"{ref.candidates} comments fit: which one is meant cannot be told" if ref.candidates > 1
            else "no comment fits")
    return Piece(text, "unresolved", note=note)


def _paragraphs(pieces: Iterable[Piece]) -> list[Paragraph]:
    lines: list[Line] = [[]]
    for piece in pieces:
        if piece.kind != "text":
            lines[-1].append(piece)
            continue
        parts = piece.text.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines.append([])
            if part:
                lines[-1].append(Piece(part))
    paragraphs: list[Paragraph] = [[]]
    for line in lines:
        if all(p.kind == "text" and not p.text.strip() for p in line):
            if paragraphs[-1]:
                paragraphs.append([])
        else:
            paragraphs[-1].append(line)
    return [p for p in paragraphs if p]


def marked(snippet: Optional[str]) -> list[tuple[str, bool]]:
    """An FTS5 snippet made with ``MARK_OPEN``/``MARK_CLOSE`` as (text, matched) runs."""
    runs: list[tuple[str, bool]] = []
    for k, part in enumerate((snippet or "").split(MARK_OPEN)):
        inside, _, after = part.partition(MARK_CLOSE) if k else ("", "", part)
        if inside:
            runs.append((inside, True))
        if after:
            runs.append((after.replace(MARK_CLOSE, ""), False))
    return runs


def parse_time(value: Optional[str]) -> Optional[dt.datetime]:
    """An ISO 8601 time as stored (``2010-10-16T22:15:37.489-07:00``), or None."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def show_time(value: Optional[str]) -> Optional[str]:
    """A stored time as a reader reads it, in the offset it was written in: ``16 Oct 2010, 22:15``."""
    moment = parse_time(value)
    if moment is None:
        return None
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def show_date(value: Optional[str]) -> Optional[str]:
    """A stored date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) as a reader reads it."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return f"{day.day} {day:%B %Y}"
        if len(value) == 7:
            return dt.date.fromisoformat(value + "-01").strftime("%B %Y")
    except ValueError:
        pass
    return value
