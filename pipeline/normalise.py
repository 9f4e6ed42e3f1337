"""Stage 4: normalise the post: its text, title and date."""
from __future__ import annotations

from .header import WEEKDAYS, parse_date_line
from .model import Issue, Post, Split


def normalise_post(split: Split) -> tuple[Post, list[Issue]]:
    """Build the post from a split file, dating it from its header line."""
    issues: list[Issue] = []
    header = split.header
    published = precision = source = None
    date = parse_date_line(header.date_line) if header.date_line else None
    if header.date_line and date is None:
        issues.append(Issue(1, "bad-date", f"date line {header.date_line!r} names no real day: the post is undated"))
    if date:
        published, precision, source = date.date.isoformat(), "day", "header"
        if not date.weekday_agrees:
            actual = WEEKDAYS[date.date.weekday()].capitalize()
            issues.append(Issue(1, "weekday", f"date line says {date.weekday} but {published} is a {actual}; "
                                              "the date is kept"))
    post = Post(
        title=header.title,
        date_line=header.date_line,
        published=published,
        published_precision=precision,
        published_source=source,
        body="\n".join(split.body_lines),
        first_line=split.body_first_line,
        last_line=split.body_last_line,
    )
    return post, issues
