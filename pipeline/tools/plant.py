"""Signatures and references planted into threads of known structure, with their truth.

Test data for ``understand.signatures``, ``understand.refs`` and ``understand.resolve``
at scale: given a thread whose comments the generator knows (a ``synth.SynthPost``,
whose dump has no times, or a ``render.BlogPost``, whose comments have authors and
exact times), it writes into the comments' text

- signatures, on a line of their own or closing the last sentence, anonymous ones
  with a time ("Anon 14:05") in dumps;
- references with a known target: times of earlier comments as the blog shows them
  (or as they are signed, in dumps), names of earlier comments' signers and authors,
  the blog's author's name, positions ("the poster above", "the first comment"),
  and, where the post ends with a letter's sign-off, its writer cited ("As Morwenna
  Tate says", "The GS doesn't say");
- look-alikes that are no reference and no signature: event times, amounts, dates,
  clause numbers, people named in passing (the letter's writer among them), closing
  words on a line of their own;

and returns the changed thread with the truth (``Planted``). What is planted is
found again in a comment's text by ``PlantedRef.locate``. Reproducible from ``rng``.
"""
from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Optional

from ..understand.signatures import is_anonymous
from .render import Blog, BlogComment, BlogPost, plain
from .synth import SynthPost

# Handles readers sign with, made up here: none is a word of the samples.
HANDLES = ["Wayfarer", "Old Lag", "Tinkerbell", "Hobnob", "Kestrel", "Dormouse", "Ex-PSO", "Northern PO",
           "Marmalade", "Bramble", "Quill", "Lapwing", "Tumbleweed", "Bluebottle", "SPO", "Nightjar"]
ANONYMOUS_SIGNATURES = ["Anon", "anon", "Anonymous"]
# People named in passing: never commenters.
PUBLIC = ["Mr Hargreaves", "Lord Fenwick", "Dame Olive Brackett", "Sir Rupert Vane", "Minister Calloway",
          "Ms Thorncroft"]

# Event times, amounts, dates and numbers a reference must not be read in. {p}: a public figure.
LOOKALIKES = [
    ("The meeting starts at 9:30 on Monday.", "9:30", "event time"),
    ("Doors open at 7:30 sharp.", "7:30", "event time"),
    ("The rally runs from 10:00 to 12:00 outside the office.", "10:00", "event time"),
    ("Action runs from 12:00 noon to 12:00 noon the next day.", "12:00 noon", "event time"),
    ("Courts will stay open until 8.30pm in the pilot.", "8.30pm", "event time"),
    ("I caught the 10:15 train to get there.", "10:15", "event time"),
    ("They are paying £12.50 an hour for agency staff.", "£12.50", "price"),
    ("Turnout was 19.5% this time.", "19.5%", "percentage"),
    ("Read clause 4.12 of the agreement.", "4.12", "clause number"),
    ("It happened on 12.03.2015 in the old building.", "12.03.2015", "date"),
    ("The vote went 21-14 against.", "21-14", "score"),
    ("I spoke to {p} about it last week.", "{p}", "public figure"),
    ("Even {p} admitted it was a mess.", "{p}", "public figure"),
    ("Above all, keep your notes up to date.", "Above", "'above' as a word"),
    ("I was the first to leave the office.", "first", "'first' as a word"),
    ("It was the last straw for many of us.", "last", "'last' as a word"),
    ("In the first place nobody asked us.", "first", "'first' as a word"),
    ("My caseload went from 60 to 90.5 in a year.", "90.5", "number"),
]
# Writers of a letter a post reproduces, with their role: never commenters.
LETTER_WRITERS = [("Morwenna Tate", "General Secretary"), ("Idris Fairclough", "National Chair"),
                  ("Hester Quarrie", "Assistant General Secretary"), ("Lionel Brisk", "Chief Officer")]
VALEDICTIONS = ["Yours sincerely", "Yours faithfully", "In solidarity", "Best wishes", "Kind regards"]

# Short last lines that are text, not signatures.
CLOSING_LOOKALIKES = ["Agreed", "Exactly.", "Bring it on", "Watch this space.", "Rant over.", "Solidarity",
                      "Strike!", "https://www.example.org/report", "Thanks all.", "Good luck everyone",
                      "Shameful.", "Well said."]


@dataclass(frozen=True)
class PlantedSignature:
    path: str
    text: str


