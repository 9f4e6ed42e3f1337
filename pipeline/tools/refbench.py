"""What finding signatures and references costs, against parsing the same files.

``python -m pipeline.tools.refbench [--files N] [--rounds N]`` writes a synthetic archive of
``--files`` dumps (2,000 by default; the benchmark's shape, ``bench.SHAPE``) into a
temporary folder, parses every file with ``parse_bytes`` and then runs, over every
comment of every file, what the loader would: ``find_signature``, the thread's
known names (signatures found, and a name for the blog's author), and ``find_refs``.
Single process. Both are timed (processor time of this process) ``--rounds`` times (5 by default),
alternately, and the fastest round of each is reported, so that other work on the
machine weighs less.
"""
from __future__ import annotations

import argparse
import tempfile
from typing import Optional
import time
from pathlib import Path

from ..parse import parse_bytes
from ..understand.refs import author_name_forms, find_refs_many, known_names
from ..understand.signatures import find_signature
from .bench import SHAPE
from .synth import ArchiveShape, sentences_from, write_archive

# A name for the blog's author: dumps carry none, the loader would take it from an option.
BLOG_AUTHOR = "Alice Smith"


def analyse(files: list[list[str]], blog_author: Optional[str] = BLOG_AUTHOR) -> tuple[int, int]:
    """Signatures and references of every comment, file by file: (signatures, references).

    ``files``: each file's comment bodies.
    """
    blog_names = author_name_forms(blog_author) if blog_author else []
    signatures = refs = 0
    for bodies in files:
        found = [find_signature(body) for body in bodies]
        names = known_names([s.text for s in found if s and not s.anonymous], (), blog_names)
        refs += sum(map(len, find_refs_many(bodies, names, found)))
        signatures += sum(s is not None for s in found)
    return signatures, refs


def main(files: int = 2000, rounds: int = 5) -> None:
    raw = Path(__file__).resolve().parents[2] / "raw"
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(raw.glob("*.txt")))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "archive"
        write_archive(folder, stock, ArchiveShape(files=files, **SHAPE), seed=1)
        data = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    megabytes = sum(len(d) for _, d in data) / 1e6
    parsed = [parse_bytes(name, d).comments for name, d in data]
    files = [[c.body for c in comments] for comments in parsed]
    comments = sum(len(bodies) for bodies in files)
    text_mb = sum(len(b) for bodies in files for b in bodies) / 1e6
    parse_times, analyse_times = [], []
    for _ in range(rounds):
        start = time.process_time()
        for name, d in data:
            parse_bytes(name, d)
        parse_times.append(time.process_time() - start)
        start = time.process_time()
        signatures, refs = analyse(files)
        analyse_times.append(time.process_time() - start)
    ratios = sorted(a / p for a, p in zip(analyse_times, parse_times))
    parse_s, analyse_s = min(parse_times), min(analyse_times)
    print(f"{len(data):,} files, {megabytes:.1f} MB; {comments:,} comments, {text_mb:.1f} MB of comment text")
    print(f"parse_bytes:                          {parse_s:.3f} s  ({megabytes / parse_s:.1f} MB/s)")
    print(f"find_signature + find_refs_many:      {analyse_s:.3f} s  (median {100 * ratios[len(ratios) // 2]:.1f}%"
          f" of parsing, round by round)")
    print(f"found {signatures:,} signatures and {refs:,} references; processor time of one process, "
          f"fastest of {rounds} rounds")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.refbench",
                                     description="What finding signatures and references costs, against parsing "
                                                 "the same synthetic files (one process).")
    parser.add_argument("--files", type=_positive, default=2000, help="dumps in the synthetic archive")
    parser.add_argument("--rounds", type=_positive, default=5, help="timed rounds; the fastest is reported")
    args = parser.parse_args()
    main(args.files, args.rounds)
