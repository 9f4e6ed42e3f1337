"""The database as a ConvoKit corpus: posts and comments as conversations of utterances.

ConvoKit (Cornell's toolkit for conversations) loads a corpus from a folder of five
files, ``Corpus(filename=FOLDER)``: ``utterances.jsonl``, ``speakers.json``,
``conversations.json``, ``corpus.json`` and ``index.json``. This writes them:

- a post is the root utterance of its conversation (``post-ID``, ``reply_to``
  null, the conversation's id its own); a top-level comment (``comment-ID``)
  replies to the post, a reply to its parent comment. A comment whose parent is
  not in its post replies to the post: a ``reply_to`` never names a missing id.
- ``timestamp`` is Unix seconds: the utterance's own time where the database has
  it (``published_at``), else its post's time, else its post's date (its first
  day, for a month or a year) at 00:00 UTC, else 0. ``timestamp_basis`` in the
  meta says which (``own-time``, ``post-time``, ``post-date``, ``none``).
- speakers: an author of the ``authors`` table is ``author:ID``; a comment with
  no author (anonymous, or a text dump that does not say) is a speaker of its
  own, ``anon:COMMENT_ID``, and a post with none ``anon:post-POST_ID``: never one
  shared "Anonymous", which would make strangers one person.
- meta: the utterance's post, comment, parent, path, depth, source file and line
  span, author, and every other column the database has for it (a new column
  comes along under its own name); every table with a ``comment_id`` column adds
  its rows about the comment as a list under the table's name (``date_mentions``,
  cross-references), every table with a ``post_id`` column its rows about the
  post (``post_labels``). Every utterance carries every key, NULL where it does
  not apply.

Values are JSON's own (strings, numbers, booleans, null, lists, objects), so that
ConvoKit never stores a field as a pickle, and ``index.json`` lists every key with
the types of its values. Everything is written as it is read: memory holds one
post at a time, and the named authors.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

from .common import FTS_SHADOWS, is_flag, open_database, prepare_folder, quote, to_instant
from ..store.schema import SCHEMA_VERSION

INDEX_VERSION = 1
FILES = ("utterances.jsonl", "speakers.json", "conversations.json", "corpus.json", "index.json")
# Formats whose files say when a comment is anonymous; a text dump says nothing.
_DUMP = "dump"

# The columns each utterance's fixed meta is made from; any other column of posts
# or comments is carried under its own name.
_POST_COLUMNS = {"id", "source_id", "remote_id", "url", "kind", "title", "date_line", "published",
                 "published_precision", "published_source", "published_evidence", "published_at", "published_year",
                 "published_month", "author_id", "body", "first_line", "last_line", "comment_count"}
_COMMENT_COLUMNS = {"id", "post_id", "parent_id", "path", "depth", "position", "seq", "remote_id", "author_id",
                    "published_at", "deleted", "body", "first_line", "last_line"}

# The keys of every utterance's meta, before the other columns and the related tables.
_FIXED_KEYS = ("post_id", "comment_id", "parent_comment_id", "kind", "depth", "path", "position", "seq", "remote_id",
               "post_kind", "title", "url", "published", "published_precision", "published_at", "timestamp_basis",
               "author_id", "author_kind", "author_name", "deleted", "source_archive", "source_file",
               "source_format", "line_start", "line_end")

TIMESTAMP_RULE = ("Unix seconds: the utterance's own time where the database has it; else its post's time; else "
                  "its post's date (the first day of a month or year) at 00:00 UTC; else 0. meta.timestamp_basis "
                  "says which: own-time, post-time, post-date, none")
SPEAKER_RULE = ("authors are speakers author:ID (the authors table's id); a comment without an author "
                "(anonymous, or a text dump that does not say who wrote it) is a speaker of its own, "
                "anon:COMMENT_ID, and a post without one anon:post-POST_ID: never one shared Anonymous speaker")
REPLY_RULE = ("a post is the root of its conversation (post-ID); a top-level comment (comment-ID) replies to the "
              "post, a reply to its parent comment; a comment whose parent is not in its post replies to the post")


@dataclass
class CorpusReport:
    folder: Path
    utterances: int
    speakers: int
    conversations: int


@dataclass(frozen=True)
class _Child:
    """A table whose rows are about a comment or a post, carried in their meta."""

    table: str
    columns: tuple[str, ...]  # carried in each item
    by_comment: bool  # has comment_id
    by_post: bool  # has post_id


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in con.execute(f"PRAGMA table_info({quote(table)})")]


def _children(con: sqlite3.Connection) -> list[_Child]:
    children = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE "
                                "VIRTUAL%' AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        if table in ("posts", "comments") or table.endswith(FTS_SHADOWS):
            continue
        columns = _columns(con, table)
        by_comment, by_post = "comment_id" in columns, "post_id" in columns
        if by_comment or by_post:
            kept = tuple(c for c in columns if c not in ("comment_id", "post_id"))
            children.append(_Child(table, kept, by_comment, by_post))
    return children


class _Types:
    """The type names of each meta key's values, as ConvoKit's index writes them."""

    def __init__(self):
        self.keys: dict[str, set[str]] = {}

    def note(self, meta: dict) -> None:
        for key, value in meta.items():
            names = self.keys.setdefault(key, set())
            if value is not None:
                names.add(str(type(value)))

    def index(self) -> dict[str, list[str]]:
        return {key: sorted(names) for key, names in self.keys.items()}


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp() // 1)


def _date_start(published: Optional[str]) -> Optional[int]:
    """Unix seconds of a date's first day (of a ``YYYY-MM`` or ``YYYY`` too) at 00:00 UTC."""
    if not published:
        return None
    parts = published.split("-")
    try:
        day = dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None
    return _epoch(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc))


