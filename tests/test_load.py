import os
import random
import shutil

import pytest

from pipeline.store.audit import check_database
from pipeline.store import finish, plan, rows, write
from pipeline.store.load import load_paths, open_database
from pipeline.store.plan import iter_named
from pipeline.store.rows import file_id
from pipeline.store.schema import SchemaMismatch

from .conftest import RAW


@pytest.fixture
def archive(tmp_path, monkeypatch):
    """A copy of the samples in tmp_path/raw, with tmp_path as the working directory."""
    shutil.copytree(RAW, tmp_path / "raw")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "raw"


def counts(db):
    return {table: db[table].count for table in ("sources", "posts", "comments", "parse_issues")}


def referred_days(db):
    return {row["d"] for row in db.query(
        "SELECT published AS d FROM posts WHERE published_precision = 'day' "
        "UNION SELECT value FROM date_mentions WHERE precision = 'day'")}


def snapshot(db):
    return {
        table: list(db.query(f"SELECT * FROM {table} ORDER BY 1"))
        for table in ("posts", "comments", "parse_issues", "date_mentions", "dates")
    }


def add_a_comment(archive):
    """Append a 40th comment to the sample with 39."""
    target = archive / "003_92b3ed089a46f2e7.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n  40. One more comment at the end.\n",
                      encoding="utf-8")


def add_a_new_file(archive, name="005_new.txt"):
    """A sixth file: the first sample with a line of its own, so not a copy of it."""
    text = (archive / "000_a04ef07ac41940ba.txt").read_text(encoding="utf-8")
    (archive / name).write_text(text + "\n  19. A comment of its own.\n", encoding="utf-8")


def test_load_then_load_again_changes_nothing(db, archive):
    first = load_paths(db, ["raw"])
    before = snapshot(db)
    again = load_paths(db, ["raw"])
    assert (first.loaded, again.loaded, again.unchanged, again.removed) == (5, 0, 5, 0)
    assert snapshot(db) == before
    assert counts(db) == {"sources": 5, "posts": 5, "comments": 160, "parse_issues": 0}
    assert {row["date"] for row in db["dates"].rows} == referred_days(db)


def test_files_looked_up_a_few_at_a_time_load_as_they_should(db, archive, monkeypatch):
    monkeypatch.setattr(plan, "LOOKUP_FILES", 2)
    load_paths(db, ["raw"])
    add_a_comment(archive)
    add_a_new_file(archive)
    report = load_paths(db, ["raw"])
    assert (report.loaded, report.unchanged) == (2, 4)
    assert db["sources"].count == 6
    assert check_database(db) == []


def test_planner_statistics_are_taken_again_only_when_the_archive_has_grown(db, archive):
    def analysed():
        return db.execute("SELECT value FROM pipeline_state WHERE key = 'analysed_files'").fetchone()[0]

    load_paths(db, ["raw"])
    assert analysed() == "5"
    assert db.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'comments'").fetchone()[0] > 0
    db.execute("DELETE FROM sqlite_stat1")
    add_a_comment(archive)
    assert load_paths(db, ["raw"]).loaded == 1
    assert db.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] == 0  # 5 files as before
    add_a_new_file(archive)
    assert load_paths(db, ["raw"]).loaded == 1
    assert analysed() == "6"
    assert db.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'comments'").fetchone()[0] > 0


def test_touching_a_file_reloads_nothing(db, archive):
    load_paths(db, ["raw"])
    target = archive / "000_a04ef07ac41940ba.txt"
    target.write_bytes(target.read_bytes())
    assert load_paths(db, ["raw"]).loaded == 0


def test_changed_file_replaces_exactly_its_rows(db, archive):
    load_paths(db, ["raw"])
    before = snapshot(db)
    add_a_comment(archive)
    report = load_paths(db, ["raw"])
    assert (report.loaded, report.unchanged) == (1, 4)
    after = snapshot(db)
    source_id = file_id("raw", "003_92b3ed089a46f2e7.txt")
    assert [c for c in after["comments"] if c["post_id"] != source_id] == \
        [c for c in before["comments"] if c["post_id"] != source_id]
    mine = [c for c in after["comments"] if c["post_id"] == source_id]
    assert len(mine) == 40 and {c["body"] for c in mine} >= {"One more comment at the end."}
    # The comments that were there keep their ids.
    assert {(c["id"], c["path"]) for c in before["comments"] if c["post_id"] == source_id} < \
        {(c["id"], c["path"]) for c in mine}


