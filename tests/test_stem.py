"""Light stemming: forms that must conflate, and names that must survive."""

import pickle
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch import native
from arsearch.text import stem as stem_module
from arsearch.text.normalize import fold_letters
from arsearch.text.stem import (
    Stemmer,
    broad_key,
    lexicon_counts,
    light_stem,
    protected_name,
    respell,
    stem_variants,
)
from arsearch.text.tokenize import tokenize

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def stem(word: str) -> str:
    return light_stem(fold_letters(word))


@pytest.mark.parametrize(
    "group",
    [
        ["القوات", "لقوات", "وقوات", "قوات"],
        ["غارة", "غارات", "الغارات", "غاراته"],
        ["تنظيم", "التنظيم", "للتنظيم", "تنظيمات"],
        ["مستشفى", "المستشفى", "وبالمستشفيات", "مستشفيات"],
        ["هجمات", "الهجمات", "هجماته"],
        ["المسلحون", "المسلحين", "مسلح"],
        ["البادية", "بادية", "بالبادية"],
        ["كشف", "كشفوه", "كشفوها", "كشفوهم"],  # a plural verb and its object
        ["الأميركية", "الامريكية", "أمريكي"],  # spellings of one loanword
        ["الديموقراطية", "الديمقراطية"],
        # The article never goes with a pronoun suffix: الحكم is not الح+كم.
        ["الحكم", "حكم", "بالحكم", "حكمهم"],
        ["المتهم", "متهم", "للمتهم", "المتهمين"],
        ["المهم", "مهم", "والمهم", "للمهم"],
        ["الأسهم", "أسهم"],
        # ...nor an article reading that leaves two letters before ان/ين/ون.
        ["البيان", "بيان", "للبيان", "والبيان"],
        ["الدين", "دين", "للدين"],
        ["السكان", "سكان", "للسكان"],
        # Three letters ending in ة stem as they do after the article.
        ["خطة", "الخطة", "للخطة", "بالخطة"],
        ["قمة", "القمة", "للقمة"],
    ],
)
def test_inflections_conflate(group: list[str]) -> None:
    assert len({stem(w) for w in group}) == 1, {w: stem(w) for w in group}


