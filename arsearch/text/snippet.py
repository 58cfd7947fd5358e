"""Query-biased snippets cut from the original (diacritized) article text."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from arsearch.text.analyzer import Analyzer, WordAnalysis, default_analyzer
from arsearch.text.normalize import spelling_pattern
from arsearch.text.tokenize import Token, tokenize

SNIPPET_CHARS = 240
_LEAD_CHARS = 160


def make_snippet(text: str, highlight: set[str], *, width: int = SNIPPET_CHARS,
                 analyzer: Analyzer | None = None) -> tuple[str, list[tuple[int, int]]]:
    """The window of ``text`` richest in matched words, with their offsets in it.

    A word matches when its exact form, a stem or its broad key, as
    ``analyzer`` reads it (the index's; None for the bundled settings), is one
    of ``highlight`` (the terms a parsed query searched). The window is moved
    to word boundaries; without matches the article's lead is returned.
    """
    matches = []
    if highlight:  # nothing to highlight (a filter-only search): the lead, words unread
        analyze_word = (analyzer if analyzer is not None else default_analyzer()).analyze_word
        # No spelling found means a match through a broad key only (a broken
        # plural): then look at all words.
        matches = (_matches(text, highlight, analyze_word, prefilter=True)
                   or _matches(text, highlight, analyze_word, prefilter=False))
    if not matches:
        begin, end = _bounds(text, 0, _LEAD_CHARS)
        return _render(text, begin, end, [])
    best_start, best_score = matches[0][0], -1.0
    for i, (start, _, _) in enumerate(matches):
        window = [m for m in matches[i:] if m[1] <= start + width]
        score = len({m[2] for m in window}) + 0.1 * len(window)
        if score > best_score:
            best_start, best_score = start, score
    begin, end = _bounds(text, max(0, best_start - width // 4), best_start + width)
    return _render(text, begin, end, [(s, e) for s, e, _ in matches if s >= begin and e <= end])


def _matches(text: str, highlight: set[str], analyze_word: Callable[[str], WordAnalysis], *,
             prefilter: bool) -> list[tuple[int, int, str]]:
    """(start, end, matched term) of the words whose exact form, stem or broad key is highlighted.

    With ``prefilter``, only the words around a spelling of a highlighted term
    (found by one regex over the raw text) are analysed: tokenizing and
    stemming every word of every hit cost more than the search itself.
    """
    matches = []
    for token in _candidates(text, frozenset(highlight)) if prefilter else tokenize(text):
        for exact, stems, broad in analyze_word(token.text):
            if exact in highlight or broad in highlight or any(s in highlight for s in stems):
                matches.append((token.start, token.end,
                                exact if exact in highlight else stems[0]))
    return matches


def _candidates(text: str, highlight: frozenset[str]) -> list[Token]:
    """The tokens of the whitespace-separated chunks that hold a highlighted term."""
    found: list[Token] = []
    chunk_end = -1
    for hit in _terms_re(highlight).finditer(text):
        if hit.start() < chunk_end:
            continue  # this chunk is done
        begin = max(text.rfind(" ", 0, hit.start()), text.rfind("\n", 0, hit.start())) + 1
        chunk_end = min((i for i in (text.find(" ", hit.end()), text.find("\n", hit.end()))
                         if i != -1), default=len(text))
        found.extend(Token(t.text, t.start + begin, t.end + begin)
                     for t in tokenize(text[begin:chunk_end]))
    return found


@lru_cache(maxsize=64)
def _terms_re(highlight: frozenset[str]) -> re.Pattern[str]:
    terms = sorted((t for t in highlight if t), key=len, reverse=True)
    return re.compile("|".join(spelling_pattern(t) for t in terms) or "(?!)", re.IGNORECASE)


def _bounds(text: str, begin: int, end: int) -> tuple[int, int]:
    """Move a window's ends to word boundaries."""
    end = min(len(text), end)
    if begin > 0:
        space = text.find(" ", begin, begin + 30)
        begin = space + 1 if space != -1 else begin
    if end < len(text):
        space = text.rfind(" ", end - 30, end)
        end = space if space > begin else end
    return begin, end


def _render(text: str, begin: int, end: int, spans: list[tuple[int, int]]
            ) -> tuple[str, list[tuple[int, int]]]:
    """The window as one line, ellipses at cut ends, spans made relative to it."""
    lead = "…" if begin > 0 else ""
    piece = lead + text[begin:end].replace("\n", " ") + ("…" if end < len(text) else "")
    shift = begin - len(lead)
    return piece, [(s - shift, e - shift) for s, e in spans]
