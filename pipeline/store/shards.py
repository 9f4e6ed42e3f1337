"""Shards: the parse stage's rows as Parquet files, made anywhere, loaded here.

Reading and parsing a file (``work.read_and_parse``) is a pure function of its
bytes, so it can run anywhere: on a Dask cluster (``engine``), or on any engine
that runs a Python function over batches of files. What one batch of files
becomes is a *shard*: for each table a load writes (``rows.COLUMNS``), one Parquet
file of the rows ``rows_of`` makes, ids included, plus a ``units`` file saying
which file each row comes from. ``load_shards`` writes them into a database
through the loader's own ``Writer``, in the order a load of the same files would,
settling each file's id against what the database holds then: so the database is
the one ``pipeline load`` makes of the same files, ids and all.

A shards folder::

    manifest.json                 written last: the archives, the batches, the versions
    units/part-00000.parquet      one row per unit: a file, a feed's own rows, a part of a feed
    sources/part-00000.parquet    one folder per table, one file per batch, the table's
    posts/part-00000.parquet      columns (those of the database) and ``unit``, plus
    ...                           ``thread`` (the post's place in its unit) in a post's tables

Ids in a shard are those the rows get in a new database: a file's from its
archive's name and its path (``rows.file_id``), a post of Blogger's files from
Blogger's id (``rows.post_block``). Only what a worker cannot know is settled when
loading: two files whose ids collide, a file already in the database (it keeps its
id), which file holds which post (copies, exports, pages).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import pyarrow as pa
import pyarrow.parquet as pq
import sqlite_utils

from .. import __version__
from ..model import Issue, PipelineError
from ..parse import READER_VERSION
from .archives import (Archive, all_archives, apply_settings, ensure_archive, mark_loaded, resolve_targets,
                       set_reader)
from .finish import ensure_finished
from .load import orphan_rows, read_feed, stoppable
from .plan import Job, OnError, iter_files, not_walked
from .rows import COLUMNS, LOCAL_BITS, TABLES, THREAD_TABLES, FileRows, ThreadRows, file_id, rows_of
from .schema import SCHEMA_VERSION, ensure_schema, schema_path
from .work import Feed, Parsed, PartRows, Touched, part_rows, read_and_parse, unreadable
from .write import FileResult, LoadReport, Writer, shared_journal

FORMAT = "blog-pipeline shards"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UNITS = "units"
# What a unit is: a file (a dump, a page, one not read), a feed's own rows (its
# source row and what was said of it as a whole), or some posts of a feed.
FILE, FEED, PART = "file", "feed", "part"
# Files whose records are asked of the database in one query.
LOOKUP_FILES = 500

UNIT_SCHEMA = pa.schema([
    ("unit", pa.int64()),  # its place in the batch: units are loaded in this order
    ("archive_id", pa.int64()),  # the archive's number in the manifest
    ("archive", pa.string()),
    ("path", pa.string()),  # within the archive's folder: what identifies the file
    ("file", pa.string()),  # where it was read from
    ("shown", pa.string()),  # as the user named it
    ("kind", pa.string()),  # file, feed, part
    ("part", pa.int64()),  # a feed's part: its number
    ("source_id", pa.int64()),  # the file's id in a new database (rows.file_id)
    ("sha256", pa.string()),
    ("size", pa.int64()),  # characters of text, for sizing the loader's batches
    ("format", pa.string()),
    ("blog_id", pa.string()),
    ("feed_updated", pa.string()),
    ("failed", pa.bool_()),
    ("skipped", pa.string()),  # JSON: a feed's entries that are not posts, by kind
])


class ShardsError(PipelineError):
    """A shards folder that cannot be written or loaded, with what to do."""


@dataclass(frozen=True)
class FileSpec:
    """A file to parse into a shard, placed in its archive."""

    archive_id: int  # the archive's number in the manifest
    archive: str
    path: str  # within the archive's folder
    file: str  # absolute
    shown: str
    blog_author: Optional[str] = None  # whom the archive's readers address as the blog's author
    blog_zone: Optional[str] = None  # the blog's time zone, for files with times in UTC only


# -- the tables' types -------------------------------------------------------------------------

def _arrow_type(declared: str) -> pa.DataType:
    """The Arrow type of a column of SQLite's declared type, by SQLite's own affinity rules."""
    declared = declared.upper()
    if "INT" in declared:
        return pa.int64()
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")) or not declared:
        return pa.string()
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return pa.float64()
    return pa.binary()


def row_schemas() -> dict[str, pa.Schema]:
    """Each table's shard schema: its columns as ``rows_of`` gives them, typed by
    schema.sql's declarations, then ``unit`` (and ``thread`` in a post's tables)."""
    con = sqlite3.connect(":memory:")
    try:
        con.executescript(schema_path().read_text())
        declared = {table: {row[1]: row[2] for row in con.execute(f"PRAGMA table_info([{table}])")}
                    for table in TABLES}
    finally:
        con.close()
    schemas = {}
    for table in TABLES:
        fields = [pa.field(column, _arrow_type(declared[table][column])) for column in COLUMNS[table]]
        fields.append(pa.field("unit", pa.int64()))
        if table in THREAD_TABLES:
            fields.append(pa.field("thread", pa.int64()))
        schemas[table] = pa.schema(fields)
    return schemas


@functools.lru_cache(maxsize=1)
def _shard_columns() -> dict[str, list[str]]:
    """The columns of each table's shards, in order."""
    return {UNITS: UNIT_SCHEMA.names, **{table: schema.names for table, schema in row_schemas().items()}}


