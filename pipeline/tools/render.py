"""Blogger's own files, rendered from threads of known structure: test data for the readers.

A ``Blog`` and its ``BlogPost``s are the truth: ids, authors, exact times, labels,
drafts, replies and removed comments. Each renderer writes them as one kind of file
Blogger (or a copy of Blogger) makes, as bytes:

- ``render_export``: Blogger's export (Settings, Back up content), one Atom feed;
- ``render_takeout``: Google Takeout's ``feed.atom``;
- ``render_threaded_page``: a saved post page in the threaded comment markup (2012 on);
- ``render_classic_page``: a saved post page in the classic markup (no nesting).

``expected`` says what a reader must make of each, format by format, so that one
thread rendered every way can be checked against one truth. ``draw_blog`` draws blogs
reproducibly from a seed; ``from_synth`` turns a ``synth.SynthPost`` into a
``BlogPost``, so a benchmark can render the same threads as dumps and as an export.

Text: HTML to plain text
------------------------
Comment and post text is held as paragraphs of lines of runs (plain strings, ``Link``,
``Bold``). Every renderer writes it as HTML; a reader turns that HTML back into the
same plain text (``plain``) by this rule, which ``pipeline.read.html`` implements:

1. Text nodes: every run of ASCII white space (space, tab, CR, LF, FF) becomes one
   space, as a browser shows it; a line break in the source is not a line break.
   Character references are decoded (``&amp;`` is ``&``, ``&lt;`` is ``<``).
   U+00A0 and U+FFFD are kept as they are.
2. ``<br>`` is a line break.
3. Block elements (``p div blockquote ul ol li dl dt dd h1``-``h6 pre table tr``)
   start and end a paragraph: ``</p><p>`` is a blank line, as is ``<br><br>``.
4. A link keeps its text only; its ``href`` is dropped, whether or not the text is
   the address (a comment that shows ``http://x.org/`` reads ``http://x.org/``,
   ``<a href="http://x.org/">the report</a>`` reads ``the report``). This is what
   the text dumps hold too, as copied from the page. Other inline elements (``b i
   em strong span u s font``) keep their text.
5. ``script style noscript template iframe object embed`` and ``img`` give nothing:
   nothing from a file is ever kept as markup or as code.
6. Then each line is stripped of spaces at both ends, runs of blank lines become
   one blank line, and blank lines at the start and end are dropped.

So lines are joined by ``\\n`` and paragraphs by ``\\n\\n``. A removed comment has
the text ``""`` and ``deleted`` true, whatever notice the file shows in its place.

Times
-----
``published_at`` is ISO 8601 with milliseconds and a numeric offset, always in the
form ``2010-10-16T22:15:37.489-07:00`` (``+00:00``, never ``Z``; ``.000`` when the
file gives whole seconds). It is in the offset the file gives: the blog's in the
export, UTC in Takeout, UTC for a page's comments (their exact time is the
``showComment`` epoch milliseconds; the displayed time is minutes only). A page's post
is timed by ``abbr.published[title]`` when the template has it (``abbr=True``),
otherwise only its date is known (``published_at`` None). ``published`` is the
``YYYY-MM-DD`` date of the post in the offset the file gives.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import random
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Optional, Sequence, Union
from xml.sax.saxutils import escape as xml_escape

from .synth import SynthPost

# -- the truth ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A link inside a line of text: ``text`` is what a reader keeps."""

    href: str
    text: str


@dataclass(frozen=True)
class Bold:
    """A bold word or phrase inside a line of text."""

    text: str


Run = Union[str, Link, Bold]
Line = tuple  # of Run
Paragraph = tuple  # of Line


@dataclass(frozen=True)
class Author:
    """Who wrote a post or a comment.

    ``kind`` is ``anonymous`` (no name, no profile), ``profile`` (a Google account's
    profile: ``url`` is ``https://www.blogger.com/profile/NNN`` or, for some,
    ``https://plus.google.com/NNN``) or ``name`` (a name typed in,
    OpenID or Name/URL style: ``url`` is the website given, or None).
    """

    name: str
    kind: str = "name"
    url: Optional[str] = None


ANONYMOUS = Author("Anonymous", "anonymous")


@dataclass
class BlogComment:
    """A comment or a reply. Replies are one level deep: a reply has no replies.

    ``published`` is aware, in the blog's offset. A removed comment (``removed``) has
    no paragraphs; the files show a notice in its place, and its replies stay.
    """

    id: str
    author: Author
    published: dt.datetime
    paragraphs: tuple
    replies: list["BlogComment"] = field(default_factory=list)
    removed: bool = False


@dataclass
class BlogPost:
    """A post or a page (``kind``) with its comments, top-level ones in time order.

    ``path`` is ``/YYYY/MM/slug.html`` for a post, ``/p/slug.html`` for a page.
    ``title`` may be empty. ``body_style`` is how the body's HTML is written
    (``p``: a <p> per paragraph, ``br``: <br><br> between them, ``div``: a <div> each);
    all read as the same text. A draft has no comments and no page.
    """

    id: str
    title: str
    path: str
    kind: str
    published: dt.datetime
    author: Author
    body: tuple
    comments: list[BlogComment] = field(default_factory=list)
    labels: tuple = ()
    draft: bool = False
    updated: Optional[dt.datetime] = None
    body_style: str = "p"

    def iter_comments(self) -> Iterator[tuple[BlogComment, Optional[BlogComment]]]:
        """(comment, its parent or None) in reading order: each comment, then its replies."""
        for comment in self.comments:
            yield comment, None
            for reply in comment.replies:
                yield reply, comment


@dataclass(frozen=True)
class Blog:
    """A blog: ``url`` is its base (``https://name.blogspot.com``, no slash at the end),
    ``offset`` its time zone as shown in its files (``+01:00``), ``language`` one of
    ``en`` (US dates), ``en-GB`` or ``de``."""

    id: str
    title: str
    url: str
    offset: str
    language: str
    author: Author

    @property
    def tz(self) -> dt.timezone:
        sign = -1 if self.offset[0] == "-" else 1
        hours, minutes = self.offset[1:].split(":")
        return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))


def plain(paragraphs: Iterable[Paragraph]) -> str:
    """The text a reader must produce from paragraphs: lines joined by \\n, paragraphs by a blank line."""
    return "\n\n".join("\n".join("".join(_run_text(run) for run in line) for line in paragraph)
                       for paragraph in paragraphs)


def _run_text(run: Run) -> str:
    return run if isinstance(run, str) else run.text


# -- languages ----------------------------------------------------------------------------

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
}
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
}
WORDS = {
    "en": dict(reply="Reply", delete="Delete", replies="Replies", add="Add comment", more="Load more...",
               said="said...", posted_by="Posted by", at="at", anonymous="Anonymous",
               removed_author="This comment has been removed by the author.",
               removed_admin="This comment has been removed by a blog administrator.",
               one_comment="1 comment:", comments="{n} comments:", no_comments="No comments:",
               labels="Labels:", newer="Newer Post", older="Older Post", home="Home",
               post_comment="Post a Comment", subscribe="Subscribe to:", about="About Me",
               archive="Blog Archive", popular="Popular Posts"),
    "de": dict(reply="Antworten", delete="Löschen", replies="Antworten", add="Kommentar hinzufügen",
               more="Mehr laden...", said="hat gesagt…", posted_by="Eingestellt von", at="um",
               anonymous="Anonym", removed_author="Dieser Kommentar wurde vom Autor entfernt.",
               removed_admin="Dieser Kommentar wurde von einem Blog-Administrator entfernt.",
               one_comment="1 Kommentar:", comments="{n} Kommentare:", no_comments="Keine Kommentare:",
               labels="Labels:", newer="Neuerer Post", older="Älterer Post", home="Startseite",
               post_comment="Kommentar veröffentlichen", subscribe="Abonnieren", about="Über mich",
               archive="Blog-Archiv", popular="Beliebte Posts"),
}
LANGUAGES = ("en", "en-GB", "de")


def _base(language: str) -> str:
    return language.split("-")[0]


def words(language: str) -> dict:
    """The page's fixed texts (action links, notices, headings) in ``language``."""
    return WORDS[_base(language)]


