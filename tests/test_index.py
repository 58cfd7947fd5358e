"""The public API end to end on the seed articles."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import arsearch


def ids(results: arsearch.SearchResults) -> set[str]:
    return {hit.id[:3] for hit in results}


def test_seed_index_counts(seed_index: arsearch.Index) -> None:
    assert len(seed_index) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("داعش", {"000", "001", "002", "003", "004"}),
        ("دا.عــش", {"000", "001", "002", "003", "004"}),  # obfuscated query
        ("داعـــش", {"000", "001", "002", "003", "004"}),  # tatweel
        ("البوكمال", {"003"}),
        ("بالبوكمال", {"003"}),  # clitic on a protected name
        ('"جبل البشري"', {"000", "004"}),  # hashtag in 000, plain text in 004
        ("الغارة الروسية", {"000", "003", "004", "001"}),
        ("يصعد", {"000", "003"}),  # diacritized يُصعّد in 000
        ("SY24", {"002", "004"}),
        ("sy24", {"002", "004"}),
        ("غويران", {"001"}),
        ("كباجب", {"000", "003"}),  # #كُباجب and وكباجب
    ],
)
def test_messy_arabic_is_found(seed_index: arsearch.Index, query: str, expected: set[str]) -> None:
    assert ids(seed_index.search(query, limit=0)) == expected


def test_all_versus_any(seed_index: arsearch.Index) -> None:
    assert ids(seed_index.search("البوكمال غويران")) == set()
    assert ids(seed_index.search("البوكمال غويران", match="any")) == {"001", "003"}


def test_operators(seed_index: arsearch.Index) -> None:
    assert ids(seed_index.search("البوكمال OR غويران")) == {"001", "003"}
    everything = ids(seed_index.search("داعش", limit=0))
    with_russia = ids(seed_index.search("روسيا", limit=0))
    assert ids(seed_index.search("داعش -روسيا", limit=0)) == everything - with_russia
    assert ids(seed_index.search("داعش NOT روسيا", limit=0)) == everything - with_russia
    assert ids(seed_index.search("title:داعش")) == {"000", "003"}
    assert ids(seed_index.search("source:SY24")) == {"002", "004"}
    assert ids(seed_index.search('title:"البادية السورية"')) == {"003"}


def test_limit_zero_returns_every_match(seed_index: arsearch.Index) -> None:
    assert len(seed_index.search("داعش", limit=2)) == 2
    results = seed_index.search("داعش", limit=0)
    assert len(results) == results.total == 5
    assert len(seed_index.search("داعش", limit=None)) == 5


def test_hit_fields_and_snippet_from_original_text(seed_index: arsearch.Index) -> None:
    (hit,) = seed_index.search("البوكمال حزب")
    assert hit.id == "003_4d67c2310d9d160a"
    assert hit.title.startswith('"دا.عــش"') and hit.source == "بلدي نيوز"
    assert hit.score > 0 and hit.published is None
    marked = [hit.snippet[s:e] for s, e in hit.highlights]
    assert "البوكمال" in marked


def test_snippet_keeps_diacritics(seed_index: arsearch.Index) -> None:
    hit = next(h for h in seed_index.search("شن السبت", limit=0) if h.id.startswith("000"))
    marked = [hit.snippet[s:e] for s, e in hit.highlights]
    assert "شنَّ" in marked and "السبت" in marked


def test_exact_form_ranks_above_stem_match(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([
        {"id": "stem", "text": "شنت الطائرات غارات على المدن في الشمال والجنوب"},
        {"id": "exact", "text": "شنت الطائرات الغارة على المدن في الشمال والجنوب"},
        {"id": "broad", "text": "شنت الطائرات هجمات على المدينة في الشمال والجنوب"},
    ])
    assert [h.id for h in ix.search("الغارة")] == ["exact", "stem"]
    assert [h.id for h in ix.search("المدينة")][0] == "broad"
    assert {h.id for h in ix.search("المدينة")} == {"broad", "stem", "exact"}  # مدن via broad


def test_reindexing_replaces_and_skips_unchanged(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    first = ix.add_articles([{"id": "a", "text": "نص أول عن الرقة"}])
    same = ix.add_articles([{"id": "a", "text": "نص أول عن الرقة"}])
    changed = ix.add_articles([{"id": "a", "text": "نص جديد عن حلب"}])
    assert (first.added, same.unchanged, changed.replaced) == (1, 1, 1)
    assert len(ix) == 1
    assert [h.id for h in ix.search("حلب")] == ["a"] and not ix.search("الرقة").total
    assert arsearch.Index.open(tmp_path).get("a").text == "نص جديد عن حلب"


def test_bad_records_are_counted_not_fatal(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    report = ix.add_articles([{"id": "ok", "text": "نص"}, {"id": "no-text"}, {"text": "no id"},
                              {"id": "bad-date", "text": "نص", "published": "2019-13-01"}])
    assert (report.added, report.failed, len(report.errors)) == (1, 3, 3)


def test_delete(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([{"id": "a", "text": "الرقة"}, {"id": "b", "text": "حلب"}])
    assert ix.delete(["a", "zzz"]) == 1
    assert len(ix) == 1 and ix.get("a") is None


def test_open_and_create_errors(tmp_path: Path) -> None:
    with pytest.raises(arsearch.IndexNotFound, match="no index at"):
        arsearch.Index.open(tmp_path / "nothing")
    arsearch.Index.create(tmp_path / "ix")
    with pytest.raises(arsearch.IndexExists):
        arsearch.Index.create(tmp_path / "ix")
    assert len(arsearch.Index.create(tmp_path / "ix", overwrite=True)) == 0


@pytest.mark.parametrize("query", ['"داعش', "(داعش", "داعش)", "OR داعش", "داعش OR", "NOT",
                                   "title:"])
def test_malformed_queries_raise_clear_errors(seed_index: arsearch.Index, query: str) -> None:
    with pytest.raises(arsearch.QuerySyntaxError, match="query syntax error at character"):
        seed_index.search(query)


def test_plain_text_mode_never_raises(seed_index: arsearch.Index) -> None:
    assert seed_index.search('ما هي "البوكمال (', match="any", syntax=False).total == 1


def test_stopword_only_query_matches_nothing(seed_index: arsearch.Index) -> None:
    results = seed_index.search("في من على")
    assert results.total == 0 and results.terms == []


def test_phrase_does_not_run_from_title_into_text(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([{"id": "a", "title": "تقرير عن دير", "text": "الزور مدينة"}])
    assert ix.search("دير").total == 1  # the title is searched with the body
    assert ix.search('"دير الزور"').total == 0


def test_any_ranks_a_phrase_first_but_counts_its_words(tmp_path: Path) -> None:
    # A question or tweet pasted with match="any" quotes what the article may
    # only paraphrase: its quoted words still count one by one.
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([
        {"id": "apart", "title": "", "text": "الديمقراطية في سوريا بعيدة عن القوات المسلحة"},
        {"id": "phrase", "title": "", "text": "تقدم قوات سوريا الديمقراطية نحو الرقة"},
        {"id": "one", "title": "", "text": "مستقبل الديمقراطية"},
        {"id": "none", "title": "", "text": "أسعار الخبز في المدينة"},
    ])
    query = '"قوات سوريا الديمقراطية"'
    assert [hit.id for hit in ix.search(query, match="any")] == ["phrase", "apart", "one"]
    assert [hit.id for hit in ix.search(query)] == ["phrase"]  # all: the phrase itself
    assert {hit.id for hit in ix.search(f"-{query} الديمقراطية", match="any")} == {"apart", "one"}


def test_index_from_another_schema_says_rebuild(tmp_path: Path) -> None:
    arsearch.Index.create(tmp_path)
    (tmp_path / "arsearch.json").write_text('{"schema_version": 0}', encoding="utf-8")
    with pytest.raises(arsearch.SchemaMismatch, match="rebuild it"):
        arsearch.Index.open(tmp_path)
    (tmp_path / "arsearch.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(arsearch.DamagedIndex, match="arsearch.json: unreadable") as caught:
        arsearch.Index.open(tmp_path)  # damage, not another schema: reindex reads the same
    assert "arsearch check" in str(caught.value) and "reindex" not in str(caught.value)


# --- analysis settings belong to the index ----------------------------------

FIXTURE_0_1 = Path(__file__).parent / "data" / "index_0_1"


def test_an_index_built_by_arsearch_0_1_opens_with_the_bundled_settings(tmp_path: Path) -> None:
    # ... of analysis version 1, which its terms were made with.
    shutil.copytree(FIXTURE_0_1, tmp_path / "ix")
    ix = arsearch.Index.open(tmp_path / "ix")
    assert ix.analyzer == arsearch.Analyzer(version=1)
    assert ix.search("البادية", limit=0).total == 5
    assert arsearch.Index.open(tmp_path / "ix", analyzer=arsearch.Analyzer(version=1)).search(
        "البادية").total == 5
    with pytest.raises(arsearch.AnalyzerMismatch, match="analysis version 1, not 2"):
        arsearch.Index.open(tmp_path / "ix", analyzer=arsearch.Analyzer())


@pytest.fixture(scope="module")
def badia_stopped(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    """The seeds indexed with البادية as the only stopword."""
    path = tmp_path_factory.mktemp("badia-stopped")
    ix = arsearch.Index.create(path, analyzer=arsearch.Analyzer(stopwords=["البادية"]))
    assert ix.add_paths([seeds_dir]).added == 5
    ix.close()
    return path


def test_an_index_keeps_its_analysis_settings(badia_stopped: Path,
                                              seed_index: arsearch.Index) -> None:
    assert seed_index.search("البادية", limit=0).total == 5
    ix = arsearch.Index.open(badia_stopped)
    assert ix.analyzer == arsearch.Analyzer(stopwords=["البادية"])
    assert ix.search("البادية", limit=0).total == 0
    assert ix.search("في", limit=0).total > 0  # the bundled stopwords are not its own
    assert ix.analyzer.analyze("غارات على البادية") == ["غار", "علي"]
    assert seed_index.analyzer.analyze("غارات على البادية") == ["غار", "باديه"]


def test_the_settings_are_read_back_in_a_new_process(badia_stopped: Path) -> None:
    script = ("import sys, arsearch\n"
              "ix = arsearch.Index.open(sys.argv[1])\n"
              "print(ix.search('البادية', limit=0).total, ix.search('داعش', limit=0).total,"
              " sorted(ix.analyzer.stopwords))\n")
    done = subprocess.run([sys.executable, "-c", script, str(badia_stopped)], check=True,
                          capture_output=True, text=True, encoding="utf-8")
    assert done.stdout.split() == ["0", "5", "['البادية']"]  # as written: version 2


def test_indexes_with_different_settings_do_not_meet(badia_stopped: Path, seeds_dir: Path,
                                                     tmp_path: Path) -> None:
    stopped = arsearch.Index.open(badia_stopped)
    default = arsearch.Index.create(tmp_path)
    default.add_paths([seeds_dir])
    for _ in range(3):
        assert stopped.search("البادية", limit=0).total == 0
        assert default.search("البادية", limit=0).total == 5
        assert ids(stopped.search("داعش", limit=0)) == ids(default.search("داعش", limit=0))
    marked = [hit.snippet[s:e] for hit in default.search("البادية") for s, e in hit.highlights]
    assert marked and all("بادية" in word for word in marked)


def test_opening_with_other_settings_is_refused(badia_stopped: Path, tmp_path: Path) -> None:
    for opening in (arsearch.Index.open, arsearch.Index.open_or_create):
        with pytest.raises(arsearch.AnalyzerMismatch, match="other analysis settings") as caught:
            opening(badia_stopped, analyzer=arsearch.Analyzer())
        assert "\n" not in str(caught.value) and "arsearch.reindex" in str(caught.value)
    same = arsearch.Analyzer(stopwords=["البادية"])
    assert arsearch.Index.open_or_create(badia_stopped, analyzer=same).analyzer == same
    created = arsearch.Index.open_or_create(tmp_path / "new", analyzer=same)
    assert arsearch.Index.open(tmp_path / "new").analyzer == same == created.analyzer


def test_reindex_keeps_the_settings_or_takes_new_ones(badia_stopped: Path,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "ix"
    shutil.copytree(badia_stopped, path)
    assert arsearch.reindex(path).added == 5
    assert arsearch.Index.open(path).search("البادية", limit=0).total == 0
    assert arsearch.reindex(path, analyzer=arsearch.Analyzer()).added == 5
    ix = arsearch.Index.open(path)
    assert ix.analyzer == arsearch.Analyzer() and ix.search("البادية", limit=0).total == 5
