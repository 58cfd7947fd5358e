"""The compiled features of token texts (``arsearch.extract._cner``) against their
pure-Python twin (``_TokenCache._describe``): the same entries, bit for bit the same
weights, the same names, on messy generated tokens and on real text.

Skipped when the extension is not built (or ``ARSEARCH_PURE_PYTHON`` is set).
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch.extract import ner

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
#: The first articles of ANT v2.1 (those of the benchmarks' ant5k), when ../shared is there.
ANT = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"

pytestmark = pytest.mark.skipif(ner._CNER is None,
                                reason="arsearch.extract._cner is not built or is turned off")

MESSY = settings(max_examples=100, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ARABIC_LETTERS = [chr(c) for c in range(0x0621, 0x064B)] + ["\u06a9", "\u06cc", "\u0671"]
MARKS = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670", "\u0640"]  # and tatweel
DIGITS = list("0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")
LATIN = list("abcXYZéİß")
PUNCTUATION = list(".,:;!?()[]«»\"'-_/@\\#%،؛؟…“”") + ["..", "--", "://"]
ODD = ["\u200c", "\u200d", "\u200f", "\ufeff", "\x00", "\ufefb", "\ufdf2", "\ufdfa", "\ufe8d",
       "\ud800", "\udfff", "\U0001f600", "\U00010400", " ", "\n", "ـ"]
CLITICS = ["", "و", "ف", "ب", "ك", "ل", "ال", "وال", "بال", "فال", "كال", "لل", "ولل", "فلل",
           "وبال", "فبال", "وكال"]
WORDS = ["مدينة", "الرقة", "دمشق", "حزب", "القاعدة", "الرئيس", "قال", "جامعة", "بن", "وزارة",
         "أحمد", "إلى", "على", "مستشفى", "CNN", "2019", "٢٠١٩", "ال", "لل", "ة"]

_ALPHABET = ARABIC_LETTERS + MARKS + DIGITS + LATIN + PUNCTUATION + ODD
tokens = st.one_of(
    st.lists(st.sampled_from(_ALPHABET), max_size=12).map("".join),
    # From 30 letters folded, a token is not stemmed.
    st.lists(st.sampled_from(_ALPHABET), min_size=24, max_size=36).map("".join),
    st.builds(lambda c, w, m, s: c + w + m + s, st.sampled_from(CLITICS), st.sampled_from(WORDS),
              st.sampled_from(["", *MARKS]), st.sampled_from(["", "ه", "ها", "ات", "ين", "ية"])),
    st.text(max_size=10),
)


def _caches(tagger: ner.NameTagger) -> tuple[ner._TokenCache, ner._TokenCache]:
    """A compiled and a pure-Python token cache for one tagger's model and features."""
    size = ner.TOKEN_CACHE_SIZE * 8
    return (ner._TokenCache(size, tagger.model, tagger.features),
            ner._TokenCache(size, tagger.model, tagger.features, compiled=False))


def _assert_same(tagger: ner.NameTagger, texts: Iterable[str]) -> None:
    compiled, pure = _caches(tagger)
    assert compiled._native is not None and pure._native is None
    texts = list(dict.fromkeys(texts))
    compiled._add(texts)
    pure._add(texts)
    assert list(compiled._entries) == list(pure._entries) == texts
    for text in texts:
        assert compiled._entries[text] == pure._entries[text], text
    rows = len(texts) + 1
    assert np.array_equal(compiled._weights[:rows], pure._weights[:rows])


def _pure_tagger(features: ner.Features | None = None) -> ner.NameTagger:
    tagger = ner.NameTagger(features)
    tagger.tokens = ner._TokenCache(ner.TOKEN_CACHE_SIZE, tagger.model, tagger.features,
                                    compiled=False)
    return tagger


@MESSY
@given(st.lists(tokens, max_size=20))
def test_messy_tokens_give_the_same_entries_and_weights(texts: list[str]) -> None:
    _assert_same(ner.name_tagger(), texts)


