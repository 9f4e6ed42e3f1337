"""Blogger's export, Takeout feeds and saved pages, read by the pipeline's readers and
loaded: every format of a thread gives the same posts, comments, parents and text,
with authors and times exactly as the file gives them."""
import json
import random
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, strategies as st

from pipeline.parse import parse_bytes, parse_file
from pipeline.store.audit import check_database
from pipeline.store.load import load_paths, open_database
from pipeline.tools import render as r
from pipeline.tools.synth import ArchiveShape, draw_post, sentences_from

from .conftest import RAW

DATA = Path(__file__).resolve().parent / "data" / "blogger"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
SEEDS = range(30)


def author(a):
    return None if a is None else {"name": a.name, "profile_url": a.profile_url, "kind": a.kind}


def view(thread):
    """A thread as ``render.expected`` shows one."""
    post = thread.post
    return {
        "post": {"remote_id": post.remote_id, "title": post.title, "url": post.url, "kind": post.kind,
                 "published": post.published, "published_at": post.published_at, "author": author(post.author),
                 "labels": list(post.labels), "body": post.body},
        "comments": [{"remote_id": c.remote_id, "path": c.path, "parent": c.parent_path, "text": c.body,
                      "author": author(c.author), "published_at": c.published_at, "deleted": c.deleted}
                     for c in thread.comments],
        "complete": thread.complete,
    }


def read(data, name="file"):
    """Every post a file holds, as ``expected_blog`` orders them."""
    path = f"/nowhere/{name}"
    parsed = parse_bytes(path, data)
    if parsed.layout == "feed":
        from pipeline.parse import parse_feed
        parsed = parse_feed(path, data)
    return parsed, sorted((view(t) for t in parsed.threads), key=lambda v: v["post"]["remote_id"])


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if (DATA / n).with_suffix(".expected.json").exists()
                                        or (DATA / (Path(n).stem + ".expected.json")).exists()))
def test_a_hand_made_file_reads_as_written(name):
    want = json.loads((DATA / (Path(name).stem + ".expected.json")).read_text())
    parsed, got = read((DATA / name).read_bytes(), name)
    assert got == sorted(want, key=lambda v: v["post"]["remote_id"])
    assert not parsed.failed


@pytest.mark.parametrize("seed", SEEDS)
def test_every_rendering_of_a_drawn_blog_reads_back(seed):
    blog, posts = r.draw_blog(random.Random(seed))
    for fmt, data in (("export", r.render_export(blog, posts, one_line=seed % 2 == 0,
                                                 declare_app_ns=seed % 3 != 0)),
                      ("takeout", r.render_takeout(blog, posts, reply_parent=("post", "comment")[seed % 2]))):
        assert read(data)[1] == r.expected_blog(blog, posts, fmt), fmt
    for post in posts:
        if post.draft:
            continue
        renderings = [
            ("threaded", {}, r.render_threaded_page(blog, post, wayback=seed % 2 == 1, abbr=seed % 3 != 1)),
            ("threaded", {"loadmore": True}, r.render_threaded_page(blog, post, loadmore=True)),
            ("classic", {}, r.render_classic_page(blog, post, wayback=seed % 3 == 0)),
        ]
        for fmt, options, data in renderings:
            abbr = seed % 3 != 1 if fmt == "threaded" and not options else True
            assert read(data)[1] == [r.expected(blog, post, fmt, abbr=abbr, **options)], (fmt, options)


@pytest.mark.parametrize("seed", range(12))
def test_a_page_of_a_template_of_the_blog_s_own_reads_back(seed):
    # No microdata and no date header: the post's id from its body, the blog's from
    # Blogger's links about the post, the day from the timestamp that shows it.
    blog, posts = r.draw_blog(random.Random(seed))
    abbr = seed % 2 == 0
    for post in (p for p in posts if not p.draft):
        for fmt, data in (("threaded", r.render_threaded_page(blog, post, custom=True, abbr=abbr)),
                          ("classic", r.render_classic_page(blog, post, custom=True, abbr=abbr))):
            page = lxml.html.document_fromstring(data)
            assert not page.xpath("//meta[@itemprop='blogId' or @itemprop='postId']"
                                  " | //*[contains(@class, 'date-header')]")
            parsed, got = read(data)
            assert got == [r.expected(blog, post, fmt, abbr=abbr)], fmt
            assert parsed.blog_id == blog.id
            assert not [i for i in parsed.issues if i.kind == "undated"]


def test_a_timestamp_that_shows_a_time_only_leaves_the_post_undated_and_says_so():
    blog, posts = r.draw_blog(random.Random(3))
    post = next(p for p in posts if not p.draft)
    data = r.render_threaded_page(blog, post, custom=True, abbr=False)
    shown = r.date_header(post.published.astimezone(blog.tz).date(), blog.language)
    data = data.replace(shown.encode(), b"10:15")
    parsed, [got] = read(data)
    assert got["post"]["published"] is None
    assert [i.kind for i in parsed.issues if i.kind == "undated"] == ["undated"]


def structure(thread_view):
    return [(c["path"], c["parent"], c["text"], c["deleted"]) for c in thread_view["comments"]]


@pytest.mark.parametrize("seed", range(10))
def test_one_thread_reads_the_same_in_every_format(seed):
    # A dump's thread, rendered as an export, a Takeout feed and a page: the same
    # posts, comments, parents and text from each.
    rng = random.Random(seed)
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))
    blog, post = r.from_synth(draw_post(rng, stock, ArchiveShape(top_level=(1, 8))), rng)
    views = [read(r.render_export(blog, [post]))[1][0], read(r.render_takeout(blog, [post]))[1][0],
             read(r.render_threaded_page(blog, post))[1][0]]
    assert structure(views[0]) == structure(views[1]) == structure(views[2])
    assert len({v["post"]["body"] for v in views}) == 1
    assert [c["published_at"][:19] for c in views[1]["comments"]] == \
        [c["published_at"][:19] for c in views[2]["comments"]]  # both UTC


def test_drafts_are_left_out_and_counted():
    parsed = parse_file(str(DATA / "export-full.xml"))
    assert parsed.skipped == {"draft": 1, "settings": 6, "template": 1}
    assert all(t.post.title != "A draft" for t in parsed.threads)


def test_a_removed_comment_is_kept_without_text_with_its_replies():
    parsed = parse_file(str(DATA / "threaded-en.html"))
    [removed] = [c for c in parsed.comments if c.deleted]
    assert removed.body == "" and removed.remote_id
    assert any(c.parent_path == removed.path for c in parsed.comments)


# -- hostile and broken files ------------------------------------------------------------


def test_external_entities_are_never_read_or_fetched():
    parsed = parse_file(str(DATA / "hostile-xxe.xml"))
    text = " ".join(t.post.body + " ".join(c.body for c in t.comments) for t in parsed.threads)
    assert parsed.threads and "root:" not in text and "127.0.0.1" not in text


def test_an_entity_bomb_is_refused():
    parsed = parse_file(str(DATA / "hostile-bomb.xml"))
    assert parsed.failed and not parsed.threads
    assert any("amplification" in issue.message for issue in parsed.issues)


def test_a_cut_off_export_keeps_the_entries_read_whole_and_says_where():
    whole = parse_file(str(DATA / "export-full.xml"))
    cut = parse_file(str(DATA / "hostile-truncated.xml"))
    [broken] = [i for i in cut.issues if i.kind == "broken-file"]
    assert broken.line == 107 and broken.severity == "warning" and "the entries read whole are kept" \
        in broken.message
    # Every comment kept is as the whole file has it; the one cut into is not kept.
    complete = {c.remote_id: c.body for t in whole.threads for c in t.comments}
    kept = [c for t in cut.threads for c in t.comments]
    assert kept and all(complete[c.remote_id] == c.body for c in kept)
    assert len(kept) < len(complete)


def test_script_in_a_comment_is_kept_as_text_only():
    for name in ("hostile-script.html", "hostile-script-export.xml"):
        parsed = parse_file(str(DATA / name))
        first, second = [c.body for t in parsed.threads for c in t.comments][:2]
        assert first == "Hello\nPlease click me."  # the script, the image and the link's address are gone
        assert "<script>alert(1)</script>" in second  # typed by a commenter: kept as the words typed


