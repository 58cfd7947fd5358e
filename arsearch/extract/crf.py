"""Linear-chain CRF decoding with numpy, from a CRFsuite model file.

CRFsuite's tagger takes every token's features as strings on every call and
looks each one up again; most of a tagging call went there. arsearch's
tagger caches each token text's feature weights as vectors instead
(``arsearch.extract.ner``), so it needs the weights themselves and a decoder
over score arrays: this module reads both from the model CRFsuite trained
and decodes as CRFsuite does (first best label on ties), many sentences at once.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import numpy as np

from arsearch import native
from arsearch.errors import ModelError

# The compiled twin of ``viterbi`` (None: not built, or ARSEARCH_PURE_PYTHON).
_native = native.load("arsearch.extract._cdecode")

# The model file layout of CRFsuite's crf1d_model.c: a 48-byte little-endian
# header (magic, size, type, version, then counts and chunk offsets) and a
# FEAT chunk of 20-byte records: type (0 state, 1 transition), source
# (attribute or label id), destination label id, weight as a double.
_HEADER = struct.Struct("<4sI4sI8I")
_CHUNK = struct.Struct("<4sII")
# The names of labels and attributes are CQDB chunks (CRFsuite's cqdb.c): a
# 24-byte header (id, size, flag, byte order, count, offset of the backward
# array), then, at that offset, one uint32 per id: where its record starts, a
# record being the id, the size of the name with its NUL, and the name.
_CQDB = struct.Struct("<4sIIIII")
_RECORD = struct.Struct("<II")
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])


@dataclass(frozen=True, eq=False)
class Model:
    """The weights of a linear-chain CRF.

    ``state[a]`` holds attribute ``a``'s weight for each label; its last row
    is all zeros (see ``zero``). ``transitions[i, j]`` scores label i followed
    by label j.
    """

    labels: tuple[str, ...]
    attributes: dict[str, int]  # attribute name -> row of ``state``
    state: np.ndarray
    transitions: np.ndarray

    @property
    def zero(self) -> int:
        """A row of zeros: ``state[[zero, *rows]].sum(0)`` is never empty."""
        return len(self.state) - 1

    @classmethod
    def read(cls, path: str | Path, labels: Mapping[str, int | str],
             attributes: Mapping[str, int | str]) -> Model:
        """The weights in the CRFsuite model at ``path``.

        ``labels`` and ``attributes`` map names to the model's ids (numbers
        or their digits), as ``pycrfsuite.Tagger().info()`` gives them; its weights are rounded to
        six decimals in that dump, so they come from the file itself here.

        Raises:
            ModelError: the file is no CRFsuite linear-chain model, or not this one.
            OSError: the file cannot be read.
        """
        return cls.parse(Path(path).read_bytes(), labels, attributes, source=str(path))

    @classmethod
    def load(cls, data: bytes, *, source: str = "<bytes>") -> Model:
        """The weights and names of a CRFsuite model file's contents.

        Reads the names of labels and attributes from the file's own string
        tables: ``pycrfsuite.Tagger().info()`` gives the same, by dumping the
        whole model as text and parsing it, which takes most of a second.

        Raises:
            ModelError: the file is no CRFsuite linear-chain model (``source`` names it).
        """
        if len(data) < _HEADER.size:
            raise ModelError(source, "too short for a CRFsuite model")
        header = _HEADER.unpack_from(data)
        n_labels, n_attrs, off_labels, off_attrs = header[5], header[6], header[8], header[9]
        labels = _names(data, off_labels, n_labels, source)
        attributes = _names(data, off_attrs, n_attrs, source)
        return cls.parse(data, labels, attributes, source=source)

    @classmethod
    def parse(cls, data: bytes, labels: Mapping[str, int | str],
              attributes: Mapping[str, int | str], *, source: str = "<bytes>") -> Model:
        """``read`` of a model file's contents; ``source`` names it in errors."""
        if len(data) < _HEADER.size:
            raise ModelError(source, "too short for a CRFsuite model")
        magic, _, kind, _, _, n_labels, n_attrs, off_features, *_ = _HEADER.unpack_from(data)
        if magic != b"lCRF" or kind != b"FOMC":
            raise ModelError(source, "not a CRFsuite linear-chain model")
        if off_features + _CHUNK.size > len(data):
            raise ModelError(source, "no feature chunk where the header says")
        chunk, _, count = _CHUNK.unpack_from(data, off_features)
        if chunk != b"FEAT" or off_features + _CHUNK.size + count * _FEATURE.itemsize > len(data):
            raise ModelError(source, "no feature chunk where the header says")
        features = np.frombuffer(data, _FEATURE, count, off_features + _CHUNK.size)
        if len(labels) != n_labels or len(attributes) != n_attrs:
            raise ModelError(source, "label or attribute names do not match the model")
        is_state = features["type"] == 0
        sources = np.where(is_state, n_attrs, n_labels)
        if np.any(features["src"] >= sources) or np.any(features["dst"] >= n_labels):
            raise ModelError(source, "a feature refers to an attribute or label it lacks")
        state = np.zeros((n_attrs + 1, n_labels))
        transitions = np.zeros((n_labels, n_labels))
        for table, rows in ((state, features[is_state]), (transitions, features[~is_state])):
            table[rows["src"], rows["dst"]] = rows["weight"]
        names = [""] * n_labels
        for name, lid in labels.items():
            names[int(lid)] = name
        return cls(tuple(names), {name: int(aid) for name, aid in attributes.items()},
                   state, transitions)


