"""References: the places where a comment points at another comment, or at the post.

Blogger threads one level deep and most commenters are anonymous, so readers point
at each other in the text, in three ways (``Ref.kind``):

- ``time``: the time the blog showed beside a comment (``@Anon 9:19``, ``Shut up
  19.23``, ``07:03 here``, ``Kestrel at 15:40``, ``Contd from 20:10 above``;
  ``09:19 & 18:23`` is two);
- ``name``: a commenter's name or signature, or the blog's author
  (``Wayfarer - Does this help?``, ``@Name``, ``Thanks Alice``, ``Ms Smith``);
- ``position``: where the other comment stands (``the PSO above``, ``your last 2
  lines``, ``the first post``, ``previous comment``, ``as above``).

``find_refs`` finds them in one comment's text; what each points at is worked out
over the whole thread by ``resolve``. Look-alikes are not references: event times
(``12:00 noon``, ``speaking at 9:00``, ``9.30am``, ``12.30 – 13.30``), dates,
prices, scores, clause numbers, people named in passing.

Names are the hard part: a capitalised word may be anyone. A name counts as a
reference when it is one the thread knows (``names``: the signatures and authors of
its comments, the blog's author) wherever it stands, and otherwise only where the
text plainly addresses someone: ``@Name``, a comment opening ``Name - ...?``, or
``Thanks Name.`` / ``Well said Name!`` at a comment's start.

Speed: a thread's comments are searched as one text (``find_refs_many``), so that
each search runs once per thread, and every search starts with a literal (``:``,
``.``, ``@``, ``above``, ``post``, a known name), which ``str.find`` and the regular
expression engine skip to at C speed; the rules are tried on a few dozen
characters around what is found.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from .signatures import Signature
from .words import ADDRESS_WORDS, ANONYMOUS_WORDS, CLOSING_WORDS, FUNCTION_WORDS, HONORIFICS, NON_NAME_ENDINGS

TIME, NAME, POSITION = "time", "name", "position"


@dataclass(frozen=True)
class Ref:
    """One reference in a comment's text: ``body[start:end] == text``.

    ``target`` is what it points by, as written: the time (``19 :19``), the name
    (``Wayfarer``, ``Ms Smith``) or the position word (``first``, ``above``, ``last``).
    ``time`` is a time reference's time as ``HH:MM`` (an hour of 12 or less without
    am/pm as written: the blog's clock decides). ``name`` is the name a reference is
    made with, for a time reference the handle before it (``Kestrel`` in
    ``Kestrel at 15:40``; None for ``Anon`` or ``poster``).
    """

    start: int
    end: int
    text: str
    kind: str
    target: str
    time: Optional[str] = None
    name: Optional[str] = None


# -- times --------------------------------------------------------------------------------

# The minutes after a separator; the hour is checked by looking back from it.
_COLON_MINUTES = re.compile(r": ?([0-5]\d)(?![\d:])")
_DOT_MINUTES = re.compile(r"\.([0-5]\d)(?!\d|[.,:/]\d|%)")
_ARROW_MINUTES = re.compile(r">([0-5]\d)(?![\d:.])")

# After a time: what makes it the time of an event, not of a comment.
_EVENT_AFTER = re.compile(
    r"\s*(?:[ap]\.?m\b\.?|[ap]\.?m\.|noon|midday|mid-day|midnight|hrs?\b|hours?\b|h\b|o'?clock|gmt\b|bst\b|utc\b"
    r"|tomorrow|tonight|today|this (?:morning|afternoon|evening)|in the (?:morning|afternoon|evening)"
    r"|on (?:mon|tue|wed|thu|fri|sat|sun)|(?:mon|tue|wed|thu|fri|sat|sun)\w*day\b"
    r"|(?:-|\u2013|\u2014|to|till|until|and)\s*\d|start|kick|meeting|train|bus|flight|deadline|sharp\b)",
    re.I)
# After a time: an amount, not a time ("2.50 per hour", "19.23%").
_UNIT_AFTER = re.compile(
    r"\s*(?:%|per\b|an? (?:hour|day|week|month|year)\b|percent|pc\b|million|billion|bn\b|m\b|k\b|p\b|pence|pounds|quid|miles|km|kg|mph|mins?\b"
    r"|minutes|secs?\b|seconds|years|yrs|months|weeks|days|points|pts|degrees|x\b|times\b|cases|staff|people)",
    re.I)
# Before a time: a range or an amount.
_RANGE_WORDS = ("-", "\u2013", "\u2014", "to", "till", "until")


def _range_before(before: str) -> bool:
    """Whether ``before`` ends like the start of a range: "12.30 - ", "9:00 to "."""
    stripped = before.rstrip()
    for word in _RANGE_WORDS:
        if stripped.endswith(word):
            rest = stripped[:-len(word)].rstrip()
            return bool(rest) and rest[-1].isdigit() and (len(word) == 1 or not rest[-1:].isalpha())
    return False
# Words before a time that make it an event's ("at 9:00", "from 9:30", "the 10:15",
# "Lunch 12:30", "curfew 19:00").
_EVENT_WORDS = frozenset("""
at from until till til by before after between around about approx approximately circa c since
starting starts start begins begin began opens open closes close ends end kicks every each
the a on this next by noon morning evening night afternoon tomorrow tonight today
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
breakfast brunch lunch lunchtime dinner tea supper time finish finishes finishing finished leave leaves leaving
arrive arrives arriving arrival depart departs departure meeting appointment appointments shift session
hearing court curfew visit visits train bus flight deadline
""".split())
# Words before a number that make it an amount, a state or a score, not a comment's
# time ("cost 12.50", "the deadline is 17:00", "we lost 21:14").
_AMOUNT_WORDS = frozenset("""
cost costs costing paid pay pays paying earn earns earned earning charge charges charged worth priced fee fees
salary wage wages only just nearly almost over under than is was are were be been won lost beat drew scored
""".split())
# Either kind of word before a number says it is no comment's time.
_NOT_A_COMMENT_S_TIME = _EVENT_WORDS | _AMOUNT_WORDS
# After a time: what makes it plainly a comment's ("07:03 here", "20:10 above", "19.23 says").
_POINTER_AFTER = re.compile(
    r"\s*(?:above|below|earlier|here\b|'s\b|\u2019s\b|says|said|writes|wrote|asks|asked|claims|claimed|suggests"
    r"|mentions|states|stated|thinks|posted|comment|post\b|poster|is (?:right|wrong|correct|spot)|has a point"
    r"|makes a|&\s*\d)",
    re.I)
# Words for a comment's writer that a time may follow ("poster 14:21", "comment at 9:19").
_WRITER_WORDS = frozenset("""
poster posters commenter commenters commentator contributor comment comments post posting you
""".split())
# Before a name that a time follows: a place ("outside Parliament at 9:00"), not a person.
_PLACE_WORDS = frozenset("at in on outside inside near to from into opposite behind beside via towards toward "
                         "across around through past".split())
_MONTH_OR_DAY = frozenset("""
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
""".split())
# Words a number follows as a label: "clause 4.12", "section 3:15", "page 12.30".
_NUMBERING_WORDS = frozenset("""
clause clauses section sections para paragraph paragraphs item items version v page pages chapter chapters rule
rules part parts question questions q no number numbers point points figure figures table tables step steps level
levels band bands grade grades tier tiers room ward flat unit units route platform junction article articles
verse verses psalm john matthew mark luke genesis exodus reg regs regulation regulations schedule appendix annex
""".split())
_OPENING = 40  # a bare "19.23" counts only this close to a comment's start


_AM_PM = re.compile(r"\s*[apAP]\.?[mM]\b")
_NOT_BEFORE_HOUR = frozenset(".,:/\u00a3$\u20ac#_") 
_NOT_BEFORE_ARROW = frozenset("<>=+-*")


def _hour_start(body: str, sep: int, style: str) -> int:
    """Where the hour before a separator starts, or -1: one or two digits, 0 to 23."""
    i = sep
    if style == "colon" and i and body[i - 1] == " ":
        i -= 1
    if not i or not body[i - 1].isdigit():
        return -1
    start = i - 1
    if start and body[start - 1].isdigit():
        start -= 1
    if int(body[start:i]) > 23:
        return -1
    if style == "arrow" and i - start != 2:
        return -1
    if start:
        c = body[start - 1]
        if c.isalnum() or c in _NOT_BEFORE_HOUR or (style == "arrow" and c in _NOT_BEFORE_ARROW):
            return -1
    return start


def _time_at(body: str, sep: int, end: int, style: str, names: frozenset, clock12: bool, out: list) -> None:
    """A time whose separator is at ``sep`` and minutes end at ``end``, if it is a comment's."""
    start = _hour_start(body, sep, style)
    if start < 0 or (style == "dot" and start and body[start - 1] in "\u00a3$\u20ac"):
        return
    after = body[end:end + 24]
    lead = after.lstrip()[:1]
    wordy = lead.isalpha() or lead in "-\u2013\u2014%&'\u2019"  # only then can what follows matter
    if style == "dot" and wordy and _UNIT_AFTER.match(after):
        return
    # Within a link, a file name or a longer number: not a time.
    if start and body[start - 1] not in " \n":
        left = max(body.rfind(" ", 0, start), body.rfind("\n", 0, start)) + 1
        if any(c in body[left:start] for c in "/=") or "www" in body[left:start]:
            return
    if after[:1] in ("/", "="):
        return
    before = body[max(0, start - 40):start]
    word = _last_word(before)
    low = word.lower() if word else ""
    if low and low.rstrip(".") in _NUMBERING_WORDS:
        return  # "clause 4.12": a number with a label
    if _range_before(before):
        return
    handle_start, handle_name = _handle(body, start, before, names, after) if before else (None, None)
    strong = handle_start is not None
    am_pm = None
    if wordy and _EVENT_AFTER.match(after):
        # On a 12-hour blog "9:19 PM" is how a comment's time is shown; elsewhere am/pm
        # mark an event's time, unless a handle says whose it is ("@Anon 9:19pm").
        am_pm = _AM_PM.match(after)
        if not ((strong or clock12) and am_pm):
            return
    if not strong:
        pointer = wordy and bool(_POINTER_AFTER.match(after))
        if low in _NOT_A_COMMENT_S_TIME and not pointer:
            return  # "at 9:00", "the 10:15", "from 9:30", "cost 12.50", "is 17:00"
        if style == "dot" and not pointer and not _opening(body, start) and not _vocative_time(before, after):
            return  # a bare "19.23" is a number unless something says it is a comment's time
    text_start = handle_start if strong else start
    hour, minute = int(body[start:sep].strip()), body[end - 2:end]
    if am_pm:
        if am_pm.group(0).strip()[0] in "pP" and hour < 12:
            hour += 12
        elif hour == 12:
            hour = 0
    out.append(Ref(text_start, end, body[text_start:end], TIME, body[start:end], f"{hour:02d}:{minute}", handle_name))


