"""``ShardedIndex``: N ordinary arsearch indexes plus a manifest, searched as one.

The coordinator (this class) routes each article to its shard by a stable hash
of its id (``arsearch.cluster.manifest.route``) and numbers the articles in the
order they come (the shards record the numbers: ``arsearch.cluster.shard``).
A search runs in two phases, as Elasticsearch's ``dfs_query_then_fetch``:

1. every shard compiles the query and returns its statistics of the query's
   terms (document count, document frequencies, field lengths);
2. every shard scores its matches with the sums of those statistics
   (``arsearch.engine.globalstats``) and returns its best ``limit``, ties
   included; the coordinator merges them by score, then ingest order, and
   fetches the hits (snippets are made on the shards).

For the same articles this gives the hits, the order and the scores of a
single index of one segment. Counts and facets are added up (an article is
in one shard only). Shards run in this process, or in Ray actors
(``arsearch.cluster.backends``): the API is that of ``arsearch.Index``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from arsearch.cluster.backends import InProcess, RayShards, _unpack
from arsearch.cluster.manifest import MANIFEST_FILE, Manifest, is_sharded, route
from arsearch.cluster.shard import NAME_FACETS, Candidate, SearchArgs, Shard
from arsearch.engine.facets import entity_names
from arsearch.engine.globalstats import TermStats
from arsearch.engine.schema import SCHEMA_VERSION
from arsearch.errors import (
    AnalyzerMismatch,
    ArsearchError,
    DamagedIndex,
    IndexExists,
    IndexNotFound,
    InputError,
    InvalidArgument,
)
from arsearch.extract.gazetteer import Gazetteer
from arsearch.index import (
    FACETS,
    GAZETTEER_DIR,
    IndexInfo,
    SearchResults,
    _check_filters,
    edit_distance,
    recorded_analyzer,
)
from arsearch.ingest import DEFAULT_BATCH, IngestReport, Progress, validate
from arsearch.io.readers import read_paths
from arsearch.maintenance import stored_articles
from arsearch.models import Article, Hit
from arsearch.query.parser import parse_query
from arsearch.text.analyzer import Analyzer, default_analyzer


class ShardedIndex:
    """A sharded index. Use ``arsearch.Index.create(path, shards=N)`` or
    ``arsearch.Index.open(path, cluster=...)``, not the constructor."""

    def __init__(self, path: Path, manifest: Manifest, backend: InProcess | RayShards,
                 analyzer: Analyzer, cluster: str | None) -> None:
        self.path = path
        self.manifest = manifest
        self._backend = backend
        self._analyzer = analyzer
        self.cluster = cluster
        self._gazetteer: Gazetteer | None = None
        self._gazetteer_files: list[str] = []

    # --- lifecycle -------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], shards: int, *, overwrite: bool = False,
               gazetteer: Iterable[str | os.PathLike[str]] = (),
               analyzer: Analyzer | None = None, cluster: str | None = None) -> ShardedIndex:
        """Create an empty sharded index of ``shards`` shards in ``path``.

        Raises:
            IndexExists: there is an index already and ``overwrite`` is false.
            InvalidArgument: ``shards`` is not a positive number.
        """
        if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
            raise InvalidArgument("shards", shards, "a number of shards, 1 or more")
        directory = Path(path)
        if is_sharded(directory) or Shard.exists(directory):
            if not overwrite:
                raise IndexExists(str(directory))
            _remove_index(directory)
        analyzer = analyzer if analyzer is not None else default_analyzer()
        manifest = Manifest.new(shards, analyzer.settings())
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for shard_path in manifest.shard_paths(directory):
                Shard.create(shard_path, overwrite=True, analyzer=analyzer).close()
            manifest.write(directory)  # last: a half-made index is not one
        except OSError as exc:
            raise InputError(str(directory),
                             f"cannot create index: {exc.strerror or exc}") from None
        return cls.open(directory, gazetteer=gazetteer, cluster=cluster)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, cluster: str | None = None,
             gazetteer: Iterable[str | os.PathLike[str]] = (),
             analyzer: Analyzer | None = None) -> ShardedIndex:
        """Open a sharded index; ``cluster`` as for ``arsearch.Index.open``.

        Raises:
            IndexNotFound: ``path`` holds no sharded index.
            DamagedIndex: its manifest is unreadable, or a shard is missing or damaged.
            ClusterUnavailable: ``cluster`` cannot be reached.
            AnalyzerMismatch, SchemaMismatch: as for ``arsearch.Index.open``.
        """
        directory = Path(path)
        if not is_sharded(directory):
            raise IndexNotFound(str(directory))
        manifest = Manifest.read(directory)
        extra = [str(Path(p).resolve()) for p in gazetteer]  # each shard keeps its own copies
        files = [str(p) for p in sorted((directory / GAZETTEER_DIR).glob("*.tsv"))] + extra
        paths = manifest.shard_paths(directory)
        backend: InProcess | RayShards
        if cluster is None:
            backend = InProcess(paths, extra)
        else:
            for shard_path in paths:  # seen from here too on a shared mount: say so now
                if not shard_path.is_dir() and shard_path.parent.is_dir():
                    raise DamagedIndex(str(directory), shard_path.name,
                                       "the shard's directory is missing")
            backend = RayShards([p.resolve() for p in paths], extra, cluster)
        index = cls(directory, manifest, backend, _manifest_analyzer(manifest), cluster)
        index._gazetteer_files = files
        if analyzer is not None and analyzer != index._analyzer:
            index.close()
            raise AnalyzerMismatch(str(directory), "the shards' settings differ")
        return index

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` holds a sharded index."""
        return is_sharded(path)

    @property
    def shards(self) -> int:
        """The number of shards."""
        return self.manifest.shards

    @property
    def analyzer(self) -> Analyzer:
        """The analysis settings every shard was built with."""
        return self._analyzer

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer the shards tag and filter with: the bundled one, the files kept
        with the index and those given to ``open`` (loaded here, for display names)."""
        if self._gazetteer is None:
            self._gazetteer = Gazetteer.load(self._gazetteer_files)
        return self._gazetteer

    def _all(self, method: str, *args: Any) -> list[Any]:
        """``method(*args)`` on every shard; results in shard order."""
        results = self._backend.call({n: (method, args) for n in range(self.shards)})
        return [results[n] for n in range(self.shards)]

    def close(self) -> None:
        """Close the shards (and, on Ray, stop their actors)."""
        self._backend.close()

    def __enter__(self) -> ShardedIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return sum(self._all("size"))

    def __repr__(self) -> str:
        return f"ShardedIndex({str(self.path)!r}, shards={self.shards})"

    def add_gazetteer(self, path: str | os.PathLike[str]) -> None:
        """Keep a user gazetteer file with the index and every shard."""
        target = self.path / GAZETTEER_DIR
        target.mkdir(exist_ok=True)
        self._all("add_gazetteer", str(Path(path).resolve()))
        shutil.copyfile(path, target / Path(path).name)
        self._gazetteer_files.append(str(target / Path(path).name))
        self._gazetteer = None

    def info(self) -> IndexInfo:
        """What the index holds, over all shards (size includes the manifest)."""
        parts = self._all("info")
        firsts = [p.first_published for p in parts if p.first_published]
        lasts = [p.last_published for p in parts if p.last_published]
        return IndexInfo(
            path=str(self.path), documents=sum(p.documents for p in parts),
            size_bytes=sum(p.size_bytes for p in parts)
            + (self.path / MANIFEST_FILE).stat().st_size,
            segments=sum(p.segments for p in parts),
            first_published=min(firsts) if firsts else None,
            last_published=max(lasts) if lasts else None,
            schema_version=SCHEMA_VERSION,
            gazetteer_current=all(p.gazetteer_current for p in parts))

    def check(self) -> list[Any]:
        """``Index.check`` of every shard (a report per shard)."""
        return self._all("check")

    def optimize(self, jobs: int = 1) -> None:
        """Merge each shard's segments into one."""
        self._all("optimize", jobs)

    def merge_segments(self, max_docs: int, jobs: int = 1) -> int:
        """``Index.merge_segments`` on every shard; returns how many segments were merged."""
        return sum(self._all("merge_segments", max_docs, jobs))

    # --- writing ---------------------------------------------------------

    def add_articles(self, articles: Iterable[Article | dict[str, Any] | InputError], *,
                     jobs: int = 1, batch_size: int = DEFAULT_BATCH,
                     progress: Progress | None = None, merge: bool = True) -> IngestReport:
        """Index articles as ``arsearch.Index.add_articles`` does, each in its shard.

        Every ``batch_size`` articles, each shard commits its part (on Ray, all
        at once), so a killed ingest keeps every batch committed before it and
        re-running it skips what was committed. ``jobs``: processes per shard
        in this process (a Ray actor analyses in its own process).
        """
        import time

        report = IngestReport()
        started = time.perf_counter()
        sequence = max(self._all("last_sequence")) + 1
        # Batches as an unsharded ingest makes them (``arsearch.ingest``): keyed by id,
        # a later article of the same id in its place, so both number alike.
        batch: dict[str, Article] = {}
        handled = [0] * self.shards
        for item in articles:
            article = validate(item, report)
            if article is None:
                continue
            batch.pop(article.id, None)
            batch[article.id] = article
            if len(batch) >= batch_size:
                sequence = self._write(batch, sequence, jobs, report, handled, progress)
                batch = {}
        if batch:
            self._write(batch, sequence, jobs, report, handled, progress)
        self._finish(report, handled, jobs, progress, merge, started)
        return report

    def _finish(self, report: IngestReport, handled: list[int], jobs: int,
                progress: Progress | None, merge: bool, started: float) -> None:
        """An ingest's end: each shard merges the segments it wrote (``merge``)."""
        import time

        if merge and any(handled):
            phase = getattr(progress, "phase", None)
            if phase is not None:
                phase("merging segments")
            results = self._backend.call({n: ("merge_segments", (count, jobs))
                                          for n, count in enumerate(handled) if count})
            report.merged = sum(results.values())
        report.seconds = time.perf_counter() - started

    def _write(self, batch: dict[str, Article], sequence: int, jobs: int,
               report: IngestReport, handled: list[int], progress: Progress | None) -> int:
        """Send each shard its part of a batch, numbered from ``sequence`` in the order
        of ingest; returns the next number."""
        pending: dict[int, list[tuple[int, Article]]] = {}
        for number, article in enumerate(batch.values(), start=sequence):
            pending.setdefault(route(article.id, self.shards), []).append((number, article))
        results = self._backend.call({n: ("add", (items, jobs)) for n, items in pending.items()})
        for number, part in results.items():
            handled[number] += report.add_part(part)
        if progress:
            progress(report.handled)
        return sequence + len(batch)

    def add_paths(self, paths: Iterable[str | os.PathLike[str]], *, jobs: int = 1,
                  batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
                  merge: bool = True) -> IngestReport:
        """Index files and directories, analysed on the shards.

        They are read here; on Ray, several files that every node sees at the same
        path are read by reader actors instead, each file once, which send the
        articles to their shards (``arsearch.cluster.reading``).
        """
        if isinstance(paths, str | os.PathLike):
            paths = [paths]
        paths = list(paths)
        if isinstance(self._backend, RayShards):
            report = self._read_on_cluster(paths, jobs, batch_size, progress, merge)
            if report is not None:
                return report
        return self.add_articles(read_paths(paths), jobs=jobs, batch_size=batch_size,
                                 progress=progress, merge=merge)

    def _read_on_cluster(self, paths: list[str | os.PathLike[str]], jobs: int,
                         batch_size: int, progress: Progress | None, merge: bool
                         ) -> IngestReport | None:
        """``add_paths`` with the files read on the cluster, or None (nothing done) when
        there are fewer than two or a reader does not see them as this process does."""
        import time

        from arsearch.cluster import reading

        backend = self._backend
        assert isinstance(backend, RayShards)
        started = time.perf_counter()
        files, bad = reading.shared_files(paths)
        if len(files) < 2:
            return None
        base = max(self._all("last_sequence")) + 1
        readers = reading.start_readers(backend._ray, files, backend.actors,
                                        [str(p) for p in backend.paths], base, batch_size, jobs)
        if readers is None:
            return None
        report = IngestReport()
        handled = [0] * self.shards
        reading.run_readers(backend._ray, readers, report, handled, progress, _unpack, bad)
        self._finish(report, handled, jobs, progress, merge, started)
        return report

    def delete(self, ids: Iterable[str]) -> int:
        """Remove articles by id (each from its shard); returns how many were removed."""
        by_shard: dict[int, list[str]] = {}
        for article_id in ids:
            by_shard.setdefault(route(article_id, self.shards), []).append(article_id)
        results = self._backend.call({n: ("delete", (found,)) for n, found in by_shard.items()})
        return sum(results.values())

    # --- reading ---------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None (asked of its shard only)."""
        number = route(article_id, self.shards)
        return self._backend.call({number: ("get", (article_id,))})[number]

    def search(self, query: str | None = None, *, actor: str | list[str] | None = None,
               place: str | list[str] | None = None, date: str | None = None,
               published: str | None = None, match: str = "all", limit: int | None = 10,
               syntax: bool = True) -> SearchResults:
        """Search every shard as one index (arguments and errors as ``Index.search``)."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 0):
            raise InvalidArgument("limit", limit, "a number of hits, 0 or None for all")
        args = self._with_expansions(
            _search_args(query, actor, place, date, published, match, syntax))
        described, ranked, total = self._ranked(args, limit or None)
        if described["empty"]:
            return SearchResults([], 0, query or "", parsed=described["parsed"],
                                 filters=described["filters"])
        hits = self._fetch("hits", ranked, described["highlight"])
        return SearchResults(
            hits, total, query or "", described["terms"], parsed=described["parsed"],
            filters=described["filters"],
            _count_facets=lambda top: self._facets(args),  # summed in full: exact
            _count_by=lambda name, key: self._counts_by(args, name, key))

    def _ranked(self, args: SearchArgs, limit: int | None
                ) -> tuple[dict[str, Any], list[tuple[int, str, float]], int]:
        """The two phases: (what was searched, (shard, id, score) of the best ``limit``
        matches in order, number of matches)."""
        phase_one = self._all("statistics", args)
        described = phase_one[0][0]
        if described["empty"]:
            return described, [], 0
        stats = TermStats.total(s for _, s in phase_one) if described["terms"] else None
        phase_two = self._all("candidates", args, limit, stats)
        merged: list[tuple[Candidate, int]] = [
            (candidate, number) for number, (found, _) in enumerate(phase_two)
            for candidate in found]
        if stats is not None:  # best score first, then the order of ingest
            merged.sort(key=lambda item: (-item[0][0], item[0][1]))
        else:  # newest first, then the order of ingest; undated last
            merged.sort(key=lambda item: (item[0][0], -item[0][1]), reverse=True)
        if limit is not None:
            merged = merged[:limit]
        ranked = [(number, article_id, float(key) if stats is not None else 0.0)
                  for (key, _, article_id), number in merged]
        return described, ranked, sum(total for _, total in phase_two)

    def _fetch(self, method: str, ranked: list[tuple[int, str, float]], *args: Any
               ) -> list[Any]:
        """``method`` (hits or rows) of ranked (shard, id, score), in rank order."""
        by_shard: dict[int, list[tuple[str, float]]] = {}
        for number, article_id, score in ranked:
            by_shard.setdefault(number, []).append((article_id, score))
        results = self._backend.call({n: (method, (pairs, *args))
                                      for n, pairs in by_shard.items()})
        found: dict[tuple[int, str], Any] = {}
        for number, items in results.items():
            for item in items:
                found[(number, item.id if isinstance(item, Hit) else item["id"])] = item
        return [found[(n, i)] for n, i, _ in ranked if (n, i) in found]

    def documents(self, query: str | None = None, *, actor: str | list[str] | None = None,
                  place: str | list[str] | None = None, date: str | None = None,
                  published: str | None = None, match: str = "all", syntax: bool = True
                  ) -> Iterator[dict[str, Any]]:
        """Every match with its stored fields, in search order (as ``Index.documents``)."""
        args = self._with_expansions(
            _search_args(query, actor, place, date, published, match, syntax))
        described, ranked, _ = self._ranked(args, None)
        return iter(self._fetch("rows", ranked) if not described["empty"] else [])

    def count(self, query: str | None = None, **kwargs: Any) -> int:
        """How many articles match, over all shards (arguments as for ``search``)."""
        args = _search_args(query, kwargs.pop("actor", None), kwargs.pop("place", None),
                            kwargs.pop("date", None), kwargs.pop("published", None),
                            kwargs.pop("match", "all"), kwargs.pop("syntax", True))
        if kwargs:
            raise TypeError(f"count() got unexpected arguments {sorted(kwargs)}")
        return sum(self._all("matching", self._with_expansions(args)))

    def terms(self, fieldname: str, prefix: str = "", limit: int | None = None
              ) -> list[tuple[str, int]]:
        """As ``Index.terms``, over all shards: the first ``limit`` terms in term order
        are among the first ``limit`` of some shard, so each shard lists no more."""
        totals: dict[str, int] = {}
        for part in self._all("terms", fieldname, prefix, limit):
            for term, n in part:
                totals[term] = totals.get(term, 0) + n
        merged = sorted(totals.items())
        return merged if limit is None else merged[:limit]

    def _with_expansions(self, args: SearchArgs) -> SearchArgs:
        """``args`` plus what each prefix of the query (``دا*``) expands to in the whole
        index, so that every shard searches the same words as a single index would,
        not the first words of its own term list."""
        if not args.get("query") or not args.get("syntax", True):
            return args
        expansions: list[tuple[str, str, int | None, list[tuple[str, int]]]] = []

        def expand(fieldname: str, prefix: str, limit: int | None) -> list[tuple[str, int]]:
            found = self.terms(fieldname, prefix, limit)
            expansions.append((fieldname, prefix, limit, found))
            return found

        parse_query(args["query"], match=args.get("match", "all"), analyzer=self.analyzer,
                    expand=expand)
        return {**args, "expansions": expansions} if expansions else args

    def _facets(self, args: SearchArgs) -> dict[str, dict[str, int]]:
        # Two phases, as for scores: the name a discovered entity shows is the one
        # most matches of the whole index write, not of one shard.
        occurrences: dict[str, dict[str, int]] = {name: {} for name in NAME_FACETS}
        for part in self._all("name_occurrences", args):
            for name, found in part.items():
                summed = occurrences[name]
                for value, n in found.items():
                    summed[value] = summed.get(value, 0) + n
        written = {name: entity_names(found) for name, found in occurrences.items()}
        parts = self._all("facet_counts", args, written)
        facets: dict[str, dict[str, int]] = {}
        for name in FACETS:
            counts: dict[str, int] = {}
            if name == "sources":
                spelling: dict[str, tuple[int, str]] = {}
                totals: dict[str, int] = {}
                for part in parts:
                    for key, (n, spelled, seq) in part[name].items():
                        totals[key] = totals.get(key, 0) + n
                        spelling[key] = min(spelling.get(key, (seq, spelled)), (seq, spelled))
                for key, n in totals.items():
                    counts[spelling[key][1]] = counts.get(spelling[key][1], 0) + n
            else:
                for part in parts:
                    for label, n in part[name].items():
                        counts[label] = counts.get(label, 0) + n
            facets[name] = (dict(sorted(counts.items())) if name == "months" else
                            dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))))
        return facets

    def _counts_by(self, args: SearchArgs, fieldname: str,
                   key: Callable[[str], str | None] | None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for part in self._all("counts_by", args, fieldname, key):
            for label, n in part.items():
                counts[label] = counts.get(label, 0) + n
        return dict(sorted(counts.items()))

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Articles whose ``fieldname`` holds ``term``, over all shards."""
        return sum(self._all("doc_frequency", fieldname, term))

    def similar_terms(self, fieldname: str, term: str, maxdist: int = 1, limit: int = 5
                      ) -> list[tuple[str, int]]:
        """As ``Index.similar_terms``, with article counts over all shards."""
        totals: dict[str, int] = {}
        for part in self._all("terms_near", fieldname, term, maxdist):
            for candidate, n in part:
                totals[candidate] = totals.get(candidate, 0) + n
        found = sorted((edit_distance(term, c), -n, c) for c, n in totals.items() if c != term)
        return [(c, -negative) for _, negative, c in found[:limit]]


