"""The layouts and variants FORMATS.md describes that no sample shows.

Each test rewrites a sample into a variant (another header, another rendering of the
comment list, another encoding) and checks that the parser reads the same post and
comments out of it as the gold file says the sample holds.
"""
import codecs

import pytest

from pipeline.parse import parse_bytes

from .conftest import gold_view, load_gold, parsed_view, sample_path

NUMBERED = ["000_a04ef07ac41940ba.json", "001_1f9ec539c5090330.json",
            "002_8a5aa0765c243ef5.json", "003_92b3ed089a46f2e7.json"]
GLUED = "004_f41891cd9d906480.json"


def sample(name):
    gold = load_gold(name)
    return gold, sample_path(gold).read_text(encoding="utf-8")


def parse_text(text, encoding="utf-8"):
    return parse_bytes("variant.txt", text.encode(encoding))


def expect(gold, **changes):
    view = gold_view(gold)
    view.update(changes)
    return view


def read(text, gold, encoding="utf-8"):
    view = parsed_view(parse_text(text, encoding))
    if not gold.get("published"):
        view["published"] = None
    return view


# -- headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NUMBERED)
def test_header_without_comma(name):
    gold, text = sample(name)
    date_line = gold["date_line"].replace(",", "", 1)
    text = text.replace(gold["date_line"], date_line, 1)
    assert read(text, gold) == expect(gold, date_line=date_line)


@pytest.mark.parametrize("name", NUMBERED)
def test_header_in_us_order(name):
    gold, text = sample(name)
    weekday, rest = gold["date_line"].split(", ")
    day, month, year = rest.split()
    date_line = f"{weekday}, {month} {day}, {year}"
    text = text.replace(gold["date_line"], date_line, 1)
    assert read(text, gold) == expect(gold, date_line=date_line)


@pytest.mark.parametrize("name", NUMBERED)
def test_untitled_post(name):
    gold, text = sample(name)
    lines = text.split("\n")
    assert lines[2] == gold["title"]
    lines[2] = ""
    assert read("\n".join(lines), gold) == expect(gold, title=None)


@pytest.mark.parametrize("name", NUMBERED)
def test_title_alone_without_date(name):
    gold, text = sample(name)
    lines = text.split("\n")[2:]
    assert read("\n".join(lines), gold) == expect(gold, date_line=None, published=None)


@pytest.mark.parametrize("name", ["000_a04ef07ac41940ba.json", "003_92b3ed089a46f2e7.json"])
def test_no_header(name):
    # Only samples whose first body line could not be a title (it ends ":-"); a
    # short first line over a blank one is a title by the format's own rule.
    gold, text = sample(name)
    lines = text.split("\n")[4:]
    parsed = parse_text("\n".join(lines))
    assert parsed_view(parsed) == expect(gold, date_line=None, published=None, title=None)


def test_short_first_line_over_a_blank_is_a_title():
    parsed = parse_text("Strike Called\n\nThe ballot closed today.\n")
    assert (parsed.post.title, parsed.post.body) == ("Strike Called", "The ballot closed today.")


def test_weekday_disagreeing_with_date_is_kept_and_reported():
    gold, text = sample(NUMBERED[0])
    text = text.replace("Thursday, 6 March 2014", "Friday, 6 March 2014", 1)
    parsed = parse_text(text)
    assert parsed.post.published == "2014-03-06"
    assert [(i.line, i.kind) for i in parsed.issues] == [(1, "weekday")]
    assert "Friday" in parsed.issues[0].message and "Thursday" in parsed.issues[0].message


# -- the numbered list ------------------------------------------------------------------


def comment_spans(text):
    """Line spans (0-based, inclusive) and kinds of each comment, as parsed."""
    parsed = parse_text(text)
    return [(c.first_line - 1, c.last_line - 1, c.parent_path is not None) for c in parsed.comments]


def test_first_item_lost_its_number():
    name = "000_a04ef07ac41940ba.json"
    gold, text = sample(name)
    assert "\n    1. Chris Grayling" in text
    text = text.replace("\n    1. Chris Grayling", "\n    Chris Grayling", 1)
    assert read(text, gold) == expect(gold)


@pytest.mark.parametrize("name", NUMBERED[1:])
def test_first_item_one_level_too_deep(name):
    gold, text = sample(name)
    lines = text.split("\n")
    first, last, _ = comment_spans(text)[0]
    for i in range(first, last + 1):
        if lines[i].strip():
            lines[i] = "  " + lines[i]
    assert lines[first].startswith("    1. ")
    assert read("\n".join(lines), gold) == expect(gold)


@pytest.mark.parametrize("name", NUMBERED)
def test_count_line_before_the_list(name):
    gold, text = sample(name)
    lines = text.split("\n")
    first = comment_spans(text)[0][0]
    lines[first:first] = [f"{len(gold['comments'])} comments:", ""]
    assert read("\n".join(lines), gold) == expect(gold)


@pytest.mark.parametrize("name", NUMBERED)
def test_action_links_on_their_own_lines(name):
    gold, text = sample(name)
    lines = text.split("\n")
    for first, last, is_reply in reversed(comment_spans(text)):
        lines.insert(last + 1, "      Delete" if is_reply else "    ReplyDelete")
    assert read("\n".join(lines), gold) == expect(gold)


def test_body_with_its_own_numbered_list():
    text = ("Monday, 2 June 2014\n\nThree Points\n\nWe ask for:\n\n  1. pay\n\n  2. staff\n\n"
            "  3. time\n\nThat is all.\n\n  1. First comment\n\n    1. A reply\n\n  2. Second comment\n")
    parsed = parse_text(text)
    assert "  3. time" in parsed.post.body and parsed.post.body.endswith("That is all.")
    assert [(c.path, c.body) for c in parsed.comments] == [
        ("1", "First comment"), ("1.1", "A reply"), ("2", "Second comment")]