@MESSY
@given(st.lists(st.lists(tokens, min_size=1, max_size=12), max_size=4))
def test_messy_sentences_get_the_same_tags(sents: list[list[str]]) -> None:
    compiled, pure = ner.NameTagger(ner.features_of()), _pure_tagger(ner.features_of())
    assert compiled.tokens._native is not None
    assert compiled.tag_sentences(sents) == pure.tag_sentences(sents)


def test_edge_tokens_give_the_same_entries_and_weights() -> None:
    texts = ["", " ", "ـــ", "\u200f", "\ud800", "ة", "ال", "لل", "ولل", "وبال", "بالة", "2019",
             "٢٠١٩", "و2005", "ABC", "abc1", "...", "«", "\ufdfa", "\ufefb", "<num>", "w=x",
             "وزارة", "والقاعدة", "للقاعدة", "ولبنان", "فللجيش", "وكالمعتاد", "x" * 29, "x" * 30,
             "ب" * 29 + "ة", "ب" * 30, "İstanbul", "ß", "\x00", "a|b", "|", "k=none"]
    texts += [c + w for c in CLITICS for w in WORDS]
    _assert_same(ner.name_tagger(), texts)


def test_seed_tokens_give_the_same_entries_weights_and_names() -> None:
    articles = [path.read_text("utf-8") for path in SEEDS]
    _assert_same(ner.name_tagger(), (p.text for text in articles for p in ner.pieces(text)))
    compiled, pure = ner.NameTagger(ner.features_of()), _pure_tagger(ner.features_of())
    assert compiled.find_names_many(articles) == pure.find_names_many(articles)


def test_another_cluster_table_and_gazetteer_give_the_same_entries_and_weights() -> None:
    """A plain dict of clusters (the bundled table is a mappingproxy), and a tagger
    whose features are not the bundled ones."""
    texts = [p.text for path in SEEDS for p in ner.pieces(path.read_text("utf-8"))]
    table = dict(ner.load_clusters())
    table["دمشق"] = ("x", "y")  # fewer levels than the others
    table["حلب"] = ("only",)
    for clusters in (table, MappingProxyType(table), {}):
        features = ner.Features(clusters=clusters)
        _assert_same(ner.NameTagger(features), [*texts, "دمشق", "ودمشق", "حلب", "بحلب"])


def test_both_raise_the_same_error_on_what_is_not_a_token_text() -> None:
    for cache in _caches(ner.name_tagger()):
        with pytest.raises(TypeError):
            cache._add([1])  # type: ignore[list-item]
        assert cache.cache_info().currsize == 0


def test_a_small_compiled_cache_that_starts_afresh_gives_the_same_weights() -> None:
    tagger = ner.name_tagger()
    small = ner._TokenCache(64, tagger.model, tagger.features)
    pure = ner._TokenCache(64, tagger.model, tagger.features, compiled=False)
    text = "\n".join(path.read_text("utf-8") for path in SEEDS)
    for sent in itertools.islice(ner.sentences(ner.pieces(text), text), 60):
        tokens = [p.text for p in sent]
        padded, weights = small.run([tokens])
        expected, expected_weights = pure.run([tokens])
        assert padded == expected
        assert np.array_equal(weights, expected_weights)


@pytest.mark.skipif(not ANT.is_file(), reason="../shared/data/news is not there")
def test_the_tokens_of_a_thousand_news_articles_give_the_same_features_and_names() -> None:
    with gzip.open(ANT, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in itertools.islice(fh, 1000)]
    articles = [f"{a['title']}\n{a['text']}" if a.get("title") else a["text"] for a in rows]
    _assert_same(ner.name_tagger(), (p.text for text in articles for p in ner.pieces(text)))
    compiled, pure = ner.NameTagger(ner.features_of()), _pure_tagger(ner.features_of())
    for start in range(0, len(articles), 50):
        batch = articles[start:start + 50]
        assert compiled.find_names_many(batch) == pure.find_names_many(batch)
