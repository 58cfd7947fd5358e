"""Split raw Arabic text into word tokens with offsets into the original.

Whoosh's default tokenizer cuts words at every diacritic and tatweel
(المُسلَّحونَ becomes three tokens). Here marks stay inside the word and
are removed later by normalization, so offsets still point at the original,
diacritized text for highlighting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from arsearch import native
from arsearch.text import chars

_IN_WORD = "".join(sorted(chars.IN_WORD_MARKS))
_WORD_RE = re.compile(f"(?:[^\\W_]|[{re.escape(_IN_WORD)}])+")
#: Arabic letters (first, last code point), as in _ARABIC_LETTER_RE.
_ARABIC_LETTER_RANGES = ((0x0621, 0x064A), (0x066E, 0x06D3), (0x06D5, 0x06D5),
                         (0x06FA, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFC))
_ARABIC_LETTER_RE = re.compile(
    "[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _ARABIC_LETTER_RANGES) + "]")
# A digit run glued to an Arabic letter run (بـ2017, الـ24) is two words.
_ARABIC_DIGIT_SPLIT_RE = re.compile(
    "(?<=[\u0621-\u064a\u0640])(?=[0-9\u0660-\u0669\u06f0-\u06f9])"
    "|(?<=[0-9\u0660-\u0669\u06f0-\u06f9])(?=[\u0621-\u064a])"
)
_OBFUSCATION_GAP = 1  # characters allowed between two pieces of one word
_SHORT_PIECE = 2  # an obfuscated piece has at most this many letters


def _shares_tables(compiled: object) -> bool:
    """Whether the compiled twin's own copy of the character sets is this module's."""
    tables = getattr(compiled, "TABLES", {})
    return (frozenset(tables.get("IN_WORD_MARKS", "")) == chars.IN_WORD_MARKS
            and frozenset(tables.get("OBFUSCATION_MARKS", "")) == chars.OBFUSCATION_MARKS
            and tables.get("ARABIC_LETTER_RANGES") == _ARABIC_LETTER_RANGES
            and tables.get("OBFUSCATION_GAP") == _OBFUSCATION_GAP
            and tables.get("SHORT_PIECE") == _SHORT_PIECE)


#: The compiled twin of ``_pure_tokens`` (``_ctext.c``), or None: not built,
#: turned off, or built from other character sets than these.
_C = native.load("arsearch.text._ctext")
if _C is not None and not _shares_tables(_C):
    _C = None


@dataclass(frozen=True, slots=True)
class Token:
    """A word as it stands in the text: ``text == source[start:end]``."""

    text: str
    start: int
    end: int


def _letters(piece: str) -> int:
    return sum(1 for c in piece if c not in chars.IN_WORD_MARKS)


def _is_arabic(piece: str) -> bool:
    return _ARABIC_LETTER_RE.search(piece) is not None


def _pieces(text: str) -> Iterator[Token]:
    for match in _WORD_RE.finditer(text):
        start = match.start()
        word = match.group()
        if word.isalpha():  # no digit, nothing to split
            yield Token(word, start, match.end())
            continue
        for part in _ARABIC_DIGIT_SPLIT_RE.split(word):
            if part:
                yield Token(part, start, start + len(part))
            start += len(part)


def tokenize(text: str, *, cache: bool = True) -> Iterator[Token]:
    """Yield the words of ``text``; never raises.

    Pieces of an Arabic word broken up by a single dot or star (دا.عــش,
    د.ا.ع.ش) are joined back into one token when a piece is at most two
    letters long; ordinary sentence ends (الرقة.وقال) stay two words.
    ``cache=False`` leaves the token cache (``tokens``) alone, for the many
    short names that would push the articles being analysed out of it.

    >>> [t.text for t in tokenize("«دا.عــش» في #جبل_البشري")]
    ['دا.عــش', 'في', 'جبل', 'البشري']
    """
    return iter(tokens(text) if cache else _tokens(text))


@lru_cache(maxsize=256)
def tokens(text: str) -> tuple[Token, ...]:
    """The words of ``text``, as ``tokenize`` yields them; never raises.

    Cached for the last few hundred texts (a few MB): ingest tags the names
    of a few dozen articles at once, then matches each against the gazetteer
    and analyses it, all on the same words.
    """
    return _tokens(text)


def _tokens(text: str) -> tuple[Token, ...]:
    if _C is not None and isinstance(text, str):
        return _C.tokens(text, Token)
    return _pure_tokens(text)


def _pure_tokens(text: str) -> tuple[Token, ...]:
    """``_tokens`` in pure Python (the twin of ``_ctext.tokens``)."""
    out: list[Token] = []
    for piece in _pieces(text):
        if out and piece.start - out[-1].end == _OBFUSCATION_GAP and _joins(text, out[-1], piece):
            out[-1] = Token(text[out[-1].start:piece.end], out[-1].start, piece.end)
        else:
            out.append(piece)
    return tuple(out)


def _joins(text: str, left: Token, right: Token) -> bool:
    gap = text[left.end:right.start]
    if len(gap) != _OBFUSCATION_GAP or gap not in chars.OBFUSCATION_MARKS:
        return False
    if not (_is_arabic(left.text) and _is_arabic(right.text)):
        return False
    last_piece = left.text.rsplit(gap, 1)[-1]
    return min(_letters(last_piece), _letters(right.text)) <= _SHORT_PIECE
