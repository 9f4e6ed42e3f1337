"""Checks that a database holds exactly what its raw files hold.

Every character of a raw file, apart from the layout's own scaffolding (list
numbers, action markers, count lines, indentation and line ends), must end up in
exactly one place: the post's date line, title or body, or one comment's body, in
the order of the file. The thread rules hold too: a reply's parent is a top-level
comment of the same post, and paths, depths and positions agree. The full-text
indexes agree with the tables they index.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

import sqlite_utils

from ..read.decode import decode_bytes
from ..read.files import open_raw
from ..read.sniff import DUMP
from .finish import SEARCHED
from .plan import display_path

# What the layouts add to the text and the parser removes, as it stands once white
# space is taken out: "ReplyDeleteThanks...", "18comments:", "12.What's".
_SCAFFOLD = re.compile(r"ReplyDelete|Delete|Reply|\d+comments?:?|\d+\.")
_SCAFFOLD_START = re.compile(r"[RD0-9]")


@dataclass(frozen=True)
class Lost:
    """Text that the rows and the raw file do not agree on."""

    line: int
    message: str


def find_lost_text(text: str, kept: Iterable[Optional[str]]) -> Optional[Lost]:
    """Where ``text`` and the ``kept`` fields (in file order) disagree, if anywhere.

    White space is ignored; scaffolding may be missing from ``kept``, nothing else.
    """
    raw, lines = _dense(text)
    want = "".join("".join((field or "").split()) for field in kept)
    # Depth-first: match a character where possible, else skip scaffolding; back up
    # to the last choice when neither works (a comment may start "Delete as...").
    i = j = 0
    choices: list[tuple[int, int]] = []
    failed: set[tuple[int, int]] = set()
    furthest = 0
    while i < len(raw) or j < len(want):
        run = _common_run(raw, i, want, j)
        if run:
            i, j = i + run, j + run
            continue
        furthest = max(furthest, i)
        scaffold = _SCAFFOLD.match(raw, i) if i < len(raw) else None
        can_match = i < len(raw) and j < len(want) and raw[i] == want[j] and (i + 1, j + 1) not in failed
        can_skip = scaffold is not None and (scaffold.end(), j) not in failed
        if can_match:
            if can_skip:
                choices.append((scaffold.end(), j))
            i, j = i + 1, j + 1
        elif can_skip:
            i = scaffold.end()
        elif choices:
            failed.add((i, j))
            i, j = choices.pop()
        else:
            break
    else:
        return None
    if furthest >= len(raw):
        return Lost(lines[len(raw) - 1], f"rows hold text the file does not: {want[j:j + 40]!r}")
    return Lost(lines[furthest], f"text in the file is in no row: {raw[furthest:furthest + 40]!r}")


def _common_run(raw: str, i: int, want: str, j: int) -> int:
    """How many characters from ``i`` and ``j`` agree before anything could be scaffolding.

    Lets the search take long stretches of plain text at once, at C speed.
    """
    stop = _SCAFFOLD_START.search(raw, i)
    n = min((stop.start() if stop else len(raw)) - i, len(want) - j)
    if n <= 0 or raw[i:i + n] == want[j:j + n]:
        return max(n, 0)
    low, high = 0, n  # raw and want agree on [0, low) and not on [0, high)
    while high - low > 1:
        mid = (low + high) // 2
        if raw[i:i + mid] == want[j:j + mid]:
            low = mid
        else:
            high = mid
    return low


def _dense(text: str) -> tuple[str, "_LineOf"]:
    """The text without white space, and a map from its offsets to line numbers."""
    parts = ["".join(line.split()) for line in text.split("\n")]
    starts = list(itertools.accumulate((len(part) for part in parts[:-1]), initial=0))
    return "".join(parts), _LineOf(starts)


class _LineOf:
    """Line number of an offset in the dense text."""

    def __init__(self, starts: list[int]):
        self.starts = starts

    def __getitem__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) if offset >= 0 else 1


def find_unspanned(text: str, body: str, first_line: int, last_line: int) -> bool:
    """Whether ``body`` is not found within lines ``first_line``..``last_line`` of ``text``."""
    lines = text.split("\n")[first_line - 1:last_line]
    source = iter("".join("".join(line.split()) for line in lines))
    return not all(char in source for char in "".join(body.split()))


# Each query returns the rows that break one rule; a healthy database returns none.
THREAD_RULES = (
    ("a reply's parent is not a top-level comment of the same post",
     """SELECT c.id FROM comments c JOIN comments p ON p.id = c.parent_id
        WHERE p.parent_id IS NOT NULL OR p.post_id != c.post_id"""),
    ("depth does not agree with parent",
     "SELECT id FROM comments WHERE depth != CASE WHEN parent_id IS NULL THEN 1 ELSE 2 END"),
    ("path does not agree with parent and position",
     """SELECT c.id FROM comments c LEFT JOIN comments p ON p.id = c.parent_id
        WHERE c.path != CASE WHEN p.id IS NULL THEN CAST(c.position AS TEXT)
                             ELSE p.path || '.' || c.position END"""),
    ("positions among siblings are not 1, 2, 3, ...",
     """SELECT post_id FROM comments GROUP BY post_id, parent_id
        HAVING min(position) != 1 OR max(position) != count(*) OR count(DISTINCT position) != count(*)"""),
    ("reading order is not 1, 2, 3, ...",
     """SELECT post_id FROM comments GROUP BY post_id
        HAVING min(seq) != 1 OR max(seq) != count(*) OR count(DISTINCT seq) != count(*)"""),
    ("a reply comes before its parent",
     "SELECT c.id FROM comments c JOIN comments p ON p.id = c.parent_id WHERE c.seq < p.seq"),
    ("comment_count does not agree with the comments",
     """SELECT posts.id FROM posts LEFT JOIN comments c ON c.post_id = posts.id
        GROUP BY posts.id HAVING posts.comment_count != count(c.id)"""),
    ("a file that was read has no post",
     """SELECT sources.id FROM sources LEFT JOIN posts ON posts.source_id = sources.id
        WHERE posts.id IS NULL AND sources.layout NOT IN ('none', 'copy', 'superseded', 'feed')"""),
    ("a file whose posts another holds has no such file, or a copy not its bytes",
     """SELECT s.id FROM sources s LEFT JOIN sources o ON o.id = s.held_by
        WHERE (s.layout IN ('copy', 'superseded')) != (s.held_by IS NOT NULL) OR (s.held_by IS NOT NULL
              AND (o.id IS NULL OR o.held_by IS NOT NULL OR (s.layout = 'copy' AND o.sha256 != s.sha256)))"""),
)


def shown(source: dict) -> str:
    """Where a source's file is, as the user would write it."""
    return display_path(os.path.join(source["root"], source["path"]))


