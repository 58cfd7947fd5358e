"""The compiled loops of the gazetteer and date scans (``arsearch.extract._cgaz``)
against their pure-Python twins: the same output on the same inputs.

Each comparison runs both paths in one process: the pure one with the module's
handle on the extension set to None, each with a matcher of its own, so that
neither reads what the other remembered. The compiled side is skipped when
the extension is not built (or ``ARSEARCH_PURE_PYTHON`` is set).
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from arsearch import native
from arsearch.data import data_lines
from arsearch.extract import dates, entities
from arsearch.extract.gazetteer import Gazetteer, clitic_variants
from arsearch.models import Mention
from arsearch.text import chars

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ANT = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"
REAL_ARTICLES = 1000

_cgaz = native.load("arsearch.extract._cgaz")
needs_compiled = pytest.mark.skipif(_cgaz is None,
                                    reason="arsearch.extract._cgaz is not built (or disabled)")


# --- messy Arabic ---------------------------------------------------------------

def _gazetteer_words() -> list[str]:
    gazetteer = Gazetteer.load()
    words = [name for entry in itertools.islice(gazetteer, 0, None, 97) for name in entry.names]
    words += [name for key in itertools.islice(gazetteer.names, 0, None, 53) for name in key]
    words += list(entities.PLACE_TRIGGERS) + list(entities.ACTOR_TRIGGERS)
    words += ["سوريا", "روسيا", "الروسية", "الروس", "الطائرات", "الحربية", "قوات", "في",
              "من", "المدعومة", "ديرالزوردمشق", "حلبدمشق", "دمشقحلبحمص", "IS", "UN", "مدينة",
              "الباب", "داعش", "دا.عــش", "د.ا.ع.ش", "بالرقة", "وبالرقة", "للرقة", "والرقة"]
    return words


def _date_words() -> list[str]:
    names = [line.split("\t")[2] for line in data_lines("dates_names.tsv")
             if not line.startswith("kind")]
    return names + ["عام", "سنة", "العام", "هـ", "م", "منذ", "قبل", "أمس", "اليوم", "غدا",
                    "الماضي", "المقبل", "الأسبوع", "يومين", "ثلاثة أيام", "شهر", "الجاري",
                    "بتاريخ", "الموافق", "حرب", "في", "حتى", "2019", "١٤٤٠", "۱۳۹۸", "15/3/2019",
                    "2011-2015", "(1948)", "٢٠١٧/٠٣/١٥", "1440هـ", "12.5.2018"]


_LETTERS = [chr(c) for c in range(0x0621, 0x064B)]
_MARKS = sorted(chars.DIACRITICS)[:12] + [chars.TATWEEL, "\u200c", "\u200f", "\u00ad"]
_DIGITS = [*"0123456789", *(chr(c) for c in range(0x0660, 0x066A)),
           *(chr(c) for c in range(0x06F0, 0x06FA))]
_ODD = ["ﻻ", "ﷲ", "ﺍ", "\ufdfa", "ی", "ک", "ٱ", "😀", "\U00010400", "\ud800", "\x00", "é", "ß"]
_PUNCTUATION = [*".,،؛;:!?؟()[]{}|/\"'«»“”-*·•٭#_", "\n", "\t", " ", "\u00a0"]
_JOINS = st.sampled_from([" ", "  ", " و", "، ", ". ", " «", "» ", "\n", "-", "/", ".", "ـ", "",
                          " (", ") ", " في ", " من "])
_WORD_POOL = _gazetteer_words() + _date_words()
_NOISE = st.text(alphabet=st.sampled_from(_LETTERS + _MARKS + _DIGITS + _ODD + _PUNCTUATION
                                          + list("abcXYZ")), max_size=12)
_CLITIC = st.sampled_from(["", "", "", "و", "ف", "ب", "ل", "ك", "وب", "فل", "لل", "وال", "بال"])


@st.composite
def messy_word(draw: st.DrawFn) -> str:
    word = draw(_CLITIC) + draw(st.one_of(st.sampled_from(_WORD_POOL), _NOISE))
    if word and draw(st.integers(0, 4)) == 0:  # a mark, tatweel or dot inside the word
        at = draw(st.integers(0, len(word)))
        word = word[:at] + draw(st.sampled_from([*_MARKS, ".", "*", "·"])) + word[at:]
    return word


@st.composite
def messy_text(draw: st.DrawFn) -> str:
    words = draw(st.lists(messy_word(), max_size=30))
    out = ""
    for word in words:
        out += word + draw(_JOINS)
    return out


# --- the two paths ----------------------------------------------------------------

@pytest.fixture(scope="module")
def matchers() -> dict[bool, entities._Matcher]:
    """A matcher per path (compiled: True), so neither reads the other's memory."""
    gazetteer = Gazetteer.load()
    return {False: entities._Matcher(gazetteer), True: entities._Matcher(gazetteer)}


