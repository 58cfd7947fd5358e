"""Snippets: the window richest in matched words, however the words are spelled."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsearch.text import snippet as snippet_module
from arsearch.text.analyzer import analyze_terms
from arsearch.text.normalize import normalize, spelling_pattern
from arsearch.text.snippet import make_snippet


def highlight_of(query: str) -> set[str]:
    return {x for t in analyze_terms(query) for x in (t.exact, *t.stems, t.broad)}


def marked(text: str, query: str) -> list[str]:
    snippet, spans = make_snippet(text, highlight_of(query))
    return [snippet[s:e] for s, e in spans]


def test_messy_spellings_are_highlighted_as_written() -> None:
    text = "أعلن «دا.عــش» مسؤوليته، وقال إنّ الدولةَ الإسلامية ستواصل. ISIS again"
    assert marked(text, "داعش") == ["دا.عــش"]
    assert marked(text, "الدوله") == ["الدولةَ"]
    assert marked(text, "isis") == ["ISIS"]


def test_clitics_and_inflections_are_highlighted() -> None:
    text = "قصفت الطائرات وبالمستشفيات مستشفى المدينة، ثم غاراتها على الريف."
    assert marked(text, "مستشفيات غارة") == ["وبالمستشفيات", "مستشفى", "غاراتها"]


def test_window_moves_to_the_matches() -> None:
    text = "كلام تمهيدي طويل " * 40 + "ثم سقطت قذيفة على حلب " + "وكلام ختامي " * 40
    snippet, spans = make_snippet(text, highlight_of("قذيفة حلب"))
    assert snippet.startswith("…") and len(spans) == 2


def test_no_match_gives_the_lead() -> None:
    snippet, spans = make_snippet("خبر قصير عن الطقس.", highlight_of("غارات"))
    assert snippet == "خبر قصير عن الطقس." and spans == []


@given(st.text(alphabet="ابتةجدهويىأإآـًٌٍَُِّْ.* ", min_size=1, max_size=12))
def test_spelling_pattern_finds_every_spelling_that_normalizes_the_same(raw: str) -> None:
    folded = normalize(raw)
    if folded and "." not in folded and "*" not in folded and " " not in folded:
        assert re.search(spelling_pattern(folded), raw, re.IGNORECASE)


def test_nothing_to_highlight_gives_the_lead_without_analysing_the_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Filter-only searches (--actor, --place, --date) have no words to highlight.
    text = "قصفت الطائرات الروسية مدينة حلب. " * 50
    lead, spans = make_snippet(text, set())
    assert spans == [] and text.startswith(lead.rstrip("…").rstrip())

    def unused(_text: str) -> None:
        raise AssertionError("the text was tokenized")

    monkeypatch.setattr(snippet_module, "tokenize", unused)
    assert make_snippet(text, set()) == (lead, spans)
