"""Filters by actor, place and date, built as Whoosh queries.

How a name given to ``actor=`` / ``place=`` (``--actor`` / ``--place``) resolves:

1. through the gazetteer's aliases, in any spelling that normalizes the same,
   with clitics (للفرقة الرابعة) and adjectives (الروسية -> Russia);
2. every entry it may name counts, with everything under it: a place brings
   the places inside it (دير الزور -> البوكمال، الشولا …), an actor its units
   (قوات النظام -> الفرقة الرابعة …);
3. a name the gazetteer does not know matches discovered entities of that
   name, or else the name as a phrase in the text (clitics tolerated).

Several names must all match. Dates: ``date=`` matches the publication date
or any date the article mentions; ``published=`` only the publication date.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from bisect import bisect_left
from typing import Any

from whoosh import matching
from whoosh import query as wq

from arsearch.errors import ArsearchError
from arsearch.extract.gazetteer import Gazetteer
from arsearch.models import discovered_id
from arsearch.query.parser import phrase_query
from arsearch.text.analyzer import analyze_terms
from arsearch.text.normalize import normalize

_PART_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_HIGH = "\uffff"  # sorts after every continuation of an ISO prefix


class InvalidDateRange(ArsearchError):
    """A date or date range the filters cannot read."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        super().__init__(
            f"invalid date range {value!r}: {reason} "
            "(use 2019, 2019-03, 2019-03-15, or A..B with either end open: 2019.., ..2020-06)"
        )


def _date_part(text: str, whole: str) -> str:
    match = _PART_RE.match(text.strip())
    if not match:
        raise InvalidDateRange(whole, f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        if day:
            return dt.date(int(year), int(month), int(day)).isoformat()
        if month:
            return dt.date(int(year), int(month), 1).isoformat()[:7]
    except ValueError as exc:
        raise InvalidDateRange(whole, str(exc)) from None
    return year


def parse_date_range(text: str) -> tuple[str | None, str | None]:
    """``(low, high)`` ISO prefixes, inclusive; None for an open end.

    >>> parse_date_range("2019"), parse_date_range("2017-01..2017-12")
    (('2019', '2019'), ('2017-01', '2017-12'))
    >>> parse_date_range("..2020-06")
    (None, '2020-06')

    Raises:
        InvalidDateRange: not a date, an impossible date, or low after high.
    """
    text = text.strip()
    if ".." not in text:
        value = _date_part(text, text)
        return value, value
    low_text, _, high_text = text.partition("..")
    low = _date_part(low_text, text) if low_text.strip() else None
    high = _date_part(high_text, text) if high_text.strip() else None
    if low is None and high is None:
        raise InvalidDateRange(text, "both ends are open")
    if low and high and low > high[: len(low)]:
        raise InvalidDateRange(text, "the start is after the end")
    return low, high


def date_query(text: str, fieldnames: tuple[str, ...]) -> wq.Query:
    """Match any ISO value in ``fieldnames`` that lies within the range ``text``.

    A value lies within when it falls between the ends at the ends' precision:
    ``2019-03-15`` and ``2019-03`` are in ``2019..2019-03``; ``2019`` (a bare
    year) is in ``2019`` but not in ``2019-03``, whose month it may not be.
    """
    low, high = parse_date_range(text)
    upper = None if high is None else high + _HIGH
    return RangeUnion([wq.TermRange(name, low, upper) for name in fieldnames])


class RangeUnion(wq.Query):
    """Articles holding any term of some ``TermRange``s, as one sorted list of
    article numbers; a filter, so it adds nothing to the score.

    A month of dates is a few hundred terms (days, months, in two fields).
    Whoosh ORs them as a tree of pure-Python union matchers, which cost more
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
        # up every term of the range again, which cost more than the search.
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


def entity_query(name: str, kind: str, gazetteer: Gazetteer) -> wq.Query:
    """Articles that mention the actor or place ``name`` (see the module doc)."""
    ids = sorted({e.id for e in gazetteer.resolve(name) if e.kind == kind or e.type == "country"})
    if ids:
        # {kind}_scope holds each mentioned id with its ancestors: one term per
        # id covers every place inside it, every unit under it.
        return wq.Or([wq.Term(f"{kind}_scope", i) for i in ids])
    terms = list(analyze_terms(name))
    fallback = phrase_query(terms, "stem") if terms else wq.NullQuery
    return wq.Or([wq.Term(f"{kind}_ids", discovered_id(kind, normalize(name))), fallback])


def as_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Accept one name or several."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if v]
