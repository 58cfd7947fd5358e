"""The bundled CRF name tagger: loading, sensible tags, valid offsets, robustness,
one tagger per gazetteer, and no module-level state."""

from __future__ import annotations

import ast
import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
import pycrfsuite
import pytest

from arsearch.errors import ArsearchError
from arsearch.extract import ner
from arsearch.extract.gazetteer import Gazetteer, bundled_rows, merge_rows
from arsearch.extract.ner import find_names, tag_tokens

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
HEADER = "id\tkind\ttype\tname_ar\tname_en\tparent\tlat\tlon\taliases\tadjectives\n"


def _names(text: str) -> set[tuple[str, str]]:
    return {(text[s:e], kind) for s, e, kind in find_names(text)}


#: The bundled model's bytes: CRFsuite reads a model in place, so they must
#: outlive every tagger opened on them.
MODEL_BYTES = resources.files("arsearch.data").joinpath(ner.MODEL_FILE).read_bytes()


def _crfsuite() -> pycrfsuite.Tagger:
    """CRFsuite's own tagger of the bundled model."""
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(MODEL_BYTES)
    return tagger


def test_model_loads() -> None:
    tagger = _crfsuite()
    labels = set(tagger.labels())
    assert {"O", "B-PERS", "I-PERS", "B-ORG", "B-LOC"} <= labels
    assert set(ner.bundled_model().model.labels) == labels


def test_the_names_read_from_the_model_file_are_crfsuites() -> None:
    info = _crfsuite().info()
    model = ner.bundled_model().model
    assert model.attributes == {name: int(i) for name, i in info.attributes.items()}
    assert model.labels == tuple(sorted(info.labels, key=lambda name: int(info.labels[name])))


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
    assert ner.load_clusters() is table, "read once"
    # names of one kind share a cluster more often than not; here: two presidents
    features = ner.features_of()
    assert features.cluster_features("بوش", "بوش")[0].startswith("k0=")
    assert features.cluster_features("xyzzy-not-a-word", "xyzzy-not-a-word") == ("k=none",)
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
    tagger = ner.name_tagger()
    model = tagger.model.model
    for tokens in _seed_sentences():
        padded, weights = tagger.tokens.run([tokens])
        emissions = tagger._emissions(padded, weights, [0], [len(tokens)])
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
    crfsuite = _crfsuite()
    tagger = ner.name_tagger()
    for tokens in _seed_sentences():
        crf_tags = list(crfsuite.tag(ner.sentence_features(tokens)))
        assert tagger.tag(tokens) == tagger.features.rules.apply(tokens, crf_tags)
    words = [w for tokens in _seed_sentences()[:20] for w in tokens]
    assert ner.tag_tokens_with(crfsuite, words) == ner.tag_tokens(words)


def test_neighbour_index_gives_a_row_at_each_offset() -> None:
    known = ner._Known.of({"-1w=a": 0, "2w=a": 1, "1s=b": 2, "bias": 3}, 4)
    # Rows at offsets -2, -1, +1, +2; the zero row where the model has no such feature.
    assert known.near == {"w=a": (4, 0, 4, 1), "s=b": (4, 4, 2, 4)}


def test_a_small_token_cache_that_starts_afresh_gives_the_same_weights() -> None:
    tagger = ner.name_tagger()
    small = ner._TokenCache(64, tagger.model, tagger.features)
    sents = _seed_sentences()
    for tokens in sents + sents[:5]:
        padded, weights = small.run([tokens])
        expected, expected_weights = tagger.tokens.run([tokens])
        assert [entry[:ner._ROW] for entry in padded] == [e[:ner._ROW] for e in expected]
        assert np.array_equal(weights, expected_weights)
        assert small.cache_info().currsize <= max(64, len(set(tokens)))
    info = small.cache_info()
    assert info.hits > 0 and info.misses > 0
    small.cache_clear()
    assert small.cache_info() == (0, 0, 64, 0)


