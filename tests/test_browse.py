"""Browsing with Datasette, through Datasette's own client, against the sample database."""
import asyncio
import re
from html.parser import HTMLParser

import pytest
import yaml
from datasette.app import Datasette

from pipeline.store.load import open_database
from pipeline.store.rows import file_id
from pipeline.parse import parse_file

from .conftest import RAW, ROOT, sample_database

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
    page = get(datasette, f"/blog/{table}")
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
    page = get(datasette, f"/blog/comments?post_id={WAR}")
    assert "The War Goes On" in page.text  # the foreign key shows the post's title


def test_post_titles_link_to_their_thread(datasette):
    page = get(datasette, "/blog/posts")
    assert f'<a href="/-/thread/{WAR}">The War Goes On</a>' in page.text


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


def test_query_thread(datasette):
    thread = rows(datasette, f"/blog/thread.json?post_id={WAR}")
    assert [r["kind"] for r in thread[:4]] == ["post", "comment", "comment", "reply"]
    assert [r["path"] for r in thread[1:5]] == ["1", "2", "2.1", "2.2"]
    assert thread[0]["title"] == "The War Goes On" and len(thread) == 1 + 23


def test_query_most_discussed(datasette):
    top = rows(datasette, "/blog/most_discussed.json")
    assert [(r["title"], r["comments"], r["replies"]) for r in top[:2]] == [
        ("Latest From Napo 88", 55, 38), ("Latest From Napo 141", 39, 26)]


def test_query_comments_mentioning(datasette):
    found = rows(datasette, "/blog/comments_mentioning.json?word=gallows")
    assert [(r["post"], r["path"], r["published"]) for r in found] == [("Latest From Napo 15", "9", "2014-03-06")]
    assert "[gallows]" in found[0]["excerpt"]
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


class Thread(HTMLParser):
    """What a reader sees of a thread page: the title, and each comment's text with its replies."""

    def __init__(self):
        super().__init__()
        self.h1 = ""
        self.stack = []  # the comment and reply elements the parser is inside
        self.comments = {}  # path -> (class, parent path, text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.stack.append("h1")
        elif tag == "li" and attrs.get("class") in ("comment", "reply"):
            path = attrs["id"].removeprefix("comment-")
            parent = next((p for p in reversed(self.stack) if p not in ("h1", None)), None)
            self.comments[path] = [attrs["class"], parent, ""]
            self.stack.append(path)
        elif tag == "li":
            self.stack.append(None)

    def handle_endtag(self, tag):
        if tag in ("h1", "li") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "h1":
            self.h1 += data
        elif self.stack and self.stack[-1]:
            self.comments[self.stack[-1]][2] += data


def test_thread_page_reads_like_the_blog(datasette):
    page = get(datasette, f"/-/thread/{WAR}")
    assert page.status_code == 200
    thread = Thread()
    thread.feed(page.text)
    assert thread.h1 == "The War Goes On"
    assert len(thread.comments) == 23
    kind, parent, text = thread.comments["2.2"]
    assert (kind, parent) == ("reply", "2")
    assert "Brilliant Netnipper" in text
    assert thread.comments["2"][0:2] == ["comment", None]


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
