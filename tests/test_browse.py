"""Browsing with Datasette, through Datasette's own client, against the sample database."""
import asyncio
import re

import pytest
import yaml
from datasette.app import Datasette

from pipeline.store.load import open_database
from pipeline.store.rows import file_id
from pipeline.parse import parse_file

from .conftest import RAW, ROOT, sample_database
from .html_tree import parse

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text())
QUERIES = METADATA["databases"]["blog"]["queries"]
WAR = file_id("raw", "001_1f9ec539c5090330.txt")  # "The War Goes On": 14 comments, 9 replies


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    path = sample_database(tmp_path_factory.mktemp("browse"))
    ds = Datasette([str(path)], metadata=METADATA, settings={"sql_time_limit_ms": 3000})
    asyncio.run(ds.invoke_startup())
    return ds


def get(ds, url):
    response = asyncio.run(ds.client.get(url))
    return response


def rows(ds, url):
    response = get(ds, url + ("&" if "?" in url else "?") + "_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


def test_front_page_explains_and_links_the_queries(datasette):
    page = get(datasette, "/")
    assert page.status_code == 200
    assert "<h1>Blog archive</h1>" in page.text
    for name in QUERIES:
        assert f'href="/blog/{name}"' in page.text


MENTIONS = sum(len(parse_file(str(path)).mentions) for path in sorted(RAW.glob("*.txt")))


@pytest.mark.parametrize("table, count", [
    ("posts", 5), ("comments", 160), ("sources", 5), ("dates", None), ("date_mentions", MENTIONS),
    ("parse_issues", 0),
])
def test_every_table(datasette, table, count):
    page = get(datasette, f"/blog/{table}?_all=1")
    assert page.status_code == 200
    description = METADATA["databases"]["blog"]["tables"][table]["description"]
    assert description.split(".")[0] in page.text.replace("&#39;", "'")
    if count is not None:
        assert get(datasette, f"/blog/{table}.json").json()["filtered_table_rows_count"] == count


def test_posts_facet_by_year_and_month(datasette):
    data = get(datasette, "/blog/posts.json").json()
    years = {r["value"]: r["count"] for r in data["facet_results"]["published_year"]["results"]}
    assert years == {2014: 2, 2015: 1, 2017: 1, 2024: 1}
    assert "published_month" in data["facet_results"]


def test_comments_facet_by_depth_and_label_their_post(datasette):
    data = get(datasette, "/blog/comments.json").json()
    depths = {r["value"]: r["count"] for r in data["facet_results"]["depth"]["results"]}
    assert depths == {1: 68, 2: 92}
    page = get(datasette, f"/blog/comments?post_id={WAR}&_all=1")
    assert "The War Goes On" in page.text  # the foreign key shows the post's title


def test_post_titles_link_to_their_thread(datasette):
    page = get(datasette, "/blog/posts?_all=1")
    assert f'<a href="/-/thread/{WAR}">The War Goes On</a>' in page.text
    # The post without a title has a link all the same.
    untitled = file_id("raw", "004_f41891cd9d906480.txt")
    assert f'<a href="/-/thread/{untitled}">(untitled)</a>' in page.text


def test_post_links_in_the_comments_table_open_the_comment_in_its_thread(datasette):
    comment = rows(datasette, f"/blog/comments.json?post_id={WAR}&path=2.2")[0]
    page = get(datasette, f"/blog/comments?post_id={WAR}&path=2.2&_all=1")
    assert f'<a href="/-/thread/{WAR}#c{comment["id"]}">The War Goes On</a>' in page.text


@pytest.mark.parametrize("table", ["posts", "comments"])
def test_wide_tables_open_without_their_long_columns(datasette, table):
    page = get(datasette, f"/blog/{table}?_sort=id")
    assert page.status_code == 302
    target = page.headers["location"]
    assert target.startswith(f"/blog/{table}?_sort=id&_nocol=")
    shown = get(datasette, target)
    assert shown.status_code == 200
    columns = set(re.findall(r'<th[^>]* data-column="(\w+)"', shown.text))
    assert "id" in columns and ("title" in columns or "body" in columns)
    assert "first_line" not in columns and "remote_id" not in columns
    # Every column, when asked for; JSON is never redirected.
    every = get(datasette, f"/blog/{table}?_all=1").text
    assert "first_line" in set(re.findall(r'<th[^>]* data-column="(\w+)"', every))
    assert get(datasette, f"/blog/{table}.json").status_code == 200
    # The column descriptions are short: one line each.
    described = METADATA["databases"]["blog"]["tables"][table]["columns"]
    assert max(len(text) for text in described.values()) <= 70


@pytest.mark.parametrize("table, word", [("comments", "gallows"), ("posts", "Grayling"), ("comments", "Netnipper"),
                                         ("posts", "ballot"), ("comments", "Unison")])
def test_search(datasette, table, word):
    # What full-text search finds, against a plain scan of the same texts.
    db = open_database(datasette.databases["blog"].path)
    pattern = re.compile(rf"\b{word}", re.I)
    expected = sorted(r["id"] for r in db[table].rows if pattern.search((r.get("title") or "") + " " + r["body"]))
    db.close()
    assert expected
    assert sorted(r["id"] for r in rows(datasette, f"/blog/{table}.json?_search={word}&_size=max")) == expected


def test_query_thread_finds_a_post_by_words_of_its_title(datasette):
    found = rows(datasette, "/blog/thread.json?title_words=war+goes")
    assert found == [{"thread": WAR, "title": "The War Goes On", "published": "2014-12-09", "comments": 23}]
    every = rows(datasette, "/blog/thread.json?title_words=")
    assert len(every) == 5 and "(untitled)" in {r["title"] for r in every}
    page = get(datasette, "/blog/thread?title_words=war")
    assert f'<a href="/-/thread/{WAR}">read the thread</a>' in page.text


def test_query_most_discussed(datasette):
    top = rows(datasette, "/blog/most_discussed.json")
    assert [(r["title"], r["comments"], r["replies"]) for r in top[:2]] == [
        ("Latest From Napo 88", 55, 38), ("Latest From Napo 141", 39, 26)]


def test_query_comments_mentioning(datasette):
    found = rows(datasette, "/blog/comments_mentioning.json?word=gallows")
    assert [(r["post"], r["path"], r["published"]) for r in found] == [("Latest From Napo 15", "9", "2014-03-06")]
    assert "[gallows]" in found[0]["excerpt"]
    page = get(datasette, "/blog/comments_mentioning?word=gallows")
    assert f'<a href="/-/thread/{found[0]["thread"]}#c{found[0]["comment"]}">comment 9</a>' in page.text
    # Quotes and FTS syntax in the word are searched for, not run.
    assert get(datasette, '/blog/comments_mentioning.json?word=" OR NEAR(').status_code == 200


def test_query_per_month(datasette):
    months = rows(datasette, "/blog/per_month.json")
    assert {"month": "2015-12", "posts": 1, "comments": 55} in months
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)


