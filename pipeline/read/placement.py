"""Where glued Reply/Delete markers sit: a small likelihood model of comment boundaries.

A glued dump can be read two ways (``split`` builds both): each marker after its
comment's first line, or after the whole comment. Each reading puts comment
boundaries between some neighbouring lines, so each line of the file either starts a
comment or not, and either ends one or not. A reading is scored by how likely each
line's opening is given whether it starts a comment, how likely its ending is given
whether it ends one, how likely each pair of neighbouring lines is to be split or
kept together, and how likely the comments' lengths are. The tables are counted in
threads whose boundaries are certain (``placement_model``, made by
``pipeline.tools.train_placement``). The difference of two readings' scores is a
log-likelihood ratio: a margin of 2.0 means the file is e**2, about 7 times, likelier
under one reading than under the other.

The post body is scored as text inside a comment, its last line as a comment's end:
a post ends as a comment does, and what tells where the first comment starts is how
its first line opens and how the line above it ends.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence

from . import placement_model

# How a line opens. Comments open by speaking for oneself or answering ("I think",
# "Yes", "@Anon 9:19"); text inside a comment runs on ("and", a quotation, a list
# item, a lower-case word) or is what an opening line introduced (a link).
SELF, RESPONSE, LOWER, JOINING, LINKED, OTHER = "self", "response", "lower", "joining", "link", "other"
OPENINGS = (SELF, RESPONSE, LOWER, JOINING, LINKED, OTHER)

# How a line ends. "short": a few words with no closing punctuation, as signatures
# are ("PO", "'Kestrel"); "open": a line that introduces or runs on (":", ":-", ",").
CLOSED, OPEN, LINK, SHORT, PLAIN = "closed", "open", "link", "short", "plain"
ENDINGS = (CLOSED, OPEN, LINK, SHORT, PLAIN)

# How a line follows the one before it: it "runs on" when the one before has no
# closing punctuation and it starts in lower case, as a sentence broken across lines.
RUNS_ON, NEW = "runs-on", "new"
JOINS = (RUNS_ON, NEW)

# Conditions the tables are counted under.
STARTS, ENDS, INSIDE = "starts", "ends", "inside"
WITHIN, ACROSS = "within", "across"

# Comment lengths, in text lines: 1, 2 and 3 to 5 (equally likely), and 6 or more,
# each line beyond 6 less likely by the same factor (``placement_model.LONG_TAIL``).
LENGTHS = ("1", "2", "3-5", "6+")

_SELF = frozenset("i i'm i've i'd i'll im ive my me".split())
_RESPONSE = frozenset(
    "yes no agree agreed indeed well thanks thank hmm sorry absolutely quite yeah yep oh wow lol exactly true "
    "really hi hello dear ok okay".split())
_JOINING = frozenset("and but so or also however then because plus although though yet nor therefore".split())
_ADDRESS = re.compile(r"@|\d{1,2}[:.]\d\d\b")
_ITEM = re.compile(r"[\"'\u201c\u2018\u2022*>\u2013-]|\d+[.)]\s")
_WORD_EDGES = "\"'\u201c\u2018\u201d\u2019,.!?:;()"

_CLOSED = re.compile(r"(?:[.!?\u2026]+[\"'\u201d\u2019)\]*]*|[:;]-?[()DPp/]|\ufffd)$")
_OPEN = re.compile(r"(?::-?|[,;(\-\u2013\u2014])$")
_LINK_FIRST = re.compile(r"(?:https?://|www\.)\S")
_SHORT_WORDS = 3
# Enough of a line's end to tell how it ends: '?!")' or ':-)'.
_TAIL = 12

# Smoothing: counts under each condition are pulled towards those of all lines
# together, with this many lines' weight, so that what was seen rarely in training
# is taken as neither impossible nor certain.
PRIOR_WEIGHT = 4.0


def opening(text: str) -> str:
    """How a text line (stripped, not empty) opens."""
    if _ADDRESS.match(text):
        return RESPONSE
    if _LINK_FIRST.match(text):
        return LINKED
    if _ITEM.match(text):
        return JOINING
    if text[0].islower():
        return LOWER
    word = text.split(None, 1)[0].strip(_WORD_EDGES).lower().replace("\u2019", "'")
    if word in _SELF:
        return SELF
    if word in _RESPONSE:
        return RESPONSE
    if word in _JOINING:
        return JOINING
    return OTHER


def ending(text: str) -> str:
    """How a text line (stripped, not empty) ends."""
    # Only the end is looked at: lines can be whole paragraphs.
    if _LINK_FIRST.match(text.rsplit(None, 1)[-1]):
        return LINK
    tail = text[-_TAIL:]
    if _CLOSED.search(tail):
        return CLOSED
    if _OPEN.search(tail):
        return OPEN
    if len(text.split(None, _SHORT_WORDS)) <= _SHORT_WORDS:
        return SHORT
    return PLAIN


def join(before: str, text: str) -> str:
    """How a line follows a line that ends as ``before`` (an ending)."""
    return RUNS_ON if before in (PLAIN, OPEN) and text[:1].islower() else NEW


def length_band(lines: int) -> str:
    return "1" if lines == 1 else "2" if lines == 2 else "3-5" if lines <= 5 else "6+"


def iter_starts(body: int, comments: Iterable[int]) -> Iterator[int]:
    """Index of each comment's first line, after a body of ``body`` lines (empty comments skipped)."""
    line = body
    for length in comments:
        if length:
            yield line
        line += length