def test_quoted_text_and_paragraphs_stay_in_the_comment():
    text = ("Monday, 2 June 2014\n\nT\n\nBody.\n\n  1. I read this:\n\n      quoted line\n\n"
            "    My answer.\n\n    1. Reply line one\n\n      Reply paragraph two\n")
    parsed = parse_text(text)
    assert [(c.path, c.body) for c in parsed.comments] == [
        ("1", "I read this:\n\n  quoted line\n\nMy answer."),
        ("1.1", "Reply line one\n\nReply paragraph two"),
    ]


# -- glued markers --------------------------------------------------------------------


def trailing_rendering(text):
    """Rewrite a first-line placement dump with each marker after its comment."""
    parsed = parse_text(text)
    lines = text.split("\n")
    out = lines[:parsed.comments[0].first_line - 1]
    marker = None
    for comment in parsed.comments:
        body = comment.body.split("\n")
        if marker:
            body[0] = marker + body[0]
        out.extend(body)
        marker = "Delete" if comment.parent_path else "ReplyDelete"
    out.append(marker)
    return "\n".join(out)


def test_glued_markers_first_line_placement():
    gold, text = sample(GLUED)
    parsed = parse_text(text)
    assert (parsed.layout, parsed.placement) == ("blogger-actions", "first-line")


def test_glued_markers_trailing_placement():
    gold, text = sample(GLUED)
    parsed = parse_text(trailing_rendering(text))
    assert (parsed.layout, parsed.placement) == ("blogger-actions", "trailing")
    view = parsed_view(parsed)
    # Nothing marks where the first comment starts under this placement: the parser
    # takes the one line above the first marker, so only its start can differ.
    assert view["comments"][1:] == gold["comments"][1:]
    assert view["comments"][0]["last"] == gold["comments"][0]["last"]


def test_delete_at_line_start_is_text_outside_the_layout():
    text = "Monday, 2 June 2014\n\nT\n\nBody.\n\n  1. Fill the form in.\n    Delete as appropriate.\n"
    parsed = parse_text(text)
    assert parsed.comments[0].body == "Fill the form in.\nDelete as appropriate."


# -- encodings and line ends ----------------------------------------------------------


@pytest.mark.parametrize("name", NUMBERED + [GLUED])
def test_crlf_line_ends(name):
    gold, text = sample(name)
    assert read(text.replace("\n", "\r\n"), gold) == expect(gold)


@pytest.mark.parametrize("name", NUMBERED + [GLUED])
def test_utf8_bom(name):
    gold, text = sample(name)
    parsed = parse_bytes("bom.txt", codecs.BOM_UTF8 + text.encode("utf-8"))
    assert parsed.encoding == "utf-8-sig"
    view = parsed_view(parsed)
    if not gold.get("published"):
        view["published"] = None
    assert view == expect(gold)


@pytest.mark.parametrize("name", NUMBERED[:3] + [GLUED])
def test_cp1252(name):
    gold, text = sample(name)
    parsed = parse_bytes("cp1252.txt", text.encode("cp1252"))
    assert parsed.encoding == "cp1252"
    view = parsed_view(parsed)
    if not gold.get("published"):
        view["published"] = None
    assert view == expect(gold)


def test_comments_quoted_in_the_body_stay_in_the_body():
    text = ("Friday, 3 May 2019\n\nPick of the Week\n\nSome of what you said:\n\n*****\n\n"
            "\"The service is broken.\"\n\n*****\n\n\"Not in my office.\"\n\n*****\n")
    parsed = parse_text(text)
    assert (parsed.layout, parsed.comments) == ("plain", [])
    assert "Not in my office" in parsed.post.body
    assert "*****" in parsed.layout_note


@pytest.mark.parametrize("seed", range(40))
def test_text_at_the_margin_after_the_last_comment_leaves_the_replies_where_they_are(seed):
    """A numbered dump with a line or two at the margin after its list (a page's
    footer, a line added by hand): the comments and replies are those of the list,
    and that text is kept with the last comment, with a warning at its line."""
    import random

    from pipeline.parse import parse_bytes
    from pipeline.tools.synth import ArchiveShape, Rendering, draw_post, expected_comments, render

    from .mixed_archive import stock

    rng = random.Random(seed)
    post = draw_post(rng, stock(), ArchiveShape(top_level=(1, 8), reply_chance=0.6, replies=(1, 4)))
    data = render(post, Rendering(layout="numbered"))
    footer = rng.choice(["Newer Post Older Post Home", "extra line", "Subscribe to: Post Comments (Atom)\nHome"])
    gap = rng.choice(["", "\n"])
    tail = (gap + footer + "\n").encode()
    plain = parse_bytes("plain.txt", data)
    added = parse_bytes("added.txt", data + tail)
    want = [(path, parent) for path, parent, _ in expected_comments(post)]
    for parsed in (plain, added):
        assert [(c.path, c.parent_path) for c in parsed.threads[0].comments] == want
    last_plain, last_added = plain.threads[0].comments[-1], added.threads[0].comments[-1]
    assert last_added.body.endswith(footer) and last_added.body.startswith(last_plain.body)
    lines = (data + tail).decode().split("\n")
    first_footer_line = len(lines) - 1 - len(footer.split("\n")) + 1
    assert [(i.line, i.kind) for i in added.issues if i.kind == "trailing"] == [(first_footer_line, "trailing")]
