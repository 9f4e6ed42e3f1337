"""Stage 6: finishing work after a load; every function here is idempotent."""
from __future__ import annotations

import datetime as dt

import sqlite_utils

from .header import WEEKDAYS
from .schema import ensure_schema

# The columns full-text search covers, per table.
SEARCHED = {"posts": ["title", "body"], "comments": ["body"]}

# Every query that yields a day-precision ISO date the database refers to.
_DATE_SOURCES = (
    "SELECT published FROM posts WHERE published_precision = 'day'",
    "SELECT DISTINCT value FROM date_mentions WHERE precision = 'day'",
)


def mark_unfinished(db: sqlite_utils.Database) -> None:
    """Record, inside a load's transaction, that the derived tables are out of step."""
    db.execute("UPDATE pipeline_state SET value = '0' WHERE key = 'finished'")


def ensure_finished(db: sqlite_utils.Database) -> bool:
    """Bring the derived tables in step with the loaded rows, if they are not.

    Does nothing (and writes nothing) when no load has changed a row since the last
    time; returns whether there was work to do.
    """
    [finished] = db.execute("SELECT value FROM pipeline_state WHERE key = 'finished'").fetchone()
    if finished == "1":
        return False
    # Both use executescript, which commits: neither runs inside a transaction.
    ensure_schema(db)  # the indexes a first load goes without
    ensure_search(db)
    with db.atomic():
        ensure_dates(db)
        db.execute("UPDATE pipeline_state SET value = '1' WHERE key = 'finished'")
    # Statistics for the query planner, from a sample: quick however large the archive.
    db.execute("PRAGMA analysis_limit = 1000")
    db.execute("ANALYZE")
    return True


def ensure_search(db: sqlite_utils.Database) -> None:
    """Create the full-text indexes if they are missing; their triggers keep them in step.

    Made after the first load, so a cold load inserts its rows without indexing
    each one and the index is built once, in bulk.
    """
    existing = set(db.table_names())
    for table, columns in SEARCHED.items():
        # sqlite-utils makes the index, fills it, then adds the triggers, committing
        # in between: only with all its triggers is an index known to be whole. A
        # load killed before that gets it made again, from the start.
        triggers = {trigger.name for trigger in db[table].triggers}
        if f"{table}_fts" not in existing or not {f"{table}_{kind}" for kind in ("ai", "ad", "au")} <= triggers:
            db[table].enable_fts(columns, fts_version="FTS5", create_triggers=True, tokenize="porter", replace=True)


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