def _manifest_analyzer(manifest: Manifest) -> Analyzer:
    """The analyzer the manifest records for every shard (each shard also records it)."""
    try:
        analyzer = Analyzer.from_settings(manifest.analysis) if manifest.analysis else None
    except (KeyError, TypeError, AttributeError):
        analyzer = None
    return analyzer if analyzer is not None and analyzer != default_analyzer() else \
        default_analyzer()


def _search_args(query: str | None, actor: Any, place: Any, date: str | None,
                 published: str | None, match: str, syntax: bool) -> SearchArgs:
    """A search's arguments, checked here before any shard is asked."""
    _check_filters(actor=actor, place=place, date=date, published=published)
    return {"query": query, "actor": actor, "place": place, "date": date,
            "published": published, "match": match, "syntax": syntax}


def _remove_index(directory: Path) -> None:
    """Remove the index (sharded or not) in ``directory``, for ``overwrite``."""
    if is_sharded(directory):
        for shard_path in Manifest.read(directory).shard_paths(directory):
            shutil.rmtree(shard_path, ignore_errors=True)
        (directory / MANIFEST_FILE).unlink()
    shutil.rmtree(directory / GAZETTEER_DIR, ignore_errors=True)


# --- maintenance ----------------------------------------------------------


def _maintenance(directory: Path, cluster: str | None) -> InProcess | RayShards:
    """Where maintenance runs on each shard of the sharded index at ``directory``: in
    this process, or on one Ray actor per shard (shards that do not open included)."""
    paths = Manifest.read(directory).shard_paths(directory)
    if cluster is None:
        return InProcess(paths, [], opened=False)
    return RayShards([p.resolve() for p in paths], [], cluster, opened=False)


