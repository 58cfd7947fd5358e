"""Query-biased snippets cut from the original (diacritized) article text."""

from __future__ import annotations

from arsearch.analysis import analyze_terms

SNIPPET_CHARS = 240
_LEAD_CHARS = 160


def make_snippet(text: str, highlight: set[str], *, width: int = SNIPPET_CHARS
                 ) -> tuple[str, list[tuple[int, int]]]:
    """The window of ``text`` richest in matched words, with their offsets in it.

    A word matches when its exact form, a stem or its broad key is one of
    ``highlight`` (the terms a parsed query searched). The window is moved
    to word boundaries; without matches the article's lead is returned.
    """
    matches = [
        (t.start, t.end, t.exact if t.exact in highlight else t.stems[0])
        for t in analyze_terms(text)
        if t.exact in highlight or t.broad in highlight or any(s in highlight for s in t.stems)
    ]
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
