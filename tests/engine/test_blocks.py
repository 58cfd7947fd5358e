"""arsearch.engine.blocks encodes posting lists as Whoosh's W3 codec does, and decodes them back.

With ``protocol=2, min_compress=0`` the bytes are Whoosh's own; with the
defaults Whoosh's reader finds the same postings in them.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3LeafMatcher, W3PostingsWriter, W3TermInfo
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import pack_uint

from arsearch.engine.blocks import (
    decode_postings,
    encode_postings,
    shift_postings,
    split_terminfo,
    term_extent,
)

FORMATS = {"positions": Positions(), "frequency": Frequency(), "existence": Existence()}


@st.composite
def posting_lists(draw: st.DrawFn) -> tuple[str, list[int], list[float], list[bytes], list[int]]:
    """A format, increasing docnums, weights, non-empty values and per-document lengths."""
    kind = draw(st.sampled_from(sorted(FORMATS)))
    docnums = sorted(draw(st.sets(st.integers(0, 2000), min_size=1, max_size=400)))
    weights = [float(w) for w in draw(st.lists(st.integers(1, 40), min_size=len(docnums),
                                               max_size=len(docnums)))]
    if kind == "positions":
        values = [FORMATS[kind].encode(list(range(int(w)))) for w in weights]
    elif kind == "frequency":
        values = [pack_uint(int(w)) for w in weights]
    else:
        values = [b""] * len(weights)
    lengths = draw(st.lists(st.integers(0, 5000), min_size=0, max_size=2001))
    return kind, docnums, weights, values, lengths


def _whooshs(kind: str, docnums: list[int], weights: list[float], values: list[bytes],
             lengths: list[int], base: int) -> tuple[bytes, bytes]:
    """Posting bytes and term entry from Whoosh's own writer, posting by posting."""
    buffer = io.BytesIO()
    postfile = StructFile(buffer)
    postfile.write(b"x" * base)  # the term's postings do not start the file
    writer = W3PostingsWriter(postfile, blocklimit=128)
    writer.start_postings(FORMATS[kind], W3TermInfo())
    for docnum, weight, value in zip(docnums, weights, values, strict=True):
        length = lengths[docnum] if docnum < len(lengths) else None
        writer.add_posting(docnum, weight, value, length)
    terminfo = writer.finish_postings()
    return buffer.getvalue()[base:], terminfo.to_bytes()


def _ours(postings: tuple, **options: int) -> tuple[bytes, bytes]:
    """arsearch's posting bytes and term statistics for (format, docnums, weights, ...)."""
    kind, docnums, weights, values, lengths = postings
    return encode_postings(docnums, weights, values, lengths, blocklimit=128, compression=3,
                           fixedsize=FORMATS[kind].fixed_value_size(), **options)


def _assert_same_as_whooshs(kind: str, docnums: list[int], weights: list[float],
                            values: list[bytes], lengths: list[int], base: int) -> None:
    ours, stats = _ours((kind, docnums, weights, values, lengths), protocol=2, min_compress=0)
    theirs, entry = _whooshs(kind, docnums, weights, values, lengths, base)
    assert ours == theirs
    assert stats + term_extent(base, len(ours)) == entry
    assert split_terminfo(entry) == (False, base, len(ours))


@settings(max_examples=60, deadline=None)
@given(posting_lists(), st.integers(0, 100))
def test_encoding_is_byte_for_byte_whooshs(postings: tuple, base: int) -> None:
    _assert_same_as_whooshs(*postings, base)


@pytest.mark.parametrize("count", [1, 127, 128, 129, 256, 300])
def test_block_boundaries_are_whooshs(count: int) -> None:
    docnums = [3 * n + 1 for n in range(count)]
    weights = [float(1 + n % 3) for n in range(count)]
    values = [Positions().encode(list(range(int(w)))) for w in weights]
    lengths = [n % 50 for n in range(3 * count)]  # some documents without a length
    _assert_same_as_whooshs("positions", docnums, weights, values, lengths, 7)


