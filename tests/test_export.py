"""The database as files for other tools: a ConvoKit corpus, Parquet and CSV, each read
back by the tool it is for and compared with the database."""
import csv
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.store.load import load_paths, open_database

from .conftest import ROOT
from .mixed_archive import write_mixed_archive

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb")

# `make test` says where ConvoKit's own venv is; CI must not skip the test that uses it.
CONVOKIT_PYTHON = os.environ.get("CONVOKIT_PYTHON") or str(ROOT / ".venv-convokit" / "bin" / "python")
CHECKER = ROOT / "tests" / "convokit_check.py"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database of every kind of file: dumps, exports, a Takeout feed, pages, odd files."""
    root = tmp_path_factory.mktemp("export")
    write_mixed_archive(root / "blog", dumps=60, seed=3)
    db = open_database(root / "blog.db")
    load_paths(db, [root / "blog"])
    db.close()
    return root / "blog.db"


@pytest.fixture(scope="module")
def extended(database, tmp_path_factory):
    """The database with what later versions may add: columns of comments (a text, a
    flag, one whose name a key of the corpus has), and a table of links between
    comments."""
    path = tmp_path_factory.mktemp("extended") / "blog.db"
    shutil.copy(database, path)
    con = sqlite3.connect(path)
    con.executescript("""
        ALTER TABLE comments ADD COLUMN mood TEXT;
        ALTER TABLE comments ADD COLUMN is_quote INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE comments ADD COLUMN kind TEXT;
        CREATE TABLE comment_links (comment_id INTEGER NOT NULL REFERENCES comments(id), target_comment_id INTEGER,
                                    weight REAL, kind TEXT NOT NULL);
    """)
    replies = con.execute("SELECT id, parent_id, post_id FROM comments WHERE parent_id IS NOT NULL ORDER BY id "
                          "LIMIT 5").fetchall()
    con.executemany("INSERT INTO comment_links VALUES (?, ?, 0.5, 'answers')", [r[:2] for r in replies])
    con.executemany("UPDATE comments SET mood = 'wry', is_quote = 1, kind = 'quip' WHERE id = ?",
                    [(r[0],) for r in replies])
    con.commit()
    con.close()
    return path


def rows_of(path, sql, args=()):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def columns_of(path, table):
    return rows_of(path, f"PRAGMA table_info([{table}])")


def exported(path):
    """Every table and view the exports hold: all but SQLite's own and the search indexes."""
    return [name for (name,) in rows_of(path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                              "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'")]


# -- the type rule, as the README states it -----------------------------------------------------

def instant(text):
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment.astimezone(dt.timezone.utc) if moment.tzinfo else None


def expected_columns(path, table):
    """(name, arrow type, value from a database row) for each column the rule gives."""
    info = columns_of(path, table)
    names = {row[1] for row in info}
    out = []
    for k, (_, name, declared, *_rest) in enumerate(info):
        def at(row, k=k):
            return row[k]
        if declared == "INTEGER" and (name.startswith(("is_", "has_")) or name.endswith("ed")):
            out.append((name, pa.bool_(), lambda row, at=at: None if at(row) is None else bool(at(row))))
        elif declared == "INTEGER":
            out.append((name, pa.int64(), at))
        elif declared == "REAL":
            out.append((name, pa.float64(), at))
        elif declared == "":  # an expression in a view: typed by what it holds
            stored = {r[0] for r in rows_of(path, f"SELECT DISTINCT typeof([{name}]) FROM [{table}]")} - {"null"}
            is_id = name == "id" or name.endswith("_id")
            kind = pa.int64() if stored <= {"integer"} and (stored or is_id) else pa.string()
            out.append((name, kind, at if kind == pa.int64() else lambda row, at=at: None if at(row) is None
                        else str(at(row))))
        elif name == "date":
            out.append((name, pa.date32(), lambda row, at=at: dt.date.fromisoformat(at(row))))
        elif f"{name}_precision" in names or (name == "value" and "precision" in names):
            out.append((name, pa.string(), at))
            out.append((name + "_day", pa.date32(),
                        lambda row, at=at: dt.date.fromisoformat(at(row)) if at(row) and len(at(row)) == 10 else None))
        elif name.endswith(("_at", "_loaded", "_updated")):
            out.append((name, pa.timestamp("us", tz="UTC"), lambda row, at=at: instant(at(row))))
            out.append((name + "_text", pa.string(), at))
        else:
            out.append((name, pa.string(), at))
    return out


