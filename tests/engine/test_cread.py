"""The compiled posting reader (``_cread.c``) against its pure-Python twins.

``blocks.block_heads``, ``blocks.decoded_postings``, ``blocks.shift_postings`` and
``evaluate._postings`` read posting bytes in C when the extension is built;
``_pure_block_heads``, ``_pure_decoded_postings``, the rest of ``shift_postings``
and ``block_data`` are the twins. Both read the same bytes: posting lists of
every format written by arsearch (protocol 5) and by Whoosh (protocol 2, values
as calls to ``_codecs.encode``), the terms of real segments (the seeds, an index
of arsearch 0.1 and, when ../shared is there, 1,000 news articles), and damaged
bytes (cut short, bytes changed, inserted or dropped), where the C reader must
give the twin's result or None (the caller then runs the twin, which raises its
error). The compiled side is skipped when the extension is not built (or
``ARSEARCH_PURE_PYTHON`` is set).
"""

from __future__ import annotations

import itertools
import shutil
import struct
import zlib
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import pack_uint, unpack_ushort

import arsearch
from arsearch import native
from arsearch.engine import blocks, evaluate
from arsearch.engine.schema import to_document
from arsearch.engine.writer import TermPoolWriter, _ReadAhead, _table_items
from arsearch.io.readers import read_paths

_R = native.load("arsearch.engine._cread")
compiled = pytest.mark.skipif(_R is None or blocks._R is None,
                              reason="the compiled core (_cread) is not built")

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
INDEX_0_1 = ROOT / "tests" / "data" / "index_0_1"
NEWS = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"
FORMATS = {"positions": Positions(), "frequency": Frequency(), "existence": Existence()}


@st.composite
def _posting_lists(draw: st.DrawFn) -> tuple[int | None, bytes]:
    """A format's fixed value size and a posting list's bytes in one of the
    writers' forms: arsearch's (protocol 5, small blocks uncompressed) or
    Whoosh's (protocol 2), compressed or not, in blocks of 128 or fewer."""
    kind = draw(st.sampled_from(sorted(FORMATS)))
    top = draw(st.sampled_from([300, 70_000, 2**32 - 5001]))  # base 5000 keeps 32 bits
    docnums = sorted(draw(st.sets(st.integers(0, top), min_size=1, max_size=300)))
    weights = draw(st.one_of(
        st.lists(st.sampled_from([1.0, 2.0, 0.5, 3.0, 1e-3, 7.25]), min_size=len(docnums),
                 max_size=len(docnums)),
        st.sampled_from([1.0, 2.5]).map(lambda w: [w] * len(docnums))))
    if kind == "positions":
        values = [Positions().encode(list(range(0, 3 * max(1, int(w)), 3))) for w in weights]
    elif kind == "frequency":
        values = [pack_uint(max(1, int(w))) for w in weights]
    else:
        values = [b""] * len(weights)
    fixedsize = FORMATS[kind].fixed_value_size()
    protocol = draw(st.sampled_from([2, blocks.BLOCK_PROTOCOL]))
    raw, _ = blocks._pure_encode_postings(
        docnums, weights, values, [], blocklimit=draw(st.sampled_from([128, 128, 5, 1])),
        compression=draw(st.sampled_from([0, 3])), fixedsize=fixedsize, protocol=protocol,
        min_compress=0 if protocol == 2 else blocks.MIN_COMPRESS)
    return fixedsize, raw


