"""Stage 4b: dates. Find every date written in a text, resolve it, and date posts
that have no header from the dates their own text gives.

Three steps, kept apart: ``find_mentions`` lexes the text into candidate
expressions with the fields they give (day, month, year, weekday, a relation such
as "last"); ``infer_post_date`` works out a header-less post's date from them; and
``resolve`` turns each expression into an ISO value against the post's date.

Dates are UK day-first. Nothing is filled in from today's date: a field the text
does not give comes from the post's date, or the mention stays unresolved. Times
(``20:43``, ``19.23``), fiscal years (``2015/16``), sums and counts are not dates.
"""
from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from dateutil.relativedelta import relativedelta, weekday as rd_weekday


MONTH_NUMBERS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
WEEKDAY_NUMBERS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
# The years a weekday-and-date pair may pin a header-less post to.
EARLIEST_YEAR = 1990
LATEST_YEAR = dt.date.today().year + 1

# -- lexing -----------------------------------------------------------------------------

_SP = r"[ \t\u00a0]+"  # spaces within a line, non-breaking ones included
_SP0 = r"[ \t\u00a0]*"
# Full names, or abbreviations with a full stop only where a number follows ("Feb. 2014";
# in "until Feb." the stop ends the sentence).
_MONTH = (r"(?P<month>january|february|march|april|may|june|july|august|september|october|november|december"
          r"|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?:\.(?=[ \t\u00a0]*\d))?)(?![a-z])")
_DAY = r"(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d:.]\d)"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?![\d/%])(?![-\u2013]\d)"
_WEEKDAY = (r"(?P<weekday>mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?"
            r"(?![a-z'\u2019])")
_WEEKDAY_PREFIX = rf"(?:{_WEEKDAY},?{_SP}(?:the{_SP})?)?"

# Words after which a bare month name ("since June", "until Feb") is a date.
_MONTH_LEADS = (r"in|since|until|till|til|by|from|during|before|after|next|last|this|early|mid|late|throughout"
                r"|end|start|beginning")
# Words after which a year is a date ("in 1939").
_YEAR_LEADS = r"in|since|until|till|by|from|during|before|after|of|circa"

_PATTERNS = [
    # Friday 17th May 2024, 7 May 2015, 31st March, the 1st of April
    ("dmy", re.compile(
        rf"\b{_WEEKDAY_PREFIX}{_DAY}(?:{_SP}of)?{_SP}{_MONTH}(?:,?{_SP}{_YEAR})?(?![\w/])", re.I)),
    # March 6, 2014; june 1st; Thursday, September 16, 2010
    ("mdy", re.compile(
        rf"\b{_WEEKDAY_PREFIX}{_MONTH}{_SP}{_DAY}(?:,?{_SP}{_YEAR})?(?![\w/:.])", re.I)),
    # Jan '24
    ("my2", re.compile(rf"\b{_MONTH}{_SP0}['\u2019](?P<year2>\d\d)(?![\w'])", re.I)),
    # October 2023
    ("my", re.compile(rf"\b{_MONTH}{_SP}{_YEAR}\b", re.I)),
    # 31/03/2014, 31/3/14, 31.03.2014, 2014-03-31
    ("numeric", re.compile(
        r"(?<![\d/.])(?P<day>3[01]|[12]\d|0?[1-9])(?P<sep>[/.])(?P<mon>1[0-2]|0?[1-9])(?P=sep)"
        r"(?P<year>(?:19|20)\d\d|\d\d)(?![\d/.]\d)")),
    ("iso", re.compile(r"(?<![\d/-])(?P<year>(?:19|20)\d\d)-(?P<mon>1[0-2]|0[1-9])-(?P<day>3[01]|[12]\d|0[1-9])(?![\d-])")),
    # since June, until Feb, in May, September last year
    ("month", re.compile(
        rf"\b(?P<lead>{_MONTH_LEADS})(?:{_SP}|-)(?:of{_SP})?{_MONTH}"
        rf"(?:{_SP}(?P<rel>last|next|this){_SP}year)?(?![\w'\u2019-])", re.I)),
    # in 1939, since 2010
    ("year", re.compile(
        rf"\b(?:{_YEAR_LEADS}){_SP}{_YEAR}"
        r"(?!['\u2019]?s\b)(?![\w,.]\d)", re.I)),
    # yesterday, last Tuesday, this Friday, next month
    ("relative", re.compile(
        rf"\b(?:(?P<word>yesterday|today|tomorrow|tonight)|(?P<rel>last|next|this){_SP}"
        rf"(?:{_WEEKDAY}|(?P<unit>month|year)|(?P<part>morning|afternoon|evening)))(?![\w-])", re.I)),
]

# How many months or years "last", "next" and "this" (month, year) move from the post's own.
_STEP = {"last": -1, "next": 1, "this": 0}

_RANK = {"iso": 0, "numeric": 0, "dmy": 0, "mdy": 0, "my": 1, "my2": 1, "year": 2, "month": 2, "relative": 3}

