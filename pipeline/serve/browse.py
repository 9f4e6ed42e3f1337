"""A Datasette plugin: read the discussion, follow who answers whom, see when, search.

Pages (each a route handler that runs the queries of ``queries.py`` and renders a
template of ``templates/``):

- ``/-/thread/<post id>``: the post and its comments as the blog nested them, each
  with its author, time and signature; references as links to the comment they
  address, and on each comment the comments that answer it; when comments came.
- ``/-/author/<author id>`` and ``/-/authors``: what one person wrote, whom they
  answered; everyone by number of comments. Anonymous comments are no one's.
- ``/-/activity``: posts and comments per month and per year, comments per post.
- ``/-/search?q=``: posts and comments together, each hit a link into its thread.
- ``/-/source/<source id>?lines=A-B``: the lines of a raw file, from its archive's
  folder, read-only.

Installed with the project (the ``datasette`` entry point in pyproject.toml). It also
links Datasette's own pages to these: post titles and post ids open the thread.
Everything shown comes from strangers' text: templates autoescape, and the only
links made from data are http(s) addresses (``text.safe_url``).
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils.asgi import NotFound, Response
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from ..read.decode import decode_bytes
from . import charts, queries as q
from .text import MARK_CLOSE, MARK_OPEN, Ref, body_paragraphs, marked, parse_time, safe_url, show_date, show_time

DATABASE = "blog"
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
# The pages' own templates, escaping everything they write. Not Datasette's
# environment: it renders asynchronously, which costs an author's page of fifty
# comments tens of milliseconds, and these pages need nothing of it.
TEMPLATES_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
# Canned query columns that hold a post id (``thread``) or a comment id (``comment``,
# with the post's id in ``thread``), shown as links into the thread.
THREAD_COLUMNS = ("thread",)
COMMENT_COLUMNS = ("comment",)
# Columns of the tables of things found in comments that hold a comment's id.
COMMENT_KEYS = ("comment_id", "target_comment_id")
AUTHOR_PAGE = 50
AUTHORS_PAGE = 100
SEARCH_PAGE = 30
# Matches beyond which a search is not ranked nor counted by year and author: each
# match then costs a look-up, and a word found in most comments would take seconds.
RANK_LIMIT = 20_000
# A raw file is shown whole up to this many lines, else the lines asked for and some around them.
WHOLE_FILE_LINES = 5000
CONTEXT_LINES = 20
LINE_CHARS = 2000
MAX_ID = 2**63 - 1
# Columns of Datasette's table pages hidden until asked for ("Show all columns"):
# long texts and bookkeeping, which made the tables wider than any screen. Never the
# column a table is sorted by in metadata.yml: Datasette cannot page through rows without it.
HIDDEN_COLUMNS = {
    "posts": ("source_id", "remote_id", "url", "date_line", "published_precision", "published_evidence",
              "published_at", "body", "first_line", "last_line"),
    "comments": ("remote_id", "position", "signed_time", "first_line", "last_line"),
}
# When comments came after their post, in bands a reader thinks in.
ARRIVAL_BANDS = ((3600, "within an hour"), (6 * 3600, "1 to 6 hours"), (86400, "6 to 24 hours"),
                 (3 * 86400, "1 to 3 days"), (7 * 86400, "3 to 7 days"), (28 * 86400, "1 to 4 weeks"),
                 (None, "later"))


# -- wiring ------------------------------------------------------------------------------


@hookimpl
def register_routes():
    return [
        (r"^/-/thread/(?P<post_id>\d{1,19})$", thread_view),
        (r"^/-/author/(?P<author_id>\d{1,19})$", author_view),
        (r"^/-/authors$", authors_view),
        (r"^/-/activity$", activity_view),
        (r"^/-/search$", search_view),
        (r"^/-/source/(?P<source_id>\d{1,19})$", source_view),
        (r"^/-/blog-static/(?P<name>[a-z]+\.(?:css|js))$", static_view),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE:
        return None
    if table == "posts" and column == "title":
        return _link(f"/-/thread/{row['id']}", value or "(untitled)")
    if table is not None and column == "post_id" and value is not None:
        # A post's id, or its title when Datasette expands the foreign key: the thread,
        # at the row's comment when the row is about one.
        post_id, label = _key(value)
        comment_id = row["id"] if table == "comments" else _key(_get(row, "comment_id"))[0]
        anchor = f"#c{comment_id}" if comment_id is not None else ""
        text = label if label not in (None, "", post_id) else f"post {post_id}"
        return _link(f"/-/thread/{post_id}{anchor}", text)
    if table is not None and column in COMMENT_KEYS and value is not None and table != "comments":
        # A comment's id in a table of things found in comments: the comment in its
        # thread (a reference's target is on the same page as the reference).
        post_id, comment_id = _key(_get(row, "post_id"))[0], _key(value)[0]
        if post_id is not None:
            return _link(f"/-/thread/{post_id}#c{comment_id}", f"comment {comment_id}")
    if column == "author_id" and value is not None and table in (None, "posts", "comments"):
        # An author's id, or name when expanded: their page.
        author_id, label = _key(value) if isinstance(value, dict) else (value, _get(row, "name"))
        return _link(f"/-/author/{author_id}", label if label not in (None, "", author_id) else f"author {author_id}")
    if table is None and column in THREAD_COLUMNS and value is not None:
        return _link(f"/-/thread/{value}", "read the thread")
    if table is None and column in COMMENT_COLUMNS and value is not None and _get(row, "thread") is not None:
        path = _get(row, "path")
        return _link(f"/-/thread/{_get(row, 'thread')}#c{value}", f"comment {path}" if path else "the comment")
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        # An address strangers gave (a profile, a post's page): linked as the pages
        # link them, or shown as text when it is not a plain http(s) address.
        href = safe_url(value)
        if href is None or href != value:
            return value
        return Markup('<a href="{}" rel="nofollow noopener noreferrer">{}</a>').format(href, value)
    return None


@hookimpl
def extra_css_urls(database, view_name):
    if database == DATABASE and view_name in ("table", "row", "database", "query"):
        return ["/-/blog-static/tables.css"]
    return []


@hookimpl
def extra_body_script(database, table, view_name):
    if database == DATABASE and view_name == "table":
        return {"script": (STATIC / "tables.js").read_text(encoding="utf-8")}
    return None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def hide_long_columns(scope, receive, send):
            location = _columns_redirect(datasette, scope)
            if location is None:
                await app(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 302,
                        "headers": [(b"location", location.encode("latin-1")),
                                    (b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b""})
        return hide_long_columns
    return wrap


def _columns_redirect(datasette, scope) -> Optional[str]:
    """Where to send a request for a wide table page that asked for no columns: the same
    page without its long columns (``_all=1`` asks for every column)."""
    if scope.get("type") != "http" or scope.get("method") != "GET" or DATABASE not in datasette.databases:
        return None
    path = scope.get("path", "")
    for table, hidden in HIDDEN_COLUMNS.items():
        if path == datasette.urls.table(DATABASE, table):
            args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            if any(key in ("_col", "_nocol", "_all") for key, _ in args):
                return None
            return path + "?" + urlencode(args + [("_nocol", column) for column in hidden])
    return None


# -- pages -------------------------------------------------------------------------------


async def thread_view(datasette, request):
    db = _database(datasette)
    post_id = _id(request.url_vars["post_id"])
    post = (await db.execute(q.POST, {"post_id": post_id})).first()
    if post is None:
        raise NotFound(f"No post with id {post_id}")
    post = dict(post)
    labels = [row["label"] for row in await db.execute(q.POST_LABELS, {"post_id": post_id})]
    rows = [dict(row) for row in await db.execute(q.THREAD_COMMENTS, {"post_id": post_id})]
    refs: dict[int, list[Ref]] = {}
    for row in await db.execute(q.THREAD_REFS, {"post_id": post_id}):
        refs.setdefault(row["comment_id"], []).append(
            Ref(row["start"], row["end"], row["target_comment_id"], bool(row["target_post"]), row["candidates"]))
    paths = {row["id"]: row["path"] for row in rows}
    answered_by: dict[str, list[dict]] = {}
    for comment_id, found in refs.items():
        for ref in found:
            target = f"c{ref.target_comment_id}" if ref.target_comment_id is not None else (
                "post" if ref.target_post else None)
            if target and comment_id in paths and all(a["id"] != comment_id for a in answered_by.get(target, [])):
                answered_by.setdefault(target, []).append({"id": comment_id, "path": paths[comment_id]})
    for answers in answered_by.values():
        answers.sort(key=lambda a: _path_key(a["path"]))

    comments, tops = [], {}
    for row in rows:
        comment = _comment(row, refs.get(row["id"], ()), answered_by.get(f"c{row['id']}", []), post["source_id"])
        parent = tops.get(row["parent_id"])
        if parent is not None:
            parent["replies"].append(comment)
        else:
            tops[row["id"]] = comment
            comments.append(comment)
    arrivals = _arrivals(post, rows)
    return await _render(datasette, request, "thread.html", {
        "post": post,
        "title": post["title"] or "(untitled)",
        "author": _author_link(post["author_id"], post["author_name"]),
        "published": show_time(post["published_at"]) or show_date(post["published"]),
        "post_url": safe_url(post["url"]),
        "labels": labels,
        "body": body_paragraphs(post["body"]),
        "source_href": _source_href(post["source_id"], post["first_line"], post["last_line"]),
        "answered_by": answered_by.get("post", []),
        "comments": comments,
        "replies": sum(len(c["replies"]) for c in comments),
        "arrivals": arrivals,
    })


async def author_view(datasette, request):
    db = _database(datasette)
    author_id = _id(request.url_vars["author_id"])
    params = {"author_id": author_id}
    author = await _rows(db, q.AUTHOR, params)
    if not author:
        raise NotFound(f"No author with id {author_id}")
    # (id, post id, when) of each comment, oldest first; thousands for the busiest,
    # so kept as the rows SQLite gives.
    timeline = (await db.execute(q.AUTHOR_TIMELINE, params)).rows
    pages = max(1, math.ceil(len(timeline) / AUTHOR_PAGE))
    page = _page(request, pages)
    shown = timeline[(page - 1) * AUTHOR_PAGE:page * AUTHOR_PAGE]
    whens = [row[2] for row in timeline if row[2] is not None]  # the undated come last
    ends = [timeline[0], timeline[len(whens) - 1]] if whens else []
    post_count, posts, answered, answered_by, found = await _in_turn(
        _rows(db, q.AUTHOR_POST_COUNT, params),
        _rows(db, q.AUTHOR_POSTS, params | {"limit": 100}),
        _rows(db, q.AUTHOR_ANSWERED, params),
        _rows(db, q.AUTHOR_ANSWERED_BY, params),
        _rows(db, q.COMMENTS_BY_ID, {"ids": json.dumps([row[0] for row in shown + ends])}),
    )
    comments = {row["id"]: row for row in found}
    written = [{
        "id": row["id"], "post_id": row["post_id"], "path": row["path"], "deleted": row["deleted"],
        "post_title": row["title"] or "(untitled)", "signature": row["signature"],
        "time": show_time(row["published_at"]), "iso": row["published_at"],
        "shown_time": row["shown_time"], "post_date": show_date(row["published"]),
        "paragraphs": body_paragraphs(row["body"]),
    } for row in (comments[item[0]] for item in shown)]
    first, last = [_seen(comments[row[0]], row[2]) for row in ends] or [None, None]
    years = sorted(Counter(when[:4] for when in whens).items())
    return await _render(datasette, request, "author.html", {
        "author": author[0],
        "profile_url": safe_url(author[0]["profile_url"]),
        "counts": {"comments": len(timeline), "posts": len({row[1] for row in timeline})},
        "post_count": post_count[0]["posts"],
        "posts": posts,
        "first": first, "last": last,
        "answered": answered, "answered_by": answered_by,
        "written": written,
        "page": page, "pages": pages, "page_size": AUTHOR_PAGE,
        "per_year": years,
        "chart": charts.bar_chart(years, name="author-years", title="Comments per year",
                                  description="How many comments this author wrote each year.", height=160)
        if len(years) > 1 else None,
    })


async def authors_view(datasette, request):
    db = _database(datasette)
    kinds = [dict(row) for row in await db.execute(q.AUTHOR_KINDS)]
    kind = request.args.get("kind", "")
    if kind not in {k["kind"] for k in kinds}:
        kind = ""
    total = sum(k["authors"] for k in kinds if not kind or k["kind"] == kind)
    pages = max(1, math.ceil(total / AUTHORS_PAGE))
    page = _page(request, pages)
    rows = await db.execute(q.AUTHORS, {"kind": kind, "limit": AUTHORS_PAGE, "offset": (page - 1) * AUTHORS_PAGE})
    return await _render(datasette, request, "authors.html", {
        "authors": [dict(row) for row in rows], "kinds": kinds, "kind": kind, "total": total,
        "anonymous": (await db.execute(q.ANONYMOUS_COMMENTS)).first()[0],
        "page": page, "pages": pages, "first_rank": (page - 1) * AUTHORS_PAGE + 1,
    })


async def activity_view(datasette, request):
    db = _database(datasette)
    post_months = [dict(row) for row in await db.execute(q.POSTS_PER_MONTH)]
    post_years = {row["year"]: row["posts"] for row in await db.execute(q.POSTS_PER_YEAR)}
    comment_months: dict[str, int] = {}
    comment_years: dict[int, int] = {}
    undated = 0
    span = (await db.execute(q.COMMENT_TIME_SPAN)).first()
    if span["first"] and span["last"]:
        months = [m for m, _ in charts.fill_months({span["first"][:7]: 0, span["last"][:7]: 0})]
        bounds = [[month, _next_month(month)] for month in months]
        for row in await db.execute(q.TIMED_COMMENTS_PER_MONTH, {"months": json.dumps(bounds)}):
            if row["comments"]:
                comment_months[row["month"]] = row["comments"]
                year = int(row["month"][:4])
                comment_years[year] = comment_years.get(year, 0) + row["comments"]
    for row in await db.execute(q.UNTIMED_COMMENTS_PER_MONTH):
        if row["month"] is not None:
            comment_months[row["month"]] = comment_months.get(row["month"], 0) + row["comments"]
        if row["year"] is not None:
            comment_years[row["year"]] = comment_years.get(row["year"], 0) + row["comments"]
        else:
            undated += row["comments"]
    posts_by_month = {row["month"]: row["posts"] for row in post_months}
    months = charts.fill_months(posts_by_month | {m: 0 for m in comment_months if m not in posts_by_month})
    posts_series = [(m, posts_by_month.get(m, 0)) for m, _ in months]
    comments_series = [(m, comment_months.get(m, 0)) for m, _ in months]
    per_post = {row["month"]: row["comments"] / row["posts"] for row in post_months if row["posts"]}
    per_post_series = [(m, round(per_post[m], 2) if m in per_post else None) for m, _ in months]
    years = sorted(set(post_years) | set(comment_years))
    year_rows = [{"year": y, "posts": post_years.get(y, 0), "comments": comment_years.get(y, 0)} for y in years]
    label = charts.january if len(months) > 24 else None
    sql = lambda statement: _sql_href(datasette, db.name, statement)  # noqa: E731
    figures = [
        {"id": "posts-per-month", "title": "Posts per month",
         "chart": charts.bar_chart(posts_series, name="posts-per-month", title="Posts per month", label=label,
                                   description="Posts published each month, by the month of their date."),
         "columns": ("month", "posts"), "rows": posts_series, "sql": sql(q.POSTS_PER_MONTH),
         "note": "Posts dated only to the year are counted in the years below."},
        {"id": "comments-per-month", "title": "Comments per month",
         "chart": charts.bar_chart(comments_series, name="comments-per-month", title="Comments per month",
                                   label=label,
                                   description="Comments and replies written each month: in the month of their "
                                               "own time where the file gives it, else in their post's month."),
         "columns": ("month", "comments"), "rows": comments_series, "sql": sql(q.COMMENTS_PER_MONTH),
         "note": "A comment counts in the month it was written where its file gives its time, "
                 "else in its post's month."},
        {"id": "comments-per-post", "title": "Comments per post",
         "chart": charts.line_chart(per_post_series, name="comments-per-post", title="Comments per post",
                                    label=label,
                                    description="The mean number of comments on the posts of each month."),
         "columns": ("month", "comments per post"), "rows": per_post_series, "sql": sql(q.POSTS_PER_MONTH),
         "note": "Comments on the posts of each month, by the posts' month, divided by their number."},
        {"id": "per-year", "title": "Posts and comments per year",
         "chart": charts.bar_chart([(str(r["year"]), r["comments"]) for r in year_rows], name="comments-per-year",
                                   title="Comments per year",
                                   description="Comments written each year, by their own time where known."),
         "chart2": charts.bar_chart([(str(r["year"]), r["posts"]) for r in year_rows], name="posts-per-year",
                                    title="Posts per year", description="Posts published each year."),
         "columns": ("year", "posts", "comments"),
         "rows": [(r["year"], r["posts"], r["comments"]) for r in year_rows],
         "sql": sql(q.POSTS_AND_COMMENTS_PER_YEAR),
         "note": None},
    ]
    return await _render(datasette, request, "activity.html", {
        "figures": figures, "undated": undated, "per_month_href": datasette.urls.database(db.name) + "/per_month",
    })


async def search_view(datasette, request):
    db = _database(datasette)
    query = (request.args.get("q") or "").strip()
    year = request.args.get("year", "")
    author = request.args.get("author", "")
    year = year if year.isdigit() and len(year) <= 4 else ""
    author = author if author.isdigit() and int(author) <= MAX_ID else ""
    context = {"q": query, "year": year, "author": author, "results": [], "error": None, "totals": {},
               "years": [], "authors": [], "page": 1, "pages": 1, "ranked": True}
    if query:
        try:
            context.update(await _search(db, request, query, year, author))
        except QueryInterrupted:
            context["error"] = ("That search took too long. Try rarer words, or several words together "
                                "(all of them must occur).")
        except sqlite3.DatabaseError as error:
            context["error"] = _search_error(query, error)
    context["phrase"] = '"' + query.replace('"', '""') + '"' if query else ""
    context["base_args"] = {k: v for k, v in (("q", context["q"]), ("year", context["year"]),
                                               ("author", context["author"])) if v}
    return await _render(datasette, request, "search.html", context)


async def _search(db, request, query: str, year: str, author: str) -> dict:
    """A page of results for ``query`` with its counts and facets. Raises what SQLite
    raises for a query FTS5 cannot read."""
    execute = lambda sql, params: db.execute(sql, params, log_sql_errors=False)  # noqa: E731
    counts = (await execute(q.SEARCH_COUNTS, {"q": query})).first()
    matches = counts["comments"] + counts["posts"]
    ranked = matches <= RANK_LIMIT
    params = {"q": query, "year": year if ranked else "", "author": author if ranked else ""}
    if ranked and (year or author):
        totals = {row["kind"]: row["n"] for row in await execute(q.SEARCH_TOTALS, params)}
    else:
        totals = {"comment": counts["comments"], "post": counts["posts"]}
    pages = max(1, math.ceil(sum(totals.values()) / SEARCH_PAGE))
    page = _page(request, pages)
    window = {"limit": SEARCH_PAGE, "offset": (page - 1) * SEARCH_PAGE}
    order = [(row["kind"], row["id"]) for row in await execute(
        q.SEARCH_RANKED if ranked else q.SEARCH_UNRANKED, params | window)]
    ids = {kind: [i for k, i in order if k == kind] for kind in ("comment", "post")}
    details = {(row["kind"], row["id"]): dict(row) for row in await execute(
        q.SEARCH_DETAILS, {"comments": json.dumps(ids["comment"]), "posts": json.dumps(ids["post"])})}
    snippets = await _snippets(execute, query, ids)
    years, authors = [], []
    args = {"q": query, "year": params["year"], "author": params["author"]}
    if ranked:
        years = [dict(row) for row in await execute(q.SEARCH_YEARS, params)]
        authors = [dict(row) for row in await execute(q.SEARCH_AUTHORS, params)]
        for row in years:
            row.update(selected=str(row["year"]) == year, href=_query(args, year=row["year"]))
        for row in authors:
            row.update(selected=str(row["id"]) == author, href=_query(args, author=row["id"]))
    return {
        "totals": totals, "matches": matches, "ranked": ranked, "rank_limit": RANK_LIMIT,
        "ignored": not ranked and bool(year or author),
        "year": params["year"], "author": params["author"], "page": page, "pages": pages,
        "years": years, "authors": authors,
        "results": [_result(details[key], snippets) for key in order if key in details],
        "any_year": _query(args, year=None), "anyone": _query(args, author=None),
        "author_name": next((a["name"] for a in authors if a["selected"]), None),
    }


async def source_view(datasette, request):
    db = _database(datasette)
    source_id = _id(request.url_vars["source_id"])
    source = (await db.execute(q.SOURCE, {"source_id": source_id})).first()
    if source is None:
        raise NotFound(f"No file with id {source_id}")
    first, last = _span(request.args.get("lines", ""))
    context = {"source": dict(source), "first": first, "last": last, "lines": [], "problem": None,
               "changed": False, "shown_from": None, "whole": False}
    path = _file_in_archive(source["root"], source["path"])
    data = None
    if path is None:
        context["problem"] = (f"This file is not on this machine: it was read from {source['root']}/"
                              f"{source['path']}, and nothing is there now (or it is outside its archive's "
                              f"folder). Its posts and comments are in the database all the same.")
    else:
        try:
            data = path.read_bytes()
        except OSError as error:
            context["problem"] = (f"This file cannot be read here ({error.strerror or error}). Its posts and "
                                  "comments are in the database all the same.")
    if data is not None:
        context["changed"] = hashlib.sha256(data).hexdigest() != source["sha256"]
        text = decode_bytes(data).text
        lines = text.split("\n") if text else []
        if len(lines) <= WHOLE_FILE_LINES:
            start, end = 1, len(lines)
            context["whole"] = True
        else:
            start = max(1, (first or 1) - CONTEXT_LINES)
            end = min(len(lines), (last or first or 1) + CONTEXT_LINES)
        context["shown_from"] = start
        context["total"] = len(lines)
        for number in range(start, end + 1):
            line = lines[number - 1]
            extra = len(line) - LINE_CHARS
            context["lines"].append({"number": number, "text": line[:LINE_CHARS], "cut": max(extra, 0),
                                     "marked": first is not None and first <= number <= (last or first)})
    return await _render(datasette, request, "source.html", context, status=404 if path is None else 200)


async def static_view(datasette, request):
    name = request.url_vars["name"]
    path = STATIC / name
    if not path.is_file():
        raise NotFound(f"No file {name}")
    return Response(path.read_text(encoding="utf-8"), content_type=STATIC_TYPES[path.suffix],
                    headers={"cache-control": "max-age=3600"})


# -- helpers -----------------------------------------------------------------------------


def _database(datasette):
    """The blog's database: the one named ``blog``, else the first one attached."""
    if DATABASE in datasette.databases:
        return datasette.get_database(DATABASE)
    for name, db in datasette.databases.items():
        if name != "_internal":
            return db
    raise NotFound("No database")