def expected_rows(path, table):
    columns = expected_columns(path, table)
    rows = rows_of(path, f"SELECT * FROM [{table}]")
    return [name for name, _, _ in columns], sorted((tuple(f(row) for _, _, f in columns) for row in rows),
                                                     key=repr)


# -- Parquet -----------------------------------------------------------------------------------

def test_parquet_read_back_with_pyarrow_equals_the_database(database, tmp_path):
    result = run("export", "parquet", tmp_path / "pq", "--db", database)
    assert result.exit_code == 0, result.output
    tables = exported(database)
    assert {"posts", "comments", "authors", "post_labels", "date_mentions", "dates", "sources", "archives",
            "parse_issues", "replies"} <= set(tables)
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == sorted(f"{t}.parquet" for t in tables)
    for table in tables:
        names, want = expected_rows(database, table)
        got = pq.read_table(tmp_path / "pq" / f"{table}.parquet")
        assert got.schema.names == names, table
        assert [f.type for f in got.schema] == [t for _, t, _ in expected_columns(database, table)], table
        assert sorted((tuple(r.values()) for r in got.to_pylist()), key=repr) == want, table
        assert want or table == "pipeline_state", table
    schema = pq.read_schema(tmp_path / "pq" / "comments.parquet")
    assert str(schema.field("published_at").type) == "timestamp[us, tz=UTC]"
    assert (str(schema.field("id").type), schema.field("id").nullable) == ("int64", False)
    assert str(schema.field("deleted").type) == "bool"
    assert str(pq.read_schema(tmp_path / "pq" / "posts.parquet").field("published_day").type) == "date32[day]"
    # The instants are what the times with offsets say.
    times = pq.read_table(tmp_path / "pq" / "comments.parquet", columns=["published_at", "published_at_text"])
    pairs = [(a, b) for a, b in zip(*(c.to_pylist() for c in times.columns)) if b]
    assert len(pairs) > 20 and any(not b.endswith(("Z", "+00:00")) for _, b in pairs)
    assert all(a == dt.datetime.fromisoformat(b) for a, b in pairs)


def test_parquet_read_back_with_duckdb_equals_the_database(database, tmp_path):
    assert run("export", "parquet", tmp_path / "pq", "--db", database).exit_code == 0
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in exported(database):
        names, want = expected_rows(database, table)
        listed = ", ".join('"' + n + '"' for n in names)
        got = con.execute(f"SELECT {listed} FROM read_parquet(?)",
                          [str(tmp_path / "pq" / f"{table}.parquet")]).fetchall()
        assert sorted(got, key=repr) == want, table
    kinds = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                             [str(tmp_path / "pq" / "comments.parquet")]).fetchall())
    assert (kinds["id"], kinds["published_at"], kinds["deleted"]) == ("BIGINT", "TIMESTAMP WITH TIME ZONE",
                                                                      "BOOLEAN")
    [(replies,)] = con.execute("SELECT count(*) FROM read_parquet(?)", [str(tmp_path / "pq" / "replies.parquet")]
                               ).fetchall()
    assert replies == rows_of(database, "SELECT count(*) FROM comments WHERE depth = 2")[0][0] > 0


def test_parquet_carries_the_columns_and_tables_the_database_has(extended, tmp_path):
    assert run("export", "parquet", tmp_path / "pq", "--db", extended).exit_code == 0
    links = pq.read_table(tmp_path / "pq" / "comment_links.parquet")
    assert links.num_rows == 5 and str(links.schema.field("comment_id").type) == "int64"
    assert str(links.schema.field("weight").type) == "double"
    comments = pq.read_table(tmp_path / "pq" / "comments.parquet", columns=["mood", "is_quote"]).to_pylist()
    assert str(pq.read_schema(tmp_path / "pq" / "comments.parquet").field("is_quote").type) == "bool"
    assert sum(1 for c in comments if c == {"mood": "wry", "is_quote": True}) == 5


