"""A Whoosh segment writer whose postings are gathered per term, not per posting.

Whoosh's ``PostingPool`` keeps every posting as a tuple, pickles each one to a
sorted run on disk when its (underestimated) memory limit is reached, and merges
the runs with ``heapq``: one ``pickle.dump`` and one ``pickle.load`` per
posting. An arsearch article has about 480 postings (three body fields and a
title), so for the news corpus that was 45% of the time spent writing a
segment. ``TermPool`` appends each posting to its term's arrays, spills a
sorted run one term at a time, and merges runs term by term. A segment writer
also asked the length column of every posting's document once per posting;
``TermPoolWriter`` decodes each column once.

The files written are Whoosh's own, unchanged: only how postings reach the
codec differs. This uses private parts of whoosh-reloaded 2.7.5 (pinned):
``SegmentWriter.pool`` and ``_flush_segment``.
"""

from __future__ import annotations

import heapq
import pickle
from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb.filestore import Storage
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

#: Posting (fieldname, term bytes, docnum, weight, value bytes), as Whoosh passes them.
Posting = tuple[str, bytes, int, float, bytes]
#: A term's postings: docnums, weights and value bytes, in the order added.
_Entry = tuple[array, array, list[bytes]]
#: Rough bytes of Python memory per term and per posting, for the spill limit.
_TERM_BYTES = 400
_POSTING_BYTES = 20
#: Terms per pickle in a run file: few calls, little memory while writing.
_RUN_CHUNK = 4096
#: Value bytes this short are shared (frequencies, single positions) to save memory.
_SHARED_VALUE = 8


