"""Read articles from files and streams: plain text, JSON Lines and CSV.

Every reader yields ``Article`` objects or ``InputError``s in input order, so
one bad file, line or row never stops the rest of a batch and is reported by
name (``file:line`` for JSON Lines and CSV). Nothing here raises for bad input.

Formats, chosen by suffix:

* ``.txt``: one article per file (see ``arsearch.io.textfile``); the id is the
  file name without ``.txt``.
* ``.jsonl`` / ``.ndjson`` (and ``.gz``): one JSON object per line, the fields of
  ``Article.from_dict``.
* ``.csv`` (and ``.csv.gz``): a header row naming the same fields (``id`` and
  ``text`` required, other columns ignored); ``,``, ``;`` or tab separated.
* ``-`` in ``read_paths`` is standard input, read as JSON Lines (``read_stream``);
  gzip is recognised there by its magic bytes. A file named ``-`` is ``./-``.

Decisions:

* Encodings: UTF-8 with or without a BOM; UTF-16 with a BOM (LE or BE); and
  Windows-1256 (cp1256), the legacy Arabic code page, only when the bytes are
  not UTF-8 and decode to Arabic letters (``decode_text``). Anything else is an
  error naming the input; nothing is ever decoded with replacement characters.
* Size: a ``.txt`` is one article, so one over ``MAX_ARTICLE_BYTES`` (10 MiB) is
  refused unread. JSON Lines and CSV stream line by line in flat memory however
  big the file; a single line (or CSV field) over the limit is reported and
  skipped, without being held in memory.
* NUL bytes mean binary data: a ``.txt`` holding any is refused, a JSON Lines or
  CSV line holding one is reported. A JSON Lines or CSV file whose first block
  (8 KiB) holds NUL bytes and not one line that reads as a record is reported
  once as a binary file, not line by line.
* Directories are read recursively in sorted order; hidden entries and
  unsupported suffixes are skipped. Symbolic links are followed; a link back to
  a directory above it (a loop), an unreadable directory or file, a broken link
  and a special file (FIFO, device) are each reported by name.
* Duplicate ids are not an error here: both articles are yielded in order and
  the index keeps the last (it replaces by id).
"""

from __future__ import annotations

import codecs
import csv
import errno
import gzip
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from arsearch.errors import ArsearchError, InputError, InvalidArticle
from arsearch.io.textfile import parse_text_article
from arsearch.models import Article

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
STDIN = "-"
#: Largest article a reader accepts: a ``.txt`` file, a JSON Lines line, a CSV field.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024
#: CSV fields the reader knows; other columns are ignored.
CSV_FIELDS = ("id", "text", "title", "published", "date", "source", "author", "url")

_BINARY_SNIFF = 8192
_SKIP_CHUNK = 1 << 20  # bytes read at a time while skipping an over-long line
_GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CSV_DELIMITERS = (",", ";", "\t", "|")
# Windows-1256 detection: bytes 0x80-0xBF are continuation bytes in UTF-8 but
# rare symbols in cp1256 Arabic text, whose letters sit in 0xC1-0xFE.
_HIGH_BYTES = bytes(range(0x80, 0x100))
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\v\f\r\x1a")
_MAX_CONTINUATION_SHARE = 0.25
_MIN_ARABIC_SHARE = 0.9
_MIN_ARABIC_LETTERS = 3
_ARABIC_LETTER_RE = re.compile("[\u0621-\u064a\u0671-\u06d3]")
_LATIN_IN_CP1256_RE = re.compile("[ƒˆŒœµàâçèéêëîïôùûü]")
_UNPRINTABLE_RE = re.compile(r"[\x00-\x1f\x7f]")
_JSON_OBJECT_START = re.compile(rb'\{\s*["}]')


def supported(path: Path) -> bool:
    """Whether a file name has a suffix arsearch reads."""
    name = path.name.lower()
    return name.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES + CSV_SUFFIXES)


# --- finding files -------------------------------------------------------


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | InputError]:
    """Expand files and directories (recursively, sorted) into article files.

    Files named explicitly are always returned; inside directories only
    supported suffixes are, and hidden entries are skipped. Missing paths,
    unreadable directories, broken links and link loops come back as errors.
    """
    for raw in paths:
        path = Path(raw)
        try:
            info = path.stat()
        except (OSError, ValueError) as exc:
            yield InputError(display_name(path), _reason(exc, path))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path, (info.st_dev, info.st_ino))
        else:
            yield path


