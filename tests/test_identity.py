"""One archive is one archive: a file is known by its archive and its path in it,
however the path is spelled, wherever the command runs and wherever the folder moves."""
import os
import shutil

import pytest

from pipeline.store.archives import ArchiveError
from pipeline.store.audit import check_database
from pipeline.store.load import load_paths, open_database

from .conftest import RAW

TABLES = ("posts", "comments", "date_mentions", "parse_issues")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """tmp_path/project/raw holding the samples; the working directory is tmp_path/project."""
    project = tmp_path / "project"
    shutil.copytree(RAW, project / "raw")
    monkeypatch.chdir(project)
    return project


def rows(db):
    """Every row of the tables a file gives, with its id."""
    return {table: sorted(tuple(row.values()) for row in db.query(f"SELECT * FROM {table}")) for table in TABLES}


def sources(db):
    return sorted(tuple(row.values()) for row in db.query(
        "SELECT s.id, a.name, s.path, s.held_by FROM sources s JOIN archives a ON a.id = s.archive_id"))


def test_the_same_folder_however_it_is_named_is_the_same_archive(home, tmp_path, monkeypatch):
    db = open_database(tmp_path / "blog.db")
    assert load_paths(db, ["raw"]).loaded == 5
    before, files = rows(db), sources(db)

    def again(*paths, cwd=home):
        monkeypatch.chdir(cwd)
        report = load_paths(db, paths)
        assert (report.loaded, report.held, report.removed) == (0, 0, 0), paths
        assert rows(db) == before and sources(db) == files

    again(str(home / "raw"), cwd="/")
    again("project/raw", cwd=tmp_path)
    again(".", cwd=home / "raw")
    again("../raw/", cwd=home / "raw")
    os.symlink(home / "raw", tmp_path / "link")
    again(str(tmp_path / "link"), cwd="/")
    again("raw/003_92b3ed089a46f2e7.txt")
    again(str(home / "raw" / "003_92b3ed089a46f2e7.txt"), cwd="/")
    assert db["archives"].count == 1
    assert check_database(db) == []


def test_a_moved_archive_is_followed_not_loaded_again(home, tmp_path, monkeypatch):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"])
    before, files = rows(db), sources(db)
    moved = tmp_path / "new-disk" / "blog-pages"
    moved.parent.mkdir()
    shutil.move(home / "raw", moved)
    monkeypatch.chdir("/")
    report = load_paths(db, [str(moved)])
    assert (report.loaded, report.unchanged, report.removed, report.held) == (0, 5, 0, 0)
    assert rows(db) == before and sources(db) == files
    [archive] = db.query("SELECT name, root FROM archives")
    assert archive == {"name": "raw", "root": str(moved)}
    # A file named alone from a moved archive is recognised too.
    again = tmp_path / "third"
    shutil.move(moved, again)
    report = load_paths(db, [str(again / "000_a04ef07ac41940ba.txt")])
    assert (report.loaded, report.unchanged, report.held) == (0, 1, 0)
    assert rows(db) == before and sources(db) == files
    assert check_database(db) == []


def test_a_copied_folder_is_copies_and_the_original_keeps_its_posts(home, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"])
    before = rows(db)
    shutil.copytree(home / "raw", home / "backup")
    report = load_paths(db, ["backup"])
    assert (report.loaded, report.held) == (0, 5)
    assert rows(db) == before
    assert [row["name"] for row in db.query("SELECT name FROM archives ORDER BY id")] == ["raw", "backup"]
    assert db["sources"].count_where("held_by IS NOT NULL") == 5
    assert check_database(db) == []


def test_folders_whose_files_share_names_are_different_posts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for year, title in (("2014", "A first post"), ("2015", "Another post")):
        folder = tmp_path / year / "raw"
        folder.mkdir(parents=True)
        (folder / "post.txt").write_text(f"{title}\n\nThe body of {title.lower()}.\n\n  1. A comment.\n")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["2014/raw"])
    load_paths(db, ["2015/raw"])
    assert sorted(row["title"] for row in db.query("SELECT title FROM posts")) == ["A first post", "Another post"]
    assert [row["name"] for row in db.query("SELECT name FROM archives ORDER BY id")] == ["raw", "raw-2"]
    # Loaded again, each from its own folder and from the other's side: nothing changes.
    for path in ("2015/raw", "2014/raw/post.txt", "2015/raw/post.txt"):
        assert load_paths(db, [path]).loaded == 0
    assert db["posts"].count == 2


