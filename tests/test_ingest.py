"""Ingest: worker processes, batch commits, interruption, replacement, maintenance."""

from __future__ import annotations

import errno
import gc
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import arsearch.engine.writer
import arsearch.ingest
from arsearch import Index
from arsearch.cli.progress import ProgressLine, format_seconds
from arsearch.engine.store import Store
from arsearch.errors import ArsearchError, SchemaMismatch
from arsearch.ingest import MIN_PARALLEL, IngestWorker, estimate_count
from arsearch.maintenance import reindex, repair

PLACES = ["حلب", "الرقة", "دير الزور", "تدمر", "إدلب"]


def articles(n: int, prefix: str = "a", text: str = "") -> list[dict[str, str]]:
    """Small distinct articles; every tenth mentions غارات."""
    return [{
        "id": f"{prefix}{i}",
        "title": f"خبر رقم {i}",
        "text": text or (f"قصفت الطائرات الروسية مدينة {PLACES[i % len(PLACES)]} "
                         f"{'وشنت غارات' if i % 10 == 0 else 'واشتبكت'} "
                         f"يوم {i % 28 + 1} آذار 2019"),
        "published": f"2019-03-{i % 28 + 1:02d}",
    } for i in range(n)]


def ids(ix: Index, query: str | None = None) -> set[str]:
    return {hit.id for hit in ix.search(query, limit=0)}


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, Index]:
    """The same articles indexed in this process and by two workers."""
    n = MIN_PARALLEL + 50
    serial = Index.create(tmp_path_factory.mktemp("serial"))
    serial.add_articles(articles(n))
    workers = Index.create(tmp_path_factory.mktemp("workers"))
    report = workers.add_articles(articles(n), jobs=2, merge=False)
    assert (report.added, report.failed, report.merged) == (n, 0, 0)
    return serial, workers


def test_workers_index_what_one_process_indexes(parallel: tuple[Index, Index]) -> None:
    serial, workers = parallel
    assert len(workers) == len(serial)
    for query in ("غارات", "الروسية", '"دير الزور"', None):
        assert ids(workers, query) == ids(serial, query)
    assert workers.search("غارات", place="حلب").total == serial.search(
        "غارات", place="حلب").total > 0


def test_workers_write_their_own_segments(parallel: tuple[Index, Index]) -> None:
    assert parallel[1].info().segments == 2


def test_an_ingest_ends_by_merging_its_segments(tmp_path: Path) -> None:
    phases: list[str] = []

    class Progress:
        def __call__(self, done: int) -> None:
            pass

        def phase(self, label: str) -> None:
            phases.append(label)

    ix = Index.create(tmp_path)
    report = ix.add_articles(articles(MIN_PARALLEL + 50), jobs=2, progress=Progress())
    assert (report.merged, ix.info().segments, len(ix)) == (2, 1, MIN_PARALLEL + 50)
    assert phases == ["merging segments"] and "merged 2 segments" in report.summary()
    unmerged = Index.create(tmp_path / "unmerged")
    unmerged.add_articles(articles(MIN_PARALLEL + 50), jobs=2, merge=False)
    # Scores move a little: a merged segment's total field lengths are summed
    # from the one-byte lengths of its documents (as in Whoosh's own merges).
    for query in ("غارات", '"دير الزور"', None):
        assert ids(ix, query) == ids(unmerged, query)
    assert ix.search("غارات", place="حلب").total == unmerged.search(
        "غارات", place="حلب").total > 0


def test_merging_leaves_segments_larger_than_the_ingest_alone(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(60))
    (large,) = Store.open(tmp_path).segment_sizes()
    report = ix.add_articles(articles(6, prefix="b"), batch_size=2)  # three commits
    assert report.merged == 3
    segments = Store.open(tmp_path).segment_sizes()
    assert segments[large] == 60 and sorted(segments.values()) == [6, 60]
    assert ids(ix, "غارات") == {f"a{i}" for i in range(0, 60, 10)} | {"b0"}
    assert ix.merge_segments(6) == 0  # nothing left to merge


def test_running_an_unmerged_ingest_again_merges_it(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(30), batch_size=10, merge=False)
    assert ix.info().segments == 3
    report = ix.add_articles(articles(30))
    assert (report.unchanged, report.merged, ix.info().segments) == (30, 3, 1)
    assert ids(ix, "غارات") == {"a0", "a10", "a20"}


def test_progress_line_shows_the_merge_phase() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream, 100)
    line.phase("merging segments")
    line(50)  # no more counts once merging
    assert stream.getvalue().strip() == "merging segments…"


def test_unchanged_articles_are_skipped_and_changed_ones_replaced(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(300), jobs=2)
    changed = articles(300)
    changed[7]["text"] = "نص جديد تماما عن الفيضانات"
    report = ix.add_articles(changed, jobs=2)
    assert (report.added, report.replaced, report.unchanged) == (0, 1, 299)
    assert ids(ix, "الفيضانات") == {"a7"}
    assert len(ix) == 300


