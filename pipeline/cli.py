"""The command line: each command opens the database, calls the library, reports."""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import json
import os
import signal
import sqlite3
import sys
import zoneinfo
from pathlib import Path
from typing import Optional

import click
import sqlite_utils

from . import __version__
from .tools import BENCH_FEED_COMMENTS, BENCH_FILES
from .store.audit import check_database, open_read_only
from .store.load import FileResult, LoadInterrupted, count_files, load_paths, open_database, request_stop
from .store.schema import SCHEMA_VERSION, SchemaMismatch, set_aside
from .model import ParsedFile, PipelineError
from .parse import parse_file

DEFAULT_DB = "data/blog.db"
DEFAULT_RAW = "raw"


def _zone(ctx, param, value: Optional[str]) -> Optional[str]:
    """A time zone's IANA name, checked."""
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a region's folder ("Europe"), a long name
        raise click.BadParameter(f"{value!r} is not a time zone this machine knows: give its IANA name, such as "
                                 "Europe/London or America/New_York")
    return value


def _given(ctx, param, value: Optional[str]) -> Optional[str]:
    """A value that, when given, is not empty (``--archive ''``, ``--db ''``)."""
    if value is not None and not value.strip():
        raise click.BadParameter("needs a value, not an empty one")
    return value


BLOG_ZONE_HELP = ("The blog's time zone, as an IANA name (Europe/London): the clock its comments showed, for "
                  "files that give times in UTC only (Google Takeout), so that readers' \"@Anon 20:43\" find their "
                  "comment; kept for the archive. Blogger's export and saved pages show the blog's own times.")


