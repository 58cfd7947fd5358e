"""Query parsing: syntax, errors, and the Whoosh queries it builds."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

import arsearch
from arsearch.errors import QuerySyntaxError
from arsearch.query.parser import parse_query


def test_word_searches_exact_stem_title_and_broad() -> None:
    text = str(parse_query("الهجمات").query)
    assert "exact:الهجمات" in text and "stem:هجم" in text and "title_terms:هجم" in text


def test_phrase_uses_positions() -> None:
    assert 'stem:"دير زور"' in str(parse_query('"دير الزور"').query)


def test_phrase_with_any_adds_its_words() -> None:
    text = str(parse_query('"دير الزور" غارات', match="any").query)
    assert 'stem:"دير زور"' in text and "stem:دير" in text and "stem:زور" in text
    assert "stem:دير" not in str(parse_query('"دير الزور" غارات').query)
    assert parse_query('"دير الزور" غارات', match="any").terms == ["دير", "زور", "غار"]


def test_minus_before_a_phrase_or_a_group_excludes_it() -> None:
    assert "ANDNOT" in str(parse_query('-"قوات سوريا" الديمقراطية').query)
    assert "ANDNOT" in str(parse_query("-(قوات OR سوريا) الديمقراطية").query)
    assert "ANDNOT" not in str(parse_query('- "قوات سوريا" الديمقراطية').query)  # a lone dash


def test_unknown_prefix_is_text() -> None:
    parsed = parse_query("https://t.co/abc")
    assert parsed is not None and "https" in parsed.terms


def test_terms_report_what_was_searched() -> None:
    assert parse_query("الغارات الروسية").terms == ["غار", "روس"]


@given(st.text(max_size=200))
def test_parser_raises_only_syntax_errors(text: str) -> None:
    try:
        parse_query(text)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text)
    parse_query(text, syntax=False)  # without syntax, never raises


def _distinct_words(n: int) -> list[str]:
    letters = "بتثجحخدذرزسشصضطظعغقمن"
    return ["".join(w) for w in itertools.islice(itertools.product(letters, repeat=4), n)]


@pytest.mark.parametrize("match", ["all", "any"])
def test_long_query_is_fine(seed_index: arsearch.Index, match: str) -> None:
    results = seed_index.search(" ".join(_distinct_words(2000)), match=match)  # no RecursionError
    assert len(results.terms) == 2000


def test_repeated_word_counts_once() -> None:
    once = str(parse_query("غارات حلب", match="any").query)
    assert str(parse_query("غارات حلب غارات", match="any").query) == once
    # Another inflection of the same word is a repeat too; the first one typed is kept.
    assert str(parse_query("غارات حلب الغارة", match="any").query) == once
    assert str(parse_query("غارات غارات", match="all").query) == str(parse_query("غارات").query)


def test_a_dropped_repeat_is_not_reported_as_searched() -> None:
    parsed = parse_query("غارات حلب الغارة غارات", match="any")
    assert parsed.terms == ["غار", "حلب"]
    assert [typed for _, typed, _ in parsed.words] == ["غارات", "حلب"]
    assert parse_query("غارات غارات (حلب غارات)").terms == ["غار", "حلب", "غار"]


def test_repeats_are_only_dropped_within_a_group() -> None:
    text = str(parse_query("(غارات حلب) OR (غارات دمشق)").query)
    assert text.count("stem:غار") == 2


def test_deeply_nested_parentheses_are_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(QuerySyntaxError, match="nested more than 32 deep"):
        parse_query("(" * 5000 + "داعش" + ")" * 5000)
    assert parse_query("(" * 30 + "داعش" + ")" * 30) is not None
