"""Statistical named-entity tagger (PERS / ORG / LOC) for Arabic news.

A linear-chain CRF (python-crfsuite) trained on the train part of ANERcorp
(see ``arsearch/data/NER_MODEL.md`` and ``tools/train_ner.py``). Features are
cheap string features: the normalized word, its light stem, affixes, the word
without its article/clitics, shape, a +-2 window of words and stems,
trigger-word classes, gazetteer matches, and word clusters learnt from
unlabelled news (``ner_clusters.tsv``, built by ``tools/ner_clusters.py``).

Training and tagging build tokens the same way (``pieces``): the words of
``arsearch.text.tokenize.tokenize`` plus the punctuation between them, as
ANERcorp splits punctuation into tokens of its own.

What the features depend on is held in objects, each with its own caches:

* ``Features``: one table of word clusters and one gazetteer; the CRF
  attributes of a sentence (``Features.sentence_features``, what training
  uses).
* ``NameTagger``: the bundled model with one ``Features``. It sums each
  token text's cached feature weights and decodes with
  ``arsearch.extract.crf``; CRFsuite itself trains the model and reads it.
* ``NameRules``: what the CRF cannot learn from ANERcorp's train part, added
  after it: Latin-script names, organisation names that are common words
  (القاعدة، فتح) with evidence around them, the gazetteer's organisations.
* ``name_tagger(gazetteer)``: the tagger whose gazetteer features come from
  that gazetteer (None: the bundled one), built once per distinct gazetteer
  (``Gazetteer.digest``). ``find_names(text, gazetteer=...)`` uses it, so an
  index's own gazetteer reaches the tagger as well as the gazetteer matcher.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain, repeat
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from arsearch import native
from arsearch.extract import crf
from arsearch.extract.conll import bio_spans
from arsearch.extract.crf import ModelError
from arsearch.extract.gazetteer import Gazetteer
from arsearch.text.normalize import fold_letters, normalize_teh_marbuta
from arsearch.text.stem import default_stemmer
from arsearch.text.tokenize import tokenize

__all__ = [
    "TYPES", "Features", "ModelError", "NameRules", "NameTagger", "Piece", "bare_word",
    "bundled_model", "features_of", "find_names", "find_names_many", "load_clusters",
    "name_tagger", "pieces", "propagate", "sentence_features", "sentences", "tag_tokens",
    "tag_tokens_with", "token_word",
]

TYPES: tuple[str, ...] = ("PERS", "ORG", "LOC")
#: The compiled twin of ``_TokenCache._add``'s per-text features, None when not built.
_CNER = native.load("arsearch.extract._cner")
MODEL_FILE = "ner.crfsuite"

_SENTENCE_END = frozenset(".!?؟…")
_LINE_BREAK_RE = re.compile("\n")
_MAX_SENTENCE = 80  # pieces; longer runs are tagged in chunks
_ARTICLE_CLITICS = ("وبال", "فبال", "وكال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_ONE_LETTER_CLITICS = frozenset("وفبلك")
# The compiled twins of ``pieces``, ``sentences`` and ``NameTagger._emissions``
# (None: not built, or ARSEARCH_PURE_PYTHON).
_decode = native.load("arsearch.extract._cdecode")


class Piece(NamedTuple):
    """A token as the tagger sees it: a word or one punctuation mark.

    A named tuple: an article makes a few hundred, and a frozen dataclass
    takes four times as long to create.
    """

    text: str
    start: int
    end: int
    is_word: bool


def pieces(text: str) -> list[Piece]:
    """Words of ``text`` and the punctuation between them, in order.

    >>> [p.text for p in pieces("(دمشق)، سوريا.")]
    ['(', 'دمشق', ')', '،', 'سوريا', '.']
    """
    if _decode is not None:
        return _decode.pieces(text, tokenize(text), Piece)
    out: list[Piece] = []
    append, piece = out.append, tuple.__new__  # Piece(...) costs twice as much
    pos = 0
    for tok in tokenize(text):
        # Mostly one space between two words: nothing to add.
        if (tok.start - pos != 1 or text[pos] != " ") and not text[pos:tok.start].isspace():
            out.extend(_punctuation(text, pos, tok.start))
        append(piece(Piece, (tok.text, tok.start, tok.end, True)))
        pos = tok.end
    out.extend(_punctuation(text, pos, len(text)))
    return out


def _punctuation(text: str, start: int, end: int) -> Iterator[Piece]:
    i = start
    while i < end:
        c = text[i]
        if c.isspace() or not c.isprintable():
            i += 1
            continue
        j = i + 1
        while j < end and text[j] == c:  # runs like -- or ... stay one piece
            j += 1
        yield Piece(text[i:j], i, j, False)
        i = j


def sentences(items: Sequence[Piece], text: str = "") -> Iterator[list[Piece]]:
    """Cut pieces into sentences at . ! ? ؟ and at line breaks in ``text``
    (with ``text``, not at a full stop glued to the next word: www.example.com)."""
    if _decode is not None:
        yield from _decode.sentences(items, text, Piece, _SENTENCE_END, _MAX_SENTENCE)
        return
    current: list[Piece] = []
    breaks = (m.start() for m in _LINE_BREAK_RE.finditer(text))
    never = sys.maxsize
    next_break = next(breaks, never)
    for piece in items:
        if next_break < piece.start:  # a line break since the last piece
            while next_break < piece.start:
                next_break = next(breaks, never)
            if current:
                yield current
                current = []
        current.append(piece)
        # A full stop with a letter right after it joins the parts of an
        # address (www.example.com), it does not end a sentence.
        at_end = not piece.is_word and piece.text[0] in _SENTENCE_END and not (
            piece.text == "." and text[piece.end:piece.end + 1].isalnum())
        if at_end or len(current) >= _MAX_SENTENCE:
            yield current
            current = []
    if current:
        yield current


# --- features ---------------------------------------------------------------

def word_list(*words: str) -> frozenset[str]:
    """Words in the form the features compare them in: letters folded, ة as ه."""
    return frozenset(normalize_teh_marbuta(fold_letters(w)) for w in words)


#: Trigger words by class, compared on the word with its article/clitics removed.
TRIGGERS: Mapping[str, frozenset[str]] = MappingProxyType({
    "pers": word_list(
        "رئيس", "الرئيس", "وزير", "الوزير", "ملك", "الملك", "أمير", "الأمير", "الشيخ", "السيد",
        "السيدة", "الدكتور", "د", "العقيد", "اللواء", "العميد", "الجنرال", "المتحدث", "الناطق",
        "الزعيم", "القائد", "النائب", "السفير", "المستشار", "الشاعر", "الكاتب", "الفنان",
        "المدرب", "اللاعب", "المخرج", "الممثل", "الفنانة", "الرئيسة", "المطرب", "المطربة",
        "الامام", "البابا", "المرشد", "العاهل", "الحاج", "المهندس", "الأستاذ", "المحامي",
        "الصحفي", "المراسل", "زميلنا", "المدير", "نائب", "مدير", "قائد",
    ),
    "say": word_list(
        "قال", "قالت", "أكد", "أكدت", "أعلن", "أعلنت", "أضاف", "أضافت", "أوضح", "أوضحت",
        "صرح", "صرحت", "أشار", "أشارت", "ذكر", "ذكرت", "اعتبر", "اعتبرت", "رأى", "يقول",
        "تقول", "التقى", "استقبل", "بحث", "دعا",
    ),
    "org": word_list(
        "شركة", "جامعة", "وزارة", "منظمة", "حزب", "حركة", "جبهة", "مجلس", "وكالة", "هيئة",
        "اتحاد", "جمعية", "بنك", "مصرف", "صحيفة", "قناة", "نادي", "مؤسسة", "لجنة", "جماعة",
        "تنظيم", "كتائب", "ألوية", "لواء", "جيش", "قوات", "منتخب", "مركز", "معهد", "محكمة",
        "برلمان", "مجموعة", "فريق", "إذاعة", "مجلة", "تلفزيون", "سلطة", "جهاز", "مكتب",
        "رابطة", "نقابة", "صندوق", "بورصة", "أكاديمية", "كلية", "مستشفى",
    ),
    "loc": word_list(
        "مدينة", "بلدة", "قرية", "محافظة", "منطقة", "ولاية", "إقليم", "عاصمة", "دولة",
        "جزيرة", "نهر", "جبل", "بحر", "مطار", "شمال", "جنوب", "شرق", "غرب", "شمالي",
        "جنوبي", "شرقي", "غربي", "وسط", "حي", "مخيم", "ريف", "بلاد", "جمهورية", "مملكة",
        "إمارة", "قضاء", "ناحية", "مقاطعة", "خليج", "صحراء", "بادية", "سهل", "وادي",
    ),
    "prep": word_list("في", "إلى", "من", "عن", "على", "الى", "الي", "نحو", "داخل", "خارج"),
    "kin": word_list("بن", "ابن", "بنت", "أبو", "أبي", "أبا", "أم", "آل", "عبد"),
})


def _trigger_classes() -> dict[str, tuple[int, str]]:
    """Word -> (rank, class) of the first class in ``TRIGGERS`` that holds it."""
    found: dict[str, tuple[int, str]] = {}
    for rank, (name, words) in enumerate(TRIGGERS.items()):
        for word in words:
            found.setdefault(word, (rank, name))
    return found


_TRIGGER_OF = _trigger_classes()
_NO_TRIGGER = (len(TRIGGERS), "")
_LATIN_RE = re.compile("[A-Za-z]")


def _strip_article(n: str) -> str:
    if "ل" not in n[:4]:  # every one of _ARTICLE_CLITICS has it there
        return n
    for prefix in _ARTICLE_CLITICS:
        if n.startswith(prefix) and len(n) - len(prefix) >= 2:
            return n[len(prefix):]
    return n


def _strip_clitic(n: str) -> str:
    bare = _strip_article(n)
    if bare == n and len(n) >= 5 and n[0] in _ONE_LETTER_CLITICS:
        bare = _strip_article(n[1:])
    return bare


def _word_of(text: str) -> tuple[str, str, str]:
    """(letters folded, the word as the features name it, its kind: "punct", "num"
    or "word") of one token text; see ``token_word``."""
    folded = fold_letters(text)
    word = normalize_teh_marbuta(folded)
    if not word or not (word[0].isalnum() or word[-1].isalnum()):
        return folded, word or text, "punct"
    if word.isdigit():
        return folded, "<num>", "num"
    return folded, word, "word"


def _describe_token(text: str) -> tuple[tuple[str, ...], str, str, str, str]:
    """(own features, word, stem, bare word, trigger class) of one token text."""
    folded, word, kind = _word_of(text)
    if kind == "punct":
        return (f"w={word}", "punct"), word, word, word, ""
    if kind == "num":
        return ("digits", f"dlen={min(len(folded), 5)}"), word, word, word, ""
    # The stems of the bundled default stemmer, whatever analyzer an index
    # searches with: the model was trained on these, and other stems would
    # give it features it has never seen.
    stem = default_stemmer().light_stem(folded) if len(folded) < 30 else word
    bare = _strip_clitic(word)
    feats = [f"w={word}", f"s={stem}", f"b={bare}", f"len={min(len(word), 8)}"]
    for k in (1, 2, 3):
        if len(word) > k:
            feats.append(f"p{k}={word[:k]}")
            feats.append(f"x{k}={word[-k:]}")
        if bare != word and len(bare) > k:
            feats.append(f"bp{k}={bare[:k]}")
    if word.startswith("ال"):
        feats.append("al")
    elif word[0] in _ONE_LETTER_CLITICS:
        feats.append(f"c={word[0]}")
        if word[1:3] == "ال":
            feats.append("c+al")
    if _LATIN_RE.search(word):
        feats.append("latin")
    if any(map(str.isdigit, word)):
        feats.append("hasdigit")
    trig = min(_TRIGGER_OF.get(bare, _NO_TRIGGER), _TRIGGER_OF.get(word, _NO_TRIGGER))[1]
    if trig:
        feats.append(f"t={trig}")
    return tuple(feats), word, stem, bare, trig


def token_word(text: str) -> str:
    """A token text's word as the features name it: letters folded, ة as ه,
    ``<num>`` for a number, the text itself for punctuation or marks alone.

    >>> token_word("الرقة"), token_word("2019"), token_word("،")
    ('الرقه', '<num>', '،')
    """
    return _word_of(text)[1]


def bare_word(text: str) -> str:
    """``token_word`` without its article and clitics: the key of ``propagate``.

    >>> bare_word("وبالمدينة")
    'مدينه'
    """
    _, word, kind = _word_of(text)
    return _strip_clitic(word) if kind == "word" else word


CLUSTERS_FILE = "ner_clusters.tsv"
Clusters = Mapping[str, tuple[str, ...]]


def load_clusters(path: str | os.PathLike[str] | None = None) -> Clusters:
    """Word -> cluster ids (coarse to fine) of the bundled ``ner_clusters.tsv``, or of ``path``.

    The clusters come from word2vec + k-means over unlabelled news text
    (``tools/ner_clusters.py``). The bundled table is read once and shared
    (read-only); without the bundled file there are no cluster features.
    ``Features(clusters=load_clusters(path))`` builds features with another
    table (training experiments).

    Raises:
        OSError: ``path`` cannot be read.
    """
    if path is None:
        return _bundled_clusters()
    with open(path, encoding="utf-8") as fh:
        return _cluster_table(fh.read())


@lru_cache(maxsize=1)  # package data: the same for the whole process
def _bundled_clusters() -> Clusters:
    try:
        text = resources.files("arsearch.data").joinpath(CLUSTERS_FILE).read_text("utf-8")
    except OSError:
        text = ""
    return MappingProxyType(_cluster_table(text))


def _cluster_table(text: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in text.split("\n"):
        word, _, rest = line.partition("\t")
        if rest:
            table[word] = tuple(rest.split("\t"))
    return table


_GAZ_CLASS = {"place": "loc", "person": "pers"}
#: Gazetteer names by their first normalized word: (the other words, class).
_GazetteerNames = dict[str, list[tuple[tuple[str, ...], str]]]
#: What a word may begin: gazetteer names (rest, class), and whether it is an adjective form.
_GazetteerStart = tuple[tuple[tuple[tuple[str, ...], str], ...], bool]


def _gazetteer_names(gazetteer: Gazetteer) -> tuple[_GazetteerNames, frozenset[str]]:
    """A gazetteer's names by first normalized word (rest, class), longest first,
    and its adjective forms."""
    first: _GazetteerNames = {}
    for key, ids in gazetteer.names.items():
        entry = gazetteer.get(ids[0])
        if entry is None or not key:
            continue
        cls = _GAZ_CLASS.get(entry.kind if entry.kind == "place" else entry.type, "org")
        first.setdefault(key[0], []).append((key[1:], cls))
    for names in first.values():
        names.sort(key=lambda n: -len(n[0]))
    return first, frozenset(gazetteer.adjectives)


_NO_GAZETTEER_START: _GazetteerStart = ((), False)


def _clitic_readings(word: str) -> tuple[str, ...]:
    readings = [word]
    if len(word) > 3 and word[0] in "وف":
        readings.append(word := word[1:])
    if len(word) > 3 and word[0] in "بكل":
        readings.append("ال" + word[2:] if word.startswith("لل") else word[1:])
    return tuple(readings)


_OFFSETS = (-2, -1, 1, 2)
_PADS = tuple(f"{off}w=<pad>" for off in _OFFSETS)

_NEAR_KINDS = frozenset(f"{off}{kind}" for off in _OFFSETS for kind in "wsbt")
# Features of two adjacent tokens, "kind=left|right": the pair is the token
# before and this one (-1...0) or this one and the next (...0+1); each kind
# compares the words, the bare words or the second-level clusters.
_PAIR_KINDS = ("-1w0", "-1b0", "-1k0", "w0+1", "b0+1", "k0+1")
_BACK_KINDS = frozenset(_PAIR_KINDS[:3])

# The pair features of a token text the model has, one entry per kind it is
# in: (-1 or +1: the neighbour; which of its fields: _WORD, _BARE or _MID;
# the table of ``_Known.tables`` that maps the neighbour's value to a row).
_Links = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity, as a cache key
class _Known:
    """The attributes a CRF model has (only those can change its scores)."""

    rows: dict[str, int]  # attribute -> its row in the model's weights
    zero: int  # a row of zeros
    # Neighbour features (-1w=..., 2s=...) by "kind=value": their rows at each
    # of _OFFSETS, ``zero`` where the model lacks one.
    near: dict[str, tuple[int, ...]]
    # Per pair kind: the token's own value -> its table in ``tables``, which
    # maps the neighbour's value to the row of the pair.
    pairs: dict[str, dict[str, int]]
    tables: list[dict[str, int]]

    @classmethod
    def of(cls, attributes: Mapping[str, int], zero: int) -> _Known:
        """Index a model's attributes (name -> row; ``zero``: a row of zeros)."""
        near: dict[str, list[int]] = {}
        pairs: dict[str, dict[str, int]] = {kind: {} for kind in _PAIR_KINDS}
        tables: list[dict[str, int]] = []
        for name, row in attributes.items():
            kind, equals, value = name.partition("=")
            if equals and kind in _NEAR_KINDS:
                rows = near.setdefault(f"{kind[-1]}={value}", [zero] * len(_OFFSETS))
                rows[_OFFSETS.index(int(kind[:-1]))] = row
            elif equals and kind in pairs:
                # Every "|" may be the separator: words can hold one too.
                for cut, char in enumerate(value):
                    if char == "|":
                        left, right = value[:cut], value[cut + 1:]
                        own, other = (right, left) if kind in _BACK_KINDS else (left, right)
                        table = pairs[kind].setdefault(own, len(tables))
                        if table == len(tables):
                            tables.append({})
                        tables[table][other] = row
        return cls(dict(attributes), zero, {key: tuple(rows) for key, rows in near.items()},
                   pairs, tables)

    def links(self, word: str, bare: str, mid: str) -> _Links:
        """The pair features a token with these values may have."""
        found = []
        for slot, (kind, value) in enumerate(zip(_PAIR_KINDS, (word, bare, mid) * 2,
                                                 strict=True)):
            table = self.pairs[kind].get(value)
            if table is not None:
                found.append((-1 if slot < 3 else 1, (_WORD, _BARE, _MID)[slot % 3], table))
        return tuple(found)


