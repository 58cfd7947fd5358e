"""Filters by actor, place and date, built as query trees (``arsearch.query.nodes``).

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

from arsearch.errors import InvalidDateRange
from arsearch.extract.gazetteer import Gazetteer
from arsearch.models import discovered_id
from arsearch.query import nodes
from arsearch.query.clauses import phrase_query
from arsearch.query.nodes import Node
from arsearch.text.analyzer import Analyzer, default_analyzer
from arsearch.text.normalize import normalize

_PART_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_HIGH = "\uffff"  # sorts after every continuation of an ISO prefix


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


def date_query(text: str, fieldnames: tuple[str, ...]) -> nodes.RangeUnion:
    """Match any ISO value in ``fieldnames`` that lies within the range ``text``.

    A value lies within when it falls between the ends at the ends' precision:
    ``2019-03-15`` and ``2019-03`` are in ``2019..2019-03``; ``2019`` (a bare
    year) is in ``2019`` but not in ``2019-03``, whose month it may not be.
    A filter: it adds nothing to the score.

    >>> date_query("2019..2019-03", ("published",)).ranges
    (TermRange(fieldname='published', start='2019', end='2019-03\\uffff'),)

    Raises:
        InvalidDateRange: as ``parse_date_range``.
    """
    low, high = parse_date_range(text)
    upper = None if high is None else high + _HIGH
    return nodes.RangeUnion([nodes.TermRange(name, low, upper) for name in fieldnames])


def entity_query(name: str, kind: str, gazetteer: Gazetteer, *,
                 analyzer: Analyzer | None = None) -> Node:
    """Articles that mention the actor or place ``name`` (see the module doc).

    A name the gazetteer does not know is also searched as a phrase, analyzed
    by ``analyzer`` (None: the bundled settings).
    """
    ids = sorted({e.id for e in gazetteer.resolve(name) if e.kind == kind or e.type == "country"})
    if ids:
        # {kind}_scope holds each mentioned id with its ancestors: one term per
        # id covers every place inside it, every unit under it.
        return nodes.Or([nodes.Term(f"{kind}_scope", i) for i in ids])
    terms = list((analyzer if analyzer is not None else default_analyzer()).analyze_terms(name))
    fallback = phrase_query(terms, "stem") if terms else nodes.NULL
    return nodes.Or([nodes.Term(f"{kind}_ids", discovered_id(kind, normalize(name))), fallback])


def as_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Accept one name or several."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if v]
