"""Facet values per document, kept as numpy arrays beside each segment.

Counting facets from stored fields reads and unpickles every match's stored
fields (about 60 µs a match: seconds for a broad query on the 73k news
index). When a segment is written (``TermPoolWriter``: commits, ingest
workers' segments, merges and optimize) its documents' values of
``COLUMN_FIELDS`` (the ones ``arsearch.engine.facets.stored_values`` reads back)
go to ``MAIN_<segment>.fcol`` as one column per field in CSR layout:

* ``<field>.offsets`` (int64, documents + 1): document d's values are
  ``ids[offsets[d]:offsets[d + 1]]``, in the order ``stored_values`` gives them;
* ``<field>.ids`` (int32): indexes into the segment's dictionary of the field;
* ``<field>.text`` (uint8) and ``<field>.bounds`` (int64): the dictionary, its
  values' UTF-8 bytes end to end and where each one starts and ends;
* for ``actor_names`` and ``place_names`` (values "id\x1fname"), also
  ``<field>.entity`` and ``<field>.rank`` (int32, one per value: its entity, an
  index into ``<field>.entity_text``/``entity_bounds``, and its name's rank among
  the entity's names), so choosing the shown names needs no pass over the strings.

The file is an ``.npz`` of plain arrays, read with ``allow_pickle=False``: an
index from elsewhere is data, never code. Its name matches Whoosh's segment
file pattern, so the checksum manifest lists it and removing a dead segment
removes it. A ``Tally`` counts the matching documents' values where they lie
in the columns (``_cfacets.c``), or, in pure Python, gathers them with one
vectorised pass per segment and counts those arrays, with the same result; a
segment without the file (an index written before columns) is read from its
stored fields instead, with the same result.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any, overload

import numpy as np

from arsearch import native
from arsearch.engine.checksums import read_manifest
from arsearch.engine.facets import NAME_FIELDS, NAME_SEPARATOR, stored_values
from arsearch.errors import DamagedIndex
from arsearch.models import id_name

#: Fields kept as columns: those the facets and timelines count by.
COLUMN_FIELDS = ("actor_names", "place_names", "source_key", "months", "published", "dates")
#: Stored fields the columns are computed from (``stored_values``).
SOURCE_FIELDS = frozenset({"mentions", "published", "source"})
#: Extension of a segment's column file (``MAIN_<segment id>.fcol``).
EXTENSION = "fcol"
#: Layout version, refused if unknown.
VERSION = 1
#: The compiled pair counter (``_cfacets.c``), or None: gather and count with numpy.
_F = native.load("arsearch.engine._cfacets")
#: The matches of one segment, not gathered yet: (its column, its own docnums of the
#: matches (ascending), its first docnum in the index, its value ids' remap or None).
Part = tuple["Column", np.ndarray, int, "np.ndarray | None"]


def column_file(segment_id: str) -> str:
    """The column file name of a segment."""
    return f"{segment_id}.{EXTENSION}"


class ColumnBuilder:
    """The column values of a new segment's documents, gathered as they are written."""

    def __init__(self) -> None:
        self._values: dict[str, dict[str, int]] = {name: {} for name in COLUMN_FIELDS}
        self._ids: dict[str, list[int]] = {name: [] for name in COLUMN_FIELDS}
        self._lengths: dict[str, list[int]] = {name: [] for name in COLUMN_FIELDS}
        self.count = 0
        #: False once a document was added some other way (then no file is written).
        self.complete = True

    def add(self, docnum: int, stored: dict[str, Any]) -> None:
        """Add the next document (number ``docnum``) from its stored fields."""
        if docnum != self.count:
            self.complete = False
        self.count += 1
        if not self.complete:
            return
        for name in COLUMN_FIELDS:
            values = stored_values(stored, name)
            known = self._values[name]
            self._ids[name].extend(known.setdefault(value, len(known)) for value in values)
            self._lengths[name].append(len(values))

    def arrays(self) -> dict[str, np.ndarray]:
        """The column file's arrays."""
        arrays: dict[str, np.ndarray] = {"version": np.array([VERSION], dtype=np.int64),
                                         "documents": np.array([self.count], dtype=np.int64)}
        for name in COLUMN_FIELDS:
            offsets = np.zeros(self.count + 1, dtype=np.int64)
            np.cumsum(np.asarray(self._lengths[name], dtype=np.int64), out=offsets[1:])
            arrays[f"{name}.offsets"] = offsets
            arrays[f"{name}.ids"] = np.asarray(self._ids[name], dtype=np.int32)
            values = list(self._values[name])
            arrays[f"{name}.text"], arrays[f"{name}.bounds"] = _encode(values)
            if name in NAME_FIELDS:
                # Ranked here once, so that reading needs no pass over every name.
                names = Names(values)
                arrays[f"{name}.entity"] = names.entity_of.astype(np.int32)
                arrays[f"{name}.rank"] = names.name_rank.astype(np.int32)
                arrays[f"{name}.entity_text"], arrays[f"{name}.entity_bounds"] = _encode(
                    names.entities)
        return arrays

    def write(self, folder: str | os.PathLike[str], segment_id: str) -> None:
        """Write the column file of segment ``segment_id`` into ``folder`` (if complete)."""
        if not self.complete:
            return
        buffer = io.BytesIO()
        np.savez(buffer, **self.arrays())
        with open(os.path.join(folder, column_file(segment_id)), "wb") as handle:
            handle.write(buffer.getvalue())


