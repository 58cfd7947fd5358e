"""Term-at-a-time evaluation gives Whoosh's matches and BM25F scores, exactly."""

from pathlib import Path

import pytest
from whoosh import query as wq

import arsearch
from arsearch import blocks
from arsearch.evaluate import evaluate

QUERIES = [
    ("الغارات الروسية على دير الزور", {}, "all"),
    ("الغارات الروسية على دير الزور", {}, "any"),
    ("(حلب OR الرقة) قصف", {}, "all"),
    ("title:داعش مقاتلين", {}, "any"),
    ("غارات", {"actor": "روسيا", "place": "الرقة"}, "all"),
    ("هجوم", {"date": "2017..2019-06"}, "any"),
    ("", {"actor": "داعش", "date": "2019"}, "all"),
    ("place:البوكمال actor:روسيا تنظيم", {}, "all"),
]


def whoosh_scores(ix: arsearch.Index, query: wq.Query) -> dict[int, float]:
    with ix._searcher() as searcher:
        return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def assert_same(ix: arsearch.Index, query: wq.Query) -> None:
    with ix._searcher() as searcher:
        ours = evaluate(searcher, query)
    theirs = whoosh_scores(ix, query)
    assert ours.keys() == theirs.keys()
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("text", "filters", "match"), QUERIES)
def test_same_matches_and_scores_as_whoosh(seed_index: arsearch.Index, text: str,
                                           filters: dict, match: str) -> None:
    compiled = seed_index._compile(text, filters.get("actor"), filters.get("place"),
                                   filters.get("date"), None, match)
    assert compiled.query is not None
    assert_same(seed_index, compiled.query)


@pytest.mark.parametrize("header_read", [128, 6])
def test_segments_deletions_and_replacements(tmp_path: Path, header_read: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # 6 bytes is shorter than any block header: Whoosh's own reader takes over.
    monkeypatch.setattr(blocks, "_HEADER_READ", header_read)
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([{"id": f"a{i}", "text": f"قصف الطيران مطار حلب رقم {i}",
                      "published": "2016-03-0" + str(1 + i % 9)} for i in range(300)])
    ix.add_articles([{"id": f"b{i}", "text": "غارات على مطار الرقة " * (1 + i % 5)}
                     for i in range(200)])
    ix.add_articles([{"id": "a7", "text": "خبر آخر عن الرقة"}])  # replaces a7
    ix.delete(["b3", "a250"])
    for text, match in (("مطار", "all"), ("مطار الرقة", "any"), ("قصف مطار", "all")):
        compiled = ix._compile(text, None, None, None, None, match)
        assert_same(ix, compiled.query)
    dated = ix._compile(None, None, None, "2016-03-02..2016-03-05", None)
    assert_same(ix, dated.query)
    assert ix.search("مطار", limit=0).total == 500 - 2 - 1


@pytest.mark.parametrize("text", ['"دير الزور" غارات', 'title:"دير الزور" OR "قوات النظام"'])
def test_phrases_are_scored_by_whoosh_inside(seed_index: arsearch.Index, text: str) -> None:
    compiled = seed_index._compile(text, None, None, None, None)
    assert_same(seed_index, compiled.query)


def test_exclusion_before_the_first_match_is_excluded(seed_index: arsearch.Index) -> None:
    # Whoosh's AndNot matcher kept the first match when the excluded term's
    # first article came before it; every seed names داعش.
    assert seed_index.search("قوات النظام -داعش", limit=0).total == 0
    assert seed_index.count("قوات النظام -داعش") == 0
    assert seed_index.search("قوات النظام -داعش", limit=0).facets["actors"] == {}

    def ids(query: str) -> set[str]:
        return {hit.id for hit in seed_index.search(query, limit=0)}

    for kept, dropped in (("قوات النظام", "الرقة"), ("داعش", "روسيا"), ("داعش", "actor:روسيا")):
        assert ids(f"{kept} -{dropped}") == ids(kept) - ids(dropped) != ids(kept)
