"""Facets from per-segment columns equal the facets read from stored fields.

The column path (``arsearch.engine.columns``) must give the same counts, in
the same order, with the same display names as reading every match's stored
fields, on the seeds and on an index of several segments with deletions and
replaced articles; an index written before columns (release 0.1) falls back
to stored fields; a damaged column file is named, never counted from. The compiled
facet counter (``_cfacets.c``) counts as its numpy twin does.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import arsearch
from arsearch import native
from arsearch.cli.commands import main
from arsearch.engine.columns import (
    COLUMN_FIELDS,
    EXTENSION,
    ColumnBuilder,
    Tally,
    _descending,
    gather,
    read_columns,
)
from arsearch.engine.facets import entity_names, stored_values

FIXTURE_0_1 = Path(__file__).parents[1] / "data" / "index_0_1"
QUERIES: list[tuple[str | None, dict]] = [
    (None, {}),
    ("سوريا", {}),
    ("الرقة حلب دمشق", {"match": "any"}),
    ("قصف", {}),
    (None, {"place": "سوريا"}),
    (None, {"date": "2016"}),
    ("لا يوجد هذا الكلام اطلاقا", {}),
]
COUNT_FIELDS = ["published", "dates", "months", "actor_ids", "place_ids", "source_key"]


def both_paths(ix: arsearch.Index, query: str | None, kwargs: dict) -> tuple[dict, dict]:
    """(facets and timelines through columns, the same through stored fields)."""
    out = []
    for use_columns in (True, False):
        ix._view().use_columns = use_columns
        try:
            results = ix.search(query, limit=1, **kwargs)
            out.append({"facets": results.facets,
                        **{name: results.count_by(name) for name in COUNT_FIELDS},
                        "years": results.count_by("dates", lambda d: d[:4])})
        finally:
            ix._view().use_columns = True
    return out[0], out[1]


def assert_same(ix: arsearch.Index) -> None:
    for query, kwargs in QUERIES:
        columns, stored = both_paths(ix, query, kwargs)
        assert columns == stored, (query, kwargs)
        # Same order too: largest first, months and timelines sorted.
        for name in columns["facets"]:
            assert list(columns["facets"][name].items()) == list(stored["facets"][name].items())


def column_files(path: Path) -> list[Path]:
    return sorted(path.glob(f"MAIN_*.{EXTENSION}"))


def segment_ids(path: Path) -> set[str]:
    return {p.name.split(".")[0] for p in path.glob("MAIN_*.seg")}


def test_seed_facets_are_the_same_through_columns(seed_index: arsearch.Index) -> None:
    assert column_files(seed_index.path), "the seed index has no column file"
    assert seed_index.search(None, limit=1).facets["places"]  # something is counted
    assert_same(seed_index)


ARTICLES = [
    {"id": f"a{i}", "text": text, "source": source, "published": published}
    for i, (text, source, published) in enumerate([
        ("قصف على الرقة في 3 آذار 2016 وفي نيسان 2016", "SY24", "2019-01-02"),
        ("غارات روسية على حلب في شباط 2017 ثم في 2018", "sy24", None),
        ("خبر بلا تاريخ ولا مكان", "Enab", None),
        ("اجتماع في دمشق مع وزير الخارجية الروسي سيرغي لافروف", "Enab", "2018-05-01"),
        ("معارك في دير الزور وريف دير الزور الشرقي", None, "2018-06-11"),
        ("تنظيم داعش ينسحب من الرقة إلى دير الزور في 2017", "SANA", "2017-10-20"),
        ("قوات سوريا الديمقراطية تتقدم في الحسكة والرقة", "sana", None),
        ("حلب وإدلب تحت القصف في كانون الثاني 2019", "SY24", "2019-01-15"),
    ])
]


@pytest.fixture(scope="module")
def churned(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> arsearch.Index:
    """Several segments, deleted and replaced articles, and a merge."""
    ix = arsearch.Index.create(tmp_path_factory.mktemp("churned"))
    ix.add_paths([seeds_dir], merge=False)
    ix.add_articles(ARTICLES[:4], merge=False)
    ix.add_articles(ARTICLES[4:], jobs=2, batch_size=2, merge=False)
    ix.delete(["a2", "a5"])
    ix.add_articles([{**ARTICLES[0], "text": "قصف على حلب وحمص في 2015"},
                     {**ARTICLES[6], "source": "Other"}], merge=False)
    return ix


def test_segments_deletes_and_updates(churned: arsearch.Index) -> None:
    assert len(segment_ids(churned.path)) >= 3
    assert {p.name.split(".")[0] for p in column_files(churned.path)} == segment_ids(churned.path)
    assert_same(churned)


def test_merged_segments_keep_their_columns(churned: arsearch.Index, tmp_path: Path) -> None:
    ix = arsearch.Index.open(shutil.copytree(churned.path, tmp_path / "ix"))
    before, _ = both_paths(ix, None, {})
    ix.optimize()
    assert len(segment_ids(ix.path)) == 1 and len(column_files(ix.path)) == 1
    assert_same(ix)
    assert both_paths(ix, None, {})[0] == before


def test_an_index_without_columns_counts_from_stored_fields(tmp_path: Path) -> None:
    path = Path(shutil.copytree(FIXTURE_0_1, tmp_path / "ix"))
    names = sorted(p.name for p in path.iterdir())
    ix = arsearch.Index.open(path)
    columns, stored = both_paths(ix, None, {})
    assert columns == stored and columns["facets"]["places"]
    ix.close()
    assert sorted(p.name for p in path.iterdir()) == names  # nothing written on open


@pytest.mark.parametrize("damage", ["flip", "garbage"])
def test_a_damaged_column_file_is_named(seed_index: arsearch.Index, tmp_path: Path,
                                        damage: str) -> None:
    path = Path(shutil.copytree(seed_index.path, tmp_path / "ix"))
    target = column_files(path)[0]
    data = bytearray(target.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data[:] = b"x" * len(data)
    target.write_bytes(bytes(data))
    result = CliRunner(mix_stderr=False).invoke(main, ["stats", "", "--index", str(path)])
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and target.name in lines[0] and "Traceback" not in result.stderr
    report = arsearch.Index.open(path).check()
    assert target.name in report.damaged_files


def test_columns_that_do_not_fit_the_segment_are_refused(seed_index: arsearch.Index) -> None:
    target = column_files(seed_index.path)[0]
    segment_id = target.name.split(".")[0]
    with pytest.raises(arsearch.DamagedIndex, match=target.name):
        read_columns(seed_index.path, segment_id, 1000)


MENTION = st.tuples(st.sampled_from(["g:actor:1", "g:place:2", "new:actor:ب", "x", ""]),
                    st.sampled_from(["ا", "ب", "دير الزور", "", "a\x1fb"]))
DATE = st.sampled_from(["2016", "2016-03", "2016-03-01", "2019-12-31", "2017-01"])
STORED = st.fixed_dictionaries({
    "mentions": st.fixed_dictionaries({"actors": st.lists(MENTION, max_size=4),
                                       "places": st.lists(MENTION, max_size=4),
                                       "dates": st.lists(DATE, max_size=3)}),
    "published": st.one_of(st.none(), DATE),
    "source": st.one_of(st.none(), st.sampled_from(["SY24", "sy24", "Enab", ""])),
})


def columns_of(docs: list[dict]) -> dict:
    """The columns of a segment of ``docs`` (stored fields), written and read back."""
    builder = ColumnBuilder()
    for docnum, stored in enumerate(docs):
        builder.add(docnum, stored)
    with tempfile.TemporaryDirectory() as folder:
        builder.write(folder, "MAIN_x")
        columns = read_columns(folder, "MAIN_x", len(docs))
    assert columns is not None
    return columns


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(STORED, max_size=12), data=st.data())
def test_columns_round_trip_to_the_stored_values(docs: list[dict], data: st.DataObject) -> None:
    columns = columns_of(docs)
    chosen = sorted(data.draw(st.sets(st.integers(0, max(len(docs) - 1, 0)))
                              if docs else st.just(set())))
    for name in COLUMN_FIELDS:
        column = columns[name]
        for docnum, stored in enumerate(docs):
            lo, hi = column.offsets[docnum], column.offsets[docnum + 1]
            assert [column.values[i] for i in column.ids[lo:hi]] == stored_values(stored, name)
        groups: dict[str, list[int]] = {}
        for docnum in chosen:
            for value in stored_values(docs[docnum], name):
                groups.setdefault(value, []).append(docnum + 7)
        expected = Tally.of_groups(groups)
        docnums, ids = gather(column, np.asarray(chosen, dtype=np.int64), 7)
        got = Tally(column.values, docnums, ids, column.names)
        assert got.occurrences() == expected.occurrences()
        if name in ("actor_names", "place_names"):
            assert got.entity_names() == entity_names(expected.occurrences())
            # The first ``top`` of a facet, counted alone, are the first of the full one
            # (short labels, so that entities shown alike are counted together).
            key = object()
            full = list(got.articles_by_entity(key, lambda e, w: w[:2]).items())
            for top in (0, 1, 2, 5):
                assert list(got.articles_by_entity(key, lambda e, w: w[:2], top).items()
                            ) == full[:top]
        assert got.articles_by(lambda v: v[:1] or None) == {
            label: len({d for v, ds in groups.items() if (v[:1] or None) == label for d in ds})
            for label in {v[:1] for v in groups if v[:1]}}


def test_facets_of_an_earlier_search_are_its_own(churned: arsearch.Index) -> None:
    """A search's facets are counted over its own matches, even after another search."""
    first = churned.search("الرقة", limit=1)
    second = churned.search("حلب", limit=1)
    assert first.facets == churned.search("الرقة", limit=1).facets
    assert second.facets == churned.search("حلب", limit=1).facets
    assert first.facets["places"] != second.facets["places"]