class _Commands(click.Group):
    """The commands, and one rule for all of them: a fault of the program's own is told in
    a sentence, not a traceback (``PIPELINE_TRACEBACK=1`` shows the traceback), and a
    Ctrl-C ends any command with status 130."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except KeyboardInterrupt:
            # Ctrl-C where a command has no stop of its own (a load has, once it runs):
            # nothing half-written is kept, as each command writes in transactions.
            click.echo("Stopped: run the same command again to finish.", err=True)
            sys.exit(130)
        except Exception as error:
            if os.environ.get("PIPELINE_TRACEBACK"):
                raise
            raise click.ClickException(
                f"internal error: {type(error).__name__}: {error}. This is a fault of the pipeline's: please "
                "report it with the command you ran (PIPELINE_TRACEBACK=1 shows where it happened)") from error


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
              callback=_given, help="The SQLite database to create or update.")
@click.option("--archive", "archive", metavar="NAME", callback=_given,
              help="The archive the files belong to: a new one, or one already loaded; never files another "
                   "archive holds  [default: the one whose folder holds them, else a new one named after the folder]")
@click.option("--blog-author", metavar="NAME",
              help="Whom readers of the archive's text dumps address as the blog's author (\"Jim Brown\": also "
                   "\"Jim\", \"Mr Brown\"); kept for the archive. Blogger's files name each post's author.")
@click.option("--blog-zone", metavar="ZONE", callback=_zone, help=BLOG_ZONE_HELP)
@click.option("--keep-missing", is_flag=True,
              help="Keep the rows of files that are gone from a folder being loaded.")
@click.option("--rebuild", is_flag=True,
              help="Set a database of an older version aside (renamed, not deleted) and build a new one.")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Processes that parse files  [default: one per core]")
@click.option("--from-shards", "shards", metavar="SHARDS_DIR", type=click.Path(exists=True, file_okay=False),
              help="Load the shards `pipeline parse --engine dask` wrote, instead of files.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, warnings or summary; errors only.")
@click.option("--timings", is_flag=True, help="Say how long each stage of the load took.")
def load(paths, db_path, archive, blog_author, blog_zone, keep_missing, rebuild, workers, shards, quiet, timings):
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
    still load, and the command exits with status 1 at the end. Files known to
    hold no post (a blog's template, a CSV table, as Takeout saves beside its
    feeds; a page of the blog listing several posts, as a web mirror saves beside
    each post's page) are no error: they are recorded, left out, and counted in
    the summary; so is the folder a browser saves beside a page (Page_files/
    beside Page.html), which is not read. Ctrl-C stops the load at once, keeping
    what it saved; run the same command again to finish.

    With --from-shards, the rows come from the shards a parse on Dask wrote
    (`pipeline parse --engine dask`) instead of files, and make the database a
    load of the same files makes, search index included; files in the database
    and not in the shards are kept.

    \b
    Examples:
        pipeline load
        pipeline load raw/ more-dumps/ --db data/blog.db
        pipeline load ~/blogs/second-blog --archive second-blog
        pipeline load Takeout/Blogger/Blogs/ --blog-zone Europe/London
        pipeline load --from-shards shards/ --db data/blog.db
    """
    if shards:
        given = [name for name, value in (("PATHS", paths), ("--archive", archive), ("--blog-author", blog_author),
                                          ("--blog-zone", blog_zone), ("--keep-missing", keep_missing),
                                          ("--workers", workers)) if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} cannot go with --from-shards: the shards hold the files "
                                   "parsed, in their archives (set by `pipeline parse`)")
        shards_module = _extra("pipeline.store.shards", "dask")
        try:
            total = shards_module.count_units(shards)
        except PipelineError as error:
            raise click.ClickException(str(error))
    elif not paths:
        if not Path(DEFAULT_RAW).is_dir():
            raise click.UsageError(f"no PATHS given and there is no {DEFAULT_RAW}/ folder here: "
                                   "name the dump files or folders to load")
        paths = (Path(DEFAULT_RAW),)
    db = _open_for_load(db_path, rebuild)
    show = not quiet and sys.stderr.isatty()
    if not shards:
        # Counted for the progress bar, then walked again by the load: a folder's
        # listing is not held in memory. With no bar to draw, counted only if asked.
        total = count_files(paths, db_path) if show else None
    stopped: list[int] = []
    try:
        # After the bar: how a long file (an export) is getting on, while it is read.
        with _stop_on_signals(stopped), click.progressbar(length=total or 0, label="Loading", file=sys.stderr,
                                                          hidden=not show, item_show_func=lambda status: status) as bar:
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
                bar.update(1, current_item=None)

            def on_progress(status: str) -> None:
                bar.current_item = status
                bar.render_progress()  # drawn again though no file is done: update(0) would not

            if shards:
                report = shards_module.load_shards(db, shards, on_file=on_file)
            else:
                report = load_paths(db, paths, archive=archive, blog_author=blog_author, blog_zone=blog_zone,
                                    keep_missing=keep_missing, on_file=on_file, workers=workers,
                                    on_progress=on_progress)
    except LoadInterrupted as interrupted:
        signal_number = stopped[0] if stopped else signal.SIGINT
        if interrupted.report.finishing:
            done = "Stopped while finishing (indexes, search, statistics), every file saved"
        else:
            done = f"Stopped: {interrupted.report.saved:,} of {total or count_files(paths, db_path):,} files saved"
        click.echo(f"{done}; run the same command again to finish.", err=True)
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
    if timings:
        for stage, seconds in report.timings.items():
            click.echo(f"{stage}: {seconds:.2f} s", err=True)
    if report.failed:
        sys.exit(1)


