"""Reading back what a damaged index still holds: the stored articles that are intact.

``salvage`` gathers the stored fields of every live article that reads back
whole, for ``arsearch.repair`` to rebuild an index from. Whoosh stores each
article's fields as one zlib stream (``whoosh.codec.whoosh3.STORED_COLUMN``),
whose Adler-32 checksum tells an intact record from a damaged one, so a
record either reads back exactly as written or not at all.

Where the segments come from:

* the TOC of the last commit, when it reads: its segments, their article
  counts and their deleted articles;
* otherwise the newest earlier TOC that reads (Whoosh removes old ones,
  so there rarely is one): its segments, with the deletions it knew of;
* otherwise the segment files named by the checksum manifest of the last
  commit, or with none every segment file: deleted articles are unknown.

How a segment's articles are read:

* through Whoosh's segment reader, article by article, when the segment
  opens (its compound file's directory, at the end, reads): an article
  whose record is damaged is lost, and its id is read from the id field's
  term index if that reads;
* otherwise (a truncated or extended segment loses its directory) by
  finding the stored records in the raw bytes: every zlib stream that
  inflates whole and unpickles (``safeload``) to a dict with an ``id``.
  Whoosh writes them in article order, so the n-th found is article n when
  they run unbroken from the first, which is what a truncation leaves;
  their ids are the only ones known.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import traceback
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from whoosh import index as windex
from whoosh.reading import SegmentReader

from arsearch.engine import safeload
from arsearch.engine.checksums import INDEX_NAME, read_manifest
from arsearch.engine.store import storage
from arsearch.errors import DamagedIndex, IndexLocked

_SEGMENT_FILE = re.compile(rf"^({INDEX_NAME}_[a-z0-9]+)\.seg$")
_TOC_FILE = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
#: The largest stored record looked for in raw bytes (an article is far smaller).
MAX_RECORD = 64 << 20


@dataclass
class SegmentSalvage:
    """What one segment gave back."""

    segment_id: str
    #: live articles of the segment (None when no TOC says).
    live: int | None
    #: stored fields of the live articles that read back, in article order.
    kept: list[dict[str, Any]] = field(default_factory=list)
    #: ids of the live articles whose stored fields did not read back (where known).
    lost_ids: list[str] = field(default_factory=list)
    #: "reader" (Whoosh read it), "raw" (records found in its bytes) or "" (nothing).
    how: str = ""

    @property
    def lost(self) -> int | None:
        """Live articles lost (None when the count is unknown)."""
        if self.live is None:
            return None
        return max(self.live - len(self.kept), len(self.lost_ids))


@dataclass
class Salvage:
    """What ``salvage`` read back from an index, and what it had to assume."""

    #: the TOC generation the segment list came from (-1: none read).
    generation: int
    segments: list[SegmentSalvage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _stored_record(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


def records_in(data: bytes) -> list[dict[str, Any]]:
    """Every stored-article record found in ``data``, in order: each zlib stream that
    inflates whole (its Adler-32 checks) and unpickles, safely, to a dict with an id."""
    found: list[dict[str, Any]] = []
    view = memoryview(data)
    position = data.find(b"\x78")
    while 0 <= position < len(data) - 1:
        end = position + 1
        if (0x7800 | data[position + 1]) % 31 == 0 and not data[position + 1] & 0x20:
            inflater = zlib.decompressobj()
            try:  # bounded: crafted bytes may inflate to far more than an article
                raw = inflater.decompress(view[position:], MAX_RECORD)
            except zlib.error:
                raw = None
            if raw is not None and inflater.eof:
                try:
                    value = safeload.loads(raw)
                except Exception:  # noqa: BLE001 - any unreadable pickle is not a record
                    value = None
                if _stored_record(value):
                    found.append(value)
                    end = len(data) - len(inflater.unused_data)
        position = data.find(b"\x78", end)
    return found


def _ids_by_docnum(reader: Any) -> dict[int, str]:
    """docnum -> id, from the id field's term index (empty if it does not read)."""
    ids: dict[int, str] = {}
    with contextlib.suppress(Exception):
        for term in reader.lexicon("id"):
            for docnum in reader.postings("id", term).all_ids():
                ids[docnum] = term.decode("utf-8")
    return ids


def _through_reader(storage: Any, schema: Any, segment: Any, found: SegmentSalvage) -> bool:
    """Read a segment's live articles through Whoosh; False if the segment does not open."""
    try:
        reader = SegmentReader(storage, schema, segment)
    except Exception as exc:  # noqa: BLE001 - any damage: the segment does not open
        traceback.clear_frames(exc.__traceback__)  # drops the files Whoosh left open
        return False
    with reader:
        ids: dict[int, str] | None = None
        for docnum in range(segment.doc_count_all()):
            if segment.is_deleted(docnum):
                continue
            try:
                stored = reader.stored_fields(docnum)
            except Exception as exc:  # noqa: BLE001 - this article's record is damaged
                traceback.clear_frames(exc.__traceback__)
                stored = None
            if _stored_record(stored):
                found.kept.append(stored)
                continue
            if ids is None:
                ids = _ids_by_docnum(reader)
            if docnum in ids:
                found.lost_ids.append(ids[docnum])
    found.how = "reader"
    return True