def display_time(moment: dt.datetime, language: str) -> str:
    """A comment's time as the blog shows it: ``March 6, 2014 at 10:23 AM``, ``6 March 2014
    at 10:23``, ``6. März 2014 um 10:23``; ``moment`` in the blog's offset."""
    month = MONTHS[_base(language)][moment.month - 1]
    if language == "en":
        return f"{month} {moment.day}, {moment.year} at {clock(moment, language)}"
    if language == "en-GB":
        return f"{moment.day} {month} {moment.year} at {clock(moment, language)}"
    return f"{moment.day}. {month} {moment.year} um {clock(moment, language)}"


def clock(moment: dt.datetime, language: str) -> str:
    if language == "en":
        return f"{(moment.hour - 1) % 12 + 1}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def date_header(day: dt.date, language: str) -> str:
    """The date over a post: ``Thursday, March 6, 2014``, ``Thursday, 6 March 2014``,
    ``Donnerstag, 6. März 2014``."""
    weekday = WEEKDAYS[_base(language)][day.weekday()]
    month = MONTHS[_base(language)][day.month - 1]
    if language == "en":
        return f"{weekday}, {month} {day.day}, {day.year}"
    if language == "en-GB":
        return f"{weekday}, {day.day} {month} {day.year}"
    return f"{weekday}, {day.day}. {month} {day.year}"


def epoch_ms(moment: dt.datetime) -> int:
    """Milliseconds since 1970 (UTC), as in ``?showComment=``."""
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(milliseconds=1)


def rfc3339(moment: dt.datetime) -> str:
    """``2010-10-16T22:15:37.489-07:00``: milliseconds and the moment's own offset."""
    return moment.isoformat(timespec="milliseconds")


def iso_z(moment: dt.datetime) -> str:
    """The same instant in UTC, written with ``Z`` as Takeout writes it."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- builders: every value escaped on the way in -------------------------------------------


class Markup(str):
    """Text already written as markup by the builders below; inserted as it is."""


_VOID = {"br", "img", "meta", "link", "input", "hr"}


def h(name: str, attrs: Optional[dict] = None, *children) -> Markup:
    """An HTML element, attribute values and text children escaped; Markup children kept."""
    out = ["<", name]
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        out.append(f' {key}="{html.escape(str(value), quote=True)}"')
    out.append(">")
    if name in _VOID:
        return Markup("".join(out))
    out.append(_children(children, lambda s: html.escape(s, quote=False)))
    out.append(f"</{name}>")
    return Markup("".join(out))


def x(name: str, attrs: Optional[dict] = None, *children) -> Markup:
    """An XML element as Blogger writes its export: single-quoted attributes, empty ones closed."""
    out = ["<", name]
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        out.append(f" {key}='{_xml_attr(str(value))}'")
    body = _children(children, xml_escape)
    if not body:
        return Markup("".join(out) + "/>")
    return Markup("".join(out) + ">" + body + f"</{name}>")


def _xml_attr(value: str) -> str:
    return xml_escape(value, {"'": "&apos;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _children(children, escape) -> str:
    out = []
    for child in children:
        if child is None:
            continue
        if isinstance(child, Markup):
            out.append(child)
        elif isinstance(child, (list, tuple)):
            out.append(_children(child, escape))
        else:
            out.append(escape(str(child)))
    return "".join(out)


def join(*parts, sep: str = "") -> Markup:
    return Markup(sep.join(_children([part], html.escape) for part in parts))


def runs_html(line: Line, link=None) -> Markup:
    """A line's HTML; ``link`` rewrites each address (a Wayback copy's), when given."""
    out = []
    for run in line:
        if isinstance(run, Link):
            out.append(h("a", {"href": link(run.href) if link else run.href, "rel": "nofollow"}, run.text))
        elif isinstance(run, Bold):
            out.append(h("b", {}, run.text))
        else:
            out.append(html.escape(run, quote=False))
    return Markup("".join(out))


def comment_html(paragraphs: Sequence[Paragraph], br: str = "<br />", link=None) -> Markup:
    """A comment's HTML as Blogger keeps it: lines joined by <br />, paragraphs by two."""
    return Markup((br + br).join(br.join(runs_html(line, link) for line in paragraph) for paragraph in paragraphs))


def body_html(post: BlogPost, br: str = "<br />", link=None) -> Markup:
    """A post's body HTML in its ``body_style``."""
    paragraphs = [Markup(br.join(runs_html(line, link) for line in paragraph)) for paragraph in post.body]
    if post.body_style == "br":
        return Markup((br + br).join(paragraphs))
    tag = "div" if post.body_style == "div" else "p"
    return Markup("".join(h(tag, {}, paragraph) for paragraph in paragraphs))


# -- drawing blogs ------------------------------------------------------------------------

# Written for this module: plain sentences, and the awkward ones every format must carry
# through (markup characters, quotes, accents, a lost emoji, German).
STOCK = [
    "The new targets arrived this morning and nobody has read them yet.",
    "I have worked in this office for eleven years and never seen morale so low.",
    "Caseloads are up again, and the training budget is down again.",
    "Does anyone know whether the consultation closes on Friday?",
    "Well said, that is exactly how it feels on the ground.",
    "The union meeting is on Tuesday at the usual place.",
    "We were promised a review and got a reorganisation instead.",
    "Three colleagues left last month and none has been replaced.",
    "I read the report twice and still cannot find the evidence for it.",
    "Thanks for posting this, it is the only place we hear anything.",
    "Management will say it is a success whatever the figures show.",
    "Some of us remember when the job was about people, not spreadsheets.",
    "The computer system crashed twice before lunch.",
    "If you want the details, ask your branch secretary.",
    "Nobody asked the staff, as usual.",
    "Targets < outcomes & everyone in the office knows it.",
    "He said \"no comment\" & walked straight out of the meeting.",
    "It's 5 > 3 however you count it, isn't it?",
    "The café opposite the office closed, which says it all.",
    "Lost the emoji again \ufffd but you get the point.",
    "Quotes 'single' and \"double\" and the odd <b>tag</b> typed as text.",
    "Rosé at the leaving do, naïve hopes for the new régime.",
    "Ask for the figures in writing & keep a copy.",
    "Das ist doch Unsinn, oder?",
    "Schöne Grüße aus München, hier ist es genauso.",
    "Wir haben die Zahlen erst gestern bekommen.",
]
LABELS = ["news", "union", "budget", "training", "Reorganisation", "Kommentar", "letters", "Q&A"]
FIRST = ["Alice", "Bob", "Chris", "Dana", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Jürgen", "Zoë"]
LAST = ["Smith", "Jones", "O'Brien", "Müller", "Nguyen", "Brown", "Taylor", "Evans"]
HANDLES = ["Anon", "Getting out", "Old hand", "A PO", "Spartacus", "Just saying", "Netwatcher", "Ex-staff"]


@dataclass
class BlogShape:
    """How much a drawn blog holds, roughly."""

    posts: tuple[int, int] = (1, 6)
    top_level: tuple[int, int] = (0, 12)
    reply_chance: float = 0.35
    replies: tuple[int, int] = (1, 4)
    paragraphs: tuple[int, int] = (1, 3)
    lines: tuple[int, int] = (1, 2)
    sentences: tuple[int, int] = (1, 3)
    page_share: float = 0.15
    draft_share: float = 0.15
    removed_share: float = 0.06
    link_share: float = 0.1


def draw_blog(rng: random.Random, shape: BlogShape = BlogShape(),
              stock: Optional[Sequence[str]] = None) -> tuple[Blog, list[BlogPost]]:
    """A blog and its posts, drawn from ``rng`` (reproducible from its seed).

    Ids are unique, times strictly increase within each thread, a reply always follows
    its parent, drafts have no comments; ``stock`` (sentences) defaults to ``STOCK``.
    """
    stock = list(stock or STOCK)
    blog = draw_blog_settings(rng)
    ids = _Ids(rng)
    people = _people(rng, 8)
    posts = []
    day = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(15 * 365))
    for _ in range(rng.randint(*shape.posts)):
        posts.append(_draw_post(rng, blog, shape, stock, ids, people, day))
        day += dt.timedelta(days=1 + int(rng.expovariate(1 / 20)))
    if posts and all(p.draft or p.kind == "page" for p in posts):
        posts[0] = replace(posts[0], draft=False, kind="post", path=_post_path(posts[0].published, posts[0].title))
    return blog, posts


