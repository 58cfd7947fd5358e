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

Merging segments (``optimize``, Whoosh's merge policy at a commit) went the
same way: ``add_reader`` fed every posting of the old segments to the pool one
by one, about 8.5 minutes for the 73k news index. ``TermPoolWriter`` copies
the old segments' documents at once but their postings only at flush, a
block at a time, merging them term by term with the pool's. A pure merge
(no new documents) can share the fields out among processes
(``merge_jobs``, ``arsearch.engine.split_work``): each encodes its fields to scratch
files, which are appended in field order, so the segment is the same.

The files written are Whoosh's own but for the posting blocks: pickled with
protocol 5, not 2, and small ones not compressed (``arsearch.engine.blocks``; Whoosh
reads both). With ``block_protocol = 2`` and ``block_min_compress = 0`` they
are byte for byte what Whoosh writes. ``add_document`` indexes arsearch's
pre-analyzed term fields itself. This builds on ``SegmentWriter.pool``,
``add_document``, ``add_reader``, ``_flush_segment`` and the W3 codec's term
table and posting blocks (``arsearch.engine.blocks``); the private names are
listed in ``arsearch.engine.compat.PRIVATE_NAMES``.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import marshal
import pickle
import shutil
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from hashlib import md5
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3TermInfo, _lenfield
from whoosh.filedb.filestore import FileStorage, Storage
from whoosh.filedb.filetables import _lengths as _ENTRY_LENGTHS  # before each key and value
from whoosh.filedb.filetables import _pointer as _POINTER  # a hash table's slot
from whoosh.formats import Frequency, Positions
from whoosh.reading import SegmentReader
from whoosh.system import pack_uint, pack_ushort, unpack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from arsearch import native
from arsearch.engine.blocks import (
    BLOCK_PROTOCOL,
    MIN_COMPRESS,
    compiled_codec,
    decode_postings,
    decoded_postings,
    encode_postings,
    renumbered,
    shift_postings,
    split_terminfo,
    term_extent,
)
from arsearch.engine.checksums import write_manifest
from arsearch.engine.columns import SOURCE_FIELDS, ColumnBuilder
from arsearch.engine.schema import ALTERNATIVES, GAP, PreAnalyzedTokenizer
from arsearch.engine.split_work import balanced_groups, can_fork, run_apart

#: Posting (fieldname, term bytes, docnum, weight, value bytes), as Whoosh passes them.
Posting = tuple[str, bytes, int, float, bytes]
#: A term's postings: docnums, weights and value bytes, in the order added.
_Entry = tuple[array, array, list[bytes]]
#: A sorted stream of terms with their postings.
_Terms = Iterator[tuple[tuple[str, bytes], _Entry]]
#: Every document's length in a field of the new segment ([] without length statistics).
_Lengths = Callable[[str], list[int]]
#: Rough bytes of Python memory per term and per posting, for the spill limit.
_TERM_BYTES = 400
_POSTING_BYTES = 20
#: Terms per marshal record in a run file: few calls, little memory while writing.
_RUN_CHUNK = 4096
#: The length before each record of a run file.
_RECORD_LENGTH = struct.Struct("<Q")
#: Value bytes this short are shared (frequencies, single positions) to save memory.
_SHARED_VALUE = 8
#: Bytes read at once when a merge walks a segment's term table and postings.
_READ_AHEAD = 1 << 22
#: A byte of postings weighs this many bytes of term table in a merge's work
#: (``field_weights``).
_POSTINGS_WEIGHT = 2
#: Term-table entries written at once.
_TABLE_BATCH = 4096
#: The compiled twin of ``TermPool._pure_add_slots`` (``_cwrite.c``), or None: not
#: built, or ``ARSEARCH_PURE_PYTHON`` set.
_C = native.load("arsearch.engine._cwrite")
#: The compiled merge of a field's terms (``_cmerge.c``), or None: the loop of
#: ``_segment_terms``, ``_merge_terms`` and ``_encoded`` here.
_M = native.load("arsearch.engine._cmerge")
#: Terms per list ``_cmerge.Merged`` hands over.
_MERGE_CHUNK = 1024


class TermPool:
    """Postings of one new segment, by (field, term), spilled to sorted runs past a limit.

    Postings of a term arrive in increasing docnum order (a writer numbers
    documents as they come), so a term's arrays need no sorting, and the runs,
    written one after the other, concatenate. The terms of ``text_fields``
    (pre-analyzed, ``add_slots``) are kept per field by their text, the others
    by (field, term bytes): a posting then costs no tuple or encoding, and
    sorting texts sorts their UTF-8 bytes.
    """

    def __init__(self, tempstore: Storage, limitmb: float,
                 text_fields: Iterable[str] = ()) -> None:
        self.tempstore = tempstore
        self.limit = int(limitmb * 1024 * 1024)
        self.fieldnames: set[str] = set()
        self.text_fields = frozenset(text_fields)
        self._terms: dict[tuple[str, bytes], _Entry] = {}
        # An entry is a term's (docnums, weights, values), or the compiled
        # ``_cwrite.Postings`` that ``add_slots`` makes, whose iteration gives them.
        self._texts: dict[str, dict[str, Any]] = {}
        self._values: dict[bytes, bytes] = {}
        self._size = 0
        self._runs: list[str] = []

    def add(self, item: Posting) -> None:
        """Add one posting (Whoosh's pool interface)."""
        fieldname, tbytes, docnum, weight, value = item
        self.add_terms(fieldname, docnum, [(tbytes, weight, value or b"")])

    def add_terms(self, fieldname: str, docnum: int,
                  postings: list[tuple[bytes, float, bytes]]) -> None:
        """Add one document's postings in one field: ``add`` without a tuple per posting."""
        if fieldname in self.text_fields:
            terms: dict[Any, _Entry] = self._field_texts(fieldname)
            keys: Iterable[Any] = (tbytes.decode("utf-8") for tbytes, _, _ in postings)
        else:
            terms = self._terms
            keys = ((fieldname, tbytes) for tbytes, _, _ in postings)
        shared = self._values
        size = 0
        for key, (tbytes, weight, value) in zip(keys, postings, strict=True):
            entry = terms.get(key)
            if entry is None:
                entry = terms[key] = (array("I"), array("d"), [])
                size += _TERM_BYTES + len(tbytes)
            if len(value) <= _SHARED_VALUE:
                value = shared.setdefault(value, value)
            else:
                size += len(value) + 33
            if type(entry) is not tuple:  # a compiled Postings
                entry.append(docnum, weight, value)
                continue
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(value)
        self._added(fieldname, size, len(postings))

    def add_slots(self, fieldname: str, docnum: int, value: str, field_boost: float,
                  boost: float, positional: bool) -> int:
        """Add one document's pre-analyzed field ('a b|c d', ``PreAnalyzedTokenizer``).

        Returns the field's length (its number of terms). The postings are
        what Whoosh's ``Positions`` (``positional``) or ``Frequency`` format
        makes of the tokenizer's tokens, with ``weight *= boost`` as its
        ``add_document`` does: the same segment files, without a token object,
        a generator step and a tuple per term. ``value`` is checked to encode
        first, so a bad one fails before any of its postings is added.
        """
        if (_C is not None and type(value) is str and type(docnum) is int
                and type(field_boost) is float and type(boost) is float):
            found = _C.add_slots(self._field_texts(fieldname), value, docnum, field_boost,
                                 boost, positional, array, _FREQUENCIES)
            if found is not None:  # None: 2**31 slots or a NaN boost, left to the twin
                length, size, postings = found
                self._added(fieldname, size, postings)
                return length
        return self._pure_add_slots(fieldname, docnum, value, field_boost, boost, positional)

    def _pure_add_slots(self, fieldname: str, docnum: int, value: str, field_boost: float,
                        boost: float, positional: bool) -> int:
        """``add_slots`` in pure Python (the twin of ``_cwrite.add_slots``)."""
        value.encode("utf-8")
        slots: dict[str, list[int]] = {}
        for position, slot in enumerate(value.split()):
            if slot == GAP:
                continue
            for text in slot.split(ALTERNATIVES) if ALTERNATIVES in slot else (slot,):
                seen = slots.get(text)
                if seen is None:
                    slots[text] = [position]
                else:
                    seen.append(position)
        terms = self._field_texts(fieldname)
        size = 0
        length = 0
        for text, positions in slots.items():
            freq = len(positions)
            length += freq
            entry = terms.get(text)
            if entry is None:
                entry = terms[text] = (array("I"), array("d"), [])
                size += _TERM_BYTES + 2 * len(text)
            if positional:
                encoded = _position_bytes(positions)
                size += len(encoded) + 33
            else:
                encoded = _frequency_bytes(freq)
            if type(entry) is not tuple:  # a compiled Postings
                entry.append(docnum, float(freq) * field_boost * boost, encoded)
                continue
            entry[0].append(docnum)
            entry[1].append(float(freq) * field_boost * boost)
            entry[2].append(encoded)
        self._added(fieldname, size, len(slots))
        return length

    def _field_texts(self, fieldname: str) -> dict[str, Any]:
        terms = self._texts.get(fieldname)
        if terms is None:
            terms = self._texts[fieldname] = {}
        return terms

    def _added(self, fieldname: str, size: int, postings: int) -> None:
        if postings:
            self.fieldnames.add(fieldname)
        self._size += size + _POSTING_BYTES * postings
        if self._size > self.limit:
            self._spill()

    def empty(self) -> bool:
        """True while no posting was added (or all were handed out)."""
        return not self._terms and not any(self._texts.values()) and not self._runs

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
        terms, texts = self._terms, self._texts
        self._terms, self._texts, self._size = {}, {}, 0
        keyed: dict[str, list[bytes]] = {}
        for fieldname, tbytes in terms:
            keyed.setdefault(fieldname, []).append(tbytes)
        # A field's terms are either texts or bytes (``text_fields``), never both.
        for fieldname in sorted(keyed.keys() | texts.keys()):
            words = texts.get(fieldname, {})
            for text in sorted(words):  # code point order is UTF-8 byte order
                yield (fieldname, text.encode("utf-8")), words.pop(text)
            for tbytes in sorted(keyed.get(fieldname, ())):
                yield (fieldname, tbytes), terms.pop((fieldname, tbytes))

    def _spill(self) -> None:
        # marshal, not pickle: a run is read back only by this pool, and marshal
        # writes a term's arrays as raw bytes and shares repeated values, in
        # about a third of pickle's time. Each record is length-prefixed and
        # read whole: marshal.load on a file reads it a value at a time.
        name = f"{random_name()}.run"
        self._runs.append(name)
        with self.tempstore.create_file(name).raw_file() as handle:
            chunk: list[tuple[str, bytes, bytes, bytes, list[bytes]]] = []
            for (fieldname, tbytes), (docnums, weights, values) in self._sorted_terms():
                chunk.append((fieldname, tbytes, docnums.tobytes(), weights.tobytes(), values))
                if len(chunk) >= _RUN_CHUNK:
                    _write_record(handle, marshal.dumps(chunk))
                    chunk = []
            if chunk:
                _write_record(handle, marshal.dumps(chunk))
        self._values = {}

    def _read_run(self, name: str) -> Iterator[tuple[tuple[str, bytes], _Entry]]:
        with self.tempstore.open_file(name).raw_file() as handle:
            while head := handle.read(_RECORD_LENGTH.size):
                record = handle.read(_RECORD_LENGTH.unpack(head)[0])
                for fieldname, tbytes, docnums, weights, values in marshal.loads(record):
                    entry = (array("I"), array("d"), values)
                    entry[0].frombytes(docnums)
                    entry[1].frombytes(weights)
                    yield (fieldname, tbytes), entry

    def terms(self) -> Iterator[tuple[tuple[str, bytes], _Entry]]:
        """Every term with its postings, sorted by field and term (docnums ascending)."""
        if not self._runs:
            yield from self._sorted_terms()
            return
        sources = [self._read_run(name) for name in self._runs]
        sources.append(self._sorted_terms())
        # heapq.merge keeps equal keys in the order of the sources: earlier runs
        # hold earlier documents, so concatenating keeps docnums increasing.
        merged = heapq.merge(*sources, key=itemgetter(0))
        for key, group in groupby(merged, key=itemgetter(0)):
            (_, entry), *more = group
            for _, (d, w, v) in more:  # the term is in more than one run
                entry[0].extend(d)
                entry[1].extend(w)
                entry[2].extend(v)
            yield key, entry


def _write_record(handle: Any, record: bytes) -> None:
    handle.write(_RECORD_LENGTH.pack(len(record)))
    handle.write(record)


def pre_analyzed(field: Any) -> bool:
    """Whether ``TermPool.add_slots`` can index a field (a ``PreAnalyzedTokenizer`` field)."""
    return (type(field.analyzer) is PreAnalyzedTokenizer
            and type(field.format) in (Positions, Frequency))


_encode_positions = Positions().encode
_ONE_COUNT = pack_uint(1)
#: The pickle part of one position's value (most terms occur once in an article).
_ONE_POSITION = [_encode_positions([position])[len(_ONE_COUNT):] for position in range(1 << 12)]
_FREQUENCIES = [pack_uint(freq) for freq in range(256)]


def _position_bytes(positions: list[int]) -> bytes:
    """Whoosh's ``Positions.encode``, a new object each time.

    Not one shared object per value: the pickle of a block would refer back
    to its first occurrence instead of repeating it, unlike Whoosh's
    (``tests/engine/test_writer.py``).
    """
    if len(positions) == 1 and positions[0] < len(_ONE_POSITION):
        return _ONE_COUNT + _ONE_POSITION[positions[0]]
    return _encode_positions(positions)


def _frequency_bytes(freq: int) -> bytes:
    """Whoosh's ``Frequency`` value bytes."""
    return _FREQUENCIES[freq] if freq < len(_FREQUENCIES) else pack_uint(freq)


def _indexed(field: Any, value: Any, boost: float
             ) -> tuple[list[tuple[bytes, float, bytes]], int]:
    """A field's (term bytes, weight, value bytes) and length, through its analyzer and format."""
    postings = []
    length = 0
    for tbytes, freq, weight, vbytes in field.index(value):
        if field.scorable:
            length += freq
        postings.append((tbytes, weight * boost, vbytes or b""))
    return postings, length


_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


def _keep_exact_totals(totals: dict[str, int], before: dict[str, int], reader: Any,
                       lengths: dict[str, list[int]]) -> None:
    """A merged segment's total field lengths from its sources' exact totals.

    Whoosh keeps each document's length in one byte (an approximation) and a
    segment's total exactly, and its merge adds up the one-byte lengths: BM25's
    average length, and so every score, would then depend on how an index's
    segments were merged (``--jobs 1`` against ``--jobs 2``, or a sharded
    index). A source's exact total is kept instead, less the one-byte lengths
    of its deleted documents (their exact lengths are not kept anywhere).
    """
    deleted = [docnum for docnum in range(reader.doc_count_all()) if reader.is_deleted(docnum)] \
        if reader.has_deletions() else []
    for fieldname, column in lengths.items():
        exact = reader.field_length(fieldname) - sum(column[docnum] for docnum in deleted)
        totals[fieldname] = before.get(fieldname, 0) + max(exact, 0)


def column_lengths(perdoc: Any, fieldname: str, count: int) -> list[int]:
    """Every document's length in ``fieldname`` from a per-document reader's column."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, column._count) if column is not None else b""
    # Whoosh leaves trailing default (0) values out of the column file.
    return [_LENGTH_OF_BYTE[b] for b in raw] + [0] * (count - len(raw))


class TermPoolWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with a ``TermPool``, writing each term's blocks at once."""

    #: Pickle protocol of the posting blocks, and the smallest pickle compressed
    #: (2 and 0 write exactly Whoosh's bytes).
    block_protocol = BLOCK_PROTOCOL
    block_min_compress = MIN_COMPRESS
    #: Processes that share the terms of a merge out by field (``can_fork`` permitting).
    merge_jobs = 1

    def __init__(self, ix: Any, *, limitmb: float = 128, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb,
                             (name for name, field in self.schema.items() if pre_analyzed(field)))
        #: Segments added by ``add_reader`` whose postings are copied at flush:
        #: (segment, its first docnum here, old -> new docnums if it has deletions).
        self._merging: list[tuple[Any, int, dict[int, int] | None]] = []
        #: How many of ``_merging``'s segments (the last ones) have their documents
        #: still to copy (``_defer_documents``).
        self._deferred = 0
        #: The facet columns of the new segment (``arsearch.engine.columns``).
        self._columns = ColumnBuilder()

    def _commit_toc(self, segments: list[Any]) -> None:
        """Whoosh's step writing the new TOC, then the checksum manifest of the new
        generation (``arsearch.engine.checksums``), while the write lock is held."""
        super()._commit_toc(segments)
        write_manifest(self.storage.folder, self.generation,
                       [segment.segment_id() for segment in segments])

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``SegmentWriter.add_document``, indexing pre-analyzed fields directly.

        Whoosh runs a field's value through its tokenizer and format (a token
        object and two dict updates per word, a generator per step) and hands
        the pool one tuple per posting; for arsearch's four term fields that
        was about a sixth of a worker's time. ``TermPool.add_slots`` reads the
        same terms, positions and weights straight from the value into the
        pool; the segment files are unchanged
        (``tests/engine/test_writer.py``). Other fields go through Whoosh's code.
        """
        self._check_state()
        self._write_deferred()
        schema = self.schema
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdoc = self.perdocwriter
        docnum = self.docnum
        perdoc.start_doc(docnum)
        facet_source: dict[str, Any] = {}
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"field {fieldname!r}: spelling and vectors are not written")
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    if fieldname in self.pool.text_fields and isinstance(value, str):
                        fmt = field.format
                        length = self.pool.add_slots(fieldname, docnum, value, fmt.field_boost,
                                                     boost, type(fmt) is Positions)
                        length = length if field.scorable else 0
                    else:
                        postings, length = _indexed(field, value, boost)
                        self.pool.add_terms(fieldname, docnum, postings)
                stored = fields.get(f"_stored_{fieldname}", value)
                perdoc.add_field(fieldname, field, stored if field.stored else None, length)
                if fieldname in SOURCE_FIELDS and field.stored and stored is not None:
                    facet_source[fieldname] = stored
                if field.column_type and stored is not None:
                    perdoc.add_column_value(fieldname, field.column_type,
                                            field.to_column_value(stored))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._columns.add(docnum, facet_source)
        self._added = True
        self.docnum += 1

    def write_per_doc(self, fieldnames: set[str], reader: Any) -> dict[int, int] | None:
        """Whoosh's ``write_per_doc``, with each length column decoded once and
        the stored fields copied as they are.

        Whoosh asks a segment for each document's length in each field, and
        a field without lengths looks for its column file every time: one
        file lookup per article and field, and an eighth of a merge. It also
        unpickles, pickles and compresses every article's stored fields again
        (the compression alone was a tenth of a merge): here their compressed
        bytes are copied (``_RawStored``), unless an article stores a field the
        schema lacks, which Whoosh's copy leaves out. The lengths and columns
        written are the same, and the stored fields read back the same.
        """
        if type(reader) is not SegmentReader:
            self._columns.complete = False
            return super().write_per_doc(fieldnames, reader)
        schema = self.schema
        docmap: dict[int, int] | None = {} if reader.has_deletions() else None
        pdw = self.perdocwriter
        count = reader.doc_count_all()
        lengths = {name: column_lengths(reader._perdoc, name, count) for name in fieldnames}
        cols = {}
        for fieldname in fieldnames:
            coltype = schema[fieldname].column_type
            if coltype and reader.has_column(fieldname):
                creader = reader.column_reader(fieldname, coltype)
                if isinstance(creader, columns.TranslatingColumnReader):
                    creader = creader.raw_column()
                cols[fieldname] = creader
        # What each document needs of each field, in the order Whoosh copies them.
        plan = [(name, schema[name], lengths[name], cols.get(name), bool(schema[name].vector))
                for name in fieldnames]
        raw = _RawStored.between(reader, pdw)
        names = frozenset(schema.names())
        totals_before = dict(pdw._fieldlengths)
        first = self.docnum
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            as_stored = raw is not None and stored.keys() <= names
            for fieldname, fieldobj, column, creader, vector in plan:
                value = None if as_stored else stored.get(fieldname)
                length = column[docnum]
                if value is not None or length:  # else add_field does nothing
                    pdw.add_field(fieldname, fieldobj, value, length)
                if vector and reader.has_vector(docnum, fieldname):
                    matcher = reader.vector(docnum, fieldname, fieldobj.vector)
                    pdw.add_vector_matcher(fieldname, fieldobj, matcher)
                if creader is not None:
                    pdw.add_column_value(fieldname, fieldobj.column_type, creader[docnum])
            if as_stored:
                raw.copy(docnum, self.docnum)
            pdw.finish_doc()
            self._columns.add(self.docnum, stored)
            self.docnum += 1
        # A segment without live documents adds nothing, as in Whoosh's copy.
        _keep_exact_totals(pdw._fieldlengths, totals_before, reader,
                           lengths if self.docnum > first else {})
        return docmap

    def add_reader(self, reader: Any) -> None:
        """Add a segment's documents now and its postings at flush, block by block.

        Readers other than one segment's go through Whoosh's posting-by-posting copy.
        """
        if type(reader) is not SegmentReader:
            self._write_deferred()
            super().add_reader(reader)
            return
        self._check_state()
        basedoc = self.docnum
        if self._defer_documents():
            docmap = _live_docmap(reader, basedoc)
            self.docnum += len(docmap) if docmap is not None else reader.doc_count_all()
            self._deferred += 1
        else:
            docmap = self.write_per_doc(self._per_doc_fields(reader), reader)
        self._merging.append((reader.segment(), basedoc, docmap))
        self._added = True

    def _per_doc_fields(self, reader: SegmentReader) -> set[str]:
        indexed = {name for name in reader.indexed_field_names() if name in self.schema}
        return set(self.schema.names()) | indexed

    def _defer_documents(self) -> bool:
        """Whether a merged segment's documents are copied at flush, while other
        processes encode the postings (a pure merge shared out by field), not now.

        The postings then take each document's length from the merged
        segments instead of the new segment's length columns, which are the
        same numbers; the documents are copied in the same order either way.
        """
        # Nothing written yet, or only deferred segments: whatever else is
        # written first copies the deferred documents (``_write_deferred``).
        return (self.merge_jobs > 1 and (self.docnum == 0 or self._deferred > 0)
                and isinstance(self._tempstorage, FileStorage) and can_fork())

    def _write_deferred(self) -> None:
        """Copy the documents of the segments whose copy was deferred, in their places."""
        if not self._deferred:
            return
        pending = self._merging[len(self._merging) - self._deferred:]
        self._deferred = 0
        end = self.docnum
        for segment, basedoc, docmap in pending:
            self.docnum = basedoc
            with SegmentReader(self.storage, self.schema, segment) as reader:
                written = self.write_per_doc(self._per_doc_fields(reader), reader)
            if written != docmap:
                raise RuntimeError(f"segment {segment.segment_id()} changed while merged")
        if self.docnum != end:
            raise RuntimeError("merged segments changed while merged")

    def _close_documents(self) -> None:
        """Write the deferred documents, then close the new segment's per-document files."""
        self._write_deferred()
        self.perdocwriter.close()

    def _finalize_segment(self) -> Any:
        """Whoosh's step writing the new segment's files, then its column file
        (``arsearch.engine.columns``: after Whoosh assembles a compound segment,
        which would take it in)."""
        segment = super()._finalize_segment()
        folder = getattr(self.storage, "folder", None)  # None: not in a directory
        if folder is not None and self._columns.count == self.docnum:
            self._columns.write(folder, segment.segment_id())
        return segment

    def _flush_segment(self) -> None:
        # SegmentWriter._flush_segment, but the postings of a term go to the
        # codec a block at a time instead of through add_postings one by one.
        try:
            groups = self._field_groups()
            if len(groups) > 1 or (groups and self._deferred):
                self._write_fields_apart(groups)
                return
            self._close_documents()
            with self._merge_sources() as (perdoc, readers):
                lengths_of = self._lengths_of(perdoc, readers)
                if self.pool.empty() and readers:  # a merge: field by field
                    held = {name for reader in readers for name in reader._terms._fieldmap}
                    self._write_terms(
                        encoded for name in sorted(held & set(self.schema.names()))
                        for encoded in self._field_postings(readers, name, lengths_of))
                else:
                    self._write_terms(self._encoded(
                        _merge_terms([self.pool.terms(), *self._sources(readers)]), lengths_of))
        finally:
            self.fieldwriter.close()

    @contextlib.contextmanager
    def _merge_sources(self) -> Iterator[tuple[Any, list[SegmentReader]]]:
        """The new segment's lengths reader (None while its documents are still to
        copy, or without length statistics) and readers of the segments merged into it."""
        perdoc = (self.per_document_reader()
                  if self.codec.length_stats and self.perdocwriter.is_closed else None)
        readers: list[SegmentReader] = []
        try:
            for segment, _, _ in self._merging:
                readers.append(SegmentReader(self.storage, self.schema, segment))
            yield perdoc, readers
        finally:
            if perdoc is not None:
                perdoc.close()
            for reader in readers:
                reader.close()

    def _lengths_of(self, perdoc: Any, readers: list[SegmentReader]) -> _Lengths:
        """Every new document's length in a field, as the postings' statistics need it.

        From the new segment's length columns once its documents are written,
        else from the merged segments' columns, each moved to its documents'
        new numbers (the same lengths: ``write_per_doc`` copies them).
        """
        if not self.codec.length_stats:
            return lambda fieldname: []
        if perdoc is not None:
            return lambda fieldname: column_lengths(perdoc, fieldname, self.docnum)

        def merged(fieldname: str) -> list[int]:
            lengths = [0] * self.docnum
            for reader, (_, base, docmap) in zip(readers, self._merging, strict=True):
                count = reader.doc_count_all()
                column = column_lengths(reader._perdoc, fieldname, count)
                if docmap is None:
                    lengths[base:base + count] = column
                else:
                    for old, new in docmap.items():
                        lengths[new] = column[old]
            return lengths
        return merged

    def _sources(self, readers: list[SegmentReader], only: str | None = None) -> list[_Terms]:
        """One term stream per merged segment (of field ``only`` if given)."""
        return [_segment_terms(reader, self.schema, base, docmap, only)
                for reader, (_, base, docmap) in zip(readers, self._merging, strict=True)]

    def _field_groups(self) -> list[list[str]]:
        """The fields of a merge shared out among ``merge_jobs`` processes; [] to write here.

        Only a pure merge (``optimize``, ``Index.merge_segments``) is split:
        the pool's new postings come as one stream of every field.
        """
        if (self.merge_jobs < 2 or not self._merging or not self.pool.empty()
                or not isinstance(self._tempstorage, FileStorage) or not can_fork()):
            return []
        with self._merge_sources() as (_, readers):
            weights = field_weights(readers)
        return balanced_groups(weights, self.merge_jobs)

    def _write_fields_apart(self, groups: list[list[str]]) -> None:
        """Encode groups of fields in separate processes at once, then append them in order.

        Documents whose copy was deferred (``_defer_documents``) are copied
        here meanwhile, every group then going to a process of its own. The
        segment is byte for byte the one ``_write_terms`` writes.
        """
        scratch = Path(self._tempstorage.folder)
        meanwhile = self._close_documents if self._deferred else None
        if meanwhile is None:
            self._close_documents()  # the children read the new segment's lengths
        run_apart(groups, lambda fields: self._encode_fields(fields, scratch), scratch,
                  here=meanwhile)
        fieldwriter = self.fieldwriter
        postfile, table = fieldwriter._postfile, _TableWriter(fieldwriter._tindex)
        for fieldname in sorted(name for group in groups for name in group):
            terms_file, postings_file = _field_files(scratch, fieldname)
            entries = pickle.loads(terms_file.read_bytes())
            if entries:
                fieldwriter.start_field(fieldname, self.schema[fieldname])
                prefix = pack_ushort(fieldwriter._fieldid)
                base = postfile.tell()
                with postings_file.open("rb") as source:
                    shutil.copyfileobj(source, postfile, _READ_AHEAD)
                for tbytes, stats, offset, length in entries:
                    table.add(prefix + tbytes, stats + term_extent(base + offset, length))
                table.flush()
                fieldwriter.finish_field()
            terms_file.unlink()
            postings_file.unlink()

    def _encode_fields(self, fieldnames: Sequence[str], scratch: Path) -> None:
        """Each field's merged postings to a file in ``scratch``, its term entries to another."""
        with self._merge_sources() as (perdoc, readers):
            lengths_of = self._lengths_of(perdoc, readers)
            for fieldname in fieldnames:
                terms_file, postings_file = _field_files(scratch, fieldname)
                entries = []
                offset = 0
                with postings_file.open("wb") as out:
                    for (_, tbytes), stats, postings in self._field_postings(
                            readers, fieldname, lengths_of):
                        entries.append((tbytes, stats, offset, len(postings)))
                        out.write(postings)
                        offset += len(postings)
                terms_file.write_bytes(pickle.dumps(entries, pickle.HIGHEST_PROTOCOL))

    def _field_postings(self, readers: list[SegmentReader], fieldname: str,
                        lengths_of: _Lengths) -> Iterator[tuple[tuple[str, bytes], bytes, bytes]]:
        """(key, term-table statistics, posting bytes) of each term of ``fieldname``
        merged from ``readers``: ``_encoded`` of their merged terms, in C where it can.

        The compiled merge (``_cmerge.Merged``) takes a merge without deleted
        documents; it hands the terms it does not encode (inlined postings, a
        shape the compiled codec declines) back to ``_encoded``, term by term.
        """
        codec = compiled_codec()
        if (_M is None or codec is None or self.block_protocol != BLOCK_PROTOCOL
                or fieldname not in self.schema or self.codec._inlinelimit > 1
                or any(docmap is not None for _, _, docmap in self._merging)):
            yield from self._encoded(_merge_terms(self._sources(readers, fieldname)), lengths_of)
            return
        sources, kept = [], []
        for reader, (_, base, _) in zip(readers, self._merging, strict=True):
            field = _field_start(reader, fieldname)
            if field is not None:
                terms, (prefix, start) = reader._terms, field
                sources.append((terms._tindex.dbfile.get, start, terms._tindex.endofdata,
                                prefix, terms._postfile.get, base))
                kept.append((terms._postfile.get, base))
        lengths = lengths_of(fieldname)
        fixedsize = self.schema[fieldname].format.fixed_value_size()
        merged = _M.Merged(sources, fixedsize, lengths, self.codec._blocklimit,
                           self.codec._compression, self.block_min_compress, *codec,
                           zlib.compress, zlib.decompress, array, _MERGE_CHUNK, _READ_AHEAD)
        for chunk in merged:
            for tbytes, stats, found in chunk:
                key = (fieldname, tbytes)
                if stats is not None:
                    yield key, stats, found
                    continue
                # As _segment_terms reads each part, then _merge_terms and _encoded.
                parts = [[(key, entry)] for entry in (
                    _term_entry(info, *kept[source], None, fixedsize)
                    for source, info in found) if entry is not None]
                yield from self._encoded(_merge_terms(parts), lambda _: lengths)

    def _encoded(self, terms: _Terms, lengths_of: _Lengths
                 ) -> Iterator[tuple[tuple[str, bytes], bytes, bytes]]:
        """(key, term-table statistics, posting bytes) of each term, as the codec writes them."""
        codec = self.codec
        if codec._inlinelimit > 1:
            raise ValueError("TermPoolWriter writes no inlined postings")
        current = None
        lengths: list[int] = []
        options: dict[str, Any] = {}
        for key, entry in terms:
            if key[0] != current:
                current = key[0]
                lengths = lengths_of(current)
                options = {"blocklimit": codec._blocklimit, "compression": codec._compression,
                           "fixedsize": self.schema[current].format.fixed_value_size(),
                           "protocol": self.block_protocol,
                           "min_compress": self.block_min_compress}
            if type(entry) is _Copied:
                found = shift_postings(entry.raw, entry.base, lengths, **options)
                if found is not None:
                    yield key, found[1], found[0]
                    continue
                entry = entry.decoded()
            if type(entry) is tuple:
                postings, stats = encode_postings(*entry, lengths, **options)
            else:  # a compiled Postings, read where it lies
                postings, stats = encode_postings(entry, None, None, lengths, **options)
            yield key, stats, postings

    def _write_terms(self, encoded: Iterable[tuple[tuple[str, bytes], bytes, bytes]]) -> None:
        """Write (key, statistics, posting bytes) of each term, in key order, to the segment."""
        # W3FieldWriter.start_term, add and finish_term, a term at a time.
        fieldwriter = self.fieldwriter
        postfile, table = fieldwriter._postfile, _TableWriter(fieldwriter._tindex)
        current = None
        prefix = b""
        offset = 0
        for (fieldname, tbytes), stats, postings in encoded:
            if fieldname != current:
                if current is not None:
                    table.flush()
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, self.schema[fieldname])
                current = fieldname
                prefix = pack_ushort(fieldwriter._fieldid)
                offset = postfile.tell()  # only this loop writes to it within a field
            postfile.write(postings)
            table.add(prefix + tbytes, stats + term_extent(offset, len(postings)))
            offset += len(postings)
        if current is not None:
            table.flush()
            fieldwriter.finish_field()