def test_removed_file_loses_its_rows_unless_kept(db, archive):
    load_paths(db, ["raw"])
    (archive / "001_1f9ec539c5090330.txt").unlink()
    assert load_paths(db, ["raw"], keep_missing=True).removed == 0
    assert db["posts"].count == 5
    assert load_paths(db, ["raw"]).removed == 1
    assert counts(db) == {"sources": 4, "posts": 4, "comments": 137, "parse_issues": 0}
    fresh = open_database(archive.parent / "fresh.db")
    load_paths(fresh, ["raw"])
    assert snapshot(db) == snapshot(fresh)
    assert "2014-12-09" not in {row["date"] for row in db["dates"].rows}


def test_loading_one_file_leaves_the_others(db, archive):
    load_paths(db, ["raw"])
    report = load_paths(db, ["raw/000_a04ef07ac41940ba.txt"])
    assert (report.unchanged, report.removed, db["posts"].count) == (1, 0, 5)


def test_ids_are_the_same_whatever_else_is_loaded(tmp_path, archive):
    one = open_database(tmp_path / "one.db")
    load_paths(one, ["raw/002_8a5aa0765c243ef5.txt"])
    everything = open_database(tmp_path / "all.db")
    load_paths(everything, ["raw"])
    query = "SELECT id, parent_id, path FROM comments WHERE post_id = ? ORDER BY id"
    post_id = file_id("raw", "002_8a5aa0765c243ef5.txt")
    assert list(one.query(query, [post_id])) == list(everything.query(query, [post_id]))
    assert len(list(one.query(query, [post_id]))) == 55


def test_a_files_rows_are_numbered_within_its_block(db, archive):
    load_paths(db, ["raw"])
    block = 1 << rows.LOCAL_BITS
    for source in db.query("SELECT s.id, a.name, s.path FROM sources s JOIN archives a ON a.id = s.archive_id"):
        assert source["id"] == file_id(source["name"], source["path"]) and source["id"] % block == 0
        for table, key in (("comments", "post_id"), ("date_mentions", "post_id"), ("parse_issues", "source_id")):
            ids = [row["id"] for row in db.query(f"SELECT id FROM {table} WHERE {key} = ?", [source["id"]])]
            assert all(source["id"] <= i < source["id"] + block for i in ids), table
    assert db.execute("SELECT count(*) FROM date_mentions").fetchone()[0] > 0


def test_files_whose_ids_collide_take_the_next_free_ones(db, archive, monkeypatch):
    monkeypatch.setattr(rows, "_hash", lambda *parts: 7)  # every path, every comment: the same id
    report = load_paths(db, ["raw"])
    assert (report.loaded, report.failed) == (5, [])
    block = 1 << rows.LOCAL_BITS
    ids = [row["id"] for row in db.query("SELECT id FROM sources ORDER BY path")]
    assert ids == [(7 + k) * block for k in range(5)]
    assert counts(db) == {"sources": 5, "posts": 5, "comments": 160, "parse_issues": 0}
    assert check_database(db) == []
    # A changed file keeps the id it was given, and a new one takes a free one.
    add_a_comment(archive)
    add_a_new_file(archive, "new.txt")
    assert load_paths(db, ["raw"]).loaded == 2
    assert [row["id"] for row in db.query("SELECT id FROM sources ORDER BY path")] == ids + [12 * block]
    assert check_database(db) == []


def test_a_file_too_large_for_its_block_is_refused_and_the_rest_load(tmp_path, archive, monkeypatch):
    whole = open_database(tmp_path / "whole.db")
    load_paths(whole, ["raw"])
    sizes = {row["path"]: row for row in whole.query(
        """SELECT s.path, (SELECT count(*) FROM comments WHERE post_id = s.id) AS comments,
                  (SELECT count(*) FROM date_mentions WHERE post_id = s.id) AS mentions FROM sources s""")}
    monkeypatch.setattr(rows, "LOCAL_BITS", 6)  # a file may give a table 32 rows
    db = open_database(tmp_path / "small.db")
    report = load_paths(db, ["raw"])
    too_large = {path for path, size in sizes.items() if max(size["comments"], size["mentions"]) > 32}
    assert too_large and too_large != set(sizes)
    assert {r.path for r in report.failed} == {f"raw/{path}" for path in too_large}
    for result in report.failed:
        [issue] = result.issues
        size = sizes[result.path.removeprefix("raw/")]
        assert issue.kind == "too-large" and "one post may give a table at most 32 rows" in issue.message
        assert f"{size['comments']} comments" in issue.message or size["comments"] <= 32
    loaded = {row["path"]: row["comments"] for row in db.query(
        "SELECT s.path, count(c.id) AS comments FROM sources s JOIN posts p ON p.source_id = s.id "
        "LEFT JOIN comments c ON c.post_id = p.id GROUP BY s.path")}
    assert loaded == {path: size["comments"] for path, size in sizes.items() if path not in too_large}
    assert check_database(db) == []


