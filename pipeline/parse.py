"""Parse one raw file into posts and comments, running the stages in order.

The kind of file is told from its content (``read.sniff``), and one reader reads it:

- a text dump: ``decode`` (bytes to text, whatever the encoding and line ends),
  ``split`` (header, post body and comments, the layout detected from the file),
  ``threads`` (each comment's parent, depth, position and path), ``normalise``
  (the post's title, date and text);
- a saved post page: ``page`` (the post and its comments, from the markup);
- Blogger's export or a Takeout feed: ``feed`` (every post of a blog, thread by
  thread, from a stream that never holds the whole file).

Then, for every post, the dates written in it (``understand.dates``), and who said
what to whom: signatures and references between comments (``understand.people``). ``parse_bytes``
is a pure function of a file's path and bytes, so files can be parsed in any order,
in parallel, or elsewhere; the load stage writes what it returns.
"""
from __future__ import annotations

import hashlib
from typing import BinaryIO, Iterator, Optional

from .model import Issue, ParsedFile, Thread
from .read import sniff
from .read.decode import decode_bytes
from .read.files import open_raw
from .read.feed import FeedReport, iter_threads
from .read.page import PageError, PageOfPosts, read_page
from .read.split import find_non_dump, is_table, split_lines
from .read.threads import build_thread
from .understand.blogger import normalise_thread
from .understand.normalise import normalise_post
from .understand.people import understand_people

# The version of the reading rules (readers, splitting, dates, people): raise it with
# any change that reads a file whose bytes did not change into other rows. An
# archive records the version its files were read with (``archives.reader``), and a
# load into an archive read by other rules reads all its files again.
READER_VERSION = 17

# The layout recorded for a file that could not be read as a post page at all.
NOT_READ = "none"
# The layout of a feed: a whole blog, its entries.
FEED = "feed"


def parse_bytes(path: str, data: bytes, blog_author: Optional[str] = None) -> ParsedFile:
    """Parse the bytes of one dump or saved page; never raises for bad input, it reports issues.

    A feed (Blogger's export, a Takeout feed) is recognised, not read: its
    ``format`` says which, and it has no threads (see ``parse_feed``). ``blog_author``
    is whom a dump's readers address as the blog's author, where known.
    """
    kind = sniff.sniff(data[:sniff.SNIFF_BYTES])
    if sniff.is_feed(kind):
        return _file(path, data, kind, FEED, [], [])
    if kind == sniff.TEMPLATE:
        return _left_out(path, data, "Blogger template", "a blog's template (as Takeout saves beside its feed)")
    if kind == sniff.PAGE:
        return parse_page(path, data)
    if kind == sniff.OTHER:
        return _file(path, data, kind, NOT_READ, [], [Issue(
            1, "not-a-post", "an XML document that is neither Blogger's export nor a Takeout feed", "error")])
    return parse_dump(path, data, blog_author)


def parse_dump(path: str, data: bytes, blog_author: Optional[str] = None) -> ParsedFile:
    """Parse a text dump of a post page."""
    decoded = decode_bytes(data)
    lines = decoded.lines
    issues = list(decoded.issues)
    if (not decoded.text or decoded.text.isspace()) and not any(issue.severity == "error" for issue in issues):
        issues.append(Issue(1, "empty", "file holds no text", "error"))
    elif not any(issue.severity == "error" for issue in issues):
        if is_table(decoded.text):
            return _left_out(path, data, "CSV table", "a CSV table (as Takeout saves beside a feed: settings, "
                             "followers)", encoding=decoded.encoding, line_count=len(lines))
        rejected = find_non_dump(decoded.text)
        if rejected:
            issues.append(rejected)
    parsed = _file(path, data, sniff.DUMP, NOT_READ, [], issues, encoding=decoded.encoding, line_count=len(lines))
    parsed.text = decoded.text
    if parsed.failed:
        return parsed
    split = split_lines(lines)
    issues.extend(split.issues)
    comments, thread_issues = build_thread(split.comments)
    issues.extend(thread_issues)
    post, mentions, post_issues = normalise_post(split, comments)
    issues.extend(post_issues)
    refs = understand_people(post, comments, blog_author)
    parsed.layout, parsed.placement, parsed.layout_note = split.layout, split.placement, split.layout_note
    parsed.threads = [Thread(post, comments, mentions, refs=refs)]
    parsed.issues = sorted(issues, key=lambda issue: issue.line)
    return parsed


