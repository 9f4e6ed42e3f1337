"""Reading a saved post page: one Blogger post and its comments, from its HTML.

Pages saved from a browser, a web mirror (wget, HTTrack) or the Wayback Machine
hold one post. Two comment markups are read:

- threaded (2012 on): ``div#comment-holder``, top-level comments ``li.comment`` in
  ``ol#top-ra``, each with ``cite.user`` (the author, a link to the profile when
  there is one), ``span.datetime a[href*=showComment]`` (the exact time, in epoch
  milliseconds) and ``p.comment-content``; its replies ``li.comment`` in its own
  ``div.comment-replies``. ``div.loadmore`` neither hidden nor loaded means the page
  holds only the first comments. A browser saves the comments as Blogger's script
  redraws them: the same classes, the ids of the script's own on the ``li`` and its
  lists, the comment's ``cID`` on its ``div.comment-block``;
- classic: ``dl#comments-block``, each comment a ``dt.comment-author#cID`` ("NAME
  said..."), ``dd.comment-body`` and ``dd.comment-footer`` with the time's link; no
  nesting.

The post: ``meta[itemprop=postId]`` or ``div#post-body-ID`` (else the anchor at the top
of the post, ``<a name='ID'>``, or the post's comment form's link), ``.post-title``,
``.post-body``, ``abbr.published[title]`` where the template has it, else the date
header or, without one, ``.post-timestamp`` when it shows a date, and
``link[rel=canonical]``; the blog's id from ``meta[itemprop=blogId]``, else from
Blogger's links about the post (``?blogID=B&postID=P``). A Wayback copy's links
lose their ``/web/TIMESTAMP/`` prefix. The page is parsed by lxml's HTML parser,
which recovers broken markup as browsers do; nothing in it is fetched or run.
"""
from __future__ import annotations

import re
from typing import Optional
from urllib.parse import parse_qs, urlsplit

import lxml.etree
import lxml.html

from ..model import Issue
from .blogger import Entry, RemoteThread, author_of, from_epoch_ms, iso_time, shown_clock
from .html import html_parser

THREADED = "threaded"
CLASSIC = "classic"
# A Wayback Machine address: /web/20140601000000/https://..., with or without its host,
# the time stamp perhaps followed by a flag (im_, js_).
_WAYBACK = re.compile(r"^(?:https?://web\.archive\.org)?/web/\d{1,14}[a-z_]*/", re.I)
_COMMENT_ID = re.compile(r"^c(\d+)$")
# Where a page declares its encoding: a meta's charset, or an XML declaration's encoding.
_DECLARED = re.compile(rb"charset|<\?xml[^>]*encoding", re.I)
_DECLARATION_BYTES = 64 * 1024
_POST_BODY_ID = re.compile(r"^post-body-(\d+)$")
# "NAME said..." in the languages of Blogger's classic pages.
_SAID = re.compile(r"\s+(?:said|hat gesagt|a dit|dijo|ha detto|zei|disse|sa|sagde|skrev|napisał)\s*(?:\.\.\.|…|:)?$",
                   re.I)


