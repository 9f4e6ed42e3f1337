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

import json
import re
from dataclasses import dataclass
from typing import Optional

from .header import parse_header
from ..model import Header, Issue, RawComment, Split

# "  N. text": a list item, its indentation in group 1.
_ITEM = re.compile(r"^( *)(\d{1,4})\.[ \u00a0]+(\S.*)$")
_COUNT_LINE = re.compile(r"^\s*\d+\s+comments?:?\s*$", re.I)
# Posts that quote readers' comments set them apart with lines of asterisks.
_QUOTE_DIVIDER = re.compile(r"^\s*\*{5,}\s*$")
# Action links left on their own line after an item in the numbered layout.
_ACTION_LINES = frozenset({"ReplyDelete", "Delete", "Reply"})

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

FIRST_LINE = "first-line"
TRAILING = "trailing"

# Signatures are short: "PO", "Anon", "'Spartacus".
_SIGNATURE_MAX = 20
_SIGNATURE_WORDS = 2
# A signature opening a comment is only telling when a sentence follows it.
_SENTENCE_MIN = 40


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

    comments: list[RawComment] = []
    ends = [i for i, _, _ in items[1:]] + [len(lines)]
    for (item_start, item_indent, number), item_end in zip(items, ends):
        comments.extend(_numbered_item(lines, item_start, item_end, item_indent, number, issues))

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
    for i in range(start, len(lines)):
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


def _numbered_item(lines, start, end, item_indent, number, issues) -> list[RawComment]:
    """One top-level item and its replies, from line ``start`` up to ``end``."""
    region = [i for i in range(start + 1, end) if lines[i].strip() not in _ACTION_LINES]
    # Replies follow all of their parent's text, so they can only start after the
    # last line that is the parent's own text (indented less than a reply's text).
    last_parent = start
    for i in region:
        line = lines[i]
        if line.strip() and indent_of(line) < REPLY_INDENT + CONTINUATION and not _reply_item(line):
            last_parent = i
    reply_starts = []
    expected = 1
    for i in region:
        if i <= last_parent:
            continue
        match = _reply_item(lines[i])
        if not match:
            continue
        reply_number = int(match[2])
        if reply_starts and not expected <= reply_number <= expected + _MAX_REPLY_GAP:
            continue
        if reply_number != expected:
            issues.append(Issue(i + 1, "numbering", f"reply numbered {reply_number}, expected {expected}"))
        reply_starts.append(i)
        expected = reply_number + 1

    parent_end = reply_starts[0] if reply_starts else end
    comment_number = _first_line_number(lines[start])
    parent = _numbered_comment(lines, start, parent_end, item_indent + CONTINUATION, False, comment_number)
    out = [parent]
    for k, reply_start in enumerate(reply_starts):
        reply_end = reply_starts[k + 1] if k + 1 < len(reply_starts) else end
        out.append(_numbered_comment(lines, reply_start, reply_end, REPLY_INDENT + CONTINUATION, True,
                                     _first_line_number(lines[reply_start])))
    return out


def _reply_item(line: str):
    match = _ITEM.match(line)
    return match if match and len(match[1]) == REPLY_INDENT else None


def _first_line_number(line: str) -> Optional[int]:
    match = _ITEM.match(line)
    return int(match[2]) if match else None


def _numbered_comment(lines, start, end, continuation, is_reply, number) -> RawComment:
    match = _ITEM.match(lines[start])
    first = match[3].rstrip() if match else lines[start].strip()
    text = [first] + [dedent(lines[i], continuation) for i in range(start + 1, end)
                      if lines[i].strip() not in _ACTION_LINES]
    last = end
    while last > start + 1 and not lines[last - 1].strip():
        last -= 1
    return RawComment(is_reply, _trim(text), start + 1, last, number)


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


def _split_actions(lines: list[str], header: Header) -> Optional[Split]:
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

    issues: list[Issue] = []
    first_line = _segments_first_line(marks, start)
    trailing = _segments_trailing(marks, texts, start)
    penalty_first = _implausibility(first_line, texts)
    penalty_trailing = _implausibility(trailing, texts)
    # Real dumps put the marker after each comment's first line: take that reading
    # unless the file's own evidence (openings cut from what they introduce,
    # signatures opening a comment) says the markers trail their comments.
    if penalty_trailing < penalty_first:
        placement, segments = TRAILING, trailing
    else:
        placement, segments = FIRST_LINE, first_line
    note = (f"Reply/Delete markers read as {placement} placement "
            f"(implausible comments: first-line {penalty_first}, trailing {penalty_trailing})")
    if placement == TRAILING and not (marks[-1] and not texts[-1]):
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
    return Split(header, body_lines, first, last, comments, "blogger-actions", placement, note, issues)


def _segments_first_line(marks, start) -> list[_Segment]:
    """A marker is glued to the line after its comment's first line."""
    n = len(marks)
    starts = [i for i in range(start, n - 1) if marks[i + 1]]
    ends = starts[1:] + [n]
    return [_Segment(s, e, marks[s + 1] == "reply") for s, e in zip(starts, ends)]


def _segments_trailing(marks, texts, start) -> list[_Segment]:
    """A marker follows its comment, glued to the next comment's first line."""
    n = len(marks)
    marked = [i for i in range(start, n) if marks[i]]
    if not marked or marked[0] == start:
        marked = marked[1:] if marked else marked
    if not marked:
        return []
    # Nothing marks where the first comment begins: take the lines after the last
    # blank line above its marker, or else the one line above it.
    first = marked[0] - 1
    blank_above = [i for i in range(start, marked[0]) if not texts[i].strip()]
    if blank_above and blank_above[-1] + 1 < marked[0]:
        first = blank_above[-1] + 1
    segments = []
    begin = first
    for m in marked:
        segments.append(_Segment(begin, m, marks[m] == "reply"))
        begin = m if texts[m].strip() else m + 1
    if begin < n and any(t.strip() for t in texts[begin:]):
        segments.append(_Segment(begin, n, False))
    return segments


def _implausibility(segments: list[_Segment], texts: list[str]) -> int:
    """How many comments a reading makes that no one would write.

    An opening line (``...work wonders:``) cut from what it introduces, or a
    signature (``PO``) followed by a sentence at the start of a comment.
    """
    penalty = 0
    for segment in segments:
        text = [t for t in texts[segment.start:segment.end] if t.strip()]
        if not text:
            continue
        if _is_opening(text[-1]):
            penalty += 1
        if len(text) > 1 and _is_signature(text[0]) and len(text[1].strip()) > _SENTENCE_MIN:
            penalty += 1
    return penalty


def _is_opening(text: str) -> bool:
    return text.rstrip().endswith((":", ":-"))


def _is_signature(text: str) -> bool:
    text = text.strip()
    return (
        0 < len(text) <= _SIGNATURE_MAX
        and len(text.split()) <= _SIGNATURE_WORDS
        and not text.endswith((".", "?", "!", ":"))
        and "://" not in text
    )
