"""The SVG charts and the text pieces the reading pages are made of."""
import re

import pytest
from hypothesis import example, given, strategies as st

from pipeline.serve import charts
from pipeline.serve.text import (MARK_CLOSE, MARK_OPEN, Piece, Ref, body_paragraphs, link_pieces, marked, safe_url,
                                 show_date, show_time)

from .html_tree import parse


def marks(svg):
    tree, _ = parse(str(svg))
    return [(m.attrs["data-label"], m.attrs["data-value"], float(m.attrs.get("height", 0) or 0))
            for m in tree.find_all(where=lambda n: n.tag in ("rect", "circle"))]


def test_bars_carry_their_numbers_and_heights_in_proportion():
    svg = charts.bar_chart([("2014-01", 3), ("2014-02", 0), ("2014-03", 12)], name="t", title="Posts")
    found = marks(svg)
    assert [(label, value) for label, value, _ in found] == [("2014-01", "3"), ("2014-02", "0"), ("2014-03", "12")]
    heights = [h for _, _, h in found]
    assert heights[1] == 0 and heights[2] == pytest.approx(4 * heights[0], rel=0.01)
    assert 'role="img"' in svg and "<title" in svg


def test_chart_text_is_escaped():
    svg = charts.bar_chart([("<script>x</script>", 1)], name='"><b', title="<img src=x onerror=y>",
                           description="a & b", label=lambda key: key)
    assert "<script>" not in svg and "<img" not in svg and '"><b' not in svg
    tree, attrs = parse(str(svg))
    assert not any(name.startswith("on") for _, name, _ in attrs)
    assert tree.find("title").text() == "<img src=x onerror=y>"


def test_line_breaks_where_a_value_is_missing():
    svg = charts.line_chart([("a", 1), ("b", 2), ("c", None), ("d", 1.5), ("e", 2.25)], name="l", title="t")
    assert len(re.findall("<polyline", svg)) == 2
    assert [v for _, v, _ in marks(svg)] == ["1", "2", "1.5", "2.2"]


@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=400))
@example([275, 6001])  # top and height rounded apart once passed the axis
def test_every_bar_fits_the_axis(values):
    svg = charts.bar_chart([(str(k), v) for k, v in enumerate(values)], name="p", title="t")
    tree, _ = parse(str(svg))
    top = charts.TOP
    bottom = charts.HEIGHT - charts.BOTTOM
    for rect in tree.find_all("rect"):
        y, h = float(rect.attrs["y"]), float(rect.attrs["height"])
        assert top - 0.01 <= y and y + h <= bottom + 0.01
    ticks = charts.nice_ticks(max(values))
    assert ticks[0] == 0 and ticks[-1] >= max(values) and len(ticks) <= 12


def test_months_are_filled_between_the_first_and_the_last():
    assert charts.fill_months({"2013-11": 2, "2014-02": 5}) == [
        ("2013-11", 2), ("2013-12", 0), ("2014-01", 0), ("2014-02", 5)]
    assert charts.fill_months({}) == []


@pytest.mark.parametrize("url, safe", [
    ("https://example.org/a?b=1&c=2", True), ("http://x.org", True), ("HTTPS://X.ORG/", True),
    ("javascript:alert(1)", False), (" javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>", False), ("vbscript:x", False), ("//evil.org/x", False), ("https://", False),
    ("http://exa mple.org", False), ("https://x.org/\nfoo", False), ("", False), (None, False),
])
def test_only_http_and_https_addresses_are_links(url, safe):
    assert (safe_url(url) is not None) == safe


def test_addresses_in_text_become_link_pieces_without_their_closing_punctuation():
    pieces = link_pieces("See https://example.org/a_(b) and (https://x.org/y). Or javascript:alert(1).")
    links = [p for p in pieces if p.kind == "url"]
    assert [p.href for p in links] == ["https://example.org/a_(b)", "https://x.org/y"]
    text = "See https://example.org/a_(b) and (https://x.org/y). Or javascript:alert(1)."
    assert "".join(p.text for p in pieces) == text


def test_body_becomes_paragraphs_of_lines_with_references_in_place():
    body = "First line @Anon 9:19\nsecond line\n\nA new paragraph, to the post."
    refs = [Ref(11, 21, 42, False), Ref(len(body) - 9, len(body) - 1, None, True), Ref(0, 5, None, False, 2)]
    paragraphs = body_paragraphs(body, refs)
    assert len(paragraphs) == 2 and len(paragraphs[0]) == 2
    first = paragraphs[0][0]
    assert first[0] == Piece("First", "unresolved", note="2 comments fit: which one is meant cannot be told")
    assert Piece("@Anon 9:19", "ref", target="c42") in first
    assert paragraphs[1][0][-2] == Piece("the post", "ref", target="post")
    # Nothing of the text is lost or added.
    text = "\n\n".join("\n".join("".join(p.text for p in line) for line in para) for para in paragraphs)
    assert text == body


@given(st.text(max_size=300), st.lists(st.tuples(st.integers(-5, 320), st.integers(-5, 320)), max_size=6))
def test_any_body_and_references_keep_the_text(body, spans):
    refs = [Ref(a, b, 1, False) for a, b in spans]
    paragraphs = body_paragraphs(body, refs)
    shown = "".join(p.text for para in paragraphs for line in para for p in line)
    # Only white space goes: the blank lines between paragraphs, a line break inside a reference.
    assert re.sub(r"\s", "", shown) == re.sub(r"\s", "", body)


def test_snippet_marks_become_runs():
    snippet = f"a {MARK_OPEN}union{MARK_CLOSE} of <b> and {MARK_OPEN}unions{MARK_CLOSE}…"
    assert marked(snippet) == [("a ", False), ("union", True), (" of <b> and ", False), ("unions", True),
                               ("…", False)]
    assert marked(None) == []


def test_times_and_dates_as_a_reader_reads_them():
    assert show_time("2010-10-16T22:15:37.489-07:00") == "16 Oct 2010, 22:15"
    assert show_time("not a time") is None and show_time(None) is None
    assert show_date("2014-03-06") == "6 March 2014"
    assert show_date("2024-05") == "May 2024" and show_date("2015") == "2015"
