"""Find the dates an Arabic news article mentions, with their precision.

``find_dates`` returns one ``Mention`` (``kind="date"``) per date expression,
its ``type`` the precision (``year``, ``month``, ``day``) and its ``value``
the ISO date at that precision. Offsets point into the original text, which
may carry diacritics, tatweel, Arabic-Indic or Persian digits: matching runs
on a folded copy (``arsearch.text.normalize``) and maps back character by character.

Rules (each one pinned by ``tests/test_dates.py``):

* Month names of every series (Egyptian يناير, Levantine كانون الثاني,
  Maghrebi جانفي), combined forms (شباط/فبراير, شباط (فبراير)), with a day,
  a year, «شهر», clitics (وفي آذار, بآذار, لشهر). Names that are also words
  (آب, مارس, ماي, Hijri months) need a day, a year, «شهر» or a second name.
* Numeric dates d/m/y, d-m-y, d.m.y, y-m-d in any digit set; m/d/y only when
  the second number cannot be a month.
* A 4-digit year only with a cue: عام/سنة/العام..., هـ/م, a month, a leading
  منذ/قبل/بعد/خلال/بتاريخ, «في/حتى 2019» at the end of a clause, a war or
  uprising (حرب 1948), a lone «(1948)», or a range «2011-2015» (value: its
  first year). Never a bare number: «القرار 2254», «9000», «1500 و2000 دولار».
* Hijri: day-month-year, month-year, «1440هـ», converted with ``hijridate``
  (Umm al-Qura, AH 1343-1500; the arithmetic calendar outside it). A Hijri
  month without a day becomes the Gregorian month holding its 15th day, a
  Hijri year alone the Gregorian year holding its 1 Rajab (mid-year).
* A 4-digit year with عام but no era is Gregorian, even 1300-1500.
* Relative dates (أمس، اليوم، الأسبوع الماضي، قبل يومين، منذ ثلاثة أيام،
  weekdays) and dates without a year (15 آذار, في آذار) are resolved only
  when ``published`` is given; otherwise they are not returned. A missing
  year is the one putting the date nearest to ``published``; a weekday is
  the latest such day on or before it («الجمعة الماضية»: before it,
  «المقبلة»: after it). A week ago is given at month precision.

Span convention follows the Wojood corpus: lead words «بتاريخ»، «منذ»،
«قبل»، «بعد»، «خلال»، «يوم»، «عام» and era suffixes are part of the span,
«في» and «حتى» are not.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hijridate import Gregorian, Hijri

from arsearch import native
from arsearch.data import data_lines
from arsearch.models import Mention
from arsearch.text import chars
from arsearch.text.normalize import normalize

Resolved = tuple[str, str] | None  # (precision, ISO value)
Resolver = Callable[[dt.date | None], Resolved]


# --- Folding with an offset map --------------------------------------------

def _fold_table() -> tuple[dict[int, str], str]:
    """Translation table to the folded form, and the chars not mapped 1:1."""
    ranges = [(0x41, 0x5A), (0xAD, 0xAD), (0x0600, 0x06FF), (0x0750, 0x077F),
              (0x08A0, 0x08FF), (0x200B, 0x200F), (0x202A, 0x202E),
              (0x2060, 0x2069), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]
    table: dict[int, str] = {}
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            c = chr(cp)
            if c in chars.OBFUSCATION_MARKS:
                continue
            folded = normalize(c)
            if folded != c:
                table[cp] = folded
    return table, "".join(chr(cp) for cp, f in table.items() if len(f) != 1)


_FOLD, _NOT_ONE_TO_ONE = _fold_table()
_NOT_ONE_TO_ONE_RE = re.compile("[" + re.escape(_NOT_ONE_TO_ONE) + "]")
_TRAILING_MARKS = chars.DIACRITICS | {chars.TATWEEL}
#: ``_FOLD`` laid out for the compiled twin of ``_fold`` (None: pure Python).
_cgaz = native.load("arsearch.extract._cgaz")
_FOLD_TABLE = _cgaz.FoldTable(_FOLD) if _cgaz is not None else None


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Folded text and, unless it is 1:1, the original offset of each char."""
    if _FOLD_TABLE is not None:
        return _FOLD_TABLE.fold(text)
    folded = text.translate(_FOLD)
    if not _NOT_ONE_TO_ONE_RE.search(text):
        return folded, None
    index: list[int] = []
    pos = 0
    for m in _NOT_ONE_TO_ONE_RE.finditer(text):
        i = m.start()
        index.extend(range(pos, i))
        index.extend([i] * len(_FOLD[ord(text[i])]))
        pos = i + 1
    index.extend(range(pos, len(text)))
    return folded, index