def shard_tables() -> tuple[str, ...]:
    return (UNITS, *TABLES)


def part_name(batch: int) -> str:
    return f"part-{batch:05d}.parquet"


# -- planning: which files, in which archives, in which batches --------------------------------

def plan_files(paths: Iterable[str | os.PathLike], archive: Optional[str] = None, blog_author: Optional[str] = None,
               skip: Iterable[str] = (), blog_zone: Optional[str] = None,
               on_error: OnError = not_walked) -> tuple[list[Archive], Iterator[FileSpec]]:
    """The archives of the paths named and every file under them, in the order a load
    walks them, each in the archive a load into a new database would put it; what
    the walk cannot give is told to ``on_error`` (``plan.iter_named``).

    The archives are settled as ``pipeline load`` settles them, by the same code, in
    a database of its own in memory: named after their folders unless ``archive``;
    ``blog_author`` and ``blog_zone`` as ``pipeline load --blog-author`` and
    ``--blog-zone`` give them.
    """
    db = sqlite_utils.Database(memory=True)
    ensure_schema(db)
    targets = resolve_targets(db, list(paths), archive)
    apply_settings(db, [target.archive for target in targets], blog_author, blog_zone)
    archives = all_archives(db)
    by_id = {a.id: a for a in archives}

    def specs() -> Iterator[FileSpec]:
        for walked in iter_files(targets, archives, skip, on_error):
            placed = by_id[walked.archive.id]
            yield FileSpec(placed.id, placed.name, walked.path, walked.file, walked.shown, placed.blog_author,
                           placed.blog_zone)

    return archives, specs()