def _extra(module: str, extra: str):
    """Import a module that needs an optional part of the project, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise click.ClickException(f"{(error.name or module).split('.')[0]} is not installed, which this command needs: "
                                   f"pip install 'blog-pipeline[{extra}]' (`make` installs it in .venv)")


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
    loader = os.getpid()

    def stop(signal_number, frame):
        if os.getpid() != loader:  # a worker still starting, forked with this handler: just end
            signal.signal(signal_number, signal.SIG_DFL)
            os.kill(os.getpid(), signal_number)
            return
        stopped.append(signal_number)
        for other in (signal.SIGINT, signal.SIGTERM):
            signal.signal(other, signal.SIG_IGN)
        if request_stop():  # else the batch being written raises it once it is counted
            raise KeyboardInterrupt

    previous = {number: signal.signal(number, stop) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@cli.command()
@click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, callback=_given,
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
    if version == 0 and not db.table_names():
        db.close()
        raise click.ClickException(f"{db_path} holds nothing yet (a first load stopped before it began?): "
                                   f"load files into it with pipeline load --db {db_path}")
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
@click.option("--files", default=BENCH_FILES, show_default=True, type=click.IntRange(10),
              help="Files in the 1x archive.")
@click.option("--scales", default="1,2,4", show_default=True, help="Sizes to measure, as multiples of --files.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed the archive is generated from.")
@click.option("--dir", "workdir", default="data/bench", show_default=True, type=click.Path(file_okay=False),
              help="Where the archive and the databases are written.")
@click.option("--feed-comments", default=BENCH_FEED_COMMENTS, show_default=True, type=click.IntRange(1),
              help="Comments in the threads loaded both as text dumps and as one Blogger export.")
@click.option("--only", type=click.Choice(["load", "pages"]),
              help="Measure only loading (and the shards), or only the reading pages  [default: both]")
def bench(files, scales, seed, workdir, feed_comments, only):
    """Measure loading a synthetic archive against the floor, and the reading pages.

    Writes an archive recombined from the sample text in raw/ (both layouts, glued
    markers in both placements, realistic numbers and lengths of comments, a few odd
    files), then for each size measures parse throughput on one core, a cold load end
    to end with the time of each of its stages, the floor (bare executemany of the
    posts and comments rows in one transaction plus SQLite's FTS5 rebuild over the
    same text), a re-run with nothing changed, a re-run after changing 10 files, and
    peak memory. Each load is checked against what the generator wrote. Then the same
    threads, --feed-comments comments, are loaded as text dumps and as one Blogger
    export. With the dask extra, it then parses the 1x archive into shards on a Dask
    cluster started here, beside the loader's own parse of it on every core, and
    loads the shards. Then it times the reading pages (thread, author, authors,
    activity, search) on 20,000 posts of Blogger exports, a database built once in
    --dir and reused. Prints Markdown tables.

    \b
    Example:
        pipeline bench --files 2000 --scales 1,2
        pipeline bench --only pages
    """
    try:
        sizes = tuple(int(part) for part in scales.split(","))
        if not sizes or min(sizes) < 1:
            raise ValueError(scales)
    except ValueError:
        raise click.BadParameter(f"{scales!r} is not a list of whole numbers of 1 or more, such as 1,2,4",
                                 param_hint="--scales")
    from .tools import bench as bench_module  # here: no other command pays for importing it

    say = lambda line: click.echo(line, err=True)  # noqa: E731
    try:
        if only != "pages":
            measures, feed = bench_module.run(Path(workdir), files, sizes, seed, say, feed_comments)
            click.echo(bench_module.report(measures, feed))
            if importlib.util.find_spec("distributed") is None:
                say("shards not measured: pip install 'blog-pipeline[dask]'")
            else:
                shards = bench_module.run_shards(Path(workdir), Path(workdir) / "archive" / "shard-0",
                                                 bench_module.first_manifest(Path(workdir), files, seed), seed,
                                                 measures[0].cold_s if sizes[0] == 1 else None, say)
                click.echo("")
                click.echo(bench_module.report_shards(shards))
        if only != "load":
            click.echo(bench_module.run_pages(Path(workdir), seed=seed, say=say))
    except (RuntimeError, AssertionError, PipelineError) as error:
        raise click.ClickException(str(error))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--engine", type=click.Choice(["dask"]),
              help="Parse every file under PATHS on this engine into shards in --out, instead of printing one file.")
@click.option("--out", "out", metavar="SHARDS_DIR", type=click.Path(file_okay=False, path_type=Path),
              help="Where the shards go (with --engine; required there).")
@click.option("--scheduler", metavar="ADDRESS",
              help="A Dask scheduler to use, such as tcp://10.0.0.5:8786  [default: a cluster started on this "
                   "machine]")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Worker processes of the cluster started here  [default: one per core]")
@click.option("--archive", metavar="NAME", callback=_given,
              help="The archive the files belong to  [default: one per folder named, named after it]")
@click.option("--blog-author", metavar="NAME",
              help="Whom readers of the archive's text dumps address as the blog's author, as `pipeline load "
                   "--blog-author` takes it.")
@click.option("--blog-zone", metavar="ZONE", callback=_zone,
              help="The blog's time zone (Europe/London), as `pipeline load --blog-zone` takes it.")
@click.option("--force", is_flag=True, help="Replace the shards already in --out.")
def parse(paths, engine, out, scheduler, workers, archive, blog_author, blog_zone, force):
    """Print what the parser makes of one file as JSON; or, with --engine dask, parse
    every file under PATHS on a Dask cluster into Parquet shards.

    Without --engine: one FILE. Shows the layout it detected, the post with its
    date and the evidence for it, each top-level comment with its replies, every
    date written in the text and what it resolves to, and any issues, without
    touching a database. A file that cannot be read as a post page is printed with
    its issues and no post, each error also reported as FILE:LINE: REASON, and the
    command exits with status 1.

    With --engine dask: every file under PATHS, walked as `pipeline load` walks
    them, is parsed by Dask's workers in batches, each batch into a shard (a
    Parquet file per table, in SHARDS_DIR). Without --scheduler, a cluster is
    started on this machine for the run. Load the shards with `pipeline load
    --from-shards SHARDS_DIR`: the database is the one `pipeline load PATHS` makes.
    Files that cannot be read are recorded in the shards and reported when loaded.

    \b
    Examples:
        pipeline parse raw/FILE.txt | less
        pipeline parse --engine dask raw/ --out shards/
        pipeline parse --engine dask --scheduler tcp://10.0.0.5:8786 /shared/blogs --out /shared/shards
    """
    if engine is None:
        given = [name for name, value in (("--out", out), ("--scheduler", scheduler), ("--workers", workers),
                                          ("--archive", archive), ("--blog-author", blog_author),
                                          ("--blog-zone", blog_zone), ("--force", force)) if value]
        if given:
            raise click.UsageError(f"{', '.join(given)} {'needs' if len(given) == 1 else 'need'} --engine dask: "
                                   "without it, parse prints one FILE")
        if len(paths) != 1 or paths[0].is_dir():
            raise click.UsageError("without --engine, parse prints one FILE as JSON; to parse many files into "
                                   "shards, add --engine dask --out SHARDS_DIR")
        _print_parse(paths[0])
        return
    if out is None:
        raise click.UsageError("--engine dask needs --out SHARDS_DIR: the folder the shards go to")
    if scheduler and workers:
        raise click.UsageError("--workers is for the cluster started here: a --scheduler has its own workers")
    engine_module = _extra("pipeline.store.engine", "dask")
    show = sys.stderr.isatty()
    try:
        with click.progressbar(length=1, label="Parsing", file=sys.stderr, hidden=not show) as bar:
            def on_plan(files: int) -> None:
                bar.length = files

            def on_batch(counts: dict) -> None:
                bar.update(counts["files"])

            report = engine_module.parse_to_shards(paths, out, archive=archive, blog_author=blog_author,
                                                   blog_zone=blog_zone, scheduler=scheduler,
                                                   workers=workers, force=force, on_plan=on_plan,
                                                   on_batch=on_batch)
    except PipelineError as error:
        raise click.ClickException(str(error))
    except OSError as error:
        raise click.ClickException(f"{error.filename or out}: {error.strerror or error}")
    rows = report.rows
    for line in report.not_walked:
        click.echo(line, err=True)
    click.echo(f"{report.files:,} files parsed into {report.batches:,} {'shard' if report.batches == 1 else 'shards'} "
               f"by {report.workers} workers: "
               f"{rows.get('posts', 0):,} posts, {rows.get('comments', 0):,} comments, "
               f"{rows.get('failed', 0):,} files with errors (reported when loaded): {out}", err=True)
    click.echo(f"Load them with: pipeline load --from-shards {out}", err=True)
    if report.not_walked:
        sys.exit(1)


def _print_parse(file: Path) -> None:
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


@cli.group()
def export():
    """Write the database as files for other tools: ConvoKit, Parquet, CSV.

    Each command reads the database (data/blog.db by default) without writing to
    it, in one snapshot (a load running meanwhile does not tear it), and writes
    into OUT_DIR, which must be empty unless --force.

    \b
    Examples:
        pipeline export convokit corpus/
        pipeline export parquet parquet/ --db data/blog.db
        pipeline export csv csv/ --force
    """


def _export_options(command):
    command = click.option("--force", is_flag=True,
                           help="Write into OUT_DIR even if it holds files (those of the same names are "
                                "replaced).")(command)
    command = click.option("--db", "db_path", default=DEFAULT_DB, show_default=True, callback=_given,
                           type=click.Path(dir_okay=False), help="The database to export.")(command)
    return click.argument("out", metavar="OUT_DIR", type=click.Path(file_okay=False, path_type=Path))(command)


@contextlib.contextmanager
def _export_progress(label: str):
    """A progress bar on stderr (hidden when it is not a terminal), its length set
    when the export knows it; yields (on_start, on_rows)."""
    with click.progressbar(length=1, label=label, file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        def on_start(total: int) -> None:
            bar.length = max(total, 1)

        yield on_start, bar.update


@export.command("convokit")
@_export_options
@click.option("--name", help="The corpus's name in corpus.json  [default: the database file's name]")
def export_convokit(out, db_path, force, name):
    """Write the database as a ConvoKit corpus.

    convokit.Corpus(filename=OUT_DIR) loads it.
    A post is the root utterance of its conversation (post-ID); a top-level
    comment (comment-ID) replies to the post, a reply to its parent comment.
    Timestamps are Unix seconds: the utterance's own time where known, else its
    post's time or date. Each author is a speaker (author:ID); each comment
    without one is a speaker of its own (anon:COMMENT_ID), never one shared
    "Anonymous". Every column and every table about a post or comment (dates
    mentioned, labels, references) goes into the meta; corpus.json states the
    rules.

    \b
    Example:
        pipeline export convokit corpus/ --db data/blog.db
        python -c "import convokit; print(convokit.Corpus(filename='corpus'))"
    """
    from .serve.convokit import export_convokit as write_corpus

    try:
        with _export_progress("Writing utterances") as (on_start, on_rows):
            report = write_corpus(db_path, out, force=force, name=name, on_start=on_start, on_rows=on_rows)
    except PipelineError as error:
        raise click.ClickException(str(error))
    except OSError as error:
        raise click.ClickException(f"{error.filename or out}: {error.strerror or error}")
    click.echo(f"{report.utterances:,} utterances, {report.speakers:,} speakers, {report.conversations:,} "
               f"conversations: {out}", err=True)


def _export_tables(fmt: str, out: Path, db_path: str, force: bool) -> None:
    module = _extra("pipeline.serve.export", "export")
    try:
        with _export_progress("Writing rows") as (on_start, on_rows):
            report = module.export_tables(db_path, out, fmt, force=force, on_start=on_start, on_rows=on_rows)
    except PipelineError as error:
        raise click.ClickException(str(error))
    except OSError as error:
        raise click.ClickException(f"{error.filename or out}: {error.strerror or error}")
    click.echo(f"{len(report.files)} files, {sum(report.files.values()):,} rows: {out}", err=True)


@export.command("parquet")
@_export_options
def export_parquet(out, db_path, force):
    """Write every table and view as a Parquet file, typed.

    One file per table (TABLE.parquet), its Arrow schema written out: ids and
    counts int64, flags bool, dates date32 (a date that may be partial, such as
    posts.published, kept as text beside X_day), times timestamp[us, UTC] beside
    X_text (as stored, with its offset). Rows are read and written in batches:
    memory stays flat however large the table. pandas, DuckDB and R's arrow read
    the files.

    \b
    Examples:
        pipeline export parquet parquet/
        duckdb -c "select count(*) from 'parquet/comments.parquet'"
    """
    _export_tables("parquet", out, db_path, force)


@export.command("csv")
@_export_options
def export_csv(out, db_path, force):
    """Write every table and view as a CSV file, with schema.json.

    One file per table (TABLE.csv), a header line first, the columns of the
    Parquet export. NULL is an empty field; every text is quoted, the empty text
    as "". schema.json gives each column's type and whether it may be NULL.

    \b
    Example:
        pipeline export csv csv/ --db data/blog.db
    """
    _export_tables("csv", out, db_path, force)


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
