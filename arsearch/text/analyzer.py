"""The analysis chain: text -> index terms, one chain for documents and queries.

Order, and why:

1. ``tokenize`` keeps diacritics, tatweel and obfuscation dots inside words,
   so token offsets point at the original text.
2. ``fold_letters`` strips those marks and folds alef, yeh, digits, case
   and presentation forms, but keeps ة: tashaphyne stops removing the
   feminine ending once it has become ه.
3. Stopwords are dropped (the list is normalized when loaded).
4. Each word yields three kinds of term, searched together with different
   boosts: ``exact`` (the whole normalized word, clitics and all), ``stems``
   (light stems; protected names only lose clitics) and ``broad`` (a
   vowel-less key that also meets broken plurals and verbal nouns).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from arsearch.data import data_lines
from arsearch.text.normalize import fold_letters, normalize_teh_marbuta
from arsearch.text.stem import (
    Stemmer,
    bundled_protected_names,
    protected_keys,
    shared_stemmer,
)
from arsearch.text.tokenize import tokenize

_MIN_ARABIC_LETTERS = 2
#: Entries of each chain's word cache. News vocabulary is Zipfian: full, the
#: caches here and in stem.py cost each ingest worker tens of MB; at 4x the
#: size they pushed two workers past 1.5 GB.
WORD_CACHE_SIZE = 1 << 16

WordAnalysis = tuple[tuple[str, tuple[str, ...], str], ...]


@dataclass(frozen=True, slots=True)
class Term:
    """One analyzed word: its index terms and where it stands in the text."""

    exact: str
    stems: tuple[str, ...]
    broad: str
    start: int
    end: int


def stopword_key(word: str) -> str:
    """The form a stopword is compared in: folded, ة as ه."""
    return normalize_teh_marbuta(fold_letters(word.strip()))


def bundled_stopwords() -> list[str]:
    """The stopwords bundled with arsearch (package data ``stopwords.txt``)."""
    return [line.strip() for line in data_lines("stopwords.txt")]


class Analyzer:
    """The analysis settings of an index, and the chain that applies them.

    Args:
        stopwords: words never indexed or searched; ``None`` for the bundled
            list, a list of words to replace it.
        protected: single-word names that stemming leaves whole (only their
            clitics go); ``None`` for the bundled list, a list to replace it.
        extra_stopwords: words added to ``stopwords`` (bundled or given).
        extra_protected: names added to ``protected`` (bundled or given).

    An index records its analyzer's settings (``settings()``) and restores
    them on open. Analyzers with equal settings share one cache of analyzed
    words; different settings never meet.

    >>> Analyzer().analyze("شنّت الطائرات غاراتٍ على البادية")
    ['شنت', 'طائر', 'غار', 'باديه']
    >>> Analyzer(stopwords=["البادية"]).analyze("غارات على البادية")
    ['غار', 'علي']
    """

    def __init__(self, stopwords: Iterable[str] | None = None,
                 protected: Iterable[str] | None = None, *,
                 extra_stopwords: Iterable[str] = (),
                 extra_protected: Iterable[str] = ()) -> None:
        for name, value in (("stopwords", stopwords), ("protected", protected),
                            ("extra_stopwords", extra_stopwords),
                            ("extra_protected", extra_protected)):
            if isinstance(value, str):
                raise TypeError(f"Analyzer({name}=...) takes a list of words, not one string")
        words = bundled_stopwords() if stopwords is None else list(stopwords)
        names = bundled_protected_names() if protected is None else list(protected)
        self.stopwords: frozenset[str] = frozenset(
            k for k in map(stopword_key, [*words, *extra_stopwords]) if k)
        self.protected: frozenset[str] = protected_keys([*names, *extra_protected])
        self._chain = _chain(self.stopwords, self.protected)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Analyzer:
        """The analyzer ``settings()`` describes (as stored in an index).

        The stored words are already in their normalized forms and are taken as
        they are: normalizing twice is not always a no-op (الالوسي → الوسي → وسي).

        Raises:
            TypeError: the settings are not two lists of words.
        """
        words = {key: settings.get(key) for key in ("stopwords", "protected")}
        for key, value in words.items():
            if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
                raise TypeError(f"analysis settings: {key} is not a list of words")
        return _from_sets(frozenset(words["stopwords"]), frozenset(words["protected"]))

    def settings(self) -> dict[str, list[str]]:
        """The settings as JSON-ready lists, in their normalized forms."""
        return {"stopwords": sorted(self.stopwords), "protected": sorted(self.protected)}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Analyzer) and other.stopwords == self.stopwords
                and other.protected == self.protected)

    def __hash__(self) -> int:
        return hash((self.stopwords, self.protected))

    def __repr__(self) -> str:
        default = self == default_analyzer()
        return ("Analyzer()" if default else
                f"Analyzer(<{len(self.stopwords)} stopwords>, <{len(self.protected)} protected>)")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (to ingest workers) as its settings; the cache stays behind.
        return (_from_sets, (self.stopwords, self.protected))

    @property
    def stemmer(self) -> Stemmer:
        """The stemmer with this analyzer's protected names."""
        return self._chain.stemmer

    def is_stopword(self, word: str) -> bool:
        """Whether a word (any spelling) is one of this analyzer's stopwords."""
        return stopword_key(word) in self.stopwords

    def analyze_word(self, word: str) -> WordAnalysis:
        """(exact, stems, broad) for each word in one token's text; () if dropped.

        Usually one; a ligature such as ﷺ unfolds into several words.
        """
        return self._chain.analyze_word(word)

    def analyze_terms(self, text: str) -> Iterator[Term]:
        """Analyze a text into ``Term``s, in order, stopwords removed. Never raises."""
        analyze_word = self._chain.analyze_word
        for token in tokenize(text):
            for exact, stems, broad in analyze_word(token.text):
                yield Term(exact, stems, broad, token.start, token.end)

    def analyze(self, text: str) -> list[str]:
        """The stemmed index terms of a text, in order."""
        return [term.stems[0] for term in self.analyze_terms(text)]


