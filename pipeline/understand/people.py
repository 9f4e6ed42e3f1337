"""Who said what to whom in a thread: signatures, authors from them, and the places
where comments address each other, resolved to the comment (or the post) addressed.

Blogger threads one level deep and most commenters are anonymous, so readers sign
their comments and point at each other in the text (``signatures``, ``refs``,
``resolve``). This stage runs those over one understood thread and writes what they
find onto it: each comment's signature, an author (kind ``signature``) for a
comment that has none from its file and is signed with a name, and the thread's
references.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from ..model import Author, Comment, Post
from .refs import author_name_forms, find_refs_many, known_names
from .resolve import CommentText, ThreadText, resolve_refs
from .signatures import find_signature, signature_name, signature_time
from .writers import add_cites, post_writers


@dataclass(frozen=True)
class Reference:
    """A place in a comment's text that addresses another comment or the post.

    ``text`` is ``body[start:end]`` of the comment at ``comment_path``; ``target`` the
    time or name as written; ``target_path`` the comment addressed, or None when it
    cannot be told (``candidates`` says how many fitted); ``target_post`` whether it
    addresses the post or its author; ``method`` how it was resolved.
    """

    comment_path: str
    start: int
    end: int
    text: str
    kind: str  # time, name, position
    target: str
    target_path: Optional[str]
    target_post: bool
    method: Optional[str]
    confidence: float
    candidates: int


def understand_people(post: Post, comments: list[Comment], blog_author: Optional[str] = None,
                      twelve_hour: bool = False) -> list[Reference]:
    """Sign, attribute and cross-reference a thread's comments (in place); returns its references.

    ``blog_author`` is the blog's author's name where no file gives the post's author
    (a text dump): readers name the author to mean the post. ``twelve_hour``: the
    blog shows times on a 12-hour clock.
    """
    signatures = []
    for comment in comments:
        signature = find_signature(comment.body) if comment.body else None
        signatures.append(signature)
        if signature is not None:
            comment.signature = signature.text
            comment.signed_time = signature_time(signature)
            if comment.author is None and not signature.anonymous:
                comment.author = Author(signature_name(signature), None, "signature")
    authors = [_file_author(comment.author) for comment in comments]
    blog_names = tuple(_blog_author_names(post, blog_author))
    names = known_names([signature_name(s) for s in signatures if s is not None and not s.anonymous], authors,
                        blog_names)
    bodies = [c.body for c in comments]
    found = find_refs_many(bodies, names, signatures, twelve_hour)
    writers = post_writers(post.body) if post.body else ()
    add_cites(found, bodies, writers)
    if not any(found):  # most threads: nothing to resolve
        return []
    thread = ThreadText([CommentText(c.path, c.parent_path, c.body, signature, author, c.shown_time, c.published_at)
                         for c, signature, author in zip(comments, signatures, authors)], blog_names, twelve_hour,
                        writers)
    resolved = resolve_refs(thread, {c.path: refs for c, refs in zip(comments, found)})
    return [Reference(r.path, r.ref.start, r.ref.end, r.ref.text, r.ref.kind, r.ref.target, r.target_path,
                      r.target_post, r.method, r.confidence, r.candidates) for r in resolved]


def _file_author(author: Optional[Author]) -> Optional[str]:
    """An author's name as a file gives it (not a signature: that is the comment's own text)."""
    return author.name if author is not None and author.kind != "signature" else None


def _blog_author_names(post: Post, blog_author: Optional[str]) -> Iterable[str]:
    names = []
    for name in (post.author.name if post.author else None, blog_author):
        if name:
            names.extend(author_name_forms(name))
    return dict.fromkeys(names)
