"""``Index``: create, fill and search an arsearch index stored in a directory.

An index is a directory holding the engine's files (``arsearch.engine.store``),
``arsearch.json`` (the schema version and the analysis settings it was built
with) and the user gazetteer files kept with it. Everything that analyzes
text for an index (ingest, queries, snippets, explanations) uses its
``analyzer``. Writes go through one writer at a time; each thread keeps a
view that is refreshed when a commit lands, so searches see the last
committed state. Matching and scoring are in ``arsearch.engine``.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import shutil
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from arsearch.engine.checksums import CheckReport, FileCheck, crc_of
from arsearch.engine.columns import Tally
from arsearch.engine.compile import to_whoosh
from arsearch.engine.facets import READ_BACK
from arsearch.engine.schema import SCHEMA_VERSION
from arsearch.engine.store import Query, Store, Stored, View, Writer
from arsearch.errors import (
    AnalyzerMismatch,
    ArsearchError,
    DamagedIndex,
    IndexExists,
    IndexNotFound,
    InputError,
    InvalidArgument,
    InvalidFilter,
    SchemaMismatch,
)
from arsearch.extract.gazetteer import BUNDLED_FILES, Gazetteer
from arsearch.ingest import DEFAULT_BATCH, IngestReport, Progress, Target, ingest
from arsearch.io.readers import read_paths
from arsearch.models import Article, Hit
from arsearch.query import nodes
from arsearch.query.clauses import hoist_optional
from arsearch.query.filters import as_list, date_query, entity_query
from arsearch.query.parser import ParsedQuery, PrefixExpander, parse_query
from arsearch.text.analyzer import Analyzer, default_analyzer
from arsearch.text.snippet import make_snippet

META_FILE = "arsearch.json"
GAZETTEER_DIR = "gazetteer"  # user gazetteer files copied into the index
FACETS = {"actors": "actor_names", "places": "place_names", "sources": "source_key",
          "months": "months"}


@dataclass
class SearchResults:
    """Hits of one search. Iterate for hits; ``total`` counts every match.

    ``parsed`` is the parsed query (None without words) and ``filters`` the
    filter arguments (``{"actor": [...], "place": [...], "date": [...],
    "published": [...]}``): what was searched, for explanations.
    """

    hits: list[Hit]
    total: int
    query: str
    terms: list[str] = field(default_factory=list)
    parsed: ParsedQuery | None = field(default=None, repr=False)
    filters: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _count_facets: Callable[[int | None], dict[str, dict[str, int]]] | None = field(
        default=None, repr=False)
    _count_by: Callable[[str, Callable[[str], str | None] | None], dict[str, int]] | None = field(
        default=None, repr=False)
    _facets: dict[str, dict[str, int]] | None = field(default=None, repr=False)

    @property
    def facets(self) -> dict[str, dict[str, int]]:
        """Articles per actor, place, source and month over the whole result set.

        ``{"actors": {name: n}, "places": {...}, "sources": {...}, "months":
        {"2019-03": n}}``, largest first (months in order). Counted on first
        access only.
        """
        if self._facets is None:
            self._facets = self._count_facets(None) if self._count_facets else {
                name: {} for name in FACETS}
        return self._facets

    def top_facets(self, size: int = 10) -> dict[str, dict[str, int]]:
        """The first ``size`` entries of each of ``facets`` (months: all of them), as
        Elasticsearch's terms aggregation returns its ``size`` largest buckets.

        The counts are those of ``facets``; the names beyond the first ``size`` are
        never looked up, which saves most of the time on a broad query (its actors
        run to tens of thousands of names, most of them in one article).
        """
        if size < 0:
            raise ValueError(f"size must be 0 or more, not {size}")
        counted = self._facets
        if counted is None:
            counted = self._count_facets(size) if self._count_facets else {
                name: {} for name in FACETS}
        return {name: counts if name == "months" else dict(itertools.islice(counts.items(), size))
                for name, counts in counted.items()}

    def count_by(self, fieldname: str, key: Callable[[str], str | None] | None = None
                 ) -> dict[str, int]:
        """Matching articles per value of an indexed field (``published``,
        ``dates``, ``months``, ``actor_ids`` …), or per ``key(value)``: each
        article counts once per key; values whose key is None are left out.
        Sorted by key."""
        return self._count_by(fieldname, key) if self._count_by else {}

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]


def read_meta(directory: Path) -> dict[str, Any]:
    """``arsearch.json`` of an index directory ({} when missing or unreadable)."""
    return _meta_and_problem(directory)[0]


def _meta_and_problem(directory: Path) -> tuple[dict[str, Any], str]:
    """``arsearch.json`` of an index directory ({} when missing or unreadable) and what
    is wrong with it ("" if it reads as an object, or is missing)."""
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, ""
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, f"unreadable ({type(exc).__name__})"
    if not isinstance(meta, dict):
        return {}, "not an object"
    # Written since the file carries its own CRC; one without (older releases) is
    # judged by its content alone.
    if "crc32" in meta and meta["crc32"] != meta_checksum(meta):
        return {}, "damaged (its crc32 does not match its content)"
    # Every arsearch release records its schema version: without one the file is damaged.
    return (meta, "") if "schema_version" in meta else ({}, "records no schema version")


def meta_checksum(meta: dict[str, Any]) -> str:
    """CRC-32 of ``arsearch.json``'s content but its own ``crc32`` entry: damage that
    still parses (a changed digit, a changed stopword) is caught on open."""
    body = json.dumps({k: v for k, v in meta.items() if k != "crc32"},
                      ensure_ascii=False, sort_keys=True)
    return f"{zlib.crc32(body.encode('utf-8')):08x}"


def meta_problem(directory: Path) -> str:
    """What is wrong with ``arsearch.json`` of an index directory ("" if it reads as
    an object, or is missing)."""
    return _meta_and_problem(directory)[1]


def check_index(directory: Path) -> CheckReport:
    """Every file of the index at ``directory`` read in full and verified, its segments
    and stored articles read back, and its ``arsearch.json`` parsed (``Store.check``)."""
    report = Store.check(directory)
    meta = directory / META_FILE
    problem = meta_problem(directory) if meta.is_file() else "missing"
    size, crc = (meta.stat().st_size, crc_of(meta)) if meta.is_file() else (None, None)
    report.files.insert(0, FileCheck(META_FILE, size, crc, None, problem))
    return report


def recorded_analyzer(directory: Path, meta: dict[str, Any] | None = None) -> Analyzer:
    """The analyzer an index was built with, from its ``arsearch.json`` (``meta``, if
    already read).

    An index that records none (built by arsearch 0.1) was analyzed with the
    bundled settings of analysis version 1.

    Raises:
        ArsearchError: the recorded settings are unreadable.
    """
    settings = (read_meta(directory) if meta is None else meta).get("analysis")
    if settings is None:
        return Analyzer(version=1)
    try:
        analyzer = Analyzer.from_settings(settings)
    except (KeyError, TypeError, AttributeError):
        raise ArsearchError(
            f"index {str(directory)!r}: unreadable analysis settings in {META_FILE}") from None
    return default_analyzer() if analyzer == default_analyzer() else analyzer


def _differences(recorded: Analyzer, given: Analyzer) -> str:
    """How two analyzers' settings differ, in a few words."""
    parts = []
    for label, old, new in (("stopwords", recorded.stopwords, given.stopwords),
                            ("protected names", recorded.protected, given.protected)):
        added, removed = len(new - old), len(old - new)
        if added or removed:
            parts.append(f"{label}: {added} added, {removed} removed")
    if recorded.version != given.version:
        parts.append(f"analysis version {recorded.version}, not {given.version}")
    return "; ".join(parts)


