"""A folder of every kind of file a load reads: synthetic text dumps, and Blogger's
export (two of one blog, the older and a newer), a Takeout feed, saved pages,
a byte-for-byte copy of a dump and of an export, and files that are no post."""
from __future__ import annotations

import copy
import datetime as dt
import random
import shutil
from pathlib import Path

from pipeline.tools import render
from pipeline.tools.synth import ArchiveShape, sentences_from, write_archive

from .conftest import RAW


def stock() -> list[str]:
    return sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))


def write_mixed_archive(folder: Path, dumps: int, seed: int = 1) -> Path:
    """Write the archive into ``folder``; returns it."""
    rng = random.Random(seed)
    write_archive(folder / "dumps", stock(), ArchiveShape(files=dumps, top_level=(0, 12), odd_share=0.01), seed)
    blogger = folder / "blogger"
    blogger.mkdir(parents=True)
    blog, posts = render.draw_blog(rng, render.BlogShape(posts=(4, 6)))
    (blogger / "export-1-older.xml").write_bytes(render.render_export(blog, posts))
    # A newer export of the same blog: one comment more, so a later time.
    newer = copy.deepcopy(posts)
    post = next(p for p in newer if not p.draft)
    last = max([p.updated or p.published for p in newer] + [c.published for p in newer for c, _ in p.iter_comments()])
    post.comments.append(render.BlogComment("4" + str(rng.randrange(10**17, 10**18)), render.ANONYMOUS,
                                            last + dt.timedelta(hours=3), ((("A late comment, added since.",),),)))
    (blogger / "export-2-newer.xml").write_bytes(render.render_export(blog, newer, one_line=False))
    shutil.copy(blogger / "export-1-older.xml", blogger / "export-3-copy-of-older.xml")
    other, other_posts = render.draw_blog(rng, render.BlogShape(posts=(3, 4)))
    (blogger / "takeout.atom").write_bytes(render.render_takeout(other, other_posts))
    for k, page_post in enumerate(p for p in other_posts if not p.draft and p.kind == "post"):
        (blogger / f"page-{k}.html").write_bytes(render.render_threaded_page(other, page_post))
    # A saved page of a blog whose feeds are not here: the page holds its post.
    third, third_posts = render.draw_blog(rng, render.BlogShape(posts=(2, 3)))
    alone = next(p for p in third_posts if not p.draft and p.kind == "post")
    (blogger / "page-alone.html").write_bytes(render.render_classic_page(third, alone))
    odd = folder / "odd"
    odd.mkdir()
    (odd / "empty.txt").write_bytes(b"")
    (odd / "binary.dat").write_bytes(bytes(range(256)) * 4)
    (odd / "other.xml").write_bytes(b"<?xml version='1.0'?><catalogue><item>not a blog</item></catalogue>")
    first = sorted((folder / "dumps").iterdir())[1]
    shutil.copy(first, odd / f"copy-of-{first.name}")
    return folder
