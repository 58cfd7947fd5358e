"""The gazetteer: known actors and places, their names, and how they nest.

The bundled data is a set of TSV files shipped as package data
(``arsearch/data/gazetteer*.tsv``); users may add their own files in the same
format. One row per entry, UTF-8, tab-separated, with a header line:

``id kind type name_ar name_en parent lat lon aliases adjectives context_aliases``

* ``aliases``: ``|``-separated names, Arabic or Latin, matched anywhere.
* ``adjectives``: ``|``-separated forms naming a state or a group (روسي,
  الروس). A masculine nisba without the article (روسي) also stands for its
  feminine, definite and plural forms (روسية، الروسي، الروسيين …).
* ``context_aliases`` (optional column): names that are also common words
  (الباب "the door", حديثة "recent"); they only count right after a place
  word such as مدينة or بلدة.

A row whose id already exists adds its names to that entry; the first
non-empty value of any other field wins. All names are compared in the form
``arsearch.text.normalize.normalize`` gives, word by word, so matching is
tolerant of diacritics, tatweel, alef and teh-marbuta spelling and Latin case.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

from arsearch.errors import GazetteerError
from arsearch.text.normalize import normalize
from arsearch.text.tokenize import tokenize

COLUMNS: tuple[str, ...] = (
    "id", "kind", "type", "name_ar", "name_en", "parent", "lat", "lon",
    "aliases", "adjectives", "context_aliases",
)
_REQUIRED_COLUMNS = 10  # context_aliases may be left out

ACTOR_TYPES = frozenset({
    "armed_group", "state", "government_force", "unit", "militia", "person",
    "organization", "party", "coalition", "media", "company", "club", "platform",
})
#: ``capital``: a city news names a government by («اتهمت أنقرة»): a national
#: capital, or تل أبيب, which Arabic news uses for Israel's government; its
#: parent is its country.
PLACE_TYPES = frozenset({
    "country", "capital", "governorate", "district", "city", "town", "village", "region",
    "landmark", "facility",
})
TYPES = {"actor": ACTOR_TYPES, "place": PLACE_TYPES}

#: Bundled files, in priority order: on an ambiguous name the entry defined
#: first wins, so hand-curated rows come before the generated ones.
BUNDLED_FILES: tuple[str, ...] = (
    "gazetteer.tsv", "gazetteer_organisations.tsv", "gazetteer_countries.tsv",
    "gazetteer_geonames.tsv",
)

Key = tuple[str, ...]
#: One row of a gazetteer file: (file, line number, column -> value).
Row = tuple[str, int, dict[str, str]]

_ARTICLE = "ال"
_NISBA = "ي"
# Conjunctions, then prepositions, that attach to the first word of a name.
_CONJUNCTIONS = "وف"
_PREPOSITIONS = "بكل"
_MIN_STEM = 3  # letters that must remain once a clitic is removed


@dataclass(frozen=True, slots=True)
class Entry:
    """One actor or place of the gazetteer."""

    id: str
    kind: str
    type: str
    name_ar: str
    name_en: str = ""
    parent: str = ""
    lat: float | None = None
    lon: float | None = None
    aliases: tuple[str, ...] = ()
    adjectives: tuple[str, ...] = ()
    context_aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name matched anywhere: canonical names and aliases.

        A canonical name listed among the context aliases is left out.
        """
        own = (self.name_ar, self.name_en)
        context = {name_key(n) for n in self.context_aliases}
        return tuple(n for n in (*own, *self.aliases) if n and name_key(n) not in context)


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """Normalize one word as the search index does (cached)."""
    return normalize(word)


def name_key(name: str) -> Key:
    """The normalized word sequence of a name: the key names are matched by.

    >>> name_key("دير الزُّور")
    ('دير', 'الزور')
    >>> name_key("#جبل_البشري")
    ('جبل', 'البشري')
    """
    # Not through the token cache: the names the tagger finds in a chunk of
    # articles (a dozen each) would push the articles themselves out of it.
    words = (normalize_word(t.text) for t in tokenize(name, cache=False))
    return tuple(w for w in words if w)


@lru_cache(maxsize=65536)
def clitic_variants(word: str) -> tuple[tuple[int, str], ...]:
    """Ways to read a normalized word as clitics + name: ``(clitic length, rest)``.

    The word itself comes first. و/ف then ب/ك/ل are peeled off while at least
    three letters remain; لل is read as ل + ال (للرقة -> الرقة).

    >>> clitic_variants("وبالرقه")
    ((0, 'وبالرقه'), (1, 'بالرقه'), (2, 'الرقه'))
    >>> clitic_variants("للفرقه")
    ((0, 'للفرقه'), (1, 'لفرقه'), (1, 'الفرقه'))
    """
    variants = [(0, word)]
    bases = [(0, word)]
    if word[:1] in _CONJUNCTIONS and len(word) > _MIN_STEM:
        bases.append((1, word[1:]))
        variants.append((1, word[1:]))
    for cut, base in bases:
        if base[:1] in _PREPOSITIONS and len(base) > _MIN_STEM:
            variants.append((cut + 1, base[1:]))
            if base.startswith("لل"):
                variants.append((cut + 1, _ARTICLE + base[2:]))
    return tuple(variants)


