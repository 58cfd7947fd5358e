"""Plain data objects shared by extraction, the index and the CLI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Mention:
    """Something an article mentions: an actor, a place or a date.

    Attributes:
        kind: ``"actor"``, ``"place"`` or ``"date"``.
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
