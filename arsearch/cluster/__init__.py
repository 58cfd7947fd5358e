"""Sharded indexes: N ordinary arsearch indexes plus a manifest, searched as one, in
this process or on a Ray cluster (the ``arsearch[cluster]`` extra).

This stage sits after ``index`` and ``maintenance``, whose ``Index``, ``repair``
and ``reindex`` it runs on each shard, and before ``results`` and ``cli``. So
``arsearch.index`` knows nothing of shards, and the ``Index`` users get
(``arsearch.Index``) is this module's: the same class, whose ``create`` and
``open`` also make and recognise sharded indexes (``ShardedIndex``, with the
same API), without an import cycle. See docs/cluster.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from arsearch import index as _single
from arsearch import maintenance as _maintenance
from arsearch.cluster.backends import CLUSTER_ENV, is_private
from arsearch.cluster.manifest import Manifest, is_sharded, shard_name
from arsearch.cluster.sharded import ShardedIndex, reindex_sharded, repair_sharded
from arsearch.engine.checksums import CheckReport, FileCheck
from arsearch.errors import InvalidArgument
from arsearch.ingest import DEFAULT_BATCH, IngestReport, Progress
from arsearch.text.analyzer import Analyzer


class Index(_single.Index):
    """An arsearch index in a directory, sharded or not (``arsearch.index.Index``,
    whose ``create`` and ``open`` also handle sharded indexes)."""

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, overwrite: bool = False,
               gazetteer: Iterable[str | os.PathLike[str]] = (),
               analyzer: Analyzer | None = None, shards: int | None = None,
               cluster: str | None = None) -> Any:
        """Create a new empty index in ``path`` (``arsearch.index.Index.create``).

        ``shards``: make a sharded index of that many shards (a ``ShardedIndex``);
        ``cluster`` then says where its shards run, as for ``open``.
        """
        if shards is None and cluster is None:
            return super().create(path, overwrite=overwrite, gazetteer=gazetteer,
                                  analyzer=analyzer)
        return ShardedIndex.create(path, 1 if shards is None else shards, overwrite=overwrite,
                                   gazetteer=gazetteer, analyzer=analyzer, cluster=cluster)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *,
             gazetteer: Iterable[str | os.PathLike[str]] = (),
             analyzer: Analyzer | None = None, cluster: str | None = None) -> Any:
        """Open an existing index (``arsearch.index.Index.open``); a sharded one opens
        as a ``ShardedIndex``.

        ``cluster``: where a sharded index's shards run. None: in this process
        (no Ray needed); ``"local"``: a Ray started on this machine; ``"auto"``:
        the Ray cluster this machine belongs to; ``"HOST:PORT"`` or
        ``"ray://HOST:10001"``: that cluster.

        Raises:
            ClusterUnavailable: ``cluster`` is malformed or cannot be reached.
            DamagedIndex: a shard is missing or damaged (and as ``Index.open``).
        """
        if is_sharded(path):
            return ShardedIndex.open(path, cluster=cluster, gazetteer=gazetteer,
                                     analyzer=analyzer)
        return super().open(path, gazetteer=gazetteer, analyzer=analyzer)

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str], *,
                       gazetteer: Iterable[str | os.PathLike[str]] = (),
                       analyzer: Analyzer | None = None, shards: int | None = None,
                       cluster: str | None = None) -> Any:
        """Open the index in ``path``, creating one (``shards`` as for ``create``) if
        there is none."""
        if cls.exists(path):
            found = Manifest.read(Path(path)).shards if is_sharded(path) else None
            if shards is not None and shards != found:
                has = f"{found} shards" if found else "no shards"
                raise InvalidArgument("shards", shards, f"the index at {str(path)!r} has {has}; "
                                      f"re-shard it with: arsearch reindex --shards {shards}")
            return cls.open(path, gazetteer=gazetteer, analyzer=analyzer, cluster=cluster)
        return cls.create(path, gazetteer=gazetteer, analyzer=analyzer, shards=shards,
                          cluster=cluster)

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` holds an arsearch index, sharded or not."""
        return is_sharded(path) or _single.Index.exists(path)