async def _render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    context = {"database": _database(datasette).name, "static": "/-/blog-static",
               "datasette_css": f"{datasette.urls.static('app.css')}?{datasette.app_css_hash()}"} | context
    return Response.html(TEMPLATES_ENV.get_template(template).render(context), status=status)


async def _in_turn(*steps) -> list:
    """The results of coroutines, awaited one after another."""
    return [await step for step in steps]


async def _rows(db, sql: str, params: dict) -> list[dict]:
    return [dict(row) for row in await db.execute(sql, params)]


def _id(text: str) -> int:
    value = int(text)
    if value > MAX_ID:
        raise NotFound("No such id")
    return value


def _page(request, pages: int) -> int:
    text = request.args.get("page", "1")
    return min(max(int(text), 1), pages) if text.isdigit() and len(text) < 10 else 1


def _get(row, key):
    try:
        return row[key]
    except (IndexError, KeyError):
        return None


def _key(value) -> tuple:
    """A key's value and label, from a foreign key Datasette expanded or a plain value."""
    if isinstance(value, dict):
        return value.get("value"), value.get("label")
    return value, None


def _link(href: str, text) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def _path_key(path: str) -> tuple:
    return tuple(int(part) for part in path.split(".") if part.isdigit())


def _author_link(author_id, name) -> Optional[dict]:
    return {"id": author_id, "name": name or f"author {author_id}"} if author_id is not None else None


