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

#: Indexed fields whose values can be read back from the stored fields.
STORED_FIELDS = frozenset({"actor_ids", "place_ids", "dates", "months", "published",
                           "source_key"})


def stored_values(stored: dict[str, Any], fieldname: str) -> list[str]:
    """The values an article has in the indexed field ``fieldname`` (see STORED_FIELDS)."""
    mentions = stored.get("mentions") or {}
    published = stored.get("published")
    if fieldname == "actor_ids":
        return [i for i, _ in mentions.get("actors", [])]
    if fieldname == "place_ids":
        return [i for i, _ in mentions.get("places", [])]
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
