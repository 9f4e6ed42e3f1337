from pipeline.model import RawComment
from pipeline.read.threads import build_thread


def raw(is_reply, text, line):
    return RawComment(is_reply, [text], line, line)


def test_replies_belong_to_the_nearest_top_level_comment_before_them():
    comments, issues = build_thread([
        raw(False, "a", 1), raw(True, "a1", 2), raw(True, "a2", 3), raw(False, "b", 4), raw(True, "b1", 5),
    ])
    assert [(c.path, c.parent_path, c.depth, c.position, c.seq, c.body) for c in comments] == [
        ("1", None, 1, 1, 1, "a"),
        ("1.1", "1", 2, 1, 2, "a1"),
        ("1.2", "1", 2, 2, 3, "a2"),
        ("2", None, 1, 2, 4, "b"),
        ("2.1", "2", 2, 1, 5, "b1"),
    ]
    assert issues == []


def test_a_reply_with_no_parent_becomes_top_level_and_is_reported():
    comments, issues = build_thread([raw(True, "orphan", 7), raw(False, "b", 8)])
    assert [(c.path, c.parent_path) for c in comments] == [("1", None), ("2", None)]
    assert [(i.line, i.kind) for i in issues] == [(7, "orphan-reply")]
