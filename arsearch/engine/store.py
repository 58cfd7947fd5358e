"""The Whoosh index inside an arsearch index directory, behind a few small classes.

Everything ``arsearch.index``, ``arsearch.ingest`` and ``arsearch.maintenance``
do with Whoosh goes through here:

* ``Store``: a Whoosh index in a directory. It is created, opened or looked
  for (``Store.create``, ``Store.open``, ``Store.exists``), hands out this
  thread's searcher (``view``), the one writer (``writer``, ``batch``) and
  segment builders for worker processes (``segment_builder``), lists and
  merges segments, and removes what a failed writer left behind.
* ``View``: a searcher as of one commit, scoring with arsearch's BM25F
  settings: stored fields, term statistics, matches ranked by score or date
  (``arsearch.engine.evaluate`` and ``collect``), matches grouped by field.
* ``Writer``: the writer holding the index's write lock for one batch.
* ``SegmentBuilder``: a segment written without the lock (an ingest worker's),
  committed by the ``Writer`` that holds it.

Queries arrive compiled to Whoosh (``arsearch.engine.compile.to_whoosh``);
above the engine they are opaque values (``Query``). A Whoosh release the
engine was not checked against is refused when an index is opened, created
or written to (``arsearch.engine.compat``).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import os
import pickle
import shutil
import struct
import threading
import traceback
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as windex
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.automata.fst import FileVersionError
from whoosh.fields import FieldConfigurationError
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import FileFormatError
from whoosh.filedb.structfile import StructFile
from whoosh.index import clean_files
from whoosh.reading import SegmentReader
from whoosh.writing import LockError

from arsearch.engine import safeload
from arsearch.engine.checksums import (
    CheckReport,
    check_files,
    latest_generation,
    segment_files,
    toc_name,
    verify_on_open,
    write_manifest,
)
from arsearch.engine.collect import (
    SEQUENCE,
    newest_first,
    sequence_column,
    top_by_score,
)
from arsearch.engine.columns import SegmentColumns, Tally
from arsearch.engine.compat import check_whoosh_version
from arsearch.engine.evaluate import Matches, evaluate
from arsearch.engine.facets import READ_BACK, group_stored
from arsearch.engine.schema import build_schema
from arsearch.engine.writer import TermPoolWriter, field_terms
from arsearch.errors import ArsearchError, DamagedIndex, IndexLocked, UnsafeIndex

# Every pickle Whoosh reads from an index resolves only the classes an arsearch
# index holds (``arsearch.engine.safeload``).
safeload.install()

#: BM25 parameters, tuned on the relevance dev sets (benchmarks/relevance.py):
#: a low k1 saturates repeated terms early, so a passage matching more of
#: the query's distinct words outranks one repeating a single word.
BM25_B = 0.75
BM25_K1 = 0.6
#: Seconds a writer waits for another one to release the index.
WRITER_TIMEOUT = 30.0
#: A probe of a segment's term table costs about as much as reading this many of
#: its terms in order (``View.live_among``).
_PROBES_PER_SCAN = 10

#: A query compiled for Whoosh (``arsearch.engine.compile.to_whoosh``).
Query = Any
#: A segment finished by ``SegmentBuilder.finish``, for ``Writer.commit_segments``
#: (it pickles, so it can come from another process).
Segment = Any
#: Stored fields of an article, by field name.
Stored = dict[str, Any]

#: What reading damaged bytes raises inside Whoosh and the engine: unpickling
#: garbage, short reads, bad zlib streams, structs and offsets out of range,
#: values of the wrong shape (and an ``OSError`` of a seek past the start or
#: of the disk, or of a file a damaged segment names; Whoosh's own errors for a table or
#: automaton file with a wrong header, or a TOC whose schema is not one). Turned into
#: ``DamagedIndex`` (``reading``).
DAMAGE = (EOFError, struct.error, zlib.error, pickle.UnpicklingError, ValueError,
          IndexError, KeyError, UnicodeDecodeError, OverflowError, TypeError,
          AttributeError, AssertionError, MemoryError, windex.IndexError,
          FileFormatError, FileVersionError, FieldConfigurationError)


def _as_damage(exc: Exception, path: str | os.PathLike[str], file: str
               ) -> DamagedIndex | None:
    """The ``DamagedIndex`` (``UnsafeIndex`` for a refused pickled class) naming ``file``
    of the index at ``path`` that ``exc`` amounts to; None if it is not about the data."""
    if isinstance(exc, safeload.Refused):
        traceback.clear_frames(exc.__traceback__)  # drops the files Whoosh left open
        return UnsafeIndex(str(path), file, exc.found)
    if isinstance(exc, DamagedIndex) or not isinstance(exc, (*DAMAGE, OSError)):
        return None
    if isinstance(exc, OSError) and exc.errno not in (errno.EINVAL, errno.EIO, errno.ENOENT):
        return None  # not the data: permissions, a vanished disk... (the CLI names them)
    traceback.clear_frames(exc.__traceback__)
    reason = f"unreadable ({type(exc).__name__}: {exc})".replace("\n", " ")
    return DamagedIndex(str(path), file, reason[:200])


@contextlib.contextmanager
def reading(path: str | os.PathLike[str], file: str) -> Iterator[None]:
    """Turn what reading damaged or crafted index data raises into one ``DamagedIndex``
    (``UnsafeIndex`` for a refused pickled class) naming ``file`` of the index at ``path``."""
    try:
        yield
    except Exception as exc:
        if (damage := _as_damage(exc, path, file)) is None:
            raise
        raise damage from None


def _merged_files(segments: Iterable[Any], chosen: Iterable[str] | None = None) -> str:
    """The files of the ``segments`` (those of the ids ``chosen``, if given) a merge reads,
    as a damaged one is named (one of them)."""
    wanted = None if chosen is None else set(chosen)
    return "one of the segments merged (" + ", ".join(sorted(
        segment.make_filename(".seg") for segment in segments
        if wanted is None or segment.segment_id() in wanted)) + ")"


class _File(StructFile):
    """Whoosh's file wrapper, closing its file when dropped: Whoosh drops a segment
    file without closing it when reading from it fails (damaged or crafted data)."""

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if not self.is_closed:
                self.file.close()


class _Storage(FileStorage):
    """Whoosh's file storage, reading a TOC whole into memory (it is small, and Whoosh
    leaves it open when unpickling it fails) and handing out files as ``_File``."""

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if name.endswith(".toc"):
            with open(os.path.join(self.folder, name), "rb") as handle:
                return _File(io.BytesIO(handle.read()), name=name, **kwargs)
        return _File(open(os.path.join(self.folder, name), "rb"), name=name, **kwargs)


def storage(path: str | os.PathLike[str], *, mmap: bool = False) -> FileStorage:
    """Whoosh's file storage of the index at ``path``, reading a TOC whole and closing
    every file it hands out when dropped, even one a failed read left open."""
    return _Storage(str(path), supports_mmap=mmap)


def _reads(method: Callable[..., Any]) -> Callable[..., Any]:
    """A ``View`` method whose damaged data becomes ``DamagedIndex`` (``reading``)."""
    @functools.wraps(method)
    def guarded(self: View, *args: Any, **kwargs: Any) -> Any:
        try:  # not ``reading``: a context manager per call costs more than many calls
            return method(self, *args, **kwargs)
        except Exception as exc:
            if (damage := _as_damage(exc, self.path, "segment data")) is None:
                raise
            raise damage from None
    return guarded


class View:
    """A searcher over the index as of one commit, scoring with ``BM25_B`` and ``BM25_K1``."""

    def __init__(self, searcher: Any, path: str | os.PathLike[str] = "") -> None:
        self._searcher = searcher
        self.path = str(path)
        self._columns: SegmentColumns | None = None
        #: The last query ranked or tallied and its matches: facets follow their search.
        self._last: tuple[Query, Matches] | None = None
        #: Each document's place in the order of ingest, read on first use.
        self._sequence: np.ndarray | None = None
        #: Per (field, value): the stored fields of the first article ingested holding it.
        self._first: dict[tuple[str, str], Stored | None] = {}
        #: Whether ``tallies`` reads segments' columns (False: stored fields only,
        #: to compare the two paths).
        self.use_columns = True

    @property
    def searcher(self) -> Any:
        """The Whoosh searcher, for the engine's own modules (``globalstats``)."""
        return self._searcher

    def up_to_date(self) -> bool:
        """False once a newer commit exists (this view keeps seeing its own)."""
        return self._searcher.up_to_date()

    def close(self) -> None:
        """Release the segment files."""
        self._searcher.close()

    @_reads
    def doc_count(self) -> int:
        """Articles in the index (deleted ones not counted)."""
        return self._searcher.doc_count()

    @_reads
    def stored(self, docnum: int) -> Stored:
        """The stored fields of an article by its document number."""
        return self._searcher.stored_fields(docnum)

    @_reads
    def find(self, fieldname: str, value: str) -> Stored | None:
        """The stored fields of the first article whose ``fieldname`` holds ``value``."""
        return self._searcher.document(**{fieldname: value})

    def documents(self, in_ingest_order: bool = False) -> Iterator[Stored]:
        """The stored fields of every article, in index order (or in the order of ingest)."""
        with reading(self.path, "segment data"):
            if not in_ingest_order:
                yield from self._searcher.documents()
                return
            reader = self._searcher.reader()
            for docnum in self.ingest_order():
                if not reader.is_deleted(docnum):
                    yield reader.stored_fields(docnum)

    @_reads
    def first_and_last(self, fieldname: str) -> tuple[str | None, str | None]:
        """The smallest and the largest term of a field held by a live (non-deleted)
        article (None, None if it has none).

        A deleted article's terms stay in the term table until its segment is
        merged: each end is walked inward to the first term with a live posting.
        """
        reader = self._searcher.reader()
        terms = list(self._searcher.lexicon(fieldname))
        if reader.has_deletions():
            def live(term: bytes) -> bool:
                postings = reader.postings(fieldname, term)
                return any(not reader.is_deleted(docnum) for docnum in postings.all_ids())
            first = next((i for i, term in enumerate(terms) if live(term)), None)
            if first is None:
                return None, None
            last = next(i for i in range(len(terms) - 1, first - 1, -1) if live(terms[i]))
            terms = terms[first:last + 1]
        if not terms:
            return None, None
        return terms[0].decode(), terms[-1].decode()

    @_reads
    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Articles whose ``fieldname`` holds ``term``."""
        return self._searcher.doc_frequency(fieldname, term)

    @_reads
    def terms_within(self, fieldname: str, term: str, maxdist: int) -> list[tuple[str, int]]:
        """Terms of ``fieldname`` within ``maxdist`` edits of ``term`` (itself included,
        if indexed), with their article counts, in term order."""
        reader = self._searcher.reader()
        return [(candidate, reader.doc_frequency(fieldname, candidate))
                for candidate in reader.terms_within(fieldname, term, maxdist)]

    @_reads
    def terms_from(self, fieldname: str, prefix: str = "", limit: int | None = None
                   ) -> list[tuple[str, int]]:
        """The terms of ``fieldname`` that begin with ``prefix`` (every term with ""),
        in term order, at most ``limit`` (None: all), with their article counts.

        A term read once and its count from the term table, without its postings:
        a deleted article still counts until its segment is merged.
        """
        out: list[tuple[str, int]] = []
        if limit == 0:
            return out
        for text, info in self._searcher.reader().iter_prefix(fieldname, prefix):
            out.append((text.decode("utf-8"), info.doc_frequency()))
            if len(out) == limit:
                break
        return out

    @_reads
    def live_among(self, fieldname: str, texts: Iterable[str]) -> set[str]:
        """Those of ``texts`` that belong to at least one non-deleted article in
        ``fieldname``, asked of many texts at once.

        A segment is read through once (``field_terms``) when the texts are many
        for its size, and probed per text otherwise: a probe of Whoosh's term
        table costs about as much as reading ten of its terms in order, and a
        batch of 16,000 articles against 20 segments was 640,000 probes.
        """
        wanted = {text.encode("utf-8"): text for text in texts}
        found: set[str] = set()
        for leaf, _offset in self._searcher.leaf_searchers():
            reader = leaf.reader()
            left = {term: text for term, text in wanted.items() if text not in found}
            if not left:
                break
            if (isinstance(reader, SegmentReader)
                    and len(left) * _PROBES_PER_SCAN >= reader.doc_count_all()):
                held = [left[term] for term in field_terms(reader, fieldname) if term in left]
            else:
                held = [text for text in left.values() if (fieldname, text) in reader]
            if reader.has_deletions():
                held = [text for text in held
                        if any(not reader.is_deleted(docnum)
                               for docnum in reader.postings(fieldname, text).all_ids())]
            found.update(held)
        return found

    def records_sequence(self) -> bool:
        """Whether the index numbers its articles in the order of ingest (one made before
        it did has no column for it: ``arsearch reindex`` adds one)."""
        return SEQUENCE in self._searcher.schema

    @_reads
    def sequence(self) -> np.ndarray:
        """Each document's place in the order of ingest (0: none recorded), by docnum."""
        if self._sequence is None:
            self._sequence = sequence_column(self._searcher)
        return self._sequence

    def last_sequence(self) -> int:
        """The highest place in the order of ingest an article holds (0 if none)."""
        column = self.sequence()
        return int(column.max()) if len(column) else 0

    def ingest_order(self) -> list[int]:
        """Every docnum (deleted ones too) in the order of ingest."""
        return np.argsort(self.sequence(), kind="stable").tolist()

    @_reads
    def first_ingested(self, fieldname: str, value: str) -> Stored | None:
        """The stored fields of the first article ingested whose ``fieldname`` holds
        ``value`` (as ``find``, which gives the first in index order)."""
        key = (fieldname, value)
        if key not in self._first:
            if not self.records_sequence():
                self._first[key] = self.find(fieldname, value)
            else:
                docnums = evaluate(self._searcher, wq.Term(fieldname, value)).docnums
                self._first[key] = None if not len(docnums) else self.stored(
                    int(docnums[np.argmin(self.sequence()[docnums])]))
        return self._first[key]

    @_reads
    def matches(self, query: Query) -> Matches:
        """Every match of ``query`` with its score (``arsearch.engine.evaluate``)."""
        return evaluate(self._searcher, query)

    @_reads
    def top_by_score(self, query: Query, limit: int | None
                     ) -> tuple[list[tuple[int, float]], int]:
        """(docnum, score) of the best ``limit`` matches (all with None), best first,
        and the number of matches."""
        return top_by_score(self._searcher, query, limit or self._searcher.doc_count() or 1,
                            self._matches_of(query), self.sequence)

    @_reads
    def newest_first(self, query: Query, limit: int | None) -> tuple[list[int], int]:
        """Docnums of the newest ``limit`` matches (all with None) and the number of matches."""
        return newest_first(self._searcher, query, limit, self._matches_of(query),
                            self.sequence)

    def _matches_of(self, query: Query) -> Matches:
        """``evaluate``, keeping the last query's matches (the query object itself is
        kept, so it is the same query, unchanged, as long as this view sees one commit)."""
        if self._last is None or self._last[0] is not query:
            self._last = (query, evaluate(self._searcher, query))
        return self._last[1]

    @_reads
    def grouped(self, query: Query, fieldnames: list[str]) -> dict[str, dict[Any, list[int]]]:
        """The matches of a query grouped by the values of each field: {field: {value: docnums}}.

        Values come from the stored fields (``arsearch.engine.facets``), or for
        other fields from Whoosh's facet collector.
        """
        docnums = set(evaluate(self._searcher, query))
        if not docnums:
            return {name: {} for name in fieldnames}
        if all(name in READ_BACK for name in fieldnames):
            return group_stored(self._searcher, docnums, fieldnames)
        facets = {name: sorting.FieldFacet(name, allow_overlap=name != "published",
                                           maptype=sorting.UnorderedList)
                  for name in fieldnames}
        results = self._searcher.search(wq.Every(), limit=1, groupedby=facets, filter=docnums)
        return {name: results.groups(name) for name in fieldnames}


    @_reads
    def tallies(self, query: Query, fieldnames: list[str]) -> dict[str, Tally]:
        """The values of the matches of a query in each field (of ``READ_BACK``).

        Read from each segment's columns (``arsearch.engine.columns``), loaded
        once per view; a segment without them (or every one with ``columns=False``)
        from its articles' stored fields, with the same result (every segment
        without ``use_columns``).
        """
        docnums = self._matches_of(query).docnums.astype(np.int64)
        if self._columns is None and len(docnums):
            self._columns = SegmentColumns(self.path, (
                (leaf.reader().segment().segment_id(), offset, leaf.reader().doc_count_all())
                for leaf, offset in self._searcher.leaf_searchers()))
        if self._columns is None:
            return {name: Tally([], docnums, docnums) for name in fieldnames}
        return self._columns.tallies(
            docnums, fieldnames,
            lambda numbers, names: group_stored(self._searcher, numbers, names),
            self.use_columns)


