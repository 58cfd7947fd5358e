"""MaxScore top-N of any-word queries: the same top N, scores and totals as scoring everything."""

import random
from pathlib import Path

import pytest

import arsearch
from arsearch import prune
from arsearch.evaluate import evaluate

QUERIES = ["كمين مطار", "كمين قصف مطار", "قصف مطار", "كمين قصف مطار حلب", "مطار حلب الكمين"]


@pytest.fixture(scope="module")
def skewed(tmp_path_factory: pytest.TempPathFactory) -> arsearch.Index:
    """Three segments, a few deletions and replacements: مطار in every article
    (many posting blocks), قصف in a third, كمين in a handful, with varied
    frequencies and lengths."""
    rng = random.Random(7)
    ix = arsearch.Index.create(tmp_path_factory.mktemp("prune"))
    for batch in range(3):
        articles = []
        for i in range(400):
            words = ["مطار"] * rng.randint(1, 4) + ["خبر"] * rng.randint(0, 30)
            if i % 3 == 0:
                words += ["قصف"] * rng.randint(1, 3)
            if rng.random() < 0.02:
                words += ["كمين"] * rng.randint(1, 2)
            if rng.random() < 0.3:
                words += ["حلب"]
            rng.shuffle(words)
            articles.append({"id": f"{batch}-{i}", "title": "المطار" if i % 50 == 0 else "",
                             "text": " ".join(words)})
        ix.add_articles(articles)
    ix.delete(["0-3", "1-9", "2-0"])
    ix.add_articles([{"id": "1-12", "text": "كمين كمين قصف مطار"}])  # a replacement
    return ix


def full_top(ix: arsearch.Index, text: str, limit: int) -> tuple[list[tuple[int, float]], int]:
    with ix._searcher() as searcher:
        scores = evaluate(searcher, ix._compile(text, None, None, None, None, "any").query)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit], len(scores)


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("limit", [1, 5, 10, 40])
def test_same_top_scores_and_total_as_scoring_everything(
        skewed: arsearch.Index, text: str, limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    pruned_calls = []
    original = prune._only_for_contenders
    monkeypatch.setattr(prune, "_only_for_contenders",
                        lambda *args: pruned_calls.append(1) or original(*args))
    with skewed._searcher() as searcher:
        query = skewed._compile(text, None, None, None, None, "any").query
        result = prune.top_any(searcher, query, limit)
    assert result is not None
    (top, total), (expected, expected_total) = result, full_top(skewed, text, limit)
    assert total == expected_total
    assert [d for d, _ in top] == [d for d, _ in expected]
    assert [s for _, s in top] == pytest.approx([s for _, s in expected], rel=1e-9)
    if text.startswith("كمين") and limit <= 10:
        assert pruned_calls  # the rare word decides: the common ones were pruned


@pytest.mark.parametrize(("text", "match"), [
    ("قصف مطار", "all"), ('"قصف مطار" حلب', "any"), ("مطار", "any"), ("قصف -حلب", "any"),
])
def test_other_queries_are_left_to_evaluate(skewed: arsearch.Index, text: str, match: str) -> None:
    with skewed._searcher() as searcher:
        query = skewed._compile(text, None, None, None, None, match).query
        assert prune.top_any(searcher, query, 10) is None


def test_search_uses_it_and_counts_every_match(skewed: arsearch.Index) -> None:
    results = skewed.search("كمين مطار", match="any", limit=3)
    expected, total = full_top(skewed, "كمين مطار", 3)
    assert results.total == total == 3 * 400 - 3  # every article has مطار; 3 deleted
    assert [hit.id for hit in results] == [_id_of(skewed, d) for d, _ in expected]


def _id_of(ix: arsearch.Index, docnum: int) -> str:
    with ix._searcher() as searcher:
        return searcher.stored_fields(docnum)["id"]


def test_empty_and_tiny_indexes(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    assert ix.search("كمين مطار", match="any").total == 0
    ix.add_articles([{"id": "a", "text": "مطار"}])
    assert [h.id for h in ix.search("كمين مطار", match="any")] == ["a"]
