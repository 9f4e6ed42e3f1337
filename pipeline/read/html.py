"""HTML to plain text, and parsers for markup from the internet that trust nothing in it.

Post and comment text in Blogger's files is HTML. It becomes plain text by one rule,
the text a reader sees with its paragraphs and line breaks:

1. every run of white space in a text node is one space (a line break in the source
   is not one on the page); character references are decoded;
2. ``<br>`` is a line break;
3. a block element (``p div blockquote ul ol li dl dt dd h1``-``h6 pre table tr``)
   starts and ends a paragraph, so ``</p><p>`` and ``<br><br>`` are both a blank line;
4. a link keeps its text (what the page showed), other inline elements theirs;
5. scripts, styles, frames, objects and images give nothing;
6. each line is stripped of white space (a non-breaking space too: a line of
   nothing else is blank), runs of blank lines are one, none at either end.

Nothing of the markup is kept: what is stored is text, which a page escapes when it
shows it. Parsers here never fetch anything and never expand entities defined in a
file; XML is held to libxml2's safe limits, and HTML, which defines no entities,
may nest 2,048 deep (``html_parser``).
"""
from __future__ import annotations

import re
import threading

import lxml.etree
import lxml.html

BLOCKS = frozenset({"p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
                    "h6", "pre", "table", "tr"})
SILENT = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "img", "head", "title"})
_RUN_OF_SPACES = re.compile("  +")


def one_space(text: str) -> str:
    """Every run of HTML's white space (space, tab, line feed, carriage return, form
    feed) in ``text`` as one space; other white space, such as a non-breaking space,
    kept. Most text nodes have no run at all, so this looks for each before changing
    anything: several times faster than one regular expression over every character."""
    for c in "\n\t\r\f":
        if c in text:
            text = text.replace(c, " ")
    return _RUN_OF_SPACES.sub(" ", text) if "  " in text else text


def html_parser() -> lxml.html.HTMLParser:
    """An HTML parser for files from the internet: no network, comments and processing
    instructions dropped, broken markup recovered as browsers do.

    Elements may nest 2,048 deep, not libxml2's usual 256 (``huge_tree``): text pasted
    from a word processor nests that deep, and past the limit the parser drops the
    rest of the document. HTML defines no entities of a file's own, so the limits
    on entity expansion that ``huge_tree`` also lifts do not apply to it.
    """
    return lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=True,
                                recover=True)


def xml_parser_options() -> dict:
    """Options for lxml's XML parsers that make a hostile file harmless: entities a file
    defines are not expanded (libxml2 also caps their amplification), no DTD or
    external file is loaded, nothing is fetched, and broken markup is recovered."""
    return dict(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, recover=True,
                remove_comments=True, remove_pis=True)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a comment's or a post's content), by the rule above."""
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        return tidy(one_space(fragment))
    # Parsed as the body of a document, as lxml.html's fragment parser does, but with
    # lxml's own elements: lxml.html's call Python for every element made.
    opening = fragment.lstrip()[:9].lower()
    if not opening.startswith(("<html", "<!doctype")):
        fragment = "<html><body>" + fragment + "</body></html>"
    try:
        root = lxml.etree.fromstring(fragment, _fragment_parser())
    except (lxml.etree.LxmlError, ValueError):
        return ""
    if root is None:
        return ""
    bodies = [child for child in root if child.tag == "body"]
    if len(bodies) != 1:
        return element_text(root)  # a whole document with no body, or with several: all its text
    body = bodies[0]
    if body.text and not body.text.strip():
        body.text = None  # as lxml.html's parser: white space alone before the first element is not text
    return element_text(body)


_PARSERS = threading.local()


def _fragment_parser() -> lxml.etree.HTMLParser:
    """``html_parser``'s options, with lxml's own elements; one per thread, as a parser
    may be used by one thread at a time and costs more to make than a comment to parse."""
    parser = getattr(_PARSERS, "fragment", None)
    if parser is None:
        parser = _PARSERS.fragment = lxml.etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                                           huge_tree=True, recover=True)
    return parser


def element_text(element) -> str:
    """Plain text of an element's content (the element itself is not a block)."""
    pieces: list[str] = []
    if element.text:
        pieces.append(one_space(element.text))
    # Depth first, by a stack rather than recursion: text pasted from a word processor
    # nests thousands deep. Each element entered leaves what is to follow its content
    # (a paragraph's end for a block, then its tail).
    stack: list[tuple] = [(iter(element), ())]
    while stack:
        child = next(stack[-1][0], None)
        if child is None:
            pieces.extend(stack.pop()[1])
            continue
        tail = (one_space(child.tail),) if child.tail else ()
        tag = child.tag.lower() if isinstance(child.tag, str) else None
        if tag is None or tag in SILENT:  # a comment or processing instruction left in; a script, an image
            pieces.extend(tail)
        elif tag == "br":
            pieces.append("\n")
            pieces.extend(tail)
        else:
            block = tag in BLOCKS
            if block:
                pieces.append("\n\n")
            if child.text:
                pieces.append(one_space(child.text))
            stack.append((iter(child), ("\n\n", *tail) if block else tail))
    return tidy("".join(pieces))


def tidy(text: str) -> str:
    """Lines stripped of white space, runs of blank lines made one, none at either end.

    A non-breaking space at a line's edge is stripped too, and a line of nothing else
    is blank: Blogger's editor writes ``<div>&nbsp;</div>`` for an empty line and
    ``&nbsp;`` after a last word, which a reader sees as nothing (and a text dump of
    the same page holds as nothing).
    """
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