# --- Name tables (arsearch/data/dates_names.tsv) ---------------------------

def _load_names() -> dict[str, dict[str, tuple[int, bool]]]:
    """kind -> folded name -> (number, needs_cue)."""
    names: dict[str, dict[str, tuple[int, bool]]] = {}
    for line in data_lines("dates_names.tsv"):
        kind, number, name, *flag = line.split("\t")
        if kind == "kind":  # the header
            continue
        key = " ".join(normalize(name).split())
        names.setdefault(kind, {})[key] = (int(number), bool(flag and flag[0] == "cue"))
    return names


_NAMES = _load_names()
_SP = r"[ \t\u00a0]*"
_SP1 = r"[ \t\u00a0]+"
_B = r"(?<!\w)"
_E = r"(?!\w)"


def _longest_first(words: list[str] | dict[str, object]) -> list[str]:
    return sorted(words, key=len, reverse=True)


def _alternation(words: list[str] | dict[str, object]) -> str:
    """Longest-first regex alternation; a space matches any run of blanks."""
    return "|".join(re.escape(w).replace(r"\ ", _SP1) for w in _longest_first(words))


def _lookup(kind: str, name: str) -> tuple[int, bool]:
    return _NAMES[kind][" ".join(name.split())]


_MONTHS = _alternation(_NAMES["month"])
_HMONTHS = _alternation(_NAMES["hijri"])
_WEEKDAYS = _alternation(_NAMES["weekday"])
_CLITIC = r"[وف]?(?:ب|ل|ك)?"
_ERA = rf"(?P<era>هجريه|هجري|ه|ميلاديه|ميلادي|م){_E}"
_YEARWORD = rf"{_B}[وف]?(?:لل|ب|ل)?(?:ال)?(?:عام|سنه){_E}"
_LEAD = (
    rf"(?P<lead>{_B}(?:[وف]?(?:منذ|قبل|بعد|خلال)|و?بتاريخ|تاريخ){_SP}:?{_SP})?"
    rf"(?P<mod>{_B}[وف]?[بل]?(?:مطلع|بدايه|اوائل|اواخر|منتصف|نهايه|اواسط|مستهل)"
    rf"{_SP1}(?:شهر{_SP1})?)?"
)
_DAYLEAD = (
    rf"(?:{_B}[وف]?(?:يوم|صباح|مساء|ليله|فجر|ظهر|عصر){_SP1})?"
    rf"(?:{_B}[وف]?(?P<wd>{_WEEKDAYS}){_E}{_SP}[،,]?{_SP}(?:الموافق{_SP1})?)?"
)
_DAY = rf"(?:{_B}[وف]?(?:ال{_SP})?(?P<day>[0-3]?\d)(?!\d){_SP}(?:من{_SP1})?)?"
_SHAHR = rf"(?P<shahr>{_B}[وف]?[بل]?شهر{_SP1})?"
_COUNTED = (
    rf"{_SP}(?:[وف]?(?:عام|عاما|سنه|سنوات|يوم|ايام|شخص|اشخاص|قتيل|قتلي|جريح|عنصر|عنصرا|"
    rf"مقاتل|جندي|دولار|يورو|ليره|دينار|ريال|جنيه|درهم|الف|الاف|مليون|مليار|كم|متر|طن|"
    rf"برميل|غاره|صاروخ|قذيفه|منزل|عائله|اسره|طفل|لاجئ|نازح|حاله|مصاب|معتقل|اسير|مدني)"
    rf"{_E}|%|\$)"
)


def _year_in(year: int, lo: int = 1000, hi: int = 2100) -> bool:
    return lo <= year <= hi


# --- Patterns ---------------------------------------------------------------

_START = r"(?<!\w)(?=[\w(])"  # fail fast inside words

