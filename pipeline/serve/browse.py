"""A Datasette plugin: read one post the way it read on the blog.

``/-/thread/<post id>`` shows the post, then each top-level comment with its replies
under it. Post titles in tables and canned queries link there. Installed with the
project (the ``datasette`` entry point in pyproject.toml), so any Datasette in the
project's environment has it.
"""
from __future__ import annotations

from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

DATABASE = "blog"
TEMPLATE = Path(__file__).with_name("templates") / "thread.html"
# Canned query columns that hold a post id and are shown as a link to its thread.
THREAD_COLUMNS = ("thread",)


def paragraphs(text: str) -> list[list[str]]:
    """Text as paragraphs (split at blank lines), each a list of its lines."""
    out: list[list[str]] = [[]]
    for line in (text or "").split("\n"):
        if line.strip():
            out[-1].append(line)
        elif out[-1]:
            out.append([])
    return [p for p in out if p]


async def thread_view(datasette, request):
    post_id = request.url_vars["post_id"]
    db = datasette.get_database(DATABASE)
    posts = await db.execute(
        """SELECT posts.*, sources.path AS source_path, sources.layout
           FROM posts JOIN sources ON sources.id = posts.source_id WHERE posts.id = ?""",
        [post_id],
    )
    post = posts.first()
    if post is None:
        raise NotFound(f"No post with id {post_id}")
    rows = await db.execute(
        "SELECT id, parent_id, path, depth, body FROM comments WHERE post_id = ? ORDER BY seq", [post_id])
    tops = []
    for row in rows:
        comment = {"id": row["id"], "path": row["path"], "paragraphs": paragraphs(row["body"]), "replies": []}
        if row["parent_id"] is None:
            tops.append(comment)
        else:
            tops[-1]["replies"].append(comment)
    template = datasette.jinja_env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return Response.html(await datasette.render_template(
        template,
        {"post": dict(post), "body": paragraphs(post["body"]), "comments": tops, "database": DATABASE},
        request=request,
    ))


@hookimpl
def register_routes():
    return [(r"^/-/thread/(?P<post_id>\d+)$", thread_view)]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE or value is None:
        return None
    if table == "posts" and column == "title":
        return Markup(f'<a href="/-/thread/{escape(row["id"])}">{escape(value)}</a>')
    if table is None and column in THREAD_COLUMNS:
        return Markup(f'<a href="/-/thread/{escape(value)}">read the thread</a>')
    return None