# A year after "in", "since" and the like is not a date when a count follows:
# "in 2000 cases".
_YEAR_FOLLOWED_BY_NOUN = re.compile(rf"{_SP}(?!and\b|to\b|when\b|the\b|as\b|but\b|or\b|with\b|at\b|for\b|on\b"
                                    rf"|in\b|onwards\b|until\b|till\b|after\b|before\b|we\b|it\b|was\b|is\b)[a-z]")
# "in the service today" means nowadays, not a calendar day.
_TODAY_AS_NOWADAYS = re.compile(rf"\b(?:in|of){_SP}(?:the{_SP})?\w+{_SP}$", re.I)
# "in November of the same year": the year is another date's, not the post's.
_OTHER_YEAR = re.compile(rf"{_SP}of{_SP}(?:the{_SP}(?:same|following|previous)|that){_SP}year", re.I)
# "12-14 May", "31st March-1st April": the first day of a range takes the second's month.
_RANGE_DAY = re.compile(rf"(?<![\d/.:])(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?{_SP0}[-\u2013]{_SP0}$")
# "from April to June": the second month of a range.
_RANGE_MONTH = re.compile(rf"{_SP0}(?:to|until|till|and|-|\u2013){_SP0}{_MONTH}(?![\w'\u2019-])", re.I)


@dataclass
class Expression:
    """A date expression as written, and the fields it gives."""

    text: str
    start: int
    end: int
    kind: str
    day: Optional[int] = None
    month: Optional[int] = None
    year: Optional[int] = None
    weekday: Optional[int] = None
    relation: Optional[str] = None  # last, next, this, since, until, in, ...
    unit: Optional[str] = None  # day, month, year for relative expressions
    sentence: tuple[str, str] = ("", "")  # its sentence before and after it, for the tense


# Every date expression holds a month's name, a number or a relative word, and
# starts at it or a few words before. The patterns are tried only at those places,
# each only where it could match: most of a text holds no date. The places are
# found in a copy of the text with one byte for each character, a non-ASCII one
# written "?", so that every ASCII word and number stands where it stands in the
# text: bytes methods (one-byte searches, translate, lower) run many times faster
# over it than a regular expression's scan of the text. What they find is checked
# in the text itself. They look for capitalised month names, runs of digits, and a
# few words; a month in lower case counts only beside a day's number ("11th march").
_CAPITAL_MONTH = re.compile(r"J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec")
_DIGITS = re.compile(r"\d+")
_MONTH_WORD = re.compile(r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
                         r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])", re.I)
_MONTH_AFTER_DAY = re.compile(rf"(?:st|nd|rd|th)?{_SP}(?:of{_SP})?(?={_MONTH_WORD.pattern})", re.I)
_MONTH_BEFORE_DAY = re.compile(rf"(?<![a-z]){_MONTH_WORD.pattern}{_SP}$", re.I)
# What must follow "last", "next" or "this" for it to name a date.
_RELATIVE_NEXT = re.compile(rf"{_SP}(?:mon|tue|wed|thu|fri|sat|sun|month|year|morning|afternoon|evening)", re.I)
_RELATIONS = ("last", "next", "this")
# Each written in lower case or capitalised.
_RELATIVE_WORDS = ("yesterday", "today", "tomorrow", "tonight") + _RELATIONS
_LOOK_BACK = 25  # a day, weekday or lead word stands this close before a month or year

# A set of kinds is an int, a bit for each kind in _PATTERNS' order.
_BIT = {kind: 1 << k for k, (kind, _) in enumerate(_PATTERNS)}


def _mask(kinds: Iterable[str]) -> int:
    return sum(_BIT[kind] for kind in set(kinds))


# The kinds' patterns in order, for each set of kinds.
_TRIES = [tuple((kind, pattern) for kind, pattern in _PATTERNS if mask & _BIT[kind])
          for mask in range(1 << len(_PATTERNS))]
_AT_MONTH_KINDS = ("dmy", "mdy", "my", "my2", "month")
_AT_MONTH = _mask(_AT_MONTH_KINDS)
_AT_YEAR = _mask(["year"])
_AT_NUMERIC = _mask(["numeric", "iso"])
_AT_RELATIVE = _mask(["relative"])
# (word, the word as bytes, capitalised, whether it needs _RELATIVE_NEXT)
_RELATIVE_NEEDLES = tuple((word, word.encode(), word.capitalize(), word in _RELATIONS) for word in _RELATIVE_WORDS)

# In the one-byte copy, digits become \x02 and the capitals that begin a month's
# name \x01 (and those two bytes themselves "?"), so that a scan for one byte finds them.
_MARKS = bytes.maketrans(b"0123456789JFMASOND\x01\x02", b"\x02" * 10 + b"\x01" * 8 + b"??")
_MARKED_MONTH = re.compile(rb"\x01(?:an|u[nl]|eb|a[ry]|pr|ug|ep|ct|ov|ec)")