def _outcome(read: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The result, or the error's type and message."""
    try:
        return read(*args, **kwargs)
    except Exception as exc:
        return type(exc), str(exc)


def _same(found: Any, want: Any) -> bool:
    """Whether two results are equal, arrays by type code and items."""
    if isinstance(found, tuple) and isinstance(want, tuple):
        return len(found) == len(want) and all(map(_same, found, want))
    if isinstance(found, array) or isinstance(want, array):
        return (type(found) is type(want) and found.typecode == want.typecode
                and found.tolist() == want.tolist())
    if isinstance(found, list) and isinstance(want, list):
        # values: equal, and the same objects where the twin's are (the encoder's
        # memo goes by identity)
        return found == want and _sharing(found) == _sharing(want)
    if isinstance(found, np.ndarray) or isinstance(want, np.ndarray):
        return (type(found) is type(want) and found.dtype == want.dtype
                and found.tolist() == want.tolist())
    return found == want


def _sharing(values: list[Any]) -> list[int]:
    """Each value's first position in ``values`` by identity."""
    first: dict[int, int] = {}
    return [first.setdefault(id(v), i) for i, v in enumerate(values)]


def _pure_postings(raw: bytes, within: np.ndarray | None, monkeypatch: pytest.MonkeyPatch
                   ) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(blocks, "_R", None)
        return _outcome(evaluate._postings, raw, within)


def _pure_shift(raw: bytes, base: int, fixedsize: int | None,
                monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(blocks, "_R", None)
        return _outcome(blocks.shift_postings, raw, base, [3] * 50, blocklimit=128,
                        compression=3, fixedsize=fixedsize)


def _check(raw: bytes, fixedsize: int | None, base: int, monkeypatch: pytest.MonkeyPatch,
           *, declines: bool = True) -> list[bool]:
    """Compare every compiled read of ``raw`` with its twin: the same result, or None
    from C (allowed only where ``declines``). Which reads C answered."""
    answered = []
    heads = _R.heads(raw)
    want_heads = _outcome(blocks._pure_block_heads, raw)
    answered.append(heads is not None)
    if heads is not None:
        assert heads == want_heads
    if isinstance(want_heads, list) and any(abs(head[0]) > 100_000 for head in want_heads):
        # A damaged count the twins would believe: block_data spells out count
        # weights and evaluate._postings allocates count docnums before reading
        # them (gigabytes). C reads no further than the block's data holds.
        for fixed in (None, 0, 4):
            assert _R.decode(raw, fixed, base, 0, zlib.decompress, array) is None
        assert _R.arrays(raw, want_heads, zlib.decompress) is None
        return answered

    found = _R.decode(raw, fixedsize, base, 0, zlib.decompress, array)
    answered.append(found is not None)
    if found is not None:
        assert _same(found, _outcome(blocks._pure_decoded_postings, raw, fixedsize, base))
    assert _same(_outcome(blocks.decoded_postings, raw, fixedsize, base),
                 _outcome(blocks._pure_decoded_postings, raw, fixedsize, base))

    shifted = _R.decode(raw, fixedsize, base, 128, zlib.decompress, array)
    if isinstance(want_heads, list) and all(head[0] == 128 for head in want_heads[:-1]):
        answered.append(shifted is not None)  # blocks cut as a merge cuts them
    want = _pure_shift(raw, base, fixedsize, monkeypatch)
    assert _same(_outcome(blocks.shift_postings, raw, base, [3] * 50, blocklimit=128,
                          compression=3, fixedsize=fixedsize), want)
    if shifted is not None:  # then the twin reads them too (its encoder may still raise)
        assert want is not None

    if isinstance(want_heads, list):
        wanted = sorted({d for d in (base % 7, base % 300, 2 * base % 4000)})
        for within in (None, np.array(wanted, dtype=np.int64)):
            got = _outcome(evaluate._postings, raw, within)
            assert _same(got, _pure_postings(raw, within, monkeypatch))
        arrays = _R.arrays(raw, want_heads, zlib.decompress)
        answered.append(arrays is not None)
    if not declines:
        assert all(answered), answered
    return answered


@compiled
@settings(max_examples=150, deadline=None)
@given(_posting_lists(), st.integers(0, 5000))
def test_posting_lists_read_as_the_twins_read_them(postings: tuple[int | None, bytes],
                                                   base: int) -> None:
    fixedsize, raw = postings
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(raw, fixedsize, base, monkeypatch, declines=False)


@compiled
def test_docnums_past_32_bits_are_left_to_the_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, _ = blocks._pure_encode_postings([5, 2**32 - 2], [1.0, 1.0], [b"", b""], [],
                                          blocklimit=128, compression=3, fixedsize=0)
    _check(raw, 0, 0, monkeypatch, declines=False)
    assert _R.decode(raw, 0, 1, 0, zlib.decompress, array) is not None
    assert _R.decode(raw, 0, 2, 0, zlib.decompress, array) is None
    with pytest.raises(OverflowError):
        blocks.decoded_postings(raw, 0, 2)


@st.composite
def _damaged(draw: st.DrawFn) -> tuple[int | None, bytes]:
    """A posting list's bytes cut short, or with bytes changed, inserted or dropped."""
    fixedsize, raw = draw(_posting_lists())
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["cut", "flip", "set", "insert", "drop"]))
        if how == "cut":
            del data[at:]
        elif how == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "set":
            data[at] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, *b"()tqhjKMJGNCBX.\x94"]))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[at:at + draw(st.integers(1, 4))]
    return fixedsize, bytes(data)