class _TableWriter:
    """Entries for Whoosh's ordered term table (``OrderedHashWriter``), written in batches.

    Its ``add`` per term was a tenth of a merge: two ``tell`` calls, three
    writes, and an MD5 digest spelt out in hex and parsed back to an int; and
    its ``_write_hashes`` at close a Python loop over every entry again. This
    writes the same bytes: the entries, with each hash and position kept in
    two arrays instead of a tuple per entry, and the hash tables from those
    (``_cwrite.table_entries`` and ``hash_tables``, or their twins below).
    """

    def __init__(self, table: Any) -> None:
        if table.hashtype != 0:
            raise ValueError(f"term table hashed with type {table.hashtype}, not MD5")
        if any(table.buckets) or "_write_hashes" in vars(table):
            raise ValueError("term table already holds entries")
        self._table = table
        self._pending: list[tuple[bytes, bytes]] = []
        self._hashes = array("I")
        self._positions = array("q")
        # The table writes its hash tables from these arrays when it closes.
        table._write_hashes = self._write_hashes

    def add(self, key: bytes, value: bytes) -> None:
        """``OrderedHashWriter.add``; the entry reaches the file at the next ``flush``."""
        self._pending.append((key, value))
        if len(self._pending) >= _TABLE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending entries."""
        table, pending = self._table, self._pending
        if not pending:
            return
        self._pending = []
        position = table.dbfile.tell()
        found = (_C.table_entries(pending, position, table.lastkey)
                 if _C is not None else None)
        if found is None:  # the twin gives the same, or the error
            found = _table_entries(pending, position, table.lastkey)
        data, hashes, positions, table.lastkey = found
        table.dbfile.write(data)
        self._hashes.frombytes(hashes)
        self._positions.frombytes(positions)
        added = self._positions[-len(pending):]
        index = table.index
        try:  # whole, unless a position needs a wider type than the index array has
            index.array.extend(array(index.typecode, added))
        except (OverflowError, TypeError):
            index.extend(added)

    def _write_hashes(self) -> None:
        """``HashWriter._write_hashes`` for the entries written through ``flush``."""
        table = self._table
        if any(table.buckets):
            raise RuntimeError("term table entries written two ways")
        start = table.dbfile.tell()
        found = (_C.hash_tables(self._hashes, self._positions, start)
                 if _C is not None else None)
        data, directory = found if found is not None else _hash_tables(
            self._hashes, self._positions, start)
        table.dbfile.write(data)
        table.directory.extend(directory)


def _table_entries(pending: list[tuple[bytes, bytes]], position: int, last: bytes
                   ) -> tuple[bytes, bytes, bytes, bytes]:
    """The twin of ``_cwrite.table_entries``: the entries' bytes, their hashes and
    positions (array bytes) and the last key; ``ValueError`` if keys do not increase."""
    hashes, positions = array("I"), array("q")
    out = bytearray()
    for key, value in pending:
        if key <= last:
            raise ValueError(f"Keys must increase: {last!r}..{key!r}")
        positions.append(position)
        out += _ENTRY_LENGTHS.pack(len(key), len(value))
        out += key
        out += value
        # whoosh.filedb.filetables.md5_hash: the digest's low 32 bits
        hashes.append(int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big"))
        position += _ENTRY_LENGTHS.size + len(key) + len(value)
        last = key
    return bytes(out), hashes.tobytes(), positions.tobytes(), last


def _hash_tables(hashes: array, positions: array, start: int
                 ) -> tuple[bytes, list[tuple[int, int]]]:
    """The twin of ``_cwrite.hash_tables``: Whoosh's 256 hash tables (``HashWriter.
    _write_hashes``) for these entries, the first at ``start``, and their directory."""
    buckets: list[list[tuple[int, int]]] = [[] for _ in range(256)]
    for hashval, position in zip(hashes, positions, strict=True):
        buckets[hashval & 255].append((hashval, position))
    out = bytearray()
    directory = []
    for entries in buckets:
        slots = 2 * len(entries)
        directory.append((start + len(out), slots))
        table: list[tuple[int, int] | None] = [None] * slots
        for hashval, position in entries:
            slot = (hashval >> 8) % slots
            while table[slot] is not None:
                slot = (slot + 1) % slots
            table[slot] = (hashval, position)
        for filled in table:  # an empty slot is (0, 0): no entry is at position 0
            out += _POINTER.pack(*(filled or (0, 0)))
    return bytes(out), directory


class _RawStored:
    """Copies a document's stored fields between two W3 segments as their compressed
    pickle, the bytes the stored column holds (``STORED_COLUMN``)."""

    def __init__(self, source: Any, target: Any) -> None:
        self._source = source
        self._target = target

    @classmethod
    def between(cls, reader: SegmentReader, pdw: Any) -> _RawStored | None:
        """The copier from ``reader``'s segment into ``pdw``'s, or None where either
        side's stored column is not Whoosh's pickled, compressed bytes."""
        if not pdw._has_column("_stored"):  # W3PerDocWriter makes it at once
            return None
        target = pdw._get_column("_stored")
        source = reader._perdoc._cached_reader("_stored", STORED_COLUMN)
        if (type(target) is not columns.PickleColumn.Writer
                or type(target._child) is not columns.CompressedBytesColumn.Writer
                or type(source) is not columns.PickleColumn.Reader
                or type(source._child) is not columns.CompressedBytesColumn.Reader):
            return None
        return cls(source._child, target._child)

    def copy(self, docnum: int, newdoc: int) -> None:
        """Copy document ``docnum``'s stored fields to ``newdoc`` (none: nothing to copy)."""
        data = columns.VarBytesColumn.Reader.__getitem__(self._source, docnum)
        if data:
            columns.VarBytesColumn.Writer.add(self._target, newdoc, data)


