"""The command line: each command opens the database, calls the library, reports."""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import sqlite3
import sys
from pathlib import Path

import click
import sqlite_utils

from . import __version__
from .tools import bench as bench_module
from .store.audit import check_database, open_read_only
from .store.load import FileResult, LoadInterrupted, count_files, load_paths, open_database, request_stop
from .store.schema import SCHEMA_VERSION, SchemaMismatch, set_aside
from .model import ParsedFile, PipelineError
from .parse import parse_file

DEFAULT_DB = "data/blog.db"
DEFAULT_RAW = "raw"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
def cli():
    """Turn folders of Blogger post dumps into one SQLite database.

    Every post, comment, reply and date becomes a row that any SQL tool can query.

    \b
    Example:
        pipeline load raw/ --db data/blog.db
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
              help="The SQLite database to create or update.")
@click.option("--archive", "archive", metavar="NAME",
              help="The archive the files belong to  [default: the one whose folder holds them, else a new one "
                   "named after the folder]")
@click.option("--keep-missing", is_flag=True,
              help="Keep the rows of files that are gone from a folder being loaded.")
@click.option("--rebuild", is_flag=True,
              help="Set a database of an older version aside (renamed, not deleted) and build a new one.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes that parse files  [default: one per core]")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, warnings or summary; errors only.")
def load(paths, db_path, archive, keep_missing, rebuild, workers, quiet):
    """Load dump files, and every file in dump folders, into the database.

    PATHS default to raw/. Files belong to archives: a folder loaded as one (a blog,
    or one scrape of it), known by its name, however its folder is spelled or
    wherever it moves. A file whose content is unchanged since the last load is
    skipped; a changed file's rows are replaced; a file byte for byte like one
    already loaded is recorded as its copy, not loaded twice; the rows of a file
    gone from a folder being loaded are removed. Loading again never duplicates a
    row.

    Each file that cannot be read as a blog page is reported as PATH:LINE: REASON
    when the load reaches it, and recorded in the parse_issues table; the rest
    still load, and the command exits with status 1 at the end. Ctrl-C stops the
    load at once, keeping what it saved; run the same command again to finish.

    \b
    Examples:
        pipeline load
        pipeline load raw/ more-dumps/ --db data/blog.db
        pipeline load ~/blogs/second-blog --archive second-blog
    """
    if not paths:
        if not Path(DEFAULT_RAW).is_dir():
            raise click.UsageError(f"no PATHS given and there is no {DEFAULT_RAW}/ folder here: "
                                   "name the dump files or folders to load")
        paths = (Path(DEFAULT_RAW),)
    db = _open_for_load(db_path, rebuild)
    # Counted for the progress bar, then walked again by the load: a folder's
    # listing is not held in memory.
    total = count_files(paths, db_path)
    stopped: list[int] = []
    try:
        show = not quiet and sys.stderr.isatty()
        with _stop_on_signals(stopped), click.progressbar(length=total, label="Loading", file=sys.stderr,
                                                          hidden=not show) as bar:
            def say(line: str) -> None:
                if show:  # over the bar, which is drawn again below as the load goes on
                    click.echo("\r\x1b[K", nl=False, err=True)
                click.echo(line, err=True)

            def on_file(result: FileResult) -> None:
                # Reported as they come, so memory does not grow with the archive.
                for issue in result.issues:
                    if issue.severity == "error":
                        say(f"{result.path}:{issue.line}: {issue.message}")
                    elif not quiet:
                        say(f"{result.path}:{issue.line}: warning: {issue.message}")
                if result.note and not quiet:
                    say(f"{result.path} is {result.note}")
                bar.update(1)

            report = load_paths(db, paths, archive=archive, keep_missing=keep_missing, on_file=on_file,
                                workers=workers)
    except LoadInterrupted as interrupted:
        signal_number = stopped[0] if stopped else signal.SIGINT
        click.echo(f"Stopped: {interrupted.report.saved:,} of {total:,} files saved; "
                   "run the same command again to finish.", err=True)
        sys.exit(128 + signal_number)
    except PipelineError as error:
        raise click.ClickException(str(error))
    except sqlite3.DatabaseError as error:
        # Whole files are written or not at all, so what was loaded stays loaded.
        hint = ": is another load running?" if "locked" in str(error) else ""
        raise click.ClickException(f"{db_path}: {error}{hint}; run the load again to finish it")
    finally:
        db.close()

    if not quiet:
        extra = "".join(f", {count} {what}" for count, what in (
            (report.held, "held by other files"), (report.moved, "moved")) if count)
        skipped = ", ".join(f"{count} {what}" for what, count in sorted(report.skipped.items()))
        click.echo(
            f"{report.loaded} loaded, {report.unchanged} unchanged{extra}, {report.removed} removed, "
            f"{len(report.failed)} failed, {report.warnings} warnings: {db_path}"
            + (f" (not posts, left out: {skipped})" if skipped else ""),
            err=True,
        )
    if report.failed:
        sys.exit(1)


def _open_for_load(db_path: str, rebuild: bool) -> sqlite_utils.Database:
    """The database to load into, or a ClickException saying what is wrong and what to do."""
    folder = Path(db_path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(f"cannot make the folder {folder} for {db_path}: {error.strerror}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.ClickException(f"cannot write in {folder or '.'} (permission denied), where {db_path} and its "
                                   "journal go: choose a --db in a folder you can write to")
    if Path(db_path).exists() and not os.access(db_path, os.W_OK):
        raise click.ClickException(f"cannot write to {db_path} (permission denied): choose another --db, or "
                                   "make it writable")
    try:
        try:
            return open_database(db_path)
        except SchemaMismatch as error:
            if not rebuild or error.version > SCHEMA_VERSION:
                raise
            kept = set_aside(db_path)
            click.echo(f"{db_path} was built with schema version {error.version}: set aside as {kept}", err=True)
            return open_database(db_path)
    except PipelineError as error:
        raise click.ClickException(str(error))
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{db_path}: {error}")


@contextlib.contextmanager
def _stop_on_signals(stopped: list[int]):
    """Turn Ctrl-C and SIGTERM into a prompt stop of the load, noting which came.

    Once one has come, the others are ignored while the load saves what it has.
    """
    def stop(signal_number, frame):
        stopped.append(signal_number)
        for other in (signal.SIGINT, signal.SIGTERM):
            signal.signal(other, signal.SIG_IGN)
        request_stop()
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@cli.command()
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True,
              type=click.Path(exists=True, dir_okay=False), help="The database to check.")
def check(db_path):
    """Check that the database holds exactly what its raw files hold.

    Runs SQLite's integrity_check and foreign_key_check, the search index against
    its tables, the thread rules (a reply's parent is a top-level comment of the
    same post; paths, depths and positions agree) and, for every file, that each
    character of its text (bar list numbers, markers and white space) is in exactly
    one row, within that row's line span; and says which raw files on disk differ
    from what was loaded (gone, or changed since). Opens the database read-only: on
    one that cannot be written, the search index is checked on a sample of rows.
    Prints each problem and exits with status 1 if there are any.

    \b
    Example:
        pipeline check --db data/blog.db
    """
    try:
        db = sqlite_utils.Database(open_read_only(db_path))
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{db_path}: {error}")
    if version != SCHEMA_VERSION:
        db.close()
        raise click.ClickException(str(SchemaMismatch(db_path, version)))
    try:
        problems = check_database(db)
    except sqlite3.DatabaseError as error:
        raise click.ClickException(f"{db_path}: {error}")
    finally:
        db.close()
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} problems in {db_path}")
    click.echo(f"{db_path}: ok")


@cli.command()
@click.option("--files", default=bench_module.DEFAULT_FILES, show_default=True, type=click.IntRange(10),
              help="Files in the 1x archive.")
@click.option("--scales", default="1,2,4", show_default=True, help="Sizes to measure, as multiples of --files.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed the archive is generated from.")
@click.option("--dir", "workdir", default="data/bench", show_default=True, type=click.Path(file_okay=False),
              help="Where the archive and the databases are written.")
@click.option("--only", type=click.Choice(["load", "pages"]),
              help="Measure only loading, or only the reading pages  [default: both]")
def bench(files, scales, seed, workdir, only):
    """Measure loading a synthetic archive against the floor, and the reading pages.

    Writes an archive recombined from the sample text in raw/ (both layouts,
    realistic numbers of comments and replies, a few odd files), then for each size
    measures parse throughput, a cold load end to end, the floor (bare executemany
    of the same rows in one transaction plus SQLite's FTS5 rebuild), a re-run with
    nothing changed, a re-run after changing 10 files, and peak memory. Each load is
    checked against what the generator wrote. Then times the reading pages (thread,
    author, authors, activity, search) on 20,000 posts of Blogger exports, a
    database built once in --dir and reused. Prints Markdown tables.

    \b
    Example:
        pipeline bench --files 2000 --scales 1,2
        pipeline bench --only pages
    """
    try:
        sizes = tuple(int(part) for part in scales.split(","))
    except ValueError:
        raise click.BadParameter(f"{scales!r} is not a list of whole numbers such as 1,2,4", param_hint="--scales")
    say = lambda line: click.echo(line, err=True)  # noqa: E731
    try:
        if only != "pages":
            click.echo(bench_module.report(bench_module.run(Path(workdir), files, sizes, seed, say)))
        if only != "load":
            click.echo(bench_module.run_pages(Path(workdir), seed=seed, say=say))
    except (RuntimeError, AssertionError) as error:
        raise click.ClickException(str(error))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def parse(file):
    """Print what the parser makes of one dump file, as JSON.

    Shows the layout it detected, the post with its date and the evidence for it,
    each top-level comment with its replies, every date written in the text and
    what it resolves to, and any issues, without touching a database. A file that
    cannot be read as a post page is printed with its issues and no post, each
    error also reported as FILE:LINE: REASON, and the command exits with status 1.

    \b
    Example:
        pipeline parse raw/FILE.txt | less
    """
    try:
        parsed = parse_file(str(file))
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read file: {error.strerror or error}")
    click.echo(json.dumps(parsed_as_tree(parsed), indent=2, ensure_ascii=False))
    for issue in parsed.issues:
        if issue.severity == "error":
            click.echo(f"{file}:{issue.line}: {issue.message}", err=True)
    if parsed.failed:
        sys.exit(1)


def parsed_as_tree(parsed: ParsedFile) -> dict:
    """A parse result as nested plain data: replies under the comment they answer.

    A file of one post (a dump, a page) gives ``post``, ``comments`` and
    ``date_mentions``; a feed gives ``posts``, a list of such, and what it left out.
    """
    tree = {
        "path": parsed.path,
        "format": parsed.format,
        "sha256": parsed.sha256,
        "bytes": parsed.bytes,
        "encoding": parsed.encoding,
        "layout": parsed.layout,
        "placement": parsed.placement,
        "layout_note": parsed.layout_note,
    }
    threads = [_thread_tree(thread) for thread in parsed.threads]
    if parsed.format in ("blogger-export", "takeout"):
        tree.update(blog_id=parsed.blog_id, feed_updated=parsed.feed_updated, skipped=parsed.skipped, posts=threads)
    else:
        tree.update(threads[0] if threads else {"post": None, "comments": [], "date_mentions": []})
    tree["issues"] = [dataclasses.asdict(issue) for issue in parsed.issues]
    return tree


def _thread_tree(thread) -> dict:
    tops = []
    for comment in thread.comments:
        item = dataclasses.asdict(comment)
        if comment.parent_path is None:
            item["replies"] = []
            tops.append(item)
        else:
            tops[-1]["replies"].append(item)
    return {"post": dataclasses.asdict(thread.post), "comments": tops,
            "date_mentions": [dataclasses.asdict(mention) for mention in thread.mentions]}
