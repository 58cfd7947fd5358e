"""The compiled core: which C extensions are in use, and the switch that turns them off.

Each hot loop that has a C implementation (``arsearch/<package>/_c*.c``, built
by ``pip install .``) keeps its pure-Python twin, which gives identical output;
the tests run both on the same inputs and compare them. A module asks for its
extension once, when it is imported, with ``load``: it gets the extension, or
None when it was not built (a failed compile at install) or when the
environment variable ``ARSEARCH_PURE_PYTHON`` is set to anything but ``""`` or
``0`` (to compare, or to rule the extension out when chasing a bug).
"""

from __future__ import annotations

import importlib
import os
from types import MappingProxyType, ModuleType

#: Set to a non-empty value other than "0", every part runs in pure Python.
PURE_PYTHON_ENV = "ARSEARCH_PURE_PYTHON"

#: The compiled parts: extension module -> what it speeds up.
EXTENSIONS = MappingProxyType({
    "arsearch.text._ctext": "stemming, tokenizing and letter folding",
    "arsearch.extract._cner": "name tagger features",
    "arsearch.extract._cdecode": "name tagger decoding",
    "arsearch.extract._cgaz": "gazetteer and date scan",
    "arsearch.engine._cwrite": "posting encoding",
    "arsearch.engine._cread": "posting decoding",
    "arsearch.engine._cmerge": "segment merging",
    "arsearch.engine._cfacets": "facet counting",
})


def disabled() -> bool:
    """Whether ``ARSEARCH_PURE_PYTHON`` asks for the pure-Python path everywhere."""
    return os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0")


def load(name: str) -> ModuleType | None:
    """The extension module ``name``, or None when it is disabled or was not built."""
    if disabled():
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def status() -> dict[str, bool]:
    """Each known extension -> whether this process would use it."""
    return {name: load(name) is not None for name in EXTENSIONS}


def describe() -> str:
    """One line for ``arsearch --version``: which path each compiled part takes.

    >>> describe().startswith(("compiled core:", "pure Python"))
    True
    """
    if disabled():
        return f"pure Python: {PURE_PYTHON_ENV} is set"
    used = status()
    on = [EXTENSIONS[name] for name, ok in used.items() if ok]
    off = [EXTENSIONS[name] for name, ok in used.items() if not ok]
    if not on:
        return "pure Python: the compiled core was not built"
    line = "compiled core: " + ", ".join(on)
    return line + (f"; pure Python: {', '.join(off)} (not built)" if off else "")