def _name_tally(count: int) -> Tally:
    """A tally of ``count`` discovered actors, article i holding actor i and actor 0."""
    builder = ColumnBuilder()
    for docnum in range(count):
        actors = [[f"new:actor:{docnum}", f"اسم {docnum}"], ["new:actor:0", "اسم 0"]]
        builder.add(docnum, {"mentions": {"actors": actors, "places": [], "dates": []}})
    with tempfile.TemporaryDirectory() as folder:
        builder.write(folder, "MAIN_x")
        columns = read_columns(folder, "MAIN_x", count)
    assert columns is not None
    return columns["actor_names"]  # type: ignore[return-value]


def test_names_are_labelled_when_a_query_needs_them_with_the_same_counts() -> None:
    column = _name_tally(400)
    asked: list[str] = []
    key = object()

    def shown(entity_id: str, written: str) -> str:
        asked.append(entity_id)
        return f"«{written}»"

    def facet(docs: list[int]) -> list[tuple[str, int]]:
        docnums, ids = gather(column, np.asarray(docs, dtype=np.int64), 0)
        tally = Tally(column.values, docnums, ids, column.names)
        return list(tally.articles_by_entity(key, shown).items())

    assert facet([5, 9]) == [("«اسم 0»", 2), ("«اسم 5»", 1), ("«اسم 9»", 1)]
    assert sorted(asked) == ["new:actor:0", "new:actor:5", "new:actor:9"]
    assert facet([9, 5]) == facet([5, 9]) and len(asked) == 3  # known labels: asked once
    # Most of the dictionary at once: every label is worked out, each still once.
    everything = facet(list(range(400)))
    assert len(asked) == 400 == len(set(asked))
    assert everything[0] == ("«اسم 0»", 400)
    assert [name for name, _ in everything[1:]] == sorted(f"«اسم {i}»" for i in range(1, 400))
    assert facet([5, 9]) == [("«اسم 0»", 2), ("«اسم 5»", 1), ("«اسم 9»", 1)]


