"""The analysis chain: text -> index terms, one chain for documents and queries.

Order, and why:

1. ``tokenize`` keeps diacritics, tatweel and obfuscation dots inside words,
   so token offsets point at the original text.
2. Stopwords are dropped from the words as written (marks and tatweel
   stripped, letters unfolded), as Lucene's ArabicAnalyzer does: folded,
   the stopword على would take the name علي with it.
3. ``fold_letters`` strips those marks and folds alef, yeh, digits, case
   and presentation forms, but keeps ة: tashaphyne stops removing the
   feminine ending once it has become ه.
4. Each word yields three kinds of term, searched together with different
   boosts: ``exact`` (the whole normalized word, clitics and all), ``stems``
   (light stems; protected names only lose clitics; a short word that may be
   a clitic on an attested word gets both readings) and ``broad`` (a
   vowel-less key that also meets broken plurals and verbal nouns).

The analysis of an index is versioned (``ANALYSIS_VERSION``): indexes built
before version 2 dropped stopwords after folding and read no clitic off a
short word; they keep doing so, so that their terms and their queries' agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from arsearch import native
from arsearch.data import data_lines
from arsearch.errors import InvalidArgument
from arsearch.text.normalize import fold_letters, normalize_teh_marbuta, written_form
from arsearch.text.stem import (
    Stemmer,
    bundled_protected_names,
    protected_keys,
    shared_stemmer,
)
from arsearch.text.tokenize import tokenize

#: The compiled twin of ``Analyzer._pure_terms`` (``_ctext.c``), or None.
_C = native.load("arsearch.text._ctext")

_MIN_ARABIC_LETTERS = 2
#: Entries of each chain's word cache. News vocabulary is Zipfian: full, the
#: caches here and in stem.py cost each ingest worker tens of MB; at 4x the
#: size they pushed two workers past 1.5 GB.
WORD_CACHE_SIZE = 1 << 16

WordAnalysis = tuple[tuple[str, tuple[str, ...], str], ...]

#: The analysis this arsearch gives new indexes. 1: stopwords matched after
#: letter folding, no lexicon (indexes that record no version). 2: stopwords
#: matched as written; short words read as clitic + attested word too.
ANALYSIS_VERSION = 2
ANALYSIS_VERSIONS = (1, 2)


@dataclass(frozen=True, slots=True)
class Term:
    """One analyzed word: its index terms and where it stands in the text."""

    exact: str
    stems: tuple[str, ...]
    broad: str
    start: int
    end: int


def stopword_key(word: str, version: int = ANALYSIS_VERSION) -> str:
    """The form a stopword is compared in: as written, without marks and tatweel
    (version 1: folded, ة as ه)."""
    if version == 1:
        return normalize_teh_marbuta(fold_letters(word.strip()))
    return written_form(word.strip())


#: Bundled stopwords of version 1 that version 2 left out, because names begin
#: with them (أم قصر); version 1 keeps them, as its indexes were built without them.
_VERSION_1_ONLY = ("أم",)


def bundled_stopwords(version: int = ANALYSIS_VERSION) -> list[str]:
    """The stopwords bundled with arsearch (package data ``stopwords.txt``) for an
    analysis version."""
    words = [line.strip() for line in data_lines("stopwords.txt")]
    return [*words, *_VERSION_1_ONLY] if version == 1 else words


class Analyzer:
    """The analysis settings of an index, and the chain that applies them.

    Args:
        stopwords: words never indexed or searched; ``None`` for the bundled
            list, a list of words to replace it.
        protected: single-word names that stemming leaves whole (only their
            clitics go); ``None`` for the bundled list, a list to replace it.
        extra_stopwords: words added to ``stopwords`` (bundled or given).
        extra_protected: names added to ``protected`` (bundled or given).
        version: the analysis version (``ANALYSIS_VERSIONS``); indexes built
            by older releases keep theirs.

    Raises:
        TypeError: a word list is given as one string.
        InvalidArgument: ``version`` is not one of ``ANALYSIS_VERSIONS``.

    An index records its analyzer's settings (``settings()``) and restores
    them on open. Analyzers with equal settings share one cache of analyzed
    words; different settings never meet.

    >>> Analyzer().analyze("شنّت الطائرات غاراتٍ على البادية")
    ['شنت', 'طائر', 'غار', 'باديه']
    >>> Analyzer(stopwords=["البادية"]).analyze("غارات على البادية")
    ['غار', 'علي']
    >>> Analyzer().analyze("التقى علي مملوك")
    ['تقي', 'علي', 'مملو']
    """

    def __init__(self, stopwords: Iterable[str] | None = None,
                 protected: Iterable[str] | None = None, *,
                 extra_stopwords: Iterable[str] = (),
                 extra_protected: Iterable[str] = (),
                 version: int = ANALYSIS_VERSION) -> None:
        for name, value in (("stopwords", stopwords), ("protected", protected),
                            ("extra_stopwords", extra_stopwords),
                            ("extra_protected", extra_protected)):
            if isinstance(value, str):
                raise TypeError(f"Analyzer({name}=...) takes a list of words, not one string")
        if version not in ANALYSIS_VERSIONS or isinstance(version, bool):
            raise InvalidArgument("analysis version", version,
                                  f"one of {', '.join(map(str, ANALYSIS_VERSIONS))}")
        words = bundled_stopwords(version) if stopwords is None else list(stopwords)
        names = bundled_protected_names() if protected is None else list(protected)
        self.version = version
        self.stopwords: frozenset[str] = frozenset(
            k for w in [*words, *extra_stopwords] if (k := stopword_key(w, version)))
        self.protected: frozenset[str] = protected_keys([*names, *extra_protected])
        self._chain = _chain(self.stopwords, self.protected, version)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Analyzer:
        """The analyzer ``settings()`` describes (as stored in an index).

        The stored words are already in their normalized forms and are taken as
        they are: normalizing twice is not always a no-op (الالوسي → الوسي → وسي).
        Settings without a ``version`` are those of version 1.

        Raises:
            TypeError: the settings are not two lists of words and a known version.
        """
        words = {key: settings.get(key) for key in ("stopwords", "protected")}
        for key, value in words.items():
            if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
                raise TypeError(f"analysis settings: {key} is not a list of words")
        version = settings.get("version", 1)
        if version not in ANALYSIS_VERSIONS or isinstance(version, bool):
            raise TypeError(f"analysis settings: unknown version {version!r}")
        return _from_sets(frozenset(words["stopwords"]), frozenset(words["protected"]), version)

    def settings(self) -> dict[str, Any]:
        """The settings as JSON-ready values, the words in their normalized forms."""
        out: dict[str, Any] = {"stopwords": sorted(self.stopwords),
                               "protected": sorted(self.protected)}
        if self.version != 1:  # version 1 is what an index that records none has
            out["version"] = self.version
        return out

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Analyzer) and other.stopwords == self.stopwords
                and other.protected == self.protected and other.version == self.version)

    def __hash__(self) -> int:
        return hash((self.stopwords, self.protected, self.version))

    def __repr__(self) -> str:
        if self == default_analyzer():
            return "Analyzer()"
        version = "" if self.version == ANALYSIS_VERSION else f", version={self.version}"
        return (f"Analyzer(<{len(self.stopwords)} stopwords>, "
                f"<{len(self.protected)} protected>{version})")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (to ingest workers) as its settings; the cache stays behind.
        return (_from_sets, (self.stopwords, self.protected, self.version))

    @property
    def stemmer(self) -> Stemmer:
        """The stemmer with this analyzer's protected names."""
        return self._chain.stemmer

    def is_stopword(self, word: str) -> bool:
        """Whether a word, as written (marks and tatweel aside), is one of this
        analyzer's stopwords. Version 1 compares folded spellings."""
        return stopword_key(word, self.version) in self.stopwords

    def stopwords_in(self, text: str) -> list[str]:
        """The words of a text this analyzer drops as stopwords, as written, in order.

        >>> Analyzer().stopwords_in("غارات على البادية")
        ['على']
        """
        return [token.text for token in tokenize(text)
                if any(self.is_stopword(w) for w in written_form(token.text).split())]

    def analyze_word(self, word: str) -> WordAnalysis:
        """(exact, stems, broad) for each word in one token's text; () if dropped.

        Usually one; a ligature such as ﷺ unfolds into several words.
        """
        return self._chain.analyze_word(word)

    def analyze_terms(self, text: str) -> Iterator[Term]:
        """Analyze a text into ``Term``s, in order, stopwords removed. Never raises."""
        if _C is not None:
            yield from _C.terms(tokenize(text), self._chain.analyze_word, Term)
            return
        yield from self._pure_terms(text)

    def _pure_terms(self, text: str) -> Iterator[Term]:
        """``analyze_terms`` in pure Python (the twin of ``_ctext.terms``)."""
        analyze_word = self._chain.analyze_word
        for token in tokenize(text):
            for exact, stems, broad in analyze_word(token.text):
                yield Term(exact, stems, broad, token.start, token.end)

    def analyze(self, text: str) -> list[str]:
        """The stemmed index terms of a text, in order."""
        return [term.stems[0] for term in self.analyze_terms(text)]