class Writer:
    """The index's writer for one batch; it holds the write lock until it commits or cancels.

    Used with ``with``, it commits when the block ends and cancels if it raises.
    """

    def __init__(self, store: Store, writer: TermPoolWriter) -> None:
        self._store = store
        self._writer = writer

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type: object, *_exc: object) -> None:
        if exc_type:
            self.cancel()
        else:
            self.commit()

    @property
    def closed(self) -> bool:
        """Whether the writer committed or cancelled (and released the lock)."""
        return self._writer.is_closed

    def add(self, document: dict[str, Any]) -> None:
        """Add a document (``arsearch.engine.schema.to_document``)."""
        self._writer.add_document(**document)

    def update(self, document: dict[str, Any]) -> None:
        """Add a document in place of any with the same ``id``."""
        self._writer.update_document(**document)

    def delete(self, article_id: str) -> int:
        """Delete the article with this id; returns how many were deleted (0 or 1)."""
        return self._writer.delete_by_term("id", article_id)

    def commit(self) -> None:
        """Write what was added and deleted as a new generation, letting Whoosh's
        merge policy merge small segments; releases the lock."""
        self._writer.commit()

    def cancel(self) -> None:
        """Drop what was added and deleted; releases the lock."""
        self._writer.cancel()

    def commit_segments(self, segments: list[Segment]) -> None:
        """Commit this writer's deletions plus finished segments as one new generation.

        Whoosh has no public call for adding finished segments; these private
        steps are the ones ``whoosh.multiproc.MpWriter`` uses, in its order
        (``arsearch.engine.compat.PRIVATE_NAMES``).
        """
        writer = self._writer
        final = writer._merge_segments(None, None, None)
        if writer._added:  # the merge policy merged small segments into this writer
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(final + segments)
        writer._finish()

    def commit_merged(self, segment_ids: set[str], jobs: int = 1) -> None:
        """Commit with the segments of ``segment_ids`` merged into one, others kept as
        they are; ``jobs`` processes share out the fields where the platform forks."""
        def policy(writer: Any, existing: list[Any]) -> list[Any]:
            kept = []
            for segment in existing:
                if segment.segment_id() not in segment_ids:
                    kept.append(segment)
                    continue
                with SegmentReader(writer.storage, writer.schema, segment) as reader:
                    writer.add_reader(reader)
            return kept

        self._writer.merge_jobs = jobs
        self._writer.commit(mergetype=policy)

    def commit_optimized(self, jobs: int = 1) -> None:
        """Commit with every segment merged into one (``jobs`` as for ``commit_merged``)."""
        self._writer.merge_jobs = jobs
        self._writer.commit(optimize=True)

    def abandon(self) -> None:
        """After a failure: close, remove every file this writer wrote, release the lock.

        Whoosh's ``cancel`` in three steps, so the files are removed after the
        writer closed its own (closing may still write) and before the lock goes.
        """
        writer = self._writer
        with contextlib.suppress(Exception):
            writer._close_segment()
        self._store.remove_leftovers()
        try:
            writer._finish()
        except Exception:
            if writer.writelock:
                writer.writelock.release()


