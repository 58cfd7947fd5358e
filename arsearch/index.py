"""``Index``: create, fill and search an arsearch index stored in a directory.

An index is a Whoosh index plus ``arsearch.json`` (the schema version it
was built with). Writes go through one Whoosh writer at a time; searches
open a fresh searcher, so they see the last committed state.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh import query as wq
from whoosh import scoring, sorting
from whoosh.writing import LockError

from arsearch.errors import (
    ArsearchError,
    IndexExists,
    IndexLocked,
    IndexNotFound,
    InputError,
    SchemaMismatch,
)
from arsearch.extract.gazetteer import Gazetteer
from arsearch.filters import as_list, date_query, entity_query
from arsearch.models import Article, Hit
from arsearch.query import parse_query
from arsearch.readers import read_paths
from arsearch.schema import SCHEMA_VERSION, build_schema, content_hash, id_hash_key, to_document
from arsearch.snippet import make_snippet

META_FILE = "arsearch.json"
GAZETTEER_DIR = "gazetteer"  # user gazetteer files copied into the index
FACETS = {"actors": "actor_ids", "places": "place_ids", "months": "months"}
DEFAULT_BATCH = 5000
WRITER_TIMEOUT = 30.0
#: BM25 parameters, tuned on the relevance dev sets (benchmarks/relevance.py):
#: a low k1 saturates repeated terms early, so a passage matching more of
#: the query's distinct words outranks one repeating a single word.
BM25_B = 0.75
BM25_K1 = 0.6


@dataclass
class IngestReport:
    """Counts of what an ingest did; ``errors`` holds one line per skipped input."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def indexed(self) -> int:
        """Articles written (added or replaced)."""
        return self.added + self.replaced

    def summary(self) -> str:
        """One line: added / replaced / unchanged / failed, time and rate."""
        rate = self.indexed / self.seconds if self.seconds > 0 else 0.0
        return (f"added {self.added}, replaced {self.replaced}, unchanged {self.unchanged}, "
                f"failed {self.failed} in {self.seconds:.1f}s ({rate:.0f} docs/s)")


@dataclass
class SearchResults:
    """Hits of one search. Iterate for hits; ``total`` counts every match."""

    hits: list[Hit]
    total: int
    query: str
    terms: list[str] = field(default_factory=list)
    _count_facets: Callable[[], dict[str, dict[str, int]]] | None = field(default=None, repr=False)
    _facets: dict[str, dict[str, int]] | None = field(default=None, repr=False)

    @property
    def facets(self) -> dict[str, dict[str, int]]:
        """Articles per actor, place and month over the whole result set.

        ``{"actors": {name: n}, "places": {...}, "months": {"2019-03": n}}``,
        largest first (months in order). Counted on first access only.
        """
        if self._facets is None:
            self._facets = self._count_facets() if self._count_facets else {
                name: {} for name in FACETS}
        return self._facets

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]


