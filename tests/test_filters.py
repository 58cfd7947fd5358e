"""Search by actor, place and date through the public API, on the seeds."""

from pathlib import Path

import pytest

import arsearch
from arsearch.errors import InvalidDateRange
from arsearch.query.filters import parse_date_range


def ids(results: arsearch.SearchResults) -> set[str]:
    return {hit.id[:3] for hit in results}


def test_actor_and_place_filters(seed_index: arsearch.Index) -> None:
    assert ids(seed_index.search("غارات", actor="روسيا", place="الرقة", limit=0)) == {"000", "004"}
    assert ids(seed_index.search(actor="لواء القدس", limit=0)) == {"004"}
    assert ids(seed_index.search(actor=["داعش", "لواء القدس"], limit=0)) == {"004"}


@pytest.mark.parametrize("alias", ["داعش", "دا.عــش", "تنظيم الدولة", "ISIS", "daesh"])
def test_actor_aliases_resolve_to_one_id(seed_index: arsearch.Index, alias: str) -> None:
    assert seed_index.search(actor=alias, limit=0).total == 5


def test_adjective_names_the_state(seed_index: arsearch.Index) -> None:
    assert seed_index.search(actor="الروسية", limit=0).total == seed_index.search(
        actor="روسيا", limit=0).total


def test_place_includes_places_inside_it(seed_index: arsearch.Index) -> None:
    inside = ids(seed_index.search(place="البوكمال", limit=0))
    assert inside == {"003"}
    assert inside <= ids(seed_index.search(place="دير الزور", limit=0))
    assert ids(seed_index.search(place="سوريا", limit=0)) == {"000", "001", "002", "003", "004"}


def test_actor_includes_its_units(seed_index: arsearch.Index) -> None:
    regime = ids(seed_index.search(actor="قوات النظام", limit=0))
    assert ids(seed_index.search(actor="الفرقة الرابعة", limit=0)) <= regime


def test_unknown_name_falls_back_to_the_text(seed_index: arsearch.Index) -> None:
    assert ids(seed_index.search(actor="القاطرجي", limit=0)) == {"004"}
    assert ids(seed_index.search(place="أسوار سجن", limit=0)) == {"001"}
    assert seed_index.search(actor="لا يوجد هكذا اسم", limit=0).total == 0


def test_date_filters(seed_index: arsearch.Index) -> None:
    assert ids(seed_index.search(actor="قسد", date="2019", limit=0)) == {"000", "001"}
    assert ids(seed_index.search("هجوم", place="دير الزور", date="2017-01..2017-12")) == {"003"}
    assert ids(seed_index.search(date="2017-11", limit=0)) == {"003"}
    assert ids(seed_index.search(date="..2018", limit=0)) == {"003"}
    assert ids(seed_index.search(date="2019..", limit=0)) == {"000", "001"}
    assert seed_index.search(published="2017", limit=0).total == 0  # seeds have no dateline


def test_hits_carry_mentions_and_results_facets(seed_index: arsearch.Index) -> None:
    results = seed_index.search("البوكمال")
    (hit,) = results
    assert "داعش" in hit.actors and "البوكمال" in hit.places and "2017-11" in hit.dates
    assert {"actors", "places", "dates"} <= hit.to_dict().keys()
    facets = seed_index.search(actor="داعش", limit=1).facets
    assert facets["actors"]["داعش"] == 5
    assert facets["places"]["دير الزور"] == 4  # governorate and city counted once per article
    assert facets["months"] == {"2017-11": 1, "2019-03": 1}


def test_hits_name_each_place_once(seed_index: arsearch.Index) -> None:
    # Seed 001 mentions الحسكة, a governorate and a city of the same name.
    (hit,) = [h for h in seed_index.search(actor="قسد", limit=0) if h.id.startswith("001")]
    (document,) = [d for d in seed_index.documents(actor="قسد") if d["id"].startswith("001")]
    for names in (hit.places, hit.actors, document["places"], document["actors"]):
        assert len(names) == len(set(names))
    assert hit.places.count("الحسكة") == 1


def test_no_query_lists_everything_newest_first(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    ix.add_articles([{"id": "old", "text": "الرقة", "published": "2015-01-01"},
                     {"id": "new", "text": "حلب", "published": "2018-05-05"}])
    assert [h.id for h in ix.search()] == ["new", "old"]
    assert [h.id for h in ix.search(published="2015")] == ["old"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2019", ("2019", "2019")), ("2019-3", ("2019-03", "2019-03")),
     ("2019-03-15", ("2019-03-15", "2019-03-15")), ("2019..", ("2019", None)),
     ("..2020-06", (None, "2020-06")), ("2017-01..2017-12", ("2017-01", "2017-12"))],
)
def test_parse_date_range(text: str, expected: tuple) -> None:
    assert parse_date_range(text) == expected


