"""A made-up blog as Blogger's export, to try the pipeline on a whole blog's file.

    python -m pipeline.tools.demo OUT_FOLDER [--seed N] [--posts N]

writes ``OUT_FOLDER/blog-demo.xml``: a blog drawn by ``render.draw_blog`` whose
comments sign themselves and address each other (``plant.plant_blog``), as readers
of a real blog do. Every name and sentence in it is made up.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Optional

from . import plant, render


def write_demo(folder: Path, seed: int = 1, posts: int = 12) -> Path:
    """Write the demo blog's export into ``folder``; returns its path."""
    rng = random.Random(seed)
    blog, drawn = render.draw_blog(rng, render.BlogShape(posts=(posts, posts), top_level=(4, 14)))
    planted = [post if post.draft else plant.plant_blog(blog, post, rng)[0] for post in drawn]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "blog-demo.xml"
    target.write_bytes(render.render_export(blog, planted))
    return target


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.demo", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", type=int, default=12)
    args = parser.parse_args(argv)
    print(write_demo(args.folder, args.seed, args.posts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