class _TokenFeatures(NamedTuple):
    """What one token text contributes to the features of its sentence.

    Everything but the features of token pairs and of gazetteer names, which
    depend on the neighbours: computed once per distinct text, not per token.
    Features are names, or with a model (``_token_features``) their rows.
    """

    word: str
    bare: str
    own: tuple[str | int, ...]  # bias, its own features and clusters
    mid: str  # its cluster id at the second level, "" without clusters
    # What it gives a token that has it at each of _OFFSETS (-2: two before that token):
    near_clusters: tuple[tuple[str | int, ...], ...]
    near_words: tuple[tuple[str | int, ...], ...]


# A token text as the tagger sees it: (word, bare word, mid cluster, links,
# whether it may begin a gazetteer name or is an adjective form, the row of
# its summed weights in ``_TokenCache``). A plain tuple of strings and
# numbers: CPython's garbage collector stops scanning such a tuple, while a
# named tuple, or one holding dicts, is scanned at every full collection, and
# the cache holds a hundred thousand of them.
_Entry = tuple[str, str, str, _Links, bool, int]
_WORD, _BARE, _MID, _LINKS, _GAZETTEER, _ROW = range(6)
# The stand-in two tokens before and after a sentence: no word, no pairs, row 0.
_EDGE: _Entry = ("", "", "", (), False, 0)