def _last_word(text: str) -> Optional[str]:
    """The word ``text`` ends with (spaces after it allowed), or None if it ends with punctuation."""
    stripped = text.rstrip()
    if not stripped or not (stripped[-1].isalnum() or stripped[-1] in "@'\u2019-_"):
        return None
    cut = max(stripped.rfind(" "), stripped.rfind("\n"), stripped.rfind("\t"), stripped.rfind("("),
              stripped.rfind("\""), stripped.rfind("\u201c")) + 1
    return stripped[cut:]


def _opening(body: str, start: int) -> bool:
    """Whether ``start`` is among a comment's first few words ("Shut up 19.23 ...")."""
    return start < _OPENING and body.count(" ", 0, start) <= 5 and "\n" not in body[:start]


def _vocative_time(before: str, after: str) -> bool:
    """", 22.46, I'll" or "that 20.58?": a time spoken to, not a number in a sentence."""
    first = after[:1]
    return first in ("?", "!") or (first == "," and before.rstrip().endswith(","))


def _handle(body: str, start: int, before: str, names: frozenset, after: str) -> tuple[Optional[int], Optional[str]]:
    """Where a handle before a time starts ("@Anon 9:19", "poster 14:21", "Kestrel at 15:40"),
    and the name in it (None for "Anon", "poster"), or (None, None)."""
    offset = start - len(before)
    if before.endswith(("@", "@ ")):
        return offset + before.rfind("@"), None
    stripped = before.rstrip()
    at = ""
    if stripped.endswith((" at", " @")) or stripped == "at":
        at = stripped[-2:].strip()
        stripped = stripped[:-2].rstrip()
    handle = _last_word(stripped)
    if not handle:
        return None, None
    word_start = len(stripped) - len(handle)
    handle_start = offset + word_start
    lead = stripped[:word_start].rstrip()
    if lead.endswith("@"):
        handle_start = offset + lead.rfind("@")
    plain = handle.lstrip("@")
    low = plain.lower()
    if low in ANONYMOUS_WORDS:
        return handle_start, None
    if low in _WRITER_WORDS and low != "you":
        return handle_start, None
    if plain in names:
        return handle_start, plain
    if lead.endswith("@") or handle.startswith("@"):
        return handle_start, plain
    if at == "at":
        # "Kestrel at 15:40, ...": a capitalised name, not a place or a day, where an
        # event's time would be followed by more about the event.
        prev = _last_word(lead)
        sentence_start = not lead or lead[-1] in ".!?\n"
        if (plain[:1].isupper() and not sentence_start and not _plain(plain) and low not in _MONTH_OR_DAY
                and not (prev and prev.lower() in _PLACE_WORDS)
                and (not after or after[0] in ",;:!?-\u2013" or after.startswith((". ", ".\n")))):
            return handle_start, plain
    return None, None