def draw_blog_settings(rng: random.Random) -> Blog:
    name = rng.choice(["probation-notes", "office-watch", "the-long-view", "kaffeeklatsch", "branch-news"])
    number = rng.randrange(10**17, 10**19)
    author = Author(f"{rng.choice(FIRST)} {rng.choice(LAST)}", "profile", _profile_url(rng))
    return Blog(
        id=str(number),
        title=rng.choice(["On Watch", "Notes from the Office", "Der lange Blick", "Branch News & Views"]),
        url=f"https://{name}.blogspot.com",
        offset=rng.choice(["+00:00", "+01:00", "-07:00", "+05:30", "-05:00"]),
        language=rng.choice(["en", "en", "en-GB", "de"]),
        author=author,
    )


def _profile_url(rng: random.Random) -> str:
    # One profile in four is a Google+ one, as exports of 2011 to 2019 give for
    # authors who had linked it (read from the number drawn: the draws stay as they were).
    number = rng.randrange(10**20)
    if number % 4 == 0:
        return f"https://plus.google.com/1{number:020d}"
    return f"https://www.blogger.com/profile/{number:020d}"


def _people(rng: random.Random, count: int) -> list[Author]:
    people = []
    for _ in range(count):
        if rng.random() < 0.7:
            people.append(Author(f"{rng.choice(FIRST)} {rng.choice(LAST)}", "profile", _profile_url(rng)))
        else:
            url = rng.choice([None, None, f"https://www.example.org/~{rng.randrange(1000)}"])
            people.append(Author(rng.choice(HANDLES), "name", url))
    return people