def iter_batches(specs: Iterable[FileSpec], max_files: int, max_bytes: int) -> Iterator[list[FileSpec]]:
    """The files in batches of at most ``max_files`` files or (but for a larger file
    alone) ``max_bytes`` bytes, in order."""
    batch: list[FileSpec] = []
    size = 0
    for spec in specs:
        try:
            length = os.stat(spec.file).st_size
        except OSError:
            length = 0
        if batch and (len(batch) >= max_files or size + length > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(spec)
        size += length
    if batch:
        yield batch


# -- writing a shard: run by the engine's workers ----------------------------------------------

class _Collector:
    """The rows of a batch's units, table by table, as they are made."""

    def __init__(self):
        self.tables: dict[str, list[tuple]] = {table: [] for table in shard_tables()}

    def add(self, spec: FileSpec, kind: str, part: Optional[int], rows: FileRows) -> None:
        unit = len(self.tables[UNITS])
        self.tables[UNITS].append((
            unit, spec.archive_id, spec.archive, spec.path, spec.file, spec.shown, kind, part, rows.source_id,
            rows.sha256, rows.size, rows.format, rows.blog_id, rows.feed_updated, rows.failed,
            json.dumps(rows.skipped, sort_keys=True) if rows.skipped else None))
        if rows.source is not None:
            self.tables["sources"].append((*rows.source, unit))
        self.tables["parse_issues"].extend((*row, unit) for row in rows.issue_rows)
        self.tables["authors"].extend((*row, unit) for row in rows.authors)
        for number, thread in enumerate(rows.threads):
            for table in THREAD_TABLES:
                self.tables[table].extend((*row, unit, number) for row in thread.rows[table])


def write_shard(out: str, batch: int, files: list[FileSpec]) -> dict[str, int]:
    """Read and parse a batch of files into the shard ``batch`` of the folder ``out``;
    returns the rows written per table (``units``: the units), and how many
    ``files`` it held and how many of them ``failed`` (could not be read as posts).

    A feed is read whole here, its own rows and its parts as a load makes them. Each
    Parquet file is written under a temporary name and then renamed: it is whole or
    absent. Bad input never raises: it is recorded as the loader records it.
    """
    collected = _Collector()
    for spec in files:
        job = Job(spec.file, spec.path, spec.archive_id, file_id(spec.archive, spec.path), spec.shown,
                  blog_author=spec.blog_author, blog_zone=spec.blog_zone)
        result = read_and_parse(job)
        if isinstance(result, Feed):
            feed = _Collector()
            try:
                with read_feed(result) as (head, parts, _):
                    feed.add(spec, FEED, None, head)
                    for part in parts:
                        feed.add(spec, PART, part.index, part_rows(part).rows)
            except OSError as error:
                collected.add(spec, FILE, None, rows_of(unreadable(job.path, error), job.source_id, job.archive_id))
                continue
            offset = len(collected.tables[UNITS])
            for table, rows in feed.tables.items():
                place = 0 if table == UNITS else _unit_column(table)
                collected.tables[table].extend(_renumbered(row, place, offset) for row in rows)
        else:
            collected.add(spec, FILE, None, result.rows)
    schemas = {UNITS: UNIT_SCHEMA, **row_schemas()}
    for table, rows in collected.tables.items():
        write_table(Path(out) / table / part_name(batch), schemas[table], rows)
    counts = {table: len(rows) for table, rows in collected.tables.items()}
    counts["files"] = len(files)
    counts["failed"] = sum(1 for row in collected.tables[UNITS] if row[6] != PART and row[14])
    return counts


def _unit_column(table: str) -> int:
    return len(COLUMNS[table])


def _renumbered(row: tuple, place: int, offset: int) -> tuple:
    return (*row[:place], row[place] + offset, *row[place + 1:])


def write_table(path: Path, schema: pa.Schema, rows: list[tuple]) -> None:
    """Write ``rows`` (tuples in the schema's column order) as a Parquet file, whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(zip(*rows)) if rows else [()] * len(schema)
    table = pa.Table.from_arrays([pa.array(list(values), type=field.type) for values, field in zip(columns, schema)],
                                 schema=schema)
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def write_manifest(out: Path, archives: list[Archive], batches: int, counts: dict[str, int]) -> None:
    """Write the manifest that makes a shards folder whole: the last file written."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "reader_version": READER_VERSION,
        "pipeline_version": __version__,
        "made": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "archives": [{"id": a.id, "name": a.name, "root": a.root, "blog_author": a.blog_author,
                      "blog_zone": a.blog_zone} for a in archives],
        "batches": batches,
        "columns": {table: list(COLUMNS[table]) for table in TABLES},
        "rows": counts,
    }
    temporary = out / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(temporary, out / MANIFEST)


def clear_shards(out: Path) -> None:
    """Remove the shards of an earlier run from ``out`` (its manifest first), nothing else."""
    (out / MANIFEST).unlink(missing_ok=True)
    for table in shard_tables():
        folder = out / table
        if folder.is_dir():
            for path in folder.glob("part-*.parquet"):
                path.unlink()