def _has_other_digits(text: str, view: bytes) -> bool:
    """Whether ``text`` holds decimal digits other than ASCII ones ("٣"), which its
    one-byte copy ``view`` shows as "?" like any character that is not ASCII."""
    i = view.find(b"?")
    while i >= 0:
        if text[i].isdecimal():
            return True
        i = view.find(b"?", i + 1)
    return False


# What the first three characters of an expression of each kind can be, in lower
# case, where they are ASCII: a place is tried for a kind only where they fit, which
# spares most of the tries. A day's number (dmy) starts with an ASCII digit.
# Patterns match case-insensitively, and a non-ASCII character may match an ASCII
# letter ("ſ" matches "s"), so where the three are not all ASCII every kind is tried.
def _first_three(words: Iterable[str], after: str = "") -> set[str]:
    """The first three characters of each word, or of each short word followed by one of ``after``."""
    return {word[:3] for word in words if len(word) >= 3} | {word + c for word in words if len(word) < 3 for c in after}


_WEEKDAY_STARTS = _first_three(WEEKDAY_NUMBERS)
_MONTH_STARTS = _first_three(MONTH_NUMBERS)
_KIND_STARTS = {
    "dmy": _WEEKDAY_STARTS,
    "mdy": _WEEKDAY_STARTS | _MONTH_STARTS,
    "my2": _MONTH_STARTS,
    "my": _MONTH_STARTS,
    "month": _first_three(_MONTH_LEADS.split("|"), " \t-"),
    "year": _first_three(_YEAR_LEADS.split("|"), " \t"),
}
_ALWAYS_TRIED = _mask(kind for kind, _ in _PATTERNS if kind not in _KIND_STARTS)
_KINDS_STARTING = {start: _ALWAYS_TRIED | _mask(kind for kind, starts in _KIND_STARTS.items() if start in starts)
                   for starts in _KIND_STARTS.values() for start in starts}
_KINDS_AT_DIGIT = _ALWAYS_TRIED | _BIT["dmy"]
# After a month's name, "March 6" and "October 2023" have a space and a digit, "Jan '24"
# an apostrophe: elsewhere a name is not tried for those kinds. (A weekday before the
# month, "Thursday, September 16", starts at the weekday's name, not a month's.) The
# name ends where its letters do, those that match [a-z] when case is ignored.
_AFTER_MONTH_NAME = re.compile(r"[a-zA-Z\u0130\u0131\u017f\u212a]+\.?"
                               r"(?:[ \t\u00a0]+(?P<digit>[0-9])|[ \t\u00a0]*['\u2019])")
_BEFORE_DIGIT = _mask(["mdy", "my"])
_BEFORE_QUOTE = _mask(["my2"])
_AFTER_MONTH_NAME_KINDS = _BEFORE_DIGIT | _BEFORE_QUOTE
_ASCII_DIGITS = frozenset("0123456789")


def _word_starts_for(kinds: tuple[str, ...]) -> re.Pattern:
    """Where a word starts (a word character after none, nor an apostrophe) and one
    of ``kinds`` may start (see ``_starts``'s ``at``).

    A superset: it also yields a word whose first three characters are not all
    ASCII, or run past the end of what is searched. Case is spelt out rather than
    ignored, which the regular expression engine does faster.
    """
    firsts = set().union(*(_KIND_STARTS[kind] for kind in kinds))
    spellings = {"".join(letters) for first in firsts
                 for letters in itertools.product(*({c.lower(), c.upper()} for c in first))}
    digit = "|[0-9]" if "dmy" in kinds else ""
    return re.compile(rf"(?<![\w'\u2019])(?=\w)(?=(?:{_alternation(spellings)}){digit}"
                      r"|[\x00-\x7f]{0,2}[^\x00-\x7f]|[\s\S]{0,2}\Z)")


def _alternation(words: set[str]) -> str:
    """A pattern matching any of ``words``, branching one character at a time:
    the regular expression engine tries the branches of an alternation one by one."""
    by_first: dict[str, set[str]] = {}
    for word in words:
        by_first.setdefault(word[:1], set()).add(word[1:])
    branches = []
    for first, rests in sorted(by_first.items()):
        if first == "":
            continue
        rest = _alternation(rests)
        optional = "" in rests
        if rest:
            branches.append(re.escape(first) + (f"(?:{rest})?" if optional else f"(?:{rest})"))
        else:
            branches.append(re.escape(first))
    return "|".join(branches)


