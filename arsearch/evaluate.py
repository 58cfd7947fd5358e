"""Term-at-a-time evaluation of the queries arsearch builds, with Whoosh's BM25F scores.

Whoosh scores one document at a time through a tree of pure-Python matchers:
every match passes through a few method calls per level of the tree, and a
word is an OR of three to five posting lists. For ``match="any"`` (an OR of
every word) that was nearly all of a search. Here each segment's matches are
two arrays as long as the segment (matched or not, score), and a posting list
is decoded whole into arrays of docnums and frequencies: BM25 scoring and
And/Or/AndMaybe/AndNot become a few numpy operations instead of a Python step
per posting, which, even with dicts, was two thirds of an any-word search. An
And hands the articles still in play to its next clause, which then skips
(without decompressing) the blocks that hold none of them.

The scores are Whoosh's own (``scoring.BM25F`` with the searcher's B and K1,
IDF and average lengths from the whole index), computed in the same order of
floating-point operations; ``tests/test_evaluate.py`` checks them against
Whoosh's matchers. Other query shapes (phrases) are run through Whoosh's
matcher for that part only. Whoosh's own AndNot is not used: it keeps an
excluded article when the exclusion's first posting comes before the first
match (``قوات النظام -داعش`` returned an article naming داعش).

This reads Whoosh's posting blocks and length columns through private
attributes of whoosh-reloaded 2.7.5 (pinned in setup.cfg).
"""

from __future__ import annotations

import pickle
import weakref
import zlib
from collections.abc import Iterator
from itertools import chain, repeat
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from arsearch.blocks import block_heads, posting_bytes
from arsearch.filters import RangeUnion
from arsearch.writer import column_lengths

_norms: weakref.WeakKeyDictionary[Any, dict[tuple, np.ndarray]] = weakref.WeakKeyDictionary()


class Matches:
    """The matches of a query: docnums (ascending) and their scores, as arrays."""

    __slots__ = ("docnums", "scores")

    def __init__(self, docnums: np.ndarray, scores: np.ndarray) -> None:
        self.docnums = docnums
        self.scores = scores

    def __len__(self) -> int:
        return len(self.docnums)

    def __iter__(self) -> Iterator[int]:
        return iter(self.docnums.tolist())

    def as_dict(self) -> dict[int, float]:
        """docnum -> score."""
        return dict(zip(self.docnums.tolist(), self.scores.tolist(), strict=True))


class _Part:
    """The matches of a (sub)query in one segment: a mask and scores (0 where unmatched)."""

    __slots__ = ("matched", "scores")

    def __init__(self, size: int) -> None:
        self.matched = np.zeros(size, dtype=bool)
        self.scores = np.zeros(size)