def _keeper(known: _Known | None) -> Callable[[list[str]], tuple[str | int, ...]]:
    """Feature names -> themselves (``known`` None), or their rows in the model.

    A feature the model lacks gets its row of zeros: adding it changes no score.
    """
    if known is None:
        return tuple
    get, zero = known.rows.get, repeat(known.zero)
    return lambda feats: tuple(map(get, feats, zero))


def _gazetteer_context(gaz_before: str, gaz_here: str, gaz_after: str) -> list[str]:
    """Gazetteer features of a token from the classes of it and its neighbours."""
    feats = []
    if gaz_here:
        feats.append(f"gz={gaz_here}")
        if gaz_here != "adj":
            feats.append(f"gz={gaz_here[2:]}")
    if gaz_before:
        feats.append(f"-1gz={gaz_before}")
    if gaz_after:
        feats.append(f"+1gz={gaz_after}")
    return feats


#: Entries of the caches of ``Features`` per token text and per word.
WORD_CACHE_SIZE = 1 << 15


class Features:
    """The CRF attributes of token texts, for one table of word clusters and one gazetteer.

    Training (``sentence_features``) and tagging (``NameTagger``) build the
    same attributes from it. Its caches are its own: features with another
    table or gazetteer never see them. Stems are always those of the bundled
    default stemmer (see ``_describe_token``).

    Args:
        clusters: word -> cluster ids (``load_clusters``); None for the bundled table.
        gazetteer: the names of the gazetteer features; None for the bundled
            gazetteer (``Gazetteer.load()``).
    """

    def __init__(self, clusters: Clusters | None = None,
                 gazetteer: Gazetteer | None = None) -> None:
        self.clusters: Clusters = load_clusters() if clusters is None else clusters
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
        self._names, self.adjectives = _gazetteer_names(self.gazetteer)
        self.rules = NameRules(self)
        # Training sees a token text many times, so it goes through these
        # caches; tagging describes each text once per ``_TokenCache``
        # lifetime and calls the uncached functions (a cache there only
        # costs time and memory).
        self.token_info = lru_cache(maxsize=WORD_CACHE_SIZE)(_describe_token)
        self.cluster_features = lru_cache(maxsize=WORD_CACHE_SIZE)(self.word_clusters)
        # Asked for each token text the tagger adds, and for training's tokens.
        self.gazetteer_starts = lru_cache(maxsize=WORD_CACHE_SIZE)(self._gazetteer_starts)
        # Many words share their coarse clusters.
        self.near_clusters = lru_cache(maxsize=1 << 12)(_near_clusters)

    def cache_clear(self) -> None:
        """Forget every word and token text seen (benchmarks start afresh so)."""
        for cache in (self.token_info, self.cluster_features, self.gazetteer_starts,
                      self.near_clusters):
            cache.cache_clear()

    def word_clusters(self, word: str, bare: str) -> tuple[str, ...]:
        """Cluster ids of a token: of the word itself, else of its bare form."""
        table = self.clusters
        ids = table.get(word)
        if ids is None and bare != word:
            ids = table.get(bare)
            if ids is not None:
                return tuple(f"k{k}b={c}" for k, c in enumerate(ids))
        if ids is None:
            return ("k=none",)
        return tuple(f"k{k}={c}" for k, c in enumerate(ids))

    def gazetteer_features(self, words: Sequence[str], candidates: Iterable[int] | None = None
                           ) -> list[str]:
        """Per token: '' or the gazetteer class of the name covering it (B-/I-).

        ``candidates`` (ascending) are the positions whose word may begin a name
        or is an adjective form, if the caller knows them; by default, all.
        """
        out = [""] * len(words)
        starts = self.gazetteer_starts
        covered = 0  # names do not overlap: the first hides those starting inside it
        for i in range(len(words)) if candidates is None else candidates:
            if i < covered:
                continue
            names, adjective = starts(words[i])
            for rest, cls in names:
                if tuple(words[i + 1:i + 1 + len(rest)]) == rest:
                    covered = i + 1 + len(rest)
                    out[i] = f"B-{cls}"
                    out[i + 1:covered] = [f"I-{cls}"] * len(rest)
                    break
            else:
                if adjective:
                    out[i] = "adj"
        return out

    def _gazetteer_starts(self, word: str) -> _GazetteerStart:
        """The gazetteer names a word may begin, and whether it is an adjective form.

        Names are (rest, class), over each reading of its clitics, in the order
        ``gazetteer_features`` tries them.
        """
        readings = _clitic_readings(word)
        first = self._names
        names = tuple(name for reading in readings for name in first.get(reading, ()))
        return names, any(reading in self.adjectives for reading in readings)

    def token_features(self, text: str, known: _Known | None) -> _TokenFeatures:
        """The features of a token text; with ``known``, the rows of those the model has."""
        if known is None:
            own, word, stem, bare, trig = self.token_info(text)
            clusters = self.cluster_features
        else:  # tagging: once per text (see __init__)
            own, word, stem, bare, trig = _describe_token(text)
            clusters = self.word_clusters
        clus = clusters(word, bare) if word != "<num>" and own[-1] != "punct" else ()
        keep = _keeper(known)
        # Word, stem, bare word and trigger, as seen from a neighbour; a value the
        # model has at no offset is left out without spelling out its features.
        values = [("w", word), ("s", stem)]
        if bare != word:
            values.append(("b", bare))
        if trig:
            values.append(("t", trig))
        if known is None:
            near_words = tuple(tuple(f"{off}{kind}={value}" for kind, value in values)
                               for off in _OFFSETS)
        else:
            rows = [known.near.get(f"{kind}={value}") for kind, value in values]
            near_words = tuple(zip(*filter(None, rows), strict=True)) or ((),) * len(_OFFSETS)
        return _TokenFeatures(
            word, bare, keep(["bias", *own, *clus]), clus[1 % len(clus)] if clus else "",
            self.near_clusters(clus[:2], known), near_words,
        )

    def sentence_features(self, tokens: Sequence[str]) -> list[list[str]]:
        """CRF attributes of each token of one sentence (training and tagging)."""
        # Two stand-ins on each side give the <pad> features and no others.
        edge = _TokenFeatures("", "", (), "", ((),) * 4, tuple((pad,) for pad in _PADS))
        toks = [self.token_features(t, None) for t in tokens]
        padded = [edge, edge, *toks, edge, edge]
        gaz = ["", *self.gazetteer_features([t.word for t in toks]), ""]
        out: list[list[str]] = []
        windows = zip(padded, padded[1:], toks, padded[3:], padded[4:], gaz, gaz[1:], gaz[2:],
                      strict=False)
        for before2, before, tok, after, after2, gaz_before, gaz_here, gaz_after in windows:
            context = []
            if tok.mid and before.mid:
                context.append(f"-1k0={before.mid}|{tok.mid}")
            if tok.mid and after.mid:
                context.append(f"k0+1={tok.mid}|{after.mid}")
            context.extend(_gazetteer_context(gaz_before, gaz_here, gaz_after))
            context.extend(before2.near_words[0] + before.near_words[1] + after.near_words[2]
                           + after2.near_words[3])
            # Word pairs with real tokens only: their word is never empty, the stand-ins' is.
            if before.word:
                context.append(f"-1w0={before.word}|{tok.word}")
            if after.word:
                context.extend((f"w0+1={tok.word}|{after.word}",
                                f"b0+1={tok.bare}|{after.bare}"))
            if before.word:
                context.append(f"-1b0={before.bare}|{tok.bare}")
            out.append([*tok.own, *before2.near_clusters[0], *before.near_clusters[1],
                        *after.near_clusters[2], *after2.near_clusters[3], *context])
        return out


