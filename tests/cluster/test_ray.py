"""A sharded index on a real Ray runtime, started here (``ray.init(num_cpus=2)``):
parity with a single index, ingest by the shards' actors, and faults. Skipped when
the ``arsearch[cluster]`` extra (Ray) is not installed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import arsearch
from arsearch.cluster.backends import RayShards
from arsearch.models import Article

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::ResourceWarning")


@pytest.fixture(scope="module", autouse=True)
def ray_runtime() -> Iterator[None]:
    """A Ray runtime on this machine for the module, shut down after it."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR",
             log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def on_ray(sharded_path: Path) -> Iterator[arsearch.ShardedIndex]:
    ix = arsearch.Index.open(sharded_path, cluster="local")
    yield ix
    ix.close()


def test_searches_on_ray_equal_a_single_index(single_index: arsearch.Index,
                                              on_ray: arsearch.ShardedIndex,
                                              search_case: tuple, compare: Any) -> None:
    assert isinstance(on_ray._backend, RayShards)
    compare(single_index, on_ray, *search_case)


def test_the_actors_ingest_and_a_killed_actor_is_restarted(
        tmp_path: Path, corpus: list[Article], single_index: arsearch.Index,
        compare: Any) -> None:
    ix = arsearch.Index.create(tmp_path / "ix", shards=3, cluster="local")
    killed: list[int] = []

    def progress(done: int) -> None:  # kills shard 1's actor once, mid-ingest
        if not killed:
            killed.append(done)
            ray.kill(ix._backend.actors[1], no_restart=False)

    report = ix.add_articles(corpus, batch_size=100, progress=progress)
    assert killed and report.added == len(corpus) and not report.errors
    assert len(ix) == len(corpus)
    for case in [("داعش", {}), ("هجوم البادية السورية", {"match": "any"}),
                 ("النظام", {"actor": "روسيا"}), (None, {"place": "سوريا"})]:
        compare(single_index, ix, *case)
    ray.kill(ix._backend.actors[0], no_restart=False)  # mid-search: Ray restarts it
    compare(single_index, ix, "الغارات الجوية", {})
    ix.close()


def test_an_actor_past_its_restarts_fails_in_one_line_naming_the_shard(
        sharded_path: Path) -> None:
    paths = sorted(sharded_path.glob("shard-*"))
    shards = RayShards(paths, [], "local", max_restarts=0)
    assert shards.call({2: ("size", ())})[2] > 0
    ray.kill(shards.actors[2], no_restart=True)
    failure = None
    for _ in range(100):  # ray.kill is asynchronous: a call may still be answered
        try:
            shards.call({0: ("size", ()), 2: ("size", ())})
        except arsearch.ShardFailed as exc:
            failure = str(exc)
            break
        time.sleep(0.1)
    assert failure is not None and re.match(r"shard 2 \(.*shard-002\) failed", failure)
    assert "\n" not in failure
    shards.close()


