"""Plain data objects shared by extraction, the index and the CLI."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from typing import Any

#: Prefix of the id of a name found in the text but not in the gazetteer.
DISCOVERED = "new:"


def plural(n: int, word: str, words: str | None = None, spec: str = "") -> str:
    """``n`` and the noun agreeing with it: ``plural(1, "article")`` is "1 article",
    ``plural(2, "article")`` "2 articles" (``words`` when not just ``word`` + s);
    ``spec`` formats the number (``","`` for 1,000)."""
    return f"{n:{spec}} {word if n == 1 else words or word + 's'}"


def discovered_id(kind: str, name: str) -> str:
    """The id of a discovered actor or place: ``new:actor:لواء القدس``."""
    return f"{DISCOVERED}{kind}:{name}"


def id_name(entity_id: str) -> str:
    """The folded name a discovered id holds (``لواء القدس`` of ``new:actor:لواء
    القدس``); a gazetteer id, which holds no colon, is returned as it is."""
    return entity_id.split(":", 2)[-1]


@dataclass(frozen=True, slots=True)
class Mention:
    """Something an article mentions: an actor, a place, a date or a source.

    Attributes:
        kind: ``"actor"``, ``"place"`` or ``"date"``; ``"source"`` for a news
            outlet named only as the informant of the news (no facet).
        type: finer class (``armed_group``, ``state``, ``city``, ``village``,
            ``region``, ``person`` ...; for dates the precision ``year``,
            ``month`` or ``day``).
        id: canonical id (gazetteer id; for dates the ISO value).
        name: canonical name (for dates the ISO value).
        text: the surface form, ``source[start:end]``.
        start: character offset of the mention in the analysed text.
        end: character offset just past the mention.
        value: for dates, ISO at its precision (``2019``, ``2019-03``,
            ``2019-03-15``); None otherwise.
    """

    kind: str
    type: str
    id: str
    name: str
    text: str
    start: int
    end: int
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the schema of ``arsearch extract --json``)."""
        return asdict(self)


_ARTICLE_FIELDS = ("id", "title", "text", "published", "source", "author", "url")
_ISO_DATE_LEN = 10
_MAX_ID_CHARS = 1000
_MAX_SHOWN_VALUE = 40
# Characters that show nothing: whitespace, controls, zero-width and bidi marks.
_VISIBLE_RE = re.compile(
    "[^\\s\x00-\x1f\x7f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as it is indexed. ``id`` and ``text`` are required."""

    id: str
    text: str
    title: str = ""
    published: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None

    @classmethod
    def from_dict(cls, record: dict[str, Any], *, origin: str = "") -> Article:
        """Validate a JSON Lines style record (``date`` is read as ``published``).

        Strings are cleaned so that any record that passes can be indexed: NUL
        characters are dropped and lone surrogates (from ``"\\ud800"`` in JSON)
        become U+FFFD. ``id`` and ``text`` must hold a visible character; an
        integer ``id`` is read as a string.

        Raises:
            InvalidArticle: a required field is missing or a value has the wrong type.
        """
        from arsearch.errors import InvalidArticle

        if not isinstance(record, dict):
            raise InvalidArticle(
                f"an article must be a JSON object, got {_json_type(record)}", "", origin)
        values: dict[str, Any] = {}
        for field in _ARTICLE_FIELDS:
            value = record.get(field)
            if field == "published" and value in (None, ""):
                value = record.get("date")
            if value is None or value == "":
                continue
            if field == "id" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                raise InvalidArticle(
                    f"field {field!r} must be a string, got {_json_type(value)}", field, origin)
            value = _clean(value)
            values[field] = value.strip() if field != "text" else value
        for field in ("id", "text"):
            if not cls.has_text(values.get(field, "")):
                raise InvalidArticle(f"missing required field {field!r}", field, origin)
        if len(values["id"]) > _MAX_ID_CHARS:
            raise InvalidArticle(
                f"field 'id' is longer than {_MAX_ID_CHARS} characters", "id", origin)
        published = values.get("published")
        if published is not None:
            values["published"] = _check_date(published, origin)
        return cls(**values)

    @staticmethod
    def has_text(value: str) -> bool:
        """Whether ``value`` holds a visible character (not only spaces or invisible marks)."""
        return _VISIBLE_RE.search(value) is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the JSON Lines field names."""
        return asdict(self)


def _clean(value: str) -> str:
    """Drop NULs and replace lone surrogates, which the index cannot encode."""
    if value.isascii():
        return value.replace("\x00", "")
    return _SURROGATE_RE.sub("\ufffd", value.replace("\x00", ""))


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _check_date(value: str, origin: str) -> str:
    from datetime import date

    from arsearch.errors import InvalidArticle

    text = value.strip()
    head = text[:_ISO_DATE_LEN]
    try:
        if text[_ISO_DATE_LEN:_ISO_DATE_LEN + 1].isdigit():
            raise ValueError(text)  # 2019-03-150, 99999-01-01: not a date that was cut short
        return date.fromisoformat(head).isoformat()
    except ValueError:
        shown = value if len(value) <= _MAX_SHOWN_VALUE else value[:_MAX_SHOWN_VALUE] + "…"
        raise InvalidArticle(
            f"field 'published' must be a date YYYY-MM-DD, got {shown!r}", "published", origin
        ) from None


@dataclass(slots=True)
class Hit:
    """One search result. ``snippet`` is a window of the original text;
    ``highlights`` are (start, end) offsets of matched words inside it."""

    id: str
    title: str
    score: float
    snippet: str
    published: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None
    highlights: list[tuple[int, int]] | None = None
    actors: list[str] = dataclass_field(default_factory=list)
    places: list[str] = dataclass_field(default_factory=list)
    dates: list[str] = dataclass_field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (one line of ``arsearch search --json``)."""
        data = asdict(self)
        data["score"] = round(self.score, 4)
        data["highlights"] = [list(span) for span in self.highlights or []]
        return data