def test_query_mentions_timeline(datasette):
    timeline = rows(datasette, "/blog/mentions_timeline.json")
    march = next(r for r in timeline if r["month"] == "2014-03")
    assert march["mentions"] >= 10 and "11th\u00a0March" in march["written_as"]


def test_thread_page_reads_like_the_blog(datasette):
    page = get(datasette, f"/-/thread/{WAR}")
    assert page.status_code == 200
    tree, _ = parse(page.text)
    assert tree.find("h1").text() == "The War Goes On"
    comments = {node.attrs["data-path"]: node for node in tree.find_all("article", "comment")}
    assert len(comments) == 23
    reply, parent = comments["2.2"], comments["2"]
    assert "Brilliant Netnipper" in reply.find("div", "comment-body").text()
    # The reply is in the list of replies under its parent's item, the parent in no such list.
    assert reply.parent.parent.tag == "ol" and "replies" in reply.parent.parent.classes
    assert reply.parent.parent.parent is parent.parent
    assert not any("replies" in a.classes for a in parent.ancestors())
    assert reply.attrs["id"] == f"c{rows(datasette, f'/blog/comments.json?post_id={WAR}&path=2.2')[0]['id']}"


def test_thread_page_of_a_missing_post(datasette):
    assert get(datasette, "/-/thread/1").status_code == 404


def test_metadata_describes_every_column(datasette):
    tables = METADATA["databases"]["blog"]["tables"]
    db = open_database(datasette.databases["blog"].path)
    for table in ("posts", "comments", "date_mentions"):
        described = set(tables[table]["columns"])
        assert set(db[table].columns_dict) - {"id"} <= described | {"id"}, table
    for table in tables:
        assert table in db.table_names(), table
    for name, query in QUERIES.items():
        assert query["title"] and query["description"], name
    db.close()


def test_serve_is_safe_by_default():
    makefile = (ROOT / "Makefile").read_text()
    serve = re.search(r"^serve:.*?(?=^\S)", makefile, re.S | re.M)[0]
    assert "--host 127.0.0.1" in serve and "sql_time_limit_ms" in serve and "--cors" not in serve