@compiled
@settings(max_examples=600, deadline=None)
@given(_damaged(), st.integers(0, 300))
def test_damaged_bytes_read_as_the_twin_or_not_at_all(postings: tuple[int | None, bytes],
                                                      base: int) -> None:
    fixedsize, raw = postings
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(raw, fixedsize, base, monkeypatch)


@compiled
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60).map(lambda b: b"W3Bl" + b), st.sampled_from([None, 0, 4]))
def test_any_bytes_read_as_the_twin_or_not_at_all(raw: bytes, fixedsize: int | None) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(raw, fixedsize, 3, monkeypatch)


# Pickles near the writers' shapes, in every spelling pickle reads: ints as
# BININT1/2, BININT or LONG1; tuples counted or after a MARK; memo puts
# (BINPUT, LONG_BINPUT, MEMOIZE, to any slot, twice) and gets of any slot;
# bytes stored, or rebuilt by _codecs.encode (named, or got from the memo) of
# a str in any of its spellings, with "latin1", "latin-1" or another codec.
def _put() -> st.SearchStrategy[bytes]:
    return st.sampled_from([b"", b"", b"q\x00", b"q\x01", b"q\x03", b"r\x02\x00\x00\x00",
                            b"\x94", b"q\x01\x94"])


def _get() -> st.SearchStrategy[bytes]:
    return st.integers(0, 5).map(lambda i: b"h" + bytes([i]))


@st.composite
def _pickled_int(draw: st.DrawFn) -> bytes:
    v = draw(st.integers(-3, 70_000))
    size = (v.bit_length() + 8) // 8
    forms = [b"J" + v.to_bytes(4, "little", signed=True),
             b"\x8a" + bytes([size]) + v.to_bytes(size, "little", signed=True),
             b"\x8a\x08" + v.to_bytes(8, "little", signed=True)]
    if 0 <= v < 65536:
        forms.append(b"M" + v.to_bytes(2, "little"))
    if 0 <= v < 256:
        forms.append(b"K" + bytes([v]))
    return draw(st.sampled_from(forms))


@st.composite
def _pickled_tuple(draw: st.DrawFn, item: st.SearchStrategy[bytes], min_size: int = 0
                   ) -> tuple[bytes, int]:
    items = draw(st.lists(item, min_size=min_size, max_size=5))
    if not items and draw(st.booleans()):
        return b")" + draw(_put()), 0
    if 0 < len(items) <= 3 and draw(st.booleans()):
        return b"".join(items) + bytes([0x84 + len(items)]) + draw(_put()), len(items)
    return b"(" + b"".join(items) + b"t" + draw(_put()), len(items)


@st.composite
def _pickled_str(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 4)) == 0:
        return draw(_get())
    text = draw(st.sampled_from(["ab", "", "é\x00\xff", "ـ", "latin1", "x"])).encode("utf-8")
    head = draw(st.sampled_from([b"X" + len(text).to_bytes(4, "little"),
                                 b"\x8c" + bytes([len(text)])]))
    return head + text + draw(_put())


