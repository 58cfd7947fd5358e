"""The Whoosh schema of an arsearch index, and how an Article becomes a document.

Analysis runs once per article in Python (``arsearch.text.analyzer``); the index
fields receive the resulting terms as space-separated strings and only split
them. That keeps one analysis chain for documents and queries, and lets the
expensive part run wherever the caller likes (e.g. worker processes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import Token, Tokenizer

from arsearch.engine.facets import months_of
from arsearch.extract import Gazetteer, extract, extract_many
from arsearch.models import DISCOVERED, Article, Mention
from arsearch.text.analyzer import Analyzer, Term, default_analyzer

#: Bumped whenever analysis or the schema changes the terms of a document.
SCHEMA_VERSION = 9

#: Terms that share a position (the readings of one word) are joined by this.
ALTERNATIVES = "|"
#: A slot that holds no term: it keeps phrases from running across it.
GAP = "\u00b6"


class PreAnalyzedTokenizer(Tokenizer):
    """Split 'a b|c d' into tokens a, b, c, d where b and c share a position.

    Module-level and stateless: Whoosh pickles it into the index schema.
    """

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, slot in enumerate(value.split(), start=start_pos):
            if slot == GAP:
                continue
            for text in slot.split(ALTERNATIVES):
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = pos
                yield token


def _ids_field() -> fields.KEYWORD:
    # Comma-separated: ids of discovered names may contain spaces.
    return fields.KEYWORD(commas=True, scorable=False)


def _terms_field(*, phrase: bool, field_boost: float = 1.0) -> fields.TEXT:
    return fields.TEXT(analyzer=PreAnalyzedTokenizer(), phrase=phrase, field_boost=field_boost)


def build_schema() -> fields.Schema:
    """Fields: stored article data, plus three term fields for the body and one for the title."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # id + content hash, so an unchanged re-ingest is a single term lookup
        id_hash=fields.ID(),
        title=fields.STORED(),
        text=fields.STORED(),
        published=fields.ID(stored=True, sortable=True),
        source=fields.STORED(),
        source_key=fields.ID(),
        author=fields.STORED(),
        url=fields.STORED(),
        exact=_terms_field(phrase=False),
        stem=_terms_field(phrase=True),
        broad=_terms_field(phrase=False),
        title_terms=_terms_field(phrase=True),
        # What the article mentions (arsearch.extract), for filters and facets.
        actor_ids=_ids_field(),
        place_ids=_ids_field(),
        # The ids plus everything above them (الشولا -> دير الزور -> سوريا), so a
        # filter on a country is one term, not one per place in it.
        actor_scope=_ids_field(),
        place_scope=_ids_field(),
        dates=_ids_field(),  # ISO values at their precision: 2019, 2019-03, 2019-03-15
        months=_ids_field(),  # facets.months_of: publication month, else the months mentioned
        mentions=fields.STORED(),  # {"actors": [[id, name]...], "places": ..., "dates": [...]}
        # The article's place in the order of ingest (from 1; 0: not recorded), which
        # breaks ties of score and date. A column only: merges carry it with the article,
        # whatever order they leave the documents in (``arsearch.engine.collect``).
        sequence=fields.COLUMN(columns.NumericColumn("q", default=0)),
    )


