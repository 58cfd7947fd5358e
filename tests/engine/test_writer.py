"""TermPoolWriter writes the segment files Whoosh's own SegmentWriter writes.

With ``block_protocol = 2`` and ``block_min_compress = 0`` they are byte for
byte Whoosh's; with the defaults Whoosh reads the same postings from them.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import VarBytesColumn
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter
from whoosh.formats import Positions
from whoosh.reading import SegmentReader
from whoosh.system import pack_ushort
from whoosh.writing import SegmentWriter

import arsearch
from arsearch.engine import writer as writer_module
from arsearch.engine.blocks import compiled_codec
from arsearch.engine.schema import to_document
from arsearch.engine.split_work import can_fork, run_apart
from arsearch.engine.writer import TermPool, TermPoolWriter, field_weights
from arsearch.io.readers import read_paths

needs_fork = pytest.mark.skipif(not can_fork(), reason="the platform does not fork by default")


def _file_digests(ix: Any, segment: Any) -> dict[str, str]:
    """SHA-256 of each file inside a segment's compound file, by extension."""
    files = segment.open_compound_file(ix.storage)
    return {n.split(".", 1)[1]: hashlib.sha256(files.open_file(n).read()).hexdigest()
            for n in files.list()}


def _documents(seeds_dir: Path) -> list[dict[str, Any]]:
    articles = [a for a in read_paths([seeds_dir]) if isinstance(a, arsearch.Article)]
    docs = [to_document(a) for a in articles]
    # Many copies: terms with more postings than a block (128) holds, so that
    # block boundaries and the last block are covered.
    return [{**doc, "id": f"{doc['id']}-{n}", "id_hash": f"{doc['id_hash']}-{n}"}
            for n in range(60) for doc in docs]


def _segment_files(tmp_path: Path, name: str, writer_class: type, docs: list[dict[str, Any]],
                   limitmb: float) -> dict[str, str]:
    path = tmp_path / name
    arsearch.Index.create(path)
    ix = windex.open_dir(str(path))
    writer = writer_class(ix, _lk=False, limitmb=limitmb)
    for doc in docs:
        writer.add_document(**doc)
    segment = writer._finalize_segment()
    return _file_digests(ix, segment)


@pytest.mark.parametrize("limitmb", [64, 0.5], ids=["in memory", "spilled to runs"])
def test_segment_files_are_byte_identical_to_whooshs(tmp_path: Path, seeds_dir: Path,
                                                     limitmb: float,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TermPoolWriter, "block_protocol", 2)
    monkeypatch.setattr(TermPoolWriter, "block_min_compress", 0)
    docs = _documents(seeds_dir)
    spills = []
    spill = TermPool._spill
    monkeypatch.setattr(TermPool, "_spill", lambda pool: spills.append(1) or spill(pool))
    ours = _segment_files(tmp_path, "ours", TermPoolWriter, docs, limitmb)
    assert bool(spills) == (limitmb < 1)
    whooshs = _segment_files(tmp_path, "whoosh", SegmentWriter, docs, 64)
    assert ours == whooshs
    assert any(name.endswith("pst") for name in ours)


def _postings_read_by_whoosh(path: Path) -> dict[tuple[str, bytes], list[tuple]]:
    found: dict[tuple[str, bytes], list[tuple]] = {}
    with windex.open_dir(str(path)).reader() as reader:
        for field, term in reader.all_terms():
            matcher = reader.postings(field, term)
            postings = found[field, term] = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
    return found


def test_default_blocks_hold_whooshs_postings_in_less_space(tmp_path: Path,
                                                           seeds_dir: Path) -> None:
    docs = _documents(seeds_dir)[:150]
    for name, writer_class in (("ours", TermPoolWriter), ("whoosh", SegmentWriter)):
        arsearch.Index.create(tmp_path / name)
        writer = writer_class(windex.open_dir(str(tmp_path / name)), limitmb=64)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit(merge=False)
    ours = _postings_read_by_whoosh(tmp_path / "ours")
    assert ours == _postings_read_by_whoosh(tmp_path / "whoosh")
    assert any(len(postings) > 128 for postings in ours.values())  # more than one block
    sizes = {name: sum(f.stat().st_size for f in (tmp_path / name).glob("*.seg"))
             for name in ("ours", "whoosh")}
    assert sizes["ours"] < sizes["whoosh"]


