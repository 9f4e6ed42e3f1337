"""The benchmark behind `make bench`: a synthetic archive, loaded against the floor.

For each size (1x, 2x, 4x the default archive) it measures, in one run:

- parse-only throughput in one process, no database (MB/s per core; the 1x size only);
- a cold load, end to end (indexes and full-text search included), as a user runs
  it: ``python -m pipeline load``, its wall time and its peak memory;
- the floor: the posts and comments rows alone inserted with bare ``executemany``
  in one transaction, plus SQLite's own FTS5 ``rebuild`` (porter) over the same
  text; everything else a load writes counts against the load;
- a re-run with nothing changed, and one after changing 10 files.

It checks the load before timing anything else: every file's post and comments are
what the generator wrote, and search finds what it should.

With the ``dask`` extra installed, ``run_shards`` then measures the parse stage on a
Dask cluster started on this machine (shards written, against the in-process
loader's parse of the same archive) and a load of the shards, split into writing
the rows and finishing (indexes, dates, search, statistics).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional

from ..parse import READER_VERSION, parse_bytes
from ..store.load import open_database
from ..store.rows import file_id, rows_of
from ..store.schema import SCHEMA_VERSION, schema_path
from . import BENCH_FEED_COMMENTS, BENCH_FILES, plant, render
from .synth import (ArchiveShape, SynthPost, draw_post, expected_comments, expected_text, iter_archive,
                    sentences_from, write_archive)
from ..store.work import iter_results

DEFAULT_FILES = BENCH_FILES
# Comments as long as real ones (see synth.ArchiveShape.skew), about 22 a post.
SHAPE = dict(top_level=(0, 20), reply_chance=0.4, replies=(1, 5), paragraphs=(1, 3), sentences=(1, 5),
             glued_share=0.2, odd_share=0.002, skew=0.52)
CHANGED_FILES = 10
FEED_COMMENTS = BENCH_FEED_COMMENTS


@dataclass
class Measure:
    scale: int
    files: int
    megabytes: float
    comments: int
    parse_mb_s_core: Optional[float]  # one process, no database: per core
    cold_s: float
    cold_peak_mb: float
    stages: dict  # seconds per stage of the cold load (`pipeline load --timings`)
    floor_s: float
    floor_insert_s: float
    floor_fts_s: float
    rerun_s: float
    changed_s: float

    @property
    def ratio(self) -> float:
        return self.cold_s / self.floor_s


@dataclass
class FeedMeasure:
    """The same threads loaded as text dumps and as one Blogger export."""

    comments: int
    dumps_files: int
    dumps_mb: float
    export_mb: float
    dumps_s: float
    dumps_peak_mb: float
    export_s: float
    export_peak_mb: float


def _write_shard(args) -> dict[str, Optional[SynthPost]]:
    folder, stock, files, seed = args
    return write_archive(Path(folder), stock, ArchiveShape(files=files, **SHAPE), seed)


def make_archive(root: Path, files: int, shards: int, seed: int, stock: list[str],
                 say: Callable[[str], None]) -> list[dict[str, Optional[SynthPost]]]:
    """Write ``shards`` folders of ``files`` dumps each under ``root``, in parallel."""
    say(f"writing {shards} x {files:,} synthetic dumps to {root}/ ...")
    folders = [str(root / f"shard-{k}") for k in range(shards)]
    with ProcessPoolExecutor() as pool:
        return list(pool.map(_write_shard, [(f, stock, files, seed * 100 + k) for k, f in enumerate(folders)]))


def _size(folders: list[Path]) -> int:
    return sum(f.stat().st_size for folder in folders for f in folder.iterdir())


def parse_per_core(folders: list[Path]) -> float:
    """MB/s of parsing the files into rows in this one process (per core), with no
    database: the files are read first, and the process's CPU time is what counts."""
    files = [(folder.name, f.name, f.read_bytes()) for folder in folders for f in sorted(folder.iterdir())]
    started = time.process_time()
    for archive, name, data in files:
        rows_of(parse_bytes(name, data), file_id(archive, name), 1)
    return sum(len(data) for _, _, data in files) / 1e6 / (time.process_time() - started)