def _plain(word: str) -> bool:
    low = word.lower()
    return (low in FUNCTION_WORDS or low in CLOSING_WORDS or low in ADDRESS_WORDS or low in HONORIFICS
            or (len(low) >= 6 and low.endswith(NON_NAME_ENDINGS)))


# -- names --------------------------------------------------------------------------------

_NAME_TOKEN = r"[A-Z\u00c0-\u00de][\w'\u2019\-]*"
_AT_NAME = re.compile(r"@ ?([A-Za-z][\w'\u2019\-]*(?: [A-Z][\w'\u2019\-]*)?)")
# Openings that address someone by name: "Well said Name.", "Thanks Name!", "Hi Name,".
_GREETINGS = (r"thanks|thank you|thankyou|cheers|hi|hello|hey|dear|well said|well done|good point|great point"
              r"|spot on|nice one|brilliant|excellent|great|absolutely|agreed|exactly|indeed|sorry|bravo|quite right"
              r"|so true|too true|very true|good luck|congratulations|congrats|respect|ta|welcome back|welcome"
              r"|good morning|morning|evening|love it|lovely|superb|fantastic|wonderful|spot-on|yes indeed")


@lru_cache(maxsize=256)
def _scans(names: frozenset) -> tuple:
    """The strings to search a text for, each with the known names that hold it and
    where: where "Alice" is found, "Alice" and "Alice Smith" are tried; where " Smith"
    is, "Mr Smith" and "Ms Smith". One search for several names."""
    endings = Counter(name.rsplit(" ", 1)[1] for name in names if " " in name)
    groups: dict[str, list[tuple[str, int]]] = {}
    for name in sorted(names, key=len):
        key = next((k for k in groups if k in name), None)
        if key is None and " " in name and endings[name.rsplit(" ", 1)[1]] > 1:
            key = " " + name.rsplit(" ", 1)[1]
        key = key or name
        groups.setdefault(key, []).append((name, name.find(key)))
    return tuple((key, tuple(sorted(group, key=lambda item: -len(item[0])))) for key, group in groups.items())


