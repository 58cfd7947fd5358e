"""One shard of a sharded index: an ordinary arsearch index, plus what a coordinator
asks of a shard during a two-phase search.

Every method takes and returns plain values, so a shard can live in the
calling process or in a Ray actor (``arsearch.cluster.backends``) alike. It is
opened as any index is (``Index.open``: the engine's checksums and safe
loader), whichever machine opens it.

Besides the index, a shard keeps ``sequence.sqlite``: each article's ingest
sequence number, given by the coordinator in the order the articles came in.
A single index ranks equal scores (and, without words, equal dates) in the
order its articles were added; across shards that order is the sequence
number, so a sharded index breaks ties as the single index does.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from arsearch.engine.globalstats import TermStats, evaluate_with, newest_with_ties, shard_statistics
from arsearch.engine.schema import content_hash
from arsearch.index import FACETS, Index, _Compiled, _names
from arsearch.ingest import IngestReport, Target
from arsearch.models import Article, Hit

SEQUENCE_FILE = "sequence.sqlite"
#: Facets whose discovered entities show the name most matches write.
NAME_FACETS = ("actors", "places")
#: The sequence of an article that has none recorded (added to the shard directly):
#: after every recorded one, in the shard's own order.
UNSEQUENCED = 1 << 62

#: The arguments of a search, as the coordinator passes them on.
SearchArgs = dict[str, Any]
#: A candidate for the merged ranking: (score or date, sequence, article id).
Candidate = tuple[Any, int, str]


class Shard(Index):
    """A shard: an ``Index`` plus the shard side of ingest and of two-phase search."""

    _compiled_cache: dict[str, _Compiled]

    def _compiled(self, args: SearchArgs) -> _Compiled:
        """The search compiled (kept for the second phase of the same search)."""
        cache = self.__dict__.setdefault("_compiled_cache", {})
        key = repr(sorted(args.items()))
        if key not in cache:
            if len(cache) > 16:
                cache.clear()
            # A prefix expands to the whole index's words (the coordinator's
            # ``expansions``), as in a single index, not to this shard's own.
            given = {(fieldname, prefix, limit): found
                     for fieldname, prefix, limit, found in args.get("expansions", ())}

            def expand(fieldname: str, prefix: str, limit: int) -> list[tuple[str, int]]:
                found = given.get((fieldname, prefix, limit))
                return [(term, n) for term, n in found] if found is not None else \
                    self.terms(fieldname, prefix, limit)

            cache[key] = self._compile(
                args.get("query"), args.get("actor"), args.get("place"), args.get("date"),
                args.get("published"), args.get("match", "all"), args.get("syntax", True),
                expand)
        return cache[key]

    def add_gazetteer(self, path: str | os.PathLike[str]) -> None:
        """``Index.add_gazetteer``; filters compiled before it are compiled again."""
        super().add_gazetteer(path)
        self.__dict__.pop("_compiled_cache", None)

    @contextlib.contextmanager
    def _sequence(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path / SEQUENCE_FILE)
        try:
            with connection:
                connection.execute("CREATE TABLE IF NOT EXISTS sequence "
                                   "(id TEXT PRIMARY KEY, digest TEXT, seq INTEGER)")
                yield connection
        finally:
            connection.close()

    def _sequence_of(self, ids: list[str]) -> dict[str, int]:
        return {article_id: seq for article_id, (seq, _) in self._recorded(ids).items()}

    def _recorded(self, ids: list[str]) -> dict[str, tuple[int, str]]:
        """The (sequence number, content digest) recorded for each of ``ids`` held here."""
        found: dict[str, tuple[int, str]] = {}
        with self._sequence() as db:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                found.update((article_id, (seq, digest)) for article_id, seq, digest in db.execute(
                    f"SELECT id, seq, digest FROM sequence WHERE id IN ({marks})", chunk))
        return found

    # --- ingest ----------------------------------------------------------

    def last_sequence(self) -> int:
        """The highest sequence number recorded here (-1 if none)."""
        with self._sequence() as db:
            value = db.execute("SELECT max(seq) FROM sequence").fetchone()[0]
        return -1 if value is None else int(value)

    def add(self, items: list[tuple[int, Article]], jobs: int = 1,
            since: int | None = None) -> IngestReport:
        """Index (sequence number, article) pairs as one commit.

        The sequence numbers are recorded first; an article whose content is
        unchanged keeps its old number, as it keeps its place in a single index.
        ``since``: the first number of this ingest, whose readers may send an id's
        records out of order (``arsearch.cluster.reading``): an article is dropped
        if this ingest already wrote a later record of its id. A dropped article
        is counted as replaced (or unchanged, if the later record has its content),
        as it would be had the records come in order: the counts of an ingest do
        not depend on which reader ran first.
        """
        salt = self._gazetteer_digest()
        superseded = IngestReport()
        if since is not None:
            held = self._recorded([article.id for _, article in items])
            kept = []
            for seq, article in items:
                later, digest = held.get(article.id, (-1, ""))
                if not since <= later > seq:
                    kept.append((seq, article))
                elif content_hash(article, salt) == digest:
                    superseded.unchanged += 1
                else:
                    superseded.replaced += 1
            items = kept
            if not items:
                return superseded
        with self._sequence() as db:
            db.executemany(
                "INSERT INTO sequence VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                "digest = excluded.digest, seq = excluded.seq "
                "WHERE digest IS NOT excluded.digest",
                [(a.id, content_hash(a, salt), seq) for seq, a in items])
        numbers = {article.id: seq for seq, article in items}
        # The shard's own record of the order (its segments' column) holds the
        # coordinator's numbers too, so facets choose within a shard as across them.
        self.__dict__["_numbers"] = numbers
        try:
            report = self.add_articles([article for _, article in items], jobs=jobs,
                                       batch_size=len(items) + 1, merge=False)
            report.replaced += superseded.replaced
            report.unchanged += superseded.unchanged
            return report
        finally:
            self.__dict__.pop("_numbers", None)

    def _target(self) -> Target:
        """``Index._target``, numbering articles as ``add`` was given them."""
        target = super()._target()
        numbers = self.__dict__.get("_numbers")
        return target if numbers is None else replace(target, sequence=numbers.get)

    # --- two-phase search ------------------------------------------------

    def statistics(self, args: SearchArgs) -> tuple[dict[str, Any], TermStats | None]:
        """Phase one: what the search is (terms, parsed query, highlights, filters,
        whether it has a query at all) and this shard's statistics of its terms."""
        compiled = self._compiled(args)
        described = {"terms": compiled.terms, "parsed": compiled.parsed,
                     "highlight": compiled.highlight, "filters": compiled.filters,
                     "empty": compiled.query is None}
        if compiled.query is None or not compiled.terms:
            return described, None
        return described, shard_statistics(self._view(), compiled.query)

    def candidates(self, args: SearchArgs, limit: int | None, stats: TermStats | None
                   ) -> tuple[list[Candidate], int]:
        """Phase two: this shard's best ``limit`` matches (all with None), scored with the
        whole index's ``stats``, plus every match tied with the last; and its match count.

        Without words (``stats`` None), the newest matches, by date, score 0.
        """
        compiled = self._compiled(args)
        if compiled.query is None:
            return [], 0
        view = self._view()
        if stats is None:
            pairs, total = newest_with_ties(view, compiled.query, limit)
            return self._with_sequence([(date, docnum) for docnum, date in pairs]), total
        matches = evaluate_with(view, compiled.query, stats)
        docnums, scores = matches.docnums, matches.scores
        total = len(docnums)
        if limit is not None and total > limit > 0:
            cutoff = np.partition(scores, total - limit)[total - limit]
            keep = np.flatnonzero(scores >= cutoff)
            docnums, scores = docnums[keep], scores[keep]
        return self._with_sequence(list(zip(scores.tolist(), docnums.tolist(),
                                            strict=True))), total

    def _with_sequence(self, keyed: list[tuple[Any, int]]) -> list[Candidate]:
        view = self._view()
        ids = [view.stored(docnum)["id"] for _, docnum in keyed]
        sequence = self._sequence_of(ids)
        return [(key, sequence.get(article_id, UNSEQUENCED + docnum), article_id)
                for (key, docnum), article_id in zip(keyed, ids, strict=True)]

    def hits(self, scored: list[tuple[str, float]], highlight: set[str]) -> list[Hit]:
        """The hits of (id, score) pairs, with snippets (ids no longer here are left out)."""
        view = self._view()
        found = []
        for article_id, score in scored:
            stored = view.find("id", article_id)
            if stored is not None:
                found.append(self._hit(stored, score, highlight))
        return found

    def rows(self, scored: list[tuple[str, float]]) -> list[dict[str, Any]]:
        """Export rows of (id, score) pairs (``Index.documents``' fields)."""
        view = self._view()
        found = []
        for article_id, score in scored:
            stored = view.find("id", article_id)
            if stored is None:
                continue
            mentions = stored.get("mentions") or {}
            found.append({
                "id": stored["id"], "title": stored.get("title") or "",
                "published": stored.get("published"), "source": stored.get("source"),
                "author": stored.get("author"), "url": stored.get("url"),
                "score": round(score, 4),
                "actors": _names(mentions, "actors"), "places": _names(mentions, "places"),
                "dates": list(mentions.get("dates", [])), "text": stored.get("text", ""),
            })
        return found

    def matching(self, args: SearchArgs) -> int:
        """How many articles of this shard match."""
        compiled = self._compiled(args)
        return 0 if compiled.query is None else len(self._view().matches(compiled.query))

    def name_occurrences(self, args: SearchArgs) -> dict[str, dict[str, int]]:
        """Facets, phase one: for actors and places, how often the matches of this
        shard write each name of each entity ({"id\x1fname": pairs}), so that the
        coordinator picks the name most matches of the whole index write."""
        compiled = self._compiled(args)
        if compiled.query is None:
            return {name: {} for name in NAME_FACETS}
        tallies = self._view().tallies(compiled.query, [FACETS[n] for n in NAME_FACETS])
        return {name: tallies[FACETS[name]].occurrences() for name in NAME_FACETS}

    def facet_counts(self, args: SearchArgs, written: dict[str, dict[str, str]] | None = None
                     ) -> dict[str, dict[str, Any]]:
        """Facet counts of this shard: {facet: {label: n}}; sources as
        {source_key: [n, spelling, sequence of the article spelled so]}. ``written``:
        per facet, the name each discovered entity shows (phase one's choice)."""
        compiled = self._compiled(args)
        if compiled.query is None:
            return {name: {} for name in FACETS}
        view = self._view()
        tallies = view.tallies(compiled.query, list(FACETS.values()))
        counts: dict[str, dict[str, Any]] = {}
        for name, fieldname in FACETS.items():
            if name != "sources":
                chosen = (written or {}).get(name) if name in NAME_FACETS else None
                counts[name] = self._facet(name, tallies[fieldname], view, chosen)
                continue
            found = {key: (n, view.first_ingested("source_key", key) or {}) for key, n in
                     tallies[fieldname].articles_by(lambda value: value or None).items()}
            sequence = self._sequence_of([stored.get("id", "") for _, stored in found.values()])
            counts[name] = {key: [n, stored.get("source") or key,
                                  sequence.get(stored.get("id", ""), UNSEQUENCED)]
                            for key, (n, stored) in found.items()}
        return counts

    def counts_by(self, args: SearchArgs, fieldname: str,
                  key: Callable[[str], str | None] | None) -> dict[str, int]:
        """``SearchResults.count_by`` of this shard."""
        compiled = self._compiled(args)
        return {} if compiled.query is None else self._count_by(compiled.query, fieldname, key)

    # --- the rest --------------------------------------------------------

    def terms_near(self, fieldname: str, term: str, maxdist: int) -> list[tuple[str, int]]:
        """Indexed terms within ``maxdist`` edits of ``term``, with their article counts."""
        return self._view().terms_within(fieldname, term, maxdist)

    def size(self) -> int:
        """Articles in this shard."""
        return len(self)

    def location(self) -> str:
        """The shard's directory, as this process sees it."""
        return str(Path(self.path))
