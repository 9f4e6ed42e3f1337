"""The database as files for other tools: Parquet and CSV, one file per table.

Every table of the database is exported, and every view (``replies``, and any
other the schema has), whatever columns they have: the columns are read from the
database, and each is given an Arrow type by one rule (``plan_columns``), written
down here and in the README, never guessed from a sample of values:

- ``INTEGER`` columns are ``int64`` (ids, counts, lines), except flags, which are
  ``bool``: a name that starts with ``is_`` or ``has_`` or ends with ``ed``
  (``deleted``). A flag holding anything but 0, 1 or NULL is an error.
- ``REAL`` columns are ``float64``.
- ``TEXT`` columns are ``string``, except:
  - dates (``date``, ``*_date``): ``date32``;
  - dates that may be partial (a column ``X`` with a ``X_precision`` column beside
    it, or a ``value`` beside ``precision``: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``):
    kept as text, and followed by ``X_day``, a ``date32`` that holds the day where
    the value is a whole day and is NULL otherwise;
  - times (``*_at``, ``*_loaded``, ``*_updated``: ISO 8601 with a UTC offset):
    ``timestamp[us, tz=UTC]``, the instant, followed by ``X_text``, the time as
    stored, its offset included (Parquet keeps the instant, not the offset). A
    value that names no instant (no offset, or not a time) gives a NULL instant;
    its text is kept.
- A column without a declared type (an expression in a view) takes the type of
  the values SQLite holds in it, over the whole column: ``int64`` when all are
  integers, ``float64`` when all are numbers, else ``string``. An id (``id``,
  ``*_id``) holding nothing but integers and NULLs is ``int64`` even when it holds
  only NULLs (``interactions.to_post_id`` where no reference addresses a post), so
  that its type does not depend on the database.

NULL stays NULL. The rows are read within one transaction, so a load running at
the same time does not tear the export, and in batches (``BATCH_ROWS``), so memory
stays flat however large the table.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..store.schema import SCHEMA_VERSION
from .common import FTS_SHADOWS, ExportError, is_flag, open_database, prepare_folder, quote, to_day, to_instant

# Rows read from the database, and written, at a time.
BATCH_ROWS = 10_000
TIME_SUFFIXES = ("_at", "_loaded", "_updated")
DAY_SUFFIX = "_day"
TEXT_SUFFIX = "_text"


@dataclass(frozen=True)
class Column:
    """A column of an exported file: its name, type and nullability, and the database
    column it is made from, by ``kind`` (``value``, ``flag``, ``date``, ``day``,
    ``instant``)."""

    name: str
    type: pa.DataType
    source: str
    kind: str = "value"
    nullable: bool = True

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=self.nullable)


@dataclass(frozen=True)
class Table:
    """A table or view of the database, as it is exported."""

    name: str
    kind: str  # table or view
    columns: tuple[Column, ...]
    order: str  # ORDER BY clause: rows in a stable order

    def schema(self) -> pa.Schema:
        return pa.schema([c.field() for c in self.columns],
                         metadata={"blog_pipeline": json.dumps({"table": self.name, "kind": self.kind,
                                                                "schema_version": SCHEMA_VERSION})})


def exported_tables(con: sqlite3.Connection) -> list[Table]:
    """Every table and view of the database but SQLite's own and the search indexes."""
    rows = con.execute("SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
    found = [(name, kind, sql or "") for name, kind, sql in rows]
    virtual = {name for name, _, sql in found if sql.upper().startswith("CREATE VIRTUAL TABLE")}
    shadows = {v + suffix for v in virtual for suffix in FTS_SHADOWS}
    kept = [(name, kind) for name, kind, _ in found
            if not name.startswith("sqlite_") and name not in virtual and name not in shadows]
    # Tables first, then views; each by name.
    return [plan_table(con, name, kind) for name, kind in sorted(kept, key=lambda t: (t[1] != "table", t[0]))]


def plan_table(con: sqlite3.Connection, name: str, kind: str = "table") -> Table:
    info = con.execute(f"PRAGMA table_info({quote(name)})").fetchall()
    columns = [(row[1], row[2].upper(), bool(row[3]) or bool(row[5])) for row in info]
    names = {c[0] for c in columns}
    planned: list[Column] = []
    for column, declared, not_null in columns:
        if not declared:
            declared = _stored_type(con, name, column, is_id=column == "id" or column.endswith("_id"))
        planned.extend(plan_column(column, declared, not_null, names))
    seen = set()
    for c in planned:
        if c.name in seen:
            raise ExportError(f"{name}.{c.name}: the export adds a column of that name beside another; rename one")
        seen.add(c.name)
    keys = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
    if kind == "table":
        order = "rowid" if _has_rowid(con, name) else ", ".join(map(quote, keys or [columns[0][0]]))
    else:
        order = quote(columns[0][0])  # a view's first column: its rows' id, in the schema's views
    return Table(name, kind, tuple(planned), order)


def plan_column(name: str, declared: str, not_null: bool, siblings: set[str]) -> list[Column]:
    """The exported columns one database column gives, by the rule in this module's docstring."""
    if "INT" in declared:
        if is_flag(name):
            return [Column(name, pa.bool_(), name, "flag", not not_null)]
        return [Column(name, pa.int64(), name, nullable=not not_null)]
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return [Column(name, pa.float64(), name, nullable=not not_null)]
    if "BLOB" in declared:
        return [Column(name, pa.binary(), name, nullable=not not_null)]
    if name == "date" or name.endswith("_date"):
        return [Column(name, pa.date32(), name, "date", not not_null)]
    if f"{name}_precision" in siblings or (name == "value" and "precision" in siblings):
        return [Column(name, pa.string(), name, nullable=not not_null),
                Column(name + DAY_SUFFIX, pa.date32(), name, "day")]
    if name.endswith(TIME_SUFFIXES):
        return [Column(name, pa.timestamp("us", tz="UTC"), name, "instant"),
                Column(name + TEXT_SUFFIX, pa.string(), name, nullable=not not_null)]
    return [Column(name, pa.string(), name, nullable=not not_null)]


def _stored_type(con: sqlite3.Connection, table: str, column: str, is_id: bool = False) -> str:
    """The declared type that fits what a column without one holds, over all its rows."""
    kinds = {row[0] for row in con.execute(f"SELECT DISTINCT typeof({quote(column)}) FROM {quote(table)}")}
    kinds.discard("null")
    if kinds <= {"integer"} and (kinds or is_id):
        return "INTEGER"
    if kinds and kinds <= {"integer", "real"}:
        return "REAL"
    return "TEXT"


def _has_rowid(con: sqlite3.Connection, table: str) -> bool:
    try:
        con.execute(f"SELECT rowid FROM {quote(table)} LIMIT 0")
        return True
    except sqlite3.OperationalError:
        return False


# -- values ------------------------------------------------------------------------------------

def _values(table: Table, column: Column, values: list) -> pa.Array:
    if column.kind == "flag":
        wrong = [v for v in values if v not in (0, 1, None)]
        if wrong:
            raise ExportError(f"{table.name}.{column.name} is read as a flag (0 or 1) but holds {wrong[0]!r}: "
                              "rename the column, or fix the rule in pipeline/serve/export.py")
        values = [None if v is None else bool(v) for v in values]
    elif column.kind == "date":
        days = [to_day(v) for v in values]
        wrong = [v for v, d in zip(values, days) if v is not None and d is None]
        if wrong:
            raise ExportError(f"{table.name}.{column.name} is read as a date but holds {wrong[0]!r}")
        values = days
    elif column.kind == "day":
        values = [to_day(v) for v in values]
    elif column.kind == "instant":
        values = [to_instant(v) for v in values]
    elif pa.types.is_string(column.type):
        values = [v if v is None or isinstance(v, str) else str(v) for v in values]
    return pa.array(values, type=column.type)


def iter_batches(con: sqlite3.Connection, table: Table, rows: Optional[int] = None) -> Iterator[pa.RecordBatch]:
    """The table's rows as Arrow record batches of its export schema, ``rows`` (default
    ``BATCH_ROWS``) at a time."""
    rows = rows or BATCH_ROWS
    sources = list(dict.fromkeys(c.source for c in table.columns))
    where = {name: k for k, name in enumerate(sources)}
    cursor = con.execute(f"SELECT {', '.join(map(quote, sources))} FROM {quote(table.name)} ORDER BY {table.order}")
    schema = table.schema()
    while True:
        chunk = cursor.fetchmany(rows)
        if not chunk:
            break
        columns = list(zip(*chunk))
        arrays = [_values(table, c, list(columns[where[c.source]])) for c in table.columns]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def count_rows(con: sqlite3.Connection, tables: list[Table]) -> int:
    """Rows in all these tables (for a progress bar)."""
    return sum(con.execute(f"SELECT count(*) FROM {quote(t.name)}").fetchone()[0] for t in tables)


@dataclass
class ExportReport:
    folder: Path
    files: dict[str, int]  # file name: rows


def export_tables(db_path: str | os.PathLike, out: str | os.PathLike, fmt: str, *, force: bool = False,
                  on_start: Optional[Callable[[int], None]] = None,
                  on_rows: Optional[Callable[[int], None]] = None) -> ExportReport:
    """Write every table and view of the database into ``out``, one file each, as
    ``fmt`` (``parquet`` or ``csv``).

    Parquet files carry their schema. CSV files have a header line; NULL is an
    empty field and the empty string ``""`` (every other text is quoted as
    well); ``schema.json`` beside them gives each column's type and whether it may
    be NULL. ``on_start`` is told the rows to write, ``on_rows`` each batch written.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(fmt)
    con = open_database(db_path)
    try:
        folder = prepare_folder(out, force)
        con.execute("BEGIN")  # one snapshot for every table
        tables = exported_tables(con)
        if on_start:
            on_start(count_rows(con, tables))
        files = {}
        for table in tables:
            name = f"{table.name}.{fmt}"
            files[name] = _write(con, table, folder / name, fmt, on_rows)
        if fmt == "csv":
            _write_json(folder / "schema.json", {t.name: [
                {"name": c.name, "type": str(c.type), "nullable": c.nullable} for c in t.columns] for t in tables})
        con.execute("COMMIT")
    finally:
        con.close()
    return ExportReport(folder, files)


def _write(con: sqlite3.Connection, table: Table, path: Path, fmt: str,
           on_rows: Optional[Callable[[int], None]]) -> int:
    temporary = path.with_name(f".{path.name}.tmp")
    schema = table.schema()
    written = 0
    if fmt == "parquet":
        writer = pq.ParquetWriter(temporary, schema)
    else:
        writer = pa_csv.CSVWriter(temporary, schema, write_options=pa_csv.WriteOptions(quoting_style="needed"))
    try:
        for batch in iter_batches(con, table):
            writer.write_batch(batch)
            written += batch.num_rows
            if on_rows:
                on_rows(batch.num_rows)
        if fmt == "parquet" and written == 0:
            writer.write_table(schema.empty_table())
    finally:
        writer.close()
    os.replace(temporary, path)
    return written


def _write_json(path: Path, value) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(temporary, path)
