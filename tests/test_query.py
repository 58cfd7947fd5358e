"""Query parsing: syntax, errors, and the query tree it builds."""

import dataclasses
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import arsearch
from arsearch.engine.compile import to_whoosh
from arsearch.errors import QuerySyntaxError
from arsearch.query import nodes
from arsearch.query.parser import parse_query
from arsearch.results.suggest import capped_notes
from arsearch.text.analyzer import Analyzer


def compiled(text: str, **kwargs: object) -> str:
    """The parsed query as Whoosh writes it (``stem:"دير زور"``, ``ANDNOT``)."""
    parsed = parse_query(text, **kwargs)
    assert parsed is not None
    return str(to_whoosh(parsed.query))


def test_word_searches_exact_stem_title_and_broad() -> None:
    text = compiled("الهجمات")
    assert "exact:الهجمات" in text and "stem:هجم" in text and "title_terms:هجم" in text


def test_phrase_uses_positions() -> None:
    assert 'stem:"دير زور"' in compiled('"دير الزور"')


def test_phrase_with_any_adds_its_words() -> None:
    text = compiled('"دير الزور" غارات', match="any")
    assert 'stem:"دير زور"' in text and "stem:دير" in text and "stem:زور" in text
    assert "stem:دير" not in compiled('"دير الزور" غارات')
    assert parse_query('"دير الزور" غارات', match="any").terms == ["دير", "زور", "غار"]


def test_minus_before_a_phrase_or_a_group_excludes_it() -> None:
    assert "ANDNOT" in compiled('-"قوات سوريا" الديمقراطية')
    assert "ANDNOT" in compiled("-(قوات OR سوريا) الديمقراطية")
    assert "ANDNOT" not in compiled('- "قوات سوريا" الديمقراطية')  # a lone dash


def test_unknown_prefix_is_text() -> None:
    parsed = parse_query("https://t.co/abc")
    assert parsed is not None and "https" in parsed.terms


def test_terms_report_what_was_searched() -> None:
    assert parse_query("الغارات الروسية").terms == ["غار", "روس"]


@given(st.text(max_size=200))
def test_parser_raises_only_syntax_errors(text: str) -> None:
    try:
        parse_query(text)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text)
    parse_query(text, syntax=False)  # without syntax, never raises


def _distinct_words(n: int) -> list[str]:
    letters = "بتثجحخدذرزسشصضطظعغقمن"
    return ["".join(w) for w in itertools.islice(itertools.product(letters, repeat=4), n)]


@pytest.mark.parametrize("match", ["all", "any"])
def test_long_query_is_fine(seed_index: arsearch.Index, match: str) -> None:
    results = seed_index.search(" ".join(_distinct_words(2000)), match=match)  # no RecursionError
    assert len(results.terms) == 2000


def test_repeated_word_counts_once() -> None:
    once = parse_query("غارات حلب", match="any").query
    assert parse_query("غارات حلب غارات", match="any").query == once
    # Another inflection of the same word is a repeat too; the first one typed is kept.
    assert parse_query("غارات حلب الغارة", match="any").query == once
    assert parse_query("غارات غارات", match="all").query == parse_query("غارات").query


def test_a_dropped_repeat_is_not_reported_as_searched() -> None:
    parsed = parse_query("غارات حلب الغارة غارات", match="any")
    assert parsed.terms == ["غار", "حلب"]
    assert [typed for _, typed, _ in parsed.words] == ["غارات", "حلب"]
    assert parse_query("غارات غارات (حلب غارات)").terms == ["غار", "حلب", "غار"]


def test_repeats_are_only_dropped_within_a_group() -> None:
    text = compiled("(غارات حلب) OR (غارات دمشق)")
    assert text.count("stem:غار") == 2


def test_a_repeated_phrase_or_title_word_counts_once() -> None:
    # Clauses other than words are dropped when equal, node for node.
    for repeated, once in (('"قوات النظام" حلب "قوات النظام"', '"قوات النظام" حلب'),
                           ("title:داعش حلب title:داعش", "title:داعش حلب")):
        assert parse_query(repeated).query == parse_query(once).query