def test_a_full_token_cache_keeps_the_texts_used_lately_with_the_same_weights() -> None:
    tagger = ner.name_tagger()
    small = ner._TokenCache(40, tagger.model, tagger.features)
    words = [f"كلمة{i}" for i in range(200)]
    # Every sentence holds the frequent «قوات»; the rest are new each time.
    sents = [["قوات", *words[i:i + 5]] for i in range(0, 200, 5)]
    for sent in sents:
        padded, weights = small.run([sent])
        expected, expected_weights = tagger.tokens.run([sent])
        assert [entry[:ner._ROW] for entry in padded] == [e[:ner._ROW] for e in expected]
        assert np.array_equal(weights, expected_weights)
        assert small.cache_info().currsize <= 40
    # Room was made several times, and «قوات» missed once only: it was kept.
    assert small.cache_info().misses == 1 + 200
    assert small.cache_info().hits == len(sents) - 1


def test_a_tagger_forgets_its_token_texts_and_tags_alike() -> None:
    tagger = ner.NameTagger()
    text = SEEDS[0].read_text("utf-8")
    found = tagger.find_names(text)
    assert tagger.tokens.cache_info().currsize > 0
    assert tagger.features.gazetteer_starts.cache_info().currsize > 0
    tagger.cache_clear()
    assert tagger.tokens.cache_info().currsize == 0
    assert tagger.features.gazetteer_starts.cache_info().currsize == 0
    assert tagger.find_names(text) == found == ner.find_names(text)


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


def test_token_word_and_bare_word_are_those_of_the_features() -> None:
    texts = {t for tokens in _seed_sentences() for t in tokens}
    texts |= {"ـــ", "\u200f", "(للجيش)", "-", "و2005", "2019", "ABC", "...", "\ufdfa"}
    for text in texts:
        _, word, _, bare, _ = ner._describe_token(text)
        assert (ner.token_word(text), ner.bare_word(text)) == (word, bare), text


# --- one tagger per gazetteer ---------------------------------------------------

#: ``find_names_many`` of the seed articles with the bundled model, clusters and
#: gazetteer (sha256 of their repr); another model or other features change it.
SEED_NAMES_DIGEST = "88367832f5198603d932205a0b1b096932a6403bb972e02c1640daf4b99944a0"


def _digest(found: object) -> str:
    return hashlib.sha256(repr(found).encode()).hexdigest()


def test_the_bundled_gazetteer_gives_the_names_it_always_gave() -> None:
    texts = [path.read_text("utf-8") for path in SEEDS]
    assert _digest(ner.find_names_many(texts)) == SEED_NAMES_DIGEST
    # The bundled gazetteer passed, or rebuilt into another object: the same tagger.
    rebuilt = Gazetteer(merge_rows(bundled_rows()))
    assert rebuilt is not Gazetteer.load()
    assert ner.name_tagger(rebuilt) is ner.name_tagger(Gazetteer.load()) is ner.name_tagger()
    assert _digest(ner.find_names_many(texts, gazetteer=rebuilt)) == SEED_NAMES_DIGEST
    assert ner.find_names_many(texts)[2][:4] == [(109, 113, "ORG"), (212, 219, "LOC"),
                                                 (501, 504, "LOC"), (574, 583, "LOC")]


@pytest.fixture()
def user_gazetteer(tmp_path: Path) -> Path:
    """Made-up names, one per class of the gazetteer features."""
    path = tmp_path / "mine.tsv"
    path.write_text(HEADER
                    + "zarqash\tactor\tperson\tزرقاش بنطلوف\t\t\t\t\t\t\n"
                    + "qurtanisa\tplace\tvillage\tقرطنيسة\t\t\t\t\t\t\n"
                    + "mubtakirun\tactor\torganization\tهيئة المبتكرين\t\t\t\t\t\t\n"
                    + "bartaan\tplace\tvillage\tبرطعان\t\t\t\t\t\t\n", encoding="utf-8")
    return path


def _gazetteer_features(features: ner.Features, text: str) -> list[str]:
    return features.gazetteer_features([ner.token_word(p.text) for p in ner.pieces(text)])


