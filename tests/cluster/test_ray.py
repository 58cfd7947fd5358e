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
