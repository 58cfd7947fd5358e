"""The store: the Whoosh index under an arsearch index, its views, writer and segments."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import arsearch
from arsearch.engine.schema import content_hash, to_document
from arsearch.engine.store import Store
from arsearch.errors import ArsearchError, DamagedIndex, IndexLocked


def document(article_id: str, text: str) -> dict:
    article = arsearch.Article(id=article_id, text=text, published="2019-03-0" + article_id[-1])
    return to_document(article, content_hash(article))


def test_an_empty_store(tmp_path: Path) -> None:
    assert not Store.exists(tmp_path)
    store = Store.create(tmp_path)
    assert Store.exists(tmp_path)
    view = store.view()
    assert (view.doc_count(), view.first_and_last("published")) == (0, (None, None))
    assert store.segment_sizes() == {}


def test_writes_views_and_segments(tmp_path: Path) -> None:
    store = Store.create(tmp_path)
    before = store.view()
    with store.writer() as writer:
        writer.add(document("a1", "غارات على حلب"))
        writer.add(document("a2", "قصف الرقة"))
    view = store.view()
    assert view is not before and view.doc_count() == 2
    assert store.view() is view  # kept while no commit lands
    assert view.first_and_last("published") == ("2019-03-01", "2019-03-02")
    assert view.find("id", "a2")["text"] == "قصف الرقة"
    assert view.live_among("id", ["a1", "zz"]) == {"a1"}
    with store.batch() as writer:
        assert writer.delete("a1") == 1
        writer.commit()
    assert not store.view().live_among("id", ["a1"])
    # The deleted article's date is still a term until a merge, but not live.
    assert store.view().first_and_last("published") == ("2019-03-02", "2019-03-02")
    assert [stored["id"] for stored in store.view().documents()] == ["a2"]


def test_live_among_reads_a_segment_through_or_probes_it_with_the_same_answer(
        tmp_path: Path) -> None:
    store = Store.create(tmp_path)
    many = [f"c{i}_1" for i in range(20)]
    for batch in (("a1", "a2", "a3", *many), ("b1", "b2")):  # two segments
        with store.writer() as writer:
            for article_id in batch:
                writer.add(document(article_id, "قصف الرقة"))
    with store.batch() as writer:
        assert writer.delete("a2") == 1
        writer.commit()
    view = store.view()
    assert len(list(view.searcher.leaf_searchers())) == 2
    # Many texts for a segment's size: it is read through; one text: probed.
    asked = ["a1", "a2", "a3", "b2", "zz", "حلب"]
    assert view.live_among("id", asked + many) == {"a1", "a3", "b2", *many}
    assert {text for text in asked if view.live_among("id", [text])} == {"a1", "a3", "b2"}
    assert view.live_among("id", []) == set()
    assert view.live_among("no_such_field", asked) == set()


def test_segments_built_apart_commit_as_one_generation(tmp_path: Path) -> None:
    store = Store.create(tmp_path)
    with store.writer() as writer:
        writer.add(document("a1", "غارات على حلب"))
    segments = []
    for article_id in ("b1", "b2"):
        builder = store.segment_builder(limitmb=16)
        builder.add(document(article_id, "قصف على إدلب"))
        segments.append(builder.finish())
    with store.batch() as writer:
        writer.delete("a1")
        writer.commit_segments(segments)
    assert sorted(store.segment_sizes().values()) == [1, 1, 1]  # a1's, deleted, and two
    assert sorted(d["id"] for d in store.view().documents()) == ["b1", "b2"]
    assert store.merge_segments(max_docs=1) == 3
    assert list(store.segment_sizes().values()) == [2]


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    store = Store.create(tmp_path)
    holder = store.writer()
    with pytest.raises(IndexLocked):
        store.writer(timeout=0)
    with pytest.raises(IndexLocked), store.locked():
        pass
    holder.cancel()  # Whoosh's cancel leaves the files of the empty segment
    with store.locked():
        assert store.remove_leftovers()
        assert store.remove_leftovers() == []


def test_a_failed_batch_leaves_no_files_and_says_what_was_undone(tmp_path: Path) -> None:
    store = Store.create(tmp_path)
    with store.writer() as writer:
        writer.add(document("a1", "غارات على حلب"))
    files = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ArsearchError, match=r"cannot write the index: No space left on device; "
                                            r"the index is unchanged$"), \
            store.batch(undone="the index is unchanged") as writer:
        writer.add(document("a2", "قصف الرقة"))
        raise OSError(errno.ENOSPC, "No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    with store.writer(timeout=0) as writer:  # the lock was released
        writer.add(document("a3", "قصف إدلب"))
    assert store.view().doc_count() == 2


def test_first_and_last_skip_deleted_articles(tmp_path: Path) -> None:
    store = Store.create(tmp_path)
    with store.writer() as writer:
        for article_id in ("a1", "a2", "a3"):
            writer.add(document(article_id, "غارات على حلب"))
    for deleted, expected in (("a3", ("2019-03-01", "2019-03-02")),
                              ("a1", ("2019-03-02", "2019-03-02")), ("a2", (None, None))):
        with store.batch() as writer:
            assert writer.delete(deleted) == 1
            writer.commit()
        assert store.view().first_and_last("published") == expected


def test_a_commit_landing_while_an_index_is_opened_is_not_damage(
        tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsearch.engine import checksums

    folder = tmp_path / "ix"
    ix = arsearch.Index.create(folder)
    paths = sorted(seeds_dir.iterdir())
    ix.add_paths(paths[:2])
    generation, manifest = checksums.latest_generation(folder), checksums.read_manifest(folder)
    ix.add_paths(paths[2:])  # commits, and removes the files of ``generation``
    assert not (folder / checksums.toc_name(generation)).exists()
    # A reader that read the latest generation and its manifest just before that commit:
    stale = iter([manifest])
    real = checksums.read_manifest
    monkeypatch.setattr(checksums, "read_manifest", lambda f: next(stale, None) or real(f))
    checksums.verify_on_open(folder, generation)  # the newer commit is checked instead
    monkeypatch.setattr(checksums, "read_manifest", real)
    (folder / checksums.toc_name(checksums.latest_generation(folder))).write_bytes(b"x")
    with pytest.raises(arsearch.DamagedIndex):  # damage with no newer commit stays damage
        checksums.verify_on_open(folder, checksums.latest_generation(folder))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_merge_of_a_damaged_segment_names_it_and_leaves_the_index_as_it_was(
        tmp_path: Path, jobs: int) -> None:
    from whoosh.reading import SegmentReader

    store = Store.create(tmp_path)
    for n in (1, 2):  # a segment each
        with store.writer() as writer:
            writer.add(document(f"a{n}", f"غارات على حلب {n}"))
    segment = store._ix._segments()[0]
    compound = segment.open_compound_file(store._ix.storage)
    trm = next(name for name in compound.list() if name.endswith(".trm"))
    offset, _ = compound.range(trm)
    with SegmentReader(store._ix.storage, store._ix.schema, segment) as reader:
        start = reader._terms._tindex.startofdata
    compound.close()
    path = tmp_path / segment.make_filename(".seg")
    data = bytearray(path.read_bytes())
    data[offset + start:offset + start + 8] = b"\xff" * 8  # the first entry's lengths
    path.write_bytes(bytes(data))
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(DamagedIndex, match=r"is damaged: one of the segments merged \(.*"
                       + segment.make_filename(".seg")):
        store.merge_segments(10, jobs)
    with pytest.raises(DamagedIndex):
        store.optimize(jobs)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert len(store.segment_sizes()) == 2
