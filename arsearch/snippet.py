"""Query-biased snippets cut from the original (diacritized) article text."""

from __future__ import annotations

from arsearch.analysis import analyze_word
from arsearch.normalize import fold_letters, normalize_teh_marbuta
from arsearch.tokenize import tokenize

SNIPPET_CHARS = 240
_LEAD_CHARS = 160


def make_snippet(text: str, highlight: set[str], *, width: int = SNIPPET_CHARS
                 ) -> tuple[str, list[tuple[int, int]]]:
    """The window of ``text`` richest in matched words, with their offsets in it.

    A word matches when its exact form, a stem or its broad key is one of
    ``highlight`` (the terms a parsed query searched). The window is moved
    to word boundaries; without matches the article's lead is returned.
    """
    matches = _matches(text, highlight, prefilter=True)
    if not matches:  # matched only through a broad key (a broken plural): look at all words
        matches = _matches(text, highlight, prefilter=False)
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


def _matches(text: str, highlight: set[str], *, prefilter: bool
             ) -> list[tuple[int, int, str]]:
    """(start, end, matched term) of the words whose exact form, stem or broad key is highlighted.

    With ``prefilter``, only words that contain a highlighted term once folded
    are analysed: stemming every word of every hit would cost a fresh process
    more than the search itself.
    """
    wanted = tuple(highlight)
    matches = []
    for token in tokenize(text):
        if prefilter:
            folded = normalize_teh_marbuta(fold_letters(token.text)).lower()
            if not any(term in folded for term in wanted):
                continue
        for exact, stems, broad in analyze_word(token.text):
            if exact in highlight or broad in highlight or any(s in highlight for s in stems):
                matches.append((token.start, token.end,
                                exact if exact in highlight else stems[0]))
    return matches


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