_MONTH_WORD_STARTS = _word_starts_for(_AT_MONTH_KINDS)
# A year is a date after a lead word and spaces ("in 1939"). Such a year's digits
# start a number that is tried for a year, with the lead word among the words
# before it: the lead word just before is the only place there where one can start.
_LEAD_BEFORE_YEAR = re.compile(rf"(?<![\w'\u2019])(?:{_YEAR_LEADS}){_SP}$", re.I)
# Bytes of the one-byte copy, "?" standing for any character that is not ASCII.
_UNKNOWN = ord("?")
_SEPARATORS = frozenset(b"/.-")
_SPACES = frozenset(b" \t?")  # of _SP
# What may follow a day's number that a month follows: a space, or "st", "nd", "rd", "th".
_MAY_FOLLOW_DAY = frozenset(b" \t?sSnNrRtT")
# The first letters of what _RELATIVE_NEXT allows after the spaces, or more space.
_MAY_FOLLOW_RELATION = frozenset(b"mtwfsyae? \t")
# The last three characters of each month's name, in lower case.
_MONTH_ENDINGS = frozenset(name[-3:].encode() for name in MONTH_NUMBERS)


def _marked_class(letters: str) -> bytes:
    """A byte class of the marked copy for these letters in either case: capitals
    that begin a month's name are \\x01 there, and any character may be "?"."""
    members = {b"?"}
    for letter in letters:
        for c in (letter.lower(), letter.upper()):
            members.add(b"\\x01" if c in "JFMASOND" else re.escape(c).encode())
    return b"[" + b"".join(sorted(members)) + b"]"


def _marked_word(word: str) -> bytes:
    return b"".join(_marked_class(c) for c in word)


_MARKED_SPACE = rb"[ \t?]"
# The numbers in the marked copy that may start a date or stand beside one, a
# superset of what ``_starts`` looks for (it checks each again): four digits not
# after a separator (a year); one or two with a suffix or space and a month's
# initial after them, or a month's name and a space before them; any not after a
# separator with a separator and a digit after them (31/03/2014).
_MARKED_RUNS = re.compile(
    rb"\x02(?<!\x02\x02)(?:"
    rb"\x02?(?!\x02)(?:"
    rb"(?=(?:" + b"|".join(_marked_word(suffix) for suffix in ("st", "nd", "rd", "th")) + rb")?" + _MARKED_SPACE
    + rb"+(?:" + _marked_word("of") + _MARKED_SPACE + rb"+)?" + _marked_class("jfmasond") + rb")"
    + rb"|(?<=(?:" + b"|".join(_marked_word(ending.decode()) for ending in sorted(_MONTH_ENDINGS)) + rb")"
    + _MARKED_SPACE + rb"\x02)"
    + rb"|(?<=(?:" + b"|".join(_marked_word(ending.decode()) for ending in sorted(_MONTH_ENDINGS)) + rb")"
    + _MARKED_SPACE + rb"\x02\x02)"
    + rb"|(?<=" + _MARKED_SPACE + _MARKED_SPACE + rb"\x02)|(?<=" + _MARKED_SPACE + _MARKED_SPACE + rb"\x02\x02))"
    rb"|(?<![/.\-]\x02)\x02\x02\x02(?!\x02)"
    rb"|(?<![/.\-]\x02)\x02*(?=[/.\-][\x02?])"
    rb")")


def _starts(text: str) -> dict[int, int]:
    """The places where a date expression may start, and the kinds to try there (``_mask``)."""
    starts: dict[int, int] = {}
    before_done: set[int] = set()  # the months whose words before are tried already

    def at(point: int, kinds: int) -> None:
        first = text[point:point + 3]
        if len(first) == 3 and first.isascii():
            first = first.lower()
            kinds &= (_KINDS_AT_DIGIT if first[0] in _ASCII_DIGITS else _KINDS_STARTING.get(first, _ALWAYS_TRIED))
            if kinds & _AFTER_MONTH_NAME_KINDS and first in _MONTH_STARTS:
                after = _AFTER_MONTH_NAME.match(text, point)
                kinds &= ~_AFTER_MONTH_NAME_KINDS | (_BEFORE_DIGIT if after and after["digit"] else
                                                     _BEFORE_QUOTE if after else 0)
        if kinds:
            starts[point] = starts.get(point, 0) | kinds

    def with_words_before(point: int) -> None:
        if point in before_done:
            return
        before_done.add(point)
        at(point, _AT_MONTH)
        # search, not finditer: there are few, and finditer costs more to set up
        word = _MONTH_WORD_STARTS.search(text, max(0, point - _LOOK_BACK), point)
        while word:
            at(word.start(), _AT_MONTH)
            word = _MONTH_WORD_STARTS.search(text, word.start() + 1, point)

    view = text.encode("ascii", "replace")
    marked = view.translate(_MARKS)
    for month in _MARKED_MONTH.finditer(marked):
        i = month.start()
        if _CAPITAL_MONTH.match(text, i) and (i == 0 or not text[i - 1].isalpha()) and _MONTH_WORD.match(text, i):
            with_words_before(i)
    if _has_other_digits(text, view):
        runs = [run.span() for run in _DIGITS.finditer(text)]
    else:
        runs = [run.span() for run in _MARKED_RUNS.finditer(marked)]
    lower = view.lower()
    for first, end in runs:
        # The copy shows the ASCII characters around a number as they are, and
        # those that could match the patterns' spaces or letters as "?": it tells
        # cheaply where a pattern cannot match.
        after_separator = first > 0 and view[first - 1] in _SEPARATORS
        length = end - first
        if length == 4 and not after_separator and view[first:first + 2] in (b"19", b"20"):
            lead = _LEAD_BEFORE_YEAR.search(text, max(0, first - _LOOK_BACK), first)
            if lead:
                at(lead.start(), _AT_YEAR)
        if (not after_separator and view[end:end + 1] in (b"/", b".", b"-")
                and text[end + 1:end + 2].isdigit()):
            at(first, _AT_NUMERIC)
        if length <= 2:
            if end < len(view) and view[end] in _MAY_FOLLOW_DAY:
                after = _MONTH_AFTER_DAY.match(text, end)
                if after:
                    with_words_before(after.end())
            # A month's name and a space just before (so not before the fourth
            # character): the name's last three characters show, unless the space
            # is longer or they are not ASCII.
            if first >= 4 and view[first - 1] in _SPACES:
                ending = lower[first - 4:first - 1]
                if ending in _MONTH_ENDINGS or view[first - 2] in _SPACES or _UNKNOWN in ending:
                    before = _MONTH_BEFORE_DAY.search(text, max(0, first - 14), first)
                    if before:
                        with_words_before(before.start())
    for word, needle, capital, needs_next in _RELATIVE_NEEDLES:
        i = lower.find(needle)
        while i >= 0:
            j = i + len(word)
            # "last", "next" and "this" need a space and a word that may name a day, month or year.
            if ((not needs_next or (j + 1 < len(lower) and lower[j] in _SPACES and lower[j + 1] in _MAY_FOLLOW_RELATION
                                    and _RELATIVE_NEXT.match(text, j)))
                    and (text.startswith(word, i) or text.startswith(capital, i))
                    and (i == 0 or not text[i - 1].isalpha())):
                at(i, _AT_RELATIVE)
            i = lower.find(needle, j)
    return starts