class _Ids:
    """Blogger-like ids, never the same twice in one blog."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def post(self) -> str:
        return self._new(10**18, 10**19)

    def comment(self) -> str:
        return self._new(10**17, 10**19)

    def _new(self, low: int, high: int) -> str:
        while True:
            value = str(self.rng.randrange(low, high))
            if value not in self.seen:
                self.seen.add(value)
                return value


def _slug(words: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", words.lower())[:6]) or "blog-post"


def _post_path(published: dt.datetime, title: str = "") -> str:
    return f"/{published.year:04d}/{published.month:02d}/{_slug(title) or 'blog-post'}.html"


def _draw_line(rng: random.Random, stock: Sequence[str], shape: BlogShape) -> Line:
    text = " ".join(rng.choice(stock) for _ in range(rng.randint(*shape.sentences)))
    roll = rng.random()
    if roll < shape.link_share:
        href = rng.choice(["https://www.example.org/report?id=42&page=2", "http://news.example.com/a/b.html",
                           "https://www.example.org/search?q=caf%C3%A9&lang=en"])
        label = rng.choice([href, "the report", "here", "this article"])
        return (text + " See ", Link(href, label), " for more.")
    if roll < shape.link_share * 1.5:
        word = rng.choice(["really", "not", "never", "wichtig"])
        return ("It is ", Bold(word), " the point. " + text)
    return (text,)


def _draw_paragraphs(rng: random.Random, stock: Sequence[str], shape: BlogShape) -> tuple:
    return tuple(tuple(_draw_line(rng, stock, shape) for _ in range(rng.randint(*shape.lines)))
                 for _ in range(rng.randint(*shape.paragraphs)))


def _draw_post(rng, blog, shape, stock, ids, people, day: dt.date) -> BlogPost:
    published = dt.datetime(day.year, day.month, day.day, rng.randrange(6, 24), rng.randrange(60), tzinfo=blog.tz)
    kind = "page" if rng.random() < shape.page_share else "post"
    draft = rng.random() < shape.draft_share
    title = "" if rng.random() < 0.05 else " ".join(rng.choice(stock).split()[: rng.randint(2, 6)]).rstrip(".,?!")
    path = f"/p/{_slug(title)}.html" if kind == "page" else _post_path(published, title)
    post = BlogPost(
        id=ids.post(), title=title, path=path, kind=kind, published=published, author=blog.author,
        body=_draw_paragraphs(rng, stock, shape) + _draw_paragraphs(rng, stock, shape),
        labels=tuple(rng.sample(LABELS, rng.randint(0, 3))) if kind == "post" else (),
        draft=draft, updated=published + dt.timedelta(minutes=rng.randrange(0, 5000)),
        body_style=rng.choice(["p", "p", "br", "div"]),
    )
    if not draft:
        post.comments = _draw_comments(rng, blog, post, shape, stock, ids, people + [blog.author])
    return post


def _draw_comments(rng, blog, post, shape, stock, ids, people) -> list[BlogComment]:
    taken: set[int] = set()

    def after(moment: dt.datetime) -> dt.datetime:
        # Most comments come within hours; some weeks or months later, so that a blog's
        # comments, newest first, interleave its posts.
        seconds = rng.expovariate(1 / 7200) if rng.random() < 0.85 else rng.uniform(86400, 200 * 86400)
        gap = dt.timedelta(seconds=seconds + 1, milliseconds=rng.randrange(1000))
        then = moment + gap
        then = then.replace(microsecond=then.microsecond // 1000 * 1000)  # files keep milliseconds
        while epoch_ms(then) in taken:  # distinct instants: a thread's order is its times' order
            then += dt.timedelta(milliseconds=1)
        taken.add(epoch_ms(then))
        return then

    def one(moment: dt.datetime) -> BlogComment:
        author = ANONYMOUS if rng.random() < 0.4 else rng.choice(people)
        removed = rng.random() < shape.removed_share
        paragraphs = () if removed else _draw_paragraphs(rng, stock, shape)
        return BlogComment(ids.comment(), author, after(moment), paragraphs, removed=removed)

    comments: list[BlogComment] = []
    moment = post.published
    for _ in range(rng.randint(*shape.top_level)):
        comment = one(moment)
        moment = comment.published
        if rng.random() < shape.reply_chance:
            last = comment.published
            for _ in range(rng.randint(*shape.replies)):
                reply = one(last)
                comment.replies.append(reply)
                last = reply.published
        comments.append(comment)
    return comments


def from_synth(post: SynthPost, rng: random.Random, blog: Optional[Blog] = None) -> tuple[Blog, BlogPost]:
    """A synthetic dump's post as a ``BlogPost`` of ``blog`` (drawn when None).

    Its text is kept (each paragraph one line, white space collapsed); ids, authors
    and times are drawn, a date the post lacks too. The comments read back as
    ``synth.expected_comments`` says, in every format but the classic page (flat).
    """
    blog = blog or draw_blog_settings(rng)
    ids = _Ids(rng)
    people = _people(rng, 6) + [blog.author]
    day = post.date or (dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(16 * 365)))
    published = dt.datetime(day.year, day.month, day.day, rng.randrange(6, 24), rng.randrange(60), tzinfo=blog.tz)
    title = post.title or ""

    def paragraphs(texts: Sequence[str]) -> tuple:
        return tuple(((" ".join(text.split()),),) for text in texts if text.split())

    quiet = BlogShape(removed_share=0.0)
    blog_post = BlogPost(id=ids.post(), title=title, path=_post_path(published, title), kind="post",
                         published=published, author=blog.author, body=paragraphs(post.body),
                         updated=published)
    # Times and authors are drawn as draw_blog draws them; the text is the dump's.
    drawn = _draw_comments(rng, blog, blog_post, replace(quiet, top_level=(len(post.comments),) * 2,
                                                         reply_chance=0.0),
                           ["x."], ids, people)
    for comment, synth_comment in zip(drawn, post.comments):
        comment.paragraphs = paragraphs(synth_comment.paragraphs)
        last = comment.published
        for reply_paragraphs in synth_comment.replies:
            reply = BlogComment(ids.comment(), ANONYMOUS if rng.random() < 0.4 else rng.choice(people),
                                last + dt.timedelta(seconds=rng.randrange(1, 3600), milliseconds=rng.randrange(1, 1000)),
                                paragraphs(reply_paragraphs))
            comment.replies.append(reply)
            last = reply.published
    blog_post.comments = _retime(drawn)
    return blog, blog_post


def _retime(comments: list[BlogComment]) -> list[BlogComment]:
    """Make every instant in a thread distinct (replies were timed after their parent only)."""
    taken: set[int] = set()
    for comment in comments:
        for item in [comment] + comment.replies:
            while epoch_ms(item.published) in taken:
                item.published += dt.timedelta(milliseconds=1)
            taken.add(epoch_ms(item.published))
    return comments


# -- Blogger's export ----------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
KIND = "http://schemas.google.com/blogger/2008/kind#"
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
THR = "http://purl.org/syndication/thread/1.0"
GD = "http://schemas.google.com/g/2005"
APP = "http://purl.org/atom/app#"
TAKEOUT = "http://schemas.google.com/blogger/2018"
NOREPLY = "noreply@blogger.com"
BLANK_IMG = "https://img1.blogblog.com/img/b16-rounded.gif"


def tag_id(blog: Blog, item_id: str, what: str = "post") -> str:
    """``tag:blogger.com,1999:blog-BLOG.post-ID`` (``what`` = ``page`` for pages)."""
    return f"tag:blogger.com,1999:blog-{blog.id}.{what}-{item_id}"


def post_url(blog: Blog, post: BlogPost) -> str:
    return blog.url + post.path


def comment_url(blog: Blog, post: BlogPost, comment: BlogComment) -> str:
    return f"{post_url(blog, post)}?showComment={epoch_ms(comment.published)}#c{comment.id}"


def removed_notice(comment: BlogComment, language: str) -> str:
    """The notice a page shows for a removed comment (by its author, or by an administrator)."""
    return words(language)["removed_admin" if int(comment.id) % 3 == 0 else "removed_author"]


def render_export(blog: Blog, posts: Sequence[BlogPost], *, one_line: bool = True, declare_app_ns: bool = True,
                  extra: bool = True, app_ns: str = APP) -> bytes:
    """Blogger's export of ``blog``: one Atom feed, as UTF-8 bytes.

    Settings and template entries first (when ``extra``), then pages and posts newest
    first, then every comment newest first, all posts mixed (readers can't rely on
    grouping). ``one_line`` writes it all on one line, as Blogger does; otherwise one
    element a line. ``declare_app_ns=False`` uses the ``app:`` prefix of drafts without
    declaring it anywhere: such a file is well-formed XML but not namespace-well-formed.
    """
    newline = "" if one_line else "\n"
    entries: list[Markup] = []
    if extra:
        entries += _settings_entries(blog, posts)
    for post in sorted(posts, key=lambda p: p.published, reverse=True):
        entries.append(_post_entry(blog, post, declare_app_ns, app_ns, newline))
    comments = [(c, parent, post) for post in posts if not post.draft for c, parent in post.iter_comments()]
    for comment, parent, post in sorted(comments, key=lambda t: t[0].published, reverse=True):
        entries.append(_comment_entry(blog, post, comment, parent, newline))
    times = [p.updated or p.published for p in posts] + [c.published for c, _, _ in comments]
    updated = max(times) if times else dt.datetime(2020, 1, 1, tzinfo=blog.tz)
    feed_attrs = {"xmlns": ATOM, "xmlns:openSearch": "http://a9.com/-/spec/opensearchrss/1.0/",
                  "xmlns:gd": GD, "xmlns:thr": THR, "xmlns:georss": "http://www.georss.org/georss"}
    head = [
        x("id", {}, f"tag:blogger.com,1999:blog-{blog.id}.archive"),
        x("updated", {}, rfc3339(updated)),
        x("title", {"type": "text"}, blog.title),
        x("link", {"rel": "http://schemas.google.com/g/2005#feed", "type": "application/atom+xml",
                   "href": f"https://www.blogger.com/feeds/{blog.id}/archive"}),
        x("link", {"rel": "self", "type": "application/atom+xml",
                   "href": f"https://www.blogger.com/feeds/{blog.id}/archive"}),
        x("link", {"rel": "http://schemas.google.com/g/2005#post", "type": "application/atom+xml",
                   "href": f"https://www.blogger.com/feeds/{blog.id}/archive"}),
        x("link", {"rel": "alternate", "type": "text/html", "href": blog.url + "/"}),
        _author(blog.author),
        x("generator", {"version": "7.00", "uri": "https://www.blogger.com"}, "Blogger"),
    ]
    feed = x("feed", feed_attrs, Markup(newline), Markup(newline.join(head + entries)), Markup(newline))
    prolog = ("<?xml version='1.0' encoding='UTF-8'?>"
              '<?xml-stylesheet href="https://www.blogger.com/styles/atom.css" type="text/css"?>')
    return (prolog + newline + feed + newline).encode("utf-8")


def _author(author: Author) -> Markup:
    uri = None if author.kind == "anonymous" else author.url
    return x("author", {}, x("name", {}, author.name), x("uri", {}, uri) if uri else None, x("email", {}, NOREPLY),
             x("gd:image", {"rel": "http://schemas.google.com/g/2005#thumbnail", "width": "16", "height": "16",
                            "src": BLANK_IMG}))


def _kind(what: str) -> Markup:
    return x("category", {"scheme": KIND_SCHEME, "term": KIND + what})


def _settings_entries(blog: Blog, posts: Sequence[BlogPost]) -> list[Markup]:
    first = min((p.published for p in posts), default=dt.datetime(2008, 1, 1, tzinfo=blog.tz))
    stamp = rfc3339(first)
    template = _template_text(blog)
    entries = [x("entry", {}, x("id", {}, f"tag:blogger.com,1999:blog-{blog.id}.layout"),
                 x("published", {}, stamp), x("updated", {}, stamp), _kind("template"),
                 x("title", {"type": "text"}, f"Template: {blog.title}"),
                 x("content", {"type": "text"}, template),
                 x("link", {"rel": "alternate", "type": "text/html", "href": blog.url + "/"}),
                 _author(blog.author))]
    settings = [("BLOG_NAME", blog.title), ("BLOG_DESCRIPTION", "Posts, comments & replies <since 2008>"),
                ("BLOG_LOCALE", blog.language.replace("-", "_")), ("BLOG_COMMENT_FORM_LOCATION", "EMBEDDED"),
                ("BLOG_POST_FEED", "FULL"), ("BLOG_COMMENT_MESSAGE", "Say what you think: be kind.")]
    for name, value in settings:
        entries.append(x("entry", {}, x("id", {}, f"tag:blogger.com,1999:blog-{blog.id}.settings.{name}"),
                         x("published", {}, stamp), x("updated", {}, stamp), _kind("settings"),
                         x("title", {"type": "text"}, name.replace("_", " ").title()),
                         x("content", {"type": "text"}, value),
                         x("link", {"rel": "edit", "type": "application/atom+xml",
                                    "href": f"https://www.blogger.com/feeds/{blog.id}/settings/{name}"}),
                         _author(blog.author)))
    return entries


def _template_text(blog: Blog) -> str:
    # A template mentions every class a reader looks for, and dates and "said...": a
    # reader that searches the file's text, rather than its entries, is misled.
    return (
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE html>\n"
        "<html b:version='2' class='v2' expr:dir='data:blog.languageDirection' "
        "xmlns='http://www.w3.org/1999/xhtml' xmlns:b='http://www.google.com/2005/gml/b' "
        "xmlns:data='http://www.google.com/2005/gml/data' xmlns:expr='http://www.google.com/2005/gml/expr'>\n"
        f"<head><title><data:blog.pageTitle/></title></head><body>\n"
        "<b:section class='main' id='main' showaddelement='no'>\n"
        "<b:widget id='Blog1' locked='true' title='Blog Posts' type='Blog'>\n"
        "<b:includable id='post' var='post'>\n"
        "<h3 class='post-title entry-title'><data:post.title/></h3>\n"
        "<div class='post-body entry-content' expr:id='&quot;post-body-&quot; + data:post.id'>"
        "<data:post.body/></div>\n"
        "<abbr class='published' expr:title='data:post.timestampISO8601'><data:post.timestamp/></abbr>\n"
        "</b:includable>\n<b:includable id='comments' var='post'>\n"
        "<div id='comment-holder'><b:include name='threadedComments' data='post'/></div>\n"
        "<dl id='comments-block'><dt class='comment-author'><data:comment.author/> said...</dt>"
        "<dd class='comment-body'><p class='comment-content'><data:comment.body/></p></dd>"
        "<dd class='comment-footer'><span class='comment-timestamp'>"
        "<a expr:href='data:comment.url'>March 6, 2014 at 10:23 AM</a></span></dd></dl>\n"
        "<span class='deleted-comment'><data:comment.body/></span>\n"
        "</b:includable>\n</b:widget>\n</b:section>\n</body></html>"
    )


def _post_entry(blog: Blog, post: BlogPost, declare_app_ns: bool, app_ns: str, newline: str) -> Markup:
    what = "page" if post.kind == "page" else "post"
    control = None
    if post.draft:
        control = x("app:control", {"xmlns:app": app_ns if declare_app_ns else None}, x("app:draft", {}, "yes"))
    count = sum(1 for _ in post.iter_comments())
    feed = f"{blog.url}/feeds/{post.id}/comments/default"
    edit = f"https://www.blogger.com/feeds/{blog.id}/{'pages' if what == 'page' else 'posts'}/default/{post.id}"
    children = [
        x("id", {}, tag_id(blog, post.id, what)),
        x("published", {}, rfc3339(post.published)),
        x("updated", {}, rfc3339(post.updated or post.published)),
        control,
        _kind(what),
        *[x("category", {"scheme": LABEL_SCHEME, "term": label}) for label in post.labels],
        x("title", {"type": "text"}, post.title),
        x("content", {"type": "html"}, str(body_html(post))),
        None if post.draft else x("link", {"rel": "replies", "type": "application/atom+xml", "href": feed,
                                           "title": "Post Comments"}),
        None if post.draft else x("link", {"rel": "replies", "type": "text/html",
                                           "href": f"https://www.blogger.com/comment.g?blogID={blog.id}&postID={post.id}",
                                           "title": f"{count} Comments"}),
        x("link", {"rel": "edit", "type": "application/atom+xml", "href": edit}),
        x("link", {"rel": "self", "type": "application/atom+xml", "href": edit}),
        None if post.draft else x("link", {"rel": "alternate", "type": "text/html", "href": post_url(blog, post),
                                           "title": post.title}),
        _author(post.author),
        None if post.draft else x("thr:total", {}, str(count)),
    ]
    return x("entry", {}, Markup(newline.join(c for c in children if c is not None)))


def _comment_entry(blog: Blog, post: BlogPost, comment: BlogComment, parent: Optional[BlogComment],
                   newline: str) -> Markup:
    feed = f"https://www.blogger.com/feeds/{blog.id}/{post.id}/comments/default"
    if comment.removed:
        content = removed_notice(comment, blog.language)
    else:
        content = str(comment_html(comment.paragraphs))
    title = " ".join((removed_notice(comment, blog.language) if comment.removed else plain(comment.paragraphs)).split())
    children = [
        x("id", {}, tag_id(blog, comment.id)),
        x("published", {}, rfc3339(comment.published)),
        x("updated", {}, rfc3339(comment.published)),
        _kind("comment"),
        x("title", {"type": "text"}, title[:50]),
        x("content", {"type": "html"}, content),
        x("link", {"rel": "edit", "type": "application/atom+xml", "href": f"{feed}/{comment.id}"}),
        x("link", {"rel": "self", "type": "application/atom+xml", "href": f"{feed}/{comment.id}"}),
        x("link", {"rel": "alternate", "type": "text/html", "href": comment_url(blog, post, comment), "title": ""}),
        x("link", {"rel": "related", "type": "application/atom+xml", "href": f"{feed}/{parent.id}"}) if parent else None,
        _author(comment.author),
        # A comment on a page names it as post-ID, like any other.
        x("thr:in-reply-to", {"xmlns:thr": THR, "href": post_url(blog, post), "ref": tag_id(blog, post.id),
                              "source": f"https://www.blogger.com/feeds/{blog.id}/posts/default/{post.id}",
                              "type": "text/html"}),
        x("gd:extendedProperty", {"name": "blogger.itemClass", "value": f"pid-{int(comment.id) % 2_000_000_000}"}),
        x("gd:extendedProperty", {"name": "blogger.displayTime",
                                  "value": display_time(comment.published, blog.language)}),
        x("gd:extendedProperty", {"name": "blogger.contentRemoved", "value": "true"}) if comment.removed else None,
    ]
    return x("entry", {}, Markup(newline.join(c for c in children if c is not None)))


# -- Google Takeout ------------------------------------------------------------------------


def render_takeout(blog: Blog, posts: Sequence[BlogPost], *, reply_parent: str = "post") -> bytes:
    """Takeout's ``feed.atom`` for ``blog``, as UTF-8 bytes: times in UTC, no kind categories.

    Posts and pages oldest first, then comments oldest first, all posts mixed. A label's
    category has the blog's tag id as its scheme. A reply's
    ``blogger:inReplyTo`` names its parent comment; its ``blogger:parent`` names the post
    (``reply_parent='post'``) or the parent comment (``'comment'``), both as tag ids.
    A removed comment has the status ``GHOSTED_COMMENT`` and no content, as real Takeout
    feeds give one. Drafts have the status ``DRAFT`` and no file name.
    """
    from lxml import etree

    if reply_parent not in ("post", "comment"):
        raise ValueError(f"reply_parent must be 'post' or 'comment', not {reply_parent!r}")
    b = "{%s}" % TAKEOUT
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM, "blogger": TAKEOUT})
    etree.SubElement(feed, "id").text = f"tag:blogger.com,1999:blog-{blog.id}"
    etree.SubElement(feed, "title").text = blog.title

    def sub(parent, name: str, text: Optional[str] = None, **attrs):
        element = etree.SubElement(parent, name if name.startswith("{") else f"{{{ATOM}}}{name}", **attrs)
        if text is not None:
            element.text = text
        return element

    def author(entry, who: Author) -> None:
        element = sub(entry, "author")
        sub(element, "name", who.name)
        sub(element, "uri", who.url if who.kind != "anonymous" and who.url else "")
        sub(element, b + "type", "BLOGGER" if who.kind == "profile" else "ANONYMOUS")

    for post in sorted(posts, key=lambda p: p.published):
        what = "page" if post.kind == "page" else "post"
        entry = sub(feed, "entry")
        sub(entry, "id", tag_id(blog, post.id, what))
        sub(entry, b + "type", what.upper())
        sub(entry, b + "status", "DRAFT" if post.draft else "LIVE")
        author(entry, post.author)
        sub(entry, "title", post.title)
        sub(entry, "content", str(body_html(post)), type="html")
        sub(entry, b + "created", iso_z(post.published))
        sub(entry, "published", iso_z(post.published))
        sub(entry, "updated", iso_z(post.updated or post.published))
        for label in post.labels:
            sub(entry, "category", scheme=f"tag:blogger.com,1999:blog-{blog.id}", term=label)
        sub(entry, b + "filename", "" if post.draft else post.path)
        sub(entry, b + "trashed", "")
    comments = [(c, parent, post) for post in posts if not post.draft for c, parent in post.iter_comments()]
    for comment, parent, post in sorted(comments, key=lambda t: t[0].published):
        entry = sub(feed, "entry")
        sub(entry, "id", tag_id(blog, comment.id))
        if parent is not None and reply_parent == "comment":
            sub(entry, b + "parent", tag_id(blog, parent.id))
        else:
            sub(entry, b + "parent", tag_id(blog, post.id, "page" if post.kind == "page" else "post"))
        sub(entry, b + "inReplyTo", tag_id(blog, parent.id) if parent is not None else "")
        sub(entry, b + "type", "COMMENT")
        sub(entry, b + "status", "GHOSTED_COMMENT" if comment.removed else "LIVE")
        author(entry, comment.author)
        sub(entry, "title", "")
        sub(entry, "content", None if comment.removed else str(comment_html(comment.paragraphs)), type="html")
        sub(entry, b + "created", iso_z(comment.published))
        sub(entry, "published", iso_z(comment.published))
        sub(entry, "updated", iso_z(comment.published))
        sub(entry, b + "trashed", "")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


# -- saved post pages ---------------------------------------------------------------------


class _Links:
    """Every address a page links to, rewritten as the Wayback Machine rewrites them when asked."""

    def __init__(self, stamp: Optional[str]):
        self.stamp = stamp

    def __call__(self, url: Optional[str], flag: str = "") -> Optional[str]:
        if url is None or not self.stamp or not url.startswith(("http://", "https://", "//")):
            return url
        if url.startswith("//"):
            url = "https:" + url
        return f"/web/{self.stamp}{flag}/{url}"


def wayback_stamp(post: BlogPost) -> str:
    """The capture time of a Wayback copy: 30 days after the last comment, 14 digits, UTC."""
    times = [post.published] + [c.published for c, _ in post.iter_comments()]
    return (max(times) + dt.timedelta(days=30)).astimezone(dt.timezone.utc).strftime("%Y%m%d%H%M%S")


def default_batch(post: BlogPost) -> int:
    """How many comments (replies included) a page with ``loadmore`` holds: half, at least one."""
    return max(1, sum(1 for _ in post.iter_comments()) // 2)


def batch_ids(post: BlogPost, batch: Optional[int]) -> Optional[set[str]]:
    """Ids of the first ``batch`` comments in time order, replies included (None: all)."""
    if batch is None:
        return None
    ordered = sorted((c for c, _ in post.iter_comments()), key=lambda c: c.published)
    return {c.id for c in ordered[:batch]}


def render_threaded_page(blog: Blog, post: BlogPost, *, wayback: bool = False, loadmore: bool = False,
                         language: Optional[str] = None, batch: Optional[int] = None, abbr: bool = True,
                         reply_wrapper: bool = True, custom: bool = False) -> bytes:
    """A saved post page with Blogger's threaded comments (2012 on), as UTF-8 bytes.

    ``language`` (default: the blog's) sets the date header, the comment times, the
    action links and the notices. ``loadmore`` shows ``div.loadmore`` and keeps only
    the first ``batch`` comments in time order (default ``default_batch``). ``abbr``
    gives the post an ``abbr.published[title]`` timestamp. ``reply_wrapper`` puts a
    thread's replies in a ``div`` inside ``ol#cID-ra``, as Blogger does. ``wayback``
    rewrites links with ``/web/TIMESTAMP/`` and adds the archive's toolbar. ``custom``
    is a template of the blog's own: no microdata (the blog's and post's ids only in
    Blogger's links), no date header, and the post's timestamp shows the day.
    """
    language = language or blog.language
    if post.draft:
        raise ValueError("a draft has no page")
    if loadmore and batch is None:
        batch = default_batch(post)
    keep = batch_ids(post, batch if loadmore else None)
    link = _Links(wayback_stamp(post) if wayback else None)
    say = words(language)
    count = sum(1 for _ in post.iter_comments())

    def cite(author: Author) -> Markup:
        name = say["anonymous"] if author.kind == "anonymous" else author.name
        if author.url and author.kind != "anonymous":
            return h("cite", {"class": "user"}, h("a", {"href": link(author.url), "rel": "nofollow"}, name))
        return h("cite", {"class": "user"}, name)

    def item(comment: BlogComment, replies: list[BlogComment], top: bool) -> Markup:
        cid = f"c{comment.id}"
        own = comment.author.kind == "profile" and comment.author.url == blog.author.url
        text = (h("span", {"class": "deleted-comment"}, removed_notice(comment, language)) if comment.removed
                else comment_html(comment.paragraphs, "<br/>", link))
        delete = h("span", {"class": f"item-control blog-admin blog-admin pid-{int(comment.id) % 2_000_000_000}"},
                   h("a", {"target": "_self", "href": link(f"https://www.blogger.com/delete-comment.g?blogID={blog.id}"
                                                           f"&postID={comment.id}")}, say["delete"]))
        actions = h("span", {"class": "comment-actions secondary-text"},
                    h("a", {"class": "comment-reply", "target": "_self", "data-comment-id": comment.id}, say["reply"])
                    if top else None, delete)
        inner = [item(reply, [], False) for reply in replies]
        chrome = join(h("div", {}, *inner) if reply_wrapper else join(*inner),
                      h("div", {"id": f"{cid}-continue", "class": "continue"},
                        h("a", {"class": "comment-reply", "target": "_self", "data-comment-id": comment.id},
                          say["reply"])))
        thread = h("div", {"id": f"{cid}-rt", "class": "comment-thread inline-thread" + ("" if replies else " hidden")},
                   h("span", {"class": "thread-toggle thread-expanded"}, h("span", {"class": "thread-arrow"}),
                     h("span", {"class": "thread-count"}, h("a", {"target": "_self"}, say["replies"]))),
                   h("ol", {"id": f"{cid}-ra", "class": "thread-chrome thread-expanded"}, chrome))
        avatar = ("//resources.blogblog.com/img/blank.gif" if comment.author.kind != "profile"
                  else "//www.blogger.com/img/blogger_logo_round_35.png")
        return h("li", {"class": "comment", "id": cid},
                 h("div", {"class": "avatar-image-container"}, h("img", {"src": link(avatar, "im_"), "alt": ""})),
                 h("div", {"class": "comment-block"},
                   h("div", {"class": "comment-header"}, cite(comment.author),
                     h("span", {"class": "icon user" + (" blog-author" if own else "")}),
                     h("span", {"class": "datetime secondary-text"},
                       h("a", {"rel": "nofollow", "href": link(comment_url(blog, post, comment))},
                         display_time(comment.published, language)))),
                   h("p", {"class": "comment-content"}, text), actions),
                 h("div", {"class": "comment-replies"}, thread),
                 h("div", {"id": f"{cid}-ce", "class": "comment-replybox-single"}))

    shown = []
    for comment in post.comments:
        if keep is not None and comment.id not in keep:
            continue
        replies = [r for r in comment.replies if keep is None or r.id in keep]
        shown.append(item(comment, replies, True))
    holder = h("div", {"id": "comment-holder"},
               h("div", {"class": "comment-thread toplevel-thread"}, h("ol", {"id": "top-ra"}, *shown)),
               h("div", {"id": "top-continue", "class": "continue"},
                 h("a", {"class": "comment-reply", "target": "_self"}, say["add"])),
               h("div", {"class": "comment-replybox-thread", "id": "top-ce"}),
               # Blogger shows "load more" only when the page does not hold every comment.
               h("div", {"class": "loadmore" + ("" if keep is not None and len(keep) < count else " hidden"),
                         "data-post-id": post.id},
                 h("a", {"target": "_self"}, say["more"])))
    comments = h("div", {"class": "comments", "id": "comments"}, h("a", {"name": "comments"}),
                 h("h4", {}, _count_heading(count, say)),
                 h("div", {"class": "comments-content"},
                   h("script", {"async": "async", "src": "", "type": "text/javascript"}),
                   h("script", {"type": "text/javascript"}, Markup(_COMMENTS_SCRIPT % {"post": json.dumps(post.id)})),
                   holder),
                 h("p", {"class": "comment-footer"}),
                 h("div", {"class": "comment-form"}, h("a", {"name": "comment-form"}),
                   h("h4", {"id": "comment-post-message"}, say["post_comment"]),
                   h("a", {"href": link(f"https://www.blogger.com/comment/frame/{blog.id}?po={post.id}&hl={language}"),
                           "id": "comment-editor-src"}),
                   h("iframe", {"id": "comment-editor", "name": "comment-editor", "src": "", "height": "410px",
                                "width": "100%"})))
    return _page(blog, post, language, link, comments, abbr=abbr, wayback=wayback, custom=custom)


def render_classic_page(blog: Blog, post: BlogPost, *, wayback: bool = False, language: Optional[str] = None,
                        abbr: bool = True, custom: bool = False) -> bytes:
    """A saved post page with Blogger's classic comments: one flat list in time order.

    Replies are comments like any other here (``expected_classic``): the markup has no
    nesting. A removed comment shows ``span.deleted-comment``. ``custom`` as for
    ``render_threaded_page``.
    """
    language = language or blog.language
    if post.draft:
        raise ValueError("a draft has no page")
    link = _Links(wayback_stamp(post) if wayback else None)
    say = words(language)
    flat = sorted((c for c, _ in post.iter_comments()), key=lambda c: c.published)
    block = []
    for comment in flat:
        cid = f"c{comment.id}"
        author = comment.author
        name = say["anonymous"] if author.kind == "anonymous" else author.name
        who = (h("a", {"href": link(author.url), "rel": "nofollow"}, name)
               if author.url and author.kind != "anonymous" else name)
        own = author.kind == "profile" and author.url == blog.author.url
        text = (h("span", {"class": "deleted-comment"}, removed_notice(comment, language)) if comment.removed
                else comment_html(comment.paragraphs, "<br/>", link))
        block.append(join(
            h("dt", {"class": "comment-author" + (" blog-author" if own else ""), "id": cid},
              h("div", {"class": "avatar-image-container avatar-stock"},
                h("span", {"dir": "ltr"}, h("img", {"src": link("//resources.blogblog.com/img/blank.gif", "im_"),
                                                    "width": "35", "height": "35", "alt": "", "title": name}))),
              h("a", {"name": cid}), Markup("\n"), who, Markup("\n"), say["said"], Markup("\n")),
            Markup("\n"),
            h("dd", {"class": "comment-body", "id": f"Blog1_cmt-{comment.id}"}, h("p", {}, text)),
            Markup("\n"),
            h("dd", {"class": "comment-footer"},
              h("span", {"class": "comment-timestamp"},
                h("a", {"href": link(comment_url(blog, post, comment)), "title": "comment permalink"},
                  display_time(comment.published, language)),
                h("span", {"class": f"item-control blog-admin pid-{int(comment.id) % 2_000_000_000}"},
                  h("a", {"class": "comment-delete", "title": "Delete Comment",
                          "href": link(f"https://www.blogger.com/delete-comment.g?blogID={blog.id}&postID={comment.id}")},
                    h("img", {"src": link("https://resources.blogblog.com/img/icon_delete13.gif", "im_")}))))),
            Markup("\n")))
    comments = h("div", {"class": "comments", "id": "comments"}, h("a", {"name": "comments"}),
                 h("h4", {}, _count_heading(len(flat), say)),
                 h("div", {"id": "Blog1_comments-block-wrapper"},
                   h("dl", {"class": "avatar-comment-indent", "id": "comments-block"}, Markup("\n"), *block)),
                 h("p", {"class": "comment-footer"},
                   h("a", {"href": link(f"https://www.blogger.com/comment.g?blogID={blog.id}&postID={post.id}"),
                           "onclick": ""}, say["post_comment"])))
    return _page(blog, post, language, link, comments, abbr=abbr, wayback=wayback, custom=custom)


def _count_heading(count: int, say: dict) -> str:
    if count == 0:
        return say["no_comments"]
    return say["one_comment"] if count == 1 else say["comments"].format(n=count)


_COMMENTS_SCRIPT = """
(function() {
  var items = null; var msgs = null; var config = {};
  // <![CDATA[
  var postId = %(post)s;
  var bodyFromEntry = function(entry) {
    if (entry.gd$extendedProperty) {
      for (var k in entry.gd$extendedProperty) {
        if (entry.gd$extendedProperty[k].name == 'blogger.contentRemoved') {
          return '<span class="deleted-comment">' + entry.content.$t + '<\\/span>';
        }
      }
    }
    return entry.content.$t;
  };
  var render = function() {
    var holder = document.getElementById('comment-holder');
    if (window.goog && window.goog.comments) { window.goog.comments.render(holder, {id: postId}); }
  };
  render();
  // ]]>
})();
"""

_HEAD_SCRIPT = """
var _gaq = _gaq || [];
window['__wavt'] = 'AOuZoY4';
var comments = '<li class="comment" id="c0"><p class="comment-content">not a comment<\\/p><\\/li>';
"""

_CSS = """
body { font: normal normal 13px Arial, sans-serif; }
.comments .comment-thread.inline-thread { background-color: #f9f9f9; }
.comments .comment-content { text-align: justify; }
.post-body img { padding: 2px; }
.date-header span { text-transform: uppercase; }
"""

_WAYBACK_HEAD = """
  __wm.init("https://web.archive.org/web");
  __wm.wombat("%(url)s","%(stamp)s","https://web.archive.org/","web","/_static/");
"""


def _page(blog: Blog, post: BlogPost, language: str, link: _Links, comments: Markup, *, abbr: bool,
          wayback: bool, custom: bool = False) -> bytes:
    say = words(language)
    url = post_url(blog, post)
    local = post.published.astimezone(blog.tz)
    author = post.author
    labels = None
    if post.labels:
        tags = [h("a", {"href": link(f"{blog.url}/search/label/{label}"), "rel": "tag"}, label) for label in post.labels]
        labels = h("span", {"class": "post-labels"}, say["labels"] + " ", join(*tags, sep=", "))
    shown = date_header(local.date(), language) if custom else clock(local, language)
    stamp = h("abbr", {"class": "published", "itemprop": "datePublished", "title": local.isoformat(timespec="seconds")},
              shown) if abbr else h("span", {"class": "timestamp"}, shown)
    share = h("div", {"class": "post-share-buttons"}, *(
        h("a", {"class": f"share-button sb-{target}", "target": "_blank", "title": title,
                "href": link(f"https://www.blogger.com/share-post.g?blogID={blog.id}&postID={post.id}&target={target}")},
          h("span", {"class": "share-button-link-text"}, title))
        for target, title in (("email", "Email This"), ("blog", "BlogThis!"))))
    article = h(
        "div", {"class": "date-outer"},
        None if custom else h("h2", {"class": "date-header"}, h("span", {}, date_header(local.date(), language))),
        h("div", {"class": "date-posts"}, h("div", {"class": "post-outer"}, h(
            "div", {"class": "post hentry uncustomized-post-template", "itemprop": "blogPost", "itemscope": "itemscope",
                    "itemtype": "http://schema.org/BlogPosting"},
            None if custom else h("meta", {"content": blog.id, "itemprop": "blogId"}),
            None if custom else h("meta", {"content": post.id, "itemprop": "postId"}),
            h("a", {"name": post.id}),
            h("h3", {"class": "post-title entry-title", "itemprop": "name"}, post.title),
            h("div", {"class": "post-header"}, h("div", {"class": "post-header-line-1"})),
            h("div", {"class": "post-body entry-content", "id": f"post-body-{post.id}",
                      "itemprop": "description articleBody"}, body_html(post, "<br/>", link),
              h("div", {"style": "clear: both;"})),
            h("div", {"class": "post-footer"}, h(
                "div", {"class": "post-footer-line post-footer-line-1"},
                h("span", {"class": "post-author vcard"}, say["posted_by"] + " ",
                  h("span", {"class": "fn", "itemprop": "author", "itemscope": "itemscope",
                             "itemtype": "http://schema.org/Person"},
                    h("meta", {"content": link(author.url), "itemprop": "url"}),
                    h("a", {"class": "g-profile", "href": link(author.url), "rel": "author", "title": "author profile"},
                      h("span", {"itemprop": "name"}, author.name)))),
                " ",
                h("span", {"class": "post-timestamp"}, say["at"] + " ", h("meta", {"content": url, "itemprop": "url"}),
                  h("a", {"class": "timestamp-link", "href": link(url), "rel": "bookmark", "title": "permanent link"},
                    stamp)),
                " ", labels), share)),
            comments)))
    sidebar = _sidebar(blog, post, say, link)
    head = [
        h("meta", {"content": "width=1100", "name": "viewport"}),
        h("meta", {"content": "text/html; charset=UTF-8", "http-equiv": "Content-Type"}),
        h("meta", {"content": "blogger", "name": "generator"}),
        h("link", {"href": link(blog.url + "/favicon.ico"), "rel": "icon", "type": "image/x-icon"}),
        h("link", {"href": link(url), "rel": "canonical"}),
        h("link", {"rel": "alternate", "type": "application/atom+xml", "title": f"{blog.title} - Atom",
                   "href": link(blog.url + "/feeds/posts/default")}),
        h("link", {"rel": "service.post", "type": "application/atom+xml", "title": f"{blog.title} - Atom",
                   "href": link(f"https://www.blogger.com/feeds/{blog.id}/posts/default")}),
        h("meta", {"content": url, "property": "og:url"}),
        h("meta", {"content": post.title, "property": "og:title"}),
        h("meta", {"content": plain(post.body)[:150], "property": "og:description"}),
        h("title", {}, f"{blog.title}: {post.title}" if post.title else blog.title),
        h("style", {"id": "page-skin-1", "type": "text/css"}, Markup(_CSS)),
        h("script", {"type": "text/javascript"}, Markup(_HEAD_SCRIPT)),
    ]
    if wayback:
        head = [h("script", {"src": "//archive.org/includes/athena.js", "type": "text/javascript"}),
                h("script", {"type": "text/javascript"},
                  Markup(_WAYBACK_HEAD % {"url": json.dumps(url)[1:-1], "stamp": link.stamp})),
                h("link", {"rel": "stylesheet", "type": "text/css", "href": "/_static/css/banner-styles.css?v=1"})] + head
    body = [
        _wayback_toolbar(url, link.stamp, post) if wayback else None,
        h("div", {"class": "navbar section", "id": "navbar", "name": "Navbar"},
          h("div", {"class": "widget Navbar", "data-version": "1", "id": "Navbar1"},
            h("script", {"type": "text/javascript"}, Markup("\nfunction setAttributeOnload(object, attribute, val) {}\n")),
            h("div", {"id": "navbar-iframe-container"}))),
        h("div", {"class": "content"}, h("div", {"class": "content-outer"},
          h("header", {}, h("div", {"class": "header section", "id": "header"},
            h("div", {"class": "widget Header", "id": "Header1"},
              h("h1", {"class": "title"}, h("a", {"href": link(blog.url + "/")}, blog.title)),
              h("p", {"class": "description"}, h("span", {}, "Posts, comments & replies since 2008"))))),
          h("div", {"class": "main-outer"}, h("div", {"class": "main-inner columns"},
            h("div", {"class": "column-center-outer"}, h("div", {"class": "main section", "id": "main"},
              h("div", {"class": "widget Blog", "data-version": "1", "id": "Blog1"},
                h("div", {"class": "blog-posts hfeed"}, article),
                h("div", {"class": "blog-pager", "id": "blog-pager"},
                  h("a", {"class": "home-link", "href": link(blog.url + "/")}, say["home"]))))),
            h("div", {"class": "column-right-outer"}, h("aside", {}, sidebar)))))),
        h("script", {"type": "text/javascript"},
          Markup(f"\nwindow.setTimeout(function() {{ document.body.className = "
                 f"document.body.className.replace('loading', ''); }}, 10);\n")),
    ]
    document = join(
        Markup("<!DOCTYPE html>\n"),
        h("html", {"class": "v2", "dir": "ltr", "lang": language, "xmlns": "http://www.w3.org/1999/xhtml"},
          Markup("\n"), h("head", {}, *head), Markup("\n"),
          h("body", {"class": "loading"}, *[join(part, Markup("\n")) for part in body if part is not None])),
        Markup("\n"),
        Markup(f"<!--\n     FILE ARCHIVED ON {link.stamp} AND RETRIEVED FROM THE INTERNET ARCHIVE\n-->\n")
        if wayback else None)
    return document.encode("utf-8")


def _sidebar(blog: Blog, post: BlogPost, say: dict, link: _Links) -> Markup:
    # Widgets that hold post titles, snippets, dates and profile links: furniture a
    # reader must not take for the post or its comments.
    return h("div", {"class": "sidebar section", "id": "sidebar-right-1"},
             h("div", {"class": "widget PopularPosts", "id": "PopularPosts1"},
               h("h2", {}, say["popular"]),
               h("div", {"class": "widget-content popular-posts"}, h("ul", {}, h("li", {},
                 h("div", {"class": "item-title"}, h("a", {"href": link(blog.url + "/2013/01/older-post.html")},
                                                     "An older post: 6 comments")),
                 h("div", {"class": "item-snippet"}, "Someone said... this is not a comment on this page."))))),
             h("div", {"class": "widget Profile", "id": "Profile1"},
               h("h2", {}, say["about"]),
               h("div", {"class": "widget-content"},
                 h("a", {"class": "profile-name-link g-profile", "href": link(blog.author.url), "rel": "author"},
                   blog.author.name))),
             h("div", {"class": "widget BlogArchive", "id": "BlogArchive1"},
               h("h2", {}, say["archive"]),
               h("ul", {"class": "hierarchy"}, h("li", {"class": "archivedate expanded"},
                 h("a", {"class": "post-count-link", "href": link(f"{blog.url}/{post.published.year}/")},
                   str(post.published.year)),
                 h("span", {"class": "post-count", "dir": "ltr"}, "(12)")))))


def _wayback_toolbar(url: str, stamp: str, post: BlogPost) -> Markup:
    when = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S")
    return join(
        Markup("<!-- BEGIN WAYBACK TOOLBAR INSERT -->\n"),
        h("div", {"id": "wm-ipp-base", "lang": "en", "style": "display:none;direction:ltr;"},
          h("div", {"id": "wm-ipp", "style": "position:fixed;left:0;top:0;right:0;"},
            h("div", {"id": "wm-capinfo"},
              h("a", {"href": f"/web/{stamp}*/{url}"}, "17 captures"),
              h("div", {}, f"{when.day} {when.strftime('%b')} {when.year} - {when.day} {when.strftime('%b')} "
                           f"{when.year + 3}")),
            h("table", {"id": "wm-ipp-inside"}, h("tr", {}, h("td", {"class": "n"},
              h("a", {"href": f"/web/{stamp}/{url}"}, when.strftime("%b")),
              h("span", {}, str(when.year))))))),
        Markup("\n<!-- END WAYBACK TOOLBAR INSERT -->"))


# -- what a reader must produce -------------------------------------------------------------

FORMATS = ("export", "takeout", "threaded", "classic")


def author_view(author: Author) -> Optional[dict]:
    """``None`` for an anonymous commenter (or one who typed "Anon" and no website);
    otherwise name, profile_url and kind."""
    if author.kind == "anonymous" or (author.url is None and author.name.split()[0].lower() in ("anon", "anonymous")):
        return None
    return {"name": author.name, "profile_url": author.url, "kind": author.kind}


def _when(moment: dt.datetime, fmt: str, blog: Blog) -> str:
    if fmt == "export":
        return rfc3339(moment.astimezone(blog.tz))
    return rfc3339(moment.astimezone(dt.timezone.utc))


def expected(blog: Blog, post: BlogPost, fmt: str, *, loadmore: bool = False, batch: Optional[int] = None,
             abbr: bool = True) -> Optional[dict]:
    """What a reader must make of ``post`` rendered as ``fmt`` (one of ``FORMATS``); None for a draft.

    Returns ``{"post": {...}, "comments": [...], "complete": bool}``. The post has
    ``remote_id``, ``title`` (None when empty), ``url`` (absolute; Takeout: the file
    name path only, the file names no host), ``kind``, ``published``, ``published_at``,
    ``author``, ``labels`` and ``body`` (text). Comments are in reading order, each with
    ``remote_id``, ``path`` (``3``, ``3.2``), ``parent`` (path or None), ``text`` (``""``
    when removed), ``author`` (None: anonymous), ``published_at`` and ``deleted``. The
    classic page is flat: every comment top-level, in time order. ``loadmore``/``batch``
    as given to ``render_threaded_page``: only the comments the page holds, and
    ``complete`` False.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    if post.draft:
        return None
    if fmt in ("threaded", "classic"):
        at = post.published.astimezone(blog.tz)
        published_at = rfc3339(at.replace(microsecond=0)) if abbr else None
        published = at.date().isoformat()
    else:
        published_at = _when(post.published, fmt, blog)
        published = published_at[:10]
    view = {
        "remote_id": post.id,
        "title": post.title or None,
        "url": post.path if fmt == "takeout" else post_url(blog, post),
        "kind": post.kind,
        "published": published,
        "published_at": published_at,
        "author": author_view(post.author),
        "labels": list(post.labels),
        "body": plain(post.body),
    }

    def comment_view(comment: BlogComment, path: str, parent: Optional[str]) -> dict:
        return {"remote_id": comment.id, "path": path, "parent": parent,
                "text": "" if comment.removed else plain(comment.paragraphs),
                "author": author_view(comment.author), "published_at": _when(comment.published, fmt, blog),
                "deleted": comment.removed}

    comments = []
    complete = True
    if fmt == "classic":
        flat = sorted((c for c, _ in post.iter_comments()), key=lambda c: c.published)
        comments = [comment_view(c, str(n), None) for n, c in enumerate(flat, start=1)]
    else:
        keep = None
        if fmt == "threaded" and loadmore:
            keep = batch_ids(post, batch if batch is not None else default_batch(post))
            complete = len(keep) == sum(1 for _ in post.iter_comments())
        number = 0
        for comment in post.comments:
            if keep is not None and comment.id not in keep:
                continue
            number += 1
            comments.append(comment_view(comment, str(number), None))
            reply_number = 0
            for reply in comment.replies:
                if keep is not None and reply.id not in keep:
                    continue
                reply_number += 1
                comments.append(comment_view(reply, f"{number}.{reply_number}", str(number)))
    return {"post": view, "comments": comments, "complete": complete}


def expected_classic(blog: Blog, post: BlogPost, *, abbr: bool = True) -> Optional[dict]:
    """``expected`` for a classic page: the same comments, flat, in time order."""
    return expected(blog, post, "classic", abbr=abbr)


def expected_blog(blog: Blog, posts: Sequence[BlogPost], fmt: str) -> list[dict]:
    """``expected`` for every post of a file that holds a whole blog (export, Takeout), drafts left out.

    In the file's order is not promised: sorted by ``remote_id``.
    """
    views = [expected(blog, post, fmt) for post in posts]
    return sorted((v for v in views if v is not None), key=lambda v: v["post"]["remote_id"])