def _walk(top: Path, top_key: tuple[int, int]) -> Iterator[Path | InputError]:
    """Depth-first, files of a directory before its subdirectories, like ``os.walk``.

    An explicit stack, so a very deep tree cannot exhaust the recursion limit;
    each directory carries the (device, inode) of its ancestors to catch loops.
    """
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(top, frozenset({top_key}))]
    while stack:
        directory, ancestors = stack.pop()
        try:
            with os.scandir(directory) as handle:
                entries = sorted(handle, key=lambda e: e.name)
        except OSError as exc:
            yield InputError(display_name(directory), f"cannot list directory: {_reason(exc)}")
            continue
        subdirs: list[tuple[Path, frozenset[tuple[int, int]]]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                info = os.stat(entry.path)
            except OSError as exc:
                if supported(path) or entry.is_symlink():
                    yield InputError(display_name(path), _reason(exc, path))
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    yield InputError(display_name(path),
                                     "symbolic link loop (leads back to a directory above it)")
                else:
                    subdirs.append((path, ancestors | {key}))
            elif supported(path):
                if stat.S_ISREG(info.st_mode):
                    yield path
                else:
                    yield InputError(display_name(path), "not a regular file")
        stack.extend(reversed(subdirs))


def _reason(exc: BaseException, path: Path | None = None) -> str:
    """A short lower-case reason for an OS error (no path: the caller names it)."""
    if not isinstance(exc, OSError):
        return "invalid file name"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOENT and path is not None and path.is_symlink():
        return "broken symbolic link (its target does not exist)"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    message = exc.strerror or str(exc)
    return message[:1].lower() + message[1:]


def display_name(path: str | os.PathLike[str]) -> str:
    """A path for a one-line message: control characters escaped."""
    return _UNPRINTABLE_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", os.fspath(path))


# --- reading -------------------------------------------------------------


def read_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Article | InputError]:
    """Articles from files, directories and ``-`` (standard input, as JSON Lines)."""
    for raw in paths:
        if os.fspath(raw) == STDIN:
            yield from read_stdin()
            continue
        for item in iter_files([raw]):
            if isinstance(item, InputError):
                yield item
            else:
                yield from read_file(item)


def read_stdin(kind: str = "jsonl") -> Iterator[Article | InputError]:
    """Articles from standard input (binary), as ``read_stream`` reads them."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        yield InputError("<stdin>", "standard input is not available")
        return
    yield from read_stream(stream, "<stdin>", kind=kind)


def read_stream(stream: IO[bytes], name: str = "<stdin>", *,
                kind: str = "jsonl") -> Iterator[Article | InputError]:
    """Articles from a binary stream of JSON Lines (``kind="csv"``: CSV), e.g. stdin.

    Read line by line in flat memory; gzip data is decompressed on the fly.
    Errors name ``name``, with the line number.
    """
    if kind not in ("jsonl", "csv"):
        raise ValueError(f"kind must be 'jsonl' or 'csv', got {kind!r}")
    try:
        buffered = _buffered(stream)
        if buffered.peek(2)[:2] == _GZIP_MAGIC:
            buffered = _buffered(gzip.GzipFile(fileobj=buffered, mode="rb"))
    except (OSError, ValueError) as exc:
        yield InputError(name, f"cannot read: {exc}")
        return
    if kind == "csv":
        yield from _csv_records(buffered, name)
    else:
        yield from _jsonl_records(buffered, name)


def _buffered(stream: IO[bytes]) -> Any:
    """A stream with ``peek`` (BufferedReader and GzipFile have one; BytesIO does not)."""
    return stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type]


def read_file(path: Path) -> Iterator[Article | InputError]:
    """Articles from one file, chosen by suffix; unknown suffixes are an error."""
    name = path.name.lower()
    try:
        if name.endswith(JSONL_SUFFIXES):
            yield from read_jsonl(path)
        elif name.endswith(CSV_SUFFIXES):
            yield from read_csv(path)
        elif name.endswith(TEXT_SUFFIXES):
            yield read_text_file(path)
        else:
            yield InputError(display_name(path), "unsupported file type "
                             "(expected .txt, .jsonl, .jsonl.gz, .csv, .csv.gz)")
    except OSError as exc:
        yield InputError(display_name(path), _reason(exc, path))


def read_text_file(path: Path) -> Article | InputError:
    """One article from a plain-text file; its id is the file name without suffix.

    A file over ``MAX_ARTICLE_BYTES`` is refused without being read.
    """
    source = display_name(path)
    try:
        size = path.stat().st_size
        data = b""
        if size <= MAX_ARTICLE_BYTES:
            with path.open("rb") as handle:  # read no more than the limit, whatever stat says
                data = handle.read(MAX_ARTICLE_BYTES + 1)
        if max(size, len(data)) > MAX_ARTICLE_BYTES:
            return InputError(source, f"too large for one article ({_size(max(size, len(data)))}"
                              f", limit {_size(MAX_ARTICLE_BYTES)}); split it or use JSON Lines")
    except OSError as exc:
        return InputError(source, f"cannot read: {_reason(exc, path)}")
    try:
        raw = decode_text(data, source)
        if not raw:
            return InputError(source, "empty file")
        if not Article.has_text(raw):
            return InputError(source, "empty file (only whitespace or invisible characters)")
        fields = parse_text_article(raw)
        fields["id"] = path.name[: -len(".txt")]
        return Article.from_dict(fields, origin=source)
    except ArsearchError as exc:
        return _as_input_error(exc, source)


def read_jsonl(path: Path) -> Iterator[Article | InputError]:
    """Articles from a JSON Lines file (gzip if the name ends in ``.gz``).

    A broken line is reported as ``file:line`` and the rest is still read.
    """
    source = display_name(path)
    try:
        with open_binary(path) as handle:
            yield from _jsonl_records(handle, source)
    except OSError as exc:
        yield InputError(source, f"cannot read: {_reason(exc, path)}")


def read_csv(path: Path) -> Iterator[Article | InputError]:
    """Articles from a CSV file with a header row (gzip if the name ends in ``.gz``).

    A bad row (wrong number of columns, broken quoting, bad value) is reported
    as ``file:line`` (the line the row starts on) and the rest is still read.
    """
    source = display_name(path)
    try:
        with open_binary(path) as handle:
            yield from _csv_records(handle, source)
    except OSError as exc:
        yield InputError(source, f"cannot read: {_reason(exc, path)}")


def open_binary(path: Path) -> Any:
    """A file opened for reading bytes, decompressed when its name ends in ``.gz``."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def _as_input_error(exc: ArsearchError, origin: str) -> InputError:
    """An ``InputError`` naming ``origin``, whatever error validation raised."""
    if isinstance(exc, InputError):
        return exc
    message = str(exc)
    if isinstance(exc, InvalidArticle) and exc.source and message.startswith(f"{exc.source}: "):
        message = message[len(exc.source) + 2:]
    return InputError(origin, message)


