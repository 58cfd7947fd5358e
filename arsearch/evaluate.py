"""Term-at-a-time evaluation of the queries arsearch builds, with Whoosh's BM25F scores.

Whoosh scores one document at a time through a tree of pure-Python matchers:
every match passes through a few method calls per level of the tree, and a
word is an OR of three to five posting lists. For ``match="any"`` (an OR of
every word) that was nearly all of a search. Here each posting list is read
a block at a time into a dict of scores, and And/Or/AndMaybe/AndNot become
dict operations; an And hands the articles still in play to its next clause,
which then skips (without decompressing) the blocks that hold none of them.

The scores are Whoosh's own (``scoring.BM25F`` with the searcher's B and K1,
IDF and average lengths from the whole index); ``tests/test_evaluate.py``
checks them against Whoosh's matchers. Other query shapes (phrases) are run
through Whoosh's matcher for that part only. Whoosh's own AndNot is not used:
it keeps an excluded article when the exclusion's first posting comes before
the first match (``قوات النظام -داعش`` returned an article naming داعش).

This reads Whoosh's posting blocks and length columns through private
attributes of whoosh-reloaded 2.7.5 (pinned in setup.cfg).
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Set as AbstractSet
from typing import Any

from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from arsearch.blocks import block_ids, block_weights, next_block
from arsearch.filters import RangeUnion
from arsearch.writer import column_lengths

Scores = dict[int, float]
_lengths: weakref.WeakKeyDictionary[Any, dict[str, list[int]]] = weakref.WeakKeyDictionary()


class _Within:
    """The articles still in play: a set to test, a sorted list to skip blocks by.

    ``docnums`` is the keys view of the scores so far (not copied: those
    scores gain no keys while the next clause runs).
    """

    def __init__(self, docnums: AbstractSet[int]) -> None:
        self.set = docnums
        self.sorted = sorted(docnums)


def evaluate(searcher: Any, query: wq.Query) -> Scores:
    """Every match of ``query`` with its score, by top-level docnum."""
    scores: Scores = {}
    for leaf, offset in searcher.leaf_searchers():
        found = _evaluate(query, leaf, searcher, None)
        deleted = leaf.reader().deleted_docs_set
        if not (offset or deleted or scores):  # the first segment, nothing deleted: as is
            scores = found
            continue
        for docnum, score in found.items():
            if docnum not in deleted:
                scores[docnum + offset] = score
    return scores


def _evaluate(query: wq.Query, leaf: Any, top: Any, within: _Within | None) -> Scores:
    kind = type(query)
    if kind is wq.Term:
        return _term(query, leaf, top, within)
    if kind is wq.Or:
        parts = sorted((_evaluate(q, leaf, top, within) for q in query.subqueries),
                       key=len, reverse=True)
        if not parts:
            return {}
        merged = parts[0]
        for part in parts[1:]:
            for docnum, score in part.items():
                merged[docnum] = merged.get(docnum, 0.0) + score
        return _boosted(merged, query.boost)
    if kind is wq.And:
        reader = leaf.reader()
        clauses = sorted(query.subqueries, key=lambda q: q.estimate_size(reader))
        if not clauses:
            return {}
        result = _evaluate(clauses[0], leaf, top, within)
        for clause in clauses[1:]:
            if not result:
                return {}
            part = _evaluate(clause, leaf, top, _Within(result.keys()))
            result = {d: s + part[d] for d, s in result.items() if d in part}
        return _boosted(result, query.boost)
    if kind is wq.AndMaybe:
        result = _evaluate(query.a, leaf, top, within)
        if result:
            for docnum, score in _evaluate(query.b, leaf, top, _Within(result.keys())).items():
                if docnum in result:
                    result[docnum] += score
        return result
    if kind is wq.AndNot:
        result = _evaluate(query.a, leaf, top, within)
        if result:
            for docnum in _evaluate(query.b, leaf, top, _Within(result.keys())):
                result.pop(docnum, None)
        return result
    if kind is RangeUnion:
        ids = query.matcher(leaf).all_ids()
        return {d: 0.0 for d in ids if within is None or d in within.set}
    if query is wq.NullQuery:
        return {}
    return _by_whoosh(query, leaf, top, within)


def _by_whoosh(query: wq.Query, leaf: Any, top: Any, within: _Within | None) -> Scores:
    """Matches and scores of any other query (phrases) from Whoosh's matcher."""
    matcher = query.matcher(leaf, top.context())
    wanted = within.set if within is not None else None
    scores: Scores = {}
    while matcher.is_active():
        docnum = matcher.id()
        if wanted is None or docnum in wanted:
            scores[docnum] = matcher.score()
        matcher.next()
    return scores


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost != 1.0:
        for docnum in scores:
            scores[docnum] *= boost
    return scores