def _encode(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as their UTF-8 bytes end to end and where each starts and ends."""
    encoded = [text.encode("utf-8") for text in strings]
    bounds = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
              out=bounds[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), bounds


def _decode(arrays: dict[str, np.ndarray], prefix: str) -> Strings:
    """The strings ``_encode`` wrote as ``<prefix>text`` and ``<prefix>bounds``, checked
    whole here (valid UTF-8, every bound on a character's first byte) and decoded
    one at a time when asked (``Strings``)."""
    raw = _array(arrays, f"{prefix}text", np.uint8)
    bounds = _array(arrays, f"{prefix}bounds", np.int64)
    if (len(bounds) < 1 or bounds[0] != 0 or bounds[-1] != len(raw)
            or np.any(np.diff(bounds) < 0)):
        raise ValueError(f"{prefix}bounds out of order or range")
    starts = bounds[:-1][bounds[:-1] < len(raw)]
    if np.any((raw[starts] & 0xC0) == 0x80):
        raise ValueError(f"{prefix}bounds: a value starts inside a character")
    text = raw.tobytes()
    text.decode("utf-8")  # raises UnicodeDecodeError on damage, as reading each would
    return Strings(text, bounds.tolist())


class Strings(Sequence[str]):
    """A dictionary's values, UTF-8 end to end, each decoded on first use (all of
    them at once when many are asked for: ``many``).

    A segment of the 73k news corpus has some 125,000 actor and place values;
    a query's facets need those of its matches, so decoding them all up front
    was most of a cold ``arsearch stats``.
    """

    __slots__ = ("_text", "_bounds", "_decoded", "_all")

    def __init__(self, text: bytes, bounds: list[int]) -> None:
        self._text = text
        self._bounds = bounds
        self._decoded: dict[int, str] = {}
        self._all: list[str] | None = None

    def __len__(self) -> int:
        return len(self._bounds) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("value id out of range")
        if self._all is not None:
            return self._all[index]
        found = self._decoded.get(index)
        if found is None:
            found = self._text[self._bounds[index]:self._bounds[index + 1]].decode("utf-8")
            self._decoded[index] = found
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.many(list(range(len(self)))))  # all at once

    def many(self, indices: list[int]) -> list[str]:
        """The values ``indices``; when they are many, every value is decoded at once
        (one list comprehension, without a lookup per value) and kept."""
        if self._all is None and len(indices) * _EAGER_DECODE > len(self):
            text, bounds = self._text, self._bounds
            self._all = [text[a:b].decode("utf-8")
                         for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
            self._decoded = {}
        if self._all is not None:
            every = self._all
            return [every[i] for i in indices]
        return [self[i] for i in indices]


def values_at(values: Sequence[str], indices: list[int]) -> list[str]:
    """``[values[i] for i in indices]``, decoded at once from a ``Strings`` when many."""
    if isinstance(values, Strings):
        return values.many(indices)
    return [values[i] for i in indices]


class Column:
    """One field's values of a segment's documents (CSR), its dictionary, and for a
    name field what choosing names needs of it."""

    __slots__ = ("offsets", "ids", "values", "names")

    def __init__(self, offsets: np.ndarray, ids: np.ndarray, values: Sequence[str],
                 names: Names | None = None) -> None:
        self.offsets = offsets
        self.ids = ids
        self.values = values
        self.names = names


def read_columns(folder: str | os.PathLike[str], segment_id: str, documents: int,
                 crc: int | None = None) -> dict[str, Column] | None:
    """The columns of a segment of ``documents`` articles; None if it has no column file.

    ``crc``: the file's CRC-32 in the checksum manifest, checked (the file is
    read whole anyway), so damage never turns into wrong counts.

    Raises:
        DamagedIndex: the file is unreadable, differs from its checksum, or its
            arrays do not fit the segment.
    """
    name = column_file(segment_id)
    path = os.path.join(folder, name)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    if crc is not None and zlib.crc32(data) != crc:
        raise DamagedIndex(str(folder), name, "checksum differs from the last commit's")
    try:
        return _parse(data, documents)
    except (ValueError, OSError, EOFError, KeyError, IndexError, TypeError, OverflowError,
            UnicodeDecodeError, zipfile.BadZipFile, MemoryError) as exc:
        reason = f"unreadable ({type(exc).__name__}: {exc})".replace("\n", " ")
        raise DamagedIndex(str(folder), name, reason[:200]) from None


def _parse(data: bytes, documents: int) -> dict[str, Column]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    version = _array(arrays, "version", np.int64, 1)
    if int(version[0]) != VERSION:
        raise ValueError(f"column layout {int(version[0])}, not {VERSION}")
    if int(_array(arrays, "documents", np.int64, 1)[0]) != documents:
        raise ValueError("its document count differs from the segment's")
    columns = {}
    for name in COLUMN_FIELDS:
        offsets = _array(arrays, f"{name}.offsets", np.int64, documents + 1)
        ids = _array(arrays, f"{name}.ids", np.int32)
        if offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
            raise ValueError(f"{name}: offsets out of order or range")
        values = _decode(arrays, f"{name}.")
        if len(ids) and (ids.min() < 0 or ids.max() >= len(values)):
            raise ValueError(f"{name}: a value id outside its dictionary")
        names = None
        if name in NAME_FIELDS:
            entities = _decode(arrays, f"{name}.entity_")
            entity_of = _array(arrays, f"{name}.entity", np.int32, len(values))
            rank = _array(arrays, f"{name}.rank", np.int32, len(values))
            if len(values) and (entity_of.min() < 0 or entity_of.max() >= len(entities)):
                raise ValueError(f"{name}: an entity outside its dictionary")
            if len(values) and (rank.min() < 0 or rank.max() >= len(values) or np.any(
                    np.bincount(rank, minlength=len(values)) != 1)):
                raise ValueError(f"{name}: the name ranks are no permutation of its values")
            names = Names(values, entities, entity_of.astype(np.int64), rank.astype(np.int64))
        columns[name] = Column(offsets, ids, values, names)
    return columns


def _array(arrays: dict[str, np.ndarray], key: str, dtype: Any, size: int | None = None
           ) -> np.ndarray:
    array = arrays[key]
    if array.dtype != dtype or array.ndim != 1 or (size is not None and len(array) != size):
        raise ValueError(f"{key}: {array.dtype} array of shape {array.shape}")
    return array


#: ``Names.labels`` works out every value's label once this share of them is asked for.
_EAGER = 1 / 8
#: ``Strings.many`` decodes every value when asked for more than 1/this of them.
_EAGER_DECODE = 16


class Names:
    """What choosing a shown name needs of a dictionary of ``actor_names``/``place_names``
    values ("id\x1fname"), computed once per dictionary."""

    def __init__(self, values: Sequence[str], entities: Sequence[str] | None = None,
                 entity_of: np.ndarray | None = None, name_rank: np.ndarray | None = None
                 ) -> None:
        self._values = values
        if entities is None or entity_of is None or name_rank is None:
            parts = [value.partition(NAME_SEPARATOR) for value in values]
            known: dict[str, int] = {}
            entity_of = np.fromiter((known.setdefault(p[0], len(known)) for p in parts),
                                    dtype=np.int64, count=len(parts))
            entities = list(known)
            # A name's rank among its rivals: a written form before the folded one,
            # then alphabetical (``arsearch.engine.facets.entity_names``).
            keys = [(p[2] == id_name(p[0]), p[2]) for p in parts]
            name_rank = np.empty(len(parts), dtype=np.int64)
            name_rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
        #: The entity ids, and the entity of each value (an index into them).
        self.entities = entities
        self.entity_of = entity_of
        self.name_rank = name_rank
        #: What ``labels`` worked out so far, for the ``key`` it holds for.
        self._shown_key: object = None
        self._label_of = np.zeros(0, dtype=np.int64)
        self._texts: list[str] = []

    @cached_property
    def value_of_rank(self) -> np.ndarray:
        """The value id of each name rank (``name_rank`` inverted; it is a permutation)."""
        inverse = np.empty(len(self.name_rank), dtype=np.int64)
        inverse[self.name_rank] = np.arange(len(self.name_rank))
        return inverse

    def written(self, value_id: int) -> str:
        """The name value ``value_id`` writes (what follows its entity id)."""
        return self._entity_and_name(value_id)[1]

    def _entity_and_name(self, value_id: int) -> tuple[str, str]:
        """(entity id, name written) of value ``value_id`` ("id\x1fname")."""
        entity = self.entities[int(self.entity_of[value_id])]
        return entity, self._values[value_id][len(entity) + 1:]

    def labels(self, key: object, shown: Callable[[str, str], str], value_ids: np.ndarray
               ) -> tuple[np.ndarray, list[str]]:
        """The label shown for each of ``value_ids`` when it is the name most of its
        entity's articles write: (label id of each, the label texts in alphabetical
        order, which label ids index).

        The text is ``shown(entity id, written name)``, which depends on nothing
        but ``key`` (the gazetteer): it is asked once per value, and only of the
        values some query needed (a cold ``stats`` needs a few of a dictionary's
        100,000); a query whose labels are all known is answered by numpy alone.
        """
        if self._shown_key is not key:
            self._shown_key = key
            self._label_of = np.full(len(self._values), -1, dtype=np.int64)
            self._texts = []
        label_of = self._label_of
        missing = value_ids[label_of[value_ids] < 0]
        asked = np.count_nonzero(label_of >= 0) + len(missing)
        if len(missing) and asked > _EAGER * len(label_of):
            # Most of the dictionary is asked for by now: the rest too, at once,
            # so that later queries never sort the labels again.
            missing = np.flatnonzero(label_of < 0)
        if len(missing):
            texts = self._texts
            ids = {text: i for i, text in enumerate(texts)}
            wanted = missing.tolist()
            entities = values_at(self.entities, self.entity_of[missing].tolist())
            for value_id, entity, value in zip(wanted, entities,
                                               values_at(self._values, wanted), strict=True):
                label_of[value_id] = ids.setdefault(shown(entity, value[len(entity) + 1:]),
                                                    len(ids))
            texts = list(ids)
            # Label ids in alphabetical order: ties between counts go by name, and
            # a broad query's labels are read in the order they are kept.
            order = sorted(range(len(texts)), key=texts.__getitem__)
            renumbered = np.empty(len(texts), dtype=np.int64)
            renumbered[order] = np.arange(len(texts))
            known = label_of >= 0
            label_of[known] = renumbered[label_of[known]]
            self._texts = [texts[i] for i in order]
        return label_of[value_ids], self._texts


class Tally:
    """The values of matching articles in one field: (docnum, value id) pairs.

    ``values[i]`` is the text of value id i. An article holding a value
    twice has two pairs (as the stored fields list it twice).
    """

    def __init__(self, values: Sequence[str], docs: np.ndarray | None = None,
                 ids: np.ndarray | None = None, names: Names | None = None,
                 parts: Sequence[Part] = ()) -> None:
        self.values = values
        self._docs = docs
        self._ids = ids
        self._names = names
        #: The pairs still in their columns (``SegmentColumns.tallies``), gathered into
        #: ``docs``/``ids`` only when something needs the arrays.
        self._parts = list(parts)

    @property
    def docs(self) -> np.ndarray:
        """The docnum of each pair."""
        self._gather()
        return self._docs  # type: ignore[return-value]

    @property
    def ids(self) -> np.ndarray:
        """The value id of each pair."""
        self._gather()
        return self._ids  # type: ignore[return-value]

    def _gather(self) -> None:
        if self._docs is None or self._ids is None:
            pairs = [gather(column, local, first, remap)
                     for column, local, first, remap in self._parts]
            joined = np.hstack(pairs) if pairs else np.zeros((2, 0), dtype=np.int64)
            self._docs, self._ids = joined[0], joined[1]

    def _compiled(self) -> bool:
        """Whether the counts come from the columns in C (not gathered yet)."""
        return _F is not None and self._docs is None

    def value_counts(self) -> np.ndarray:
        """The pairs of each value id (as ``np.bincount(ids)``, one per value)."""
        if self._compiled():
            counts = np.zeros(len(self.values), dtype=np.int64)
            for column, local, _, remap in self._parts:
                _F.value_counts(column.offsets, column.ids, local, remap, counts)  # type: ignore[union-attr]
            return counts
        return np.bincount(self.ids, minlength=len(self.values))

    @classmethod
    def of_groups(cls, groups: dict[str, list[int]]) -> Tally:
        """The tally of {value: docnums} (``arsearch.engine.facets.group_stored``)."""
        values = list(groups)
        lists = list(groups.values())
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        docs = np.fromiter((d for docnums in lists for d in docnums), dtype=np.int64,
                           count=int(lengths.sum()))
        return cls(values, docs, np.repeat(np.arange(len(values), dtype=np.int64), lengths))

    def occurrences(self) -> dict[str, int]:
        """{value: pairs} of every value some article holds, in value id order."""
        counts = self.value_counts()
        return {self.values[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}

    def _names_of(self) -> Names:
        if self._names is None:
            self._names = Names(self.values)
        return self._names

    def _chosen(self) -> tuple[np.ndarray, np.ndarray]:
        """(entity, value id of the name most of its articles write) of each entity held,
        by entity."""
        names = self._names_of()
        counts = self.value_counts()
        present = np.flatnonzero(counts)
        entity = names.entity_of[present]
        # Most pairs first, then a written form before the folded one, then
        # alphabetical: one number per name, larger for the better one, unique since
        # ranks are. The best of each entity is its maximum (no sort of the names).
        width = len(self.values) + 1
        merit = counts[present] * width + (width - 1 - names.name_rank[present])
        best = np.zeros(len(names.entities), dtype=np.int64)
        np.maximum.at(best, entity, merit)
        # Every merit is positive, so the entities held are those with one, in
        # order; each one's best merit spells its name's rank, hence its value.
        entities = np.flatnonzero(best)
        return entities, names.value_of_rank[width - 1 - best[entities] % width]

    def entity_names(self) -> dict[str, str]:
        """{id: name} of an ``actor_names``/``place_names`` tally: the name most of its
        articles write (``arsearch.engine.facets.entity_names``, vectorised)."""
        names = self._names_of()
        entities, chosen = self._chosen()
        return {names.entities[e]: names.written(v)
                for e, v in zip(entities.tolist(), chosen.tolist(), strict=True)}

    def articles_by_entity(self, key: object, shown: Callable[[str, str], str],
                           top: int | None = None) -> dict[str, int]:
        """Articles per ``shown(entity id, name most of its articles write)`` of an
        ``actor_names``/``place_names`` tally, each article once per name (entities
        shown alike counted together), largest first, then by name; the first
        ``top`` of them only, if given (a broad query has tens of thousands).

        ``shown`` must depend on nothing but ``key``: its answers are kept.
        """
        names = self._names_of()
        entities, chosen = self._chosen()
        chosen_label, texts = names.labels(key, shown, chosen)
        entity_label = np.full(len(names.entities), -1, dtype=np.int64)
        entity_label[entities] = chosen_label
        counts = self._count_ids(entity_label[names.entity_of], len(texts))
        held = np.flatnonzero(counts)
        # Largest first, then by label id (labels are numbered alphabetically).
        if top is not None and top < len(held):
            rank = -counts[held] * max(len(texts), 1) + held
            kept = np.argpartition(rank, top)[:top] if top > 0 else np.zeros(0, np.int64)
            order = held[kept][np.argsort(rank[kept])]
        else:
            order = held[_descending(counts[held])]
        if _F is not None:
            return _F.listing(texts, order, counts)  # type: ignore[no-any-return]
        return dict(zip([texts[i] for i in order.tolist()], counts[order].tolist(), strict=True))

    def articles_by(self, label: Callable[[str], str | None]) -> dict[str, int]:
        """Articles per ``label(value)``, each article once per label; values whose
        label is None are left out. In the order labels are first met by value id."""
        present = np.flatnonzero(self.value_counts()).tolist()
        label_ids = np.full(len(self.values), -1, dtype=np.int64)
        labels: dict[str, int] = {}
        for i in present:
            text = label(self.values[i])
            if text is not None:
                label_ids[i] = labels.setdefault(text, len(labels))
        return self._count(label_ids, labels)

    def _count(self, label_ids: np.ndarray, labels: dict[str, int]) -> dict[str, int]:
        """Articles per label, from the label id of each value (-1: left out)."""
        if not labels:
            return {}
        counts = self._count_ids(label_ids, len(labels)).tolist()
        return {text: counts[i] for text, i in labels.items()}

    def _count_ids(self, label_ids: np.ndarray, width: int) -> np.ndarray:
        """Articles per label id (< ``width``), from the label id of each value (-1: none)."""
        if not width:
            return np.zeros(0, dtype=np.int64)
        if self._compiled():
            last = np.full(width, -1, dtype=np.int64)
            out = np.zeros(width, dtype=np.int64)
            label_of = np.ascontiguousarray(label_ids, dtype=np.int64)
            for column, local, first, remap in self._parts:
                _F.label_counts(column.offsets, column.ids, local, remap,  # type: ignore[union-attr]
                                label_of, first, last, out)
            return out
        pair_labels = label_ids[self.ids]
        kept = pair_labels >= 0
        keys = self.docs[kept] * width + pair_labels[kept]
        keys.sort()  # then each (article, label) once: faster than np.unique here
        distinct = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
        return np.bincount(distinct % width, minlength=width)


def _descending(counts: np.ndarray) -> np.ndarray:
    """The stable order of ``counts`` from largest to smallest.

    Counts under 65,536 (every facet but the largest archive's) are sorted as
    16-bit numbers, which numpy sorts by radix, several times faster than its
    sort of 64-bit ones on a broad query's tens of thousands of names.
    """
    if not len(counts):
        return np.zeros(0, dtype=np.int64)
    most = int(counts.max())
    keys = (most - counts).astype(np.uint16) if most < 1 << 16 else -counts
    return np.argsort(keys, kind="stable")


def combine(parts: Sequence[Tally]) -> Tally:
    """One tally of several (of different segments), with one dictionary."""
    if len(parts) == 1:
        return parts[0]
    known: dict[str, int] = {}
    docs, ids = [], []
    for part in parts:
        # Only the values some pair uses: a segment's dictionary can be far larger.
        used, inverse = np.unique(part.ids, return_inverse=True)
        part = Tally([part.values[i] for i in used.tolist()], part.docs, inverse.reshape(-1))
        remap = np.fromiter((known.setdefault(v, len(known)) for v in part.values),
                            dtype=np.int64, count=len(part.values))
        docs.append(part.docs)
        ids.append(remap[part.ids] if len(part.ids) else part.ids.astype(np.int64))
    return Tally(list(known), np.concatenate(docs) if docs else np.zeros(0, np.int64),
                 np.concatenate(ids) if ids else np.zeros(0, np.int64))


def gather(column: Column, local: np.ndarray, offset: int,
           remap: np.ndarray | None = None) -> np.ndarray:
    """(docnums, value ids) of the pairs of a segment's documents ``local`` (its own
    docnums, ascending), numbered from ``offset`` as the whole index numbers them,
    value ids through ``remap`` if given."""
    starts = column.offsets[local]
    lengths = column.offsets[local + 1] - starts
    total = int(lengths.sum())
    # Position of each pair in ``ids``: its document's start plus its rank there.
    before = np.cumsum(lengths) - lengths
    positions = np.arange(total, dtype=np.int64) + np.repeat(starts - before, lengths)
    ids = column.ids[positions].astype(np.int64)
    return np.vstack([np.repeat(local + offset, lengths), remap[ids] if remap is not None
                      else ids])


class SegmentColumns:
    """The leaves of a searcher with their columns (None: read stored fields), loaded once,
    and each field's dictionary over all of them."""

    def __init__(self, folder: str | os.PathLike[str],
                 leaves: Iterable[tuple[str, int, int]]) -> None:
        #: (segment id, first docnum, documents) of each segment, in docnum order.
        self.leaves = list(leaves)
        self._folder = folder
        self._loaded: dict[str, dict[str, Column] | None] = {}
        self._checksums: dict[str, Any] | None = None
        self._dictionaries: dict[str, tuple[Sequence[str], list[np.ndarray | None],
                                             Names | None]] = {}

    def columns(self, segment_id: str, documents: int) -> dict[str, Column] | None:
        """The columns of a segment, read on first use and checked against the manifest
        (a segment's files never change, so any generation's manifest will do)."""
        if segment_id not in self._loaded:
            if self._checksums is None:
                self._checksums = (read_manifest(self._folder) or {}).get("files", {})
            recorded = self._checksums.get(column_file(segment_id))
            crc = recorded[1] if isinstance(recorded, list) and len(recorded) == 2 else None
            self._loaded[segment_id] = read_columns(self._folder, segment_id, documents, crc)
        return self._loaded[segment_id]

    def dictionary(self, name: str
                   ) -> tuple[Sequence[str], list[np.ndarray | None], Names | None]:
        """The values of field ``name`` over every segment with columns, each segment's
        value ids into them (None: the same), and their ``Names`` for a name field."""
        if name not in self._dictionaries:
            columns = [self.columns(segment_id, documents)
                       for segment_id, _, documents in self.leaves]
            own = [c[name].values for c in columns if c is not None]
            if len(own) == 1:
                values, remaps = own[0], [None] * len(columns)
            else:
                known: dict[str, int] = {}
                remaps = [None if c is None else np.fromiter(
                    (known.setdefault(v, len(known)) for v in c[name].values),
                    dtype=np.int64, count=len(c[name].values)) for c in columns]
                values = list(known)
            names = None
            if name in NAME_FIELDS:
                single = [c[name].names for c in columns if c is not None]
                names = single[0] if len(own) == 1 else Names(values)
            self._dictionaries[name] = (values, remaps, names)
        return self._dictionaries[name]

    def tallies(self, docnums: np.ndarray, fieldnames: Sequence[str],
                stored: Callable[[Iterable[int], Sequence[str]], dict[str, dict[str, list[int]]]],
                use_columns: bool = True) -> dict[str, Tally]:
        """The tallies of the articles ``docnums`` (ascending) in each field; fields
        and segments without columns through ``stored(docnums, fieldnames)``."""
        pairs: dict[str, list[Part]] = {name: [] for name in fieldnames}
        parts: dict[str, list[Tally]] = {name: [] for name in fieldnames}
        for index, (segment_id, first, documents) in enumerate(self.leaves):
            lo, hi = np.searchsorted(docnums, [first, first + documents])
            if lo == hi:
                continue
            local = docnums[lo:hi] - first
            columns = self.columns(segment_id, documents) if use_columns else None
            by_column = [n for n in fieldnames if columns is not None and n in columns]
            for name in by_column:
                remap = self.dictionary(name)[1][index]
                pairs[name].append((columns[name], local, first, remap))  # type: ignore[index]
            rest = [n for n in fieldnames if n not in by_column]
            if rest:
                groups = stored((local + first).tolist(), rest)
                for name in rest:
                    parts[name].append(Tally.of_groups(groups[name]))
        out = {}
        for name in fieldnames:
            if pairs[name]:
                values, _, names = self.dictionary(name)
                parts[name].insert(0, Tally(values, names=names, parts=pairs[name]))
            out[name] = (combine(parts[name]) if parts[name]
                         else Tally([], np.zeros(0, np.int64), np.zeros(0, np.int64)))
        return out
