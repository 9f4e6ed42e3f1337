"""The hand labels of tests/labels/ beside the samples as parsed today, and threads
for the resolver built from them and from the planter's threads."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from pipeline.parse import parse_file
from pipeline.tools.render import Blog, BlogPost, plain
from pipeline.tools.synth import SynthPost, sentences_from
from pipeline.understand.resolve import CommentText, ThreadText
from pipeline.understand.signatures import find_signature
from pipeline.understand.writers import post_writers

from .conftest import RAW

LABELS = Path(__file__).resolve().parent / "labels"
# Sentences of the samples, which the generator recombines into comments.
STOCK = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))
QUOTED_WRITER = "[quoted writer]"


def label_files() -> list[Path]:
    return sorted(LABELS.glob("[0-9][0-9][0-9]_*.json"))


@dataclass
class Labelled:
    """One sample: its labels, its post body and its comments as parsed today."""

    name: str
    labels: dict
    post_body: str
    comments: list  # model.Comment, in reading order

    def body(self, path: str) -> str:
        return next(c.body for c in self.comments if c.path == path)

    @property
    def blog_author_names(self) -> tuple[str, ...]:
        return tuple(self.labels["blog_author_names"])

    def thread(self, shown: Optional[dict[str, str]] = None) -> ThreadText:
        """The thread for the resolver: signatures as found, no authors, ``shown`` times."""
        shown = shown or {}
        return ThreadText([CommentText(c.path, c.parent_path, c.body, find_signature(c.body),
                                       shown_time=shown.get(c.path)) for c in self.comments],
                          self.blog_author_names, post_writer_names=post_writers(self.post_body))


@lru_cache(maxsize=None)
def load(name: str) -> Labelled:
    labels = json.loads((LABELS / name).read_text(encoding="utf-8"))
    parsed = parse_file(str(RAW / labels["file"]))
    return Labelled(name[:3], labels, parsed.post.body, parsed.comments)


def span(body: str, text: str, occurrence: int) -> tuple[int, int]:
    """Where the ``occurrence``-th (1-based) ``text`` stands in ``body``; (-1, -1) if it does not."""
    i = -1
    for _ in range(occurrence):
        i = body.find(text, i + 1)
        if i < 0:
            return -1, -1
    return i, i + len(text)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


# -- threads from the planter's posts ---------------------------------------------------------

def synth_thread(post: SynthPost, blog_author_names: tuple[str, ...] = ()) -> ThreadText:
    """A dump's thread as the parser gives it: paragraphs joined by a blank line, no times."""
    comments = []
    for number, comment in enumerate(post.comments, start=1):
        items = [(str(number), None, comment.paragraphs)]
        items += [(f"{number}.{r}", str(number), reply) for r, reply in enumerate(comment.replies, start=1)]
        for path, parent, paragraphs in items:
            body = "\n\n".join(paragraphs)
            comments.append(CommentText(path, parent, body, find_signature(body)))
    return ThreadText(comments, blog_author_names)


def blog_thread(blog: Blog, post: BlogPost, blog_author_names: tuple[str, ...],
                post_writer_names: tuple[str, ...] = ()) -> ThreadText:
    """A post from Blogger's own files: authors, the time each comment was shown at, exact instants."""
    comments = []
    for number, comment in enumerate(post.comments, start=1):
        items = [(str(number), None, comment)]
        items += [(f"{number}.{r}", str(number), reply) for r, reply in enumerate(comment.replies, start=1)]
        for path, parent, item in items:
            body = plain(item.paragraphs)
            moment = item.published.astimezone(blog.tz)
            author = None if item.author.kind == "anonymous" else item.author.name
            comments.append(CommentText(path, parent, body, find_signature(body), author, f"{moment:%H:%M}",
                                        item.published.isoformat()))
    return ThreadText(comments, blog_author_names, twelve_hour=blog.language == "en",
                      post_writer_names=post_writer_names)


def seeded(seed: int) -> random.Random:
    return random.Random(seed)