def test_loading_one_folder_never_removes_another_ones_files(tmp_path, monkeypatch):
    for name in ("A", "B"):
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.txt").write_text(f"Post {name}\n\nBody of {name}.\n\n  1. A comment on {name}.\n")
    (tmp_path / "A" / "A2.txt").write_text("Post A2\n\nBody of A2.\n")
    monkeypatch.chdir(tmp_path)
    db = open_database(tmp_path / "blog.db")
    assert load_paths(db, ["A", "B"]).loaded == 3
    monkeypatch.chdir(tmp_path / "A")
    report = load_paths(db, ["."])
    assert (report.loaded, report.unchanged, report.removed) == (0, 2, 0)
    monkeypatch.chdir(tmp_path)
    report = load_paths(db, ["."])  # the folder that holds both: their files stay theirs
    assert (report.loaded, report.unchanged, report.removed, report.held) == (0, 3, 0, 0)
    assert db["posts"].count == 3
    (tmp_path / "A" / "A2.txt").unlink()
    assert load_paths(db, ["B"]).removed == 0
    assert load_paths(db, ["A"]).removed == 1
    assert sorted(row["title"] for row in db.query("SELECT title FROM posts")) == ["Post A", "Post B"]


def test_a_byte_for_byte_copy_is_one_post(home, tmp_path):
    db = open_database(tmp_path / "blog.db")
    shutil.copy(home / "raw" / "000_a04ef07ac41940ba.txt", home / "raw" / "saved-twice.txt")
    told = []
    report = load_paths(db, ["raw"], on_file=told.append)
    assert (report.loaded, report.held) == (5, 1)
    assert db["posts"].count == 5
    [copy] = [result for result in told if result.status == "held"]
    assert (copy.path, copy.note) == ("raw/saved-twice.txt", "a copy of raw/000_a04ef07ac41940ba.txt: not loaded twice")
    [row] = db.query("SELECT s.layout, o.path AS original FROM sources s JOIN sources o ON o.id = s.held_by")
    assert row == {"layout": "copy", "original": "000_a04ef07ac41940ba.txt"}
    assert load_paths(db, ["raw"]).held == 0  # recorded: not looked at again
    assert check_database(db) == []


@pytest.mark.parametrize("where", ["new folder", "same folder"])
def test_copies_added_to_a_loaded_database_are_one_post_each(home, tmp_path, where):
    """Originals and copies that arrive together, in whatever order their ids fall:
    a copy refers to its original, which may come later in the batch."""
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"])
    folder = home / "raw" if where == "same folder" else home / "later"
    folder.mkdir(exist_ok=True)
    names = ["a b", "m n", "page saved", "one two", "x y", "p q", "copy1 copy2", "c d", "k l", "first second"]
    for number, pair in enumerate(names):
        for name in pair.split():
            (folder / f"{name}.txt").write_text(f"Page {number}\n\nBody of page {number}.\n", encoding="utf-8")
    told = []
    report = load_paths(db, ["raw"] if where == "same folder" else ["later"], on_file=told.append)
    assert (report.loaded, report.held, len(report.failed)) == (len(names), len(names), 0), told
    assert db["posts"].count == 5 + len(names)
    held = [r for r in told if r.status == "held"]
    assert len(held) == len(names) and all(r.note.startswith("a copy of ") for r in held)
    assert check_database(db) == []


def test_a_copy_takes_over_when_its_original_goes_or_changes(home, tmp_path):
    raw = home / "raw"
    db = open_database(tmp_path / "blog.db")
    shutil.copy(raw / "000_a04ef07ac41940ba.txt", raw / "zz-copy.txt")
    load_paths(db, ["raw"])
    fresh_ids = rows(db)
    # The original is renamed away: the copy inherits its post, ids and all.
    (raw / "000_a04ef07ac41940ba.txt").unlink()
    report = load_paths(db, ["raw"])
    assert (report.loaded, report.removed, report.moved) == (0, 0, 1)
    assert rows(db) == fresh_ids
    assert [row["path"] for row in db.query("SELECT path FROM sources ORDER BY path")][-1] == "zz-copy.txt"
    # A copy whose original changes is read as a post of its own.
    shutil.copy(raw / "001_1f9ec539c5090330.txt", raw / "zz-second.txt")
    assert load_paths(db, ["raw"]).held == 1
    text = (raw / "001_1f9ec539c5090330.txt").read_text(encoding="utf-8")
    (raw / "001_1f9ec539c5090330.txt").write_text(text + "\n  15. One more.\n", encoding="utf-8")
    report = load_paths(db, ["raw"])
    assert report.loaded == 2
    assert db["posts"].count == 6
    assert check_database(db) == []