def find_mentions(text: str) -> list[Expression]:
    """Every date expression in ``text``, in order, none overlapping another."""
    return _choose(_tried(text, _starts(text)), text)


def _tried(text: str, starts: dict[int, int]) -> list[Expression]:
    """What each kind's pattern reads at each start, by start, then in the patterns' order."""
    found: list[Expression] = []
    for start, kinds in sorted(starts.items()):
        for kind, pattern in _TRIES[kinds]:
            match = pattern.match(text, start)
            if match:
                expression = _read(kind, match, text)
                if expression is not None:
                    found.append(expression)
    return found


def _choose(found: list[Expression], text: str) -> list[Expression]:
    """The expressions found, with the first days and second months of ranges, less
    those that overlap one that says more."""
    found.extend(_range_starts(found, text))
    found.extend(_range_months(found, text))
    # Where expressions overlap, the one that says more wins: "in October 2016" is
    # October 2016, not "in October"; "this Friday 7th March" is the 7th.
    found.sort(key=lambda e: (_RANK[e.kind], e.start, -(e.end - e.start)))
    starts: list[int] = []  # of the chosen expressions, which never overlap: kept in order
    chosen: list[Expression] = []
    for expression in found:
        k = bisect.bisect_right(starts, expression.start)
        if k and chosen[k - 1].end > expression.start:
            continue
        if k < len(chosen) and chosen[k].start < expression.end:
            continue
        starts.insert(k, expression.start)
        chosen.insert(k, expression)
    return chosen


def _read(kind: str, match: re.Match, text: str) -> Optional[Expression]:
    start, end = match.span()
    if kind == "dmy" or kind == "mdy":
        month_word = match["month"].lower().rstrip(".")
        weekday = WEEKDAY_NUMBERS.get((match["weekday"] or "").lower())
        if kind == "mdy" and month_word == "may" and not match[0][0].isupper() and weekday is None:
            return None  # "may 2 people": the verb
        year = match["year"]
        return Expression(match[0], start, end, kind, int(match["day"]), MONTH_NUMBERS[month_word],
                          int(year) if year else None, weekday)
    if kind == "my" or kind == "my2":
        month = MONTH_NUMBERS[match["month"].lower().rstrip(".")]
        if kind == "my2":
            two = int(match["year2"])
            year = 2000 + two if two < 50 else 1900 + two
        else:
            year = int(match["year"])
        return Expression(match[0], start, end, kind, None, month, year)
    if kind == "numeric" or kind == "iso":
        year = int(match["year"])
        year = year if year > 99 else (2000 + year if year < 50 else 1900 + year)
        return Expression(match[0], start, end, kind, int(match["day"]), int(match["mon"]), year)
    if kind == "month":
        if not _plausible_bare_month(match):
            return None
        if _OTHER_YEAR.match(text, end):
            return None
        month = MONTH_NUMBERS[match["month"].lower().rstrip(".")]
        rel = match["rel"]
        return Expression(match[0], start, end, kind, None, month, None, None, (rel or match["lead"]).lower(),
                          "year" if rel else None, _sentence(text, start, end))
    if kind == "year":
        if _YEAR_FOLLOWED_BY_NOUN.match(text, end):
            return None
        return Expression(match[0], start, end, kind, None, None, int(match["year"]))
    # relative
    word = (match["word"] or "").lower()
    if word == "today" and _TODAY_AS_NOWADAYS.search(text, max(0, start - _LOOK_BACK * 2), start):
        return None
    part = match["part"]
    if word or part:
        # tonight and this morning are today
        relation = "today" if word in ("tonight", "") else word
        unit = "day"
        if part and match["rel"].lower() != "this":
            return None  # "last evening", "next morning": not said of a date here
    else:
        relation = match["rel"].lower()
        unit = (match["unit"] or "day").lower()
    return Expression(match[0], start, end, kind, None, None, None,
                      WEEKDAY_NUMBERS.get((match["weekday"] or "").lower()), relation, unit)