def _from_sets(stopwords: frozenset[str], protected: frozenset[str]) -> Analyzer:
    analyzer = Analyzer.__new__(Analyzer)
    analyzer.stopwords, analyzer.protected = stopwords, protected
    analyzer._chain = _chain(stopwords, protected)
    return analyzer


class _Chain:
    """The cached work of one set of analysis settings."""

    def __init__(self, stopwords: frozenset[str], protected: frozenset[str]) -> None:
        self.stopwords = stopwords
        self.stemmer = shared_stemmer(protected)
        self.analyze_word = lru_cache(maxsize=WORD_CACHE_SIZE)(self._analyze_word)

    def _analyze_word(self, word: str) -> WordAnalysis:
        return tuple(a for w in fold_letters(word).split() if (a := self._analyze_folded(w)))

    def _analyze_folded(self, folded: str) -> tuple[str, tuple[str, ...], str] | None:
        exact = normalize_teh_marbuta(folded)
        if exact in self.stopwords:
            return None
        if folded.isascii() or folded.isdigit():
            return exact, (exact,), exact
        if len(folded) < _MIN_ARABIC_LETTERS or not folded[0].isalpha():
            return None
        stems = self.stemmer.stem_variants(folded)
        return exact, stems, self.stemmer.broad_key(stems[0])


@lru_cache(maxsize=8)  # a cache keyed by the settings: one chain per distinct analyzer
def _chain(stopwords: frozenset[str], protected: frozenset[str]) -> _Chain:
    return _Chain(stopwords, protected)


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The analyzer with the bundled stopwords and protected names."""
    return Analyzer()


def stopwords() -> frozenset[str]:
    """The bundled stopword set, normalized (package data ``stopwords.txt``)."""
    return default_analyzer().stopwords


def analyze_terms(text: str) -> Iterator[Term]:
    """``Analyzer.analyze_terms`` with the bundled settings."""
    return default_analyzer().analyze_terms(text)


def analyze_word(word: str) -> WordAnalysis:
    """``Analyzer.analyze_word`` with the bundled settings."""
    return default_analyzer().analyze_word(word)


def analyze(text: str) -> list[str]:
    """The stemmed index terms of a text with the bundled settings.

    >>> analyze("وبالمستشفيات في «دا.عــش» يُصعّد")
    ['مستشف', 'داعش', 'يصعد']
    """
    return default_analyzer().analyze(text)