def run_load(folders: list[Path], db: Path, stages: Optional[dict] = None) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of `pipeline load`, run as a user runs it;
    ``stages`` is given the seconds of each stage the load reports (``--timings``).

    Memory is the proportional set size (PSS) of the loader and its workers added
    up, sampled as it runs: what the load costs the machine, shared pages counted
    once.
    """
    started = time.perf_counter()
    # What the load says goes to a file, not a pipe: a pipe nobody reads fills up.
    said = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "load", *map(str, folders), "--db", str(db),
                                "--quiet", "--timings"], stdout=subprocess.DEVNULL, stderr=said)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_pss(process.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    said.seek(0)
    errors = said.read().decode()
    said.close()
    if process.returncode not in (0, 1) or "Traceback" in errors:
        raise RuntimeError(f"pipeline load failed: {errors[-2000:]}")
    if stages is not None:
        for line in errors.splitlines():
            stage, _, seconds = line.rpartition(": ")
            if seconds.endswith(" s") and stage:
                try:
                    stages[stage] = float(seconds[:-2])
                except ValueError:
                    pass
    return elapsed, peak / 1024


def _tree_pss(pid: int) -> int:
    """kB of memory used by a process and its descendants (0 for what has gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(child) for child in f.read().split()]
    except (OSError, ValueError):
        return total
    return total + sum(_tree_pss(child) for child in children)


def verify(db: Path, folders: list[Path], manifests: list[dict], rng: random.Random) -> int:
    """Check that every file loaded as the generator wrote it; returns the comment count."""
    con = sqlite3.connect(db)
    by_path: dict[str, list] = {}
    # Each file is known by its archive (its folder's name) and its path in it.
    for path, comment_path, parent, body in con.execute(
            """SELECT a.name || '/' || s.path, c.path, p.path, c.body FROM comments c
               JOIN sources s ON s.id = c.post_id JOIN archives a ON a.id = s.archive_id
               LEFT JOIN comments p ON p.id = c.parent_id ORDER BY s.id, c.seq"""):
        by_path.setdefault(path, []).append((comment_path, parent, " ".join(body.split())))
    titles, bodies, layouts = {}, {}, {}
    for path, title, body, layout in con.execute(
            """SELECT a.name || '/' || s.path, p.title, p.body, s.layout FROM posts p
               JOIN sources s ON s.id = p.source_id JOIN archives a ON a.id = s.archive_id"""):
        titles[path], bodies[path], layouts[path] = title, body, layout
    total = 0
    for folder, manifest in zip(folders, manifests):
        for name, post in manifest.items():
            path = f"{folder.name}/{name}"
            if post is None:
                if path in titles:
                    raise AssertionError(f"{path}: an odd file became a post")
                continue
            comments = by_path.get(path, [])
            if layouts.get(path) == "blogger-actions":
                # Recombined sentences say nothing about where glued markers sit: such a
                # file may be read in the other placement, but never loses text.
                read = " ".join(" ".join([bodies[path]] + [body for _, _, body in comments]).split())
                loaded = read == expected_text(post)
            else:
                loaded = comments == expected_comments(post)
            if titles.get(path) != post.title or not loaded:
                raise AssertionError(f"{path}: not loaded as generated")
            total += len(post.comments) + sum(len(c.replies) for c in post.comments)
    # Search finds a comment by a word that is in it.
    for comment_id, body in con.execute("SELECT id, body FROM comments ORDER BY random() LIMIT 20").fetchall():
        words = [w for w in re.findall(r"[A-Za-z]{6,}", body)]
        word = rng.choice(words) if words else None
        if word:
            hits = {r[0] for r in con.execute("SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?",
                                              [f'"{word}"'])}
            if comment_id not in hits:
                raise AssertionError(f"search for {word!r} misses comment {comment_id}")
    con.close()
    return total


