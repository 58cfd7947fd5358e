"""Light stemming of single Arabic words, and the names it must not touch.

tashaphyne finds the candidate segmentations of a word (proclitics x stem x
suffixes) from affix lists we give it; the choice among them is ours,
because its own choice is wrong for search in ways that matter:

* it strips a one-letter proclitic whatever remains (بادية -> اد,
  بغداد -> غداد, لواء -> واء), and
* its default affix lists include verb prefixes (است، ي، ت، م، س), which
  turns مدينة into دين and سيارة into يار.

So we hand it only clitics and inflectional suffixes, and pick the
segmentation that strips the most while keeping a plausible stem.

A short word that begins like a clitic (بتل, وجبل, بقوة, فعبد) is too short
for that choice: its remainder may be a word or just the rest of one (بعد,
كبير). There a lexicon decides (``lexicon.tsv``, short words counted in
news text, built by ``tools/build_lexicon.py``): when the remainder is a word
news text writes on its own at least as often as the whole (or neither is
attested and three letters remain, as in a rare village's name: بغصم), the
remainder's stems are a second reading, so بتل أبيض meets تل أبيض.

Root extraction (ISRI, ``get_root``) is never used: it merges التنظيم
with النظام. tashaphyne is slow and stateful, so it runs behind the
analysis cache and a lock. When the compiled core is built (``_ctext.c``,
see ``arsearch.native``), tashaphyne's segmentation and the choice above run
there instead, with the same results for any str.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from arsearch import native
from arsearch.data import data_lines
from arsearch.text.normalize import fold_letters, normalize_teh_marbuta

if TYPE_CHECKING:
    from tashaphyne.stemming import ArabicLightStemmer

#: Proclitic sequences: conjunction, preposition, article, in every order
#: Arabic stacks them.
PROCLITICS: tuple[str, ...] = (
    "و", "ف", "ب", "ك", "ل",
    "ال", "لل", "وال", "فال", "بال", "كال", "ولل", "فلل",
    "وب", "فب", "وك", "فك", "ول", "فل",
    "وبال", "فبال", "وكال", "فكال",
)

#: Inflectional suffixes: feminine, plural, dual, nisba and pronoun clitics.
SUFFIXES: tuple[str, ...] = (
    "ة", "ه", "ها", "هم", "هما", "هن", "ك", "كم", "كما", "كن", "نا", "ي",
    "ات", "ان", "ين", "ون", "ية", "يه", "ته", "تها", "تهم",
    "اته", "اتها", "اتهم", "اتنا", "يات", "يين", "يون", "وا", "تين", "تان",
    "ا",  # the alef of tanween fatha (هجوماً); only after a long stem
    "وه", "وها", "وهم",  # a past plural verb and its object: كشفوه, ضربوها, اعتقلوهم
)

#: One-letter proclitics that are just as often the first letter of a word.
_AMBIGUOUS_PROCLITICS = frozenset("وفبكل")
#: Suffixes that mark a noun firmly enough to accept a two-letter stem (قوات -> قو).
_NOUN_SUFFIXES = frozenset({"ات", "ة"})
_ARTICLE = "ال"
#: Proclitic stacks whose last letter is part of the article, never of the word.
_ARTICLE_ENDINGS = frozenset(p for p in PROCLITICS if p.endswith(("ال", "لل")))
#: Those stacks longest first, without ك+ال, which begins وكالة and وكالات far
#: more often than it means "like the".
_ARTICLE_STACKS = tuple(sorted((p for p in _ARTICLE_ENDINGS if "ك" not in p),
                               key=len, reverse=True))
#: Words that begin like a clitic and the article but do not hold one.
_NOT_ARTICLE = frozenset({"والد", "والدت", "بال", "الف"})
_LONG_VOWELS = frozenset("اوي")
#: Suffixes that follow only a verb; a stem beginning with م before them is a
#: passive participle of a root ending in ه (مكروه, مشبوه), not a verb.
_VERB_OBJECT_SUFFIXES = frozenset({"وه", "وها", "وهم"})
_MIN_STEM = 3
#: Proclitic stacks without the article, that a short word may begin with.
_BARE_CLITICS = tuple(sorted((p for p in PROCLITICS if _ARTICLE not in p and p != "لل"),
                             key=len))
#: Longest word whose clitic the lexicon decides (longer ones are left to _acceptable).
_LEXICON_MAX = 5
#: A remainder is read as a word if seen at least this often on its own.
_LEXICON_MIN_COUNT = 20

_PROCLITIC_SET = frozenset(PROCLITICS)
#: First letter -> "" and the proclitics it begins, in the order of PROCLITICS.
_CLITICS_BY_LETTER = {
    letter: ("", *(p for p in PROCLITICS if p[0] == letter))
    for letter in {p[0] for p in PROCLITICS}
}
_SUFFIX_SET = frozenset(("", *SUFFIXES))


def _shares_tables(compiled: object) -> bool:
    """Whether the compiled twin's own copy of the tables above is theirs."""
    tables = getattr(compiled, "TABLES", {})
    as_sets = {"NOUN_SUFFIXES": _NOUN_SUFFIXES, "VERB_OBJECT_SUFFIXES": _VERB_OBJECT_SUFFIXES,
               "NOT_ARTICLE": _NOT_ARTICLE, "ARTICLE_STACKS": frozenset(_ARTICLE_STACKS),
               "ARTICLE_ENDINGS": _ARTICLE_ENDINGS, "AMBIGUOUS_PROCLITICS": _AMBIGUOUS_PROCLITICS}
    as_values = {"PROCLITICS": PROCLITICS, "SUFFIXES": SUFFIXES, "BARE_CLITICS": _BARE_CLITICS,
                 "MIN_STEM": _MIN_STEM, "LEXICON_MAX": _LEXICON_MAX,
                 "LEXICON_MIN_COUNT": _LEXICON_MIN_COUNT}
    return (all(frozenset(tables.get(k, ())) == v for k, v in as_sets.items())
            and all(tables.get(k) == v for k, v in as_values.items()))


