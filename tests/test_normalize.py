"""One rule per row, Lucene style: input -> expected."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsearch.text import normalize as normalize_module
from arsearch.text.normalize import (
    fold_letters,
    normalize,
    normalize_alef,
    normalize_alef_maksura,
    normalize_digits,
    normalize_presentation_forms,
    strip_marks,
    strip_obfuscation,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("أحمد", "احمد"),  # alef with hamza above
        ("إلى", "الي"),  # hamza below, and alef maksura folded to yeh
        ("آثار", "اثار"),  # alef madda
        ("ٱلله", "الله"),  # alef wasla
        ("على", "علي"),  # ى -> ي, never ى -> ا
        ("مدينة", "مدينه"),  # teh marbuta
        ("يُصعّدُ", "يصعد"),  # tashkeel
        ("رحمٰن", "رحمن"),  # superscript alef
        ("داعــــش", "داعش"),  # tatweel
        ("دا\u200cعش", "داعش"),  # zero-width non-joiner inside a word
        ("دا.عش", "داعش"),  # obfuscation dot
        ("٢٠١٧", "2017"),  # Arabic-Indic digits
        ("۱۴۰۰", "1400"),  # Persian digits
        ("ﻻ", "لا"),  # lam-alef ligature
        ("ﺑﻐﺪاد", "بغداد"),  # presentation forms
        ("ISIS SY24", "isis sy24"),  # Latin lower-cased
        ("کرکوک", "كركوك"),  # Persian keheh and yeh
    ],
)
def test_normalize_rule(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_teh_marbuta_is_kept_for_the_stemmer() -> None:
    assert fold_letters("المدينةُ") == "المدينة"
    assert normalize("المدينةُ", teh_marbuta=False) == "المدينة"


def test_single_functions_do_one_thing() -> None:
    assert normalize_alef("أإآ") == "ااا"
    assert normalize_alef("ى") == "ى"
    assert normalize_digits("٣") == "3"
    assert strip_marks("بِـ") == "ب"
    assert strip_obfuscation("د.ا.ع.ش") == "داعش"
    assert normalize_presentation_forms("abc") == "abc"


def test_empty_string() -> None:
    assert normalize("") == ""


@given(st.text())
def test_normalize_never_raises_and_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def test_fold_letters_is_its_steps_in_one_pass() -> None:
    """The one translation table of fold_letters equals its steps, in order."""
    def steps(text: str) -> str:
        text = strip_obfuscation(strip_marks(normalize_presentation_forms(text)))
        text = normalize_alef(text.translate(normalize_module._PERSIAN_LETTERS))
        return normalize_alef_maksura(normalize_digits(text)).lower()

    every_char = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)
    assert fold_letters(every_char) == steps(every_char)
    for c in every_char:
        assert fold_letters(c) == steps(c)


_compiled = pytest.mark.skipif(normalize_module._FOLD_LETTERS is None,
                               reason="the compiled core (_ctext) is not built")
# Messy text: Arabic with marks, tatweel, obfuscation dots and presentation forms,
# Latin and Greek capitals (Σ lower-cases by its context), İ (two characters in
# lower case), digits, and characters past U+FFFF.
_MESSY = st.text(alphabet=st.one_of(
    st.sampled_from("أإآٱىةیکابتثجحخدذرسشصضطظعغفقكلمنهويءؤئ\u064b\u064e\u0651\u0640.*·"
                    "ﻻﺑﻐﺪ٢٠١٧۱۴ABCXYZabcÉΣσΑΩİ \n\t\u200c\u200f"),
    st.characters(max_codepoint=0x2FFFF)), max_size=40)


@_compiled
@given(_MESSY)
def test_compiled_folding_is_the_twins(text: str) -> None:
    assert fold_letters(text) == normalize_module._pure_fold_letters(text)
    assert normalize(text) == normalize_module.normalize_teh_marbuta(
        normalize_module._pure_fold_letters(text))


@_compiled
def test_compiled_folding_table_holds_every_character() -> None:
    every_char = "".join(chr(c) for c in range(0x10000))
    for c in every_char:
        assert fold_letters(c) == normalize_module._pure_fold_letters(c)
    assert fold_letters("ΣΑΣ ΣΑ") == "σας σα"  # a final sigma, from the twin
