"""Which Whoosh the engine runs on, and the private parts of it the engine relies on.

The engine writes and reads Whoosh's segment files itself (``blocks``,
``writer``, ``evaluate``) and commits segments that worker processes wrote
(``store``): for that it uses names Whoosh does not promise to keep.
``PRIVATE_NAMES`` lists each of them; ``tests/engine/test_compat.py`` checks
that the installed Whoosh still has every one. A Whoosh release not in
``SUPPORTED_WHOOSH`` is refused (``check_whoosh_version``) when an index is
opened, created or written to, before any of those names is reached.

After a Whoosh upgrade: add its version to ``SUPPORTED_WHOOSH`` and run
``tests/engine/`` (every name below, segments byte for byte, Whoosh reading
arsearch's blocks, scores equal to Whoosh's searcher); keep the version only
if they pass (``tests/engine/README.md``).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, NamedTuple

import whoosh

from arsearch.errors import UnsupportedEngine

#: Whoosh releases (``whoosh.versionstring()``) the engine was checked against.
SUPPORTED_WHOOSH = ("2.7.5",)


def whoosh_version() -> str:
    """The installed Whoosh's version, as ``whoosh.versionstring()`` gives it ("2.7.5")."""
    return whoosh.versionstring()


def check_whoosh_version() -> None:
    """Refuse to run on a Whoosh release the engine was not checked against.

    Raises:
        UnsupportedEngine: the installed Whoosh is not in ``SUPPORTED_WHOOSH``.
    """
    found = whoosh_version()
    if found not in SUPPORTED_WHOOSH:
        raise UnsupportedEngine(found, SUPPORTED_WHOOSH)


class PrivateName(NamedTuple):
    """A private Whoosh name the engine uses.

    ``owner`` is a dotted path to a Whoosh module or class (nested classes
    included); ``name`` is a module or class attribute, an attribute the
    class's instances set themselves, or a parameter of its ``__init__``.
    """

    owner: str
    name: str
    used_by: str
    why: str


