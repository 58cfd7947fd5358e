"""Query trees become the Whoosh queries the engine runs, node for node."""

import pytest
from whoosh import query as wq

import arsearch
from arsearch.engine.compile import to_whoosh
from arsearch.engine.ranges import RangeUnion
from arsearch.models import discovered_id
from arsearch.query import nodes
from arsearch.text.analyzer import Term, analyze_terms
from arsearch.text.normalize import normalize


def assert_same_tree(got: wq.Query, expected: wq.Query) -> None:
    # Whoosh's == ignores some attributes and its repr others; both must agree.
    assert got == expected
    assert repr(got) == repr(expected)


def test_each_node_becomes_its_whoosh_query() -> None:
    term = nodes.Term("stem", "حلب", boost=2.0)
    other = nodes.Term("exact", "حلب")
    cases = [
        (term, wq.Term("stem", "حلب", boost=2.0)),
        (nodes.Phrase("stem", ("دير", "زور"), boost=0.5), wq.Phrase("stem", ["دير", "زور"],
                                                                     boost=0.5)),
        (nodes.Sequence([nodes.Or([term, other]), other], boost=0.5),
         wq.Sequence([wq.Or([wq.Term("stem", "حلب", boost=2.0), wq.Term("exact", "حلب")]),
                      wq.Term("exact", "حلب")], boost=0.5)),
        (nodes.And([term, other]), wq.And([wq.Term("stem", "حلب", boost=2.0),
                                           wq.Term("exact", "حلب")])),
        (nodes.AndNot(term, other), wq.AndNot(wq.Term("stem", "حلب", boost=2.0),
                                              wq.Term("exact", "حلب"))),
        (nodes.AndMaybe(term, other), wq.AndMaybe(wq.Term("stem", "حلب", boost=2.0),
                                                  wq.Term("exact", "حلب"))),
        (nodes.DisjunctionMax([term, other]),
         wq.DisjunctionMax([wq.Term("stem", "حلب", boost=2.0), wq.Term("exact", "حلب")])),
        (nodes.Every(), wq.Every()),
        (nodes.TermRange("dates", None, "2019\uffff"), wq.TermRange("dates", None, "2019\uffff")),
        (nodes.RangeUnion([nodes.TermRange("published", "2019", None)]),
         RangeUnion([wq.TermRange("published", "2019", None)])),
    ]
    for node, expected in cases:
        assert_same_tree(to_whoosh(node), expected)
    assert to_whoosh(nodes.NULL) is wq.NullQuery  # the engine tests for Whoosh's one instance
    assert type(to_whoosh(nodes.Or([term]))) is wq.Or
    assert type(to_whoosh(nodes.DisjunctionMax([term])).subqueries) is list
    with pytest.raises(TypeError, match="not a query node"):
        to_whoosh(wq.Term("stem", "حلب"))  # type: ignore[arg-type]


# The Whoosh queries arsearch has always built for a word and its parts.

def word(text: str) -> tuple[wq.Query, wq.Query]:
    """(the part that decides the match, the score-only part) of one word."""
    (term,) = analyze_terms(text)
    return required(term), optional(term)


def required(term: Term) -> wq.Query:
    readings = [wq.Term("stem", s, boost=2.0) for s in term.stems]
    parts = [readings[0] if len(readings) == 1 else wq.DisjunctionMax(readings)]
    if term.broad not in term.stems:
        parts += [wq.Term("broad", term.broad, boost=0.3), wq.Term("stem", term.broad, boost=0.3)]
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def optional(term: Term) -> wq.Query:
    return wq.Or([wq.Term("exact", term.exact, boost=1.0),
                  *(wq.Term("title_terms", s, boost=2.0) for s in term.stems)])


def compiled(ix: arsearch.Index, text: str | None, match: str = "all", **filters: str
             ) -> wq.Query:
    query = ix._compile(text, filters.get("actor"), filters.get("place"), filters.get("date"),
                        filters.get("published"), match).query
    assert query is not None
    return query


def test_words(seed_index: arsearch.Index) -> None:
    (r1, o1), (r2, o2) = word("الغارات"), word("الروسية")
    assert_same_tree(compiled(seed_index, "الغارات الروسية"),
                     wq.AndMaybe(wq.And([r1, r2]), wq.Or([o1, o2])))


