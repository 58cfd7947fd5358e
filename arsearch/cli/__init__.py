"""The ``arsearch`` command line: a thin layer over the library.

``commands`` parses options and renders; ``display`` formats for a terminal;
``progress`` draws the ingest progress line.
"""

from arsearch.cli.commands import main

__all__ = ["main"]