@dataclass(frozen=True)
class PlantedRef:
    """A reference planted in comment ``path``: ``text`` within the sentence ``context``.

    ``target_path``/``target_post`` is what it addresses. ``expect`` is what a correct
    resolver makes of it from what the thread shows: ``target`` (resolved to the
    target), ``ambiguous`` (several comments fit: unresolved), ``unresolved`` (nothing
    on the page tells it).
    """

    path: str
    context: str
    text: str
    kind: str
    target: str
    target_path: Optional[str]
    target_post: bool
    expect: str = "target"
    candidates: int = 1

    def locate(self, body: str) -> tuple[int, int]:
        """The span of the reference in ``body`` (the comment's text), or (-1, -1)."""
        at = body.find(self.context)
        if at < 0:
            return -1, -1
        start = at + self.context.find(self.text)
        return start, start + len(self.text)


@dataclass(frozen=True)
class PlantedLookalike:
    path: str
    context: str
    text: str
    why: str

    def locate(self, body: str) -> tuple[int, int]:
        at = body.find(self.context)
        if at < 0:
            return -1, -1
        start = at + self.context.find(self.text)
        return start, start + len(self.text)


@dataclass
class Planted:
    """The truth of what was planted in one thread."""

    signatures: list[PlantedSignature] = field(default_factory=list)
    refs: list[PlantedRef] = field(default_factory=list)
    lookalikes: list[PlantedLookalike] = field(default_factory=list)
    post_author_names: tuple[str, ...] = ()
    twelve_hour: bool = False
    post_writer_names: tuple[str, ...] = ()  # whom the post credits its text to (a letter's signer, role)


@dataclass
class _Slot:
    """One comment while planting: its text as sentences to put before, within and after."""

    path: str
    parent_path: Optional[str]
    author: Optional[str]
    shown: Optional[str]  # the time the blog shows, as readers copy it
    shown_24: Optional[str]  # HH:MM
    instant: Optional[dt.datetime]
    opening: list[str] = field(default_factory=list)
    middle: list[str] = field(default_factory=list)
    closing: Optional[tuple[str, str]] = None  # (form, text)
    signature: Optional[str] = None
    removed: bool = False  # a removed comment: no text to plant in


