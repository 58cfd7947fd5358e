"""Whoosh's side of a date filter: a union of term ranges read as one sorted list.

``arsearch.query.nodes.RangeUnion`` becomes a ``RangeUnion`` here
(``arsearch.engine.compile``); ``arsearch.engine.evaluate`` reads its article
numbers directly.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from typing import Any

from whoosh import matching
from whoosh import query as wq


class RangeUnion(wq.Query):
    """Articles holding any term of some ``TermRange``s, as one sorted list of
    article numbers; a filter, so it adds nothing to the score.

    A month of dates is a few hundred terms (days, months, in two fields).
    Whoosh ORs them as a tree of pure-Python union matchers, which costs more
    than a second per search on 73k articles; reading each posting list once
    into a set is a few milliseconds.
    """

    def __init__(self, ranges: list[wq.TermRange]) -> None:
        self.ranges = ranges
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.ranges!r})"

    def __unicode__(self) -> str:
        return " OR ".join(str(r) for r in self.ranges)

    __str__ = __unicode__

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.ranges == self.ranges

    def __hash__(self) -> int:
        return hash(tuple(self.ranges))

    def is_leaf(self) -> bool:
        return True

    def estimate_size(self, ixreader: Any) -> int:
        # Exact and cheap once cached; summing TermRange.estimate_size looks
        # up every term of the range again, which costs more than the search.
        return len(self._ids(ixreader))

    def matcher(self, searcher: Any, context: Any = None) -> matching.Matcher:
        ids = self._ids(searcher.reader())
        return _SortedIds(ids) if ids else matching.NullMatcher()

    def _ids(self, reader: Any) -> list[int]:
        """The sorted article numbers of the range in one segment reader (cached)."""
        cache = _range_cache.setdefault(reader, {})
        key = repr(self.ranges)
        if key not in cache:
            docnums: set[int] = set()
            for query in self.ranges:
                for fieldname, btext in query.expanded_terms(reader):
                    docnums.update(reader.postings(fieldname, btext).all_ids())
            if len(cache) >= _RANGES_PER_READER:
                del cache[next(iter(cache))]
            cache[key] = sorted(docnums)
        return cache[key]


#: Date ranges are filters an archivist repeats while refining the words, so
#: their article lists are kept per segment reader (a commit brings new
#: readers), like Elasticsearch's filter cache.
_RANGES_PER_READER = 32
_range_cache: weakref.WeakKeyDictionary[Any, dict[str, list[int]]] = (
    weakref.WeakKeyDictionary())


class _SortedIds(matching.ListMatcher):
    """A fixed list of article numbers that skips by bisection and scores 0."""

    def skip_to(self, id: int) -> None:  # noqa: A002 (Whoosh's signature)
        self._i = bisect_left(self._ids, id, self._i)

    def score(self) -> float:
        return 0.0

    def max_quality(self) -> float:
        return 0.0
