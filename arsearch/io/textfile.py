"""Turn a scraped plain-text article into fields: title, author, source, body.

Scraped files are messy in known ways (see ``seeds/``): the headline may be
repeated, sometimes with the site's tag line appended (" - It's Over 9000!");
a byline may open the file ("مالك الرفاعي") or sit under the title
("بلدي نيوز - (محمد خضير)"); the outlet is named in the text ("لـ (الحل نت)",
"لمنصة SY24"); newsletter prompts and «مقالات ذات صلة» lists trail the body.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from arsearch.data import data_lines
from arsearch.text.analyzer import is_stopword
from arsearch.text.normalize import normalize

# A trailing list of links to other articles: everything after it goes.
_RELATED_RE = re.compile(
    r"^\s*(مقالات ذات صلة|اقرأ أيضا[ًا]?|إقرأ أيضا[ًا]?|اقرأ المزيد|مواضيع ذات صلة"
    r"|أخبار ذات صلة|شاهد أيضا[ًا]?)\s*:?\s*$"
)
# Lines asking the reader to subscribe, follow or share.
_PROMO_RE = re.compile(
    r"(صندوق بريدك|نشرتنا البريدية|النشرة البريدية|اشترك في|اشترك ب|هل أعجبك المحتوى|"
    r"تابعونا على|تابعنا على|انضم إلى قائمة|شارك هذا المقال|حمّل تطبيق|حمل تطبيق)"
)
_BYLINE_WITH_SOURCE_RE = re.compile(
    r"^(?P<source>[^()\-–]{2,40}?)\s*[-–]\s*\((?P<author>[^()]{3,40})\)\s*$"
)
_SITE_TAG_RE = re.compile(r"\s+[-–|]\s+[^-–|]{1,40}$")
_SENTENCE_END = (".", "،", ":", "؛", "!")
_MAX_TITLE_WORDS = 25
_MAX_NAME_WORDS = 4
_DATELINE_WINDOW = 4  # lines at the top where a dateline may stand
_DATELINE_MAX_CHARS = 60
_ARABIC_NAME_RE = re.compile(r"^[\u0621-\u064a\u0640\u064b-\u0652 ]+$")


@lru_cache(maxsize=1)
def known_sources() -> dict[str, str]:
    """Normalized alias -> canonical outlet name (package data ``sources.txt``)."""
    table: dict[str, str] = {}
    for line in data_lines("sources.txt"):
        names = [n.strip() for n in line.split("|") if n.strip()]
        for name in names:
            table[normalize(name)] = names[0]
    return table


def parse_text_article(raw: str) -> dict[str, Any]:
    """Split a plain-text article into ``title``, ``author``, ``source`` and ``text``.

    ``text`` keeps the original characters of the body (diacritics and all)
    minus the headline, bylines and trailing boilerplate.
    """
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = _drop_boilerplate(lines)
    content = [line for line in lines if line]
    title, author, source = "", None, None
    if content:
        title, content = _take_title(content)
    if content and (match := _BYLINE_WITH_SOURCE_RE.match(content[0])):
        source = _canonical_source(match["source"]) or match["source"].strip()
        author = match["author"].strip()
        content = content[1:]
    elif content and _looks_like_name(content[0]) and len(content) > 1:
        author, content = content[0], content[1:]
    published, content = _take_dateline(content)
    body = "\n".join(content)
    return {
        "title": title,
        "author": author,
        "source": source or find_source(body),
        "text": body,
        "published": published,
    }


def _take_dateline(content: list[str]) -> tuple[str | None, list[str]]:
    """A short line near the top that is a full date (نُشر في 15 آذار 2019) is the
    publication date; it is taken out of the body."""
    from arsearch.extract.dates import find_dates  # loaded for text files only

    for i, line in enumerate(content[:_DATELINE_WINDOW]):
        if len(line) > _DATELINE_MAX_CHARS:
            continue
        days = [m for m in find_dates(line) if m.type == "day"]
        if days and 3 * len(days[0].text) >= len(line.strip()):
            return days[0].value, content[:i] + content[i + 1:]
    return None, content


def _drop_boilerplate(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if _RELATED_RE.match(line):
            break
        if not _PROMO_RE.search(line):
            kept.append(line)
    return kept


def _take_title(content: list[str]) -> tuple[str, list[str]]:
    first = content[0]
    bare = _SITE_TAG_RE.sub("", first)
    for candidate in (first, bare):
        if candidate in content[1:4]:
            rest = [line for i, line in enumerate(content) if i and line != candidate]
            return candidate, rest
    words = first.split()
    if (len(content) > 1 and len(words) <= _MAX_TITLE_WORDS and not first.endswith(_SENTENCE_END)
            and not _looks_like_name(first)):
        return bare, content[1:]
    return "", content


def _looks_like_name(line: str) -> bool:
    """A byline: two to four Arabic words and no function word (غارات على الرقة is not)."""
    words = line.split()
    return (2 <= len(words) <= _MAX_NAME_WORDS and bool(_ARABIC_NAME_RE.match(line))
            and not any(is_stopword(w) for w in words))


def _canonical_source(name: str) -> str | None:
    return known_sources().get(normalize(name.strip(" \"'«»“”()")))


# "to/for <outlet>": لـ (الحل نت) / لـ”الحل نت” / لمنصة SY24 / محتوى الحل نت / لموقع X
_CUE_RE = re.compile(
    r"(?:لـ\s*|لمنصة\s+|لموقع\s+|لشبكة\s+|لصحيفة\s+|لوكالة\s+|محتوى\s+)"
    r"[\"“”«(]?\s*([^\"“”»()،,.:\n]{2,30})"
)


def find_source(body: str) -> str | None:
    """The outlet an article was written for, from cues such as «لـ (الحل نت)»."""
    for match in _CUE_RE.finditer(body):
        words = match.group(1).split()
        for n in range(min(len(words), 4), 0, -1):
            found = _canonical_source(" ".join(words[:n]))
            if found:
                return found
    return None