def floor(loaded: Path, target: Path) -> tuple[float, float]:
    """What SQLite alone needs for the load's text: seconds to insert ``loaded``'s posts
    and comments rows with bare ``executemany`` in one transaction, into a new
    database with SQLite's defaults, and to build FTS5 indexes over the same text
    with the same tokenizer (``rebuild``, FTS5's defaults). Everything else a load
    writes (date mentions, references, issues, indexes, statistics) counts against
    the load."""
    _remove_database(target)
    source = sqlite3.connect(loaded)
    con = sqlite3.connect(target, isolation_level=None)
    schema = re.sub(r"--[^\n]*", "", schema_path().read_text())
    tables = [stmt + ";" for stmt in schema.split(";") if re.search(r"CREATE TABLE IF NOT EXISTS (posts|comments) ",
                                                                     stmt)]
    con.executescript("\n".join(tables))
    insert = 0.0
    con.execute("BEGIN")
    for table in ("posts", "comments"):
        columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})")]
        rows = source.execute(f"SELECT {', '.join(map(_quote, columns))} FROM {table} ORDER BY id").fetchall()
        sql = f"INSERT INTO {table} ({', '.join(map(_quote, columns))}) VALUES ({', '.join('?' * len(columns))})"
        started = time.perf_counter()
        con.executemany(sql, rows)
        insert += time.perf_counter() - started
        del rows
    started = time.perf_counter()
    con.execute("COMMIT")
    insert += time.perf_counter() - started
    started = time.perf_counter()
    con.execute("BEGIN")
    con.execute("CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content=posts, content_rowid=id, "
                "tokenize='porter')")
    con.execute("CREATE VIRTUAL TABLE comments_fts USING fts5(body, content=comments, content_rowid=id, "
                "tokenize='porter')")
    con.execute("INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')")
    con.execute("INSERT INTO comments_fts(comments_fts) VALUES ('rebuild')")
    con.execute("COMMIT")
    fts = time.perf_counter() - started
    con.close()
    source.close()
    return insert, fts


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def feed_against_dumps(root: Path, comments: int, stock: list[str], seed: int,
                       say: Callable[[str], None]) -> FeedMeasure:
    """Load the same threads, about ``comments`` comments, as text dumps and as one
    Blogger export of a blog, each into a new database; time both, and their memory."""
    from .render import draw_blog_settings, from_synth, render_export
    from .synth import draw_rendering, render

    rng = random.Random(seed)
    shape = ArchiveShape(**SHAPE)
    blog = draw_blog_settings(rng)
    folder = root / "feed"
    dumps, export = folder / "dumps", folder / "export"
    for path in (dumps, export):
        path.mkdir(parents=True, exist_ok=True)
        for old in path.iterdir():
            old.unlink()
    posts, count = [], 0
    while count < comments:
        post = draw_post(rng, stock, shape)
        (dumps / f"{len(posts):06d}.txt").write_bytes(render(post, draw_rendering(rng, shape)))
        posts.append(from_synth(post, rng, blog)[1])
        count += len(post.comments) + sum(len(c.replies) for c in post.comments)
    (export / "blog-export.xml").write_bytes(render_export(blog, posts))
    say(f"{count:,} comments as {len(posts):,} dumps and as one export ...")
    measures = []
    for path in (dumps, export):
        db = folder / f"{path.name}.db"
        _remove_database(db)
        measures.append(run_load([path], db))
        _remove_database(db)
    (dumps_s, dumps_peak), (export_s, export_peak) = measures
    return FeedMeasure(count, len(posts), _size([dumps]) / 1e6, _size([export]) / 1e6, dumps_s, dumps_peak,
                       export_s, export_peak)