def _on(monkeypatch: pytest.MonkeyPatch, compiled: bool) -> None:
    monkeypatch.setattr(entities, "_cgaz", _cgaz if compiled else None)
    monkeypatch.setattr(dates, "_FOLD_TABLE", _FOLD_TABLE if compiled else None)
    monkeypatch.setattr(dates, "_DATE_ANCHORS", _DATE_ANCHORS if compiled else None)
    monkeypatch.setattr(dates, "_RELATIVE_SCANNERS", _RELATIVE_SCANNERS if compiled else None)


_FOLD_TABLE, _DATE_ANCHORS = dates._FOLD_TABLE, dates._DATE_ANCHORS
_RELATIVE_SCANNERS = dates._RELATIVE_SCANNERS


def _both(monkeypatch: pytest.MonkeyPatch, run: Callable[[bool], Any]) -> tuple[Any, Any]:
    """(pure, compiled) results of ``run(compiled)``, or the exceptions they raised."""
    found = []
    for compiled in (False, True):
        _on(monkeypatch, compiled)
        try:
            found.append(run(compiled))
        except Exception as exc:  # the twins must fail alike, too
            found.append((type(exc), str(exc)))
    _on(monkeypatch, _cgaz is not None)
    return found[0], found[1]


def _entities(matchers: dict[bool, entities._Matcher], text: str) -> Callable[[bool], Any]:
    return lambda compiled: entities._Scan(text, matchers[compiled]).run()


def _scan(matchers: dict[bool, entities._Matcher], text: str) -> Callable[[bool], Any]:
    def run(compiled: bool) -> tuple[list[str], list[int]]:
        tokens = list(entities.tokenize(text))
        return entities._norms_and_starts(tokens, matchers[compiled])
    return run


def _dates(text: str, published: dt.date | None) -> Callable[[bool], list[Mention]]:
    return lambda compiled: dates.find_dates(text, published)


_FIXTURES = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=_FIXTURES)


@needs_compiled
@_SETTINGS
@given(messy_text())
@example("")
@example("هاجم دا.عــش بلدة #كُباجب وقصفت الطائرات الحربية الروسية مدينة الباب")
@example("ديرالزوردمشق " + "دمشق" * 150)
@example("ميليشيا «لواء الباقر» في ريف حلب، وفي بالرقة IS")
def test_the_gazetteer_scan_is_the_same_on_both_paths(matchers: dict[bool, entities._Matcher],
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        text: str) -> None:
    pure, compiled = _both(monkeypatch, _scan(matchers, text))
    assert compiled == pure
    pure, compiled = _both(monkeypatch, _entities(matchers, text))
    assert compiled == pure


@needs_compiled
@_SETTINGS
@given(messy_text())
@example("قوات التحالف العربي في دير الزور وجبل البشري ومدينة الباب")
def test_the_names_at_each_token_are_the_same_on_both_paths(
        matchers: dict[bool, entities._Matcher], text: str) -> None:
    matcher = matchers[True]
    norms = [matcher.word(t.text)[0] for t in entities.tokenize(text)]
    for i in range(-1, len(norms) + 1):
        variants = clitic_variants(norms[i]) if 0 <= i < len(norms) else ((0, "حلب"),)
        found = []
        for names_at in (entities._names_at, _cgaz.names_at):
            try:
                found.append(names_at(norms, i, variants, matcher.first))
            except IndexError as exc:
                found.append(str(exc))
        assert found[0] == found[1]


