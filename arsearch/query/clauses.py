"""The clauses a query is built of: one word, a phrase, an And of many, and
the rewrite that moves score-only parts to the top.

Shared by the parser and the filters (a name no gazetteer knows is searched
as a phrase). Builds ``arsearch.query.nodes`` only.
"""

from __future__ import annotations

from arsearch.query import nodes
from arsearch.query.nodes import Node
from arsearch.text.analyzer import Term

#: Relative weights of the fields a word is searched in.
BOOSTS = {"exact": 1.0, "stem": 2.0, "broad": 0.3, "title_terms": 2.0}


#: Most clauses one ``And`` gets; see ``all_of``.
MAX_AND_CLAUSES = 64


def all_of(clauses: list[Node]) -> Node:
    """``And`` of the clauses, nested in groups of at most ``MAX_AND_CLAUSES``.

    Whoosh combines an And's matchers into a chain as deep as it has clauses
    (its Huffman tree is weighted by minus the posting counts), so one And of
    about a thousand words would exhaust the recursion limit.
    """
    if len(clauses) <= MAX_AND_CLAUSES:
        return nodes.And(clauses)
    step = MAX_AND_CLAUSES
    return all_of([nodes.And(clauses[i:i + step]) for i in range(0, len(clauses), step)])


def phrase_query(terms: list[Term], name: str, *, boost: float = 1.0) -> Node:
    """Analyzed words in order in field ``name``, each in any of its readings."""
    if len(terms) == 1:
        return _alternatives(name, terms[0].stems)
    if any(len(t.stems) > 1 for t in terms):
        return nodes.Sequence([_alternatives(name, t.stems) for t in terms], boost=boost)
    return nodes.Phrase(name, [t.stems[0] for t in terms], boost=boost)


def _alternatives(name: str, stems: tuple[str, ...]) -> Node:
    if len(stems) == 1:
        return nodes.Term(name, stems[0])
    return nodes.Or([nodes.Term(name, s) for s in stems])


def word_query(exact: str, stems: tuple[str, ...], broad: str,
               fields: tuple[str, ...] | None = None) -> Node:
    """The query for one analyzed word: exact form, stems, broad key and title.

    Which articles match is decided by the stems and the broad key alone: the
    exact form and the title are in the stem field too, so they only add to the
    score. That is an ``AndMaybe`` (required, optional), with the same scores as
    an ``Or`` of everything but far fewer posting lists to merge per match.
    """
    if fields is not None:
        return nodes.Or([_alternatives(name, stems) for name in fields])
    readings = [nodes.Term("stem", s, boost=BOOSTS["stem"]) for s in stems]
    # Readings are alternatives, not several pieces of evidence: summed, a word
    # such as فيديو (يديو|فيديو) would count twice where the article spells it
    # the same way.
    required: list[Node] = [readings[0] if len(readings) == 1
                            else nodes.DisjunctionMax(readings)]
    if broad not in stems:
        # The index leaves out broad keys equal to the word's stem (schema.py),
        # so words whose stem is this key are found in the stem field.
        required.append(nodes.Term("broad", broad, boost=BOOSTS["broad"]))
        required.append(nodes.Term("stem", broad, boost=BOOSTS["broad"]))
    optional = nodes.Or([
        nodes.Term("exact", exact, boost=BOOSTS["exact"]),
        *(nodes.Term("title_terms", s, boost=BOOSTS["title_terms"]) for s in stems),
    ])
    return nodes.AndMaybe(required[0] if len(required) == 1 else nodes.Or(required), optional)


def hoist_optional(query: Node) -> Node:
    """Move the score-only parts of word queries to the top of an And or Or.

    ``And([AndMaybe(r1, o1), AndMaybe(r2, o2), f])`` matches and scores like
    ``AndMaybe(And([r1, r2, f]), Or([o1, o2]))`` (each ``o`` only matches where
    its ``r`` does), and the second only looks at the optional postings of
    articles that passed every word and filter. The same holds for ``Or``.
    """
    if type(query) is nodes.AndNot:
        base, excluded = hoist_optional(query.a), _matching_part(query.b)
        if isinstance(base, nodes.AndMaybe):
            return nodes.AndMaybe(nodes.AndNot(base.a, excluded), base.b)
        return nodes.AndNot(base, excluded)
    if type(query) not in (nodes.And, nodes.Or):
        return query
    required: list[Node] = []
    optional: list[Node] = []
    for child in (hoist_optional(c) for c in query.subqueries):
        if isinstance(child, nodes.AndMaybe):
            required.append(child.a)
            optional.append(child.b)
        else:
            required.append(child)
    combined = type(query)(required)
    if not optional:
        return combined
    return nodes.AndMaybe(combined, optional[0] if len(optional) == 1 else nodes.Or(optional))


def _matching_part(query: Node) -> Node:
    """``query`` without its score-only parts: an exclusion needs no scores."""
    if isinstance(query, nodes.AndMaybe):
        return _matching_part(query.a)
    if type(query) in (nodes.And, nodes.Or):
        return type(query)([_matching_part(q) for q in query.subqueries])
    return query