class _Planter:
    def __init__(self, rng: random.Random, slots: list[_Slot], blog_names: tuple[str, ...], timed: bool,
                 twelve_hour: bool, rate: float, writer: Optional[tuple[str, str]] = None):
        self.rng = rng
        self.slots = slots
        self.blog_names = blog_names
        self.timed = timed
        self.twelve_hour = twelve_hour
        self.rate = rate
        self.writer = writer
        self.truth = Planted(post_author_names=blog_names, twelve_hour=twelve_hour,
                             post_writer_names=writer or ())
        self.handles = list(HANDLES)
        rng.shuffle(self.handles)

    # -- what each comment is known by ------------------------------------------------------

    def before(self, k: int) -> list[int]:
        """Comments posted before comment ``k``: by time when known, else above it in reading order."""
        if self.timed:
            mine = self.slots[k].instant
            return [j for j in range(len(self.slots)) if self.slots[j].instant < mine]
        return list(range(k))

    def _bears(self, j: int, name: str) -> bool:
        # A removed comment keeps its author (the files still name it), not its text.
        slot = self.slots[j]
        return name.casefold() in ((slot.signature or "").casefold(), (slot.author or "").casefold())

    def _order(self, j: int):
        return self.slots[j].instant if self.timed else j

    def sign(self) -> None:
        """Sign some comments; in dumps, some anonymous ones with a time."""
        clock = dt.datetime(2015, 1, 1, self.rng.randrange(6, 12), self.rng.randrange(60))
        for slot in self.slots:
            clock += dt.timedelta(minutes=self.rng.randrange(3, 90))
            if slot.removed:
                continue
            roll = self.rng.random()
            if roll < 0.25 and self.handles:
                slot.signature = self.handles.pop()
            elif roll < 0.35:
                slot.signature = self.rng.choice(ANONYMOUS_SIGNATURES)
            elif roll < 0.45 and not self.timed:
                slot.signature = f"{self.rng.choice(ANONYMOUS_SIGNATURES)} {clock:%H:%M}"
            elif roll < 0.55:
                text = self.rng.choice(CLOSING_LOOKALIKES)
                slot.closing = ("line", text)
                self.truth.lookalikes.append(PlantedLookalike(slot.path, text, text, "closing words, not a signature"))
                continue
            if slot.signature:
                form = self.rng.choice(["line", "line", "sentence", "ellipsis", "quote", "dash"])
                slot.closing = (form, slot.signature)
                self.truth.signatures.append(PlantedSignature(slot.path, slot.signature))

    def name_of(self, j: int) -> Optional[str]:
        slot = self.slots[j]
        if slot.signature and not is_anonymous(slot.signature):
            return slot.signature
        return None if slot.removed or is_anonymous(slot.author) else slot.author

    # -- references -------------------------------------------------------------------------

    def refer(self) -> None:
        for k, slot in enumerate(self.slots):
            if slot.removed or self.rng.random() > self.rate:
                continue
            kinds = ["position", "name", "blog"] + ["time"] * (3 if self.timed else 1)
            if self.writer:
                kinds.append("writer")
            getattr(self, "_" + self.rng.choice(kinds))(k, slot)
            if self.rng.random() < 0.4:
                self._lookalike(slot)

    def _time(self, k: int, slot: _Slot) -> None:
        earlier = self.before(k)
        if self.timed:
            targets = earlier
        else:
            targets = [j for j in earlier if self.slots[j].signature and _has_time(self.slots[j].signature)]
        if not targets:
            return
        j = self.rng.choice(targets)
        target = self.slots[j]
        if self.timed:
            written = target.shown
            if not self.twelve_hour and self.rng.random() < 0.3:
                written = written.replace(":", ".")
            matching = [i for i in earlier if self._shown_matches(i, target.shown_24, written)]
        else:
            written = target.signature.split()[-1]
            matching = [i for i in earlier if self.slots[i].signature
                        and self.slots[i].signature.split()[-1] == written]
        dotted = "." in written
        name = self.name_of(j) if self.timed else None
        templates = [("@Anon {t} I think you have got this wrong.", "@Anon {t}", "opening"),
                     ("{t} - you are missing the point.", "{t}", "opening"),
                     ("Thanks {t}!", "{t}", "opening"),
                     ("I agree with what {t} says.", "{t}", "middle")]
        if not dotted:
            templates += [("Contd from {t} above, the rest of my point.", "{t}", "middle"),
                          ("But for you, {t}, I will make an exception.", "{t}", "middle"),
                          ("The poster at {t} has a point.", "poster at {t}", "middle"),
                          ("Spelling mistake {t} you mean its", "{t}", "opening")]
            if name and name not in self.blog_names and " " not in name:
                templates.append((f"All true {name} at {{t}}, but not the whole story.", f"{name} at {{t}}",
                                  "middle"))
        sentence, text, where = self.rng.choice(templates)
        expect = "target" if len(matching) == 1 else "ambiguous"
        self._put(slot, where, sentence.format(t=written), text.format(t=written), "time", written,
                  target.path, False, expect, len(matching))

    def _shown_matches(self, i: int, shown_24: str, written: str) -> bool:
        other = self.slots[i].shown_24
        if not self.twelve_hour or "m" in written.lower():
            return other == shown_24
        hour, minute = int(shown_24[:2]), shown_24[3:]
        return other in (f"{hour % 12:02d}:{minute}", f"{hour % 12 + 12:02d}:{minute}")

    def _name(self, k: int, slot: _Slot) -> None:
        earlier = self.before(k)
        named = [j for j in earlier if self.name_of(j) and self.name_of(j) != self.name_of(k)
                 and not _shares_word(self.name_of(j), self.blog_names)]
        if not named:
            return
        name = self.name_of(self.rng.choice(named))
        # The nearest earlier comment signed with that name or written by it is the
        # target the rule gives.
        j = max((i for i in earlier if self._bears(i, name)), key=self._order)
        templates = [("@{n} do you really believe that?", "@{n}", "opening"),
                     ("Well said {n}.", "{n}", "opening"),
                     ("Thanks {n}!", "{n}", "opening"),
                     ("I agree with {n} on this.", "{n}", "middle"),
                     ("As {n} says, nothing will change.", "{n}", "middle")]
        if " " not in name:
            templates.append(("{n} - does this help?", "{n}", "opening"))
        sentence, text, where = self.rng.choice(templates)
        self._put(slot, where, sentence.format(n=name), text.format(n=name), "name", name,
                  self.slots[j].path, False)

    def _blog(self, k: int, slot: _Slot) -> None:
        if not self.blog_names:
            return
        name = self.rng.choice(self.blog_names)
        sentence, where = self.rng.choice([("Thanks to {n} for posting this.", "middle"),
                                           ("I think {n} is right to raise it.", "middle"),
                                           ("Good post {n}, as ever.", "middle")])
        self._put(slot, where, sentence.format(n=name), name, "name", name, None, True)

    def _writer(self, k: int, slot: _Slot) -> None:
        """The writer of the letter the post reproduces, cited (the post), or only named (a look-alike)."""
        name, role = self.writer
        initials = "".join(word[0] for word in role.split())
        if self.rng.random() < 0.3:
            sentence = self.rng.choice(["Maybe {n} will tell the minister so.", "Nobody voted for {n} anyway.",
                                        "I met {n} at conference once."]).format(n=name)
            slot.middle.append(sentence)
            self.truth.lookalikes.append(PlantedLookalike(slot.path, sentence, name, "the post's writer named"))
            return
        sentence, text, target, where = self.rng.choice([
            ("As {n} says, nothing will change.", "{n}", name, "middle"),
            ("{n} has written a fair piece.", "{n}", name, "opening"),
            ("{n}'s letter says nothing new.", "{n}", name, "opening"),
            ("I think the {r} wrote this in a hurry.", "the {r}", role, "middle"),
            ("The {i} doesn't say anything about pay.", "The {i}", initials, "opening")])
        self._put(slot, where, sentence.format(n=name, r=role, i=initials), text.format(n=name, r=role, i=initials),
                  "name", target, None, True)

    def _position(self, k: int, slot: _Slot) -> None:
        if k == 0:
            return
        choices = [("I agree with the first comment on this.", "the first comment", "first", self.slots[0].path)]
        if slot.parent_path is not None:
            choices += [("I think the poster above is right.", "the poster above", "above", slot.parent_path),
                         ("Same as above, really.", "above", "above", slot.parent_path)]
            previous = self.slots[k - 1]
            if previous.path != slot.parent_path or self.rng.random() < 0.5:
                choices.append(("I disagree with your last point though.", "your last point", "last",
                                previous.path))
        else:
            choices.append(("The previous comment says it all.", "The previous comment", "previous",
                            self.slots[k - 1].path))
        sentence, text, word, target = self.rng.choice(choices)
        self._put(slot, "middle", sentence, text, "position", word, target, False)

    def _lookalike(self, slot: _Slot) -> None:
        sentence, text, why = self.rng.choice(LOOKALIKES)
        public = self.rng.choice(PUBLIC)
        sentence, text = sentence.format(p=public), text.format(p=public)
        slot.middle.append(sentence)
        self.truth.lookalikes.append(PlantedLookalike(slot.path, sentence, text, why))

    def _put(self, slot: _Slot, where: str, sentence: str, text: str, kind: str, target: str,
             target_path: Optional[str], target_post: bool, expect: str = "target", candidates: int = 1) -> None:
        (slot.opening if where == "opening" and not slot.opening else slot.middle).append(sentence)
        self.truth.refs.append(PlantedRef(slot.path, sentence, text, kind, target, target_path, target_post,
                                          expect, candidates))


