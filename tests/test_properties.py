"""Property tests: whatever the input, the parser never raises and loses nothing;
whatever post is rendered in a layout, the parser reads back exactly that post.

Glued Reply/Delete markers are the exception: in recombined sentences nothing tells
their two placements apart, so such a post is read back exactly when read in the
placement it was written in, and the parser's own choice is one of the two readings,
whole, never a mixture."""
import datetime as dt

from hypothesis import given, strategies as st

from pipeline.store.audit import find_lost_text
from pipeline.parse import parse_bytes
from pipeline.read.decode import decode_bytes
from pipeline.read.split import FIRST_LINE, TRAILING, read_glued
from pipeline.read.threads import build_thread
from pipeline.tools.synth import (Rendering, SynthComment, SynthPost, expected_comments, expected_text, render,
                                  sentences_from)

from .conftest import RAW, norm

PLACEMENTS = (FIRST_LINE, TRAILING)
STOCK = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))

sentence = st.sampled_from(STOCK)
paragraph = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
paragraphs = st.lists(paragraph, min_size=1, max_size=3)
comment = st.builds(SynthComment, paragraphs, st.lists(paragraphs, max_size=4))
title = st.none() | st.lists(st.sampled_from(["Latest", "From", "Napo", "The", "War", "Goes", "On", "15", "TR"]),
                            min_size=1, max_size=6).map(" ".join)
date = st.none() | st.dates(dt.date(2005, 1, 1), dt.date(2030, 12, 31))
# A body opens with a sentence ending in a full stop, so that without a header its
# first line can't be taken for a title.
body = st.tuples(sentence.filter(lambda s: s.endswith(".") and not s.endswith("..")), st.lists(paragraph, max_size=4)).map(
    lambda t: [t[0]] + t[1])
posts = st.builds(SynthPost, date, title, body, st.lists(comment, max_size=8))
renderings = st.one_of(
    st.builds(Rendering, layout=st.just("numbered"), date_style=st.sampled_from(["comma", "no-comma", "us"]),
              count_line=st.booleans(), action_lines=st.booleans(),
              first_item=st.sampled_from(["normal", "deep", "lost"]), crlf=st.booleans(),
              encoding=st.sampled_from(["utf-8", "utf-8-sig"])),
    st.builds(Rendering, layout=st.just("blogger-actions"), placement=st.sampled_from(PLACEMENTS), crlf=st.booleans()),
)


def kept(parsed):
    post = parsed.post
    return [post.date_line, post.title, post.body] + [c.body for c in parsed.comments]


@given(posts, renderings)
def test_rendered_posts_read_back_exactly(post, how):
    parsed = parse_bytes("synthetic.txt", render(post, how))
    layout = how.layout if post.comments else "plain"
    assert parsed.layout == layout
    assert parsed.post.title == (post.title if post.date or post.title else None)
    if post.date:
        assert (parsed.post.published, parsed.post.published_source) == (post.date.isoformat(), "header")
    else:  # sentences recombined at random may still date a post: then it says so
        assert parsed.post.published_source in (None, "inferred")
    got = [(c.path, c.parent_path, norm(c.body)) for c in parsed.comments]
    if parsed.layout == "blogger-actions":
        assert norm(" ".join([parsed.post.body] + [c.body for c in parsed.comments])) == expected_text(post)
        assert got == read_as(parsed.text, parsed.placement)
        assert {i.kind for i in parsed.issues} <= {"placement", "first-comment", "truncated"}
    else:
        assert norm(parsed.post.body) == norm(" ".join(post.body))
        assert got == expected_comments(post)
        assert [i for i in parsed.issues if i.kind != "count"] == []
    assert find_lost_text(parsed.text, kept(parsed)) is None


def read_as(text, placement):
    """The comments of a glued dump read in ``placement``, as (path, parent, text)."""
    comments, _ = build_thread(read_glued(text.split("\n"), placement).comments)
    return [(c.path, c.parent_path, norm(c.body)) for c in comments]


@given(posts.filter(lambda post: post.comments), st.sampled_from(PLACEMENTS), st.booleans())
def test_glued_markers_read_back_exactly_in_their_placement(post, placement, crlf):
    data = render(post, Rendering(layout="blogger-actions", placement=placement, crlf=crlf))
    got = read_as(decode_bytes(data).text, placement)
    want = expected_comments(post)
    if placement == TRAILING:
        # Nothing marks where the first comment starts: only its place and its end are certain.
        (path, parent, text), (want_path, want_parent, want_text) = got[0], want[0]
        assert (path, parent) == (want_path, want_parent)
        assert text.endswith(want_text) or want_text.endswith(text)
        got, want = got[1:], want[1:]
    assert got == want


@given(st.binary(max_size=4000))
def test_any_bytes_parse_without_raising(data):
    parsed = parse_bytes("bytes.txt", data)
    if parsed.post is not None:
        assert find_lost_text(parsed.text, kept(parsed)) is None
    else:
        assert parsed.failed


# Text made of pieces of layout as well as any characters, so that half-formed
# headers, items and markers are tried.
pieces = st.text(max_size=20) | st.sampled_from(
    ["\n", "  ", "    ", "1. ", "2. ", "ReplyDelete", "Delete", "Thursday, 6 March 2014", ":", "\r\n", "\ufffd"])


@given(st.lists(pieces, max_size=60).map("".join))
def test_any_text_parses_without_raising_and_loses_nothing(text):
    parsed = parse_bytes("text.txt", text.encode("utf-8", errors="surrogatepass"))
    if parsed.post is not None:
        assert find_lost_text(parsed.text, kept(parsed)) is None