def change_files(folder: Path, count: int, rng: random.Random) -> dict[Path, bytes]:
    """Append a paragraph to ``count`` files; returns what they held before."""
    before = {}
    for path in rng.sample(sorted(folder.iterdir()), count):
        before[path] = path.read_bytes()
        with open(path, "ab") as f:
            f.write(b"\n\n    An added paragraph, so that the file has changed.\n")
    return before


def run(root: Path, files: int = DEFAULT_FILES, scales: tuple[int, ...] = (1, 2, 4), seed: int = 1,
        say: Callable[[str], None] = print, feed_comments: int = FEED_COMMENTS) -> tuple[list[Measure], FeedMeasure]:
    """Run the benchmark in ``root``; returns one measure per scale, and the export's."""
    root.mkdir(parents=True, exist_ok=True)
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(Path("raw").glob("*.txt")))
    if not stock:
        raise RuntimeError("no sample text in raw/ to build the archive from")
    archive = root / "archive"
    manifests = make_archive(archive, files, max(scales), seed, stock, say)
    shards = sorted(archive.iterdir(), key=lambda p: int(p.name.split("-")[1]))
    rng = random.Random(seed)
    measures = []
    for scale in scales:
        folders = shards[:scale]
        megabytes = _size(folders) / 1e6
        say(f"{scale}x: {files * scale:,} files, {megabytes:,.0f} MB")
        parse = parse_per_core(folders) if scale == scales[0] else None
        if parse:
            say(f"  parse {parse:.1f} MB/s on one core")
        db = root / f"load-{scale}x.db"
        _remove_database(db)
        stages: dict = {}
        cold, peak = run_load(folders, db, stages)
        say(f"  cold load {cold:.1f} s, peak {peak:.0f} MB; verifying ...")
        comments = verify(db, folders, manifests[:scale], rng)
        insert, fts = floor(db, root / f"floor-{scale}x.db")
        rerun, _ = run_load(folders, db)
        originals = change_files(folders[0], CHANGED_FILES, rng)
        changed, _ = run_load(folders, db)
        for path, data in originals.items():
            path.write_bytes(data)
        measure = Measure(scale, files * scale, megabytes, comments, parse, cold, peak, stages, insert + fts, insert,
                          fts, rerun, changed)
        say(f"  floor {measure.floor_s:.1f} s (insert {insert:.1f} + FTS {fts:.1f}), ratio {measure.ratio:.2f}; "
            f"re-run {rerun:.2f} s; {CHANGED_FILES} changed {changed:.2f} s")
        measures.append(measure)
        # Gigabytes of finished databases would crowd the next size's files out of
        # the operating system's cache: each size is measured on a machine alike.
        _remove_database(db)
        _remove_database(root / f"floor-{scale}x.db")
    feed = feed_against_dumps(root, feed_comments, stock, seed, say)
    say(f"  dumps {feed.dumps_s:.1f} s ({feed.dumps_peak_mb:.0f} MB), export {feed.export_s:.1f} s "
        f"({feed.export_peak_mb:.0f} MB)")
    (root / "report.json").write_text(json.dumps(
        {"cores": os.cpu_count(), "sizes": [asdict(m) | {"ratio": m.ratio} for m in measures],
         "feed": asdict(feed)}, indent=2))
    return measures, feed


