"""A checksum of every committed file, recorded at each commit and verified on open.

Each commit (``TermPoolWriter._commit_toc``: plain commits, workers' segments,
merges, optimize) and ``Store.create`` write ``MANIFEST`` next to the index:
the TOC generation it belongs to and, for the TOC and every file of every
live segment, its size and CRC-32 (``zlib.crc32``). Segment files never
change once written, so a commit computes the CRC of new files only and
carries the others over from the previous manifest.

Opening (``verify_on_open``) checks what is cheap: the TOC's CRC (it is read
anyway) and every segment file's size, so a truncated or extended segment is
named before Whoosh reads it. ``check`` reads every file whole. An index
without a manifest (built by arsearch 0.1), or whose manifest is of another
generation (a commit interrupted between the TOC and the manifest), has
nothing to verify: it is opened as before.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arsearch.errors import DamagedIndex

#: The manifest's file name in an index directory.
MANIFEST = "checksums.json"
#: Whoosh's index name (``whoosh.index._DEF_INDEX_NAME``).
INDEX_NAME = "MAIN"
_TOC = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
_CHUNK = 1 << 20
#: Commits that may land while an index is being opened before opening gives up.
_COMMITS_RACED = 5


def toc_name(generation: int) -> str:
    """The TOC file of a generation."""
    return f"_{INDEX_NAME}_{generation}.toc"


def latest_generation(folder: str | os.PathLike[str]) -> int:
    """The newest TOC generation in ``folder`` (-1 if none), as Whoosh picks it."""
    generations = [int(m.group(1)) for name in os.listdir(folder) if (m := _TOC.match(name))]
    return max(generations, default=-1)


def segment_files(folder: str | os.PathLike[str], segment_ids: list[str]) -> list[str]:
    """The files of the segments ``segment_ids`` (``MAIN_<id>.<ext>``), sorted."""
    prefixes = tuple(f"{segment_id}." for segment_id in segment_ids)
    return sorted(name for name in os.listdir(folder) if name.startswith(prefixes))


def crc_of(path: str | os.PathLike[str]) -> int:
    """CRC-32 of a whole file, read in chunks."""
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of the index in ``folder``; None when it has none.

    Raises:
        DamagedIndex: the manifest itself is unreadable.
    """
    try:
        with open(os.path.join(folder, MANIFEST), "rb") as handle:
            manifest = json.loads(handle.read())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DamagedIndex(str(folder), MANIFEST, f"unreadable ({exc})") from None
    if (not isinstance(manifest, dict) or not isinstance(manifest.get("generation"), int)
            or not isinstance(manifest.get("files"), dict)):
        raise DamagedIndex(str(folder), MANIFEST, "not a checksum manifest")
    return manifest


def write_manifest(folder: str | os.PathLike[str], generation: int,
                   segment_ids: list[str]) -> None:
    """Record the size and CRC-32 of the TOC of ``generation`` and of the segments' files."""
    folder = Path(folder)
    try:
        previous = (read_manifest(folder) or {}).get("files", {})
    except DamagedIndex:
        previous = {}
    files: dict[str, list[int]] = {}
    for name in [toc_name(generation), *segment_files(folder, segment_ids)]:
        size = (folder / name).stat().st_size
        known = previous.get(name)
        if name.endswith(".toc") or not known or known[0] != size:
            known = [size, crc_of(folder / name)]
        files[name] = known
    temporary = folder / f"{MANIFEST}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps({"generation": generation, "files": files}, sort_keys=True)
                         + "\n", encoding="utf-8")
    os.replace(temporary, folder / MANIFEST)


def _sizes_and_toc(folder: str, manifest: dict[str, Any], generation: int) -> None:
    toc = toc_name(generation)
    for name, recorded in manifest["files"].items():
        size = recorded[0]
        path = os.path.join(folder, name)
        try:
            found = os.stat(path).st_size
        except FileNotFoundError:
            raise DamagedIndex(folder, name, "missing") from None
        if found != size:
            raise DamagedIndex(folder, name, f"{found} bytes where the last commit wrote {size}")
        if name == toc:
            with open(path, "rb") as handle:  # a few kB, read whole
                if zlib.crc32(handle.read()) != recorded[1]:
                    raise DamagedIndex(folder, name, "checksum differs from the last commit's")


def verify_on_open(folder: str | os.PathLike[str], generation: int) -> None:
    """Check the TOC of ``generation`` (the latest) by its checksum and every segment
    file by its size against the manifest.

    Raises:
        DamagedIndex: a file is missing, of another size, or the TOC's checksum differs.
    """
    folder = str(folder)
    for _ in range(_COMMITS_RACED):
        manifest = read_manifest(folder)
        if manifest is None:
            return
        if manifest["generation"] != generation:
            return  # an interrupted commit, or an index written by another tool
        try:
            _sizes_and_toc(folder, manifest, generation)
            return
        except DamagedIndex:
            # A writer may have committed (and removed this generation's files)
            # while they were checked: that is a newer index, not a damaged one.
            newer = latest_generation(folder)
            if newer == generation:
                raise
            generation = newer
    raise DamagedIndex(folder, toc_name(generation),
                       f"still changing after {_COMMITS_RACED} commits while being opened")


@dataclass
class FileCheck:
    """One file of an index: its size and CRC-32, and what the manifest recorded."""

    name: str
    size: int | None
    crc: int | None
    recorded: tuple[int, int] | None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


@dataclass
class CheckReport:
    """What ``check`` found: every file verified, segments and stored articles intact."""

    path: str
    generation: int
    has_manifest: bool
    files: list[FileCheck] = field(default_factory=list)
    #: segment id -> (stored articles that read back, articles in the segment).
    segments: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: what stopped the check from reading the TOC or a segment, if anything.
    problems: list[str] = field(default_factory=list)
    #: shards checked, for a sharded index (0 for an ordinary one).
    shards: int = 0

    @property
    def intact(self) -> bool:
        return (not self.problems and all(f.intact for f in self.files)
                and all(read == total for read, total in self.segments.values()))

    @property
    def damaged_files(self) -> list[str]:
        return [f.name for f in self.files if not f.intact]

    @property
    def articles(self) -> tuple[int, int]:
        """(articles readable, articles) over every readable segment."""
        counts = self.segments.values()
        return sum(read for read, _ in counts), sum(total for _, total in counts)


def check_files(folder: str | os.PathLike[str], report: CheckReport,
                live_files: list[str]) -> None:
    """Add to ``report`` the size and CRC of every file of the manifest (or, with none,
    of ``live_files``), with a problem for each that is missing or differs."""
    folder = Path(folder)
    try:
        manifest = read_manifest(folder)
    except DamagedIndex as exc:
        report.problems.append(str(exc.reason))
        report.files.append(FileCheck(MANIFEST, None, None, None, exc.reason))
        manifest = None
    recorded: dict[str, Any] = {}
    if manifest is not None and manifest["generation"] == report.generation:
        report.has_manifest = True
        recorded = manifest["files"]
    for name in sorted(set(recorded) | set(live_files)):
        path = folder / name
        expected = recorded.get(name)
        expected = tuple(expected) if expected else None
        if not path.is_file():
            report.files.append(FileCheck(name, None, None, expected, "missing"))
            continue
        size, crc = path.stat().st_size, crc_of(path)
        problem = ""
        if expected and expected[0] != size:
            problem = f"{size} bytes where the last commit wrote {expected[0]}"
        elif expected and expected[1] != crc:
            problem = "checksum differs from the last commit's"
        report.files.append(FileCheck(name, size, crc, expected, problem))