def test_pool_spills_sorted_runs_and_merges_them_in_docnum_order(tmp_path: Path) -> None:
    storage = FileStorage(str(tmp_path)).create()
    pool = TermPool(storage, limitmb=0.001)  # a run every few postings
    postings = [("f", t.encode(), d, 1.0, b"") for d in range(50) for t in ("b", "a", f"x{d}")]
    for posting in postings:
        pool.add(posting)
    assert len(pool._runs) > 3
    assert list(pool.iter_postings()) == sorted(postings)
    pool.cleanup()
    assert not [n for n in storage.list() if n.endswith(".run")]


def test_pool_keeps_a_text_fields_terms_together_however_they_come(tmp_path: Path) -> None:
    storage = FileStorage(str(tmp_path)).create()
    pool = TermPool(storage, limitmb=0.002, text_fields=["t"])
    for docnum in range(0, 60, 3):
        pool.add_slots("t", docnum, "غارة ب|ا \u00b6 ب", 1.0, 2.0, positional=False)
        pool.add(("t", "ا".encode(), docnum + 1, 1.0, b"\x00\x00\x00\x01"))
        pool.add(("id", f"{docnum}".encode(), docnum + 2, 1.0, b""))
    assert pool._runs
    postings = list(pool.iter_postings())
    assert [(f, t) for f, t, *_ in postings] == sorted((f, t) for f, t, *_ in postings)
    alif = [(d, w) for f, t, d, w, _ in postings if (f, t) == ("t", "ا".encode())]
    assert alif == [(d, w) for n in range(0, 60, 3) for d, w in ((n, 2.0), (n + 1, 1.0))]
    assert [d for f, t, d, *_ in postings if t == "ب".encode()] == list(range(0, 60, 3))
    assert {w for f, t, d, w, _ in postings if t == "ب".encode()} == {4.0}  # twice, boost 2
    pool.cleanup()