def test_a_user_gazetteer_gives_the_tagger_its_names(user_gazetteer: Path) -> None:
    user = Gazetteer.load([user_gazetteer])
    text = "قال زرقاش بنطلوف إن قرطنيسة آمنة ."
    assert _gazetteer_features(ner.features_of(), text) == [""] * 7
    assert _gazetteer_features(ner.features_of(user), text) == [
        "", "B-pers", "I-pers", "", "B-loc", "", ""]
    words = [p.text for p in ner.pieces(text)]
    bundled_rows_ = ner.features_of().sentence_features(words)
    user_rows = ner.features_of(user).sentence_features(words)
    assert "gz=pers" in user_rows[1] and "+1gz=I-pers" in user_rows[1]
    assert not any(f.startswith(("gz=", "-1gz=", "+1gz=")) for f in bundled_rows_[1])


@pytest.mark.parametrize(("text", "bundled", "user"), [
    ("سقطت قذيفة على قرطنيسة صباح اليوم .", [], [("قرطنيسة", "LOC")]),
    ("وأعلنت هيئة المبتكرين عن برنامج جديد .", [], [("هيئة المبتكرين", "ORG")]),
    ("التقى برطعان مع الوفد .", [("برطعان", "PERS")], [("برطعان", "LOC")]),
])
def test_two_gazetteers_in_one_process_tag_apart(user_gazetteer: Path, text: str,
                                                 bundled: list, user: list) -> None:
    mine = Gazetteer.load([user_gazetteer])

    def names(**kwargs: object) -> list[tuple[str, str]]:
        return [(text[s:e], kind) for s, e, kind in find_names(text, **kwargs)]

    assert names() == bundled
    assert names(gazetteer=mine) == user
    assert names() == bundled, "the user gazetteer's tagger keeps its caches to itself"
    assert ner.find_names_many([text, text], gazetteer=mine) == [
        find_names(text, gazetteer=mine)] * 2
    # Loaded again, the same entries: the same tagger.
    assert ner.name_tagger(Gazetteer.load([user_gazetteer])) is ner.name_tagger(mine)
    assert ner.name_tagger(mine) is not ner.name_tagger()


# --- errors and state -------------------------------------------------------------

def test_a_broken_cluster_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(OSError) as error:
        ner.load_clusters(tmp_path / "missing.tsv")
    assert "missing.tsv" in str(error.value)
    path = tmp_path / "clusters.tsv"
    path.write_text("دمشق\t3\t17\n", encoding="utf-8")
    features = ner.Features(clusters=ner.load_clusters(path))
    assert features.word_clusters("دمشق", "دمشق") == ("k0=3", "k1=17")
    assert ner.features_of().word_clusters("دمشق", "دمشق") != ("k0=3", "k1=17")


def test_model_error_is_an_arsearch_error() -> None:
    assert issubclass(ner.ModelError, ArsearchError) and issubclass(ner.ModelError, ValueError)


def test_extraction_modules_keep_no_global_state() -> None:
    """No ``global`` statement in arsearch/extract: what extraction keeps lives in
    objects (``NameTagger``, ``Features``, ``Gazetteer``) and caches keyed by their settings."""
    found = []
    for path in sorted((ROOT / "arsearch" / "extract").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Global):
                found.append(f"{path.name}:{node.lineno} global {', '.join(node.names)}")
    assert not found, found


# --- rules after the CRF: Latin-script names, organisation names that are common words


@pytest.mark.parametrize(("text", "name"), [
    ("وقالت شبكة CNN إن الهجوم وقع فجرا", "CNN"),
    ("وأعلنت شركة Lenovo الصينية أرباحها", "Lenovo"),
    ("تنافس شركة أبل وDell في السوق", "وDell"),
    ("تنافس الشركة بـIBM في السوق", "بـIBM"),
])
def test_a_latin_name_in_arabic_text_is_an_organisation(text: str, name: str) -> None:
    assert (name, "ORG") in _names(text)


@pytest.mark.parametrize("text", [
    "زوروا موقعنا www.Example.com/Page للمزيد",
    "راسلونا على info@Example.com للمزيد",
    "تسمى الظاهرة الحركة البراونية ( Brownian motion ) في الفيزياء",
    "يسمى الهلال ( New Moon ) عند الفلكيين",
    "كتب على اللافتة It's over بالإنجليزية",
    "اشترى جهازا من نوع x ثم باعه",
])
def test_latin_text_that_is_no_name_stays_untagged(text: str) -> None:
    names = _names(text)
    assert not any(any("a" <= c.lower() <= "z" for c in name) for name, _ in names), names


