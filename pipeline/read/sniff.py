"""Which kind of file a raw file is, told from its content, never from its name.

One reader per kind: a text dump (``split``), Blogger's export or a Takeout feed
(``feed``), a saved post page (``page``). The first bytes of a file are enough to
choose: an Atom feed declares its namespaces and Blogger's ids on its first lines,
and a page starts as HTML does. The reader chosen then decides whether the file
really is one of its kind (a page that Blogger did not make is refused by ``page``;
a JSON document by the dump reader). A blog's template, which Takeout saves beside
its feed, is a kind of its own: recognised, and left out as no post.
"""
from __future__ import annotations

DUMP = "dump"
EXPORT = "blogger-export"
TAKEOUT = "takeout"
PAGE = "page"
OTHER = "other"  # XML that is neither Blogger's export nor a Takeout feed
TEMPLATE = "blogger-template"  # a blog's template (Takeout's theme-classic.html, theme-layouts.xml)

# How much of a file is looked at.
SNIFF_BYTES = 16 * 1024
_MARKUP_STARTS = (b"<?xml", b"<feed", b"<!doctype", b"<html", b"<!--", b"<head", b"<body", b"<rss")
# Tags only a template holds: a page Blogger rendered from it has them replaced (its
# <html> may still declare the b: and data: namespaces). Layouts templates have
# <b:skin>, <b:include>, <b:section> and <data:...> tags; classic ones <$BlogPageTitle$>
# and the like.
_TEMPLATE_TAGS = (b"<b:skin", b"<b:include", b"<b:section", b"<data:blog.", b"<$blog")


def sniff(head: bytes) -> str:
    """The kind of a file, from its first bytes (``SNIFF_BYTES`` of them)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16, as a feed saved by another tool may be (its parser reads it as it is);
        # other markup in UTF-16 goes to the dump reader, which decodes it and says what it is.
        kind = sniff(head.decode("utf-16", "ignore").encode("utf-8"))
        return kind if is_feed(kind) else DUMP
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(_MARKUP_STARTS):
        return DUMP
    if b"<feed" in text:
        if b"schemas.google.com/blogger/2018" in text:
            return TAKEOUT
        if b"tag:blogger.com,1999:blog-" in text:
            return EXPORT
        return OTHER
    if any(tag in text for tag in _TEMPLATE_TAGS):
        return TEMPLATE
    if b"<html" in text or b"<!doctype html" in text or b"<body" in text or b"<head" in text:
        return PAGE
    return OTHER


def is_feed(kind: str) -> bool:
    """Whether files of this kind hold a whole blog: many posts."""
    return kind in (EXPORT, TAKEOUT)
