import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pipeline.store.load import load_paths, open_database

# HYPOTHESIS_PROFILE=thorough tries twenty times as many examples.
settings.register_profile("default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
GOLD = Path(__file__).resolve().parent / "gold"


def load_in(root, db_name="blog.db"):
    """Load root/raw into root/db_name, as `pipeline load raw` run in root would."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        db = open_database(db_name)
        load_paths(db, ["raw"])
        db.close()
    finally:
        os.chdir(cwd)
    return root / db_name


def sample_database(root, db_name="blog.db"):
    """The samples copied into root/raw and loaded into root/db_name."""
    shutil.copytree(RAW, root / "raw")
    return load_in(root, db_name)


def norm(text):
    """Collapse whitespace the way the gold files compare text."""
    return re.sub(r"\s+", " ", text or "").strip()


def gold_files():
    return sorted(GOLD.glob("*.json"))


def load_gold(name):
    return json.loads((GOLD / name).read_text())


def sample_path(gold):
    return RAW / gold["file"]


def comment_view(path, parent, body):
    text = norm(body)
    return {"path": path, "parent": parent, "chars": len(text), "first": text[:60], "last": text[-40:]}


def parsed_view(parsed):
    """A parse result in the shape of a gold file, for comparing the two."""
    body = norm(parsed.post.body)
    return {
        "layout": parsed.layout,
        "title": parsed.post.title,
        "date_line": parsed.post.date_line,
        "published": parsed.post.published,
        "body_first": body[:60],
        "body_last": body[-40:],
        "comments": [comment_view(c.path, c.parent_path, c.body) for c in parsed.comments],
    }


def gold_view(gold):
    keys = ("layout", "title", "date_line", "published", "body_first", "body_last", "comments")
    return {key: gold.get(key) for key in keys}


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "test.db")
    yield database
    database.close()


def as_older_schema(db_path, version, without):
    """Make the database at ``db_path`` as schema ``version`` left it: the archives
    table without the columns ``without`` that later versions added (rebuilt: SQLite
    cannot drop a last column followed by comments)."""
    columns = (("id", "INTEGER PRIMARY KEY"), ("name", "TEXT NOT NULL UNIQUE"), ("root", "TEXT NOT NULL"),
               ("first_loaded", "TEXT NOT NULL"), ("last_loaded", "TEXT NOT NULL"), ("blog_author", "TEXT"),
               ("blog_zone", "TEXT"), ("reader", "INTEGER"))
    kept = [(name, kind) for name, kind in columns if name not in without]
    listed = ", ".join(name for name, _ in kept)
    con = sqlite3.connect(db_path)
    assert [row[1] for row in con.execute("PRAGMA table_info(archives)")] == [name for name, _ in columns], \
        "the archives table changed: update this helper"
    con.executescript(f"""PRAGMA foreign_keys = OFF; BEGIN;
        CREATE TABLE older ({', '.join(f'{name} {kind}' for name, kind in kept)});
        INSERT INTO older SELECT {listed} FROM archives; DROP TABLE archives;
        ALTER TABLE older RENAME TO archives; PRAGMA user_version = {version}; COMMIT;""")
    con.close()