def _names(data: bytes, offset: int, count: int, source: str) -> dict[str, int]:
    """Name -> id of the CQDB chunk at ``offset`` that holds ``count`` names."""
    if offset + _CQDB.size > len(data):
        raise ModelError(source, "no string table where the header says")
    chunk, size, _, _, stored, backward = _CQDB.unpack_from(data, offset)
    if (chunk != b"CQDB" or offset + size > len(data) or stored != count
            or backward + 4 * count > size):
        raise ModelError(source, "a damaged string table")
    names: dict[str, int] = {}
    for ident, ref in enumerate(struct.unpack_from(f"<{count}I", data, offset + backward)):
        if ref + _RECORD.size > size:
            raise ModelError(source, "a damaged string table")
        found, length = _RECORD.unpack_from(data, offset + ref)
        start = offset + ref + _RECORD.size
        if found != ident or not length or ref + _RECORD.size + length > size:
            raise ModelError(source, "a damaged string table")
        try:
            names[data[start:start + length - 1].decode("utf-8")] = ident
        except UnicodeDecodeError as exc:
            raise ModelError(source, "a name in its string table is not UTF-8") from exc
    return names


def viterbi(emissions: np.ndarray, lengths: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """Best label ids of a batch of sentences, as CRFsuite's Viterbi finds them.

    ``emissions`` is (sentences, longest, labels): the state scores of each
    token, sentence ``b`` filling its first ``lengths[b]`` rows. Returns
    (sentences, longest) label ids, meaningful in the same rows. Ties go to
    the lowest label id, as in CRFsuite.

    Label 1 scores best at the second token, but not enough to pay for the
    transition from label 0 into it:

    >>> e = np.array([[[1.0, 0.0], [0.0, 0.5]], [[0.0, 3.0], [0.0, 0.0]]])
    >>> best = viterbi(e, np.array([2, 1]), np.array([[0.0, -5.0], [0.0, 0.0]]))
    >>> best[0].tolist(), best[1, :1].tolist()
    ([0, 0], [1])
    """
    if _native is not None and _compiled_fits(emissions, lengths, transitions):
        out = np.empty(emissions.shape[:2], dtype=np.intp)
        _native.viterbi(np.ascontiguousarray(emissions), np.ascontiguousarray(lengths, np.intp),
                        np.ascontiguousarray(transitions), out)
        return out
    return _viterbi(emissions, lengths, transitions)


def _compiled_fits(emissions: np.ndarray, lengths: np.ndarray, transitions: np.ndarray) -> bool:
    """Whether the compiled ``viterbi`` takes these arrays (float64 scores, integer
    lengths, matching shapes); anything else goes the numpy way, errors included."""
    return (isinstance(emissions, np.ndarray) and isinstance(lengths, np.ndarray)
            and isinstance(transitions, np.ndarray) and emissions.dtype == np.float64
            and transitions.dtype == np.float64 and lengths.dtype.kind in "iu"
            and emissions.ndim == 3 and emissions.shape[2] > 0
            and lengths.shape == emissions.shape[:1]
            and transitions.shape == (emissions.shape[2],) * 2
            and (lengths.dtype.itemsize < np.dtype(np.intp).itemsize
                 or lengths.dtype == np.intp))


def _viterbi(emissions: np.ndarray, lengths: np.ndarray, transitions: np.ndarray) -> np.ndarray:
    """``viterbi`` in numpy: the pure-Python twin of the compiled one."""
    count, longest, n_labels = emissions.shape
    if count == 0 or longest == 0:
        return np.zeros((count, longest), dtype=np.intp)
    # Longest first: the sentences still going at step t are a prefix, the
    # same one for runs of steps, sliced once per run.
    order = np.argsort(-lengths, kind="stable")
    ordered = emissions[order].transpose(1, 0, 2).copy()  # (longest, sentences, labels)
    going = np.searchsorted(-lengths[order], -np.arange(longest), side="left").tolist()
    # Laid out (next, previous): the best previous label is a reduction over
    # the last, contiguous axis; the best score is then read at that index
    # (one argmax and a gather cost less than an argmax and a max).
    into = np.ascontiguousarray(transitions.T)
    at = np.arange(count * n_labels).reshape(count, n_labels) * n_labels
    delta = ordered[0].copy()
    # Past its end a sentence's back pointers keep each label: its last one
    # passes through unchanged and the backward pass needs no slicing.
    back = np.empty((longest, count, n_labels), dtype=np.intp)
    back[:] = np.arange(n_labels)
    buffer = np.empty((count, n_labels, n_labels))
    first = 1
    for k, run in groupby(going[1:]):
        steps = range(first, first + len(list(run)))
        scores, rows, candidates, base = delta[:k], delta[:k, None, :], buffer[:k], at[:k]
        flat = candidates.reshape(-1)
        for t in steps:
            np.add(rows, into, out=candidates)  # next x previous
            previous = candidates.argmax(axis=2, out=back[t, :k])
            np.add(flat[base + previous], ordered[t, :k], out=scores)
        first = steps.stop
    best = np.empty((longest, count), dtype=np.intp)
    current = delta.argmax(axis=1)
    sentence_rows = np.arange(count) * n_labels
    for t in range(longest - 1, 0, -1):
        best[t] = current
        current = back[t].reshape(-1)[sentence_rows + current]
    best[0] = current
    out = np.empty((count, longest), dtype=np.intp)
    out[order] = best.T
    return out
