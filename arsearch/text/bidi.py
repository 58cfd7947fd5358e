"""Arabic in visual order, for outputs that neither join letters nor do bidi.

Terminals without bidi support and matplotlib both draw Arabic letters left
to right and unjoined. ``reorder`` shapes a line (``arabic_reshaper``:
contextual letter forms, lam-alef) and reorders it into visual order (the
Unicode bidi algorithm from ``python-bidi``), keeping a style name with each
piece so highlights survive.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

#: A piece of a line and the name of its style (None: plain).
Segment = tuple[str, str | None]


@lru_cache(maxsize=1)
def _reshaper() -> Any:
    # Imported here: only --bidi needs it, and it costs a plain search ~20 ms.
    import arabic_reshaper

    # Keep the diacritics: they are part of the original text being shown.
    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def shape(text: str) -> str:
    """Arabic letters in their contextual (joined) presentation forms."""
    return _reshaper().reshape(text) if text else text


def reorder(segments: Sequence[Segment], base: str | None = None) -> list[Segment]:
    """Shape and reorder one line of styled pieces into visual (left-to-right) order.

    Styles follow their characters. ``base`` is ``"L"`` or ``"R"``; by default
    the direction of the first strong character (an Arabic line is RTL).
    Combining marks stay after their base letter (rule L3), which the bidi
    algorithm alone would move before it in right-to-left runs.
    """
    # Pieces are shaped one by one: styles change at word boundaries (matched
    # words), where letters do not join anyway.
    shaped = [(shape(text), style) for text, style in segments if text]
    text = "".join(t for t, _ in shaped)
    if not text:
        return []
    styles = [style for t, style in shaped for _ in t]
    from bidi import algorithm as _bidi  # only --bidi needs it

    storage = _bidi.get_empty_storage()
    level = _bidi.PARAGRAPH_LEVELS[base] if base else _bidi.get_base_level(text)
    storage["base_level"] = level
    storage["base_dir"] = ("L", "R")[level]
    _bidi.get_embedding_levels(text, storage)
    for i, ch in enumerate(storage["chars"]):
        ch["i"] = i
    for step in (_bidi.explicit_embed_and_overrides, _bidi.resolve_weak_types,
                 _bidi.resolve_neutral_types, _bidi.resolve_implicit_levels,
                 _bidi.reorder_resolved_levels, _bidi.apply_mirroring):
        step(storage, False)
    out: list[Segment] = []
    marks: list[dict[str, Any]] = []
    for ch in storage["chars"]:
        if ch["level"] % 2 and unicodedata.combining(ch["ch"]):
            marks.append(ch)  # precedes its base after reversal: emit after it
            continue
        for item in (ch, *marks):
            append_segment(out, item["ch"], styles[item["i"]])
        marks = []
    for item in marks:
        append_segment(out, item["ch"], styles[item["i"]])
    return out


def append_segment(out: list[Segment], text: str, style: str | None) -> None:
    """Add a character run to ``out``, joined to the last piece if it has the same style."""
    if out and out[-1][1] == style:
        out[-1] = (out[-1][0] + text, style)
    else:
        out.append((text, style))




def visual_line(text: str, base: str | None = None) -> str:
    """One logical line of plain text, shaped and in visual order."""
    return "".join(piece for piece, _ in reorder([(text, None)], base))
