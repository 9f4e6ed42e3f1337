"""Signatures: the name a comment's writer signs it with, at its very end.

Most commenters on a Blogger blog are anonymous, so many sign in the text: a short
last line (``'Wayfarer``, ``PO``, ``Anon``) or a name closing the last sentence
(``...Hobnob``, ``Bramble.``, ``Anon 20:43.``). ``find_signature`` finds that
sign-off as written, without a leading quote or dash and without trailing
punctuation. It looks at the end of the comment only, so a name the comment
mentions or addresses is never taken for its signature; and a short last line that
is part of the text (``Agreed``, ``Strike.``, ``Bring it on``, a link, a quotation's
``– Albert Einstein``) is not one either.

A time in an anonymous signature (``Anon 20:43``) is kept in the text;
``signature_time`` gives it. A commenter cannot know the minute their own comment
will be shown at (Blogger adds it when the comment is posted, and comments cannot
be edited), so such a time almost always names the same writer's *earlier* comment
("I am the 20:43 anon"): it is not this comment's time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from .words import (ANONYMOUS_WORDS, CLOSING_WORDS, FUNCTION_WORDS, HONORIFICS, ADDRESS_WORDS, NON_NAME_ENDINGS,
                    names_no_one)

# A sign-off is short: "Anonymous SPO 21:05" is about as long as they come.
MAX_LENGTH = 32
MAX_WORDS = 4

# A clock time as readers write it: 20:43, 9.19, 19 :19, 09:19.
TIME = re.compile(r"(?<![\d.:])([01]?\d|2[0-3]) ?[:.;] ?([0-5]\d)(?![\d])")
_TIME_WORD = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)$")

# Where the last sentence starts: after ". ", "! ", "? " or an ellipsis ("....Hobnob").
_BOUNDARY = re.compile(r"(?:[.!?\u2026]+[ \t]+|\.{2,}|\u2026)(?=[^\s.!?\u2026])")
_LEADING = "'\"\u2018\u2019\u201c\u201d\u00b4`-\u2013\u2014~ \t*"
_TRAILING = ".!,;\u2026 \t\n\r'\"\u2018\u2019\u201c\u201d"
_QUOTES_CLOSING = "'\"\u2019\u201d"
_DASHES = "-\u2013\u2014~"
# A word of a name: capitalised or all capitals (hyphens and apostrophes inside), or
# an initial ("J.").
_NAME_WORD = re.compile(r"(?:[A-Z\u00c0-\u00de][\w'\u2019\-]*|[A-Z]\.)$")
# A valediction before the name on the same line ("Regards, Wayfarer", "Best wishes -
# Hobnob"): the name after it signs. Not "Thanks"/"Cheers": "Thanks, Hobnob" thanks someone.
_VALEDICTION = re.compile(r"(?i:(?:kind |best |warm |warmest |many )?regards|best wishes|all the best"
                          r"|yours(?: truly| sincerely| faithfully)?|in solidarity)[ \t]*[,\-\u2013\u2014][ \t]*")


@dataclass(frozen=True)
class Signature:
    """A comment's sign-off: ``body[start:end] == text``."""

    text: str
    start: int
    end: int

    @property
    def anonymous(self) -> bool:
        """True for "Anon", "Anonymous", "anon 20:43", "Anon PO": no one's name."""
        return is_anonymous(self.text)

    @property
    def time(self) -> Optional[str]:
        """The time written in it, as HH:MM (see ``signature_time``), or None."""
        return signature_time(self.text)


def find_signature(body: str) -> Optional[Signature]:
    """The writer's sign-off at the end of ``body``, or None.

    Only the last line is looked at: either the whole of it (a short line after the
    text) or the words after its last sentence's end. Never raises.
    """
    # Most comments end with a word in lower case, or a question: no name there.
    tail = body[-MAX_LENGTH - 8:].rstrip(_TRAILING)
    if not tail or tail[-1] in "?:":
        return None
    words = tail.rsplit(None, 1)
    if not words:
        return None  # only white space ("\x85" and the like) after the trailing punctuation
    last = words[-1].rpartition(".")[2].lstrip(_LEADING)
    if last[:1].islower() and last.lower() not in ANONYMOUS_WORDS:
        return None
    end = len(body)
    while end and body[end - 1] in _TRAILING:
        end -= 1
    line_start = body.rfind("\n", 0, end) + 1
    if line_start and end - line_start <= MAX_LENGTH + 4:
        found = _last_line(body, line_start, end)
        if found:
            return found
    found = _last_sentence(body, max(line_start, end - MAX_LENGTH - 4), end)
    return found


def _last_line(body: str, start: int, end: int) -> Optional[Signature]:
    """A short last line after the text: ``PO``, ``'Wayfarer``, ``- Anon``."""
    before = body[:start].rstrip()
    if not before or before[-1] == ":":
        return None  # nothing before it to sign, or the line is what the text introduces
    line = body[start:end]
    if line.lstrip()[:1] in _DASHES and before[-1] in _QUOTES_CLOSING:
        return None  # "– Albert Einstein" under a quotation: its source, not a signer
    return _candidate(body, start, end, whole_line=True)