# --- decoding ------------------------------------------------------------


def decode_text(data: bytes, source: str) -> str:
    """Decode a whole file: UTF-8 (BOM optional), UTF-16 with a BOM, or cp1256 Arabic.

    Raises:
        InputError: binary data (NUL bytes), or bytes in no encoding read here.
    """
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(source, f"not valid UTF-16 (byte {exc.start}) although it starts "
                             "with a UTF-16 byte-order mark") from None
        if "\x00" in text:
            raise InputError(source, "binary file (contains NUL characters)")
        return text
    if b"\x00" in data:
        hint = " or UTF-16 without a byte-order mark" if _looks_utf16(data) else ""
        raise InputError(source, f"binary file (contains NUL bytes{hint})")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(source, f"not valid UTF-8 (byte {exc.start}) although it starts "
                             "with a UTF-8 byte-order mark; re-save the file as UTF-8") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = decode_cp1256(data)
        if text is not None:
            return text
        raise InputError(source, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at "
                         f"offset {exc.start}; binary file or another encoding?); "
                         "re-save the file as UTF-8") from None


def decode_cp1256(data: bytes) -> str | None:
    """``data`` decoded as Windows-1256 if it reliably is Arabic text in it, else None.

    Reliable means: no control bytes, few bytes in 0x80-0xBF (UTF-8 with a bad
    byte is mostly such continuation bytes; cp1256 Arabic barely uses them),
    and the decoded non-ASCII letters are nearly all Arabic (Cyrillic in
    cp1251 or Latin-1 French decode to accented Latin letters instead).
    """
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return None
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    continuation = len(data) - len(data.translate(None, _CONTINUATION_BYTES))
    if not high or continuation > _MAX_CONTINUATION_SHARE * high:
        return None
    text = data.decode("cp1256")
    arabic = len(_ARABIC_LETTER_RE.findall(text))
    latin = len(_LATIN_IN_CP1256_RE.findall(text))
    if arabic < _MIN_ARABIC_LETTERS or arabic < _MIN_ARABIC_SHARE * (arabic + latin):
        return None
    return text


def _looks_utf16(data: bytes) -> bool:
    """One byte of each pair mostly 0x00 or 0x06, as UTF-16 of ASCII or Arabic has."""
    sample = data[:_BINARY_SNIFF]
    if len(sample) < 4:
        return False
    for high in (sample[1::2], sample[0::2]):
        if high.count(0) and high.count(0) + high.count(6) > 0.9 * len(high):
            return True
    return False


