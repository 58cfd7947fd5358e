"""Extraction of actors, places and dates from article text (no index code here).

``extract`` runs every extractor and merges their mentions:

1. the gazetteer matcher (``entities.find_entities``): known names, their
   aliases and adjectives, and names discovered after trigger words;
2. the CRF name tagger (``ner.find_names``): names no rule or list knows,
   kept where they overlap no gazetteer mention, resolved through the
   gazetteer when they can be, else tagged as discovered entities. Its
   gazetteer features come from the same gazetteer as the matcher's names;
3. the date finder (``dates.find_dates``).

``refine.refine`` then turns the actors and places into what a reader should
see: junk out, types from head nouns, names as written, short forms joined to
the full name, and news outlets that are only the source of the news out.

``extract_many`` does the same for many texts, decoding the tagger's
sentences of all of them together (ingest passes 50 articles at a time).

The tagger and the date finder load on first use (``find_names``,
``find_dates`` here are looked up lazily): their models and patterns cost
about a tenth of the start-up of every ``arsearch`` command, and searching
needs neither.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from typing import Any

from arsearch.extract.entities import find_entities
from arsearch.extract.gazetteer import Gazetteer
from arsearch.extract.refine import refine, word_ranks
from arsearch.models import Mention, discovered_id
from arsearch.text.normalize import normalize

__all__ = ["Gazetteer", "extract", "extract_many", "find_dates", "find_entities", "find_names"]

_LAZY = {"find_dates": "arsearch.extract.dates", "find_names": "arsearch.extract.ner",
         "find_names_many": "arsearch.extract.ner"}


def __getattr__(name: str) -> Any:
    """``find_dates`` and ``find_names(_many)``, imported when first asked for.

    Looked up in their module at every call, not stored here: this module
    keeps no state of its own (an import already done costs a dict lookup).
    """
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


def _loaded(name: str) -> Any:
    # A module's own functions do not go through its __getattr__; a value set
    # on the module (by mock.patch) is found here first.
    return globals()[name] if name in globals() else __getattr__(name)


_NER_KINDS = {"PERS": ("actor", "person"), "ORG": ("actor", "organization"),
              "LOC": ("place", "region")}
_CLITICS = ("وال", "بال", "لل", "فال", "كال", "ال", "و", "ب", "ل", "ف")
_MIN_NAME = 3


def extract(text: str, published: dt.date | str | None = None, *,
            gazetteer: Gazetteer | None = None, names: bool = True,
            source: str | None = None) -> list[Mention]:
    """Every actor, place and date ``text`` mentions, in order of position.

    Args:
        text: the article text; offsets of the mentions index it.
        published: the publication date (``date`` or ``YYYY-MM-DD``); relative
            dates (أمس، الأسبوع الماضي) are resolved only when it is given.
        gazetteer: defaults to the bundled one (``Gazetteer.load()``); both the
            gazetteer matcher and the name tagger's gazetteer features use it.
        names: also run the statistical name tagger for unknown names.
        source: the article's news outlet, which is not one of its actors.

    >>> [(m.kind, m.name) for m in extract("قصفت الطائرات الروسية الرقة في آذار 2019")]
    [('actor', 'روسيا'), ('place', 'الرقة'), ('date', '2019-03')]
    """
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
    found = _loaded("find_names")(text, gazetteer=gazetteer) if names else []
    return _merged(text, published, gazetteer, found, source)


def extract_many(texts: Sequence[str],
                 published: Sequence[dt.date | str | None] | None = None, *,
                 gazetteer: Gazetteer | None = None,
                 sources: Sequence[str | None] | None = None) -> list[list[Mention]]:
    """``extract`` of each text, the name tagger run on all of them at once.

    The same mentions for less time per text (ingest passes a few dozen
    articles at a time). ``published`` gives each text's publication date,
    ``sources`` its outlet; ``gazetteer`` is as for ``extract``.

    >>> [[m.name for m in found] for found in extract_many(["في الرقة", "في حلب"])]
    [['الرقة'], ['حلب']]
    """
    if isinstance(texts, str):
        raise TypeError("extract_many takes a list of texts; extract takes one text")
    dates = list(published) if published is not None else [None] * len(texts)
    if len(dates) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(dates)} publication dates")
    outlets = list(sources) if sources is not None else [None] * len(texts)
    if len(outlets) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(outlets)} sources")
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
    names = _loaded("find_names_many")(texts, gazetteer=gazetteer)
    return [_merged(text, date, gazetteer, spans, outlet)
            for text, date, spans, outlet in zip(texts, dates, names, outlets, strict=True)]


def _merged(text: str, published: dt.date | str | None, gazetteer: Gazetteer,
            names: list[tuple[int, int, str]], source: str | None = None) -> list[Mention]:
    """The mentions of ``text``: the gazetteer's, the tagger's ``names`` and the dates."""
    if isinstance(published, str):
        published = dt.date.fromisoformat(published[:10])
    mentions = find_entities(text, gazetteer)
    mentions += _tagged_names(text, names, mentions, gazetteer)
    mentions = refine(text, mentions, gazetteer, source)
    dates = [d for d in _loaded("find_dates")(text, published) if not _overlaps(d, mentions)]
    return sorted(mentions + dates, key=lambda m: (m.start, m.end))


def _overlaps(mention: Mention | tuple[int, int], others: list[Mention]) -> bool:
    start, end = (mention.start, mention.end) if isinstance(mention, Mention) else mention
    return any(m.start < end and start < m.end for m in others)


def _tagged_names(text: str, names: list[tuple[int, int, str]], known: list[Mention],
                  gazetteer: Gazetteer) -> list[Mention]:
    found = []
    for start, end, label in names:
        if _overlaps((start, end), known):
            continue
        surface = text[start:end]
        kind, kind_type = _NER_KINDS[label]
        entries = [e for e in gazetteer.resolve(surface) if e.kind == kind]
        if entries:
            entry = entries[0]
            found.append(Mention(kind, entry.type, entry.id, entry.name_ar, surface, start, end))
            continue
        name = _strip_clitic(normalize(surface))
        if len(name) >= _MIN_NAME:
            found.append(Mention(kind, kind_type, discovered_id(kind, name), name, surface,
                                 start, end))
    return found


def _strip_clitic(name: str) -> str:
    """Drop a conjunction/preposition glued to the first word (وروسيا -> روسيا).

    Only when news writes the rest more often than the whole word: باريس,
    فرانس, بوكو, لندن keep their first letter. A word news does not know is
    cut only after و or وال (a name rarely starts with the conjunction).
    """
    first = name.split()[0] if name.split() else ""
    ranks = word_ranks()
    for clitic in _CLITICS:
        if name.startswith(clitic) and len(first) - len(clitic) >= _MIN_NAME:
            rest = name[len(clitic):]
            rest = ("ال" + rest) if clitic.endswith("ال") or clitic == "لل" else rest
            whole, cut = ranks.get(first), ranks.get(rest.split()[0])
            if cut is None and (whole is not None or clitic not in ("و", "وال")) or (
                    whole is not None and cut is not None and whole < cut):
                return name
            return rest
    return name
