"""Gathering the matches of a Whoosh query: top N by score, or newest first.

Both count every match exactly (``SearchResults.total``) in one pass over the
postings; Whoosh's defaults need a second pass or a full column read for that.
"""

from __future__ import annotations

import heapq
import weakref
from typing import Any

from whoosh import collectors
from whoosh import query as wq

#: Above this share of the index, a newest-first sort reads the whole
#: ``published`` column once per searcher instead of one value per match.
_WHOLE_COLUMN_SHARE = 8
_published_columns: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()


class CountingTopCollector(collectors.TopCollector):
    """The top ``limit`` hits by score, counting every match on the way.

    Whoosh's default top-N collector skips blocks that cannot reach the top,
    then re-runs the whole query to count the matches, which doubled the cost
    of a search. With block skipping off, its matcher ``replace()`` still
    prunes sub-matchers below the heap's minimum score (an Or becomes an And),
    which gives wrong totals; pinning that minimum at 0 keeps the count exact
    while the heap still holds the right top N.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(limit, usequality=False)

    def _collect(self, global_docnum: int, score: float) -> float:
        key = super()._collect(global_docnum, score)
        self.minscore = 0
        return key


def top_by_score(searcher: Any, query: wq.Query, limit: int) -> tuple[list[tuple[int, float]], int]:
    """(docnum, score) of the best ``limit`` matches, best first, and the number of matches."""
    collector = CountingTopCollector(limit)
    searcher.search_with_collector(query, collector)
    results = collector.results()
    return [(hit.docnum, hit.score or 0.0) for hit in results], len(results)


def newest_first(searcher: Any, query: wq.Query, limit: int | None) -> tuple[list[int], int]:
    """Docnums of the newest ``limit`` matches (all with None) and the number of matches.

    Ties keep index order; articles without a publication date come last.
    """
    docnums = list(searcher.docs_for_query(query))
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