#: The compiled twin of ``Stemmer._pure_variants`` and ``_stems`` (``_ctext.c``),
#: or None: not built, turned off, or built from other tables than these.
_C = native.load("arsearch.text._ctext")
if _C is not None and not _shares_tables(_C):
    _C = None


def _segmentations(word: str) -> list[tuple[int, int]]:
    """tashaphyne's candidate (prefix end, suffix start) cuts of a word.

    Uncached: ``Stemmer.stem_variants`` caches the stems it chooses from them.
    """
    with _SEGMENTER_LOCK:
        # segment() alone: light_stem() also builds a starred form and picks
        # its own stem, neither of which is used here (4x the time per word).
        return list(_segmenter().segment(word))


@lru_cache(maxsize=1)  # built from the constant affix lists: one for the process
def _segmenter() -> ArabicLightStemmer:
    # Imported here: loading tashaphyne's tables is a tenth of a cold start, and
    # with the compiled core a process never segments through it.
    from tashaphyne.stemming import ArabicLightStemmer

    stemmer = ArabicLightStemmer()
    stemmer.set_prefix_list(["", *PROCLITICS])  # "" roots its prefix tree
    stemmer.set_suffix_list(["", *SUFFIXES])
    return stemmer


#: tashaphyne keeps the last word it segmented as state.
_SEGMENTER_LOCK = threading.Lock()


def _acceptable(word: str, left: int, right: int) -> bool:
    prefix, stem, suffix = word[:left], word[left:right], word[right:]
    if prefix and prefix not in _PROCLITIC_SET or suffix and suffix not in _SUFFIX_SET:
        return False
    if suffix == "ا" and len(stem) < 4:
        return False
    if suffix in _VERB_OBJECT_SUFFIXES and stem.startswith("م"):
        return False
    if suffix and suffix not in _NOUN_SUFFIXES and _article_in_stem(word, left, right):
        return False
    # وك+الة: a stem opening with ال after a clitic is the article, and one
    # letter after it is no word (وكالة is و+كالة or وكالة; بالرد keeps الرد).
    if (prefix and stem.startswith(_ARTICLE) and len(stem) < 4
            and prefix + _ARTICLE in _PROCLITIC_SET):
        return False
    if len(stem) < _MIN_STEM and not (
        len(stem) == 2 and suffix in _NOUN_SUFFIXES
        and (len(prefix) < 2 or prefix.endswith(_ARTICLE) or prefix.endswith("لل"))
    ):
        return False
    # A lone و/ف/ب/ك/ل is only a clitic if at least four letters follow it.
    return not (len(prefix) == 1 and prefix in _AMBIGUOUS_PROCLITICS
                and len(word) - 1 < 4)


