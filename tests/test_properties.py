"""Property-based tests: no input makes the analysis chain, the query parser, the
date-range parser or the date finder raise anything but their documented errors."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import arsearch
from arsearch.errors import InvalidDateRange, InvalidFilter, QuerySyntaxError
from arsearch.extract.dates import find_dates
from arsearch.models import Article
from arsearch.query.filters import parse_date_range
from arsearch.query.parser import parse_query
from arsearch.text.analyzer import analyze_terms
from arsearch.text.stem import lexicon_counts, protected_name

#: What a query may raise: syntax errors, and a bad range in a ``date:``/``published:``
#: field (the query language's filters raise what ``date=`` raises).
QUERY_ERRORS = (QuerySyntaxError, InvalidDateRange)

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ARABIC_LETTERS = [chr(c) for c in range(0x0621, 0x064B)]
DIACRITICS = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670"]
TATWEEL = "\u0640"
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\u202b", "\u202e",
             "\u2067", "\u2069", "\ufeff", "\u00ad", "\x00"]
DIGITS = list("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")
SYNTAX = ['"', "(", ")", " OR ", " AND ", " NOT ", "OR", "NOT", "-", "*", "?", ":", "title:",
          "source:", "id:", "TITLE:", "-title:", "date:", "published:", "actor:", "place:",
          "مكان:", "تاريخ:", "-place:", "http://x.y/z?a=b", "#", "_", "«", "»",
          "\u201c", "\u201d", "'", "\\", " ", "  ", "\n", "\t", ".", "،", "؟", "/", "..", "~",
          "^", "+", "&&", "||", "[", "]", "{", "}"]
WORDS = ["الغارات", "الروسية", "دا.عــش", "يُصعّد", "وبالمستشفيات", "بغداد", "#دير_الزور",
         "في", "من", "ﷺ", "ﻻ", "2019", "٢٠١٩", "SY24", "ISIS", "آذار", "كانون الثاني",
         "1440هـ", "أمس", "15/3/2019", "2011-2015", "عام"]

arabic_word = st.text(
    alphabet=st.sampled_from(ARABIC_LETTERS + DIACRITICS + [TATWEEL] + INVISIBLE),
    min_size=1, max_size=12)
piece = st.one_of(arabic_word, st.sampled_from(SYNTAX), st.sampled_from(WORDS),
                  st.text(alphabet=st.sampled_from(DIGITS), min_size=1, max_size=5))
#: Queries built from pieces an archivist (or a fuzzer) might type, glued with or without spaces.
adversarial = st.lists(piece, max_size=40).flatmap(
    lambda parts: st.sampled_from(["", " "]).map(lambda sep: sep.join(parts)))
#: Any code points at all, lone surrogates included (argv may carry them).
anything = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
                   max_size=200)
texts = st.one_of(adversarial, anything)
#: A 10,000-character query of repeated pieces.
long_text = st.lists(piece, min_size=1, max_size=8).map(
    lambda parts: (" ".join(parts) + " ") * (10_000 // (len(" ".join(parts)) + 1) + 1)
).map(lambda s: s[:10_000])


@FAST
@given(texts)
def test_analysis_never_raises(text: str) -> None:
    terms = list(analyze_terms(text))
    assert arsearch.analyze(text) == [t.stems[0] for t in terms]
    for term in terms:
        assert 0 <= term.start < term.end <= len(text) and term.stems


@FAST
@given(texts, st.sampled_from(["all", "any"]))
def test_query_parser_raises_only_syntax_errors(text: str, match: str) -> None:
    try:
        parsed = parse_query(text, match=match)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text) and exc.query == text
    except InvalidDateRange:
        pass
    else:
        assert parsed is None or parsed.query is not None


@FAST
@given(texts, st.sampled_from(["all", "any"]))
def test_query_parser_without_syntax_never_raises(text: str, match: str) -> None:
    parsed = parse_query(text, match=match, syntax=False)
    assert parsed is None or parsed.query is not None


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(long_text)
def test_long_queries_parse_or_raise_a_syntax_error(text: str) -> None:
    assert len(text) == 10_000
    with contextlib.suppress(*QUERY_ERRORS):
        parse_query(text)
    parse_query(text, syntax=False)


date_piece = st.one_of(
    st.sampled_from(["..", ".", "-", " ", "/", "T", "0000", "9999", "99999", "2019", "13", "00",
                     "45", "02-30", "2019-02-29", "2020-02-29", "-1", "+1", "1e3", "٢٠١٩", "𝟚"]),
    st.text(alphabet=st.sampled_from(DIGITS + ["-", ".", " "]), max_size=12),
)
date_ranges = st.one_of(st.lists(date_piece, max_size=6).map("".join), anything)


@FAST
@given(date_ranges)
def test_date_range_parser_raises_only_invalid_date_range(text: str) -> None:
    try:
        low, high = parse_date_range(text)
    except InvalidDateRange as exc:
        assert "\n" not in str(exc).replace(repr(text), "")
    else:
        assert low is not None or high is not None
        assert low is None or high is None or low <= high[: len(low)]


@FAST
@given(date_ranges)
def test_date_ranges_through_search_filters(text: str) -> None:
    with contextlib.suppress(InvalidDateRange, InvalidFilter):  # blank: InvalidFilter
        SMALL_INDEX.search(None, date=text, limit=1)


dateish = st.lists(st.one_of(piece, date_piece, st.sampled_from(
    ["يوم", "الجمعة الماضية", "قبل يومين", "منذ ثلاثة أيام", "شباط/فبراير", "رمضان", "هـ",
     "م", "(1948)", "حرب", "في", "حتى", "بتاريخ", "31", "0", "00/00/0000", "29 شباط 2019"])),
    max_size=30).map(" ".join)


@FAST
@given(st.one_of(dateish, anything), st.one_of(
    st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))))
def test_find_dates_never_raises(text: str, published: dt.date | None) -> None:
    for mention in find_dates(text, published):
        assert text[mention.start:mention.end] == mention.text
        assert mention.type in ("year", "month", "day") and mention.value


@FAST
@given(st.dictionaries(
    st.sampled_from(["id", "text", "title", "published", "date", "source", "author", "url", "x"]),
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), anything,
              st.lists(st.integers(), max_size=2), date_ranges)))
def test_article_validation_raises_only_invalid_article(record: dict) -> None:
    try:
        article = Article.from_dict(record, origin="f.jsonl:1")
    except arsearch.InvalidArticle as exc:
        assert str(exc).startswith("f.jsonl:1: ")
    else:
        assert Article.has_text(article.id) and Article.has_text(article.text)
        article.text.encode("utf-8")  # storable: no lone surrogates


# --- through the index ---------------------------------------------------

SMALL_INDEX: arsearch.Index


@pytest.fixture(scope="module", autouse=True)
def small_index(tmp_path_factory: pytest.TempPathFactory) -> arsearch.Index:
    global SMALL_INDEX
    ix = arsearch.Index.create(tmp_path_factory.mktemp("properties"))
    ix.add_articles([
        {"id": "a1", "title": "غارات روسية", "text": "شنّت الطائرات الروسية غاراتٍ على الرقة.",
         "published": "2019-03-15"},
        {"id": "a2", "text": "سيطر تنظيم «دا.عــش» على قرى في ريف دير الزور عام 2017."},
        {"id": "a3", "text": "Reports from SY24: shelling near Idlib on 15/3/2019."},
    ])
    SMALL_INDEX = ix
    return ix


def test_a_10000_character_query_searches(small_index: arsearch.Index) -> None:
    """About 1,100 words, all required: Whoosh used to recurse once per word."""
    query = ("الغارات الروسية على الرقة " * 400)[:10_000]
    assert [hit.id for hit in small_index.search(query, limit=5)] == ["a1"]


PATHOLOGICAL = {
    "stars": "*" * 10_000,
    "questions": "?" * 5_000,
    "mixed wildcards": "*?*?*?*غ*ا?",
    "starred word": "غ*" * 3_000,
    "field wildcards": "title:* id:* source:?* place:* date:*",
    "phrase of stars": '"' + "* " * 4_000 + '"',
    "deep parentheses": "(" * 200 + "غارات" + ")" * 200,
    "dashes": "-" * 5_000,
    "many NOTs": "NOT " * 100 + "غارات",
    "OR chain": " OR ".join(["غارات"] * 300),
    "colons": "a:" * 300,
    "surrogates": "\ud800\udcff غارات \udcff",
}


@pytest.mark.parametrize("query", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_queries_search_without_error(small_index: arsearch.Index,
                                                   query: str) -> None:
    with contextlib.suppress(*QUERY_ERRORS):
        small_index.search(query, limit=5)
    small_index.search(query, syntax=False, limit=5)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts, st.sampled_from(["all", "any"]))
def test_search_raises_only_syntax_errors(small_index: arsearch.Index, text: str,
                                          match: str) -> None:
    with contextlib.suppress(*QUERY_ERRORS):
        small_index.search(text, match=match, limit=3)
    small_index.search(text, match=match, limit=3, syntax=False)


_WORDS = st.lists(st.text(alphabet=[*ARABIC_LETTERS, "ـ", "\u064e"], min_size=1, max_size=9),
                  max_size=6)


@settings(max_examples=150, deadline=None)
@given(_WORDS, _WORDS, st.text(alphabet=[*ARABIC_LETTERS, " "], max_size=60))
@example(stopwords=[], protected=["الالوسي"], text="والالوسي")  # name_key is not idempotent
def test_analysis_settings_survive_their_round_trip(stopwords: list[str], protected: list[str],
                                                     text: str) -> None:
    """What an index stores of its analyzer gives back the same analyzer."""
    analyzer = arsearch.Analyzer(extra_stopwords=stopwords, extra_protected=protected)
    restored = arsearch.Analyzer.from_settings(analyzer.settings())
    assert restored == analyzer
    assert restored.analyze(text) == analyzer.analyze(text)


# --- names never vanish: stopwords as written, clitics on short words -------------

_BUNDLED_STOPWORDS = sorted(w for w in arsearch.Analyzer().stopwords if len(w) > 1)


@FAST
@given(st.sampled_from(_BUNDLED_STOPWORDS),
       st.lists(st.sampled_from([*DIACRITICS, TATWEEL]), min_size=1, max_size=4), st.randoms())
def test_a_stopword_with_marks_or_tatweel_is_dropped(word: str, marks: list[str],
                                                     rnd: object) -> None:
    letters = list(word)
    for mark in marks:
        letters.insert(rnd.randint(1, len(letters)), mark)  # type: ignore[attr-defined]
    assert arsearch.analyze("".join(letters)) == []


@FAST
@given(st.text(alphabet=[c for c in ARABIC_LETTERS if c != TATWEEL], min_size=2, max_size=8))
def test_only_a_stopword_as_written_is_dropped(word: str) -> None:
    """A word of letters that is not a stopword as written always yields a term."""
    analyzer = arsearch.Analyzer()
    assert analyzer.is_stopword(word) or analyzer.analyze_word(word)


def _short_words() -> list[str]:
    counts = lexicon_counts()
    analyzer = arsearch.Analyzer()
    return sorted(w for w, n in counts.items() if 2 <= len(w) <= 3 and n >= 20
                  and not analyzer.is_stopword(w) and protected_name(w) is None)


@FAST
@given(st.sampled_from(_short_words()), st.sampled_from(["و", "ب", "ف", "ك", "ل", "وب"]))
def test_a_clitic_on_an_attested_short_word_meets_the_bare_word(word: str, clitic: str) -> None:
    """بتل meets تل, unless news text writes the whole more often than the rest (بعد)."""
    whole = clitic + word
    counts = lexicon_counts()
    analyzer = arsearch.Analyzer()
    if (counts.get(whole, 0) > counts[word] or analyzer.is_stopword(whole)
            or protected_name(whole) is not None):
        return
    (bare,) = analyzer.analyze_word(word)
    (glued,) = analyzer.analyze_word(whole)
    assert set(bare[1]) & set(glued[1])
