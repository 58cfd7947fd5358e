"""The whole chain, as documents and queries see it."""

from hypothesis import given
from hypothesis import strategies as st

import arsearch
from arsearch.text.analyzer import analyze_terms


def test_analyze_real_messy_text() -> None:
    text = "«دا.عــش» يُصعّد وبالمستشفيات ٢٠١٧ #جبل_البشري في SY24"
    assert arsearch.analyze(text) == ["داعش", "يصعد", "مستشف", "2017", "جبل", "بشر", "sy24"]


def test_stopwords_are_dropped_after_normalization() -> None:
    assert arsearch.analyze("إلى على في من الذي") == []


def test_one_letter_words_are_dropped() -> None:
    assert arsearch.analyze("لـ (الحل نت)") == ["الحل", "نت"]


def test_terms_carry_offsets_of_the_original() -> None:
    text = "شنَّ الطيرانُ الروسيُّ"
    for term in analyze_terms(text):
        assert text[term.start:term.end] in text.split()


def test_exact_form_keeps_clitics() -> None:
    (term,) = analyze_terms("والرقة")
    assert term.exact == "والرقه"
    assert term.stems == ("رقه",)


@given(st.text())
def test_analysis_never_raises(text: str) -> None:
    for term in analyze_terms(text):
        assert term.exact and term.stems and term.broad
        assert " " not in term.exact and "|" not in "".join(term.stems)


def test_ligature_unfolds_into_words() -> None:
    assert arsearch.analyze("ﷺ") == arsearch.analyze("صلى الله وسلم")


def test_an_analyzers_protected_names_reach_its_chain_only() -> None:
    before = arsearch.analyze("وبمعرشورين")
    extended = arsearch.Analyzer(extra_protected=["معرشورين"])
    assert extended.analyze("وبمعرشورين") == ["معرشورين"] != before
    assert arsearch.analyze("وبمعرشورين") == before