def test_deeply_nested_parentheses_are_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(QuerySyntaxError, match="nested more than 32 deep"):
        parse_query("(" * 5000 + "داعش" + ")" * 5000)
    assert parse_query("(" * 30 + "داعش" + ")" * 30) is not None


NODE_TYPES = (nodes.Term, nodes.Phrase, nodes.Sequence, nodes.And, nodes.Or, nodes.AndNot,
              nodes.AndMaybe, nodes.DisjunctionMax, nodes.Every, nodes.Nothing,
              nodes.TermRange, nodes.RangeUnion)


def _walk(node: object) -> list[object]:
    """``node`` and everything under it."""
    found = [node]
    for value in (getattr(node, f.name) for f in dataclasses.fields(node)):
        for child in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(child):
                found += _walk(child)
    return found


@pytest.mark.parametrize("text", [
    'الغارات "دير الزور" OR (حلب -داعش) title:قصف source:SY24',
    "actor:روسيا place:أسوار_سجن date:2019..2020-06 NOT published:2018 باتجاه",
    '"باتجاه حلب" غارات',
])
@pytest.mark.parametrize("match", ["all", "any"])
def test_a_parsed_query_is_a_tree_of_nodes(text: str, match: str) -> None:
    tree = parse_query(text, match=match).query
    found = _walk(tree)
    assert all(type(node) in NODE_TYPES for node in found), found
    assert not any("whoosh" in type(node).__module__ for node in found)
    hash(tree)  # immutable all the way down
    with pytest.raises(dataclasses.FrozenInstanceError):
        tree.boost = 2.0  # type: ignore[misc]


def test_the_tree_of_a_word_exclusion_and_a_filter() -> None:
    tree = parse_query("قصف -داعش date:2019").query
    # The score-only part of the word sits on top (hoist_optional); the
    # exclusion needs no scores and the date filter none either.
    assert type(tree) is nodes.AndMaybe
    assert type(tree.a) is nodes.AndNot
    kept, excluded = tree.a.a, tree.a.b
    assert type(kept) is nodes.And and kept.subqueries[1] == nodes.RangeUnion([
        nodes.TermRange("published", "2019", "2019\uffff"),
        nodes.TermRange("dates", "2019", "2019\uffff")])
    assert excluded == nodes.Term("stem", "داعش", boost=2.0)
    assert nodes.Term("exact", "قصف") in tree.b.subqueries


def test_children_given_as_lists_become_tuples() -> None:
    term = nodes.Term("stem", "حلب")
    assert nodes.Or([term]) == nodes.Or((term,)) and nodes.Or([term]).subqueries == (term,)
    assert nodes.Phrase("stem", ["دير", "زور"]).words == ("دير", "زور")
    assert nodes.Nothing() == nodes.NULL and nodes.Every() == nodes.Every()
    assert len({nodes.Or([term]), nodes.Or((term,))}) == 1


def test_the_analyzer_decides_what_is_searched() -> None:
    badia = Analyzer(extra_stopwords=["البادية"])
    assert parse_query("غارات البادية").terms == ["غار", "باديه"]
    assert parse_query("غارات البادية", analyzer=badia).terms == ["غار"]
    assert parse_query('"غارات البادية"', analyzer=badia).terms == ["غار"]
    assert parse_query('"دير الزور" البادية', match="any", analyzer=badia).terms == [
        "دير", "زور"]
    assert parse_query("البادية", analyzer=badia) is None
    # A name the gazetteer does not know is searched as a phrase, analyzed the same way.
    walls = badia.analyze("أسوار")[0]
    assert any(type(n) is nodes.Phrase for n in _walk(parse_query("place:أسوار_البادية").query))
    unknown = _walk(parse_query("place:أسوار_البادية", analyzer=badia).query)
    assert nodes.Term("stem", walls) in unknown
    assert not any(type(n) is nodes.Phrase for n in unknown)