def _at_sign(body: str, at: int, names: frozenset, clock12: bool, out: list) -> None:
    """What follows an "@": a name ("@Wayfarer"), or a handle and a time ("@Anon 19.23")."""
    if at and (body[at - 1].isalnum() or body[at - 1] in "._-"):
        return  # an e-mail address
    for match in _DOT_MINUTES.finditer(body, at + 1, at + 24):
        _time_at(body, match.start(), match.end(), "dot", names, clock12, out)
    match = _AT_NAME.match(body, at)
    if not match:
        return
    name = match.group(1)
    # A known name of several words, some in lower case ("@Old hand"), is taken whole.
    known = [n for n in names if body.startswith(n, match.start(1)) and len(n) > len(name)]
    if known:
        name = max(known, key=len)
        end = match.start(1) + len(name)
        out.append(Ref(at, end, body[at:end], NAME, name, name=name))
        return
    first = name.split()[0]
    if first.lower() in ANONYMOUS_WORDS or first.lower() in _WRITER_WORDS:
        return  # "@Anon" alone addresses no one in particular; with a time it is a time reference
    if name not in names and " " in name and name.split()[1] not in names:
        name = first  # "@Wayfarer Does this help": the name is the first word
    end = match.start(1) + len(name)
    out.append(Ref(at, end, body[at:end], NAME, name, name=name))