def report(measures: list[Measure], feed: Optional[FeedMeasure] = None) -> str:
    """The benchmark's figures as Markdown: sizes, the stages of the first, the export."""
    lines = [
        f"On {os.cpu_count()} cores. Floor: bare executemany of the posts and comments rows in one "
        "transaction, plus FTS5 rebuild (porter) over the same text.",
        "",
        "| size | files | MB | comments | parse MB/s per core | cold load s | floor s (insert + FTS) "
        "| cold / floor | re-run s | 10 changed s | peak MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in measures:
        parse = f"{m.parse_mb_s_core:.1f}" if m.parse_mb_s_core else ""
        lines.append(
            f"| {m.scale}x | {m.files:,} | {m.megabytes:,.0f} | {m.comments:,} | {parse} | {m.cold_s:.1f} "
            f"| {m.floor_s:.1f} ({m.floor_insert_s:.1f} + {m.floor_fts_s:.1f}) | {m.ratio:.2f} "
            f"| {m.rerun_s:.2f} | {m.changed_s:.2f} | {m.cold_peak_mb:.0f} |")
    if len(measures) > 1:
        first, last = measures[0], measures[-1]
        lines += ["", f"{last.scale}x the archive takes {last.cold_s / first.cold_s:.2f} times as long as "
                      f"{first.scale}x (cold load)."]
    if measures and measures[0].stages:
        first = measures[0]
        lines += ["", f"Stages of the {first.scale}x cold load (`pipeline load --timings`):", "",
                  "| stage | s |", "| --- | --- |"]
        lines += [f"| {stage} | {seconds:.2f} |" for stage, seconds in first.stages.items() if seconds >= 0.005]
    if feed is not None:
        lines += ["", f"The same {feed.comments:,} comments as {feed.dumps_files:,} text dumps ({feed.dumps_mb:,.0f} "
                      f"MB) and as one Blogger export ({feed.export_mb:,.0f} MB), each loaded into a new database:",
                  "", "| files | load s | peak MB |", "| --- | --- | --- |",
                  f"| dumps | {feed.dumps_s:.1f} | {feed.dumps_peak_mb:.0f} |",
                  f"| export | {feed.export_s:.1f} | {feed.export_peak_mb:.0f} |"]
    return "\n".join(lines)


# -- the parse stage on Dask, and the load of its shards --------------------------------------

@dataclass
class ShardMeasure:
    files: int
    megabytes: float
    comments: int
    workers: int
    batches: int
    inprocess_parse_mb_s: float  # the loader's own parse of the same files, on every core, just before
    cluster_start_s: float
    shards_parse_s: float  # parse into shards on the started cluster, start-up not included
    shards_megabytes: float
    shards_load_s: float  # `load --from-shards` into a new database, end to end
    shards_write_s: float  # of which writing the rows
    shards_finish_s: float  # of which finishing: indexes, dates, search, statistics
    direct_load_s: Optional[float]  # the cold load of the same files (Measure.cold_s)

    @property
    def shards_parse_mb_s(self) -> float:
        return self.megabytes / self.shards_parse_s


def parse_all_cores(folders: list[Path]) -> float:
    """MB/s of reading and parsing the files into rows on every core, as a load does
    (``work.iter_results``), with no database: wall time."""
    from ..store.plan import Job

    jobs = [Job(str(f), f.name, 0, file_id(folder.name, f.name), str(f))
            for folder in folders for f in sorted(folder.iterdir())]
    started = time.perf_counter()
    for _ in iter_results(jobs):
        pass
    return _size(folders) / 1e6 / (time.perf_counter() - started)


def first_manifest(root: Path, files: int, seed: int = 1) -> dict[str, Optional[SynthPost]]:
    """What the generator wrote into ``root``'s first folder (shard-0), drawn again from the seed."""
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(Path("raw").glob("*.txt")))
    return {name: post for name, _, post in iter_archive(stock, ArchiveShape(files=files, **SHAPE), seed * 100)}


