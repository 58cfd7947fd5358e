"""Help for a search that found nothing: what was searched, and what is near.

``no_match_help`` reports, for each query word, the forms actually searched
(normalized word, stems, broad key) and how many articles each word finds on
its own; for each prefix (``دا*``), the indexed words it stood for; for
each actor or place, the gazetteer ids it resolved to; for each date, the
range read. Words that find nothing get the nearest indexed words (a small
edit distance away in the index's lexicon). An actor or a place that finds
nothing gets the actors or places of the index whose names contain it
(``حزب الله`` -> كتائب حزب الله), most frequent first, then gazetteer names a
few edits away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arsearch.errors import ArsearchError
from arsearch.extract.gazetteer import name_key
from arsearch.index import Index, SearchResults, edit_distance
from arsearch.models import discovered_id, plural
from arsearch.query.filters import parse_date_range
from arsearch.text.normalize import normalize

MAX_SUGGESTIONS = 5
#: Characters of the query echoed back; a longer one is cut and ends in "…".
MAX_QUERY_ECHO = 80
#: Query words explained one per line (and terms listed after "searched:");
#: the rest are counted, so a pasted 5,000-word text gives a few lines, not thousands.
MAX_WORDS = 20


def shorten(text: str, limit: int = MAX_QUERY_ECHO) -> str:
    """``text`` cut to ``limit`` characters, the last one "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class WordHelp:
    """One query word: what was searched for it and how often it occurs."""

    word: str
    field: str | None
    exact: str
    stems: list[str]
    broad: str
    articles: int
    suggestions: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class PrefixHelp:
    """One prefix (``دا*``): the indexed words it stood for and how often it matches."""

    word: str
    prefix: str
    expanded: int
    capped: bool
    articles: int


@dataclass
class FilterHelp:
    """One filter (``--actor``, ``place:`` …): what it resolved to and how often it matches."""

    field: str
    value: str
    resolved: list[tuple[str, str]]  # (id, name); for dates (low, high)
    articles: int
    suggestions: list[str] = field(default_factory=list)
    """Gazetteer names a few edits from the value (when it resolves to nothing)."""
    containing: list[tuple[str, int]] = field(default_factory=list)
    """Actors or places of the index whose names contain the value, with the
    articles each finds as a filter (when the value alone finds none)."""


@dataclass
class NoMatchHelp:
    """Why a search found nothing, and what to try instead."""

    query: str
    terms: list[str] = field(default_factory=list)
    words: list[WordHelp] = field(default_factory=list)
    prefixes: list[PrefixHelp] = field(default_factory=list)
    filters: list[FilterHelp] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    more_words: int = 0
    """Query words past ``MAX_WORDS``, not explained in ``words``."""
    stopwords: list[str] = field(default_factory=list)
    """Query words dropped as stopwords, as typed."""

    def lines(self) -> list[str]:
        """The help as lines of text, for stderr (the query cut to ``MAX_QUERY_ECHO``
        characters, at most ``MAX_WORDS`` words and terms)."""
        head = f"no matches for {shorten(self.query)!r}" if self.query.strip() else "no matches"
        terms = self.terms[:MAX_WORDS]
        if len(self.terms) > MAX_WORDS:
            terms.append(f"… {len(self.terms) - MAX_WORDS} more")
        searched = ", ".join(terms) or ("no searchable words"
                                        if self.query.strip() else "filters only")
        if self.stopwords:
            dropped = list(dict.fromkeys(self.stopwords))
            more = f" … {len(dropped) - MAX_WORDS} more" if len(dropped) > MAX_WORDS else ""
            searched += f"; stopwords left out: {' '.join(dropped[:MAX_WORDS])}{more}"
        out = [f"{head} (searched: {searched})"]
        for w in self.words:
            where = f" in {w.field}" if w.field else ""
            forms = "|".join(dict.fromkeys([w.exact, *w.stems, w.broad]))
            line = f"  word {shorten(w.word)}{where}: searched {forms}; {_articles(w.articles)}"
            if w.suggestions:
                line += "; did you mean " + ", ".join(f"{t} ({n})" for t, n in w.suggestions)
            out.append(line)
        if self.more_words:
            out.append(f"  … and {plural(self.more_words, 'more word')}")
        for p in self.prefixes:
            if not p.expanded:
                what = f"no indexed word begins with {p.prefix}"
            else:
                words = f"first {p.expanded:,} words" if p.capped else plural(p.expanded, "word")
                what = f"searched the {words} of the index beginning with {p.prefix}"
            out.append(f"  prefix {shorten(p.word)}: {what}; {_articles(p.articles)}")
        for f in self.filters:
            if f.field in ("date", "published"):
                low, high = f.resolved[0]
                what = f"{low or '…'}..{high or '…'}"
            elif f.resolved:
                names = ", ".join(f"{name} ({i})" for i, name in f.resolved[:6])
                more = f" +{len(f.resolved) - 6} more" if len(f.resolved) > 6 else ""
                what = f"{names}{more} and everything under them"
            else:
                what = "not in the gazetteer: searched as a discovered name or a phrase"
            line = f"  {f.field} {shorten(f.value)}: {what}; {_articles(f.articles)}"
            named = {name for name, _ in f.containing}
            offers = [f"{name} ({n})" for name, n in f.containing]
            offers += [name for name in f.suggestions if name not in named]
            if offers:
                line += "; did you mean " + ", ".join(offers[:MAX_SUGGESTIONS])
            out.append(line)
        out += [f"  hint: {hint}" for hint in self.hints]
        return out