def _has_time(signature: str) -> bool:
    last = signature.split()[-1]
    return ":" in last and last.replace(":", "").isdigit()


def _shares_word(name: str, names: tuple[str, ...]) -> bool:
    words = set(name.split())
    return any(words & set(other.split()) for other in names)


def _closing_text(form: str, text: str) -> tuple[Optional[str], Optional[str]]:
    """How a sign-off is written: (a line of its own, or text to add to the last sentence)."""
    if form == "line":
        return text, None
    if form == "quote":
        return "'" + text, None
    if form == "dash":
        return "- " + text, None
    if form == "ellipsis":
        return None, "...." + text
    return None, " " + text + "."


def _compose(paragraphs: list[str], slot: _Slot) -> list[str]:
    """A comment's paragraphs with what was planted in it."""
    out = list(paragraphs) or [""]
    if slot.opening:
        out[0] = " ".join(slot.opening + [out[0]]).strip()
    if slot.middle:
        out[0] = " ".join([out[0]] + slot.middle).strip()
    if slot.closing:
        line, tail = _closing_text(*slot.closing)
        if line is not None:
            out.append(line)
        else:
            out[-1] = out[-1].rstrip().rstrip(".") + tail if tail.startswith("....") else out[-1].rstrip() + tail
    return out


# -- dumps --------------------------------------------------------------------------------