@st.composite
def _pickled_bytes(draw: st.DrawFn) -> bytes:
    how = draw(st.integers(0, 5))
    if how <= 1:
        data = draw(st.binary(max_size=6))
        head = b"C" + bytes([len(data)]) if how == 0 else b"B" + len(data).to_bytes(4, "little")
        return head + data + draw(_put())
    if how == 2:
        return draw(_get()) + draw(_put())
    function = (b"c_codecs\nencode\n" + draw(_put()) if draw(st.integers(0, 2))
                else draw(_get()))
    codec = draw(st.sampled_from([b"X\x06\x00\x00\x00latin1", b"X\x07\x00\x00\x00latin-1",
                                  b"\x8c\x06latin1", b"X\x05\x00\x00\x00ascii", b"h\x00",
                                  b"h\x02"]))
    return (function + draw(_pickled_str()) + codec + draw(_put()) + b"\x86" + draw(_put())
            + b"R" + draw(_put()))


@st.composite
def _near_pickles(draw: st.DrawFn) -> tuple[bytes, int]:
    """A block's data pickle and how many docnums it holds."""
    deltas, count = draw(_pickled_tuple(_pickled_int(), min_size=1))
    weight = b"G" + struct.pack(">d", draw(st.sampled_from([1.0, 2.5, 0.0])))
    weights = draw(st.one_of(st.just(b"N"), _put().map(lambda put: weight + put),
                             _pickled_tuple(st.just(weight)).map(lambda t: t[0])))
    values = draw(st.one_of(st.just(b"N"), _pickled_bytes(),
                            _pickled_tuple(_pickled_bytes()).map(lambda t: t[0])))
    body = deltas + weights + values + b"\x87" + draw(_put()) + b"."
    head = b"\x80" + bytes([draw(st.sampled_from([2, 5]))])
    if draw(st.booleans()):
        head += b"\x95" + len(body).to_bytes(8, "little")
    return head + body, count


@compiled
@settings(max_examples=400, deadline=None)
@given(_near_pickles(), st.integers(-1, 1), st.sampled_from([None, 0, 1, 2, 4]))
def test_pickles_of_other_spellings_read_as_the_twin_or_not_at_all(
        pickled: tuple[bytes, int], off: int, fixedsize: int | None) -> None:
    data, count = pickled
    head = b"\x80\x02(K%cK\x05K\x00K\x00K\x00K\x00tq\x00." % max(0, count + off)
    size = len(head) + len(data)
    raw = b"W3Bl" + (-size).to_bytes(4, "big", signed=True) + head + data
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(raw, fixedsize, 2, monkeypatch)


