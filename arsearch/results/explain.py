"""Why a hit matched: the words found for each query word, the actor and place
mentions behind each filter, and the dates within each date range.

Explaining re-reads the article (analysis with the index's analyzer and
extraction, as at ingest), so it is meant for the few hits on screen, not
for a whole result set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from arsearch.errors import ArsearchError
from arsearch.extract import extract
from arsearch.index import Index, SearchResults
from arsearch.models import Hit, Mention, discovered_id
from arsearch.query.filters import parse_date_range
from arsearch.text.normalize import normalize

_HIGH = "\uffff"  # as in arsearch.query.filters: the end of a range at its precision


@dataclass
class Explanation:
    """Why one article matched.

    Attributes:
        id: the article.
        words: (query word, [(form in the article, how it matched, count)]);
            ``how`` is ``exact``, ``stem``, ``broad``, ``title`` or ``prefix``
            (a word of the article that a query's ``دا*`` stood for).
        entities: (filter, [(name, id, [surface forms in the article])]).
        dates: (filter, [dates of the article within the range]).
    """

    id: str
    words: list[tuple[str, list[tuple[str, str, int]]]] = field(default_factory=list)
    entities: list[tuple[str, list[tuple[str, str, list[str]]]]] = field(default_factory=list)
    dates: list[tuple[str, list[str]]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The explanation as short lines of text."""
        out = []
        for word, found in self.words:
            forms = ", ".join(f"{form} ({how}{f' ×{n}' if n > 1 else ''})"
                              for form, how, n in found) or "not in the text (an OR branch)"
            out.append(f"{word} ← {forms}")
        for label, found in self.entities:
            if not found:
                out.append(f"{label} ← as a phrase in the text")
                continue
            parts = [f"{name} [{eid}]" + (f" «{'، '.join(texts)}»" if texts else "")
                     for name, eid, texts in found]
            out.append(f"{label} ← {'; '.join(parts)}")
        for label, values in self.dates:
            out.append(f"{label} ← {', '.join(values) or '?'}")
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "words": {w: [{"form": f, "how": how, "count": n} for f, how, n in found]
                      for w, found in self.words},
            "entities": {label: [{"name": name, "id": eid, "text": texts}
                                 for name, eid, texts in found]
                         for label, found in self.entities},
            "dates": dict(self.dates),
        }


def explain(index: Index, results: SearchResults, hit: Hit) -> Explanation:
    """Why ``hit`` (one of ``results``) matched the search that found it."""
    out = Explanation(hit.id)
    article = index.get(hit.id)
    if article is None:
        return out
    parsed = results.parsed
    if parsed is not None and parsed.words:
        # (term, the string its offsets point into)
        title = article.title or ""
        analyzer = index.analyzer
        title_terms = [(t, title) for t in analyzer.analyze_terms(title)]
        body_terms = title_terms + [(t, article.text)
                                    for t in analyzer.analyze_terms(article.text)]
        for fieldname, typed, word in parsed.words:
            in_title = fieldname == "title_terms"
            found: Counter[tuple[str, str]] = Counter()
            for t, source in title_terms if in_title else body_terms:
                how = _how(word.exact, word.stems, word.broad, t.exact, t.stems, t.broad)
                if how:
                    found[(source[t.start:t.end], "title" if in_title else how)] += 1
            out.words.append((typed, [(f, how, n) for (f, how), n in found.most_common()]))
    for prefix in parsed.prefixes if parsed is not None else []:
        if prefix.field is None:  # a prefix of words (source: and id: need no explaining)
            stood_for = set(prefix.expanded)
            found = Counter(source[t.start:t.end] for source in (article.title or "", article.text)
                            for t in index.analyzer.analyze_terms(source)
                            if t.exact in stood_for)
            out.words.append((prefix.typed, [(f, "prefix", n) for f, n in found.most_common()]))
    filters = [(name, value) for name, values in results.filters.items() for value in values]
    filters += [(name, value) for name, value, negated in (parsed.filters if parsed else [])
                if not negated]
    mentions = None
    for name, value in filters:
        label = f"{name}:{value}"
        if name in ("date", "published"):
            dates = [hit.published] if hit.published else []
            if name == "date":
                dates += [d for d in hit.dates if d != hit.published]
            out.dates.append((label, [d for d in dates if in_range(d, value)]))
            continue
        if mentions is None:
            body = f"{article.title}\n{article.text}" if article.title else article.text
            mentions = extract(body, article.published, gazetteer=index.gazetteer)
        out.entities.append((label, _entity_matches(index, name, value, mentions)))
    return out


def _how(q_exact: str, q_stems: tuple[str, ...], q_broad: str,
         exact: str, stems: tuple[str, ...], broad: str) -> str | None:
    if exact == q_exact:
        return "exact"
    if set(stems) & set(q_stems):
        return "stem"
    if broad == q_broad:
        return "broad"
    return None


def _entity_matches(index: Index, kind: str, value: str, mentions: list[Mention]
                    ) -> list[tuple[str, str, list[str]]]:
    gazetteer = index.gazetteer
    ids: set[str] = set()
    for entry in gazetteer.resolve(value):
        if entry.kind == kind or entry.type == "country":
            ids |= gazetteer.descendants(entry.id)
    if not ids:
        ids = {discovered_id(kind, normalize(value))}
    found: dict[str, tuple[str, list[str]]] = {}
    for m in mentions:
        if m.kind == kind and m.id in ids:
            name, texts = found.setdefault(m.id, (m.name, []))
            if m.text not in texts:
                texts.append(m.text)
    return [(name, eid, texts) for eid, (name, texts) in found.items()]


def in_range(value: str, range_text: str) -> bool:
    """Whether an ISO date lies within a range, exactly as the date filters decide.

    >>> in_range("2019-03-15", "2019"), in_range("2019", "2019-03")
    (True, False)
    """
    try:
        low, high = parse_date_range(range_text)
    except ArsearchError:
        return False
    return (low is None or value >= low) and (high is None or value <= high + _HIGH)
