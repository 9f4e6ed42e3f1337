"""Stopping a real `pipeline load`: Ctrl-C, SIGTERM, and the loader killed outright.

A stopped load exits 130 (Ctrl-C) or 143 (SIGTERM) with a line saying what it
saved, keeps everything it saved, leaves no process behind, and the next load ends
equal to an uninterrupted one.
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from pipeline.tools.synth import ArchiveShape, sentences_from, write_archive

from .conftest import RAW

FILES = 2000
TABLES = ("sources", "posts", "comments", "date_mentions", "parse_issues", "dates", "archives")


def snapshot(path):
    con = sqlite3.connect(path)
    out = {}
    for table in TABLES:
        columns = [row[1] for row in con.execute(f"PRAGMA table_info({table})")
                   if row[1] not in ("loaded_at", "first_loaded", "last_loaded")]
        out[table] = sorted(con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)
    con.close()
    return out


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupt")
    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))
    write_archive(root / "raw", stock, ArchiveShape(files=FILES, top_level=(0, 12), odd_share=0.01), seed=11)
    started = time.monotonic()
    done = start_load(root, "reference.db")
    assert done.wait() in (0, 1)
    return root, time.monotonic() - started


def start_load(root, db):
    return subprocess.Popen([sys.executable, "-m", "pipeline", "load", "raw", "--db", db, "--quiet"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(child) for child in f.read().split()]
    except OSError:
        return []


def alive(pid):
    """Whether a process is running (a zombie waiting to be reaped is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def workers_of(process):
    """The loader's worker processes, once it has started them."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = children(process.pid)
        if len(found) >= 2:
            return found
        time.sleep(0.02)
    raise AssertionError("the load started no workers")


def wait_gone(pids, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


# When to stop the load, as fractions of an uninterrupted one's time: the first that
# lands while files are still being written is the one the test finishes. On a busy
# machine one moment may come before the first file or after the last.
MOMENTS = (0.4, 0.25, 0.55, 0.15, 0.7)


@pytest.mark.parametrize("signal_number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_load_keeps_what_it_saved_and_the_next_one_finishes(archive, signal_number, status):
    root, full = archive
    for attempt, moment in enumerate(MOMENTS):
        db = root / f"stopped-{signal_number}-{attempt}.db"
        saved = stop_load(root, db, full * moment, signal_number, status)
        if 0 < saved < FILES:
            break
    else:
        pytest.fail(f"no stop landed while files were being written, at {MOMENTS} of {full:.1f} s")
    finished = start_load(root, db.name)
    finished.communicate(timeout=300)
    assert snapshot(db) == snapshot(root / "reference.db")


def stop_load(root, db, after, signal_number, status):
    """Start a load into ``db``, stop it with ``signal_number`` ``after`` seconds
    later, check how it ended, and return how many files it says it saved."""
    process = start_load(root, db.name)
    workers = workers_of(process)
    time.sleep(after)
    process.send_signal(signal_number)
    out, err = process.communicate(timeout=60)
    assert process.returncode == status, err
    assert "Traceback" not in err + out
    said = re.search(r"^Stopped: ([\d,]+) of ([\d,]+) files saved; run the same command again to finish\.$",
                     err, re.M)
    finishing = re.search(r"^Stopped while finishing \(indexes, search, statistics\), every file saved; run the same "
                          r"command again to finish\.$", err, re.M)
    assert said or finishing, err
    saved, total = (int(n.replace(",", "")) for n in said.groups()) if said else (FILES, FILES)
    assert total == FILES and 0 <= saved <= total
    assert wait_gone(workers) == []
    # Everything it said it saved is there, each file whole.
    if db.exists():
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == saved
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        con.close()
    else:
        assert saved == 0
    return saved


def test_a_load_killed_outright_leaves_no_worker_behind(archive):
    root, full = archive
    db = root / "killed.db"
    process = start_load(root, db.name)
    workers = workers_of(process)
    time.sleep(full * 0.3)
    process.kill()
    process.communicate(timeout=60)
    assert wait_gone(workers) == [], "a worker outlived the loader"
    finished = start_load(root, db.name)
    finished.communicate(timeout=300)
    assert snapshot(db) == snapshot(root / "reference.db")


def test_a_stop_asked_for_mid_batch_waits_for_the_batch_to_be_counted():
    from pipeline.store import stop

    stop.reset()
    done = []
    with pytest.raises(KeyboardInterrupt):
        with stop.whole():
            assert stop.request_stop() is False  # a signal handler must not raise here
            assert not stop.should_stop()  # nor may SQLite cut a statement short
            done.append("written")
            with stop.whole():
                done.append("counted")
            done.append("still whole")  # the inner section's end does not raise
    assert done == ["written", "counted", "still whole"]
    assert stop.should_stop()
    stop.reset()
    assert stop.request_stop() is True  # outside a section: at once
    stop.reset()
