"""Gathering the matches of a query: top N by score, or newest first.

Both count every match exactly (``SearchResults.total``) from one evaluation
(``arsearch.evaluate``). Whoosh's top-N collector counts by running the query
a second time, or, with block skipping off, miscounts (its matchers prune
what cannot reach the top); its date sort reads the whole column per search.
"""

from __future__ import annotations

import heapq
import weakref
from typing import Any

from whoosh import query as wq

from arsearch.evaluate import evaluate

#: When more than one article in this many matches, a newest-first sort reads
#: the whole ``published`` column once per searcher instead of one value per match.
_WHOLE_COLUMN_SHARE = 8
_published_columns: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


def top_by_score(searcher: Any, query: wq.Query, limit: int) -> tuple[list[tuple[int, float]], int]:
    """(docnum, score) of the best ``limit`` matches, best first, and the number of matches.

    Ties keep index order, as in Whoosh.
    """
    scores = evaluate(searcher, query)
    if len(scores) > limit:
        # The limit-th best score, compared as plain floats (fast), then only
        # the articles reaching it are ordered.
        cutoff = heapq.nlargest(limit, scores.values())[-1]
        candidates = [(d, s) for d, s in scores.items() if s >= cutoff]
    else:
        candidates = list(scores.items())
    best = sorted(candidates, key=lambda item: (-item[1], item[0]))[:limit]
    return best, len(scores)


def newest_first(searcher: Any, query: wq.Query, limit: int | None) -> tuple[list[int], int]:
    """Docnums of the newest ``limit`` matches (all with None) and the number of matches.

    Ties keep index order; articles without a publication date come last.
    """
    docnums = list(evaluate(searcher, query))
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