def plant_synth(post: SynthPost, rng: random.Random, rate: float = 0.5,
                blog_author: Optional[str] = None, letter: float = 0.0) -> tuple[SynthPost, Planted]:
    """``post`` with signatures, references and look-alikes planted, and the truth.

    A dump shows no times, so time references point at comments signed with a time
    ("@Anon 14:05" to the comment signed "Anon 14:05"). ``blog_author``: a name for
    the blog's author, which readers use to mean the post. With probability
    ``letter`` the post ends with a letter's sign-off (a valediction, a writer's name
    and role), which comments then cite or only name.
    """
    post = copy.deepcopy(post)
    writer = rng.choice(LETTER_WRITERS) if rng.random() < letter else None
    if writer:
        post.body = post.body + [rng.choice(VALEDICTIONS), f"{writer[0]}\n{writer[1]}"]
    slots = []
    for number, comment in enumerate(post.comments, start=1):
        slots.append(_Slot(str(number), None, None, None, None, None))
        for reply in range(1, len(comment.replies) + 1):
            slots.append(_Slot(f"{number}.{reply}", str(number), None, None, None, None))
    names = tuple(_author_forms(blog_author)) if blog_author else ()
    planter = _Planter(rng, slots, names, timed=False, twelve_hour=False, rate=rate, writer=writer)
    planter.sign()
    planter.refer()
    by_path = {slot.path: slot for slot in slots}
    for number, comment in enumerate(post.comments, start=1):
        comment.paragraphs = _compose(comment.paragraphs, by_path[str(number)])
        comment.replies = [_compose(reply, by_path[f"{number}.{r}"]) for r, reply in enumerate(comment.replies, 1)]
    return post, planter.truth


# -- Blogger's own files --------------------------------------------------------------------

def shown_time(moment: dt.datetime, language: str) -> str:
    """A comment's time as the blog displays it and readers copy it: "21:19", or "9:19" on a 12-hour clock."""
    if language == "en":
        return f"{(moment.hour - 1) % 12 + 1}:{moment.minute:02d}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def plant_blog(blog: Blog, post: BlogPost, rng: random.Random, rate: float = 0.6,
               collide: float = 0.15, letter: float = 0.0) -> tuple[BlogPost, Planted]:
    """``post`` with signatures, references and look-alikes planted, and the truth.

    Its comments' times are known: time references give an earlier comment's time as
    the blog shows it (12-hour on an ``en`` blog). With probability ``collide`` a
    comment is moved, within its day and without changing the thread's order in time,
    to the same minute as another, so that some references have two candidates.
    ``letter``: as for ``plant_synth``.
    """
    post = copy.deepcopy(post)
    writer = rng.choice(LETTER_WRITERS) if rng.random() < letter else None
    if writer:
        post.body = tuple(post.body) + (((rng.choice(VALEDICTIONS),),), ((writer[0],), (writer[1],)))
    items = [(c, parent) for c, parent in post.iter_comments()]
    _collide(rng, [c for c, _ in items], collide)
    twelve = blog.language == "en"
    slots = []
    paths = {}
    for number, comment in enumerate(post.comments, start=1):
        paths[id(comment)] = str(number)
        for r, reply in enumerate(comment.replies, start=1):
            paths[id(reply)] = f"{number}.{r}"
    for comment, parent in items:
        moment = comment.published.astimezone(blog.tz)
        author = None if comment.author.kind == "anonymous" else comment.author.name
        slots.append(_Slot(paths[id(comment)], paths[id(parent)] if parent else None, author,
                           shown_time(moment, blog.language), f"{moment:%H:%M}", comment.published,
                           removed=comment.removed))
    names = tuple(_author_forms(blog.author.name))
    planter = _Planter(rng, slots, names, timed=True, twelve_hour=twelve, rate=rate, writer=writer)
    planter.sign()
    planter.refer()
    for (comment, _), slot in zip(items, slots):
        if comment.removed:
            continue
        texts = [plain([paragraph]) for paragraph in comment.paragraphs]
        comment.paragraphs = tuple(tuple((line,) for line in text.split("\n")) for text in _compose(texts, slot))
    return post, planter.truth


def _collide(rng: random.Random, comments: list[BlogComment], share: float) -> None:
    order = sorted(comments, key=lambda c: c.published)
    for k in range(1, len(order)):
        if rng.random() >= share:
            continue
        other = order[rng.randrange(k)]
        moved = order[k].published.replace(hour=other.published.hour, minute=other.published.minute)
        lower = order[k - 1].published
        upper = order[k + 1].published if k + 1 < len(order) else None
        if lower < moved and (upper is None or moved < upper):
            order[k].published = moved


def _author_forms(full_name: str) -> list[str]:
    words = full_name.split()
    return [full_name] + ([words[0]] if len(words) > 1 else [])