def parse_page(path: str, data: bytes) -> ParsedFile:
    """Parse a saved post page: one post, its comments from the page's markup."""
    line_count = data.count(b"\n") + 1
    try:
        remote, markup, issues = read_page(data)
    except PageOfPosts as listing:  # its posts' own pages hold them, with their comments
        return _left_out(path, data, "page listing posts", listing.reason, line_count=line_count)
    except PageError as error:
        return _file(path, data, sniff.PAGE, NOT_READ, [], [Issue(error.line, "not-a-post", error.reason, "error")],
                     line_count=line_count)
    thread, thread_issues = understand_remote(remote)
    note = None if markup else "the page has no comments section"
    parsed = _file(path, data, sniff.PAGE, markup or "no-comments", [thread],
                   sorted(issues + thread_issues, key=lambda issue: issue.line), line_count=line_count)
    parsed.layout_note = note
    parsed.blog_id = remote.post.blog_id
    return parsed


def understand_remote(remote) -> tuple[Thread, list[Issue]]:
    """A thread of Blogger's entries (``read.blogger.RemoteThread``) understood."""
    post, comments, mentions, issues = normalise_thread(remote)
    refs = understand_people(post, comments, twelve_hour=remote.twelve_hour)
    return Thread(post, comments, mentions, remote.complete, refs), issues


def iter_feed(source: BinaryIO, report: FeedReport) -> Iterator[Thread]:
    """Every post of a feed, understood, one at a time (see ``read.feed.iter_threads``).

    Issues about single posts are added to ``report.issues``.
    """
    for remote in iter_threads(source, report):
        thread, issues = understand_remote(remote)
        report.issues.extend(issues)
        yield thread


def parse_feed(path: str, data: bytes) -> ParsedFile:
    """A whole feed read into memory: for one look at a file (``pipeline parse``)."""
    import io

    report = FeedReport(format=sniff.sniff(data[:sniff.SNIFF_BYTES]))
    threads = list(iter_feed(io.BytesIO(data), report))
    return feed_file(path, data, report, threads)


def feed_file(path: str, data: bytes | None, report: FeedReport, threads: list[Thread], *, sha256: str = "",
              size: int = 0, line_count: int = 0, has_posts: Optional[bool] = None) -> ParsedFile:
    """The parse result of a feed whose reading ``report`` describes. ``has_posts``:
    whether it holds posts, where ``threads`` are not all of them (a feed loaded in
    parts gives none here)."""
    issues = sorted(report.issues, key=lambda issue: issue.line)
    if data is not None:
        parsed = _file(path, data, report.format, FEED, threads, issues)
    else:
        parsed = ParsedFile(path, sha256, size, "utf-8", report.format, FEED, None, None, line_count, threads, issues)
    # A feed that gives no time of its own (Takeout's) has its latest entry's.
    parsed.blog_id, parsed.feed_updated = report.blog_id, report.updated or report.latest
    parsed.skipped = dict(report.skipped)
    if not (threads if has_posts is None else has_posts) and report.issues and not report.skipped:
        parsed.issues.append(Issue(1, "empty", "no post could be read from the feed", "error"))
    return parsed


def _file(path: str, data: bytes, fmt: str, layout: str, threads: list[Thread], issues: list[Issue], *,
          encoding: str = "utf-8", line_count: int | None = None) -> ParsedFile:
    return ParsedFile(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        encoding=encoding,
        format=fmt,
        layout=layout,
        placement=None,
        layout_note=None,
        line_count=data.count(b"\n") + 1 if line_count is None else line_count,
        threads=threads,
        issues=issues,
    )


def _left_out(path: str, data: bytes, what: str, description: str, **kwargs) -> ParsedFile:
    """A file known to hold no post (a Blogger template, a CSV table), neither read nor
    an error: recorded, not read (``NOT_READ``) and with no issue, and counted in
    ``skipped`` as ``what`` it is."""
    parsed = _file(path, data, sniff.OTHER, NOT_READ, [], [], **kwargs)
    parsed.layout_note = f"{description}, not a post: left out"
    parsed.skipped = {what: 1}
    return parsed


def parse_file(path: str) -> ParsedFile:
    """Read and parse one file, a feed whole. Raises OSError when it cannot be read."""
    with open_raw(path) as f:
        data = f.read()
    parsed = parse_bytes(path, data)
    if parsed.layout == FEED:
        return parse_feed(path, data)
    return parsed