def _source_href(source_id: int, first: Optional[int], last: Optional[int]) -> str:
    if first is None:
        return f"/-/source/{source_id}"
    return f"/-/source/{source_id}?lines={first}-{last or first}#L{first}"


def _seen(comment: dict, at: str) -> dict:
    """A comment as the first or last an author was seen in: ``at`` its time, or its post's date."""
    return comment | {"when": show_time(at) if "T" in at else show_date(at)}


def _comment(row: dict, refs, answered_by: list[dict], source_id: int) -> dict:
    return {
        "id": row["id"], "path": row["path"], "depth": row["depth"], "deleted": row["deleted"],
        "author": _author_link(row["author_id"], row["author_name"]), "author_kind": row["author_kind"],
        "time": show_time(row["published_at"]), "iso": row["published_at"], "shown_time": row["shown_time"],
        "signature": row["signature"],
        "paragraphs": body_paragraphs(row["body"], refs),
        "answered_by": answered_by,
        "lines": (row["first_line"], row["last_line"]),
        "source_href": _source_href(source_id, row["first_line"], row["last_line"]),
        "replies": [],
    }


def _arrivals(post: dict, rows: list[dict]) -> Optional[dict]:
    """When a thread's comments came, after the post (or, where the post's time is not
    known, after the first comment): counts per band, and a chart. None when no
    comment's time is known."""
    times = [t for t in (parse_time(row["published_at"]) for row in rows) if t is not None]
    if not times:
        return None
    start = parse_time(post["published_at"])
    after = "the post"
    if start is None:
        start, after = min(times), "the first comment"
    counts = {label: 0 for _, label in ARRIVAL_BANDS}
    for moment in times:
        seconds = max((moment - start).total_seconds(), 0)
        label = next(label for limit, label in ARRIVAL_BANDS if limit is None or seconds < limit)
        counts[label] += 1
    bars = list(counts.items())
    return {
        "after": after, "timed": len(times), "untimed": len(rows) - len(times), "rows": bars,
        "chart": charts.bar_chart(bars, name="arrivals", title=f"When the comments came, after {after}",
                                  description=f"Comments by how long after {after} they were written.",
                                  label=lambda key: key, height=180),
    }


