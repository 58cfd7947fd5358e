"""Gathering the matches of a query: top N by score, or newest first.

Both count every match exactly (``SearchResults.total``) from one evaluation
(``arsearch.engine.evaluate``). Whoosh's top-N collector counts by running the query
a second time, or, with block skipping off, miscounts (its matchers prune
what cannot reach the top); its date sort reads the whole column per search.
"""

from __future__ import annotations

import heapq
import weakref
from typing import Any

import numpy as np
from whoosh import query as wq

from arsearch.engine.evaluate import Matches, evaluate

#: When more than one article in this many matches, a newest-first sort reads
#: the whole ``published`` column once per searcher instead of one value per match.
_WHOLE_COLUMN_SHARE = 8
_published_columns: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def top_by_score(searcher: Any, query: wq.Query, limit: int, matches: Matches | None = None
                 ) -> tuple[list[tuple[int, float]], int]:
    """(docnum, score) of the best ``limit`` matches, best first, and the number of matches.

    Ties keep index order, as in Whoosh. ``matches``: the query's, if evaluated already.
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
    candidates = zip(docnums.tolist(), scores.tolist(), strict=True)
    best = sorted(candidates, key=lambda item: (-item[1], item[0]))[:limit]
    return best, total


def newest_first(searcher: Any, query: wq.Query, limit: int | None,
                 matches: Matches | None = None) -> tuple[list[int], int]:
    """Docnums of the newest ``limit`` matches (all with None) and the number of matches.

    Ties keep index order; articles without a publication date come last.
    ``matches``: the query's, if evaluated already.
    """
    docnums = (evaluate(searcher, query) if matches is None else matches).docnums.tolist()
    if not docnums:
        return [], 0
    date_of = _published(searcher, len(docnums))

    def key(docnum: int) -> tuple[str, int]:
        return date_of(docnum), -docnum

    if limit is None or limit >= len(docnums):
        return sorted(docnums, key=key, reverse=True), len(docnums)
    return heapq.nlargest(limit, docnums, key=key), len(docnums)


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
    values = [value(docnum) for docnum in range(reader.doc_count_all())]
    _published_columns[searcher] = values
    return values.__getitem__