class TermPool:
    """Postings of one new segment, by (field, term), spilled to sorted runs past a limit.

    Postings of a term arrive in increasing docnum order (a writer numbers
    documents as they come), so a term's arrays need no sorting, and the runs,
    written one after the other, concatenate.
    """

    def __init__(self, tempstore: Storage, limitmb: float) -> None:
        self.tempstore = tempstore
        self.limit = int(limitmb * 1024 * 1024)
        self.fieldnames: set[str] = set()
        self._terms: dict[tuple[str, bytes], _Entry] = {}
        self._values: dict[bytes, bytes] = {}
        self._size = 0
        self._runs: list[str] = []

    def add(self, item: Posting) -> None:
        """Add one posting (Whoosh's pool interface)."""
        fieldname, tbytes, docnum, weight, value = item
        key = (fieldname, tbytes)
        entry = self._terms.get(key)
        if entry is None:
            entry = self._terms[key] = (array("I"), array("d"), [])
            self.fieldnames.add(fieldname)
            self._size += _TERM_BYTES + len(tbytes)
        value = value or b""
        if len(value) <= _SHARED_VALUE:
            value = self._values.setdefault(value, value)
        else:
            self._size += len(value) + 33
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(value)
        self._size += _POSTING_BYTES
        if self._size > self.limit:
            self._spill()

    def iter_postings(self) -> Iterator[Posting]:
        """Every posting, sorted by field, term and docnum (Whoosh's pool interface)."""
        for (fieldname, tbytes), (docnums, weights, values) in self.terms():
            for docnum, weight, value in zip(docnums, weights, values, strict=True):
                yield fieldname, tbytes, docnum, weight, value

    def cleanup(self) -> None:
        """Remove the run files (Whoosh's pool interface)."""
        for name in self._runs:
            if self.tempstore.file_exists(name):
                self.tempstore.delete_file(name)
        self._runs = []

    def _sorted_terms(self) -> Iterator[tuple[tuple[str, bytes], _Entry]]:
        terms, self._terms = self._terms, {}
        self._size = 0
        for key in sorted(terms):
            yield key, terms.pop(key)

    def _spill(self) -> None:
        name = f"{random_name()}.run"
        self._runs.append(name)
        with self.tempstore.create_file(name).raw_file() as handle:
            chunk: list[tuple[tuple[str, bytes], _Entry]] = []
            for item in self._sorted_terms():
                chunk.append(item)
                if len(chunk) >= _RUN_CHUNK:
                    pickle.dump(chunk, handle, pickle.HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                pickle.dump(chunk, handle, pickle.HIGHEST_PROTOCOL)
        self._values = {}

    def _read_run(self, name: str) -> Iterator[tuple[tuple[str, bytes], _Entry]]:
        with self.tempstore.open_file(name).raw_file() as handle:
            while True:
                try:
                    chunk = pickle.load(handle)
                except EOFError:
                    return
                yield from chunk

    def terms(self) -> Iterator[tuple[tuple[str, bytes], _Entry]]:
        """Every term with its postings, sorted by field and term (docnums ascending)."""
        if not self._runs:
            yield from self._sorted_terms()
            return
        sources = [self._read_run(name) for name in self._runs]
        sources.append(self._sorted_terms())
        # heapq.merge keeps equal keys in the order of the sources: earlier runs
        # hold earlier documents, so concatenating keeps docnums increasing.
        merged = heapq.merge(*sources, key=lambda item: item[0])
        current: tuple[str, bytes] | None = None
        docnums, weights, values = array("I"), array("d"), []
        for key, (d, w, v) in merged:
            if key != current:
                if current is not None:
                    yield current, (docnums, weights, values)
                current, docnums, weights, values = key, array("I"), array("d"), []
            docnums.extend(d)
            weights.extend(w)
            values.extend(v)
        if current is not None:
            yield current, (docnums, weights, values)


_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


def column_lengths(perdoc: Any, fieldname: str, count: int) -> list[int]:
    """Every document's length in ``fieldname`` from a per-document reader's column."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, column._count) if column is not None else b""
    # Whoosh leaves trailing default (0) values out of the column file.
    return [_LENGTH_OF_BYTE[b] for b in raw] + [0] * (count - len(raw))


class TermPoolWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with a ``TermPool``, writing each term's blocks at once."""

    def __init__(self, ix: Any, *, limitmb: float = 128, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)

    def _flush_segment(self) -> None:
        # SegmentWriter._flush_segment, but the postings of a term go to the
        # codec a block at a time instead of through add_postings one by one.
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        try:
            self._write_terms(perdoc)
        finally:
            self.fieldwriter.close()
            if perdoc is not None:
                perdoc.close()

    def _write_terms(self, perdoc: Any) -> None:
        fieldwriter = self.fieldwriter
        lengths: list[int] = []
        current = None
        for (fieldname, tbytes), (docnums, weights, values) in self.pool.terms():
            if fieldname != current:
                if current is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, self.schema[fieldname])
                current = fieldname
                lengths = (column_lengths(perdoc, fieldname, self.docnum)
                           if perdoc is not None else [])
            fieldwriter.start_term(tbytes)
            _write_blocks(fieldwriter._postwriter, lengths, docnums, weights, values)
            fieldwriter.finish_term()
        if current is not None:
            fieldwriter.finish_field()


def _write_blocks(postwriter: Any, lengths: list[int], docnums: array, weights: array,
                  values: list[bytes]) -> None:
    """Fill and write the blocks of one term as ``W3PostingsWriter.add_posting`` would.

    The last block is left in the writer for ``finish_term`` to write (as the last).
    """
    size = postwriter._blocklimit
    count = len(docnums)
    for start in range(0, count, size):
        ids = docnums[start:start + size]
        postwriter._ids = ids
        postwriter._weights = array("f", weights[start:start + size])
        postwriter._values = [v for v in values[start:start + size] if v]
        postwriter._maxweight = max(0, max(postwriter._weights))
        known = [lengths[d] for d in ids if d < len(lengths) and lengths[d]]
        postwriter._minlength = min(known) if known else None
        postwriter._maxlength = max(known) if known else 0
        if start + size < count:
            postwriter._write_block()  # also starts the next, empty block
