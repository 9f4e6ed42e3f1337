"""The parse stage on Dask: shards made on a local cluster, loaded, equal a direct load."""
import json
import os
import sqlite3

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

import pyarrow.parquet as pq  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from pipeline.cli import cli  # noqa: E402
from pipeline.store import load as load_module, rows, shards  # noqa: E402
from pipeline.store.audit import check_database  # noqa: E402
from pipeline.store.engine import dask_client, parse_to_shards  # noqa: E402
from pipeline.store.load import load_paths, open_database  # noqa: E402
from pipeline.store.rows import COLUMNS  # noqa: E402
from pipeline.store.shards import ShardsError, load_shards  # noqa: E402

from .conftest import RAW  # noqa: E402
from .mixed_archive import write_mixed_archive  # noqa: E402

# Columns that say when a row was written: the only ones two loads may differ in.
WHEN = {"loaded_at", "first_loaded", "last_loaded"}


@pytest.fixture(scope="module")
def client():
    """A cluster on this machine, as `pipeline parse --engine dask` starts one: two
    worker processes of one thread."""
    with dask_client(workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return write_mixed_archive(tmp_path_factory.mktemp("mixed") / "blog", dumps=2000)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return write_mixed_archive(tmp_path_factory.mktemp("small") / "blog", dumps=40, seed=2)


def tables(path):
    """Every table of a database, its rows in id order, bar the times they were written."""
    con = sqlite3.connect(path)
    out = {}
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                "AND name NOT LIKE '%_fts%'"):
        columns = [r[1] for r in con.execute(f"PRAGMA table_info([{table}])") if r[1] not in WHEN]
        listed = ", ".join(f"[{c}]" for c in columns)
        out[table] = con.execute(f"SELECT {listed} FROM [{table}] ORDER BY {listed}").fetchall()
    con.close()
    return out


def search(path, table, words):
    con = sqlite3.connect(path)
    try:
        return {w: sorted(r[0] for r in con.execute(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?",
                                                   [f'"{w}"'])) for w in words}
    finally:
        con.close()


def direct_load(folder, db_path):
    db = open_database(db_path)
    report = load_paths(db, [folder])
    db.close()
    return report


def shards_load(shards_dir, db_path):
    db = open_database(db_path)
    report = load_shards(db, shards_dir)
    db.close()
    return report


@pytest.fixture(scope="module")
def loaded(client, archive, tmp_path_factory):
    """The archive parsed on the cluster into shards and loaded, and loaded directly."""
    root = tmp_path_factory.mktemp("loads")
    made = parse_to_shards([archive], root / "shards", client=client)
    from_shards = shards_load(root / "shards", root / "shards.db")
    direct = direct_load(archive, root / "direct.db")
    return root, made, from_shards, direct


def test_shards_load_into_the_database_a_direct_load_makes(loaded, archive):
    root, made, from_shards, direct = loaded
    files = sum(1 for _, _, names in os.walk(archive) for _ in names)
    assert made.files == files > 2000 and made.batches > 2 * made.workers
    assert (from_shards.loaded, from_shards.held, len(from_shards.failed), from_shards.warnings) == \
        (direct.loaded, direct.held, len(direct.failed), direct.warnings)
    got, want = tables(root / "shards.db"), tables(root / "direct.db")
    layouts = [row[COLUMNS["sources"].index("layout")] for row in want["sources"]]
    # A copy of a dump; an older export, and its copy (read again when its original gave its posts up);
    # saved pages of posts a Takeout feed holds.
    pages = sum(1 for row in want["sources"] if row[COLUMNS["sources"].index("format")] == "page")
    assert (layouts.count("copy"), layouts.count("superseded"), layouts.count("feed")) == (1, 2 + pages - 1, 2)
    assert pages >= 3
    assert layouts.count("none") >= 3
    assert got.keys() == want.keys() and {"comments", "authors", "post_labels", "dates"} <= got.keys()
    for table in want:
        assert got[table] == want[table], table
    con = sqlite3.connect(root / "direct.db")
    formats = {r[0] for r in con.execute("SELECT s.format FROM posts p JOIN sources s ON s.id = p.source_id")}
    words = [r[0] for r in con.execute("SELECT substr(body, 1, instr(body || ' ', ' ') - 1) FROM comments "
                                       "WHERE length(body) > 20 ORDER BY id LIMIT 5")]
    con.close()
    assert formats == {"dump", "blogger-export", "takeout", "page"}
    for table in ("posts", "comments"):
        assert search(root / "shards.db", table, words) == search(root / "direct.db", table, words)