def test_a_file_moved_within_its_archive_keeps_its_ids(home, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"])
    before = rows(db)
    (home / "raw" / "2014").mkdir()
    shutil.move(home / "raw" / "001_1f9ec539c5090330.txt", home / "raw" / "2014" / "war-goes-on.txt")
    told = []
    report = load_paths(db, ["raw"], on_file=told.append)
    assert (report.loaded, report.held, report.removed, report.moved) == (0, 0, 0, 1)
    [renamed] = [r for r in told if r.note]
    assert (renamed.path, renamed.status, renamed.note) == (
        "raw/2014/war-goes-on.txt", "renamed", "raw/001_1f9ec539c5090330.txt, renamed or moved: its rows and ids "
        "follow it")
    assert rows(db) == before
    assert "2014/war-goes-on.txt" in {row["path"] for row in db.query("SELECT path FROM sources")}
    assert check_database(db) == []


def test_several_archives_in_one_database(home, tmp_path, monkeypatch):
    other = tmp_path / "second-blog"
    other.mkdir()
    (other / "post.txt").write_text("Thursday, 6 March 2014\n\nAnother blog\n\nIts body.\n\n  1. Its comment.\n")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"])
    load_paths(db, [str(other)], archive="second")
    archives = list(db.query("SELECT name, root, first_loaded <= last_loaded AS ordered FROM archives ORDER BY id"))
    assert archives == [{"name": "raw", "root": str(home / "raw"), "ordered": 1},
                        {"name": "second", "root": str(other), "ordered": 1}]
    assert db.execute("SELECT count(*) FROM sources s JOIN archives a ON a.id = s.archive_id "
                      "WHERE a.name = 'second'").fetchone()[0] == 1
    # Files of another folder are not the named archive's.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.txt").write_text("A post\n\nText.\n")
    with pytest.raises(ArchiveError, match="outside the folder of archive 'second'"):
        load_paths(db, [str(elsewhere)], archive="second")
    # Each archive's removals are its own.
    (other / "post.txt").unlink()
    assert load_paths(db, ["raw"]).removed == 0
    assert load_paths(db, [str(other)]).removed == 1
    assert db["posts"].count == 5


def test_an_archive_named_on_the_command_line_is_the_same_on_every_load(home, tmp_path, monkeypatch):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"], archive="on-probation")
    before, files = rows(db), sources(db)
    monkeypatch.chdir("/")
    assert load_paths(db, [str(home / "raw")]).loaded == 0  # found by its folder
    assert load_paths(db, [str(home / "raw")], archive="on-probation").loaded == 0
    assert rows(db) == before and sources(db) == files
    assert [row["name"] for row in db.query("SELECT name FROM archives")] == ["on-probation"]


def test_a_symlink_loop_is_reported_and_recorded_not_removed(home, tmp_path):
    loop = home / "raw" / "loop.txt"
    os.symlink(loop, loop)
    db = open_database(tmp_path / "blog.db")
    for _ in range(2):
        report = load_paths(db, ["raw"])
        assert report.removed == 0
        [failed] = report.failed
        assert failed.path == "raw/loop.txt" and "cannot read file" in failed.issues[0].message
        assert list(db.query("SELECT s.path, i.kind, i.severity FROM parse_issues i "
                             "JOIN sources s ON s.id = i.source_id")) == [
            {"path": "loop.txt", "kind": "unreadable", "severity": "error"}]


def test_the_database_is_never_read_as_input(home):
    db = open_database(home / "raw" / "blog.db")
    report = load_paths(db, ["raw"])
    assert (report.loaded, report.failed) == (5, [])
    report = load_paths(db, ["raw"])
    assert (report.loaded, report.unchanged, report.failed) == (0, 5, [])
    assert db["sources"].count == 5


def test_a_folder_of_one_archive_is_not_taken_into_another_by_name(home, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"])
    before = rows(db)
    (home / "raw" / "2014").mkdir()
    shutil.move(home / "raw" / "001_1f9ec539c5090330.txt", home / "raw" / "2014" / "001_1f9ec539c5090330.txt")
    load_paths(db, ["raw"])
    for path in ("raw", "raw/2014", "raw/2014/001_1f9ec539c5090330.txt"):
        with pytest.raises(ArchiveError, match="is in the folder of archive 'raw'.*--archive raw, or with no --archive"):
            load_paths(db, [path], archive="renamed")
    assert [a["name"] for a in db.query("SELECT name FROM archives")] == ["raw"]
    assert rows(db) == before
    # Nor by the name of another archive, whose folder is elsewhere.
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / "post.txt").write_text("A second blog\n\nIts own body.\n")
    load_paths(db, [str(tmp_path / "second")], archive="second")
    with pytest.raises(ArchiveError, match="is in the folder of archive 'raw'"):
        load_paths(db, ["raw/2014"], archive="second")
    # A folder of it that holds no file of it yet may be an archive of its own.
    (home / "raw" / "elsewhere").mkdir()
    (home / "raw" / "elsewhere" / "post.txt").write_text("Another blog\n\nIts body.\n")
    assert load_paths(db, ["raw/elsewhere"], archive="elsewhere").loaded == 1
    assert load_paths(db, ["raw"]).removed == 0
    assert check_database(db) == []


def test_an_archive_moved_into_another_archives_folder_is_followed(home, tmp_path):
    (home / "blogs").mkdir()
    (home / "blogs" / "post.txt").write_text("Another blog\n\nIts body.\n")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["blogs", "raw"])
    before = rows(db)
    shutil.move(home / "raw", home / "blogs" / "raw")
    problems = check_database(db)
    assert len(problems) == 5 and all("gone from disk with its archive's folder" in p and
                                      "pipeline load NEW_FOLDER --archive raw" in p for p in problems)
    report = load_paths(db, ["blogs/raw"])
    assert (report.loaded, report.held, report.removed) == (0, 0, 0)
    assert rows(db) == before
    archives = {a["name"]: a["root"] for a in db.query("SELECT name, root FROM archives")}
    assert archives == {"blogs": str(home / "blogs"), "raw": str(home / "blogs" / "raw")}
    # The folder around it leaves its files to it.
    report = load_paths(db, ["blogs"])
    assert (report.loaded, report.held, report.removed) == (0, 0, 0)
    assert rows(db) == before
    assert check_database(db) == []