class SegmentBuilder:
    """Documents written to a segment of their own without the write lock (an ingest
    worker's); ``finish`` hands the segment over to the ``Writer`` holding the lock."""

    def __init__(self, store: Store, limitmb: float) -> None:
        self._writer = TermPoolWriter(store._ix, _lk=False, limitmb=limitmb)

    def add(self, document: dict[str, Any]) -> None:
        """Add a document (``arsearch.engine.schema.to_document``)."""
        self._writer.add_document(**document)

    def finish(self) -> Segment:
        """Write the segment's files; the segment is for ``Writer.commit_segments``."""
        return self._writer._finalize_segment()


def _close_all(views: set[View]) -> None:
    for view in list(views):
        view.close()
    views.clear()


class Store:
    """The Whoosh index in a directory. Use ``create`` or ``open``, not the constructor.

    Each thread gets one cached ``View``, refreshed when a commit lands; all
    are closed by ``close`` (or when the Store is garbage-collected).
    """

    def __init__(self, path: Path, whoosh_index: Any) -> None:
        self.path = path
        self._ix = whoosh_index
        self._local = threading.local()  # one cached view per thread
        self._open: set[View] = set()  # every cached view, closed with the Store
        self._closer = weakref.finalize(self, _close_all, self._open)

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` holds a Whoosh index (a TOC file; none is read)."""
        return os.path.isdir(path) and latest_generation(path) > -1

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> Store:
        """A new empty index with arsearch's schema in the existing directory ``path``
        (replacing any index there)."""
        check_whoosh_version()
        windex.create_in(str(path), build_schema())
        write_manifest(path, latest_generation(path), [])
        return cls.open(path)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, mmap: bool = False) -> Store:
        """The index in ``path``.

        Without ``mmap``, Whoosh reads segment files with plain reads: with it,
        Whoosh copies each segment's files into memory on every searcher open
        (tens of ms on a small index, growing with it), which a one-shot
        ``arsearch search`` cannot afford. ``mmap`` suits reading every stored
        article once (``reindex``, ``repair``).

        Before Whoosh reads anything, the TOC's checksum and the segment files'
        sizes are checked against the last commit's manifest
        (``arsearch.engine.checksums``); the pickles Whoosh then reads resolve
        only the classes an arsearch index holds (``arsearch.engine.safeload``).

        Raises:
            DamagedIndex: a file is missing, truncated, extended or unreadable.
            UnsafeIndex: the TOC pickles a class arsearch never writes.
        """
        check_whoosh_version()
        safeload.install()
        generation = latest_generation(path)
        verify_on_open(path, generation)
        with reading(path, toc_name(generation)):
            return cls(Path(path), _Storage(str(path), supports_mmap=mmap).open_index())

    @staticmethod
    def check(path: str | os.PathLike[str]) -> CheckReport:
        """Verify every file of the index at ``path`` in full (its size and CRC-32
        against the last commit's manifest) and read every stored article of every
        segment; nothing raises for damage, the report says what is intact.
        """
        check_whoosh_version()
        safeload.install()
        folder = Path(path)
        generation = latest_generation(folder)
        report = CheckReport(str(folder), generation, has_manifest=False)
        toc = toc_name(generation)
        segments: list[Any] = []
        schema = None
        try:
            with reading(folder, toc):
                toc_read = windex.TOC.read(_Storage(str(folder)), "MAIN")
                segments, schema = toc_read.segments, toc_read.schema
        except DamagedIndex as exc:
            unreadable = exc.reason
        except OSError as exc:
            unreadable = f"unreadable ({exc.strerror or exc})"
        else:
            unreadable = ""
        ids = [segment.segment_id() for segment in segments]
        check_files(folder, report, [toc, *segment_files(folder, ids)])
        if unreadable:
            report.problems.append(f"{toc}: {unreadable}")
            for checked in report.files:
                if checked.name == toc and not checked.problem:
                    checked.problem = unreadable
        storage = _Storage(str(folder))
        for segment in segments:
            report.segments[segment.segment_id()] = _readable_articles(storage, schema, segment)
        return report

    # --- reading ---------------------------------------------------------

    def view(self) -> View:
        """This thread's view, refreshed to the last commit; kept open between calls.

        Opening a Whoosh searcher reads every segment's metadata, which costs
        more than a typical query; refreshing only checks for a new commit. A
        commit made since ``open`` is checked as ``open`` checks the first one.
        """
        view = getattr(self._local, "view", None)
        # Not Searcher.refresh(): it fails on a searcher of an empty index.
        if view is not None and not view.up_to_date():
            self._open.discard(view)
            view.close()
            view = None
            verify_on_open(self.path, latest_generation(self.path))
        if view is None:
            with reading(self.path, "segment data"):
                searcher = self._ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            view = View(searcher, self.path)
            self._local.view = view
            self._open.add(view)
        return view

    def close(self) -> None:
        """Close the cached views."""
        _close_all(self._open)
        self._local = threading.local()

    def segment_sizes(self) -> dict[str, int]:
        """Articles of each committed segment (deleted ones included), by segment id."""
        return {s.segment_id(): s.doc_count_all() for s in self._ix._segments()}

    # --- writing ---------------------------------------------------------

    def writer(self, timeout: float = WRITER_TIMEOUT) -> Writer:
        """The index's writer; waits up to ``timeout`` seconds for the write lock.

        Raises:
            IndexLocked: another writer kept the lock that long.
        """
        check_whoosh_version()
        try:
            return Writer(self, TermPoolWriter(self._ix, timeout=timeout))
        except LockError:
            raise IndexLocked(str(self.path)) from None

    @contextlib.contextmanager
    def batch(self, *, undone: str = "nothing of the current batch was committed"
              ) -> Iterator[Writer]:
        """The writer (and lock) for one batch; the caller commits, or nothing is written.

        On any failure (disk full, Ctrl-C, a dead worker) the batch's files are
        removed while the lock is still held, so a failed batch leaves neither
        half-written data nor litter on a full disk, and an ``OSError`` becomes
        one line naming the index and saying what was ``undone``.
        """
        writer = self.writer()
        try:
            yield writer
            if not writer.closed:  # nothing to commit
                writer.cancel()
        except BaseException as exc:
            writer.abandon()
            if isinstance(exc, OSError):
                raise ArsearchError(
                    f"{self.path}: cannot write the index: {exc.strerror or exc}; {undone}"
                ) from None
            raise

    def segment_builder(self, limitmb: float) -> SegmentBuilder:
        """A writer of one segment for a worker process (no lock: the committing
        process holds it); its pool spills to disk past ``limitmb``."""
        check_whoosh_version()
        return SegmentBuilder(self, limitmb)

    def merge_segments(self, max_docs: int, jobs: int = 1) -> int:
        """Merge the segments of at most ``max_docs`` articles into one; returns how many.

        ``jobs`` processes share out the fields where the platform forks.
        """
        chosen = {name for name, size in self.segment_sizes().items() if size <= max_docs}
        if len(chosen) < 2:
            return 0
        with self.batch(undone="the index is unchanged") as writer, \
                reading(self.path, _merged_files(self._ix._segments(), chosen)):
            writer.commit_merged(chosen, jobs)
        return len(chosen)

    def optimize(self, jobs: int = 1) -> None:
        """Merge all segments into one (``jobs`` as for ``merge_segments``)."""
        with self.batch(undone="the index is unchanged") as writer, \
                reading(self.path, _merged_files(self._ix._segments())):
            writer.commit_optimized(jobs)

    # --- maintenance -----------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the write lock, without a writer, for the duration.

        Raises:
            IndexLocked: a writer holds it now.
        """
        lock = self._ix.lock("WRITELOCK")
        if not lock.acquire(blocking=False):
            raise IndexLocked(str(self.path))
        try:
            yield
        finally:
            lock.release()

    def remove_leftovers(self) -> list[str]:
        """Delete files no committed segment uses (a failed or killed writer's); returns names.

        Only safe while holding the write lock: a running writer's files look the same.
        """
        ix = self._ix
        storage = ix.storage
        before = set(storage.list())
        toc = ix._read_toc()
        clean_files(storage, ix.indexname, toc.generation, toc.segments)
        for name in before:
            if name.endswith(".tmp"):
                shutil.rmtree(os.path.join(storage.folder, name), ignore_errors=True)
        return sorted(before - set(storage.list()))


def _readable_articles(storage: Any, schema: Any, segment: Any) -> tuple[int, int]:
    """(stored articles that read back, articles) of a segment (none read back if the
    segment cannot be opened)."""
    total = segment.doc_count_all()
    try:
        reader = SegmentReader(storage, schema, segment)
    except Exception:  # any damage: no article of the segment reads back
        return 0, total
    readable = 0
    with reader:
        for docnum in range(total):
            try:
                if isinstance(reader.stored_fields(docnum), dict):
                    readable += 1
            except Exception:  # this article's stored fields are damaged
                continue
    return readable, total


def stored_documents(path: str | os.PathLike[str]) -> Iterator[Stored]:
    """The stored fields of every article of the index at ``path``, read once, in the
    order of ingest (so that an index rebuilt from them breaks ties as before)."""
    store = Store.open(path, mmap=True)
    try:
        yield from store.view().documents(in_ingest_order=True)
    finally:
        store.close()