@functools.lru_cache(maxsize=1)
def bundled_gazetteer_digest() -> str:
    """A digest of the gazetteer shipped with this arsearch, recorded in each index."""
    digest = hashlib.blake2b(digest_size=8)
    data = resources.files("arsearch.data")
    for name in BUNDLED_FILES:
        digest.update(data.joinpath(name).read_bytes())
    return digest.hexdigest()


def _version() -> str:
    from importlib import metadata  # imported here: a sixth of the imports' time

    try:
        return metadata.version("arsearch")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


@dataclass
class IndexInfo:
    """Size and span of an index (``Index.info``)."""

    path: str
    documents: int
    size_bytes: int
    segments: int
    first_published: str | None
    last_published: str | None
    schema_version: int
    #: False when this arsearch ships another gazetteer than the index was built
    #: with: tags of old articles may be stale (``arsearch reindex`` re-tags).
    gazetteer_current: bool = True


class Index:
    """An arsearch index in a directory. Use ``create`` or ``open``, not the constructor."""

    def __init__(self, path: Path, store: Store,
                 gazetteer: Iterable[str | os.PathLike[str]] = (),
                 analyzer: Analyzer | None = None) -> None:
        self.path = path
        self._store = store
        self._analyzer = analyzer if analyzer is not None else default_analyzer()
        self._extra_gazetteer = tuple(str(p) for p in gazetteer)
        self._gazetteer: Gazetteer | None = None

    # --- lifecycle -------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, overwrite: bool = False,
               gazetteer: Iterable[str | os.PathLike[str]] = (),
               analyzer: Analyzer | None = None) -> Index:
        """Create a new empty index in ``path`` (made if missing).

        ``gazetteer``: extra gazetteer files (TSV) used by this session only;
        ``add_gazetteer`` keeps one with the index. ``analyzer``: the analysis
        settings (stopwords, protected names) of the index, recorded with it
        (None: the bundled ones); they change only with a new index or
        ``arsearch.reindex``.

        Raises:
            IndexExists: there is an index already and ``overwrite`` is false.
        """
        directory = Path(path)
        if cls.exists(directory) and not overwrite:
            raise IndexExists(str(directory))
        try:
            directory.mkdir(parents=True, exist_ok=True)
            store = Store.create(directory)
            analyzer = analyzer if analyzer is not None else default_analyzer()
            meta = {"schema_version": SCHEMA_VERSION, "arsearch": _version(),
                    "gazetteer": bundled_gazetteer_digest(), "analysis": analyzer.settings()}
            meta["crc32"] = meta_checksum(meta)
            (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
        except OSError as exc:
            message = f"cannot create index: {exc.strerror or exc}"
            raise InputError(str(directory), message) from None
        return cls(directory, store, gazetteer, analyzer)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *,
             gazetteer: Iterable[str | os.PathLike[str]] = (),
             analyzer: Analyzer | None = None) -> Index:
        """Open an existing index, with the analyzer it was built with (``gazetteer`` as
        for ``create``). ``analyzer``, if given, must have the recorded settings.

        Raises:
            IndexNotFound: ``path`` holds no arsearch index.
            DamagedIndex: a file of it is truncated, overwritten or unreadable
                (``UnsafeIndex`` if it pickles a class arsearch never writes).
            SchemaMismatch: it was built by an arsearch with another schema.
            AnalyzerMismatch: ``analyzer`` differs from the index's.
            ArsearchError: its recorded analysis settings are unreadable.
        """
        directory = Path(path)
        if not cls.exists(directory):
            raise IndexNotFound(str(directory))
        meta, problem = _meta_and_problem(directory)
        if problem:
            raise DamagedIndex(str(directory), META_FILE, problem)
        found = meta.get("schema_version", "unreadable")
        if found != SCHEMA_VERSION:
            raise SchemaMismatch(str(directory), found, SCHEMA_VERSION)
        recorded = recorded_analyzer(directory, meta)
        if analyzer is not None and analyzer != recorded:
            raise AnalyzerMismatch(str(directory), _differences(recorded, analyzer))
        return cls(directory, Store.open(directory), gazetteer, recorded)

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str], *,
                       gazetteer: Iterable[str | os.PathLike[str]] = (),
                       analyzer: Analyzer | None = None) -> Index:
        """Open the index in ``path``, creating an empty one if there is none
        (``analyzer`` as for ``create`` and ``open``)."""
        if cls.exists(Path(path)):
            return cls.open(path, gazetteer=gazetteer, analyzer=analyzer)
        return cls.create(path, gazetteer=gazetteer, analyzer=analyzer)

    @property
    def analyzer(self) -> Analyzer:
        """The analysis settings of the index, as recorded when it was created."""
        return self._analyzer

    # --- gazetteer -------------------------------------------------------

    @property
    def gazetteer(self) -> Gazetteer:
        """The bundled gazetteer, plus the files kept with the index and given to it."""
        if self._gazetteer is None:
            self._gazetteer = Gazetteer.load(self._gazetteer_files())
        return self._gazetteer

    def _gazetteer_files(self) -> list[str]:
        kept = sorted(str(p) for p in (self.path / GAZETTEER_DIR).glob("*.tsv"))
        return kept + list(self._extra_gazetteer)

    def add_gazetteer(self, path: str | os.PathLike[str]) -> None:
        """Keep a user gazetteer file (TSV) with the index; used from the next ingest on.

        Raises:
            GazetteerError: the file has a malformed row (checked before copying).
        """
        Gazetteer.load([path])  # validate first: never keep a broken file
        target = self.path / GAZETTEER_DIR
        target.mkdir(exist_ok=True)
        shutil.copyfile(path, target / Path(path).name)
        self._gazetteer = None

    def _gazetteer_digest(self) -> str:
        """The gazetteer this ingest tags with: bundled and user files."""
        digest = hashlib.blake2b(bundled_gazetteer_digest().encode(), digest_size=8)
        for name in self._gazetteer_files():
            digest.update(Path(name).read_bytes())
        return digest.hexdigest()

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` holds an arsearch index."""
        directory = Path(path)
        return (directory / META_FILE).is_file() and Store.exists(directory)

    def __len__(self) -> int:
        return self._view().doc_count()

    def __repr__(self) -> str:
        return f"Index({str(self.path)!r})"

    def check(self) -> CheckReport:
        """Read every file of the index in full and verify it against the checksums of
        the last commit; read back every stored article of every segment.

        Nothing raises for damage: ``report.intact`` says whether all is well,
        ``report.damaged_files`` names what is not (``arsearch.check`` does the same
        for an index that no longer opens).
        """
        return check_index(self.path)

    def _view(self) -> View:
        """This thread's view of the last commit (``Store.view``)."""
        return self._store.view()

    def close(self) -> None:
        """Close the cached views (also done when the Index is garbage-collected)."""
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def info(self) -> IndexInfo:
        """What the index holds: articles, size on disk, segments, publication span."""
        view = self._view()
        documents = view.doc_count()
        first, last = view.first_and_last("published")
        segments = len(self._store.segment_sizes())
        size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        return IndexInfo(
            path=str(self.path), documents=documents, size_bytes=size, segments=segments,
            first_published=first, last_published=last,
            schema_version=SCHEMA_VERSION,
            gazetteer_current=read_meta(self.path).get("gazetteer")
            == bundled_gazetteer_digest(),
        )

    def optimize(self, jobs: int = 1) -> None:
        """Merge all segments into one: faster searches after many incremental ingests.

        With ``jobs`` > 1, as many processes share out the fields (where the
        platform forks; the segment is the same).
        """
        self._store.optimize(jobs)

    def merge_segments(self, max_docs: int, jobs: int = 1) -> int:
        """Merge the segments of at most ``max_docs`` articles into one; returns how many.

        Each segment has its own term table and per-term block headers: the
        73k news corpus ingested in 10 segments took 777 MB, merged 503 MB.
        An ingest calls this with the number of articles it wrote or found
        unchanged, so its own segments (and any smaller ones) become one,
        while a large existing segment is not rewritten for a small addition.
        ``jobs`` as for ``optimize``.
        """
        return self._store.merge_segments(max_docs, jobs)

    # --- writing ---------------------------------------------------------

    def add_articles(self, articles: Iterable[Article | dict[str, Any] | InputError], *,
                     jobs: int = 1, batch_size: int = DEFAULT_BATCH,
                     progress: Progress | None = None, merge: bool = True) -> IngestReport:
        """Index articles (``Article``s or JSON Lines style dicts).

        An article whose id is already indexed replaces it; one whose content
        is unchanged is skipped. Bad records are counted and reported, never
        fatal. Commits every ``batch_size`` articles, so memory stays flat and
        an interrupted ingest keeps every batch committed before it.

        Args:
            jobs: processes that analyse articles; above 1, worker processes
                do it in parallel (worth it from a few hundred articles on).
            progress: called with the number of articles handled so far.
            merge: end by merging the segments this ingest wrote (and any
                smaller ones) into one (``merge_segments``): a smaller index
                and faster searches, for a few minutes on 70k articles.
        """
        return ingest(self._target(), articles, jobs=jobs, batch_size=batch_size,
                      progress=progress, merge=merge)

    def _target(self) -> Target:
        """What an ingest needs of this index."""
        return Target(store=self._store, analyzer=self.analyzer,
                      gazetteer=lambda: self.gazetteer,
                      gazetteer_files=tuple(self._gazetteer_files()),
                      # A changed user gazetteer changes what is extracted: re-extract then.
                      salt=self._gazetteer_digest())

    def add_paths(self, paths: Iterable[str | os.PathLike[str]], *, jobs: int = 1,
                  batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
                  merge: bool = True) -> IngestReport:
        """Index files and directories (see ``arsearch.io.readers``), as ``add_articles``."""
        if isinstance(paths, str | os.PathLike):
            paths = [paths]
        return self.add_articles(read_paths(paths), jobs=jobs, batch_size=batch_size,
                                 progress=progress, merge=merge)

    def delete(self, ids: Iterable[str]) -> int:
        """Remove articles by id; returns how many were removed."""
        removed = 0
        with self._writer() as writer:
            for article_id in ids:
                removed += writer.delete(article_id)
        return removed

    def _writer(self) -> Writer:
        """The index's writer (``Store.writer``).

        Raises:
            IndexLocked: another writer kept the index locked too long.
        """
        return self._store.writer()

    # --- reading ---------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None."""
        stored = self._view().find("id", article_id)
        if stored is None:
            return None
        return Article(**{k: stored.get(k) for k in (
            "id", "text", "title", "published", "source", "author", "url")})

    def search(self, query: str | None = None, *, actor: str | list[str] | None = None,
               place: str | list[str] | None = None, date: str | None = None,
               published: str | None = None, match: str = "all", limit: int | None = 10,
               syntax: bool = True) -> SearchResults:
        """Search with the query language of ``arsearch.query.parser``, narrowed by filters.

        Args:
            query: words, "phrases", OR, -exclusions, field prefixes (also
                ``actor:``, ``place:``, ``date:``, which work like the filters);
                empty or None lists every article that passes the filters (all
                articles without filters), newest first.
            actor: a name (or names, all required) resolved as in ``arsearch.query.filters``.
            place: the same for places; a place includes the places inside it.
            date: ``2019``, ``2019-03``, ``2019-03-15`` or ``A..B`` (ends optional):
                the publication date or any mentioned date lies within it.
            published: the same range, on the publication date only.
            match: ``"all"`` (every word must match) or ``"any"`` (rank by any
                word, for natural-language questions).
            limit: hits to return; 0 or None returns every match.
            syntax: False reads the query as plain words (no operators, never
                a syntax error), e.g. for questions pasted from elsewhere.

        Raises:
            QuerySyntaxError: the query is malformed.
            InvalidDateRange: ``date`` or ``published`` cannot be read.
            InvalidFilter: a filter value (or one in a list) is empty or blank.
            InvalidArgument: ``limit`` is negative.
        """
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 0):
            raise InvalidArgument("limit", limit, "a number of hits, 0 or None for all")
        compiled = self._compile(query, actor, place, date, published, match, syntax)
        if compiled.query is None:
            return SearchResults([], 0, query or "", parsed=compiled.parsed,
                                 filters=compiled.filters)
        view = self._view()
        ranked, total = _ranked(view, compiled, limit or None)
        hits = [self._hit(view.stored(docnum), score, compiled.highlight)
                for docnum, score in ranked]
        whoosh_query = compiled.query
        return SearchResults(
            hits, total, query or "", compiled.terms, parsed=compiled.parsed,
            filters=compiled.filters,
            _count_facets=lambda top: self._count_facets(whoosh_query, top),
            _count_by=lambda name, key: self._count_by(whoosh_query, name, key))

    def documents(self, query: str | None = None, *, actor: str | list[str] | None = None,
                  place: str | list[str] | None = None, date: str | None = None,
                  published: str | None = None, match: str = "all", syntax: bool = True
                  ) -> Iterator[dict[str, Any]]:
        """Every match with all its stored fields, in search order, for exports.

        Each dict has ``id, title, published, source, author, url, score,
        actors, places, dates, text`` (no snippet: nothing is analyzed, so
        this stays fast for a whole archive). Arguments as for ``search``.
        """
        compiled = self._compile(query, actor, place, date, published, match, syntax)
        return self._documents(compiled)

    def _documents(self, compiled: _Compiled) -> Iterator[dict[str, Any]]:
        """``documents`` once its arguments are checked (raising before the first row)."""
        if compiled.query is None:
            return
        view = self._view()
        for docnum, score in _ranked(view, compiled, None)[0]:
            stored = view.stored(docnum)
            mentions = stored.get("mentions") or {}
            yield {
                "id": stored["id"], "title": stored.get("title") or "",
                "published": stored.get("published"), "source": stored.get("source"),
                "author": stored.get("author"), "url": stored.get("url"),
                "score": round(score, 4),
                "actors": _names(mentions, "actors"),
                "places": _names(mentions, "places"),
                "dates": list(mentions.get("dates", [])),
                "text": stored.get("text", ""),
            }

    def count(self, query: str | None = None, **kwargs: Any) -> int:
        """How many articles match (arguments as for ``search``), without fetching any."""
        compiled = self._compile(query, kwargs.pop("actor", None), kwargs.pop("place", None),
                                 kwargs.pop("date", None), kwargs.pop("published", None),
                                 **kwargs)
        if compiled.query is None:
            return 0
        return len(self._view().matches(compiled.query))

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Articles whose ``fieldname`` (``exact``, ``stem``, ``broad`` …) holds ``term``."""
        return self._view().doc_frequency(fieldname, term)

    def similar_terms(self, fieldname: str, term: str, maxdist: int = 1, limit: int = 5
                      ) -> list[tuple[str, int]]:
        """Indexed terms within ``maxdist`` edits of ``term``, closest and commonest
        first, with their article counts (for "did you mean")."""
        found = [(edit_distance(term, candidate), -articles, candidate)
                 for candidate, articles in self._view().terms_within(fieldname, term, maxdist)
                 if candidate != term]
        return [(t, -negfreq) for _, negfreq, t in sorted(found)[:limit]]

    def terms(self, fieldname: str, prefix: str = "", limit: int | None = None
              ) -> list[tuple[str, int]]:
        """Indexed terms of ``fieldname`` (``exact``, ``actor_ids`` …) beginning with
        ``prefix``, in term order, at most ``limit`` (None: all), with their article
        counts (a deleted article counts until ``optimize``): what a prefix query
        expands to, and the actors and places an index holds."""
        return self._view().terms_from(fieldname, prefix, limit)

    def _compile(self, query: str | None, actor: str | list[str] | None,
                 place: str | list[str] | None, date: str | None, published: str | None,
                 match: str = "all", syntax: bool = True,
                 expand: PrefixExpander | None = None) -> _Compiled:
        """The Whoosh query of a search; ``query`` None when only stopwords were given.

        Every entry point (``search``, ``count``, ``documents``) comes through here,
        so an empty or blank filter is refused here (``InvalidFilter``). ``expand``:
        what a prefix (``دا*``) expands to (None: this index's own ``terms``).
        """
        _check_filters(actor=actor, place=place, date=date, published=published)
        filters = {"actor": as_list(actor), "place": as_list(place),
                   "date": [date] if date else [], "published": [published] if published else []}
        clauses = [self._filter_query(name, value)
                   for name, values in filters.items() for value in values]
        compiled = _Compiled(None, filters=filters)
        if query and query.strip():
            parsed = parse_query(query, match=match, syntax=syntax, resolve=self._filter_query,
                                 analyzer=self.analyzer, expand=expand or self.terms)
            if parsed is None:
                return compiled
            compiled.parsed, compiled.terms, compiled.highlight = (
                parsed, parsed.terms, parsed.highlight)
            base = parsed.query
        elif clauses:
            compiled.query = to_whoosh(clauses[0] if len(clauses) == 1 else nodes.And(clauses))
            return compiled
        else:
            base = nodes.Every()
        compiled.query = to_whoosh(hoist_optional(nodes.And([base, *clauses])) if clauses
                                   else base)
        return compiled

    def _filter_query(self, fieldname: str, value: str) -> nodes.Node:
        """The query tree of one filter: actor, place, date or published."""
        if fieldname in ("actor", "place"):
            return entity_query(value, fieldname, self.gazetteer,
                                analyzer=self.analyzer)
        return date_query(value, ("published", "dates") if fieldname == "date" else ("published",))

    def _count_by(self, whoosh_query: Query, fieldname: str,
                  key: Callable[[str], str | None] | None) -> dict[str, int]:
        def label(value: str) -> str | None:
            return (key(value) if key and value else value) or None

        if fieldname in READ_BACK:
            counts = self._view().tallies(whoosh_query, [fieldname])[fieldname].articles_by(label)
            return dict(sorted(counts.items()))
        docs: dict[str, set[int]] = {}
        for value, docnums in self._view().grouped(whoosh_query, [fieldname])[fieldname].items():
            if text := label(value):
                docs.setdefault(text, set()).update(docnums)
        return {text: len(numbers) for text, numbers in sorted(docs.items())}

    def _count_facets(self, whoosh_query: Query, top: int | None = None
                      ) -> dict[str, dict[str, int]]:
        view = self._view()
        tallies = view.tallies(whoosh_query, list(FACETS.values()))
        return {name: self._facet(name, tallies[field], view, top=top)
                for name, field in FACETS.items()}

    def _facet(self, name: str, tally: Tally | dict[str, list[int]], view: View,
               written: dict[str, str] | None = None, top: int | None = None
               ) -> dict[str, int]:
        """Articles per display name, largest first (months in order), from a tally
        (``View.tallies``) or a {value: docnums} grouping (``View.grouped``).

        Ids that share a name (the governorate and the city of دير الزور) are
        counted together, each article once. ``written``: the name each discovered
        entity shows, when chosen over more matches than these (a sharded index).
        ``top``: at least the first ``top`` actors and places (all if None).
        """
        if isinstance(tally, dict):
            tally = Tally.of_groups(tally)
        if name in ("actors", "places"):
            # A gazetteer entity shows its canonical name; a discovered one the
            # name most of its articles write (folding is for matching only).
            chosen = written or {}
            entry_of = self.gazetteer.get

            def shown(entity_id: str, most: str) -> str:  # asked once per value at most
                entry = entry_of(entity_id)
                return entry.name_ar if entry is not None else chosen.get(entity_id, most)

            key = self.gazetteer if written is None else (self.gazetteer, written)
            return tally.articles_by_entity(key, shown, top)  # sorted
        if name == "months":
            return dict(sorted(tally.articles_by(lambda value: value or None).items()))
        sources: dict[str, str] = {}

        def label(value: str) -> str | None:
            # source_key is lower-cased: show the spelling of an article.
            if value and value not in sources:
                stored = view.first_ingested("source_key", value) or {}
                sources[value] = stored.get("source") or value
            return sources.get(value)

        counts = tally.articles_by(label)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def _hit(self, stored: Stored, score: float, highlight: set[str]) -> Hit:
        snippet, spans = make_snippet(stored.get("text", ""), highlight, analyzer=self.analyzer)
        mentions = stored.get("mentions") or {}
        return Hit(
            id=stored["id"], title=stored.get("title") or "", score=score, snippet=snippet,
            published=stored.get("published"), source=stored.get("source"),
            author=stored.get("author"), url=stored.get("url"), highlights=spans,
            actors=_names(mentions, "actors"),
            places=_names(mentions, "places"),
            dates=list(mentions.get("dates", [])),
        )


def _names(mentions: dict[str, Any], kind: str) -> list[str]:
    """The canonical names of the ``kind`` an article mentions, each once: places of
    different ids may share a name (the governorate and the city of الحسكة)."""
    return list(dict.fromkeys(name for _, name in mentions.get(kind, [])))


@dataclass
class _Compiled:
    """A search compiled for the engine, and what it was compiled from."""

    query: Query | None
    parsed: ParsedQuery | None = None
    terms: list[str] = field(default_factory=list)
    highlight: set[str] = field(default_factory=set)
    filters: dict[str, list[str]] = field(default_factory=dict)


def _check_filters(**filters: str | list[str] | tuple[str, ...] | None) -> None:
    """Refuse an empty or blank filter value, alone or in a list (None means no filter)."""
    for name, value in filters.items():
        values = [value] if value is None or isinstance(value, str) else list(value)
        for item in values:
            if item is not None and (not isinstance(item, str) or not item.strip()):
                raise InvalidFilter(name, item)


def _ranked(view: View, compiled: _Compiled, limit: int | None
            ) -> tuple[list[tuple[int, float]], int]:
    """(docnum, score) of the first ``limit`` matches (all with None), and how many match.

    Ranked by score; without words to rank by, newest first (score 0).
    """
    if not compiled.terms:
        docnums, total = view.newest_first(compiled.query, limit)
        return [(docnum, 0.0) for docnum in docnums], total
    return view.top_by_score(compiled.query, limit)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]

