"""The whole chain, as documents and queries see it."""

import csv
import io
import re
import shutil
from collections import Counter
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import arsearch
from arsearch.cli.commands import main
from arsearch.data import data_lines
from arsearch.maintenance import reindex
from arsearch.query.parser import parse_query
from arsearch.text.analyzer import ANALYSIS_VERSION, Analyzer, Term, analyze_terms
from arsearch.text.normalize import normalize, written_form
from arsearch.text.tokenize import tokenize

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def test_analyze_real_messy_text() -> None:
    text = "«دا.عــش» يُصعّد وبالمستشفيات ٢٠١٧ #جبل_البشري في SY24"
    assert arsearch.analyze(text) == ["داعش", "يصعد", "مستشف", "2017", "جبل", "بشر", "sy24"]


def test_stopwords_are_dropped_as_written() -> None:
    assert arsearch.analyze("إلى على في من الذي الى") == []


def test_one_letter_words_are_dropped() -> None:
    assert arsearch.analyze("لـ (الحل نت)") == ["الحل", "نت"]


def test_terms_carry_offsets_of_the_original() -> None:
    text = "شنَّ الطيرانُ الروسيُّ"
    for term in analyze_terms(text):
        assert text[term.start:term.end] in text.split()


def test_exact_form_keeps_clitics() -> None:
    (term,) = analyze_terms("والرقة")
    assert term.exact == "والرقه"
    assert term.stems == ("رقه",)


@given(st.text())
def test_analysis_never_raises(text: str) -> None:
    for term in analyze_terms(text):
        assert term.exact and term.stems and term.broad
        assert " " not in term.exact and "|" not in "".join(term.stems)


def test_ligature_unfolds_into_words() -> None:
    assert arsearch.analyze("ﷺ") == arsearch.analyze("صلى الله وسلم")


def test_an_analyzers_protected_names_reach_its_chain_only() -> None:
    before = arsearch.analyze("وبمعرشورين")
    extended = arsearch.Analyzer(extra_protected=["معرشورين"])
    assert extended.analyze("وبمعرشورين") == ["معرشورين"] != before
    assert arsearch.analyze("وبمعرشورين") == before


# --- stopwords are matched as written: a name never vanishes into one ----------

def test_stopwords_are_matched_before_letters_are_folded() -> None:
    assert arsearch.analyze("التقى علي مملوك على الحدود") == ["تقي", "علي", "مملو", "حدود"]
    assert arsearch.analyze("علي عبدالله صالح") == ["علي", "عبدالل", "صالح"]


def test_a_stopword_with_marks_or_tatweel_is_still_a_stopword() -> None:
    assert arsearch.analyze("عَلَى علــى إِلَى إلـى حتّى") == []
    assert arsearch.analyze("عَلِيّ") == ["علي"]


def test_stopword_spellings_are_listed_not_folded() -> None:
    analyzer = Analyzer()
    assert analyzer.is_stopword("إلى") and analyzer.is_stopword("الى")
    assert not analyzer.is_stopword("علي")
    assert not analyzer.is_stopword("امام")  # أمام is a stopword; امام is also إمام


def test_version_1_analysis_keeps_folding_before_stopwords() -> None:
    # Indexes built before analysis version 2 keep their terms and their queries'.
    old = Analyzer(version=1)
    assert old.analyze("التقى علي مملوك") == ["تقي", "مملو"]
    assert old.analyze_word("بتل") == (("بتل", ("بتل",), "بتل"),)
    assert Analyzer().analyze_word("بتل") == (("بتل", ("بتل", "تل"), "بتل"),)


def test_analysis_settings_record_the_version() -> None:
    assert Analyzer().settings()["version"] == ANALYSIS_VERSION
    assert Analyzer.from_settings(Analyzer().settings()) == Analyzer()
    # Settings written before versions existed are version 1.
    old = Analyzer(version=1).settings()
    assert "version" not in old
    assert Analyzer.from_settings(old).version == 1
    assert Analyzer.from_settings(old) != Analyzer()
    with pytest.raises(TypeError):
        Analyzer.from_settings({**old, "version": 99})
    with pytest.raises(arsearch.InvalidArgument, match="analysis version 99"):
        Analyzer(version=99)


def test_stopwords_in_names_the_dropped_words_as_written() -> None:
    assert Analyzer().stopwords_in("غاراتٌ عَلى البادية وعلي") == ["عَلى"]


def test_parsed_query_names_its_stopwords() -> None:
    parsed = parse_query("غارات على البادية")
    assert parsed is not None and parsed.stopwords == ["على"]
    assert parse_query("على في") is None


def test_version_1_index_still_searches_as_before(tmp_path: Path) -> None:
    old = arsearch.Index.create(tmp_path / "v1", analyzer=Analyzer(version=1))
    old.add_articles([{"id": "a", "text": "التقى علي مملوك في البادية"}])
    old.close()
    reopened = arsearch.Index.open(tmp_path / "v1")
    assert reopened.analyzer.version == 1
    assert reopened.search("البادية").total == 1
    assert reopened.search("مملوك").total == 1
    with pytest.raises(arsearch.AnalyzerMismatch, match="analysis version 1, not 2"):
        arsearch.Index.open(tmp_path / "v1", analyzer=Analyzer())