def capped_notes(results: SearchResults) -> list[str]:
    """One line per prefix of the search that stood for more words than it searched
    (``MAX_EXPANSIONS``): its matches may be incomplete, so say so even with hits."""
    parsed = results.parsed
    return [f"{p.typed} begins more than {len(p.expanded):,} indexed words; searched the "
            f"first {len(p.expanded):,} in alphabetical order (a longer prefix narrows it)"
            for p in (parsed.prefixes if parsed else []) if p.capped]


def _articles(n: int) -> str:
    return f"{plural(n, 'article')} alone"


def no_match_help(index: Index, results: SearchResults, *, match: str = "all") -> NoMatchHelp:
    """Explain an empty ``results`` of ``index.search`` (see the module doc)."""
    help_ = NoMatchHelp(results.query, list(results.terms))
    parsed = results.parsed
    # A query of stopwords alone is not parsed; its words are read again here.
    help_.stopwords = (parsed.stopwords if parsed else
                       index.analyzer.stopwords_in(results.query))
    words = parsed.words if parsed else []
    help_.more_words = max(0, len(words) - MAX_WORDS)
    for fieldname, typed, term in words[:MAX_WORDS]:
        articles = index.count(typed, syntax=False)
        suggestions = [] if articles else _near_terms(index, term.exact)
        help_.words.append(WordHelp(typed, "title" if fieldname == "title_terms" else None,
                                    term.exact, list(term.stems), term.broad, articles,
                                    suggestions))
    for prefix in parsed.prefixes if parsed else []:
        typed = f"{prefix.field}:{prefix.typed}" if prefix.field else prefix.typed
        help_.prefixes.append(PrefixHelp(typed, prefix.prefix, len(prefix.expanded),
                                         prefix.capped, index.count(typed)))
    filters = [(name, value) for name, values in results.filters.items() for value in values]
    filters += [(name, value) for name, value, negated in (parsed.filters if parsed else [])
                if not negated]
    for name, value in filters:
        help_.filters.append(_filter_help(index, name, value))
    parts = ([w.articles for w in help_.words] + [p.articles for p in help_.prefixes]
             + [f.articles for f in help_.filters])
    if len(parts) > 1 and all(parts):
        help_.hints.append("each part matches on its own, but not all of them together")
        if match == "all" and len(help_.words) > 1:
            help_.hints.append("--any ranks articles that have any of the words")
    return help_