def adjective_forms(adjective: str) -> list[str]:
    """Normalized forms of an adjective: a bare nisba stands for its inflections.

    >>> adjective_forms("روسي")
    ['روسي', 'الروسي', 'روسيه', 'الروسيه', 'روسيين', 'الروسيين', 'روسيون', 'الروسيون']
    >>> adjective_forms("الروس")
    ['الروس']
    """
    word = normalize_word(adjective.strip())
    if not word.endswith(_NISBA) or word.startswith(_ARTICLE) or " " in word:
        return [word] if word else []
    forms = []
    for form in (word, word + "ه", word + "ين", word + "ون"):
        forms += [form, _ARTICLE + form]
    return forms


class Gazetteer:
    """Known actors and places, indexed by every normalized name.

    Build it with ``Gazetteer.load()``; the default one is parsed once and
    cached, since every ingest and every search needs it. Not changed once
    built: the matcher of ``arsearch.extract.entities`` and the tagger's
    gazetteer features are derived from it and kept (see ``digest``).
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._entries: dict[str, Entry] = {e.id: e for e in entries}
        self._children: dict[str, list[str]] = {}
        for entry in self._entries.values():
            if entry.parent:
                self._children.setdefault(entry.parent, []).append(entry.id)
        self.names: dict[Key, list[str]] = {}
        self.context_names: dict[Key, list[str]] = {}
        #: adjective form -> [(id, is_collective)], a collective (الروس) names
        #: the group by itself; other forms need a noun they qualify.
        self.adjectives: dict[str, list[tuple[str, bool]]] = {}
        for entry in self._entries.values():
            for name in entry.names:
                _add(self.names, name_key(name), entry.id)
            for name in entry.context_aliases:
                _add(self.context_names, name_key(name), entry.id)
            for adjective in entry.adjectives:
                collective = adjective.strip().startswith(_ARTICLE)
                for form in adjective_forms(adjective):
                    ids = self.adjectives.setdefault(form, [])
                    if all(i != entry.id for i, _ in ids):
                        ids.append((entry.id, collective))
        #: Multi-word names written as one word (ديرالزور), for ``resolve``.
        self._glued: dict[str, list[str]] = {}
        for key, ids in self.names.items():
            if len(key) > 1:
                self._glued.setdefault("".join(key), []).extend(ids)
        self._matcher: object | None = None  # built by arsearch.extract.entities
        #: id -> its names normalized (``folded_names``), filled as asked for.
        self._folded: dict[str, tuple[str, ...]] = {}

    @classmethod
    def load(cls, extra: Iterable[str | Path] = ()) -> Gazetteer:
        """The bundled gazetteer plus the user files ``extra`` (same TSV format).

        Raises:
            GazetteerError: a row is malformed (the message names file:line),
                or a user file cannot be read (the message names the file).
        """
        extra = tuple(str(p) for p in extra)
        if not extra:
            return _default()
        rows = [*bundled_rows(), *(r for p in extra for r in read_rows(Path(p)))]
        return cls(merge_rows(rows))

    @cached_property
    def digest(self) -> str:
        """A digest of the entries, in order: equal for gazetteers that hold the same
        entries, whichever files and objects they came from. What is derived from
        a gazetteer (the tagger's gazetteer features) is kept per digest."""
        entries = repr(tuple(self._entries.values())).encode("utf-8")
        return hashlib.blake2b(entries, digest_size=16).hexdigest()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._entries.get(entry_id)

    def folded_names(self, entry_id: str) -> tuple[str, ...]:
        """``normalize`` of each of the entry's ``names``, in order; () if unknown.

        Refinement compares every mention of an article with the names of its
        entry: computed once per entry here, not once per mention.
        """
        folded = self._folded.get(entry_id)
        if folded is None:
            entry = self._entries.get(entry_id)
            folded = tuple(normalize(n) for n in entry.names) if entry is not None else ()
            self._folded[entry_id] = folded
        return folded

    def resolve(self, name: str) -> list[Entry]:
        """Entries a name may refer to, best first (curated before generated).

        Any alias, context alias or adjective form is accepted, in any
        spelling that normalizes the same, with clitics on the first word
        (والرقة, للفرقة الرابعة) and in any Latin case.
        """
        key = name_key(name)
        if not key:
            return []
        found: list[str] = []
        for _, first in clitic_variants(key[0]):
            candidate = (first, *key[1:])
            for table in (self.names, self.context_names):
                found += table.get(candidate, ())
            if len(candidate) == 1:
                found += (i for i, _ in self.adjectives.get(first, ()))
            if found:
                break
        if not found:  # a glued name: ديرالزور
            found += self._glued.get("".join(key), ())
        return [self._entries[i] for i in dict.fromkeys(found)]

    def descendants(self, entry_id: str) -> set[str]:
        """The id and every id inside or under it (الشولا under دير الزور)."""
        seen = {entry_id}
        stack = [entry_id]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    def ancestors(self, entry_id: str) -> list[str]:
        """Parent, grandparent … of an id, nearest first (the id excluded)."""
        chain: list[str] = []
        entry = self._entries.get(entry_id)
        while entry is not None and entry.parent and entry.parent not in chain:
            chain.append(entry.parent)
            entry = self._entries.get(entry.parent)
        return chain


def _add(table: dict[Key, list[str]], key: Key, entry_id: str) -> None:
    if key:
        ids = table.setdefault(key, [])
        if entry_id not in ids:
            ids.append(entry_id)


@lru_cache(maxsize=1)  # the bundled files never change within a process
def _default() -> Gazetteer:
    return Gazetteer(merge_rows(bundled_rows()))


def bundled_rows() -> list[Row]:
    """The rows of the bundled files (``BUNDLED_FILES``), in priority order."""
    data = resources.files("arsearch.data")
    rows: list[Row] = []
    for name in BUNDLED_FILES:
        resource = data.joinpath(name)
        if resource.is_file():
            rows += _parse(f"arsearch/data/{name}", resource.read_text(encoding="utf-8"))
    return rows


def read_rows(path: str | Path) -> list[Row]:
    """The rows of a gazetteer file (header and ``#`` comments skipped).

    Raises:
        GazetteerError: the file cannot be read, is not UTF-8, or has a
            malformed row.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise GazetteerError(str(path), None, exc.strerror or str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise GazetteerError(str(path), None, f"not UTF-8 text ({exc.reason})") from exc
    return _parse(str(path), text)


def _parse(source: str, text: str) -> list[Row]:
    rows = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            header_seen = True
            if fields[0] == "id":
                continue
        if not _REQUIRED_COLUMNS <= len(fields) <= len(COLUMNS):
            raise GazetteerError(
                source, number,
                f"expected {_REQUIRED_COLUMNS} or {len(COLUMNS)} tab-separated columns,"
                f" found {len(fields)}",
            )
        row = dict(zip(COLUMNS, (f.strip() for f in fields), strict=False))
        if not row["id"]:
            raise GazetteerError(source, number, "empty id")
        rows.append((source, number, row))
    return rows


def merge_rows(rows: Iterable[Row]) -> list[Entry]:
    """Entries of rows in priority order: a repeated id adds its names to the
    entry, the first non-empty value of any other field wins.

    Raises:
        GazetteerError: a merged entry is invalid (names the file and line of
            its first row).
    """
    merged: dict[str, dict[str, object]] = {}
    where: dict[str, tuple[str, int]] = {}
    for source, number, row in rows:
        fields = merged.get(row["id"])
        if fields is None:
            fields = merged[row["id"]] = {"aliases": [], "adjectives": [], "context_aliases": []}
            where[row["id"]] = (source, number)
        for column in COLUMNS[1:8]:
            value = row.get(column, "")
            if value and not fields.get(column):
                if column in ("lat", "lon"):
                    _check_float(source, number, column, value)
                fields[column] = value
        for column in ("aliases", "adjectives", "context_aliases"):
            names = fields[column]
            assert isinstance(names, list)
            for name in row.get(column, "").split("|"):
                if name.strip() and name.strip() not in names:
                    names.append(name.strip())
    return [_entry(entry_id, fields, *where[entry_id]) for entry_id, fields in merged.items()]


def _check_float(source: str, number: int, column: str, value: str) -> None:
    try:
        float(value)
    except ValueError:
        raise GazetteerError(source, number, f"{column} is not a number: {value!r}") from None


def _entry(entry_id: str, fields: dict[str, object], source: str, number: int) -> Entry:
    def text(column: str) -> str:
        value = fields.get(column, "")
        return value if isinstance(value, str) else ""

    kind, type_ = text("kind"), text("type")
    if kind not in TYPES:
        raise GazetteerError(
            source, number, f"{entry_id}: kind must be actor or place, not {kind!r}")
    if type_ not in TYPES[kind]:
        raise GazetteerError(source, number, f"{entry_id}: unknown {kind} type {type_!r}")
    if not text("name_ar"):
        raise GazetteerError(source, number, f"{entry_id}: name_ar is empty")
    lat, lon = text("lat"), text("lon")
    return Entry(
        id=entry_id, kind=kind, type=type_, name_ar=text("name_ar"), name_en=text("name_en"),
        parent=text("parent"),
        lat=float(lat) if lat else None, lon=float(lon) if lon else None,
        aliases=tuple(fields["aliases"]),  # type: ignore[arg-type]
        adjectives=tuple(fields["adjectives"]),  # type: ignore[arg-type]
        context_aliases=tuple(fields["context_aliases"]),  # type: ignore[arg-type]
    )
