"""Stage 2: split a file's lines into header, post body and comments.

The layout is detected from the file itself, in this order:

1. ``numbered``: the comments are a numbered list that runs to the end of the file,
   top-level items at two spaces, replies at four;
2. ``blogger-actions``: Blogger's ``ReplyDelete``/``Delete`` links survive glued to
   the front of lines;
3. ``plain``: neither, so the whole text is kept as the post body and the reason is
   recorded, rather than guessing where comments start.
"""
from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import operator
import re
from dataclasses import dataclass, field
from typing import Optional

from .header import parse_header
from .placement import Scorer
from ..model import Header, Issue, RawComment, Split

# "  N. text": a list item, its indentation in group 1.
_ITEM = re.compile(r"^( *)(\d{1,4})\.[ \u00a0]+(\S.*)$")
_COUNT_LINE = re.compile(r"^\s*\d+\s+comments?:?\s*$", re.I)
# Posts that quote readers' comments set them apart with lines of asterisks.
_QUOTE_DIVIDER = re.compile(r"^\s*\*{5,}\s*$")
# Action links left on their own line after an item in the numbered layout.
_ACTION_LINES = frozenset({"ReplyDelete", "Delete", "Reply"})
# Longer lines are not looked up: a set looks a string up by its hash, which reads all of it.
_ACTION_MAX = max(map(len, _ACTION_LINES))

TOP_INDENT = 2
REPLY_INDENT = 4
# Continuation lines sit two spaces deeper than their item's number.
CONTINUATION = 2
# How far a reply's number may run ahead of the one expected before it is taken as
# text (a year such as "2014." at the start of a line is not reply 2014).
_MAX_REPLY_GAP = 5

# Glued action links: ReplyDelete marks a top-level comment, Delete a reply. A bare
# "Delete" prefix only counts when glued (no space), so "Delete as appropriate" in a
# comment is text.
_MARKER = re.compile(r"^(?:(?P<top>ReplyDelete)\s?|(?P<reply>Delete)(?=\S|$))")

# How much of a file is looked at to tell it is some other kind of document.
_SNIFF = 1024
# A table's header line: three or more column names, as Takeout's CSV files start
# (``display_name,profile_image_url,is_blocked`` in Blogger/Blogs/NAME/followers.csv).
_CSV_HEADER = re.compile(r"^[a-z][a-z0-9_]*(?:,[a-z][a-z0-9_]*){2,}$")
_CSV_HEADER_MAX = 16 * 1024  # Blogger/Blogs/NAME/settings.csv names 65 columns in about 1,700 characters

FIRST_LINE = "first-line"
TRAILING = "trailing"

# A placement, or a first comment's start, chosen by less than this log-likelihood
# margin is reported as a doubt. With each numbered sample held out of the model's
# counts in turn, of the threads recombined from its comments and re-rendered, those
# decided by 3 or more were read right 90% of the time (139 of 154), by less 62%
# (154 of 249); between 3 and 4, 34 of 35.
DOUBT_MARGIN = 3.0


def split_lines(lines: list[str]) -> Split:
    """Split a decoded file into header, body and comments, detecting its layout."""
    header = parse_header(lines)
    for splitter in (_split_numbered, _split_actions):
        split = splitter(lines, header)
        if split is not None:
            return split
    note = "no numbered comment list and no Reply/Delete markers: kept whole as the post body"
    if any(_QUOTE_DIVIDER.match(line) for line in lines[header.body_start:]):
        note += "; it quotes readers' comments between ***** lines, which cannot be told apart with confidence"
    return _whole_body(lines, header, "plain", note)


def find_non_dump(text: str) -> Optional[Issue]:
    """An error when the text is a document of another kind rather than a post page."""
    head = text[:_SNIFF].lstrip().lower()
    if head.startswith("<") and any(tag in head for tag in ("<html", "<!doctype", "<?xml", "<body")):
        return Issue(1, "not-a-post", "an HTML or XML document, not a text dump of a post page", "error")
    if head.startswith(("{", "[")):
        try:
            json.loads(text)
        except ValueError:
            return None
        return Issue(1, "not-a-post", "a JSON document, not a text dump of a post page", "error")
    return None