@compiled
def test_shapes_outside_the_writers_are_left_to_the_twin(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    def block(data: bytes) -> bytes:
        head = b"\x80\x02(K\x01K\x05K\x00K\x00K\x00K\x00tq\x00."
        size = len(head) + len(data)
        return b"W3Bl" + (-size).to_bytes(4, "big", signed=True) + head + data

    good = block(b"\x80\x02K\x05\x85q\x00NN\x87q\x01.")
    assert _check(good, 0, 0, monkeypatch, declines=False)
    refused = [
        # a global other than _codecs.encode (the twin refuses it by name)
        b"\x80\x02K\x05\x85q\x00Ncos\nsystem\nq\x01X\x02\x00\x00\x00lsq\x02\x85q\x03Rq\x04\x87.",
        # _codecs.encode with another codec, and of a character past latin-1
        b"\x80\x02K\x05\x85Nc_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf-8"
        b"\x86R\x85\x87.",
        b"\x80\x02K\x05\x85Nc_codecs\nencode\nX\x02\x00\x00\x00\xd9\x85X\x06\x00\x00\x00latin1"
        b"\x86R\x85\x87.",
        # a memo entry that is not there, a list instead of a tuple, a protocol 6
        b"\x80\x02K\x05\x85Nh\x07\x85\x87.",
        b"\x80\x02]K\x05aNN\x87.",
        b"\x80\x06K\x05\x85NN\x87.",
        # the values of a positional format stored as None
        b"\x80\x05K\x05\x85\x94NN\x87\x94.",
    ]
    for data in refused:
        raw = block(data)
        assert _R.decode(raw, None, 0, 0, zlib.decompress, array) is None
        _check(raw, None, 0, monkeypatch)
    # a header past the block's end, and a block past the bytes
    assert _R.heads(b"W3Bl\xff\xff\xff\xfe\x80\x02(K\x01K\x05K\x00K\x00K\x00K\x00tq\x00.") is None
    assert _R.heads(good + b"x") == blocks._pure_block_heads(good + b"x")
    assert _R.heads(good[:-1]) is None


def _term_postings(path: Path) -> Iterator[tuple[str, bytes, int | None, bytes]]:
    """(field, term, fixed value size, posting bytes) of every term of every segment."""
    ix = windex.open_dir(str(path))
    fixed = {name: field.format.fixed_value_size() for name, field in ix.schema.items()
             if field.format is not None}
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            terms = leaf._terms
            postfile = _ReadAhead(terms._postfile)
            for key, entry in _table_items(terms._tindex):
                inlined, offset, length = blocks.split_terminfo(entry)
                if inlined:
                    continue
                field = terms._fieldunmap[unpack_ushort(key[:2])[0]]
                yield field, key[2:], fixed[field], postfile.get(offset, length)


def _index_of(path: Path, docs: list[dict[str, Any]], segments: int) -> Path:
    """An index of ``docs`` in ``segments`` segments, unmerged."""
    arsearch.Index.create(path)
    ix = windex.open_dir(str(path))
    size = -(-len(docs) // segments)
    for start in range(0, len(docs), size):
        writer = TermPoolWriter(ix, limitmb=64)
        for doc in docs[start:start + size]:
            writer.add_document(**doc)
        writer.commit(merge=False)
    return path


def _copies(docs: list[dict[str, Any]], times: int) -> list[dict[str, Any]]:
    return [{**doc, "id": f"{doc['id']}-{n}", "id_hash": f"{doc['id_hash']}-{n}"}
            for n in range(times) for doc in docs]


def _documents(source: Path, count: int) -> list[dict[str, Any]]:
    articles = itertools.islice((a for a in read_paths([source])
                                 if isinstance(a, arsearch.Article)), count)
    return [to_document(a) for a in articles]


def _corpora() -> list[Any]:
    found = [pytest.param(SEEDS, 5, 60, id="seeds")]
    if NEWS.is_file():
        found.append(pytest.param(NEWS, 1000, 1, id="ant_v2.1"))
    return found


@compiled
@pytest.mark.parametrize(("source", "count", "times"), _corpora())
def test_real_segments_read_and_merge_the_same_either_way(
        tmp_path: Path, source: Path, count: int, times: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _copies(_documents(source, count), times)
    path = _index_of(tmp_path / "ix", docs, 2)
    read_in_c = 0
    for number, (_field, _term, fixedsize, raw) in enumerate(_term_postings(path)):
        # every term of several blocks, and one in 20 of the others
        if number % 20 == 0 or len(blocks._pure_block_heads(raw)) > 1:
            read_in_c += all(_check(raw, fixedsize, 1000, monkeypatch))
    assert read_in_c > 100

    merged = {}
    for name, reader in (("compiled", blocks._R), ("pure", None)):
        copy = tmp_path / name
        shutil.copytree(path, copy)
        with monkeypatch.context() as patch:
            patch.setattr(blocks, "_R", reader)
            arsearch.Index.open(copy).merge_segments(10**9, jobs=1)
        merged[name] = list(_term_postings(copy))
    assert merged["compiled"] == merged["pure"]
    assert len(merged["compiled"]) > 100


@compiled
def test_the_index_of_arsearch_0_1_reads_the_same_either_way(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    found = list(_term_postings(INDEX_0_1))
    assert found
    for _field, _term, fixedsize, raw in found:
        # Whoosh's own protocol 2 blocks, each value a call to _codecs.encode
        assert all(_check(raw, fixedsize, 17, monkeypatch))
