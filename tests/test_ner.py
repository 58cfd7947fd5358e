"""The bundled CRF name tagger: loading, sensible tags, valid offsets, robustness."""

from __future__ import annotations

from pathlib import Path

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


def test_tagging_features_are_the_known_training_features_in_order() -> None:
    """The tagger gets exactly the features the model knows, in training order,
    so its scores are those of the full feature lists."""
    known = ner._model_attributes()
    assert known is not None and "bias" in known.names
    for tokens in _seed_sentences():
        full = ner.sentence_features(tokens)
        tagged = ner._sentence_features([ner._tagging_features(t) for t in tokens], known)
        assert tagged == [[f for f in feats if f in known.names] for feats in full]


def test_pair_screen_misses_no_known_pair() -> None:
    known = ner._Known.of(["w0+1=a|b|c", "-1b0=x|y", "bias"])
    assert known.pair_left["w0+1"] == {"a", "a|b"}
    assert known.pair_right["w0+1"] == {"b|c", "c"}
    left, right = known.pair_sides("a|b", "x", "")
    assert left & ner._W_AHEAD and left & ner._B_BACK and not right


def test_tags_with_and_without_the_attribute_filter_agree() -> None:
    tagger = ner._get_tagger()
    for tokens in _seed_sentences():
        assert ner._tag(tokens) == list(tagger.tag(ner.sentence_features(tokens)))
