"""A corpus of malformed files, made here, loaded beside the good samples.

Each case is a file and the issues (line, kind, severity) it must be reported with.
The whole corpus loads in one batch: the good files still match their gold, every
file gets its row in sources, and nothing is lost.
"""
import codecs
import random
import shutil
from collections import Counter

import pytest
from click.testing import CliRunner

from pipeline.store.audit import check_database, find_lost_text
from pipeline.cli import cli
from pipeline.store.load import load_paths, open_database
from pipeline.parse import parse_bytes

from .conftest import RAW, gold_files, load_gold, norm

NUMBERED = (RAW / "000_a04ef07ac41940ba.txt").read_text(encoding="utf-8")
GLUED = (RAW / "004_f41891cd9d906480.txt").read_text(encoding="utf-8")
HEADER = "Monday, 2 June 2014\n\nA Title\n\nThe body.\n\n"


def numbered(*items):
    return HEADER + "\n\n".join(items) + "\n"


def cut_in_comment(text):
    """The text cut off in the middle of its third-from-last line."""
    lines = text.split("\n")
    return "\n".join(lines[:-3]) + "\n" + lines[-3][: len(lines[-3]) // 2]


def cut_in_character(text):
    """The text's bytes cut off inside its last multi-byte character."""
    data = text.encode("utf-8")
    lead = max(i for i, byte in enumerate(data) if byte >= 0xC0)
    return data[:lead + 1]


def cut_line(text):
    data = cut_in_character(text)
    return data.count(b"\n") + 1


def random_bytes(size, seed):
    return random.Random(seed).randbytes(size)


CASES = {
    "empty": (b"", [(1, "empty", "error")]),
    "blank": (b"\n \r\n\t\n", [(1, "blank", "error")]),
    "binary": (random_bytes(4096, 1), [(1, "binary", "error")]),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random_bytes(500, 2), [(1, "binary", "error")]),
    "html": (b"<!DOCTYPE html>\n<html><body><p>A page</p></body></html>\n", [(1, "not-a-post", "error")]),
    "json": (b'{"posts": [1, 2, 3]}', [(1, "not-a-post", "error")]),
    "xml": (b'<?xml version="1.0"?>\n<feed></feed>\n', [(1, "not-a-post", "error")]),
    "comma-title": (b"apples,pears,plums\n\nWhich fruit is best? I say apples.\n", []),
    "bom-only": (codecs.BOM_UTF8, [(1, "empty", "error")]),
    "nul-bytes": (numbered("  1. First\x00 comment").encode(), [(7, "nul", "warning")]),
    "control-chars": (numbered("  1. Bell \x07 and escape \x1b[0m here").encode(), []),
    "cut-mid-character": (cut_in_character(NUMBERED), [(cut_line(NUMBERED), "truncated", "warning")]),
    "cut-mid-comment": (cut_in_comment(NUMBERED).encode(), []),
    "cut-with-count-line": (
        (HEADER + "5 comments:\n\n  1. One\n\n  2. Two\n\n  3. Thr").encode(),
        [(7, "count", "warning")]),
    # Markers after their comments (signatures end them, a link follows its opening
    # line), and the last comment's marker lost with the end of the file. Four
    # comments are too few to be sure of the placement: that is reported too.
    "cut-trailing-markers": (
        (HEADER + "I went to the meeting last night.\nIt was packed and angry.\nPO\n"
         "ReplyDeleteI agree, and here is the report:\nhttps://example.org/report\n"
         "DeleteThanks for that.\nWill read it tonight.\nAnon\n"
         "ReplyDeleteI doubt the ballot will pass, the turnout\nwas too low last time").encode(),
        [(7, "placement", "warning"), (16, "truncated", "warning")]),
    "one-10MB-line": (("x" * 10_000_000).encode(), []),
    "thousands-of-comments": (
        numbered(*[f"  {n}. Comment {n}\n\n    1. Reply to {n}" for n in range(1, 3001)]).encode(), []),
    "numbering-gap": (numbered("  1. One", "  2. Two", "  4. Four"), [(11, "numbering", "warning")]),
    "numbering-repeat": (numbered("  1. One", "  2. Two", "  2. Two again", "  3. Three"),
                         [(11, "numbering", "warning")]),
    "starts-at-3": (numbered("Just text.", "  3. Three", "  4. Four"), [(9, "numbering", "warning")]),
    "reply-gap": (numbered("  1. One\n\n    1. R1\n\n    3. R3"), [(11, "numbering", "warning")]),
    "orphan-reply": ((HEADER + "An orphan\nDeleteText\nTop\nReplyDeleteMore").encode(),
                     [(7, "orphan-reply", "warning")]),
    "marker-on-first-line": (b"ReplyDeleteStarts with a marker\nsecond line\nReplyDeleteThird",
                             [(1, "marker", "warning")]),
    "bare-markers-only": (("ReplyDelete\n" * 200).encode(), []),
    "cp1252": (numbered("  1. Caf\u00e9 \u2013 \u201cquoted\u201d \u00a3100").encode("cp1252"), []),
    "latin-1": ("Caf\u00e9 \x81\n".encode("latin-1"), []),
    "utf-16": (numbered("  1. Sixteen bits").encode("utf-16"), []),
    "bad-utf8-bytes": ("\u201cOK\u201d\nthen \xff bad".encode("utf-8").replace(b"\xc3\xbf", b"\xff"),
                       [(2, "encoding", "warning")]),
    "encoded-surrogate": (b"Text with \xed\xa0\x80 a surrogate\n", []),
    "lone-cr": (numbered("  1. One").replace("\n", "\r").encode(), []),
    "crlf": (NUMBERED.replace("\n", "\r\n").encode(), []),
    "weekday-mismatch": (NUMBERED.replace("Thursday,", "Monday,", 1).encode(), [(1, "weekday", "warning")]),
    "no-such-day": (b"Thursday, 31 February 2014\n\nTitle\n\nBody.\n", [(1, "bad-date", "warning")]),
    "date-line-only": (b"Thursday, 6 March 2014", []),
    "title-only": (b"Just A Title\n", []),
    "tabs-and-odd-indents": (numbered("  1. One\n\t\tTabbed\n          deep\n   odd").encode(), []),
    "count-line-mismatch": ((HEADER + "9 comments:\n\n  1. One\n").encode(), [(7, "count", "warning")]),
}