def _decode_line(raw: bytes, origin: str) -> str | InputError:
    """One line of a JSON Lines or CSV file: UTF-8, else cp1256 Arabic, else an error."""
    if b"\x00" in raw:
        return InputError(origin, "contains NUL bytes (binary data?)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = decode_cp1256(raw)
        if text is not None:
            return text
        return InputError(origin, f"not UTF-8 text (invalid byte 0x{raw[exc.start]:02x} at "
                          f"column {exc.start + 1}); re-save the file as UTF-8")


def _lines(stream: Any, name: str) -> Iterator[tuple[int, str | InputError]]:
    """Numbered, decoded lines (endings kept) of a binary stream; bad lines as errors.

    Memory stays bounded by ``MAX_ARTICLE_BYTES``: a longer line is skipped in
    chunks and reported. A UTF-16 stream (by its BOM) is decoded as a whole.
    """
    number = 0
    try:
        if stream.peek(2)[:2] in _UTF16_BOMS:
            yield from _utf16_lines(stream, name)
            return
        while line := stream.readline(MAX_ARTICLE_BYTES + 1):
            number += 1
            origin = f"{name}:{number}"
            if len(line) > MAX_ARTICLE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):
                    line = stream.readline(_SKIP_CHUNK)
                yield number, InputError(origin, f"line longer than {_size(MAX_ARTICLE_BYTES)}")
                continue
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8):]
            yield number, _decode_line(line, origin)
    except (OSError, EOFError, zlib.error) as exc:
        yield number + 1, InputError(name, f"cannot read after line {number}: {exc}")


def _utf16_lines(stream: Any, name: str) -> Iterator[tuple[int, str | InputError]]:
    text = io.TextIOWrapper(stream, encoding="utf-16", newline="")
    number = 0
    try:
        while line := text.readline(MAX_ARTICLE_BYTES + 1):
            number += 1
            origin = f"{name}:{number}"
            if len(line) > MAX_ARTICLE_BYTES and not line.endswith("\n"):
                while line and not line.endswith("\n"):
                    line = text.readline(_SKIP_CHUNK)
                yield number, InputError(origin, "line too long")
            elif "\x00" in line:
                yield number, InputError(origin, "contains NUL characters")
            else:
                yield number, line
    except UnicodeDecodeError:
        yield number + 1, InputError(f"{name}:{number + 1}", "not valid UTF-16 from here "
                                     "to the end of the file")
    finally:
        text.detach()


def _binary(stream: Any, name: str, kind: str) -> InputError | None:
    """One error for the whole stream if its first block is binary data, else None.

    Binary means NUL bytes in the first ``_BINARY_SNIFF`` bytes and no line
    there that reads as a record (for JSON Lines: text starting with ``{"``
    before any NUL; for CSV: a text line free of NULs), so a file of good
    lines with a bad one among them is still read line by line. Without
    this, an executable named ``.jsonl`` gave one error per line.
    """
    try:
        sample = bytes(stream.peek(_BINARY_SNIFF)[:_BINARY_SNIFF])
    except (OSError, EOFError, ValueError, zlib.error):
        return None  # ``_lines`` reports it
    if b"\x00" not in sample or sample.startswith(_UTF16_BOMS):
        return None
    if sample.startswith(codecs.BOM_UTF8):
        sample = sample[len(codecs.BOM_UTF8):]
    for line in sample.split(b"\n"):
        if kind == "csv":
            text, nul, _ = line.partition(b"\x00")
            if not nul and line.strip() and _is_text(text):
                return None
        else:
            text = line.lstrip().partition(b"\x00")[0]
            if _JSON_OBJECT_START.match(text) and _is_text(text):
                return None
    what = "CSV" if kind == "csv" else "JSON Lines"
    hint = " (or UTF-16 without a byte-order mark)" if _looks_utf16(sample) else ""
    return InputError(name, f"a binary file{hint}, not {what}")


