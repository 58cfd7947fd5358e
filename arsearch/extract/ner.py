"""Statistical named-entity tagger (PERS / ORG / LOC) for Arabic news.

A linear-chain CRF (python-crfsuite) trained on the train part of ANERcorp
(see ``arsearch/data/NER_MODEL.md`` and ``tools/train_ner.py``). Features are
cheap string features: the normalized word, its light stem, affixes, the word
without its article/clitics, shape, a +-2 window of words and stems,
trigger-word classes, gazetteer matches, and word clusters learnt from
unlabelled news (``ner_clusters.tsv``, built by ``tools/ner_clusters.py``).

Training and tagging build tokens the same way (``pieces``): the words of
``arsearch.text.tokenize.tokenize`` plus the punctuation between them, as
ANERcorp splits punctuation into tokens of its own. Tagging sums each token
text's cached feature weights and decodes with ``arsearch.extract.crf``;
CRFsuite itself trains the model and reads it.
"""

from __future__ import annotations

import atexit
import contextlib
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain, repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np

from arsearch.extract import crf
from arsearch.extract.conll import bio_spans
from arsearch.text.normalize import fold_letters, normalize_teh_marbuta
from arsearch.text.stem import light_stem
from arsearch.text.tokenize import tokenize

#: Entity types ``find_names`` reports (the model also knows MISC).
TYPES: tuple[str, ...] = ("PERS", "ORG", "LOC")
MODEL_FILE = "ner.crfsuite"