def iter_ends(body: int, comments: Iterable[int]) -> Iterator[int]:
    """Index of the body's last line and of each comment's last line."""
    line = body
    if body:
        yield body - 1
    for length in comments:
        line += length
        if length:
            yield line - 1


@dataclass(frozen=True)
class Model:
    """Log-probabilities of openings, endings, joins and lengths, by condition."""

    opening: dict[str, dict[str, float]]  # STARTS or INSIDE
    ending: dict[str, dict[str, float]]  # ENDS or INSIDE
    join: dict[str, dict[str, float]]  # WITHIN or ACROSS
    length: list[float]  # by number of lines, up to 6; beyond, ``longer`` a line
    longer: float
    rare: float  # a comment with no text, or (trailing) text after the last marker

    @classmethod
    def from_tables(cls, openings, endings, joins, lengths, long_tail) -> "Model":
        """Smoothed log-probabilities from counts (``placement_model``'s tables)."""
        band = _frequencies(lengths, LENGTHS)
        longer = long_tail / (1 + long_tail)  # a geometric tail with that mean beyond 6 lines
        length = [0.0, band["1"], band["2"]] + [band["3-5"] / 3] * 3 + [band["6+"] * (1 - longer)]
        # No training comment is empty or lacks its end: by the rule of succession
        # either is at most one chance in (comments + 1).
        rare = math.log(1 / (1 + sum(lengths.values())))
        return cls(_smoothed(openings, OPENINGS), _smoothed(endings, ENDINGS), _smoothed(joins, JOINS),
                   [math.log(p) if p else 0.0 for p in length], math.log(longer), rare)

    def length_score(self, lines: int) -> float:
        if not lines:
            return self.rare
        if lines < len(self.length):
            return self.length[lines]
        return self.length[-1] + (lines - len(self.length) + 1) * self.longer


def _smoothed(counts: dict[str, dict[str, int]], values: Sequence[str]) -> dict[str, dict[str, float]]:
    pooled = _frequencies({v: sum(row.get(v, 0) for row in counts.values()) for v in values}, values)
    out = {}
    for key, row in counts.items():
        total = sum(row.values()) + PRIOR_WEIGHT
        out[key] = {v: math.log((row.get(v, 0) + PRIOR_WEIGHT * pooled[v]) / total) for v in values}
    return out


def _frequencies(counts: dict[str, int], values: Sequence[str]) -> dict[str, float]:
    total = sum(counts.values()) + len(values)
    return {v: (counts.get(v, 0) + 1) / total for v in values}


MODEL = Model.from_tables(placement_model.OPENINGS, placement_model.ENDINGS, placement_model.JOINS,
                          placement_model.LENGTHS, placement_model.LONG_TAIL)


class Scorer:
    """Scores readings of one file's text lines (markers removed, blank lines left out).

    A line that a reading puts at no boundary scores the same in every reading, so
    scores add up only what boundaries change: each line that starts a comment (and
    the split from the line above it), each line that ends one, and the comments'
    lengths.
    """

    def __init__(self, texts: Sequence[str], model: Optional[Model] = None):
        self.model = model = model or MODEL
        endings = [ending(t) for t in texts]
        openings = [opening(t) for t in texts]
        joins = [NEW] + [join(endings[i - 1], texts[i]) for i in range(1, len(texts))]
        # What starting a comment adds to a line's score, with the split from the line above.
        self._start = [model.opening[STARTS][o] - model.opening[INSIDE][o]
                       + model.join[ACROSS][j] - model.join[WITHIN][j] for o, j in zip(openings, joins)]
        self._end = [model.ending[ENDS][e] - model.ending[INSIDE][e] for e in endings]
        if texts:  # the file's first line follows nothing
            self._start[0] = model.opening[STARTS][openings[0]] - model.opening[INSIDE][openings[0]]

    def score(self, body: int, comments: Sequence[int], unmarked: bool = False) -> float:
        """The score of a reading: a body of ``body`` lines, then comments of these lengths.

        The lengths add up to every line after the body. ``unmarked``: the last
        comment has no marker after it, which only a file cut off has in the trailing
        placement. Only differences between scores mean anything.
        """
        total = sum(self._start[i] for i in iter_starts(body, comments))
        total += sum(self._end[i] for i in iter_ends(body, comments))
        total += sum(self.model.length_score(n) for n in comments)
        return total + (self.model.rare if unmarked else 0.0)

    def score_first(self, start: int, end: int) -> float:
        """The part of a score that depends on where the first comment starts.

        Lines ``0..start`` are the body and ``start..end`` the first comment, whose
        end is fixed; ``start`` is 1 or more.
        """
        return self._end[start - 1] + self._start[start] + self.model.length_score(end - start)