def test_every_id_is_int64_whatever_the_database_holds(database, tmp_path):
    """A view's id that holds only NULLs in one database (no reference addresses a
    post) and numbers in another has the same type in both exports."""
    paths = []
    for to_post in (0, 1):
        path = tmp_path / f"to-post-{to_post}.db"
        shutil.copy(database, path)
        con = sqlite3.connect(path)
        con.execute("UPDATE comment_refs SET target_comment_id = NULL, target_post = ? "
                    "WHERE id = (SELECT min(id) FROM comment_refs)", [to_post])
        con.execute("UPDATE comment_refs SET target_post = 0 WHERE id != (SELECT min(id) FROM comment_refs)")
        con.commit()
        con.close()
        paths.append(path)
    assert rows_of(paths[0], "SELECT count(to_post_id) FROM interactions") == [(0,)]
    assert rows_of(paths[1], "SELECT count(to_post_id) FROM interactions") == [(1,)]
    schemas = []
    for path in paths:
        out = tmp_path / path.stem
        assert run("export", "parquet", out, "--db", path).exit_code == 0
        schemas.append({name: pq.read_schema(out / f"{name}.parquet") for name in exported(path)})
    assert schemas[0] == schemas[1]
    for table, schema in schemas[0].items():
        declared = {row[1]: row[2] for row in columns_of(paths[0], table)}
        for field in schema:
            if (field.name == "id" or field.name.endswith("_id")) and declared.get(field.name) in ("INTEGER", ""):
                assert field.type == pa.int64(), (table, field)  # Blogger's own ids are TEXT, and stay strings
    assert schemas[0]["interactions"].field("to_post_id").type == pa.int64()


def test_parquet_is_written_a_batch_at_a_time(database, tmp_path, monkeypatch):
    from pipeline.serve import export

    monkeypatch.setattr(export, "BATCH_ROWS", 7)
    assert run("export", "parquet", tmp_path / "pq", "--db", database).exit_code == 0
    meta = pq.read_metadata(tmp_path / "pq" / "comments.parquet")
    assert meta.num_row_groups > 10
    assert meta.num_rows == rows_of(database, "SELECT count(*) FROM comments")[0][0]


# -- CSV ---------------------------------------------------------------------------------------