@pytest.mark.parametrize("damage", ["inside a character", "not UTF-8"])
def test_a_dictionary_that_does_not_decode_is_named_on_reading(tmp_path: Path,
                                                                damage: str) -> None:
    builder = ColumnBuilder()
    builder.add(0, {"mentions": {"actors": [["new:actor:ب", "بشار"]], "places": [],
                                 "dates": []}, "source": "عنب"})
    arrays = builder.arrays()
    if damage == "inside a character":
        arrays["source_key.bounds"] = np.array([0, 1, len(arrays["source_key.text"])])
    else:
        arrays["source_key.text"] = np.frombuffer(b"\xff" * len(arrays["source_key.text"]),
                                                  dtype=np.uint8)
    with open(tmp_path / "MAIN_x.fcol", "wb") as handle:
        np.savez(handle, **arrays)
    with pytest.raises(arsearch.DamagedIndex, match="MAIN_x.fcol"):
        read_columns(tmp_path, "MAIN_x", 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=40, unique=True),
       st.data())
def test_a_dictionary_decoded_at_once_equals_one_value_at_a_time(sources: list[str],
                                                                 data: st.DataObject) -> None:
    builder = ColumnBuilder()
    for docnum, source in enumerate(sources):
        builder.add(docnum, {"source": source})
    with tempfile.TemporaryDirectory() as folder:
        builder.write(folder, "MAIN_x")
        one, once = (read_columns(folder, "MAIN_x", len(sources)) for _ in range(2))
    assert one is not None and once is not None
    single, bulk = one["source_key"].values, once["source_key"].values
    expected = [single[i] for i in range(len(single))]
    few = data.draw(st.lists(st.integers(0, len(bulk) - 1), max_size=3))
    assert bulk.many(few) == [expected[i] for i in few]  # type: ignore[attr-defined]
    assert list(bulk) == expected and bulk.many(few) == [expected[i] for i in few]  # type: ignore[attr-defined]
    assert sorted(expected) == sorted({s.lower() for s in sources})


