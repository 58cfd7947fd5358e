"""Keeping an index healthy: ``repair`` after a crash, ``reindex`` after an upgrade.

The engine writes new segment files first and switches to them by renaming
one small table of contents, so a killed writer can only leave *unused*
files behind (a half-written segment, a temporary directory); its lock is an
``fcntl`` lock, which the kernel releases when the process dies. ``repair``
removes the leftovers and checks that the index answers. ``reindex`` rebuilds
an index from the articles it stores, for when the analysis chain, the schema,
the gazetteer or the index's analysis settings changed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from arsearch.engine.checksums import CheckReport
from arsearch.engine.store import Store, stored_documents
from arsearch.errors import ArsearchError, IndexNotFound
from arsearch.index import GAZETTEER_DIR, Index, check_index, recorded_analyzer
from arsearch.ingest import DEFAULT_BATCH, IngestReport, Progress
from arsearch.models import Article, plural
from arsearch.text.analyzer import Analyzer

#: Stored fields that make up an article, whatever the schema version.
ARTICLE_FIELDS = ("id", "title", "text", "published", "source", "author", "url")


@dataclass
class RepairReport:
    """What ``repair`` found and did."""

    documents: int = 0
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI."""
        removed = f"removed {plural(len(self.removed), 'leftover file')}" if self.removed \
            else "no leftovers"
        return f"{plural(self.documents, 'article')}, index opens and answers; {removed}"


def check(path: str | os.PathLike[str]) -> CheckReport:
    """Verify an index without opening it: every file read in full against the checksums
    of the last commit, every segment's stored articles read back (``Index.check``).

    Raises:
        IndexNotFound: no index at ``path``.
    """
    directory = Path(path)
    if not Store.exists(directory):
        raise IndexNotFound(str(directory))
    return check_index(directory)


def repair(path: str | os.PathLike[str]) -> RepairReport:
    """Remove what a killed writer left behind and check that the index answers.

    Raises:
        IndexNotFound: no index at ``path``.
        IndexLocked: a writer is running right now (then nothing is stale).
    """
    directory = Path(path)
    if not Store.exists(directory):
        raise IndexNotFound(str(directory))
    store = Store.open(directory, mmap=True)
    report = RepairReport()
    try:
        with store.locked():
            report.removed = store.remove_leftovers()
            view = store.view()
            report.documents = view.doc_count()
            for _ in view.documents():  # every stored document must be readable
                pass
    finally:
        store.close()
    return report


def stored_articles(path: str | os.PathLike[str]) -> Iterator[Article]:
    """The articles an index stores, read without checking its schema version."""
    for stored in stored_documents(path):
        yield Article.from_dict({name: stored[name] for name in ARTICLE_FIELDS
                                 if stored.get(name) is not None})


def reindex(path: str | os.PathLike[str], *, jobs: int = 1, batch_size: int = DEFAULT_BATCH,
            progress: Progress | None = None, analyzer: Analyzer | None = None
            ) -> IngestReport:
    """Rebuild the index at ``path`` from its stored articles with this arsearch.

    The new index is built beside the old one and swapped in only when it is
    complete, so an interrupted reindex leaves the old index untouched (run
    it again). The user gazetteer kept with the index is carried over, and so
    are its analysis settings, unless ``analyzer`` gives new ones; an index
    with the bundled settings of an older analysis version gets this one's.

    Raises:
        IndexNotFound: no index at ``path``.
        ArsearchError: the index's recorded analysis settings are unreadable
            (give ``analyzer``).
    """
    directory = Path(path)
    if not Store.exists(directory):
        raise IndexNotFound(str(directory))
    if analyzer is None:
        analyzer = recorded_analyzer(directory)
        if analyzer == Analyzer(version=analyzer.version):
            analyzer = Analyzer()
    building = directory.with_name(directory.name + ".reindexing")
    shutil.rmtree(building, ignore_errors=True)  # a previous interrupted run
    fresh = Index.create(building, analyzer=analyzer)
    kept = directory / GAZETTEER_DIR
    if kept.is_dir():
        for table in sorted(kept.glob("*.tsv")):
            fresh.add_gazetteer(table)
    report = fresh.add_articles(stored_articles(directory), jobs=jobs,
                                batch_size=batch_size, progress=progress)
    _swap(directory, building)
    return report


def _swap(directory: Path, building: Path) -> None:
    """Replace ``directory`` by ``building`` with two renames."""
    retired = directory.with_name(f"{directory.name}.old-{int(time.time())}")
    try:
        directory.rename(retired)
        building.rename(directory)
    except OSError as exc:
        raise ArsearchError(
            f"{directory}: could not swap in the rebuilt index ({exc.strerror or exc}); "
            f"the old index is at {retired if retired.exists() else directory}, "
            f"the new one at {building}") from None
    shutil.rmtree(retired, ignore_errors=True)

