"""Package data: word lists, the gazetteer and the tagger's model."""

from __future__ import annotations

from importlib import resources


def data_lines(filename: str) -> list[str]:
    """The lines of a bundled data file, without blank lines and ``#`` comments."""
    text = resources.files(__name__).joinpath(filename).read_text("utf-8")
    return [line for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