@pytest.mark.parametrize(
    "group",
    [
        # وكالة is not وك+الة (the article and one letter): one reading meets الوكالة.
        ["وكالة", "الوكالة", "بالوكالة", "وكالات"],
        # بالرد keeps the reading ب+الرد.
        ["بالرد", "الرد"],
    ],
)
def test_readings_meet(group: list[str]) -> None:
    readings = [set(stem_variants(fold_letters(w))) for w in group]
    assert set.intersection(*readings), dict(zip(group, readings, strict=True))


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("بغداد", "بغداد"),  # not غداد
        ("ببغداد", "بغداد"),
        ("فلسطين", "فلسطين"),  # not سط
        ("والرقة", "رقه"),
        ("للرقة", "رقه"),
        ("كباجب", "كباجب"),  # not باجب
        ("بادية", "باديه"),  # tashaphyne alone gives اد
        ("مدن", "مدن"),  # tashaphyne alone gives مد
        ("لواء", "لواء"),  # a lone ل before three letters is not a clitic
        ("بغزة", "غزه"),  # protected: not غز, which the ة rule would give
    ],
)
def test_names_and_short_words_survive(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_verb_object_suffixes_leave_passive_participles_alone() -> None:
    # مكروه is كره's participle, not مكر + وه: it keeps its stem with or without ه.
    assert stem("مكروه") == stem("المكروه") != "مكر"
    assert stem("مشبوه") != "مشب"


def test_article_and_pronoun_suffix_keep_words_apart() -> None:
    # Before the fix المتهم (the accused) and المهم (important) both stemmed to الم.
    assert stem("المتهم") != stem("المهم")
    # Three letters after ال may be a folded hamza noun: ألفاظهم keeps a stem of
    # three letters or more.
    assert len(stem("ألفاظهم")) >= 3
    # والد (father) and إلى only look like a clitic and the article.
    assert "والد" in stem_variants(fold_letters("والده"))
    assert stem("إليها") == stem("إليه") == stem("إلى")
    # الله is a protected name (حزب الله), whatever its clitics.
    assert stem("الله") == stem("والله") == stem("بالله") == "الله"


def test_variant_spellings_meet_through_a_reading() -> None:
    # فيروس is read as ف+يروس or فيروس (a lone ف before four letters).
    for word in ("فايروس", "فيروس"):
        assert stem("الفيروس") in stem_variants(fold_letters(word))


def test_variant_spellings_keep_the_written_word_exact() -> None:
    from arsearch.text.analyzer import analyze_word

    (exact, stems, _), = analyze_word("الأميركية")
    assert exact == "الاميركيه" and stems == (stem("الامريكية"),)


def test_no_root_extraction() -> None:
    assert stem("التنظيم") != stem("النظام")


def test_ambiguous_first_letter_keeps_both_readings() -> None:
    assert stem_variants(fold_letters("وزارة")) == ("زار", "وزار")
    assert stem(fold_letters("الوزارة")) in stem_variants(fold_letters("وزارة"))


def test_stacked_clitics_keep_both_readings_of_their_last_letter() -> None:
    # و+ك+ورونا or و+كورونا: the reading of كورونا and الكورونا must be among them.
    readings = set(stem_variants(fold_letters("وكورونا")))
    assert stem(fold_letters("الكورونا")) in readings
    assert readings & set(stem_variants(fold_letters("كورونا")))
    assert stem_variants(fold_letters("والمدينة")) == ("مدين",)  # ال is never the word's


def test_broad_key_joins_broken_plurals_not_roots() -> None:
    assert broad_key(stem("مدينة")) == broad_key(stem("مدن"))
    assert broad_key(stem("عناصر")) == broad_key(stem("عنصر"))
    assert broad_key(stem("تنظيم")) != broad_key(stem("نظام"))


def test_a_stemmer_with_more_protected_names_leaves_the_default_alone() -> None:
    extended = Stemmer(protected=["كفرنبل"])
    assert extended.protected_name("وبكفرنبل") == "كفرنبل"
    assert extended.light_stem("بكفرنبل") == "كفرنبل"
    assert protected_name("وبكفرنبل") is None


# --- short words: a clitic on an attested word (the lexicon) ---------------------

@pytest.mark.parametrize(("glued", "bare"), [
    ("بتل", "تل"), ("وبتل", "تل"), ("وجبل", "جبل"), ("بكفر", "كفر"), ("فعبد", "عبد"),
    ("بقوة", "قوة"), ("وشيخ", "شيخ"), ("بسجن", "سجن"), ("لتل", "تل"),
    ("بغصم", "غصم"),  # neither attested: a rare name, three letters left
])
def test_a_clitic_on_a_short_attested_word_is_a_second_reading(glued: str, bare: str) -> None:
    glued_stems, bare_stems = stem_variants(fold_letters(glued)), stem_variants(fold_letters(bare))
    assert glued_stems[0] == light_stem(fold_letters(glued))  # the first reading is unchanged
    assert set(glued_stems) & set(bare_stems)


@pytest.mark.parametrize("word", ["كبير", "وزير", "بحر", "ولد", "بلد", "فتح", "لجنة"])
def test_a_word_commoner_than_its_rest_gets_no_clitic_reading(word: str) -> None:
    # كبير is not ك+بير: news text writes كبير far more often than بير.
    assert len(stem_variants(fold_letters(word))) == 1


def test_the_lexicon_reading_is_part_of_the_analysis_version() -> None:
    assert Stemmer(lexicon=False).stem_variants("بتل") == ("بتل",)
    assert Stemmer().stem_variants("بتل") == ("بتل", "تل")
    assert Stemmer(lexicon=False) != Stemmer()
    assert pickle.loads(pickle.dumps(Stemmer(lexicon=False))) == Stemmer(lexicon=False)


def test_the_lexicon_is_small_and_counted() -> None:
    counts = lexicon_counts()
    assert 5_000 < len(counts) < 40_000
    assert all(2 <= len(w) <= 5 and n >= 20 for w, n in counts.items())
    assert counts["تل"] > counts.get("بتل", 0)


# --- the compiled twin (arsearch/text/_ctext.c) gives what the Python gives ---------

PROCLITIC_PIECES = list(stem_module.PROCLITICS)
SUFFIX_PIECES = list(stem_module.SUFFIXES)
LETTERS = [chr(c) for c in range(0x0621, 0x064B)] + ["ى", "ی", "ک", "ٱ"]
MESS = ["\u064e", "\u0651", "\u0652", "\u0670", "\u0640", "\u200c", "\u00ad", "#", "##",
        ".", "*", "،", "-", "_", "a", "Z", "é", "1", "٣", "۴", "\ud800", "\U0001f600", " ",
        "آ", "أ", "إ", "ة", "ه", "ى", "ي", "ء", "ﻻ", "ﷺ"]
STEMS = ["مستشفى", "غارة", "تنظيم", "بغداد", "وزارة", "كفر", "تل", "الله", "آثار", "قوة",
         "مدينة", "أمريكا", "فايروس", "حكم", "دين", "كشف", "والد", "الف", "بال"]
#: Words as the stemmer may meet them: clitic stacks, stems, suffixes and the mess
#: that folding leaves or a caller passes (marks, tatweel, Latin, digits, '#').
messy_word = st.lists(st.one_of(st.sampled_from(PROCLITIC_PIECES), st.sampled_from(SUFFIX_PIECES),
                                st.sampled_from(LETTERS), st.sampled_from(MESS),
                                st.sampled_from(STEMS)), max_size=6).map("".join)
any_word = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)