PRIVATE_NAMES: tuple[PrivateName, ...] = (
    # A shard's searcher scoring with the whole sharded index's statistics.
    PrivateName("whoosh.searching.Searcher", "_subsearcher", "arsearch.engine.globalstats",
                "a shard's sub-searchers are plain ones whose parent holds the global statistics"),
    # Index files, the table of contents and the commit of worker segments.
    PrivateName("whoosh.index.FileIndex", "_segments", "arsearch.engine.store",
                "the committed segments: their sizes, and which of them to merge"),
    PrivateName("whoosh.index.FileIndex", "_read_toc", "arsearch.engine.store",
                "the current generation and segments, to tell leftover files from live ones"),
    PrivateName("whoosh.writing.SegmentWriter", "_lk", "arsearch.engine.store",
                "a worker's writer must not take the write lock its parent holds"),
    PrivateName("whoosh.writing.SegmentWriter", "_finalize_segment", "arsearch.engine.store",
                "a worker finishes its segment without committing it (as MpWriter does)"),
    PrivateName("whoosh.writing.SegmentWriter", "_finalize_segment", "arsearch.engine.writer",
                "the segment's column file is written once Whoosh wrote its files"),
    PrivateName("whoosh.writing.SegmentWriter", "_merge_segments", "arsearch.engine.store",
                "the merge policy's step of a commit, run before adding workers' segments"),
    PrivateName("whoosh.writing.SegmentWriter", "_close_segment", "arsearch.engine.store",
                "closes the writer's own (empty) segment; first step of a cancel"),
    PrivateName("whoosh.writing.SegmentWriter", "_commit_toc", "arsearch.engine.store",
                "writes the new table of contents with the workers' segments"),
    PrivateName("whoosh.writing.SegmentWriter", "_finish", "arsearch.engine.store",
                "closes a writer and releases its lock after a commit or a failure"),
    PrivateName("whoosh.writing.SegmentWriter", "_added", "arsearch.engine.store",
                "whether the merge policy put documents into the writer's own segment"),
    # Each document's place in the order of ingest, read a segment's column at a time.
    PrivateName("whoosh.columns.NumericColumn.Reader", "_dbfile", "arsearch.engine.collect",
                "the segment's per-document file holding the column"),
    PrivateName("whoosh.columns.NumericColumn.Reader", "_basepos", "arsearch.engine.collect",
                "where the column's fixed-size values start in that file"),
    PrivateName("whoosh.columns.NumericColumn.Reader", "_count", "arsearch.engine.collect",
                "how many documents the column holds values for (the rest: the default)"),
    # Every publication date (newest first over most of the index), a segment at a time.
    PrivateName("whoosh.columns.VarBytesColumn.Reader", "_dbfile", "arsearch.engine.collect",
                "the segment's per-document file holding the published column"),
    PrivateName("whoosh.columns.VarBytesColumn.Reader", "_basepos", "arsearch.engine.collect",
                "where the column's values start in that file"),
    PrivateName("whoosh.columns.VarBytesColumn.Reader", "_offsets", "arsearch.engine.collect",
                "where each document's value starts, from the column's start"),
    PrivateName("whoosh.columns.VarBytesColumn.Reader", "_lengths", "arsearch.engine.collect",
                "each document's value length (0: none)"),
    # Safe loading: the module-level names Whoosh's readers unpickle index data with,
    # replaced by ``arsearch.engine.safeload.install`` (its ``PATCHED``).
    PrivateName("whoosh.index", "pickle", "arsearch.engine.safeload",
                "TOC.read unpickles the schema with whoosh.index's pickle.loads"),
    PrivateName("whoosh.filedb.structfile", "load_pickle", "arsearch.engine.safeload",
                "StructFile.read_pickle: the segment list and pickles inside segment files"),
    PrivateName("whoosh.codec.whoosh3", "loads", "arsearch.engine.safeload",
                "posting block data and inlined postings"),
    PrivateName("whoosh.columns", "loads", "arsearch.engine.safeload",
                "stored fields (PickleColumn)"),
    PrivateName("whoosh.writing.SegmentWriter", "_commit_toc", "arsearch.engine.writer",
                "overridden: writes the checksum manifest once the new TOC is written"),
    # The segment writer: documents, per-document files and the flush.
    PrivateName("whoosh.writing.SegmentWriter", "_added", "arsearch.engine.writer",
                "set when add_document or add_reader added something, as Whoosh's do"),
    PrivateName("whoosh.writing.SegmentWriter", "_tempstorage", "arsearch.engine.writer",
                "where the term pool spills its runs and merge processes leave their files"),
    PrivateName("whoosh.writing.SegmentWriter", "_check_state", "arsearch.engine.writer",
                "add_document and add_reader refuse a closed writer, as Whoosh's do"),
    PrivateName("whoosh.writing.SegmentWriter", "_doc_boost", "arsearch.engine.writer",
                "add_document reads a document's boost as Whoosh's does"),
    PrivateName("whoosh.writing.SegmentWriter", "_check_fields", "arsearch.engine.writer",
                "add_document refuses unknown fields as Whoosh's does"),
    PrivateName("whoosh.writing.SegmentWriter", "_field_boost", "arsearch.engine.writer",
                "add_document reads a field's boost as Whoosh's does"),
    PrivateName("whoosh.writing.SegmentWriter", "_flush_segment", "arsearch.engine.writer",
                "overridden: writes each term's postings a block at a time"),
    PrivateName("whoosh.codec.whoosh3.W3FieldWriter", "_postfile", "arsearch.engine.writer",
                "the posting file the term blocks are written to"),
    PrivateName("whoosh.codec.whoosh3.W3FieldWriter", "_tindex", "arsearch.engine.writer",
                "the term table, written in batches (_TableWriter)"),
    PrivateName("whoosh.codec.whoosh3.W3FieldWriter", "_fieldid", "arsearch.engine.writer",
                "the number that prefixes a field's keys in the term table"),
    PrivateName("whoosh.codec.whoosh3.W3Codec", "_inlinelimit", "arsearch.engine.writer",
                "the writer writes no inlined postings: refused when the codec would"),
    PrivateName("whoosh.codec.whoosh3.W3Codec", "_blocklimit", "arsearch.engine.writer",
                "postings per block"),
    PrivateName("whoosh.codec.whoosh3.W3Codec", "_compression", "arsearch.engine.writer",
                "zlib level of the blocks"),
    PrivateName("whoosh.codec.whoosh3", "_lenfield", "arsearch.engine.writer",
                "the column name of a field's lengths"),
    PrivateName("whoosh.codec.whoosh3.W3PerDocReader", "_cached_reader", "arsearch.engine.writer",
                "a segment's length column, read whole (column_lengths)"),
    PrivateName("whoosh.columns.NumericColumn.Reader", "_dbfile", "arsearch.engine.writer",
                "the file of a length column, read in one call"),
    PrivateName("whoosh.columns.NumericColumn.Reader", "_basepos", "arsearch.engine.writer",
                "where a length column starts in its file"),
    PrivateName("whoosh.columns.NumericColumn.Reader", "_count", "arsearch.engine.writer",
                "how many lengths a column holds (trailing zeros are left out)"),
    PrivateName("whoosh.filedb.filetables", "_lengths", "arsearch.engine.writer",
                "the struct before each key and value of an ordered hash file"),
    PrivateName("whoosh.codec.whoosh3.W3PerDocWriter", "_has_column", "arsearch.engine.writer",
                "whether a new segment's stored column exists yet (_RawStored)"),
    PrivateName("whoosh.codec.whoosh3.W3PerDocWriter", "_get_column", "arsearch.engine.writer",
                "a new segment's stored column writer (_RawStored)"),
    PrivateName("whoosh.columns.WrappedColumnWriter", "_child", "arsearch.engine.writer",
                "the compressed bytes under the pickled stored column, written as read"),
    PrivateName("whoosh.columns.WrappedColumnReader", "_child", "arsearch.engine.writer",
                "the compressed bytes under the pickled stored column, read as written"),
    PrivateName("whoosh.filedb.filetables", "_pointer", "arsearch.engine.writer",
                "the struct of a hash table's slot (hash value, key position)"),
    PrivateName("whoosh.filedb.filetables.HashWriter", "_write_hashes", "arsearch.engine.writer",
                "replaced on a term table written by _TableWriter: its hash tables come "
                "from two arrays, not a tuple per entry"),
    # Reading a segment's term table and postings directly.
    PrivateName("whoosh.reading.SegmentReader", "_terms", "arsearch.engine.writer",
                "a segment's term table and posting file, walked in order by a merge"),
    PrivateName("whoosh.reading.SegmentReader", "_terms", "arsearch.engine.evaluate",
                "postings are read straight from a W3 segment's posting file"),
    PrivateName("whoosh.reading.SegmentReader", "_perdoc", "arsearch.engine.writer",
                "a merged segment's length columns (column_lengths)"),
    PrivateName("whoosh.codec.whoosh3.W3PerDocWriter", "_fieldlengths",
                "arsearch.engine.writer",
                "a merged segment's total field lengths, kept exact (_keep_exact_totals)"),
    PrivateName("whoosh.reading.SegmentReader", "_perdoc", "arsearch.engine.evaluate",
                "every document's field length, for BM25 norms"),
    PrivateName("whoosh.codec.whoosh3.W3TermsReader", "_tindex", "arsearch.engine.writer",
                "the term table, read front to back by a merge"),
    PrivateName("whoosh.codec.whoosh3.W3TermsReader", "_fieldmap", "arsearch.engine.writer",
                "field name -> number, to find where a field's terms begin"),
    PrivateName("whoosh.codec.whoosh3.W3TermsReader", "_fieldunmap", "arsearch.engine.writer",
                "number -> field name of a term-table key"),
    PrivateName("whoosh.codec.whoosh3.W3TermsReader", "_postfile", "arsearch.engine.writer",
                "the posting file, read ahead by a merge"),
    PrivateName("whoosh.codec.whoosh3.W3TermsReader", "_postfile", "arsearch.engine.evaluate",
                "a term's postings in one read"),
    PrivateName("whoosh.codec.whoosh3.W3TermInfo", "_struct", "arsearch.engine.blocks",
                "the layout of a term's statistics before its postings' extent"),
    PrivateName("whoosh.system", "_INT_SIZE", "arsearch.engine.blocks",
                "the size of a block's length prefix"),
    # Scoring.
    PrivateName("whoosh.scoring.BM25F", "_field_B", "arsearch.engine.evaluate",
                "per-field B, so scores are Whoosh's own"),
)


def _resolve(dotted: str) -> Any:
    """The module or (nested) class at a dotted path."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise ImportError(dotted)


def _sets_itself(cls: type, name: str) -> bool:
    """Whether a class (or a base) assigns ``self.<name>`` in its source."""
    for klass in inspect.getmro(cls):
        if klass.__module__.split(".")[0] != "whoosh":
            continue
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if f"self.{name} =" in source:
            return True
    return False


def has_private_name(entry: PrivateName) -> bool:
    """Whether the installed Whoosh still has ``entry``'s name where the engine expects it."""
    try:
        owner = _resolve(entry.owner)
    except (ImportError, AttributeError):
        return False
    if hasattr(owner, entry.name):
        return True
    if not inspect.isclass(owner):
        return False
    if entry.name in inspect.signature(owner.__init__).parameters:
        return True
    return _sets_itself(owner, entry.name)


def missing_private_names() -> list[PrivateName]:
    """The entries of ``PRIVATE_NAMES`` the installed Whoosh lacks (reads Whoosh's source)."""
    return [entry for entry in PRIVATE_NAMES if not has_private_name(entry)]