def _article_in_stem(word: str, left: int, right: int) -> bool:
    """Whether the stem word[left:right] keeps letters of a clitic stack ending in
    the article and fewer than three letters after it (المت of المتهم, لمت of
    للمتهم, والم of والمتهم, الد of الدين).

    Before a suffix such a stem is a misreading: a noun with the article never
    takes a pronoun suffix (الحكم is ال+حكم, not الح+كم), and before ان/ين/ون
    the article reading keeps a whole stem (ال+دين, ال+بيان). With three
    letters after, ال may be a hamza noun's first letters, folded (ألفاظهم:
    الفاظ+هم); الي before a pronoun is إلى (إليها); والد (father), بال (mind)
    and ألف (thousand) only look like a clitic and the article.
    """
    for stack in _ARTICLE_STACKS:
        if word.startswith(stack):
            rest = word[len(stack):right]
            return (left < len(stack) and len(rest) < _MIN_STEM and rest != "ي"
                    and word[:right] not in _NOT_ARTICLE)
    return False


def _score(word: str, seg: tuple[int, int]) -> float:
    left, right = seg
    stripped = left + (len(word) - right)
    # Prefer removing a suffix over removing an ambiguous one-letter prefix.
    return stripped - (0.5 if left == 1 else 0.0)


#: Entries of each stemmer's word cache: news vocabulary is Zipfian, and a
#: full cache costs each ingest worker tens of MB.
STEM_CACHE_SIZE = 1 << 16