def _read_by_whoosh(kind: str, raw: bytes) -> list[tuple[int, float, bytes]]:
    matcher = W3LeafMatcher(StructFile(io.BytesIO(raw)), 0, len(raw), FORMATS[kind])
    postings = []
    while matcher.is_active():
        postings.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return postings


@settings(max_examples=60, deadline=None)
@given(posting_lists())
def test_whoosh_reads_arsearchs_blocks_as_its_own(postings: tuple) -> None:
    kind, docnums, weights, values, lengths = postings
    ours, stats = _ours(postings)
    theirs, entry = _whooshs(kind, docnums, weights, values, lengths, 0)
    assert _read_by_whoosh(kind, ours) == _read_by_whoosh(kind, theirs)
    assert stats == entry[:-len(term_extent(0, 0))]  # the same statistics, other extent
    if kind == "positions" and len(docnums) > 20:
        assert len(ours) < len(theirs)  # positions as bytes, not as calls to _codecs.encode


@settings(max_examples=60, deadline=None)
@given(posting_lists())
def test_decoding_gives_back_what_was_encoded(postings: tuple) -> None:
    kind, docnums, weights, values, lengths = postings
    fixedsize = FORMATS[kind].fixed_value_size()
    raw, _ = _ours(postings)
    blocks = list(decode_postings(raw, fixedsize))
    assert [len(ids) for ids, _, _ in blocks[:-1]] == [128] * (len(blocks) - 1)
    assert [d for ids, _, _ in blocks for d in ids] == docnums
    assert [w for _, ws, _ in blocks for w in ws] == weights
    expected = [None] * len(values) if fixedsize == 0 else values
    assert [v for _, _, vs in blocks for v in vs] == expected


@settings(max_examples=80, deadline=None)
@given(posting_lists(), st.integers(0, 3000), st.booleans())
def test_shifting_is_decoding_renumbering_and_encoding(postings: tuple, base: int,
                                                       from_whoosh: bool) -> None:
    kind, docnums, weights, values, lengths = postings
    fixedsize = FORMATS[kind].fixed_value_size()
    raw = (_whooshs(*postings, 0)[0] if from_whoosh else _ours(postings)[0])
    ids, ws, vs = zip(*[(d + base, w, v) for block in decode_postings(raw, fixedsize)
                        for d, w, v in zip(*block, strict=True)], strict=True)
    options = {"blocklimit": 128, "compression": 3, "fixedsize": fixedsize}
    assert (shift_postings(raw, base, lengths, **options)
            == encode_postings(ids, ws, [v or b"" for v in vs], lengths, **options))


def test_blocks_cut_otherwise_are_left_to_the_general_path() -> None:
    docnums = list(range(0, 600, 3))
    weights = [1.0] * len(docnums)
    values = [pack_uint(1)] * len(docnums)
    raw, _ = encode_postings(docnums, weights, values, [], blocklimit=64, compression=3,
                             fixedsize=4)
    assert shift_postings(raw, 10, [], blocklimit=128, compression=3, fixedsize=4) is None
    assert shift_postings(raw, 10, [], blocklimit=64, compression=3, fixedsize=4) is not None


def test_shifting_hands_the_compiled_encoder_the_arrays_it_takes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The compiled encoder returns None for shapes it leaves to the pure twin
    # (lists instead of arrays): shift_postings, most terms of a merge, must not be one.
    from arsearch.engine import blocks

    if blocks._C is None:
        pytest.skip("compiled core not built (or ARSEARCH_PURE_PYTHON set)")
    compiled = blocks._C
    declined = []

    class Recording:
        def encode_postings(self, *args: object) -> object:
            found = compiled.encode_postings(*args)
            if found is None:
                declined.append(args[:2])
            return found

    docnums = list(range(0, 900, 3))
    values = [FORMATS["positions"].encode([0, 1])] * len(docnums)
    raw, _ = encode_postings(docnums, [2.0] * len(docnums), values, [], blocklimit=128,
                             compression=3, fixedsize=None)
    monkeypatch.setattr(blocks, "_C", Recording())
    assert shift_postings(raw, 7, [], blocklimit=128, compression=3, fixedsize=None)
    assert declined == []