_SENTENCE_END = frozenset(".!?؟…")
_LINE_BREAK_RE = re.compile("\n")
_MAX_SENTENCE = 80  # pieces; longer runs are tagged in chunks
_ARTICLE_CLITICS = ("وبال", "فبال", "وكال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_ONE_LETTER_CLITICS = frozenset("وفبلك")


class Piece(NamedTuple):
    """A token as the tagger sees it: a word or one punctuation mark.

    A named tuple: an article makes a few hundred, and a frozen dataclass
    took four times as long to create.
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
    """Cut pieces into sentences at . ! ? ؟ and at line breaks in ``text``."""
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
        at_end = not piece.is_word and piece.text[0] in _SENTENCE_END
        if at_end or len(current) >= _MAX_SENTENCE:
            yield current
            current = []
    if current:
        yield current


# --- features ---------------------------------------------------------------

def _word_list(*words: str) -> frozenset[str]:
    return frozenset(normalize_teh_marbuta(fold_letters(w)) for w in words)


# Trigger words, compared on the word with its article/clitics removed.
_TRIGGERS: dict[str, frozenset[str]] = {
    "pers": _word_list(
        "رئيس", "الرئيس", "وزير", "الوزير", "ملك", "الملك", "أمير", "الأمير", "الشيخ", "السيد",
        "السيدة", "الدكتور", "د", "العقيد", "اللواء", "العميد", "الجنرال", "المتحدث", "الناطق",
        "الزعيم", "القائد", "النائب", "السفير", "المستشار", "الشاعر", "الكاتب", "الفنان",
        "المدرب", "اللاعب", "المخرج", "الممثل", "الفنانة", "الرئيسة", "المطرب", "المطربة",
        "الامام", "البابا", "المرشد", "العاهل", "الحاج", "المهندس", "الأستاذ", "المحامي",
        "الصحفي", "المراسل", "زميلنا", "المدير", "نائب", "مدير", "قائد",
    ),
    "say": _word_list(
        "قال", "قالت", "أكد", "أكدت", "أعلن", "أعلنت", "أضاف", "أضافت", "أوضح", "أوضحت",
        "صرح", "صرحت", "أشار", "أشارت", "ذكر", "ذكرت", "اعتبر", "اعتبرت", "رأى", "يقول",
        "تقول", "التقى", "استقبل", "بحث", "دعا",
    ),
    "org": _word_list(
        "شركة", "جامعة", "وزارة", "منظمة", "حزب", "حركة", "جبهة", "مجلس", "وكالة", "هيئة",
        "اتحاد", "جمعية", "بنك", "مصرف", "صحيفة", "قناة", "نادي", "مؤسسة", "لجنة", "جماعة",
        "تنظيم", "كتائب", "ألوية", "لواء", "جيش", "قوات", "منتخب", "مركز", "معهد", "محكمة",
        "برلمان", "مجموعة", "فريق", "إذاعة", "مجلة", "تلفزيون", "سلطة", "جهاز", "مكتب",
        "رابطة", "نقابة", "صندوق", "بورصة", "أكاديمية", "كلية", "مستشفى",
    ),
    "loc": _word_list(
        "مدينة", "بلدة", "قرية", "محافظة", "منطقة", "ولاية", "إقليم", "عاصمة", "دولة",
        "جزيرة", "نهر", "جبل", "بحر", "مطار", "شمال", "جنوب", "شرق", "غرب", "شمالي",
        "جنوبي", "شرقي", "غربي", "وسط", "حي", "مخيم", "ريف", "بلاد", "جمهورية", "مملكة",
        "إمارة", "قضاء", "ناحية", "مقاطعة", "خليج", "صحراء", "بادية", "سهل", "وادي",
    ),
    "prep": _word_list("في", "إلى", "من", "عن", "على", "الى", "الي", "نحو", "داخل", "خارج"),
    "kin": _word_list("بن", "ابن", "بنت", "أبو", "أبي", "أبا", "أم", "آل", "عبد"),
}


# Word -> (rank, class) of the first trigger class in _TRIGGERS that holds it.
_TRIGGER_OF: dict[str, tuple[int, str]] = {}
for _rank, (_name, _words) in enumerate(_TRIGGERS.items()):
    for _word in _words:
        _TRIGGER_OF.setdefault(_word, (_rank, _name))
_NO_TRIGGER = (len(_TRIGGERS), "")
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


def _describe_token(text: str) -> tuple[tuple[str, ...], str, str, str, str]:
    """(own features, word, stem, bare word, trigger class) of one token text."""
    folded = fold_letters(text)
    word = normalize_teh_marbuta(folded)
    if not word or not (word[0].isalnum() or word[-1].isalnum()):
        key = word or text
        return (f"w={key}", "punct"), key, key, key, ""
    if word.isdigit():
        return ("digits", f"dlen={min(len(word), 5)}"), "<num>", "<num>", "<num>", ""
    stem = light_stem(folded) if len(folded) < 30 else word
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


# Cached for training and ``propagate``, which see a token text many times.
# Tagging describes a text once per ``_TokenCache`` lifetime and calls
# ``_describe_token`` itself: there the cache only cost time and memory
# (2.35 -> 2.05 s for 52k new token texts, with ``_word_clusters``;
# one-off /tmp/rel/ab_info.py).
_token_info = lru_cache(maxsize=1 << 15)(_describe_token)

CLUSTERS_FILE = "ner_clusters.tsv"
_clusters_lock = threading.Lock()
_clusters: dict[str, tuple[str, ...]] | None = None


def load_clusters(path: str | None = None) -> dict[str, tuple[str, ...]]:
    """Word -> cluster ids (coarse to fine) of ``ner_clusters.tsv``, or of ``path``.

    The clusters come from word2vec + k-means over unlabelled news text
    (``tools/ner_clusters.py``). Passing ``path`` replaces the loaded table
    (training experiments); a missing file gives no cluster features.
    """
    global _clusters
    with _clusters_lock:
        if _clusters is None or path is not None:
            table: dict[str, tuple[str, ...]] = {}
            try:
                if path is None:
                    text = resources.files("arsearch.data").joinpath(CLUSTERS_FILE).read_text(
                        "utf-8")
                else:
                    with open(path, encoding="utf-8") as fh:
                        text = fh.read()
            except (OSError, FileNotFoundError):
                text = ""
            for line in text.split("\n"):
                word, _, rest = line.partition("\t")
                if rest:
                    table[word] = tuple(rest.split("\t"))
            replaced, _clusters = _clusters is not None, table
            if replaced:  # nothing used the clusters before the first load
                _cluster_feats.cache_clear()
                _tokens.cache_clear()
                _near_clusters.cache_clear()
        return _clusters


def _word_clusters(word: str, bare: str) -> tuple[str, ...]:
    """Cluster ids of a token: of the word itself, else of its bare form."""
    table = _clusters if _clusters is not None else load_clusters()
    ids = table.get(word)
    if ids is None and bare != word:
        ids = table.get(bare)
        if ids is not None:
            return tuple(f"k{k}b={c}" for k, c in enumerate(ids))
    if ids is None:
        return ("k=none",)
    return tuple(f"k{k}={c}" for k, c in enumerate(ids))


_cluster_feats = lru_cache(maxsize=1 << 15)(_word_clusters)  # as _token_info


_GAZ_CLASS = {"place": "loc", "person": "pers"}
_gaz_lock = threading.Lock()
_gaz: tuple[dict[str, list[tuple[tuple[str, ...], str]]], frozenset[str]] | None = None


def _gazetteer_index() -> tuple[dict[str, list[tuple[tuple[str, ...], str]]], frozenset[str]]:
    """Gazetteer names by first normalized word (rest, class), and adjective forms."""
    global _gaz
    with _gaz_lock:
        if _gaz is None:
            first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
            adjectives: frozenset[str] = frozenset()
            try:
                from arsearch.extract.gazetteer import Gazetteer

                gaz = Gazetteer.load()
                for key, ids in gaz.names.items():
                    entry = gaz.get(ids[0])
                    if entry is None or not key:
                        continue
                    cls = _GAZ_CLASS.get(entry.kind if entry.kind == "place" else entry.type, "org")
                    first.setdefault(key[0], []).append((key[1:], cls))
                adjectives = frozenset(gaz.adjectives)
            except (ImportError, OSError, ValueError):  # no gazetteer: no such features
                pass
            for names in first.values():
                names.sort(key=lambda n: -len(n[0]))
            _gaz = first, adjectives
        return _gaz


def _gazetteer_features(words: Sequence[str], candidates: Iterable[int] | None = None
                        ) -> list[str]:
    """Per token: '' or the gazetteer class of the name covering it (B-/I-).

    ``candidates`` (ascending) are the positions whose word may begin a name
    or is an adjective form, if the caller knows them; by default, all.
    """
    out = [""] * len(words)
    covered = 0  # names do not overlap: the first hides those starting inside it
    for i in range(len(words)) if candidates is None else candidates:
        if i < covered:
            continue
        names, adjective = _gazetteer_starts(words[i])
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


@lru_cache(maxsize=1 << 15)
def _gazetteer_starts(word: str) -> tuple[tuple[tuple[tuple[str, ...], str], ...], bool]:
    """The gazetteer names a word may begin, and whether it is an adjective form.

    Names are (rest, class), over each reading of its clitics, in the order
    ``_gazetteer_features`` tries them.
    """
    first, adjectives = _gazetteer_index()
    readings = _clitic_readings(word)
    names = tuple(name for reading in readings for name in first.get(reading, ()))
    return names, any(reading in adjectives for reading in readings)


_NO_GAZETTEER_START = ((), False)


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


def _token_features(text: str, known: _Known | None) -> _TokenFeatures:
    """The features of a token text; with ``known``, the rows of those the model has."""
    if known is None:
        own, word, stem, bare, trig = _token_info(text)
        clusters = _cluster_feats
    else:  # tagging: once per text (see _token_info)
        own, word, stem, bare, trig = _describe_token(text)
        clusters = _word_clusters
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
        _near_clusters(clus[:2], known), near_words,
    )


@lru_cache(maxsize=1 << 12)
def _near_clusters(clus: tuple[str, ...], known: _Known | None
                   ) -> tuple[tuple[str | int, ...], ...]:
    """What a token with these first two cluster ids gives a token at each of _OFFSETS.

    Cached: many words share their coarse clusters.
    """
    keep = _keeper(known)
    return tuple(keep([f"{off}{c}" for c in (clus if off in (-1, 1) else clus[1:])])
                 for off in _OFFSETS)


def _keeper(known: _Known | None) -> Callable[[list[str]], tuple[str | int, ...]]:
    """Feature names -> themselves (``known`` None), or their rows in the model.

    A feature the model lacks gets its row of zeros: adding it changes no score.
    """
    if known is None:
        return tuple
    get, zero = known.rows.get, repeat(known.zero)
    return lambda feats: tuple(map(get, feats, zero))


def sentence_features(tokens: Sequence[str]) -> list[list[str]]:
    """CRF attributes of each token of one sentence (training and tagging)."""
    # Two stand-ins on each side give the <pad> features and no others.
    edge = _TokenFeatures("", "", (), "", ((),) * 4, tuple((pad,) for pad in _PADS))
    toks = [_token_features(t, None) for t in tokens]
    padded = [edge, edge, *toks, edge, edge]
    gaz = ["", *_gazetteer_features([t.word for t in toks]), ""]
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
            context.extend((f"w0+1={tok.word}|{after.word}", f"b0+1={tok.bare}|{after.bare}"))
        if before.word:
            context.append(f"-1b0={before.bare}|{tok.bare}")
        out.append([*tok.own, *before2.near_clusters[0], *before.near_clusters[1],
                    *after.near_clusters[2], *after2.near_clusters[3], *context])
    return out


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


# --- the model ----------------------------------------------------------------

_lock = threading.Lock()
_tagger = None
_files = contextlib.ExitStack()
atexit.register(_files.close)


def _get_tagger():  # -> pycrfsuite.Tagger
    global _tagger
    with _lock:
        if _tagger is None:
            import pycrfsuite

            tagger = pycrfsuite.Tagger()
            tagger.open(str(_model_path()))
            _tagger = tagger
    return _tagger


def _model_path() -> Path:
    resource = resources.files("arsearch.data").joinpath(MODEL_FILE)
    return _files.enter_context(resources.as_file(resource))


@dataclass(frozen=True, eq=False)
class _Bundled:
    """The bundled model as the tagger uses it: its weights and attribute index."""

    model: crf.Model
    known: _Known
    edge: np.ndarray  # the weights of the stand-in two tokens before and after a sentence


_bundled_model: _Bundled | None = None


def _bundled() -> _Bundled:
    """The bundled model's weights and attributes, read once per process.

    Most features of a token (rare words, word pairs) are not in the model;
    the index of its attributes drops them early, before building them where it can.
    """
    global _bundled_model
    if _bundled_model is None:
        info = _get_tagger().info()
        with _lock:
            if _bundled_model is None:
                model = crf.Model.read(_model_path(), info.labels, info.attributes)
                known = _Known.of(model.attributes, model.zero)
                pads = [(), *(_keeper(known)([pad]) for pad in _PADS)]
                _bundled_model = _Bundled(model, known, _sum_rows(model, pads))
    return _bundled_model


def _sum_rows(model: crf.Model, groups: Sequence[tuple[int, ...]]) -> np.ndarray:
    """(len(groups), labels): each group's rows of weights, summed."""
    flat: list[int] = []
    starts: list[int] = []
    for group in groups:
        starts.append(len(flat))
        flat.append(model.zero)
        flat.extend(group)
    return _summed(model, flat, starts)


def _summed(model: crf.Model, flat: list[int], starts: list[int]) -> np.ndarray:
    """Sums of the weights of ``flat``'s rows, from each of ``starts`` to the next.

    Each group begins with the model's row of zeros, so none is empty.
    """
    return np.add.reduceat(model.state.take(flat, axis=0), starts, axis=0)


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
    gathered in one; when full, the cache starts afresh (the frequent texts
    are back within a few articles). Like ``functools.lru_cache`` it has
    ``cache_info`` and ``cache_clear``.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._weights: np.ndarray | None = None  # (rows, 5, labels); row 0: the stand-in
        self._hits = self._misses = 0

    def run(self, sents: Sequence[Sequence[str]]) -> tuple[list[_Entry], np.ndarray]:
        """The entries of ``sents``' tokens with two stand-ins before, between and after
        the sentences, and their weights (one row of (5, labels) per entry)."""
        with self._lock:
            texts = dict.fromkeys(chain.from_iterable(sents))
            new = [text for text in texts if text not in self._entries]
            if len(self._entries) + len(new) > self.maxsize:
                self._entries = {}
                new = list(texts)
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
        bundled = _bundled()
        known = bundled.known
        feats = [_token_features(text, known) for text in texts]
        # Five groups of rows per text: its own, and its gifts at each of _OFFSETS.
        flat: list[int] = []
        starts: list[int] = []
        start, add, extend, zero = starts.append, flat.append, flat.extend, bundled.model.zero
        for f in feats:
            start(len(flat))
            add(zero)
            extend(f.own)
            for near_clusters, near_words in zip(f.near_clusters, f.near_words, strict=True):
                start(len(flat))
                add(zero)
                extend(near_clusters)
                extend(near_words)
        first = len(self._entries) + 1
        end = first + len(texts)
        if self._weights is None or len(self._weights) < end:
            grown = np.empty((max(end, 2 * first, 4096), *bundled.edge.shape))
            grown[0] = bundled.edge
            if self._weights is not None:
                grown[:first] = self._weights[:first]
            self._weights = grown
        if texts:
            self._weights[first:end] = _summed(bundled.model, flat, starts).reshape(
                len(texts), *bundled.edge.shape)
        for row, (text, f) in enumerate(zip(texts, feats, strict=True), start=first):
            self._entries[text] = (f.word, f.bare, f.mid, known.links(f.word, f.bare, f.mid),
                                   _gazetteer_starts(f.word) != _NO_GAZETTEER_START, row)

    def cache_info(self) -> _CacheInfo:
        """Hits, misses, maximum and current size, as ``functools.lru_cache`` gives them."""
        return _CacheInfo(self._hits, self._misses, self.maxsize, len(self._entries))

    def cache_clear(self) -> None:
        """Forget every token text (after the clusters or protected names change)."""
        with self._lock:
            self._entries = {}
            self._hits = self._misses = 0


_tokens = _TokenCache(1 << 17)


def _tag(tokens: Sequence[str], tagger=None) -> list[str]:
    if not tokens:
        return []
    if tagger is not None:
        return list(tagger.tag(sentence_features(tokens)))
    return _tag_sentences([tokens])[0][0]


def _tag_sentences(sents: Sequence[Sequence[str]]) -> tuple[list[list[str]], list[list[_Entry]]]:
    """Tags of sentences of token texts with the bundled model, decoded together,
    and the tokens' entries."""
    if not sents:
        return [], []
    model = _bundled().model
    padded, weights = _tokens.run(sents)
    lengths = np.array([len(sent) for sent in sents], dtype=np.intp)
    starts = np.cumsum(lengths + 2) - lengths - 2
    emissions = _emissions(padded, weights, starts.tolist(), lengths.tolist())
    index = np.minimum(starts[:, None] + np.arange(lengths.max()), len(emissions) - 1)
    best = crf.viterbi(emissions[index], lengths, model.transitions)
    labels = model.labels
    return ([[labels[k] for k in best[b, :n]] for b, n in enumerate(lengths.tolist())],
            [padded[start + 2:start + 2 + n] for start, n in zip(starts.tolist(),
                                                                 lengths.tolist(), strict=True)])


def _emissions(padded: Sequence[_Entry], weights: np.ndarray, starts: Sequence[int],
               lengths: Sequence[int]) -> np.ndarray:
    """The state scores of the tokens of a run (``_TokenCache.run``): row r for padded[r + 2].

    Sentence ``i`` fills the ``lengths[i]`` rows from ``starts[i]``; the
    stand-ins keep a token's window from reaching into another sentence.
    """
    bundled = _bundled()
    state, tables = bundled.model.state, bundled.known.tables
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
            gaz = ["", *_gazetteer_features([tok[_WORD] for tok in sent], candidates), ""]
            named = {n for k, cls in enumerate(gaz) if cls for n in (k - 2, k - 1, k)}
            for k in sorted(named.intersection(range(length))):
                for row in _gazetteer_rows(*gaz[k:k + 3]):
                    at.append(start + k)
                    rows.append(row)
    if rows:
        np.add.at(emissions, at, state[rows])
    return emissions


@lru_cache(maxsize=1 << 8)
def _gazetteer_rows(gaz_before: str, gaz_here: str, gaz_after: str) -> tuple[int, ...]:
    """The bundled model's rows of ``_gazetteer_context`` (a few dozen combinations)."""
    return _keeper(_bundled().known)(_gazetteer_context(gaz_before, gaz_here, gaz_after))


def tag_tokens(words: list[str]) -> list[str]:
    """BIO tags (B-PERS, I-LOC, ..., O) for the tokens of one sentence.

    A token the run-time tokenizer would split (``و2005``) is tagged by its
    first piece; tokens without any character get O.

    >>> tag_tokens([])
    []
    """
    return tag_tokens_with(None, words)


def tag_tokens_with(tagger, words: Sequence[str]) -> list[str]:  # noqa: ANN001
    """``tag_tokens`` with a given ``pycrfsuite.Tagger`` (None: the bundled model)."""
    split = [[p.text for p in pieces(w)] for w in words]
    flat = [p for ps in split for p in ps]
    tags: list[str] = []
    for start in range(0, len(flat), _MAX_SENTENCE * 4):
        tags.extend(_tag(flat[start:start + _MAX_SENTENCE * 4], tagger))
    out: list[str] = []
    k = 0
    for ps in split:
        out.append(tags[k] if ps else "O")
        k += len(ps)
    return out


def propagate(sents: Sequence[Sequence[str]], tags: Sequence[list[str]]) -> list[list[str]]:
    """Tag again, across one document, the names the CRF found somewhere in it.

    News names a person in full once and then repeats the name or the family
    name alone; an untagged repeat (O everywhere) takes the type found
    elsewhere. Multi-word names of any type, and the last word of a person's
    name, are propagated. ``sents`` are token texts, ``tags`` BIO per token.
    """
    return _propagate([[_token_info(t)[3] for t in sent] for sent in sents], tags)


def _propagate(keys: Sequence[Sequence[str]], tags: Sequence[list[str]]) -> list[list[str]]:
    """``propagate`` over the tokens' bare words (the word without article or clitic)."""
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
        i = 0
        while i < len(ks):
            if ks[i] not in firsts:
                i += 1
                continue
            for size in range(min(longest, len(ks) - i), 0, -1):
                kind = names.get(tuple(ks[i:i + size]))
                if kind and all(t == "O" for t in ts[i:i + size]) and (
                        i + size == len(ts) or not ts[i + size].startswith("I-")):
                    ts[i:i + size] = [f"B-{kind}"] + [f"I-{kind}"] * (size - 1)
                    i += size - 1
                    break
            i += 1
        out.append(ts)
    return out


def find_names(text: str) -> list[tuple[int, int, str]]:
    """(start, end, type) character spans of PERS / ORG / LOC names in ``text``.

    Offsets point into the original text, diacritics and tatweel included.

    >>> find_names("")
    []
    """
    return find_names_many([text])[0]


def find_names_many(texts: Sequence[str]) -> list[list[tuple[int, int, str]]]:
    """``find_names`` of each text, the sentences of all of them decoded together.

    The same spans as one call per text, for less time per text: decoding
    costs about as much for a few sentences as for hundreds. Names found in
    one text are propagated within that text only.

    >>> find_names_many(["", ""])
    [[], []]
    """
    per_text = [list(sentences(pieces(text), text)) for text in texts]
    tags, entries = _tag_sentences([[p.text for p in sent] for sents in per_text
                                    for sent in sents])
    out = []
    first = 0
    for sents in per_text:
        end = first + len(sents)
        found = _propagate([[entry[_BARE] for entry in sent] for sent in entries[first:end]],
                           tags[first:end])
        spans: list[tuple[int, int, str]] = []
        for sent, ts in zip(sents, found, strict=True):
            spans.extend(_spans(sent, ts))
        out.append(spans)
        first = end
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