def articles_in(data: bytes) -> int | None:
    """Articles of a segment file by its compound directory (at the end, named by the
    offset at the start): the size of a per-article length column, one byte each
    (``whoosh.codec.whoosh3.LENGTHS_COLUMN``). None if the directory does not read."""
    with contextlib.suppress(Exception):
        position = int.from_bytes(data[:8], "big", signed=True)
        directory = safeload.load(io.BytesIO(data[position:])) if position >= 12 else None
        if isinstance(directory, dict):
            sizes = [entry["length"] for name, entry in directory.items()
                     if isinstance(name, str) and name.endswith("_len.col")]
            if sizes and all(isinstance(size, int) and size >= 0 for size in sizes):
                return max(sizes)
    return None


def _from_bytes(folder: str, segment_id: str, deleted: set[int],
                found: SegmentSalvage) -> None:
    """Find a segment's records in its raw bytes; the n-th found is article n."""
    try:
        with open(os.path.join(folder, f"{segment_id}.seg"), "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):  # missing, or a name with a NUL byte (damaged TOC)
        return
    if found.live is None and (count := articles_in(data)) is not None:
        found.live = count
    records = records_in(data)
    found.kept = [record for docnum, record in enumerate(records) if docnum not in deleted]
    found.how = "raw" if records else ""


def _toc(folder: str, generation: int) -> Any | None:
    """The TOC of ``generation`` if it reads (safely), else None."""
    try:
        return windex.TOC.read(storage(folder), INDEX_NAME, gen=generation)
    except Exception as exc:  # noqa: BLE001 - any damage: this TOC does not read
        traceback.clear_frames(exc.__traceback__)
        return None


def _generations(folder: str) -> list[int]:
    return sorted((int(m.group(1)) for name in os.listdir(folder)
                   if (m := _TOC_FILE.match(name))), reverse=True)


def _segment_ids_on_disk(folder: str, notes: list[str]) -> list[str]:
    """The segments of the last commit by its manifest, else every segment file (oldest
    first, so a later copy of an article comes after an earlier one)."""
    try:
        manifest = read_manifest(folder)
    except DamagedIndex:
        manifest = None
    if manifest is not None:
        names = [name for name in manifest["files"] if _SEGMENT_FILE.match(name)]
        notes.append("segments taken from the checksum manifest of the last commit")
    else:
        names = [name for name in os.listdir(folder) if _SEGMENT_FILE.match(name)]
        notes.append("segments taken from the segment files present (no manifest): "
                     "an uncommitted batch's articles may be among them")
    names = [name for name in names if os.path.isfile(os.path.join(folder, name))]
    names.sort(key=lambda name: (os.stat(os.path.join(folder, name)).st_mtime_ns, name))
    return [m.group(1) for name in names if (m := _SEGMENT_FILE.match(name))]


def salvage(path: str | os.PathLike[str]) -> Salvage:
    """The intact stored articles of every segment of the index at ``path``.

    Nothing raises for damage: what could not be read is counted (``SegmentSalvage``),
    and what had to be assumed is in ``notes``.
    """
    safeload.install()
    folder = str(path)
    generations = _generations(folder)
    toc, generation = None, -1
    for number in generations:
        toc = _toc(folder, number)
        if toc is not None:
            generation = number
            break
    result = Salvage(generation)
    if toc is not None and generations and generation != generations[0]:
        result.notes.append(f"the TOC of generation {generations[0]} is unreadable: "
                            f"segments and deletions taken from generation {generation}")
    files = storage(folder)
    schema = toc.schema if toc is not None else None
    known: dict[str, Any] = {}
    if toc is not None:
        known = {segment.segment_id(): segment for segment in toc.segments}
    if toc is None:
        ids = _segment_ids_on_disk(folder, result.notes)
        result.notes.append("no TOC reads: articles deleted since their segment was "
                            "written may reappear")
    else:
        ids = list(known)
        if generation != (generations[0] if generations else -1):
            newer = [segment_id for segment_id in _segment_ids_on_disk(folder, [])
                     if segment_id not in known]
            ids.extend(newer)
    for segment_id in ids:
        segment = known.get(segment_id)
        if not _SEGMENT_FILE.match(f"{segment_id}.seg"):  # a damaged or crafted TOC's
            result.notes.append(f"a segment of the TOC has the impossible name "
                                f"{segment_id[:40]!r}: its articles are not read")
            found = SegmentSalvage(str(segment_id)[:40], None)
            result.segments.append(found)
            continue
        if segment is not None and generation != generations[0] \
                and not os.path.isfile(os.path.join(folder, f"{segment_id}.seg")):
            result.notes.append(f"segment {segment_id} of generation {generation} is gone "
                                "(merged into a later one)")
            continue
        if segment is None:
            found = SegmentSalvage(segment_id, None)
            _from_bytes(folder, found.segment_id, set(), found)
        else:
            live = segment.doc_count_all() - segment.deleted_count()
            found = SegmentSalvage(segment_id, live)
            if not _through_reader(files, schema, segment, found):
                _from_bytes(folder, segment_id, set(segment.deleted_docs()), found)
        result.segments.append(found)
    return result


@contextlib.contextmanager
def write_locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the index's write lock (without opening the index, which may not open).

    Raises:
        IndexLocked: a writer holds it now.
    """
    lock = storage(path).lock(f"{INDEX_NAME}_WRITELOCK")
    if not lock.acquire(blocking=False):
        raise IndexLocked(str(path))
    try:
        yield
    finally:
        lock.release()