def test_csv_read_back_with_the_csv_module_equals_the_database(database, tmp_path):
    """The NULL rule: NULL is an empty field. The csv module reads the empty text ("")
    as an empty field too, so a column that may not be NULL reads it as '', and one
    that may as NULL: exact while no column that may be NULL holds '' (checked)."""
    assert run("export", "csv", tmp_path / "csv", "--db", database).exit_code == 0
    schema = json.loads((tmp_path / "csv" / "schema.json").read_text())
    for table in exported(database):
        names, want = expected_rows(database, table)
        types = {c["name"]: (c["type"], c["nullable"]) for c in schema[table]}
        assert list(types) == names
        for name, (kind, nullable) in types.items():
            if kind == "string" and nullable and name in {c[1] for c in columns_of(database, table)}:
                assert not rows_of(database, f"SELECT 1 FROM [{table}] WHERE [{name}] = ''"), (table, name)
        with open(tmp_path / "csv" / f"{table}.csv", newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            assert next(reader) == names
            got = [tuple(read_csv_value(v, *types[n]) for n, v in zip(names, row)) for row in reader]
        assert sorted(got, key=repr) == want, table


def read_csv_value(text, kind, nullable):
    if text == "":
        return None if nullable else ("" if kind == "string" else text)
    if kind == "int64":
        return int(text)
    if kind == "double":
        return float(text)
    if kind == "bool":
        return {"true": True, "false": False}[text]
    if kind == "date32[day]":
        return dt.date.fromisoformat(text)
    if kind.startswith("timestamp"):
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return text


# -- ConvoKit ----------------------------------------------------------------------------------

def utterances(folder):
    with open(folder / "utterances.jsonl", encoding="ascii") as f:
        return [json.loads(line) for line in f]


def test_every_reply_names_an_utterance_of_its_conversation(extended, tmp_path):
    # A comment whose parent is gone (foreign keys off) replies to its post.
    con = sqlite3.connect(extended)
    [(orphan, post)] = con.execute("SELECT id, post_id FROM comments WHERE parent_id IS NOT NULL ORDER BY id DESC "
                                   "LIMIT 1").fetchall()
    con.execute("UPDATE comments SET parent_id = 1 WHERE id = ?", [orphan])
    con.commit()
    con.close()
    assert run("export", "convokit", tmp_path / "corpus", "--db", extended).exit_code == 0
    lines = utterances(tmp_path / "corpus")
    by_id = {u["id"]: u for u in lines}
    assert len(by_id) == len(lines)
    for u in lines:
        if u["reply_to"] is not None:
            assert by_id[u["reply_to"]]["conversation_id"] == u["conversation_id"]
        assert isinstance(u["timestamp"], int) and isinstance(u["text"], str)
    assert by_id[f"comment-{orphan}"]["reply_to"] == f"post-{post}"
    assert by_id[f"comment-{orphan}"]["meta"]["parent_comment_id"] == 1


def test_the_corpus_meta_carries_new_columns_and_tables(extended, tmp_path):
    assert run("export", "convokit", tmp_path / "corpus", "--db", extended).exit_code == 0
    lines = utterances(tmp_path / "corpus")
    keys = set(lines[0]["meta"])
    assert all(set(u["meta"]) == keys for u in lines)
    assert {"signature", "shown_time", "mood", "is_quote", "comment_kind", "comment_refs", "comment_links",
            "date_mentions", "post_labels"} <= keys
    assert {u["meta"]["kind"] for u in lines} == {"post", "comment", "reply"}  # a column's name taken: prefixed
    linking = [u for u in lines if u["meta"]["comment_links"]]
    assert len(linking) == 5
    for u in linking:
        [link] = u["meta"]["comment_links"]
        assert (link["kind"], link["weight"], u["reply_to"]) == ("answers", 0.5, f"comment-{link['target_comment_id']}")
        assert (u["meta"]["mood"], u["meta"]["is_quote"], u["meta"]["comment_kind"]) == ("wry", True, "quip")
    # What the database says of references between comments, each under its comment.
    con = sqlite3.connect(extended)
    refs = con.execute("SELECT comment_id, count(*) FROM comment_refs GROUP BY comment_id").fetchall()
    con.close()
    by_id = {u["id"]: u for u in lines}
    assert refs and all(len(by_id[f"comment-{c}"]["meta"]["comment_refs"]) == n for c, n in refs)
    index = json.loads((tmp_path / "corpus" / "index.json").read_text())
    assert set(index["utterances-index"]) == keys and index["version"] == 1
    assert index["utterances-index"]["comment_links"] == ["<class 'list'>"]
    assert "bin" not in json.dumps(index)
    corpus = json.loads((tmp_path / "corpus" / "corpus.json").read_text())
    assert set(index["overall-index"]) == set(corpus)
    assert "anon:COMMENT_ID" in corpus["anonymous_speakers"] and "comment_links" in corpus["meta_tables"]


def test_convokit_loads_the_corpus_as_the_database_says(database, tmp_path):
    if not os.path.exists(CONVOKIT_PYTHON):
        if os.environ.get("CI") or os.environ.get("CONVOKIT_PYTHON"):
            pytest.fail(f"{CONVOKIT_PYTHON} is missing: `make test` makes it (make .venv-convokit/bin/python)")
        pytest.skip("ConvoKit's venv is not made: `make test` makes it")
    assert run("export", "convokit", tmp_path / "corpus", "--db", database).exit_code == 0
    [(post_id,)] = rows_of(database, """SELECT p.id FROM posts p JOIN sources s ON s.id = p.source_id
        WHERE s.format = 'blogger-export' ORDER BY p.comment_count DESC LIMIT 1""")
    home = tmp_path / "home"
    (home / ".convokit").mkdir(parents=True)
    # Without a config file, ConvoKit's first Corpus() prints a notice and writes one.
    (home / ".convokit" / "config.yml").write_text("default_backend: mem\n")
    env = {k: v for k, v in os.environ.items() if k != "CONVOKIT_BACKEND"}
    env["HOME"] = str(home)
    done = subprocess.run([CONVOKIT_PYTHON, str(CHECKER), str(tmp_path / "corpus"), f"post-{post_id}"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "WARNING:" not in done.stdout + done.stderr
    [line] = done.stdout.splitlines()
    got = json.loads(line)

    posts = rows_of(database, "SELECT id, author_id FROM posts")
    comments = rows_of(database, "SELECT id, post_id, parent_id, author_id, published_at, body FROM comments")
    assert (got["utterances"], got["conversations"]) == (len(posts) + len(comments), len(posts))
    authors = {a for _, a in posts if a} | {c[3] for c in comments if c[3]}
    anonymous = sum(1 for _, a in posts if a is None) + sum(1 for c in comments if c[3] is None)
    assert got["speakers"] == len(authors) + anonymous
    assert got["all_intact"] and got["timestamp_types"] == ["int"]
    in_post = {c[0]: c[1] for c in comments}
    for comment_id, post, parent, author, published_at, _ in comments:
        key = f"comment-{comment_id}"
        want = f"comment-{parent}" if parent is not None and in_post.get(parent) == post else f"post-{post}"
        assert got["reply_to"][key] == want
        assert got["conversation_of"][key] == f"post-{post}"
        assert got["speaker_of"][key] == (f"author:{author}" if author else f"anon:{comment_id}")
        if published_at:
            assert got["timestamps"][key] == int(dt.datetime.fromisoformat(published_at).timestamp())
    for post, author in posts:
        assert got["reply_to"][f"post-{post}"] is None
        assert got["speaker_of"][f"post-{post}"] == (f"author:{author}" if author else f"anon:post-{post}")
    # The conversation, its text and structure, as the database has it.
    [(body,)] = rows_of(database, "SELECT body FROM posts WHERE id = ?", [post_id])
    thread = rows_of(database, "SELECT id, parent_id, body, path, depth, first_line FROM comments "
                               "WHERE post_id = ? ORDER BY seq", [post_id])
    assert len(thread) >= 3 and any(parent for _, parent, *_ in thread)
    assert got["preorder"][0] == [f"post-{post_id}", body]
    assert sorted(map(tuple, got["preorder"][1:])) == sorted((f"comment-{c}", text) for c, _, text, *_ in thread)
    leaves = {c for c, *_ in thread} - {parent for _, parent, *_ in thread}
    parent_of = {c: parent for c, parent, *_ in thread}
    want_paths = []
    for leaf in leaves:
        path = [leaf] + ([parent_of[leaf]] if parent_of[leaf] else [])
        want_paths.append([f"post-{post_id}"] + [f"comment-{c}" for c in reversed(path)])
    assert sorted(got["root_to_leaf"]) == sorted(want_paths)
    assert got["chronological"][0] == f"post-{post_id}" and len(got["chronological"]) == len(thread) + 1
    for comment_id, parent, _, path, depth, first_line in thread:
        meta = got["meta"][f"comment-{comment_id}"]
        assert (meta["post_id"], meta["comment_id"], meta["parent_comment_id"], meta["path"], meta["depth"],
                meta["line_start"], meta["source_format"]) == (post_id, comment_id, parent, path, depth, first_line,
                                                               "blogger-export")
    anonymous_speakers = [m for s, m in got["speaker_meta"].items() if s.startswith("anon:")]
    assert anonymous_speakers and all(m["n_utterances"] == 1 for m in anonymous_speakers)
    assert got["conversation_meta"]["post_id"] == post_id
    assert "anon:COMMENT_ID" in got["corpus_meta"]["anonymous_speakers"]


# -- the command line --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["convokit", "parquet", "csv"])
def test_an_export_refuses_a_folder_that_holds_files_unless_forced(database, tmp_path, kind):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = run("export", kind, tmp_path / "out", "--db", database)
    assert result.exit_code == 1
    assert "exists and is not empty: choose another OUT_DIR, or add --force" in result.stderr
    result = run("export", kind, tmp_path / "out", "--db", database, "--force")
    assert result.exit_code == 0 and (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_an_export_of_a_missing_database_says_how_to_make_one(tmp_path):
    result = run("export", "parquet", tmp_path / "out", "--db", tmp_path / "none.db")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'none.db'} does not exist: build it with `pipeline load` "
                             "(or `make`), or name another with --db\n")


def test_an_export_through_the_module_entry_point_prints_no_traceback(database, tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline", "export", "csv", str(tmp_path / "c"), "--db",
                           str(database)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr.endswith(f": {tmp_path / 'c'}\n")


def test_a_time_at_the_calendar_s_end_exports_as_no_time(tmp_path, monkeypatch):
    # 9999-12-31T23:59-05:00 is a day past the calendar's end in UTC: the comment
    # keeps the time as written, and each export gives it as no instant, not a failure.
    from .test_readers import export, export_entry

    entry = export_entry(5, 12, "comment", post=11).replace("2019-04-04T10:00:00.000+02:00",
                                                            "9999-12-31T23:59:59.000-05:00")
    assert "9999" in entry
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "blog.xml").write_bytes(export(5, export_entry(5, 11, "post"), entry))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["load", "raw", "--db", "blog.db"]).exit_code == 0
    for kind in ("csv", "parquet", "convokit"):
        result = runner.invoke(cli, ["export", kind, f"out-{kind}", "--db", "blog.db"])
        assert result.exit_code == 0, result.output
        assert "internal error" not in result.output