class Stemmer:
    """The light stemmer with one set of protected names (names only lose clitics).

    Immutable; its cache of stems is its own, so stemmers with different
    protected names never see each other's stems. Pickles without the cache.

    >>> stemmer = Stemmer()
    >>> stemmer.stem_variants("وبالمستشفيات"), stemmer.stem_variants("وزارة")
    (('مستشف',), ('زار', 'وزار'))
    >>> Stemmer(protected=["كفرنبل"]).protected_name("وبكفرنبل")
    'كفرنبل'
    >>> stemmer.stem_variants("بتل"), Stemmer(lexicon=False).stem_variants("بتل")
    (('بتل', 'تل'), ('بتل',))

    ``lexicon``: read short words as clitic + attested word too (the bundled
    lexicon); off, the analysis of indexes built before it.
    """

    def __init__(self, protected: Iterable[str] | None = None, *,
                 lexicon: bool = True) -> None:
        names = bundled_protected_names() if protected is None else protected
        self.__setstate__({"protected": protected_keys(names), "lexicon": lexicon})

    @classmethod
    def from_keys(cls, keys: frozenset[str], *, lexicon: bool = True) -> Stemmer:
        """The stemmer of names already in ``name_key`` form (taken as they are)."""
        stemmer = cls.__new__(cls)
        stemmer.__setstate__({"protected": keys, "lexicon": lexicon})
        return stemmer

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Stemmer) and other.protected == self.protected
                and other.lexicon == self.lexicon)

    def __hash__(self) -> int:
        return hash((self.protected, self.lexicon))

    def __getstate__(self) -> dict[str, object]:
        return {"protected": self.protected, "lexicon": self.lexicon}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.protected = frozenset(state["protected"])  # type: ignore[arg-type]
        self.lexicon = bool(state.get("lexicon", True))
        self.stem_variants = lru_cache(maxsize=STEM_CACHE_SIZE)(self._stem_variants)

    def _stem_variants(self, word: str) -> tuple[str, ...]:
        """All stems a folded word may have (see ``fold_letters``; ة still present).

        The first is the best guess. A second is given when the last clitic the
        guess removed is a lone و/ف/ب/ك/ل that may just as well be the word's
        first letter (وزارة: و+زارة or وزارة; وكورونا: وك+ورونا or و+كورونا);
        indexing and querying both readings keeps وزارة, الوزارة and ووزارة
        findable from one another. Protected names only lose their clitics.
        """
        word = respell(word)
        if _C is not None:
            return _C.stem_variants(word, self.protected, lexicon_counts if self.lexicon else None)
        return self._pure_variants(word)

    def _pure_variants(self, word: str) -> tuple[str, ...]:
        """``_stem_variants`` of a respelled word in pure Python (the twin of
        ``_ctext.stem_variants``)."""
        name = self.protected_name(word)
        if name is not None:
            return (name,)
        stems = self._stems(word)
        if self.lexicon and len(word) <= _LEXICON_MAX:
            stems = tuple(dict.fromkeys((*stems, *self._clitic_readings(word))))
        return stems

    def _clitic_readings(self, word: str) -> tuple[str, ...]:
        """The stems of each attested word a short word may be a clitic on
        (بقوة -> قو, وبتل -> تل); the remainder's own clitics stay (بكفر -> كفر)."""
        if word[:1] not in _AMBIGUOUS_PROCLITICS:
            return ()
        counts = lexicon_counts()
        whole = counts.get(normalize_teh_marbuta(word), 0)
        readings: list[str] = []
        for clitic in _BARE_CLITICS:
            rest = word[len(clitic):]
            if not word.startswith(clitic) or len(rest) < 2:
                continue
            seen = counts.get(normalize_teh_marbuta(rest), 0)
            # The rest is a word news text uses at least as often as the whole,
            # or neither is attested and the rest is long enough to be a name.
            if (seen >= _LEXICON_MIN_COUNT and seen >= whole
                    or whole < _LEXICON_MIN_COUNT and len(rest) >= _MIN_STEM):
                name = self.protected_name(rest)
                readings.extend((name,) if name is not None else self._stems(rest))
        return tuple(readings)

    def _stems(self, word: str) -> tuple[str, ...]:
        if len(word) <= _MIN_STEM:
            # خطة stems like الخطة (خط: two letters before ة are a stem), not as خطه.
            return (word[:-1] if len(word) == _MIN_STEM and word[-1] == "ة"
                    else normalize_teh_marbuta(word),)
        candidates = [s for s in _segmentations(word) if _acceptable(word, *s)]
        left, best = _best_stem(word, candidates)
        if (left and word[left - 1] in _AMBIGUOUS_PROCLITICS
                and word[:left] not in _ARTICLE_ENDINGS):
            _, kept = _best_stem(word, [s for s in candidates if s[0] == left - 1])
            if kept != best:
                return (best, kept)
        return (best,)

    def light_stem(self, word: str) -> str:
        """The best single stem of a folded word (first of ``stem_variants``)."""
        return self.stem_variants(word)[0]

    def broad_key(self, stem: str) -> str:
        """A looser key that joins broken plurals and verbal nouns to their singular.

        Drops the long vowels inside the stem (first and last letters stay), so
        مدينة/مدن, عنصر/عناصر and هجوم/هجم meet, while تنظيم and نظام stay apart.
        Used only in a low-boost field: it conflates more than it should.
        Protected names are their own key.
        """
        if len(stem) <= _MIN_STEM or stem in self.protected:
            return stem
        inner = "".join(c for c in stem[1:-1] if c not in _LONG_VOWELS)
        key = stem[0] + inner + stem[-1]
        return key if len(key) >= _MIN_STEM else stem

    def protected_name(self, word: str) -> str | None:
        """The protected name a word spells once clitics are removed, else None.

        The result has no article and ة folded to ه (بالرقة -> رقه).
        """
        word = normalize_teh_marbuta(word)
        for prefix in _CLITICS_BY_LETTER.get(word[:1], ("",)):
            if word.startswith(prefix):
                rest = word[len(prefix):]
                if rest.startswith(_ARTICLE) and len(rest) > 4:
                    rest = rest[len(_ARTICLE):]
                if len(rest) >= 2 and rest in self.protected:
                    return rest
        return None


def _best_stem(word: str, candidates: list[tuple[int, int]]) -> tuple[int, str]:
    if not candidates:
        return 0, normalize_teh_marbuta(word)
    left, right = max(candidates, key=lambda s: (_score(word, s), -s[0]))
    stem = word[left:right]
    # Nisba ي / final ى of a long stem (مستشفى, مستشفيات -> مستشف; روسي -> روس).
    if len(stem) > _MIN_STEM and stem[-1] == "ي":
        stem = stem[:-1]
    return left, normalize_teh_marbuta(stem)