_MONTH_RE = re.compile(
    _START + _LEAD + _DAYLEAD + _DAY + _SHAHR
    + rf"{_B}(?P<cl1>{_CLITIC})(?P<m1>{_MONTHS}){_E}"
    + rf"(?:{_SP}(?:/|(?P<mp>\()|-)?{_SP}[وف]?(?P<m2>{_MONTHS}){_E}(?(mp){_SP}\)))?"
    + rf"(?:{_SP}\({_SP}(?P<nd>\d{{1,2}}){_SP}/{_SP}(?P<nm>\d{{1,2}}){_SP}/{_SP}"
    + rf"(?P<ny>\d{{4}}){_SP}\)"
    + rf"|{_SP}[،,/]?{_SP}(?:من{_SP1})?(?P<yw>{_YEARWORD}{_SP})?(?P<op>\({_SP})?"
    + rf"{_B}(?P<year>\d{{4}})(?!\d)(?(op){_SP}\))(?:{_SP}{_ERA})?)?"
    + rf"(?:{_SP1}(?P<q>الماضي|المنصرم|الفائت|المقبل|القادم|الجاري|الحالي)ه?{_E})?"
)
_NUMERIC_RE = re.compile(
    _START + _LEAD + _DAYLEAD + rf"(?P<op>\({_SP})?(?P<core>"
    + rf"{_B}(?P<a>\d{{1,2}}){_SP}(?P<sep>[/.\-]){_SP}(?P<b>\d{{1,2}}){_SP}(?P=sep){_SP}"
    + r"(?P<y>\d{4})(?![\d/])"
    + rf"|{_B}(?P<y2>\d{{4}})(?P<sep2>[/.\-])(?P<b2>\d{{1,2}})(?P=sep2)(?P<a2>\d{{1,2}})(?![\d/])"
    + rf"|{_B}(?P<dl>\d{{1,2}}(?:{_SP}/{_SP}\d{{1,2}}){{1,3}}){_SP}/{_SP}\({_SP}"
    + rf"(?P<y3>\d{{4}}){_SP}\))(?(op){_SP}\))(?:{_SP}{_ERA})?"
)
_YEAR_RE = re.compile(
    _START + _LEAD
    + rf"(?P<word>{_YEARWORD}(?:{_SP1}(?:الماضي|القادم|المقبل|الجاري|الحالي|المنصرم))?{_SP})?"
    + rf"(?P<op>\({_SP})?{_B}(?P<year>\d{{4}})(?!\d)"
    + rf"(?:{_SP}[/\-]{_SP}(?P<year2>\d{{4}})(?!\d))?(?(op){_SP}\))(?:{_SP}{_ERA})?"
)
_WEAK_YEAR_RE = re.compile(
    _START + rf"{_B}(?:[وف]?(?P<cue>في|حتي|حرب|نكبه|نكسه|ثوره|زلزال|انتفاضه|الانتفاضه|احداث|"
    rf"مجزره|عدوان|انتخابات)(?:{_SP1}(?:الاولي|الثانيه))?{_SP1}|(?P<op>\(){_SP})"
    rf"(?P<year>(?:19|20)\d\d)(?![\d/\-])(?(op){_SP}\)|(?!{_COUNTED}))"
)
_HDAY = rf"(?:{_B}[وف]?(?:ال{_SP})?(?P<day>[0-3]?\d)(?!\d){_SP}(?:[/\-]{_SP})?(?:من{_SP1})?)?"
_HIJRI_RE = re.compile(
    _START + _LEAD + _DAYLEAD + _HDAY + _SHAHR + rf"{_B}[وف]?(?P<m1>{_HMONTHS}){_E}"
    + rf"(?:{_SP}[/\-،,]?{_SP}(?:{_YEARWORD}{_SP})?(?P<year>\d{{4}})(?!\d)(?:{_SP}{_ERA})?)?"
    + rf"(?:{_SP1}(?:المبارك|الفضيل|الكريم|المعظم|الحرام){_E})?"
)
_REL_DAY_RE = re.compile(
    _START + rf"{_B}(?:(?P<lead>[وف]?(?:بعد|منذ|قبل|حتي)"
    rf"|[وف]?(?:يوم|صباح|مساء|ليله|ليل|فجر|ظهر|عصر|ظهيره)){_SP1}|[وف])?(?P<w>امس(?:{_SP1}الاول)?|البارحه|اليوم|غدا|بكرا|غد){_E}"
    rf"(?!{_SP1}(?:ال(?:تالي|سابق|اول|ثاني|ثالث|رابع|خامس|سادس|سابع|ثامن|تاسع|عاشر|اخير|"
    rf"عالمي|وطني|دولي|نفسه|ذاته|ذي|الذي|واحد)|نفسه|ذاته){_E})"
    rf"(?:{_SP1}(?P<wd>{_WEEKDAYS}){_E})?"
)
_QUALIFIERS = {
    "الماضي": -1, "الفائت": -1, "المنصرم": -1, "المنقضي": -1, "السابق": -1, "الفارط": -1,
    "الجاري": 0, "الحالي": 0, "المقبل": 1, "القادم": 1, "قبل الماضي": -2,
}
_QUAL = "|".join(
    re.escape(q).replace(r"\ ", _SP1) + "ه?" for q in sorted(_QUALIFIERS, key=len, reverse=True)
)
_REL_UNIT_RE = re.compile(
    _START + rf"{_B}(?:[وف]?(?:خلال|منذ|مطلع|بدايه|اوائل|اواخر|منتصف|نهايه|اواسط|مستهل|طيله|طوال)"
    rf"{_SP1})?(?:[وف]?[لب]?(?P<this>هذا|هذه){_SP1}(?P<u0>الاسبوع|الشهر|العام|السنه)"
    rf"|[وف]?(?:لل|ب|ل)?(?:ال)?(?P<u>اسبوع|شهر|عام|سنه){_SP1}(?P<q>{_QUAL})){_E}"
)
_NUMWORDS = {
    "واحد": 1, "واحده": 1, "اثنين": 2, "اثنتين": 2, "ثلاث": 3, "ثلاثه": 3, "اربع": 4,
    "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثمان": 8,
    "ثماني": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10, "عشرين": 20,
    "ثلاثين": 30, "اربعين": 40, "خمسين": 50,
}
_UNITS = {
    "يوم": "day", "ايام": "day", "يوما": "day", "اسبوع": "week", "اسابيع": "week",
    "اسبوعا": "week", "شهر": "month", "اشهر": "month", "شهور": "month", "شهرا": "month",
    "عام": "year", "اعوام": "year", "عاما": "year", "سنه": "year", "سنوات": "year",
    "سنين": "year", "عقد": "decade", "عقود": "decade",
}
_DUALS = {"يومين": "day", "اسبوعين": "week", "شهرين": "month", "عامين": "year",
          "سنتين": "year", "عقدين": "decade"}