def _near_clusters(clus: tuple[str, ...], known: _Known | None
                   ) -> tuple[tuple[str | int, ...], ...]:
    """What a token with these first two cluster ids gives a token at each of _OFFSETS."""
    keep = _keeper(known)
    return tuple(keep([f"{off}{c}" for c in (clus if off in (-1, 1) else clus[1:])])
                 for off in _OFFSETS)


# --- the model ----------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class TaggerModel:
    """A CRF model as the tagger uses it: its weights and attribute index.

    Most features of a token (rare words, word pairs) are not in the model;
    the index of its attributes drops them early, before building them where it can.
    """

    model: crf.Model
    known: _Known
    edge: np.ndarray  # the weights of the stand-in two tokens before and after a sentence

    @classmethod
    def of(cls, model: crf.Model) -> TaggerModel:
        """Index the attributes of ``model``."""
        known = _Known.of(model.attributes, model.zero)
        pads = [(), *(_keeper(known)([pad]) for pad in _PADS)]
        return cls(model, known, _sum_rows(model, pads))


_MODEL_SOURCE = f"arsearch/data/{MODEL_FILE}"


@lru_cache(maxsize=1)  # package data: the same for the whole process, never changed
def bundled_model() -> TaggerModel:
    """The bundled model's weights and attributes, read once per process.

    Raises:
        ModelError: the bundled model file is not a CRFsuite model (names it).
    """
    data = resources.files("arsearch.data").joinpath(MODEL_FILE).read_bytes()
    return TaggerModel.of(crf.Model.load(data, source=_MODEL_SOURCE))


def _sum_rows(model: crf.Model, groups: Sequence[tuple[int, ...]]) -> np.ndarray:
    """(len(groups), labels): each group's rows of weights, summed."""
    flat: list[int] = []
    starts: list[int] = []
    for group in groups:
        starts.append(len(flat))
        flat.append(model.zero)
        flat.extend(group)
    return _summed(model, flat, starts)


def _summed(model: crf.Model, flat: Sequence[int], starts: Sequence[int]) -> np.ndarray:
    """Sums of the weights of ``flat``'s rows, from each of ``starts`` to the next.

    Each group begins with the model's row of zeros, so none is empty.
    """
    return np.add.reduceat(model.state.take(flat, axis=0), starts, axis=0)


def _native_texts(model: TaggerModel, features: Features) -> Any:
    """The compiled features of token texts (``_cner.TokenTexts``) for ``model`` and
    ``features``, reading their tables; None when the extension is not in use."""
    if _CNER is None:
        return None
    known = model.known
    return _CNER.TokenTexts(
        known.rows, known.zero, model.model.zero, known.near,
        tuple(known.pairs[kind] for kind in _PAIR_KINDS), features.clusters, _TRIGGER_OF,
        _NO_TRIGGER, features._names, features.adjectives, fold_letters, _ARTICLE_CLITICS,
        "".join(sorted(_ONE_LETTER_CLITICS)))


class _CacheInfo(NamedTuple):
    hits: int
    misses: int
    maxsize: int
    currsize: int


class _TokenCache:
    """Token texts the tagger has seen: their entries, and their weights in one array.

    News text has a long tail of token texts: over 6,000 articles, 1 << 15
    entries missed 217k times and 1 << 17 missed 131k times. The weights of
    the texts an article adds are summed in one call, and those of its tokens
    gathered in one. When full, the cache keeps the texts used since it was
    last three quarters full or last made room (the frequent ones, and the
    newest), moving their weights to the first rows: starting afresh cost
    tens of thousands of misses as the frequent texts came back one by one.
    If those texts are most of it, it does start afresh. Like
    ``functools.lru_cache`` it has ``cache_info`` and ``cache_clear``.

    The features of the texts it has not seen come from the compiled
    ``arsearch.extract._cner.TokenTexts`` when it is built (``compiled``),
    else from ``_describe``, its pure-Python twin: the same entries and rows.
    """

    def __init__(self, maxsize: int, model: TaggerModel, features: Features, *,
                 compiled: bool = True) -> None:
        self.maxsize = maxsize
        self.model = model
        self.features = features
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._weights: np.ndarray | None = None  # (rows, 5, labels); row 0: the stand-in
        self._hits = self._misses = 0
        # The texts used since the cache was last three quarters full or made room
        # (None: it has not been that full since).
        self._used: set[str] | None = None
        # The compiled features of token texts (``compiled`` and the extension
        # built), reading the tables of the model and of ``features``.
        self._native = _native_texts(model, features) if compiled else None

    def run(self, sents: Sequence[Sequence[str]]) -> tuple[list[_Entry], np.ndarray]:
        """The entries of ``sents``' tokens with two stand-ins before, between and after
        the sentences, and their weights (one row of (5, labels) per entry)."""
        with self._lock:
            texts = dict.fromkeys(chain.from_iterable(sents))
            new = [text for text in texts if text not in self._entries]
            if len(self._entries) + len(new) > self.maxsize:
                self._keep_used()
                new = [text for text in texts if text not in self._entries]
                if len(self._entries) + len(new) > self.maxsize:
                    self._entries = {}
                    new = list(texts)
            if self._used is not None:
                self._used.update(texts)
            elif 4 * (len(self._entries) + len(new)) >= 3 * self.maxsize:
                self._used = set(texts)
            self._misses += len(new)
            self._hits += len(texts) - len(new)
            if new or self._weights is None:
                self._add(new)
            entries = self._entries
            padded = [_EDGE, _EDGE]
            for sent in sents:
                padded.extend(map(entries.__getitem__, sent))
                padded.extend((_EDGE, _EDGE))
            weights = self._weights[[entry[_ROW] for entry in padded]]
        return padded, weights

    def _add(self, texts: list[str]) -> None:
        model = self.model
        first = len(self._entries) + 1
        end = first + len(texts)
        if self._native is not None:
            flat_bytes, starts_bytes, made = self._native.add(
                texts, first, default_stemmer().light_stem)
            flat: Sequence[int] = np.frombuffer(flat_bytes, dtype=np.intp)
            starts: Sequence[int] = np.frombuffer(starts_bytes, dtype=np.intp)
        else:
            flat, starts, made = self._describe(texts, first)
        if self._weights is None or len(self._weights) < end:
            grown = np.empty((max(end, 2 * first, 4096), *model.edge.shape))
            grown[0] = model.edge
            if self._weights is not None:
                grown[:first] = self._weights[:first]
            self._weights = grown
        if texts:
            self._weights[first:end] = _summed(model.model, flat, starts).reshape(
                len(texts), *model.edge.shape)
        self._entries.update(zip(texts, made, strict=True))

    def _keep_used(self) -> None:
        """Keep only the texts used since the cache was three quarters full or made room,
        in rows from 1 on; forget every text if they would leave less than a quarter
        free."""
        used = self._used or set()
        self._used = None
        kept = [(text, entry) for text, entry in self._entries.items() if text in used]
        if not kept or 4 * len(kept) > 3 * self.maxsize or self._weights is None:
            self._entries = {}
            return
        rows = [entry[_ROW] for _, entry in kept]
        self._weights[1:len(kept) + 1] = self._weights[rows]
        self._entries = {text: (*entry[:_ROW], row)
                         for row, (text, entry) in enumerate(kept, start=1)}

    def _describe(self, texts: list[str], first: int
                  ) -> tuple[list[int], list[int], list[_Entry]]:
        """The rows of ``texts``' features, five groups per text (its own, and its
        gifts at each of _OFFSETS), the starts of the groups, and the texts'
        entries, rows numbered from ``first`` (the twin of ``_cner.TokenTexts.add``)."""
        model = self.model
        known = model.known
        token_features = self.features.token_features
        feats = [token_features(text, known) for text in texts]
        flat: list[int] = []
        starts: list[int] = []
        start, add, extend, zero = starts.append, flat.append, flat.extend, model.model.zero
        for f in feats:
            start(len(flat))
            add(zero)
            extend(f.own)
            for near_clusters, near_words in zip(f.near_clusters, f.near_words, strict=True):
                start(len(flat))
                add(zero)
                extend(near_clusters)
                extend(near_words)
        gazetteer_starts = self.features.gazetteer_starts
        made = [(f.word, f.bare, f.mid, known.links(f.word, f.bare, f.mid),
                 gazetteer_starts(f.word) != _NO_GAZETTEER_START, row)
                for row, f in enumerate(feats, start=first)]
        return flat, starts, made

    def cache_info(self) -> _CacheInfo:
        """Hits, misses, maximum and current size, as ``functools.lru_cache`` gives them."""
        return _CacheInfo(self._hits, self._misses, self.maxsize, len(self._entries))

    def cache_clear(self) -> None:
        """Forget every token text."""
        with self._lock:
            self._entries = {}
            self._used = None
            self._hits = self._misses = 0


