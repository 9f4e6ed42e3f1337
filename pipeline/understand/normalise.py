"""Stage 4: normalise the post: its title, text and date, and the dates in its text."""
from __future__ import annotations

from .dates import Mention, PostDate, header_date, infer_post_date, page_mentions
from ..read.header import WEEKDAYS, parse_date_line
from ..model import Comment, Issue, Post, Split


def normalise_post(split: Split, comments: list[Comment]) -> tuple[Post, list[Mention], list[Issue]]:
    """Build the post, date it, and find every date written in it and its comments.

    The header's date line dates the post; without one, the date is inferred from the
    text (see ``dates.infer_post_date``), or left NULL when nothing supports one.
    """
    issues: list[Issue] = []
    header = split.header
    body = "\n".join(split.body_lines)
    post_date: PostDate | None = None
    parsed = parse_date_line(header.date_line) if header.date_line else None
    if header.date_line and parsed is None:
        issues.append(Issue(1, "bad-date", f"date line {header.date_line!r} names no real day: the post is undated"))
    if parsed:
        post_date = header_date(parsed.date, header.date_line)
        if not parsed.weekday_agrees:
            actual = WEEKDAYS[parsed.date.weekday()].capitalize()
            issues.append(Issue(1, "weekday", f"date line says {parsed.weekday} but {post_date.value} is a {actual}; "
                                              "the date is kept"))
            post_date.evidence += f" (its weekday, {parsed.weekday}, disagrees: the day is a {actual})"
    elif not header.date_line:
        post_date = infer_post_date([body] + [c.body for c in comments])

    mentions = page_mentions([(None, body)] + [(c.path, c.body) for c in comments], post_date)
    post = Post(
        title=header.title,
        date_line=header.date_line,
        published=post_date.value if post_date else None,
        published_precision=post_date.precision if post_date else None,
        published_source=post_date.source if post_date else None,
        published_evidence=post_date.evidence if post_date else None,
        body=body,
        first_line=split.body_first_line,
        last_line=split.body_last_line,
    )
    return post, mentions, issues