def _on_every_shard(directory: Path, cluster: str | None, function: str,
                    *args: Any) -> list[Any]:
    """``arsearch.maintenance.<function>(shard, **args[0])`` for every shard, in shard order."""
    backend = _maintenance(directory, cluster)
    try:
        count = len(backend.paths)
        results = backend.maintain({n: (function, args) for n in range(count)})
    finally:
        backend.close()
    return [results[n] for n in range(count)]


def repair_sharded(path: str | os.PathLike[str], *, dry_run: bool = False,
                   cluster: str | None = None) -> list[Any]:
    """``arsearch.repair`` of every shard (on its Ray actor when ``cluster`` names
    one, as for ``Index.open``); a report per shard."""
    return _on_every_shard(Path(path), cluster, "repair", {"dry_run": dry_run})


def reindex_sharded(path: str | os.PathLike[str], *, shards: int | None = None, jobs: int = 1,
                    batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
                    analyzer: Analyzer | None = None,
                    cluster: str | None = None) -> IngestReport:
    """Rebuild a sharded index from the articles its shards store; with ``shards``
    (or when the index is not sharded yet), re-shard into that many.

    The new index is built beside the old one and swapped in when complete;
    articles keep their ingest order (ties rank as before). Without ``shards``,
    each shard is reindexed in place (``arsearch.reindex``). ``cluster``: where
    the shards run, as for ``Index.open``: the actors of the old shards rebuild
    them in place, those of the new ones analyse and write a re-shard.
    """
    directory = Path(path)
    sharded = is_sharded(directory)
    if not sharded and not Shard.exists(directory):
        raise IndexNotFound(str(directory))
    if sharded and shards is None:
        report = IngestReport()
        for part in _on_every_shard(directory, cluster, "reindex", {
                "jobs": jobs, "batch_size": batch_size, "analyzer": analyzer}):
            report.added += part.added
            report.seconds += part.seconds
            for message in part.errors:
                report.fail(message)
            if progress:
                progress(report.added)
        return report
    if analyzer is None:
        first = Manifest.read(directory).shard_paths(directory)[0] if sharded else directory
        analyzer = recorded_analyzer(first)
    building = directory.with_name(directory.name + ".resharding")
    shutil.rmtree(building, ignore_errors=True)
    try:
        fresh = ShardedIndex.create(building, shards or 1, analyzer=analyzer, cluster=cluster)
    except ArsearchError:  # the cluster cannot be reached: leave nothing behind
        shutil.rmtree(building, ignore_errors=True)
        raise
    kept_tables = directory / GAZETTEER_DIR
    if kept_tables.is_dir():
        for table in sorted(kept_tables.glob("*.tsv")):
            fresh.add_gazetteer(table)
    sources = (_in_ingest_order(Manifest.read(directory).shard_paths(directory)) if sharded
               else stored_articles(directory))
    report = fresh.add_articles(sources, jobs=jobs, batch_size=batch_size, progress=progress)
    fresh.close()
    retired = directory.with_name(directory.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    directory.rename(retired)
    building.rename(directory)
    shutil.rmtree(retired, ignore_errors=True)
    return report


def _in_ingest_order(paths: list[Path]) -> Iterator[Article]:
    """The articles of some shards, in the order they were ingested."""
    ordered: list[tuple[int, int, Article]] = []
    for number, shard_path in enumerate(paths):
        shard = Shard.open(shard_path)
        try:
            articles = list(stored_articles(shard_path))
            sequence = shard._sequence_of([a.id for a in articles])
        finally:
            shard.close()
        ordered += [(sequence.get(a.id, 1 << 62), number, a) for a in articles]
    ordered.sort(key=lambda item: (item[0], item[1]))
    for _, _, article in ordered:
        yield article
