"""The database's definition, schema.sql, and what the loader does with it."""
from __future__ import annotations

from pathlib import Path

import sqlite_utils

from ..model import PipelineError

# Raise with user_version in schema.sql whenever a table changes shape or its ids
# change meaning.
SCHEMA_VERSION = 5


class SchemaMismatch(PipelineError):
    pass


def schema_path() -> Path:
    """The project's schema.sql: beside the package in a checkout, inside it in a wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "schema.sql", package.parent / "schema.sql"):
        if candidate.exists():
            return candidate
    raise PipelineError("schema.sql not found: reinstall the project")


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Apply schema.sql as is; every statement in it is idempotent."""
    db.executescript(schema_path().read_text())


def drop_secondary_indexes(db: sqlite_utils.Database) -> list[str]:
    """Drop the schema's own indexes (not those of keys and constraints).

    A first load into an empty database inserts faster without them; ``ensure_schema``
    makes them again, in bulk, when the load is finished (or when the database is next
    opened, should the load be interrupted).
    """
    names = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE '%_fts%'")]
    for name in names:
        db.execute(f'DROP INDEX "{name}"')
    return names