@needs_compiled
@_SETTINGS
@given(messy_text(), st.sampled_from([None, dt.date(2019, 3, 24), dt.date(1, 1, 1),
                                      dt.date(9999, 12, 31), dt.date(2020, 2, 29)]))
@example("", None)
@example("في 15 آذار/مارس ٢٠١٩ وفي ١٤ رمضان ١٤٤٠هـ، أمسِ الأحد، قبل ثلاثة أيام",
         dt.date(2019, 3, 24))
@example("ﻻ\ud800😀 2019 في كانون الثاني", None)
def test_the_date_finder_is_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch, text: str,
                                                    published: dt.date | None) -> None:
    pure, compiled = _both(monkeypatch, _dates(text, published))
    assert compiled == pure


@needs_compiled
@settings(max_examples=200, deadline=None, suppress_health_check=_FIXTURES)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
       | messy_text())
@example("")
@example("ـًٌٍَُِّْ")
@example("\U0001f600ﻻ\ud800")
def test_folding_is_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    pure, compiled = _both(monkeypatch, lambda c: dates._fold(text))
    assert compiled == pure


_ANCHORED = ["كانون الثاني", "كانون\u00a0\tالثاني", "وفبراير", "لفبراير", "وبكانون  الثاني",
             "فففبراير", "_مارس", "مارس_", "آذار2019", "١٢٣٤", "۱۳۹۸", "12345", "رمضان", "وبلكمحرم",
             "ذو الحجه", "شوال\U0001d7d8", "\U0001d7d8\U0001d7d9\U0001d7da\U0001d7db",
             "الامس", "غدا", "غداالبارحه", "اسبوعين", "منذقبل", "السبتالماضيه", "يوم  الاحد"]


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ANCHORED) | messy_word(), max_size=40).map(" ".join)
       | messy_text())
@example("")
@example(" ".join(_ANCHORED))
@example("x" * 200 + " 2019 " + "y" * 200 + "\n" + "z" * 100 + " آذار")
def test_the_date_windows_are_the_same_on_both_paths(text: str) -> None:
    for folded in (text, dates._fold(text)[0]):
        assert (dates._DATE_ANCHORS.windows(folded)
                == dates._windows(folded, dates._ABSOLUTE_ANCHOR))
        for pattern, scanner in dates._RELATIVE_SCANNERS.items():
            assert scanner.windows(folded) == dates._windows(folded,
                                                             dates._RELATIVE_ANCHORS[pattern])


@needs_compiled
def test_date_anchors_refuse_names_they_could_not_match_as_the_regex_does() -> None:
    for names in (["a  b"], [" a"], ["a "], ["a\tb"], [""], [3]):
        with pytest.raises((TypeError, ValueError)):
            _cgaz.DateAnchors(4, "و", 3, names, 80)
    with pytest.raises(ValueError):
        _cgaz.DateAnchors(-1, "و", 3, ["a"], 80)
    with pytest.raises(TypeError):
        _cgaz.DateAnchors(4, "و", 3, ["a"], 80).windows(b"a")
    assert _cgaz.DateAnchors(4, "", 0, [], 0).windows("2019 x") == [(0, 4)]
    unbounded = _cgaz.DateAnchors(0, "", 0, ["ab"], 1, bounded=False)
    assert unbounded.windows("xab ab_ 2019") == [(0, 7)]  # «ab» inside words, merged
    assert unbounded.windows("ab" + " " * 9 + "ab") == [(0, 3), (10, 13)]


@needs_compiled
@settings(max_examples=300, deadline=None, suppress_health_check=_FIXTURES)
@given(messy_word())
@example("ديرالزوردمشق")
@example("ولدمشقحلبحمص")
@example("حلبدمشق" * 40)
def test_a_word_is_passive_alike_on_both_paths(matchers: dict[bool, entities._Matcher],
                                               word: str) -> None:
    matcher = matchers[True]
    variants = clitic_variants(word)
    compiled = _cgaz.passive(word, variants, matcher.starts, matcher.compact,
                             entities._GLUED_MIN, entities._PIECE_MIN, matcher.longest)
    pure = all(w not in matcher.starts for _, w in variants) and (
        len(word) < entities._GLUED_MIN or not any(matcher.split(w) for _, w in variants))
    assert compiled is None or compiled == pure