def is_table(text: str) -> bool:
    """Whether ``text`` is a CSV table: a header line of column names, as Takeout's
    tables beside a feed start, then rows of as many fields (quoted ones may span lines)."""
    first = text[:_CSV_HEADER_MAX].lstrip().partition("\n")[0].strip()
    if not _CSV_HEADER.match(first):
        return False
    columns = first.count(",") + 1
    try:
        return all(len(row) == columns for row in csv.reader(io.StringIO(text)) if row)
    except csv.Error:
        return False


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def dedent(line: str, width: int) -> str:
    """Remove up to ``width`` leading spaces: the layout's indentation, not the text's."""
    return line[min(width, indent_of(line)):].rstrip()


def _whole_body(lines, header: Header, layout: str, note: Optional[str], issues=None) -> Split:
    body = [line.rstrip() for line in lines[header.body_start:]]
    first, last = _span(header.body_start, len(lines))
    return Split(header, body, first, last, [], layout, None, note, issues or [])


def _span(start: int, end: int) -> tuple[int, int]:
    """1-based first and last line numbers of the 0-based half-open range."""
    return start + 1, max(start + 1, end)


# -- layout 1: numbered ---------------------------------------------------------------


def _split_numbered(lines: list[str], header: Header) -> Optional[Split]:
    start = header.body_start
    issues: list[Issue] = []
    items = _find_items(lines, start, issues)
    if not items:
        return None

    comments_start = items[0][0]
    body_end = comments_start
    while body_end > start and not lines[body_end - 1].strip():
        body_end -= 1
    count_line = None
    if body_end > start and _COUNT_LINE.match(lines[body_end - 1]):
        body_end -= 1
        count_line = body_end

    # Each line of the list is stripped once, and only lines with a digit after a
    # reply's indentation are matched as reply items.
    stripped = [""] * comments_start + list(map(str.strip, lines[comments_start:]))
    reply_items = {i: match for i in _with_digit_at(lines, comments_start, REPLY_INDENT)
                   if (match := _reply_item(lines[i]))}
    comments: list[RawComment] = []
    ends = [i for i, _, _ in items[1:]] + [len(lines)]
    for (item_start, item_indent, number), item_end in zip(items, ends):
        comments.extend(_numbered_item(lines, stripped, reply_items, list(reply_items), item_start, item_end,
                                       item_indent, issues))

    if count_line is not None:
        said = int(lines[count_line].split()[0])
        if said != len(comments):
            cut = ": the file may be cut off" if said > len(comments) else ""
            issues.append(Issue(count_line + 1, "count", f"count line says {said} comments, found {len(comments)}{cut}"))

    body = [line.rstrip() for line in lines[start:body_end]]
    first, last = _span(start, body_end)
    return Split(header, body, first, last, comments, "numbered", None, None, issues)


def _find_items(lines: list[str], start: int, issues: list[Issue]) -> list[tuple[int, int, int]]:
    """(line, indent, number) of each top-level comment in the list that ends the file."""
    tops = []
    # A top-level item has a digit after its two spaces: only such lines are matched.
    for i in _with_digit_at(lines, start, TOP_INDENT):
        match = _ITEM.match(lines[i])
        if match and len(match[1]) == TOP_INDENT:
            tops.append((i, int(match[2])))
    if not tops:
        lone = _lone_deep_item(lines, start)
        return [(lone, REPLY_INDENT, 1)] if lone is not None else []

    # Comments are the run of items that continues to the end of the file: walk back
    # from the last item while the numbers fall, stopping at 1.
    chain = [tops[-1]]
    for i, number in reversed(tops[:-1]):
        later_line, later = chain[0]
        if later == 1 or number > later:
            break
        if number != later - 1:
            issues.append(Issue(later_line + 1, "numbering", f"comment numbered {later}, expected {number + 1}"))
        chain.insert(0, (i, number))

    items = [(i, TOP_INDENT, number) for i, number in chain]
    first_line, first_number = chain[0]
    if first_number != 1:
        lost = _lost_first_item(lines, start, first_line)
        if lost is not None:
            items.insert(0, (lost, indent_of(lines[lost]), 1))
        else:
            issues.append(Issue(first_line + 1, "numbering", f"comments start at number {first_number}, not 1"))
    return items


def _with_digit_at(lines: list[str], start: int, column: int) -> list[int]:
    """The lines from ``start`` on with a digit at ``column``, found without a Python loop."""
    digits = map(str.isdigit, map(operator.itemgetter(slice(column, column + 1)), lines[start:]))
    return list(itertools.compress(range(start, len(lines)), digits))