def test_an_index_parses_queries_with_its_own_analyzer(tmp_path: Path) -> None:
    articles = [{"id": "a", "text": "غارات على البادية"}, {"id": "b", "text": "غارات على حلب"}]
    plain = arsearch.Index.create(tmp_path / "plain")
    plain.add_articles(articles)
    badia = arsearch.Index.create(tmp_path / "badia",
                                  analyzer=Analyzer(extra_stopwords=["البادية"]))
    badia.add_articles(articles)
    assert [h.id for h in plain.search("غارات البادية")] == ["a"]
    # البادية is not searched in the second index: only غارات is left.
    assert {h.id for h in badia.search("غارات البادية")} == {"a", "b"}
    assert badia.search("البادية").total == 0  # only a stopword left: nothing searched


# --- prefixes (دا*) and the operators arsearch refuses (issue 24) -----------------


def test_a_prefix_expands_to_the_indexed_words_as_written(seed_index: arsearch.Index) -> None:
    results = seed_index.search("دا*", limit=0)
    assert results.terms == ["دا*"]
    prefix = results.parsed.prefixes[0]
    assert prefix.prefix == "دا" and not prefix.capped
    assert prefix.expanded == [t for t, _ in seed_index.terms("exact", "دا")]
    assert "داعش" in prefix.expanded and len(results) == 5
    assert all(t.startswith("دا") for t in prefix.expanded)
    # Folded like the index: hamza and ta marbuta forms of the prefix find the same words.
    assert seed_index.search("أبو*", limit=0).parsed.prefixes[0].prefix == "ابو"
    assert seed_index.count("البوكم*") == seed_index.count("البوكمال") == 1
    assert seed_index.count("البوكمز*") == 0


def test_a_prefix_combines_like_a_word(seed_index: arsearch.Index) -> None:
    assert {h.id[:3] for h in seed_index.search("داعش -البوكم*", limit=0)} == {
        "000", "001", "002", "004"}
    assert seed_index.count("البوكم* OR لواء") == seed_index.count("البوكمال OR لواء")
    hit = seed_index.search("البوكم*")[0]
    assert any(hit.snippet[a:b] == "البوكمال" for a, b in hit.highlights)
    assert seed_index.count("source:SY*") == seed_index.count("source:SY24") == 2
    assert [h.id for h in seed_index.search("id:003*")] == ["003_4d67c2310d9d160a"]


