"""The date finder against a reference that tries every pattern at every place the
rules allow, position by position: slow, but plainly what the rules say.

``find_mentions`` finds those places quickly (bytes methods over a one-byte copy of
the text, the first three characters of each kind, the lead word before a year);
whatever it skips must be a place where nothing matches, so both find the same
expressions in any text. The rules: a month's kinds are tried at a month's name (a
capitalised one, or any beside a day's number) and at the words in the 25
characters before it; a year after a lead word at a 19xx or 20xx number and the
words before it; numeric dates at a number followed by a separator and a digit;
relative words where they stand (last, next and this only before a day, month or
year word).
"""
import re

from hypothesis import example, given, strategies as st

from pipeline.understand import dates
from pipeline.understand.dates import find_mentions

MONTH_KINDS = {"dmy", "mdy", "my", "my2", "month"}
DIGIT = re.compile(r"\d")
NUMBER = re.compile(r"\d+")
WORD_START = re.compile(r"(?<![\w'\u2019])\w")
LOOK_BACK = 25


def reference_starts(text: str) -> dict[int, set[str]]:
    """Where each kind is tried, by the rules, one position at a time."""
    starts: dict[int, set[str]] = {}

    def at(point, kinds):
        starts.setdefault(point, set()).update(kinds)

    def with_words_before(point, kinds):
        at(point, kinds)
        for q in range(max(0, point - LOOK_BACK), point):
            if WORD_START.match(text, q):
                at(q, kinds)

    for i in range(len(text)):
        if (dates._CAPITAL_MONTH.match(text, i) and (i == 0 or not text[i - 1].isalpha())
                and dates._MONTH_WORD.match(text, i)):
            with_words_before(i, MONTH_KINDS)
        if DIGIT.match(text, i) and not (i > 0 and DIGIT.match(text, i - 1)):
            end = NUMBER.match(text, i).end()
            after_separator = i > 0 and text[i - 1] in "/.-"
            if end - i == 4 and text[i:i + 2] in ("19", "20") and not after_separator:
                with_words_before(i, {"year"})
            if text[end:end + 1] in ("/", ".", "-") and text[end + 1:end + 2].isdigit() and not after_separator:
                at(i, {"numeric", "iso"})
            if end - i <= 2:
                after = dates._MONTH_AFTER_DAY.match(text, end)
                if after:
                    with_words_before(after.end(), MONTH_KINDS)
                before = dates._MONTH_BEFORE_DAY.search(text, max(0, i - 14), i)
                if before:
                    with_words_before(before.start(), MONTH_KINDS)
        for word in ("yesterday", "today", "tomorrow", "tonight", "last", "next", "this"):
            if ((text.startswith(word, i) or text.startswith(word.capitalize(), i))
                    and (i == 0 or not text[i - 1].isalpha())
                    and (word not in ("last", "next", "this") or dates._RELATIVE_NEXT.match(text, i + len(word)))):
                at(i, {"relative"})
    return starts


def reference_mentions(text: str) -> list[dates.Expression]:
    starts = {point: dates._mask(kinds) for point, kinds in reference_starts(text).items()}
    return dates._choose(dates._tried(text, starts), text)


def outcome(finder, text):
    """What ``finder`` finds in ``text``, field by field, or the exception it raises.

    Reading a month's name that holds a letter matching an ASCII one only when case
    is ignored ("Augu\u017ft") raises KeyError, in both: the finders must agree on that too.
    """
    try:
        return [(e.text, e.start, e.end, e.kind, e.day, e.month, e.year, e.weekday, e.relation, e.unit, e.sentence)
                for e in finder(text)]
    except KeyError as error:
        return ("KeyError", str(error))


