"""The best N matches of an any-word query without scoring every posting (MaxScore).

For ``match="any"``, ``evaluate`` scores every posting of every word, yet a
common word (its postings are most of the work) often cannot lift an article
that lacks the rarer words into the top N. Here words are taken by the most
each can add (``term_bound``), highest first; once what the words left can
add is below the N-th best score so far, no article they alone match can get
in, and they are only scored for the articles that can still reach the top N
(Turtle & Flood's MaxScore, term at a time). Their postings are still read,
without scoring, to count every match. The top N and their scores are those
of ``evaluate``; ``tests/test_prune.py`` checks it.
"""

from __future__ import annotations

import heapq
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from arsearch.evaluate import Scores, evaluate_leaf, term_bound, term_scores

#: Relative margin on the bounds, for float rounding of sums in another order.
_MARGIN = 1e-9


@dataclass(frozen=True)
class _Word:
    """One word of the query: what makes an article match, and what only adds."""

    matching: wq.Query
    adding: wq.Query
    matching_terms: tuple[wq.Term, ...]
    adding_terms: tuple[wq.Term, ...]


def top_any(searcher: Any, query: wq.Query, limit: int
            ) -> tuple[list[tuple[int, float]], int] | None:
    """(docnum, score) of the best ``limit`` matches, best first, and the number
    of matches; None when ``query`` is not an any-word query (use ``evaluate``)."""
    words = _words(query)
    if words is None or limit < 1:
        return None
    best: list[tuple[float, int]] = []  # min-heap of (score, -docnum): ties keep index order
    total = 0
    for leaf, offset in searcher.leaf_searchers():
        floor = best[0][0] if len(best) >= limit else None
        scores, matched = _leaf_top(words, leaf, searcher, limit, floor)
        if not matched:
            continue
        deleted = leaf.reader().deleted_docs_set
        total += len(matched - deleted) if deleted else len(matched)
        for docnum, score in scores.items():
            if docnum in deleted:
                continue
            item = (score, -(docnum + offset))
            if len(best) < limit:
                heapq.heappush(best, item)
            elif item > best[0]:
                heapq.heapreplace(best, item)
    return [(-negated, score) for score, negated in sorted(best, reverse=True)], total


def _words(query: wq.Query) -> list[_Word] | None:
    """The words of ``AndMaybe(Or([r1..rn]), Or([o1..on]))``, what ``hoist_optional``
    makes of an any-word query (word i is ``AndMaybe(ri, oi)``); else None."""
    if type(query) is not wq.AndMaybe or query.boost != 1.0:
        return None
    matching, adding = query.a, query.b
    if type(matching) is not wq.Or or type(adding) is not wq.Or or not (
            matching.boost == adding.boost == 1.0
            and 2 <= len(matching.subqueries) == len(adding.subqueries)):
        return None
    words = []
    for r, o in zip(matching.subqueries, adding.subqueries, strict=True):
        r_terms, o_terms = _terms(r), _terms(o)
        if r_terms is None or o_terms is None:
            return None
        words.append(_Word(r, o, r_terms, o_terms))
    return words


def _terms(query: wq.Query) -> tuple[wq.Term, ...] | None:
    if type(query) is wq.Term:
        return (query,)
    if type(query) is wq.Or and query.boost == 1.0 and all(
            type(q) is wq.Term for q in query.subqueries):
        return tuple(query.subqueries)
    return None


def _leaf_top(words: list[_Word], leaf: Any, top: Any, limit: int,
              floor: float | None) -> tuple[Scores, AbstractSet[int]]:
    """Exact scores of the articles of one segment that may be in the top
    ``limit`` (perhaps more), and every article that matches."""
    # A word's score-only terms match only where its matching terms do
    # (word_query), so an article no word has matched yet can get at most
    # the bounds of the words left, score-only terms included.
    bounds = [sum(term_bound(t, leaf, top) for t in w.matching_terms + w.adding_terms)
              for w in words]
    order = sorted(range(len(words)), key=bounds.__getitem__, reverse=True)
    left, done = sum(bounds), 0.0
    scores: Scores = {}
    for rank, i in enumerate(order):
        # No score so far exceeds ``done``: below it, the N-th best cannot beat ``left``.
        if done > left:
            floor = _kth(scores, limit, floor)
        if floor is not None and left * (1 + _MARGIN) < floor:
            return _only_for_contenders(words, order[rank:], bounds, left, scores, floor,
                                        leaf, top, limit)
        word = words[i]
        found = evaluate_leaf(word.matching, leaf, top)
        if found:
            for docnum, score in evaluate_leaf(word.adding, leaf, top, set(found)).items():
                found[docnum] += score
        for docnum, score in found.items():
            scores[docnum] = scores.get(docnum, 0.0) + score
        left -= bounds[i]
        done += bounds[i]
    return scores, scores.keys()


def _kth(scores: Scores, limit: int, floor: float | None) -> float | None:
    """The ``limit``-th best score so far, or ``floor`` if higher: a lower bound
    of the final one, since scores only grow."""
    if len(scores) < limit:
        return floor
    kth = heapq.nlargest(limit, scores.values())[-1]
    return kth if floor is None else max(kth, floor)


def _only_for_contenders(words: list[_Word], rest: list[int], bounds: list[float],
                         left: float, scores: Scores, floor: float | None, leaf: Any, top: Any,
                         limit: int) -> tuple[Scores, AbstractSet[int]]:
    """Add the words ``rest`` to the articles that can still reach ``floor``."""
    matched = set(scores)
    for i in rest:
        scores = {d: s for d, s in scores.items() if (s + left) * (1 + _MARGIN) >= (floor or 0.0)}
        live = set(scores)
        word = words[i]
        found: Scores = {}
        for term in word.matching_terms:
            for docnum, score in term_scores(term, leaf, top, live, matched).items():
                found[docnum] = found.get(docnum, 0.0) + score
        if found:
            for docnum, score in evaluate_leaf(word.adding, leaf, top, set(found)).items():
                found[docnum] += score
        for docnum, score in found.items():
            scores[docnum] += score
        left -= bounds[i]
        floor = _kth(scores, limit, floor)
    return scores, matched
