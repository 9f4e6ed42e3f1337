"""Files read again when the reading rules change (``READER_VERSION``).

A file whose size and modification time are those recorded is not read again, so a
new version of the readers would leave every unchanged file as the old rules read
it. Each archive records the rules its files were read with; a load by other rules
reads them all again, once.
"""
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.parse import READER_VERSION
from pipeline.store import archives
from pipeline.store.audit import check_database
from pipeline.store.load import load_paths, open_database
from pipeline.store.schema import SCHEMA_VERSION

from .conftest import RAW, as_older_schema

TABLES = ("posts", "comments", "date_mentions", "comment_refs", "parse_issues")


def rows(path):
    con = sqlite3.connect(path)
    out = {table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in TABLES}
    con.close()
    return out


@pytest.fixture
def folder(tmp_path):
    blog = tmp_path / "blog"
    blog.mkdir()
    for path in sorted(RAW.glob("*.txt")):
        shutil.copy2(path, blog / path.name)
    return blog


def test_a_new_archive_records_the_rules_it_was_read_with(folder, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [folder])
    assert db.execute("SELECT reader FROM archives").fetchall() == [(READER_VERSION,)]


def test_other_reading_rules_read_every_file_again_once(folder, tmp_path, monkeypatch):
    db = open_database(tmp_path / "blog.db")
    first = load_paths(db, [folder])
    files = first.loaded
    before = rows(tmp_path / "blog.db")
    assert (load_paths(db, [folder]).loaded, load_paths(db, [folder]).unchanged) == (0, files)
    monkeypatch.setattr(archives, "READER_VERSION", READER_VERSION + 1)
    again = load_paths(db, [folder])
    assert (again.loaded, again.unchanged) == (files, 0)
    assert db.execute("SELECT reader FROM archives").fetchall() == [(READER_VERSION + 1,)]
    after = load_paths(db, [folder])
    assert (after.loaded, after.unchanged) == (0, files)
    # The same rules in truth: read again, the rows are what they were, and whole.
    assert rows(tmp_path / "blog.db") == before
    assert check_database(db) == []


def test_only_the_archives_loaded_are_read_again(folder, tmp_path, monkeypatch):
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / sorted(p.name for p in other.iterdir())[0]).write_bytes(b"An older scrape.\n")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [folder])
    load_paths(db, [other])
    monkeypatch.setattr(archives, "READER_VERSION", READER_VERSION + 1)
    load_paths(db, [folder])
    assert dict(db.execute("SELECT name, reader FROM archives").fetchall()) == {
        "blog": READER_VERSION + 1, "other": READER_VERSION}


def test_a_database_of_version_7_is_upgraded_and_its_files_read_again(folder, tmp_path):
    db_path = tmp_path / "blog.db"
    db = open_database(db_path)
    files = load_paths(db, [folder]).loaded
    before = rows(db_path)
    db.close()
    as_older_schema(db_path, 7, without={"reader"})
    result = CliRunner().invoke(cli, ["check", "--db", str(db_path)])
    assert result.exit_code == 1 and "run `pipeline load` once: it upgrades the database in place" in result.output
    db = open_database(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT reader FROM archives").fetchall() == [(None,)]  # read by rules older than any
    report = load_paths(db, [folder])
    assert (report.loaded, report.unchanged) == (files, 0)
    assert db.execute("SELECT reader FROM archives").fetchall() == [(READER_VERSION,)]
    assert rows(db_path) == before
    db.close()