def test_a_bad_file_is_recorded_and_the_rest_load(db, archive):
    (archive / "empty.txt").write_bytes(b"")
    report = load_paths(db, ["raw"])
    assert report.loaded == 5
    assert [(r.path, [(i.line, i.message) for i in r.issues]) for r in report.failed] == [
        ("raw/empty.txt", [(1, "file is empty")])]
    assert list(db.query("SELECT s.path, i.line, i.kind, i.severity FROM parse_issues i "
                         "JOIN sources s ON s.id = i.source_id")) == [
        {"path": "empty.txt", "line": 1, "kind": "empty", "severity": "error"}]


def test_foreign_keys_hold(db, archive):
    load_paths(db, ["raw"])
    assert list(db.query("PRAGMA foreign_key_check")) == []
    assert list(db.query("SELECT * FROM replies WHERE parent_path != substr(reply_path, 1, "
                         "instr(reply_path, '.') - 1)")) == []
    assert db["replies"].count == 160 - db["comments"].count_where("parent_id IS NULL")


def test_a_database_of_another_schema_version_is_refused(tmp_path):
    path = tmp_path / "old.db"
    old = open_database(path)
    old.execute("PRAGMA user_version = 99")
    old.close()
    with pytest.raises(SchemaMismatch, match="made by a newer version"):
        open_database(path)


