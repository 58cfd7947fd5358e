"""Read articles from files: plain text, JSON Lines (optionally gzipped).

Every reader yields ``Article`` objects or ``InputError``s in file order, so
one bad file or line never stops the rest of a batch and is reported by name.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from arsearch.errors import ArsearchError, InputError
from arsearch.models import Article
from arsearch.textfile import parse_text_article

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_BINARY_SNIFF = 8192


def supported(path: Path) -> bool:
    """Whether a file name has a suffix arsearch reads."""
    name = path.name.lower()
    return name.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES)


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | InputError]:
    """Expand files and directories (recursively, sorted) into article files.

    Files named explicitly are always returned; inside directories only
    supported suffixes are, and hidden entries are skipped.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    candidate = Path(root) / name
                    if not name.startswith(".") and supported(candidate):
                        yield candidate
        elif path.exists():
            yield path
        else:
            yield InputError(str(path), "no such file or directory")


def read_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Article | InputError]:
    """Articles from files and directories (``.txt``, ``.jsonl``, ``.jsonl.gz``)."""
    for item in iter_files(paths):
        if isinstance(item, InputError):
            yield item
        else:
            yield from read_file(item)


def read_file(path: Path) -> Iterator[Article | InputError]:
    """Articles from one file, chosen by suffix; unknown suffixes are an error."""
    name = path.name.lower()
    try:
        if name.endswith(JSONL_SUFFIXES):
            yield from read_jsonl(path)
        elif name.endswith(TEXT_SUFFIXES):
            yield read_text_file(path)
        else:
            yield InputError(str(path), "unsupported file type (expected .txt, .jsonl, .jsonl.gz)")
    except OSError as exc:
        yield InputError(str(path), exc.strerror or str(exc))


def decode_text(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM); refuse binary data with a clear error."""
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise InputError(source, "binary file (contains NUL bytes), skipped")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            source, f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8"
        ) from None


def read_text_file(path: Path) -> Article | InputError:
    """One article from a plain-text file; its id is the file name without suffix."""
    try:
        raw = decode_text(path.read_bytes(), str(path))
        if not raw.strip():
            return InputError(str(path), "empty file, skipped")
        fields = parse_text_article(raw)
        fields["id"] = path.name[: -len(".txt")]
        return Article.from_dict(fields, origin=str(path))
    except ArsearchError as exc:
        return exc if isinstance(exc, InputError) else InputError(str(path), str(exc))


def read_jsonl(path: Path) -> Iterator[Article | InputError]:
    """Articles from a JSON Lines file (gzip if the name ends in ``.gz``).

    A broken line is reported as ``file:line`` and the rest is still read.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield parse_jsonl_line(line, f"{path}:{number}")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield InputError(str(path), f"cannot read: {exc}")


def parse_jsonl_line(line: bytes | str, origin: str) -> Article | InputError:
    """One article from one JSON Lines line; errors name ``origin``."""
    try:
        text = line if isinstance(line, str) else decode_text(line, origin)
        return Article.from_dict(json.loads(text), origin=origin)
    except json.JSONDecodeError as exc:
        return InputError(origin, f"invalid JSON ({exc.msg} at column {exc.colno})")
    except ArsearchError as exc:
        if isinstance(exc, InputError):
            return exc
        return InputError(origin, str(exc).split(": ", 1)[-1])
