"""Synthetic dumps: posts of known structure rendered in each layout.

Test data, not a toy: what it renders is what real dumps look like (both layouts and
their variants, paragraphs recombined from real text), and it knows the structure
it rendered, so a parse can be checked against it exactly. The property tests draw
posts with hypothesis; the benchmark draws whole archives from a seed.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..read.header import MONTHS, WEEKDAYS
from ..read.split import FIRST_LINE, TRAILING


@dataclass
class SynthComment:
    paragraphs: list[str]
    replies: list[list[str]] = field(default_factory=list)


@dataclass
class SynthPost:
    """A post as the generator knows it, before rendering."""

    date: Optional[dt.date]
    title: Optional[str]
    body: list[str]
    comments: list[SynthComment]


@dataclass(frozen=True)
class Rendering:
    """How a post is written out: the layout and its variants."""

    layout: str = "numbered"  # numbered, blogger-actions
    date_style: str = "comma"  # comma, no-comma, us
    count_line: bool = False
    action_lines: bool = False
    first_item: str = "normal"  # normal, deep, lost
    placement: str = FIRST_LINE  # blogger-actions: first-line, trailing
    crlf: bool = False
    encoding: str = "utf-8"


def date_line(date: dt.date, style: str) -> str:
    weekday = WEEKDAYS[date.weekday()].capitalize()
    month = MONTHS[date.month - 1].capitalize()
    if style == "us":
        return f"{weekday}, {month} {date.day}, {date.year}"
    comma = "," if style == "comma" else ""
    return f"{weekday}{comma} {date.day} {month} {date.year}"


def render(post: SynthPost, how: Rendering = Rendering()) -> bytes:
    """The dump of ``post`` as ``how`` says, as bytes."""
    lines = _header(post, how)
    if how.layout == "numbered":
        lines += _numbered(post, how)
    else:
        lines += _glued(post, how.placement)
    text = ("\r\n" if how.crlf else "\n").join(lines)
    return text.encode(how.encoding)


def _header(post: SynthPost, how: Rendering) -> list[str]:
    lines = []
    if post.date:
        lines += [date_line(post.date, how.date_style), ""]
        lines += [post.title, ""] if post.title else [""]
    elif post.title:
        lines += [post.title, ""]
    return lines


def _numbered(post: SynthPost, how: Rendering) -> list[str]:
    lines = _paragraphs(post.body, 0)
    if post.comments:
        lines += ["", ""]
        if how.count_line:
            lines += [f"{sum(1 + len(c.replies) for c in post.comments)} comments:", ""]
    for number, comment in enumerate(post.comments, start=1):
        item = _item(number, comment.paragraphs, 2)
        if number == 1 and how.first_item == "deep":
            item = ["  " + line if line else line for line in item]
        elif number == 1 and how.first_item == "lost" and len(post.comments) > 1:
            # Only "  2." shows where a number was lost: with one comment, nothing does.
            item[0] = "    " + item[0].split(". ", 1)[1]
        lines += item
        if how.action_lines:
            lines.append("    ReplyDelete")
        lines.append("")
        for reply_number, reply in enumerate(comment.replies, start=1):
            lines += _item(reply_number, reply, 4)
            if how.action_lines:
                lines.append("      Delete")
            lines.append("")
    return lines


def _item(number: int, paragraphs: list[str], indent: int) -> list[str]:
    first, *rest = _paragraphs(paragraphs, indent + 2)
    return [" " * indent + f"{number}. " + first.lstrip()] + rest


def _paragraphs(paragraphs: list[str], indent: int) -> list[str]:
    lines = []
    for k, paragraph in enumerate(paragraphs):
        if k:
            lines.append("")
        lines.append(" " * indent + paragraph)
    return lines


def _glued(post: SynthPost, placement: str) -> list[str]:
    """Blogger's links glued to the front of lines, as ``placement`` puts them.

    ``first-line``: each marker is glued to the line after its comment's first line;
    ``trailing``: to the line after the whole comment, the next comment's first line.
    Either way the marker left over at the end stands bare on the last line.
    """
    lines = list(post.body)
    pending = ""
    for comment in post.comments:
        for paragraphs, marker in [(comment.paragraphs, "ReplyDelete")] + [(r, "Delete") for r in comment.replies]:
            first, *rest = paragraphs
            lines.append(pending + first)
            pending = marker
            if rest and placement != TRAILING:
                rest[0] = pending + rest[0]
                pending = ""
            lines += rest
    if pending:
        lines.append(pending)
    return lines


def expected_text(post: SynthPost) -> str:
    """The post's body and comments in reading order, white space collapsed.

    What any reading of the file must keep, wherever it puts the comment boundaries:
    in sentence-recombined text nothing tells two placements of glued markers apart,
    so a glued file may be read in the other placement, and only this is certain.
    """
    return _collapse(post.body + [p for text in _texts(post) for p in text])


def _texts(post: SynthPost) -> Iterator[list[str]]:
    for comment in post.comments:
        yield comment.paragraphs
        yield from comment.replies


def expected_comments(post: SynthPost) -> list[tuple[str, Optional[str], str]]:
    """(path, parent path, text) of each comment, in reading order; text's white space collapsed."""
    out = []
    for number, comment in enumerate(post.comments, start=1):
        out.append((str(number), None, _collapse(comment.paragraphs)))
        for reply_number, reply in enumerate(comment.replies, start=1):
            out.append((f"{number}.{reply_number}", str(number), _collapse(reply)))
    return out


