"""Facet values read back from stored fields equal the ones Whoosh groups by."""

from pathlib import Path

import pytest
from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting

import arsearch
from arsearch.engine.facets import STORED_FIELDS, group_stored, stored_values


def indexed_groups(ix: arsearch.Index, fieldname: str) -> dict[str, set[int]]:
    facet = sorting.FieldFacet(fieldname, allow_overlap=True, maptype=sorting.UnorderedList)
    with windex.open_dir(str(ix.path)).searcher() as searcher:
        results = searcher.search(wq.Every(), limit=1, groupedby={"g": facet})
        return {value: set(docs) for value, docs in results.groups("g").items() if value}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> arsearch.Index:
    ix = arsearch.Index.create(tmp_path_factory.mktemp("mixed"))
    ix.add_paths([seeds_dir])
    ix.add_articles([
        {"id": "p", "text": "قصف على الرقة في 3 آذار 2016 وفي نيسان 2016", "source": "SY24",
         "published": "2019-01-02"},
        {"id": "u", "text": "غارات روسية على حلب في شباط 2017 ثم في 2018"},
        {"id": "e", "text": "خبر بلا تاريخ ولا مكان"},
    ])
    return ix


@pytest.mark.parametrize("fieldname", sorted(STORED_FIELDS))
def test_stored_values_match_the_index(mixed: arsearch.Index, fieldname: str) -> None:
    with windex.open_dir(str(mixed.path)).searcher() as searcher:
        stored = group_stored(searcher, range(searcher.doc_count_all()), [fieldname])[fieldname]
    assert {v: set(d) for v, d in stored.items()} == indexed_groups(mixed, fieldname)


def test_other_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="not read back"):
        stored_values({}, "stem")


def test_facets_and_timelines_of_a_search(mixed: arsearch.Index) -> None:
    results = mixed.search("الرقة OR حلب", limit=1)
    assert results.facets["places"]["الرقة"] >= 1 and results.facets["places"]["حلب"] >= 1
    assert results.facets["sources"].get("SY24", 0) >= 1
    assert results.count_by("months")["2019-01"] == 1
    assert mixed.search("خبر بلا تاريخ", limit=1).facets["months"] == {}


@pytest.mark.parametrize("size", [0, 1, 3, 1000])
def test_top_facets_are_the_first_entries_of_the_facets(mixed: arsearch.Index,
                                                        size: int) -> None:
    for query in [None, "الرقة OR حلب"]:
        alone = mixed.search(query, limit=1).top_facets(size)  # counted for the top alone
        full = mixed.search(query, limit=1).facets
        assert alone == {name: counts if name == "months" else
                         dict(list(counts.items())[:size]) for name, counts in full.items()}
    assert len(mixed.search(None, limit=1).top_facets(1)["actors"]) == 1


def test_a_negative_top_is_refused(mixed: arsearch.Index) -> None:
    with pytest.raises(ValueError, match="size"):
        mixed.search("الرقة", limit=1).top_facets(-1)
