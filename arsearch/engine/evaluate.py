"""Term-at-a-time evaluation of the queries arsearch builds, with Whoosh's BM25F scores.

Whoosh scores one document at a time through a tree of pure-Python matchers:
every match passes through a few method calls per level of the tree, and a
word is an OR of three to five posting lists, so for ``match="any"`` (an OR of
every word) the matchers would be nearly all of a search. Here each segment's
matches are two arrays as long as the segment (matched or not, score), and a
posting list is decoded whole into arrays of docnums and frequencies: BM25
scoring and And/Or/AndMaybe/AndNot/DisjunctionMax become a few numpy
operations instead of a Python step per posting. An And hands the articles
still in play to its next clause, which then skips (without decompressing)
the blocks that hold none of them.

The queries are those ``arsearch.engine.compile.to_whoosh`` builds from a
parsed query tree.

The scores are Whoosh's own (``scoring.BM25F`` with the searcher's B and K1,
IDF and average lengths from the whole index), computed in the same order of
floating-point operations; ``tests/engine/test_evaluate.py`` checks them against
Whoosh's matchers. A DisjunctionMax of terms (a word's readings) scores each
article by its best reading; Whoosh's own matcher for it does not always (where
one reading is absent it may take that reading's score at another article).
Other query shapes (phrases) are run through Whoosh's matcher for that part
only. Whoosh's own AndNot is not used: it keeps an excluded article when the
exclusion's first posting comes before the first match (``قوات النظام -داعش``
would return an article naming داعش).

This reads Whoosh's posting blocks and length columns through private
attributes of whoosh-reloaded 2.7.5 (pinned in setup.cfg).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from itertools import chain
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.reading import SegmentReader, TermNotFound

from arsearch.engine.blocks import block_arrays, block_data, block_heads, posting_bytes
from arsearch.engine.ranges import RangeUnion
from arsearch.engine.writer import column_lengths

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


#: A term as looked up in a segment: its field, bytes and term info (None: absent).
_Found = tuple[Any, bytes, Any] | None


class _Segment:
    """One segment during one evaluation, with the terms looked up in it so far.

    Ordering a query's clauses by size, reading a term's postings and taking
    its statistics each need the term's entry in the segment's term table
    (through Whoosh: three lookups per term and, for the matcher, a dozen small
    reads of its first block header). Here a term is looked up once and its
    postings read in one read.
    """

    __slots__ = ("leaf", "top", "reader", "size", "direct", "found", "_scratch")

    def __init__(self, leaf: Any, top: Any) -> None:
        self.leaf = leaf
        self.top = top
        self.reader = leaf.reader()
        self.size = self.reader.doc_count_all()
        # Postings are read straight from the W3 codec's files; any other
        # reader goes through Whoosh's matchers.
        self.direct = (type(self.reader) is SegmentReader
                       and type(self.reader._terms) is W3TermsReader)
        self.found: dict[tuple[str, Any], _Found] = {}
        self._scratch: np.ndarray | None = None

    def scratch(self) -> np.ndarray:
        """A zeroed array as long as the segment, to be zeroed again after use."""
        if self._scratch is None:
            self._scratch = np.zeros(self.size)
        return self._scratch

    def lookup(self, query: wq.Term) -> _Found:
        """(field, term bytes, term info) of a term query, or None if the segment lacks it."""
        key = (query.fieldname, query.text)
        if key not in self.found:
            self.found[key] = self._lookup(query)
        return self.found[key]

    def _lookup(self, query: wq.Term) -> _Found:
        if query.fieldname not in self.leaf.schema:
            return None
        field = self.leaf.schema[query.fieldname]
        try:
            btext = field.to_bytes(query.text)
            return field, btext, self.reader.term_info(query.fieldname, btext)
        except (ValueError, TermNotFound):
            return None

    def size_of(self, query: wq.Query) -> int:
        """How many articles ``query`` may match here (to order clauses), or in the
        whole index for a shard scored with global statistics
        (``arsearch.engine.globalstats``): the same order, so the same sums."""
        global_size = getattr(self.top, "global_size", None)
        if global_size is not None:
            return global_size(query)
        if type(query) is wq.Term:
            found = self.lookup(query)
            return found[2].doc_frequency() if found is not None else 0
        return query.estimate_size(self.reader)


def evaluate(searcher: Any, query: wq.Query) -> Matches:
    """Every match of ``query`` with its score, by top-level docnum."""
    docnums: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for leaf, offset in searcher.leaf_searchers():
        seg = _Segment(leaf, searcher)
        part = _evaluate(query, seg, None)
        reader = seg.reader
        if reader.has_deletions():  # an empty index's reader has no deletion set at all
            deleted = reader.deleted_docs_set
            part.matched[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
        found = np.flatnonzero(part.matched)
        scores.append(part.scores[found])
        docnums.append(found + offset if offset else found)
    if len(docnums) == 1:
        return Matches(docnums[0], scores[0])
    if not docnums:
        return Matches(np.zeros(0, dtype=np.int64), np.zeros(0))
    return Matches(np.concatenate(docnums), np.concatenate(scores))


def _evaluate(query: wq.Query, seg: _Segment, within: np.ndarray | None) -> _Part:
    """Matches of ``query`` in one segment.

    ``within`` (sorted docnums) are the only articles the caller will look at:
    a clause may then skip blocks of postings that hold none of them.
    """
    kind = type(query)
    if kind is wq.Every and query.fieldname in (None, "", "*"):
        # Every article, scored with the query's boost as Whoosh's matcher scores it
        # (deletions are removed by ``evaluate``), without a call per article.
        part = _Part(seg.size)
        part.matched[:] = True
        part.scores[:] = query.boost
        return part
    if kind is wq.Or or kind is wq.Term or _is_readings(query):
        part = _Part(seg.size)
        _add(query, seg, within, part, 1.0)
        return part
    if kind is wq.And:
        clauses = sorted(query.subqueries, key=seg.size_of)
        if not clauses:
            return _Part(seg.size)
        result = _evaluate(clauses[0], seg, within)
        for clause in clauses[1:]:
            in_play = np.flatnonzero(result.matched)
            if not len(in_play):
                break
            other = _evaluate(clause, seg, in_play)
            result.matched &= other.matched
            result.scores = np.where(result.matched, result.scores + other.scores, 0.0)
        if query.boost != 1.0:
            result.scores *= query.boost
        return result
    if kind is wq.AndMaybe:
        result = _evaluate(query.a, seg, within)
        in_play = np.flatnonzero(result.matched)
        if len(in_play):
            extra = _evaluate(query.b, seg, in_play)
            result.scores += np.where(result.matched, extra.scores, 0.0)
        return result
    if kind is wq.AndNot:
        result = _evaluate(query.a, seg, within)
        in_play = np.flatnonzero(result.matched)
        if len(in_play):
            result.matched &= ~_evaluate(query.b, seg, in_play).matched
            result.scores[~result.matched] = 0.0
        return result
    part = _Part(seg.size)
    if kind is RangeUnion:
        ids = list(query.matcher(seg.leaf).all_ids())
        part.matched[ids] = True
    elif query is not wq.NullQuery:
        _by_whoosh(query, seg, part, 1.0)
    return part


def _add(query: wq.Query, seg: _Segment, within: np.ndarray | None, into: _Part,
         factor: float) -> None:
    """Add the matches of ``query`` to ``into``, their scores times ``factor``.

    An Or's words and a word's fields add up in one pair of arrays, largest
    posting list first.
    """
    kind = type(query)
    if kind is wq.Term:
        _add_scores(into, _term(query, seg, within), factor)
    elif kind is wq.Or:
        for sub in sorted(query.subqueries, key=seg.size_of, reverse=True):
            _add(sub, seg, within, into, factor * query.boost)
    elif _is_readings(query):
        # Each article's best reading (``tiebreak`` is ignored, as Whoosh ignores it).
        found = [t for q in query.subqueries if (t := _term(q, seg, within)) is not None]
        if len(found) == 1:
            _add_scores(into, found[0], factor * query.boost)
        elif found:
            best = seg.scratch()  # zeros; BM25 scores are positive, so a match is nonzero
            for ids, scores in found:
                best[ids] = np.maximum(best[ids], scores)
            ids = np.flatnonzero(best)
            _add_scores(into, (ids, best[ids]), factor * query.boost)
            best[ids] = 0.0
    else:
        part = _evaluate(query, seg, within)
        into.matched |= part.matched
        into.scores += part.scores * factor if factor != 1.0 else part.scores


def _is_readings(query: wq.Query) -> bool:
    """Whether ``query`` is a DisjunctionMax of terms: a word's readings
    (``arsearch.query.parser.word_query``)."""
    return type(query) is wq.DisjunctionMax and all(type(q) is wq.Term for q in query.subqueries)


def _add_scores(into: _Part, found: tuple[np.ndarray, np.ndarray] | None,
                factor: float) -> None:
    """Add (docnums, scores) to ``into``, the scores times ``factor``."""
    if found is None:
        return
    ids, scores = found
    into.matched[ids] = True
    into.scores[ids] += scores * factor if factor != 1.0 else scores


def _whoosh_scores(query: wq.Query, seg: _Segment) -> tuple[np.ndarray, np.ndarray]:
    """Docnums and scores of any other query (phrases) from Whoosh's matcher."""
    matcher = query.matcher(seg.leaf, seg.top.context())
    ids: list[int] = []
    scores: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        scores.append(matcher.score())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64)


