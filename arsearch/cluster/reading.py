"""Reading an ingest's input on the cluster: each file read once, by a reader actor
wherever Ray places it, its articles sent to their shards' actors directly.

When a sharded index runs on Ray and its input is several files on a
filesystem every node sees at the same path (a shared mount), the process
running the ingest (the coordinator) does not read them: it shares the files
out among reader actors (``_FileReader``), one per shard at most. Each reader
reads a batch of its files at a time, numbers every record by its place in
the input (file number, then record number in the file: the order in which an
unsharded ingest of the same paths would read them), routes the articles to
their shards and waits for the shards' commits. The coordinator only asks for
the next batch and adds up what comes back: progress, the summary line and the
bad inputs (sorted by their place in the input, as an ingest in one process
lists them).

A record of an id read again later in the input (in another file, read by
another reader, maybe first) wins over an earlier one, as in an unsharded
ingest: a shard drops an article whose place in this ingest comes before the
place it already holds (``Shard.add``'s ``since``). A killed ingest keeps what
the shards committed; running it again skips what is unchanged.

If a reader does not see a file as the coordinator does (missing, or another
size), nothing is read there: the coordinator reads the input itself, as
without a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from arsearch.cluster.manifest import route
from arsearch.errors import ArsearchError, InputError, ShardFailed
from arsearch.ingest import IngestReport, validate
from arsearch.io.readers import STDIN, iter_files, read_file
from arsearch.models import Article

#: Records of one file are numbered below 2**RECORD_BITS, after its file number.
RECORD_BITS = 32
#: One file to read: (its number in the input, its path as the coordinator names it,
#: its size as the coordinator sees it).
File = tuple[int, str, int]
#: A bad input: (its place in the input, the message, the ``file:line`` it names).
BadInput = tuple[int, str, str | None]


class _FileReader:
    """A reader actor's body: some files of the input, read a batch at a time."""

    def __init__(self, files: list[File], directory: str, actors: list[Any],
                 paths: list[str], base: int, batch_size: int, jobs: int) -> None:
        # The coordinator's working directory, where its relative paths start.
        if os.path.isdir(directory):
            os.chdir(directory)
        self.files = files
        self.actors = actors
        self.paths = paths
        self.shards = len(actors)
        self.base = base
        self.batch_size = batch_size
        self.jobs = jobs
        self._records = self._read()

    def unseen(self) -> list[str]:
        """The files this reader does not see as the coordinator does."""
        missing = []
        for _, name, size in self.files:
            try:
                if os.stat(name).st_size != size:
                    missing.append(name)
            except OSError:
                missing.append(name)
        return missing

    def _read(self) -> Iterator[tuple[int, Article | InputError]]:
        for number, name, _ in self.files:
            for record, item in enumerate(read_file(Path(name))):
                yield (number << RECORD_BITS) + record, item

    def step(self) -> tuple[bool, list[BadInput], dict[int, Any]]:
        """Read up to a batch of articles, send each shard its part and wait for the
        commits: (whether the files are done, bad inputs, each shard's (ok, report))."""
        batch: dict[str, tuple[int, Article]] = {}
        bad: list[BadInput] = []
        done = True
        for place, item in self._records:
            if isinstance(item, InputError):
                bad.append((place, str(item), item.source))
                continue
            failed = IngestReport()
            article = validate(item, failed)
            if article is None:
                bad += [(place, message, None) for message in failed.errors]
                continue
            batch.pop(article.id, None)  # the later record of an id, in its place
            batch[article.id] = (place, article)
            if len(batch) >= self.batch_size:
                done = False
                break
        pending: dict[int, list[tuple[int, Article]]] = {}
        for place, article in batch.values():
            pending.setdefault(route(article.id, self.shards), []).append(
                (self.base + place, article))
        import ray

        refs = {n: self.actors[n].call.remote("add", items, self.jobs, self.base)
                for n, items in pending.items()}
        parts = {}
        for number, ref in refs.items():
            try:
                parts[number] = ray.get(ref)
            except ray.exceptions.RayError as exc:  # past the actor's restarts
                failure = ShardFailed(number, self.paths[number], type(exc).__name__)
                parts[number] = (False, (ShardFailed, failure.args, dict(vars(failure))))
        return done, bad, parts


