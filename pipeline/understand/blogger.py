"""Understanding a post from Blogger's own files: its text, its date and the dates in it.

The entries of a thread (``read.blogger``) become a post and comments like those of
a text dump, with what the dumps lost kept beside them: Blogger's ids, authors,
exact times, and which comments were removed.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from ..model import Comment, Issue, Post
from ..read.blogger import RemoteThread, build_remote_thread, instant, parse_shown_date
from ..read.html import html_to_text
from .dates import Mention, PostDate, page_mentions

# How a post's date is known, in posts.published_source.
SOURCE = "blogger"


def normalise_thread(thread: RemoteThread) -> tuple[Post, list[Comment], list[Mention], list[Issue]]:
    """The post and its comments, in thread order, and every date written in them."""
    entry = thread.post
    comments, issues = build_remote_thread(thread.comments)
    body = html_to_text(entry.content)
    post_date = _post_date(entry.published_at, entry.date_text)
    if post_date is None:
        issues.append(Issue(entry.line, "undated", f"post {entry.remote_id} has no time the file gives: undated"))
    mentions = page_mentions([(None, body)] + [(c.path, c.body) for c in comments], post_date)
    post = Post(
        title=entry.title or None,
        date_line=None,
        published=post_date.value if post_date else None,
        published_precision=post_date.precision if post_date else None,
        published_source=SOURCE if post_date else None,
        published_evidence=post_date.evidence if post_date else None,
        body=body,
        first_line=entry.line,
        last_line=entry.line,
        remote_id=entry.remote_id,
        url=entry.url,
        kind=entry.kind,
        published_at=entry.published_at,
        author=entry.author,
        labels=entry.labels,
    )
    return post, comments, mentions, issues


def _post_date(published_at: Optional[str], date_text: Optional[str]) -> Optional[PostDate]:
    """The day of the post in the time zone its file gives, from its exact time or,
    failing that, the date its page shows (date header or timestamp)."""
    moment = instant(published_at)
    if moment is not None:
        day = moment.date()
        evidence = f"published at {published_at}, as the file gives it"
    else:
        day = parse_shown_date(date_text)
        if day is None:
            return None
        evidence = f"the date the page shows, {date_text!r}"
    return PostDate(day.isoformat(), "day", SOURCE, evidence, day, day)