def check(path: str | os.PathLike[str]) -> CheckReport:
    """``arsearch.check`` of an index; of a sharded one, every shard (its files and
    segments named by shard, as ``shard-000/…``), and a missing shard is damage."""
    if not is_sharded(path):
        return _maintenance.check(path)
    root = Path(path)
    manifest = Manifest.read(root)
    total = CheckReport(str(path), -1, True, shards=manifest.shards)
    for shard in manifest.shard_paths(root):
        if not shard.is_dir():
            total.files.append(FileCheck(shard.name, None, None, None, "missing shard"))
            continue
        report = _maintenance.check(shard)
        total.has_manifest = total.has_manifest and report.has_manifest
        total.files += [replace(f, name=f"{shard.name}/{f.name}") for f in report.files]
        total.segments.update({f"{shard.name}/{segment}": counts
                               for segment, counts in report.segments.items()})
        total.problems += [f"{shard.name}: {problem}" for problem in report.problems]
    return total


def repair(path: str | os.PathLike[str], *, dry_run: bool = False,
           cluster: str | None = None) -> _maintenance.RepairReport:
    """``arsearch.repair`` of an index, or of every shard of a sharded one: one report,
    articles and losses added up, files named by their shard.

    ``cluster``: where a sharded index's shards are repaired, as for ``Index.open``
    (None: one after the other in this process; otherwise each on its Ray actor,
    at once). An unsharded index is repaired here.

    Raises:
        ClusterUnavailable: ``cluster`` is malformed or cannot be reached.
        ShardFailed: a shard's actor failed past its restarts.
    """
    if not is_sharded(path):
        return _maintenance.repair(path, dry_run=dry_run)
    total = _maintenance.RepairReport(path=str(path), dry_run=dry_run)
    for number, report in enumerate(repair_sharded(path, dry_run=dry_run, cluster=cluster)):
        shard = shard_name(number)
        total.documents += report.documents
        total.removed += [f"{shard}/{name}" for name in report.removed]
        total.damaged = total.damaged or report.damaged
        total.damaged_files += [f"{shard}/{name}" for name in report.damaged_files]
        total.lost = None if total.lost is None or report.lost is None \
            else total.lost + report.lost
        total.lost_ids += report.lost_ids
        total.dropped_segments += [f"{shard}/{name}" for name in report.dropped_segments]
        total.assumed += [f"{shard}: {note}" for note in report.assumed]
    return total


def reindex(path: str | os.PathLike[str], *, shards: int | None = None, jobs: int = 1,
            batch_size: int = DEFAULT_BATCH, progress: Progress | None = None,
            analyzer: Analyzer | None = None, cluster: str | None = None) -> IngestReport:
    """``arsearch.reindex`` of an index or of each shard of a sharded one; with
    ``shards``, re-shard into that many (from a sharded index or a single one).

    ``cluster``: where the shards run, as for ``Index.open``: each shard is rebuilt
    on its Ray actor, or the new shards' actors write a re-shard. An unsharded
    index without ``shards`` is rebuilt here.

    Raises:
        ClusterUnavailable: ``cluster`` is malformed or cannot be reached.
        ShardFailed: a shard's actor failed past its restarts.
    """
    if shards is None and not is_sharded(path):
        return _maintenance.reindex(path, jobs=jobs, batch_size=batch_size,
                                    progress=progress, analyzer=analyzer)
    return reindex_sharded(path, shards=shards, jobs=jobs, batch_size=batch_size,
                           progress=progress, analyzer=analyzer, cluster=cluster)


__all__ = ["CLUSTER_ENV", "Index", "ShardedIndex", "is_private", "is_sharded",
           "check", "reindex", "reindex_sharded", "repair", "repair_sharded"]
