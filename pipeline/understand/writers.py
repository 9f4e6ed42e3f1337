"""The writer of what a post reproduces, and the comments that cite them.

Many posts reproduce someone else's text: a union's letter signed ``Yours
sincerely`` / ``Morwenna Tate`` / ``General Secretary``, a blog post introduced as
``Highlights from the latest blog post by Morwenna Tate:-`` (a word for a text or
for writing one before "by": "wrecked by the reforms" credits no one). Readers then
answer that text by its writer: ``Morwenna Tate says the strike will ...``, ``The
General Secretary has written a letter that ...``, ``the GS doesn't say anything``.
Such a comment points at the post, as one naming the blog's author does.

The same person is also talked about as a person (``Maybe Morwenna Tate will tell
him so``, ``an agenda against the General Secretary``), which points at nothing. So a
writer's name counts here only where the comment cites what they wrote: the name
followed by a verb of saying or writing (``says``, ``has written``, ``doesn't say``)
or by a possessive and a word for a text (``Morwenna Tate's letter``).

``post_writers`` finds the writers' names in a post; ``find_cites`` the citations in
a comment. Only the post's own credits are read (a byline in its first line, the
lines under a valediction), never a name merely mentioned in it.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from .refs import NAME, Ref, tidy

# A valediction on a line of its own closes a letter; the writer's name (and role)
# stand on the next lines.
_VALEDICTIONS = ("yours sincerely", "yours faithfully", "yours truly", "yours fraternally", "yours in solidarity",
                 "in solidarity", "best wishes", "with best wishes", "kind regards", "best regards", "regards",
                 "yours")
# A line that is a valediction and nothing else, in any case: its regular expression
# starts with a line break, which the engine skips to at C speed, so a post is
# searched for one in a few microseconds.
_VALEDICTION_LINE = re.compile(r"\n[ \t\u00a0]*(?i:%s)[ \t\u00a0,.!]*(?=\n|$)"
                               % "|".join(sorted(_VALEDICTIONS, key=len, reverse=True)))
_SPACE = "[ \t\u00a0]"
# "... blog post by Morwenna Tate:-", "Guest post by the General Secretary.": a word for
# a text, or for writing or sending one, then "by" and capitalised words (with "of",
# "for" or "the" between them) up to punctuation or the end of the line. "Wrecked by
# the Reforms." credits no one.
_NAME_WORDS = (rf"(?:[A-Z][\w'\u2019.\-]*)(?:{_SPACE}+(?:(?:of|for|the){_SPACE}+)?[A-Z][\w'\u2019.\-]*){{0,4}}")
_CREDITED = (r"post|blog|letter|article|piece|update|message|email|e-mail|mailout|mail-out|statement|words|column"
             r"|speech|report|written|sent|posted|penned")
# Looked for at each "by" of the first line: the word before it, and the name after.
_CREDITED_BEFORE = re.compile(rf"(?<![\w])(?i:{_CREDITED}){_SPACE}+$")
_BYLINE_NAME = re.compile(rf"[Bb]y{_SPACE}+(?:the{_SPACE}+)?({_NAME_WORDS})(?=\s*(?:[:\-\u2013\u2014,.;!]|$))")
_NAME_LINE = re.compile(rf"({_NAME_WORDS})$")
# What makes a writer's name a citation of their text: a verb of saying or writing
# after it, or a possessive and a word for a text.
_CITING = (r"says|said|writes|wrote|has written|had written|has said|is saying|states|stated|claims|claimed"
           r"|argues|argued|explains|explained|tells us|told us|reckons|suggests|suggested|asserts|asserted"
           r"|(?:does|did)(?:n['\u2019]t| not) say|(?:does|did)(?:n['\u2019]t| not) tell us")
_TEXT_NOUNS = r"letter|blog|blog post|post|email|e-mail|message|mailout|mail-out|article|piece|words|statement|update"
_CITE_AFTER = re.compile(rf"{_SPACE}+(?:{_CITING})\b|['\u2019]s{_SPACE}+(?:latest{_SPACE}+|last{_SPACE}+)?"
                         rf"(?:{_TEXT_NOUNS})\b")
_MAX_NAME = 40


def post_writers(body: str) -> tuple[str, ...]:
    """The names a post credits its text to: a byline in its first line, and the one or
    two short lines of capitalised words under each valediction (a name, a role).

    Each is given as written, then its initials where it has several words ("General
    Secretary" also gives "GS"), as readers abbreviate a title.
    """
    names: list[str] = []
    start = 0
    while start < len(body) and body[start].isspace():
        start += 1
    end = body.find("\n", start)
    first_line = body[start:end if end >= 0 else len(body)]
    lower = first_line.lower()
    at = lower.find("by")
    while at >= 0:
        if _CREDITED_BEFORE.search(first_line, max(0, at - 16), at):
            match = _BYLINE_NAME.match(first_line, at)
            if match:
                names.append(match.group(1).rstrip("."))
        at = lower.find("by", at + 2)
    text = "\n" + body
    for valediction in _VALEDICTION_LINE.finditer(text):
        after = text[valediction.end() + 1:valediction.end() + 401]  # the next lines, a few hundred characters
        following = [line.strip(" \t\u00a0") for line in after.split("\n")[:5]]
        for line in [line for line in following if line][:2]:
            if not _NAME_LINE.match(line) or len(line) > _MAX_NAME:
                break
            names.append(line)
    out = []
    for name in names:
        out.append(name)
        words = name.split()
        if 2 <= len(words) <= 4 and all(word[0].isupper() for word in words):
            out.append("".join(word[0] for word in words))
    return tuple(dict.fromkeys(out))


def find_cites(bodies: Sequence[str], writers: Iterable[str]) -> list[list[Ref]]:
    """For each comment body, where it cites one of ``writers`` (``post_writers``):
    the name (with "the" before it, if written) as a name reference."""
    patterns = [(name, re.compile(rf"(?<![\w@])(?:[Tt]he{_SPACE}+)?({re.escape(name)})(?![\w\-])",
                                  re.I if len(name) > 3 else 0)) for name in writers]
    found: list[list[Ref]] = []
    for body in bodies:
        refs: list[Ref] = []
        lower = body.lower()
        for name, pattern in patterns:
            if name.lower() not in lower:
                continue
            for match in pattern.finditer(body):
                if _CITE_AFTER.match(body, match.end()):
                    start, end = match.start(), match.end()
                    refs.append(Ref(start, end, body[start:end], NAME, match.group(1), name=name))
        found.append(tidy(refs))
    return found


def add_cites(found: Sequence[list[Ref]], bodies: Sequence[str], writers: Sequence[str]) -> None:
    """Add to each comment's references (``found``, in place) where it cites one of
    ``writers``, unless a reference found otherwise stands there already."""
    if not writers:
        return
    for refs, cites in zip(found, find_cites(bodies, writers)):
        if cites:
            refs[:] = tidy(refs + cites)
