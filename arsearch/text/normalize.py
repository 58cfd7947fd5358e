"""Pure str -> str normalization functions for Arabic text.

Each function does one thing and never raises; callers choose which to run.
``normalize`` runs the full chain used for index and query terms.

pyarabic has helpers with the same names, but two of them are wrong for
search and are deliberately not used: ``normalize_hamza`` turns أ into ء
by default, and ``normalize_alef`` folds ى into ا (على -> علا).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array

from arsearch import native
from arsearch.text import chars

_DIGITS = str.maketrans(
    chars.ARABIC_INDIC_DIGITS + chars.PERSIAN_DIGITS, "0123456789" * 2
)
_ALEF = str.maketrans({c: chars.ALEF for c in chars.ALEF_VARIANTS})
_MARKS = str.maketrans({c: None for c in chars.IN_WORD_MARKS})
_OBFUSCATION = str.maketrans({c: None for c in chars.OBFUSCATION_MARKS})
_PERSIAN_LETTERS = str.maketrans({chars.FARSI_YEH: chars.YEH, chars.KEHEH: chars.KAF})
_ALEF_MAKSURA = str.maketrans({chars.ALEF_MAKSURA: chars.YEH})
# All of fold_letters' character maps in one pass: their keys are disjoint and
# none maps a character to one another map would change again.
_FOLD = {**_MARKS, **_OBFUSCATION, **_PERSIAN_LETTERS, **_ALEF, **_DIGITS, **_ALEF_MAKSURA}
_PRESENTATION_FORMS_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
# The inverse of _FOLD: what each folded character may have been written as.
_SPELLINGS: dict[str, str] = {chars.HEH: chars.TEH_MARBUTA}
for _raw, _folded in _FOLD.items():
    if _folded:
        _SPELLINGS[_folded] = _SPELLINGS.get(_folded, "") + chr(_raw)
_INSIDE_WORD = "[" + re.escape("".join(chr(c) for c, v in _FOLD.items() if v is None)) + "]*"


def strip_marks(text: str) -> str:
    """Remove diacritics, tatweel and invisible characters.

    >>> strip_marks("يُصعّد دا.عــش")
    'يصعد دا.عش'
    """
    return text.translate(_MARKS)


def strip_obfuscation(text: str) -> str:
    """Remove the dots and stars used to break words apart (دا.عش -> داعش)."""
    return text.translate(_OBFUSCATION)


def normalize_digits(text: str) -> str:
    """Map Arabic-Indic and Persian digits to ASCII.

    >>> normalize_digits("٢٠١٧ و۱۴")
    '2017 و14'
    """
    return text.translate(_DIGITS)


def normalize_alef(text: str) -> str:
    """Fold أ إ آ ٱ into bare alef; alef maksura is left alone.

    >>> normalize_alef("أحمد إلى آثار")
    'احمد الى اثار'
    """
    return text.translate(_ALEF)


def normalize_alef_maksura(text: str) -> str:
    """Fold alef maksura into yeh (ى -> ي), as users type either.

    >>> normalize_alef_maksura("على")
    'علي'
    """
    return text.replace(chars.ALEF_MAKSURA, chars.YEH)


def normalize_teh_marbuta(text: str) -> str:
    """Fold teh marbuta into heh (ة -> ه). Run it after stemming.

    >>> normalize_teh_marbuta("مدينة")
    'مدينه'
    """
    return text.replace(chars.TEH_MARBUTA, chars.HEH)


def normalize_presentation_forms(text: str) -> str:
    """Decompose ligatures and presentation forms (ﻻ -> لا) with NFKC.

    Only runs NFKC when such a form is present, so ordinary text keeps
    its exact code points.
    """
    if _PRESENTATION_FORMS_RE.search(text):
        return unicodedata.normalize("NFKC", text)
    return text


_WRITTEN = {**_MARKS, **_OBFUSCATION}


def written_form(text: str) -> str:
    """A word as written, without what never tells two words apart: marks,
    tatweel, obfuscation dots, presentation forms and Latin case. Letters are
    not folded, so على and علي stay apart (the form stopwords are matched in).

    >>> written_form("علـى"), written_form("عَلِيّ")
    ('على', 'علي')
    """
    return normalize_presentation_forms(text).translate(_WRITTEN).lower()


def fold_letters(text: str) -> str:
    """Every letter folding except teh marbuta: the form the stemmer wants.

    Lower-cases Latin, maps digits to ASCII, decomposes ligatures, strips
    marks and obfuscation dots, folds alef variants, ى and Persian letters.
    """
    if _FOLD_LETTERS is not None:
        folded = _C.fold(text, _FOLD_LETTERS)
        if folded is not None:
            return folded
    return _pure_fold_letters(text)


def _pure_fold_letters(text: str) -> str:
    """``fold_letters`` in pure Python (the twin of ``_ctext.fold`` with ``_FOLD_LETTERS``)."""
    return normalize_presentation_forms(text).translate(_FOLD).lower()


def spelling_pattern(folded: str) -> str:
    """A regex for the raw spellings of a normalized string, for finding it in text.

    Each letter may be written in any form that folds to it, with marks,
    tatweel and obfuscation dots between letters; compile with IGNORECASE
    for Latin. Presentation forms are not covered.

    >>> bool(re.search(spelling_pattern("داعش"), "«دا.عــش»"))
    True
    """
    return _INSIDE_WORD.join(
        f"[{re.escape(c + _SPELLINGS[c])}]" if c in _SPELLINGS else re.escape(c)
        for c in folded)


def normalize(text: str, *, teh_marbuta: bool = True) -> str:
    """Full normalization of a word or text, as used for index terms.

    >>> normalize("يُصعّدُ المـدينةَ إلى")
    'يصعد المدينه الي'
    """
    if teh_marbuta and _NORMALIZE is not None:
        folded = _C.fold(text, _NORMALIZE)
        if folded is not None:
            return folded
    text = fold_letters(text)
    return normalize_teh_marbuta(text) if teh_marbuta else text


#: What ``_ctext.fold``'s table holds for a character it leaves out, or leaves to
#: the twin: a presentation form (NFKC runs on the whole text), a capital sigma
#: (its lower case depends on the next letter), one with a longer lower case (İ).
_FOLD_DELETE, _FOLD_PYTHON = 0xFFFFFFFF, 0xFFFFFFFE


def _fold_table() -> array:
    """``fold_letters`` of each character below U+10000 for ``_ctext.fold``: one
    character, none (``_FOLD_DELETE``), or ``_FOLD_PYTHON``."""
    # Every character's lower case in one call; İ, the one whose lower case is
    # two characters, is left to the twin.
    codec = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"  # as array's
    every = array("I", range(0x10000)).tobytes().decode(codec, "surrogatepass")
    every = every.replace("\u0130", "\u0000")
    table = array("I", every.lower().encode(codec, "surrogatepass"))
    for cp, mapped in _FOLD.items():
        folded = "" if mapped is None else (chr(mapped) if isinstance(mapped, int) else mapped)
        folded = folded.lower()
        table[cp] = _FOLD_DELETE if not folded else ord(folded) if len(folded) == 1 \
            else _FOLD_PYTHON
    for cp in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00), 0x03A3, 0x0130):
        table[cp] = _FOLD_PYTHON
    return table


def _normalize_table(folding: array) -> array:
    """``normalize`` of each character: ``folding``, then ة -> ه (only ة folds to ة)."""
    table = array("I", folding)
    table[ord(chars.TEH_MARBUTA)] = ord(chars.HEH)
    return table


_C = native.load("arsearch.text._ctext")
if _C is not None and not hasattr(_C, "fold"):  # built from an older source
    _C = None
#: The tables of ``fold_letters`` and ``normalize``, or None: pure Python.
_FOLD_LETTERS = _fold_table() if _C is not None else None
_NORMALIZE = _normalize_table(_FOLD_LETTERS) if _FOLD_LETTERS is not None else None
