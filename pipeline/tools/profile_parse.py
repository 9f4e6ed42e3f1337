"""Where parsing spends its time: single-process MB/s of ``parse_bytes``, and each stage's share.

    python -m pipeline.tools.profile_parse [--files 3000] [--seed 1] [--dir data/profile] [--planted]
                                           [--cprofile] [--against DIR] [--on DIR]

Writes (once) a synthetic archive with the benchmark's shape (``bench.SHAPE``) from
the sentences of ``raw/``, reads it into memory, and parses every file in this one
process, so the figure is per core whatever the machine; times are the process's
CPU time, so that other work on the machine counts less. The stage table comes from
a second pass with each stage's function wrapped in a timer; nested stages are
indented and included in the stage above them. ``--cprofile`` adds the functions
that take the most time of their own. ``--against DIR`` also times the
``parse_bytes`` of another copy of the project (say, ``git worktree add DIR main``),
in the same run, each pass of one alternating with one of the other, so that both
meet the same machine. ``--on DIR`` times the text files already in ``DIR`` (the
benchmark's archive, say) instead; ``--planted`` writes an archive whose every thread
has signatures and references planted. A measuring tool, not part of a load.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import importlib
import os
import pstats
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from ..parse import parse_bytes
from ..store.rows import file_id, rows_of
from ..read.split import FIRST_LINE, TRAILING
from .bench import SHAPE
from .plant import plant_synth
from .synth import ArchiveShape, Rendering, draw_post, render, sentences_from, write_archive

# (module, function, label, depth): the stages timed, nested ones below their caller.
# A function missing from its module (renamed, inlined) is left out of the table.
STAGES = [
    ("pipeline.parse", "decode_bytes", "decode", 0),
    ("pipeline.parse", "find_non_dump", "sniff (HTML/JSON)", 0),
    ("pipeline.parse", "split_lines", "split", 0),
    ("pipeline.read.split", "parse_header", "header", 1),
    ("pipeline.read.split", "_split_numbered", "numbered layout", 1),
    ("pipeline.read.split", "_split_actions", "glued layout", 1),
    ("pipeline.parse", "build_thread", "threads", 0),
    ("pipeline.parse", "normalise_post", "normalise", 0),
    ("pipeline.understand.normalise", "infer_post_date", "infer_post_date", 1),
    ("pipeline.understand.normalise", "page_mentions", "page_mentions", 1),
    ("pipeline.understand.dates", "find_mentions", "dates.find_mentions (all calls)", 2),
    ("pipeline.understand.dates", "resolve", "dates.resolve", 2),
    ("pipeline.parse", "understand_people", "people (signatures, references)", 0),
]


def ensure_archive(folder: Path, files: int, seed: int, planted: bool = False) -> list[Path]:
    """The archive's files, written first unless ``folder`` already holds them.

    ``planted``: every post with signatures and references planted (``plant``), a
    letter's sign-off at the end of one in ten, written in the numbered layout and with
    glued markers in either placement, a third each: threads that give the stage of
    who said what to whom the most to do.
    """
    stamp = folder / ".made"
    wanted = f"{files} {seed} {sorted(SHAPE.items())}" + (" planted" if planted else "")
    if not (stamp.exists() and stamp.read_text() == wanted):
        stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(Path("raw").glob("*.txt")))
        if not stock:
            raise SystemExit("no sample text in raw/ to build the archive from: run from the project's folder")
        for old in folder.glob("*.txt"):
            old.unlink()
        if planted:
            _write_planted(folder, stock, files, seed)
        else:
            write_archive(folder, stock, ArchiveShape(files=files, **SHAPE), seed)
        stamp.write_text(wanted)
    return sorted(folder.glob("*.txt"))


def _write_planted(folder: Path, stock: list[str], files: int, seed: int) -> None:
    rng = random.Random(seed)
    shape = ArchiveShape(**SHAPE)
    renderings = [Rendering(layout="numbered"), Rendering(layout="blogger-actions", placement=FIRST_LINE),
                  Rendering(layout="blogger-actions", placement=TRAILING)]
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        post, _ = plant_synth(draw_post(rng, stock, shape), rng, blog_author="Alice Smith", letter=0.1)
        (folder / f"{k:06d}.txt").write_bytes(render(post, renderings[k % len(renderings)]))


# Times parse_bytes over the files named on stdin, in whichever copy of the project
# is first on the path: it uses nothing but parse_bytes, which every version has.
_TIME_ELSEWHERE = """
import sys, time
from pipeline.parse import parse_bytes
data = [(p, open(p, "rb").read()) for p in sys.stdin.read().split("\\n") if p]
started = time.process_time()
for path, raw in data:
    parse_bytes(path, raw)
