"""Gathering the matches of a query: top N by score, or newest first.

Both count every match exactly (``SearchResults.total``) from one evaluation
(``arsearch.engine.evaluate``). Equal scores (and equal dates) are ranked in the
order of ingest, which each document records (``SEQUENCE``), not in document
order: ingest workers and merges leave documents in another order than they
came in, and a sharded index ranks its ties by the same order.

Whoosh's top-N collector counts by running the query a second time, or, with
block skipping off, miscounts (its matchers prune what cannot reach the top);
its date sort reads the whole column per search.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.columns import VarBytesColumn

from arsearch.engine.evaluate import Matches, evaluate

#: When more than one article in this many matches, a newest-first sort reads
#: the whole ``published`` column once per searcher instead of one value per match.
_WHOLE_COLUMN_SHARE = 8
_published_columns: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()
#: The column of each document's place in the order of ingest (``arsearch.engine.schema``).
SEQUENCE = "sequence"


#: Every document's place in the order of ingest, by docnum (``sequence_column``),
#: given by the caller that keeps it, or read when first needed.
Sequence = Callable[[], np.ndarray]


def sequences(searcher: Any, docnums: list[int], column: Sequence | None = None) -> list[int]:
    """Each document's place in the order of ingest: 0 where none is recorded (an
    index or an article from before articles were numbered), which comes first."""
    if SEQUENCE not in searcher.schema or not docnums:
        return [0] * len(docnums)
    found = column() if column is not None else sequence_column(searcher)
    return found[np.asarray(docnums, dtype=np.int64)].tolist()


def sequence_column(searcher: Any) -> np.ndarray:
    """Every document's place in the order of ingest (0 where none is recorded), read
    from each segment's column file at once."""
    found = np.zeros(searcher.reader().doc_count_all(), dtype=np.int64)
    if SEQUENCE not in searcher.schema:
        return found
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if not reader.has_column(SEQUENCE):
            continue
        column = reader.column_reader(SEQUENCE, translate=False)
        count = min(column._count, reader.doc_count_all())
        if count:  # big-endian int64 ("!q"); documents past the end hold the default, 0
            raw = column._dbfile.get(column._basepos, 8 * count)
            found[offset:offset + count] = np.frombuffer(raw, dtype=">i8")
    return found


def last_sequence(searcher: Any) -> int:
    """The highest place in the order of ingest recorded (0 if none)."""
    column = sequence_column(searcher)
    return int(column.max()) if len(column) else 0


def top_by_score(searcher: Any, query: wq.Query, limit: int, matches: Matches | None = None,
                 column: Sequence | None = None) -> tuple[list[tuple[int, float]], int]:
    """(docnum, score) of the best ``limit`` matches, best first, and the number of matches.

    Ties are in the order of ingest (then of documents). ``matches``: the query's, if
    evaluated already; ``column``: gives ``sequence_column`` (kept by the caller).
    """
    matches = evaluate(searcher, query) if matches is None else matches
    docnums, scores = matches.docnums, matches.scores
    total = len(docnums)
    if total > limit > 0:
        # The limit-th best score (a partial sort), then only the articles
        # reaching it are ordered.
        cutoff = np.partition(scores, total - limit)[total - limit]
        reaching = np.flatnonzero(scores >= cutoff)
        docnums, scores = docnums[reaching], scores[reaching]
    candidates = list(zip(docnums.tolist(), scores.tolist(), strict=True))
    if len(np.unique(scores)) == len(scores):  # no ties: the order of ingest is not needed
        return sorted(candidates, key=lambda item: -item[1])[:limit], total
    order = sequences(searcher, [docnum for docnum, _ in candidates], column)
    ranked = sorted(zip(candidates, order, strict=True),
                    key=lambda item: (-item[0][1], item[1], item[0][0]))
    return [candidate for candidate, _ in ranked[:limit]], total


def newest_first(searcher: Any, query: wq.Query, limit: int | None,
                 matches: Matches | None = None, column: Sequence | None = None
                 ) -> tuple[list[int], int]:
    """Docnums of the newest ``limit`` matches (all with None) and the number of matches.

    Ties are in the order of ingest (then of documents); articles without a
    publication date come last. ``matches``: the query's, if evaluated already;
    ``column`` as for ``top_by_score``.
    """
    docnums = (evaluate(searcher, query) if matches is None else matches).docnums.tolist()
    if not docnums:
        return [], 0
    date_of = _published(searcher, len(docnums))
    dated = [(date_of(docnum), docnum) for docnum in docnums]
    if limit is not None and limit < len(dated):
        # The newest ``limit`` and every match dated as the last of them: which of
        # those come first is for the order of ingest to say.
        cutoff = heapq.nlargest(limit, dated)[-1][0]
        dated = [pair for pair in dated if pair[0] >= cutoff]
    order = sequences(searcher, [docnum for _, docnum in dated], column)
    ranked = sorted(zip(dated, order, strict=True),
                    key=lambda item: (item[0][0], -item[1], -item[0][1]), reverse=True)
    return [docnum for (_, docnum), _ in ranked[:limit]], len(docnums)


def _published(searcher: Any, matches: int) -> Any:
    """A docnum -> publication date ('' if none) lookup for this searcher."""
    cached = _published_columns.get(searcher)
    if cached is not None:
        return cached.__getitem__
    reader = searcher.reader()
    column = reader.column_reader("published")

    def value(docnum: int) -> str:
        try:
            return column[docnum] or ""
        except IndexError:  # a segment's column ends at its last dated article
            return ""

    if matches * _WHOLE_COLUMN_SHARE < reader.doc_count_all():
        return value
    values = published_column(searcher)
    _published_columns[searcher] = values
    return values.__getitem__


def published_column(searcher: Any) -> list[str]:
    """Every document's publication date ('' if none), each segment's column read in
    one piece (a read per document took 0.3 s on the 73k index)."""
    values = [""] * searcher.reader().doc_count_all()
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if not reader.has_column("published"):
            continue
        column = reader.column_reader("published", translate=False)
        if not isinstance(column, VarBytesColumn.Reader):  # another layout: a read each
            translated = reader.column_reader("published")
            for docnum in range(min(len(column), reader.doc_count_all())):
                values[offset + docnum] = translated[docnum] or ""
            continue
        pairs = list(zip(column._offsets, column._lengths, strict=True))
        spans = [(start, length) for start, length in pairs if length]
        if not spans:
            continue
        base = min(start for start, _ in spans)
        raw = column._dbfile.get(column._basepos + base, max(s + n for s, n in spans) - base)
        # Dates are ASCII: then one decode, sliced at the byte offsets.
        text: str | bytes = raw.decode("ascii") if raw.isascii() else raw
        for docnum, (start, length) in enumerate(pairs[:len(values) - offset]):
            if length:
                value = text[start - base:start - base + length]
                values[offset + docnum] = value if isinstance(value, str) else value.decode()
    return values