def test_a_page_blogger_did_not_make_is_refused():
    parsed = parse_file(str(DATA / "not-blogger.html"))
    assert parsed.failed and "not a saved Blogger post page" in parsed.issues[0].message


# -- in the database ------------------------------------------------------------------------


def blog_files(folder, seed=3):
    """An export of a drawn blog, a page of one of its posts, and the samples' dumps."""
    blog, posts = r.draw_blog(random.Random(seed), r.BlogShape(posts=(5, 5), draft_share=0.2))
    folder.mkdir()
    (folder / "blog-01-02-2020.xml").write_bytes(r.render_export(blog, posts))
    live = [p for p in posts if not p.draft]
    (folder / "page.html").write_bytes(r.render_threaded_page(blog, live[0]))
    for dump in RAW.glob("*.txt"):
        shutil.copy(dump, folder / dump.name)
    return blog, posts


def test_an_export_pages_and_dumps_load_together(tmp_path):
    blog, posts = blog_files(tmp_path / "raw")
    db = open_database(tmp_path / "blog.db")
    report = load_paths(db, [tmp_path / "raw"])
    live = [p for p in posts if not p.draft]
    assert (report.loaded, report.held, report.failed) == (6, 1, [])  # the page's post is the export's
    assert report.skipped["draft"] == sum(p.draft for p in posts)
    assert db["posts"].count == len(live) + 5
    for post in live:
        [row] = db.query("SELECT * FROM posts WHERE remote_id = ?", [post.id])
        want = r.expected(blog, post, "export")
        assert (row["title"], row["published_at"], row["url"]) == (want["post"]["title"],
                                                                   want["post"]["published_at"], want["post"]["url"])
        got = [(c["path"], c["remote_id"], c["published_at"], c["deleted"], c["name"], c["kind"]) for c in db.query(
            """SELECT c.path, c.remote_id, c.published_at, c.deleted, a.name, a.kind FROM comments c
               LEFT JOIN authors a ON a.id = c.author_id WHERE c.post_id = ? ORDER BY c.seq""", [row["id"]])]
        assert got == [(c["path"], c["remote_id"], c["published_at"], int(c["deleted"]),
                        c["author"] and c["author"]["name"], c["author"] and c["author"]["kind"])
                       for c in want["comments"]]
    # Anonymous is no one: no author row for anonymous comments, one row per profile.
    assert db.execute("SELECT count(*) FROM authors WHERE name = 'Anonymous'").fetchone()[0] == 0
    profiles = {c.author.url for p in live for c, _ in p.iter_comments() if c.author.kind == "profile"}
    profiles |= {p.author.url for p in live}
    assert {row[0] for row in db.execute("SELECT profile_url FROM authors WHERE kind = 'profile'")} == profiles
    assert check_database(db) == []
    again = load_paths(db, [tmp_path / "raw"])
    assert (again.loaded, again.unchanged) == (0, 7)


def test_a_newer_export_updates_the_blog_in_place(tmp_path):
    blog, posts = blog_files(tmp_path / "raw")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    ids = {row["remote_id"]: row["id"] for row in db.query("SELECT id, remote_id FROM comments "
                                                            "WHERE remote_id IS NOT NULL")}
    live = [p for p in posts if not p.draft]
    gone, changed = live[-1], live[1]
    newer = [p for p in posts if p is not gone]
    import datetime as dt
    extra = r.BlogComment("123456789012345678", r.ANONYMOUS,
                          max([changed.published] + [c.published for c, _ in changed.iter_comments()])
                          + dt.timedelta(hours=1), ((("A comment added since.",),),))
    changed.comments.append(extra)
    for p in newer:
        p.updated = (p.updated or p.published) + dt.timedelta(days=400)
    (tmp_path / "raw" / "blog-06-01-2021.xml").write_bytes(r.render_export(blog, newer))
    told = []
    assert load_paths(db, [tmp_path / "raw"], on_file=told.append).loaded == 1
    assert [(t.path.rsplit("/", 1)[-1], t.status) for t in told if t.note] == [("blog-01-02-2020.xml", "held")]
    [(held, note)] = db.execute("SELECT path, layout_note FROM sources WHERE layout = 'superseded' "
                                "AND format = 'blogger-export'").fetchall()
    assert held == "blog-01-02-2020.xml" and "blog-06-01-2021.xml" in note
    assert db.execute("SELECT count(*) FROM posts WHERE remote_id = ?", [gone.id]).fetchone()[0] == 0
    kept = {row["remote_id"]: row["id"] for row in db.query("SELECT id, remote_id FROM comments "
                                                             "WHERE remote_id IS NOT NULL")}
    assert {k: v for k, v in kept.items() if k in ids} == {k: v for k, v in ids.items() if k in kept}
    assert extra.id in kept
    assert check_database(db) == []
    # The newer export gone, the older one holds the blog again.
    (tmp_path / "raw" / "blog-06-01-2021.xml").unlink()
    load_paths(db, [tmp_path / "raw"])
    assert db.execute("SELECT count(*) FROM posts WHERE remote_id = ?", [gone.id]).fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM comments WHERE remote_id = ?", [extra.id]).fetchone()[0] == 0
    assert check_database(db) == []


def test_a_large_export_is_written_in_parts_wholly(tmp_path, monkeypatch):
    from pipeline.store import load
    monkeypatch.setattr(load, "PART_POSTS", 2)
    blog, posts = r.draw_blog(random.Random(5), r.BlogShape(posts=(30, 30), draft_share=0.0))
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(r.render_export(blog, posts))
    db = open_database(tmp_path / "blog.db")
    assert load_paths(db, [tmp_path / "raw"]).loaded == 1
    assert db["posts"].count == 30
    assert db["comments"].count == sum(1 for p in posts for _ in p.iter_comments())
    assert check_database(db) == []


@pytest.mark.parametrize("uri, kind", [
    ("https://www.blogger.com/profile/04765892937555860461", "profile"),
    ("http://www.blogger.com/profile/123", "profile"),
    ("https://plus.google.com/112233445566778899001", "profile"),
    ("https://plus.google.com/u/0/112233445566778899001", "profile"),
    ("https://plus.google.com/+JaneDoe", "profile"),
    ("https://profiles.google.com/112233445566778899001", "profile"),
    ("https://plus.google.com/communities/1122334455", "name"),
    ("https://www.blogger.com/profile/", "name"),
    ("https://example.org/", "name"),
    ("https://example.org/?u=https://www.blogger.com/profile/1", "name"),
    (None, "name"),
])
def test_a_google_account_s_profile_is_a_profile_and_a_website_a_name(uri, kind):
    from pipeline.read.blogger import author_of

    assert author_of("Jane Doe", uri).kind == kind
    assert (author_of("Anonymous", uri) is None) == (uri is None)  # "Anonymous" with a link is someone


@pytest.mark.parametrize("name", ["Anon", "anon", "ANON.", "Anon 20:43", "anon PO", "Anonymous", " Anonym ", ""])
def test_a_name_typed_in_that_names_no_one_is_anonymous(name):
    from pipeline.read.blogger import author_of

    assert author_of(name, None) is None
    assert author_of(name, "https://example.org/~me").kind == "name"  # with a website, someone


@pytest.mark.parametrize("name", ["Anonymity Fan", "Canon", "A PO", "Old hand"])
def test_a_name_that_only_looks_anonymous_is_someone(name):
    from pipeline.read.blogger import author_of

    assert author_of(name, None).name == name


@given(st.text(alphabet=st.sampled_from(" \t\n\r\f\u00a0\u2003ab\u00e9"), max_size=60))
def test_white_space_in_html_text_is_one_space_as_the_rule_says(text):
    from pipeline.read.html import one_space

    # Rule 1 of ``read.html``: a run of HTML's white space is one space; a
    # non-breaking or other white space is a character of the text.
    assert one_space(text) == re.sub(r"[ \t\n\r\f]+", " ", text)


@pytest.mark.parametrize("fragment, text", [
    ("<div>First.</div><div>&nbsp;</div><div>&nbsp;</div><div>Second.</div>", "First.\n\nSecond."),
    ("Thanks for this.&nbsp;<br />&nbsp;<br />PO&nbsp;<br>&nbsp;", "Thanks for this.\n\nPO"),
    ("&nbsp;&nbsp;Indented<br>&nbsp;", "Indented"),
    ("a&nbsp;&nbsp;b&nbsp;c", "a\xa0\xa0b\xa0c"),  # within a line, a character of the text
])
def test_a_non_breaking_space_at_a_line_s_edge_is_no_text(fragment, text):
    from pipeline.read.html import html_to_text

    # Blogger's editor writes <div>&nbsp;</div> for an empty line and &nbsp; after a
    # last word: a comment's last line is then its signature, not a line of nothing.
    assert html_to_text(fragment) == text


