"""Facet values of matching articles, read from their stored fields.

Whoosh groups by an indexed multi-valued field by first reading every
posting of that field in the whole index into per-document lists: 10-15 s of
CPU on the 73k news index whatever the number of matches (``arsearch stats
--actor داعش``). Each article's stored ``mentions``, ``published`` and
``source`` hold the same values (``schema.mention_fields`` writes both), so
reading the matches' stored fields costs about 60 µs per match instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from arsearch.models import id_name

#: Indexed fields whose values can be read back from the stored fields.
STORED_FIELDS = frozenset({"actor_ids", "place_ids", "dates", "months", "published",
                           "source_key"})
#: Not indexed: each actor or place id with the name one article writes it with.
NAME_FIELDS = frozenset({"actor_names", "place_names"})
#: Everything ``stored_values`` reads.
READ_BACK = STORED_FIELDS | NAME_FIELDS
#: Joins an id and the name an article writes it with in ``actor_names``/``place_names``.
NAME_SEPARATOR = "\x1f"


def stored_values(stored: dict[str, Any], fieldname: str) -> list[str]:
    """The values an article has in the field ``fieldname`` (see READ_BACK)."""
    mentions = stored.get("mentions") or {}
    published = stored.get("published")
    if fieldname == "actor_ids":
        return [i for i, _ in mentions.get("actors", [])]
    if fieldname == "place_ids":
        return [i for i, _ in mentions.get("places", [])]
    if fieldname in ("actor_names", "place_names"):
        # Not indexed fields: each id with its name in this article, so a
        # facet can show the name most articles write.
        kind = "actors" if fieldname == "actor_names" else "places"
        return [f"{i}{NAME_SEPARATOR}{n}" for i, n in mentions.get(kind, [])]
    if fieldname == "dates":
        return list(mentions.get("dates", []))
    if fieldname == "published":
        return [published] if published else []
    if fieldname == "months":
        return months_of(published, mentions.get("dates", []))
    if fieldname == "source_key":
        source = stored.get("source")
        return [source.lower()] if source else []
    raise ValueError(f"{fieldname!r} is not read back from stored fields")


def months_of(published: str | None, dates: Iterable[str]) -> list[str]:
    """The ``months`` of an article: its publication month, else the months it mentions.

    >>> months_of(None, ["2019", "2019-03-15", "2019-03"]), months_of("2020-01-02", ["2019"])
    (['2019-03'], ['2020-01'])
    """
    if published:
        return [published[:7]]
    return list(dict.fromkeys(d[:7] for d in dates if len(d) >= 7))


def entity_names(occurrences: dict[str, int]) -> dict[str, str]:
    """{id: name} from ``actor_names``/``place_names`` values and how often
    articles hold each: the name most of its articles write (ties: a written
    form over the folded one, then alphabetical).

    >>> entity_names({"new:actor:سعدو\x1fسعدو": 1, "x\x1fa": 2, "x\x1fb": 1})
    {'new:actor:سعدو': 'سعدو', 'x': 'a'}
    """
    names: dict[str, dict[str, int]] = {}
    for key, count in occurrences.items():
        entity_id, _, name = key.partition(NAME_SEPARATOR)
        counts = names.setdefault(entity_id, {})
        counts[name] = counts.get(name, 0) + count
    result = {}
    for entity_id, counts in names.items():
        folded = id_name(entity_id)
        result[entity_id] = min(counts, key=lambda n: (-counts[n], n == folded, n))
    return result


def group_stored(searcher: Any, docnums: Iterable[int], fieldnames: Iterable[str]
                 ) -> dict[str, dict[str, list[int]]]:
    """{fieldname: {value: docnums}} for the given articles, each read once."""
    names = list(fieldnames)
    groups: dict[str, dict[str, list[int]]] = {name: {} for name in names}
    for docnum in sorted(docnums):
        stored = searcher.stored_fields(docnum)
        for name in names:
            for value in stored_values(stored, name):
                groups[name].setdefault(value, []).append(docnum)
    return groups
