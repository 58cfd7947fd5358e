"""Mentioned-date extraction: one small case per rule, the seed articles, a property test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch.extract.dates import find_date_spans, find_dates

PUBLISHED = dt.date(2019, 3, 24)  # a Sunday
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def values(text: str, published: dt.date | None = None) -> list[tuple[str, str, str | None]]:
    return [(m.text, m.type, m.value) for m in find_dates(text, published)]


@pytest.mark.parametrize(("text", "expected"), [
    # one month of each series, with a year
    ("في 15 مارس 2019 وقع", ("15 مارس 2019", "day", "2019-03-15")),
    ("في 3 إبريل 2018", ("3 إبريل 2018", "day", "2018-04-03")),
    ("يونيه 2017", ("يونيه 2017", "month", "2017-06")),
    ("15 آذار 2019", ("15 آذار 2019", "day", "2019-03-15")),
    ("تشرين الثاني عام 2017", ("تشرين الثاني عام 2017", "month", "2017-11")),
    ("كانون الأول 2016", ("كانون الأول 2016", "month", "2016-12")),
    ("جانفي 2019", ("جانفي 2019", "month", "2019-01")),
    ("12 جويلية 2018", ("12 جويلية 2018", "day", "2018-07-12")),
    ("أوت 2017", ("أوت 2017", "month", "2017-08")),
    # combined forms
    ("آذار/مارس 2019", ("آذار/مارس 2019", "month", "2019-03")),
    ("شباط (فبراير) 2018", ("شباط (فبراير) 2018", "month", "2018-02")),
    ("24 أكتوبر / تشرين الأول 2008", ("24 أكتوبر / تشرين الأول 2008", "day", "2008-10-24")),
    # years with a cue
    ("عام 2017", ("عام 2017", "year", "2017")),
    ("سنة 2019", ("سنة 2019", "year", "2019")),
    ("وفي العام 2015 بدأت", ("العام 2015", "year", "2015")),
    ("في 2019، بدأت", ("2019", "year", "2019")),
    ("بعد حرب 1948", ("1948", "year", "1948")),
    ("2011-2015", ("2011-2015", "year", "2011")),
    # numeric, every digit set
    ("في 15/3/2019", ("15/3/2019", "day", "2019-03-15")),
    ("2019-03-15", ("2019-03-15", "day", "2019-03-15")),
    ("15-3-2019", ("15-3-2019", "day", "2019-03-15")),
    ("١٥/٣/٢٠١٩", ("١٥/٣/٢٠١٩", "day", "2019-03-15")),
    ("۱۵/۳/۲۰۱۹", ("۱۵/۳/۲۰۱۹", "day", "2019-03-15")),
    ("بتاريخ ( 26 / 4 / 1948 )", ("بتاريخ ( 26 / 4 / 1948 )", "day", "1948-04-26")),
    # Hijri
    ("15 رمضان 1440 هـ", ("15 رمضان 1440 هـ", "day", "2019-05-20")),
    ("1440هـ", ("1440هـ", "year", "2019")),
    ("محرم 1441", ("محرم 1441", "month", "2019-09")),
    ("عام ( 1325 ) هجري", ("عام ( 1325 ) هجري", "year", "1907")),  # before Umm al-Qura
    # diacritics and tatweel inside the expression
    ("في آذارَ ٢٠١٩م", ("آذارَ ٢٠١٩م", "month", "2019-03")),
    ("9 رمضـان 1445", ("9 رمضـان 1445", "day", "2024-03-19")),
])
def test_absolute(text: str, expected: tuple[str, str, str]) -> None:
    assert values(text) == [expected]
    assert values(text, PUBLISHED) == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ("الـ15 من آذار", ("الـ15 من آذار", "day", "2019-03-15")),
    ("وفي آذار", ("آذار", "month", "2019-03")),  # «في» is not part of a span
    ("هاجموا بآذار", ("بآذار", "month", "2019-03")),
    ("لشهر آذار", ("لشهر آذار", "month", "2019-03")),
    ("في شهر آذار", ("شهر آذار", "month", "2019-03")),
    ("شباط/فبراير", ("شباط/فبراير", "month", "2019-02")),
    ("ديسمبر الماضي", ("ديسمبر الماضي", "month", "2018-12")),
    ("شهر رمضان", ("شهر رمضان", "month", "2019-05")),
    ("أمس", ("أمس", "day", "2019-03-23")),
    ("أمس السبت", ("أمس السبت", "day", "2019-03-23")),
    ("اليوم", ("اليوم", "day", "2019-03-24")),
    ("يوم الأربعاء", ("يوم الأربعاء", "day", "2019-03-20")),
    ("الأسبوع الماضي", ("الأسبوع الماضي", "month", "2019-03")),
    ("الشهر الفائت", ("الشهر الفائت", "month", "2019-02")),
    ("الشهر الماضي", ("الشهر الماضي", "month", "2019-02")),
    ("العام الماضي", ("العام الماضي", "year", "2018")),
    ("السنة الماضية", ("السنة الماضية", "year", "2018")),
    ("قبل يومين", ("قبل يومين", "day", "2019-03-22")),
    ("منذ ثلاثة أيام", ("منذ ثلاثة أيام", "day", "2019-03-21")),
    ("قبل 4 أشهر", ("قبل 4 أشهر", "month", "2018-11")),
])
def test_relative_needs_published(text: str, expected: tuple[str, str, str]) -> None:
    assert values(text, PUBLISHED) == [expected]
    assert values(text) == []
    assert find_date_spans(text)  # the span is still found


@pytest.mark.parametrize("text", [
    "لقاء مبالغ تتراوح بين 1500 و2000 دولار",
    "الفوج 147",
    "أكثر من 60 غارة",
    "خلال الساعات الـ24 الماضية",
    "القرار 2254",
    "It's Over 9000!",
    "قتل 30 عنصراً",
    "نحو 6 آلاف",
    "وصل 2019 شخصاً",
    "مارس الضغط عليهم",  # مارس the verb
    "باب الهوى",  # آب inside a word
    "صلاة الجمعة",  # الجمعة without a cue
    "ربيع 1445",  # ambiguous Hijri month
])
def test_not_dates(text: str) -> None:
    assert values(text, PUBLISHED) == []


def test_two_dates_in_order() -> None:
    found = values("وفي تشرين الثاني عام 2017 وفي 15/3/2019")
    assert found == [("تشرين الثاني عام 2017", "month", "2017-11"),
                     ("15/3/2019", "day", "2019-03-15")]


def test_seed_articles() -> None:
    seed = {p.name[:3]: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    if len(seed) < 4:
        pytest.skip("seed articles absent")
    assert ("تشرين الثاني عام 2017", "month", "2017-11") in values(seed["003"])
    assert ("منذ عام 2019", "year", "2019") in values(seed["001"])
    assert not any("أمس" in t for t, _, _ in values(seed["000"]))
    resolved = values(seed["000"], PUBLISHED)
    assert ("أمس السبت", "day", "2019-03-23") in resolved
    surfaces = [t for t, _, _ in values(seed["003"], PUBLISHED)]
    assert not any("9000" in t or "1500" in t or "2000" in t for t in surfaces)


_PIECES = ["آذار", "شباط", "/", "(", ")", "عام", "سنة", "هـ", "م", "في", "منذ", "قبل", "أمس",
           "اليوم", "الماضي", "رمضان", "شهر", "يوم", "السبت", "ـ", "َ", "ّ", "\u200f", "-", ".",
           "٢٠١٩", "۱۵", "2019", "15", "1440", "31", "0", "99999", " ", "\n", "ﻻ", "ﷺ", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=30),
       st.none() | st.dates())
def test_never_raises_and_offsets_are_exact(pieces: list[str], published: dt.date | None) -> None:
    text = "".join(pieces)
    mentions = find_dates(text, published)
    previous_end = 0
    for m in mentions:
        assert previous_end <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert m.kind == "date" and m.type in ("year", "month", "day")
        assert m.value == m.id == m.name
        previous_end = m.end
