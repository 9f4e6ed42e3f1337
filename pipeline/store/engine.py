"""The parse stage on Dask: files parsed by a cluster's workers into shards.

``parse_to_shards`` walks the paths named as a load walks them, cuts the files into
batches, and has Dask map ``shards.write_shard`` over the batches (a ``dask.bag``
of one partition per batch): each task reads and parses its files and writes its
shard. Without a scheduler's address it starts a cluster on this machine, one
worker process per core. The shards are loaded with ``shards.load_shards``.

A task per file would cost more in scheduling than the parse itself (a few
milliseconds a file): files go in batches of a few hundred, and a few batches per
worker, so that the workers stay busy to the end.
"""
from __future__ import annotations

import contextlib
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import dask.bag
from distributed import Client, LocalCluster, as_completed

from .archives import real
from .plan import display_path
from .shards import ShardsError, clear_shards, iter_batches, plan_files, shard_tables, write_manifest, write_shard

# A batch holds at most this many files, or this many bytes (but for a larger file,
# alone), and there are at least BATCHES_PER_WORKER batches per worker when the
# files allow.
BATCH_FILES = 500
BATCH_BYTES = 16 * 1024 * 1024
BATCHES_PER_WORKER = 4
SMALLEST_BATCH = 20


@dataclass
class ShardsReport:
    """What a parse into shards made."""

    files: int = 0
    batches: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    workers: int = 0
    not_walked: list[str] = field(default_factory=list)  # "PATH:1: reason" of what the walk could not give


def _write_batch(item: tuple[str, int, list]) -> dict[str, int]:
    """One task: a batch of files into its shard (module level, so workers import it)."""
    out, batch, files = item
    return write_shard(out, batch, files)


@contextlib.contextmanager
def dask_client(scheduler: Optional[str] = None, workers: Optional[int] = None) -> Iterator:
    """A Dask client: of the scheduler at ``scheduler``, or of a cluster started on this
    machine (``workers`` processes of one thread, default one per core, listening on
    the loopback only), stopped on the way out.

    Raises ShardsError when the scheduler cannot be reached.
    """
    if scheduler:
        try:
            client = Client(scheduler)
        except (OSError, ValueError) as error:
            raise ShardsError(f"cannot reach the Dask scheduler at {scheduler} ({error}): check the address, or "
                              "leave out --scheduler to start a cluster on this machine") from None
        with client:
            yield client
        return
    with tempfile.TemporaryDirectory(prefix="pipeline-dask-") as scratch:
        # The dashboard on a free port of the loopback: a fixed port clashes with
        # another cluster, and the default listens on every interface.
        with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                          dashboard_address="127.0.0.1:0", host="127.0.0.1", local_directory=scratch) as cluster, \
                Client(cluster) as client:
            yield client


def parse_to_shards(paths: Iterable[str | os.PathLike], out: str | os.PathLike, *, archive: Optional[str] = None,
                    blog_author: Optional[str] = None, blog_zone: Optional[str] = None,
                    scheduler: Optional[str] = None, workers: Optional[int] = None, force: bool = False,
                    on_plan: Optional[Callable[[int], None]] = None,
                    on_batch: Optional[Callable[[dict[str, int]], None]] = None,
                    client=None) -> ShardsReport:
    """Parse every file under ``paths`` into shards in the folder ``out``, on Dask.

    Files belong to archives as in a load into a new database (``archive`` names
    theirs, ``blog_author`` and ``blog_zone`` are as ``load --blog-author`` and
    ``--blog-zone`` give them). ``out`` must be empty, or hold shards of an earlier run, which
    ``force`` replaces. ``on_plan`` is told how many files there are, once walked;
    ``on_batch`` is called with each batch's counts as it is done (``files``: how
    many files it held, ``failed``: how many could not be read). ``client`` is a Dask client to use
    instead of starting one (``scheduler``, ``workers``). With a remote scheduler,
    the workers must see the files and ``out`` at the same paths, and run this same
    version of the pipeline.

    A folder the walk cannot list and a file whose name is not UTF-8 are not parsed,
    and said in ``ShardsReport.not_walked``. Raises ShardsError when ``out`` cannot
    be used or no file is found.
    """
    paths = [Path(p) for p in paths]
    out = Path(out)
    _check_out(out, paths, force)
    not_walked: list[str] = []

    def tell(path: str, reason: str, error: bool) -> None:
        if error:
            not_walked.append(f"{display_path(path)}:1: {reason}")

    archives, specs = plan_files(paths, archive, blog_author, blog_zone=blog_zone, on_error=tell)
    specs = list(specs)
    if not specs:
        raise ShardsError("no files to parse under " + ", ".join(map(str, paths)))
    if on_plan:
        on_plan(len(specs))
    with (contextlib.nullcontext(client) if client is not None else dask_client(scheduler, workers)) as client:
        # The folder is made once there are workers to fill it: a scheduler out of
        # reach leaves nothing behind.
        out.mkdir(parents=True, exist_ok=True)
        clear_shards(out)
        for table in shard_tables():
            (out / table).mkdir(exist_ok=True)
        threads = sum(client.nthreads().values()) or 1
        per_batch = max(SMALLEST_BATCH, min(BATCH_FILES, math.ceil(len(specs) / (threads * BATCHES_PER_WORKER))))
        batches = list(iter_batches(specs, per_batch, BATCH_BYTES))
        items = [(str(out.resolve()), number, files) for number, files in enumerate(batches)]
        bag = dask.bag.from_sequence(items, npartitions=len(items)).map(_write_batch)
        report = ShardsReport(files=len(specs), batches=len(batches), workers=threads, not_walked=not_walked)
        futures = client.compute(bag.to_delayed())
        for future in as_completed(futures):
            for counts in future.result():
                for table, count in counts.items():
                    report.rows[table] = report.rows.get(table, 0) + count
                if on_batch:
                    on_batch(counts)
    write_manifest(out, archives, len(batches), report.rows)
    return report


def _check_out(out: Path, paths: list[Path], force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ShardsError(f"{out} is a file: --out names the folder the shards go to")
    where = real(out)
    for path in paths:
        if path.is_dir() and (where == real(path) or where.startswith(real(path) + os.sep)):
            raise ShardsError(f"{out} is inside {path}, whose files are parsed: choose an --out folder outside it")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ShardsError(f"{out} exists and is not empty: choose another --out, or add --force to replace "
                          "the shards in it (nothing else in it is touched)")