def _live_docmap(reader: SegmentReader, base: int) -> dict[int, int] | None:
    """Old -> new docnums of a segment's live documents numbered from ``base``, as
    ``write_per_doc`` numbers them; None if it has no deletions (numbers move by ``base``)."""
    if not reader.has_deletions():
        return None
    return {docnum: base + n for n, docnum in enumerate(reader.all_doc_ids())}


def _field_files(scratch: Path, fieldname: str) -> tuple[Path, Path]:
    """Where ``_encode_fields`` leaves a field's term entries and postings."""
    return scratch / f"{fieldname}.terms", scratch / f"{fieldname}.postings"


def field_weights(readers: Iterable[SegmentReader]) -> dict[str, int]:
    """A guess at each field's merge work over ``readers``: the bytes of its term table
    plus ``_POSTINGS_WEIGHT`` times the bytes of its postings.

    A merge costs per term and per posting: on the news corpus a field's merge
    took about 0.03 s of CPU per MB of its term table and 0.07 s per MB of its
    postings, so term tables alone weighed the stemmed field (few terms, long
    posting lists) at half its work. A segment's terms are sorted by field, and
    its postings written in that order, so a field's bytes run from its first
    key (and that key's postings) to the next field's.
    """
    weights: dict[str, int] = {}
    for reader in readers:
        terms = reader._terms
        table = terms._tindex
        starts = sorted(
            (position, fieldid, fieldname)
            for fieldname, fieldid in terms._fieldmap.items()
            if (position := table.closest_key_pos(pack_ushort(fieldid))) is not None)
        ends = [position for position, _, _ in starts[1:]] + [table.endofdata]
        firsts: list[tuple[int, str]] = []  # where each field's postings start
        for (position, _, fieldname), end in zip(starts, ends, strict=True):
            weights[fieldname] = weights.get(fieldname, 0) + end - position
            for _key, raw in _table_items(table, position):
                inlined, offset, _length = split_terminfo(raw)
                if not inlined:
                    firsts.append((offset, fieldname))
                break
        firsts.sort()
        postings = terms._postfile.file
        postings.seek(0, io.SEEK_END)
        size = postings.tell()
        for (offset, fieldname), (end, _) in zip(firsts, [*firsts[1:], (size, "")],
                                                 strict=True):
            weights[fieldname] += _POSTINGS_WEIGHT * max(0, end - offset)
    return weights


