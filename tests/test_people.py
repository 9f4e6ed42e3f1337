"""Who said what to whom, in the database: signatures, authors from them, references
resolved to the comments they address, and the interactions view over them."""
import json
import random
import shutil
from pathlib import Path

from pipeline.store.audit import check_database
from pipeline.store.load import load_paths, open_database
from pipeline.tools import plant, render as r

from .conftest import RAW

LABELS = Path(__file__).resolve().parent / "labels"


def labels():
    return {p.name.replace(".json", ".txt"): json.loads(p.read_text()) for p in sorted(LABELS.glob("*.json"))}


def test_the_samples_signatures_and_resolvable_references_are_in_the_database(tmp_path):
    shutil.copytree(RAW, tmp_path / "raw")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    for name, label in labels().items():
        signed = {row["path"]: row["signature"] for row in db.query(
            """SELECT c.path, c.signature FROM comments c JOIN posts p ON p.id = c.post_id
               JOIN sources s ON s.id = p.source_id WHERE s.path = ?""", [name])}
        for path, comment in label["comments"].items():
            if comment["signature"]:
                assert signed[path] == comment["signature"], (name, path)
            for ref in comment["refs"]:
                if not ref["resolvable_from_text"] or ref["target_post"]:
                    continue
                rows = list(db.query(
                    """SELECT t.path AS target FROM comment_refs r JOIN comments c ON c.id = r.comment_id
                       JOIN posts p ON p.id = r.post_id JOIN sources s ON s.id = p.source_id
                       LEFT JOIN comments t ON t.id = r.target_comment_id
                       WHERE s.path = ? AND c.path = ? AND r.text LIKE ?""", [name, path, f"%{ref['target']}%"]))
                assert rows and rows[0]["target"] == ref["target_path"], (name, path, ref["text"])
    # A name signed is an author of kind signature; "Anon" is no one.
    kinds = {row["name"]: row["kind"] for row in db.query("SELECT name, kind FROM authors")}
    assert set(kinds.values()) == {"signature"}
    assert not {"Anon", "Anonymous"} & set(kinds)
    assert db.execute("SELECT count(*) FROM comments WHERE signature LIKE 'Anon%' AND author_id IS NOT NULL"
                      ).fetchone()[0] == 0
    assert check_database(db) == []


def test_a_signature_that_recurs_across_posts_is_one_author(tmp_path):
    (tmp_path / "raw").mkdir()
    for k, sign in enumerate(("'Kestrel", "Thanks for this.\nKestrel", "Anon")):
        (tmp_path / "raw" / f"{k}.txt").write_text(
            f"Post {k}\n\nThe body of post {k}.\n\n  1. A first comment that says something.\n"
            f"  2. Another comment, signed at its end.\n    {sign}\n", encoding="utf-8")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    assert list(db.query("SELECT name, kind FROM authors")) == [{"name": "Kestrel", "kind": "signature"}]
    assert db.execute("SELECT count(DISTINCT post_id) FROM comments WHERE author_id IS NOT NULL").fetchone()[0] == 2
    assert db.execute("SELECT author_id FROM comments WHERE signature = 'Anon'").fetchone()[0] is None


def test_a_name_signed_with_a_time_is_the_same_author_and_a_name_the_thread_knows(tmp_path):
    # "Kestrel 20:43" under one comment and "Kestrel" under another are one writer:
    # one author, and "Kestrel" in a later comment is a reference to them.
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "0.txt").write_text(
        "Post 0\n\nThe body of post 0.\n\n  1. A first comment that says something.\n"
        "    Kestrel 20:43\n\n  2. I could not disagree more with what Kestrel says about it.\n",
        encoding="utf-8")
    (tmp_path / "raw" / "1.txt").write_text(
        "Post 1\n\nThe body of post 1.\n\n  1. Another comment, signed at its end.\n    Kestrel\n",
        encoding="utf-8")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    assert list(db.query("SELECT name, kind FROM authors")) == [{"name": "Kestrel", "kind": "signature"}]
    assert db.execute("SELECT count(*) FROM comments WHERE author_id IS NOT NULL").fetchone()[0] == 2
    assert list(db.query(
        """SELECT r.text, t.path AS target, r.method FROM comment_refs r JOIN comments c ON c.id = r.comment_id
           JOIN comments t ON t.id = r.target_comment_id WHERE c.path = '2'""")) == [
        {"text": "Kestrel", "target": "1", "method": "signature"}]


