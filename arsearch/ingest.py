"""Ingest: articles in, committed index segments out, one batch at a time.

A batch is planned in the calling process (validation, skipping unchanged
articles by content hash, finding the ids it replaces) and committed as one
unit, so a killed ingest leaves the index exactly as of its last commit, and
re-running it skips what was committed. Analysis and extraction are the
expensive part: with ``jobs > 1`` they run in worker processes that each
write their own segment (``arsearch.engine.store.SegmentBuilder``), and the
calling process, holding the index's write lock, deletes replaced articles
and adds those segments in one commit (the scheme of Whoosh's own
``MpWriter``, with our analysis in the workers).

An ingest is given its ``Target``: the index's store, its analyzer and its
gazetteer; it knows nothing else of the index.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import re
import signal
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from arsearch.engine.schema import content_hash, extract_articles, id_hash_key, to_document
from arsearch.engine.store import Segment, SegmentBuilder, Store, Writer
from arsearch.errors import ArsearchError, InputError
from arsearch.extract.gazetteer import Gazetteer
from arsearch.io.readers import CSV_SUFFIXES, JSONL_SUFFIXES, STDIN, iter_files, open_binary
from arsearch.models import Article, Mention, plural
from arsearch.text.analyzer import Analyzer, default_analyzer

#: Articles per commit; it sets the size of the segments, one per worker and
#: batch. At 4,000 the 73k news corpus made 38 segments and Whoosh's merge policy
#: merged 20 of them (40k articles) in the committing process while the workers
#: waited, about a third of the ingest. The posting pools spill to disk at
#: WORKER_LIMIT_MB, but memory still grows with the batch: at 40,000 the 73k
#: corpus made 4 segments and a 1.77x index instead of 2.17x, and peaked at
#: 1,542 MB instead of 1,096 (benchmarks/ingest.py --batch).
DEFAULT_BATCH = 16000
#: Below this many articles to write, worker processes cost more than they save.
MIN_PARALLEL = 200
#: Articles per message to a worker; small enough for smooth progress.
CHUNK = 50
#: Chunks queued per worker at a time (bounds memory in the pipes).
IN_FLIGHT = 3
#: Memory of a worker's posting pool before it spills a sorted run to disk.
#: Whoosh's estimate is well below the real size of its Python objects: at
#: 192 a 10k-article ingest peaked at 1,080 MB (all processes), at 64 at
#: 826 MB, for 7% fewer docs/s (benchmarks/ingest.py --sizes 10000).
WORKER_LIMIT_MB = 64
#: Allocations between two young-generation garbage collections while
#: ingesting (CPython's default: 700). The posting pools and the word caches
#: hold hundreds of thousands of containers, and every tenth young collection
#: may scan them all again: at 700, 1,500 news articles took 13 full
#: collections and 8% of the ingest with extraction (5% without); at 10,000,
#: one or none (the ingests of benchmarks/extraction.py, timed through
#: gc.callbacks). Little garbage is cyclic, and reference counting frees the
#: rest at once. 4,500 ANT articles in one process spent 3.6 s collecting at
#: 10,000 (399 young collections), 1.5 s at 50,000 (43); in a worker, which
#: also freezes what survives each chunk (``IngestWorker``), 0.3 s (timed
#: through gc.callbacks).
GC_YOUNG = 50_000
_POLL = 0.5  # seconds between checks that the other side is still alive

Progress = Callable[[int], None]
"""Called with the number of articles handled so far (written, skipped or failed).