class PageError(Exception):
    """A page that holds no Blogger post."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


class PageOfPosts(PageError):
    """A page of the blog that lists several posts (its home page, a label's or a
    month's, as a web mirror saves them): no post's own page, and none of its comments."""

    def __init__(self, posts: int):
        super().__init__(1, f"a page of the blog that lists {posts} posts (its home page, a label's or a month's)")


def read_page(data: bytes) -> tuple[RemoteThread, str, list[Issue]]:
    """The post and comments of a saved page, its markup (THREADED, CLASSIC, or None
    when it has no comments section), and remarks. Raises PageError when the page
    holds no Blogger post."""
    try:
        document = lxml.html.document_fromstring(_undeclared_utf8(data), parser=html_parser())
    except (lxml.etree.ParserError, ValueError) as error:
        raise PageError(1, f"not a readable HTML page: {error}")
    post = _post(document)
    issues: list[Issue] = []
    # The comments sections, in document order: a threaded holder is read before a
    # classic block wherever it stands.
    sections = document.xpath("//*[@id='comment-holder'] | //dl[@id='comments-block']")
    holder = next((s for s in sections if s.get("id") == "comment-holder"), None)
    block = next((s for s in sections if s.tag == "dl" and s.get("id") == "comments-block"), None)
    if len(sections) > 1:
        issues.append(Issue(sections[1].sourceline or 1, "second-comments-section",
                            f"the page has {len(sections)} comments sections: only the "
                            f"{'threaded' if holder is not None else 'first'} one is read"))
    complete = True
    if holder is not None:
        markup, comments = THREADED, _threaded(holder)
        loadmore = _first(holder, ".//div[contains(concat(' ', normalize-space(@class), ' '), ' loadmore ')]")
        if loadmore is not None and not {"hidden", "loaded"} & set((loadmore.get("class") or "").split()):
            complete = False
            issues.append(Issue(loadmore.sourceline or 1, "incomplete-page",
                                "the page holds only the first comments (Blogger's \"load more\" is shown): "
                                "others may be missing"))
    elif block is not None:
        markup, comments = CLASSIC, _classic(block)
    else:
        markup, comments = None, []
    for comment in comments:
        comment.post_id = post.remote_id
    return RemoteThread(post, comments, complete), markup, issues


def _undeclared_utf8(data: bytes):
    """The page as text when it is UTF-8 and says nothing of its encoding (no BOM, no
    ``charset`` before its body, no XML declaration of one), which the parser would
    otherwise read as Latin-1; else its bytes, for the parser to decode as declared."""
    head = data[:_DECLARATION_BYTES]
    body = head.lower().find(b"<body")
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or _DECLARED.search(
            head if body < 0 else head[:body]):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def unwayback(url: Optional[str]) -> Optional[str]:
    """An address as the blog had it, without a Wayback copy's prefix."""
    if not url:
        return url
    return _WAYBACK.sub("", url.strip(), count=1) or None


def _first(element, path: str):
    found = element.xpath(path)
    return found[0] if found else None


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _post(document) -> Entry:
    bodies = document.xpath(f"//div[{_has_class('post-body')}]")
    if len(bodies) > 1:
        raise PageOfPosts(len(bodies))
    body = bodies[0] if bodies else None
    remote_id = None
    meta = _first(document, "//meta[@itemprop='postId']")
    if meta is not None:
        remote_id = (meta.get("content") or "").strip() or None
    if remote_id is None and body is not None:
        match = _POST_BODY_ID.match(body.get("id") or "")
        remote_id = match[1] if match else _anchor_id(body) or _comment_form_id(document)
    if body is None or remote_id is None:
        raise PageError(1, "an HTML page that is not a saved Blogger post page (no post body with a post id)")
    title = _first(document, f"//*[{_has_class('post-title')}]")
    canonical = _first(document, "//link[@rel='canonical']")
    abbr = _first(document, f"//abbr[{_has_class('published')}]")
    # The day: the date header, else the post's timestamp, which a template without a
    # header may show as a date (or as a time only: then the post stays undated).
    header = _first(document, f"//*[{_has_class('date-header')}]")
    if header is None:
        header = _first(document, f"//*[{_has_class('post-timestamp')}]")
    blog = _first(document, "//meta[@itemprop='blogId']")
    blog_id = (blog.get("content") or None) if blog is not None else None
    author = _first(document, f"//*[{_has_class('post-author')}]")
    author_link = author.xpath(".//a[@href]") if author is not None else []
    author_name = author.xpath(f".//*[@itemprop='name']") if author is not None else []
    name = (author_name[0].text_content() if author_name else
            author_link[0].text_content() if author_link else None)
    labels = tuple(" ".join(a.text_content().split()) for a in
                   document.xpath(f"//*[{_has_class('post-labels')}]//a[@rel='tag']"))
    url = unwayback(canonical.get("href")) if canonical is not None else None
    return Entry(
        kind="page" if url and _url_path(url).startswith("/p/") else "post",
        remote_id=remote_id,
        line=body.sourceline or 1,
        blog_id=blog_id or _blog_in_links(document, remote_id),
        published_at=iso_time(abbr.get("title")) if abbr is not None else None,
        title=" ".join(title.text_content().split()) if title is not None else "",
        content=_inner_html(body),
        url=url,
        author=author_of(name, unwayback(author_link[0].get("href")) if author_link else None) if name else None,
        labels=labels,
        date_text=" ".join(header.text_content().split()) if header is not None else None,
    )


def _anchor_id(body) -> Optional[str]:
    """The post's id from the anchor Blogger's templates put at the top of a post
    (``<a name='ID'>``, a number), looked for around the body up to the post's own
    element (``.post``, ``.hentry``, ``.post-outer``, ``article``), never beyond it; a
    comment's anchor (``c`` and a number) is not one, nor an anchor in the post's text."""
    for ancestor in body.iterancestors():
        names = [a.get("name") for a in ancestor.iter("a")
                 if (a.get("name") or "").isdigit() and body not in a.iterancestors()]
        if names:
            return names[0]
        if ancestor.tag == "article" or {"post", "hentry", "post-outer"} & set((ancestor.get("class") or "").split()):
            return None
    return None


def _comment_form_id(document) -> Optional[str]:
    """The post's id from the link of its comment form (``a#comment-editor-src``,
    ``comment-iframe.g?blogID=B&postID=P``, ``pageID=P`` for a static page)."""
    link = _first(document, "//a[@id='comment-editor-src'][@href]")
    if link is None:
        return None
    query = _query(link.get("href"))
    post = (query.get("postID") or query.get("pageID") or [""])[0].strip()
    return post if post.isdigit() else None


def _blog_in_links(document, post_id: str) -> Optional[str]:
    """The blog's id as Blogger's own links about this post give it (share, e-mail,
    edit, comment form: ``?blogID=B&postID=P``, ``pageID=P`` for a static page), for a
    template without the page's microdata."""
    for href in document.xpath("//a[contains(@href, 'blogID=')]/@href"):
        query = _query(href)
        blog = query.get("blogID", [""])[0].strip()
        post = (query.get("postID") or query.get("pageID") or [""])[0].strip()
        if post == post_id and blog.isdigit():
            return blog
    return None


def _inner_html(element) -> str:
    """An element's content as HTML, made text by the same rule as every file's HTML."""
    text = element.text or ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped + "".join(lxml.html.tostring(child, encoding="unicode", with_tail=True) for child in element)


def _threaded(holder) -> list[Entry]:
    """The comments of ``div#comment-holder``: each ``li.comment`` not inside another
    is a top-level comment, those inside its ``div.comment-replies`` its replies. So
    both the markup Blogger sends (``ol#top-ra``) and the one its script draws from it,
    which a browser saves (``ol#bc_0_…`` and no id on the ``li``), are read."""
    out = []
    comment = _has_class("comment")
    for item in holder.xpath(f".//li[{comment}][not(ancestor::li[{comment}])]"):
        comment_entry = _threaded_comment(item)
        if comment_entry is None:
            continue
        out.append(comment_entry)
        replies = item.xpath(f"./div[{_has_class('comment-replies')}]//li[{comment}]")
        for reply_item in replies:
            reply = _threaded_comment(reply_item)
            if reply is not None:
                reply.parent_id = comment_entry.remote_id
                out.append(reply)
    return out


def _threaded_comment(item) -> Optional[Entry]:
    """A ``li.comment``'s comment; its id is the ``li``'s (``cID``), or, as Blogger's
    script draws it, its ``div.comment-block``'s."""
    block = _first(item, f"./div[{_has_class('comment-block')}]")
    match = _COMMENT_ID.match(item.get("id") or "") or _COMMENT_ID.match(
        block.get("id") or "" if block is not None else "")
    if not match:
        return None
    block = item if block is None else block
    cite = _first(block, f".//cite[{_has_class('user')}]")
    link = _first(cite, ".//a[@href]") if cite is not None else None
    name = cite.text_content() if cite is not None else None
    content = _first(block, f".//*[{_has_class('comment-content')}]")
    deleted = content is not None and bool(content.xpath(f".//*[{_has_class('deleted-comment')}]"))
    # The time as shown is the link's text; the exact time is in its address, which on a
    # static page (/p/) is the page's own, without showComment.
    time = _first(block, f".//*[{_has_class('datetime')}]//a")
    shown, twelve_hour = shown_clock(time.text_content() if time is not None else None)
    return Entry(
        kind="comment", remote_id=match[1], line=item.sourceline or 1,
        published_at=_shown_time(time.get("href")) if time is not None else None,
        content="" if deleted or content is None else _inner_html(content),
        author=author_of(name, unwayback(link.get("href")) if link is not None else None),
        deleted=deleted, shown_time=shown, twelve_hour=twelve_hour,
    )


def _classic(block) -> list[Entry]:
    out: list[Entry] = []
    current: Optional[Entry] = None
    for child in block:
        if not isinstance(child.tag, str):
            continue
        classes = (child.get("class") or "").split()
        if child.tag == "dt" and "comment-author" in classes:
            match = _COMMENT_ID.match(child.get("id") or "")
            current = None
            if match:
                # The author's link, not the one around the avatar's picture before it.
                link = _first(child, f".//a[@href][not(ancestor::*[{_has_class('avatar-image-container')}])]")
                name = link.text_content() if link is not None else _said_name(child)
                current = Entry(kind="comment", remote_id=match[1], line=child.sourceline or 1,
                                author=author_of(name, unwayback(link.get("href")) if link is not None else None))
                out.append(current)
        elif current is not None and child.tag == "dd" and "comment-body" in classes:
            if child.xpath(f".//*[{_has_class('deleted-comment')}]"):
                current.deleted, current.content = True, ""
            else:
                paragraph = _first(child, "./p")
                current.content = _inner_html(paragraph if paragraph is not None and len(child) == 1 else child)
        elif current is not None and child.tag == "dd" and "comment-footer" in classes:
            time = _first(child, ".//a[contains(@href, 'showComment=')]")
            if time is not None:
                current.published_at = _shown_time(time.get("href"))
                current.shown_time, current.twelve_hour = shown_clock(time.text_content())
    return out


def _said_name(dt_element) -> str:
    """The name in "NAME said...": the first line of the element's own text.

    The words after it ("said...", "hat gesagt…") are in the blog's language; the
    name stands on a line of its own, or before them on the same line.
    """
    texts = [dt_element.text or ""] + [child.tail or "" for child in dt_element]
    lines = [line.strip() for text in texts for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    if len(lines) > 1:
        return lines[0]
    named = _SAID.sub("", lines[0])
    if named == lines[0]:  # a language not listed: the verb is the last word, ending in dots
        words = named.split()
        named = " ".join(words[:-1]) if len(words) > 1 and words[-1].endswith(("...", "…")) else named
    return named


def _shown_time(href: Optional[str]) -> Optional[str]:
    """The exact time of a comment from its link's ``showComment`` milliseconds."""
    if not href:
        return None
    values = _query(unwayback(href)).get("showComment")
    if not values or not values[0].isdigit():
        return None
    try:
        return from_epoch_ms(int(values[0]))
    except (OverflowError, ValueError):  # no time a calendar has: none
        return None


def _url_path(url: str) -> str:
    """The path of an address; none for an address that is no URL."""
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _query(href: Optional[str]) -> dict[str, list[str]]:
    """The query of a link's address, by name; none for an address that is no URL
    ("http://[oops/", as a page from the internet may hold)."""
    try:
        return parse_qs(urlsplit(href or "").query)
    except ValueError:
        return {}