# --- the compiled facet counter (``_cfacets.c``) against its numpy twin ---

_F = native.load("arsearch.engine._cfacets")
needs_c = pytest.mark.skipif(_F is None, reason="the compiled facet counter is not built")


def both(name: str, segments: list[tuple[dict, list[int], int]]) -> tuple[Tally, Tally]:
    """The tally of field ``name`` over segments (columns, matching docnums, first docnum),
    as C counts it (pairs in their columns) and as numpy does (pairs gathered)."""
    known: dict[str, int] = {}
    parts = []
    for number, (columns, local, first) in enumerate(segments):
        column = columns[name]
        remap = np.fromiter((known.setdefault(v, len(known)) for v in column.values),
                            dtype=np.int64, count=len(column.values))
        # The first segment keeps its own ids when they already are the shared ones.
        same = number == 0 and np.array_equal(remap, np.arange(len(remap)))
        parts.append((column, np.asarray(local, dtype=np.int64), first,
                      None if same else remap))
    values = list(known)
    compiled = Tally(values, parts=parts)
    pairs = [gather(c, local, first, remap) for c, local, first, remap in parts]
    joined = np.hstack(pairs) if pairs else np.zeros((2, 0), dtype=np.int64)
    return compiled, Tally(values, joined[0], joined[1])


@needs_c
@settings(max_examples=80, deadline=None)
@given(first=st.lists(STORED, min_size=1, max_size=10),
       second=st.lists(STORED, min_size=1, max_size=10), data=st.data())
def test_the_c_counts_equal_the_numpy_counts(first: list[dict], second: list[dict],
                                             data: st.DataObject) -> None:
    a, b = columns_of(first), columns_of(second)
    pick_a = sorted(data.draw(st.sets(st.integers(0, len(first) - 1))))
    pick_b = sorted(data.draw(st.sets(st.integers(0, len(second) - 1))))
    segments = [(a, pick_a, 0), (b, pick_b, len(first))]
    for name in COLUMN_FIELDS:
        compiled, gathered = both(name, segments)
        assert compiled._compiled() and not gathered._compiled()
        assert compiled.value_counts().tolist() == gathered.value_counts().tolist()
        assert compiled.occurrences() == gathered.occurrences()
        width = data.draw(st.integers(1, 5))
        labels = np.asarray(data.draw(st.lists(st.integers(-1, width - 1),
                                               min_size=len(compiled.values),
                                               max_size=len(compiled.values))),
                            dtype=np.int64)
        assert (compiled._count_ids(labels, width).tolist()
                == gathered._count_ids(labels, width).tolist())
        assert compiled.articles_by(lambda v: v[:1] or None) == \
            gathered.articles_by(lambda v: v[:1] or None)
        if name in ("actor_names", "place_names"):
            key = object()
            assert compiled.entity_names() == gathered.entity_names()
            assert compiled.articles_by_entity(key, lambda e, w: w[:2]) == \
                gathered.articles_by_entity(key, lambda e, w: w[:2])
        # Gathering on demand gives the arrays, and the numpy path from then on.
        assert compiled.docs.tolist() == gathered.docs.tolist()
        assert not compiled._compiled()