# Pieces of dates and of what surrounds them, and characters that the finder's
# shortcuts must not be fooled by: non-ASCII digits ("٣"), letters that match ASCII
# ones when case is ignored ("ſ", "ı", "K"), non-breaking and other spaces, and
# characters whose UTF-16 low byte is an ASCII digit or letter ("‰", "⁄").
WORDS = [
    "January", "Feb", "february", "MARCH", "Mar", "mar.", "April", "may", "May", "June", "jun", "Jul", "July",
    "Aug", "August", "Sept", "sept.", "Sep", "September", "Oct", "October", "Nov", "November", "Dec", "December",
    "Mon", "Monday", "tues", "Tuesday", "Wed", "weds", "Wednesday", "thu", "Thurs", "Thursday", "Fri", "Friday",
    "sat", "Saturday", "Sun", "sunday", "the", "of", "in", "In", "since", "until", "till", "til", "by", "from",
    "during", "before", "after", "next", "Next", "last", "LAST", "this", "This", "early", "mid", "late",
    "throughout", "end", "start", "beginning", "circa", "yesterday", "Yesterday", "today", "Today", "tomorrow",
    "tonight", "morning", "afternoon", "evening", "month", "year", "week", "same", "following", "that", "cases",
    "1", "2", "7", "9", "01", "12", "13", "29", "30", "31", "32", "99", "100", "1939", "2014", "2015", "2020",
    "2000", "1989", "20143", "st", "nd", "rd", "th", "1st", "2nd", "3rd", "11th", "'24", "\u201924", "24",
    "2015/16", "31/03/2014", "1.3.14", "2014-03-06", "12:00", "20:43", "19.23", "%", "\u00a3500",
    "\u0663", "\u0661\u0669\u0668\u0669", "\u00b2", "\u2030", "\u2044", "\u017f", "Augu\u017ft", "\u0131n",
    "\u212a", "\u0130", "caf\u00e9", "Ma\u00ff", "Jan\u00e9", "x", "Man", "Mary", "Dan", "Fan", "Nan", "Octo",
    "Maybe", "Decade", "dec", "ago", "was", "will", "august", "june", "october", "sept", "jan", "Jan.",
]
SEPARATORS = [" ", " ", " ", "  ", "\t", "\u00a0", "\u2009", ",", ", ", ".", ". ", "-", "\u2013", "/", "'", "\u2019",
              "(", ")", "\n", "\n\n", "", ":", "?", "!"]
texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda pairs: "".join(word + separator for word, separator in pairs))


@given(texts)
@example("the meeting on Friday 7th\u00a0March and in 2014, last Tuesday (17th May)")
@example("Augu\u017ft 2014 and \u0663 May and 1\u0663 June, \u2030 5 Dec")
@example("in    1939 and in\u00a0\u00a02014 from" + " " * 30 + "2015")
def test_finder_matches_reference(text):
    assert outcome(find_mentions, text) == outcome(reference_mentions, text)


@given(st.text(max_size=80))
def test_finder_matches_reference_on_any_text(text):
    assert outcome(find_mentions, text) == outcome(reference_mentions, text)


def test_finder_matches_reference_word_by_word():
    """Every word, then every separator, before each of a few that dates hang on."""
    anchors = ["May", "may 2", "august 5", "Sept. 2014", "2014", "7 June", "7th", "31/03/2014", "year", "Friday",
               "\u2019s 9", "\u0663 Dec", "evening", "month", "Tue", "afternoon",
               "1\u0663 june", "1\u0663/03/2014", "20\u06614", "5\u00a0may", "1\u017ft june", "june\u00a05",
               "next\u00a0\u017fat", "augu\u017ft 5",
               "11th june", "2nd of\tmay", "3RD   oct", "1\u017ft\u00a0of dec", "Jan '24", "feb.\u201924",
               "Sept. 5", "march\u00a0 2014", "Augu\u017ft 2014", "jun '7"]
    for word in WORDS:
        for separator in SEPARATORS:
            for anchor in anchors:
                text = f"{word}{separator}{anchor}"
                assert outcome(find_mentions, text) == outcome(reference_mentions, text), text


def test_first_three_characters_cover_case_folding():
    """A kind is tried only where the first three characters fit it, compared in lower
    case when they are ASCII: only non-ASCII characters may match an ASCII letter when
    case is ignored, so none is missed."""
    everything = "".join(map(chr, range(0x110000))).encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    for letter in "abcdefghijklmnopqrstuvwxyz":
        matched = set(re.findall(letter, everything, re.I))
        assert {c for c in matched if c.isascii()} == {letter, letter.upper()}
