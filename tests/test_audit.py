import pytest

from pipeline.store.audit import check_database, find_lost_text, find_unspanned
from pipeline.store.load import load_paths
from pipeline.parse import parse_file

from .conftest import RAW


def kept_fields(parsed):
    post = parsed.post
    return [post.date_line, post.title, post.body] + [c.body for c in parsed.comments]


@pytest.mark.parametrize("path", sorted(RAW.glob("*.txt")), ids=lambda p: p.name[:3])
def test_samples_lose_nothing(path):
    parsed = parse_file(str(path))
    assert find_lost_text(parsed.text, kept_fields(parsed)) is None
    for comment in parsed.comments:
        assert not find_unspanned(parsed.text, comment.body, comment.first_line, comment.last_line)


def test_scaffolding_may_go_and_nothing_else():
    text = "Title\n\n  1. Delete as appropriate\n    1. ReplyDeleteReally"
    assert find_lost_text(text, ["Title", "Delete as appropriate", "Really"]) is None
    assert find_lost_text(text, ["Title", "as appropriate", "Really"]) is None  # "Delete" is a marker's shape
    lost = find_lost_text(text, ["Title", "Delete as appropriate", "Real"])
    assert (lost.line, lost.message) == (4, "text in the file is in no row: 'ly'")
    extra = find_lost_text("Title\nBody", ["Title", "Body", "more"])
    assert extra.message == "rows hold text the file does not: 'more'"
    assert find_lost_text("one two", ["two", "one"]) is not None  # order matters


def test_line_spans_are_checked():
    text = "a\nb\nc"
    assert not find_unspanned(text, "b", 2, 2)
    assert find_unspanned(text, "b", 3, 3)


def test_check_finds_what_is_wrong(db, tmp_path, monkeypatch):
    monkeypatch.chdir(RAW.parent)
    load_paths(db, ["raw"])
    assert check_database(db) == []
    db.execute("UPDATE comments SET body = replace(body, 'Grayling', 'Graying') WHERE path = '1'")
    db.execute("UPDATE comments SET depth = 3 WHERE path = '2.1'")
    db.execute("UPDATE posts SET comment_count = 0")
    problems = check_database(db)
    assert "depth does not agree with parent: 4 rows" in problems[0]
    assert "comment_count does not agree with the comments: 5 rows" in problems[1]
    assert "raw/000_a04ef07ac41940ba.txt:43: text in the file is in no row: 'lingisaministerinahurry" in problems[2]
