"""Named Arabic code points and character sets. Data only, no logic.

Names follow the Unicode character names (as Lucene's Arabic analysis and
pyarabic.araby do), so the normalization code never carries bare escapes.
"""

from __future__ import annotations

from pyarabic import araby

# Letters folded by normalization.
ALEF = araby.ALEF  # ا
ALEF_MADDA = araby.ALEF_MADDA  # آ
ALEF_HAMZA_ABOVE = araby.ALEF_HAMZA_ABOVE  # أ
ALEF_HAMZA_BELOW = araby.ALEF_HAMZA_BELOW  # إ
ALEF_WASLA = araby.ALEF_WASLA  # ٱ
ALEF_MAKSURA = araby.ALEF_MAKSURA  # ى
YEH = araby.YEH  # ي
FARSI_YEH = "\u06cc"  # ی
TEH_MARBUTA = araby.TEH_MARBUTA  # ة
HEH = araby.HEH  # ه
KAF = araby.KAF  # ك
KEHEH = "\u06a9"  # ک
TATWEEL = araby.TATWEEL  # ـ
LAM = araby.LAM

ALEF_VARIANTS = frozenset({ALEF_MADDA, ALEF_HAMZA_ABOVE, ALEF_HAMZA_BELOW, ALEF_WASLA})

# Marks stripped after tokenizing: tashkeel (fathatan .. sukun), the
# superscript alef, maddah/hamza marks and the Quranic annotation signs.
SUPERSCRIPT_ALEF = "\u0670"
DIACRITICS = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]  # FATHATAN .. WAVY HAMZA BELOW
    + [chr(c) for c in range(0x0610, 0x061B)]  # Quranic honorifics, small marks
    + [SUPERSCRIPT_ALEF]
    + [chr(c) for c in range(0x06D6, 0x06DD)]  # small high ligatures
    + [chr(c) for c in range(0x06DF, 0x06E5)]  # small high marks
    + [chr(c) for c in range(0x06E7, 0x06E9)]
    + [chr(c) for c in range(0x06EA, 0x06EE)]
    + [chr(c) for c in range(0x08D3, 0x0900) if c != 0x08E2]  # extended Arabic marks
)

# Invisible characters that scrapers and obfuscators leave inside words.
ZERO_WIDTH_SPACE = "\u200b"
ZERO_WIDTH_NON_JOINER = "\u200c"
ZERO_WIDTH_JOINER = "\u200d"
WORD_JOINER = "\u2060"
BYTE_ORDER_MARK = "\ufeff"
SOFT_HYPHEN = "\u00ad"
BIDI_CONTROLS = frozenset(
    ["\u200e", "\u200f", "\u061c"] + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
INVISIBLES = frozenset(
    {ZERO_WIDTH_SPACE, ZERO_WIDTH_NON_JOINER, ZERO_WIDTH_JOINER, WORD_JOINER,
     BYTE_ORDER_MARK, SOFT_HYPHEN} | BIDI_CONTROLS
)

# Everything that may sit inside a word without being a letter of it.
IN_WORD_MARKS = DIACRITICS | INVISIBLES | {TATWEEL}

# Punctuation used to break up a word so that filters miss it (دا.عــش).
OBFUSCATION_MARKS = frozenset({".", "\u00b7", "\u2022", "*", "\u066d"})

# Arabic-Indic (٠..٩) and Extended Arabic-Indic / Persian (۰..۹) digits.
ARABIC_INDIC_DIGITS = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
PERSIAN_DIGITS = "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9"