# -- a large feed read in ranges ----------------------------------------------------------


def read_in_ranges(path, fmt, pieces, tmp_path):
    """The threads, the report and the number of ranges of a feed read in ``pieces`` ranges."""
    from pipeline.read import feed

    folder = tmp_path / f"spool-{pieces}"
    folder.mkdir(parents=True)
    report, spools = feed.set_aside_file(str(path), fmt, str(folder), pieces)
    threads = [feed.read_thread(raw, report.format) for raw in feed.iter_set_aside(spools, report)]
    return threads, report, len(spools)


def feed_variants(blog, posts):
    """A blog's export on one line and one element a line, without its app: namespace
    (an error in every range, not a fatal one),
    and its Takeout feed with replies naming either the post or the parent comment."""
    yield "blogger-export", r.render_export(blog, posts)
    yield "blogger-export", r.render_export(blog, posts, one_line=False)
    yield "blogger-export", r.render_export(blog, posts, declare_app_ns=False)
    yield "takeout", r.render_takeout(blog, posts)
    yield "takeout", r.render_takeout(blog, posts, reply_parent="comment")


@pytest.mark.parametrize("seed", range(6))
def test_a_feed_read_in_ranges_gives_what_one_reading_gives(seed, tmp_path, monkeypatch):
    from pipeline.read import feed

    monkeypatch.setattr(feed, "RANGE_BYTES", 1500)
    blog, posts = r.draw_blog(random.Random(seed), r.BlogShape(posts=(6, 12), draft_share=0.2))
    for k, (fmt, data) in enumerate(feed_variants(blog, posts)):
        path = tmp_path / f"feed-{k}.xml"
        path.write_bytes(data)
        whole, whole_report, one = read_in_ranges(path, fmt, 1, tmp_path / f"{k}")
        for pieces in (2, 5, 8):
            threads, report, ranges = read_in_ranges(path, fmt, pieces, tmp_path / f"{k}")
            # Lines, ids, parents, authors, times, text: the same, in the same order.
            assert threads == whole and report == whole_report and ranges == pieces
        assert one == 1


