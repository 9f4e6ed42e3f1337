"""The database's definition, schema.sql, and what the loader does with it."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from ..model import PipelineError

# Raise with user_version in schema.sql whenever a table changes shape or its ids
# change meaning.
SCHEMA_VERSION = 8
# Older versions a load brings up to this one in place, each by the statements that
# take it one version up: columns added, nothing whose meaning changed.
UPGRADES = {
    6: ["ALTER TABLE archives ADD COLUMN blog_zone TEXT"],
    7: ["ALTER TABLE archives ADD COLUMN reader INTEGER"],  # NULL: read by rules older than any recorded
}


class SchemaMismatch(PipelineError):
    """A database built by another version of the pipeline."""

    def __init__(self, path, version: int):
        self.path = path
        self.version = version
        if version in UPGRADES:
            advice = "run `pipeline load` once: it upgrades the database in place"
        elif version < SCHEMA_VERSION:
            advice = ("load again with --rebuild: the old database is set aside (renamed, not deleted) and a new "
                      "one is built from the raw files")
        else:
            advice = "it was made by a newer version of the pipeline: upgrade the pipeline, or load into another --db"
        super().__init__(f"{path} was built with schema version {version}, this is version {SCHEMA_VERSION}: "
                         f"{advice}")


def schema_path() -> Path:
    """The project's schema.sql: beside the package in a checkout, inside it in a wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "schema.sql", package.parent / "schema.sql"):
        if candidate.exists():
            return candidate
    raise PipelineError("schema.sql not found: reinstall the project")


def upgrade(db: sqlite_utils.Database) -> int:
    """Bring a database of a version in ``UPGRADES`` up to this one, in one
    transaction; returns the version it had."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version not in UPGRADES:
        return version
    db.execute("BEGIN IMMEDIATE")
    try:
        for step in range(version, SCHEMA_VERSION):
            for statement in UPGRADES[step]:
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return version


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Apply schema.sql as is; every statement in it is idempotent."""
    db.executescript(schema_path().read_text())


# Indexes a load looks things up by as it goes (besides those on sources): a post
# from Blogger's files, by Blogger's id.
KEPT_INDEXES = frozenset({"posts_remote_id"})


def drop_secondary_indexes(db: sqlite_utils.Database) -> list[str]:
    """Drop the schema's own indexes (not those of keys and constraints), bar those
    a load looks things up by as it goes (``KEPT_INDEXES``).

    A first load into an empty database inserts faster without them; ``ensure_schema``
    makes them again, in bulk, when the load is finished (or when the database is next
    opened, should the load be interrupted).
    """
    names = [row[0] for row in db.execute(
        """SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
           AND tbl_name NOT LIKE '%_fts%' AND tbl_name != 'sources'""") if row[0] not in KEPT_INDEXES]
    for name in names:
        db.execute(f'DROP INDEX "{name}"')
    return names


def set_aside(path) -> Path:
    """Rename a database of another schema version out of the way; returns its new name.

    Its write-ahead log is checkpointed into it first, so the renamed file is whole.
    """
    path = Path(path)
    con = sqlite3.connect(path)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode = DELETE")
    finally:
        con.close()
    target = path.with_name(f"{path.name}.schema{version}")
    k = 1
    while target.exists():
        k += 1
        target = path.with_name(f"{path.name}.schema{version}-{k}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return target