def test_batches_commit_and_an_interrupted_ingest_resumes(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)

    def interrupted() -> Iterator[dict[str, str]]:
        for i, article in enumerate(articles(130)):
            if i == 120:
                raise KeyboardInterrupt
            yield article

    with pytest.raises(KeyboardInterrupt):
        ix.add_articles(interrupted(), batch_size=50)
    assert len(ix) == 100  # two committed batches, the third lost whole
    report = ix.add_articles(articles(130), batch_size=50)
    assert (report.added, report.unchanged) == (30, 100)
    assert len(ix) == 130 and len(ids(ix)) == 130


def test_the_last_copy_of_an_id_wins_across_batches(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    stream = articles(60) + [{"id": "a3", "text": "النسخة الأخيرة عن الفيضانات"}]
    ix.add_articles(stream, batch_size=20)
    assert len(ix) == 60
    assert ids(ix, "الفيضانات") == {"a3"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_article_that_breaks_analysis_fails_alone_and_keeps_its_old_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(250))
    real = arsearch.ingest.to_document

    def fragile(article, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "كسر" in article.text:
            raise RuntimeError("boom")
        return real(article, *args, **kwargs)

    monkeypatch.setattr(arsearch.ingest, "to_document", fragile)  # workers are forked
    changed = articles(250)
    for article in changed:  # all changed: enough to go through the workers
        article["title"] += " محدث"
    changed[5]["text"] = "كسر"
    changed[6]["text"] = "نص جديد عن الفيضانات"
    report = ix.add_articles(changed, jobs=jobs)
    assert (report.replaced, report.failed) == (249, 1)
    assert "a5: internal error" in report.errors[0]
    assert ids(ix, "محدث") == {f"a{i}" for i in range(250)} - {"a5"}
    assert "a5" in ids(ix)  # the old version is still there
    assert ids(ix, "الفيضانات") == {"a6"}


def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[int] = []
    Index.create(tmp_path).add_articles(articles(MIN_PARALLEL + 10), jobs=2,
                                        progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == MIN_PARALLEL + 10


def test_estimate_count(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(a) for a in articles(7)) + "\n")
    (tmp_path / "b.txt").write_text("نص")
    assert estimate_count([tmp_path]) == 8
    assert estimate_count(["-"]) is None


def test_progress_line() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream, 1000)
    assert "50%" in line.render(500, 10.0) and "50/s" in line.render(500, 10.0)
    assert "ETA 10s" in line.render(500, 10.0)
    assert "1,500 articles" in ProgressLine(stream, None).render(1500, 3.0)
    assert format_seconds(75) == "1m15s" and format_seconds(4000) == "1h06m"


def test_optimize_merges_segments(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(MIN_PARALLEL), jobs=2, merge=False)
    assert ix.info().segments == 2
    ix.optimize()
    info = ix.info()
    assert (info.segments, info.documents) == (1, MIN_PARALLEL)
    assert (info.first_published, info.last_published) == ("2019-03-01", "2019-03-28")


def test_repair_removes_leftovers_of_a_killed_writer(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(10))
    (tmp_path / "MAIN_zzzzzzzzzzzzzzzz.seg").write_bytes(b"half a segment")
    (tmp_path / "MAIN.tmp").mkdir()
    (tmp_path / "MAIN.tmp" / "run1.run").write_bytes(b"x")
    report = repair(tmp_path)
    assert report.documents == 10
    assert "MAIN_zzzzzzzzzzzzzzzz.seg" in report.removed and "MAIN.tmp" in report.removed
    assert len(Index.open(tmp_path)) == 10


def test_an_old_index_says_how_to_rebuild_and_reindex_rebuilds_it(tmp_path: Path) -> None:
    ix = Index.create(tmp_path / "ix")
    ix.add_articles(articles(12))
    (tmp_path / "ix" / "arsearch.json").write_text('{"schema_version": 1}\n')
    with pytest.raises(SchemaMismatch, match="arsearch reindex"):
        Index.open(tmp_path / "ix")
    report = reindex(tmp_path / "ix")
    assert (report.added, report.failed) == (12, 0)
    rebuilt = Index.open(tmp_path / "ix")
    assert ids(rebuilt, "غارات") == {"a0", "a10"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ix"]


def test_the_index_records_what_built_it(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    meta = json.loads((tmp_path / "arsearch.json").read_text())
    assert meta["schema_version"] == ix.info().schema_version
    assert meta["gazetteer"] and ix.info().gazetteer_current
    meta["gazetteer"] = "an older one"
    del meta["crc32"]  # as an older release wrote it (a changed file with its CRC is damage)
    (tmp_path / "arsearch.json").write_text(json.dumps(meta))
    assert not Index.open(tmp_path).info().gazetteer_current


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_full_disk_fails_cleanly_and_leaves_the_index_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(20))
    files = sorted(p.name for p in tmp_path.iterdir())

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(arsearch.engine.writer.TermPoolWriter, "add_document", full)
    with pytest.raises(ArsearchError, match="No space left on device; nothing of the current"):
        ix.add_articles(articles(MIN_PARALLEL, prefix="new"), jobs=jobs)
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert len(Index.open(tmp_path)) == 20


def test_a_full_disk_during_the_merge_keeps_every_committed_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(30), batch_size=10, merge=False)
    files = sorted(p.name for p in tmp_path.iterdir())

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    # Merging starts by copying the segments' stored fields, then their postings.
    monkeypatch.setattr(arsearch.engine.writer.TermPoolWriter, "write_per_doc", full)
    with pytest.raises(ArsearchError, match="No space left on device; the index is unchanged"):
        ix.add_articles(articles(30))  # all unchanged: only the merge writes
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    reopened = Index.open(tmp_path)
    assert (len(reopened), reopened.info().segments) == (30, 3)
    assert ids(reopened, "غارات") == {"a0", "a10", "a20"}
    monkeypatch.undo()
    assert reopened.add_articles(articles(30)).merged == 3  # the lock was released


def test_a_writer_waiting_for_the_lock_plans_against_what_the_other_committed(
        tmp_path: Path) -> None:
    Index.create(tmp_path)
    other = Store.open(tmp_path).writer()  # another writer holds the lock ...
    result: list[arsearch.ingest.IngestReport] = []
    waiting = threading.Thread(target=lambda: result.append(
        Index.open(tmp_path).add_articles(articles(MIN_PARALLEL), jobs=2)))
    waiting.start()
    for article in articles(MIN_PARALLEL):  # ... and commits the same ids meanwhile
        other.add({"id": article["id"], "text": article["text"]})
    other.commit()
    waiting.join()
    assert result[0].replaced == MIN_PARALLEL
    assert len(Index.open(tmp_path)) == MIN_PARALLEL  # no duplicates


def test_one_index_searched_from_many_threads_while_it_grows(tmp_path: Path) -> None:
    ix = Index.create(tmp_path)
    ix.add_articles(articles(40))
    errors: list[BaseException] = []
    totals: list[int] = []

    def search() -> None:
        try:
            for _ in range(20):
                totals.append(ix.search("غارات", place="حلب").total)
        except BaseException as exc:  # any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    ix.add_articles(articles(40, prefix="more"))  # commits while they search
    for thread in threads:
        thread.join()
    assert not errors
    assert set(totals) <= {4, 8} and ix.search("غارات", place="حلب").total == 8


@pytest.mark.parametrize("before", [(700, 10, 10), (0, 10, 10), (100_000, 5, 5)])
def test_ingest_collects_garbage_less_often_and_restores_the_setting(
        tmp_path: Path, before: tuple[int, int, int]) -> None:
    saved = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    try:
        gc.set_threshold(*before)
        Index.create(tmp_path).add_articles(articles(3),
                                            progress=lambda _: seen.append(gc.get_threshold()))
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*saved)
    young = before[0] and max(before[0], arsearch.ingest.GC_YOUNG)
    assert seen and all(threshold == (young, *before[1:]) for threshold in seen)
    assert after == before