def run_shards(root: Path, folder: Path, manifest: dict, seed: int = 1, direct_load_s: Optional[float] = None,
               say: Callable[[str], None] = print) -> ShardMeasure:
    """Parse ``folder`` in process (as a load does) and then into shards on a cluster of
    this machine, one after the other, so that both meet the same machine; load the
    shards, checking the load as ``verify`` does; returns the times."""
    from ..store.engine import dask_client, parse_to_shards
    from ..store.load import open_database
    from ..store.shards import load_shards

    shards_dir = root / "shards"
    db_path = root / "shards.db"
    _remove_database(db_path)
    megabytes = _size([folder]) / 1e6
    say(f"shards: {folder} parsed in process, then on a local Dask cluster ...")
    parse_mb_s = parse_all_cores([folder])
    started = time.perf_counter()
    with dask_client() as client:
        cluster_start = time.perf_counter() - started
        started = time.perf_counter()
        made = parse_to_shards([folder], shards_dir, client=client, force=True)
        parse_s = time.perf_counter() - started
    shards_mb = sum(f.stat().st_size for f in shards_dir.rglob("*.parquet")) / 1e6
    say(f"  cluster start {cluster_start:.1f} s, parse {parse_s:.1f} s ({megabytes / parse_s:.1f} MB/s), "
        f"{made.batches} shards, {shards_mb:.0f} MB; loading ...")
    stages: dict[str, float] = {}
    db = open_database(db_path)
    started = time.perf_counter()
    load_shards(db, shards_dir, on_stage=lambda stage: stages.setdefault(stage, time.perf_counter()))
    load_s = time.perf_counter() - started
    db.close()
    write_s = stages.get("finishing", started + load_s) - started
    comments = verify(db_path, [folder], [manifest], random.Random(seed))
    measure = ShardMeasure(made.files, megabytes, comments, made.workers, made.batches, parse_mb_s, cluster_start,
                           parse_s, shards_mb, load_s, write_s, load_s - write_s, direct_load_s)
    say(f"  load from shards {load_s:.2f} s (rows {write_s:.2f} s, finishing {load_s - write_s:.2f} s)")
    _remove_database(db_path)
    (root / "report-shards.json").write_text(json.dumps(asdict(measure), indent=2))
    return measure


def report_shards(m: ShardMeasure) -> str:
    """The shard figures as a Markdown table."""
    direct = f"{m.direct_load_s:.2f}" if m.direct_load_s else ""
    return "\n".join([
        "| files | MB | comments | workers | shards | in-process parse MB/s | cluster start s | shards parse s "
        "| shards parse MB/s | shards MB | load from shards s | of which rows s | of which finishing s "
        "| files/s loaded | direct cold load s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {m.files:,} | {m.megabytes:,.0f} | {m.comments:,} | {m.workers} | {m.batches} | {m.inprocess_parse_mb_s:.1f} "
        f"| {m.cluster_start_s:.1f} | {m.shards_parse_s:.1f} | {m.shards_parse_mb_s:.1f} | {m.shards_megabytes:,.0f} "
        f"| {m.shards_load_s:.2f} | {m.shards_write_s:.2f} | {m.shards_finish_s:.2f} "
        f"| {m.files / m.shards_load_s:,.0f} | {direct} |",
    ])


# -- the reading pages ---------------------------------------------------------------------

# The pages' archive: 20,000 posts of Blogger exports (authors, exact times, labels,
# removed comments, signatures and references planted), 1,000 posts to a blog.
PAGE_POSTS = 20_000
BLOG_POSTS = 1_000
PAGE_SHAPE = dict(top_level=(0, 20), reply_chance=0.4, replies=(1, 5), draft_share=0.0, page_share=0.02,
                  removed_share=0.03)
# The span the posts are spread over, evenly at random: 16 years.
FIRST_DAY, DAYS = dt.date(2010, 1, 1), 16 * 365
PAGE_TARGETS_MS = {"thread": 200, "author": 200, "activity": 1000}


@dataclass
class PageMeasure:
    page: str
    what: str
    urls: int
    median_ms: float
    worst_ms: float

    @property
    def target_ms(self) -> Optional[float]:
        return PAGE_TARGETS_MS.get(self.page)


