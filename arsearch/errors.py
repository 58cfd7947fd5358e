"""Library exceptions. Each carries the bad value; the CLI prints ``str(e)`` on one line."""

from __future__ import annotations


class ArsearchError(Exception):
    """Base class of every error arsearch raises on purpose."""


class IndexNotFound(ArsearchError):
    """No index at the given directory."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"no index at {path!r} (create one with: arsearch index PATH... --index {path})"
        )


class IndexExists(ArsearchError):
    """An index already exists where a new one was asked for."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"an index already exists at {path!r}")


class IndexLocked(ArsearchError):
    """Another process is writing to the index."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"index {path!r} is locked by another writer; try again when it is done")


class SchemaMismatch(ArsearchError):
    """The index was built by an arsearch whose analysis or schema differs."""

    def __init__(self, path: str, found: object, expected: int) -> None:
        self.path, self.found, self.expected = path, found, expected
        super().__init__(
            f"index {path!r} was built with schema {found}, this arsearch reads {expected}; "
            f"rebuild it from the articles it stores: arsearch reindex --index {path}"
        )


class AnalyzerMismatch(ArsearchError):
    """An index was opened with other analysis settings than it was built with."""

    def __init__(self, path: str, differences: str) -> None:
        self.path, self.differences = path, differences
        super().__init__(
            f"index {path!r} was built with other analysis settings than the analyzer "
            f"given ({differences}); open it without one to use its own, or rebuild it "
            f"with this one: arsearch.reindex(path, analyzer=...)"
        )


class QuerySyntaxError(ArsearchError):
    """The query string cannot be parsed; ``position`` is a 0-based offset."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.query = query
        self.position = position
        super().__init__(f"query syntax error at character {position + 1}: {message}")


class UnsupportedOperator(QuerySyntaxError):
    """The query uses an operator of Lucene's syntax that arsearch does not support
    (``operator``: ``~``, ``^``, ``?`` …); refused so that it is never dropped silently."""

    def __init__(self, operator: str, message: str, query: str, position: int) -> None:
        self.operator = operator
        super().__init__(message, query, position)


class InvalidArticle(ArsearchError):
    """An article record is missing a field or has a bad value."""

    def __init__(self, message: str, field: str, source: str = "") -> None:
        self.field = field
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{message}")


class InputError(ArsearchError):
    """A file or line could not be read as articles (names the input)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}")


class UnsupportedEngine(ArsearchError):
    """The installed Whoosh is a release arsearch's engine was not checked against."""

    def __init__(self, found: str, supported: tuple[str, ...]) -> None:
        self.found, self.supported = found, supported
        super().__init__(
            f"whoosh {found} is installed, arsearch works with whoosh-reloaded "
            f"{' or '.join(supported)}: pip install 'whoosh-reloaded=={supported[-1]}'"
        )


class InvalidDateRange(ArsearchError):
    """A date or date range the filters cannot read."""

    def __init__(self, value: str, reason: str) -> None:
        self.value = value
        super().__init__(
            f"invalid date range {value!r}: {reason} "
            "(use 2019, 2019-03, 2019-03-15, or A..B with either end open: 2019.., ..2020-06)"
        )


class PlotUnavailable(ArsearchError):
    """PNG charts need matplotlib, an optional extra; ``missing`` names the module."""

    def __init__(self, missing: str = "matplotlib") -> None:
        self.missing = missing
        super().__init__(f"PNG charts need {missing}: pip install 'arsearch[plot]'")


class GazetteerError(ArsearchError, ValueError):
    """A gazetteer file cannot be read or has a malformed row.

    ``path`` names the file, ``line`` the row (None when the whole file is at
    fault). Also a ``ValueError``, as a malformed value.
    """

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line is not None else f"{path}: {message}")
        self.path = path
        self.line = line


class ModelError(ArsearchError, ValueError):
    """A file is not a CRFsuite linear-chain model arsearch can read; ``path`` names it.

    Also a ``ValueError``, as a malformed value.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


#: What to do about a damaged index, said by every ``DamagedIndex``.
DAMAGE_ADVICE = ("arsearch check --index {path} lists what is intact, "
                 "arsearch repair --index {path} keeps it")


class DamagedIndex(ArsearchError):
    """A file of an index is damaged: truncated, overwritten, missing or unreadable.

    ``file`` names the file (or the part of the index) at fault, ``reason`` what is wrong.
    """

    def __init__(self, path: str, file: str, reason: str) -> None:
        self.path, self.file, self.reason = path, file, reason
        super().__init__(
            f"index {path!r} is damaged: {file}: {reason} ({DAMAGE_ADVICE.format(path=path)})"
        )


class UnsafeIndex(DamagedIndex):
    """An index file holds a pickled class arsearch never writes (``found``), which
    loading could run as code: it is refused unread.

    A ``DamagedIndex``, since an index from arsearch never holds one.
    """

    def __init__(self, path: str, file: str, found: str) -> None:
        self.found = found
        ArsearchError.__init__(
            self, f"index {path!r}: {file} holds the pickled class {found}, which arsearch "
            f"never writes; refused without running it (the index is damaged or crafted: "
            f"arsearch repair --index {path} rebuilds it from its intact articles)")
        self.path, self.file, self.reason = path, file, f"refused class {found}"


class InvalidArgument(ArsearchError, ValueError):
    """An argument has a value arsearch refuses (a negative ``limit`` …).

    ``name`` names the argument, ``value`` is the value given. Also a ``ValueError``.
    """

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name, self.value = name, value
        super().__init__(f"invalid {name} {value!r}: {expected}")


class InvalidFilter(InvalidArgument):
    """An empty or blank filter value (``actor``, ``place``, ``date``, ``published``).

    An empty filter would match everything or nothing; it is refused instead.
    """

    def __init__(self, name: str, value: object) -> None:
        self.name, self.value = name, value
        ArsearchError.__init__(self, f"empty {name} filter {value!r}: give a value "
                                     f"or leave the filter out")


class ClusterUnavailable(ArsearchError):
    """The Ray cluster an index was to run on cannot be used: a malformed address,
    nothing listening there, or Ray not installed (``address`` names it)."""

    def __init__(self, address: str, reason: str) -> None:
        self.address, self.reason = address, reason
        super().__init__(f"cluster {address!r} is unavailable: {reason}")


class ShardFailed(ArsearchError):
    """A shard of a sharded index failed during an operation (its Ray actor died
    past its restarts); ``shard`` is its number, ``path`` its directory."""

    def __init__(self, shard: int, path: str, reason: str) -> None:
        self.shard, self.path, self.reason = shard, path, reason
        super().__init__(f"shard {shard} ({path}) failed: {reason}; committed data is kept, "
                         f"run the command again")