def _merge_terms(sources: list[_Terms]) -> _Terms:
    """Sorted term streams merged into one, each term's postings in docnum order."""
    if len(sources) == 1:
        yield from sources[0]
        return
    merged = heapq.merge(*sources, key=itemgetter(0))
    for key, group in groupby(merged, key=itemgetter(0)):
        parts = [entry for _, entry in group]
        if len(parts) == 1:
            yield key, parts[0]
            continue
        parts = [part.decoded() if type(part) is _Copied else tuple(part) for part in parts]
        # The pool's documents and each segment's are numbered in separate
        # runs, so sorting the parts by their first docnum orders the postings,
        # unless documents were added both before and after a segment.
        parts.sort(key=lambda part: part[0][0])
        docnums, weights, values = array("I"), array("d"), []
        for d, w, v in parts:
            if docnums and d[0] < docnums[-1]:
                yield key, _sorted_postings(parts)
                break
            docnums.extend(d)
            weights.extend(w)
            values.extend(v)
        else:
            yield key, (docnums, weights, values)


def _sorted_postings(parts: Iterable[_Entry]) -> _Entry:
    rows = sorted(row for d, w, v in parts for row in zip(d, w, v, strict=True))
    return (array("I", (r[0] for r in rows)), array("d", (r[1] for r in rows)),
            [r[2] for r in rows])