def test_a_missing_shard_is_one_line(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix", shards=2)
    ix.add_articles([{"id": "a", "text": "غارات على حلب"}])
    ix.close()
    (tmp_path / "ix" / "shard-001" / "arsearch.json").unlink()
    with pytest.raises(arsearch.DamagedIndex, match="shard-001") as info:
        arsearch.Index.open(tmp_path / "ix", cluster="local")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("address", ["nonsense", "127.0.0.1:1", "ray://127.0.0.1:1"])
def test_a_bad_cluster_address_is_one_line(sharded_path: Path, address: str) -> None:
    with pytest.raises(arsearch.ClusterUnavailable, match=address) as info:
        arsearch.Index.open(sharded_path, cluster=address)
    assert "\n" not in str(info.value)


@pytest.fixture()
def on_actors(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The shards each maintenance call on Ray actors ran on."""
    ran: list[list[int]] = []
    real = RayShards.maintain

    def recording(self: RayShards, calls: dict) -> dict:
        ran.append(sorted(calls))
        return real(self, calls)

    monkeypatch.setattr(RayShards, "maintain", recording)
    return ran


def test_repair_runs_on_the_actors_even_of_a_shard_that_does_not_open(
        tmp_path: Path, corpus: list[Article], single_index: arsearch.Index,
        on_actors: list[list[int]], compare: Any) -> None:
    path = tmp_path / "ix"
    with arsearch.Index.create(path, shards=3) as ix:
        ix.add_articles(corpus, batch_size=120)
    intact = arsearch.repair(path, dry_run=True, cluster="local")
    assert on_actors == [[0, 1, 2]] and intact.documents == len(corpus) and not intact.damaged
    (toc,) = (path / "shard-001").glob("_MAIN_*.toc")
    data = bytearray(toc.read_bytes())
    for position in range(40, len(data), 97):
        data[position] ^= 0xFF
    toc.write_bytes(bytes(data))  # shard 1 no longer opens
    with pytest.raises(arsearch.DamagedIndex, match="shard-001"):
        arsearch.Index.open(path, cluster="local")
    report = arsearch.repair(path, cluster="local")
    assert on_actors[-1] == [0, 1, 2]
    assert report.damaged and report.documents == len(corpus) and report.lost == 0
    assert report.damaged_files == [f"shard-001/{toc.name}"]
    assert arsearch.check(path).intact
    with arsearch.Index.open(path, cluster="local") as ix:  # the order of ingest is kept
        for case in [("داعش", {"limit": None}), (None, {"place": "سوريا", "limit": 40})]:
            compare(single_index, ix, *case)


def test_reindex_and_a_reshard_run_on_the_actors_and_keep_the_ties(
        tmp_path: Path, corpus: list[Article], single_index: arsearch.Index,
        on_actors: list[list[int]], compare: Any) -> None:
    path = tmp_path / "ix"
    with arsearch.Index.create(path, shards=3) as ix:
        ix.add_articles(corpus, batch_size=120)
    cases = [("داعش", {"limit": None}), ("هجوم البادية السورية", {"match": "any"}),
             (None, {"place": "سوريا", "limit": 40})]
    report = arsearch.reindex(path, cluster="local")
    assert on_actors == [[0, 1, 2]] and report.added == len(corpus)
    with arsearch.Index.open(path, cluster="local") as ix:
        for case in cases:
            compare(single_index, ix, *case)
    report = arsearch.reindex(path, shards=2, cluster="local")
    assert report.added == len(corpus)
    with arsearch.Index.open(path, cluster="local") as ix:
        assert ix.shards == 2
        for case in cases:
            compare(single_index, ix, *case)


@pytest.mark.parametrize("address", ["nonsense", "127.0.0.1:1"])
def test_repair_and_reindex_on_a_bad_cluster_are_one_line(sharded_path: Path,
                                                          address: str) -> None:
    for run in (lambda: arsearch.repair(sharded_path, cluster=address),
                lambda: arsearch.reindex(sharded_path, cluster=address)):
        with pytest.raises(arsearch.ClusterUnavailable, match=address) as info:
            run()
        assert "\n" not in str(info.value)


def write_input(directory: Path, corpus: list[Article]) -> list[str]:
    """The corpus as three JSON Lines files (a bad line in the second; the third
    rewrites two articles of the first), relative to ``directory``."""
    import json

    def line(article: Article) -> str:
        return json.dumps({k: v for k, v in article.to_dict().items() if v is not None},
                          ensure_ascii=False)

    third = len(corpus) // 3
    parts = [corpus[:third], corpus[third:2 * third], corpus[2 * third:]]
    changed = [Article(id=a.id, text=a.text + " تعديل", title=a.title, published=a.published,
                       source=a.source) for a in corpus[:2]]
    names = []
    for number, part in enumerate(parts):
        lines = [line(a) for a in part]
        if number == 1:
            lines.insert(5, "{not json")
        if number == 2:
            lines += [line(a) for a in changed]
        path = directory / f"part-{number}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        names.append(str(path))
    return names


def test_files_on_a_shared_mount_are_read_on_the_cluster_each_once(
        tmp_path: Path, corpus: list[Article], monkeypatch: pytest.MonkeyPatch,
        compare: Any) -> None:
    from arsearch.cluster import reading

    files = write_input(tmp_path, corpus)
    started: list[int] = []
    real = reading.start_readers

    def counting(*args: Any, **kwargs: Any) -> Any:
        readers = real(*args, **kwargs)
        started.append(len(readers or []))
        return readers

    monkeypatch.setattr(reading, "start_readers", counting)
    single = arsearch.Index.create(tmp_path / "single")
    expected = single.add_paths(files, batch_size=60)
    ix = arsearch.Index.create(tmp_path / "ix", shards=3, cluster="local")
    seen: list[int] = []
    report = ix.add_paths(files, batch_size=60, progress=seen.append)
    assert started == [3]  # three readers, one file each
    assert (report.added, report.replaced, report.unchanged, report.failed) == (
        expected.added, expected.replaced, expected.unchanged, expected.failed) == (
        len(corpus), 2, 0, 1)
    assert report.error_lines() == expected.error_lines()
    assert "part-1.jsonl:6" in report.errors[0]
    assert seen and seen[-1] == report.handled and seen == sorted(seen)
    assert len(ix) == len(single) == len(corpus)
    assert ix.get(corpus[0].id).text.endswith("تعديل")
    for case in [("داعش", {"limit": None}), ("هجوم البادية السورية", {"match": "any"}),
                 (None, {"place": "سوريا", "limit": 40}), ("تعديل", {})]:
        compare(single, ix, *case)
    # Again: the first file's records of the two rewritten articles replace them, the
    # third file's replace those, as in a single index.
    again, once_more = ix.add_paths(files, batch_size=60), single.add_paths(files, batch_size=60)
    assert (again.added, again.replaced, again.unchanged) == (
        once_more.added, once_more.replaced, once_more.unchanged) == (0, 4, len(corpus) - 2)
    compare(single, ix, "تعديل", {})
    ix.close()


def test_an_ingest_read_on_the_cluster_killed_resumes_with_nothing_lost_or_duplicated(
        tmp_path: Path, corpus: list[Article]) -> None:
    files = write_input(tmp_path, corpus)
    ix = arsearch.Index.create(tmp_path / "ix", shards=3, cluster="local")

    def interrupt(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ix.add_paths(files, batch_size=60, progress=interrupt)
    partly = len(ix)
    assert 0 < partly < len(corpus)
    report = ix.add_paths(files, batch_size=60)
    assert len(ix) == len(corpus)
    assert report.added + report.unchanged + report.replaced >= len(corpus) - partly
    ids = [h.id for h in ix.search(None, limit=None)]
    assert sorted(ids) == sorted(a.id for a in corpus)
    ix.close()


def test_files_a_reader_does_not_see_are_read_by_the_coordinator(
        tmp_path: Path, corpus: list[Article]) -> None:
    from arsearch.cluster import reading

    files = write_input(tmp_path, corpus)
    ix = arsearch.Index.create(tmp_path / "ix", shards=2, cluster="local")
    seen = [(n, name, Path(name).stat().st_size) for n, name in enumerate(files)]
    other = [(n, name, size + (n == 1)) for n, name, size in seen]  # not the same file
    actors, paths = ix._backend.actors, [str(p) for p in ix._backend.paths]
    assert reading.start_readers(ray, other, actors, paths, 0, 60, 1) is None
    readers = reading.start_readers(ray, seen, actors, paths, 0, 60, 1)
    assert readers is not None and len(readers) == 2
    reading.stop(ray, readers)
    report = ix.add_paths([files[0]], batch_size=60)  # one file: read here
    assert report.added == len(corpus) // 3
    ix.close()


def test_a_shard_actor_killed_while_the_readers_send_is_restarted(
        tmp_path: Path, corpus: list[Article]) -> None:
    files = write_input(tmp_path, corpus)
    ix = arsearch.Index.create(tmp_path / "ix", shards=3, cluster="local")
    killed: list[int] = []

    def progress(done: int) -> None:  # kills shard 2's actor once, mid-ingest
        if not killed:
            killed.append(done)
            ray.kill(ix._backend.actors[2], no_restart=False)

    report = ix.add_paths(files, batch_size=60, progress=progress)
    # A batch committed just before the kill is found unchanged when Ray sends it again.
    assert killed and report.failed == 1
    assert report.added + report.replaced + report.unchanged == len(corpus) + 2
    assert len(ix) == len(corpus) and ix.get(corpus[1].id).text.endswith("تعديل")
    ix.close()


SHARED_NEWS = Path(__file__).resolve().parents[3] / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"
#: Searches of real news: words, any word, and filters, with and without words.
REAL_SEARCHES: list[tuple[str | None, dict[str, Any]]] = [
    ("غارات روسية", {}), ("النفط", {}), ('"مجلس الأمن"', {}),
    ("الانتخابات الرئاسية في مصر", {"match": "any"}), ("قصف", {"place": "سوريا"}),
    ("هجوم", {"actor": "داعش"}), ("اتفاق", {"date": "2015..2017"}),
    (None, {"place": "العراق"}), (None, {"actor": "روسيا"}),
]


@pytest.mark.skipif(not SHARED_NEWS.is_file(), reason="needs ../shared/data/news")
def test_three_shards_of_real_news_on_ray_equal_a_single_index(
        tmp_path: Path, compare: Any) -> None:
    """The issue's check: the seeds plus 2,000 real articles, 3 shards on a local Ray."""
    import itertools

    from arsearch.io.readers import read_paths

    seeds = Path(__file__).resolve().parents[2] / "seeds"
    articles = [a for a in read_paths([seeds]) if isinstance(a, Article)]
    articles += [a for a in itertools.islice(read_paths([SHARED_NEWS]), 2000)
                 if isinstance(a, Article)]
    single = arsearch.Index.create(tmp_path / "single")
    single.add_articles(articles, jobs=2)
    sharded = arsearch.Index.create(tmp_path / "sharded", shards=3, cluster="local")
    assert sharded.add_articles(articles).added == len(single) > 2000
    for query, args in REAL_SEARCHES:
        compare(single, sharded, query, args)
        assert single.search(query, **args).total, (query, args)  # no empty comparison
    sharded.close()
    single.close()
