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

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from arsearch.data import data_lines
from arsearch.text.normalize import fold_letters, normalize_teh_marbuta
from arsearch.text.stem import STEM_CACHES, broad_key, stem_variants
from arsearch.text.tokenize import tokenize

_MIN_ARABIC_LETTERS = 2


@dataclass(frozen=True, slots=True)
class Term:
    """One analyzed word: its index terms and where it stands in the text."""

    exact: str
    stems: tuple[str, ...]
    broad: str
    start: int
    end: int


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The normalized stopword set (package data ``stopwords.txt``)."""
    return frozenset(normalize_teh_marbuta(fold_letters(line.strip()))
                     for line in data_lines("stopwords.txt"))


# Caches here and in stem.py / extract/ner.py are sized for the frequent
# words (news vocabulary is Zipfian): full, they cost each ingest worker
# tens of MB; at 4x the size they pushed two workers past 1.5 GB.
@lru_cache(maxsize=1 << 16)
def analyze_word(word: str) -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """(exact, stems, broad) for each word in one token's text; () if dropped.

    Usually one; a ligature such as ﷺ unfolds into several words.
    """
    return tuple(a for w in fold_letters(word).split() if (a := _analyze_folded(w)))


STEM_CACHES.append(analyze_word.cache_clear)


def _analyze_folded(folded: str) -> tuple[str, tuple[str, ...], str] | None:
    exact = normalize_teh_marbuta(folded)
    if exact in stopwords():
        return None
    if folded.isascii():
        return exact, (exact,), exact
    if folded.isdigit():
        return exact, (exact,), exact
    if len(folded) < _MIN_ARABIC_LETTERS or not folded[0].isalpha():
        return None
    stems = stem_variants(folded)
    return exact, stems, broad_key(stems[0])


def analyze_terms(text: str) -> Iterator[Term]:
    """Analyze a text into ``Term``s, in order, stopwords removed. Never raises."""
    for token in tokenize(text):
        for exact, stems, broad in analyze_word(token.text):
            yield Term(exact, stems, broad, token.start, token.end)


def analyze(text: str) -> list[str]:
    """The stemmed index terms of a text: the chain the index uses.

    >>> analyze("وبالمستشفيات في «دا.عــش» يُصعّد")
    ['مستشف', 'داعش', 'يصعد']
    """
    return [term.stems[0] for term in analyze_terms(text)]