def _item(child: _Child, row: tuple):
    return row[0] if len(child.columns) == 1 else dict(zip(child.columns, row))


def export_convokit(db_path: str | os.PathLike, out: str | os.PathLike, *, force: bool = False,
                    name: Optional[str] = None, on_start: Optional[Callable[[int], None]] = None,
                    on_rows: Optional[Callable[[int], None]] = None) -> CorpusReport:
    """Write the database at ``db_path`` as a ConvoKit corpus into the folder ``out``.

    ``name`` is the corpus's name (default: the database file's). ``on_start`` is
    told how many utterances there will be, ``on_rows`` each post's worth written.
    Raises ExportError, naming the fix, for a missing database or an ``out`` that
    holds files (unless ``force``).
    """
    con = open_database(db_path)
    try:
        folder = prepare_folder(out, force)
        con.execute("BEGIN")  # one snapshot throughout
        return _Writer(con, folder, name or Path(db_path).stem, on_start, on_rows).write(db_path)
    finally:
        con.close()


class _Writer:
    def __init__(self, con, folder: Path, name: str, on_start, on_rows):
        self.con = con
        self.folder = folder
        self.name = name
        self.on_start = on_start
        self.on_rows = on_rows
        self.post_columns = _columns(con, "posts")
        self.comment_columns = _columns(con, "comments")
        # Flags (by the export's rule) are booleans here too.
        self.flags = {row[1] for table in ("posts", "comments")
                      for row in con.execute(f"PRAGMA table_info({quote(table)})")
                      if "INT" in row[2].upper() and is_flag(row[1])}
        self.children = _children(con)
        # Other columns keep their names, unless a name is taken (then post_X, comment_X).
        taken = set(_FIXED_KEYS) | {c.table for c in self.children}
        self.post_extra = {c: f"post_{c}" if c in taken else c for c in self.post_columns if c not in _POST_COLUMNS}
        self.comment_extra = {c: f"comment_{c}" if c in taken else c
                              for c in self.comment_columns if c not in _COMMENT_COLUMNS}
        self.authors = {row[0]: row for row in con.execute("SELECT id, name, profile_url, kind, key FROM authors")}
        self.spoke: dict[int, int] = {}  # author id: utterances
        self.anonymous = 0
        self.utterance_types, self.speaker_types, self.conversation_types = _Types(), _Types(), _Types()
        self.keys = self._utterance_keys()

    def _utterance_keys(self) -> list[str]:
        extra = [*self.post_extra.values(), *self.comment_extra.values()]
        return list(_FIXED_KEYS) + list(dict.fromkeys(extra)) + [c.table for c in self.children]

    def write(self, db_path) -> CorpusReport:
        posts, comments = (self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("posts", "comments"))
        if self.on_start:
            self.on_start(posts + comments)
        temporary = {name: self.folder / f".{name}.tmp" for name in FILES}
        with open(temporary["utterances.jsonl"], "w", encoding="ascii") as utterances, \
                open(temporary["conversations.json"], "w", encoding="ascii") as conversations:
            conversations.write("{")
            first = True
            for post, rows in self._threads():
                conversation = self._conversation(post, len(rows))
                conversations.write(("\n" if first else ",\n") + json.dumps(f"post-{post['id']}") + ": "
                                    + json.dumps({"meta": conversation, "vectors": []}))
                first = False
                for utterance in rows:
                    utterances.write(json.dumps(utterance) + "\n")
                if self.on_rows:
                    self.on_rows(len(rows))
            conversations.write("\n}\n")
        speakers = self._write_speakers(temporary["speakers.json"])
        corpus = {
            "name": self.name,
            "source_database": Path(db_path).name,
            "schema_version": SCHEMA_VERSION,
            "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "n_utterances": posts + comments,
            "n_posts": posts,
            "n_comments": comments,
            "n_conversations": posts,
            "n_speakers": speakers,
            "utterance_ids": "post-POSTS.ID for a post, comment-COMMENTS.ID for a comment",
            "reply_rule": REPLY_RULE,
            "anonymous_speakers": SPEAKER_RULE,
            "timestamp_rule": TIMESTAMP_RULE,
            "meta_tables": [c.table for c in self.children],
        }
        temporary["corpus.json"].write_text(json.dumps(corpus, indent=1) + "\n", encoding="ascii")
        overall = _Types()
        overall.note(corpus)
        index = {"utterances-index": self.utterance_types.index(), "speakers-index": self.speaker_types.index(),
                 "conversations-index": self.conversation_types.index(), "overall-index": overall.index(),
                 "version": INDEX_VERSION, "vectors": []}
        temporary["index.json"].write_text(json.dumps(index, indent=1) + "\n", encoding="ascii")
        for name, path in temporary.items():
            os.replace(path, self.folder / name)
        return CorpusReport(self.folder, posts + comments, speakers, posts)

    # -- posts and their comments ---------------------------------------------------------------

    def _threads(self) -> Iterator[tuple[dict, list[dict]]]:
        """Each post (a dict of its columns and its source's) and its utterances, in id order."""
        columns = ", ".join(f"p.{quote(c)}" for c in self.post_columns)
        posts = self.con.execute(
            f"""SELECT {columns}, a.name, s.path, s.format FROM posts p JOIN sources s ON s.id = p.source_id
                JOIN archives a ON a.id = s.archive_id ORDER BY p.id""")
        comment_sql = (f"SELECT {', '.join(map(quote, self.comment_columns))} FROM comments WHERE post_id = ? "
                       "ORDER BY seq, id")
        reader = self.con.cursor()
        for row in posts:
            post = dict(zip(self.post_columns, row))
            post["source_archive"], post["source_file"], post["source_format"] = row[-3:]
            comments = [dict(zip(self.comment_columns, c)) for c in reader.execute(comment_sql, [post["id"]])]
            about_post, about_comment = self._children_of(reader, post["id"])
            yield post, self._utterances(post, comments, about_post, about_comment)

    def _children_of(self, cursor, post_id: int) -> tuple[dict, dict]:
        """The rows of the other tables about the post, and about each of its comments."""
        about_post: dict[str, list] = {}
        about_comment: dict[tuple[str, int], list] = {}
        for child in self.children:
            listed = ", ".join(map(quote, child.columns))
            if child.by_post:
                link = "comment_id" if child.by_comment else "NULL"
                sql = f"SELECT {link}, {listed} FROM {quote(child.table)} WHERE post_id = ? ORDER BY rowid"
            else:
                sql = (f"SELECT comment_id, {listed} FROM {quote(child.table)} WHERE comment_id IN "
                       f"(SELECT id FROM comments WHERE post_id = ?) ORDER BY rowid")
            about_post[child.table] = []
            for row in cursor.execute(sql, [post_id]):
                item = _item(child, row[1:])
                if row[0] is None:
                    about_post[child.table].append(item)
                else:
                    about_comment.setdefault((child.table, row[0]), []).append(item)
        return about_post, about_comment

    def _utterances(self, post: dict, comments: list[dict], about_post: dict, about_comment: dict) -> list[dict]:
        post_time = to_instant(post["published_at"])
        post_date = _date_start(post["published"])
        source = {"source_archive": post["source_archive"], "source_file": post["source_file"],
                  "source_format": post["source_format"]}
        post_utterance = f"post-{post['id']}"
        if post_time is not None:
            post_stamp, post_basis = _epoch(post_time), "own-time"
        elif post_date is not None:
            post_stamp, post_basis = post_date, "post-date"
        else:
            post_stamp, post_basis = 0, "none"
        speaker, kind, name = self._speaker(post["author_id"], f"post-{post['id']}", post["source_format"])
        meta = self._meta({
            "post_id": post["id"], "kind": "post", "depth": 0, "remote_id": post["remote_id"],
            "post_kind": post["kind"], "title": post["title"], "url": post["url"], "published": post["published"],
            "published_precision": post["published_precision"], "published_at": post["published_at"],
            "timestamp_basis": post_basis, "author_id": post["author_id"], "author_kind": kind, "author_name": name,
            "deleted": False, **source, "line_start": post["first_line"], "line_end": post["last_line"],
            **{key: self._value(c, post[c]) for c, key in self.post_extra.items()},
            **{c.table: about_post.get(c.table) for c in self.children if c.by_post},
        })
        rows = [{"id": post_utterance, "speaker": speaker, "conversation_id": post_utterance, "reply_to": None,
                 "timestamp": post_stamp, "text": post["body"] or "", "meta": meta}]
        ids = {c["id"] for c in comments}
        for comment in comments:
            own = to_instant(comment["published_at"])
            if own is not None:
                stamp, basis = _epoch(own), "own-time"
            elif post_time is not None:
                stamp, basis = _epoch(post_time), "post-time"
            elif post_date is not None:
                stamp, basis = post_date, "post-date"
            else:
                stamp, basis = 0, "none"
            parent = comment["parent_id"]
            reply_to = f"comment-{parent}" if parent in ids and parent != comment["id"] else post_utterance
            speaker, kind, name = self._speaker(comment["author_id"], str(comment["id"]), post["source_format"])
            meta = self._meta({
                "post_id": post["id"], "comment_id": comment["id"], "parent_comment_id": parent,
                "kind": "reply" if parent is not None else "comment", "depth": comment["depth"],
                "path": comment["path"], "position": comment["position"], "seq": comment["seq"],
                "remote_id": comment["remote_id"], "published_at": comment["published_at"],
                "timestamp_basis": basis, "author_id": comment["author_id"], "author_kind": kind,
                "author_name": name, "deleted": bool(comment["deleted"]), **source,
                "line_start": comment["first_line"], "line_end": comment["last_line"],
                **{key: self._value(c, comment[c]) for c, key in self.comment_extra.items()},
                **{c.table: about_comment.get((c.table, comment["id"]), []) for c in self.children if c.by_comment},
            })
            rows.append({"id": f"comment-{comment['id']}", "speaker": speaker, "conversation_id": post_utterance,
                         "reply_to": reply_to, "timestamp": stamp, "text": comment["body"] or "", "meta": meta})
        return rows

    def _value(self, column: str, value):
        return bool(value) if column in self.flags and value is not None else value

    def _meta(self, values: dict) -> dict:
        meta = {key: values.get(key) for key in self.keys}
        self.utterance_types.note(meta)
        return meta

    def _speaker(self, author_id: Optional[int], anonymous_key: str, fmt: str) -> tuple[str, str, Optional[str]]:
        """(speaker id, author kind, name) of an utterance."""
        if author_id is not None and author_id in self.authors:
            self.spoke[author_id] = self.spoke.get(author_id, 0) + 1
            _, name, _, kind, _ = self.authors[author_id]
            return f"author:{author_id}", kind, name
        self.anonymous += 1
        return f"anon:{anonymous_key}", "unknown" if fmt == _DUMP else "anonymous", None

    def _conversation(self, post: dict, utterances: int) -> dict:
        meta = {c: post[c] for c in self.post_columns if c != "body"}
        meta.update(post_id=post["id"], source_archive=post["source_archive"], source_file=post["source_file"],
                    source_format=post["source_format"], n_utterances=utterances)
        meta.pop("id", None)
        self.conversation_types.note(meta)
        return meta

    # -- speakers -------------------------------------------------------------------------------

    def _write_speakers(self, path: Path) -> int:
        count = 0
        with open(path, "w", encoding="ascii") as out:
            out.write("{")
            for speaker, meta in self._iter_speakers():
                self.speaker_types.note(meta)
                out.write(("\n" if count == 0 else ",\n") + json.dumps(speaker) + ": "
                          + json.dumps({"meta": meta, "vectors": []}))
                count += 1
            out.write("\n}\n")
        return count

    def _iter_speakers(self) -> Iterator[tuple[str, dict]]:
        for author_id in sorted(self.spoke):
            _, name, profile_url, kind, key = self.authors[author_id]
            yield f"author:{author_id}", {"author_id": author_id, "name": name, "author_kind": kind,
                                          "profile_url": profile_url, "key": key,
                                          "n_utterances": self.spoke[author_id]}
        for prefix, sql in (
                ("post-", """SELECT p.id, s.format FROM posts p JOIN sources s ON s.id = p.source_id
                             WHERE p.author_id IS NULL OR p.author_id NOT IN (SELECT id FROM authors) ORDER BY p.id"""),
                ("", """SELECT c.id, s.format FROM comments c JOIN posts p ON p.id = c.post_id
                        JOIN sources s ON s.id = p.source_id
                        WHERE c.author_id IS NULL OR c.author_id NOT IN (SELECT id FROM authors) ORDER BY c.id""")):
            for row_id, fmt in self.con.execute(sql):
                known = fmt != _DUMP
                yield f"anon:{prefix}{row_id}", {"author_id": None, "name": "Anonymous" if known else None,
                                                 "author_kind": "anonymous" if known else "unknown",
                                                 "profile_url": None, "key": None, "n_utterances": 1}