_GREETING_NAME = re.compile(rf"\s*(?i:{_GREETINGS}),? ({_NAME_TOKEN})(?=\s*[.!?,]|\s*$)")
_GREETING_FIRST = frozenset(word.split()[0] for word in _GREETINGS.split("|"))
_NAME_DASH = re.compile(rf"\s*@?({_NAME_TOKEN}) ?[-\u2013\u2014]+ (?=\S)")


def _at_opening(body: str, names: frozenset, clock12: bool, arrows: bool, out: list) -> None:
    """What a comment opens with: "Shut up 19.23", "19>19 is correct", "Brilliant Kestrel.",
    "Wayfarer - Does this help?". ``arrows``: whether the thread holds a ">" at all."""
    if arrows:
        match = _ARROW_MINUTES.search(body, 0, _OPENING + 4)
        if match:
            _time_at(body, match.start(), match.end(), "arrow", names, clock12, out)
    space = body.find(" ", 0, 16)
    if space > 0 and body[:space].lower().rstrip(",.!") in _GREETING_FIRST:
        match = _GREETING_NAME.match(body, 0, 80)
        if match:
            _greeted(body, match.start(1), match.group(1), out)
    if body.find("-", 0, 34) >= 0 or (not body.isascii() and (
            body.find("\u2013", 0, 34) >= 0 or body.find("\u2014", 0, 34) >= 0)):
        match = _NAME_DASH.match(body, 0, 40)
        if match:
            _dashed(body, match.start(1), match.group(1), names, out)


def _greeted(body: str, start: int, name: str, out: list) -> None:
    """"Brilliant Kestrel.", "Absolutely Bo!": a name after a greeting at a comment's start."""
    if _addressable(name):
        out.append(Ref(start, start + len(name), name, NAME, name, name=name))


def _dashed(body: str, start: int, name: str, names: frozenset, out: list) -> None:
    """"Wayfarer - Does this help?": a name and a dash opening a comment that speaks to someone."""
    if not _addressable(name):
        return
    after = body.find(" ", start + len(name) + 1)
    rest = body[after + 1:after + 200].split("\n", 1)[0]
    sentence = _SENTENCE_END.split(rest, maxsplit=1)[0]
    if name in names or sentence.rstrip().endswith("?") or _YOU.search(sentence):
        out.append(Ref(start, start + len(name), name, NAME, name, name=name))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_YOU = re.compile(r"\byou", re.I)


def _addressable(name: str) -> bool:
    """Whether a capitalised word after a greeting can be someone's name ("Su", not "God", "All", "Sir")."""
    return len(name) > 1 and not _plain(name) and name.lower() not in _MONTH_OR_DAY and name != "I"


def _known_name(body: str, i: int, group: tuple, names: frozenset, out: list) -> None:
    """The longest name of ``group`` whose searched part was found at ``i``, if it stands
    there as a word of its own, not part of a longer name."""
    for name, offset in group:
        i0 = i - offset
        if i0 < 0 or not body.startswith(name, i0):
            continue
        j = i0 + len(name)
        before = body[i0 - 1] if i0 else " "
        after = body[j] if j < len(body) else " "
        if before.isalnum() or before in "_-'\u2019" or after.isalnum() or after in "_-":
            continue
        short = len(name) <= 3 and name.isupper()
        if not _longer_name(body, i0, j, names) and (not short or before == "@" or _name_slot(body, i0, j)):
            start = i0 - 1 if before == "@" else i0
            out.append(Ref(start, j, body[start:j], NAME, name, name=name))
        return


_SLOT_BEFORE = re.compile(r"(?i:\b(?:as|with|thanks|thank you|cheers|well said|said|dear|hi|agree|sorry|to|by)),? $")
_SLOT_AFTER = re.compile(r"(?:,? (?:says|said|wrote|writes|is right|is wrong|has a point|makes a|at \d)|[,!] |[!?]$)")


def _name_slot(body: str, i: int, j: int) -> bool:
    """Whether a short name in capitals ("SPO") stands where a name is addressed or quoted
    ("As SPO says", "Thanks SPO!"), rather than as the word it also is ("I'm an SPO")."""
    return bool(_SLOT_BEFORE.search(body, max(0, i - 16), i) or _SLOT_AFTER.match(body, j))


_NEXT_WORD = re.compile(r"\s([A-Z][\w'\u2019\-]+)")
_PREV_WORD = re.compile(r"([A-Z][\w'\u2019\-]*)\s$")