#: Token texts a ``NameTagger`` keeps the weights of (``_TokenCache``); full,
#: the cache holds about 47 MB.
TOKEN_CACHE_SIZE = 1 << 17


class NameTagger:
    """A CRF model with one ``Features``: BIO tags of sentences, names in texts.

    Keeps what it computes: each token text's entry and summed weights
    (``tokens``, a ``_TokenCache``) and the model's rows of each gazetteer
    context. ``name_tagger(gazetteer)`` gives the one of a gazetteer with the
    bundled model and clusters.

    Args:
        features: None for the bundled clusters and gazetteer.
        model: None for the bundled model (``bundled_model()``).
        cache_size: token texts kept at most (``TOKEN_CACHE_SIZE``).
        rules: False for the CRF's tags alone, without ``NameRules``.
    """

    def __init__(self, features: Features | None = None, model: TaggerModel | None = None,
                 cache_size: int = TOKEN_CACHE_SIZE, *, rules: bool = True) -> None:
        self.features = features if features is not None else features_of()
        self.model = model if model is not None else bundled_model()
        #: Whether the CRF's tags go through ``NameRules`` (False: the CRF alone).
        self.rules = rules
        self.tokens = _TokenCache(cache_size, self.model, self.features)
        # A few dozen combinations of (before, here, after).
        self._gazetteer_rows = lru_cache(maxsize=1 << 8)(self._context_rows)

    def cache_clear(self) -> None:
        """Forget every token text seen, here and in its ``features``, as a new
        process would start (the model stays loaded)."""
        self.tokens.cache_clear()
        self._gazetteer_rows.cache_clear()
        self.features.cache_clear()

    def find_names(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, type) character spans of PERS / ORG / LOC names in ``text``.

        Offsets point into the original text, diacritics and tatweel included.
        """
        return self.find_names_many([text])[0]

    def find_names_many(self, texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        """``find_names`` of each text, the sentences of all of them decoded together.

        The same spans as one call per text, for less time per text: decoding
        costs about as much for a few sentences as for hundreds. Names found in
        one text are propagated within that text only.
        """
        per_text = [list(sentences(pieces(text), text)) for text in texts]
        tags, entries = self.tag_sentences([[p.text for p in sent] for sents in per_text
                                            for sent in sents])
        out = []
        first = 0
        for sents in per_text:
            end = first + len(sents)
            found = _propagate([[entry[_BARE] for entry in sent]
                                for sent in entries[first:end]], tags[first:end],
                               [[entry[_WORD] for entry in sent] for sent in entries[first:end]])
            spans: list[tuple[int, int, str]] = []
            for sent, ts in zip(sents, found, strict=True):
                spans.extend(_spans(sent, ts))
            out.append(spans)
            first = end
        return out

    def tag_tokens(self, words: Sequence[str]) -> list[str]:
        """BIO tags (B-PERS, I-LOC, ..., O) for the tokens of one sentence (see ``tag_tokens``)."""
        return _tag_split(words, self.tag)

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """BIO tags of one sentence of token texts (pieces)."""
        if not tokens:
            return []
        return self.tag_sentences([tokens])[0][0]

    def tag_sentences(self, sents: Sequence[Sequence[str]]
                      ) -> tuple[list[list[str]], list[list[_Entry]]]:
        """Tags of sentences of token texts, decoded together, and the tokens' entries."""
        if not sents:
            return [], []
        model = self.model.model
        padded, weights = self.tokens.run(sents)
        lengths = np.array([len(sent) for sent in sents], dtype=np.intp)
        starts = np.cumsum(lengths + 2) - lengths - 2
        emissions = self._emissions(padded, weights, starts.tolist(), lengths.tolist())
        index = np.minimum(starts[:, None] + np.arange(lengths.max()), len(emissions) - 1)
        best = crf.viterbi(emissions[index], lengths, model.transitions)
        labels = model.labels
        entries = [padded[start + 2:start + 2 + n]
                   for start, n in zip(starts.tolist(), lengths.tolist(), strict=True)]
        # Through lists: indexing a numpy row yields a numpy int per token.
        tags = [list(map(labels.__getitem__, row[:n]))
                for row, n in zip(best.tolist(), lengths.tolist(), strict=True)]
        if self.rules:
            apply = self.features.rules.apply
            tags = [apply(sent, ts, [entry[_WORD] for entry in ents],
                          [k for k, entry in enumerate(ents) if entry[_GAZETTEER]])
                    for sent, ts, ents in zip(sents, tags, entries, strict=True)]
        return tags, entries

    def _emissions(self, padded: Sequence[_Entry], weights: np.ndarray, starts: Sequence[int],
                   lengths: Sequence[int]) -> np.ndarray:
        """The state scores of the tokens of a run (``_TokenCache.run``): row r for padded[r + 2].

        Sentence ``i`` fills the ``lengths[i]`` rows from ``starts[i]``; the
        stand-ins keep a token's window from reaching into another sentence.
        """
        state, tables = self.model.model.state, self.model.known.tables
        gazetteer_features, gazetteer_rows = (self.features.gazetteer_features,
                                              self._gazetteer_rows)
        if (_decode is not None and isinstance(padded, list) and weights.dtype == np.float64
                and weights.ndim == 3 and weights.shape[1] == 5 and len(weights) == len(padded)
                and len(padded) >= 4 and state.dtype == np.float64 and state.ndim == 2
                and state.shape[1] == weights.shape[2]):
            # The same sums and rows, added in the same order as below.
            emissions = np.empty((len(padded) - 4, weights.shape[2]))
            state = np.ascontiguousarray(state)
            _decode.token_scores(padded, np.ascontiguousarray(weights), tables, state, emissions)
            _decode.gazetteer_scores(padded, list(starts), list(lengths), gazetteer_features,
                                     gazetteer_rows, state, emissions)
            return emissions
        # Each token's own weights plus its neighbours' gifts.
        emissions = (weights[2:-2, 0] + weights[:-4, 1] + weights[1:-3, 2] + weights[3:-1, 3]
                     + weights[4:, 4])
        at: list[int] = []
        rows: list[int] = []
        for p, tok in enumerate(padded):
            for off, field, table in tok[_LINKS]:
                # The stand-ins' fields are empty: no pair with them.
                if (value := padded[p + off][field]) and (
                        row := tables[table].get(value)) is not None:
                    at.append(p - 2)
                    rows.append(row)
        for start, length in zip(starts, lengths, strict=True):
            sent = padded[start + 2:start + 2 + length]
            candidates = [k for k, tok in enumerate(sent) if tok[_GAZETTEER]]
            if candidates:
                gaz = ["", *gazetteer_features([tok[_WORD] for tok in sent], candidates), ""]
                named = {n for k, cls in enumerate(gaz) if cls for n in (k - 2, k - 1, k)}
                for k in sorted(named.intersection(range(length))):
                    for row in gazetteer_rows(*gaz[k:k + 3]):
                        at.append(start + k)
                        rows.append(row)
        if rows:
            np.add.at(emissions, at, state[rows])
        return emissions

    def _context_rows(self, gaz_before: str, gaz_here: str, gaz_after: str) -> tuple[int, ...]:
        """The model's rows of ``_gazetteer_context``."""
        return _keeper(self.model.known)(_gazetteer_context(gaz_before, gaz_here, gaz_after))


