"""Count how comments open and end in dumps whose comment boundaries are certain.

Writes ``pipeline/read/placement_model.py``, the tables the glued layout's placement
decision scores readings with (``pipeline.read.placement``). Two kinds of file have
certain boundaries: a dump in the numbered layout (every comment is an item of the
list), and a glued dump whose expected result is written down in a gold file (the
reading, of the two, that the gold file lists). Every other file is left out. A
comment's lines are its non-blank lines, as a glued dump writes them: one paragraph,
or one line of a paragraph broken by hand, a line.

    python -m pipeline.tools.train_placement [--gold DIR] [FILE...]

By default it counts raw/*.txt with the gold files in tests/gold/, as the
committed tables were made.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from ..read.decode import decode_bytes
from ..read.placement import (ACROSS, ENDINGS, ENDS, INSIDE, JOINS, LENGTHS, OPENINGS, STARTS, WITHIN, ending, join,
                              length_band, opening)
from ..read.split import FIRST_LINE, TRAILING, read_glued, split_lines

MODULE = Path(__file__).resolve().parent.parent / "read" / "placement_model.py"


@dataclass
class Thread:
    """A post's comments, each as its text lines (blank lines left out)."""

    comments: list[list[str]]


@dataclass
class Tables:
    threads: int
    openings: dict[str, Counter]
    endings: dict[str, Counter]
    joins: dict[str, Counter]
    lengths: Counter
    long_tail: float  # mean number of lines beyond 6, in comments of 6 lines or more


def _lines(text_lines: Iterable[str]) -> list[str]:
    return [line.strip() for line in text_lines if line.strip()]


def thread_of(text: str, gold: Optional[dict] = None) -> Optional[Thread]:
    """The comments of a dump whose boundaries are certain; None for any other file.

    ``gold``: the file's expected result, in the shape of ``tests/gold`` (per comment
    its normalised length and first and last characters); it makes a glued dump's
    boundaries certain when one of its two readings matches it.
    """
    lines = text.split("\n")
    split = split_lines(lines)
    if split.layout == "numbered":
        return Thread([c for c in (_lines(c.lines) for c in split.comments) if c])
    if split.layout != "blogger-actions" or gold is None:
        return None
    for placement in (FIRST_LINE, TRAILING):
        reading = read_glued(lines, placement)
        if reading is not None and _as_gold(reading.comments) == _as_gold_listed(gold):
            return Thread([_lines(c.lines) for c in reading.comments])
    return None


def _normal(text: str) -> str:
    return " ".join(text.split())


def _as_gold(comments) -> list[tuple]:
    out = []
    for c in comments:
        text = _normal(" ".join(c.lines))
        out.append((c.is_reply, len(text), text[:60], text[-40:]))
    return out


def _as_gold_listed(gold: dict) -> list[tuple]:
    return [(c["parent"] is not None, c["chars"], c["first"], c["last"]) for c in gold["comments"]]


def read_threads(paths: Iterable[Path], gold_dir: Optional[Path] = None) -> list[Thread]:
    """The threads with certain boundaries among ``paths``, in path order."""
    golds = {}
    if gold_dir is not None:
        for gold_path in sorted(gold_dir.glob("*.json")):
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            golds[gold.get("file")] = gold
    threads = []
    for path in sorted(paths):
        thread = thread_of(decode_bytes(path.read_bytes()).text, golds.get(path.name))
        if thread is not None:
            threads.append(thread)
    return threads


def count(threads: Iterable[Thread]) -> Tables:
    """Openings by whether the line starts a comment, endings by whether it ends one,
    joins by whether a boundary falls between the two lines, and comment lengths."""
    openings = {condition: Counter() for condition in (STARTS, INSIDE)}
    endings = {condition: Counter() for condition in (ENDS, INSIDE)}
    joins = {relation: Counter() for relation in (WITHIN, ACROSS)}
    lengths = Counter()
    beyond = []
    n = 0
    for thread in threads:
        n += 1
        previous = None
        for comment in thread.comments:
            ends = [ending(line) for line in comment]
            for i, line in enumerate(comment):
                openings[STARTS if i == 0 else INSIDE][opening(line)] += 1
                endings[ENDS if i == len(comment) - 1 else INSIDE][ends[i]] += 1
                if i:
                    joins[WITHIN][join(ends[i - 1], line)] += 1
            if previous is not None:
                joins[ACROSS][join(previous, comment[0])] += 1
            previous = ends[-1]
            lengths[length_band(len(comment))] += 1
            if len(comment) >= 6:
                beyond.append(len(comment) - 6)
    return Tables(n, openings, endings, joins, lengths, round(sum(beyond) / len(beyond), 2) if beyond else 1.0)


def render_module(tables: Tables) -> str:
    """The text of ``placement_model.py`` holding ``tables``."""
    comments = sum(tables.lengths.values())
    lines = sum(sum(row.values()) for row in tables.openings.values())

    def table(name: str, rows: dict[str, Counter], values) -> list[str]:
        out = [f"{name} = {{"]
        for key, row in rows.items():
            cells = ", ".join(f'"{v}": {row[v]}' for v in values)
            out.append(f'    "{key}": {{{cells}}},')
        return out + ["}"]

    return "\n".join([
        '"""How comments open and end, counted in dumps whose comment boundaries are certain.',
        "",
        "Generated by `python -m pipeline.tools.train_placement` (raw/*.txt, with the gold files in",
        "tests/gold/ for glued dumps); do not edit by hand. ``pipeline.read.placement`` turns the",
        "counts into smoothed probabilities.",
        '"""',
        "",
        f"# {tables.threads} threads, {comments} comments, {lines} text lines.",
        f"THREADS = {tables.threads}",
        "",
        "# Lines by how they open, as a comment's first line or any other.",
        *table("OPENINGS", tables.openings, OPENINGS),
        "",
        "# Lines by how they end, as a comment's last line or any other.",
        *table("ENDINGS", tables.endings, ENDINGS),
        "",
        "# Pairs of neighbouring lines, in one comment or either side of the boundary between",
        "# two, by whether the second runs on from the first.",
        *table("JOINS", tables.joins, JOINS),
        "",
        "# Comments by their number of text lines.",
        "LENGTHS = {" + ", ".join(f'"{band}": {tables.lengths[band]}' for band in LENGTHS) + "}",
        "# Lines beyond 6, on average, in comments of 6 lines or more.",
        f"LONG_TAIL = {tables.long_tail}",
        "",
    ])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.tools.train_placement", description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="dump files (default: raw/*.txt)")
    parser.add_argument("--gold", type=Path, default=Path("tests/gold"), help="folder of gold files (default: tests/gold)")
    parser.add_argument("--out", type=Path, default=MODULE, help="module to write")
    args = parser.parse_args(argv)
    paths = args.files or sorted(Path("raw").glob("*.txt"))
    threads = read_threads(paths, args.gold if args.gold.is_dir() else None)
    if not threads:
        print("no dump with certain comment boundaries among the files given", file=sys.stderr)
        return 1
    args.out.write_text(render_module(count(threads)), encoding="utf-8")
    print(f"{args.out}: {len(threads)} threads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