# Files known to hold no post, as Takeout saves beside a blog's feed: recorded and left
# out, neither read nor an error. Each is (its bytes, what it is).
LEFT_OUT = {
    # Tables (followers.csv, settings.csv): a header line of column names, every row
    # as many fields, some quoted over lines.
    "csv": (b'display_name,profile_image_url,is_blocked\nSome Reader,https://example.org/a.jpg,false\n'
            b'"Reader, Another","https://example.org/b.jpg",false\n', "CSV table"),
    "csv-quoted-over-lines": (b'blog_name,blog_description,blog_locale\nA Blog,"Notes,\nover two lines",en_GB\n',
                              "CSV table"),
    "csv-header-only": (b"display_name,profile_image_url,is_blocked\n", "CSV table"),
    "csv-long-header": ((",".join(f"blog_setting_number_{n}" for n in range(80)) + "\n"
                         + ",".join("x" * 80) + "\n").encode(), "CSV table"),
    # Templates (theme-layouts.xml, theme-classic.html): tags that a page rendered
    # from them never holds.
    "layouts-template": (b"<?xml version='1.0' encoding='UTF-8' ?>\n<!DOCTYPE html>\n<html b:version='2' "
                         b"xmlns='http://www.w3.org/1999/xhtml' xmlns:b='http://www.google.com/2005/gml/b' "
                         b"xmlns:data='http://www.google.com/2005/gml/data'>\n<head><title><data:view.title/></title>"
                         b"\n<b:skin><![CDATA[body { color: #333; }]]></b:skin></head>\n<body><b:section id='main'>"
                         b"<b:widget id='Blog1' type='Blog'/></b:section></body></html>\n", "Blogger template"),
    "classic-template": (b"<html>\n<head><title><$BlogPageTitle$></title>\n<$BlogMetaData$>\n</head>\n<body>"
                         b"<Blogger><h3><$BlogItemTitle$></h3><$BlogItemBody$></Blogger></body>\n</html>\n",
                         "Blogger template"),
}