@pytest.mark.parametrize("text", ["19", "2019-13", "2019-02-30", "..", "2020..2019", "آذار",
                                  "2019-03-15-01", "2019.5"])
def test_invalid_date_ranges(seed_index: arsearch.Index, text: str) -> None:
    with pytest.raises(InvalidDateRange, match="invalid date range"):
        seed_index.search("داعش", date=text)


def test_user_gazetteer_is_used_at_the_next_ingest(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    article = {"id": "a", "text": "قصفت كتيبة الصقور الحمر قرية المزرعة الخضراء أمس."}
    ix.add_articles([article])
    assert ix.search(actor="red-falcons-x", limit=0).total == 0
    user = tmp_path / "mine.tsv"
    user.write_text(
        "id\tkind\ttype\tname_ar\tname_en\tparent\tlat\tlon\taliases\tadjectives\n"
        "red-falcons\tactor\tarmed_group\tكتيبة الصقور الحمر\tRed Falcons\t\t\t\tRed-Falcons-X\t\n",
        encoding="utf-8")
    ix.add_gazetteer(user)
    report = ix.add_articles([article])
    assert report.replaced == 1  # re-tagged although the text did not change
    assert [h.id for h in ix.search(actor="red-falcons-x")] == ["a"]
    assert [h.id for h in arsearch.Index.open(tmp_path / "ix").search(actor="Red Falcons")] == ["a"]


def test_broken_user_gazetteer_is_refused(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tkind\nx\tnonsense\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv"):
        ix.add_gazetteer(bad)
    assert not (tmp_path / "ix" / "gazetteer").exists() or not list(
        (tmp_path / "ix" / "gazetteer").iterdir())


def test_a_discovered_actor_filters(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    ix.add_articles([{"id": "a", "text": "انتشرت ميليشيا «لواء أسود الشرقية» في البادية"},
                     {"id": "b", "text": "انتشرت قوات النظام في البادية"}])
    assert ids(ix.search(actor="لواء أسود الشرقية", limit=0)) == {"a"}


# --- a filter that finds nothing points at the names that hold it (issue 24) -------


@pytest.mark.parametrize("spelling", ["حزب الله", "حِزب اللة", "حزبُ الله"])
def test_an_actor_that_finds_nothing_points_at_names_containing_it(
        seed_index: arsearch.Index, spelling: str) -> None:
    # Seed 003 names «حزب الله العراقي», read as كتائب حزب الله; حزب الله itself is absent.
    results = seed_index.search(actor=spelling)
    assert results.total == 0
    help_ = arsearch.no_match_help(seed_index, results)
    assert help_.filters[0].containing == [("كتائب حزب الله", 1)]
    assert help_.lines()[1].endswith("0 articles alone; did you mean كتائب حزب الله (1)")
    assert seed_index.count(actor="كتائب حزب الله") == 1


def test_names_containing_are_bounded_and_most_frequent_first(
        seed_index: arsearch.Index) -> None:
    from arsearch.results.suggest import MAX_SUGGESTIONS, names_containing

    found = names_containing(seed_index, "place", "ال")
    assert len(found) == MAX_SUGGESTIONS
    assert [n for _, n in found] == sorted((n for _, n in found), reverse=True)
    assert all(seed_index.count(place=name) == n for name, n in found)  # what --place finds
    assert names_containing(seed_index, "place", "ال", limit=10)[:MAX_SUGGESTIONS] == found
    assert names_containing(seed_index, "place", "اليرموك") == [("مخيم اليرموك", 1)]
    assert names_containing(seed_index, "actor", "لا اسم كهذا") == []
    assert names_containing(seed_index, "actor", "روس") == [("روسيا", 5)]  # a country acts
    assert names_containing(seed_index, "actor", "مظهر") == [("احمد مظهر سعدو", 1)]  # discovered


def test_a_filter_that_finds_articles_gets_no_names(seed_index: arsearch.Index) -> None:
    assert seed_index.count(actor="حزب الله", place="دير الزور") == 0
    help_ = arsearch.no_match_help(seed_index, seed_index.search(actor="حزب الله",
                                                                 place="دير الزور"))
    place, actor = sorted(help_.filters, key=lambda f: f.field, reverse=True)
    assert place.articles == 4 and not place.containing
    assert actor.containing == [("كتائب حزب الله", 1)]