# -- reading shards back -----------------------------------------------------------------------

@dataclass
class Unit:
    """One unit of a shard, read back: where it comes from and its rows."""

    number: int  # its place in its batch
    archive_id: int  # in the manifest
    path: str
    file: str
    shown: str
    kind: str
    part: Optional[int]
    rows: FileRows

    @property
    def size_and_mtime(self) -> tuple[Optional[int], Optional[int]]:
        source = dict(zip(COLUMNS["sources"], self.rows.source or ()))
        return source.get("bytes"), source.get("mtime_ns")


def read_manifest(folder: Path) -> dict:
    """The manifest of a shards folder, checked against this version of the pipeline."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise ShardsError(f"{folder} is not a folder of shards: make one with "
                          "`pipeline parse --engine dask PATHS... --out FOLDER`")
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise ShardsError(f"{folder} has no {MANIFEST}: its parse did not finish (or it is no folder of shards); "
                          "run `pipeline parse --engine dask PATHS... --out FOLDER` again") from None
    except (OSError, ValueError) as error:
        raise ShardsError(f"{path}: cannot be read ({error}); run the parse again") from None
    if not isinstance(manifest, dict) or not _well_formed(manifest):
        raise ShardsError(f"{path} is not a manifest of shards this version reads: run the parse again")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ShardsError(f"{path} is not a manifest of shards this version reads: run the parse again")
    if manifest.get("schema_version") != SCHEMA_VERSION or manifest.get("columns") != {
            table: list(COLUMNS[table]) for table in TABLES}:
        raise ShardsError(f"{folder} was parsed by another version of the pipeline (schema version "
                          f"{manifest.get('schema_version')}, this is {SCHEMA_VERSION}): parse the files again")
    if manifest.get("reader_version") != READER_VERSION:
        raise ShardsError(f"{folder} was parsed by other reading rules (reader version "
                          f"{manifest.get('reader_version')}, this is {READER_VERSION}): parse the files again")
    for batch in range(manifest["batches"]):
        for table in shard_tables():
            if not (folder / table / part_name(batch)).is_file():
                raise ShardsError(f"{folder / table / part_name(batch)} is missing: run the parse again")
    return manifest


def _well_formed(manifest: dict) -> bool:
    """Whether a manifest has the fields a load reads, of their types (one written by
    hand, or cut short, may not)."""
    archives = manifest.get("archives")
    return (isinstance(manifest.get("batches"), int) and not isinstance(manifest.get("batches"), bool)
            and manifest["batches"] >= 0 and isinstance(archives, list)
            and all(isinstance(a, dict) and isinstance(a.get("id"), int) and isinstance(a.get("name"), str)
                    and a.get("name") and isinstance(a.get("root"), str)
                    and isinstance(a.get("blog_author"), (str, type(None)))
                    and isinstance(a.get("blog_zone", None), (str, type(None))) for a in archives))


def _read_rows(path: Path, columns: Optional[list[str]] = None) -> list[tuple]:
    # ParquetFile reads one file faster than read_table, which sets up a dataset.
    try:
        table = pq.ParquetFile(path).read(columns=columns)
    except (pa.ArrowException, OSError) as error:  # cut short in a copy, or no shard at all
        raise ShardsError(f"{path}: not a whole shard ({error}); run the parse again") from None
    name = path.parent.name
    if columns is None and table.column_names != _shard_columns().get(name, table.column_names):
        raise ShardsError(f"{path}: not a shard of {name} (its columns are others'); run the parse again")
    return list(zip(*(column.to_pylist() for column in table.columns)))


def read_batch(folder: Path, batch: int) -> list[Unit]:
    """The units of one shard, in order, each with its rows as ``rows_of`` made them."""
    tables = {table: _read_rows(folder / table / part_name(batch)) for table in shard_tables()}
    count = len(tables[UNITS])
    sources: dict[int, tuple] = {}
    issues: list[list[tuple]] = [[] for _ in range(count)]
    authors: list[list[tuple]] = [[] for _ in range(count)]
    threads: list[dict[int, dict[str, list[tuple]]]] = [{} for _ in range(count)]
    for row in tables["sources"]:
        sources[row[-1]] = row[:-1]
    for row in tables["parse_issues"]:
        issues[row[-1]].append(row[:-1])
    for row in tables["authors"]:
        authors[row[-1]].append(row[:-1])
    for table in THREAD_TABLES:
        for row in tables[table]:
            unit, number = row[-2], row[-1]
            rows = threads[unit].setdefault(number, {name: [] for name in THREAD_TABLES})
            rows[table].append(row[:-2])
    post_columns = COLUMNS["posts"]
    at_id, at_remote = post_columns.index("id"), post_columns.index("remote_id")
    issue_columns = COLUMNS["parse_issues"]
    units = []
    for (unit, archive_id, _, path, file, shown, kind, part, source_id, sha256, size, fmt, blog_id, feed_updated,
         failed, skipped) in tables[UNITS]:
        made = []
        for number in sorted(threads[unit]):
            rows = threads[unit][number]
            [post] = rows["posts"]
            made.append(ThreadRows(post[at_id], post[at_remote], rows))
        issue_rows = issues[unit]
        said = [Issue(row[issue_columns.index("line")], row[issue_columns.index("kind")],
                      row[issue_columns.index("message")], row[issue_columns.index("severity")]) for row in issue_rows]
        rows = FileRows(path, source_id, sha256, sources.get(unit), said, issue_rows, made, authors[unit], failed,
                        size, fmt, blog_id, feed_updated, replaces=kind != PART,
                        skipped=json.loads(skipped) if skipped else {})
        units.append(Unit(unit, archive_id, path, file, shown, kind, part, rows))
    return units


def rebased(rows: FileRows, source_id: int, archive_id: int, loaded_at: str) -> FileRows:
    """A unit's rows for the file id ``source_id`` in the archive ``archive_id``.

    A shard gives each file the id it takes in a new database; the loader may give
    another (the file is already loaded under it, or another file has it). What is
    numbered within the file's block moves with it: its issues, and a dump's post;
    a post of Blogger's files keeps its own block.
    """
    old = rows.source_id
    low, high = old, old + (1 << LOCAL_BITS)

    def shift(value: int) -> int:
        return value - old + source_id if low <= value < high else value

    source = rows.source
    if source is not None:
        fields = dict(zip(COLUMNS["sources"], source))
        fields.update(id=source_id, archive_id=archive_id, loaded_at=loaded_at)
        source = tuple(fields[c] for c in COLUMNS["sources"])
    at_id, at_source = COLUMNS["parse_issues"].index("id"), COLUMNS["parse_issues"].index("source_id")
    issue_rows = [tuple(shift(v) if k == at_id else source_id if k == at_source else v for k, v in enumerate(row))
                  for row in rows.issue_rows]
    at_post_source = COLUMNS["posts"].index("source_id")
    threads = []
    for thread in rows.threads:
        if old != source_id and thread.post_id == old:
            thread = thread.moved(source_id)
        posts = [tuple(source_id if k == at_post_source else v for k, v in enumerate(row))
                 for row in thread.rows["posts"]]
        threads.append(ThreadRows(thread.post_id, thread.remote_id, {**thread.rows, "posts": posts}))
    return dataclasses.replace(rows, source_id=source_id, source=source, issue_rows=issue_rows, threads=threads)


# -- loading shards ----------------------------------------------------------------------------

def count_units(folder: str | os.PathLike) -> int:
    """How many files a load of these shards goes through (for a progress bar)."""
    manifest = read_manifest(Path(folder))
    return manifest["rows"].get("files", 0)


def load_shards(db: sqlite_utils.Database, folder: str | os.PathLike, *,
                on_file: Optional[Callable[[FileResult], None]] = None,
                on_stage: Optional[Callable[[str], None]] = None) -> LoadReport:
    """Load a folder of shards into the database, as ``load_paths`` loads the files
    they were parsed from.

    Each file goes into the archive of its name (made, with the folder it was
    parsed from, if there is none); one the database holds already is skipped when
    its size and modification time are those recorded, and replaced otherwise. Files
    not in the shards are left as they are (as with ``--keep-missing``). The derived
    tables (indexes, dates, search) are brought in step at the end, as after a load;
    ``on_stage("finishing")`` is called when the rows are all written and that starts.

    Raises ShardsError for a folder that is not whole shards of this version, and
    LoadInterrupted when ``request_stop`` is called while it runs.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    report = LoadReport()
    with stoppable(db, report):
        bulk = _load_shards(db, folder, manifest, on_file, report)
        if on_stage:
            on_stage("finishing")
        report.finishing = True
        ensure_finished(db)
        if bulk:
            shared_journal(db)
    return report


