"""Unpickling what an index holds without running code from it.

Whoosh keeps the schema and the segment list pickled in the table of contents
(``_MAIN_N.toc``), and pickles inside segment files too (the compound file's
directory, term-table extras, posting block headers and data, stored fields,
column block headers); ``arsearch.engine.blocks`` reads its posting blocks
the same way. A plain ``pickle.load`` of a crafted file calls whatever global
the file names (``os.system``...). Every one of those reads goes through
``SafeUnpickler`` instead, which resolves only the classes in ``ALLOWED``:
the exact ones an arsearch index holds (found by unpickling real indexes,
built by this arsearch and by 0.1, with a logging ``find_class``). Anything
else is refused before it is imported or called (``Refused``).

``install`` points Whoosh's own reads at it, once per process, by replacing
the module-level names its readers call (``PATCHED``): the ``pickle`` module
``whoosh.index`` reads the TOC schema with, ``whoosh.filedb.structfile``'s
``load_pickle`` (``StructFile.read_pickle``: the segment list and every
pickle inside segment files), and the ``loads`` of ``whoosh.codec.whoosh3``
(posting blocks, inlined postings) and ``whoosh.columns`` (stored fields).
Data-only pickles (tuples, numbers, strings: posting blocks, stored fields)
never reach ``find_class``, so they cost what ``pickle.loads`` costs.
"""

from __future__ import annotations

import io
import pickle
import types
from typing import IO, Any

#: (module, name) of every global an arsearch index may pickle.
ALLOWED: frozenset[tuple[str, str]] = frozenset({
    # The schema: arsearch's fields, their formats, analyzers and sortable columns.
    ("whoosh.fields", "Schema"),
    ("whoosh.fields", "ID"),
    ("whoosh.fields", "KEYWORD"),
    ("whoosh.fields", "STORED"),
    ("whoosh.fields", "TEXT"),
    ("whoosh.fields", "COLUMN"),
    ("whoosh.formats", "Existence"),
    ("whoosh.formats", "Frequency"),
    ("whoosh.formats", "Positions"),
    ("whoosh.analysis.analyzers", "CompositeAnalyzer"),
    ("whoosh.analysis.filters", "StripFilter"),
    ("whoosh.analysis.tokenizers", "IDTokenizer"),
    ("whoosh.analysis.tokenizers", "RegexTokenizer"),
    ("whoosh.columns", "VarBytesColumn"),
    ("whoosh.columns", "NumericColumn"),
    ("arsearch.engine.schema", "PreAnalyzedTokenizer"),
    ("arsearch.schema", "PreAnalyzedTokenizer"),  # indexes built by arsearch 0.1
    # A RegexTokenizer's compiled expression, and the schema's field tables.
    ("re", "_compile"),
    ("collections", "defaultdict"),
    ("builtins", "int"),  # a defaultdict's factory
    # The segment list: Whoosh 3 segments, their codec and deleted documents.
    ("whoosh.codec.whoosh3", "W3Segment"),
    ("whoosh.codec.whoosh3", "W3Codec"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
})


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """What protocol 2 pickles call to rebuild ``bytes`` (``_codecs.encode(text,
    "latin1")``: Whoosh's posting blocks), with no other codec allowed."""
    if encoding not in ("latin1", "latin-1"):
        raise Refused(f"_codecs.encode with the codec {encoding!r}")
    return text.encode("latin-1")


#: Globals resolved to a narrower stand-in than the real one.
STAND_INS: dict[tuple[str, str], Any] = {("_codecs", "encode"): _latin1_bytes}


class Refused(pickle.UnpicklingError):
    """A pickle named a global outside ``ALLOWED``; ``found`` is "module.name"."""

    def __init__(self, found: str) -> None:
        super().__init__(f"refused pickled class {found}")
        self.found = found


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals in ``ALLOWED``."""

    def find_class(self, module: str, name: str) -> Any:
        # A TOC names some forty globals and Whoosh reads it several times per
        # open: what was resolved once is looked up, not imported again.
        found = _RESOLVED.get((module, name))
        if found is not None:
            return found
        if (module, name) in ALLOWED:
            found = super().find_class(module, name)
        elif (module, name) in STAND_INS:
            found = STAND_INS[module, name]
        else:
            raise Refused(f"{module}.{name}")
        _RESOLVED[module, name] = found
        return found


#: The allowed globals resolved so far (only ever keys of ``ALLOWED`` or ``STAND_INS``).
_RESOLVED: dict[tuple[str, str], Any] = {}


def loads(data: bytes) -> Any:
    """``pickle.loads`` resolving only ``ALLOWED`` globals (raises ``Refused``)."""
    return SafeUnpickler(io.BytesIO(data)).load()


def load(file: IO[bytes]) -> Any:
    """``pickle.load`` resolving only ``ALLOWED`` globals (raises ``Refused``)."""
    return SafeUnpickler(file).load()


#: What ``whoosh.index`` uses of the ``pickle`` module, with a safe ``loads``.
_INDEX_PICKLE = types.SimpleNamespace(
    loads=loads, dumps=pickle.dumps, PicklingError=pickle.PicklingError,
    UnpicklingError=pickle.UnpicklingError)

#: (module, attribute, replacement) of each Whoosh read ``install`` makes safe.
PATCHED: tuple[tuple[str, str, Any], ...] = (
    ("whoosh.index", "pickle", _INDEX_PICKLE),
    ("whoosh.filedb.structfile", "load_pickle", load),
    ("whoosh.codec.whoosh3", "loads", loads),
    ("whoosh.columns", "loads", loads),
)


def install() -> None:
    """Make Whoosh's reads of index pickles go through ``SafeUnpickler`` (idempotent)."""
    import importlib

    for module_name, attribute, replacement in PATCHED:
        module = importlib.import_module(module_name)
        if getattr(module, attribute) is not replacement:
            setattr(module, attribute, replacement)


def installed() -> bool:
    """Whether every read in ``PATCHED`` is the safe one."""
    import importlib

    return all(getattr(importlib.import_module(module), attribute) is replacement
               for module, attribute, replacement in PATCHED)