_REL_AGO_RE = re.compile(
    _START + rf"{_B}[وف]?(?:منذ|قبل){_SP1}(?:(?:اكثر|اقل){_SP1}من{_SP1}|نحو{_SP1}|حوالي{_SP1}|"
    rf"قرابه{_SP1})?(?:(?P<n>\d{{1,3}}|{_alternation(_NUMWORDS)}){_SP1}"
    rf"(?P<u>{_alternation(_UNITS)})|(?P<dual>{_alternation(_DUALS)})){_E}(?!{_SP}من{_E})"
)
_VAGUE_RE = re.compile(
    _START + rf"{_B}(?:[وف]?(?:خلال|مدي|طوال|طيله|منذ){_SP1})?[وف]?[لب]?ال(?:ايام|اسابيع|اشهر|شهور|"
    rf"سنوات|اعوام|سنين|عقود){_E}(?:{_SP1}ال(?:{_alternation(_NUMWORDS)}|قليله){_E})?"
    rf"{_SP1}(?:الماضيه|الاخيره|الفائته|المنصرمه|المقبله|القادمه){_E}"
)
_WEEKDAY_RE = re.compile(
    _START + rf"{_B}(?:[وف]?(?P<lead>يوم|صباح|مساء|ليله|فجر|ظهر|عصر){_SP1}|[وف])?"
    rf"(?P<wd>{_WEEKDAYS}){_E}(?:{_SP1}(?P<q>الماضي|الفائت|المقبل|القادم)ه?{_E})?"
)


# Every absolute date holds a four-digit number or a month name (the day of
# «15 آذار» comes with the month); every relative one a keyword.
_ANCHOR_CLITICS = "وفبلك"
_ABSOLUTE_ANCHOR = re.compile(
    rf"\d{{4}}|{_B}[{_ANCHOR_CLITICS}]{{0,3}}(?:{_MONTHS}|{_HMONTHS}){_E}")
