"""A sharded index on a Ray cluster of two nodes on this machine (Ray's own test
cluster, ``ray.cluster_utils.Cluster``, one CPU each), joined by its ``HOST:PORT``
address: the shards spread over both nodes and rank as one index. Skipped when
Ray is not installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import arsearch

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::ResourceWarning")


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[Any]:
    cluster = cluster_utils.Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def test_shards_spread_over_two_nodes_rank_as_one_index(
        two_nodes: Any, sharded_path: Path, single_index: arsearch.Index,
        compare: Any) -> None:
    ix = arsearch.Index.open(sharded_path, cluster=two_nodes.address)
    try:
        assert len(set(ix._backend.nodes())) == 2
        for case in [("داعش", {}), ("هجوم البادية السورية", {"match": "any"}),
                     ("النظام", {"actor": "روسيا", "limit": None}),
                     (None, {"place": "سوريا"}), ('"قوات النظام"', {})]:
            compare(single_index, ix, *case)
    finally:
        ix.close()
