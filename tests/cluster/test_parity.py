"""A sharded index in this process ranks, counts and facets as one index of the same
articles (issue 26): same ids, same order, scores within 1e-9, ties included."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import arsearch
from arsearch.models import Article


@pytest.fixture(scope="module")
def sharded(sharded_path: Path) -> arsearch.ShardedIndex:
    ix = arsearch.Index.open(sharded_path)
    yield ix
    ix.close()


def test_a_sharded_index_is_recognised_and_spread(sharded: arsearch.ShardedIndex,
                                                   corpus: list[Article]) -> None:
    assert isinstance(sharded, arsearch.ShardedIndex) and sharded.shards == 3
    assert len(sharded) == len(corpus)
    sizes = sharded._all("size")
    assert sum(sizes) == len(corpus) and min(sizes) > len(corpus) // 6


def test_searches_equal_a_single_index(single_index: arsearch.Index,
                                       sharded: arsearch.ShardedIndex,
                                       search_case: tuple, compare: Any) -> None:
    compare(single_index, sharded, *search_case)


def test_the_corpus_has_ties_that_the_tie_break_settles(single_index: arsearch.Index,
                                                        sharded: arsearch.ShardedIndex) -> None:
    # Copies of an article score alike: the parity above covers equal scores.
    scores = [h.score for h in single_index.search("داعش", limit=None)]
    assert len(scores) != len(set(scores))
    ids = [h.id for h in sharded.search("داعش", limit=None)]
    assert ids == [h.id for h in single_index.search("داعش", limit=None)]


def test_exports_and_articles_equal_a_single_index(single_index: arsearch.Index,
                                                   sharded: arsearch.ShardedIndex) -> None:
    assert list(sharded.documents("داعش", actor="روسيا")) == list(
        single_index.documents("داعش", actor="روسيا"))
    assert sharded.get("g0001") == single_index.get("g0001")
    assert sharded.get("missing") is None
    assert sharded.doc_frequency("exact", "داعش") == single_index.doc_frequency("exact", "داعش")
    assert sharded.similar_terms("exact", "داعس") == single_index.similar_terms("exact", "داعس")
    info, one = sharded.info(), single_index.info()
    assert (info.documents, info.first_published, info.last_published) == (
        one.documents, one.first_published, one.last_published)


def test_replacing_and_deleting_touch_one_shard(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix", shards=4)
    articles = [{"id": f"a{i}", "text": f"غارات على حلب رقم {i}"} for i in range(20)]
    assert ix.add_articles(articles).added == 20
    again = ix.add_articles([*articles[:5], {"id": "a6", "text": "قصف على إدلب"}])
    assert (again.unchanged, again.replaced, again.added) == (5, 1, 0)
    assert ix.delete(["a1", "a2", "nothing"]) == 2
    assert len(ix) == 18 and ix.get("a6").text == "قصف على إدلب"
    assert [h.id for h in ix.search("إدلب")] == ["a6"]


def test_a_killed_ingest_resumes_with_nothing_lost_or_duplicated(tmp_path: Path,
                                                               corpus: list[Article]) -> None:
    ix = arsearch.Index.create(tmp_path / "ix", shards=3)

    def dying() -> object:
        for number, article in enumerate(corpus[:90]):
            if number == 70:
                raise KeyboardInterrupt
            yield article

    with pytest.raises(KeyboardInterrupt):
        ix.add_articles(dying(), batch_size=30)
    assert len(ix) == 60  # two batches committed, the third lost whole
    report = ix.add_articles(corpus[:90], batch_size=30)
    assert (report.unchanged, report.added) == (60, 30)
    assert len(ix) == 90
    ids = [h.id for h in ix.search(limit=None)]
    assert sorted(ids) == sorted({a.id for a in corpus[:90]})


def test_a_missing_shard_or_a_damaged_manifest_is_one_line(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix", shards=2)
    ix.add_articles([{"id": "a", "text": "غارات على حلب"}])
    ix.close()
    shutil.rmtree(tmp_path / "ix" / "shard-001")
    with pytest.raises(arsearch.DamagedIndex, match="shard-001: the shard's directory is missing"
                       ) as info:
        arsearch.Index.open(tmp_path / "ix")
    assert "\n" not in str(info.value)
    (tmp_path / "ix" / "arsearch-shards.json").write_text("{", encoding="utf-8")
    with pytest.raises(arsearch.DamagedIndex, match="arsearch-shards.json"):
        arsearch.Index.open(tmp_path / "ix")


def test_shards_must_be_a_positive_number(tmp_path: Path) -> None:
    for bad in (0, -1, True, "3"):
        with pytest.raises(arsearch.InvalidArgument, match="shards"):
            arsearch.Index.create(tmp_path / "ix", shards=bad)
    arsearch.Index.create(tmp_path / "ix", shards=2).close()
    with pytest.raises(arsearch.IndexExists):
        arsearch.Index.create(tmp_path / "ix", shards=2)
    assert arsearch.Index.create(tmp_path / "ix", shards=3, overwrite=True).shards == 3


def test_resharding_keeps_results_and_ties(single_index: arsearch.Index,
                                           corpus: list[Article], tmp_path: Path,
                                           compare: Any) -> None:
    from arsearch.cluster import reindex

    one = arsearch.Index.create(tmp_path / "ix")
    one.add_articles(corpus[:120])
    one.close()
    reindex(tmp_path / "ix", shards=2)  # an unsharded index becomes a sharded one
    reindex(tmp_path / "ix", shards=3)  # and is re-sharded
    reindex(tmp_path / "ix")  # each shard rebuilt in place
    ix = arsearch.Index.open(tmp_path / "ix")
    assert ix.shards == 3 and len(ix) == 120
    small = arsearch.Index.create(tmp_path / "single")
    small.add_articles(corpus[:120])
    for case in [("داعش", {"limit": None}), (None, {"limit": None}),
                 ("هجوم البادية السورية", {"match": "any"})]:
        compare(small, ix, *case)


def test_a_name_written_two_ways_shows_as_most_matches_of_the_whole_index_write(
        tmp_path: Path) -> None:
    # Shard 0 alone writes إفريقيا more often, the whole index أفريقيا: the facet shows
    # the whole index's choice once, as a single index does, not one entry per spelling.
    from arsearch.cluster.manifest import route

    ids = [f"a{n}" for n in range(60)]
    zero = [i for i in ids if route(i, 3) == 0]
    rest = [i for i in ids if route(i, 3) != 0]
    spelled = [(zero[0], "إفريقيا"), (zero[1], "إفريقيا"), (zero[2], "أفريقيا"),
               (rest[0], "أفريقيا"), (rest[1], "أفريقيا"), (rest[2], "أفريقيا")]
    articles = [{"id": i, "text": f"وصل الوفد إلى {name} أمس في زيارة"} for i, name in spelled]
    single = arsearch.Index.create(tmp_path / "one")
    sharded = arsearch.Index.create(tmp_path / "sharded", shards=3)
    single.add_articles(articles)
    sharded.add_articles(articles)
    assert single.search("الوفد").facets["places"] == {"أفريقيا": 6}
    assert sharded.search("الوفد").facets == single.search("الوفد").facets


def tied_corpus(corpus: list[Article]) -> list[Article]:
    """The corpus plus a second copy of every fifth article under a new id: exact ties
    of score (and of date) all through the rankings."""
    copies = [Article(id=f"copy-{a.id}", title=a.title, text=a.text, published=a.published,
                      source=a.source) for a in corpus[::5]]
    return [article for pair in zip(corpus, [*copies, *[None] * len(corpus)], strict=False)
            for article in pair if article is not None]


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory, corpus: list[Article]
                ) -> arsearch.Index:
    """A single index of the tied corpus ingested by two worker processes."""
    ix = arsearch.Index.create(tmp_path_factory.mktemp("jobs2") / "ix")
    articles = tied_corpus(corpus)
    assert ix.add_articles(articles, jobs=2, batch_size=250).added == len(articles)
    return ix


@pytest.fixture(scope="module")
def tied_sharded(tmp_path_factory: pytest.TempPathFactory, corpus: list[Article]
                 ) -> arsearch.ShardedIndex:
    """A 3-shard index of the tied corpus."""
    ix = arsearch.Index.create(tmp_path_factory.mktemp("tied") / "ix", shards=3)
    ix.add_articles(tied_corpus(corpus), batch_size=90)
    yield ix
    ix.close()


def test_the_workers_leave_another_order_with_ties(two_workers: arsearch.Index,
                                                  corpus: list[Article]) -> None:
    assert [s["id"] for s in two_workers._view().documents()] != [
        a.id for a in tied_corpus(corpus)]
    scores = [h.score for h in two_workers.search("داعش", limit=None)]
    assert len(scores) - len(set(scores)) > 10


def test_two_workers_and_shards_break_ties_alike(two_workers: arsearch.Index,
                                                 tied_sharded: arsearch.ShardedIndex,
                                                 search_case: tuple, compare: Any) -> None:
    # Workers leave the articles in another document order than the order of ingest
    # (above); ties still follow the order of ingest, as across the shards.
    compare(two_workers, tied_sharded, *search_case)


def test_one_process_and_two_workers_break_ties_alike(two_workers: arsearch.Index,
                                                      tmp_path: Path,
                                                      corpus: list[Article]) -> None:
    one = arsearch.Index.create(tmp_path / "ix")
    one.add_articles(tied_corpus(corpus), batch_size=70)
    for query, args in [("داعش", {"limit": None}), ("هجوم البادية", {"match": "any"}),
                        (None, {"limit": 50}), ("قوات", {"place": "سوريا"})]:
        a, b = one.search(query, **args), two_workers.search(query, **args)
        assert [(h.id, h.score) for h in b] == [(h.id, h.score) for h in a], (query, args)
    assert list(one.documents("داعش")) == list(two_workers.documents("داعش"))


def test_a_replaced_article_moves_to_the_end_of_the_order_and_an_unchanged_one_stays(
        tmp_path: Path) -> None:
    texts = [{"id": f"a{i}", "text": "غارات على حلب"} for i in range(4)]
    single = arsearch.Index.create(tmp_path / "single")
    sharded = arsearch.Index.create(tmp_path / "sharded", shards=3)
    for ix in (single, sharded):
        ix.add_articles(texts)
        ix.add_articles([{"id": "a1", "text": "غارات على حلب", "title": ""},
                         {"id": "a0", "text": "غارات على حلب", "source": "SY24"}])
    expected = ["a1", "a2", "a3", "a0"]
    assert [h.id for h in single.search("حلب")] == expected
    assert [h.id for h in sharded.search("حلب")] == expected
    assert [h.id for h in single.search(None)] == [h.id for h in sharded.search(None)]
    sharded.close()


def test_a_shard_numbers_its_articles_as_the_coordinator_did(
        tied_sharded: arsearch.ShardedIndex) -> None:
    # The order a shard's facets choose by (its column) is the order across shards.
    shard = tied_sharded._backend.shards[1]
    view = shard._view()
    ids = [view.stored(docnum)["id"] for docnum in range(len(shard))]
    assert view.sequence().tolist() == [shard._sequence_of(ids)[i] for i in ids]