# Each relative pattern holds one of its own keywords: the words for
# yesterday/today/tomorrow, a unit, منذ/قبل, a plural qualifier, a weekday
# (tried in this order, anywhere, even inside a word).
_RELATIVE_WORDS = {
    _REL_DAY_RE: ["امس", "البارحه", "اليوم", "غد", "بكرا"],
    _REL_UNIT_RE: ["اسبوع", "شهر", "عام", "سنه"],
    _REL_AGO_RE: ["منذ", "قبل"],
    _VAGUE_RE: ["الماضيه", "الاخيره", "الفائته", "المنصرمه", "المقبله", "القادمه"],
    _WEEKDAY_RE: _longest_first(_NAMES["weekday"]),
}
_RELATIVE_ANCHORS = {
    pattern: re.compile("|".join(re.escape(w).replace(r"\ ", _SP1) for w in words))
    for pattern, words in _RELATIVE_WORDS.items()
}
_SPACE_RE = re.compile(r"\s")
_REACH = 80  # how far a date expression may extend on either side of its anchor
#: The anchors as compiled scanners (None: pure Python), ``scanner.windows(folded)
#: == _windows(folded, anchor)``: ``_ABSOLUTE_ANCHOR``, then each relative one.
_DATE_ANCHORS = None if _cgaz is None else _cgaz.DateAnchors(
    4, _ANCHOR_CLITICS, 3, _longest_first(_NAMES["month"]) + _longest_first(_NAMES["hijri"]),
    _REACH)
_RELATIVE_SCANNERS = None if _cgaz is None else {
    pattern: _cgaz.DateAnchors(0, "", 0, words, _REACH, bounded=False)
    for pattern, words in _RELATIVE_WORDS.items()
}


def _windows(folded: str, anchor: re.Pattern[str]) -> list[tuple[int, int]]:
    """Stretches of ``folded`` around the matches of ``anchor``.

    Running the long patterns only there keeps extraction fast on long
    articles; each stretch starts and ends at whitespace so word-boundary
    checks stay exact.
    """
    windows: list[tuple[int, int]] = []
    for m in anchor.finditer(folded):
        start, end = max(0, m.start() - _REACH), m.end() + _REACH
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    out = []
    for start, end in windows:
        space = _SPACE_RE.search(folded, min(end, len(folded)))
        start = max(folded.rfind(" ", 0, start), folded.rfind("\n", 0, start)) + 1
        out.append((start, space.start() if space else len(folded)))
    return out


def _finditer(pattern: re.Pattern[str], folded: str, windows: list[tuple[int, int]]
              ) -> Iterator[re.Match[str]]:
    for start, end in windows:
        yield from pattern.finditer(folded, start, end)


def _near_anchors(pattern: re.Pattern[str], folded: str) -> Iterator[re.Match[str]]:
    """Matches of a relative pattern, looked for only around its own keywords."""
    windows = (_windows(folded, _RELATIVE_ANCHORS[pattern]) if _RELATIVE_SCANNERS is None
               else _RELATIVE_SCANNERS[pattern].windows(folded))
    return _finditer(pattern, folded, windows)


# --- Values -----------------------------------------------------------------

def _iso_day(year: int, month: int, day: int) -> Resolved:
    try:
        return "day", dt.date(year, month, day).isoformat()
    except (ValueError, OverflowError):
        return None


def _iso_month(year: int, month: int) -> Resolved:
    return ("month", f"{year:04d}-{month:02d}") if 1 <= year <= 9999 and 1 <= month <= 12 else None


def _iso_year(year: int) -> Resolved:
    return ("year", f"{year:04d}") if 1 <= year <= 9999 else None