def test_index_commits_and_merges_through_the_pool(tmp_path: Path, seeds_dir: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    for seed in sorted(seeds_dir.glob("*.txt")):  # one commit (and segment) each
        ix.add_paths([seed])
    ix.optimize()
    assert ix.search("داعش").total >= 1
    assert len(ix.search(None, limit=10).hits) == len(list(seeds_dir.glob("*.txt")))


def _merged_files(tmp_path: Path, name: str, writer_class: type, seeds_dir: Path,
                  delete: list[str]) -> dict[str, str]:
    """Segment files of an optimize over three committed segments (some deletions)."""
    path = tmp_path / name
    arsearch.Index.create(path)
    ix = windex.open_dir(str(path))
    docs = _documents(seeds_dir)
    for part in (docs[:100], docs[100:250], docs[250:]):
        writer = SegmentWriter(ix, limitmb=64)
        for doc in part:
            writer.add_document(**doc)
        writer.commit(merge=False)
    if delete:
        writer = SegmentWriter(ix)
        for doc_id in delete:
            writer.delete_by_term("id", doc_id)
        writer.commit(merge=False)
    writer = writer_class(ix, limitmb=64)
    writer.add_document(**{**docs[0], "id": "late", "id_hash": "late"})  # pool + segments
    writer.commit(optimize=True)
    ix = windex.open_dir(str(path))
    (segment,) = ix._segments()
    return _file_digests(ix, segment)


def _stored(path: Path) -> list[dict[str, Any]]:
    with windex.open_dir(str(path)).reader() as reader:
        return [reader.stored_fields(docnum) for docnum in range(reader.doc_count_all())]


def _stored_bytes(path: Path) -> set[bytes]:
    """The compressed stored fields of every document of every segment, as stored."""
    ix = windex.open_dir(str(path))
    found = set()
    for segment in ix._segments():
        with SegmentReader(ix.storage, ix.schema, segment) as reader:
            column = reader._perdoc._cached_reader("_stored", STORED_COLUMN)._child
            found.update(VarBytesColumn.Reader.__getitem__(column, docnum)
                         for docnum in range(reader.doc_count_all()))
    return found


@pytest.mark.parametrize("delete", [[], ["001-0", "003-7", "005-59"]],
                         ids=["no deletions", "deletions"])
def test_merged_segment_is_byte_identical_to_whooshs(tmp_path: Path, seeds_dir: Path,
                                                      delete: list[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TermPoolWriter, "block_protocol", 2)
    monkeypatch.setattr(TermPoolWriter, "block_min_compress", 0)
    ours = _merged_files(tmp_path, "ours", TermPoolWriter, seeds_dir, delete)
    whooshs = _merged_files(tmp_path, "whoosh", SegmentWriter, seeds_dir, delete)
    # The stored fields are copied as first written; Whoosh pickles them again,
    # in another order of their keys. They read back the same.
    assert ours.pop("_stored.col") and whooshs.pop("_stored.col")
    assert ours == whooshs
    assert _stored(tmp_path / "ours") == _stored(tmp_path / "whoosh")


def test_a_merge_copies_stored_fields_as_first_written(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    for n in range(3):  # a segment each
        ix.add_articles([{"id": f"a{n}", "title": "غارة", "text": f"غارات على حلب {n}"}])
    before = _stored_bytes(tmp_path / "ix")
    ix.optimize()
    assert ix.info().segments == 1
    assert _stored_bytes(tmp_path / "ix") == before


def test_documents_added_after_a_merged_segment_keep_postings_in_order(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    ix.add_articles([{"id": f"a{i}", "text": f"غارات على حلب {i}"} for i in range(5)])
    raw = windex.open_dir(str(tmp_path / "ix"))
    writer = TermPoolWriter(raw)
    before = to_document(arsearch.Article(id="before", text="غارات على حماة"))
    after = to_document(arsearch.Article(id="after", text="غارات على إدلب"))
    writer.add_document(**before)
    for segment in raw._segments():
        writer.add_reader(SegmentReader(raw.storage, raw.schema, segment))
    writer.add_document(**after)
    writer.commit(mergetype=lambda w, segments: [])  # the readers were added by hand
    with windex.open_dir(str(tmp_path / "ix")).searcher() as searcher:
        ids = list(searcher.postings("stem", "غار").all_ids())
        assert ids == sorted(ids) and len(ids) == 7
        assert {searcher.stored_fields(d)["id"] for d in ids} >= {"before", "after", "a0"}


def _optimized_files(tmp_path: Path, name: str, seeds_dir: Path, jobs: int,
                     deleting: bool = True) -> dict[str, str]:
    """Segment files after merging four committed segments, one with deletions if
    ``deleting``."""
    ix = arsearch.Index.create(tmp_path / name)
    articles = [a for a in read_paths([seeds_dir]) if isinstance(a, arsearch.Article)]
    docs = [{"id": f"{a.id}-{n}", "title": a.title, "text": a.text}
            for n in range(60) for a in articles]
    for start in range(0, len(docs), 80):
        ix.add_articles(docs[start:start + 80])
    if deleting:
        ix.delete([docs[3]["id"], docs[90]["id"]])
    ix.optimize(jobs=jobs)
    raw = windex.open_dir(str(tmp_path / name))
    (segment,) = raw._segments()
    return _file_digests(raw, segment)


@needs_fork
def test_a_merge_shared_out_by_field_writes_the_same_segment(
        tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared: list[list[list[str]]] = []
    deferred: list[bool] = []

    def recorded(groups: list[list[str]], *args: Any, **kwargs: Any) -> None:
        shared.append(groups)
        deferred.append(kwargs.get("here") is not None)
        run_apart(groups, *args, **kwargs)

    monkeypatch.setattr(writer_module, "run_apart", recorded)
    two = _optimized_files(tmp_path, "two", seeds_dir, jobs=2)
    assert len(shared) == 1 and len(shared[0]) == 2
    assert deferred == [True]  # the documents were copied while the children encoded
    assert {"exact", "stem"} <= {name for group in shared[0] for name in group}
    assert two == _optimized_files(tmp_path, "one", seeds_dir, jobs=1)
    assert len(shared) == 1  # one process: not shared out


needs_compiled_merge = pytest.mark.skipif(
    writer_module._M is None or compiled_codec() is None,
    reason="the compiled merge is not built or is switched off (ARSEARCH_PURE_PYTHON)")


class _Counted:
    """``_cmerge`` with its ``Merged`` calls counted."""

    def __init__(self) -> None:
        self.calls = 0
        self._module = writer_module._M

    def Merged(self, *args: Any) -> Any:  # noqa: N802 (the module's name)
        self.calls += 1
        return self._module.Merged(*args)


@needs_compiled_merge
@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=needs_fork)])
def test_the_compiled_merge_writes_the_segment_the_python_merge_writes(
        tmp_path: Path, seeds_dir: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    counted = _Counted()
    monkeypatch.setattr(writer_module, "_M", counted)
    merged_in_c = _optimized_files(tmp_path, "c", seeds_dir, jobs, deleting=False)
    assert counted.calls > 0 or jobs > 1  # a forked child's calls are counted there
    monkeypatch.setattr(writer_module, "_M", None)
    assert merged_in_c == _optimized_files(tmp_path, "py", seeds_dir, jobs, deleting=False)


def _merge_after_a_deletion(path: Path, seeds_dir: Path, delete: str) -> None:
    """``Index.optimize`` of two segments Whoosh's writer wrote and a deletion of
    article ``delete`` from them."""
    arsearch.Index.create(path)
    raw = windex.open_dir(str(path))
    docs = _documents(seeds_dir)[:120]
    for part in (docs[:50], docs[50:]):
        writer = SegmentWriter(raw)
        for doc in part:
            writer.add_document(**doc)
        writer.commit(merge=False)
    writer = SegmentWriter(raw)
    writer.delete_by_term("id", delete)
    writer.commit(merge=False)
    with arsearch.Index.open(path) as ix:
        ix.optimize()


@needs_compiled_merge
def test_a_merge_with_deletions_is_left_to_python(
        tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counted = _Counted()
    monkeypatch.setattr(writer_module, "_M", counted)
    deleted = _documents(seeds_dir)[3]["id"]
    _merge_after_a_deletion(tmp_path / "ix", seeds_dir, delete=deleted)
    assert counted.calls == 0
    with arsearch.Index.open(tmp_path / "ix") as ix:
        assert ix.info().segments == 1 and ix.get(deleted) is None


@needs_compiled_merge
@pytest.mark.parametrize("declining", ["decode", "encode"])
def test_terms_the_compiled_codec_declines_are_merged_in_python(
        tmp_path: Path, seeds_dir: Path, declining: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    decode, encode = compiled_codec()  # type: ignore[misc]
    declined = []

    def now_and_then(function: Any) -> Any:
        def call(*args: Any) -> Any:
            if len(declined) % 3 == 0 or (declining == "decode" and args[3] == 0):
                declined.append(1)
                return None
            declined.append(0)
            return function(*args)
        return call

    python = _optimized_files(tmp_path, "py", seeds_dir, 1, deleting=False)
    codec = ((now_and_then(decode), encode) if declining == "decode"
             else (decode, now_and_then(encode)))
    monkeypatch.setattr(writer_module, "compiled_codec", lambda: codec)
    assert _optimized_files(tmp_path, "c", seeds_dir, 1, deleting=False) == python
    assert sum(declined) > 0


def test_fields_weigh_by_their_term_table_and_their_postings(
        tmp_path: Path, seeds_dir: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    ix.add_paths([seeds_dir])
    raw = windex.open_dir(str(tmp_path / "ix"))
    (segment,) = raw._segments()
    with SegmentReader(raw.storage, raw.schema, segment) as reader:
        weights = field_weights([reader])
        table = reader._terms._tindex
        spans = {}  # each field's term-table bytes and posting bytes
        for name in weights:
            infos = [reader.term_info(name, term) for term in reader.lexicon(name)]
            first = table.closest_key_pos(pack_ushort(reader._terms._fieldmap[name]))
            spans[name] = (first, sum(_posting_length(info) for info in infos))
        postings = reader._terms._postfile.file
        postings.seek(0, 2)
        size = postings.tell()
        first_posting = min(reader.term_info(name, next(iter(reader.lexicon(name))))._offset
                            for name in weights)
    assert set(weights) >= {"exact", "stem", "broad", "title_terms", "id"}
    # Every byte of the term table, and twice every byte of postings, once.
    assert sum(weights.values()) == (table.endofdata - table.startofdata
                                     + 2 * (size - first_posting))
    starts = sorted(position for position, _ in spans.values())
    ends = dict(zip(starts, [*starts[1:], table.endofdata], strict=True))
    for name, (position, posting_bytes) in spans.items():
        assert weights[name] == ends[position] - position + 2 * posting_bytes
    # Stems gather several forms' postings: more postings per byte of term table.
    assert (weights["stem"] / (ends[spans["stem"][0]] - spans["stem"][0])
            > weights["exact"] / (ends[spans["exact"][0]] - spans["exact"][0]))


def _posting_length(info: Any) -> int:
    """The length of a term's postings (Whoosh's ``from_bytes`` leaves it in a tuple)."""
    length = info.extent()[1]
    return length[0] if isinstance(length, tuple) else length


@needs_fork
def test_a_merge_process_out_of_disk_leaves_the_index_as_it_was(
        tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    for seed in sorted(seeds_dir.glob("*.txt")):  # a segment each
        ix.add_paths([seed])
    files = sorted(p.name for p in (tmp_path / "ix").iterdir())
    segments = ix.info().segments
    assert segments > 1
    parent = os.getpid()
    encode = TermPoolWriter._encode_fields

    def out_of_disk(self: TermPoolWriter, *args: Any) -> None:
        if os.getpid() != parent:
            raise OSError(errno.ENOSPC, "No space left on device")
        encode(self, *args)

    monkeypatch.setattr(TermPoolWriter, "_encode_fields", out_of_disk)
    with pytest.raises(arsearch.ArsearchError, match="No space left on device"):
        ix.optimize(jobs=2)
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == files
    reopened = arsearch.Index.open(tmp_path / "ix")
    assert reopened.info().segments == segments
    assert len(reopened) == 5 and reopened.search("داعش").total >= 1


@given(st.lists(st.integers(min_value=0, max_value=1 << 20), min_size=1, max_size=5, unique=True))
def test_position_values_are_whooshs_and_never_shared(positions: list[int]) -> None:
    positions.sort()
    value = writer_module._position_bytes(positions)
    assert value == Positions().encode(positions)
    # A shared object would be pickled as a reference to its first occurrence.
    assert writer_module._position_bytes(positions) is not value


@pytest.mark.parametrize("path", ["compiled", "pure"])
def test_term_table_entries_written_in_batches_make_whooshs_file(
        tmp_path: Path, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if path == "pure":
        monkeypatch.setattr(writer_module, "_C", None)
    elif writer_module._C is None:
        pytest.skip("the compiled core (_cwrite) is not built")
    storage = FileStorage(str(tmp_path)).create()
    # Enough entries for several batches, and positions past 2**16 (a wider index array).
    entries = [(b"\x00\x01" + f"term{n:06d}".encode(), bytes(range(n % 40)))
               for n in range(3 * writer_module._TABLE_BATCH)]
    whooshs = OrderedHashWriter(storage.create_file("whoosh.trm"))
    for key, value in entries:
        whooshs.add(key, value)
    whooshs.close()
    table = OrderedHashWriter(storage.create_file("ours.trm"))
    ours = writer_module._TableWriter(table)
    for key, value in entries:
        ours.add(key, value)
    ours.flush()
    table.close()
    assert (tmp_path / "ours.trm").read_bytes() == (tmp_path / "whoosh.trm").read_bytes()
    reader = OrderedHashReader.open(storage, "ours.trm")
    assert reader[entries[-1][0]] == entries[-1][1]
    reader.close()


def test_a_term_table_is_written_through_one_table_writer() -> None:
    table = OrderedHashWriter(RamStorage().create_file("t.trm"))
    writer_module._TableWriter(table)
    with pytest.raises(ValueError, match="already holds entries"):
        writer_module._TableWriter(table)  # its entries would be missing from the hashes


def test_term_table_keys_must_increase_however_written(monkeypatch: pytest.MonkeyPatch) -> None:
    for compiled in (writer_module._C, None):
        monkeypatch.setattr(writer_module, "_C", compiled)
        table = OrderedHashWriter(RamStorage().create_file("t.trm"))
        ours = writer_module._TableWriter(table)
        ours.add(b"\x00\x01b", b"")
        ours.add(b"\x00\x01a", b"")
        with pytest.raises(ValueError, match="Keys must increase"):
            ours.flush()


def _totals(path: Path) -> dict[str, int]:
    with windex.open_dir(str(path)).searcher() as searcher:
        reader = searcher.reader()
        return {name: reader.field_length(name) for name in ("exact", "stem", "broad")}


def test_a_merge_keeps_the_exact_field_length_totals(tmp_path: Path, seeds_dir: Path) -> None:
    # Whoosh's own merge adds up one-byte document lengths, so BM25's average
    # length (every score) would depend on how the segments were merged.
    ix = arsearch.Index.create(tmp_path / "ix")
    paths = sorted(seeds_dir.iterdir())
    ix.add_paths(paths[:3])
    ix.add_paths(paths[3:])
    before = _totals(tmp_path / "ix")
    scores = [(h.id, h.score) for h in ix.search("داعش البادية", match="any", limit=None)]
    ix.optimize()
    assert len(list((tmp_path / "ix").glob("*.seg"))) == 1
    assert _totals(tmp_path / "ix") == before
    assert [(h.id, h.score) for h in ix.search("داعش البادية", match="any", limit=None)] == scores
    one = arsearch.Index.create(tmp_path / "one")
    one.add_paths(paths)
    assert _totals(tmp_path / "one") == before