def _run(*args: str) -> Result:
    return CliRunner(mix_stderr=False).invoke(main, list(args))


def test_search_finds_ali_and_a_name_behind_a_clitic(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        '{"id": "ali", "text": "التقى علي مملوك وفدا روسيا في دمشق"}\n'
        '{"id": "tal", "text": "اشتباكات عنيفة بتل أبيض شمال الرقة"}\n', encoding="utf-8")
    ix = str(tmp_path / "ix")
    assert _run("index", str(docs), "--index", ix).exit_code == 0
    result = _run("search", "علي", "--index", ix, "--format", "ids")
    assert result.exit_code == 0 and result.stdout.split() == ["ali"]
    result = _run("search", "تل أبيض", "--index", ix, "--format", "ids")
    assert result.exit_code == 0 and result.stdout.split() == ["tal"]


def test_no_match_note_names_the_stopwords_left_out(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"id": "a", "text": "غارات على البادية"}\n', encoding="utf-8")
    ix = str(tmp_path / "ix")
    assert _run("index", str(docs), "--index", ix).exit_code == 0
    result = _run("search", "على", "--index", ix)
    assert result.exit_code == 1
    assert "searched: no searchable words; stopwords left out: على" in result.stderr
    result = _run("search", "غارات على حلب", "--index", ix)
    assert result.exit_code == 1 and "stopwords left out: على)" in result.stderr


# --- the stopword list against the names arsearch knows --------------------------

#: Common Arabic given names (men's and women's), as usually written.
COMMON_GIVEN_NAMES = """
محمد أحمد علي عمر عثمان حسن حسين خالد سعيد سعد سعود عبدالله عبد عبدالرحمن عبدالعزيز
إبراهيم إسماعيل يوسف يونس موسى عيسى يحيى زكريا سليمان داود هارون إلياس أيوب نوح آدم
مصطفى محمود حامد حمدي حمزة طارق زياد زيد زين وليد ماجد فهد فيصل فارس بشار بشير نذير
جمال كمال نبيل جميل رامي سامي هاني باسل باسم عماد عمار عامر عادل عدنان أنس أنور أمين
أمجد أسامة أيمن منصور ناصر نصر رياض رشيد صالح صلاح سليم سالم مالك هشام هيثم وائل ياسر
ياسين لؤي معاذ مهدي هادي جعفر كاظم قاسم عباس رضا نوري حيدر مقتدى عمار جواد مازن غسان
فاطمة عائشة خديجة زينب مريم سارة هدى نور هند ليلى سلمى منى رنا رانيا دعاء آمنة أمل
إيمان حنان حياة سعاد سناء علا لمى مها نادية نوال هالة وفاء ياسمين لينا ريم رهف بتول
أم أبو ابن بن بنت آل
""".split()

#: Stopwords that equal a name, kept on purpose, with the reason.
ALLOWED_STOPWORD_NAMES = {
    # as written
    "على": "علي written with ى (Egyptian and Sudanese spelling: على كرتي); the preposition "
          "is far commoner, and علي as written with ي stays searchable",
    "عنه": "a context-only alias of the town عانة, matched after مدينة; عانة stays searchable",
    "أمام": "أمام الخميني, a misspelling of إمام; the preposition is far commoner",
    "غير": "first word of غير بيدرسن; the surname carries the name",
    "هو": "first word of هو جينتاو; the other words carry the name",
    "لو": "first word of لو موند, لو بن; the other words carry the name",
    "بين": "بين حانون, a misspelling of بيت حانون in the PETRARCH dictionary",
    "كل": "a garbled PETRARCH entry (كل رمى فيرون)",
    "هذا": "a garbled PETRARCH entry",
    "ب": "a clitic PETRARCH writes apart (ب_أن_كي_مون)",
    "ل": "a clitic PETRARCH writes apart (ل_اتحاد_الاوروبي)",
    "و": "a clitic PETRARCH writes apart (و_كندا)",
    "إن": "first word of إن بي سي (NBC) and inside سي إن إن (CNN), Arabic spellings of "
          "Latin letters; the particle is far commoner, the other words carry the name and "
          "--actor finds the outlet by its gazetteer entry",
    # folded only: the stopword is matched as written, so the name is kept
    "علي": "folded form of على; stopwords are matched as written, so علي is searchable",
    "امام": "folded form of أمام; stopwords are matched as written, so امام (إمام) is kept",
    "بان": "folded form of بأن; matched as written, so بان (بان كي مون) is kept",
    "فان": "folded form of فإن; matched as written, so فان (فان دير ...) is kept",
}
#: Tokens tagged as a person at least this often in ANERcorp count as names.
MIN_ANER_PERSON = 3