def _hijri_to_gregorian(year: int, month: int, day: int) -> dt.date | None:
    """Umm al-Qura via hijridate; the arithmetic calendar outside its range."""
    if not (1 <= month <= 12 and 1 <= day <= 30 and 1 <= year <= 9000):
        return None
    try:
        g = Hijri(year, month, day).to_gregorian()
        return dt.date(g.year, g.month, g.day)
    except OverflowError:
        ordinal = day + math.ceil(29.5 * (month - 1)) + (year - 1) * 354
        return dt.date.fromordinal(ordinal + (3 + 11 * year) // 30 + 227014)
    except ValueError:
        return None


def _hijri_value(year: int, month: int | None, day: int | None) -> Resolved:
    if month is None:
        g = _hijri_to_gregorian(year, 7, 1)
        return _iso_year(g.year) if g else None
    g = _hijri_to_gregorian(year, month, day or 15)
    if g is None:
        return None
    return ("day", g.isoformat()) if day else _iso_month(g.year, g.month)


def _nearest(published: dt.date, dates: list[dt.date | None]) -> dt.date | None:
    valid = [d for d in dates if d is not None]
    return min(valid, key=lambda d: abs((d - published).days)) if valid else None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _add_months(day: dt.date, months: int) -> tuple[int, int]:
    total = day.year * 12 + day.month - 1 + months
    return total // 12, total % 12 + 1


def _shift(published: dt.date, amount: int, unit: str) -> Resolved:
    """``published`` moved ``amount`` units (negative: back), at the unit's precision."""
    try:
        if unit == "day":
            return "day", (published + dt.timedelta(days=amount)).isoformat()
        if unit == "week":
            return "day", (published + dt.timedelta(days=7 * amount)).isoformat()
        if unit == "month":
            return _iso_month(*_add_months(published, amount))
        return _iso_year(published.year + amount * (10 if unit == "decade" else 1))
    except OverflowError:
        return None


# --- Candidates ---------------------------------------------------------------

@dataclass(slots=True)
class _Candidate:
    start: int
    end: int
    resolve: Resolver


def _absolute(value: Resolved) -> Resolver:
    return lambda published: value


_DIRECTIONS = {"الماضي": -1, "المنصرم": -1, "الفائت": -1, "المقبل": 1, "القادم": 1,
               "الجاري": 0, "الحالي": 0}


def _day_month(month: int, day: int | None, qualifier: str | None) -> Resolver:
    """A date without its year: the year putting it nearest to ``published``.

    «الماضي» takes the latest one not after ``published``, «المقبل» the
    first one after it, «الجاري» the one in its year.
    """
    direction = _DIRECTIONS.get(qualifier or "")

    def resolve(published: dt.date | None) -> Resolved:
        if published is None:
            return None
        years = range(published.year - 1, published.year + 2)
        dates = [_safe_date(y, month, day or 1) for y in years]
        if direction == -1:
            dates = [d for d in dates if d and d <= published]
        elif direction == 1:
            dates = [d for d in dates if d and d > published]
        elif direction == 0:
            dates = [d for d in dates if d and d.year == published.year]
        best = _nearest(published, dates)
        if best is None:
            return None
        return _iso_day(best.year, month, day) if day else _iso_month(best.year, month)
    return resolve


def _weekday(weekday: int, direction: int) -> Resolver:
    """Latest ``weekday`` on or before ``published`` (-1: before it, 1: after it)."""
    def resolve(published: dt.date | None) -> Resolved:
        if published is None:
            return None
        if direction > 0:
            delta = (weekday - published.weekday() - 1) % 7 + 1
        else:
            delta = -((published.weekday() - weekday) % 7 or (7 if direction < 0 else 0))
        return _shift(published, delta, "day")
    return resolve


def _relative(amount: int, unit: str, precision: str | None = None) -> Resolver:
    def resolve(published: dt.date | None) -> Resolved:
        if published is None:
            return None
        value = _shift(published, amount, unit)
        if value and precision == "month":
            return "month", value[1][:7]
        return value
    return resolve


def _int(s: str | None) -> int | None:
    return int(s) if s else None


def _is_hijri_era(era: str | None) -> bool:
    return bool(era) and era.startswith("ه")


def _month_candidates(folded: str, windows: list[tuple[int, int]]) -> list[_Candidate]:
    out = []
    for m in _finditer(_MONTH_RE, folded, windows):
        month, cue = _lookup("month", m["m1"])
        day, year = _int(m["day"]), _int(m["year"])
        if cue and m["cl1"].strip("وف"):
            continue
        if cue and not (day or year or m["shahr"] or m["nd"] or m["m2"]):
            continue
        start = m.start()
        if m["nd"]:
            nd, nm, ny = int(m["nd"]), int(m["nm"]), int(m["ny"])
            if nm != month and nd == month:
                nd, nm = nm, nd
            value = _iso_day(ny, nm, nd) if nm == month else _iso_month(ny, month)
            out.append(_Candidate(start, m.end(), _absolute(value)))
        elif year is not None:
            if _is_hijri_era(m["era"]) or not _year_in(year):
                continue
            if not (m["yw"] or m["era"]) and re.match(_COUNTED, folded[m.end():]):
                continue
            value = _iso_day(year, month, day) if day else _iso_month(year, month)
            out.append(_Candidate(start, m.end(), _absolute(value)))
        else:
            out.append(_Candidate(start, m.end(), _day_month(month, day, m["q"])))
    return out


def _numeric_candidates(folded: str, windows: list[tuple[int, int]]) -> list[_Candidate]:
    out = []
    for m in _finditer(_NUMERIC_RE, folded, windows):
        hijri = _is_hijri_era(m["era"])
        if m["dl"]:
            parts = [int(p) for p in re.findall(r"\d+", m["dl"])]
            year, month, day = int(m["y3"]), parts[-1], parts[0] if len(parts) == 2 else None
        elif m["y"]:
            year, month, day = int(m["y"]), int(m["b"]), int(m["a"])
        else:
            year, month, day = int(m["y2"]), int(m["b2"]), int(m["a2"])
        if month > 12 and day is not None and day <= 12:
            month, day = day, month
        if hijri:
            value = _hijri_value(year, month, day) if 1 <= month <= 12 else None
        elif not _year_in(year):
            continue
        else:
            value = _iso_day(year, month, day) if day else _iso_month(year, month)
        if value is None:
            continue
        if m["op"] and m.start() == m.start("op"):  # a bare «( 19 / 9 / 1992 )»
            out.append(_Candidate(m.start("core"), m.end("core"), _absolute(value)))
        else:
            out.append(_Candidate(m.start(), m.end(), _absolute(value)))
    return out


def _year_candidates(folded: str, windows: list[tuple[int, int]]) -> list[_Candidate]:
    out = []
    for m in _finditer(_YEAR_RE, folded, windows):
        year, era = int(m["year"]), m["era"]
        cued = m["word"] or era or m["lead"] or m["mod"]
        if not cued and not m["year2"]:
            continue
        if m["year2"] and not cued:
            year2 = int(m["year2"])
            if not (1800 <= year < year2 <= 2100 and year2 - year <= 50):
                continue
            if re.match(_COUNTED, folded[m.end():]):
                continue
        if not (m["word"] or era) and re.match(_COUNTED, folded[m.end():]):
            continue
        if _is_hijri_era(era):
            value = _hijri_value(year, None, None) if _year_in(year, 1, 1600) else None
        else:
            value = _iso_year(year) if _year_in(year) else None
        if value:
            out.append(_Candidate(m.start(), m.end(), _absolute(value)))
    for m in _finditer(_WEAK_YEAR_RE, folded, windows):
        if m["cue"] in ("في", "حتي"):
            rest = folded[m.end():m.end() + 20].lstrip(" \t\u00a0")
            if rest[:1].isalnum():
                continue
        year = int(m["year"])
        if 1800 <= year <= 2050:
            out.append(_Candidate(m.start("year"), m.end("year"), _absolute(_iso_year(year))))
    return out


def _hijri_candidates(folded: str, windows: list[tuple[int, int]]) -> list[_Candidate]:
    out = []
    for m in _finditer(_HIJRI_RE, folded, windows):
        month, _ = _lookup("hijri", m["m1"])
        day, year = _int(m["day"]), _int(m["year"])
        if not (day or year or m["shahr"]) or (m["era"] and not _is_hijri_era(m["era"])):
            continue
        if year is not None:
            resolver = _absolute(_hijri_value(year, month, day))
        else:
            resolver = _hijri_no_year(month, day)
        out.append(_Candidate(m.start(), m.end(), resolver))
    return out


def _hijri_no_year(month: int, day: int | None) -> Resolver:
    def resolve(published: dt.date | None) -> Resolved:
        if published is None:
            return None
        try:
            hyear = Gregorian.fromdate(published).to_hijri().year
        except (OverflowError, ValueError):
            hyear = round((published.year - 622) * 33 / 32)
        dates = [_hijri_to_gregorian(y, month, day or 15) for y in (hyear - 1, hyear, hyear + 1)]
        best = _nearest(published, dates)
        if best is None:
            return None
        return ("day", best.isoformat()) if day else _iso_month(best.year, best.month)
    return resolve


def _relative_candidates(folded: str) -> list[_Candidate]:
    out = []
    shifts = {"امس": -1, "البارحه": -1, "اليوم": 0, "غدا": 1, "بكرا": 1, "غد": 1}
    for m in _near_anchors(_REL_DAY_RE, folded):
        word = " ".join(m["w"].split())
        if word == "غد" and not m["lead"]:
            continue
        amount = -2 if word.startswith("امس ") else shifts[word]
        out.append(_Candidate(m.start(), m.end(), _relative(amount, "day")))
    for m in _near_anchors(_REL_UNIT_RE, folded):
        unit_word = (m["u0"] or m["u"]).removeprefix("ال")
        unit = {"اسبوع": "week", "شهر": "month"}.get(unit_word, "year")
        amount = 0 if m["this"] else _QUALIFIERS[" ".join(m["q"].split()).removesuffix("ه")]
        precision = "month" if unit == "week" else None
        out.append(_Candidate(m.start(), m.end(), _relative(amount, unit, precision)))
    for m in _near_anchors(_REL_AGO_RE, folded):
        if m["dual"]:
            amount, unit = 2, _DUALS[m["dual"]]
        else:
            n = m["n"]
            amount = int(n) if n.isdigit() else _NUMWORDS[n]
            unit = _UNITS[m["u"]]
        out.append(_Candidate(m.start(), m.end(), _relative(-amount, unit)))
    for m in _near_anchors(_VAGUE_RE, folded):
        out.append(_Candidate(m.start(), m.end(), _absolute(None)))
    for m in _near_anchors(_WEEKDAY_RE, folded):
        weekday, cue = _lookup("weekday", m["wd"])
        if cue and not m["lead"]:
            continue
        q = m["q"] or ""
        direction = -1 if q in ("الماضي", "الفائت") else (1 if q else 0)
        out.append(_Candidate(m.start(), m.end(), _weekday(weekday, direction)))
    return out


def _candidates(text: str) -> list[tuple[int, int, Resolver]]:
    """Non-overlapping date spans (original offsets, by start) and their resolvers."""
    folded, index = _fold(text)
    windows = (_windows(folded, _ABSOLUTE_ANCHOR) if _DATE_ANCHORS is None
               else _DATE_ANCHORS.windows(folded))
    found = (_month_candidates(folded, windows) + _numeric_candidates(folded, windows)
             + _year_candidates(folded, windows) + _hijri_candidates(folded, windows)
             + _relative_candidates(folded))
    found.sort(key=lambda c: (c.start - c.end, c.start))
    taken: list[_Candidate] = []
    for c in found:
        if c.end > c.start and all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    taken.sort(key=lambda c: c.start)
    out = []
    for c in taken:
        start, end = (c.start, c.end) if index is None else (index[c.start], index[c.end - 1] + 1)
        while end < len(text) and text[end] in _TRAILING_MARKS:
            end += 1
        out.append((start, end, c.resolve))
    return out


# --- Public API ---------------------------------------------------------------

def find_date_spans(text: str) -> list[tuple[int, int]]:
    """Every date expression's (start, end), resolvable or not (for span benchmarks)."""
    return [(start, end) for start, end, _ in _candidates(text)]


def find_dates(text: str, published: dt.date | None = None) -> list[Mention]:
    """Dates mentioned in ``text``, resolved against ``published`` when given.

    >>> [m.value for m in find_dates("وفي تشرين الثاني عام 2017 وفي 15/3/2019")]
    ['2017-11', '2019-03-15']
    >>> [m.value for m in find_dates("هاجم أمس السبت", dt.date(2019, 3, 24))]
    ['2019-03-23']
    """
    if isinstance(published, dt.datetime):
        published = published.date()
    mentions = []
    for start, end, resolve in _candidates(text):
        resolved = resolve(published)
        if resolved is None:
            continue
        precision, value = resolved
        mentions.append(Mention(kind="date", type=precision, id=value, name=value,
                                text=text[start:end], start=start, end=end, value=value))
    return mentions
