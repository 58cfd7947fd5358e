"""Scoring a shard with the statistics of the whole sharded index (two-phase search).

BM25F scores depend on collection statistics: the number of articles, each
term's document frequency and each field's total length. A shard alone would
score with its own, so the same article would score differently sharded and
unsharded. As Elasticsearch's ``dfs_query_then_fetch`` does, a search first
gathers ``TermStats`` from every shard (``shard_statistics``), adds them up,
and then scores each shard with the sums (``evaluate_with``).

The sums equal the statistics of one index holding the same articles, so the
IDF and the average field lengths are computed from the same integers with
the same floating-point operations as Whoosh's (``scoring.WeightingModel.idf``,
``Searcher.avg_field_length``). ``arsearch.engine.evaluate`` adds the scores
of an ``Or``'s and an ``And``'s clauses in the order of their sizes; here the
sizes are the global ones too (``global_size``, the rules of Whoosh's
``estimate_size``), so an article's score is the same sum in the same order
as in a single index of one segment: equal, not merely close.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import log
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from arsearch.engine.evaluate import Matches, evaluate
from arsearch.engine.ranges import RangeUnion
from arsearch.engine.store import Query, View

#: (field name, term bytes)
TermKey = tuple[str, bytes]


@dataclass
class TermStats:
    """Collection statistics of a query's terms, over one shard or added up over all.

    ``documents`` counts articles as Whoosh's ``doc_count_all`` does (deleted
    ones not yet merged away included), ``live`` as ``doc_count``.
    """

    documents: int = 0
    live: int = 0
    field_lengths: dict[str, int] = field(default_factory=dict)
    frequencies: dict[TermKey, int] = field(default_factory=dict)

    def __add__(self, other: TermStats) -> TermStats:
        lengths = dict(self.field_lengths)
        for name, length in other.field_lengths.items():
            lengths[name] = lengths.get(name, 0) + length
        frequencies = dict(self.frequencies)
        for key, n in other.frequencies.items():
            frequencies[key] = frequencies.get(key, 0) + n
        return TermStats(self.documents + other.documents, self.live + other.live,
                         lengths, frequencies)

    @staticmethod
    def total(parts: Iterable[TermStats]) -> TermStats:
        """The statistics of all ``parts`` together."""
        result = TermStats()
        for part in parts:
            result = result + part
        return result


def _to_bytes(schema: Any, fieldname: str, text: str | bytes) -> bytes | None:
    if isinstance(text, bytes):
        return text
    if fieldname not in schema:
        return None
    try:
        return schema[fieldname].to_bytes(text)
    except ValueError:
        return None


def query_terms(query: Query, schema: Any) -> list[TermKey]:
    """The scored terms of a query: its ``Term``s and the words of its phrases
    (date ranges are filters and score nothing)."""
    found: dict[TermKey, None] = {}
    for leaf in [query] if query.is_leaf() else query.leaves():
        if isinstance(leaf, RangeUnion) or type(leaf) is wq.TermRange:
            continue
        if type(leaf) is wq.Term:
            pairs = [(leaf.fieldname, leaf.text)]
        elif type(leaf) is wq.Phrase:
            pairs = [(leaf.fieldname, word) for word in leaf.words]
        else:
            continue
        for fieldname, text in pairs:
            btext = _to_bytes(schema, fieldname, text)
            if btext is not None:
                found[(fieldname, btext)] = None
    return list(found)


def shard_statistics(view: View, query: Query) -> TermStats:
    """The statistics of ``query``'s terms in one index (one shard)."""
    searcher = view.searcher
    reader = searcher.reader()
    schema = searcher.schema
    terms = query_terms(query, schema)
    lengths = {name: reader.field_length(name) for name in {f for f, _ in terms}
               if schema[name].scorable}
    return TermStats(reader.doc_count_all(), reader.doc_count(), lengths,
                     {(name, btext): reader.doc_frequency(name, btext) for name, btext in terms})


class _GlobalSearcher(Searcher):
    """A searcher of one shard whose IDF and average field lengths come from
    ``TermStats`` of the whole index, not from the shard."""

    def __init__(self, reader: Any, weighting: Any, stats: TermStats) -> None:
        self._stats = stats  # before Searcher.__init__, which makes the sub-searchers
        super().__init__(reader, weighting=weighting, closereader=False)

    def _subsearcher(self, reader: Any) -> Searcher:
        # Plain searchers: their get_parent() is this one, which the scorers ask.
        return Searcher(reader, weighting=self.weighting, parent=self)

    def close(self) -> None:
        """Nothing to release: the reader belongs to the shard's view."""

    def doc_count_all(self) -> int:
        return self._stats.documents

    def field_length(self, fieldname: str) -> int:
        return self._stats.field_lengths.get(fieldname, 0)

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float | None:
        if not self.schema[fieldname].scorable:
            return default
        return self.field_length(fieldname) / (self._stats.documents or 1)

    def idf(self, fieldname: str, text: str | bytes) -> float:
        # Whoosh's WeightingModel.idf, with the global counts.
        btext = _to_bytes(self.schema, fieldname, text)
        n = self._stats.frequencies.get((fieldname, btext), 0) if btext is not None else 0
        return log(self._stats.documents / (n + 1)) + 1

    def global_size(self, query: Query) -> int:
        """How many articles of the whole index ``query`` may match, by the rules of
        Whoosh's ``estimate_size`` (read by ``arsearch.engine.evaluate`` to order clauses)."""
        kind = type(query)
        if kind is wq.Term:
            btext = _to_bytes(self.schema, query.fieldname, query.text)
            return self._stats.frequencies.get((query.fieldname, btext), 0)
        if kind in (wq.Or, wq.DisjunctionMax, wq.AndNot, wq.AndMaybe):
            return min(sum(self.global_size(q) for q in query.subqueries), self._stats.live)
        if kind is wq.And or kind is wq.Sequence:
            return min((self.global_size(q) for q in query.subqueries), default=0)
        if kind is wq.Phrase:
            return min((self.global_size(wq.Term(query.fieldname, w)) for w in query.words),
                       default=0)
        if kind is wq.Every:
            return self._stats.live
        # Filters (date ranges) score nothing: where they sort changes no score.
        return 0


def evaluate_with(view: View, query: Query, stats: TermStats) -> Matches:
    """Every match of ``query`` in one shard, scored with the whole index's ``stats``."""
    searcher = view.searcher
    return evaluate(_GlobalSearcher(searcher.reader(), searcher.weighting, stats), query)


def newest_with_ties(view: View, query: Query, limit: int | None
                     ) -> tuple[list[tuple[int, str]], int]:
    """(docnum, publication date or '') of the newest ``limit`` matches of one shard and
    of every match dated as the last of them (all with None), and the number of matches.

    The ties are kept: which of them come first is decided across shards.
    """
    docnums = evaluate(view.searcher, query).docnums.tolist()
    if not docnums:  # an empty shard's reader has no columns
        return [], 0
    column = view.searcher.reader().column_reader("published")

    def date(docnum: int) -> str:
        try:
            return column[docnum] or ""
        except IndexError:  # a segment's column ends at its last dated article
            return ""

    pairs = [(docnum, date(docnum)) for docnum in docnums]
    if limit is not None and len(pairs) > limit:
        cutoff = sorted((d for _, d in pairs), reverse=True)[limit - 1]
        pairs = [pair for pair in pairs if pair[1] >= cutoff]
    return pairs, len(docnums)