def test_shards_hold_every_table_with_its_schema(loaded):
    root, made, _, _ = loaded
    manifest = json.loads((root / "shards" / "manifest.json").read_text())
    assert manifest["batches"] == made.batches and manifest["rows"]["files"] == made.files
    schemas = shards.row_schemas()
    for table in rows.TABLES:
        parts = sorted((root / "shards" / table).glob("part-*.parquet"))
        assert len(parts) == made.batches
        assert pq.read_schema(parts[0]).remove_metadata().equals(schemas[table])
        assert schemas[table].names[:len(rows.COLUMNS[table])] == list(rows.COLUMNS[table])
        assert sum(pq.read_metadata(p).num_rows for p in parts) == made.rows[table]
    assert str(schemas["comments"].field("id").type) == "int64"
    assert str(schemas["comments"].field("body").type) == "string"


def test_shards_know_every_table_a_file_gives():
    # A file's own rows, and its posts' (by thread): a table of another kind would
    # need a place in the shards, and in FileRows read back.
    assert set(rows.TABLES) == {"sources", "parse_issues", "authors"} | set(rows.THREAD_TABLES)


def test_loading_the_same_shards_again_changes_nothing(client, small, tmp_path):
    made = parse_to_shards([small], tmp_path / "shards", client=client)
    db_path = tmp_path / "again.db"
    shards_load(tmp_path / "shards", db_path)
    before = tables(db_path)
    again = shards_load(tmp_path / "shards", db_path)
    assert (again.loaded, again.unchanged) == (0, made.files)
    assert tables(db_path) == before
    db = open_database(db_path)
    assert check_database(db) == []
    db.close()


def test_files_whose_ids_collide_take_the_ids_a_direct_load_gives(client, tmp_path, monkeypatch):
    folder = tmp_path / "raw"
    folder.mkdir()
    for sample in sorted(RAW.iterdir()):
        (folder / sample.name).write_bytes(sample.read_bytes())
    (folder / "copy.txt").write_bytes(sorted(RAW.iterdir())[0].read_bytes())
    parse_to_shards([folder], tmp_path / "shards", client=client)  # workers give each file its own id

    def colliding(archive, path, taken=lambda source_id: False):  # every file: the same block
        return rows.file_id("one", "block", taken)

    monkeypatch.setattr(load_module, "file_id", colliding)
    monkeypatch.setattr(shards, "file_id", colliding)
    shards_load(tmp_path / "shards", tmp_path / "shards.db")
    direct_load(folder, tmp_path / "direct.db")
    got = tables(tmp_path / "shards.db")
    assert got == tables(tmp_path / "direct.db")
    block = rows.file_id("one", "block")
    assert sorted(r[0] for r in got["sources"]) == [block + (k << rows.LOCAL_BITS) for k in range(6)]
    assert len(got["comments"]) == 160


def test_a_changed_file_in_new_shards_replaces_its_rows_and_keeps_its_id(client, tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for sample in sorted(RAW.iterdir()):
        (folder / sample.name).write_bytes(sample.read_bytes())
    parse_to_shards([folder], tmp_path / "one", client=client)
    shards_load(tmp_path / "one", tmp_path / "shards.db")
    direct_load(folder, tmp_path / "direct.db")
    changed = sorted(folder.iterdir())[2]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n  99. One more comment at the end.\n",
                       encoding="utf-8")
    parse_to_shards([folder], tmp_path / "two", client=client)
    report = shards_load(tmp_path / "two", tmp_path / "shards.db")
    assert (report.loaded, report.unchanged) == (1, 4)
    direct_load(folder, tmp_path / "direct.db")
    assert tables(tmp_path / "shards.db") == tables(tmp_path / "direct.db")


# An archive's settings as `parse --engine dask` and `load` take them, with another
# value and the fix a load of shards parsed with it names.
SETTINGS = [("blog_author", "Jim Brown", "Ann Smith", "parse them again with --blog-author 'Jim Brown'"),
            ("blog_zone", "Europe/London", None, "parse them again with --blog-zone 'Europe/London'")]