def _by_whoosh(query: wq.Query, seg: _Segment, into: _Part, factor: float) -> None:
    """Add the matches of a query only Whoosh's matcher can run (phrases)."""
    _add_scores(into, _whoosh_scores(query, seg), factor)


def _term(query: wq.Term, seg: _Segment, within: np.ndarray | None
          ) -> tuple[np.ndarray, np.ndarray] | None:
    """Docnums and scores of one term, scored as Whoosh's BM25F (by weight if
    unscored); None if the segment lacks it."""
    found = seg.lookup(query)
    if found is None:
        return None
    field, btext, info = found
    if not seg.direct or info.is_inlined():  # postings not in a W3 posting file
        return _whoosh_scores(query, seg)
    ids, tfs = _postings(posting_bytes(seg.reader._terms._postfile, info), within)
    if not field.scorable:
        return ids, tfs * query.boost
    # bm25(idf, tf, fl, avgfl, B, K1) of whoosh.scoring is idf * tf * (K1 + 1) / (tf + norm),
    # the norm depending on the article's length in the field only.
    idf, k1, b, avgfl = _bm25_statistics(seg.top, seg.leaf, query.fieldname, btext)
    norms = _field_norms(seg.reader, query.fieldname, k1, b, avgfl)
    return ids, idf * query.boost * (k1 + 1) * tfs / (tfs + norms[ids])


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
    found = block_arrays(raw, heads)
    if found is not None:  # read in C; None: left to the twin below
        return np.frombuffer(found[0], dtype=np.int64), np.frombuffer(found[1], dtype=np.float64)
    deltas = []
    weights = []
    for head in heads:
        block_deltas, block_weights, _ = block_data(raw, head)
        deltas.append(block_deltas)
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
    would be a third of the term-dictionary reads of a search on a 10-segment
    index.
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