def _from_sets(stopwords: frozenset[str], protected: frozenset[str],
               version: int = 1) -> Analyzer:
    analyzer = Analyzer.__new__(Analyzer)
    analyzer.stopwords, analyzer.protected, analyzer.version = stopwords, protected, version
    analyzer._chain = _chain(stopwords, protected, version)
    return analyzer


class _Chain:
    """The cached work of one set of analysis settings."""

    def __init__(self, stopwords: frozenset[str], protected: frozenset[str],
                 version: int) -> None:
        self.stopwords = stopwords
        self.version = version
        self.stemmer = shared_stemmer(protected, lexicon=version >= 2)
        self.analyze_word = lru_cache(maxsize=WORD_CACHE_SIZE)(self._analyze_word)

    def _analyze_word(self, word: str) -> WordAnalysis:
        if self.version == 1:
            return tuple(a for w in fold_letters(word).split()
                         if normalize_teh_marbuta(w) not in self.stopwords
                         and (a := self._analyze_folded(w)))
        # Stopwords go before any letter is folded (على is one, علي is a name).
        return tuple(a for w in written_form(word).split() if w not in self.stopwords
                     for f in fold_letters(w).split() if (a := self._analyze_folded(f)))

    def _analyze_folded(self, folded: str) -> tuple[str, tuple[str, ...], str] | None:
        exact = normalize_teh_marbuta(folded)
        if folded.isascii() or folded.isdigit():
            return exact, (exact,), exact
        if len(folded) < _MIN_ARABIC_LETTERS or not folded[0].isalpha():
            return None
        stems = self.stemmer.stem_variants(folded)
        return exact, stems, self.stemmer.broad_key(stems[0])


@lru_cache(maxsize=8)  # a cache keyed by the settings: one chain per distinct analyzer
def _chain(stopwords: frozenset[str], protected: frozenset[str], version: int) -> _Chain:
    return _Chain(stopwords, protected, version)


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The analyzer with the bundled stopwords and protected names."""
    return Analyzer()


def stopwords() -> frozenset[str]:
    """The bundled stopword set, in the form they are matched in (``stopword_key``)."""
    return default_analyzer().stopwords


def is_stopword(word: str) -> bool:
    """``Analyzer.is_stopword`` with the bundled settings."""
    return default_analyzer().is_stopword(word)


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