def test_time_references_resolve_where_the_blog_shows_times(tmp_path):
    # Threads of known structure with references planted: in an export, where every
    # comment's shown time is known, time references resolve to the comment at that
    # minute, and none to a wrong one where two comments share it.
    rng = random.Random(2)
    (tmp_path / "raw").mkdir()
    truth = {}
    for k in range(6):
        blog, posts = r.draw_blog(rng, r.BlogShape(posts=(3, 3), top_level=(6, 14), draft_share=0.0,
                                                   removed_share=0.0))
        planted = []
        for post in posts:
            post, found = plant.plant_blog(blog, post, rng)
            planted.append(post)
            truth[post.id] = found
        (tmp_path / "raw" / f"blog-{k}.xml").write_bytes(r.render_export(blog, planted))
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    resolved = wrong = expected = 0
    for post_id, found in truth.items():
        bodies = {row["path"]: row["body"] for row in db.query(
            "SELECT c.path, c.body FROM comments c JOIN posts p ON p.id = c.post_id WHERE p.remote_id = ?",
            [post_id])}
        got = {(row["path"], row["start"]): row["target"] for row in db.query(
            """SELECT c.path, r.start, t.path AS target FROM comment_refs r JOIN comments c ON c.id = r.comment_id
               JOIN posts p ON p.id = r.post_id LEFT JOIN comments t ON t.id = r.target_comment_id
               WHERE p.remote_id = ? AND r.kind = 'time'""", [post_id])}
        for ref in found.refs:
            if ref.kind != "time":
                continue
            start, _ = ref.locate(bodies[ref.path])
            target = got.get((ref.path, start), "missing")
            if ref.expect == "target":
                expected += 1
                resolved += target == ref.target_path
                wrong += target not in (ref.target_path, None, "missing")
            else:  # two comments fit: left unresolved, unless the name written with it tells them apart
                wrong += target not in (ref.target_path, None, "missing")
    assert expected > 50
    assert wrong == 0
    assert resolved >= 0.9 * expected


def test_a_changed_comment_has_its_references_found_again(tmp_path):
    shutil.copytree(RAW, tmp_path / "raw")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    before = list(db.query("SELECT * FROM comment_refs ORDER BY id"))
    assert load_paths(db, [tmp_path / "raw"]).loaded == 0
    assert list(db.query("SELECT * FROM comment_refs ORDER BY id")) == before
    target = tmp_path / "raw" / "003_92b3ed089a46f2e7.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("@Anon 9:19", "@Anon 9:27"), encoding="utf-8")
    load_paths(db, [tmp_path / "raw"])
    texts = {row["text"] for row in db.query("SELECT text FROM comment_refs")}
    assert "@Anon 9:27" in texts and "@Anon 9:19" not in texts
    assert check_database(db) == []


def test_interactions_join_replies_and_references(tmp_path):
    shutil.copytree(RAW, tmp_path / "raw")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    by_reply = db.execute("SELECT count(*) FROM interactions WHERE via = 'reply'").fetchone()[0]
    assert by_reply == db.execute("SELECT count(*) FROM comments WHERE parent_id IS NOT NULL").fetchone()[0]
    by_ref = db.execute("SELECT count(*) FROM interactions WHERE via != 'reply'").fetchone()[0]
    assert by_ref == db.execute("SELECT count(*) FROM comment_refs WHERE target_comment_id IS NOT NULL "
                                "OR target_post = 1").fetchone()[0] > 0


def test_the_blog_s_author_by_name_is_the_post_once_the_archive_says_who_it_is(tmp_path):
    shutil.copytree(RAW, tmp_path / "raw")
    db = open_database(tmp_path / "blog.db")
    load_paths(db, [tmp_path / "raw"])
    addressed = [(name, path, ref["text"]) for name, label in labels().items()
                 for path, comment in label["comments"].items() for ref in comment["refs"]
                 if ref["target_post"] and ref["resolvable_from_text"]]
    assert addressed

    def posts_addressed():
        return {(row["path"], row["comment"]) for row in db.query(
            """SELECT s.path, c.path AS comment FROM comment_refs r JOIN comments c ON c.id = r.comment_id
               JOIN posts p ON p.id = r.post_id JOIN sources s ON s.id = p.source_id
               WHERE r.target_post = 1 AND r.method = 'blog-author'""")}

    assert posts_addressed() == set()
    report = load_paths(db, [tmp_path / "raw"], blog_author="Jim Brown")
    assert report.loaded == 5  # read again: what their references point at changed
    assert {(name, path) for name, path, _ in addressed} <= posts_addressed()
    assert db.execute("SELECT blog_author FROM archives").fetchone()[0] == "Jim Brown"
    assert load_paths(db, [tmp_path / "raw"]).loaded == 0  # kept: not given again
    assert check_database(db) == []


def test_the_demo_blog_loads_with_its_references_resolved(tmp_path):
    from pipeline.tools.demo import write_demo
    write_demo(tmp_path / "demo", seed=4, posts=4)
    db = open_database(tmp_path / "demo.db")
    assert load_paths(db, [tmp_path / "demo"]).loaded == 1
    assert db.execute("SELECT count(*) FROM comment_refs WHERE kind = 'time' AND method = 'shown-time'"
                      ).fetchone()[0] > 0
    assert check_database(db) == []