def _name_words() -> tuple[set[str], set[str]]:
    """(single-word names and the first word of longer names, the single-word names)
    of the bundled gazetteer and protected names, the shared PETRARCH actor
    dictionary and ANERcorp's persons (when ../shared has them), and the given names."""
    names = set(data_lines("protected_names.txt")) | set(COMMON_GIVEN_NAMES)
    for table in sorted(resources.files("arsearch.data").iterdir(), key=str):
        if table.name.startswith("gazetteer") and table.name.endswith(".tsv"):
            rows = csv.DictReader(io.StringIO(table.read_text("utf-8")), delimiter="\t")
            for row in rows:
                for column in ("name_ar", "aliases", "adjectives", "context_aliases"):
                    names.update(n for n in (row.get(column) or "").split("|") if n.strip())
    petrarch = SHARED / "data" / "entities" / "petrarch_ar" / "actor_dict_ar_v4.txt"
    if petrarch.is_file():
        for line in petrarch.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line[0].isspace() and not line.startswith("#"):
                names.add(line.split("[")[0].strip().strip("_").replace("_", " "))
    single = {written_form(n.strip()) for n in names if len(n.split()) == 1}
    aner = SHARED / "data" / "entities" / "anercorp" / "ANERCorp_full_BIO.txt"
    if aner.is_file():
        persons = Counter(parts[0] for line in aner.read_text(encoding="utf-8").splitlines()
                          if len(parts := line.split()) == 2 and parts[1].endswith("PERS"))
        single |= {written_form(w) for w, n in persons.items() if n >= MIN_ANER_PERSON}
    first = single | {written_form(n.split()[0]) for n in names if len(n.split()) > 1}
    return first, single


def test_no_stopword_is_a_name() -> None:
    first, single = _name_words()
    assert "علي" in single and "تل" in first
    stop = Analyzer().stopwords
    as_written = stop & first
    folded = {normalize(w) for w in stop} & {normalize(w) for w in single}
    lost = (as_written | folded) - set(ALLOWED_STOPWORD_NAMES)
    assert not lost, f"stopwords that are names: {sorted(lost)}"


def test_the_allowed_stopword_names_are_all_needed() -> None:
    # An entry no longer needed is removed, so the list stays short and true.
    first, single = _name_words()
    stop = Analyzer().stopwords
    needed = (stop & first) | ({normalize(w) for w in stop} & {normalize(w) for w in single})
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not here: the PETRARCH entries cannot be checked")
    assert set(ALLOWED_STOPWORD_NAMES) <= needed


def test_reindex_brings_an_old_index_to_the_current_analysis(tmp_path: Path) -> None:
    shutil.copytree(Path(__file__).parent / "data" / "index_0_1", tmp_path / "ix")
    assert arsearch.Index.open(tmp_path / "ix").analyzer.version == 1
    reindex(tmp_path / "ix")
    ix = arsearch.Index.open(tmp_path / "ix")
    assert ix.analyzer == Analyzer()
    assert ix.search("البادية", limit=0).total == 5


# --- the compiled loop of analyze_terms (arsearch/text/_ctext.c) -------------------

def compiled_terms(ctext: ModuleType, analyzer: Analyzer, text: str) -> list[Term]:
    return list(ctext.terms(tokenize(text), analyzer._chain.analyze_word, Term))


ANALYZERS = [Analyzer(), Analyzer(version=1), Analyzer(stopwords=["البادية"], protected=["تل"])]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*"وبالمستشفيات في على علي «دا.عــش» يُصعّد", "ﷺ", "ﻻ",
                                 "٢٠١٧", "SY24", "#", "_", "\u200c", "\n", "البادية", "بتل"]),
               max_size=40).map("".join) | st.text(max_size=60))
def test_the_compiled_terms_are_the_python_terms(ctext: ModuleType, text: str) -> None:
    for analyzer in ANALYZERS:
        terms = compiled_terms(ctext, analyzer, text)
        assert terms == list(analyzer._pure_terms(text))
        assert all(type(term) is Term for term in terms)


def test_the_compiled_terms_of_the_seeds_are_the_python_terms(ctext: ModuleType) -> None:
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    for path in sorted(seeds.iterdir()):
        text = path.read_text(encoding="utf-8")
        assert compiled_terms(ctext, Analyzer(), text) == list(Analyzer()._pure_terms(text))


def test_the_compiled_terms_unpack_as_python_does(ctext: ModuleType) -> None:
    tokens = tuple(tokenize("واحد اثنان"))
    for analyses in [(("a", ("a",)),), (("a", ("a",), "a", "x"),), (1,)]:
        def analyze_word(word: str, analyses: object = analyses) -> object:
            return analyses

        def pure() -> list[Term]:
            return [Term(e, s, b, t.start, t.end)
                    for t in tokens for e, s, b in analyze_word(t.text)]

        with pytest.raises((ValueError, TypeError)) as expected:
            pure()
        with pytest.raises(expected.type, match=re.escape(str(expected.value))):
            ctext.terms(tokens, analyze_word, Term)