def test_a_latin_name_of_several_words_is_one_name() -> None:
    rules = ner.name_tagger().features.rules
    tokens = ["باعت", "حواسيبها", "إلى", "Bank", "of", "Acme", "&", "Sons", "أمس"]
    assert rules.apply(tokens, ["O"] * 9)[3:] == ["B-ORG"] + ["I-ORG"] * 4 + ["O"]


def test_a_latin_gloss_takes_the_type_of_the_arabic_name_before_it() -> None:
    tagger = ner.name_tagger()
    tokens = ["قال", "ألبرت", "أينشتاين", "(", "Albert", "Einstein", ")"]
    tags = tagger.features.rules.apply(tokens, ["O", "B-PERS", "I-PERS", "O", "O", "O", "O"])
    assert tags[4:6] == ["B-PERS", "I-PERS"]


@pytest.mark.parametrize("text", [
    "قال قيادي في فتح إن الحوار مستمر",
    "وأكد أن له صلات بالقاعدة منذ سنوات",
    "واعتقلت الشرطة عناصر القاعدة في المدينة",
    "وهاجم أنصار فتح مقر الحكومة",
])
def test_an_organisation_named_by_a_common_word_needs_evidence(text: str) -> None:
    kinds = {kind for name, kind in _names(text) if "فتح" in name or "قاعد" in name}
    assert kinds == {"ORG"}


@pytest.mark.parametrize("text", [
    "فتح الجندي الباب ودخل",
    "وقد فتح المعبر أمام المسافرين",
    "هاجمت القوات القاعدة العسكرية في الشمال",
    "وهذه القاعدة لا تنطبق على الجميع",
    "ونقل الجرحى إلى القاعدة الجوية",
])
def test_the_common_word_stays_a_common_word(text: str) -> None:
    assert not any(("فتح" in name or "قاعد" in name) and kind == "ORG"
                   for name, kind in _names(text))


def test_the_short_form_of_an_organisation_named_in_full_is_the_organisation() -> None:
    text = "أعلنت حركة فتح رفضها للاتفاق. وقالت فتح إن الحوار انتهى."
    assert ("فتح", "ORG") in _names(text)
    text = "أعلن تنظيم القاعدة مسؤوليته. ووصلت القوات إلى القاعدة العسكرية."
    assert ("القاعدة", "ORG") not in _names(text)


def test_known_organisations_of_the_gazetteer_are_found() -> None:
    names = _names("وقالت وكالة الأسوشيتد برس إن شركة انرون أفلست")
    assert any("الأسوشيتد برس" in name and kind == "ORG" for name, kind in names), names
    assert any("انرون" in name and kind == "ORG" for name, kind in names), names


def test_full_stop_inside_an_address_does_not_end_a_sentence() -> None:
    text = "زوروا www.example.com الآن"
    assert len(list(ner.sentences(ner.pieces(text), text))) == 1
    assert len(list(ner.sentences(ner.pieces("انتهى. ثم بدأ"), "انتهى. ثم بدأ"))) == 2


def test_a_gazetteer_organisation_the_crf_took_for_a_person_is_an_organisation() -> None:
    rules = ner.name_tagger().features.rules
    tokens = ["فاز", "الترجي", "الرياضي", "أمس"]
    assert rules.apply(tokens, ["O", "B-PERS", "I-PERS", "O"]) == ["O", "B-ORG", "I-ORG", "O"]
    # a person's name the CRF found is left alone when the gazetteer has no organisation there
    tokens = ["قال", "زياد", "الترجمان", "أمس"]
    assert rules.apply(tokens, ["O", "B-PERS", "I-PERS", "O"]) == ["O", "B-PERS", "I-PERS", "O"]


def test_a_state_s_forces_named_after_it_are_not_added_as_an_organisation() -> None:
    rules = ner.name_tagger().features.rules
    tokens = ["قالت", "الحكومة", "العراقية", "إن"]
    assert rules.apply(tokens, ["O"] * 4) == ["O"] * 4
    tokens = ["قالت", "قناة", "الجزيرة", "إن"]
    assert rules.apply(tokens, ["O"] * 4) == ["O", "B-ORG", "I-ORG", "O"]
