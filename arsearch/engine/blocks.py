"""Whoosh's posting lists a block at a time, not a posting at a time.

Whoosh's ``W3LeafMatcher`` hands out one posting per method call, and its
``W3PostingsWriter`` takes one per call. Searching (``arsearch.engine.evaluate``),
writing and merging segments (``arsearch.engine.writer``) deal in whole blocks
instead: a block's document numbers, weights and values as sequences.

The bytes are exactly those of Whoosh's W3 codec (whoosh-reloaded 2.7.5, pinned
in setup.cfg), whose private attributes and layout this module relies on. A
term's postings are ``W3Bl`` followed by blocks; a block is a signed int (its
byte length, negative for the last), a pickled header (count, last docnum, max
weight, compression, min and max length bytes) and the zlib-compressed pickle
of (delta-coded docnums, weights, values).

Whoosh's writer pickles a block's data with protocol 2, which stores each
posting's value (positions) as a call to ``_codecs.encode``: unpickling a block
of the positional ``stem`` field took ten times as long as its document numbers
and weights alone, and most of an any-word search went there. arsearch writes
protocol 5 (``bytes`` as bytes; readable since Python 3.8), which Whoosh's
reader unpickles the same. Whoosh also compresses every block, even one of a
single posting, whose pickle only grows: arsearch leaves blocks under
``MIN_COMPRESS`` bytes uncompressed (a block's header says which). With
``protocol=2, min_compress=0`` the output is Whoosh's own, byte for byte, which
``tests/engine/test_blocks.py`` and ``tests/engine/test_writer.py`` check.

Both directions have a compiled twin: ``_cwrite.c`` encodes, ``_cread.c``
reads (``block_heads``, ``decoded_postings``, ``shift_postings``' reading and
``block_arrays``, the search's reads). The reader takes only the exact pickles
the two writers make and answers None for any other bytes, damaged ones
included; the pure-Python path then reads them, or raises its own error.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain
from operator import sub
from typing import Any

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.system import _INT_SIZE, pack_int, pack_long, unpack_int
from whoosh.util.numeric import length_to_byte

from arsearch import native
from arsearch.engine import safeload

#: The pickle protocol of the blocks arsearch writes (Whoosh's own writer uses 2).
BLOCK_PROTOCOL = 5
#: Blocks whose pickle is shorter are stored uncompressed (Whoosh compresses all).
#: Each zlib call first clears its tables (about 200 KB); on 300 news articles the
#: blocks of 64-127 bytes were half the calls and zlib saved 28 bytes on each.
MIN_COMPRESS = 128
#: A term's statistics in the term table, before the postings' offset and length.
_TERMINFO = W3TermInfo._struct
_EXTENT = struct.Struct("!qi")
#: The compiled twin of ``_pure_encode_postings`` (``_cwrite.c``), or None: not
#: built, or ``ARSEARCH_PURE_PYTHON`` set.
_C = native.load("arsearch.engine._cwrite")
#: The compiled reader (``_cread.c``: ``block_heads``, ``decoded_postings``, the reading
#: of ``shift_postings`` and ``block_arrays``), or None. It builds array("I")
#: docnums of 4 bytes.
_R = native.load("arsearch.engine._cread") if array("I").itemsize == 4 else None


def posting_bytes(postfile: Any, terminfo: W3TermInfo) -> bytes:
    """All of a term's posting bytes (from ``W3Bl`` on) in one read.

    Whoosh's term info keeps the length as a 1-tuple (``unpack_int`` without ``[0]``).
    """
    offset, length = terminfo.extent()
    if isinstance(length, tuple):
        (length,) = length
    return postfile.get(offset, length)


def block_heads(raw: bytes) -> list[tuple[int, int, int, int, int]]:
    """(count, last docnum, compression, data start, data end) of each block.

    ``raw`` is a term's posting bytes; reading the headers alone is enough to
    decide which blocks to decode.
    """
    if _R is not None:
        # None: bytes the C reader leaves to the twin (which gives the heads or the error)
        found = _R.heads(raw)
        if found is not None:
            return found
    return _pure_block_heads(raw)


def _pure_block_heads(raw: bytes) -> list[tuple[int, int, int, int, int]]:
    """``block_heads`` in pure Python (the twin of ``_cread.heads``)."""
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"not a posting list (starts {raw[:4]!r})")
    heads = []
    stream = io.BytesIO(raw)
    position = 4
    while True:
        size = unpack_int(raw[position:position + _INT_SIZE])[0]
        stream.seek(position + _INT_SIZE)
        count, maxid, _maxweight, compression, _minl, _maxl = safeload.load(stream)
        end = position + _INT_SIZE + abs(size)
        heads.append((count, maxid, compression, stream.tell(), end))
        if size < 0:
            return heads
        position = end


def block_data(raw: bytes, head: tuple[int, int, int, int, int]
               ) -> tuple[Sequence[int], Sequence[float], Any]:
    """(delta-coded docnums, weights, values as stored) of the block ``head`` describes.

    Weights come spelled out, one per posting (Whoosh stores None when all are
    1.0 and one float when all are the same).
    """
    count, _maxid, compression, start, end = head
    data = raw[start:end]
    deltas, weights, values = safeload.loads(zlib.decompress(data) if compression else data)
    if weights is None:
        weights = (1.0,) * count
    elif isinstance(weights, float):
        weights = (weights,) * count
    return deltas, weights, values


def encode_postings(docnums: Sequence[int], weights: Sequence[float], values: Sequence[Any],
                    lengths: Sequence[int], *, blocklimit: int, compression: int,
                    fixedsize: int | None, protocol: int = BLOCK_PROTOCOL,
                    min_compress: int = MIN_COMPRESS) -> tuple[bytes, bytes]:
    """One term's posting-file bytes and its term-table statistics.

    As ``W3PostingsWriter.add_posting`` called once per posting, then
    ``finish_postings`` (postings never inlined), except that a block's data is
    pickled with ``protocol`` and only compressed from ``min_compress`` bytes
    on (``protocol=2, min_compress=0``: Whoosh's bytes). ``lengths`` holds each
    document's length in the field (empty for an unscored field); ``values``
    the value bytes (falsy where a format has none). Append
    ``term_extent(offset, len(postings))`` to the statistics for the term table.
    ``docnums`` may also be a term pool's compiled ``Postings`` (``weights`` and
    ``values`` None), whose arrays are read where they lie.
    """
    if _C is not None and protocol == BLOCK_PROTOCOL:
        # None: a shape the C code leaves to the twin (which gives the result or the error)
        found = _C.encode_postings(docnums, weights, values, lengths, blocklimit, compression,
                                   fixedsize, min_compress, zlib.compress)
        if found is not None:
            return found
    if _C is not None and type(docnums) is _C.Postings:
        docnums, weights, values = docnums
    return _pure_encode_postings(docnums, weights, values, lengths, blocklimit=blocklimit,
                                 compression=compression, fixedsize=fixedsize,
                                 protocol=protocol, min_compress=min_compress)


def _pure_encode_postings(docnums: Sequence[int], weights: Sequence[float],
                          values: Sequence[Any], lengths: Sequence[int], *, blocklimit: int,
                          compression: int, fixedsize: int | None,
                          protocol: int = BLOCK_PROTOCOL,
                          min_compress: int = MIN_COMPRESS) -> tuple[bytes, bytes]:
    """``encode_postings`` in pure Python (the twin of ``_cwrite.encode_postings``)."""
    blocks = ((docnums[start:start + blocklimit], weights[start:start + blocklimit],
               _packed_values(values[start:start + blocklimit], fixedsize))
              for start in range(0, len(docnums), blocklimit))
    return _encode_blocks(blocks, len(docnums), lengths, compression, protocol, min_compress)


def shift_postings(raw: bytes, base: int, lengths: Sequence[int], *, blocklimit: int,
                   compression: int, fixedsize: int | None, protocol: int = BLOCK_PROTOCOL,
                   min_compress: int = MIN_COMPRESS) -> tuple[bytes, bytes] | None:
    """``encode_postings`` of a term's posting bytes with every docnum moved up by ``base``.

    The same bytes as decoding them (``decode_postings``) and encoding the
    result, without building a term's arrays and cutting them into blocks
    again: what a merge does with a term that only one segment without
    deletions has (most terms). None where the blocks are not cut as
    ``encode_postings`` would cut them, or hold values it would drop.
    """
    compiled = _C is not None and protocol == BLOCK_PROTOCOL
    if compiled and _R is not None:
        # The postings read in C, declined where the twin below would return None
        # (or raise): the same arrays and values it hands the compiled encoder.
        found = _R.decode(raw, fixedsize, base, blocklimit, zlib.decompress, array)
        if found is not None:
            return encode_postings(*found, lengths, blocklimit=blocklimit,
                                   compression=compression, fixedsize=fixedsize,
                                   protocol=protocol, min_compress=min_compress)
    heads = block_heads(raw)
    if any(head[0] != blocklimit for head in heads[:-1]):
        return None
    blocks = []
    count = 0
    for head in heads:
        size = head[0]
        deltas, weights, values = block_data(raw, head)
        if len(deltas) != size:
            return None
        if fixedsize == 0:
            values = None
        elif fixedsize is None or fixedsize < 0:
            # encode_postings keeps the values that are there, in a tuple
            if not isinstance(values, tuple | list) or len(values) != size or not all(values):
                return None  # the general path decodes it, or says what is wrong
            values = tuple(values)
        elif not isinstance(values, bytes) or len(values) != size * fixedsize:
            return None
        blocks.append(([base + d for d in accumulate(deltas)], weights, values))
        count += size
    if compiled:
        # The same blocks, cut again by encode_postings where every block but
        # the last holds blocklimit postings: the compiled encoder's input.
        # the array types it takes (lists would send every term to the twin)
        docnums = array("I", [d for ids, _, _ in blocks for d in ids])
        weights = array("d", [w for _, ws, _ in blocks for w in ws])
        return encode_postings(docnums, weights, _flat_values(blocks, fixedsize, count), lengths,
                               blocklimit=blocklimit, compression=compression,
                               fixedsize=fixedsize, protocol=protocol, min_compress=min_compress)
    return _encode_blocks(blocks, count, lengths, compression, protocol, min_compress)


def _flat_values(blocks: Sequence[tuple[Sequence[int], Sequence[float], Any]],
                 fixedsize: int | None, count: int) -> list[Any]:
    """One value per posting of blocks as ``shift_postings`` holds them (the inverse
    of ``_packed_values`` for values it keeps)."""
    if fixedsize == 0:
        return [None] * count
    if fixedsize is None or fixedsize < 0:
        return [v for _, _, values in blocks for v in values]
    return [values[i:i + fixedsize] for _, _, values in blocks
            for i in range(0, len(values), fixedsize)]


def _packed_values(values: Sequence[Any], fixedsize: int | None) -> Any:
    """A block's values as Whoosh stores them: a tuple, None (no values) or joined bytes."""
    present = list(filter(None, values))
    if fixedsize is None or fixedsize < 0:
        return tuple(present)
    if fixedsize == 0:
        return None
    return b"".join(present)