def _search_error(query: str, error: Exception) -> str:
    reason = str(error).removeprefix("fts5: ")
    return (f"The search could not read {query!r} ({reason}). Words, \"a phrase in quotes\", OR, NOT and "
            f"word* are understood; other punctuation is not. Search for it as written instead:")


async def _snippets(execute, query: str, ids: dict[str, list[int]]) -> dict:
    found: dict = {}
    for kind, sql in (("comment", q.COMMENT_SNIPPETS), ("post", q.POST_SNIPPETS)):
        if ids[kind]:
            rows = await execute(sql, {"q": query, "ids": json.dumps(ids[kind]), "open": MARK_OPEN,
                                       "close": MARK_CLOSE})
            for row in rows:
                found[(kind, row["id"])] = dict(row)
    return found


def _result(hit: dict, snippets: dict) -> dict:
    found = snippets.get((hit["kind"], hit["id"]), {})
    anchor = f"#c{hit['id']}" if hit["kind"] == "comment" else "#post"
    title = marked(found.get("title")) if hit["kind"] == "post" and found.get("title") else None
    return {
        "kind": hit["kind"], "href": f"/-/thread/{hit['post_id']}{anchor}",
        "title": hit["title"] or "(untitled)", "marked_title": title, "path": hit["path"],
        "when": show_time(hit["published_at"]) or show_date(hit["published"]),
        "author": _author_link(hit["author_id"], hit["author_name"]),
        "snippet": marked(found.get("snippet")),
    }


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def _query(args: dict, **changes) -> str:
    """``?`` and the query string of ``args`` with ``changes`` (None: left out), for a facet's link."""
    merged = args | changes
    return "?" + urlencode([(key, value) for key, value in merged.items() if value not in (None, "")])


def _sql_href(datasette, database: str, sql: str) -> str:
    return datasette.urls.database(database) + "?" + urlencode({"sql": sql.strip()})


def _span(text: str) -> tuple[Optional[int], Optional[int]]:
    first, _, last = text.partition("-")
    if not first.isdigit() or len(first) > 9:
        return None, None
    if not last.isdigit() or len(last) > 9 or int(last) < int(first):
        return int(first), int(first)
    return int(first), int(last)


def _file_in_archive(root: Optional[str], relative: Optional[str]) -> Optional[Path]:
    """The raw file at ``relative`` in the archive's folder ``root``, if it is there and a
    file, symlinks resolved and still inside the folder; else None."""
    if not root or not relative:
        return None
    try:
        folder = Path(root).resolve()
        path = (folder / relative).resolve()
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(folder) or path == folder or not path.is_file():
        return None
    return path