# --- spelling variants -----------------------------------------------------

@lru_cache(maxsize=1)
def _variants() -> tuple[re.Pattern[str], dict[str, str]] | None:
    table = {}
    for line in data_lines("spelling_variants.tsv"):
        variant, _, spelling = line.partition("\t")
        if spelling.strip():
            table[fold_letters(variant.strip())] = fold_letters(spelling.strip())
    if not table:
        return None
    longest_first = sorted(table, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, longest_first))), table


def respell(word: str) -> str:
    """A folded word with the variant spellings of ``spelling_variants.tsv`` replaced.

    Loanwords are spelt several ways (أميركا/أمريكا, فايروس/فيروس) that no
    letter folding joins; stems are taken from one spelling.

    >>> respell("الاميركيه"), respell("فايروس")
    ('الامريكيه', 'فيروس')
    """
    found = _variants()
    if found is None:
        return word
    pattern, table = found
    return pattern.sub(lambda m: table[m.group()], word)


# --- protected names -------------------------------------------------------

def bundled_protected_names() -> list[str]:
    """The names bundled as protected (package data ``protected_names.txt``)."""
    return data_lines("protected_names.txt")


def name_key(name: str) -> str:
    """The form a protected name is kept in: folded, ة as ه, no article."""
    key = normalize_teh_marbuta(fold_letters(name.strip()))
    return key[len(_ARTICLE):] if key.startswith(_ARTICLE) and len(key) > 4 else key


def protected_keys(names: Iterable[str]) -> frozenset[str]:
    """The ``name_key`` of each single-word name (a multi-word name needs no protection:
    its words are stemmed alike in documents and queries)."""
    return frozenset(k for n in names if n.strip() and " " not in n.strip() and (k := name_key(n)))


@lru_cache(maxsize=8)  # a cache keyed by the settings: one stemmer per set of names
def shared_stemmer(protected: frozenset[str], *, lexicon: bool = True) -> Stemmer:
    """The one stemmer of this process for a set of protected names (in ``name_key`` form)
    and lexicon setting.

    Analyzers with the same settings, and the name tagger, share its cache of stems.
    """
    return Stemmer.from_keys(protected, lexicon=lexicon)


@lru_cache(maxsize=1)  # package data: the same for the whole process
def lexicon_counts() -> dict[str, int]:
    """Short words attested in news text and how often (package data ``lexicon.tsv``;
    folded, ة as ه)."""
    counts = {}
    for line in data_lines("lexicon.tsv"):
        word, _, count = line.partition("\t")
        counts[word] = int(count)
    return counts


def default_stemmer() -> Stemmer:
    """The stemmer with the bundled protected names."""
    return shared_stemmer(_bundled_keys())


@lru_cache(maxsize=1)  # package data: the same for the whole process
def _bundled_keys() -> frozenset[str]:
    return protected_keys(bundled_protected_names())


def stem_variants(word: str) -> tuple[str, ...]:
    """``Stemmer.stem_variants`` with the bundled protected names.

    >>> stem_variants("وبالمستشفيات"), stem_variants("وزارة")
    (('مستشف',), ('زار', 'وزار'))
    """
    return default_stemmer().stem_variants(word)


def light_stem(word: str) -> str:
    """The best single stem of a folded word, bundled protected names.

    >>> light_stem("غاراته"), light_stem("للتنظيم"), light_stem("بادية")
    ('غار', 'تنظيم', 'باديه')
    """
    return default_stemmer().light_stem(word)


def broad_key(stem: str) -> str:
    """``Stemmer.broad_key`` with the bundled protected names.

    >>> broad_key("مدين"), broad_key("عناصر"), broad_key("تنظيم")
    ('مدن', 'عنصر', 'تنظم')
    """
    return default_stemmer().broad_key(stem)


def protected_name(word: str) -> str | None:
    """``Stemmer.protected_name`` with the bundled protected names.

    >>> protected_name("ببغداد"), protected_name("مدينة")
    ('بغداد', None)
    """
    return default_stemmer().protected_name(word)