def _encode_blocks(blocks: Iterable[tuple[Sequence[int], Sequence[float], Any]], count: int,
                   lengths: Sequence[int], compression: int, protocol: int, min_compress: int
                   ) -> tuple[bytes, bytes]:
    """Posting bytes and statistics of (docnums, weights, packed values) blocks, ``count``
    postings in all (``encode_postings``)."""
    parts = [WHOOSH3_HEADER_MAGIC]
    total_weight: float = 0
    minlength: int | None = None
    maxlength = 0
    maxweight: float = 0
    first = last = 0
    written = 0
    known_lengths = len(lengths)
    for ids, doubles, packed_values in blocks:
        singles = array("f", doubles)
        block_maxweight = max(0, max(doubles))
        if not known_lengths:
            known: list[int] = []
        elif ids[-1] < known_lengths:
            known = list(filter(None, map(lengths.__getitem__, ids)))
        else:
            known = [lengths[d] for d in ids if d < known_lengths and lengths[d]]
        block_min = min(known) if known else None
        block_max = max(known) if known else 0

        total_weight += sum(singles)
        minlength = block_min if minlength is None else min(minlength, block_min)
        maxlength = max(maxlength, block_max)
        maxweight = max(maxweight, block_maxweight)

        deltas = tuple(map(sub, ids, chain((0,), ids)))
        if singles.count(1.0) == len(singles):
            packed_weights = None
        elif singles.count(singles[0]) == len(singles):
            packed_weights = singles[0]
        else:
            packed_weights = tuple(singles)
        data = pickle.dumps((deltas, packed_weights, packed_values), protocol)
        # Whoosh compresses every block; a few postings' pickle only grows.
        block_compression = compression if len(data) >= min_compress else 0
        if block_compression:
            data = zlib.compress(data, block_compression)
        info = pickle.dumps((len(ids), ids[-1], block_maxweight, block_compression,
                             length_to_byte(block_min), length_to_byte(block_max)), 2)
        size = len(info) + len(data)
        if not written:
            first = ids[0]
        written += len(ids)
        last = ids[-1]
        parts.append(pack_int(-size if written >= count else size))
        parts.append(info)
        parts.append(data)
    stats = _TERMINFO.pack(False, total_weight, count,
                           0 if minlength is None else length_to_byte(minlength),
                           length_to_byte(maxlength), maxweight, first, last)
    return b"".join(parts), stats


