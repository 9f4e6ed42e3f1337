"""Stage 3: place comments in their thread: parent, depth, position and path."""
from __future__ import annotations

from ..model import Comment, Issue, RawComment


def build_thread(raw: list[RawComment]) -> tuple[list[Comment], list[Issue]]:
    """Number top-level comments and their replies in reading order.

    A reply's parent is the nearest top-level comment before it. A reply with none
    before it cannot be a reply: it is kept as a top-level comment and reported.
    ``path`` is ``3`` for the third top-level comment and ``3.2`` for its second
    reply; ``depth`` is the number of parts in the path.
    """
    comments: list[Comment] = []
    issues: list[Issue] = []
    top = 0
    replies = 0
    for seq, item in enumerate(raw, start=1):
        body = "\n".join(item.lines)
        if item.is_reply and top == 0:
            issues.append(Issue(item.first_line, "orphan-reply",
                                "reply before any top-level comment: kept as a top-level comment"))
        if item.is_reply and top:
            replies += 1
            comments.append(Comment(f"{top}.{replies}", str(top), 2, replies, seq, body,
                                    item.first_line, item.last_line))
        else:
            top += 1
            replies = 0
            comments.append(Comment(str(top), None, 1, top, seq, body, item.first_line, item.last_line))
    return comments, issues