def _tag_split(words: Sequence[str], tag: Callable[[Sequence[str]], list[str]]) -> list[str]:
    """Tags of the tokens of one sentence by ``tag`` over their pieces, in chunks.

    A token the run-time tokenizer would split (``و2005``) is tagged by its
    first piece; tokens without any character get O.
    """
    split = [[p.text for p in pieces(w)] for w in words]
    flat = [p for ps in split for p in ps]
    tags: list[str] = []
    for start in range(0, len(flat), _MAX_SENTENCE * 4):
        tags.extend(tag(flat[start:start + _MAX_SENTENCE * 4]))
    out: list[str] = []
    k = 0
    for ps in split:
        out.append(tags[k] if ps else "O")
        k += len(ps)
    return out


# --- rules after the CRF ------------------------------------------------------------
#
# What the CRF cannot learn from ANERcorp's train part, which holds few of these
# cases: Latin-script names inside Arabic text, and organisation names that are
# also common words (القاعدة "the base", فتح "opened"), which the gazetteer lists
# as context aliases and which count only with evidence around them.

#: A Latin-script word, with an Arabic clitic glued before it (وDell، بـIBM).
_LATIN_WORD_RE = re.compile(r"^(?:[وفبلك]{1,2}ـ?)?([A-Za-z][A-Za-z'&.]*)$")
#: Lower-case words allowed inside a Latin name (Bank of America, El Telegramma Del Rif).
_LATIN_LINKS = frozenset({"of", "de", "del", "the", "and", "for", "al", "el", "la", "le", "du",
                          "des", "von", "van", "&"})
_LATIN_JOINERS = frozenset({"-", "&"})
_OPENERS = frozenset({"(", "«", '"', "'", "[", "“"})
#: Pieces that join the parts of a web or mail address.
_ADDRESS_MARKS = frozenset({".", "/", "//", ":", "://", "@", "_", "\\"})
#: Words before a Latin name that give its type: media and company nouns (ORG).
_LATIN_ORG_HEADS = word_list(
    "شركة", "شركات", "وكالة", "قناة", "شبكة", "صحيفة", "مجلة", "موقع", "مجموعة", "بنك",
    "مصرف", "علامة", "ماركة", "متجر", "محرك", "برنامج", "تلفزيون", "إذاعة", "منظمة",
    "مؤسسة", "جامعة", "نادي", "فريق", "حزب", "حركة", "جريدة", "مصنع", "مختبرات",
)
#: Words before an organisation name that only an organisation has (زعيم القاعدة).
_MEMBER_WORDS = word_list(
    "زعيم", "زعماء", "عضو", "أعضاء", "قيادي", "قياديي", "قياديو", "قادة", "قائد", "عناصر",
    "عنصر", "مقاتلي", "مقاتلو", "أنصار", "مؤيدي", "كوادر", "خلايا", "خلية", "شبكة", "ناشطي",
    "متشددي", "مسلحي", "تنظيم", "حركة", "حركتي", "جماعة", "رئيس", "مسؤول", "مسؤولي",
    "ممثل", "ممثلي", "وفد", "نشطاء", "اتباع", "أتباع", "ناطق", "المتحدث", "باسم",
)
#: Words after which an organisation name with ب / ل / إلى stands for its organisation.
_RELATION_WORDS = word_list(
    "صلة", "صلات", "صلاته", "صلاتها", "علاقة", "علاقات", "علاقته", "علاقتها", "ارتباط",
    "مرتبط", "مرتبطة", "المرتبط", "المرتبطة", "المرتبطين", "الموالية", "الموالي", "الموالين",
    "موالية", "موالين", "التابعة", "التابع", "تابعة", "تابع", "المقربة", "المقربين",
    "ينتمي", "ينتمون", "المنتمين", "المنتمية", "انتماء", "انتمائه", "انتمائهم", "الانتماء",
    "ولاءه", "بيعة", "مبايعة", "انضم", "انضمام", "انضمامه", "ينتسب", "عضويته", "عضوية",
)
_TO = word_list("إلى", "الى")
#: Words after which a noun is a common noun, not a name (هذه القاعدة).
_DEMONSTRATIVES = word_list("هذه", "هذا", "تلك", "ذلك", "ذاك", "هذي")
#: Definite words after a name that are not adjectives of it.
_NOT_ADJECTIVES = word_list("الذي", "التي", "الذين", "اللذين", "اللتين", "اللواتي", "اللاتي")
#: First words of an organisation name whose rest may stand for it later (حركة فتح ... فتح).
_ORG_HEADS = word_list(
    "حركة", "تنظيم", "حزب", "جماعة", "شركة", "وكالة", "صحيفة", "قناة", "مجموعة", "جبهة",
    "نادي", "فريق", "مجلة", "جريدة", "منظمة", "شبكة",
)


def _latin_name(text: str) -> str:
    """The Latin part of a token that may be a word of a Latin-script name, else ''."""
    m = _LATIN_WORD_RE.match(text)
    return m.group(1) if m else ""


def _clitic_forms(name: str) -> set[str]:
    """A normalized name with the clitics ``_clitic_readings`` takes off (والقاعده،
    للقاعده، بفتح)."""
    forms = {name}
    for prep in ("", *"بكل"):
        bare = "لل" + name[2:] if prep == "ل" and name.startswith("ال") else prep + name
        forms.update((bare, "و" + bare, "ف" + bare))
    return forms


def _plain_name_word(text: str) -> bool:
    """A name-like Latin word with no Arabic clitic: a word inside a Latin name."""
    return _latin_name(text) == text and _name_like(text)


def _name_like(latin: str) -> bool:
    """Capitalized, two letters at least, no digit: a Latin word that can start a name."""
    letters = [c for c in latin if c.isalpha()]
    return len(letters) >= 2 and latin[0].isupper()


def _english_around(tokens: Sequence[str], i: int, j: int) -> bool:
    """Whether the nearest word before or after tokens[i:j] is a lower-case
    Latin word: the run is part of a phrase in English (It's over, new moon)."""
    for step, k in ((-1, i - 1), (1, j)):
        while 0 <= k < len(tokens) and not any(c.isalnum() for c in tokens[k]):
            k += step
        if 0 <= k < len(tokens) and _latin_name(tokens[k]) == tokens[k] \
                and tokens[k].islower() and tokens[k] not in _LATIN_LINKS:
            return True
    return False