def pages_database(root: Path, posts: int = PAGE_POSTS, seed: int = 1,
                   say: Callable[[str], None] = print) -> Path:
    """A database of ``posts`` posts as Blogger's exports give them, built once under
    ``root`` and reused while the schema and the reading rules are the same
    (``pipeline load`` is what builds it)."""
    folder = root / f"pages-{posts}-{seed}"
    db = folder / "blog.db"
    done = folder / "done.json"
    stamp = {"posts": posts, "seed": seed, "schema": SCHEMA_VERSION, "reader": READER_VERSION}
    if db.exists() and done.exists() and json.loads(done.read_text()) == stamp:
        say(f"reusing {db}")
        # Indexes added to schema.sql since it was built are made, and measured for the
        # query planner, as a load into a new database would make and measure them.
        opened = open_database(db)
        for (name,) in opened.execute("""SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                                         AND name NOT IN (SELECT idx FROM sqlite_stat1)""").fetchall():
            opened.execute(f'ANALYZE "{name}"')
        opened.close()
        return db
    archive = folder / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    for old in archive.iterdir():
        old.unlink()
    _remove_database(db)
    done.unlink(missing_ok=True)
    blogs = max(1, math.ceil(posts / BLOG_POSTS))
    say(f"writing {posts:,} posts as {blogs} Blogger exports to {archive}/ ...")
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(Path("raw").glob("*.txt")))
    with ProcessPoolExecutor() as pool:
        list(pool.map(_write_blog, [(str(archive / f"blog-{k:03d}.xml"), min(BLOG_POSTS, posts - k * BLOG_POSTS),
                                     stock, seed * 1000 + k) for k in range(blogs)]))
    say("loading them ...")
    elapsed, _ = run_load([archive], db)
    say(f"  loaded in {elapsed:.0f} s")
    done.write_text(json.dumps(stamp))
    return db


def _write_blog(args) -> None:
    path, posts, stock, seed = args
    rng = random.Random(seed)
    blog, drawn = render.draw_blog(rng, render.BlogShape(posts=(posts, posts), **PAGE_SHAPE), stock)
    planted = []
    for post in drawn:
        # Spread the posts over the archive's years; a thread keeps its times relative to its post.
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        shift = dt.datetime.combine(day, post.published.timetz()) - post.published
        post.published += shift
        post.updated = post.published
        for comment, _ in post.iter_comments():
            comment.published += shift
        planted.append(plant.plant_blog(blog, post, rng)[0])
    Path(path).write_bytes(render.render_export(blog, planted))


def measure_pages(db: Path, rounds: int = 7, sample: int = 20, seed: int = 1,
                  say: Callable[[str], None] = print) -> list[PageMeasure]:
    """Server-side time of the reading pages, through Datasette's own client (no network).

    Each URL is asked for once to warm up, then ``rounds`` times; its time is the
    median. Threads and authors: ``sample`` drawn at random, and the largest.
    """
    return asyncio.run(_measure_pages(db, rounds, sample, seed, say))