def _collapse(paragraphs: Iterable[str]) -> str:
    return " ".join(" ".join(paragraphs).split())


# -- text from real dumps ---------------------------------------------------------------

# Sentences that could be read as layout (list items, markers, dates on line 1, count
# lines, openings and signatures that make marker placement ambiguous) are left out of
# the generator's stock, so what it renders has one right reading.
_UNSAFE = re.compile(r"^\s*(\d+\.|ReplyDelete|Delete|Reply\b|\d+\s+comments?)|[:\-]\s*$")


def sentences_from(texts: Iterable[str]) -> list[str]:
    """Sentences cut from real text, for recombining into new paragraphs."""
    out = []
    for text in texts:
        for line in text.split("\n"):
            for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
                sentence = " ".join(sentence.split())
                if 20 <= len(sentence) <= 400 and sentence.endswith((".", "!", "?")) and not _UNSAFE.search(sentence):
                    out.append(sentence)
    return sorted(set(out))


@dataclass
class ArchiveShape:
    """How big an archive is and what is in it, roughly, on average."""

    files: int = 100
    top_level: tuple[int, int] = (0, 30)  # comments per post, uniform
    reply_chance: float = 0.4  # that a top-level comment has replies
    replies: tuple[int, int] = (1, 6)
    paragraphs: tuple[int, int] = (1, 4)
    sentences: tuple[int, int] = (1, 4)
    glued_share: float = 0.2  # of files in the blogger-actions layout, in either placement
    odd_share: float = 0.02  # of files that are not posts (empty, binary)
    # Comment lengths as real threads have them, most short and a few long (the
    # samples: median 290 characters, a tenth under 45 and a tenth over 1,300): the
    # number of paragraphs and of sentences each one more with this chance, a
    # comment a single short sentence with ``remark_share``. None: uniform, as above.
    skew: Optional[float] = None
    remark_share: float = 0.1


def draw_post(rng: random.Random, stock: list[str], shape: ArchiveShape) -> SynthPost:
    short = [s for s in stock if len(s) <= 60] or stock

    def count(bounds: tuple[int, int], skewed: bool) -> int:
        if shape.skew is None or not skewed:
            return rng.randint(*bounds)
        n = 1
        while rng.random() < shape.skew:
            n += 1
        return n

    def paragraph(skewed: bool = False) -> str:
        return " ".join(rng.choice(stock) for _ in range(count(shape.sentences, skewed)))

    def paragraphs(skewed: bool = False) -> list[str]:
        return [paragraph(skewed) for _ in range(count(shape.paragraphs, skewed))]

    def comment() -> list[str]:
        if shape.skew is not None and rng.random() < shape.remark_share:
            return [rng.choice(short)]
        return paragraphs(skewed=True)

    comments = []
    for _ in range(rng.randint(*shape.top_level)):
        replies = [comment() for _ in range(rng.randint(*shape.replies))] if rng.random() < shape.reply_chance else []
        comments.append(SynthComment(comment(), replies))
    date = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(16 * 365))
    return SynthPost(date, title_from(rng.choice(stock), rng.randint(2, 6)), paragraphs() + paragraphs(), comments)


def title_from(sentence: str, words: int) -> Optional[str]:
    """A title made of a sentence's first words, letters and digits only."""
    title = " ".join(re.sub(r"[^\w\s']", " ", sentence).split()[:words])
    return title or None


def draw_rendering(rng: random.Random, shape: ArchiveShape) -> Rendering:
    if rng.random() < shape.glued_share:
        return Rendering(layout="blogger-actions", date_style=rng.choice(["comma", "no-comma"]),
                         placement=rng.choice([FIRST_LINE, TRAILING]), crlf=rng.random() < 0.05)
    return Rendering(
        date_style=rng.choice(["comma", "comma", "no-comma", "us"]),
        count_line=rng.random() < 0.2,
        action_lines=rng.random() < 0.1,
        first_item=rng.choice(["normal"] * 8 + ["deep", "lost"]),
        crlf=rng.random() < 0.05,
    )


def iter_archive(stock: list[str], shape: ArchiveShape, seed: int) -> Iterator[tuple[str, bytes, Optional[SynthPost]]]:
    """(file name, bytes, the post it holds or None for an odd file), reproducibly from ``seed``."""
    rng = random.Random(seed)
    for number in range(shape.files):
        name = f"{number:06d}.txt"
        if rng.random() < shape.odd_share:
            yield name, rng.choice([b"", rng.randbytes(2048)]), None
            continue
        post = draw_post(rng, stock, shape)
        yield name, render(post, draw_rendering(rng, shape)), post


def write_archive(folder: Path, stock: list[str], shape: ArchiveShape, seed: int) -> dict[str, Optional[SynthPost]]:
    """Write an archive into ``folder``; returns what each file holds."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, data, post in iter_archive(stock, shape, seed):
        (folder / name).write_bytes(data)
        manifest[name] = post
    return manifest