class NameRules:
    """Names the CRF leaves untagged: Latin-script names, organisation names that are
    common words, and the gazetteer's organisations.

    Built from one ``Features``' gazetteer: its Latin names give a Latin run its
    type, its organisations' context aliases (القاعدة، فتح) are names only with
    evidence, and its organisations are ORG where the CRF saw nothing.
    """

    #: Types of a CRF span that a gazetteer organisation with exactly that span
    #: turns into ORG (clubs taken for persons). Not LOC: a place the CRF found
    #: stays a place (tried on the held-out slice: +0.002 ORG, and it moves places).
    retyped: tuple[str, ...] = ("PERS",)
    #: Gazetteer organisations not added where the CRF saw nothing: a state's
    #: forces or government named after the state (الحكومة العراقية، الجيش الأميركي)
    #: are descriptions more than names (held-out slice: ORG +0.006 without them).
    skip_types: tuple[str, ...] = ("government_force", "unit")

    def __init__(self, features: Features) -> None:
        self.features = features
        gazetteer = self.gazetteer = features.gazetteer
        context: set[str] = set()
        for key, ids in gazetteer.context_names.items():
            entry = gazetteer.get(ids[0])
            if entry is not None and entry.kind == "actor" and entry.type != "person" \
                    and len(key) == 1:
                context.add(normalize_teh_marbuta(key[0]))
        #: Single-word organisation names that count only with evidence.
        self.context_orgs = frozenset(context)
        # Whether a gazetteer name (its words) is one of skip_types'; as many
        # entries as the gazetteer has organisation names at most.
        self._skipped = lru_cache(maxsize=1 << 12)(self._of_skipped_type)
        # Every way they may be written with clitics (و، ف، ب، ك، ل، لل ...), to
        # pass over the other words at the cost of one look-up.
        self._context_forms = frozenset(
            form for name in context for form in _clitic_forms(name))

    def latin_type(self, words: Sequence[str]) -> str:
        """The type the gazetteer gives a Latin name, '' if it does not know it."""
        for entry in self.gazetteer.resolve(" ".join(words)):
            if entry.kind == "place":
                return "LOC"
            return "PERS" if entry.type == "person" else "ORG"
        return ""

    def apply(self, tokens: Sequence[str], tags: list[str],
              words: Sequence[str] | None = None,
              candidates: Iterable[int] | None = None) -> list[str]:
        """``tags`` with the rules' names added where the CRF tagged O.

        ``words``: the tokens' ``token_word`` forms, and ``candidates``: the
        positions that may begin a gazetteer name, if the caller has them.
        """
        words = [token_word(t) for t in tokens] if words is None else words
        tags = list(tags)
        if any(map(_LATIN_RE.search, tokens)):
            tags = self._latin(tokens, tags)
        if self.context_orgs:
            tags = self._context_orgs(tokens, words, tags)
        return self._known_orgs(words, tags, candidates)

    def _of_skipped_type(self, words: tuple[str, ...]) -> bool:
        return all(e.type in self.skip_types for e in self.gazetteer.resolve(" ".join(words)))

    def _known_orgs(self, words: Sequence[str], tags: list[str],
                    candidates: Iterable[int] | None) -> list[str]:
        """Organisation names of the gazetteer (الأسوشيتد برس، انرون) over tokens the
        CRF left untagged, when the name is not part of a longer one."""
        gaz = self.features.gazetteer_features(words, candidates)
        if "B-org" not in gaz:
            return tags
        for start, end, cls in bio_spans(gaz):
            if cls != "org" or (end < len(tags) and tags[end].startswith("I-")):
                continue
            here = tags[start:end]
            kind = here[0][2:]
            if self._skipped(tuple(words[start:end])):
                continue
            if all(t == "O" for t in here) or (
                    kind in self.retyped
                    and here == [f"B-{kind}"] + [f"I-{kind}"] * (end - start - 1)):
                tags[start:end] = ["B-ORG"] + ["I-ORG"] * (end - start - 1)
        return tags

    def _latin(self, tokens: Sequence[str], tags: list[str]) -> list[str]:
        n = len(tokens)
        i = 0
        while i < n:
            latin = _latin_name(tokens[i])
            if latin and latin != tokens[i] and tags[i].startswith("I-"):
                tags[i] = "B" + tags[i][1:]  # وDell after Apple: a name of its own
            if not latin or not _name_like(latin) or tags[i] != "O":
                i += 1
                continue
            # The run: name-like words, with lower-case words or - & between them
            # (Bank of America, Hewlett-Packard).
            j = i + 1
            while j < n and tags[j] == "O" and (_plain_name_word(tokens[j]) or (
                    (tokens[j] in _LATIN_JOINERS or tokens[j].lower() in _LATIN_LINKS)
                    and j + 1 < n and _plain_name_word(tokens[j + 1]))):
                j += 1
            kind = self._latin_kind(tokens, tags, i, j)
            if kind:
                tags[i:j] = [f"B-{kind}"] + [f"I-{kind}"] * (j - i - 1)
            i = j
        return tags

    def _latin_kind(self, tokens: Sequence[str], tags: Sequence[str], i: int, j: int) -> str:
        """The type of the Latin run tokens[i:j], '' when it is no name."""
        for mark, other in ((i - 1, i - 2), (j, j + 1)):
            if 0 <= other < len(tokens) and tokens[mark] in _ADDRESS_MARKS \
                    and _latin_name(tokens[other]) == tokens[other]:
                return ""  # part of an address: www.example.com, info@example.com
        words = [_latin_name(t) or t for t in tokens[i:j]]
        known = self.latin_type(words)
        if known:
            return known
        # A gloss: the name in Latin letters after the same name in Arabic,
        # in brackets or not, has its type; a common term glossed in brackets is no name.
        k = i - 1
        bracketed = k >= 0 and tokens[k] in _OPENERS
        while k >= 0 and tokens[k] in _OPENERS:
            k -= 1
        if k >= 0 and tags[k] != "O" and (bracketed or k == i - 1):
            return tags[k][2:]
        if k >= 0:
            word = bare_word(tokens[k])
            trigger = _TRIGGER_OF.get(bare_word(tokens[k]), _NO_TRIGGER)[1]
            if word in _LATIN_ORG_HEADS or token_word(tokens[k]) in _LATIN_ORG_HEADS:
                return "ORG"
            if trigger == "pers":
                return "PERS"
            if trigger == "loc":
                return "LOC"
        if bracketed or _english_around(tokens, i, j):
            return ""  # a common term glossed in brackets, or a phrase in English
        # Alone in Arabic news, a Latin-script name is most often a company's or
        # a medium's (CNN, IBM); persons and places are written in Arabic.
        return "ORG"

    def _context_orgs(self, tokens: Sequence[str], words: Sequence[str],
                      tags: list[str]) -> list[str]:
        context_orgs, forms = self.context_orgs, self._context_forms
        for i, word in enumerate(words):
            if word not in forms or tags[i] != "O":
                continue
            reading = next((r for r in _clitic_readings(word) if r in context_orgs), "")
            if not reading:
                continue
            prev = words[i - 1] if i else ""
            prev_bare = _strip_clitic(prev)
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            clitic = word[: len(word) - len(reading)] if word.endswith(reading) else ""
            if reading != word and not clitic and word.startswith("لل"):
                clitic = "ل"  # للقاعدة: ل + القاعدة
            if _common_noun_here(words, i):
                continue
            evidence = (
                prev in _MEMBER_WORDS or prev_bare in _MEMBER_WORDS
                # قيادي في فتح، عضو في القاعدة
                or (prev in ("في", "من") and i > 1
                    and _strip_clitic(words[i - 2]) in _MEMBER_WORDS)
                or (clitic[-1:] in ("ب", "ل") and (prev in _RELATION_WORDS
                                                  or prev_bare in _RELATION_WORDS))
                or (prev in _TO and i > 1 and words[i - 2] in _RELATION_WORDS)
                # coordinated with an organisation: حماس وفتح، طالبان والقاعدة
                or (clitic.startswith("و") and i and tags[i - 1][2:] == "ORG")
                or (nxt[:1] == "و" and i + 1 < len(tokens) and tags[i + 1][2:] == "ORG")
            )
            if evidence:
                tags[i] = "B-ORG"
        return tags


def _short_forms(words: Sequence[Sequence[str]], keys: Sequence[Sequence[str]],
                 tags: Sequence[list[str]]) -> dict[str, str]:
    """Bare word -> word as written, of the article's one-word organisation names
    (انرون) and of the rests of its two-word ones whose first word is an
    organisation head (حركة فتح -> فتح)."""
    found: dict[str, str] = {}
    for ws, ks, ts in zip(words, keys, tags, strict=True):
        for start, end, kind in bio_spans(ts):
            if kind == "ORG" and end - start == 2 and ks[start] in _ORG_HEADS \
                    and len(ks[start + 1]) > 2:
                found.setdefault(ks[start + 1], ws[start + 1])
            elif kind == "ORG" and end - start == 1 and len(ks[start]) > 2:
                found.setdefault(ks[start], ws[start])
    return found


def _has_article(word: str) -> bool:
    return _strip_article(word) != word or (
        len(word) > 3 and word[0] in _ONE_LETTER_CLITICS and _strip_article(word[1:]) != word[1:])