class _ReadAhead:
    """A Whoosh file read in increasing order, a window at a time.

    Merging reads a segment's term table and postings front to back; through
    Whoosh's ``get`` that was a seek and a read for every key, value and
    posting list (four per term), a quarter of a merge's time.
    """

    def __init__(self, dbfile: Any, size: int = _READ_AHEAD) -> None:
        self._dbfile = dbfile
        self._size = size
        self._start = 0
        self._data = b""

    def get(self, position: int, length: int) -> bytes:
        """``length`` bytes from ``position``, as ``StructFile.get`` returns them."""
        offset = position - self._start
        if offset < 0 or offset + length > len(self._data):
            self._start, offset = position, 0
            self._data = self._dbfile.get(position, max(length, self._size))
        return self._data[offset:offset + length]


def _table_items(table: Any, start: int | None = None) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) of each entry of an ordered hash file from ``start`` on, in file order.

    ``OrderedHashReader.items`` without its three reads per entry.
    """
    window = _ReadAhead(table.dbfile)
    position, end = table.startofdata if start is None else start, table.endofdata
    head = _ENTRY_LENGTHS.size
    while position < end:
        keylen, datalen = _ENTRY_LENGTHS.unpack(window.get(position, head))
        position += head
        key = window.get(position, keylen)
        position += keylen
        yield key, window.get(position, datalen)
        position += datalen


class _Copied:
    """A term's posting bytes in a merged segment without deletions, decoded only if needed.

    Most terms of a merge are in one segment only: ``shift_postings`` then
    renumbers their bytes without a round trip through a term's arrays.
    """

    __slots__ = ("raw", "base", "fixedsize")

    def __init__(self, raw: bytes, base: int, fixedsize: int | None) -> None:
        self.raw = raw
        self.base = base
        self.fixedsize = fixedsize

    def decoded(self) -> _Entry:
        """The postings, renumbered from ``base``, as arrays."""
        return decoded_postings(self.raw, self.fixedsize, self.base)


def field_terms(reader: SegmentReader, fieldname: str) -> Iterator[bytes]:
    """The terms of ``fieldname`` in one segment, as bytes, in the term table's order.

    One pass through the table from the field's first key, without a probe
    per term: what checking many terms at once reads (``View.live_among``).
    """
    found = _field_start(reader, fieldname)
    if found is None:
        return
    prefix, start = found
    for key, _raw in _table_items(reader._terms._tindex, start):
        if key[:2] != prefix:
            return
        yield key[2:]


def _field_start(reader: SegmentReader, fieldname: str) -> tuple[bytes, int] | None:
    """(key prefix, position of the first key) of ``fieldname`` in a segment's term
    table; None if the segment has no term of it."""
    terms = reader._terms
    fieldid = terms._fieldmap.get(fieldname)
    if fieldid is None:
        return None
    prefix = pack_ushort(fieldid)
    start = terms._tindex.closest_key_pos(prefix)
    return None if start is None else (prefix, start)


def _term_entry(info: bytes, get: Callable[[int, int], bytes], base: int,
                docmap: dict[int, int] | None, fixedsize: int | None
                ) -> _Copied | _Entry | None:
    """A term's postings from its term info, renumbered for the new segment (``get``
    reads the segment's posting file): bytes to shift if no document was deleted,
    else arrays; None if no posting is left."""
    inlined, offset, length = split_terminfo(info)
    if inlined:
        blocks = [W3TermInfo.from_bytes(info).inlined_postings()]
    elif docmap is None:
        return _Copied(get(offset, length), base, fixedsize)
    else:
        blocks = decode_postings(get(offset, length), fixedsize)
    entry = renumbered(blocks, base, docmap)
    return entry if entry[0] else None


def _segment_terms(reader: SegmentReader, schema: Any, base: int,
                   docmap: dict[int, int] | None, only: str | None = None) -> _Terms:
    """A segment's terms (of field ``only`` if given) with postings renumbered for the new segment.

    The postings of deleted documents (absent from ``docmap``) are left out,
    and so are terms left without postings. Terms come in the term table's
    order, which is by field and term, as every Whoosh writer sorts them.
    """
    terms = reader._terms
    table = terms._tindex
    start = None
    if only is not None:
        found = _field_start(reader, only)
        if found is None:
            return
        start = found[1]
    postfile = _ReadAhead(terms._postfile)
    names = terms._fieldunmap
    current = None
    fixedsize = None
    for key, raw in _table_items(table, start):
        fieldname = names[unpack_ushort(key[:2])[0]]
        if only is not None and fieldname != only:
            return
        if fieldname != current:
            current = fieldname
            if fieldname in schema:
                fixedsize = schema[fieldname].format.fixed_value_size()
        if fieldname not in schema:
            continue
        entry = _term_entry(raw, postfile.get, base, docmap, fixedsize)
        if entry is not None:
            yield (fieldname, key[2:]), entry
