"""The blog's time zone (`--blog-zone`): the clock Takeout's comments showed.

Takeout gives every time in UTC; readers answer "@Anon 20:43" by the clock the blog
showed them. The files here are written by hand, after FORMATS.md's description of
Takeout's feed.atom.
"""
import random
import sqlite3

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.store.load import load_paths, open_database
from pipeline.store.schema import SCHEMA_VERSION
from pipeline.tools import render

from .conftest import as_older_schema

ATOM = "http://www.w3.org/2005/Atom"
TAKEOUT = "http://schemas.google.com/blogger/2018"
BLOG = "tag:blogger.com,1999:blog-4242"


def entry(remote_id, kind, published, content, parent=None, title=""):
    parent_xml = f"<blogger:parent>{BLOG}.post-{parent}</blogger:parent>" if parent else ""
    return f"""<entry>
  <id>{BLOG}.post-{remote_id}</id>
  <blogger:type>{kind}</blogger:type>
  <blogger:status>LIVE</blogger:status>
  {parent_xml}
  <blogger:inReplyTo></blogger:inReplyTo>
  <author><name>Anonymous</name><uri></uri><blogger:type>ANONYMOUS</blogger:type></author>
  <title>{title}</title>
  <content type="html">{content}</content>
  <blogger:created>{published}</blogger:created>
  <published>{published}</published>
  <updated>{published}</updated>
  <blogger:filename>{'/2014/%s.html' % remote_id if kind == 'POST' else ''}</blogger:filename>
  <blogger:trashed></blogger:trashed>
</entry>"""


def takeout(*entries):
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="{ATOM}" xmlns:blogger="{TAKEOUT}">\n'
            f"<id>{BLOG}</id><title>A probation blog</title>\n" + "\n".join(entries) + "\n</feed>\n")


# A summer thread (London shows UTC+1) and a winter one (UTC+0). Each answer names
# the clock the blog showed beside the comment it answers.
FEED = takeout(
    entry(100, "POST", "2014-07-10T18:00:00.000Z", "A summer post.", title="Summer"),
    entry(101, "COMMENT", "2014-07-10T19:43:00.000Z", "The office closes on Friday.", parent=100),
    entry(102, "COMMENT", "2014-07-10T19:50:00.000Z", "@Anon 20:43 are you sure of that?", parent=100),
    entry(200, "POST", "2014-01-10T18:00:00.000Z", "A winter post.", title="Winter"),
    entry(201, "COMMENT", "2014-01-10T20:43:00.000Z", "The ballot opens on Monday.", parent=200),
    entry(202, "COMMENT", "2014-01-10T20:55:00.000Z", "@Anon 20:43 not what I heard.", parent=200),
)


@pytest.fixture
def blog(tmp_path):
    folder = tmp_path / "takeout"
    folder.mkdir()
    (folder / "feed.atom").write_text(FEED, encoding="utf-8")
    return folder


def shown(db):
    return dict(db.execute("SELECT remote_id, shown_time FROM comments ORDER BY remote_id").fetchall())


def targets(db):
    """Each answer's reference: the Blogger id of the comment it resolved to, or None."""
    return dict(db.execute(
        """SELECT c.remote_id, t.remote_id FROM comment_refs r JOIN comments c ON c.id = r.comment_id
           LEFT JOIN comments t ON t.id = r.target_comment_id WHERE r.kind = 'time' ORDER BY c.remote_id""").fetchall())


def test_without_a_zone_takeout_shows_no_clock_and_a_time_reference_stays_open(blog, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [blog])
    assert set(shown(db).values()) == {None}
    assert targets(db) == {"102": None, "202": None}


def test_the_blog_s_zone_gives_the_clock_shown_and_resolves_time_references(blog, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [blog], blog_zone="Europe/London")
    assert shown(db) == {"101": "20:43", "102": "20:50", "201": "20:43", "202": "20:55"}
    assert targets(db) == {"102": "101", "202": "201"}
    # published_at stays as the file gives it.
    assert db.execute("SELECT published_at FROM comments WHERE remote_id = '101'").fetchone()[0] == \
        "2014-07-10T19:43:00.000+00:00"
    assert db.execute("SELECT blog_zone FROM archives").fetchone()[0] == "Europe/London"


