"""The compiled segment writing (``_cwrite.c``) against its pure-Python twins.

``TermPool.add_slots`` and ``blocks.encode_postings`` run in C when the
extension is built; ``TermPool._pure_add_slots`` and
``blocks._pure_encode_postings`` are the twins. Both are run on the same
inputs: messy pre-analyzed values (Arabic with marks and tatweel, Latin,
digits, gaps, alternatives, repeated and empty terms, boosts) must give the
same postings and pool sizes, any postings the same bytes and statistics (or
the same error), and whole segments of the seeds (and, when ../shared is
there, of 300 news articles) the same files. The compiled side is skipped
when the extension is not built (or ``ARSEARCH_PURE_PYTHON`` is set).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import struct
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh.filedb.filestore import RamStorage
from whoosh.formats import Positions
from whoosh.util.numeric import length_to_byte

import arsearch
from arsearch import native
from arsearch.engine import blocks
from arsearch.engine import writer as writer_module
from arsearch.engine.schema import ALTERNATIVES, GAP, extract_articles, to_document
from arsearch.engine.writer import TermPool, TermPoolWriter
from arsearch.io.readers import read_paths

_C = native.load("arsearch.engine._cwrite")
compiled = pytest.mark.skipif(_C is None, reason="the compiled core (_cwrite) is not built")

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
NEWS = SHARED / "data" / "news" / "ant_v2.1.jsonl.gz"

# Messy analysed terms: Arabic letters with marks, tatweel and hamza forms, Latin,
# ASCII and Arabic-Indic digits, punctuation, and characters past the BMP.
_LETTERS = "ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئةى" "\u064b\u064e\u064f\u0650\u0651\u0652\u0640"
_CHARS = _LETTERS + "abcXYZé0129٠١٢٩،.-_'\u200c\U0001d400"
_WORD = st.text(alphabet=_CHARS, min_size=0, max_size=6)
_VOCABULARY = ["غارة", "سوريا", "ب", "ا", "2018", "٢٠١٨", "x", "ال\u0640سلام", "َ"]
_TERM = st.one_of(st.sampled_from(_VOCABULARY), _WORD)
_SLOT = st.one_of(st.just(GAP), st.lists(_TERM, min_size=1, max_size=3).map(ALTERNATIVES.join))
_SPACE = st.sampled_from([" ", "  ", "\t", "\n", " \u3000 ", "\u2003"])


@st.composite
def _values(draw: st.DrawFn) -> str:
    """A pre-analyzed field value: slots between any whitespace, or any text at all."""
    if draw(st.booleans()):
        slots = draw(st.lists(_SLOT, max_size=40))
        spaces = draw(st.lists(_SPACE, min_size=len(slots) + 1, max_size=len(slots) + 1))
        return "".join(itertools.chain.from_iterable(zip(spaces, [*slots, ""], strict=True)))
    return draw(st.text(max_size=40))


_BOOST = st.sampled_from([1.0, 2.0, 0.5, 1.5, 3.0, 0.0, -1.0, 1e-3])


def _pool() -> TermPool:
    return TermPool(RamStorage(), limitmb=64, text_fields=["body", "count"])


def _pool_state(pool: TermPool) -> tuple[Any, ...]:
    texts = {field: {text: (list(d), list(w), list(v)) for text, (d, w, v) in terms.items()}
             for field, terms in pool._texts.items()}
    return texts, pool._size, sorted(pool.fieldnames)


@compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_values(), _BOOST, _BOOST, st.booleans()), max_size=6))
def test_add_slots_gives_the_twins_postings(documents: list[tuple[str, float, float, bool]]
                                            ) -> None:
    fast, pure = _pool(), _pool()
    for docnum, (value, field_boost, boost, positional) in enumerate(documents):
        field = "body" if positional else "count"
        got = fast.add_slots(field, docnum, value, field_boost, boost, positional)
        want = pure._pure_add_slots(field, docnum, value, field_boost, boost, positional)
        assert got == want
    assert _pool_state(fast) == _pool_state(pure)
    # every value a new object: a block's pickle never refers back (as in Whoosh's)
    values = [v for terms in fast._texts.values() for _, _, vs in terms.values() for v in vs
              if len(v) > 4]
    assert len({id(v) for v in values}) == len(values)
    # and what the pools hold encodes to the same bytes either way, the compiled
    # Postings read where it lies as well as through its arrays
    for field, terms in fast._texts.items():
        for text, entry in terms.items():
            options = _options(None if field == "body" else 4)
            want = blocks._pure_encode_postings(*pure._texts[field][text], [], **options)
            assert blocks.encode_postings(*entry, [], **options) == want
            assert blocks.encode_postings(entry, None, None, [], **options) == want


@compiled
def test_add_slots_refuses_a_lone_surrogate_as_the_twin_does() -> None:
    fast, pure = _pool(), _pool()
    for pool, add in ((fast, fast.add_slots), (pure, pure._pure_add_slots)):
        with pytest.raises(UnicodeEncodeError):
            add("body", 0, "غارة \ud800 ب", 1.0, 1.0, True)
        assert not pool._texts.get("body")


@compiled
def test_add_slots_on_words_of_the_seeds(seeds_dir: Path) -> None:
    articles = [a for a in read_paths([seeds_dir]) if isinstance(a, arsearch.Article)]
    fast, pure = _pool(), _pool()
    for docnum, article in enumerate(articles):
        doc = to_document(article)
        for name, positional in (("stem", True), ("exact", True), ("title", False)):
            if isinstance(doc.get(name), str):
                assert (fast.add_slots("body", docnum, doc[name], 1.0, 1.5, positional)
                        == pure._pure_add_slots("body", docnum, doc[name], 1.0, 1.5, positional))
    assert _pool_state(fast) == _pool_state(pure)


@compiled
@given(st.lists(st.integers(min_value=0, max_value=(1 << 31) - 1), min_size=1, max_size=1200,
                unique=True))
def test_position_bytes_are_whooshs(positions: list[int]) -> None:
    positions.sort()
    assert _C.position_bytes(positions) == Positions().encode(positions)


@compiled
def test_position_bytes_of_long_lists_batch_as_pickle_does() -> None:
    for count in (1, 2, 999, 1000, 1001, 2000, 2001, 3500):
        positions = [p * 3 for p in range(count)]
        assert _C.position_bytes(positions) == Positions().encode(positions)


@compiled
@given(st.integers(min_value=-10, max_value=1 << 40))
def test_length_bytes_are_whooshs(length: int) -> None:
    assert _C.length_byte(length) == length_to_byte(length)


@compiled
def test_length_bytes_at_every_step() -> None:
    for length in range(0, 110_000):
        assert _C.length_byte(length) == length_to_byte(length)


def _options(fixedsize: int | None, blocklimit: int = 128, compression: int = 3,
             min_compress: int = blocks.MIN_COMPRESS) -> dict[str, Any]:
    return {"blocklimit": blocklimit, "compression": compression, "fixedsize": fixedsize,
            "min_compress": min_compress}


_STATS = struct.Struct("!BfIBBfII")  # W3TermInfo's


def _outcome(encode: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The result, or the error (the same either way is part of being a twin).

    A NaN total weight is any NaN: which one a sum of infinities gives depends on
    the order of the operands in the machine code, which even the twin's
    changes once Python specializes it.
    """
    try:
        postings, stats = encode(*args, **kwargs)
    except Exception as exc:
        return type(exc), str(exc)
    fields = list(_STATS.unpack(stats))
    if math.isnan(fields[1]):
        fields[1] = "nan"
    return postings, fields


