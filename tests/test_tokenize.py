"""The tokenizer keeps marks inside words and offsets on the original text."""

import dataclasses
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch import native
from arsearch.text import tokenize as tokenize_module
from arsearch.text.tokenize import Token, tokenize

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def test_diacritics_and_tatweel_stay_inside_the_word() -> None:
    assert words("المُسلَّحونَ هاجموا") == ["المُسلَّحونَ", "هاجموا"]
    assert words("داعــش") == ["داعــش"]


def test_obfuscated_word_is_one_token() -> None:
    assert words('"دا.عــش" يصعد') == ["دا.عــش", "يصعد"]
    assert words("د.ا.ع.ش") == ["د.ا.ع.ش"]


def test_sentence_end_without_space_is_two_words() -> None:
    assert words("في الرقة.وقال المصدر") == ["في", "الرقة", "وقال", "المصدر"]


def test_hashtags_split_into_words() -> None:
    assert words("#جبل_البشري و#الشولا") == ["جبل", "البشري", "و", "الشولا"]


def test_digits_glued_to_arabic_are_split() -> None:
    assert words("الـ24 بـ2017 SY24") == ["الـ", "24", "بـ", "2017", "SY24"]


@given(st.text())
def test_offsets_point_into_the_text(text: str) -> None:
    for token in tokenize(text):
        assert 0 <= token.start < token.end <= len(text)
        assert text[token.start:token.end] == token.text


# --- the compiled twin (arsearch/text/_ctext.c) gives what the Python gives ---------

def assert_twins_agree(ctext: ModuleType, text: str) -> None:
    compiled = ctext.tokens(text, Token)
    assert compiled == tokenize_module._pure_tokens(text), text
    assert all(type(token) is Token for token in compiled)


def test_the_compiled_tokenizer_has_the_same_tables(ctext: ModuleType) -> None:
    assert tokenize_module._shares_tables(ctext)
    if not native.disabled():
        assert tokenize_module._C is ctext


def test_compiled_tokens_are_tokens(ctext: ModuleType) -> None:
    (token,) = ctext.tokens(" داعش", Token)
    assert token == Token("داعش", 1, 5) and hash(token) == hash(Token("داعش", 1, 5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.start = 0  # type: ignore[misc]


PIECES = ["دا.عــش", "د.ا.ع.ش", "الرقة.وقال", "بـ2017", "الـ24", "SY24", "٢٠١٩م", "۱۴ب",
          "المُسلَّحونَ", "#جبل_البشري", "ﻻ", "ﷺ", "a.b", "دا*عش", "دا·عش", "دا•عش", "دا٭عش",
          "د..اعش", "\u200cد.ا\u200c", "\ud800", "\U0001f600", "x_y", "٣.٥", "1.5", "ب.1"]
CHARACTERS = [chr(c) for c in range(0x0600, 0x0700)] + list(" .*·•٭_-\n0123456789aZé")
messy_text = st.lists(st.one_of(st.sampled_from(PIECES), st.sampled_from(CHARACTERS)),
                      max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(messy_text, st.text()))
def test_the_compiled_tokenizer_agrees_on_messy_text(ctext: ModuleType, text: str) -> None:
    assert_twins_agree(ctext, text)


def test_the_compiled_tokenizer_agrees_on_every_code_point(ctext: ModuleType) -> None:
    # Each character alone, and between an Arabic letter and a digit (the split rules).
    every = [chr(c) for c in range(0x110000)]
    assert_twins_agree(ctext, " ".join(every))
    assert_twins_agree(ctext, "".join(f"ب{c}1." for c in every[:0x10000]))


def test_the_compiled_tokenizer_agrees_on_real_text(ctext: ModuleType,
                                                    real_texts: list[str]) -> None:
    for text in real_texts:
        assert_twins_agree(ctext, text)


def test_tokenize_is_the_same_on_either_path(ctext: ModuleType) -> None:
    text = "«دا.عــش» في #جبل_البشري الـ24"
    assert tokenize_module._tokens(text) == tokenize_module._pure_tokens(text)