def _longer_name(body: str, i: int, j: int, names: frozenset) -> bool:
    """Whether the name at body[i:j] is part of a longer one ("Alice" in "Alice Cooper", "Big Alice")."""
    following = _NEXT_WORD.match(body, j)
    if following and following.group(1) not in ("I", "I'm") and not _plain(following.group(1)):
        return True
    preceding = _PREV_WORD.search(body, max(0, i - 30), i)
    if preceding:
        word = preceding.group(1)
        sentence_start = preceding.start() == 0 or body[:preceding.start()].rstrip()[-1:] in (".", "!", "?", "\n", "")
        if not (_plain(word) or word.lower() in HONORIFICS or sentence_start):
            return True
    return False


# -- positions ----------------------------------------------------------------------------

_POSITION_WORDS = frozenset("first 1st last previous earlier above original initial opening preceding prior".split())
_YOUR_WORDS = _POSITION_WORDS | {"final", "closing"}
_FIRST_WORDS = frozenset("first 1st original initial opening".split())
_DETERMINERS = frozenset("the this that my your his her their a an".split())
_COMMENT_NOUNS = frozenset("""
comment comments commenter commenters commentator commentators post posts poster posters posting postings
contributor contributors contribution contributions reply replies response responses remark remarks
message messages anon anonymous
""".split())
_TEXT_NOUNS = _COMMENT_NOUNS | frozenset("""
line lines sentence sentences paragraph paragraphs point points words question questions statement statements
attack attacks rant rants argument arguments claim claims assertion assertions observation observations
criticism criticisms suggestion suggestions outburst outbursts
""".split())
# What may follow "the PSO above": the end of a clause, or what the comment up there did.
_AFTER_ABOVE = re.compile(
    r"(?:\s*(?:[,.;:!?)&\-\u2013]|$)|\s+(?:who|which|that|says?|said|is|was|has|had|wrote|writes|mentions?"
    r"|suggests?|asks?|asked|claims?|comments?|posts?|posters?|about|re)\b)", re.I)
# "as above", "see above" (below: only "mentioned below" and the like, as "see below"
# in a comment mostly points further down the same comment).
_AS_WORDS = frozenset("as see per cf".split())
_SAID_WORDS = frozenset("""
highlighted mentioned posted described stated noted quoted cited raised made said written discussed explained
outlined commented
""".split())
_WORD_CHARS = frozenset("-'\u2019")


def _words_before(body: str, i: int, count: int) -> list[tuple[int, str]]:
    """Up to ``count`` words just before ``i`` (where a word starts, after one space),
    nearest first, as (start, word); a comma, a full stop or a double space ends the phrase."""
    window = body[max(0, i - 64):i]
    if not window.endswith(" "):
        return []
    out: list[tuple[int, str]] = []
    position = i - 1
    for part in reversed(window[:-1].split(" ")[-count:]):
        if not part or not part.replace("-", "").replace("'", "").replace("\u2019", "").isalnum():
            break
        position -= len(part)
        out.append((position, part))
        position -= 1
    return out


_LETTERS = re.compile(r"[^\W\d_]+")


def _noun_at(body: str, i: int, nouns: frozenset) -> int:
    """The end of a word of ``nouns`` starting at ``i``, or -1."""
    if i < 0 or i >= len(body) or (i and (body[i - 1].isalnum() or body[i - 1] == "-")):
        return -1
    match = _LETTERS.match(body, i)
    return match.end() if match and match.group(0).lower() in nouns else -1


def _position_near(body: str, i: int, word: str, out: list) -> None:
    """"the PSO above", "as above", "highlighted below"."""
    end = i + len(word)
    if (i and body[i - 1].isalnum()) or (end < len(body) and body[end].isalnum()):
        return
    if word == "above" and _noun_at(body, end + 1, _COMMENT_NOUNS) > 0 and body[end:end + 1] == " ":
        return  # "the above comment": found from the noun
    if not _AFTER_ABOVE.match(body, end, end + 16):
        return  # "above the parapet", "above their station": a preposition
    words = _words_before(body, i, 3)
    if not words:
        return
    lows = [w.lower() for _, w in words]
    if lows[0] in _SAID_WORDS or (word == "above" and lows[0] in _AS_WORDS):
        out.append(Ref(i, end, word, POSITION, word))  # "as above", "highlighted below"
        return
    # "the PSO above", "the last poster above": a determiner, one or two words, then above;
    # "the first comment above" is the first.
    for k in (1, 2):
        if len(words) > k and lows[k] in ("the", "this", "that") and lows[0] not in _DETERMINERS:
            start = words[k][0]
            first = next((w for w in lows[:k] if w in _FIRST_WORDS), None)
            out.append(Ref(start, end, body[start:end], POSITION, first or word))
            return