_SENTENCE_REACH = 300  # characters looked at either side of a date for its sentence


def _sentence(text: str, start: int, end: int) -> tuple[str, str]:
    """The rest of the sentence before and after ``text[start:end]``."""
    low, high = max(0, start - _SENTENCE_REACH), min(len(text), end + _SENTENCE_REACH)
    before = max(text.rfind(".", low, start), text.rfind("!", low, start), text.rfind("?", low, start),
                 text.rfind("\n", low, start), low - 1)
    after = [i for i in (text.find(".", end, high), text.find("!", end, high), text.find("?", end, high),
                         text.find("\n", end, high)) if i >= 0]
    return text[before + 1:start], text[end:min(after) if after else high]


def _plausible_bare_month(match: re.Match) -> bool:
    """A month name alone is a date when it is written as one: capitalised.

    "may" and "march" are also verbs, "mar" and "dec" parts of other words.
    """
    return match["month"][0].isupper()


def _range_starts(found: list[Expression], text: str) -> list[Expression]:
    """The first day of "12-14 May", which has no month of its own."""
    out = []
    for expression in found:
        if expression.kind not in ("dmy",) or expression.weekday is not None:
            continue
        match = _RANGE_DAY.search(text, max(0, expression.start - 12), expression.start)
        if match:
            out.append(Expression(text[match.start():match.start("day") + len(match["day"])], match.start(),
                                  match.start("day") + len(match["day"]), "dmy", day=int(match["day"]),
                                  month=expression.month, year=expression.year))
    return out


def _range_months(found: list[Expression], text: str) -> list[Expression]:
    """The second month of "from April to June"."""
    out = []
    for expression in found:
        if expression.kind != "month" or expression.unit:
            continue
        match = _RANGE_MONTH.match(text, expression.end)
        if match and _plausible_bare_month(match):
            out.append(Expression(match["month"], match.start("month"), match.end("month"), "month",
                                  month=MONTH_NUMBERS[match["month"].lower().rstrip(".")],
                                  relation=expression.relation, sentence=expression.sentence))
    return out


# -- post dates -------------------------------------------------------------------------


@dataclass
class PostDate:
    """A post's date, at the precision its evidence supports."""

    value: str  # YYYY-MM-DD, YYYY-MM or YYYY
    precision: str  # day, month, year
    source: str  # header, inferred
    evidence: str
    earliest: dt.date  # the range the evidence allows
    latest: dt.date

    @property
    def anchor(self) -> dt.date:
        """The day that dates without a year are resolved against."""
        return self.earliest + (self.latest - self.earliest) / 2


def header_date(date: dt.date, date_line: str) -> PostDate:
    return PostDate(date.isoformat(), "day", "header", f"header date line {date_line!r}", date, date)


_OPEN_PAREN = re.compile(r"^[\s\u00a0]*\([\s\u00a0]*$")
_CLOSE_PAREN = re.compile(r"[\s\u00a0]*\)")