def check_database(db: sqlite_utils.Database, files: bool = True) -> list[str]:
    """Everything wrong with a database, one line each; an empty list when all is well.

    Reads the database only, so it can check one that cannot be written. With
    ``files``, also says which raw files on disk differ from what was loaded.
    """
    problems = []
    integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems.extend(f"integrity_check: {line}" for line in integrity)
    for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check"):
        problems.append(f"foreign_key_check: {table} row {rowid} refers to a missing {parent} row")
    for table in SEARCHED:
        if f"{table}_fts" in db.table_names():
            problems.extend(check_search(db, table))
    for rule, sql in THREAD_RULES:
        ids = [row[0] for row in db.execute(sql)]
        if ids:
            listed = ", ".join(str(i) for i in ids[:5]) + (" ..." if len(ids) > 5 else "")
            problems.append(f"{rule}: {len(ids)} rows ({listed})")
    if files:
        problems.extend(check_files(db))
    return problems


def check_files(db: sqlite_utils.Database) -> Iterator[str]:
    """What is wrong between the raw files on disk and the rows loaded from them.

    A file gone or changed since it was loaded is said so. Of a text dump that is as
    loaded, every character of its text, bar the layout's scaffolding, must be in
    exactly one row, in file order, and each row within its line span.
    """
    for source in db.query(
            """SELECT s.id, a.root, a.name, s.path, s.sha256, s.format FROM sources s
               JOIN archives a ON a.id = s.archive_id WHERE s.sha256 != '' ORDER BY a.name, s.path"""):
        file = os.path.join(source["root"], source["path"])
        try:
            with open_raw(file) as f:
                data = f.read()
        except FileNotFoundError:
            if os.path.isdir(source["root"]):
                yield f"{shown(source)}: gone from disk since it was loaded (load its folder again to remove its rows)"
            else:
                yield (f"{shown(source)}: gone from disk with its archive's folder {source['root']} (if the archive "
                       f"moved, load it where it is now: pipeline load NEW_FOLDER --archive {source['name']})")
            continue
        except OSError as error:
            yield f"{shown(source)}: cannot be read: {error.strerror or error}"
            continue
        if hashlib.sha256(data).hexdigest() != source["sha256"]:
            yield f"{shown(source)}: changed on disk since it was loaded (load it again to read it)"
            continue
        if source["format"] == DUMP:
            yield from _check_dump(db, source, decode_bytes(data).text)