def test_a_prefix_past_max_expansions_is_capped_and_says_so(
        seed_index: arsearch.Index, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsearch.query import parser

    every = [t for t, _ in seed_index.terms("exact", "دا")]
    monkeypatch.setattr(parser, "MAX_EXPANSIONS", 2)
    results = seed_index.search("دا*", limit=0)
    prefix = results.parsed.prefixes[0]
    assert prefix.capped and prefix.expanded == every[:2]  # the first, in term order
    assert results.terms == ["دا* (first 2 words)"]
    assert 1 <= results.total < seed_index.count("داعش") == 5
    notes = capped_notes(results)
    assert notes == ["دا* begins more than 2 indexed words; searched the first 2 in "
                     "alphabetical order (a longer prefix narrows it)"]


def test_a_prefix_without_an_index_stays_a_prefix_node() -> None:
    parsed = parse_query("دا*")
    assert parsed.query == nodes.Prefix("exact", "دا")
    assert str(to_whoosh(parsed.query)) == "exact:دا*"
    asked: list[tuple[str, str, int]] = []

    def expand(fieldname: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        asked.append((fieldname, prefix, limit))
        return [(f"{prefix}{i}", 1) for i in range(limit)]

    capped = parse_query("SOURCE:Sy*", expand=expand)
    assert asked == [("source_key", "sy", parser_max() + 1)]
    assert capped.prefixes[0].capped and len(capped.prefixes[0].expanded) == parser_max()
    assert capped.terms == [f"source:Sy* (first {parser_max():,} words)"]


def parser_max() -> int:
    from arsearch.query.parser import MAX_EXPANSIONS
    return MAX_EXPANSIONS


@pytest.mark.parametrize(("query", "position"), [
    ("*", 1), ("د*", 1), ("داعش -أ*", 6), ('"دا"*', 5), ("«د*", 1)])
def test_a_lone_star_or_a_one_letter_prefix_is_refused(seed_index: arsearch.Index,
                                                       query: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError, match="at least 2 letters") as caught:
        seed_index.search(query)
    assert caught.value.position + 1 == position


@pytest.mark.parametrize(("query", "operator", "position"), [
    ("داعش~", "~", 5), ("داعش~2", "~", 5), ('"دير الزور"~3', "~", 12), ("داعش^2", "^", 5),
    ("دا?ش", "?", 3), ("داع*ش", "*", 4), ("*داعش", "*", 1), ("/داع.*/", "/", 1),
    ("!داعش", "!", 1), ("+داعش", "+", 1), ("داعش && روسيا", "&&", 6),
    ("داعش || روسيا", "||", 6),
    ("-داعش~", "~", 6), ("title:داعش~", "~", 11), ("title:دا*", "*", 7),
    ("actor:دا*", "*", 7), ("مكان:حل*", "*", 6)])
def test_unsupported_operators_are_refused_never_dropped(
        seed_index: arsearch.Index, query: str, operator: str, position: int) -> None:
    with pytest.raises(arsearch.UnsupportedOperator) as caught:
        seed_index.search(query)
    error = caught.value
    assert isinstance(error, QuerySyntaxError) and isinstance(error, arsearch.ArsearchError)
    assert error.operator == operator and error.position + 1 == position
    assert "not supported" in str(error)
    assert "\n" not in str(error)
    seed_index.search(query, syntax=False)  # plain words: never an error


def test_operator_characters_that_are_text_stay_text(seed_index: arsearch.Index) -> None:
    assert "https" in parse_query("https://t.co/a?b=1~2").terms  # a URL
    assert parse_query('"داعش~"').terms == ["داعش"]  # quoted: the words only
    assert parse_query("داعش-روسيا*").prefixes[0].prefix == "داعش-روسيا"


def test_snippets_highlight_only_the_commonest_words_of_a_prefix() -> None:
    from arsearch.query.parser import MAX_HIGHLIGHTED

    def expand(fieldname: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        return [(f"{prefix}{i:04}", i % 97) for i in range(limit)]

    parsed = parse_query("دا*", expand=expand)
    assert len(parsed.prefixes[0].expanded) == parser_max()
    commonest = sorted(expand("exact", "دا", parser_max()), key=lambda tc: -tc[1])
    assert parsed.highlight == {t for t, _ in commonest[:MAX_HIGHLIGHTED]}
    assert min(int(t[2:]) % 97 for t in parsed.highlight) == 95  # ten of 96, ten of 95


def test_a_prefix_reads_every_segment_and_skips_deleted_articles(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    ix.add_articles([{"id": "a", "text": "هاجم داعش الرقة"}], merge=False)
    ix.add_articles([{"id": "b", "text": "داخل الرقة عناصر داعشية"}], merge=False)
    assert ix.info().segments == 2
    assert ix.terms("exact", "داع") == [("داعش", 1), ("داعشيه", 1)]
    assert {h.id for h in ix.search("داع*")} == {"a", "b"}
    ix.delete(["a"])
    assert [h.id for h in ix.search("داع*")] == ["b"]
    assert arsearch.Index.open(Path(__file__).parent / "data" / "index_0_1").count("دا*") == 5


def test_explain_names_the_words_a_prefix_found(seed_index: arsearch.Index) -> None:
    results = seed_index.search("البوكم* داعش")
    why = arsearch.explain(seed_index, results, results[0])
    assert ("البوكم*", [("البوكمال", "prefix", 7)]) in why.words
    assert "البوكم* ← البوكمال (prefix ×7)" in why.lines()
