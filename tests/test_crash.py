"""Kill the loader at random moments: the database stays sound, every file is wholly
in it or wholly absent, and the next load finishes the job exactly."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from pipeline.store.audit import check_database
from pipeline.store.load import load_paths, open_database
from pipeline.tools.synth import ArchiveShape, sentences_from, write_archive

from .conftest import RAW, load_in

KILLS = 50
TABLES = ("sources", "posts", "comments", "date_mentions", "parse_issues", "dates", "pipeline_state")


def snapshot(path):
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    out = {}
    for table in TABLES:
        rows = [dict(row) for row in con.execute(f"SELECT * FROM {table}")]
        for row in rows:
            row.pop("loaded_at", None)
        out[table] = sorted(rows, key=repr)
    con.close()
    return out


def rows_by_source(snap):
    """Each source's own rows, keyed by source id."""
    posts = {p["id"]: p for p in snap["posts"]}
    out = {}
    for source in snap["sources"]:
        sid = source["id"]
        out[sid] = (
            source,
            posts.get(sid),
            sorted((c for c in snap["comments"] if c["post_id"] == sid), key=repr),
            sorted((i for i in snap["parse_issues"] if i["source_id"] == sid), key=repr),
            sorted((m for m in snap["date_mentions"] if m["post_id"] == sid), key=repr),
        )
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))
    write_archive(root / "raw", stock, ArchiveShape(files=60, top_level=(0, 25), odd_share=0.05), seed=7)
    load_in(root, "reference.db")
    return root


# `pipeline load` with commits after every few files, each followed by a pause as
# on a slow disk: a small archive then gives many moments between commits for the
# kills to land in. What is committed, and how, is the loader's own code.
SLOW_LOAD = """
import sys, time
from pipeline.store import write
write.BATCH_FILES, write.FIRST_COMMIT_BYTES, write.COMMIT_SECONDS = 3, 0, 0.0
commit = write.Writer.commit
def slow_commit(self):
    commit(self)
    time.sleep(0.05)
write.Writer.commit = slow_commit
from pipeline.cli import cli
sys.argv = ["pipeline", "load", "raw", "--db", sys.argv[1], "--quiet"]
cli()
"""


def start_load(root, db):
    return subprocess.Popen([sys.executable, "-c", SLOW_LOAD, db], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_kills_at_random_moments(archive, monkeypatch):
    monkeypatch.chdir(archive)
    reference = snapshot("reference.db")
    expected = rows_by_source(reference)

    began = time.monotonic()
    start_load(archive, "timing.db").wait()
    full = time.monotonic() - began

    rng = random.Random(2026)
    # absent: no database, or no schema yet; empty: the schema and no file yet
    outcomes = {"absent": 0, "empty": 0, "partial": 0, "complete": 0}
    for trial in range(KILLS):
        db = f"trial-{trial}.db"
        process = start_load(archive, db)
        time.sleep(rng.uniform(0, full))
        if os.path.exists(db):  # a reader can read while the load writes
            reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            try:
                reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                reader.close()
        process.send_signal(signal.SIGKILL)
        process.wait()

        if not os.path.exists(db):
            outcomes["absent"] += 1
        else:
            con = sqlite3.connect(db)
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            con.close()
            if "pipeline_state" in tables:
                killed = rows_by_source(snapshot(db))
                for source_id, rows in killed.items():
                    assert rows == expected[source_id], f"trial {trial}: file {rows[0]['path']} is partly loaded"
                outcomes["complete" if len(killed) == len(expected) else "partial" if killed else "empty"] += 1
            else:
                outcomes["absent"] += 1

        resumed = open_database(db)
        load_paths(resumed, ["raw"])
        assert check_database(resumed) == []
        resumed.close()
        assert snapshot(db) == reference, f"trial {trial}: the re-run differs from an uninterrupted load"
    # The kills must have landed while files were being written, not only before or after.
    print(outcomes)
    assert outcomes["partial"] >= KILLS // 4, outcomes