_WEIGHT = st.one_of(st.sampled_from([1.0, 1.0, 2.0, 0.5, 0.0, -0.0, -1.0, 3.4e38, 3.5e38,
                                     1e300, math.inf, -math.inf, math.nan]),
                    st.floats(allow_nan=True, allow_infinity=True))
_VALUE = st.one_of(st.binary(max_size=12), st.none(), st.just(b""), st.binary(min_size=250,
                                                                              max_size=300))


@st.composite
def _postings(draw: st.DrawFn) -> tuple[Any, ...]:
    count = draw(st.integers(min_value=0, max_value=300))
    top = draw(st.sampled_from([1 << 10, 1 << 20, (1 << 32) - 1]))
    docnums = sorted(draw(st.lists(st.integers(0, top), min_size=count, max_size=count)))
    if draw(st.booleans()):
        docnums = sorted(set(docnums))
        count = len(docnums)
    weights = draw(st.one_of(
        st.lists(_WEIGHT, min_size=count, max_size=count),
        _WEIGHT.map(lambda w: [w] * count)))
    pool = draw(st.lists(_VALUE, min_size=1, max_size=5))
    # shared objects: the pickle memo refers back to them
    values = [pool[i] for i in draw(st.lists(st.integers(0, len(pool) - 1),
                                             min_size=count, max_size=count))]
    if draw(st.booleans()):
        values = [bytes(v) if v is not None else v for v in values]
    # each document's length: a drawn pattern over the first `known` documents
    known = min(draw(st.integers(min_value=0, max_value=max(docnums, default=0) + 2)), 3000)
    pattern = draw(st.lists(st.sampled_from([0, 0, 1, 2, 7, 100, 106373, 106374, 10**9]),
                            min_size=1, max_size=7))
    lengths = [pattern[d % len(pattern)] for d in range(known)]
    fixedsize = draw(st.sampled_from([None, -1, 0, 4]))
    options = _options(fixedsize, draw(st.sampled_from([1, 2, 3, 4, 128])),
                       draw(st.sampled_from([0, 1, 3, 9, -1])),
                       draw(st.sampled_from([0, 1, 64, 1 << 20])))
    return array("I", docnums), array("d", weights), values, lengths, options