print(time.process_time() - started)
"""


def time_elsewhere(project: Path, paths: list[Path]) -> float:
    """CPU seconds of the parse_bytes in ``project`` over ``paths``, in a process of its own."""
    env = dict(os.environ, PYTHONPATH=str(project.resolve()))
    done = subprocess.run([sys.executable, "-c", _TIME_ELSEWHERE], input="\n".join(str(p.resolve()) for p in paths),
                          capture_output=True, text=True, env=env, cwd=project, check=True)
    return float(done.stdout.split()[-1])


def _timed(function: Callable, totals: dict[str, list[float]], label: str) -> Callable:
    clock = time.process_time

    def wrapper(*args, **kwargs):
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            entry = totals[label]
            entry[0] += clock() - started
            entry[1] += 1
    return wrapper


def stage_times(data: list[tuple[str, bytes]]) -> tuple[float, dict[str, list[float]]]:
    """Seconds of parse_bytes over all files, and of each stage, with the stages wrapped."""
    totals = {label: [0.0, 0] for _, _, label, _ in STAGES}
    saved = []
    for module_name, name, label, _ in STAGES:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, _timed(getattr(module, name), totals, label))
    try:
        started = time.process_time()
        for path, raw in data:
            parse_bytes(path, raw)
        total = time.process_time() - started
    finally:
        for module, name, function in saved:
            setattr(module, name, function)
    return total, totals


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="where the archive is written (data/profile, or "
                                                  "data/profile-planted with --planted)")
    parser.add_argument("--planted", action="store_true", help="an archive with signatures and references "
                                                               "planted in every thread")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the fastest is reported")
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile's top functions")
    parser.add_argument("--against", type=Path, help="another copy of the project to time on the same files")
    parser.add_argument("--on", type=Path, help="time on the .txt files already in this folder and below (the "
                                                "first --files of them by path; nothing is written there) rather "
                                                "than on an archive written for it")
    args = parser.parse_args(argv)

    if args.on:
        paths = sorted(args.on.rglob("*.txt"))[:args.files]
        if not paths:
            raise SystemExit(f"{args.on}: no .txt files to time")
        folder, seed = args.on, ""
    else:
        folder = args.dir or Path("data/profile-planted" if args.planted else "data/profile")
        paths = ensure_archive(folder, args.files, args.seed, args.planted)
        seed = f" (seed {args.seed}{', planted' if args.planted else ''})"
    data = [(str(p), p.read_bytes()) for p in paths]
    ids = [file_id(folder.name, Path(path).name) for path, _ in data]
    megabytes = sum(len(raw) for _, raw in data) / 1e6
    print(f"{len(data):,} files, {megabytes:.1f} MB in {folder}/{seed}; one process")

    # Each result is let go of once made, as a worker does and as the other copy is
    # timed: results kept would make the garbage collector's passes ever longer.
    best_parse = best_worker = best_hash = best_other = float("inf")
    for _ in range(args.repeat):
        if args.against:
            best_other = min(best_other, time_elsewhere(args.against, paths))
        started = time.process_time()
        for path, raw in data:
            parse_bytes(path, raw)
        best_parse = min(best_parse, time.process_time() - started)
        started = time.process_time()
        for (path, raw), source_id in zip(data, ids):
            rows_of(parse_bytes(path, raw), source_id, 0)
        best_worker = min(best_worker, time.process_time() - started)
        started = time.process_time()
        for _, raw in data:
            hashlib.sha256(raw).hexdigest()
        best_hash = min(best_hash, time.process_time() - started)
    best_rows = max(0.0, best_worker - best_parse)
    print(f"parse_bytes: {best_parse:.2f} s, {megabytes / best_parse:.1f} MB/s; "
          f"with rows_of (as a worker runs): {megabytes / best_worker:.1f} MB/s")
    if args.against:
        print(f"parse_bytes of {args.against}: {best_other:.2f} s, {megabytes / best_other:.1f} MB/s "
              f"({best_other / best_parse:.2f} times as long)")

    total, totals = stage_times(data)
    print(f"\nstages (one pass with timers, parse_bytes {total:.2f} s):")
    print(f"{'stage':<40} {'s':>7} {'%':>6} {'calls':>8}")
    top_level = 0.0
    for _, _, label, depth in STAGES:
        seconds, calls = totals[label]
        if not calls:
            continue
        top_level += seconds if depth == 0 else 0
        print(f"{'  ' * depth + label:<40} {seconds:7.2f} {100 * seconds / total:6.1f} {calls:8,}")
    print(f"{'sha256 (measured apart)':<40} {best_hash:7.2f} {100 * best_hash / total:6.1f}")
    rest = total - top_level
    print(f"{'rest of parse_bytes (sha256 included)':<40} {rest:7.2f} {100 * rest / total:6.1f}")
    print(f"{'rows_of (parse and rows, less parse)':<40} {best_rows:7.2f} {100 * best_rows / total:6.1f}")

    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for path, raw in data:
            parse_bytes(path, raw)
        profile.disable()
        print()
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