def compiled_codec() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """(``_cread.decode``, ``_cwrite.encode_postings``) if both are compiled, else None:
    what a merge in C (``_cmerge.Merged``) calls for each term, with the arguments
    ``shift_postings``, ``decoded_postings`` and ``encode_postings`` give them."""
    return None if _C is None or _R is None else (_R.decode, _C.encode_postings)


def term_extent(offset: int, length: int) -> bytes:
    """The end of a term-table entry: where its postings are in the posting file."""
    return pack_long(offset) + pack_int(length)


def decode_postings(raw: bytes, fixedsize: int | None
                    ) -> Iterator[tuple[Sequence[int], Sequence[float], Sequence[Any]]]:
    """(docnums, weights, values) of each block of one term's posting-file bytes.

    Values are ``None`` each where the format has none.
    """
    for head in block_heads(raw):
        count = head[0]
        deltas, weights, values = block_data(raw, head)
        if fixedsize == 0:
            values = (None,) * count
        elif fixedsize is not None and fixedsize > 0:
            values = [values[i:i + fixedsize] for i in range(0, len(values), fixedsize)]
        if len(values) != count:
            # Whoosh drops empty values from a block; positions never are.
            raise ValueError(f"posting block of {count} postings has {len(values)} values")
        yield list(accumulate(deltas)), weights, values