def infer_post_date(texts: Iterable[str]) -> Optional[PostDate]:
    """Date a post with no header from its own text, or None when nothing supports one.

    Weekday-and-date pairs (``Thursday 23rd May``) pin the year: the year in which
    every pair falls on its weekday. Relative phrases anchored to a date
    (``last Friday (17th May)``) narrow the day. The value is given at the precision
    the evidence supports: day, month or year, never finer.
    """
    pairs: list[Expression] = []
    anchored: list[tuple[Expression, Expression]] = []
    explicit: list[Expression] = []
    for text in texts:
        mentions = find_mentions(text)
        explicit.extend(e for e in mentions if e.kind not in ("month", "relative"))
        if pairs:
            continue  # the post body's own evidence is the best; comments only if it has none
        for k, expression in enumerate(mentions):
            if expression.kind in ("dmy", "mdy") and expression.weekday is not None:
                pairs.append(expression)
            if expression.kind == "relative" and expression.unit == "day" and k + 1 < len(mentions):
                following = mentions[k + 1]
                if (following.kind in ("dmy", "mdy") and _OPEN_PAREN.match(text[expression.end:following.start])
                        and _CLOSE_PAREN.match(text, following.end)):
                    anchored.append((expression, following))
                    if expression.weekday is not None and following.weekday is None:
                        # "last Friday (17th May)" pairs a weekday with a date too
                        pairs.append(Expression(f"{expression.text} ({following.text})", expression.start,
                                                following.end, "dmy", following.day, following.month,
                                                following.year, expression.weekday))
    if not pairs:
        return None

    years = _pinned_years(pairs)
    written = ", ".join(p.text for p in pairs)
    evidence = [f"weekday/date pairs {written} fit {', '.join(map(str, sorted(years))) or 'no year'}"]
    if len(years) > 1:
        # Pairs repeat every few years: a page that writes a later year out in full
        # ("Jan '24") was not written before it.
        latest = max((e.year for e in explicit if e.year), default=None)
        if latest is not None:
            # The latest year written may be a future one ("the election on 7 May
            # 2015"): only a pinned year that follows it closely is taken.
            years = {year for year in years if latest <= year <= latest + 1}
            evidence.append(f"the text writes out {latest}, so not before it")
    if len(years) != 1:
        return None
    [year] = years
    earliest, latest = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for relative, target in anchored:
        if target.year not in (None, year):
            continue
        try:
            day = dt.date(year, target.month, target.day)
        except ValueError:
            continue
        window = _window_after(relative, day)
        if window is None:
            continue
        low, high = window
        if low > latest or high < earliest:
            continue
        earliest, latest = max(earliest, low), min(latest, high)
        evidence.append(f"{relative.text} ({target.text}) puts the text between {low} and {high}")
    if earliest == latest:
        value, precision = earliest.isoformat(), "day"
    elif (earliest.year, earliest.month) == (latest.year, latest.month) and len(evidence) > 1:
        value, precision = f"{earliest:%Y-%m}", "month"
    else:
        value, precision = str(year), "year"
    return PostDate(value, precision, "inferred", "; ".join(evidence), earliest, latest)


def _pinned_years(pairs: list[Expression]) -> set[int]:
    """The years in which every pair falls on its weekday (a pair with a year, in it)."""
    candidates = None
    for pair in pairs:
        fits = set()
        for year in ([pair.year] if pair.year else range(EARLIEST_YEAR, LATEST_YEAR + 1)):
            try:
                if dt.date(year, pair.month, pair.day).weekday() == pair.weekday:
                    fits.add(year)
            except ValueError:
                continue
        candidates = fits if candidates is None else candidates & fits
    return candidates or set()


def _window_after(relative: Expression, day: dt.date) -> Optional[tuple[dt.date, dt.date]]:
    """When a text was written, given that ``relative`` refers to ``day``."""
    one = dt.timedelta(days=1)
    if relative.relation == "yesterday":
        return day + one, day + one
    if relative.relation == "today":
        return day, day
    if relative.relation == "tomorrow":
        return day - one, day - one
    if relative.relation == "last":
        return day + one, day + 7 * one
    if relative.relation in ("next", "this"):
        return day - 7 * one, day - one
    return None


# -- resolving --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    value: Optional[str]
    precision: Optional[str]
    resolution: str  # explicit, anchored, unresolved


_UNRESOLVED = Resolved(None, None, "unresolved")


def resolve(expression: Expression, post_date: Optional[PostDate]) -> Resolved:
    """The calendar date an expression means, against the post's date where needed."""
    try:
        return _resolve(expression, post_date)
    except (ValueError, OverflowError):
        return _UNRESOLVED


# The steps relative expressions take, made once: making a relativedelta costs more than adding it.
_MONTH_STEPS = {step: relativedelta(months=step) for step in set(_STEP.values())}
_LAST_WEEKDAY = [relativedelta(days=-1, weekday=rd_weekday(weekday)(-1)) for weekday in range(7)]
_NEXT_WEEKDAY = [relativedelta(days=+1, weekday=rd_weekday(weekday)(+1)) for weekday in range(7)]
_THIS_WEEKDAY = [relativedelta(weekday=rd_weekday(weekday)(+1)) for weekday in range(7)]