def test_a_worker_freezes_what_outlives_a_chunk_until_its_segment_is_written(
        tmp_path: Path) -> None:
    from arsearch.engine.schema import content_hash
    from arsearch.models import Article

    ix = Index.create(tmp_path)
    worker = IngestWorker(str(ix.path), [])
    batch = [Article.from_dict(a) for a in articles(4)]
    try:
        assert worker.write([(a, content_hash(a), n + 1) for n, a in enumerate(batch)]) == {}
        assert gc.get_freeze_count() > 0
        assert worker.flush() is not None
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_a_worker_collects_a_written_segments_garbage_when_the_next_batch_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsearch.engine.schema import content_hash
    from arsearch.models import Article

    collections = []
    collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(a) or collect(*a))
    ix = Index.create(tmp_path)
    worker = IngestWorker(str(ix.path), [])
    todo = [(a, content_hash(a), n + 1)
            for n, a in enumerate(Article.from_dict(a) for a in articles(4))]
    try:
        worker.write(todo[:2])
        assert worker.flush() is not None
        assert collections == []  # a worker told to stop next never collects
        worker.write(todo[2:])
        assert len(collections) == 1
        worker.write(todo[2:])
        assert len(collections) == 1
        assert worker.flush() is not None
    finally:
        gc.unfreeze()


def test_when_extraction_fails_for_a_chunk_each_article_is_extracted_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(chunk, gazetteer=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(arsearch.ingest, "extract_articles", broken)
    ix = Index.create(tmp_path)
    report = ix.add_articles(articles(20))
    assert (report.added, report.failed) == (20, 0)
    assert {hit.id for hit in ix.search(actor="روسيا", limit=0)} == {f"a{i}" for i in range(20)}