def evaluate(searcher: Any, query: wq.Query) -> Matches:
    """Every match of ``query`` with its score, by top-level docnum."""
    docnums: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for leaf, offset in searcher.leaf_searchers():
        part = _evaluate(query, leaf, searcher, None)
        deleted = leaf.reader().deleted_docs_set
        if deleted:
            part.matched[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
        found = np.flatnonzero(part.matched)
        scores.append(part.scores[found])
        docnums.append(found + offset if offset else found)
    if len(docnums) == 1:
        return Matches(docnums[0], scores[0])
    if not docnums:
        return Matches(np.zeros(0, dtype=np.int64), np.zeros(0))
    return Matches(np.concatenate(docnums), np.concatenate(scores))


def _evaluate(query: wq.Query, leaf: Any, top: Any, within: np.ndarray | None) -> _Part:
    """Matches of ``query`` in one segment.

    ``within`` (sorted docnums) are the only articles the caller will look at:
    a clause may then skip blocks of postings that hold none of them.
    """
    kind = type(query)
    size = leaf.reader().doc_count_all()
    if kind is wq.Or or kind is wq.Term:
        part = _Part(size)
        _add(query, leaf, top, within, part, 1.0)
        return part
    if kind is wq.And:
        reader = leaf.reader()
        clauses = sorted(query.subqueries, key=lambda q: q.estimate_size(reader))
        if not clauses:
            return _Part(size)
        result = _evaluate(clauses[0], leaf, top, within)
        for clause in clauses[1:]:
            in_play = np.flatnonzero(result.matched)
            if not len(in_play):
                break
            other = _evaluate(clause, leaf, top, in_play)
            result.matched &= other.matched
            result.scores = np.where(result.matched, result.scores + other.scores, 0.0)
        if query.boost != 1.0:
            result.scores *= query.boost
        return result
    if kind is wq.AndMaybe:
        result = _evaluate(query.a, leaf, top, within)
        in_play = np.flatnonzero(result.matched)
        if len(in_play):
            extra = _evaluate(query.b, leaf, top, in_play)
            result.scores += np.where(result.matched, extra.scores, 0.0)
        return result
    if kind is wq.AndNot:
        result = _evaluate(query.a, leaf, top, within)
        in_play = np.flatnonzero(result.matched)
        if len(in_play):
            result.matched &= ~_evaluate(query.b, leaf, top, in_play).matched
            result.scores[~result.matched] = 0.0
        return result
    part = _Part(size)
    if kind is RangeUnion:
        ids = list(query.matcher(leaf).all_ids())
        part.matched[ids] = True
    elif query is not wq.NullQuery:
        _by_whoosh(query, leaf, top, part, 1.0)
    return part


def _add(query: wq.Query, leaf: Any, top: Any, within: np.ndarray | None, into: _Part,
         factor: float) -> None:
    """Add the matches of ``query`` to ``into``, their scores times ``factor``.

    An Or's words and a word's fields add up in one pair of arrays, largest
    posting list first.
    """
    kind = type(query)
    if kind is wq.Term:
        _term(query, leaf, top, within, into, factor)
    elif kind is wq.Or:
        reader = leaf.reader()
        for sub in sorted(query.subqueries, key=lambda q: q.estimate_size(reader),
                          reverse=True):
            _add(sub, leaf, top, within, into, factor * query.boost)
    else:
        part = _evaluate(query, leaf, top, within)
        into.matched |= part.matched
        into.scores += part.scores * factor if factor != 1.0 else part.scores


def _by_whoosh(query: wq.Query, leaf: Any, top: Any, into: _Part, factor: float) -> None:
    """Matches and scores of any other query (phrases) from Whoosh's matcher."""
    matcher = query.matcher(leaf, top.context())
    ids: list[int] = []
    scores: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        scores.append(matcher.score())
        matcher.next()
    into.matched[ids] = True
    into.scores[ids] += np.array(scores) * factor if factor != 1.0 else scores


def _term(query: wq.Term, leaf: Any, top: Any, within: np.ndarray | None, into: _Part,
          factor: float) -> None:
    """Add the postings of one term, scored as Whoosh's BM25F (by weight if unscored)."""
    if query.fieldname not in leaf.schema:
        return
    field = leaf.schema[query.fieldname]
    try:
        btext = field.to_bytes(query.text)
    except ValueError:
        return
    reader = leaf.reader()
    try:
        matcher = reader.postings(query.fieldname, btext)
    except TermNotFound:
        return
    if isinstance(matcher, FilterMatcher):  # deletions: removed once, in evaluate()
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher) or matcher._byteids:  # not the on-disk codec
        _by_whoosh(query, leaf, top, into, factor)
        return
    ids, tfs = _postings(posting_bytes(matcher), within)
    boost = query.boost * factor
    into.matched[ids] = True
    if not field.scorable:
        into.scores[ids] += tfs * boost
        return
    # bm25(idf, tf, fl, avgfl, B, K1) of whoosh.scoring is idf * tf * (K1 + 1) / (tf + norm),
    # the norm depending on the article's length in the field only.
    idf, k1, b, avgfl = _bm25_statistics(top, leaf, query.fieldname, btext)
    norms = _field_norms(reader, query.fieldname, k1, b, avgfl)
    into.scores[ids] += idf * boost * (k1 + 1) * tfs / (tfs + norms[ids])


def _postings(raw: bytes, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Docnums and weights of a term's postings, only from blocks ``within`` reaches."""
    heads = block_heads(raw)
    lasts = [last for _, last, _, _, _ in heads]
    if within is not None:
        ends = np.searchsorted(within, lasts, side="right")
        starts = np.searchsorted(within, [-1, *lasts[:-1]], side="right")
        wanted = (ends > starts).tolist()
        heads = [head for head, keep in zip(heads, wanted, strict=True) if keep]
        lasts = [last for last, keep in zip(lasts, wanted, strict=True) if keep]
    deltas = []
    weights: list[Any] = []
    for count, _, compression, start, end in heads:
        data = raw[start:end]
        block_deltas, block_weights, _ = pickle.loads(zlib.decompress(data) if compression
                                                      else data)
        deltas.append(block_deltas)
        if block_weights is None:
            block_weights = repeat(1.0, count)
        elif isinstance(block_weights, float):
            block_weights = repeat(block_weights, count)
        weights.append(block_weights)
    total = sum(count for count, _, _, _, _ in heads)
    ids = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=total)
    # A block's first delta counts from 0: from the previous block's last docnum
    # instead, one cumulative sum gives every docnum.
    block_starts = np.cumsum([len(d) for d in deltas[:-1]], dtype=np.int64)
    ids[block_starts] -= np.array(lasts[:-1], dtype=np.int64)
    np.cumsum(ids, out=ids)
    return ids, np.fromiter(chain.from_iterable(weights), dtype=np.float64, count=total)


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


def _field_norms(reader: Any, fieldname: str, k1: float, b: float, avgfl: float
                 ) -> np.ndarray:
    """Each article's BM25 length norm, K1 * (1 - B) + K1 * B / avgfl * length, in a segment.

    Computed once per reader, field and statistics.
    """
    cached = _norms.setdefault(reader, {})
    key = (fieldname, k1, b, avgfl)
    if key not in cached:
        lengths = column_lengths(reader._perdoc, fieldname, reader.doc_count_all())
        cached[key] = k1 * (1 - b) + (k1 * b / avgfl) * np.array(lengths, dtype=np.float64)
    return cached[key]