def _common_noun_here(words: Sequence[str], i: int) -> bool:
    """Whether the word at ``i`` reads as a common noun: after a demonstrative,
    or before a definite word agreeing with it (القاعدة العسكرية)."""
    if i and words[i - 1] in _DEMONSTRATIVES:
        return True
    nxt = words[i + 1] if i + 1 < len(words) else ""
    return nxt.startswith("ال") and nxt not in _NOT_ADJECTIVES


# --- one tagger per gazetteer ---------------------------------------------------

class _ByDigest:
    """A gazetteer as a cache key: equal to every gazetteer with the same entries."""

    __slots__ = ("digest", "gazetteer")

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.digest = gazetteer.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByDigest) and other.digest == self.digest


#: Taggers (and features) kept at once, one per gazetteer: a process mostly
#: tags with one, its index's; each tagger's token cache may reach 47 MB.
_GAZETTEERS_KEPT = 4


def features_of(gazetteer: Gazetteer | None = None) -> Features:
    """The ``Features`` of the bundled clusters and ``gazetteer`` (None: the bundled one).

    One per distinct gazetteer (``Gazetteer.digest``), kept with its caches.
    """
    return _features_of(_ByDigest(gazetteer if gazetteer is not None else Gazetteer.load()))


@lru_cache(maxsize=_GAZETTEERS_KEPT)  # keyed by the gazetteer's digest
def _features_of(gazetteer: _ByDigest) -> Features:
    return Features(gazetteer=gazetteer.gazetteer)


def name_tagger(gazetteer: Gazetteer | None = None) -> NameTagger:
    """The tagger whose gazetteer features come from ``gazetteer`` (None: the bundled one).

    With the bundled model and clusters; one per distinct gazetteer
    (``Gazetteer.digest``: equal entries, one tagger), built on first use and
    kept with its caches.
    """
    return _name_tagger(_ByDigest(gazetteer if gazetteer is not None else Gazetteer.load()))


@lru_cache(maxsize=_GAZETTEERS_KEPT)  # keyed by the gazetteer's digest
def _name_tagger(gazetteer: _ByDigest) -> NameTagger:
    return NameTagger(_features_of(gazetteer), bundled_model())


def sentence_features(tokens: Sequence[str]) -> list[list[str]]:
    """CRF attributes of each token of one sentence, with the bundled clusters and
    gazetteer (``Features.sentence_features``)."""
    return features_of().sentence_features(tokens)


def tag_tokens(words: Sequence[str], *, gazetteer: Gazetteer | None = None) -> list[str]:
    """BIO tags (B-PERS, I-LOC, ..., O) for the tokens of one sentence.

    A token the run-time tokenizer would split (``و2005``) is tagged by its
    first piece; tokens without any character get O.

    >>> tag_tokens([])
    []
    """
    return name_tagger(gazetteer).tag_tokens(words)


def tag_tokens_with(tagger: Any, words: Sequence[str], features: Features | None = None
                    ) -> list[str]:
    """``tag_tokens`` with a given ``pycrfsuite.Tagger`` (a model being trained or
    tuned) and ``features`` (None: the bundled clusters and gazetteer)."""
    features = features if features is not None else features_of()
    return _tag_split(words, lambda tokens: features.rules.apply(
        tokens, list(tagger.tag(features.sentence_features(tokens)))) if tokens else [])


def find_names(text: str, *, gazetteer: Gazetteer | None = None) -> list[tuple[int, int, str]]:
    """(start, end, type) character spans of PERS / ORG / LOC names in ``text``.

    Offsets point into the original text, diacritics and tatweel included.
    The gazetteer features come from ``gazetteer`` (None: the bundled one).

    >>> find_names("")
    []
    """
    return name_tagger(gazetteer).find_names_many([text])[0]


def find_names_many(texts: Sequence[str], *, gazetteer: Gazetteer | None = None
                    ) -> list[list[tuple[int, int, str]]]:
    """``find_names`` of each text, the sentences of all of them decoded together.

    The same spans as one call per text, for less time per text: decoding
    costs about as much for a few sentences as for hundreds. Names found in
    one text are propagated within that text only.

    >>> find_names_many(["", ""])
    [[], []]
    """
    return name_tagger(gazetteer).find_names_many(texts)


def propagate(sents: Sequence[Sequence[str]], tags: Sequence[list[str]], *,
              short_forms: bool = True) -> list[list[str]]:
    """Tag again, across one document, the names the CRF found somewhere in it.

    News names a person in full once and then repeats the name or the family
    name alone; an untagged repeat (O everywhere) takes the type found
    elsewhere. Multi-word names of any type, and the last word of a person's
    name, are propagated. With ``short_forms``, so are the organisations the
    CRF found as one word (انرون) or as head + name (حركة فتح: then فتح alone),
    except where the word reads as a common noun (القاعدة العسكرية، هذه القاعدة).
    ``sents`` are token texts, ``tags`` BIO per token.
    """
    return _propagate([[bare_word(t) for t in sent] for sent in sents], tags,
                      [[token_word(t) for t in sent] for sent in sents] if short_forms else ())


def _propagate(keys: Sequence[Sequence[str]], tags: Sequence[list[str]],
               words: Sequence[Sequence[str]] = ()) -> list[list[str]]:
    """``propagate`` over the tokens' bare words (the word without article or clitic);
    with their ``words`` (``token_word``), also the short forms of organisations."""
    if words:
        tags = _propagate_short_forms(words, keys, tags)
    names: dict[tuple[str, ...], str] = {}
    for ks, ts in zip(keys, tags, strict=True):
        for start, end, kind in bio_spans(ts):
            name = tuple(ks[start:end])
            if kind not in TYPES or not all(len(k) > 1 for k in name):
                continue
            if len(name) > 1:
                names.setdefault(name, kind)
            if kind == "PERS" and len(name) > 1 and len(name[-1]) > 2:
                names.setdefault(name[-1:], kind)
    if not names:
        return [list(ts) for ts in tags]
    longest = max(len(n) for n in names)
    firsts = {n[0] for n in names}
    out = []
    for ks, ts in zip(keys, tags, strict=True):
        ts = list(ts)
        free = 0  # the tokens before it are in a name tagged just now
        for i in [i for i, k in enumerate(ks) if k in firsts]:
            if i < free:
                continue
            for size in range(min(longest, len(ks) - i), 0, -1):
                kind = names.get(tuple(ks[i:i + size]))
                if kind and all(t == "O" for t in ts[i:i + size]) and (
                        i + size == len(ts) or not ts[i + size].startswith("I-")):
                    ts[i:i + size] = [f"B-{kind}"] + [f"I-{kind}"] * (size - 1)
                    free = i + size
                    break
        out.append(ts)
    return out


def _propagate_short_forms(words: Sequence[Sequence[str]], keys: Sequence[Sequence[str]],
                           tags: Sequence[list[str]]) -> list[list[str]]:
    """Untagged repeats of the short form of a two-word organisation name of the
    article (حركة فتح ... فتح، تنظيم القاعدة ... القاعدة) tagged ORG, unless the
    word reads there as a common noun (القاعدة العسكرية، هذه القاعدة)."""
    short = _short_forms(words, keys, tags)
    if not short:
        return list(tags)
    out = []
    for ws, ks, ts in zip(words, keys, tags, strict=True):
        ts = list(ts)
        for i, key in enumerate(ks):
            written = short.get(key)
            if (written is not None and ts[i] == "O"
                    and (i + 1 == len(ts) or not ts[i + 1].startswith("I-"))
                    and _has_article(ws[i]) == _has_article(written)
                    and not _common_noun_here(ws, i)):
                ts[i] = "B-ORG"
        out.append(ts)
    return out


def _spans(sent: Sequence[Piece], tags: Sequence[str]) -> Iterator[tuple[int, int, str]]:
    current: list[Piece] = []
    kind = ""

    def close() -> Iterator[tuple[int, int, str]]:
        while current and not current[-1].is_word:
            current.pop()
        if current and kind in TYPES:
            yield current[0].start, current[-1].end, kind

    for piece, tag in zip(sent, tags, strict=True):
        if tag == "O" and not current:  # most pieces: nothing open, nothing to open
            continue
        prefix, _, label = tag.partition("-")
        if prefix == "I" and label == kind and current:
            current.append(piece)
            continue
        yield from close()
        current, kind = [], ""
        if prefix in ("B", "I") and piece.is_word:
            current, kind = [piece], label
    yield from close()
