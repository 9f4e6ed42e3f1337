"""Property tests: whatever the input, the parser never raises and loses nothing;
whatever post is rendered in a layout, the parser reads back exactly that post."""
import datetime as dt

from hypothesis import given, strategies as st

from pipeline.store.audit import find_lost_text
from pipeline.parse import parse_bytes
from pipeline.tools.synth import Rendering, SynthComment, SynthPost, expected_comments, render, sentences_from

from .conftest import RAW, norm

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
    st.builds(Rendering, layout=st.just("blogger-actions"), crlf=st.booleans()),
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
    assert norm(parsed.post.body) == norm(" ".join(post.body))
    got = [(c.path, c.parent_path, norm(c.body)) for c in parsed.comments]
    assert got == expected_comments(post)
    assert [i for i in parsed.issues if i.kind != "count"] == []
    assert find_lost_text(parsed.text, kept(parsed)) is None


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