def _lone_deep_item(lines: list[str], start: int) -> Optional[int]:
    """Where a post's only comment starts when it was rendered one level too deep.

    It is the first ``    1. text`` after a blank line in the block of lines,
    indented four spaces or more, that ends the file.
    """
    found = None
    i = len(lines) - 1
    while i > start and (not lines[i].strip() or indent_of(lines[i]) >= REPLY_INDENT):
        match = _reply_item(lines[i])
        if match and match[2] == "1" and not lines[i - 1].strip():
            found = i
        i -= 1
    return found


def _lost_first_item(lines: list[str], body_start: int, second: int) -> Optional[int]:
    """Where comment 1 starts when the list begins at 2.

    It was either rendered one level too deep (``    1. text``) or lost its number; in
    both cases it is the block indented four or more spaces just above item 2.
    """
    i = second
    block_start = None
    while i > body_start and (not lines[i - 1].strip() or indent_of(lines[i - 1]) >= REPLY_INDENT):
        i -= 1
        if lines[i].strip():
            block_start = i
    return block_start


def _numbered_item(lines, stripped, reply_items, reply_lines, start, end, item_indent, issues) -> list[RawComment]:
    """One top-level item and its replies, from line ``start`` up to ``end``.

    ``stripped`` holds each line stripped, ``reply_items`` the lines that match as a
    reply item, with their match, and ``reply_lines`` those lines in order.
    """
    # Replies follow all of their parent's text, so they can only start after the
    # last line that is the parent's own text (indented less than a reply's text).
    # Text at the margin that ends the file (a page's footer, a line added by hand)
    # is no comment's own: it is kept with the last comment, and tells nothing of
    # where the replies are.
    last_parent = start
    text_indent = " " * (REPLY_INDENT + CONTINUATION)
    own_end = end
    if end == len(lines):
        i = end
        while i - 1 > start and (not stripped[i - 1] or indent_of(lines[i - 1]) < TOP_INDENT):
            i -= 1
            if stripped[i]:
                own_end = i
        if own_end < end:
            issues.append(Issue(own_end + 1, "trailing", "text at the margin after the last comment: kept as part "
                                                         "of it"))
    for i in range(own_end - 1, start, -1):
        line_stripped = stripped[i]
        if (line_stripped and (len(line_stripped) > _ACTION_MAX or line_stripped not in _ACTION_LINES)
                and i not in reply_items
                and not lines[i].startswith(text_indent)):
            last_parent = i
            break
    reply_starts = []
    expected = 1
    for i in reply_lines[bisect.bisect_right(reply_lines, last_parent):bisect.bisect_left(reply_lines, end)]:
        reply_number = int(reply_items[i][2])
        if reply_starts and not expected <= reply_number <= expected + _MAX_REPLY_GAP:
            continue
        if reply_number != expected:
            issues.append(Issue(i + 1, "numbering", f"reply numbered {reply_number}, expected {expected}"))
        reply_starts.append(i)
        expected = reply_number + 1

    parent_end = reply_starts[0] if reply_starts else end
    parent = _numbered_comment(lines, stripped, start, parent_end, item_indent + CONTINUATION, False,
                               _ITEM.match(lines[start]))
    out = [parent]
    for k, reply_start in enumerate(reply_starts):
        reply_end = reply_starts[k + 1] if k + 1 < len(reply_starts) else end
        out.append(_numbered_comment(lines, stripped, reply_start, reply_end, REPLY_INDENT + CONTINUATION, True,
                                     reply_items[reply_start]))
    return out


def _reply_item(line: str):
    match = _ITEM.match(line)
    return match if match and len(match[1]) == REPLY_INDENT else None


def _numbered_comment(lines, stripped, start, end, continuation, is_reply, match) -> RawComment:
    """The comment from line ``start`` up to ``end``, whose first line matched ``_ITEM``
    as ``match`` (or None); ``stripped`` holds each line stripped."""
    first = match[3].rstrip() if match else stripped[start]
    number = int(match[2]) if match else None
    margin = " " * continuation
    # A blank line dedents to "".
    text = [first] + [(line[continuation:].rstrip() if line.startswith(margin) else _dedent(line, margin))
                      if line_stripped else ""
                      for line, line_stripped in zip(lines[start + 1:end], stripped[start + 1:end])
                      if len(line_stripped) > _ACTION_MAX or line_stripped not in _ACTION_LINES]
    # The first line holds text (an item's, or the first of a block), so only
    # blank lines at the end are trimmed, as _trim would.
    while len(text) > 1 and not text[-1]:
        text.pop()
    last = end
    while last > start + 1 and not stripped[last - 1]:
        last -= 1
    return RawComment(is_reply, text, start + 1, last, number)