def _near_terms(index: Index, word: str) -> list[tuple[str, int]]:
    """Indexed words close to ``word``: whole words first, then stems."""
    maxdist = 1 if len(word) <= 4 else 2
    found: dict[str, int] = {}
    for fieldname in ("exact", "stem"):
        for term, n in index.similar_terms(fieldname, word, maxdist, MAX_SUGGESTIONS):
            found.setdefault(term, n)
    ranked = sorted(found.items(), key=lambda kv: (edit_distance(word, kv[0]), -kv[1]))
    return ranked[:MAX_SUGGESTIONS]


def _filter_help(index: Index, name: str, value: str) -> FilterHelp:
    if name in ("date", "published"):
        try:
            resolved = [parse_date_range(value)]
        except ArsearchError:
            resolved = [(None, None)]
        return FilterHelp(name, value, resolved, index.count(**{name: value}))
    gazetteer = index.gazetteer
    entries = [e for e in gazetteer.resolve(value) if e.kind == name or e.type == "country"]
    articles = index.count(**{name: value})
    suggestions = [] if entries else near_names(index, name, value)
    containing = [] if articles else names_containing(index, name, value)
    return FilterHelp(name, value, [(e.id, e.name_ar) for e in entries], articles, suggestions,
                      containing)


def names_containing(index: Index, kind: str, value: str, limit: int = MAX_SUGGESTIONS
                     ) -> list[tuple[str, int]]:
    """Actors or places (``kind``) the index holds whose names contain ``value``, with
    the articles each finds as a filter, most first: at most ``limit``.

    Names are compared in their folded search form (hamza, ta marbuta, diacritics
    and clitics on the first word ignored), so ``حزب اللة`` finds كتائب حزب الله.
    A gazetteer entry counts with its aliases; a discovered name by its spelling.
    """
    target = " ".join(name_key(value))
    if not target:
        return []
    gazetteer = index.gazetteer
    field = f"{kind}_ids"
    mentioned: dict[str, int] = {}  # display name -> articles naming it (a first ranking)
    # Gazetteer entries by any of their names (already folded), then those the index holds.
    known = {entity_id for key, ids in gazetteer.names.items() if target in " ".join(key)
             for entity_id in ids}
    for entity_id in sorted(known):
        entry = gazetteer.get(entity_id)
        articles = index.doc_frequency(field, entity_id)
        if entry is not None and articles:  # a country is an actor too (روسيا)
            mentioned[entry.name_ar] = mentioned.get(entry.name_ar, 0) + articles
    # Discovered names: their ids hold the folded name.
    discovered = discovered_id(kind, "")
    for entity_id, articles in index.terms(field, discovered):
        name = entity_id[len(discovered):]
        if target in name:
            mentioned[name] = mentioned.get(name, 0) + articles
    candidates = sorted(mentioned.items(), key=lambda kv: (-kv[1], kv[0]))[:2 * limit]
    # What each name finds as a filter (its units or the places inside it too), and
    # not a deleted article, which the term counts keep until a merge.
    counted = [(name, index.count(**{kind: name})) for name, _ in candidates
               if " ".join(name_key(name)) != target]
    return sorted((c for c in counted if c[1]), key=lambda kv: (-kv[1], kv[0]))[:limit]


def near_names(index: Index, kind: str, value: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Gazetteer names of actors or places (``kind``) a few edits from ``value``."""
    target = normalize(value)
    maxdist = 1 if len(target) <= 4 else 2
    scored: dict[str, int] = {}
    for entry in index.gazetteer:
        if entry.kind != kind:
            continue
        for name in (entry.name_ar, *entry.names):
            folded = normalize(name)
            if abs(len(folded) - len(target)) > maxdist:
                continue
            distance = edit_distance(target, folded)
            if distance <= maxdist:
                best = scored.get(entry.name_ar)
                scored[entry.name_ar] = distance if best is None else min(best, distance)
    return [name for name, _ in sorted(scored.items(), key=lambda kv: (kv[1], kv[0]))][:limit]