def decoded_postings(raw: bytes, fixedsize: int | None, base: int = 0
                     ) -> tuple[array, array, list[Any]]:
    """A term's postings as (array("I") docnums moved up by ``base``, array("d")
    weights, values): ``decode_postings``' blocks joined (what a merge renumbers)."""
    if _R is not None:
        found = _R.decode(raw, fixedsize, base, 0, zlib.decompress, array)
        if found is not None:
            return found
    return _pure_decoded_postings(raw, fixedsize, base)


def _pure_decoded_postings(raw: bytes, fixedsize: int | None, base: int = 0
                           ) -> tuple[array, array, list[Any]]:
    """``decoded_postings`` in pure Python (the twin of ``_cread.decode``)."""
    return renumbered(decode_postings(raw, fixedsize), base, None)


def renumbered(blocks: Iterable[tuple[Sequence[int], Sequence[float], Sequence[Any]]],
               base: int, docmap: dict[int, int] | None) -> tuple[array, array, list[Any]]:
    """Decoded blocks' postings as arrays, docnums moved up by ``base`` or through ``docmap``
    (whose absent docnums are deleted documents, left out)."""
    docnums, weights, values = array("I"), array("d"), []
    for ids, ws, vs in blocks:
        if docmap is None:
            docnums.extend([base + d for d in ids] if base else ids)
            weights.extend(ws)
            values.extend(vs)
        else:
            for d, w, v in zip(ids, ws, vs, strict=True):
                if d in docmap:
                    docnums.append(docmap[d])
                    weights.append(w)
                    values.append(v)
    return docnums, weights, values


def block_arrays(raw: bytes, heads: list[tuple[int, int, int, int, int]]
                 ) -> tuple[bytearray, bytearray] | None:
    """The docnums (int64) and weights (float64) of the blocks ``heads`` (of
    ``block_heads(raw)``, in order) read in C, or None: not built, or bytes it
    leaves to ``block_data`` (the search's twin, ``evaluate._postings``)."""
    if _R is None:
        return None
    return _R.arrays(raw, heads, zlib.decompress)


def split_terminfo(raw: bytes) -> tuple[bool, int, int]:
    """(inlined, postings offset, postings length) of a raw term-table entry."""
    if raw[0]:
        return True, 0, 0
    offset, length = _EXTENT.unpack_from(raw, _TERMINFO.size)
    return False, offset, length