def test_two_files_whose_names_were_swapped_are_two_changed_files(home, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["raw"])
    raw = home / "raw"
    a, b = raw / "003_92b3ed089a46f2e7.txt", raw / "004_f41891cd9d906480.txt"
    a.rename(raw / "swap"), b.rename(a), (raw / "swap").rename(b)
    told = []
    report = load_paths(db, ["raw"], on_file=told.append)
    # A file is known by its path: each is read again, as a changed file, and
    # neither is taken for a copy of the other.
    assert (report.loaded, report.held, report.moved, report.removed) == (2, 0, 0, 0)
    assert not [r.note for r in told if r.note]
    assert db["posts"].count == 5 and db.execute("SELECT count(*) FROM sources WHERE held_by IS NOT NULL").fetchone() == (0,)
    assert check_database(db) == []


def test_a_file_like_one_of_another_archive_whose_folder_is_gone_is_its_copy(home, tmp_path):
    """Loading the folder around a moved archive before the archive's own folder: its
    files are copies of the gone archive's, and are said to be so."""
    (home / "blogs").mkdir()
    (home / "blogs" / "post.txt").write_text("Another blog\n\nIts body.\n")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, ["blogs", "raw"])
    shutil.move(home / "raw", home / "blogs" / "raw")
    told = []
    report = load_paths(db, ["blogs"], on_file=told.append)
    assert (report.loaded, report.held, report.moved) == (0, 5, 0)
    assert all(r.status == "held" and r.note.startswith("a copy of ") for r in told if r.note)
