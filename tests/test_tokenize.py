"""The tokenizer keeps marks inside words and offsets on the original text."""

from hypothesis import given
from hypothesis import strategies as st

from arsearch.text.tokenize import tokenize


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