def _term(query: wq.Term, leaf: Any, top: Any, within: _Within | None) -> Scores:
    """The postings of one term, scored as Whoosh's BM25F (or by weight, unscored fields)."""
    if query.fieldname not in leaf.schema:
        return {}
    field = leaf.schema[query.fieldname]
    try:
        btext = field.to_bytes(query.text)
    except ValueError:
        return {}
    reader = leaf.reader()
    try:
        matcher = reader.postings(query.fieldname, btext)
    except TermNotFound:
        return {}
    if isinstance(matcher, FilterMatcher):  # deletions: removed once, in evaluate()
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):  # not the on-disk codec
        return _by_whoosh(query, leaf, top, within)
    if field.scorable:
        idf, k1, b, avgfl = _bm25_statistics(top, leaf, query.fieldname, btext)
        lengths = _field_lengths(reader, query.fieldname)
        idf *= query.boost
        k1_plus_1 = k1 + 1
        fixed = k1 * (1 - b)
        per_length = k1 * b / avgfl
    scores: Scores = {}
    wanted = within.set if within is not None else None
    last_max = -1
    while matcher.is_active():
        block_max = matcher._maxid
        if within is not None:
            first = bisect_right(within.sorted, last_max)
            if first == len(within.sorted):
                break
            if within.sorted[first] > block_max:  # no article in play in this block
                last_max = block_max
                next_block(matcher)
                continue
        pairs = zip(block_ids(matcher), block_weights(matcher), strict=True)
        if wanted is not None:
            pairs = ((d, w) for d, w in pairs if d in wanted)
        if field.scorable:
            # bm25(idf, tf, fl, avgfl, B, K1) of whoosh.scoring, with boost folded into idf
            for docnum, tf in pairs:
                scores[docnum] = idf * (tf * k1_plus_1) / (
                    tf + fixed + per_length * lengths[docnum])
        else:
            for docnum, weight in pairs:
                scores[docnum] = weight * query.boost
        last_max = block_max
        next_block(matcher)
    return scores


def _bm25_statistics(top: Any, leaf: Any, fieldname: str, btext: bytes
                     ) -> tuple[float, float, float, float]:
    """(idf, K1, B, average field length), as Whoosh's ``BM25FScorer`` takes them.

    The scorer itself also looks the term up again in the segment, for a
    best-possible score this module never uses: per term and segment, that
    was a third of the term-dictionary reads of a search on a 10-segment index.
    """
    weighting = top.weighting
    if type(weighting) is scoring.BM25F:
        return (top.idf(fieldname, btext), weighting.K1,
                weighting._field_B.get(fieldname, weighting.B),
                top.avg_field_length(fieldname) or 1)
    scorer = weighting.scorer(leaf, fieldname, btext)
    return scorer.idf, scorer.K1, scorer.B, scorer.avgfl


def _field_lengths(reader: Any, fieldname: str) -> list[int]:
    """Every article's length in ``fieldname`` in one segment, decoded once per reader."""
    cached = _lengths.setdefault(reader, {})
    if fieldname not in cached:
        cached[fieldname] = column_lengths(reader._perdoc, fieldname, reader.doc_count_all())
    return cached[fieldname]