class _ShardLoad:
    """One load of a shards folder: the writer, and where each shard's archive is."""

    def __init__(self, db: sqlite_utils.Database, folder: Path, manifest: dict, writer: Writer):
        self.db = db
        self.folder = folder
        self.writer = writer
        with db.atomic():
            self.archives = {a["id"]: ensure_archive(db, a["name"], a["root"], a["blog_author"], a.get("blog_zone"))
                             for a in manifest["archives"]}
        for made in manifest["archives"]:
            for field, option, what in (("blog_author", "--blog-author", "blog's author"),
                                        ("blog_zone", "--blog-zone", "blog's time zone")):
                here = getattr(self.archives[made["id"]], field)
                if here != made.get(field):
                    raise ShardsError(
                        f"the archive {made['name']!r} has {here!r} as its {what} here, its shards were parsed "
                        f"with {made.get(field)!r}: parse them again with "
                        + (f"{option} {here!r}" if here else f"no {option}"))
        # The shards were read by these rules: an archive's files read here by others
        # are written again from them.
        with db.atomic():
            set_reader(db, self.archives.values())
        self.batches = manifest["batches"]
        self.loaded_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.cached: tuple[int, list[Unit]] = (-1, [])

    def batch(self, number: int) -> list[Unit]:
        if self.cached[0] != number:
            units = read_batch(self.folder, number)
            strange = {unit.archive_id for unit in units} - set(self.archives)
            if strange:
                raise ShardsError(f"{self.folder / UNITS / part_name(number)}: files of archive {min(strange)}, "
                                  f"which {MANIFEST} does not list; run the parse again")
            self.cached = (number, units)
        return self.cached[1]

    def job(self, unit: Unit, recorded: Optional[tuple]) -> Optional[Job | Touched]:
        """What to do with a file, as ``plan.iter_decisions`` and the workers decide:
        write it (a job), record its new modification time (Touched), or nothing
        (None: unchanged)."""
        archive = self.archives[unit.archive_id]
        if recorded is None:
            source_id = self.writer.reserve(file_id(archive.name, unit.path, self.writer.taken))
            return Job(unit.file, unit.path, archive.id, source_id, unit.shown)
        source_id, sha256, size, mtime_ns = recorded
        new_size, new_mtime = unit.size_and_mtime
        if (size, mtime_ns) == (new_size, new_mtime):
            return None
        job = Job(unit.file, unit.path, archive.id, source_id, unit.shown, sha256, recorded=True)
        if sha256 and sha256 == unit.rows.sha256:  # as the workers decide: a file not read has no hash
            return Touched(job, new_mtime)
        return job

    def rows(self, job: Job, unit: Unit) -> FileRows:
        return rebased(unit.rows, job.source_id, job.archive_id, self.loaded_at)

    def recorded(self, units: list[Unit]) -> dict[tuple[int, str], tuple]:
        """What the database holds of these units' files, by (archive id, path)."""
        found: dict[tuple[int, str], tuple] = {}
        if self.writer.cold:
            return found
        keys = sorted({(self.archives[u.archive_id].id, u.path) for u in units if u.kind != PART})
        for archive_id, group in itertools.groupby(keys, key=lambda key: key[0]):
            paths = [path for _, path in group]
            for start in range(0, len(paths), LOOKUP_FILES):
                chunk = paths[start:start + LOOKUP_FILES]
                for row in self.db.conn.execute(
                        f"""SELECT path, id, sha256, bytes, mtime_ns FROM sources
                            WHERE archive_id = ? AND path IN ({', '.join('?' * len(chunk))})""", [archive_id, *chunk]):
                    found[(archive_id, row[0])] = row[1:]
        return found

    def add(self, job: Job, batch: int, unit: Unit, feeds: list) -> None:
        """Write a file's rows, or set a feed aside to be written after the files, as a load does."""
        if unit.kind == FEED:
            feeds.append((job, batch, unit.number))
        else:
            self.writer.add(Parsed(job, self.rows(job, unit)))

    def load_feed(self, job: Job, batch: int, number: int) -> None:
        """Write a feed: its own rows, then its parts, as ``load.load_feed`` does."""
        units = self.batch(batch)
        head = units[number]
        parts = list(itertools.takewhile(
            lambda unit: unit.kind == PART and unit.path == head.path and unit.archive_id == head.archive_id,
            units[number + 1:]))
        # A feed with posts has parts; one without holds no post.
        if not self.writer.begin_feed(job, dataclasses.replace(self.rows(job, head), no_posts=not parts)):
            return
        for unit in parts:
            self.writer.add(PartRows(job, unit.part, self.rows(job, unit)))
        self.writer.end_feed()

    def find(self, wanted: dict[tuple[int, str], tuple]) -> Iterator[tuple[tuple, int, Unit]]:
        """The units of the files ``wanted`` (by manifest archive id and path), with their batch."""
        for batch in range(self.batches):
            rows = _read_rows(self.folder / UNITS / part_name(batch), ["archive_id", "path", "kind"])
            if any((archive_id, path) in wanted and kind != PART for archive_id, path, kind in rows):
                for unit in self.batch(batch):
                    key = (unit.archive_id, unit.path)
                    if key in wanted and unit.kind != PART:
                        yield wanted[key], batch, unit