def _resolve(e: Expression, post: Optional[PostDate]) -> Resolved:
    unresolved = _UNRESOLVED
    if e.kind in ("dmy", "mdy", "numeric", "iso"):
        if e.year is not None:
            day = dt.date(e.year, e.month, e.day)
            return Resolved(day.isoformat(), "day", "explicit")
        if post is None:
            return unresolved
        day = _nearest(e.month, e.day, post, e.weekday)
        return Resolved(day.isoformat(), "day", "anchored") if day else unresolved
    if e.kind in ("my", "my2"):
        return Resolved(f"{e.year:04d}-{e.month:02d}", "month", "explicit")
    if e.kind == "year":
        return Resolved(f"{e.year:04d}", "year", "explicit")
    if post is None:
        return unresolved
    anchor = post.anchor
    if e.kind == "month":
        year = _month_year(e, post)
        return Resolved(f"{year:04d}-{e.month:02d}", "month", "anchored") if year else unresolved
    # relative
    if e.unit == "year":
        return Resolved(f"{anchor.year + _STEP[e.relation]:04d}", "year", "anchored")
    if e.unit == "month":
        if post.precision == "year":
            return unresolved
        month = anchor + _MONTH_STEPS[_STEP[e.relation]]
        return Resolved(f"{month:%Y-%m}", "month", "anchored")
    if post.precision != "day":
        return unresolved
    day = post.earliest
    if e.relation in ("yesterday", "today", "tomorrow"):
        day += dt.timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[e.relation])
    elif e.relation == "last":
        day += _LAST_WEEKDAY[e.weekday]
    elif e.relation == "next":
        day += _NEXT_WEEKDAY[e.weekday]
    else:  # this Friday: the coming one, or the post's own day
        day += _THIS_WEEKDAY[e.weekday]
    return Resolved(day.isoformat(), "day", "anchored")


def _nearest(month: int, day: int, post: PostDate, weekday: Optional[int]) -> Optional[dt.date]:
    """The date with this day and month nearest the post, preferring one on ``weekday``."""
    if post.precision == "year" and weekday is None:
        year = post.earliest.year
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    anchor = post.anchor
    options = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue
    if weekday is not None:
        fitting = [d for d in options if d.weekday() == weekday]
        if not fitting:
            return None  # the weekday contradicts every nearby year: no date beats a wrong one
        options = fitting
    return min(options, key=lambda d: abs(d - anchor)) if options else None


_FUTURE = re.compile(r"\b(?:will|shall|going to|expected to|due to|plans? to|planned|scheduled|to be|'ll|\u2019ll)\b",
                     re.I)
_PAST = re.compile(r"\b(?:was|were|had|did|ago|said|told|went|came|made|took|gave|wrote|began|spoke|thought"
                   r"|knew|saw|got|became|left|felt|brought|held|met|sent|won|lost|\w{3,}ed)\b", re.I)


def _tense(before: str, after: str) -> Optional[str]:
    """Whether a sentence speaks of the future or the past where a date stands in it.

    The verb nearest before the date tells ("it's been delayed but it will go in
    January"), else the first after it ("in October, the Secretary said...").
    """
    markers = sorted([(m.start(), "future") for m in _FUTURE.finditer(before)]
                     + [(m.start(), "past") for m in _PAST.finditer(before) if not _FUTURE.match(before, m.start())])
    if markers:
        return markers[-1][1]
    future, past = _FUTURE.search(after), _PAST.search(after)
    if future and (not past or future.start() <= past.start()):
        return "future"
    return "past" if past else None


def _month_year(e: Expression, post: PostDate) -> Optional[int]:
    anchor = post.anchor
    latest = anchor.year if e.month <= anchor.month else anchor.year - 1  # this month or before
    coming = anchor.year if e.month >= anchor.month else anchor.year + 1  # this month or after
    if e.unit == "year":
        return anchor.year + _STEP[e.relation]
    if e.relation in ("since", "last", "after"):
        return latest
    if e.relation == "next":  # "next April", said in March, is the April after this one
        return anchor.year + 1
    if e.relation in ("until", "till", "til", "by", "before"):
        return coming
    if post.precision == "year":
        return anchor.year
    tense = _tense(*e.sentence)
    if tense:
        return latest if tense == "past" else coming
    # in May, during June, from April, with nothing to tell: the nearest such month
    months_before = (anchor.year - latest) * 12 + anchor.month - e.month
    months_after = (coming - anchor.year) * 12 + e.month - anchor.month
    return latest if months_before < months_after else coming


@dataclass
class Mention:
    """A date written in a post body or comment, resolved."""

    comment_path: Optional[str]  # None for the post body
    text: str
    start: int
    end: int
    value: Optional[str]
    precision: Optional[str]
    resolution: str


def date_mentions(text: str, post_date: Optional[PostDate], comment_path: Optional[str] = None) -> list[Mention]:
    """Every date in ``text``, resolved against the post's date."""
    return page_mentions([(comment_path, text)], post_date)


def page_mentions(texts: list[tuple[Optional[str], str]], post_date: Optional[PostDate]) -> list[Mention]:
    """Every date in a page's texts, given as (comment path or None, text) pairs.

    The texts are searched as one, joined by blank lines that no date expression
    crosses, which is much faster than one by one; offsets are each text's own.
    """
    bodies = [text for _, text in texts]
    joined = "\n\n".join(bodies)
    starts = list(itertools.accumulate([len(text) + 2 for text in bodies[:-1]], initial=0))
    out = []
    for expression in find_mentions(joined):
        k = bisect.bisect_right(starts, expression.start) - 1
        path, offset = texts[k][0], starts[k]
        resolved = resolve(expression, post_date)
        out.append(Mention(path, expression.text, expression.start - offset, expression.end - offset,
                           resolved.value, resolved.precision, resolved.resolution))
    return out