def _dedent(line: str, margin: str) -> str:
    """``dedent(line, len(margin))``, looking only at the first ``len(margin)`` characters."""
    head = line[:len(margin)]
    return line[len(head) - len(head.lstrip(" ")):].rstrip()


def _trim(text: list[str]) -> list[str]:
    """Drop blank lines at either end; keep those inside (paragraph breaks)."""
    first = 0
    while first < len(text) and not text[first].strip():
        first += 1
    last = len(text)
    while last > first and not text[last - 1].strip():
        last -= 1
    return text[first:last]


# -- layout 2: glued action links -----------------------------------------------------


@dataclass
class _Segment:
    start: int  # first line, 0-based
    end: int  # one past the last line
    is_reply: bool


@dataclass
class _Reading:
    """One placement's segments, its score, and what it doubts."""

    placement: str
    segments: list[_Segment]
    score: float = 0.0
    unmarked: bool = False  # trailing: text after the last marker
    note: str = ""
    doubts: list[Issue] = field(default_factory=list)


def read_glued(lines: list[str], placement: str) -> Optional[Split]:
    """The file read in the glued layout with its markers in ``placement``, whatever its
    evidence says; None when it has no ``ReplyDelete`` marker."""
    return _split_actions(lines, parse_header(lines), placement)


def _split_actions(lines: list[str], header: Header, placement: Optional[str] = None) -> Optional[Split]:
    start = header.body_start
    marks: list[Optional[str]] = []
    texts: list[str] = []
    for line in lines:
        match = _MARKER.match(line)
        if match:
            marks.append("reply" if match["reply"] else "top")
            texts.append(line[match.end():].rstrip())
        else:
            marks.append(None)
            texts.append(line.rstrip())
    if not any(mark == "top" for mark in marks[start:]):
        return None

    reading, note, issues = _choose_reading(marks, texts, start, placement)
    segments = reading.segments
    if reading.unmarked:
        issues.append(Issue(len(lines), "truncated",
                            "last comment has no Reply/Delete marker: the file may be cut off; taken as a top-level comment"))

    stray = [i for i in range(start, segments[0].start if segments else len(lines)) if marks[i]]
    if stray:
        issues.append(Issue(stray[0] + 1, "marker", "Reply/Delete marker with no comment before it: dropped"))
    body_end = segments[0].start if segments else len(lines)
    comments = []
    for segment in segments:
        text = _trim(texts[segment.start:segment.end])
        if not text:
            continue
        last = segment.end
        while last > segment.start + 1 and not texts[last - 1].strip():
            last -= 1
        comments.append(RawComment(segment.is_reply, text, segment.start + 1, last))
    body_lines = texts[start:body_end]
    while body_lines and not body_lines[-1].strip():
        body_lines.pop()
    first, last = _span(start, start + len(body_lines))
    return Split(header, body_lines, first, last, comments, "blogger-actions", reading.placement, note, issues)