def as_bytes(data):
    return data if isinstance(data, bytes) else data.encode("utf-8")


def test_there_are_at_least_30_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_is_reported_and_loses_nothing(name):
    data, expected = CASES[name]
    parsed = parse_bytes(f"{name}.txt", as_bytes(data))
    assert [(i.line, i.kind, i.severity) for i in parsed.issues] == expected
    for issue in parsed.issues:
        assert issue.message and "\n" not in issue.message
    if parsed.post is not None:
        post = parsed.post
        kept = [post.date_line, post.title, post.body] + [c.body for c in parsed.comments]
        assert find_lost_text(parsed.text, kept) is None


@pytest.mark.parametrize("name", sorted(LEFT_OUT))
def test_a_file_known_to_hold_no_post_is_left_out_not_failed(name):
    data, what = LEFT_OUT[name]
    parsed = parse_bytes(f"{name}.txt", data)
    assert (parsed.skipped, parsed.issues, parsed.threads, parsed.layout) == ({what: 1}, [], [], "none")
    assert parsed.format == "other" and parsed.layout_note.endswith("not a post: left out")


@pytest.mark.parametrize("text", [
    "one,two,three\n\nA post whose title reads like a header\nand whose text has commas, like this one.\n",
    "one,two,three\nfour,five\n",  # rows of other lengths: no table
])
def test_text_that_only_starts_like_a_table_is_read_as_a_dump(text):
    parsed = parse_bytes("post.txt", text.encode())
    assert not parsed.skipped and parsed.post is not None and parsed.issues == []


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "raw"
    shutil.copytree(RAW, folder)
    for name, (data, _) in CASES.items():
        (folder / f"bad-{name}.txt").write_bytes(as_bytes(data))
    for name, (data, _) in LEFT_OUT.items():
        (folder / f"other-{name}.txt").write_bytes(data)
    return root


def test_corpus_loads_in_one_batch(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    result = CliRunner().invoke(cli, ["load", "raw", "--db", "corpus.db"], catch_exceptions=False)
    errors = [name for name, (_, expected) in CASES.items() if any(s == "error" for _, _, s in expected)]
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    for name, (_, expected) in CASES.items():
        for line, kind, severity in expected:
            prefix = f"raw/bad-{name}.txt:{line}: " + ("warning: " if severity == "warning" else "")
            assert any(out.startswith(prefix) for out in lines), (name, prefix)
    kinds = sorted(Counter(what for _, what in LEFT_OUT.values()).items())
    assert lines[-1] == f"{len(CASES) - len(errors) + 5} loaded, 0 unchanged, 0 removed, {len(errors)} failed, " \
                        f"{sum(len(e) for n, (_, e) in CASES.items() if n not in errors)} warnings: corpus.db " \
                        f"(not posts, left out: {', '.join(f'{count} {what}' for what, count in kinds)})"
    assert "Traceback" not in result.output and "other-" not in result.stderr

    db = open_database("corpus.db")
    assert db["sources"].count == len(CASES) + len(LEFT_OUT) + 5
    assert db["sources"].count_where("path LIKE 'other-%' AND format = 'other' AND layout = 'none'") == len(LEFT_OUT)
    assert db["posts"].count == len(CASES) - len(errors) + 5
    assert check_database(db) == []
    for gold_file in gold_files():
        gold = load_gold(gold_file.name)
        [post] = db.query("SELECT p.id, p.title, p.body FROM posts p JOIN sources s ON s.id = p.source_id "
                          "WHERE s.path = ?", [gold["file"]])
        assert post["title"] == gold["title"]
        assert norm(post["body"])[:60] == gold["body_first"]
        assert db["comments"].count_where("post_id = ?", [post["id"]]) == len(gold["comments"])
    [big] = db.query("SELECT comment_count FROM posts p JOIN sources s ON s.id = p.source_id "
                     "WHERE s.path = 'bad-thousands-of-comments.txt'")
    assert big["comment_count"] == 6000
    db.close()
