"""Writing matches as CSV or JSON Lines, Arabic untouched.

CSV is made for spreadsheets: UTF-8 with a byte-order mark (without it
Excel reads UTF-8 as a legacy code page and shows Arabic as mojibake),
CRLF row ends and every field that needs it quoted (the article text has
commas, quotes and newlines). List fields (actors, places, dates) are
joined by `` | ``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

from arsearch.index import Index

FORMATS = ("csv", "jsonl")
#: Columns of ``arsearch export``: every stored field of an article.
EXPORT_FIELDS = ("id", "title", "published", "source", "author", "url", "score",
                 "actors", "places", "dates", "text")
#: Columns of ``arsearch search --format csv``: a hit, with its snippet.
HIT_FIELDS = ("rank", "id", "title", "published", "source", "author", "url", "score",
              "actors", "places", "dates", "snippet")
LIST_SEPARATOR = " | "
BOM = "\ufeff"


def csv_value(value: Any) -> str:
    """One cell: lists joined, None empty, everything else as text."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str],
              fields: Sequence[str] = EXPORT_FIELDS, *, bom: bool = True) -> int:
    """Write a header and one row per dict; returns the rows written.

    ``out`` should be opened with ``newline=""`` so the CRLF row ends stay as written.
    """
    if bom:
        out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(fields)
    n = 0
    for row in rows:
        writer.writerow([csv_value(row.get(name)) for name in fields])
        n += 1
    return n


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """One JSON object per line, Arabic as is; returns the lines written."""
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


def export(index: Index, out: IO[str], fmt: str = "csv", query: str | None = None, *,
           bom: bool = True, **search_args: Any) -> int:
    """Write every match of a search (arguments as for ``Index.search``) with all
    its fields to ``out``; returns how many articles were written.

    ``bom``: start CSV with a byte-order mark (for Excel; False for a pipe to
    cut or awk). JSON Lines never has one.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    rows = index.documents(query, **search_args)
    return write_csv(rows, out, bom=bom) if fmt == "csv" else write_jsonl(rows, out)