def search(db, table, word):
    return [row["rowid"] for row in db.query(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?", [word])]


def test_search_follows_every_load(db, archive):
    load_paths(db, ["raw"])
    assert len(search(db, "comments", "gallows")) == 1
    target = archive / "000_a04ef07ac41940ba.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("gallows", "scaffold"), encoding="utf-8")
    load_paths(db, ["raw"])
    assert search(db, "comments", "gallows") == []
    assert len(search(db, "comments", "scaffold")) == 1
    assert len(search(db, "posts", "Grayling")) == 2
    (archive / "001_1f9ec539c5090330.txt").unlink()
    load_paths(db, ["raw"])
    assert len(search(db, "posts", "Grayling")) == 1
    fresh = open_database(archive.parent / "fresh.db")
    load_paths(fresh, ["raw"])
    for table in ("posts", "comments"):
        for word in ("strike", "Napo", "scaffold", "probation"):
            assert sorted(search(db, table, word)) == sorted(search(fresh, table, word))
    assert check_database(db) == []


def test_search_indexes_are_built_merged(db, archive, monkeypatch):
    # Little text pending: the build writes many segments, to be merged into one.
    monkeypatch.setattr(finish, "FTS_PENDING_BYTES", 4096)
    load_paths(db, ["raw"])
    for table in ("posts", "comments"):
        config = dict(db.execute(f"SELECT k, v FROM {table}_fts_config").fetchall())
        assert config["hashsize"] == 4096
        # Built unmerged, then left to merge as FTS5 does by default.
        assert {k: config[k] for k in finish.FTS_KEPT} == {"automerge": 4, "crisismerge": 16}
        assert db.execute(f"SELECT count(DISTINCT segid) FROM {table}_fts_idx").fetchone()[0] == 1
    assert len(search(db, "comments", "gallows")) == 1


def test_a_reload_reaches_the_search_index_in_a_few_statements(db, archive):
    load_paths(db, ["raw"])
    for table in ("posts", "comments"):
        # Segments kept apart, as while building, so that each write shows.
        finish.configure_fts(db, f"{table}_fts", finish.FTS_BUILDING)

    def segments():
        return db.execute("SELECT count(DISTINCT segid) FROM comments_fts_idx").fetchone()[0]

    before = segments()
    add_a_comment(archive)  # two files, of 40 and 17 comments, are replaced
    target = archive / "000_a04ef07ac41940ba.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("gallows", "scaffold"), encoding="utf-8")
    assert load_paths(db, ["raw"]).loaded == 2
    # One for the replies deleted, one for the rest deleted with their files, one
    # for the rows inserted; row by row it would be about a hundred.
    assert segments() - before == 3
    assert len(search(db, "comments", "more")) >= 1
    assert check_database(db) == []


def test_a_first_load_writes_with_a_rollback_journal_and_leaves_wal(db, archive, monkeypatch):
    modes = []
    save_batch = write.save_batch

    def watched(db, batch, replace=True):
        modes.append(db.execute("PRAGMA journal_mode").fetchone()[0])
        save_batch(db, batch, replace)

    monkeypatch.setattr(write, "BATCH_FILES", 2)
    monkeypatch.setattr(write, "save_batch", watched)
    load_paths(db, ["raw"])
    assert modes == ["truncate"] * 3
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    add_a_comment(archive)
    load_paths(db, ["raw"])
    assert modes == ["truncate"] * 3 + ["wal"]
    assert check_database(db) == []


def test_row_columns_follow_the_schema(db):
    from pipeline.store.rows import COLUMNS
    for table, columns in COLUMNS.items():
        assert columns == tuple(db[table].columns_dict), table


def test_a_file_named_twice_loads_once(db, archive):
    report = load_paths(db, ["raw/000_a04ef07ac41940ba.txt", "raw", "./raw/000_a04ef07ac41940ba.txt"])
    assert (report.loaded, db["posts"].count) == (5, 5)


def test_every_file_named_is_given_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("top/a.txt", "top/sub/b.txt", "top/.hid/c.txt", "top/.d.txt", "top/sub/deeper/e.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")

    def named(*paths):
        return [shown for _, shown in iter_named([str((tmp_path / p).resolve()) for p in paths])]

    walked = ["top/a.txt", "top/sub/b.txt", "top/sub/deeper/e.txt"]
    assert named("top") == walked
    assert named("top/sub", "top", "top/sub/deeper") == ["top/sub/b.txt", "top/sub/deeper/e.txt", "top/a.txt"]
    assert named("top", "top/sub", "top/a.txt", "top/.d.txt", "top/.hid") == \
        walked + ["top/.d.txt", "top/.hid/c.txt"]
    assert named("top/a.txt", "top", "top/a.txt") == ["top/a.txt", "top/sub/b.txt", "top/sub/deeper/e.txt"]
    # Shown relative to the working directory where they are below it, else absolute.
    monkeypatch.chdir(tmp_path / "top" / "sub")
    assert named("top") == [(tmp_path / "top" / "a.txt").resolve().as_posix(), "b.txt", "deeper/e.txt"]
    # The database and its journals are never read as input.
    files = [file for file, _ in iter_named([str(tmp_path / "top")], {str(tmp_path / "top" / "a.txt")})]
    assert [os.path.basename(f) for f in files] == ["b.txt", "e.txt"]


def test_only_files_really_gone_are_removed(db, archive):
    hidden = archive / ".drafts"
    hidden.mkdir()
    shutil.move(archive / "004_f41891cd9d906480.txt", hidden / "004.txt")
    add_a_new_file(archive, ".005.txt")
    assert load_paths(db, ["raw", "raw/.drafts", "raw/.005.txt"]).loaded == 6
    # Named or not, files that are still there stay.
    assert load_paths(db, ["raw/.drafts", "raw", "raw/.005.txt"]).removed == 0
    assert load_paths(db, ["raw"]).removed == 0
    assert db["posts"].count == 6
    (hidden / "004.txt").unlink()
    assert load_paths(db, ["raw"]).removed == 1
    (archive / "001_1f9ec539c5090330.txt").unlink()
    assert load_paths(db, ["raw/002_8a5aa0765c243ef5.txt"]).removed == 0  # a file named alone removes nothing
    assert load_paths(db, ["raw"]).removed == 1
    assert [row["path"] for row in db.query("SELECT path FROM sources ORDER BY path")] == [
        ".005.txt", "000_a04ef07ac41940ba.txt", "002_8a5aa0765c243ef5.txt", "003_92b3ed089a46f2e7.txt"]


def test_what_is_gone_is_told_in_any_tree_of_folders(tmp_path, monkeypatch):
    # More folders than the listings kept at once, sub-folders whose files sort among
    # their parent's, a folder gone whole, a file turned into a broken link.
    monkeypatch.chdir(tmp_path)
    rng = random.Random(3)
    files = [f"d{k}/{name}" for k in range(12) for name in ("a.txt", "b/c.txt", "b/d.txt", "c.txt", "e/f/g.txt")]
    for path in files:
        (tmp_path / "raw" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "raw" / path).write_text(f"Title {path}\n\nThe body of {path}.\n", encoding="utf-8")
    db = open_database(tmp_path / "blog.db")
    assert load_paths(db, ["raw"]).loaded == len(files)
    gone = set(rng.sample(files, 15))
    for path in gone:
        (tmp_path / "raw" / path).unlink()
    link = next(path for path in files if path not in gone)
    (tmp_path / "raw" / link).unlink()
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "raw" / link)  # there, though it leads nowhere
    shutil.rmtree(tmp_path / "raw" / "d11")
    gone |= {path for path in files if path.startswith("d11/")}
    report = load_paths(db, ["raw"])
    assert report.removed == len(gone)
    assert {row["path"] for row in db.query("SELECT path FROM sources")} == set(files) - gone


def test_a_search_index_left_half_made_is_made_again(db, archive):
    # An index whose triggers are gone can have missed rows: it is made again.
    load_paths(db, ["raw"])
    db.execute("INSERT INTO comments_fts(comments_fts) VALUES ('delete-all')")
    db.execute("DROP TRIGGER comments_ai")
    db.execute("UPDATE pipeline_state SET value = '0' WHERE key = 'finished'")
    assert search(db, "comments", "gallows") == []
    load_paths(db, ["raw"])
    assert len(search(db, "comments", "gallows")) == 1
    assert check_database(db) == []


def test_commits_double_what_is_committed(tmp_path, monkeypatch):
    # One file per batch and a first commit after the first file: with the load's
    # rule, 64 files of like sizes take about log2(64) commits, not 64.
    from pipeline.tools.synth import ArchiveShape, sentences_from, write_archive

    stock = sentences_from(p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt")))
    write_archive(tmp_path / "raw", stock, ArchiveShape(files=64, top_level=(3, 3), odd_share=0), seed=3)
    monkeypatch.chdir(tmp_path)
    reference = open_database("reference.db")
    load_paths(reference, ["raw"], workers=1)

    monkeypatch.setattr(write, "BATCH_FILES", 1)
    monkeypatch.setattr(write, "FIRST_COMMIT_BYTES", 1)
    monkeypatch.setattr(write, "COMMIT_SECONDS", float("inf"))
    db = open_database("batched.db")
    commits = []
    db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    load_paths(db, ["raw"], workers=1)
    db.conn.set_trace_callback(None)
    # The load's own commits, and a few more from the finishing work.
    assert 5 <= len(commits) <= 16, len(commits)
    assert snapshot(db) == snapshot(reference)
    assert check_database(db) == []


def refuse_below(monkeypatch, folder):
    """Make ``folder`` and what is below it unreadable, as ``chmod 000`` does for a
    user who is not root (tests may run as root, whom permissions do not stop)."""
    folder = str(folder)

    def refusing(real, itself):
        def call(path=".", *args, **kwargs):
            path_text = os.fspath(path)
            if path_text.startswith(folder + os.sep) or (itself and path_text == folder):
                raise PermissionError(13, "Permission denied", path_text)
            return real(path, *args, **kwargs)
        return call

    # The folder cannot be listed, nor anything in it looked at; the folder itself can.
    for name, itself in (("scandir", True), ("listdir", True), ("lstat", False), ("stat", False)):
        monkeypatch.setattr(os, name, refusing(getattr(os, name), itself))


def test_a_folder_that_cannot_be_read_is_an_error_and_the_rows_of_its_files_stay(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from pipeline.cli import cli

    samples = sorted(RAW.glob("*.txt"))
    (tmp_path / "raw" / "locked").mkdir(parents=True)
    shutil.copy(samples[0], tmp_path / "raw")
    shutil.copy(samples[1], tmp_path / "raw" / "locked")
    monkeypatch.chdir(tmp_path)
    first = CliRunner().invoke(cli, ["load", "raw", "--db", "blog.db"])
    assert first.exit_code == 0, first.output
    db = open_database(tmp_path / "blog.db")
    before = snapshot(db)
    db.close()
    refuse_below(monkeypatch, tmp_path / "raw" / "locked")
    for args in (["load", "raw", "--db", "blog.db"], ["load", "raw", "--db", "new.db"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "raw/locked:1: cannot read folder: Permission denied; the files in it are left as they were loaded" \
            in result.stderr
        assert "Traceback" not in result.output
    # Nothing of it is taken for gone; the readable file loaded into the new database.
    db = open_database(tmp_path / "blog.db")
    assert snapshot(db) == before
    assert open_database(tmp_path / "new.db").execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_a_file_that_cannot_be_looked_at_is_not_taken_for_gone(archive, monkeypatch):
    db = open_database(archive.parent / "blog.db")
    load_paths(db, [archive])
    before = snapshot(db)
    # The folder's listing fails, and so does every look at the files in it.
    refuse_below(monkeypatch, archive)
    report = load_paths(db, [archive])
    assert report.removed == 0 and snapshot(db) == before


def test_a_file_whose_name_is_not_utf8_is_an_error_and_the_rest_load(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from pipeline.cli import cli

    samples = sorted(RAW.glob("*.txt"))
    (tmp_path / "raw").mkdir()
    shutil.copy(samples[0], tmp_path / "raw")
    # A name in Latin-1, as an old archive or another system may give one.
    with open(os.path.join(os.fsencode(tmp_path / "raw"), b"caf\xe9.txt"), "wb") as f:
        f.write(samples[1].read_bytes())
    monkeypatch.chdir(tmp_path)
    for args in (["load", "raw", "--db", "blog.db"], ["load", "raw", os.fsdecode(b"raw/caf\xe9.txt"), "--db", "b.db"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert ("raw/caf\ufffd.txt:1: the file name is not UTF-8, as the database records names: rename the file "
                "to load it") in result.stderr
        assert "Traceback" not in result.output
        db = open_database(tmp_path / args[-1])
        assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_a_pipe_or_a_device_in_a_folder_is_refused_at_once_and_the_rest_load(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from pipeline.cli import cli

    (tmp_path / "raw").mkdir()
    shutil.copy(sorted(RAW.glob("*.txt"))[0], tmp_path / "raw")
    os.mkfifo(tmp_path / "raw" / "pipe.txt")  # reading it would wait for a writer for ever
    os.symlink("/dev/zero", tmp_path / "raw" / "zeros.txt")  # reading it would never end
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["load", "raw", "--db", "blog.db"])
    assert result.exit_code == 1, result.output
    for name in ("pipe.txt", "zeros.txt"):
        assert f"raw/{name}:1: cannot read file: not a regular file (a pipe, a device or a socket)" in result.stderr
    db = open_database(tmp_path / "blog.db")
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 1
    for name in ("pipe.txt", "zeros.txt"):
        parsed = CliRunner().invoke(cli, ["parse", f"raw/{name}"])
        assert parsed.exit_code == 1 and "not a regular file" in parsed.stderr, parsed.output


def test_a_file_replaced_by_a_folder_is_gone_and_the_folder_s_files_are_read(archive):
    db = open_database(archive.parent / "blog.db")
    load_paths(db, [archive])
    first = sorted(archive.iterdir())[0]
    data = first.read_bytes()
    first.unlink()
    first.mkdir()
    (first / "inside.txt").write_bytes(data)
    report = load_paths(db, [archive])
    assert (report.removed, report.moved) in ((1, 0), (0, 1))  # gone, or moved into the folder (the same bytes)
    paths = {row[0] for row in db.execute("SELECT path FROM sources")}
    assert first.name not in paths and f"{first.name}/inside.txt" in paths
    assert check_database(db) == []


def test_the_folder_a_browser_saves_beside_a_page_is_left_out(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from pipeline.cli import cli

    # "Save as... complete": Post.html and Post_files/ with the page's scripts and styles.
    page = (RAW.parent / "tests" / "data" / "blogger" / "threaded-en.html")
    (tmp_path / "saved" / "Post_files").mkdir(parents=True)
    shutil.copy(page, tmp_path / "saved" / "Post.html")
    (tmp_path / "saved" / "Post_files" / "widgets.js").write_text("(function(){var a=window;})();\n")
    (tmp_path / "saved" / "Post_files" / "css_bundle_v2.css").write_text(".comments{color:red}\n")
    # A folder so named with no page beside it is read as any other.
    (tmp_path / "saved" / "notes_files").mkdir()
    shutil.copy(sorted(RAW.glob("*.txt"))[0], tmp_path / "saved" / "notes_files")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["load", "saved", "--db", "blog.db"])
    assert result.exit_code == 0, result.output
    assert "(not posts, left out: 1 folder of a saved page's scripts, styles and images)" in result.stderr
    db = open_database(tmp_path / "blog.db")
    assert sorted(row[0] for row in db.execute("SELECT path FROM sources")) == [
        "Post.html", f"notes_files/{sorted(RAW.glob('*.txt'))[0].name}"]