def test_any_word(seed_index: arsearch.Index) -> None:
    (r1, o1), (r2, o2) = word("الغارات"), word("الروسية")
    assert_same_tree(compiled(seed_index, "الغارات الروسية", match="any"),
                     wq.AndMaybe(wq.Or([r1, r2]), wq.Or([o1, o2])))


def test_a_word_of_two_readings(seed_index: arsearch.Index) -> None:
    (term,) = analyze_terms("باتجاه")
    assert len(term.stems) == 2
    r, o = word("باتجاه")
    assert type(r) is wq.DisjunctionMax or type(r.subqueries[0]) is wq.DisjunctionMax
    assert_same_tree(compiled(seed_index, "باتجاه"), wq.AndMaybe(r, o))


def test_phrase(seed_index: arsearch.Index) -> None:
    stems = [t.stems[0] for t in analyze_terms("دير الزور")]
    assert_same_tree(compiled(seed_index, '"دير الزور"'),
                     wq.Or([wq.Phrase("stem", stems, boost=2.0),
                            wq.Phrase("title_terms", stems, boost=2.0)]))


def test_phrase_under_any_adds_its_words(seed_index: arsearch.Index) -> None:
    (r1, o1), (r2, o2) = word("دير"), word("الزور")
    stems = [t.stems[0] for t in analyze_terms("دير الزور")]
    expected = wq.AndMaybe(
        wq.Or([r1, r2, wq.Phrase("stem", stems, boost=0.5),
               wq.Phrase("title_terms", stems, boost=0.5)]),
        wq.Or([o1, o2]))
    assert_same_tree(compiled(seed_index, '"دير الزور"', match="any"), expected)


def test_or_group(seed_index: arsearch.Index) -> None:
    (r1, o1), (r2, o2), (r3, o3) = word("حلب"), word("الرقة"), word("قصف")
    expected = wq.AndMaybe(wq.And([wq.Or([r1, r2]), r3]), wq.Or([wq.Or([o1, o2]), o3]))
    assert_same_tree(compiled(seed_index, "(حلب OR الرقة) قصف"), expected)


def test_exclusion(seed_index: arsearch.Index) -> None:
    (r1, o1), (r2, _) = word("قوات"), word("داعش")
    assert_same_tree(compiled(seed_index, "قوات -داعش"), wq.AndMaybe(wq.AndNot(r1, r2), o1))
    assert_same_tree(compiled(seed_index, "-داعش"), wq.AndNot(wq.Every(), r2))


def test_date_filter(seed_index: arsearch.Index) -> None:
    expected = RangeUnion([wq.TermRange("published", "2019", "2019-06\uffff"),
                           wq.TermRange("dates", "2019", "2019-06\uffff")])
    assert_same_tree(compiled(seed_index, None, date="2019..2019-06"), expected)
    assert_same_tree(compiled(seed_index, None, published="..2018"),
                     RangeUnion([wq.TermRange("published", None, "2018\uffff")]))
    assert_same_tree(compiled(seed_index, "date:2019.."),
                     RangeUnion([wq.TermRange("published", "2019", None),
                                 wq.TermRange("dates", "2019", None)]))


def test_actor_filter(seed_index: arsearch.Index) -> None:
    ids = sorted({e.id for e in seed_index.gazetteer.resolve("روسيا")
                  if e.kind == "actor" or e.type == "country"})
    actor = wq.Or([wq.Term("actor_scope", i) for i in ids])
    r, o = word("غارات")
    assert ids
    assert_same_tree(compiled(seed_index, "غارات", actor="روسيا"),
                     wq.AndMaybe(wq.And([r, actor]), o))
    assert_same_tree(compiled(seed_index, "غارات actor:روسيا"),
                     wq.AndMaybe(wq.And([r, actor]), o))
    assert_same_tree(compiled(seed_index, None, actor="روسيا"), actor)


def test_unknown_actor_filter(seed_index: arsearch.Index) -> None:
    name = "القرطبيلي"  # in no gazetteer
    (term,) = analyze_terms(name)
    expected = wq.Or([wq.Term("actor_ids", discovered_id("actor", normalize(name))),
                      wq.Term("stem", term.stems[0])])
    assert_same_tree(compiled(seed_index, None, actor=name), expected)
    # A name of stopwords only: its phrase is Whoosh's NullQuery itself.
    nothing = compiled(seed_index, None, actor="في")
    assert nothing.subqueries[1] is wq.NullQuery
