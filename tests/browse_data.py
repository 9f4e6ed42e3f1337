"""A database to browse: the samples, two blogs' exports with references planted, and
a dump and an export full of hostile text.

The exports give what the text dumps lack: authors with profiles, exact times,
labels, removed comments, and references resolved to the comments they address.
The hostile files hold what a stranger may type into a comment or a name: a script,
an ``onerror`` attribute, ``javascript:`` links, markup that closes an attribute.
Each would set ``window.pwned`` (or the page's title) if a page ran it.
"""
from __future__ import annotations

import random
import shutil
from pathlib import Path

from pipeline.tools import plant, render as r

from .conftest import RAW, load_in

# What a page must never run: each of these sets window.pwned or the document's title.
SCRIPT = "<script>window.pwned = 'script'; document.title = 'pwned'</script>"
ONERROR = '<img src="x" onerror="window.pwned = \'onerror\'">'
JS_LINK = "javascript:window.pwned='link'"
ANCHOR = f'<a href="{JS_LINK}">click me</a>'
BREAKOUT = "\"'><svg onload=\"window.pwned='svg'\">"
HOSTILE_NAME = "Mallory <img src=x onerror=\"window.pwned='name'\">"
HOSTILE_URI = "javascript:window.pwned='profile'"

HOSTILE_DUMP = f"""Saturday, 1 March 2014

{SCRIPT} Untrusted title

A post that quotes {ONERROR} and {ANCHOR} in its body.

  1. {SCRIPT}
    Hostile Harry

  2. Look at this: {ONERROR} and {BREAKOUT}

  3. A link to follow: {JS_LINK} and one that is fine: https://example.org/ok?a=1&b=2 (see it).
    {ANCHOR}
"""


def hostile_blog(rng: random.Random) -> bytes:
    """An export with a commenter whose name and website are attacks, and comments that quote them."""
    blog, posts = r.draw_blog(rng, r.BlogShape(posts=(1, 1), top_level=(3, 3), draft_share=0.0, removed_share=0.0,
                                               page_share=0.0))
    post = posts[0]
    mallory = r.Author(HOSTILE_NAME, "name", HOSTILE_URI)
    post.title = f"Hostile names {SCRIPT}"
    for comment, text in zip(post.comments, (SCRIPT, ONERROR, BREAKOUT)):
        comment.author = mallory
        comment.paragraphs = (((f"Typed by hand: {text} {JS_LINK}",),),)
    return r.render_export(blog, [post])


def rich_database(root: Path, db_name: str = "blog.db") -> Path:
    """The samples, two planted exports and the hostile files, in root/raw, loaded into root/db_name."""
    shutil.copytree(RAW, root / "raw")
    rng = random.Random(19)
    for k in range(2):
        blog, posts = r.draw_blog(rng, r.BlogShape(posts=(5, 5), top_level=(8, 14), draft_share=0.0,
                                                   removed_share=0.05, page_share=0.0))
        planted = [plant.plant_blog(blog, post, rng)[0] for post in posts]
        (root / "raw" / f"blog-{k}.xml").write_bytes(r.render_export(blog, planted))
    (root / "raw" / "hostile.txt").write_text(HOSTILE_DUMP, encoding="utf-8")
    (root / "raw" / "hostile.xml").write_bytes(hostile_blog(rng))
    return load_in(root, db_name)
