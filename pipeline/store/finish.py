"""Stage 6: finishing work after a load; every function here is idempotent."""
from __future__ import annotations

import contextlib
import datetime as dt
import time
from typing import Optional

import sqlite_utils

from ..read.header import WEEKDAYS
from .schema import ensure_schema

# The columns full-text search covers, per table.
SEARCHED = {"posts": ["title", "body"], "comments": ["body"]}
# Text FTS5 holds in memory before writing it to the index, as a new segment.
FTS_PENDING_BYTES = 8 * 1024 * 1024
# FTS5's merge settings while an index is built, and after. By default it merges
# segments as they are written, level by level, which costs more per row the more
# rows there are; while building, segments are left as written (up to FTS5's limit
# of 2,000) and merged once at the end. Later loads write a few small segments
# each, and merge them as FTS5 does by default.
FTS_BUILDING = {"automerge": 0, "crisismerge": 1999}
FTS_KEPT = {"automerge": 4, "crisismerge": 16}

# Every query that yields a day-precision ISO date the database refers to. A day is
# the only precision written in ten characters (YYYY-MM-DD), so that each query
# reads an index, not its table.
_DATE_SOURCES = (
    "SELECT DISTINCT published FROM posts WHERE length(published) = 10",
    "SELECT DISTINCT value FROM date_mentions WHERE length(value) = 10",
)
# Statistics for the query planner are taken again when the number of files has
# changed by more than this share since they were taken.
RESTATE_SHARE = 0.1


def mark_unfinished(db: sqlite_utils.Database) -> None:
    """Record, inside a load's transaction, that the derived tables are out of step."""
    db.execute("UPDATE pipeline_state SET value = '0' WHERE key = 'finished'")


def ensure_finished(db: sqlite_utils.Database, timings: Optional[dict[str, float]] = None) -> bool:
    """Bring the derived tables in step with the loaded rows, if they are not.

    Does nothing (and writes nothing) when no load has changed a row since the last
    time; returns whether there was work to do. ``timings`` is given the seconds
    each step took.
    """
    [finished] = db.execute("SELECT value FROM pipeline_state WHERE key = 'finished'").fetchone()
    if finished == "1":
        return False
    timings = {} if timings is None else timings
    with timed(timings, "indexes"):
        # executescript commits: this does not run inside a transaction.
        ensure_schema(db)  # the indexes a first load goes without
    with timed(timings, "search index"):
        ensure_search(db)
    with timed(timings, "statistics"):
        ensure_statistics(db)
    with timed(timings, "dates and authors"), db.atomic():
        ensure_dates(db)
        ensure_authors(db)
        db.execute("UPDATE pipeline_state SET value = '1' WHERE key = 'finished'")
    return True