def _position_before_noun(body: str, i: int, out: list) -> None:
    """"the first post", "the first negative poster", "previous comment", "the above comment"."""
    near = body[max(0, i - 40):i].rsplit(None, 3)[-2:]
    if not any(word.lower() in _POSITION_WORDS for word in near):
        return  # most "post"s and "comment"s: no position word just before
    end = _noun_at(body, i, _COMMENT_NOUNS)
    if end < 0:
        return
    words = _words_before(body, i, 4)
    lows = [w.lower() for _, w in words]
    for k in (0, 1):
        if len(lows) > k and lows[k] in _POSITION_WORDS:
            first = k
            if len(lows) > k + 1 and lows[k + 1] in _DETERMINERS:
                first = k + 1
            elif len(lows) > k + 2 and lows[k + 2] in _DETERMINERS and lows[k + 1] not in _DETERMINERS:
                first = k + 2  # "the very first post"
            start = words[first][0]
            out.append(Ref(start, end, body[start:end], POSITION, words[k][1]))
            return


def _your(body: str, i: int, out: list) -> None:
    """"your last 2 lines", "your initial attack", "your last comment" (``i``: at "your")."""
    if i and body[i - 1].isalnum():
        return
    j = i + 5
    word_end = j
    while word_end < len(body) and body[word_end].isalnum():
        word_end += 1
    word = body[j:word_end]
    if word.lower() == "very":
        j = word_end + 1
        word_end = j
        while word_end < len(body) and body[word_end].isalnum():
            word_end += 1
        word = body[j:word_end]
    if word.lower() not in _YOUR_WORDS or body[word_end:word_end + 1] != " ":
        return
    k = word_end + 1
    for _ in range(2):
        end = _noun_at(body, k, _TEXT_NOUNS)
        if end > 0:
            out.append(Ref(i, end, body[i:end], POSITION, word))
            return
        # one word between: a number or an adjective ("last 2 lines", "initial vicious attack")
        while k < len(body) and (body[k].isalnum() or body[k] == "-"):
            k += 1
        if body[k:k + 1] != " ":
            return
        k += 1


# -- all ----------------------------------------------------------------------------------

# The bodies of a thread's comments are searched as one text, each one after a NUL:
# every search below then runs once over the thread, not once for each comment, and
# each starts with a literal the search skips to at C speed. What is found is looked
# at in its own comment's body.
_SEP = "\x00"
# Starts with a literal, "(y)our ", whose first letter is checked after.
_YOUR_AT = re.compile(r"our (?:very )?(?:first|1st|last|previous|earlier|above|original|initial|opening|preceding"
                      r"|prior|final|closing) ")