@compiled
@settings(max_examples=200, deadline=None)
@given(_postings())
def test_encode_postings_gives_the_twins_bytes_or_error(postings: tuple[Any, ...]) -> None:
    docnums, weights, values, lengths, options = postings
    want = _outcome(blocks._pure_encode_postings, docnums, weights, values, lengths, **options)
    assert _outcome(blocks.encode_postings, docnums, weights, values, lengths, **options) == want
    found = _C.encode_postings(docnums, weights, values, lengths, options["blocklimit"],
                               options["compression"], options["fixedsize"],
                               options["min_compress"], zlib.compress)
    if found is not None:  # None: left to the twin
        assert _outcome(lambda: found) == want


@compiled
def test_encode_postings_in_c_covers_the_usual_shapes() -> None:
    # A positional term over three blocks, a frequency one, an unscored one: all in C.
    docnums = array("I", range(0, 700, 2))
    weights = array("d", [1.0 + (d % 3) for d in docnums])
    positional = [Positions().encode([d % 5, d % 5 + 3]) for d in docnums]
    lengths = [d % 40 for d in range(700)]
    for values, fixedsize in ((positional, None), ([b"\x00\x00\x00\x02"] * 350, 4),
                              ([b""] * 350, 0)):
        for scored in (lengths, []):
            options = _options(fixedsize)
            got = _C.encode_postings(docnums, weights, values, scored, 128, 3, fixedsize,
                                     blocks.MIN_COMPRESS, zlib.compress)
            assert got is not None
            assert got == blocks._pure_encode_postings(docnums, weights, values, scored,
                                                       **options)


@compiled
def test_a_block_past_one_pickle_frame_is_left_to_the_twin() -> None:
    docnums = array("I", range(200))
    weights = array("d", [2.0] * 200)
    values = [bytes(range(256)) * 4 for _ in docnums]  # 128 of them: past 64 KiB
    assert _C.encode_postings(docnums, weights, values, [], 128, 3, None, 64,
                              zlib.compress) is None
    assert (blocks.encode_postings(docnums, weights, values, [], **_options(None))
            == blocks._pure_encode_postings(docnums, weights, values, [], **_options(None)))


def _segment(tmp_path: Path, name: str, docs: list[dict[str, Any]], limitmb: float,
             monkeypatch: pytest.MonkeyPatch, compiled_path: bool) -> dict[str, str]:
    """SHA-256 of each file of the segment ``docs`` make, by extension."""
    with monkeypatch.context() as patch:
        if not compiled_path:
            patch.setattr(writer_module, "_C", None)
            patch.setattr(blocks, "_C", None)
        path = tmp_path / name
        arsearch.Index.create(path)
        ix = windex.open_dir(str(path))
        writer = TermPoolWriter(ix, _lk=False, limitmb=limitmb)
        for doc in docs:
            writer.add_document(**doc)
        segment = writer._finalize_segment()
    files = segment.open_compound_file(ix.storage)
    return {n.split(".", 1)[1]: hashlib.sha256(files.open_file(n).read()).hexdigest()
            for n in files.list()}


def _copies(docs: list[dict[str, Any]], times: int) -> list[dict[str, Any]]:
    return [{**doc, "id": f"{doc['id']}-{n}", "id_hash": f"{doc['id_hash']}-{n}"}
            for n in range(times) for doc in docs]


