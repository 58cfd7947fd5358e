"""Query trees (``arsearch.query.nodes``) translated into the Whoosh queries the engine runs.

The translation is one Whoosh query per node, same shape and boosts:
``arsearch.engine.evaluate`` recognises these classes (a ``DisjunctionMax`` of
``Term``s is a word's readings; ``RangeUnion`` is read as a list of article
numbers; ``NullQuery`` is Whoosh's single instance) and hands any other shape
to Whoosh's own matchers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh import query as wq

from arsearch.engine.ranges import RangeUnion
from arsearch.query import nodes


def to_whoosh(node: nodes.Node) -> wq.Query:
    """The Whoosh query of a query tree.

    >>> to_whoosh(nodes.Or([nodes.Term("stem", "غار", boost=2.0),
    ...                     nodes.Term("exact", "غارات")]))
    Or([Term('stem', 'غار', boost=2.0), Term('exact', 'غارات')])

    Raises:
        TypeError: ``node`` is not a node of ``arsearch.query.nodes``.
    """
    translate = _TRANSLATIONS.get(type(node))
    if translate is None:
        raise TypeError(f"not a query node: {node!r}")
    return translate(node)


def _children(node: Any) -> list[wq.Query]:
    return [to_whoosh(child) for child in node.subqueries]


def _term_range(node: nodes.TermRange) -> wq.TermRange:
    return wq.TermRange(node.fieldname, node.start, node.end)


_TRANSLATIONS: dict[type, Callable[[Any], wq.Query]] = {
    nodes.Term: lambda n: wq.Term(n.fieldname, n.text, boost=n.boost),
    nodes.Prefix: lambda n: wq.Prefix(n.fieldname, n.text, boost=n.boost),
    nodes.Phrase: lambda n: wq.Phrase(n.fieldname, list(n.words), boost=n.boost),
    nodes.Sequence: lambda n: wq.Sequence(_children(n), boost=n.boost),
    nodes.And: lambda n: wq.And(_children(n)),
    nodes.Or: lambda n: wq.Or(_children(n)),
    nodes.AndNot: lambda n: wq.AndNot(to_whoosh(n.a), to_whoosh(n.b)),
    nodes.AndMaybe: lambda n: wq.AndMaybe(to_whoosh(n.a), to_whoosh(n.b)),
    nodes.DisjunctionMax: lambda n: wq.DisjunctionMax(_children(n)),
    nodes.Every: lambda n: wq.Every(),
    nodes.Nothing: lambda n: wq.NullQuery,
    nodes.TermRange: _term_range,
    nodes.RangeUnion: lambda n: RangeUnion([_term_range(r) for r in n.ranges]),
}