def find_refs_many(bodies: Sequence[str], names: Iterable[str] = (),
                   signatures: Optional[Sequence[Optional[Signature]]] = None,
                   clock12: bool = False) -> list[list[Ref]]:
    """``find_refs`` for each of a thread's comment bodies, searching them all at once.

    The same result as ``find_refs`` on each body, several times faster on a thread:
    what the loader should call. ``signatures``: each comment's own sign-off, or None.
    Positions ("the poster above", "the first comment") are looked for in every
    comment: a top-level comment points at the one above as often as a reply does.
    """
    known = names if isinstance(names, frozenset) else usable_names(tuple(names))
    bodies = list(bodies)
    text = _SEP + _SEP.join(bodies)
    starts = []
    position = 1
    for body in bodies:
        starts.append(position)
        position += len(body) + 1
    found: list[list[Ref]] = [[] for _ in bodies]

    def where(i: int) -> int:
        return bisect_right(starts, i) - 1

    if ":" in text:
        for match in _COLON_MINUTES.finditer(text):
            k = where(match.start())
            _time_at(bodies[k], match.start() - starts[k], match.end() - starts[k], "colon", known, clock12, found[k])
    # A time written with a dot ("19.23") counts only where something says it is a
    # comment's: among a comment's first words, after a handle, before "says".
    for match in _DOT_MINUTES.finditer(text):
        k = where(match.start())
        _time_at(bodies[k], match.start() - starts[k], match.end() - starts[k], "dot", known, clock12, found[k])
    arrows = ">" in text
    for k, body in enumerate(bodies):
        _at_opening(body, known, clock12, arrows, found[k])
    if "@" in text:
        i = text.find("@")
        while i >= 0:
            k = where(i)
            _at_sign(bodies[k], i - starts[k], known, clock12, found[k])
            i = text.find("@", i + 1)
    if known:
        for key, group in _scans(known):
            i = text.find(key)
            while i >= 0:
                k = where(i)
                _known_name(bodies[k], i - starts[k], group, known, found[k])
                i = text.find(key, i + 1)
    for word in ("above", "below"):
        i = text.find(word)
        while i >= 0:
            k = where(i)
            _position_near(bodies[k], i - starts[k], word, found[k])
            i = text.find(word, i + 5)
    for needle, back in (("post", 0), ("omment", 1)):
        i = text.find(needle)
        while i >= 0:
            k = where(i)
            local = i - starts[k] - back
            if local >= 0:
                _position_before_noun(bodies[k], local, found[k])
            i = text.find(needle, i + 4)
    for match in _YOUR_AT.finditer(text):
        k = where(match.start())
        local = match.start() - starts[k] - 1
        if local >= 0 and bodies[k][local] in "Yy":
            _your(bodies[k], local, found[k])
    return [tidy(refs, signatures[k] if signatures else None) if refs else refs for k, refs in enumerate(found)]


def find_refs(body: str, names: Iterable[str] = (), signature: Optional[Signature] = None,
              clock12: bool = False) -> list[Ref]:
    """Every reference in one comment's ``body``, in the order they stand.

    ``names``: the names the thread knows (``known_names``): its commenters'
    signatures and authors and the blog author's names. A reference within
    ``signature`` (the comment's own sign-off) is left out. ``clock12``: the blog
    shows times on a 12-hour clock, so "9:19 PM" may be a comment's time. Where two
    references overlap the first found is kept: a time, then a name, then a
    position. Never raises. For a whole thread, ``find_refs_many`` is faster.
    """
    return find_refs_many([body], names, [signature], clock12)[0]


def tidy(refs: list[Ref], signature: Optional[Signature] = None) -> list[Ref]:
    """Refs in the order they stand, none within the signature, none overlapping another
    (of two that overlap, the one given first is kept)."""
    kept: list[Ref] = []
    for ref in refs:
        if signature is not None and ref.start < signature.end and signature.start < ref.end:
            continue
        if any(ref.start < other.end and other.start < ref.end for other in kept):
            continue
        kept.append(ref)
    kept.sort(key=lambda ref: ref.start)
    return kept


@lru_cache(maxsize=256)
def usable_names(names: tuple) -> frozenset:
    """The names worth looking for: no anonymous ones, no single letters, no plain words."""
    out = set()
    for name in names:
        name = (name or "").strip().lstrip("@'\u2018\u2019\"").rstrip(".,!")
        words = name.split()
        if len(name) < 2 or not words or words[0].lower() in ANONYMOUS_WORDS or not name[0].isalpha():
            continue
        if " " not in name and _plain(name):
            continue
        out.add(name)
    return frozenset(out)


def known_names(signatures: Iterable[Optional[str]] = (), authors: Iterable[Optional[str]] = (),
                blog_authors: Iterable[str] = ()) -> frozenset:
    """The names a thread knows, for ``find_refs``: signatures, comment authors, the blog's author."""
    # Each name once: a thread names its regulars many times over.
    return usable_names(tuple(dict.fromkeys(n for n in (*signatures, *authors, *blog_authors) if n)))


def author_name_forms(full_name: str) -> list[str]:
    """The ways readers name a blog's author: "Alice Smith" gives Alice Smith, Alice, and
    Smith after Mr, Ms or Mrs.

    Only for the blog's author (the post's), whom readers call by first name or by
    title; a commenter's name is used as it is signed.
    """
    words = full_name.split()
    if len(words) < 2:
        return words
    return [" ".join(words), words[0]] + [f"{title} {words[-1]}" for title in ("Mr", "Ms", "Mrs")]