class Index:
    """An arsearch index in a directory. Use ``create`` or ``open``, not the constructor."""

    def __init__(self, path: Path, whoosh_index: windex.Index,
                 gazetteer: Iterable[str | os.PathLike[str]] = ()) -> None:
        self.path = path
        self._ix = whoosh_index
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
            ix = windex.create_in(str(directory), build_schema())
            (directory / META_FILE).write_text(
                json.dumps({"schema_version": SCHEMA_VERSION}) + "\n", encoding="utf-8"
            )
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
        try:
            meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
            found = meta.get("schema_version") if isinstance(meta, dict) else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            found = "unreadable"
        if found != SCHEMA_VERSION:
            raise SchemaMismatch(str(directory), found, SCHEMA_VERSION)
        return cls(directory, windex.open_dir(str(directory)), gazetteer)

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
        digest = hashlib.blake2b(digest_size=8)
        for name in self._gazetteer_files():
            digest.update(Path(name).read_bytes())
        return digest.hexdigest()

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` holds an arsearch index."""
        directory = Path(path)
        return (directory / META_FILE).is_file() and windex.exists_in(str(directory))

    def __len__(self) -> int:
        with self._ix.searcher() as searcher:
            return searcher.doc_count()

    def __repr__(self) -> str:
        return f"Index({str(self.path)!r})"

    # --- writing ---------------------------------------------------------

    def add_articles(self, articles: Iterable[Article | dict[str, Any] | InputError], *,
                     batch_size: int = DEFAULT_BATCH) -> IngestReport:
        """Index articles (``Article``s or JSON Lines style dicts).

        An article whose id is already indexed replaces it; one whose content
        is unchanged is skipped. Bad records are counted and reported, never
        fatal. Commits every ``batch_size`` articles so memory stays flat.
        """
        report = IngestReport()
        started = time.perf_counter()
        # A changed user gazetteer changes what is extracted: re-extract then.
        salt = self._gazetteer_digest()
        batch: dict[str, tuple[Article, str]] = {}
        for item in articles:
            article = self._validate(item, report)
            if article is None:
                continue
            batch[article.id] = (article, content_hash(article, salt))
            if len(batch) >= batch_size:
                self._write(batch, report)
                batch = {}
        if batch:
            self._write(batch, report)
        report.seconds = time.perf_counter() - started
        return report

    def add_paths(self, paths: Iterable[str | os.PathLike[str]], *,
                  batch_size: int = DEFAULT_BATCH) -> IngestReport:
        """Index files and directories (``.txt``, ``.jsonl``, ``.jsonl.gz``)."""
        if isinstance(paths, str | os.PathLike):
            paths = [paths]
        return self.add_articles(read_paths(paths), batch_size=batch_size)

    def delete(self, ids: Iterable[str]) -> int:
        """Remove articles by id; returns how many were removed."""
        removed = 0
        with self._writer() as writer:
            for article_id in ids:
                removed += writer.delete_by_term("id", article_id)
        return removed

    @staticmethod
    def _validate(item: Article | dict[str, Any] | InputError, report: IngestReport
                  ) -> Article | None:
        if isinstance(item, InputError):
            report.failed += 1
            report.errors.append(str(item))
            return None
        if isinstance(item, Article):
            return item
        try:
            return Article.from_dict(item)
        except ArsearchError as exc:
            report.failed += 1
            report.errors.append(str(exc))
            return None

    def _writer(self) -> Any:
        try:
            return self._ix.writer(timeout=WRITER_TIMEOUT)
        except LockError:
            raise IndexLocked(str(self.path)) from None

    def _write(self, batch: dict[str, tuple[Article, str]], report: IngestReport) -> None:
        with self._ix.searcher() as searcher:
            reader = searcher.reader()
            todo = []
            for article_id, (article, digest) in batch.items():
                if _live(reader, "id_hash", id_hash_key(article_id, digest)):
                    report.unchanged += 1
                else:
                    todo.append((article, digest, _live(reader, "id", article_id)))
        if not todo:
            return
        gazetteer = self.gazetteer
        with self._writer() as writer:
            for article, digest, existed in todo:
                writer.update_document(**to_document(article, digest, gazetteer))
                if existed:
                    report.replaced += 1
                else:
                    report.added += 1

    # --- reading ---------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None."""
        with self._ix.searcher() as searcher:
            stored = searcher.document(id=article_id)
        if stored is None:
            return None
        return Article(**{k: stored.get(k) for k in (
            "id", "text", "title", "published", "source", "author", "url")})

    def search(self, query: str | None = None, *, actor: str | list[str] | None = None,
               place: str | list[str] | None = None, date: str | None = None,
               published: str | None = None, match: str = "all", limit: int | None = 10,
               syntax: bool = True) -> SearchResults:
        """Search with the query language of ``arsearch.query``, narrowed by filters.

        Args:
            query: words, "phrases", OR, -exclusions, field prefixes; empty or
                None lists every article that passes the filters (all articles
                without filters), newest first.
            actor: a name (or names, all required) resolved as in ``arsearch.filters``.
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
        filters = self._filters(actor, place, date, published)
        terms: list[str] = []
        highlight: set[str] = set()
        if query and query.strip():
            parsed = parse_query(query, match=match, syntax=syntax)
            if parsed is None:
                return SearchResults([], 0, query)
            whoosh_query, terms, highlight = parsed.query, parsed.terms, parsed.highlight
        else:
            whoosh_query = wq.Every()
        if filters:
            whoosh_query = wq.And([whoosh_query, *filters])
        return self._run(whoosh_query, query or "", terms, highlight, limit, by_date=not terms)

    def _filters(self, actor: str | list[str] | None, place: str | list[str] | None,
                 date: str | None, published: str | None) -> list[wq.Query]:
        filters = [entity_query(name, "actor", self.gazetteer) for name in as_list(actor)]
        filters += [entity_query(name, "place", self.gazetteer) for name in as_list(place)]
        if date:
            filters.append(date_query(date, ("published", "dates")))
        if published:
            filters.append(date_query(published, ("published",)))
        return filters

    def _run(self, whoosh_query: wq.Query, query: str, terms: list[str], highlight: set[str],
             limit: int | None, by_date: bool = False) -> SearchResults:
        limit = limit or None
        # Without words to rank by, newest first.
        order = sorting.FieldFacet("published", reverse=True) if by_date else None
        with self._ix.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1)) as searcher:
            results = searcher.search(whoosh_query, limit=limit, sortedby=order)
            total = len(results)
            # Sorted by date, Whoosh reports the sort key as the score: no score then.
            hits = [self._hit(hit.fields(), 0.0 if by_date else hit.score or 0.0, highlight)
                    for hit in results]
        return SearchResults(hits, total, query, terms,
                             _count_facets=lambda: self._count_facets(whoosh_query))

    def _count_facets(self, whoosh_query: wq.Query) -> dict[str, dict[str, int]]:
        grouped = {name: sorting.FieldFacet(field, allow_overlap=True,
                                            maptype=sorting.UnorderedList)
                   for name, field in FACETS.items()}
        with self._ix.searcher() as searcher:
            results = searcher.search(whoosh_query, limit=1, groupedby=grouped)
            return {name: self._facet(name, results.groups(name)) for name in FACETS}

    def _facet(self, name: str, groups: dict[Any, list[int]]) -> dict[str, int]:
        """Articles per display name, largest first (months in order).

        Ids that share a name (the governorate and the city of دير الزور) are
        counted together, each article once.
        """
        docs: dict[str, set[int]] = {}
        for key, docnums in groups.items():
            if key:
                label = key if name == "months" else self._display_name(key)
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
            actors=[name for _, name in mentions.get("actors", [])],
            places=[name for _, name in mentions.get("places", [])],
            dates=list(mentions.get("dates", [])),
        )


def _live(reader: Any, fieldname: str, text: str) -> bool:
    """Whether a term belongs to at least one non-deleted document."""
    if (fieldname, text) not in reader:
        return False
    postings = reader.postings(fieldname, text)
    return any(not reader.is_deleted(docnum) for docnum in postings.all_ids())