If it also has a ``phase(label)`` method, that is called when the ingest moves
on from articles to merging segments.
"""


@dataclass(frozen=True)
class Target:
    """Where an ingest writes and how it analyses: what it needs of an index.

    ``gazetteer`` gives the gazetteer when articles are extracted in this
    process (it may load on first use); worker processes load
    ``gazetteer_files`` (user files, on top of the bundled ones) themselves.
    ``salt`` stands for whatever else shapes a document besides the article
    (a digest of the gazetteer files): an article ingested under another
    salt is extracted again even if its text is unchanged.
    """

    store: Store
    analyzer: Analyzer
    gazetteer: Callable[[], Gazetteer]
    gazetteer_files: tuple[str, ...]
    salt: str
    #: Each article's place in the order of ingest when the caller numbers them (a
    #: shard: the coordinator's numbers), None where this ingest numbers them.
    sequence: Callable[[str], int | None] | None = None


#: Bad lines of one file listed by ``IngestReport.error_lines``; the rest are counted.
ERRORS_PER_FILE = 3
_LINE_NUMBER = re.compile(r":[0-9]+$")


@dataclass
class IngestReport:
    """Counts of what an ingest did; ``errors`` holds one line per skipped input
    (``error_lines`` the same, with the bad lines of each file capped)."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    merged: int = 0
    """Segments merged into one at the end of the ingest."""
    #: The file of each entry of ``errors`` that names a line (``file:line``), else None.
    error_files: list[str | None] = field(default_factory=list, repr=False)

    @property
    def indexed(self) -> int:
        """Articles written (added or replaced)."""
        return self.added + self.replaced

    @property
    def handled(self) -> int:
        """Articles and inputs dealt with in any way."""
        return self.indexed + self.unchanged + self.failed

    def summary(self) -> str:
        """One line: added / replaced / unchanged / failed, time and rate."""
        rate = self.indexed / self.seconds if self.seconds > 0 else 0.0
        merged = f", merged {plural(self.merged, 'segment')}" if self.merged else ""
        return (f"added {self.added}, replaced {self.replaced}, unchanged {self.unchanged}, "
                f"failed {self.failed}{merged} in {self.seconds:.1f}s ({rate:.0f} docs/s)")

    def add_part(self, part: IngestReport) -> int:
        """Count another report's added, replaced, unchanged and errors here (a
        shard's share of a sharded ingest); returns the articles it wrote or kept."""
        self.added += part.added
        self.replaced += part.replaced
        self.unchanged += part.unchanged
        for message in part.errors:
            self.fail(message)
        return part.indexed + part.unchanged

    def fail(self, message: str, source: str | None = None) -> None:
        """Count one skipped input; ``source`` names it (``file:line`` for a line)."""
        self.failed += 1
        self.errors.append(message)
        line = _LINE_NUMBER.search(source) if source else None
        self.error_files.append(source[:line.start()] if source and line else None)

    def error_lines(self, per_file: int = ERRORS_PER_FILE) -> list[str]:
        """``errors`` to show: at most ``per_file`` bad lines of each file, then one
        line counting the rest ("… and 493 more bad lines in ls.jsonl").

        A binary file is one error already (``arsearch.io.readers``); this keeps
        a text file of many bad lines from burying the rest of the report.
        """
        files = self.error_files + [None] * (len(self.errors) - len(self.error_files))
        totals: dict[str, int] = {}
        for name in files:
            if name is not None:
                totals[name] = totals.get(name, 0) + 1
        seen: dict[str, int] = {}
        lines = []
        for message, name in zip(self.errors, files, strict=True):
            if name is None or totals[name] <= per_file + 1:
                lines.append(message)
                continue
            seen[name] = seen.get(name, 0) + 1
            if seen[name] <= per_file:
                lines.append(message)
            if seen[name] == totals[name]:
                lines.append(f"… and {totals[name] - per_file} more bad lines in {name}")
        return lines


#: An article to write: (article, content digest, place in the order of ingest; 0 in
#: an index that records none).
Todo = tuple[Article, str, int]


@dataclass
class _Plan:
    """What a batch will write, in the order of ingest, and the ids it replaces."""

    todo: list[Todo]
    replacing: set[str]


def ingest(target: Target, items: Iterable[Article | dict[str, Any] | InputError], *,
           jobs: int = 1, batch_size: int = DEFAULT_BATCH,
           progress: Progress | None = None, merge: bool = True) -> IngestReport:
    """Index ``items`` into ``target``, committing every ``batch_size`` articles.

    With ``merge``, the segments of at most as many articles as it wrote or
    found unchanged are merged into one at the end (``Store.merge_segments``).
    """
    report = IngestReport()
    started = time.perf_counter()
    with _fewer_collections():
        _ingest(target, items, jobs, batch_size, progress, merge, report)
    report.seconds = time.perf_counter() - started
    return report