def _load_shards(db: sqlite_utils.Database, folder: Path, manifest: dict,
                 on_file: Optional[Callable[[FileResult], None]], report: LoadReport) -> bool:
    """Write the shards' files; returns whether it wrote as a first load does (bulk)."""
    cold = db.execute("SELECT 1 FROM sources LIMIT 1").fetchone() is None
    writer = Writer(db, report, cold, on_file)
    load = _ShardLoad(db, folder, manifest, writer)
    try:
        feeds: list = []
        for batch in range(load.batches):
            units = load.batch(batch)
            known = load.recorded(units)
            for unit in units:
                if unit.kind == PART:
                    continue  # written with its feed
                decision = load.job(unit, known.get((load.archives[unit.archive_id].id, unit.path)))
                if decision is None:
                    writer.unchanged(unit.shown)
                elif isinstance(decision, Touched):
                    writer.add(decision)
                else:
                    load.add(decision, batch, unit, feeds)
        writer.flush()
        # Files whose posts another file held are written again when that file
        # changed or went, as a load reads them again: from their shards.
        read_again: set[int] = set()
        by_archive = {archive.id: number for number, archive in load.archives.items()}
        while True:
            for job, batch, number in feeds:
                load.load_feed(job, batch, number)
            orphans = [o for o in orphan_rows(db) if o.source_id not in read_again and o.archive_id in by_archive]
            if not orphans:
                break
            read_again.update(o.source_id for o in orphans)
            wanted = {(by_archive[o.archive_id], o.path): (o.source_id, o.archive_id) for o in orphans}
            found = {(unit.archive_id, unit.path): (ids, batch, unit) for ids, batch, unit in load.find(wanted)}
            feeds = []
            for o in orphans:
                if (by_archive[o.archive_id], o.path) not in found:
                    continue
                _, batch, unit = found[(by_archive[o.archive_id], o.path)]
                job = Job(unit.file, o.path, o.archive_id, o.source_id, unit.shown, recorded=True)  # rows from its shard
                load.add(job, batch, unit, feeds)
            writer.flush()
        with db.atomic():
            mark_loaded(db, list(load.archives.values()))
    finally:
        writer.close()
    return writer.bulk