def content_hash(article: Article, salt: str = "") -> str:
    """A digest of everything indexed for an article, to skip unchanged re-ingests.

    ``salt`` stands for whatever else shapes the document (the user gazetteer).
    """
    digest = hashlib.blake2b(digest_size=12)
    for value in (article.title, article.text, article.published, article.source,
                  article.author, article.url, str(SCHEMA_VERSION), salt):
        digest.update((value or "").encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def id_hash_key(article_id: str, digest: str) -> str:
    """The ``id_hash`` term of an article."""
    return f"{article_id}\x1f{digest}"


def _join(*parts: Iterable[Term]) -> tuple[str, str, str]:
    """The exact, stem and broad field strings of several texts, a GAP between them."""
    exact, stem, broad = [], [], []
    for i, terms in enumerate(parts):
        if i:
            stem.append(GAP)
        for term in terms:
            exact.append(term.exact)
            stem.append(ALTERNATIVES.join(term.stems))
            # A broad key equal to a stem adds nothing the stem field does not
            # rank higher already; leaving it out saves a sixth of all postings.
            if term.broad not in term.stems:
                broad.append(term.broad)
    return " ".join(exact), " ".join(stem), " ".join(broad)


def mention_fields(mentions: list[Mention], published: str | None,
                   gazetteer: Gazetteer | None = None) -> dict[str, Any]:
    """Filter, facet and stored fields for what an article mentions."""
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
    by_kind: dict[str, dict[str, str]] = {"actor": {}, "place": {}}
    dates: dict[str, None] = {}
    for mention in mentions:
        if mention.kind == "date" and mention.value:
            dates[mention.value] = None
        elif mention.kind in by_kind:
            by_kind[mention.kind].setdefault(mention.id, mention.name)
    # Filters reach discovered names (new:...) through the ids field, so the
    # scope holds gazetteer entries only: a discovered name is most often seen
    # once, and as a second term it made a seventh of a segment's terms.
    scope = {kind: {a: None for i in ids if not i.startswith(DISCOVERED)
                    for a in (i, *gazetteer.ancestors(i))}
             for kind, ids in by_kind.items()}
    return {
        "actor_ids": ",".join(by_kind["actor"]),
        "place_ids": ",".join(by_kind["place"]),
        "actor_scope": ",".join(scope["actor"]),
        "place_scope": ",".join(scope["place"]),
        "dates": ",".join(dates),
        "months": ",".join(months_of(published, dates)),
        "mentions": {
            "actors": [[i, n] for i, n in by_kind["actor"].items()],
            "places": [[i, n] for i, n in by_kind["place"].items()],
            "dates": list(dates),
        },
    }


def article_body(article: Article) -> str:
    """What is analysed and extracted from: the title, a line break, the text."""
    return f"{article.title}\n{article.text}" if article.title else article.text


def extract_articles(articles: Sequence[Article], gazetteer: Gazetteer | None = None
                     ) -> list[list[Mention]]:
    """The mentions ``to_document`` finds in each article, found for all at once
    (``arsearch.extract.extract_many``: faster per article)."""
    return extract_many([article_body(a) for a in articles], [a.published for a in articles],
                        gazetteer=gazetteer, sources=[a.source for a in articles])


def to_document(article: Article, digest: str | None = None,
                gazetteer: Gazetteer | None = None,
                mentions: list[Mention] | None = None, *,
                analyzer: Analyzer | None = None) -> dict[str, Any]:
    """The Whoosh document for an article (analysis and extraction happen here).

    ``mentions``: the article's, if ``extract_articles`` already found them.
    ``analyzer``: the index's (``Index.analyzer``); None for the bundled settings.
    """
    analyzer = analyzer if analyzer is not None else default_analyzer()
    digest = digest or content_hash(article)
    body = article_body(article)
    if mentions is None:
        mentions = extract(body, article.published, gazetteer=gazetteer, source=article.source)
    # The body's words were just tokenized (and cached) for extraction; the
    # title's are those before the line break that ends it.
    terms = list(analyzer.analyze_terms(body))
    title_end = len(article.title) if article.title else -1
    split = next((i for i, term in enumerate(terms) if term.start > title_end), len(terms))
    title_terms = terms[:split]
    # The title is searched as part of the body too (it often names the subject
    # the text only refers to), besides its own boosted field.
    exact, stem, broad = _join(title_terms, terms[split:])
    title_stems = " ".join(ALTERNATIVES.join(t.stems) for t in title_terms)
    doc: dict[str, Any] = {
        "id": article.id,
        "id_hash": id_hash_key(article.id, digest),
        "title": article.title,
        "text": article.text,
        "exact": exact,
        "stem": stem,
        "broad": broad,
        "title_terms": title_stems,
        "source": article.source,
        "author": article.author,
        "url": article.url,
    }
    doc.update(mention_fields(mentions, article.published, gazetteer))
    if article.published:
        doc["published"] = article.published
    if article.source:
        doc["source_key"] = article.source.lower()
    return {k: v for k, v in doc.items() if v is not None and v != ""}