def _choose_reading(marks, texts, start, forced: Optional[str] = None) -> tuple[_Reading, str, list[Issue]]:
    """The placement that reads the file more likely, a note saying by how much, and doubts.

    Both readings are scored by ``placement.Scorer``. The first-line placement wins
    ties, as real dumps show. When the two readings would split the file
    differently and the margin is under ``DOUBT_MARGIN``, that is a ``placement``
    warning. ``forced``: take that placement whatever the scores.
    """
    n = len(texts)
    # The model reads text lines without blank ones: before[i] of them precede line i.
    before = [0] * (n + 1)
    text_lines = []
    for i in range(start, n):
        if texts[i].strip():
            text_lines.append(texts[i].strip())
        before[i + 1] = len(text_lines)
    scorer = Scorer(text_lines)

    def score(reading: _Reading) -> _Reading:
        segments = reading.segments
        body = before[segments[0].start] if segments else len(text_lines)
        reading.score = scorer.score(body, [before[s.end] - before[s.start] for s in segments], reading.unmarked)
        return reading

    by_first_line = score(_Reading(FIRST_LINE, _segments_first_line(marks, start)))
    by_trailing = score(_read_trailing(marks, texts, start, before, scorer))
    if forced:
        chosen = by_trailing if forced == TRAILING else by_first_line
        return chosen, f"Reply/Delete markers read as {forced}, as asked{chosen.note}", list(chosen.doubts)

    def cuts(reading: _Reading) -> set[tuple[int, bool]]:
        return {(before[s.start], s.is_reply) for s in reading.segments if before[s.end] > before[s.start]}

    differ = cuts(by_first_line) ^ cuts(by_trailing)
    if not differ:
        return by_first_line, "Reply/Delete markers split the comments the same way in either placement", []
    margin = by_trailing.score - by_first_line.score
    chosen, other = (by_trailing, by_first_line) if margin > 0 else (by_first_line, by_trailing)
    count = len({cut for cut, _ in differ})
    boundaries = f"{count} boundaries" if count > 1 else "one boundary"
    if margin == 0:
        note = (f"Reply/Delete markers read as {FIRST_LINE}, as real dumps are: nothing tells the placements "
                f"apart in the {boundaries} they draw differently")
    else:
        note = (f"Reply/Delete markers read as {chosen.placement}: log-likelihood margin {abs(margin):.1f} "
                f"over the {boundaries} the two placements draw differently")
    issues = list(chosen.doubts)
    if abs(margin) < DOUBT_MARGIN:
        first_differ = min(cut for cut, _ in differ)
        line = next(i for i in range(start, n) if before[i + 1] > first_differ) + 1
        issues.append(Issue(line, "placement",
                            f"Reply/Delete markers read as {chosen.placement}, but {other.placement} is almost as "
                            f"likely (margin {abs(margin):.1f}): comments may be cut in the wrong places"))
    return chosen, note + chosen.note, issues


def _segments_first_line(marks, start) -> list[_Segment]:
    """A marker is glued to the line after its comment's first line."""
    n = len(marks)
    starts = [i for i in range(start, n - 1) if marks[i + 1]]
    ends = starts[1:] + [n]
    return [_Segment(s, e, marks[s + 1] == "reply") for s, e in zip(starts, ends)]


def _read_trailing(marks, texts, start, before, scorer) -> _Reading:
    """A marker follows its comment, glued to the next comment's first line.

    Text after the last marker is a comment with no marker after it (``unmarked``).
    Nothing marks where the first comment starts: see ``_first_comment_start``.
    """
    n = len(marks)
    marked = [i for i in range(start, n) if marks[i]]
    if marked and marked[0] == start:  # a marker on the body's first line ends nothing
        marked = marked[1:]
    if not marked:
        return _Reading(TRAILING, [])
    first, note, doubts = _first_comment_start(texts, start, marked[0], before, scorer)
    segments = []
    begin = first
    for m in marked:
        segments.append(_Segment(begin, m, marks[m] == "reply"))
        begin = m if texts[m].strip() else m + 1
    unmarked = begin < n and any(t.strip() for t in texts[begin:])
    if unmarked:
        segments.append(_Segment(begin, n, False))
    return _Reading(TRAILING, segments, unmarked=unmarked, note=note, doubts=doubts)


def _first_comment_start(texts, start, first_mark, before, scorer) -> tuple[int, str, list[Issue]]:
    """Where the first comment starts in the trailing placement, a note, and doubts.

    After a blank line below the body's text it starts there. Otherwise each line of
    the body but its first is tried, and the likeliest start under ``scorer`` taken;
    a runner-up within ``DOUBT_MARGIN`` is a ``first-comment`` warning.
    """
    last_text = next((i for i in range(first_mark - 1, start - 1, -1) if texts[i].strip()), None)
    if last_text is None:
        return first_mark, "", []
    blank = next((i for i in range(last_text - 1, start - 1, -1) if not texts[i].strip()), None)
    if blank is not None:
        return blank + 1, "", []
    if last_text == start:
        return start, "", []
    end = before[first_mark]
    ranked = sorted(((scorer.score_first(before[i], end), -i) for i in range(start + 1, last_text + 1)), reverse=True)
    best, line = ranked[0][0], -ranked[0][1]
    note = f"; nothing marks where the first comment starts: taken as line {line + 1}"
    if len(ranked) == 1:
        return line, note, []
    gap, runner_up = best - ranked[1][0], -ranked[1][1] + 1
    note += f", {gap:.1f} likelier than line {runner_up}"
    doubts = []
    if gap < DOUBT_MARGIN:
        doubts.append(Issue(line + 1, "first-comment",
                            f"nothing marks where the first comment starts: taken as this line, but line "
                            f"{runner_up} is almost as likely (margin {gap:.1f})"))
    return line, note, doubts