def _last_sentence(body: str, start: int, end: int) -> Optional[Signature]:
    """A name closing the last sentence: ``...hurt. Bramble``, ``....Hobnob``."""
    last = None
    for last in _BOUNDARY.finditer(body, start, end):
        pass
    if last is None:
        return None
    before = body[:last.start()].split(None, 3)
    if len(before) < 3:
        return None  # a short comment of a few words: nothing signed
    return _candidate(body, last.end(), end, whole_line=False)


def _candidate(body: str, start: int, end: int, whole_line: bool) -> Optional[Signature]:
    while start < end and body[start] in _LEADING:
        start += 1
    valediction = _VALEDICTION.match(body, start, end)
    if valediction:
        start = valediction.end()
    while end > start and body[end - 1] in _TRAILING:
        end -= 1
    text = body[start:end]
    if text and is_signature_text(text):
        return Signature(text, start, end)
    return None


def is_signature_text(text: str) -> bool:
    """Whether ``text``, standing alone at a comment's end, reads as a name or handle."""
    if not text or len(text) > MAX_LENGTH or "://" in text or "www." in text.lower() or text[0] == "@":
        return False
    words = text.split()
    if not words or len(words) > MAX_WORDS:
        return False
    if names_no_one(text):
        return all(_TIME_WORD.match(w) or _NAME_WORD.match(w) or w.lower() in ("at", "@", "again")
                   for w in words[1:])
    if words[0].lower() in ("a", "an", "the") and len(words) > 1:
        *middle, last = words[1:]
        return (len(middle) <= 2 and _is_name_word(last, len(words) == 2)
                and all(_is_name_word(w, False) or (w.islower() and w.isalpha() and not _is_plain(w))
                        for w in middle))
    if words[-1] != words[0] and _TIME_WORD.match(words[-1]):
        words = words[:-1]  # "Wayfarer 20:43"
    if words[0].lower().rstrip(".") in HONORIFICS:
        return False  # "Mr Hargreaves", "Sir Rupert": someone talked about
    return all(_is_name_word(w, len(words) == 1) for w in words)


def _is_name_word(word: str, alone: bool) -> bool:
    if not _NAME_WORD.match(word) or any(c.isdigit() for c in word):
        return False
    if word in ("I", "I'm", "I've", "I'd", "I'll", "A"):
        return False
    if _is_plain(word):
        return False
    low = word.lower()
    if alone and not word.isupper() and len(low) >= 6 and low.endswith(NON_NAME_ENDINGS):
        return False  # "Solidarity", "Disgraceful": words, not handles
    if alone and len(word) > 1 and word.isupper() and len(word) > 5:
        return False  # a shouted word ("RUBBISH", "DISGRACE"), not an acronym
    return True


def _is_plain(word: str) -> bool:
    low = word.lower().strip("'\u2019")
    return low in FUNCTION_WORDS or low in CLOSING_WORDS or low in ADDRESS_WORDS


def is_anonymous(signature: Union[Signature, str, None]) -> bool:
    """True when a signature names no one: "Anon", "Anonymous", "anon 20:43", "Anon PO"."""
    return names_no_one((signature.text if isinstance(signature, Signature) else signature) or "")


def signature_time(signature: Union[Signature, str, None]) -> Optional[str]:
    """The time a signature carries, as HH:MM ("Anon 20:43" gives "20:43", "anon 9.19" "09:19").

    Most likely the time of the writer's earlier comment, not of this one (see the
    module's docstring).
    """
    text = signature.text if isinstance(signature, Signature) else signature
    words = text.split() if text else []
    if not words:
        return None
    match = _TIME_WORD.search(words[-1])
    return normalise_time(match.group(0)) if match else None


def signature_name(signature: Union[Signature, str, None]) -> Optional[str]:
    """The name a signature signs with, without the time it carries: "Wayfarer 20:43" and
    "Wayfarer at 20:43" give "Wayfarer", "Anon 20:43" gives "Anon", "Wayfarer" itself.

    The same writer signs "Wayfarer" under one comment and "Wayfarer 20:43" under
    another: one name, for their author and for the names a thread knows.
    """
    text = signature.text if isinstance(signature, Signature) else signature
    if not text:
        return None
    words = text.split()
    if len(words) < 2 or not _TIME_WORD.search(words[-1]):
        return text
    name = text[:text.rfind(words[-1])].rstrip()
    for joiner in (" at", " @"):
        if name.lower().endswith(joiner) and name[:-len(joiner)].strip():
            name = name[:-len(joiner)].rstrip()
    return name.rstrip(",;-\u2013\u2014 ") or text


def normalise_time(text: str) -> Optional[str]:
    """A clock time as written ("9.19", "19 :19", "09:19", "9:41pm") as HH:MM, or None.

    ``am``/``pm`` after it are honoured; a 12-hour time without them is returned as
    written (its hour below 13), for the caller to read on a 12-hour clock if the blog
    shows one.
    """
    match = TIME.search(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    rest = text[match.end():].strip().lower().replace(".", "")
    if rest.startswith("pm") and hour < 12:
        hour += 12
    elif rest.startswith("am") and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}"
