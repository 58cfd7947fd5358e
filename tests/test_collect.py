"""How matches are gathered: exact totals, score-only clauses, newest first, date filters."""

from pathlib import Path

import pytest

import arsearch
from arsearch.query import nodes
from arsearch.query.clauses import all_of, hoist_optional, word_query
from arsearch.text.analyzer import analyze_terms


@pytest.fixture(scope="module")
def skewed(tmp_path_factory: pytest.TempPathFactory) -> arsearch.Index:
    """Many articles with a form of مطار, one in the middle matching it exactly
    and in its title, most of them with رقم; half of them dated.

    When that best article enters a full top-1 heap, Whoosh's matcher
    ``replace()`` prunes what cannot beat it, and (block skipping off) the
    articles after it were no longer counted: 211 of 501.
    """
    ix = arsearch.Index.create(tmp_path_factory.mktemp("skewed"))
    articles = [{"id": f"a{i}", "text": f"أغلق بمطار رقم {i}"} for i in range(200)]
    articles += [{"id": "best", "title": "المطار", "text": "المطار",
                  "published": "2019-05-01"}]
    articles += [{"id": f"b{i}", "text": f"وصل لمطار رقم {i}",
                  "published": f"2019-0{1 + i % 9}-0{1 + i % 9}"} for i in range(300)]
    ix.add_articles(articles)
    return ix


def test_total_counts_every_match_whatever_the_limit(skewed: arsearch.Index) -> None:
    for limit in (1, 5, 0):
        assert skewed.search("المطار رقم", match="any", limit=limit).total == 501
        assert skewed.search("المطار", limit=limit).total == 501
    assert skewed.count("المطار رقم", match="any") == 501


def test_best_hit_is_the_same_with_any_limit(skewed: arsearch.Index) -> None:
    top = [h.id for h in skewed.search("المطار رقم", match="any", limit=0)]
    assert top[0] == "best"
    assert [h.id for h in skewed.search("المطار رقم", match="any", limit=3)] == top[:3]


def test_negation_stays_outside_the_score_only_part() -> None:
    words = [word_query(t.exact, t.stems, t.broad) for t in analyze_terms("غارات حلب")]
    hoisted = hoist_optional(nodes.AndNot(all_of(words), nodes.Term("stem", "روس")))
    assert isinstance(hoisted, nodes.AndMaybe) and isinstance(hoisted.a, nodes.AndNot)


def test_newest_first_undated_last_ties_in_index_order(skewed: arsearch.Index) -> None:
    dated = [("best", "2019-05-01")] + [
        (f"b{i}", f"2019-0{1 + i % 9}-0{1 + i % 9}") for i in range(300)]
    order = {article_id: n for n, (article_id, _) in enumerate(dated)}
    expected = sorted(dated, key=lambda d: (d[1], -order[d[0]]), reverse=True)
    expected_ids = [i for i, _ in expected] + [f"a{i}" for i in range(200)]
    assert [h.id for h in skewed.search(limit=0)] == expected_ids
    assert [h.id for h in skewed.search(limit=3)] == expected_ids[:3]
    assert [d["id"] for d in skewed.documents()] == expected_ids


def test_date_filter_sees_replacements_and_deletions(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([{"id": "x", "text": "قصف حلب في 3 آذار 2016"},
                     {"id": "y", "text": "قصف حلب", "published": "2016-03-20"}])
    assert {h.id for h in ix.search(date="2016-03")} == {"x", "y"}
    ix.add_articles([{"id": "x", "text": "قصف حلب في 3 آذار 2017"}])  # a new segment
    assert {h.id for h in ix.search(date="2016-03")} == {"y"}
    assert {h.id for h in ix.search("قصف", date="2017")} == {"x"}
    ix.delete(["y"])
    assert ix.search(date="2016", limit=0).total == 0