def _check_dump(db: sqlite_utils.Database, source: dict, text: str) -> Iterator[str]:
    for post in db.query("SELECT id, date_line, title, body, first_line, last_line FROM posts WHERE source_id = ?",
                         [source["id"]]):
        comments = list(db.query(
            "SELECT path, body, first_line, last_line FROM comments WHERE post_id = ? ORDER BY seq", [post["id"]]))
        kept = [post["date_line"], post["title"], post["body"]] + [c["body"] for c in comments]
        lost = find_lost_text(text, kept)
        if lost:
            yield f"{shown(source)}:{lost.line}: {lost.message}"
        spans = [("post body", post)] + [(f"comment {c['path']}", c) for c in comments]
        for what, row in spans:
            if find_unspanned(text, row["body"], row["first_line"], row["last_line"]):
                yield (f"{shown(source)}:{row['first_line']}: {what} is not within lines "
                       f"{row['first_line']}-{row['last_line']}")


# Rows looked for by a word of theirs when the search index cannot be checked whole.
SEARCH_SAMPLE = 1000


def open_read_only(path: str | os.PathLike) -> sqlite3.Connection:
    """A connection to the database at ``path`` that reads and never writes it.

    Where the file can be written, it is opened for writing all the same (nothing is
    written): FTS5's integrity check of the search index is a write statement.
    """
    uri = Path(path).resolve().as_uri()
    for mode in ("mode=rw", "mode=ro", "immutable=1"):
        # A database in WAL mode needs its -shm file, which cannot be made beside a
        # file that cannot be written: such a file is read as immutable.
        connection = sqlite3.connect(f"{uri}?{mode}", uri=True)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection
        except sqlite3.OperationalError:
            connection.close()
    raise sqlite3.OperationalError(f"unable to open database file {path}")


def check_search(db: sqlite_utils.Database, table: str) -> list[str]:
    """What is wrong with ``table``'s full-text index.

    FTS5's own integrity check compares the whole index with the table, but it is a
    write statement: on a database that cannot be written, a sample of rows is looked
    for instead, each by a word of its own.
    """
    fts = f"{table}_fts"
    try:
        db.execute(f"INSERT INTO [{fts}]([{fts}], rank) VALUES ('integrity-check', 1)")
        return []
    except sqlite3.DatabaseError as error:
        if "readonly" not in str(error):
            return [f"{fts} is out of step with {table}: {error}"]
    columns = SEARCHED[table]
    missed = []
    for row in db.execute(f"SELECT rowid, {', '.join(columns)} FROM [{table}] ORDER BY random() LIMIT ?",
                          [SEARCH_SAMPLE]).fetchall():
        # Whole tokens as FTS5 cuts them (runs of letters and digits), of letters only.
        words = [w for w in re.findall(r"[^\W_]+", " ".join(value or "" for value in row[1:]))
                 if len(w) >= 4 and w.isalpha()]
        if not words:
            continue
        word = max(words, key=len)
        found = db.execute(f"SELECT 1 FROM [{fts}] WHERE [{fts}] MATCH ? AND rowid = ?",
                           [f'"{word}"', row[0]]).fetchone()
        if found is None:
            missed.append(row[0])
    if missed:
        return [f"{fts} is out of step with {table}: rows {', '.join(map(str, missed[:5]))} are not found "
                "by their own words"]
    return []