def _is_text(data: bytes) -> bool:
    """Whether ``data`` (which may stop inside a character) is UTF-8 or cp1256 Arabic."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        return True
    except UnicodeDecodeError:
        return decode_cp1256(data) is not None


def _jsonl_records(stream: Any, name: str) -> Iterator[Article | InputError]:
    if (binary := _binary(stream, name, "jsonl")) is not None:
        yield binary
        return
    empty = True
    for number, line in _lines(stream, name):
        if isinstance(line, InputError):
            empty = False
            yield line
        elif line.strip():
            empty = False
            yield parse_jsonl_line(line, f"{name}:{number}")
    if empty:
        yield InputError(name, "empty input, no articles")


def parse_jsonl_line(line: bytes | str, origin: str) -> Article | InputError:
    """One article from one JSON Lines line; errors name ``origin``."""
    try:
        text = line if isinstance(line, str) else decode_text(line, origin)
        return Article.from_dict(json.loads(text), origin=origin)
    except json.JSONDecodeError as exc:
        return InputError(origin, f"invalid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return InputError(origin, "invalid JSON (nested too deeply)")
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        return InputError(origin, f"invalid JSON ({exc})")
    except ArsearchError as exc:
        return _as_input_error(exc, origin)


# --- CSV -----------------------------------------------------------------


class _SkipLine(Exception):
    """A line the CSV reader must not see; carries its error."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.error = error


class _CsvFeed:
    """Decoded lines for ``csv.reader``; a bad line raises ``_SkipLine`` and the
    feed stays usable (the csv reader starts a fresh row on the next call).

    The lines of the current row are kept, so that after a malformed row (a
    stray quote swallows the lines after it) reading resumes at its second line.
    """

    def __init__(self, lines: Iterator[tuple[int, str | InputError]]) -> None:
        self.lines = lines
        self.number = 0
        self.pending: list[tuple[int, str | InputError]] = []
        self.row: list[tuple[int, str]] = []

    def __iter__(self) -> _CsvFeed:
        return self

    def __next__(self) -> str:
        self.number, line = self.pending.pop() if self.pending else next(self.lines)
        if isinstance(line, InputError):
            raise _SkipLine(line)
        self.row.append((self.number, line))
        return line

    def replay(self) -> None:
        """Feed the lines of the current row again, from its second line."""
        self.pending.extend(reversed(self.row[1:]))
        self.row = []


def _raise_field_limit() -> None:
    """Let a CSV field be as long as an article (the default is 128 KiB)."""
    if csv.field_size_limit() < MAX_ARTICLE_BYTES:
        csv.field_size_limit(MAX_ARTICLE_BYTES)


def _csv_header(feed: _CsvFeed, name: str) -> Iterator[InputError | tuple[str, dict[str, int]]]:
    """Errors before the header, then (delimiter, field -> column) from the first line."""
    for number, line in feed.lines:
        if isinstance(line, InputError):
            yield line
        elif line.strip():
            feed.pending.append((number, line))
            for delimiter in _CSV_DELIMITERS:
                names = next(csv.reader([line], delimiter=delimiter), [])
                columns: dict[str, int] = {}
                for i, column in enumerate(names):
                    columns.setdefault(column.strip().lower(), i)
                if "id" in columns and "text" in columns:
                    yield delimiter, {f: columns[f] for f in CSV_FIELDS if f in columns}
                    return
            found = ", ".join(repr(n.strip()) for n in next(csv.reader([line]), []))[:200]
            yield InputError(f"{name}:{number}", "the CSV header must name the columns 'id' "
                             f"and 'text' (found {found or 'nothing'}); nothing read from the file")
            return
    yield InputError(name, "empty input, no articles")


def _csv_records(stream: Any, name: str) -> Iterator[Article | InputError]:
    if (binary := _binary(stream, name, "csv")) is not None:
        yield binary
        return
    _raise_field_limit()
    feed = _CsvFeed(_lines(stream, name))
    delimiter, columns = "", {}
    for item in _csv_header(feed, name):
        if isinstance(item, InputError):
            yield item
        else:
            delimiter, columns = item
    if not delimiter:
        return
    reader = csv.reader(feed, delimiter=delimiter, strict=True)
    width = -1
    while True:
        feed.row = []
        try:
            row = next(reader)
        except StopIteration:
            return
        except _SkipLine as skip:
            yield skip.error
            continue
        except csv.Error as exc:
            start = feed.row[0][0] if feed.row else feed.number
            feed.replay()
            yield InputError(f"{name}:{start}", f"malformed CSV ({exc})")
            continue
        origin = f"{name}:{feed.row[0][0] if feed.row else feed.number}"
        if width < 0:
            width = len(row)
        elif not any(cell.strip() for cell in row):
            continue
        elif len(row) != width:
            yield InputError(origin, f"{len(row)} columns where the header has {width}")
        else:
            record = {field: row[i] for field, i in columns.items()}
            try:
                yield Article.from_dict(record, origin=origin)
            except ArsearchError as exc:
                yield _as_input_error(exc, origin)
