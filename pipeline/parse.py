"""Parse one raw file into rows, running the stages in order.

Parsing takes place in four steps, each a module of its own:

1. ``decode``: bytes to text, whatever the encoding and line ends;
2. ``split``: header, post body and comments, the layout detected from the file;
3. ``threads``: each comment's parent, depth, position and path;
4. ``normalise``: the post's title, date and text, and the dates written in it
   (``dates``).

``parse_bytes`` is a pure function of a file's path and bytes, so files can be
parsed in any order, in parallel, or elsewhere; the load stage writes what it returns.
"""
from __future__ import annotations

import hashlib

from .read.decode import decode_bytes
from .model import Issue, ParsedFile
from .understand.normalise import normalise_post
from .read.split import find_non_dump, split_lines
from .read.threads import build_thread

# The layout recorded for a file that could not be read as a post page at all.
NOT_READ = "none"


def parse_bytes(path: str, data: bytes) -> ParsedFile:
    """Parse the bytes of one dump; never raises for bad input, it reports issues."""
    decoded = decode_bytes(data)
    issues = list(decoded.issues)
    if not decoded.text.strip() and not any(issue.severity == "error" for issue in issues):
        issues.append(Issue(1, "empty", "file holds no text", "error"))
    elif not any(issue.severity == "error" for issue in issues):
        rejected = find_non_dump(decoded.text)
        if rejected:
            issues.append(rejected)
    parsed = ParsedFile(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        encoding=decoded.encoding,
        layout=NOT_READ,
        placement=None,
        layout_note=None,
        text=decoded.text,
        line_count=len(decoded.lines),
        post=None,
        comments=[],
        issues=issues,
    )
    if parsed.failed:
        return parsed

    split = split_lines(decoded.lines)
    issues.extend(split.issues)
    comments, thread_issues = build_thread(split.comments)
    issues.extend(thread_issues)
    post, mentions, post_issues = normalise_post(split, comments)
    issues.extend(post_issues)
    parsed.layout, parsed.placement, parsed.layout_note = split.layout, split.placement, split.layout_note
    parsed.post, parsed.comments, parsed.mentions = post, comments, mentions
    parsed.issues = sorted(issues, key=lambda issue: issue.line)
    return parsed


def parse_file(path: str) -> ParsedFile:
    """Read and parse one file. Raises OSError when it cannot be read."""
    with open(path, "rb") as f:
        return parse_bytes(path, f.read())
