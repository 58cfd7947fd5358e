"""Word lists a user gives for an index's analysis: one word per line."""

from __future__ import annotations

import os

from arsearch.errors import InputError


def read_word_list(path: str | os.PathLike[str]) -> list[str]:
    """The words of a UTF-8 file, one per line; blank lines and ``#`` comments skipped.

    Raises:
        InputError: the file cannot be read, is not UTF-8 text, or holds no word.
    """
    name = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise InputError(name, exc.strerror or str(exc)) from None
    if b"\0" in raw:
        raise InputError(name, "a binary file, not a word list (one word per line)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"not UTF-8 text (byte {exc.start})") from None
    words = [line.strip() for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    if not words:
        raise InputError(name, "holds no word (one word per line)")
    return words