@contextlib.contextmanager
def timed(timings: dict[str, float], stage: str):
    """Add the seconds the block takes to ``timings[stage]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def ensure_authors(db: sqlite_utils.Database) -> None:
    """Remove the authors no post or comment names any more (their files went or changed)."""
    db.execute("""DELETE FROM authors WHERE id NOT IN (SELECT author_id FROM posts WHERE author_id IS NOT NULL)
                  AND id NOT IN (SELECT author_id FROM comments WHERE author_id IS NOT NULL)""")


def ensure_statistics(db: sqlite_utils.Database) -> None:
    """Give the query planner statistics, unless it has some taken at about this size."""
    [files] = db.execute("SELECT count(*) FROM sources").fetchone()
    if statistics_stale(db, files):
        with db.atomic():
            # From a sample: quick however large the archive.
            db.execute("PRAGMA analysis_limit = 1000")
            db.execute("ANALYZE")
            db.execute("INSERT OR REPLACE INTO pipeline_state (key, value) VALUES ('analysed_files', ?)",
                       [str(files)])


def statistics_stale(db: sqlite_utils.Database, files: int) -> bool:
    """Whether the query planner has no statistics, or the archive now holds ``files``
    files, more or fewer than when they were taken by over ``RESTATE_SHARE``."""
    row = db.execute("SELECT value FROM pipeline_state WHERE key = 'analysed_files'").fetchone()
    if row is None or not db["sqlite_stat1"].exists():
        return True
    then = int(row[0])
    return abs(files - then) > RESTATE_SHARE * then


def ensure_search(db: sqlite_utils.Database) -> None:
    """Make the full-text indexes if they are missing; their triggers keep them in step.

    Made after the first load, so that a cold load inserts its rows without indexing
    each one and the index is built once, in bulk. Each index is made, filled and
    given its triggers in one transaction: it exists whole or not at all. The SQL is
    that of sqlite-utils' ``enable_fts``, so sqlite-utils and Datasette know the
    tables for what they are.
    """
    for table, columns in SEARCHED.items():
        fts = f"{table}_fts"
        triggers = {trigger.name for trigger in db[table].triggers}
        if db[fts].exists() and {f"{table}_{kind}" for kind in ("ai", "ad", "au")} <= triggers:
            continue
        with db.atomic():
            db.execute(f"DROP TABLE IF EXISTS [{fts}]")
            for kind in ("ai", "ad", "au"):
                db.execute(f"DROP TRIGGER IF EXISTS [{table}_{kind}]")
            db.execute(f"CREATE VIRTUAL TABLE [{fts}] USING FTS5 ({', '.join(f'[{c}]' for c in columns)}, "
                       f"tokenize='porter', content=[{table}])")
            configure_fts(db, fts, {"hashsize": FTS_PENDING_BYTES, **FTS_BUILDING})
            db.execute(f"INSERT INTO [{fts}]([{fts}]) VALUES ('rebuild')")
            # The segments written, merged into one: queries read one segment, and
            # the next load need not merge large ones.
            db.execute(f"INSERT INTO [{fts}]([{fts}]) VALUES ('optimize')")
            configure_fts(db, fts, FTS_KEPT)
            old = ", ".join(f"old.[{c}]" for c in columns)
            new = ", ".join(f"new.[{c}]" for c in columns)
            listed = ", ".join(f"[{c}]" for c in columns)
            for statement in (
                f"CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN "
                f"INSERT INTO [{fts}] (rowid, {listed}) VALUES (new.rowid, {new}); END",
                f"CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN "
                f"INSERT INTO [{fts}] ([{fts}], rowid, {listed}) VALUES ('delete', old.rowid, {old}); END",
                f"CREATE TRIGGER [{table}_au] AFTER UPDATE ON [{table}] BEGIN "
                f"INSERT INTO [{fts}] ([{fts}], rowid, {listed}) VALUES ('delete', old.rowid, {old}); "
                f"INSERT INTO [{fts}] (rowid, {listed}) VALUES (new.rowid, {new}); END",
            ):
                db.execute(statement)


def configure_fts(db: sqlite_utils.Database, fts: str, settings: dict[str, int]) -> None:
    """Set FTS5 configuration options of ``fts``; they are kept in its _config table."""
    for option, value in settings.items():
        db.execute(f"INSERT INTO [{fts}]([{fts}], rank) VALUES (?, ?)", [option, value])


def ensure_dates(db: sqlite_utils.Database) -> None:
    """Make ``dates`` hold exactly the calendar days the other tables refer to."""
    wanted = set()
    for sql in _DATE_SOURCES:
        wanted.update(row[0] for row in db.execute(sql) if row[0])
    have = {row[0] for row in db.execute("SELECT date FROM dates")}
    stale = have - wanted
    if stale:
        db.conn.executemany("DELETE FROM dates WHERE date = ?", [(d,) for d in stale])
    rows = []
    for value in sorted(wanted - have):
        day = dt.date.fromisoformat(value)
        rows.append({
            "date": value,
            "year": day.year,
            "month": day.month,
            "day": day.day,
            "weekday": WEEKDAYS[day.weekday()].capitalize(),
        })
    db["dates"].insert_all(rows)