async def _measure_pages(db: Path, rounds: int, sample: int, seed: int, say) -> list[PageMeasure]:
    from datasette.app import Datasette  # here: the command line starts without Datasette

    rng = random.Random(seed)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    post_ids = [row[0] for row in con.execute("SELECT id FROM posts ORDER BY id")]
    biggest = con.execute("SELECT id, comment_count FROM posts ORDER BY comment_count DESC LIMIT 1").fetchone()
    authors = con.execute("SELECT author_id, count(*) FROM comments WHERE author_id IS NOT NULL "
                          "GROUP BY author_id ORDER BY 2 DESC").fetchall()
    # The commonest word, and the word found in the number of comments nearest 1,000.
    words = [row[0] for row in con.execute(
        "SELECT term FROM (SELECT term FROM comments_fts_vocab ORDER BY doc DESC LIMIT 1) UNION ALL "
        "SELECT term FROM (SELECT term FROM comments_fts_vocab WHERE term GLOB '[a-z]*' "
        "ORDER BY abs(doc - 1000) LIMIT 1)")] if _has_vocab(con) else ["the", "union"]
    con.close()
    ds = Datasette([str(db)], settings={"sql_time_limit_ms": 30_000})
    await ds.invoke_startup()

    async def timed(url: str) -> float:
        response = await ds.client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: status {response.status_code}")
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            await ds.client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        return sorted(times)[len(times) // 2]

    async def measure(page: str, what: str, urls: list[str]) -> PageMeasure:
        times = [await timed(url) for url in urls]
        measure = PageMeasure(page, what, len(urls), sorted(times)[len(times) // 2], max(times))
        say(f"  {page} ({what}): median {measure.median_ms:.0f} ms, worst {measure.worst_ms:.0f} ms")
        return measure

    busiest, most = authors[0]
    return [
        await measure("thread", f"{min(sample, len(post_ids))} posts at random",
                      [f"/-/thread/{i}" for i in rng.sample(post_ids, min(sample, len(post_ids)))]),
        await measure("thread", f"the largest, {biggest[1]} comments", [f"/-/thread/{biggest[0]}"]),
        await measure("author", f"{min(sample, len(authors))} at random",
                      [f"/-/author/{a}" for a, _ in rng.sample(authors, min(sample, len(authors)))]),
        await measure("author", f"the busiest, {most:,} comments", [f"/-/author/{busiest}"]),
        await measure("authors", "the index, first page", ["/-/authors"]),
        await measure("activity", "the whole archive", ["/-/activity"]),
        await measure("search", f"'{words[0]}', the commonest word", [f"/-/search?q={words[0]}"]),
        await measure("search", f"'{words[-1]}', a word in about 1,000 comments", [f"/-/search?q={words[-1]}"]),
    ]


def _has_vocab(con: sqlite3.Connection) -> bool:
    # An fts5vocab table over the comments' index, made here in memory: the database stays as loaded.
    try:
        con.execute("CREATE VIRTUAL TABLE temp.comments_fts_vocab USING fts5vocab(main, comments_fts, row)")
        return True
    except sqlite3.DatabaseError:
        return False


def untimed_database(db: Path, say: Callable[[str], None] = print) -> Path:
    """A copy of ``db`` with every comment's time taken away, as text dumps have none:
    comments then count by their posts' dates. Made once beside it, and reused."""
    copy = db.with_name("untimed.db")
    done = db.with_name("untimed.json")
    stamp = {"from": db.stat().st_mtime_ns}
    if copy.exists() and done.exists() and json.loads(done.read_text()) == stamp:
        return copy
    say(f"copying {db} without the comments' times ...")
    _remove_database(copy)
    source, target = sqlite3.connect(db), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.execute("UPDATE comments SET published_at = NULL")
    target.commit()
    target.execute("ANALYZE")
    target.close()
    done.write_text(json.dumps(stamp))
    return copy


def pages_report(measured: list[tuple[str, list[PageMeasure]]], posts: int, comments: int) -> str:
    """The pages' figures as a Markdown table, against their targets."""
    lines = [f"Reading pages on {posts:,} posts and {comments:,} comments, server-side "
             f"(Datasette's client, median of each URL's requests):", "",
             "| comments' times | page | what | URLs | median ms | worst ms | target ms |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for times, measures in measured:
        for m in measures:
            target = f"{m.target_ms:.0f}" if m.target_ms else ""
            lines.append(f"| {times} | {m.page} | {m.what} | {m.urls} | {m.median_ms:.0f} | {m.worst_ms:.0f} "
                         f"| {target} |")
    return "\n".join(lines)


def run_pages(root: Path, posts: int = PAGE_POSTS, seed: int = 1, say: Callable[[str], None] = print) -> str:
    """Build (or reuse) the pages' databases, with and without comments' times, and
    time the pages on each; returns the report."""
    db = pages_database(root, posts, seed, say)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    post_count, comment_count = con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM comments)"
                                            ).fetchone()
    con.close()
    measured = []
    for times, path in (("known", db), ("none", untimed_database(db, say))):
        say(f"timing the reading pages on {path} ...")
        measured.append((times, measure_pages(path, say=say)))
    return pages_report(measured, post_count, comment_count)