@needs_compiled
def test_a_word_glued_from_very_many_names_is_left_to_the_twin(
        matchers: dict[bool, entities._Matcher]) -> None:
    matcher = matchers[True]
    word = "دمشق" * 150
    assert _cgaz.passive(word, clitic_variants(word), matcher.starts, matcher.compact,
                         entities._GLUED_MIN, entities._PIECE_MIN, matcher.longest) is None
    assert matcher.is_passive(word) is False  # answered in pure Python: glued names


@needs_compiled
def test_the_compiled_loops_fail_as_their_twins_do(matchers: dict[bool, entities._Matcher],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pure, compiled = _both(monkeypatch, lambda c: dates._fold(42))  # type: ignore[arg-type]
    assert compiled == pure == (AttributeError, "'int' object has no attribute 'translate'")
    pure, compiled = _both(
        monkeypatch, lambda c: entities._norms_and_starts([object()], matchers[c]))  # type: ignore[list-item]
    assert compiled == pure and pure[0] is AttributeError
    with pytest.raises(TypeError):
        _cgaz.FoldTable({"a": "b"})
    with pytest.raises(ValueError):
        _cgaz.FoldTable({-1: "b"})
    with pytest.raises(TypeError):
        _cgaz.scan([], {}, None, None)
    with pytest.raises(TypeError):
        _cgaz.scan([], [], None)


@needs_compiled
def test_a_table_with_astral_and_deleting_entries_folds_as_translate() -> None:
    table = {0x1F600: "xy", 0x10400: "", ord("a"): "ﻻ", ord("b"): "", 0x0640: "\U0001F601"}
    folding = _cgaz.FoldTable(table)
    for text in ["", "abc", "😀a\U00010400b", "ـaـ", "zz\ud800", "b" * 5]:
        folded, index = folding.fold(text)
        assert folded == text.translate(table)
        if index is not None:
            assert [text[i] for i in index] == [c for c in text for _ in table.get(ord(c), c)]


# --- real texts -----------------------------------------------------------------

def _seed_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]


def _ant_articles(n: int) -> Iterator[tuple[str, dt.date | None]]:
    with gzip.open(ANT, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, n):
            article = json.loads(line)
            title, body = article.get("title") or "", article.get("text") or ""
            date = article.get("date")
            yield (f"{title}\n{body}" if title else body,
                   dt.date.fromisoformat(date[:10]) if date else None)


@needs_compiled
def test_the_seed_articles_give_the_same_mentions(matchers: dict[bool, entities._Matcher],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for text in _seed_texts():
        pure, compiled = _both(monkeypatch, _entities(matchers, text))
        assert compiled == pure and pure
        pure, compiled = _both(monkeypatch, _dates(text, dt.date(2019, 3, 24)))
        assert compiled == pure


@needs_compiled
@pytest.mark.skipif(not ANT.is_file(), reason="../shared/data/news (ANT v2.1) is not there")
def test_a_thousand_news_articles_give_the_same_mentions(matchers: dict[bool, entities._Matcher],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for number, (text, published) in enumerate(_ant_articles(REAL_ARTICLES)):
        pure, compiled = _both(monkeypatch, _entities(matchers, text))
        assert compiled == pure, number
        pure, compiled = _both(monkeypatch, _dates(text, published))
        assert compiled == pure, number


def test_the_pure_scan_passes_by_no_token_a_rule_could_start_at() -> None:
    """``_Matcher.is_passive``: at a passive token, every rule of the scan finds nothing."""
    matcher = entities._Matcher(Gazetteer.load())
    for text in _seed_texts():
        scan = entities._Scan(text, matcher)
        starts = set(scan.starts)
        for i in range(len(scan.tokens)):
            if i not in starts:
                assert not (scan._lookup(i) or scan._trigger_word(i) or any(
                    word in matcher.gazetteer.adjectives
                    or (len(scan.norms[i]) >= entities._GLUED_MIN and matcher.split(word))
                    for _, word in clitic_variants(scan.norms[i]))), scan.tokens[i]