def outcome(function: Callable[..., object], *args: object) -> object:
    """What a call returns, or the type and message of what it raises."""
    try:
        return function(*args)
    except Exception as exc:  # the twins must raise alike, whatever they raise
        return type(exc), str(exc)


STEMMERS = [Stemmer(), Stemmer(lexicon=False), Stemmer(protected=["كفرنبل", "الرقة", "تل", "آمد"])]


def assert_twins_agree(ctext: ModuleType, word: str) -> None:
    for form in {word, fold_letters(word), respell(fold_letters(word))}:
        assert outcome(ctext.stems, form) == outcome(STEMMERS[0]._stems, form), form
        for stemmer in STEMMERS:
            lexicon = lexicon_counts if stemmer.lexicon else None
            assert (outcome(ctext.stem_variants, form, stemmer.protected, lexicon)
                    == outcome(stemmer._pure_variants, form)), form
            assert (outcome(ctext.protected_name, form, stemmer.protected)
                    == outcome(stemmer.protected_name, form)), form


def test_the_compiled_twin_has_the_same_tables(ctext: ModuleType) -> None:
    assert stem_module._shares_tables(ctext)
    stacks = ctext.TABLES["ARTICLE_STACKS"]
    assert list(stacks) == sorted(stacks, key=len, reverse=True)  # longest first
    if not native.disabled():
        assert stem_module._C is ctext


@pytest.mark.parametrize("word", [
    "", "و", "ة", "آ", "#", "و#و#", "و#و#و", "#و#", "ف#ف", "ة#ة", "آآب", "الآثار", "وآ",
    "بآل", "آلات", "وبالمستشفيات", "وزارة", "بتل", "وبكفرنبل", "للرقة", "كشفوه", "مكروه",
    "والده", "إليها", "ألفاظهم", "هجوماً", "هجوما", "خطة", "\ud800", "و\udfff", "SY24",
])
def test_the_compiled_stemmer_agrees_on_edge_cases(ctext: ModuleType, word: str) -> None:
    assert_twins_agree(ctext, word)


@settings(max_examples=400, deadline=None)
@given(st.one_of(messy_word, any_word))
def test_the_compiled_stemmer_agrees_on_messy_words(ctext: ModuleType, word: str) -> None:
    assert_twins_agree(ctext, word)


def test_the_compiled_stemmer_agrees_on_real_words(ctext: ModuleType,
                                                   real_texts: list[str]) -> None:
    words = {token.text for text in real_texts for token in tokenize(text, cache=False)}
    assert len(words) > 500
    for word in words:
        assert_twins_agree(ctext, word)


def test_the_analysis_is_the_same_on_either_path(ctext: ModuleType) -> None:
    stemmer = Stemmer()
    for word in ("وبالمستشفيات", "بتل", "الاميركيه", "وبكفرنبل"):
        assert stemmer.stem_variants(word) == stemmer._pure_variants(respell(word))