def shared_files(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[File], list[BadInput]]:
    """The input files of ``paths`` as readers on the cluster get them, and the inputs
    that are errors here already (a missing path), placed before the next file's
    records; ([], []) when standard input is one of them."""
    if any(os.fspath(p) == STDIN for p in paths):
        return [], []
    files: list[File] = []
    errors: list[BadInput] = []
    for item in iter_files(paths):
        place = (len(files) << RECORD_BITS) - 1
        if isinstance(item, InputError):
            errors.append((place, str(item), item.source))
            continue
        try:
            files.append((len(files), str(item), item.stat().st_size))
        except OSError as exc:
            error = InputError(str(item), exc.strerror or "cannot be read")
            errors.append((place, str(error), error.source))
    return files, errors


def groups(files: list[File], count: int) -> list[list[File]]:
    """``files`` in at most ``count`` groups of about equal size, each in input order."""
    totals = [0] * count
    chosen: list[list[File]] = [[] for _ in range(count)]
    for file in sorted(files, key=lambda f: -f[2]):
        smallest = totals.index(min(totals))
        chosen[smallest].append(file)
        totals[smallest] += max(file[2], 1)
    return [sorted(group) for group in chosen if group]


def start_readers(ray: Any, files: list[File], actors: list[Any], paths: list[str],
                  base: int, batch_size: int, jobs: int) -> list[Any] | None:
    """One reader actor per group of files (as many groups as shards at most), or
    None, with no reader left, if one of them does not see its files.

    A reader reads ``batch_size`` articles a step, so each shard commits about
    as many articles a time as from a coordinator reading alone.
    """
    remote = ray.remote(num_cpus=0, max_restarts=0, scheduling_strategy="SPREAD")(_FileReader)
    readers = [remote.remote(group, os.getcwd(), actors, paths, base, batch_size, jobs)
               for group in groups(files, min(len(actors), len(files)))]
    try:
        unseen = ray.get([reader.unseen.remote() for reader in readers])
    except ray.exceptions.RayError:
        unseen = [["?"]]
    if any(unseen):
        stop(ray, readers)
        return None
    return readers


def stop(ray: Any, readers: list[Any]) -> None:
    """Stop the readers (an interrupted ingest must not go on reading)."""
    for reader in readers:
        try:
            ray.kill(reader, no_restart=True)
        except Exception:  # already gone
            continue


def run_readers(ray: Any, readers: list[Any], report: IngestReport, handled: list[int],
                progress: Any, unpack: Any, bad: list[BadInput]) -> None:
    """Step every reader until its files are done, adding up into ``report`` (the bad
    inputs, with those found here already, ``bad``, in input order at the end) and
    ``handled`` (articles per shard)."""
    report.failed += len(bad)
    running = {reader.step.remote(): reader for reader in readers}
    try:
        while running:
            (ref,), _ = ray.wait(list(running), num_returns=1)
            reader = running.pop(ref)
            try:
                done, found, parts = ray.get(ref)
            except ray.exceptions.RayError as exc:
                cause = getattr(exc, "cause", None) or exc
                raise ArsearchError(f"reading the input on the cluster failed: "
                                    f"{type(cause).__name__}: {str(cause).splitlines()[0]}"
                                    ) from None
            bad += found
            for number, (ok, part) in sorted(parts.items()):
                if not ok:
                    raise unpack(part)
                handled[number] += report.add_part(part)
            report.failed += len(found)  # listed below, in input order
            if progress:
                progress(report.handled)
            if not done:
                running[reader.step.remote()] = reader
    finally:
        stop(ray, readers)
    report.failed -= len(bad)
    for _, message, source in sorted(bad, key=lambda b: b[0]):
        report.fail(message, source)
