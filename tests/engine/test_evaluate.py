"""Term-at-a-time evaluation gives Whoosh's matches and BM25F scores, exactly."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh import query as wq
from whoosh import scoring
from whoosh.formats import Positions
from whoosh.searching import Searcher

import arsearch
from arsearch.engine.blocks import encode_postings
from arsearch.engine.compile import to_whoosh
from arsearch.engine.evaluate import _postings, evaluate
from arsearch.engine.store import BM25_B, BM25_K1
from arsearch.engine.writer import TermPoolWriter
from arsearch.query import nodes
from arsearch.query.clauses import all_of, hoist_optional, word_query
from arsearch.query.filters import date_query
from arsearch.query.parser import parse_query
from arsearch.text.analyzer import analyze_terms

QUERIES = [
    ("الغارات الروسية على دير الزور", "all"),
    ("الغارات الروسية على دير الزور", "any"),
    ("(حلب OR الرقة) قصف", "all"),
    ("title:داعش مقاتلين", "any"),
    ("غارات actor:روسيا place:الرقة", "all"),
    ("هجوم date:2017..2019-06", "any"),
    ("actor:داعش date:2019", "all"),
    ("place:البوكمال actor:روسيا تنظيم", "all"),
]


def query(text: str, match: str = "all") -> wq.Query:
    """The Whoosh query arsearch runs for a query string (names in the bundled gazetteer)."""
    parsed = parse_query(text, match=match)
    assert parsed is not None
    return to_whoosh(parsed.query)


@contextmanager
def searcher(ix: arsearch.Index) -> Iterator[Searcher]:
    """Whoosh's own searcher of an index, with arsearch's BM25F settings."""
    weighting = scoring.BM25F(B=BM25_B, K1=BM25_K1)
    with windex.open_dir(str(ix.path)).searcher(weighting=weighting) as opened:
        yield opened


def whoosh_scores(ix: arsearch.Index, query: wq.Query) -> dict[int, float]:
    with searcher(ix) as whooshs:
        return {hit.docnum: hit.score for hit in whooshs.search(query, limit=None)}


def assert_same(ix: arsearch.Index, query: wq.Query) -> None:
    with searcher(ix) as whooshs:
        ours = evaluate(whooshs, query).as_dict()
    theirs = whoosh_scores(ix, query)
    assert ours.keys() == theirs.keys()
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("text", "match"), QUERIES)
def test_same_matches_and_scores_as_whoosh(seed_index: arsearch.Index, text: str,
                                           match: str) -> None:
    assert_same(seed_index, query(text, match))


@pytest.mark.parametrize("text", ["الغارات الروسية على دير الزور", "قوات النظام", "داعش الرقة"])
def test_hoisting_keeps_whooshs_matches_and_scores(seed_index: arsearch.Index, text: str) -> None:
    words = [word_query(t.exact, t.stems, t.broad) for t in analyze_terms(text)]
    filtered = nodes.And([all_of(words), nodes.Term("actor_scope", "isis")])
    for plain in (all_of(words), nodes.Or(words), filtered):
        hoisted = hoist_optional(plain)
        assert isinstance(hoisted, nodes.AndMaybe)
        with searcher(seed_index) as whooshs:
            expected = {h.docnum: round(h.score, 6)
                        for h in whooshs.search(to_whoosh(plain), limit=None)}
            got = {h.docnum: round(h.score, 6)
                   for h in whooshs.search(to_whoosh(hoisted), limit=None)}
        assert got == expected and got


@pytest.mark.parametrize("whoosh_blocks", [False, True],
                         ids=["arsearch blocks", "Whoosh's own blocks"])
def test_segments_deletions_and_replacements(tmp_path: Path, whoosh_blocks: bool,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    if whoosh_blocks:  # as older arsearch versions wrote them: protocol 2, all compressed
        monkeypatch.setattr(TermPoolWriter, "block_protocol", 2)
        monkeypatch.setattr(TermPoolWriter, "block_min_compress", 0)
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([{"id": f"a{i}", "text": f"قصف الطيران مطار حلب رقم {i}",
                      "published": "2016-03-0" + str(1 + i % 9)} for i in range(300)])
    ix.add_articles([{"id": f"b{i}", "text": "غارات على مطار الرقة " * (1 + i % 5)}
                     for i in range(200)])
    ix.add_articles([{"id": "a7", "text": "خبر آخر عن الرقة"}])  # replaces a7
    ix.delete(["b3", "a250"])
    for text, match in (("مطار", "all"), ("مطار الرقة", "any"), ("قصف مطار", "all")):
        assert_same(ix, query(text, match))
    assert_same(ix, to_whoosh(date_query("2016-03-02..2016-03-05", ("published", "dates"))))
    for every in (wq.Every(), wq.Every(boost=2.5), wq.And([wq.Every(), query("مطار")])):
        assert_same(ix, every)  # every article but the deleted ones, scored as Whoosh does
    assert ix.search("مطار", limit=0).total == 500 - 2 - 1


@pytest.mark.parametrize("text", ['"دير الزور" غارات', 'title:"دير الزور" OR "قوات النظام"'])
def test_phrases_are_scored_by_whoosh_inside(seed_index: arsearch.Index, text: str) -> None:
    assert_same(seed_index, query(text))


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


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_postings_decode_whole_lists_and_the_blocks_in_play(data: st.DataObject) -> None:
    docnums = sorted(data.draw(st.sets(st.integers(0, 3000), min_size=1, max_size=700)))
    weights = [float(w) for w in data.draw(
        st.lists(st.integers(1, 9), min_size=len(docnums), max_size=len(docnums)))]
    values = [Positions().encode(list(range(int(w)))) for w in weights]
    raw, _ = encode_postings(docnums, weights, values, [], blocklimit=128, compression=3,
                             fixedsize=None)
    ids, tfs = _postings(raw, None)
    assert ids.tolist() == docnums and tfs.tolist() == weights
    within = sorted(data.draw(st.sets(st.integers(0, 3000), max_size=50)))
    ids, tfs = _postings(raw, np.array(within, dtype=np.int64))
    pairs = list(zip(ids.tolist(), tfs.tolist(), strict=True))
    assert set(pairs) <= set(zip(docnums, weights, strict=True))  # real postings,
    assert ids.tolist() == sorted(set(ids.tolist()))  # in order, once each,
    assert set(within) & set(docnums) <= set(ids.tolist())  # every one in play
    # and the blocks whose range of docnums holds one, no other.
    lasts = docnums[127::128] + ([docnums[-1]] if len(docnums) % 128 else [])
    reached = [b for b, (first, last) in enumerate(zip([-1, *lasts], lasts, strict=False)) if any(
        first < d <= last for d in within)]
    assert ids.tolist() == [d for b in reached for d in docnums[128 * b:128 * (b + 1)]]


def test_an_empty_index_answers_every_kind_of_search(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    assert ix.search("غارات").total == 0
    assert ix.search("غارات الرقة", match="any", actor="داعش").total == 0
    assert ix.search('"دير الزور" -داعش').total == 0
    assert ix.search(None, date="2019").total == 0
    assert ix.count("غارات") == 0
    assert ix.search("غارات", limit=0).facets["actors"] == {}


def test_a_word_of_two_readings_scores_its_best_reading(seed_index: arsearch.Index) -> None:
    # Whoosh's own DisjunctionMaxMatcher is no reference: where only one reading
    # is on an article, it may take the other's score at another article.
    (term,) = analyze_terms("باتجاه")
    assert len(term.stems) == 2
    assert "DisMax" in str(query("باتجاه", "any"))
    readings = [wq.Term("stem", s, boost=2.0) for s in term.stems]
    each = [whoosh_scores(seed_index, reading) for reading in readings]
    expected = {d: max(scores.get(d, 0.0) for scores in each) for s in each for d in s}
    other = wq.Term("stem", "قو")
    with searcher(seed_index) as whooshs:
        ours = evaluate(whooshs, wq.DisjunctionMax(readings)).as_dict()
        combined = evaluate(whooshs, wq.Or([wq.DisjunctionMax(readings), other])).as_dict()
    assert ours == pytest.approx(expected, rel=1e-9)
    alone = whoosh_scores(seed_index, other)
    assert combined == pytest.approx(
        {d: expected.get(d, 0.0) + alone.get(d, 0.0) for d in expected.keys() | alone.keys()})
    assert any(ours[d] < sum(s.get(d, 0.0) for s in each) for d in ours)  # not summed