@compiled
@pytest.mark.parametrize("limitmb", [64, 0.5], ids=["in memory", "spilled to runs"])
def test_a_segment_of_the_seeds_is_the_same_either_way(tmp_path: Path, seeds_dir: Path,
                                                       limitmb: float,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    articles = [a for a in read_paths([seeds_dir]) if isinstance(a, arsearch.Article)]
    docs = _copies([to_document(a) for a in articles], 60)  # terms of several blocks
    fast = _segment(tmp_path, "compiled", docs, limitmb, monkeypatch, True)
    pure = _segment(tmp_path, "pure", docs, limitmb, monkeypatch, False)
    assert fast == pure
    assert any(name.endswith("pst") for name in fast)


@compiled
@pytest.mark.skipif(not NEWS.is_file(), reason="../shared/data/news is not there")
def test_a_segment_of_news_articles_is_the_same_either_way(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    articles = list(itertools.islice(
        (a for a in read_paths([NEWS]) if isinstance(a, arsearch.Article)), 300))
    mentions = extract_articles(articles)
    docs = [to_document(a, mentions=m) for a, m in zip(articles, mentions, strict=True)]
    fast = _segment(tmp_path, "compiled", docs, 64, monkeypatch, True)
    pure = _segment(tmp_path, "pure", docs, 64, monkeypatch, False)
    assert fast == pure


_KEY = st.binary(min_size=1, max_size=150)  # past one MD5 block (64 bytes) and two


@compiled
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_KEY, st.binary(max_size=40)), max_size=60),
       st.integers(min_value=0, max_value=1 << 40), st.binary(max_size=3))
def test_term_table_entries_are_the_twins(entries: list[tuple[bytes, bytes]], position: int,
                                          last: bytes) -> None:
    entries = sorted(dict(entries).items())
    found = _C.table_entries(entries, position, last)
    try:
        expected = writer_module._table_entries(entries, position, last)
    except ValueError:
        assert found is None  # the twin raises where keys do not increase
        return
    assert found == expected
    hashes = array("I", found[1])
    assert list(hashes) == [int(hashlib.md5(key).hexdigest(), 16) & 0xFFFFFFFF
                            for key, _ in entries]


@compiled
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=(1 << 32) - 1),
                          st.integers(min_value=1, max_value=(1 << 62))), max_size=700),
       st.integers(min_value=0, max_value=1 << 40))
def test_hash_tables_are_the_twins(entries: list[tuple[int, int]], start: int) -> None:
    hashes = array("I", [h for h, _ in entries])
    positions = array("q", [p for _, p in entries])
    found = _C.hash_tables(hashes, positions, start)
    assert found == writer_module._hash_tables(hashes, positions, start)
    assert len(found[1]) == 256 and len(found[0]) == 24 * len(entries)


@compiled
def test_a_pools_postings_take_appends_and_give_the_twins_entry() -> None:
    pool = _pool()
    pool.add_slots("body", 3, "غارة ب غارة", 1.0, 2.0, True)
    entry = pool._texts["body"]["غارة"]
    assert type(entry) is not tuple and len(entry) == 1
    entry.append(7, 0.5, b"x")  # as add_terms adds to it
    docnums, weights, values = entry
    assert list(docnums) == [3, 7] and list(weights) == [4.0, 0.5] and values[1] == b"x"
    assert docnums.typecode == "I" and weights.typecode == "d"
    with pytest.raises(OverflowError):
        entry.append(1 << 32, 1.0, b"")
    with pytest.raises(TypeError, match="bytes"):
        entry.append(8, 1.0, "x")
    assert len(entry) == 2


@compiled
def test_add_slots_appends_to_an_entry_python_made() -> None:
    # A pool's entry made by the twin (where the compiled add_slots declined a
    # value) is a tuple of arrays: the compiled add_slots appends to it through
    # its methods, and the pool holds what the twin alone would.
    mixed, pure = _pool(), _pool()
    mixed._pure_add_slots("body", 0, "غارة ب", 1.0, 1.0, True)
    assert type(mixed._texts["body"]["غارة"]) is tuple
    mixed.add_slots("body", 1, "غارة ج غارة", 1.0, 2.0, True)
    pure._pure_add_slots("body", 0, "غارة ب", 1.0, 1.0, True)
    pure._pure_add_slots("body", 1, "غارة ج غارة", 1.0, 2.0, True)
    assert _pool_state(mixed) == _pool_state(pure)