def test_the_zone_is_kept_for_the_archive_and_a_new_one_reads_its_files_again(blog, tmp_path):
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [blog], blog_zone="Europe/London")
    again = load_paths(db, [blog])  # the archive's zone holds: nothing to read
    assert (again.loaded, again.unchanged) == (0, 1)
    assert targets(db) == {"102": "101", "202": "201"}
    same = load_paths(db, [blog], blog_zone="Europe/London")
    assert (same.loaded, same.unchanged) == (0, 1)
    changed = load_paths(db, [blog], blog_zone="UTC")
    assert changed.loaded == 1
    assert shown(db)["101"] == "19:43"
    # In UTC the summer answer's 20:43 is no comment's clock; the winter one's is.
    assert targets(db) == {"102": None, "202": "201"}
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 4


def test_an_export_s_own_offset_is_the_clock_whatever_the_zone(tmp_path):
    # Blogger's export writes times in the blog's offset: the zone given changes nothing.
    blog, posts = render.draw_blog(random.Random(5), render.BlogShape(posts=(2, 3)))
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "blog.xml").write_bytes(render.render_export(blog, posts))
    plain = open_database(tmp_path / "plain.db")
    load_paths(plain, [tmp_path / "export"])
    zoned = open_database(tmp_path / "zoned.db")
    load_paths(zoned, [tmp_path / "export"], blog_zone="Pacific/Auckland")
    assert shown(plain) == shown(zoned) and any(shown(plain).values())


def test_the_command_line_takes_a_zone_and_refuses_an_unknown_one(blog, tmp_path):
    runner = CliRunner()
    db_path = str(tmp_path / "blog.db")
    # A name it does not know, a region's (a folder of zones), one too long for a file name.
    for zone in ("Europe/Atlantis", "Europe", "A" * 300):
        for command in (["load", str(blog), "--db", db_path], ["parse", "--engine", "dask", str(blog), "--out",
                                                                 str(tmp_path / "shards")]):
            result = runner.invoke(cli, [*command, "--blog-zone", zone])
            assert result.exit_code == 2, result.output
            assert f"{zone!r} is not a time zone this machine knows" in result.output
            assert "Traceback" not in result.output and "internal error" not in result.output
    result = runner.invoke(cli, ["load", str(blog), "--db", db_path, "--blog-zone", "Europe/London", "-q"])
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT blog_zone FROM archives").fetchone()[0] == "Europe/London"
    result = runner.invoke(cli, ["parse", str(blog / "feed.atom"), "--blog-zone", "Europe/London"])
    assert result.exit_code == 2 and "--blog-zone needs --engine dask" in result.output


def test_a_database_of_version_6_is_upgraded_in_place(blog, tmp_path):
    db_path = tmp_path / "blog.db"
    db = open_database(db_path)
    load_paths(db, [blog])
    ids = db.execute("SELECT id FROM comments ORDER BY id").fetchall()
    db.close()
    as_older_schema(db_path, 6, without={"blog_zone", "reader"})
    # Reading it first: told how to bring it up to date.
    result = CliRunner().invoke(cli, ["check", "--db", str(db_path)])
    assert result.exit_code == 1 and "run `pipeline load` once: it upgrades the database in place" in result.output
    db = open_database(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "blog_zone" in {c.name for c in db["archives"].columns}
    report = load_paths(db, [blog])  # read by older rules: read again, once, to the same ids
    assert (report.loaded, report.unchanged) == (1, 0)
    assert db.execute("SELECT id FROM comments ORDER BY id").fetchall() == ids
    assert (load_paths(db, [blog]).loaded, load_paths(db, [blog]).unchanged) == (0, 1)
    report = load_paths(db, [blog], blog_zone="Europe/London")
    assert report.loaded == 1 and targets(db) == {"102": "101", "202": "201"}
