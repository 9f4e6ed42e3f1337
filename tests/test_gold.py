"""Golden tests: each sample dump beside the result expected of it."""
import pytest

from pipeline.store.load import load_paths
from pipeline.parse import parse_file

from .conftest import RAW, comment_view, gold_files, gold_view, load_gold, norm, parsed_view, sample_path

GOLDS = [path.name for path in gold_files()]


def comparable(view, gold):
    # A header-less post has no published date in its gold file, only the bounds an
    # inferred date must fall in (tested with the dates).
    if not gold.get("published"):
        view = dict(view, published=None)
    return view


@pytest.mark.parametrize("name", GOLDS)
def test_parse_matches_gold(name):
    gold = load_gold(name)
    parsed = parse_file(str(sample_path(gold)))
    assert comparable(parsed_view(parsed), gold) == gold_view(gold)
    assert not parsed.failed


def test_every_sample_has_gold():
    assert sorted(p.name[:-4] for p in RAW.glob("*.txt")) == sorted(g[:-5] for g in GOLDS)


def test_database_matches_gold(db):
    report = load_paths(db, [RAW])
    assert report.loaded == len(GOLDS) and not report.failed
    for name in GOLDS:
        gold = load_gold(name)
        [post] = db.query(
            "SELECT posts.* FROM posts JOIN sources ON sources.id = posts.source_id WHERE sources.path = ?",
            [gold["file"]],
        )
        assert post["title"] == gold["title"]
        if gold.get("published"):
            assert post["published"] == gold["published"]
        body = norm(post["body"])
        assert (body[:60], body[-40:]) == (gold["body_first"], gold["body_last"])
        rows = list(db.query(
            """SELECT c.path, parent.path AS parent, c.body FROM comments c
               LEFT JOIN comments parent ON parent.id = c.parent_id
               WHERE c.post_id = ? ORDER BY c.seq""",
            [post["id"]],
        ))
        assert [comment_view(r["path"], r["parent"], r["body"]) for r in rows] == gold["comments"]
        [source] = db.query("SELECT layout FROM sources WHERE id = ?", [post["source_id"]])
        assert source["layout"] == gold["layout"]