def test_a_broken_feed_is_read_as_a_whole_and_says_where_it_broke(tmp_path, monkeypatch):
    from pipeline.read import feed

    monkeypatch.setattr(feed, "RANGE_BYTES", 1500)
    blog, posts = r.draw_blog(random.Random(7), r.BlogShape(posts=(10, 10), draft_share=0.0))
    data = r.render_export(blog, posts, one_line=False)
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[:len(data) * 2 // 3])
    whole, whole_report, _ = read_in_ranges(cut, "blogger-export", 1, tmp_path)
    threads, report, ranges = read_in_ranges(cut, "blogger-export", 4, tmp_path)
    assert ranges == 1 and threads == whole and report == whole_report
    [broken] = report.issues
    assert broken.kind == "broken-file" and broken.line == data[:len(data) * 2 // 3].count(b"\n") + 1


@pytest.mark.parametrize("markup", [b"<!-- a note -->", b"<![CDATA[</entry><entry>]]>"])
def test_a_feed_that_could_hide_its_tags_is_read_in_one_range(markup, tmp_path, monkeypatch):
    from pipeline.read import feed

    monkeypatch.setattr(feed, "RANGE_BYTES", 1500)
    blog, posts = r.draw_blog(random.Random(8), r.BlogShape(posts=(10, 10), draft_share=0.0))
    data = r.render_export(blog, posts)
    at = data.index(b"<title", data.index(b"kind#post"))
    path = tmp_path / "feed.xml"
    path.write_bytes(data[:at] + markup + data[at:])
    threads, _, ranges = read_in_ranges(path, "blogger-export", 4, tmp_path)
    assert ranges == 1 and len(threads) == 10


def test_a_large_export_loads_in_ranges_on_every_core_as_in_one(tmp_path, monkeypatch):
    from pipeline.read import feed
    from pipeline.store import load

    blog, posts = r.draw_blog(random.Random(9), r.BlogShape(posts=(40, 40), draft_share=0.1))
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(r.render_export(blog, posts))
    tables = []
    for name, range_bytes in (("one.db", 1 << 40), ("ranges.db", 2000)):
        monkeypatch.setattr(feed, "RANGE_BYTES", range_bytes)
        monkeypatch.setattr(load, "PART_POSTS", 3)
        db = open_database(tmp_path / name)
        assert load_paths(db, [tmp_path / "raw"], workers=2).loaded == 1
        assert check_database(db) == []
        tables.append({table: db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                       for table in ("posts", "comments", "authors", "comment_refs", "date_mentions", "parse_issues")})
        tables[-1]["sources"] = db.execute("SELECT id, path, format, sha256, bytes, lines, blog_id, feed_updated "
                                           "FROM sources").fetchall()
    assert tables[0] == tables[1] and tables[0]["comments"]


def test_comments_without_their_post_and_posts_given_twice_are_counted(tmp_path):
    blog, posts = r.draw_blog(random.Random(10), r.BlogShape(posts=(4, 4), draft_share=0.0))
    data = r.render_export(blog, posts)
    first_post = data.index(b"<entry>", data.index(b"kind#post") - 400)
    post_entry = data[first_post:data.index(b"</entry>", first_post) + len(b"</entry>")]
    assert b"kind#post" in post_entry and b"kind#comment" not in post_entry
    orphans = sum(1 for _ in [c for p in posts if p.id in post_entry.decode() for c in p.iter_comments()])
    (tmp_path / "raw").mkdir()
    # The first post given twice; then that post gone, its comments left behind.
    (tmp_path / "raw" / "twice.xml").write_bytes(data.replace(post_entry, post_entry + post_entry, 1))
    (tmp_path / "raw2").mkdir()
    (tmp_path / "raw2" / "orphans.xml").write_bytes(data.replace(post_entry, b"", 1))
    report = load_paths(open_database(tmp_path / "a.db"), [tmp_path / "raw"])
    assert report.skipped["repeated post"] == 1
    report = load_paths(open_database(tmp_path / "b.db"), [tmp_path / "raw2"])
    assert orphans and report.skipped["comment without its post"] == orphans


_HTML_PIECES = ["<p>", "</p>", "<br>", "<br/>", "<b>", "</b>", "<div>", "</div>", "<a href='x'>", "</a>", "word",
                " ", "\n", "\t", "&amp;", "&lt;b&gt;", "<script>alert(1)</script>", "<img src=x onerror=y>",
                "<li>", "<ul>", "<table><tr><td>", "<!-- note -->", "<body>", "<html>", "\u00a0", "é"]


@given(st.lists(st.sampled_from(_HTML_PIECES), max_size=14).map("".join))
def test_html_text_is_what_lxml_html_s_fragment_parser_gives(fragment):
    from pipeline.read.html import element_text, html_parser, html_to_text

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div", parser=html_parser())
    except AssertionError:  # lxml.html's own check: a document with no body or several
        return
    want = element_text(root) if fragment.strip() else ""
    assert html_to_text(fragment) == want


@pytest.mark.parametrize("document, text", [("<html></html>", ""), ("<html><head><title>t</title></head></html>", ""),
                                            ("<html><body>a</body><body>b</body></html>", "ab"),
                                            ("<!doctype html>", ""), ("<html>x<p>y", "x\n\ny")])
def test_a_comment_that_is_a_whole_document_gives_its_text(document, text):
    from pipeline.read.html import html_to_text

    # lxml.html's fragment parser fails on the first three (no body, or two).
    assert html_to_text(document) == text


def test_an_export_whose_comment_is_a_whole_html_document_loads(tmp_path):
    blog, posts = r.draw_blog(random.Random(3), r.BlogShape(posts=(3, 3), draft_share=0.0))
    data = r.render_export(blog, posts)
    start = data.index(b">", data.index(b"<content", data.index(b"kind#comment"))) + 1
    data = data[:start] + b"&lt;html&gt;&lt;head&gt;&lt;/head&gt;&lt;/html&gt;" + data[data.index(b"</content>", start):]
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(data)
    db = open_database(tmp_path / "blog.db")
    report = load_paths(db, [tmp_path / "raw"])
    assert report.loaded == 1 and not report.failed
    assert db.execute("SELECT count(*) FROM comments WHERE body = ''").fetchone()[0] >= 1


def test_a_post_or_an_entry_the_reader_fails_on_is_left_out_and_said_so(tmp_path, monkeypatch):
    from pipeline.read import feed
    from pipeline.store import work

    blog, posts = r.draw_blog(random.Random(4), r.BlogShape(posts=(4, 4), draft_share=0.0))
    data = r.render_export(blog, posts, one_line=False)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(data)
    bad_post, bad_comment = posts[0], next(c for p in posts[1:] for c, _ in p.iter_comments())
    understand, export_entry = work.understand_remote, feed._export_entry

    def understand_failing(remote):
        if remote.post.remote_id == bad_post.id:
            raise KeyError("a bug planted by this test")
        return understand(remote)

    def entry_failing(element, children, head):
        if head[2] == bad_comment.id:
            raise IndexError("another")
        return export_entry(element, children, head)

    monkeypatch.setattr(work, "understand_remote", understand_failing)
    monkeypatch.setattr(feed, "_export_entry", entry_failing)
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"], workers=1)
    post_ids = {row[0] for row in db.execute("SELECT remote_id FROM posts")}
    assert post_ids == {p.id for p in posts} - {bad_post.id}
    comment_ids = {row[0] for row in db.execute("SELECT remote_id FROM comments")}
    assert bad_comment.id not in comment_ids and comment_ids
    issues = db.execute("SELECT line, kind, message FROM parse_issues WHERE kind = 'reader-failed' "
                        "ORDER BY line").fetchall()
    lines = data.decode().splitlines()
    assert sorted(message.split(";")[0] for _, _, message in issues) == [
        "the reader failed here (IndexError: another)",
        "the reader failed here (KeyError: 'a bug planted by this test')"]
    for line, _, _ in issues:
        entry = lines[line - 1]
        assert entry.strip().startswith("<entry"), (line, entry)


def test_comment_ids_written_with_another_word_than_post_are_read_alike(tmp_path):
    blog, posts = r.draw_blog(random.Random(11), r.BlogShape(posts=(5, 5), draft_share=0.0))
    data = r.render_takeout(blog, posts, reply_parent="comment")
    other = data
    for post in posts:
        for comment, _ in post.iter_comments():
            other = other.replace(f".post-{comment.id}<".encode(), f".comment-{comment.id}<".encode())
    assert other != data
    assert read(other)[1] == read(data)[1] and read(data)[1]


# -- Takeout as Google writes it --------------------------------------------------------------


def takeout(*entries, blog="5550001112223334445"):
    """A Takeout feed of the blog ``blog`` holding ``entries`` (each an entry's inner XML)."""
    body = "".join(f"<entry>{entry}</entry>" for entry in entries)
    return (f"<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom' "
            f"xmlns:blogger='http://schemas.google.com/blogger/2018'><id>tag:blogger.com,1999:blog-{blog}</id>"
            f"<title>A made-up blog</title>{body}</feed>").encode()


def takeout_post(number, *, status="LIVE", labels=(), blog="5550001112223334445"):
    categories = "".join(f"<category scheme='tag:blogger.com,1999:blog-{blog}' term='{label}'/>" for label in labels)
    return (f"<id>tag:blogger.com,1999:blog-{blog}.post-{number}</id><blogger:type>POST</blogger:type>"
            f"<blogger:status>{status}</blogger:status><author><name>Ada Writer</name><uri></uri>"
            f"<blogger:type>BLOGGER</blogger:type></author><title>Post {number}</title>"
            f"<content type='html'>&lt;p&gt;Text of post {number}.&lt;/p&gt;</content>"
            f"<blogger:created>2015-04-01T09:00:00.000Z</blogger:created>"
            f"<published>2015-04-01T09:00:00.000Z</published><updated>2015-04-02T09:00:00.000Z</updated>"
            f"{categories}<blogger:filename>/2015/04/post-{number}.html</blogger:filename><link/><enclosure/>"
            f"<blogger:trashed/>")


def takeout_comment(number, post, *, parent=None, status="LIVE", content="A reader's comment.",
                    blog="5550001112223334445", at="2015-04-03T10:00:00.000Z"):
    reply = f"<blogger:inReplyTo>tag:blogger.com,1999:blog-{blog}.post-{parent}</blogger:inReplyTo>" if parent \
        else "<blogger:inReplyTo/>"
    text = f"<content type='html'>{content}</content>" if content else "<content type='html'/>"
    return (f"<id>tag:blogger.com,1999:blog-{blog}.post-{number}</id>"
            f"<blogger:parent>tag:blogger.com,1999:blog-{blog}.post-{post}</blogger:parent>{reply}"
            f"<blogger:type>COMMENT</blogger:type><blogger:status>{status}</blogger:status>"
            f"<author><name></name><blogger:type>ANONYMOUS</blogger:type></author>{text}"
            f"<blogger:created>{at}</blogger:created><published>{at}</published><updated>{at}</updated>"
            f"<blogger:trashed/>")


def test_takeout_labels_have_the_blog_s_tag_id_as_their_scheme_and_are_read():
    parsed, [post] = read(takeout(takeout_post(101, labels=("Gardening", "Q&amp;A"))), "feed.atom")
    assert post["post"]["labels"] == ["Gardening", "Q&A"]


def test_a_ghosted_takeout_comment_is_a_removed_comment_kept_with_its_replies_and_spam_is_left_out():
    data = takeout(takeout_post(101),
                   takeout_comment(201, 101, status="GHOSTED_COMMENT", content=None),
                   takeout_comment(202, 101, parent=201, content="Answering the removed one."),
                   takeout_comment(203, 101, status="SPAM_COMMENT", content="Buy now."),
                   takeout_comment(204, 101, status="PENDING_MODERATION", content="Not yet shown."))
    parsed, [thread] = read(data, "feed.atom")
    assert [(c["remote_id"], c["path"], c["parent"], c["deleted"], c["text"]) for c in thread["comments"]] == [
        ("201", "1", None, True, ""), ("202", "1.1", "1", False, "Answering the removed one.")]
    assert parsed.skipped == {"spam_comment": 1, "pending_moderation": 1}
    assert not any(issue.kind == "orphan-reply" for issue in parsed.issues)


def test_a_takeout_feed_of_comments_only_never_holds_the_posts_of_the_blog_s_feed(tmp_path):
    # Takeout's Blogger/Comments/NAME/feed.atom: the comments an account wrote on a blog,
    # with the blog's id and none of its posts; Blogger/Blogs/NAME/feed.atom: the blog.
    blog = takeout(takeout_post(101, labels=("Notes",)), takeout_comment(201, 101), takeout_comment(202, 101))
    comments = takeout(takeout_comment(202, 101))
    for first, second in ((comments, blog), (blog, comments)):
        for folder in ("Comments", "Blogs"):
            shutil.rmtree(tmp_path / folder, ignore_errors=True)
        (tmp_path / "Comments" / "A blog").mkdir(parents=True)
        (tmp_path / "Blogs" / "A blog").mkdir(parents=True)
        (tmp_path / "Comments" / "A blog" / "feed.atom").write_bytes(comments)
        (tmp_path / "Blogs" / "A blog" / "feed.atom").write_bytes(blog)
        order = ["Comments", "Blogs"] if first is comments else ["Blogs", "Comments"]
        db = open_database(tmp_path / f"{order[0]}.db")
        for folder in order:
            load_paths(db, [tmp_path / folder])
        assert db.execute("SELECT remote_id, comment_count FROM posts").fetchall() == [("101", 2)], order
        assert not check_database(db), order


def test_a_takeout_feed_of_comments_only_is_told_as_such_whichever_is_loaded_first(tmp_path, monkeypatch):
    # Loaded with the blog's feed, or after it, or before it: the comments-only feed
    # is what it is, not an older export of the blog, and holds nothing.
    from click.testing import CliRunner
    from pipeline.cli import cli

    blogger = tmp_path / "Takeout" / "Blogger"
    (blogger / "Blogs" / "A blog").mkdir(parents=True)
    (blogger / "Comments" / "A blog").mkdir(parents=True)
    (blogger / "Blogs" / "A blog" / "feed.atom").write_bytes(
        takeout(takeout_post(101), takeout_comment(201, 101), takeout_comment(202, 101)))
    (blogger / "Comments" / "A blog" / "feed.atom").write_bytes(takeout(takeout_comment(202, 101)))
    monkeypatch.chdir(tmp_path)
    states = []
    for name, loads in (("together", [["Takeout/Blogger/"]]),
                        ("blog first", [["Takeout/Blogger/Blogs"], ["Takeout/Blogger/Comments"]]),
                        ("comments first", [["Takeout/Blogger/Comments"], ["Takeout/Blogger/Blogs"]])):
        told = ""
        for paths in loads:
            result = CliRunner().invoke(cli, ["load", *paths, "--db", f"{name}.db"])
            assert result.exit_code == 0, result.output
            told += result.stderr
        assert "older export" not in told, name
        assert ("Takeout/Blogger/Comments/A blog/feed.atom is comments without their posts in this file" in told), \
            (name, told)
        db = open_database(f"{name}.db")
        assert db.execute("SELECT remote_id, comment_count FROM posts").fetchall() == [("101", 2)], name
        states.append(db.execute("""SELECT a.root || '/' || s.path AS file, s.layout, s.held_by IS NULL, s.layout_note
                                    FROM sources s JOIN archives a ON a.id = s.archive_id ORDER BY file""").fetchall())
        assert not check_database(db), name
    assert states[0] == states[1] == states[2]
    [_, (path, layout, not_held, note)] = states[0]
    assert (path.endswith("Comments/A blog/feed.atom"), layout, not_held) == (True, "feed", 1)
    assert note.startswith("comments without their posts in this file") and "the blog's own feed holds" in note


def test_of_two_takeouts_of_a_blog_the_newer_by_its_entries_holds_it_whichever_is_loaded_first(tmp_path,
                                                                                                  monkeypatch):
    # Takeout's feed has no time of its own: its latest entry's is its time. The newer
    # Takeout, read in ranges here (its latest comment in its last one), holds the blog.
    from pipeline.read import feed

    monkeypatch.setattr(feed, "RANGE_BYTES", 600)
    comments = [takeout_comment(200 + k, 101, at=f"2015-04-{3 + k:02d}T10:00:00.000Z") for k in range(6)]
    older = takeout(takeout_post(101), *comments[:3])
    newer = takeout(takeout_post(101), *comments, takeout_comment(299, 101, at="2016-01-01T00:00:00.000+01:00"))
    mine = takeout(takeout_comment(298, 101, at="2017-01-01T00:00:00.000Z"))  # the account's, in a newer Takeout
    for name, order in (("newer first", ("2016", "2015")), ("older first", ("2015", "2016"))):
        for takeout_name, data in (("2015", older), ("2016", newer)):
            (tmp_path / name / takeout_name / "Blogs" / "A blog").mkdir(parents=True)
            (tmp_path / name / takeout_name / "Blogs" / "A blog" / "feed.atom").write_bytes(data)
        (tmp_path / name / "2017" / "Comments" / "A blog").mkdir(parents=True)
        (tmp_path / name / "2017" / "Comments" / "A blog" / "feed.atom").write_bytes(mine)
        db = open_database(tmp_path / f"{name}.db")
        for takeout_name in (*order, "2017"):
            load_paths(db, [tmp_path / name / takeout_name], workers=2)
        assert db.execute("SELECT remote_id, comment_count FROM posts").fetchall() == [("101", 7)], name
        times = dict(db.execute("SELECT a.name, s.feed_updated FROM sources s JOIN archives a "
                                "ON a.id = s.archive_id").fetchall())
        assert times == {"2015": "2015-04-05T10:00:00.000+00:00", "2016": "2015-12-31T23:00:00.000+00:00",
                         "2017": "2017-01-01T00:00:00.000+00:00"}, name
        [(held, by)] = db.execute("""SELECT a.name, h.path FROM sources s JOIN archives a ON a.id = s.archive_id
                                     JOIN sources h ON h.id = s.held_by""").fetchall()
        assert held == "2015" and by == "Blogs/A blog/feed.atom", name
        assert not check_database(db), name
    _, spools = feed.set_aside_file(str(tmp_path / name / "2016" / "Blogs" / "A blog" / "feed.atom"), "takeout",
                                    str(tmp_path), 4)
    assert len(spools) > 1


def export(blog, *entries):
    """Blogger's export of the blog ``blog`` holding ``entries`` (each an entry's inner XML)."""
    body = "".join(f"<entry>{entry}</entry>" for entry in entries)
    return (f"<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            f"xmlns:gd='http://schemas.google.com/g/2005' xmlns:thr='http://purl.org/syndication/thread/1.0'>"
            f"<id>tag:blogger.com,1999:blog-{blog}.archive</id><updated>2019-05-01T10:00:00.000+02:00</updated>"
            f"{body}</feed>").encode()


def export_entry(blog, number, kind, *, name="Ada Writer", uri="https://www.blogger.com/profile/100200300",
                 post=None):
    thread = (f"<thr:in-reply-to ref='tag:blogger.com,1999:blog-{blog}.post-{post}' type='text/html'/>"
              if post else "")
    return (f"<id>tag:blogger.com,1999:blog-{blog}.post-{number}</id>"
            f"<published>2019-04-0{1 + number % 9}T10:00:00.000+02:00</published>"
            f"<category scheme='http://schemas.google.com/g/2005#kind' "
            f"term='http://schemas.google.com/blogger/2008/kind#{kind}'/><title type='text'>Entry {number}</title>"
            f"<content type='html'>Text of entry {number}.</content><author><name>{name}</name><uri>{uri}</uri>"
            f"<email>noreply@blogger.com</email></author>{thread}")


def test_blogger_s_unknown_for_a_profile_is_no_name_and_its_name_given_elsewhere_is_kept(tmp_path):
    profile = "https://www.blogger.com/profile/900800700"
    for name, first, second in (("one", "Unknown", "Pat Reader"), ("two", "Pat Reader", "Unknown")):
        folder = tmp_path / name
        folder.mkdir()
        # In one file, and in two files (the second one's mention written over the first's).
        (folder / "a.xml").write_bytes(export(1, export_entry(1, 11, "post"),
                                              export_entry(1, 12, "comment", name=first, uri=profile, post=11)))
        (folder / "b.xml").write_bytes(export(2, export_entry(2, 21, "post"),
                                              export_entry(2, 22, "comment", name=second, uri=profile, post=21),
                                              export_entry(2, 23, "comment", name=first, uri=profile, post=21)))
        db = open_database(tmp_path / f"{name}.db")
        load_paths(db, [folder])
        assert db.execute("SELECT name, kind FROM authors WHERE profile_url = ?", [profile]).fetchall() == [
            ("Pat Reader", "profile")]
        assert db.execute("SELECT count(DISTINCT author_id), count(*) FROM comments").fetchone() == (1, 3)


# -- saved pages as the templates of real blogs make them --------------------------------------


def saved_page(post, comments="", head=""):
    """A made-up saved page of a template without the post's microdata: ``post`` is the
    markup of the post, ``comments`` that of its comments section."""
    return (f"<!DOCTYPE html><html><head><title>Kettle Notes: A walk</title>{head}"
            "<link href='http://kettle-notes.blogspot.com/2015/03/a-walk.html' rel='canonical'/></head><body>"
            "<div class='blog-posts hfeed'><h2 class='date-header'><span>Friday, March 13, 2015</span></h2>"
            f"<div class='post-outer'>{post}</div>"
            f"<div class='comments' id='comments'><h4>Comments:</h4>{comments}</div></div>"
            "<div class='sidebar'><a name='archive'></a><a name='2'></a></div></body></html>").encode()


def test_a_post_without_microdata_or_body_id_is_known_by_its_anchor_or_its_comment_form():
    # Templates of 2006 to 2016 mark a post by the anchor at its top and give its body no id.
    post = ("<div class='post hentry'><a name='4410027716355170001'></a>"
            "<h3 class='post-title entry-title'>A walk</h3>"
            "<div class='post-body entry-content'>We walked to the mill.<a name='1'></a></div></div>")
    parsed, [got] = read(saved_page(post))
    assert (got["post"]["remote_id"], got["post"]["title"], got["post"]["body"]) == \
        ("4410027716355170001", "A walk", "We walked to the mill.")
    assert got["post"]["published"] == "2015-03-13" and not parsed.failed
    # No anchor either: the post's comment form names it.
    form = ("<a href='https://www.blogger.com/comment-iframe.g?blogID=7310000000000000042&amp;"
            "postID=4410027716355170001' id='comment-editor-src'></a>")
    parsed, [got] = read(saved_page(post.replace("<a name='4410027716355170001'></a>", ""), form))
    assert got["post"]["remote_id"] == "4410027716355170001" and parsed.blog_id == "7310000000000000042"
    # Neither: still not a post page (a footnote's anchor in the text is not the post's).
    parsed, got = read(saved_page(post.replace("<a name='4410027716355170001'></a>", "")))
    assert parsed.failed and not got


def drawn_comment(n, comment_id, author, ms, shown, text, replies=""):
    """A comment as Blogger's script draws it in the page (what a browser saves): the
    ``li`` has an id of the script's own, the comment's id is on its block."""
    return (f"<li id='bc_0_{n}B' class='comment' kind='b'><div class='avatar-image-container'></div>"
            f"<div id='c{comment_id}' class='comment-block'><div id='bc_0_{n}M' class='comment-header' kind='m'>"
            f"<cite class='user'>{author}</cite><span class='icon user'></span>"
            "<span class='datetime secondary-text'><a rel='nofollow' href='http://kettle-notes.blogspot.com/2015/03/"
            f"a-walk.html?showComment={ms}#c{comment_id}'>{shown}</a></span></div>"
            f"<p id='bc_0_{n}MC' class='comment-content'>{text}</p><span class='comment-actions secondary-text' "
            "kind='m'><a kind='i' href='javascript:;' target='_self' o='r'>Reply</a></span></div>"
            f"<div id='bc_0_{n}BR' class='comment-replies'>{replies}</div>"
            f"<div id='bc_0_{n}B_box' class='comment-replybox-single'></div></li>")


def drawn_holder(items, loadmore):
    return ("<div class='comments-content'><div id='comment-holder'><div id='bc_0_9C' kind='c'><div id='bc_0_9CT'>"
            "<div id='bc_0_8T' class='comment-thread' kind='r' t='0' u='0'>"
            f"<ol id='bc_0_8TB'>{items}</ol><div id='bc_0_8I' class='continue' kind='ci'><a>Add comment</a></div>"
            f"<div id='bc_0_8L' class='{loadmore}' kind='rb'><a href='javascript:;'>Load more...</a></div>"
            "</div></div></div></div></div>")


def test_comments_as_blogger_s_script_draws_them_are_read_with_their_replies():
    post = ("<div class='post hentry'><a name='4410027716355170001'></a><h3 class='post-title'>A walk</h3>"
            "<div class='post-body entry-content'>We walked to the mill.</div></div>")
    reply = drawn_comment(0, "6100000000000000003", "<a rel='nofollow' href='https://www.blogger.com/profile/"
                          "0912345'>Tamsin Reed</a>", 1426280400000, "March 13, 2015 at 2:00 PM", "It is, on Sundays.")
    thread = ("<span id='bc_0_1b+seedAAA' kind='d'><div id='bc_0_0T' class='comment-thread inline-thread' kind='t'>"
              "<span class='thread-toggle thread-expanded'><a>Replies</a></span>"
              f"<ol id='bc_0_0TC' class='thread-chrome thread-expanded'><div>{reply}</div>"
              "<div id='bc_0_0I' class='continue' kind='ci'><a>Reply</a></div></ol></div></span>")
    items = (drawn_comment(1, "6100000000000000001", "Anonymous", 1426276800000, "March 13, 2015 at 1:00 PM",
                           "Is the mill open?", thread)
             + drawn_comment(2, "6100000000000000002", "Owen", 1426284000000, "March 13, 2015 at 3:00 PM",
                             "<span class='deleted-comment'>This comment has been removed by the author.</span>"))
    parsed, [got] = read(saved_page(post, drawn_holder(items, "loadmore loaded")))
    assert [(c["remote_id"], c["path"], c["parent"], c["text"], c["author"] and c["author"]["name"],
             c["published_at"], c["deleted"]) for c in got["comments"]] == [
        ("6100000000000000001", "1", None, "Is the mill open?", None, "2015-03-13T20:00:00.000+00:00", False),
        ("6100000000000000003", "1.1", "1", "It is, on Sundays.", "Tamsin Reed", "2015-03-13T21:00:00.000+00:00",
         False),
        ("6100000000000000002", "2", None, "", "Owen", "2015-03-13T22:00:00.000+00:00", True)]
    assert got["complete"] and not [i for i in parsed.issues if i.kind == "incomplete-page"]
    # Its "load more" neither loaded nor hidden: more comments than the page holds.
    parsed, [got] = read(saved_page(post, drawn_holder(items, "loadmore")))
    assert not got["complete"] and [i.kind for i in parsed.issues] == ["incomplete-page"]


def test_a_classic_comment_s_author_is_the_link_after_the_avatar_not_the_avatar_s():
    # Classic templates with avatars link the picture to the profile too, before the name.
    post = ("<div class='post hentry'><a name='4410027716355170001'></a><h3 class='post-title'>A walk</h3>"
            "<div class='post-body entry-content'>We walked to the mill.</div></div>")

    def entry(comment_id, avatar, who, ms, text):
        return (f"<DT class='comment-author ' id='c{comment_id}'><A name='c{comment_id}'></A>\n"
                f"<div class=\"avatar-image-container avatar-stock\"><span dir=\"ltr\">{avatar}</span></div>\n"
                f"{who}\nsaid...\n</DT><DD class='comment-body'><P>{text}</P></DD>"
                "<DD class='comment-footer'><SPAN class='comment-timestamp'><A href='http://kettle-notes.blogspot.com/"
                f"2015/03/a-walk.html?showComment={ms}#c{comment_id}' title='comment permalink'>March 13, 2015</A>"
                "</SPAN></DD>")

    profile = "http://www.blogger.com/profile/0912345"
    comments = ("<DL class='avatar-comment-indent' id='comments-block'>"
                + entry("6100000000000000001", f"<a href=\"{profile}\" class=\"avatar-hovercard\"><img src=\"a.gif\" "
                        "title=\"Tamsin Reed\">\n</a>", f"<A href='{profile}' rel='nofollow'>Tamsin Reed</A>",
                        1426276800000, "Is the mill open?")
                + entry("6100000000000000002", "<img src=\"blank.gif\" title=\"Owen\">", "Owen", 1426280400000,
                        "On Sundays.")
                + "</DL>")
    parsed, [got] = read(saved_page(post, comments))
    assert [(c["remote_id"], c["author"]) for c in got["comments"]] == [
        ("6100000000000000001", {"name": "Tamsin Reed", "profile_url": profile, "kind": "profile"}),
        ("6100000000000000002", {"name": "Owen", "profile_url": None, "kind": "name"})]


def test_a_utf8_page_that_declares_no_encoding_is_read_as_utf8_and_a_declared_one_as_declared():
    post = ("<div class='post hentry'><a name='4410027716355170001'></a><h3 class='post-title'>Café Müller</h3>"
            "<div class='post-body entry-content'>Noël à Łódź.</div></div>")
    page = saved_page(post)
    assert b"charset" not in page
    _, [got] = read(page)
    assert (got["post"]["title"], got["post"]["body"]) == ("Café Müller", "Noël à Łódź.")
    latin = saved_page(post.replace("Łódź", "Lyon"), head="<meta content='text/html; charset=windows-1252' "
                       "http-equiv='Content-Type'/>").decode().encode("cp1252")
    _, [got] = read(latin)
    assert (got["post"]["title"], got["post"]["body"]) == ("Café Müller", "Noël à Lyon.")


def test_a_comment_on_a_static_page_keeps_the_time_it_shows_and_the_page_its_blog():
    # On a static page (/p/) a comment's time links to the page itself, with no
    # showComment: no exact time, but the time shown; the comment form says pageID.
    post = ("<div class='post hentry'><a name='4410027716355170009'></a><h3 class='post-title'>Contacto</h3>"
            "<div class='post-body entry-content'>Escríbenos.</div></div>")
    comments = (
        "<div class='comments-content'><div id='comment-holder'><div class=\"comment-thread toplevel-thread\">"
        "<ol id=\"top-ra\"><li class=\"comment\" id=\"c6100000000000000007\"><div class=\"comment-block\">"
        "<div class=\"comment-header\"><cite class=\"user\">Anónimo</cite><span class=\"datetime secondary-text\">"
        "<a rel=\"nofollow\" href=\"http://kettle-notes.blogspot.com/p/contacto.html\">13/3/15 9:05 p.&#160;m.</a>"
        "</span></div><p class=\"comment-content\">¿Abrís los domingos?</p></div></li></ol>"
        "<div class=\"loadmore hidden\"><a>Cargar más...</a></div></div></div></div>"
        "<a href='https://www.blogger.com/comment-iframe.g?blogID=7310000000000000042&amp;pageID=4410027716355170009' "
        "id='comment-editor-src'></a>")
    page = saved_page(post, comments).replace(b"2015/03/a-walk.html", b"p/contacto.html")
    parsed, [got] = read(page)
    assert got["post"]["kind"] == "page" and parsed.blog_id == "7310000000000000042"
    [comment] = parsed.comments
    assert (comment.remote_id, comment.author, comment.published_at, comment.shown_time, comment.body) == \
        ("6100000000000000007", None, None, "21:05", "¿Abrís los domingos?")


def test_a_takeout_folder_loads_with_the_files_beside_its_feeds_left_out(tmp_path, monkeypatch):
    # As Takeout lays out Blogger/Blogs/: per blog its feed, its settings and followers
    # as CSV tables, and its template in both forms. Loading the folder, as the load's
    # help shows, reads the feeds, records the rest as left out, and succeeds.
    from click.testing import CliRunner
    from pipeline.cli import cli

    blogs = tmp_path / "Takeout" / "Blogger" / "Blogs"
    expected_posts = 0
    for k, name in enumerate(("First Blog", "Second Blog")):
        blog, posts = r.draw_blog(random.Random(40 + k))
        expected_posts += sum(1 for post in posts if not post.draft)
        folder = blogs / name
        folder.mkdir(parents=True)
        (folder / "feed.atom").write_bytes(r.render_takeout(blog, posts))
        (folder / "settings.csv").write_text(f"blog_name,blog_time_zone,blog_locale\n{name},Europe/London,en_GB\n")
        (folder / "followers.csv").write_text(f"display_name,profile_image_url,is_blocked\nReader {k},,false\n")
        (folder / "theme-layouts.xml").write_text(
            "<?xml version='1.0' encoding='UTF-8' ?>\n<html xmlns:b='http://www.google.com/2005/gml/b'>\n"
            f"<head><b:skin><![CDATA[/* {name} */]]></b:skin></head><body><b:section id='main'/></body></html>\n")
        (folder / "theme-classic.html").write_text(
            f"<html><head><title><$BlogPageTitle$></title></head><body><!-- {name} --></body></html>\n")
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(cli, ["load", "Takeout/Blogger/Blogs/", "--db", "t.db"])
    assert first.exit_code == 0, first.output
    summary = first.stderr.splitlines()[-1]
    assert summary.startswith("2 loaded, 0 unchanged, 0 removed, 0 failed")
    assert "left out: 4 Blogger template, 4 CSV table" in summary
    db = open_database("t.db")
    assert db["posts"].count == expected_posts
    assert db["sources"].count_where("layout = 'none' AND format = 'other'") == 8
    assert db["parse_issues"].count == 0 and check_database(db) == []
    db.close()
    again = CliRunner().invoke(cli, ["load", "Takeout/Blogger/Blogs/", "--db", "t.db"])
    assert again.exit_code == 0 and again.stderr.splitlines()[-1].startswith("0 loaded, 10 unchanged")


@pytest.mark.parametrize("older_time, newer_time", [
    ("2019-05-01T10:30:00.000+02:00", "2019-05-01T09:00:00.000+00:00"),  # the older's text sorts later
    ("2019-05-01T08:00:00.000+00:00", "2019-05-01T10:30:00.000+02:00"),
    # The night the clocks go back: 01:50 summer time is before 01:20 winter time.
    ("2019-10-27T01:50:00.000+01:00", "2019-10-27T01:20:00.000+00:00"),
])
def test_of_two_exports_of_a_blog_the_newer_is_told_by_its_instant_whatever_its_offset(tmp_path, older_time,
                                                                                      newer_time):
    # The same blog's exports written with different offsets (one in summer, one in
    # winter; or an export beside a Takeout, whose times are UTC): 10:30+02:00 is 08:30Z.
    stamp = b"<updated>2019-05-01T10:00:00.000+02:00</updated>"
    older = export(1, export_entry(1, 11, "post"), export_entry(1, 12, "comment", post=11))
    newer = export(1, export_entry(1, 11, "post"), export_entry(1, 12, "comment", post=11),
                   export_entry(1, 13, "comment", post=11))
    older = older.replace(stamp, f"<updated>{older_time}</updated>".encode())
    newer = newer.replace(stamp, f"<updated>{newer_time}</updated>".encode())
    for order in (("older", "newer"), ("newer", "older")):
        folder = tmp_path / "-".join(order)
        for name in order:
            (folder / name).mkdir(parents=True)
            (folder / name / "blog.xml").write_bytes(older if name == "older" else newer)
        db = open_database(tmp_path / f"{folder.name}.db")
        for name in order:
            load_paths(db, [folder / name])
        assert db.execute("SELECT remote_id, comment_count FROM posts").fetchall() == [("11", 2)], order
        [(held, note)] = db.execute("""SELECT a.name, s.layout_note FROM sources s JOIN archives a
                                       ON a.id = s.archive_id WHERE s.held_by IS NOT NULL""").fetchall()
        assert held == "older" and "older export" in note, order
        assert not check_database(db), order


@pytest.mark.parametrize("damage", [b"\0", b"&#xD800;", b"\xe9", b"\x1b"])
def test_a_character_xml_does_not_allow_is_left_out_and_every_entry_kept(tmp_path, damage):
    # The parser reads a file ahead of the entries it gives: an error in one entry was
    # once put down to another, read along with it, and that one left out.
    entries = [export_entry(77, 11, "post")] + [export_entry(77, n, "comment", post=11) for n in range(12, 40)]
    data = export(77, *entries).replace(b"Text of entry 33", damage + b"Text of entry 33")
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(data)
    told = []
    db = open_database(tmp_path / "blog.db")
    report = load_paths(db, [tmp_path / "raw"], on_file=told.append)
    assert report.loaded == 1 and not report.failed
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
    bodies = dict(db.execute("SELECT remote_id, body FROM comments").fetchall())
    assert len(bodies) == 28 and bodies["33"].endswith("Text of entry 33.")
    [issue] = [i for t in told for i in t.issues]
    assert issue.kind == "invalid-character" and "every entry is kept" in issue.message
    assert not any(t.note for t in told)


@pytest.mark.parametrize("cut_in", ["post-13", "post-25", "</feed>"])
def test_a_cut_off_export_keeps_what_it_holds_whole_and_is_no_failure(tmp_path, cut_in):
    entries = [export_entry(77, 11, "post")] + [export_entry(77, n, "comment", post=11) for n in range(12, 40)]
    data = export(77, *entries)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(data[:data.index(cut_in.encode())])
    told = []
    db = open_database(tmp_path / "blog.db")
    report = load_paths(db, [tmp_path / "raw"], on_file=told.append)
    assert report.loaded == 1 and not report.failed
    kept = {row[0] for row in db.execute("SELECT remote_id FROM comments")}
    whole = set(range(12, int(cut_in[5:]))) if cut_in.startswith("post") else set(range(12, 40))
    assert kept == {str(n) for n in whole}
    [issue] = [i for t in told for i in t.issues]
    assert issue.kind == "broken-file" and issue.severity == "warning"
    assert db.execute("SELECT layout FROM sources").fetchone()[0] == "feed"


@pytest.mark.parametrize("broken", [30, 12, 39])
def test_a_broken_tag_leaves_out_the_entry_it_stands_in_and_no_other(tmp_path, monkeypatch, broken):
    from pipeline.read import feed

    entries = [export_entry(77, 11, "post")] + [export_entry(77, n, "comment", post=11) for n in range(12, 40)]
    data = export(77, *entries).replace(f"<title type='text'>Entry {broken}</title>".encode(),
                                        f"<title type='text'>Entry {broken}</titel>".encode())
    want = {str(n) for n in range(12, 40)} - {str(broken)}
    parsed = parse_file_bytes(tmp_path, data)
    assert {c.remote_id for t in parsed.threads for c in t.comments} == want
    assert [i.kind for i in parsed.issues] == ["broken-file"]
    # Loaded, in ranges on several cores: read again as a whole, carefully, alike.
    monkeypatch.setattr(feed, "RANGE_BYTES", 2000)
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(data)
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"], workers=2)
    assert {row[0] for row in db.execute("SELECT remote_id FROM comments")} == want


def parse_file_bytes(tmp_path, data):
    path = tmp_path / "blog.xml"
    path.write_bytes(data)
    return parse_file(str(path))


@pytest.mark.parametrize("old, new, changed", [
    (b"showComment=1394128937489#", b"showComment=99999999999999999999#", "4455667788990011223"),  # no such time
    (b"showComment=1394128937489#", b"showComment=999999999999999#", "4455667788990011223"),
    (b"href=\"https://office-notes-example.blogspot.com/2014/03/budget-day-what-it-means.html?showComment="
     b"1394128937489", b"href=\"http://[oops/x.html?showComment=1394128937489", "4455667788990011223"),  # no URL
    (b"showComment=1394205300250#", b"showComment=x#", "3344556677889900112"),  # a comment amid others
])
def test_a_comment_s_odd_time_link_costs_its_time_only(tmp_path, old, new, changed):
    data = (DATA / "threaded-en.html").read_bytes()
    assert old in data
    path = tmp_path / "page.html"
    path.write_bytes(data.replace(old, new, 1))
    whole = parse_file(str(DATA / "threaded-en.html"))
    odd = parse_file(str(path))
    assert not odd.failed
    [want], [got] = whole.threads, odd.threads
    times = {c.remote_id: c.published_at for c in want.comments}
    times[changed] = None
    assert {c.remote_id: c.published_at for c in got.comments} == times
    # In its place in the thread all the same.
    assert [(c.remote_id, c.path, c.body) for c in got.comments] == [(c.remote_id, c.path, c.body)
                                                                      for c in want.comments]


def test_an_export_in_utf16_reads_as_in_utf8(tmp_path):
    entries = [export_entry(77, 11, "post")] + [export_entry(77, n, "comment", post=11, name="Zoë Müller")
                                                  for n in range(12, 16)]
    text = export(77, *entries).decode("utf-8")
    want = parse_file_bytes(tmp_path, text.encode("utf-8"))
    got = parse_file_bytes(tmp_path, text.replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16"))
    assert got.format == "blogger-export" and not got.issues
    assert [(c.remote_id, c.body, c.author) for t in got.threads for c in t.comments] == \
        [(c.remote_id, c.body, c.author) for t in want.threads for c in t.comments]
    db = open_database(tmp_path / "blog.db")
    assert load_paths(db, [tmp_path / "blog.xml"]).loaded == 1
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 4


@pytest.mark.parametrize("written", ["2019-02-30T10:00:00.000+02:00", "2019-04-04T25:00:00.000+02:00",
                                     "2019-04-04T10:00:00.000+99:00", "garbage", "2019-04-04T10:00:00"])
def test_a_time_that_is_no_time_is_said_and_costs_the_comment_its_time_only(tmp_path, written):
    entry = export_entry(77, 12, "comment", post=11).replace("2019-04-04T10:00:00.000+02:00", written)
    parsed = parse_file_bytes(tmp_path, export(77, export_entry(77, 11, "post"), entry))
    [comment] = [c for t in parsed.threads for c in t.comments]
    assert comment.published_at is None and comment.body == "Text of entry 12."
    [issue] = parsed.issues
    assert issue.kind == "bad-time" and issue.severity == "warning" and repr(written) in issue.message


def test_a_large_export_says_how_it_is_getting_on(tmp_path, monkeypatch):
    from pipeline.store import load as load_module

    monkeypatch.setattr(load_module, "PART_POSTS", 3)
    blog, posts = r.draw_blog(random.Random(11), r.BlogShape(posts=(10, 10), draft_share=0.0, page_share=0.0))
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(r.render_export(blog, posts))
    said = []
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"], on_progress=said.append)
    size = (tmp_path / "raw" / "blog.xml").stat().st_size
    assert said[0].endswith(f"blog.xml: reading {size / 1e6:,.1f} MB")
    counts = [status.rsplit(": ", 1)[1] for status in said[1:]]
    assert counts == ["3 of 10 posts", "6 of 10 posts", "9 of 10 posts", "10 of 10 posts"]


def test_text_nested_deeper_than_libxml2_s_usual_limit_is_read():
    # Pasted from a word processor: hundreds of spans deep. Past 256 levels libxml2
    # stopped building the tree, and the rest of the text was lost.
    from pipeline.read.html import html_to_text

    deep = "<p>" + "<span style='font-size:small'>" * 600 + "Not good news" + "</span>" * 600 + " at all.</p><p>Next.</p>"
    assert html_to_text(deep) == "Not good news at all.\n\nNext."


def test_a_saved_page_with_deeply_nested_text_keeps_its_post_and_comments(tmp_path):
    page = (DATA / "threaded-en.html").read_text(encoding="utf-8")
    nested = "<p>" + "<span style='font-size:small'>" * 400 + "Deep text" + "</span>" * 400 + "</p>"
    paragraph = "<p>It is <b>not</b> good news for the service.</p>"  # in the post's body
    assert page.count(paragraph) == 1
    deep = page.replace(paragraph, paragraph + nested)
    whole = parse_file(str(DATA / "threaded-en.html"))
    got = parse_file_bytes(tmp_path, deep.encode("utf-8"))
    assert "Deep text" in got.threads[0].post.body
    assert [c.body for c in got.threads[0].comments] == [c.body for c in whole.threads[0].comments]


def test_a_page_of_the_blog_listing_posts_is_left_out_and_holds_no_post(tmp_path):
    # A web mirror saves the blog's home page beside each post's page: the home page
    # lists several posts, cut short and without comments; the post's page holds it.
    page = (DATA / "threaded-en.html").read_text(encoding="utf-8")
    body = re.search(r"<div class=['\"]post-body[^>]*>", page)
    assert body
    listing = page.replace(body.group(0), "<div class='post-body entry-content' id='post-body-1112223334445556667'>"
                           "Another post, cut short.</div>" + body.group(0), 1)
    (tmp_path / "mirror" / "2014" / "03").mkdir(parents=True)
    (tmp_path / "mirror" / "index.html").write_text(listing, encoding="utf-8")
    (tmp_path / "mirror" / "2014" / "03" / "budget-day.html").write_text(page, encoding="utf-8")
    told = []
    db = open_database(tmp_path / "blog.db")
    report = load_paths(db, [tmp_path / "mirror"], on_file=told.append)
    assert report.skipped == {"page listing posts": 1} and not report.failed
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 5
    [(layout, note)] = db.execute("SELECT layout, layout_note FROM sources WHERE path = 'index.html'").fetchall()
    assert note.startswith("a page of the blog that lists 2 posts") and note.endswith("left out")


def test_a_page_with_a_second_comments_section_says_that_only_one_is_read(tmp_path):
    page = (DATA / "threaded-en.html").read_text(encoding="utf-8")
    second = ("<dl id='comments-block'><dt class='comment-author' id='c777'>Pat said...</dt>"
              "<dd class='comment-body'><p>Another section.</p></dd></dl>")
    assert page.count("<div id=\"comment-holder\">") == 1
    parsed = parse_file_bytes(tmp_path, page.replace("<div id=\"comment-holder\">", second + "<div id=\"comment-holder\">")
                              .encode("utf-8"))
    whole = parse_file(str(DATA / "threaded-en.html"))
    assert [c.body for c in parsed.threads[0].comments] == [c.body for c in whole.threads[0].comments]
    [issue] = [i for i in parsed.issues if i.kind == "second-comments-section"]
    assert issue.severity == "warning" and "2 comments sections: only the threaded one is read" in issue.message
    assert not [i for i in whole.issues if i.kind == "second-comments-section"]
