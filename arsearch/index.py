"""``Index``: create, fill and search an arsearch index stored in a directory.

An index is a Whoosh index plus ``arsearch.json`` (the schema version it
was built with). Writes go through one Whoosh writer at a time; each thread
keeps a searcher that is refreshed when a commit lands, so searches see the
last committed state. Matching and scoring are in ``arsearch.engine.evaluate`` and
``arsearch.engine.collect``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.writing import LockError

from arsearch.engine.collect import newest_first, top_by_score
from arsearch.engine.compile import to_whoosh
from arsearch.engine.evaluate import evaluate
from arsearch.engine.facets import STORED_FIELDS, group_stored
from arsearch.engine.schema import SCHEMA_VERSION, build_schema
from arsearch.engine.writer import TermPoolWriter
from arsearch.errors import (
    IndexExists,
    IndexLocked,
    IndexNotFound,
    InputError,
    SchemaMismatch,
)
from arsearch.extract.gazetteer import BUNDLED_FILES, Gazetteer
from arsearch.ingest import DEFAULT_BATCH, IngestReport, Progress, batch_writer, ingest
from arsearch.io.readers import read_paths
from arsearch.models import Article, Hit
from arsearch.query import nodes
from arsearch.query.filters import as_list, date_query, entity_query
from arsearch.query.parser import ParsedQuery, hoist_optional, parse_query
from arsearch.text.snippet import make_snippet

META_FILE = "arsearch.json"
GAZETTEER_DIR = "gazetteer"  # user gazetteer files copied into the index
FACETS = {"actors": "actor_ids", "places": "place_ids", "sources": "source_key",
          "months": "months"}
WRITER_TIMEOUT = 30.0
#: BM25 parameters, tuned on the relevance dev sets (benchmarks/relevance.py):
#: a low k1 saturates repeated terms early, so a passage matching more of
#: the query's distinct words outranks one repeating a single word.
BM25_B = 0.75
BM25_K1 = 0.6


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
    _count_facets: Callable[[], dict[str, dict[str, int]]] | None = field(default=None, repr=False)
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
            self._facets = self._count_facets() if self._count_facets else {
                name: {} for name in FACETS}
        return self._facets

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


def _close_all(searchers: set[Any]) -> None:
    for searcher in list(searchers):
        searcher.close()
    searchers.clear()


def _open_whoosh(directory: Path) -> windex.Index:
    """Open the Whoosh index without memory-mapping.

    With mmap, Whoosh copies each segment's files into memory on every
    searcher open (tens of ms on a small index, growing with it); plain file
    reads make opening cheap, which a one-shot ``arsearch search`` needs.
    """
    return FileStorage(str(directory), supports_mmap=False).open_index()


def read_meta(directory: Path) -> dict[str, Any]:
    """``arsearch.json`` of an index directory ({} when missing or unreadable)."""
    try:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


@functools.lru_cache(maxsize=1)
def bundled_gazetteer_digest() -> str:
    """A digest of the gazetteer shipped with this arsearch, recorded in each index."""
    digest = hashlib.blake2b(digest_size=8)
    data = resources.files("arsearch.data")
    for name in BUNDLED_FILES:
        digest.update(data.joinpath(name).read_bytes())
    return digest.hexdigest()


def _version() -> str:
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

    def __init__(self, path: Path, whoosh_index: windex.Index,
                 gazetteer: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.path = path
        self._ix = whoosh_index
        self._local = threading.local()  # one cached searcher per thread
        self._open: set[Any] = set()  # every cached searcher, closed with the Index
        self._closer = weakref.finalize(self, _close_all, self._open)
        self._extra_gazetteer = tuple(str(p) for p in gazetteer)
        self._gazetteer: Gazetteer | None = None

    # --- lifecycle -------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, overwrite: bool = False,
               gazetteer: Iterable[str | os.PathLike[str]] = ()) -> Index:
        """Create a new empty index in ``path`` (made if missing).

        ``gazetteer``: extra gazetteer files (TSV) used by this session only;
        ``add_gazetteer`` keeps one with the index.

        Raises:
            IndexExists: there is an index already and ``overwrite`` is false.
        """
        directory = Path(path)
        if cls.exists(directory) and not overwrite:
            raise IndexExists(str(directory))
        try:
            directory.mkdir(parents=True, exist_ok=True)
            windex.create_in(str(directory), build_schema())
            ix = _open_whoosh(directory)
            meta = {"schema_version": SCHEMA_VERSION, "arsearch": _version(),
                    "gazetteer": bundled_gazetteer_digest()}
            (directory / META_FILE).write_text(json.dumps(meta) + "\n", encoding="utf-8")
        except OSError as exc:
            message = f"cannot create index: {exc.strerror or exc}"
            raise InputError(str(directory), message) from None
        return cls(directory, ix, gazetteer)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *,
             gazetteer: Iterable[str | os.PathLike[str]] = ()) -> Index:
        """Open an existing index (``gazetteer`` as for ``create``).

        Raises:
            IndexNotFound: ``path`` holds no arsearch index.
        """
        directory = Path(path)
        if not cls.exists(directory):
            raise IndexNotFound(str(directory))
        meta = read_meta(directory)
        found = meta.get("schema_version", "unreadable")
        if found != SCHEMA_VERSION:
            raise SchemaMismatch(str(directory), found, SCHEMA_VERSION)
        return cls(directory, _open_whoosh(directory), gazetteer)

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str], *,
                       gazetteer: Iterable[str | os.PathLike[str]] = ()) -> Index:
        """Open the index in ``path``, creating an empty one if there is none."""
        if cls.exists(Path(path)):
            return cls.open(path, gazetteer=gazetteer)
        return cls.create(path, gazetteer=gazetteer)

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
        return (directory / META_FILE).is_file() and windex.exists_in(str(directory))

    def __len__(self) -> int:
        with self._searcher() as searcher:
            return searcher.doc_count()

    def __repr__(self) -> str:
        return f"Index({str(self.path)!r})"

    @contextlib.contextmanager
    def _searcher(self) -> Iterator[Any]:
        """This thread's searcher, refreshed to the last commit; kept open between searches.

        Opening a Whoosh searcher reads every segment's metadata, which costs
        more than a typical query; refreshing only checks for a new commit.
        """
        searcher = getattr(self._local, "searcher", None)
        # Not Searcher.refresh(): it fails on a searcher of an empty index.
        if searcher is not None and not searcher.up_to_date():
            self._open.discard(searcher)
            searcher.close()
            searcher = None
        if searcher is None:
            searcher = self._ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            self._local.searcher = searcher
            self._open.add(searcher)
        yield searcher

    def close(self) -> None:
        """Close the cached searchers (also done when the Index is garbage-collected)."""
        _close_all(self._open)
        self._local = threading.local()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def info(self) -> IndexInfo:
        """What the index holds: articles, size on disk, segments, publication span."""
        with self._searcher() as searcher:
            documents = searcher.doc_count()
            dates = [d for d in searcher.lexicon("published")]
            segments = len(self._ix._segments())
        size = sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())
        return IndexInfo(
            path=str(self.path), documents=documents, size_bytes=size, segments=segments,
            first_published=dates[0].decode() if dates else None,
            last_published=dates[-1].decode() if dates else None,
            schema_version=SCHEMA_VERSION,
            gazetteer_current=read_meta(self.path).get("gazetteer")
            == bundled_gazetteer_digest(),
        )

    def optimize(self, jobs: int = 1) -> None:
        """Merge all segments into one: faster searches after many incremental ingests.

        With ``jobs`` > 1, as many processes share out the fields (where the
        platform forks; the segment is the same).
        """
        with batch_writer(self, undone="the index is unchanged") as writer:
            writer.merge_jobs = jobs
            writer.commit(optimize=True)

    def merge_segments(self, max_docs: int, jobs: int = 1) -> int:
        """Merge the segments of at most ``max_docs`` articles into one; returns how many.

        Each segment has its own term table and per-term block headers: the
        73k news corpus ingested in 10 segments took 777 MB, merged 503 MB.
        An ingest calls this with the number of articles it wrote or found
        unchanged, so its own segments (and any smaller ones) become one,
        while a large existing segment is not rewritten for a small addition.
        ``jobs`` as for ``optimize``.
        """
        segments = [s for s in self._ix._segments() if s.doc_count_all() <= max_docs]
        if len(segments) < 2:
            return 0
        chosen = {s.segment_id() for s in segments}

        def policy(writer: Any, existing: list[Any]) -> list[Any]:
            kept = []
            for segment in existing:
                if segment.segment_id() not in chosen:
                    kept.append(segment)
                    continue
                with SegmentReader(writer.storage, writer.schema, segment) as reader:
                    writer.add_reader(reader)
            return kept

        with batch_writer(self, undone="the index is unchanged") as writer:
            writer.merge_jobs = jobs
            writer.commit(mergetype=policy)
        return len(chosen)

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
        return ingest(self, articles, jobs=jobs, batch_size=batch_size, progress=progress,
                      merge=merge)

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
                removed += writer.delete_by_term("id", article_id)
        return removed

    def _writer(self) -> Any:
        try:
            return TermPoolWriter(self._ix, timeout=WRITER_TIMEOUT)
        except LockError:
            raise IndexLocked(str(self.path)) from None

    # --- reading ---------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None."""
        with self._searcher() as searcher:
            stored = searcher.document(id=article_id)
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
        """
        compiled = self._compile(query, actor, place, date, published, match, syntax)
        if compiled.query is None:
            return SearchResults([], 0, query or "", parsed=compiled.parsed,
                                 filters=compiled.filters)
        with self._searcher() as searcher:
            ranked, total = _ranked(searcher, compiled, limit or None)
            hits = [self._hit(searcher.stored_fields(docnum), score, compiled.highlight)
                    for docnum, score in ranked]
        whoosh_query = compiled.query
        return SearchResults(
            hits, total, query or "", compiled.terms, parsed=compiled.parsed,
            filters=compiled.filters,
            _count_facets=lambda: self._count_facets(whoosh_query),
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
        if compiled.query is None:
            return
        with self._searcher() as searcher:
            for docnum, score in _ranked(searcher, compiled, None)[0]:
                stored = searcher.stored_fields(docnum)
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
        with self._searcher() as searcher:
            return len(evaluate(searcher, compiled.query))

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """Articles whose ``fieldname`` (``exact``, ``stem``, ``broad`` …) holds ``term``."""
        with self._searcher() as searcher:
            return searcher.doc_frequency(fieldname, term)

    def similar_terms(self, fieldname: str, term: str, maxdist: int = 1, limit: int = 5
                      ) -> list[tuple[str, int]]:
        """Indexed terms within ``maxdist`` edits of ``term``, closest and commonest
        first, with their article counts (for "did you mean")."""
        with self._searcher() as searcher:
            reader = searcher.reader()
            found = []
            for candidate in reader.terms_within(fieldname, term, maxdist):
                if candidate == term:
                    continue
                found.append((edit_distance(term, candidate),
                              -reader.doc_frequency(fieldname, candidate), candidate))
        return [(t, -negfreq) for _, negfreq, t in sorted(found)[:limit]]

    def _compile(self, query: str | None, actor: str | list[str] | None,
                 place: str | list[str] | None, date: str | None, published: str | None,
                 match: str = "all", syntax: bool = True) -> _Compiled:
        """The Whoosh query of a search; ``query`` None when only stopwords were given."""
        filters = {"actor": as_list(actor), "place": as_list(place),
                   "date": [date] if date else [], "published": [published] if published else []}
        clauses = [self._filter_query(name, value)
                   for name, values in filters.items() for value in values]
        compiled = _Compiled(None, filters=filters)
        if query and query.strip():
            parsed = parse_query(query, match=match, syntax=syntax, resolve=self._filter_query,
                                 analyzer=getattr(self, "analyzer", None))
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
                                analyzer=getattr(self, "analyzer", None))
        return date_query(value, ("published", "dates") if fieldname == "date" else ("published",))

    def _count_by(self, whoosh_query: wq.Query, fieldname: str,
                  key: Callable[[str], str | None] | None) -> dict[str, int]:
        docs: dict[str, set[int]] = {}
        with self._searcher() as searcher:
            for value, docnums in _grouped(searcher, whoosh_query, [fieldname])[fieldname].items():
                label = key(value) if key and value else value
                if label:
                    docs.setdefault(label, set()).update(docnums)
        return {label: len(numbers) for label, numbers in sorted(docs.items())}

    def _count_facets(self, whoosh_query: wq.Query) -> dict[str, dict[str, int]]:
        with self._searcher() as searcher:
            groups = _grouped(searcher, whoosh_query, list(FACETS.values()))
            return {name: self._facet(name, groups[field], searcher)
                    for name, field in FACETS.items()}

    def _facet(self, name: str, groups: dict[Any, list[int]], searcher: Any) -> dict[str, int]:
        """Articles per display name, largest first (months in order).

        Ids that share a name (the governorate and the city of دير الزور) are
        counted together, each article once.
        """
        docs: dict[str, set[int]] = {}
        for key, docnums in groups.items():
            if key:
                if name == "months":
                    label = key
                elif name == "sources":
                    # source_key is lower-cased: show the spelling of an article.
                    stored = searcher.document(source_key=key) or {}
                    label = stored.get("source") or key
                else:
                    label = self._display_name(key)
                docs.setdefault(label, set()).update(docnums)
        counts = {label: len(numbers) for label, numbers in docs.items()}
        if name == "months":
            return dict(sorted(counts.items()))
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def _display_name(self, entity_id: str) -> str:
        entry = self.gazetteer.get(entity_id)
        if entry is not None:
            return entry.name_ar
        return entity_id.split(":", 2)[-1]

    @staticmethod
    def _hit(stored: dict[str, Any], score: float, highlight: set[str]) -> Hit:
        snippet, spans = make_snippet(stored.get("text", ""), highlight)
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
    """A search compiled to Whoosh, and what it was compiled from."""

    query: wq.Query | None
    parsed: ParsedQuery | None = None
    terms: list[str] = field(default_factory=list)
    highlight: set[str] = field(default_factory=set)
    filters: dict[str, list[str]] = field(default_factory=dict)


def _grouped(searcher: Any, whoosh_query: wq.Query, fieldnames: list[str]
             ) -> dict[str, dict[Any, list[int]]]:
    """The matches of a query grouped by the values of each field: {field: {value: docnums}}.

    Matches come from ``arsearch.engine.evaluate``; values from the stored fields
    (``arsearch.engine.facets``), or for other fields from Whoosh's facet collector.
    """
    docnums = set(evaluate(searcher, whoosh_query))
    if not docnums:
        return {name: {} for name in fieldnames}
    if all(name in STORED_FIELDS for name in fieldnames):
        return group_stored(searcher, docnums, fieldnames)
    facets = {name: sorting.FieldFacet(name, allow_overlap=name != "published",
                                       maptype=sorting.UnorderedList) for name in fieldnames}
    results = searcher.search(wq.Every(), limit=1, groupedby=facets, filter=docnums)
    return {name: results.groups(name) for name in fieldnames}


def _ranked(searcher: Any, compiled: _Compiled, limit: int | None
            ) -> tuple[list[tuple[int, float]], int]:
    """(docnum, score) of the first ``limit`` matches (all with None), and how many match.

    Ranked by score; without words to rank by, newest first (score 0).
    """
    if not compiled.terms:
        docnums, total = newest_first(searcher, compiled.query, limit)
        return [(docnum, 0.0) for docnum in docnums], total
    return top_by_score(searcher, compiled.query, limit or searcher.doc_count() or 1)


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