@needs_c
def test_the_c_counter_refuses_what_it_cannot_read() -> None:
    offsets = np.array([0, 2, 3], dtype=np.int64)
    ids = np.array([0, 1, 1], dtype=np.int32)
    counts = np.zeros(2, dtype=np.int64)
    _F.value_counts(offsets, ids, np.array([0, 1], dtype=np.int64), None, counts)
    assert counts.tolist() == [1, 2]
    with pytest.raises(TypeError, match="ids"):
        _F.value_counts(offsets, ids.astype(np.int64), np.array([0]), None, counts)
    with pytest.raises(IndexError, match="document"):
        _F.value_counts(offsets, ids, np.array([2], dtype=np.int64), None, counts)
    with pytest.raises(IndexError, match="counts"):
        _F.value_counts(offsets, ids, np.array([1], dtype=np.int64), None, counts[:1])
    with pytest.raises(IndexError, match="dictionary"):
        _F.value_counts(offsets, ids, np.array([0], dtype=np.int64),
                        np.array([0], dtype=np.int64), counts)
    with pytest.raises(ValueError, match="writable|read-only"):
        _F.value_counts(offsets, ids, np.array([0], dtype=np.int64), None,
                        np.frombuffer(bytes(16), dtype=np.int64))
    last, out = np.full(2, -1, dtype=np.int64), np.zeros(2, dtype=np.int64)
    _F.label_counts(offsets, ids, np.array([0, 1], dtype=np.int64), None,
                    np.array([0, 0], dtype=np.int64), 10, last, out)
    assert out.tolist() == [2, 0] and last.tolist() == [11, -1]
    with pytest.raises(IndexError, match="label"):
        _F.label_counts(offsets, ids, np.array([0], dtype=np.int64), None,
                        np.array([5, 5], dtype=np.int64), 0, last, out)


@needs_c
@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=4), unique=True, max_size=30), st.data())
def test_the_c_listing_is_the_dict_of_the_names_and_counts(texts: list[str],
                                                           data: st.DataObject) -> None:
    counts = np.asarray(data.draw(st.lists(st.integers(0, 2**40), min_size=len(texts),
                                           max_size=len(texts))), dtype=np.int64)
    order = np.asarray(data.draw(st.permutations(range(len(texts)))), dtype=np.int64)
    listed = _F.listing(texts, order, counts)
    assert list(listed.items()) == [(texts[i], int(counts[i])) for i in order.tolist()]
    with pytest.raises(IndexError, match="label"):
        _F.listing(texts, np.array([len(texts)], dtype=np.int64), counts)


@given(st.lists(st.one_of(st.integers(0, 5), st.integers(0, 2**20)), max_size=40))
def test_counts_are_ordered_largest_first_and_stably(counts: list[int]) -> None:
    # The 16-bit radix path (every count under 65,536) and the other one agree
    # with a sort by (-count, position).
    order = _descending(np.asarray(counts, dtype=np.int64)).tolist()
    assert order == sorted(range(len(counts)), key=lambda i: (-counts[i], i))


def test_name_ranks_that_are_no_permutation_are_named_on_reading(tmp_path: Path) -> None:
    # The shown names are read back through the inverse of the ranks: two values
    # of one rank would show one name for another, so the file is damaged.
    builder = ColumnBuilder()
    builder.add(0, {"mentions": {"actors": [["new:actor:ب", "بشار"], ["new:actor:ا", "أحمد"]],
                                 "places": [], "dates": []}, "source": "عنب"})
    arrays = builder.arrays()
    assert sorted(arrays["actor_names.rank"].tolist()) == [0, 1]
    arrays["actor_names.rank"] = np.zeros(2, dtype=np.int32)
    with open(tmp_path / "MAIN_x.fcol", "wb") as handle:
        np.savez(handle, **arrays)
    with pytest.raises(arsearch.DamagedIndex, match="MAIN_x.fcol.*permutation"):
        read_columns(tmp_path, "MAIN_x", 1)
