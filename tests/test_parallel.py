"""Parsing on several cores gives the same database as parsing on one, a
synthetic archive loads exactly as the generator made it, and parsing keeps a
bounded way ahead of the writing."""
import itertools
import sqlite3

import pytest

from pipeline.store import work
from pipeline.store.plan import Job
from pipeline.store.load import load_paths, open_database
from pipeline.tools.synth import ArchiveShape, expected_comments, expected_text, sentences_from, write_archive

from .conftest import RAW, norm

FILES = 260  # above work.PARALLEL_FROM, so that the pool is used


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallel")
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))
    manifest = write_archive(root / "raw", stock, ArchiveShape(files=FILES, top_level=(0, 12)), seed=11)
    return root, manifest


def dump(path):
    con = sqlite3.connect(path)
    out = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
           for t in ("posts", "comments", "date_mentions", "parse_issues", "dates")}
    out["sources"] = sorted(con.execute("SELECT id, path, sha256, layout FROM sources").fetchall())
    con.close()
    return out


def test_parallel_equals_serial_and_matches_the_generator(archive, monkeypatch):
    root, manifest = archive
    monkeypatch.chdir(root)
    serial, parallel = open_database("serial.db"), open_database("parallel.db")
    report = load_paths(parallel, ["raw"], workers=2)
    load_paths(serial, ["raw"], workers=1)
    assert report.loaded + len(report.failed) == FILES
    assert dump("serial.db") == dump("parallel.db")

    glued = 0
    for name, post in manifest.items():
        path = name
        rows = list(parallel.query(
            "SELECT p.title, p.published, p.body FROM posts p JOIN sources s ON s.id = p.source_id WHERE s.path = ?",
            [path]))
        if post is None:
            assert rows == []
            continue
        [row] = rows
        assert (row["title"], row["published"]) == (post.title, post.date.isoformat())
        got = [(r["path"], r["parent"], norm(r["body"])) for r in parallel.query(
            """SELECT c.path, p.path AS parent, c.body FROM comments c JOIN sources s ON s.id = c.post_id
               LEFT JOIN comments p ON p.id = c.parent_id WHERE s.path = ? ORDER BY c.seq""", [path])]
        [layout] = [r["layout"] for r in parallel.query("SELECT layout FROM sources WHERE path = ?", [path])]
        if layout == "blogger-actions":
            # Recombined sentences say nothing about where glued markers sit: the file
            # may be read in the other placement, but it loses no text.
            assert norm(" ".join([row["body"]] + [body for _, _, body in got])) == expected_text(post)
            glued += 1
        else:
            assert norm(row["body"]) == norm(" ".join(post.body))
            assert got == expected_comments(post)
    assert glued


def test_parsing_runs_a_bounded_way_ahead_of_what_is_consumed(tmp_path):
    # Jobs are drawn as the workers need them, however many there are: what is
    # parsed and not yet consumed is what a load holds in memory.
    drawn = 0

    def jobs():
        nonlocal drawn
        for n in itertools.count():
            drawn += 1
            yield Job(str(tmp_path / f"missing-{n}.txt"), f"missing-{n}.txt", 1, n << 20, f"missing-{n}.txt")

    workers = 2
    bound = max(work.PARALLEL_FROM, workers * work.AHEAD * work.CHUNK) + work.CHUNK
    results = work.iter_results(jobs(), workers)
    for consumed in range(1, 1001):
        result = next(results)
        assert result.job.file == str(tmp_path / f"missing-{consumed - 1}.txt")  # in order
        assert drawn - consumed <= bound
    results.close()


STOPPER = """
import random, sys
from pathlib import Path
from pipeline.store import work
from pipeline.store.plan import Job

files = sorted(Path(sys.argv[1]).glob("*.txt"))
jobs = [Job(str(f), f.name, 1, n, f.name) for n, f in enumerate(files)]
pick = random.Random(5)
for _ in range(int(sys.argv[2])):
    results = work.iter_results(jobs, workers=2)
    for _ in zip(range(pick.randrange(work.PARALLEL_FROM + 1)), results):
        pass
    results.close()
print("ended")
"""


def test_a_parse_stopped_while_workers_send_results_lets_the_process_end(tmp_path):
    # A worker stopped in the middle of sending its result would leave the pool's
    # thread waiting for the rest for ever, and the process could never exit: the
    # workers are asked to stop, not killed. Large threads make long results; the
    # stops come at many points of the parse.
    import subprocess
    import sys

    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))
    write_archive(tmp_path / "raw", stock, ArchiveShape(files=work.PARALLEL_FROM + 40, top_level=(30, 60)),
                  seed=7)
    try:
        done = subprocess.run([sys.executable, "-c", STOPPER, str(tmp_path / "raw"), "40"],
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail("the process did not end after its parse was stopped")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ended\n"
