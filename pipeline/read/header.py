"""Stage 2a: the header, the date line and title above the post body."""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

from ..model import Header

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)

# Names in full or shortened ("Thu", "Tues", "Sept"), with an optional full stop.
_WEEKDAY = (r"(?P<weekday>" + "|".join(WEEKDAYS) + r"|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?")
_MONTH = (r"(?P<month>" + "|".join(MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?")
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_SEP = r"[\s\u00a0]+"

# A header date line: "Thursday, 6 March 2014", "Thursday 14 August 2014",
# "Thursday, September 16, 2010"; the weekday may be missing.
_DATE_LINE_PATTERNS = [
    re.compile(rf"^(?:{_WEEKDAY},?{_SEP})?{_DAY}{_SEP}{_MONTH},?{_SEP}{_YEAR}$", re.I),
    re.compile(rf"^(?:{_WEEKDAY},?{_SEP})?{_MONTH}{_SEP}{_DAY},?{_SEP}{_YEAR}$", re.I),
]

# A line that could be a title: short, and not ending the way an opening sentence of
# a body paragraph does ("...reminded me about this:-").
_TITLE_MAX = 120
_NOT_A_TITLE_END = (":", ":-", ";", ",", "-", "\u2013", ".")


class HeaderDate:
    """A date read from a header date line."""

    def __init__(self, date: dt.date, weekday: Optional[str]):
        self.date = date
        self.weekday = weekday

    @property
    def weekday_agrees(self) -> bool:
        return self.weekday is None or WEEKDAYS[self.date.weekday()].startswith(self.weekday.lower()[:3])


def is_date_line(line: str) -> bool:
    """Whether the line is written as a header date line, real day or not."""
    return any(pattern.match(line.strip()) for pattern in _DATE_LINE_PATTERNS)


def parse_date_line(line: str) -> Optional[HeaderDate]:
    """Read a header date line; None when the line is not one or names no real day."""
    text = line.strip()
    for pattern in _DATE_LINE_PATTERNS:
        match = pattern.match(text)
        if match:
            month = [m[:3] for m in MONTHS].index(match["month"].lower()[:3]) + 1
            try:
                date = dt.date(int(match["year"]), month, int(match["day"]))
            except ValueError:
                return None
            return HeaderDate(date, match["weekday"])
    return None


def parse_header(lines: list[str]) -> Header:
    """Find the date line and title at the top of a file, if it has them.

    Recognised: date, blank, title, blank, body; date, blank, blank, body (an untitled
    post); title, blank, body (no date); and no header at all, the body on line 1.
    """
    def blank(i: int) -> bool:
        return i >= len(lines) or not lines[i].strip()

    if not lines:
        return Header()
    if is_date_line(lines[0]):
        date_line = lines[0].strip()
        if len(lines) == 1:
            return Header(date_line, None, 1)
        if blank(1) and blank(2):
            return Header(date_line, None, _skip_blank(lines, 3))
        if blank(1) and _looks_like_title(lines[2]) and blank(3):
            return Header(date_line, lines[2].strip(), _skip_blank(lines, 4))
        return Header(date_line, None, _skip_blank(lines, 1))
    if len(lines) > 2 and _looks_like_title(lines[0]) and blank(1) and not blank(2):
        return Header(None, lines[0].strip(), _skip_blank(lines, 2))
    return Header(None, None, 0)


def _looks_like_title(line: str) -> bool:
    text = line.strip()
    return (
        0 < len(text) <= _TITLE_MAX
        and line == line.lstrip()
        and (text.endswith("...") or not text.endswith(_NOT_A_TITLE_END))
        and "://" not in text
    )


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i
