"""The query tree the parser builds: small immutable values, independent of the engine.

Each node is a frozen dataclass; children are tuples (a list given to a
constructor becomes one), so nodes are hashable and two nodes are equal when
they have the same type and fields: the parser drops a repeated clause by
equality. ``arsearch.engine.compile.to_whoosh`` translates a tree into the
Whoosh queries the engine runs, node for node.

Scores follow BM25F: a leaf that matches scores its postings times its
``boost``; ``And``, ``Or`` and ``Sequence`` add up their children's scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


def _tuple(items: object) -> tuple:
    return items if type(items) is tuple else tuple(items)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Term:
    """Articles whose field ``fieldname`` holds the index term ``text``."""

    fieldname: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """Articles whose field ``fieldname`` holds a term beginning with ``text``, every
    such term expanded. The parser builds it only without an index to expand the
    prefix against (``Index`` expands a prefix into a bounded ``DisjunctionMax``)."""

    fieldname: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Articles whose field ``fieldname`` holds the terms ``words`` in adjacent
    positions, in this order (the field must store positions)."""

    fieldname: str
    words: tuple[str, ...]
    boost: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", _tuple(self.words))


@dataclass(frozen=True)
class Sequence:
    """Articles where each subquery matches at the position after the previous
    one's: a phrase whose words each have alternatives (``Or`` of ``Term``s)."""

    subqueries: tuple[Node, ...]
    boost: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "subqueries", _tuple(self.subqueries))


@dataclass(frozen=True)
class And:
    """Articles matching every subquery; the score is the sum of theirs."""

    subqueries: tuple[Node, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "subqueries", _tuple(self.subqueries))


@dataclass(frozen=True)
class Or:
    """Articles matching any subquery; the score is the sum of those that match."""

    subqueries: tuple[Node, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "subqueries", _tuple(self.subqueries))


@dataclass(frozen=True)
class AndNot:
    """Articles matching ``a`` and not ``b``, scored by ``a`` alone."""

    a: Node
    b: Node


@dataclass(frozen=True)
class AndMaybe:
    """Articles matching ``a``; ``b`` only adds its score where it matches too."""

    a: Node
    b: Node


@dataclass(frozen=True)
class DisjunctionMax:
    """Articles matching any subquery, each scored by its best-scoring subquery
    (a word's alternative readings: evidence for one word, not several)."""

    subqueries: tuple[Node, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "subqueries", _tuple(self.subqueries))


@dataclass(frozen=True)
class Every:
    """Every article: the base of a search without words, or of a group that
    only excludes (``-داعش``)."""


@dataclass(frozen=True)
class Nothing:
    """No article: what a filter becomes when it can match nothing at all.

    All ``Nothing`` nodes are equal; use ``NULL``.
    """


#: The one ``Nothing`` the query package builds.
NULL = Nothing()


@dataclass(frozen=True)
class TermRange:
    """Articles holding a term of ``fieldname`` between ``start`` and ``end``,
    both inclusive, compared as strings; None leaves that end open. Used only
    inside ``RangeUnion``."""

    fieldname: str
    start: str | None
    end: str | None


@dataclass(frozen=True)
class RangeUnion:
    """Articles holding any term in any of ``ranges`` (e.g. a date range in the
    ``published`` and ``dates`` fields). A filter: it matches with score 0."""

    ranges: tuple[TermRange, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranges", _tuple(self.ranges))


#: Any node of the tree.
Node: TypeAlias = (Term | Prefix | Phrase | Sequence | And | Or | AndNot | AndMaybe
                   | DisjunctionMax | Every | Nothing | TermRange | RangeUnion)