@pytest.mark.parametrize("column, value, other, fix", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_shards_parsed_with_an_archive_setting_load_as_a_load_with_it(client, small, tmp_path, column, value, other,
                                                                       fix):
    parse_to_shards([small], tmp_path / "shards", client=client, **{column: value})
    shards_load(tmp_path / "shards", tmp_path / "shards.db")
    db = open_database(tmp_path / "direct.db")
    load_paths(db, [small], **{column: value})
    db.close()
    assert tables(tmp_path / "shards.db") == tables(tmp_path / "direct.db")
    assert sqlite3.connect(tmp_path / "shards.db").execute(f"SELECT {column} FROM archives").fetchall() == [(value,)]
    # Into an archive whose setting is another: refused, with the fix.
    parse_to_shards([small], tmp_path / "other", client=client, **({column: other} if other else {}))
    db = open_database(tmp_path / "shards.db")
    with pytest.raises(ShardsError, match=fix):
        load_shards(db, tmp_path / "other")
    db.close()


def test_a_blog_zone_gives_takeout_s_comments_the_clock_the_blog_showed(client, small, tmp_path):
    def takeout_comments(db_path):
        return dict(sqlite3.connect(db_path).execute(
            """SELECT c.shown_time IS NOT NULL, count(*) FROM comments c JOIN posts p ON p.id = c.post_id
               JOIN sources s ON s.id = p.source_id WHERE s.format = 'takeout' AND c.published_at IS NOT NULL
               GROUP BY 1""").fetchall())

    parse_to_shards([small], tmp_path / "plain", client=client)
    shards_load(tmp_path / "plain", tmp_path / "plain.db")
    parse_to_shards([small], tmp_path / "zoned", client=client, blog_zone="Europe/London")
    shards_load(tmp_path / "zoned", tmp_path / "zoned.db")
    plain, zoned = takeout_comments(tmp_path / "plain.db"), takeout_comments(tmp_path / "zoned.db")
    assert set(plain) == {0} and set(zoned) == {1} and plain[0] == zoned[1] > 0


def test_a_copy_in_new_shards_takes_over_when_its_original_changes(client, tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    sample = sorted(RAW.iterdir())[1]
    (folder / "a.txt").write_bytes(sample.read_bytes())
    (folder / "b.txt").write_bytes(sample.read_bytes())
    parse_to_shards([folder], tmp_path / "one", client=client)
    shards_load(tmp_path / "one", tmp_path / "shards.db")
    assert sqlite3.connect(tmp_path / "shards.db").execute("SELECT count(*) FROM posts").fetchone()[0] == 1
    (folder / "a.txt").write_text(sample.read_text(encoding="utf-8") + "\n  99. One more comment at the end.\n",
                                  encoding="utf-8")
    parse_to_shards([folder], tmp_path / "two", client=client)
    shards_load(tmp_path / "two", tmp_path / "shards.db")
    direct_load(folder, tmp_path / "direct.db")
    got = tables(tmp_path / "shards.db")
    assert got == tables(tmp_path / "direct.db")
    assert sqlite3.connect(tmp_path / "shards.db").execute("SELECT count(*) FROM posts").fetchone()[0] == 2


def test_parse_refuses_an_out_folder_that_holds_files_unless_forced(client, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ShardsError, match="exists and is not empty: choose another --out, or add --force"):
        parse_to_shards([RAW], tmp_path / "out", client=client)
    parse_to_shards([RAW], tmp_path / "out", client=client, force=True)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    with pytest.raises(ShardsError, match="is inside"):
        parse_to_shards([tmp_path], tmp_path / "out", client=client, force=True)


def test_unfinished_shards_are_refused_with_the_fix(tmp_path):
    (tmp_path / "shards").mkdir()
    db = open_database(tmp_path / "x.db")
    with pytest.raises(ShardsError, match="has no manifest.json: its parse did not finish"):
        load_shards(db, tmp_path / "shards")
    db.close()


def test_the_command_line_parses_on_a_scheduler_and_loads(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    address = client.scheduler.address
    result = runner.invoke(cli, ["parse", "--engine", "dask", "--scheduler", address, str(RAW), "--out", "shards"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("5 files parsed into ") and "pipeline load --from-shards shards" in result.stderr
    result = runner.invoke(cli, ["load", "--from-shards", "shards", "--db", "blog.db"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == "5 loaded, 0 unchanged, 0 removed, 0 failed, 0 warnings: blog.db\n"
    assert runner.invoke(cli, ["load", "raw", "--from-shards", "shards"]).exit_code == 2
    result = runner.invoke(cli, ["parse", "--engine", "dask", str(RAW)])
    assert result.exit_code == 2 and "--engine dask needs --out SHARDS_DIR" in result.stderr
    result = runner.invoke(cli, ["parse", str(RAW)])
    assert result.exit_code == 2 and "add --engine dask --out SHARDS_DIR" in result.stderr
    result = runner.invoke(cli, ["parse", str(sorted(RAW.iterdir())[0])])
    assert result.exit_code == 0 and json.loads(result.stdout)["layout"]


def test_shards_of_other_reading_rules_are_refused(client, small, tmp_path):
    parse_to_shards([small], tmp_path / "shards", client=client)
    manifest = tmp_path / "shards" / "manifest.json"
    made = json.loads(manifest.read_text())
    made["reader_version"] -= 1
    manifest.write_text(json.dumps(made))
    db = open_database(tmp_path / "blog.db")
    with pytest.raises(ShardsError, match="parsed by other reading rules .*: parse the files again"):
        load_shards(db, tmp_path / "shards")
    db.close()


def test_shards_write_again_the_files_an_archive_read_by_other_rules_holds(client, small, tmp_path):
    made = parse_to_shards([small], tmp_path / "shards", client=client)
    db_path = tmp_path / "blog.db"
    direct_load(small, db_path)
    before = tables(db_path)
    con = sqlite3.connect(db_path)
    with con:
        con.execute("UPDATE archives SET reader = reader - 1")
    con.close()
    report = shards_load(tmp_path / "shards", db_path)
    assert report.unchanged == 0 and report.loaded > 0
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM sources WHERE mtime_ns IS NULL OR sha256 = ''").fetchone() == (0,)
    con.close()
    assert tables(db_path) == before
    again = shards_load(tmp_path / "shards", db_path)
    assert (again.loaded, again.unchanged) == (0, made.files)


def test_a_takeout_feed_of_comments_only_loads_from_shards_as_in_a_load(client, tmp_path):
    from .test_readers import takeout, takeout_comment, takeout_post

    blogger = tmp_path / "Blogger"
    (blogger / "Blogs" / "A blog").mkdir(parents=True)
    (blogger / "Comments" / "A blog").mkdir(parents=True)
    (blogger / "Blogs" / "A blog" / "feed.atom").write_bytes(takeout(takeout_post(101), takeout_comment(201, 101)))
    (blogger / "Comments" / "A blog" / "feed.atom").write_bytes(takeout(takeout_comment(201, 101)))
    parse_to_shards([blogger], tmp_path / "shards", client=client)
    told = []
    db = open_database(tmp_path / "shards.db")
    load_shards(db, tmp_path / "shards", on_file=told.append)
    db.close()
    direct_load(blogger, tmp_path / "direct.db")
    assert tables(tmp_path / "shards.db") == tables(tmp_path / "direct.db")
    assert [(t.path.rsplit("/", 3)[-3], t.status, t.note[:40]) for t in told if t.note] == [
        ("Comments", "loaded", "comments without their posts in this fil")]


def test_the_plan_tells_of_a_file_whose_name_is_not_utf8_and_gives_the_rest(tmp_path):
    from pipeline.store.shards import plan_files

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "good.txt").write_text("A post\n")
    with open(os.path.join(os.fsencode(tmp_path / "raw"), b"caf\xe9.txt"), "wb") as f:
        f.write(b"Another post\n")
    told = []
    _, specs = plan_files([tmp_path / "raw"], on_error=lambda path, reason, error: told.append((path, reason)))
    assert [spec.path for spec in specs] == ["good.txt"]
    [(path, reason)] = told
    assert path.endswith("caf\udce9.txt") and "not UTF-8" in reason


def test_damaged_shards_are_refused_with_the_fix_and_the_database_stays_whole(client, small, tmp_path):
    import shutil

    parse_to_shards([small], tmp_path / "made", client=client)
    made = json.loads((tmp_path / "made" / "manifest.json").read_text())

    def damaged(name, change):
        folder = tmp_path / name
        shutil.copytree(tmp_path / "made", folder)
        change(folder)
        return folder

    def manifest_with(**fields):
        return lambda folder: (folder / "manifest.json").write_text(json.dumps({**made, **fields}))

    cases = {
        # Cut short in a copy from the cluster.
        "cut": lambda folder: os.truncate(folder / "comments" / "part-00000.parquet", 100),
        # Another table's shard in its place.
        "swapped": lambda folder: shutil.copy(folder / "posts" / "part-00000.parquet",
                                              folder / "comments" / "part-00000.parquet"),
        "batches a list": manifest_with(batches=[1, 2]),
        "batches a word": manifest_with(batches="x"),
        "no archives": manifest_with(archives=[]),
        "a nameless archive": manifest_with(archives=[{**a, "name": None} for a in made["archives"]]),
        "a list": lambda folder: (folder / "manifest.json").write_text("[1, 2]"),
    }
    for name, change in cases.items():
        folder = damaged(name, change)
        result = CliRunner().invoke(cli, ["load", "--from-shards", str(folder), "--db", str(tmp_path / "blog.db")])
        assert result.exit_code == 1, (name, result.output)
        assert "run the parse again" in result.stderr, (name, result.stderr)
        assert "internal error" not in result.output and "Traceback" not in result.output, name
        assert check_database(open_database(tmp_path / "blog.db")) == [], name
