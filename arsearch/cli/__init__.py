"""The ``arsearch`` command line: a thin layer over the library.

``commands`` parses options and renders; ``options`` holds the option bundles
the commands share; ``display`` formats for a terminal; ``progress`` draws the
ingest progress line.
"""

from __future__ import annotations

import gc

from arsearch.cli import commands

__all__ = ["main"]


def main() -> None:
    """The ``arsearch`` console script.

    Everything the imports built lives as long as the process. Frozen, it is
    skipped by the garbage collector's full passes, one of which would
    otherwise tend to fall inside a cold search and scan it all.
    """
    gc.freeze()
    commands.main()
