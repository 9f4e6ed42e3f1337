"""The reading pages (thread, author, authors, activity, search, raw file), through
Datasette's own client, against the samples, two planted exports and hostile text."""
import asyncio
import re
import sqlite3
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import yaml
from datasette.app import Datasette

from .browse_data import HOSTILE_NAME, JS_LINK, rich_database
from .conftest import ROOT
from .html_tree import parse

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text())


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = rich_database(tmp_path_factory.mktemp("pages"))
    ds = Datasette([str(path)], metadata=METADATA, settings={"sql_time_limit_ms": 3000})
    asyncio.run(ds.invoke_startup())
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    yield ds, con, path
    con.close()


def get(ds, url):
    return asyncio.run(ds.client.get(url))


def page(ds, url, status=200):
    response = get(ds, url)
    assert response.status_code == status, (url, response.text[:500])
    return parse(response.text)


def one(con, sql, *params):
    return con.execute(sql, params).fetchone()[0]


def safe_attributes(attrs):
    """No event handler, and no link or source but http(s), a fragment or a path on this site."""
    for tag, name, value in attrs:
        assert not name.lower().startswith("on"), (tag, name, value)
        if name in ("href", "src", "action", "xlink:href", "formaction"):
            scheme = urlsplit(value or "").scheme.lower()
            assert scheme in ("", "http", "https"), (tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript"), (tag, name, value)


# -- a thread --------------------------------------------------------------------------------


def busiest_thread(con):
    return one(con, "SELECT post_id FROM comment_refs WHERE target_comment_id IS NOT NULL "
                    "GROUP BY post_id ORDER BY count(*) DESC, post_id LIMIT 1")


def test_thread_shows_each_comment_with_its_author_time_and_signature(served):
    ds, con, _ = served
    post_id = busiest_thread(con)
    tree, attrs = page(ds, f"/-/thread/{post_id}")
    safe_attributes(attrs)
    articles = {int(a.attrs["id"][1:]): a for a in tree.find_all("article", "comment")}
    rows = con.execute("SELECT c.*, a.name FROM comments c LEFT JOIN authors a ON a.id = c.author_id "
                       "WHERE c.post_id = ?", [post_id]).fetchall()
    assert set(articles) == {row["id"] for row in rows}
    for row in rows:
        article = articles[row["id"]]
        assert article.find("a", "permalink").attrs["href"] == f"#c{row['id']}"
        assert article.find("a", "permalink").text() == row["path"]
        author = article.find("a", "author")
        if row["author_id"] is None:
            assert author is None and article.find("span", "anonymous").text() == "Anonymous"
        else:
            assert author.attrs["href"] == f"/-/author/{row['author_id']}" and author.text() == row["name"]
        time = article.find("time")
        assert (time is not None) == (row["published_at"] is not None)
        if time is not None:
            assert time.attrs["datetime"] == row["published_at"]
            moment = row["published_at"]
            assert f"{int(moment[8:10])} " in time.text() and moment[11:16] in time.text()
        signature = article.find("span", "signature")
        expected = f"signed “{row['signature']}”" if row["signature"] else None
        assert (signature.text() if signature else None) == expected
        # Blogger's nesting: a reply sits in its parent's list of replies.
        holder = article.parent.parent
        if row["parent_id"] is None:
            assert "comments" in holder.classes
        else:
            assert "replies" in holder.classes
            assert holder.parent.find("article", "comment").attrs["id"] == f"c{row['parent_id']}"


def test_references_link_to_the_comment_they_address_and_it_lists_them(served):
    ds, con, _ = served
    checked = 0
    for post_id in [row[0] for row in con.execute("SELECT DISTINCT post_id FROM comment_refs")]:
        tree, _ = page(ds, f"/-/thread/{post_id}")
        articles = {a.attrs["id"]: a for a in tree.find_all("article", "comment")}
        answered = Counter()
        for ref in con.execute("SELECT * FROM comment_refs WHERE post_id = ?", [post_id]):
            article = articles[f"c{ref['comment_id']}"]
            if ref["target_comment_id"] is not None:
                target = f"#c{ref['target_comment_id']}"
            elif ref["target_post"]:
                target = "#post"
            else:
                written = ref["text"].replace("\n", " ")
                spans = [s for s in article.find_all("span", "unresolved") if s.text() == written]
                assert spans and "fit" in spans[0].attrs["title"]
                continue
            links = [a for a in article.find_all("a", "ref") if a.attrs["href"] == target]
            assert any(a.text() == ref["text"].replace("\n", " ") for a in links), (post_id, ref["text"])
            answered[(target, ref["comment_id"])] += 1
            checked += 1
        # Each comment (and the post) lists the comments that address it, each a link.
        for (target, source), _ in answered.items():
            holder = tree.find("article", id=target[1:])
            listed = holder.find("span", "answered")
            assert listed is not None and any(a.attrs["href"] == f"#c{source}" for a in listed.find_all("a"))
        for article_id, article in articles.items():
            listed = article.find("span", "answered")
            expected = {source for (target, source) in answered if target == f"#{article_id}"}
            got = {int(a.attrs["href"][2:]) for a in listed.find_all("a")} if listed else set()
            assert got == expected
    assert checked > 50


def test_thread_links_its_raw_file_and_line_spans(served):
    ds, con, _ = served
    post_id = busiest_thread(con)
    tree, _ = page(ds, f"/-/thread/{post_id}")
    source_id, first, last = con.execute("SELECT source_id, first_line, last_line FROM posts WHERE id = ?",
                                         [post_id]).fetchone()
    sources = [a.attrs["href"] for a in tree.find_all("a", "source")]
    assert f"/-/source/{source_id}?lines={first}-{last}#L{first}" in sources
    assert len(sources) == 1 + one(con, "SELECT count(*) FROM comments WHERE post_id = ?", post_id)


def test_thread_shows_when_its_comments_came(served):
    ds, con, _ = served
    post_id = busiest_thread(con)
    tree, _ = page(ds, f"/-/thread/{post_id}")
    bars = tree.find("svg", id="chart-arrivals").find_all("rect", "bar")
    timed = one(con, "SELECT count(*) FROM comments WHERE post_id = ? AND published_at IS NOT NULL", post_id)
    assert sum(int(b.attrs["data-value"]) for b in bars) == timed > 0
    # Within an hour of the post: counted from the times themselves.
    import datetime as dt
    posted = dt.datetime.fromisoformat(one(con, "SELECT published_at FROM posts WHERE id = ?", post_id))
    soon = sum(1 for (t,) in con.execute("SELECT published_at FROM comments WHERE post_id = ?", [post_id])
               if t and (dt.datetime.fromisoformat(t) - posted).total_seconds() < 3600)
    assert int(bars[0].attrs["data-value"]) == soon
    # A dump has no times: no chart.
    dump = one(con, "SELECT p.id FROM posts p JOIN sources s ON s.id = p.source_id WHERE s.format = 'dump' "
                    "AND p.comment_count > 0 LIMIT 1")
    assert page(ds, f"/-/thread/{dump}")[0].find("svg") is None


def test_untitled_post_has_a_title_and_missing_ones_are_not_found(served):
    ds, con, _ = served
    untitled = one(con, "SELECT id FROM posts WHERE title IS NULL OR title = '' LIMIT 1")
    assert page(ds, f"/-/thread/{untitled}")[0].find("h1").text() == "(untitled)"
    assert get(ds, "/-/thread/1").status_code == 404
    assert get(ds, "/-/thread/99999999999999999999").status_code == 404
    assert get(ds, "/-/author/1").status_code == 404
    assert get(ds, "/-/source/1").status_code == 404


# -- people ------------------------------------------------------------------------------------


def test_author_page_shows_what_they_wrote_and_whom_they_answered(served):
    ds, con, _ = served
    author_id, name, comments = con.execute(
        "SELECT a.id, a.name, count(*) FROM comments c JOIN authors a ON a.id = c.author_id "
        "GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1").fetchone()
    tree, attrs = page(ds, f"/-/author/{author_id}")
    safe_attributes(attrs)
    assert tree.find("h1").text() == name
    written = tree.find("ol", "written").find_all("article", "comment")
    ids = {int(a.attrs["id"][1:]) for a in written}
    assert ids == {row[0] for row in con.execute("SELECT id FROM comments WHERE author_id = ?", [author_id])}
    assert len(written) == comments
    # First and last appearance: the comments with the earliest and the latest time.
    times = con.execute("SELECT c.id, c.post_id, coalesce(c.published_at, p.published) AS t FROM comments c "
                        "JOIN posts p ON p.id = c.post_id WHERE c.author_id = ? AND t IS NOT NULL ORDER BY t",
                        [author_id]).fetchall()
    facts = tree.find("dl", "facts")
    facts = {dt.text(): dd for dt, dd in zip(facts.find_all("dt"), facts.find_all("dd"))}
    assert facts["First seen"].find("a").attrs["href"] == f"/-/thread/{times[0][1]}#c{times[0][0]}"
    assert facts["Last seen"].find("a").attrs["href"] == f"/-/thread/{times[-1][1]}#c{times[-1][0]}"
    for fact, (_, post, _) in (("First seen", times[0]), ("Last seen", times[-1])):
        title = one(con, "SELECT coalesce(title, '(untitled)') FROM posts WHERE id = ?", post)
        assert facts[fact].text().endswith(f"on “{title}”")
    # Whom they answered most, counted from replies and resolved references directly.
    answered = Counter()
    for (to,) in con.execute(
            "SELECT p.author_id FROM comments c JOIN comments p ON p.id = c.parent_id WHERE c.author_id = ?",
            [author_id]):
        answered[to] += 1
    for target, to_post, post_author in con.execute(
            "SELECT t.author_id, r.target_post, po.author_id FROM comment_refs r "
            "JOIN comments c ON c.id = r.comment_id JOIN posts po ON po.id = r.post_id LEFT JOIN comments t ON t.id = r.target_comment_id "
            "WHERE c.author_id = ?", [author_id]):
        answered[post_author if to_post else target] += 1
    expected = sorted(((n, a) for a, n in answered.items() if a not in (None, author_id)), key=lambda x: -x[0])
    section = tree.find("section", **{"aria-labelledby": "answered-heading"})
    shown = [(a.find("a").attrs["href"], a.text()) for a in section.find_all("li")]
    assert len(shown) == min(10, len(expected))
    top_count = expected[0][0]
    assert shown[0][1].split(": ")[1].startswith(f"{top_count} time")
    assert {href for href, _ in shown} <= {f"/-/author/{a}" for _, a in expected}


def test_author_pages_and_the_index_page_through_everything_once(served, monkeypatch):
    from pipeline.serve import browse

    ds, con, _ = served
    monkeypatch.setattr(browse, "AUTHOR_PAGE", 4)
    monkeypatch.setattr(browse, "AUTHORS_PAGE", 7)
    author_id = one(con, "SELECT author_id FROM comments WHERE author_id IS NOT NULL GROUP BY author_id "
                         "ORDER BY count(*) DESC LIMIT 1")
    seen, number = [], 1
    while True:
        tree, _ = page(ds, f"/-/author/{author_id}?page={number}")
        seen += [int(a.attrs["id"][1:]) for a in tree.find("ol", "written").find_all("article", "comment")]
        if tree.find("a", rel="next") is None:
            break
        number += 1
    expected = [row[0] for row in con.execute(
        "SELECT c.id FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.author_id = ? "
        "ORDER BY coalesce(c.published_at, p.published) IS NULL, coalesce(c.published_at, p.published), "
        "c.post_id, c.seq", [author_id])]
    assert seen == expected and number == -(-len(expected) // 4)
    names, number = [], 1
    while True:
        tree, _ = page(ds, f"/-/authors?page={number}")
        names += [r.find("a").attrs["href"] for r in tree.find("table", "authors").find("tbody").find_all("tr")]
        if tree.find("a", rel="next") is None:
            break
        number += 1
    assert len(names) == len(set(names)) == one(con, "SELECT count(DISTINCT author_id) FROM comments")
    assert get(ds, f"/-/authors?page=999999").status_code == 200


def test_author_page_of_a_comment_author_is_reached_from_the_comment(served):
    ds, con, _ = served
    row = con.execute("SELECT id, post_id, author_id FROM comments WHERE author_id IS NOT NULL LIMIT 1").fetchone()
    tree, _ = page(ds, f"/-/thread/{row['post_id']}")
    link = tree.find("article", id=f"c{row['id']}").find("a", "author").attrs["href"]
    assert link == f"/-/author/{row['author_id']}"
    assert page(ds, link)[0].find("h1") is not None


def test_authors_index_orders_everyone_by_comments_and_leaves_out_anonymous(served):
    ds, con, _ = served
    tree, _ = page(ds, "/-/authors")
    rows = tree.find("table", "authors").find("tbody").find_all("tr")
    expected = con.execute("SELECT author_id, count(*) FROM comments WHERE author_id IS NOT NULL "
                           "GROUP BY author_id ORDER BY 2 DESC").fetchall()
    assert len(rows) == min(100, len(expected))
    counts = [int(r.find_all("td")[3].text().replace(",", "")) for r in rows]
    assert counts == sorted(counts, reverse=True) == [n for _, n in expected][:len(rows)]
    anonymous = one(con, "SELECT count(*) FROM comments WHERE author_id IS NULL")
    assert f"{anonymous:,} of them" in tree.find("h1").parent.text()
    assert "Anonymous" not in {r.find("a").text() for r in rows}
    # By kind: only that kind.
    signature = page(ds, "/-/authors?kind=signature")[0]
    kinds = {r.find_all("td")[2].text() for r in signature.find("table", "authors").find("tbody").find_all("tr")}
    assert kinds == {"signature"}


def test_hostile_author_is_shown_as_text_and_their_website_not_linked(served):
    ds, con, _ = served
    author_id = one(con, "SELECT id FROM authors WHERE name = ?", HOSTILE_NAME)
    response = get(ds, f"/-/author/{author_id}")
    tree, attrs = parse(response.text)
    safe_attributes(attrs)
    assert tree.find("h1").text() == HOSTILE_NAME
    assert "<img" not in response.text.replace("&lt;img", "")
    assert JS_LINK not in " ".join(v or "" for _, _, v in attrs)


# -- activity ----------------------------------------------------------------------------------


def bars(tree, chart):
    svg = tree.find("svg", id=f"chart-{chart}")
    return {m.attrs["data-label"]: float(m.attrs["data-value"].replace(",", ""))
            for m in svg.find_all(where=lambda n: n.tag in ("rect", "circle"))}


def test_activity_charts_plot_what_count_queries_count(served):
    ds, con, _ = served
    tree, attrs = page(ds, "/-/activity")
    safe_attributes(attrs)
    posts = bars(tree, "posts-per-month")
    assert sum(posts.values()) == one(con, "SELECT count(*) FROM posts WHERE published_month IS NOT NULL")
    for month, value in posts.items():
        assert value == one(con, "SELECT count(*) FROM posts WHERE published_month = ?", month)
    comments = bars(tree, "comments-per-month")
    for month, value in comments.items():
        own = one(con, "SELECT count(*) FROM comments WHERE published_at LIKE ? || '%'", month)
        theirs = one(con, "SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id "
                          "WHERE c.published_at IS NULL AND p.published_month = ?", month)
        assert value == own + theirs, month
    # Comments that carry a time count in their own month, not their post's.
    late = con.execute("SELECT substr(c.published_at, 1, 7) FROM comments c JOIN posts p ON p.id = c.post_id "
                       "WHERE substr(c.published_at, 1, 7) != p.published_month LIMIT 1").fetchone()
    assert late is not None and comments[late[0]] >= 1
    years = bars(tree, "comments-per-year")
    for year, value in years.items():
        assert value == one(con, "SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id "
                                 "WHERE coalesce(substr(c.published_at, 1, 4), p.published_year) = ?", year) or \
            value == one(con, "SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id "
                              "WHERE coalesce(CAST(substr(c.published_at, 1, 4) AS INTEGER), p.published_year) = ?",
                         int(year))
    per_post = bars(tree, "comments-per-post")
    for month, value in per_post.items():
        n, total = con.execute("SELECT count(*), sum(comment_count) FROM posts WHERE published_month = ?",
                               [month]).fetchone()
        assert value == pytest.approx(total / n, abs=0.05)
    # The numbers are a click away: a table in a <details>, and the query in Datasette.
    details = tree.find("section", id="posts-per-month").find("details", "numbers")
    assert len(details.find("tbody").find_all("tr")) == len(posts)
    sql = parse_qs(urlsplit(details.find("a").attrs["href"]).query)["sql"][0]
    counted = get(ds, "/blog.json?" + urlencode({"sql": sql, "_shape": "array"})).json()
    assert {row["month"]: row["posts"] for row in counted} == {m: n for m, n in posts.items() if n}
    # Each figure's query gives the rows of its table (months with nothing are left out).
    details = tree.find("section", id="per-year").find("details", "numbers")
    assert [th.text() for th in details.find("thead").find_all("th")] == ["year", "posts", "comments"]
    shown = [[td.text() for td in tr.find_all("td")] for tr in details.find("tbody").find_all("tr")]
    sql = parse_qs(urlsplit(details.find("a").attrs["href"]).query)["sql"][0]
    counted = get(ds, "/blog.json?" + urlencode({"sql": sql, "_shape": "array"})).json()
    assert len(shown) > 1 and [[str(r["year"]), str(r["posts"]), str(r["comments"])] for r in counted] == shown


def test_per_month_query_counts_comments_in_their_own_month(served):
    ds, con, _ = served
    months = get(ds, "/blog/per_month.json?_shape=array").json()
    tree, _ = page(ds, "/-/activity")
    comments = bars(tree, "comments-per-month")
    posts = bars(tree, "posts-per-month")
    for row in months:
        assert row["comments"] == comments.get(row["month"], 0) and row["posts"] == posts.get(row["month"], 0)
    assert sum(r["comments"] for r in months) == one(
        con, "SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id "
             "WHERE c.published_at IS NOT NULL OR p.published_month IS NOT NULL")


# -- search ------------------------------------------------------------------------------------


def test_search_lands_on_the_comment_in_its_thread(served):
    ds, con, _ = served
    tree, attrs = page(ds, "/-/search?q=gallows")
    safe_attributes(attrs)
    hits = tree.find_all("li", "result")
    expected = con.execute("SELECT id, post_id FROM comments WHERE body LIKE '%gallows%'").fetchall()
    assert [h.find("a", "hit").attrs["href"] for h in hits] == [f"/-/thread/{p}#c{c}" for c, p in expected]
    assert [m.text().lower() for m in hits[0].find_all("mark")] == ["gallows"]


def test_search_finds_posts_and_comments_with_facets_by_year_and_author(served):
    ds, con, _ = served
    word = "union"
    tree, _ = page(ds, f"/-/search?q={word}")
    comment_ids = {r[0] for r in con.execute("SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?", [word])}
    post_ids = {r[0] for r in con.execute("SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?", [word])}
    summary = tree.find("p", "summary").text()
    assert summary.startswith(f"{len(comment_ids)} comments and {len(post_ids)} posts")
    hrefs = {h.find("a", "hit").attrs["href"] for h in tree.find_all("li", "result")}
    assert len(hrefs) == min(30, len(comment_ids) + len(post_ids))
    for href in hrefs:
        thread, anchor = href.removeprefix("/-/thread/").split("#")
        assert (anchor == "post" and int(thread) in post_ids) or int(anchor[1:]) in comment_ids
    # Facets by year: a comment's own year where it has a time, else its post's.
    years = {}
    for li in tree.find("aside", "facets").find_all("ul")[0].find_all("li"):
        label = li.text()
        year, count = re.match(r"(\d{4}).*?\((\d+)\)", label).groups()
        years[int(year)] = int(count)
    expected = Counter()
    for (y,) in con.execute("SELECT coalesce(CAST(substr(c.published_at, 1, 4) AS INTEGER), p.published_year) "
                            "FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.id IN (SELECT rowid FROM "
                            "comments_fts WHERE comments_fts MATCH ?)", [word]):
        expected[y] += 1
    for (y,) in con.execute("SELECT published_year FROM posts WHERE id IN (SELECT rowid FROM posts_fts "
                            "WHERE posts_fts MATCH ?)", [word]):
        expected[y] += 1
    assert years == {y: n for y, n in expected.items() if y is not None}
    # Narrowed to one year, then to one author: every hit is of that year, of that author.
    year = max(years, key=years.get)
    narrowed = page(ds, f"/-/search?q={word}&year={year}")[0]
    total = sum(int(n) for n in re.findall(r"^(\d+) comments? and (\d+)", narrowed.find("p", "summary").text())[0])
    assert total == years[year]
    author_li = tree.find("aside", "facets").find_all("ul")[1].find_all("li")[0]
    author_href = author_li.find("a").attrs["href"]
    author_id = int(parse_qs(urlsplit(author_href).query)["author"][0])
    by_author = page(ds, "/-/search" + author_href)[0]
    count = int(re.search(r"\((\d+)\)", author_li.text()).group(1))
    shown = by_author.find_all("li", "result")
    assert len(shown) == min(30, count)
    for hit in shown:
        assert hit.find("a", "author").attrs["href"] == f"/-/author/{author_id}"


def test_a_search_with_too_many_matches_to_rank_shows_them_as_found(served, monkeypatch):
    from pipeline.serve import browse

    ds, con, _ = served
    monkeypatch.setattr(browse, "RANK_LIMIT", 10)
    word = "union"
    comments = {r[0] for r in con.execute("SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?", [word])}
    posts = {r[0] for r in con.execute("SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?", [word])}
    assert len(comments) + len(posts) > 10
    tree, _ = page(ds, f"/-/search?q={word}&year=2015")
    note = tree.find("p", "note").text()
    assert f"{len(comments) + len(posts)} matches: too many to rank" in note and "any year" in note
    assert tree.find("aside", "facets").find_all("li") == []
    assert tree.find("p", "summary").text().startswith(f"{len(comments)} comments and {len(posts)} posts")
    # As the indexes hold them: by id, each post beside its comments; every page of them, once.
    seen = []
    for number in range(1, 10):
        hits = page(ds, f"/-/search?q={word}&page={number}")[0].find_all("li", "result")
        for hit in hits:
            thread, anchor = hit.find("a", "hit").attrs["href"].removeprefix("/-/thread/").split("#")
            seen.append(int(thread) if anchor == "post" else int(anchor[1:]))
        if len(hits) < 30:
            break
    assert seen == sorted(comments | posts)


@pytest.mark.parametrize("query", ['"', "AND", "foo:bar", "NEAR(", "*", ")", "union AND", "^", "title:"])
def test_a_query_search_cannot_read_gets_a_message(served, query):
    ds, _, _ = served
    response = get(ds, "/-/search?q=" + query.replace('"', "%22").replace("^", "%5E"))
    assert response.status_code == 200
    tree, _ = parse(response.text)
    message = tree.find("p", "message-error")
    assert message is not None and "could not read" in message.text()
    # ... with a link that searches for the text as written.
    phrase = message.find("a").attrs["href"]
    assert get(ds, "/-/search" + phrase).status_code == 200


def test_search_escapes_what_it_shows(served):
    ds, _, _ = served
    response = get(ds, "/-/search?q=pwned")
    tree, attrs = parse(response.text)
    safe_attributes(attrs)
    assert tree.find_all("li", "result")
    assert "<script>window" not in response.text and "<svg onload" not in response.text
    assert all(m.text().lower().startswith("pwned") for m in tree.find_all("mark"))
    hostile = get(ds, "/-/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert" not in hostile.text and hostile.status_code == 200


# -- what strangers wrote ----------------------------------------------------------------------


def test_hostile_text_is_shown_as_text_everywhere(served):
    ds, con, _ = served
    for post_id, in con.execute("SELECT id FROM posts WHERE title LIKE '%<script>%'"):
        response = get(ds, f"/-/thread/{post_id}")
        tree, attrs = parse(response.text)
        safe_attributes(attrs)
        assert "<script>window" not in response.text
        assert not tree.find_all("img") and not tree.find_all("svg", where=lambda n: "chart" not in n.classes)
        assert "<script>window.pwned" in tree.find("h1").text()
        # The one safe address is a link, nofollow; the javascript: one is text.
        web = tree.find_all("a", "web")
        for link in web:
            assert link.attrs["href"].startswith(("http://", "https://"))
            assert set(link.attrs["rel"].split()) >= {"nofollow", "noopener"}
    dump = one(con, "SELECT p.id FROM posts p JOIN sources s ON s.id = p.source_id WHERE s.path = 'hostile.txt'")
    tree, _ = page(ds, f"/-/thread/{dump}")
    assert [a.attrs["href"] for a in tree.find_all("a", "web")] == ["https://example.org/ok?a=1&b=2"]


def test_datasette_pages_escape_and_link_posts_to_their_threads(served):
    ds, con, _ = served
    for url in ("/blog/posts?_all=1", "/blog/comments?_all=1", "/blog/authors", "/blog/most_discussed",
                "/blog/busiest_authors", "/blog/thread?title_words=", "/blog/comments_mentioning?word=pwned",
                "/blog/comment_refs?_size=max", "/blog/date_mentions?_size=max"):
        response = get(ds, url)
        assert response.status_code == 200, url
        _, attrs = parse(response.text)
        safe_attributes(attrs)
        for tag, name, value in attrs:
            if name == "href" and value.startswith("/-/thread/"):
                assert re.fullmatch(r"/-/thread/\d+(#c\d+)?", value), (url, value)
        # Addresses strangers gave are linked as the reading pages link them.
        tree, _ = parse(response.text)
        for link in tree.find_all("a"):
            host = urlsplit(link.attrs.get("href", "")).hostname
            if host and host not in ("localhost", "datasette.io"):
                assert {"nofollow", "noopener"} <= set(link.attrs.get("rel", "").split()), (url, link.attrs)
    # Things found in comments open the comment in its thread, not the top of it.
    for table, column in (("comment_refs", "comment_id"), ("comment_refs", "target_comment_id"),
                          ("date_mentions", "comment_id")):
        row = con.execute(f"SELECT id, post_id, {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1").fetchone()
        text = get(ds, f"/blog/{table}?id={row['id']}").text
        assert f'href="/-/thread/{row["post_id"]}#c{row[column]}"' in text, (table, column)
    profile = one(con, "SELECT profile_url FROM authors WHERE profile_url IS NOT NULL LIMIT 1")
    assert 'rel="nofollow noopener noreferrer"' in get(ds, "/blog/authors?_size=max").text and profile
    busiest = get(ds, "/blog/busiest_authors").text
    author_id = one(con, "SELECT author_id FROM comments WHERE author_id IS NOT NULL GROUP BY author_id "
                         "ORDER BY count(*) DESC LIMIT 1")
    assert f'href="/-/author/{author_id}"' in busiest


# -- raw files ---------------------------------------------------------------------------------


def test_raw_file_lines_are_served_from_the_archive_folder(served):
    ds, con, path = served
    row = con.execute("SELECT c.post_id, c.first_line, c.last_line, p.source_id, s.path FROM comments c "
                      "JOIN posts p ON p.id = c.post_id JOIN sources s ON s.id = p.source_id "
                      "WHERE s.path = 'hostile.txt' AND c.path = '3'").fetchone()
    response = get(ds, f"/-/source/{row['source_id']}?lines={row['first_line']}-{row['last_line']}")
    assert response.status_code == 200
    tree, attrs = parse(response.text)
    safe_attributes(attrs)
    raw = (path.parent / "raw" / "hostile.txt").read_text(encoding="utf-8").split("\n")
    lines = tree.find("table", "raw-lines").find("tbody").find_all("tr")
    assert [r.find("code").text() for r in lines] == raw[:len(lines)]
    marked = [int(r.attrs["id"][1:]) for r in lines if "marked" in r.classes]
    assert marked == list(range(row["first_line"], row["last_line"] + 1))
    assert JS_LINK in " ".join(r.find("code").text() for r in lines)


def test_raw_file_gone_or_outside_its_archive_gets_a_message(served, tmp_path):
    ds, con, path = served
    source_id = one(con, "SELECT id FROM sources WHERE path = 'hostile.txt'")
    copy = tmp_path / "copy.db"
    backup = sqlite3.connect(copy)
    con.backup(backup)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web\n")
    (path.parent / "raw" / "link.txt").symlink_to(secret)
    try:
        cases = {"missing.txt": "not on this machine", "../raw/../../" + secret.name: "not on this machine",
                 str(secret): "not on this machine", "link.txt": "not on this machine"}
        for relative, message in cases.items():
            backup.execute("UPDATE sources SET path = ? WHERE id = ?", [relative, source_id])
            backup.commit()
            other = Datasette([str(copy)], settings={"sql_time_limit_ms": 3000})
            asyncio.run(other.invoke_startup())
            response = get(other, f"/-/source/{source_id}?lines=1-2")
            assert response.status_code == 404, relative
            assert message in response.text and "not for the web" not in response.text, relative
    finally:
        backup.close()
        (path.parent / "raw" / "link.txt").unlink()


def test_static_files_are_only_the_plugins_own(served):
    ds, _, _ = served
    assert get(ds, "/-/blog-static/browse.css").headers["content-type"].startswith("text/css")
    for name in ("../browse.py", "browse.py", "..%2Fbrowse.py", "nothere.css", "tables.py"):
        response = get(ds, f"/-/blog-static/{name}")
        assert response.status_code in (302, 404) and "hookimpl" not in response.text


def test_the_pages_benchmark_times_every_page_on_a_database_it_builds_once(tmp_path, monkeypatch):
    # Only that it builds, reuses and asks for every page: its times are its output.
    from pipeline.tools import bench

    monkeypatch.chdir(ROOT)
    lines = []
    report = bench.run_pages(tmp_path, posts=60, say=lines.append)
    rows = [line.split("|")[1:-1] for line in report.splitlines() if line.startswith("| ") and "---" not in line][1:]
    pages = ["thread", "thread", "author", "author", "authors", "activity", "search", "search"]
    assert [(r[0].strip(), r[1].strip()) for r in rows] == [("known", p) for p in pages] + [("none", p) for p in pages]
    assert all(float(r[4]) >= 0 for r in rows)
    untimed = sqlite3.connect(tmp_path / "pages-60-1" / "untimed.db")
    assert untimed.execute("SELECT count(*) FROM comments WHERE published_at IS NOT NULL").fetchone()[0] == 0
    untimed.close()
    assert "60 posts" in report
    again = []
    bench.run_pages(tmp_path, posts=60, say=again.append)
    assert any(line.startswith("reusing") for line in again)