def _ingest(target: Target, items: Iterable[Article | dict[str, Any] | InputError], jobs: int,
            batch_size: int, progress: Progress | None, merge: bool,
            report: IngestReport) -> None:
    store = target.store
    workers: _Workers | None = None
    try:
        for batch in _batches(items, batch_size, target.salt, report):
            with store.batch() as writer:
                # Planned under the write lock, so no other writer can commit the
                # same ids between deciding what is new and writing it.
                plan = _plan(store, batch, report, target.sequence)
                if plan.todo and jobs > 1 and (workers or len(plan.todo) >= MIN_PARALLEL):
                    workers = workers or _Workers(target, jobs)
                    workers.write(writer, plan, report, progress)
                elif plan.todo:
                    _write_here(writer, target, plan, report, progress)
            if progress:
                progress(report.handled)
    finally:
        if workers:
            workers.close()
    # Unchanged articles count too: re-running an ingest whose merge was
    # interrupted (or skipped) finishes it.
    handled = report.indexed + report.unchanged
    if merge and handled:
        phase = getattr(progress, "phase", None)
        if phase is not None:
            phase("merging segments")
        report.merged = store.merge_segments(handled, jobs)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often for the duration (see ``GC_YOUNG``), then as before."""
    saved = gc.get_threshold()
    _collect_less_often()
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _collect_less_often() -> None:
    young, *older = gc.get_threshold()
    if young:  # 0: automatic collection is off
        gc.set_threshold(max(young, GC_YOUNG), *older)


def estimate_count(paths: Iterable[str | os.PathLike[str]]) -> int | None:
    """About how many articles ``paths`` hold (lines of record files), for a progress bar.

    None when one of them is standard input, whose length is unknown.
    """
    paths = [str(p) for p in paths]
    if STDIN in paths:
        return None
    total = 0
    for path in iter_files(paths):
        if isinstance(path, InputError):
            continue
        name = path.name.lower()
        if not name.endswith(JSONL_SUFFIXES + CSV_SUFFIXES):
            total += 1
            continue
        try:
            with open_binary(path) as stream:
                blocks = iter(lambda: stream.read(1 << 20), b"")  # noqa: B023
                total += sum(block.count(b"\n") for block in blocks)
        except (OSError, EOFError, zlib.error):
            continue  # the reader reports it properly
    return total


def _batches(items: Iterable[Article | dict[str, Any] | InputError], size: int, salt: str,
             report: IngestReport) -> Iterator[dict[str, tuple[Article, str]]]:
    """Valid articles in batches keyed by id; a later article of the same id wins."""
    batch: dict[str, tuple[Article, str]] = {}
    for item in items:
        article = validate(item, report)
        if article is None:
            continue
        batch.pop(article.id, None)
        batch[article.id] = (article, content_hash(article, salt))
        if len(batch) >= size:
            yield batch
            batch = {}
    if batch:
        yield batch


def validate(item: Article | dict[str, Any] | InputError, report: IngestReport
             ) -> Article | None:
    """An article to index, or None with the failure counted in ``report`` (a reader's
    ``InputError``, or a dict that is no article)."""
    if isinstance(item, InputError):
        report.fail(str(item), item.source)
        return None
    if isinstance(item, Article):
        return item
    try:
        return Article.from_dict(item)
    except ArsearchError as exc:
        report.fail(str(exc))
        return None


def _plan(store: Store, batch: dict[str, tuple[Article, str]], report: IngestReport,
          given: Callable[[str], int | None] | None = None) -> _Plan:
    """The articles of a batch to write, each numbered in the order of ingest after
    every article of the index (an unchanged article keeps its place, a replaced one
    moves to the end, as in a sharded index: ``arsearch.cluster.shard``), or as
    ``given`` numbers them."""
    plan = _Plan([], set())
    view = store.view()
    # An index made before articles were numbered records no numbers (0).
    sequence = view.last_sequence() + 1 if view.records_sequence() else 0
    # The index is asked about the whole batch at once: unchanged articles, then
    # which of the others it holds an older version of.
    keys = {article_id: id_hash_key(article_id, digest)
            for article_id, (_, digest) in batch.items()}
    unchanged = view.live_among("id_hash", keys.values())
    held = view.live_among("id", [article_id for article_id, key in keys.items()
                                  if key not in unchanged])
    for article_id, (article, digest) in batch.items():
        if keys[article_id] in unchanged:
            report.unchanged += 1
            continue
        number = given(article_id) if given is not None and sequence else None
        plan.todo.append((article, digest, sequence if number is None else number))
        sequence += 1 if sequence else 0
        if article_id in held:
            plan.replacing.add(article_id)
    return plan


def _write_here(writer: Writer, target: Target, plan: _Plan,
                report: IngestReport, progress: Progress | None) -> None:
    """Analyse and write a batch in this process (small inputs, ``jobs=1``), and commit."""
    base = report.handled
    failures: dict[str, str] = {}
    gazetteer = target.gazetteer()
    for start in range(0, len(plan.todo), CHUNK):
        chunk = plan.todo[start:start + CHUNK]
        for document in _documents(chunk, gazetteer, target.analyzer, failures):
            writer.update(document)
        if progress:
            progress(base + start + len(chunk))
    writer.commit()
    _settle(plan, failures, report)


def _documents(chunk: Sequence[Todo], gazetteer: Gazetteer, analyzer: Analyzer,
               failures: dict[str, str]) -> Iterator[dict[str, Any]]:
    """``to_document`` of each article, with its place in the order of ingest;
    extraction run on all of them at once.

    A failure is noted against its article and loses no other: if extraction
    fails for the chunk, each article is extracted on its own.
    """
    try:
        found: Sequence[list[Mention] | None] = extract_articles(
            [article for article, _, _ in chunk], gazetteer)
    except Exception:
        found = [None] * len(chunk)
    for (article, digest, sequence), mentions in zip(chunk, found, strict=True):
        try:
            document = to_document(article, digest, gazetteer, mentions, analyzer=analyzer)
        except Exception as exc:
            failures[article.id] = f"{article.id}: internal error while analysing: {exc!r}"
            continue
        if sequence:
            document["sequence"] = sequence
        yield document


def _settle(plan: _Plan, failures: dict[str, str], report: IngestReport) -> None:
    """Count a committed batch; failed articles count as failed, not written."""
    plan.todo = [todo for todo in plan.todo if todo[0].id not in failures]
    plan.replacing -= failures.keys()
    report.replaced += len(plan.replacing)
    report.added += len(plan.todo) - len(plan.replacing)
    for message in failures.values():
        report.fail(message)


class _Workers:
    """Worker processes that analyse articles and write them to their own segments."""

    def __init__(self, target: Target, jobs: int) -> None:
        context = multiprocessing.get_context(_start_method())
        self._results = context.Queue()
        self._queues = [context.Queue() for _ in range(jobs)]
        self._procs = [
            context.Process(target=_worker_main, daemon=True, name=f"arsearch-ingest-{i}",
                            args=(str(target.store.path), list(target.gazetteer_files),
                                  target.analyzer, jobq, self._results, os.getpid()))
            for i, jobq in enumerate(self._queues)
        ]
        for proc in self._procs:
            proc.start()
        self._closed = False

    def write(self, writer: Writer, plan: _Plan, report: IngestReport,
              progress: Progress | None) -> None:
        """Write one batch through the workers; commit it with the replaced ids deleted."""
        try:
            failures = self._analyse(plan, report.handled, progress)
            segments = self._flush()
        except BaseException:
            self.close()  # before the batch's writer removes the files they write
            raise
        # Deleted only now, so an article that failed keeps its old version.
        for article_id in plan.replacing - failures.keys():
            writer.delete(article_id)
        writer.commit_segments(segments)
        _settle(plan, failures, report)

    def _analyse(self, plan: _Plan, base: int, progress: Progress | None) -> dict[str, str]:
        """Send the batch out in chunks; returns the ids that failed, with a message."""
        chunks = [plan.todo[i:i + CHUNK] for i in range(0, len(plan.todo), CHUNK)]
        pending = [0] * len(self._queues)
        failures: dict[str, str] = {}
        done = 0
        while chunks or any(pending):
            while chunks and min(pending) < IN_FLIGHT:
                worker = pending.index(min(pending))
                self._queues[worker].put(("docs", worker, chunks.pop(0)))
                pending[worker] += 1
            kind, worker, count, failed = self._receive()
            pending[worker] -= 1
            done += count
            failures.update(failed)
            if progress:
                progress(base + done)
        return failures

    def _flush(self) -> list[Segment]:
        for worker, jobq in enumerate(self._queues):
            jobq.put(("flush", worker, None))
        segments = []
        for _ in self._queues:
            _kind, _worker, segment, _ = self._receive()
            if segment is not None:
                segments.append(segment)
        return segments

    def _receive(self) -> tuple[str, int, Any, dict[str, str]]:
        while True:
            try:
                message = self._results.get(timeout=_POLL)
            except queue.Empty:
                for proc in self._procs:
                    if not proc.is_alive():
                        raise ArsearchError(
                            f"ingest worker {proc.name} died (exit code {proc.exitcode}); "
                            "nothing of the current batch was committed") from None
                continue
            if message[0] == "error":
                raise ArsearchError(f"{message[2]}; nothing of the current batch was committed")
            return message

    def close(self) -> None:
        """Stop the workers (they also stop by themselves if this process dies)."""
        if self._closed:
            return
        self._closed = True
        for jobq in self._queues:
            jobq.put(("stop", 0, None))
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for jobq in [*self._queues, self._results]:
            # Chunks a dead worker never read must not keep this process alive.
            jobq.cancel_join_thread()
            jobq.close()


def _start_method() -> str:
    """Fork when it is safe (no threads): no re-import of the caller's script.

    Spawn would run a script that lacks ``if __name__ == "__main__"`` again
    in every worker; fork of a process with threads can deadlock.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _worker_main(path: str, gazetteer_files: list[str], analyzer: Analyzer, jobs: Any,
                 results: Any, parent: int) -> None:
    """A worker process: run ``IngestWorker``; report a failure as one line, not a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    _collect_less_often()  # a spawned worker does not inherit the ingest's setting
    try:
        IngestWorker(path, gazetteer_files, analyzer).run(jobs, results, parent)
    except OSError as exc:  # disk full, index removed under us, ...
        results.put(("error", -1, f"{path}: cannot write the index: {exc.strerror or exc}", {}))
    except Exception as exc:
        results.put(("error", -1, f"ingest worker failed: {exc!r}", {}))


class IngestWorker:
    """What an ingest worker process does: analyses the articles it is sent into a
    segment of the index at ``path``, and hands the segment over on "flush"."""

    def __init__(self, path: str, gazetteer_files: list[str],
                 analyzer: Analyzer | None = None) -> None:
        self.store = Store.open(path)
        self.gazetteer = Gazetteer.load(gazetteer_files)
        self.analyzer = analyzer if analyzer is not None else default_analyzer()
        self.builder: SegmentBuilder | None = None
        #: Whether the last segment written left garbage to collect before the next.
        self._garbage = False

    def run(self, jobs: Any, results: Any, parent: int) -> None:
        """Serve messages until "stop" or until the parent process is gone."""
        while True:
            try:
                kind, worker, payload = jobs.get(timeout=_POLL)
            except queue.Empty:
                if os.getppid() != parent:  # orphaned: the ingest was killed
                    return
                continue
            if kind == "stop":
                return
            if kind == "flush":
                results.put(("segment", worker, self.flush(), {}))
            else:
                results.put(("done", worker, len(payload), self.write(payload)))

    def write(self, payload: list[Todo]) -> dict[str, str]:
        """Add articles to this worker's segment; returns the ids that failed."""
        if self._garbage:
            gc.collect()
            self._garbage = False
        if self.builder is None:
            self.builder = self.store.segment_builder(WORKER_LIMIT_MB)
        failed: dict[str, str] = {}
        for document in _documents(payload, self.gazetteer, self.analyzer, failed):
            self.builder.add(document)
        # What outlives a chunk (the pool, the word caches) lives until the
        # segment is written: the collector need not look at it again.
        gc.freeze()
        return failed

    def flush(self) -> Segment | None:
        """Finish the current segment (None if nothing was written) and start afresh."""
        segment = self.builder.finish() if self.builder is not None else None
        self.builder = None
        # Writing a segment leaves reference cycles behind (Whoosh's term-table
        # writer holds a tuple per term): they are collected, frozen or not,
        # once, when the next batch starts. After an ingest's last segment the
        # worker stops instead, and a collection (a third of a second on 2,500
        # articles) would only delay the merge that follows.
        gc.unfreeze()
        self._garbage = True
        return segment
