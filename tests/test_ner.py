"""The bundled CRF name tagger: loading, sensible tags, valid offsets, robustness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arsearch.extract import ner
from arsearch.extract.ner import find_names, tag_tokens

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def _names(text: str) -> set[tuple[str, str]]:
    return {(text[s:e], kind) for s, e, kind in find_names(text)}


def test_model_loads() -> None:
    tagger = ner._get_tagger()
    labels = set(tagger.labels())
    assert {"O", "B-PERS", "I-PERS", "B-ORG", "B-LOC"} <= labels


def test_president_in_damascus() -> None:
    names = _names("قال الرئيس السوري بشار الأسد في دمشق")
    assert ("بشار الأسد", "PERS") in names
    assert ("دمشق", "LOC") in names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وصل وزير الخارجية الروسي سيرغي لافروف إلى بغداد أمس .", {("سيرغي لافروف", "PERS"),
                                                                    ("بغداد", "LOC")}),
        ("أعلنت الأمم المتحدة أن المساعدات وصلت إلى حلب .", {("الأمم المتحدة", "ORG"),
                                                             ("حلب", "LOC")}),
        ("وقال الملك عبدالله الثاني في عمان إن الأردن يدعم الحل السياسي .",
         {("عبدالله الثاني", "PERS"), ("الأردن", "LOC")}),
    ],
)
def test_clear_sentences(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= _names(text)


def test_tag_tokens_bio() -> None:
    words = ["قال", "الرئيس", "السوري", "بشار", "الأسد", "في", "دمشق", "."]
    tags = tag_tokens(words)
    assert len(tags) == len(words)
    assert tags[3:5] == ["B-PERS", "I-PERS"]
    assert tags[6] == "B-LOC"
    assert tags[0] == tags[-1] == "O"


def test_diacritics_and_clitics_keep_offsets() -> None:
    text = "وقالَ الرئيسُ بشّار الأسد إنّ قواته دخلت بِدمشق"
    for start, end, kind in find_names(text):
        assert text[start:end] == text[start:end].strip()
        assert kind in ner.TYPES
    assert any(kind == "LOC" and "دمشق" in text[s:e] for s, e, kind in find_names(text))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_offsets_valid_on_seeds(path: Path) -> None:
    text = path.read_text("utf-8")
    spans = find_names(text)
    assert spans, "a news article names someone or somewhere"
    last_end = -1
    for start, end, kind in spans:
        assert 0 <= start < end <= len(text)
        assert start >= last_end, "spans are ordered and do not overlap"
        last_end = end
        assert kind in ner.TYPES
        piece = text[start:end]
        assert piece == piece.strip() and piece[0].isalnum() and piece[-1].isalnum()


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n", "...", "،،؛!؟", "«»()[]", "Hello World from Reuters.", "123 456",
     "ـــ", "\u200f\u200e", "x" * 5000, "دمشق " * 3000, "بشار.الأسد.في.دمشق",
     "قال" + "،" * 500, "\ufdfa \ufefb"],
)
def test_never_raises(text: str) -> None:
    for start, end, kind in find_names(text):
        assert 0 <= start < end <= len(text)
        assert kind in ner.TYPES


def test_tag_tokens_odd_input() -> None:
    assert tag_tokens([]) == []
    assert tag_tokens(["", " ", "،"]) == ["O", "O", "O"]
    assert len(tag_tokens(["دمشق"] * 1000)) == 1000


def test_word_clusters_load() -> None:
    table = ner.load_clusters()
    assert len(table) > 10000
    levels = {len(ids) for ids in table.values()}
    assert len(levels) == 1, "every word has one id per granularity"
    # names of one kind share a cluster more often than not; here: two presidents
    assert ner._cluster_feats("بوش", "بوش")[0].startswith("k0=")
    assert ner._cluster_feats("xyzzy-not-a-word", "xyzzy-not-a-word") == ("k=none",)
    feats = ner.sentence_features(["قال", "الرئيس", "شيراك", "."])
    assert any(f.startswith("k0=") for f in feats[2])
    assert any(f.startswith("-1k") for f in feats[2])


def _seed_sentences() -> list[list[str]]:
    text = "\n".join(path.read_text("utf-8") for path in SEEDS)
    text += "\nقال|الرئيس ووزير الخارجية في مدينة حلب: «لا» ... 2019 ، بالرقة."
    return [[p.text for p in sent] for sent in ner.sentences(ner.pieces(text), text)]


def test_tagging_scores_are_the_weights_of_the_training_features() -> None:
    """The tagger's state scores are those of the features training builds:
    the cached per-token sums and the pair lookups miss no known feature."""
    model = ner._bundled().model
    for tokens in _seed_sentences():
        padded, weights = ner._tokens.run([tokens])
        emissions = ner._emissions(padded, weights, [0], [len(tokens)])
        for row, feats in zip(emissions, ner.sentence_features(tokens), strict=True):
            rows = [model.attributes[f] for f in feats if f in model.attributes]
            assert row == pytest.approx(model.state[rows].sum(axis=0), abs=1e-9)


def test_pair_index_holds_every_reading_of_a_pair() -> None:
    known = ner._Known.of({"w0+1=a|b|c": 0, "-1b0=x|y": 1, "bias": 2}, 3)
    pairs = {kind: {own: known.tables[table] for own, table in tables.items()}
             for kind, tables in known.pairs.items()}
    assert pairs["w0+1"] == {"a": {"b|c": 0}, "a|b": {"c": 0}}
    assert pairs["-1b0"] == {"y": {"x": 1}}, "indexed by the right-hand token"
    # (the neighbour, its field: word or bare word, its value -> row)
    links = [(off, field, known.tables[table])
             for off, field, table in known.links("a|b", "y", "")]
    assert links == [(-1, ner._BARE, {"x": 1}), (1, ner._WORD, {"c": 0})]
    assert known.links("q", "q", "q") == ()


def test_numpy_decoding_agrees_with_crfsuite() -> None:
    tagger = ner._get_tagger()
    for tokens in _seed_sentences():
        assert ner._tag(tokens) == list(tagger.tag(ner.sentence_features(tokens)))


def test_neighbour_index_gives_a_row_at_each_offset() -> None:
    known = ner._Known.of({"-1w=a": 0, "2w=a": 1, "1s=b": 2, "bias": 3}, 4)
    # Rows at offsets -2, -1, +1, +2; the zero row where the model has no such feature.
    assert known.near == {"w=a": (4, 0, 4, 1), "s=b": (4, 4, 2, 4)}


def test_a_small_token_cache_that_starts_afresh_gives_the_same_weights() -> None:
    small = ner._TokenCache(64)
    sents = _seed_sentences()
    for tokens in sents + sents[:5]:
        padded, weights = small.run([tokens])
        expected, expected_weights = ner._tokens.run([tokens])
        assert [entry[:ner._ROW] for entry in padded] == [e[:ner._ROW] for e in expected]
        assert np.array_equal(weights, expected_weights)
        assert small.cache_info().currsize <= max(64, len(set(tokens)))
    info = small.cache_info()
    assert info.hits > 0 and info.misses > 0
    small.cache_clear()
    assert small.cache_info() == (0, 0, 64, 0)


def test_sentences_end_at_marks_and_at_line_breaks_of_the_text() -> None:
    text = "قال الوزير.\nثم\n\nغادر دمشق\nاليوم"
    found = ner.sentences(ner.pieces(text), text)
    assert [[p.text for p in s] for s in found] == [
        ["قال", "الوزير", "."], ["ثم"], ["غادر", "دمشق"], ["اليوم"]]
    # Without the text, only the marks end sentences.
    found = ner.sentences(ner.pieces(text))
    assert [[p.text for p in s] for s in found] == [
        ["قال", "الوزير", "."], ["ثم", "غادر", "دمشق", "اليوم"]]


@pytest.mark.parametrize(("word", "bare"), [
    ("وبالمدينه", "مدينه"), ("فللجيش", "جيش"), ("الرقه", "رقه"), ("ودمشق", "دمشق"),
    ("دمشق", "دمشق"), ("وكالمعتاد", "معتاد"), ("ولواء", "لواء"), ("وسوريا", "سوريا"),
    ("ال", "ال"),
])
def test_bare_word_drops_the_article_and_clitics(word: str, bare: str) -> None:
    assert ner._strip_clitic(word) == bare
