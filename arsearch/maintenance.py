"""Keeping an index healthy: ``check`` and ``repair`` after damage or a
crash, ``reindex`` after an upgrade.

The engine writes new segment files first and switches to them by renaming
one small table of contents, so a killed writer can only leave *unused*
files behind (a half-written segment, a temporary directory); its lock is an
``fcntl`` lock, which the kernel releases when the process dies. ``repair``
removes the leftovers; on a damaged index (``check``) it rebuilds one from
the stored articles that still read back whole, and names the ones lost.
``reindex`` rebuilds an index from the articles it stores, for when the
analysis chain, the schema, the gazetteer or the index's analysis settings
changed.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from arsearch.engine.checksums import CheckReport
from arsearch.engine.salvage import salvage, write_locked
from arsearch.engine.schema import SCHEMA_VERSION
from arsearch.engine.store import Store, stored_documents
from arsearch.errors import ArsearchError, IndexNotFound
from arsearch.index import (
    GAZETTEER_DIR,
    META_FILE,
    Index,
    check_index,
    meta_problem,
    recorded_analyzer,
)
from arsearch.ingest import DEFAULT_BATCH, IngestReport, Progress
from arsearch.models import Article, plural
from arsearch.text.analyzer import Analyzer, default_analyzer

#: Stored fields that make up an article, whatever the schema version.
ARTICLE_FIELDS = ("id", "title", "text", "published", "source", "author", "url")


@dataclass
class RepairReport:
    """What ``repair`` found and did.

    An intact index is only cleaned of a killed writer's leftovers. A damaged
    one is rebuilt from the stored articles that read back whole
    (``arsearch.engine.salvage``) beside the old one and swapped in when
    complete; ``lost`` articles could not be read back (``lost_ids`` those
    whose ids are known: re-ingest them from their source).
    """

    path: str = ""
    #: articles the repaired index holds (would hold, with ``dry_run``).
    documents: int = 0
    #: leftover files of a killed writer removed from an intact index.
    removed: list[str] = field(default_factory=list)
    #: whether the index was damaged (and so rebuilt, unless ``dry_run`` or nothing read).
    damaged: bool = False
    #: the damaged files ``check`` named.
    damaged_files: list[str] = field(default_factory=list)
    #: live articles that did not read back (None: unknown, no TOC counts them).
    lost: int | None = 0
    #: ids of the lost articles, where they could be read.
    lost_ids: list[str] = field(default_factory=list)
    #: segments of which no article read back.
    dropped_segments: list[str] = field(default_factory=list)
    #: what the rebuild had to assume (settings, segment list, deletions).
    assumed: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def saved_nothing(self) -> bool:
        """A damaged index of which no article read back, though it held some."""
        return self.damaged and self.documents == 0 and self.lost != 0

    @property
    def repaired(self) -> bool:
        """Whether the index is intact now (or was): rebuilt, or nothing to rebuild."""
        return not self.damaged or not (self.dry_run or self.saved_nothing)

    def summary(self) -> str:
        """One line for the CLI."""
        if not self.damaged:
            removed = f"removed {plural(len(self.removed), 'leftover file')}" if self.removed \
                else "no leftovers"
            return (f"{plural(self.documents, 'article')}, index opens and answers, every file "
                    f"intact; {removed}")
        lost = "an unknown number of articles" if self.lost is None \
            else plural(self.lost, "article")
        damaged = ", ".join(self.damaged_files) or "unreadable"
        if self.saved_nothing:
            return (f"damaged ({damaged}): no article reads back, lost {lost}; "
                    "the index is left as it was")
        verb = "would keep" if self.dry_run else "rebuilt with"
        return f"damaged ({damaged}): {verb} {plural(self.documents, 'intact article')}, " \
            f"lost {lost}"

    def lines(self) -> list[str]:
        """The summary and the details: a few lines for the CLI."""
        out = [self.summary()]
        if not self.damaged:
            return out
        if self.lost_ids:
            out.append(f"lost ids (re-ingest them from their source): {' '.join(self.lost_ids)}")
        unnamed = None if self.lost is None else self.lost - len(self.lost_ids)
        if unnamed is None or unnamed > 0:
            count = "the lost articles" if unnamed is None else plural(unnamed, "lost article")
            out.append(f"the ids of {count} could not be read (their records went with "
                       "the damaged bytes)")
        if self.dropped_segments:
            out.append(f"dropped: {', '.join(self.dropped_segments)} (nothing read back)")
        out.extend(f"assumed: {note}" for note in self.assumed)
        return out


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


def repair(path: str | os.PathLike[str], *, dry_run: bool = False) -> RepairReport:
    """Keep what is intact in the index at ``path``.

    An intact index (``check``) only loses what a killed writer left behind.
    A damaged one is rebuilt beside it from every stored article that reads
    back whole, with its recorded analysis settings and kept gazetteer, and
    swapped in when complete (as ``reindex`` does), so an interrupted repair
    leaves the damaged index as it was. When nothing reads back, the index is
    left as it is (``RepairReport.saved_nothing``). ``dry_run`` reports what
    would be kept and lost, and writes nothing.

    Raises:
        IndexNotFound: no index at ``path``.
        IndexLocked: a writer is running right now.
    """
    directory = Path(path)
    if not Store.exists(directory):
        raise IndexNotFound(str(directory))
    report = RepairReport(str(directory), dry_run=dry_run)
    with write_locked(directory):
        checked = check_index(directory)
        if checked.intact:
            report.documents = checked.articles[1]
            if not dry_run:
                store = Store.open(directory)
                try:
                    report.removed = store.remove_leftovers()
                finally:
                    store.close()
            return report
        report.damaged = True
        report.damaged_files = checked.damaged_files
        articles = _salvaged_articles(directory, report)
        analyzer = _analyzer_for_repair(directory, report)
        if dry_run or report.saved_nothing:
            return report
        building = directory.with_name(directory.name + ".repairing")
        shutil.rmtree(building, ignore_errors=True)  # a previous interrupted run
        with Index.create(building, analyzer=analyzer) as fresh:
            kept = directory / GAZETTEER_DIR
            for table in sorted(kept.glob("*.tsv")) if kept.is_dir() else ():
                try:
                    fresh.add_gazetteer(table)
                except ArsearchError:
                    report.assumed.append(f"gazetteer file {table.name} unreadable: left out")
            fresh.add_articles(articles)
        _swap(directory, building)
    return report


def _analyzer_for_repair(directory: Path, report: RepairReport) -> Analyzer:
    """The index's recorded analyzer, or the bundled one (said in ``report``) when its
    ``arsearch.json`` is unreadable."""
    meta = directory / META_FILE
    problem = meta_problem(directory) if meta.is_file() else "missing"
    if not problem:
        try:
            return recorded_analyzer(directory)
        except ArsearchError:
            problem = "holds unreadable analysis settings"
    report.assumed.append(f"{META_FILE} {problem}: rebuilt with the bundled analysis "
                          f"settings and schema version {SCHEMA_VERSION}")
    return default_analyzer()


def _salvaged_articles(directory: Path, report: RepairReport) -> list[Article]:
    """The articles that read back whole, one per id (a later copy replaces an earlier
    one); fills in ``report``'s counts, lost ids, dropped segments and assumptions."""
    found = salvage(directory)
    report.assumed.extend(found.notes)
    by_id: dict[str, Article] = {}
    lost_ids: list[str] = []
    lost: int | None = 0
    for segment in found.segments:
        if not segment.kept and segment.live != 0:
            report.dropped_segments.append(segment.segment_id)
        for stored in segment.kept:
            try:
                article = Article.from_dict({name: stored[name] for name in ARTICLE_FIELDS
                                             if stored.get(name) is not None})
            except ArsearchError:
                lost_ids.append(str(stored.get("id")))
                continue
            by_id.pop(article.id, None)
            by_id[article.id] = article
        lost_ids.extend(segment.lost_ids)
        lost = None if lost is None or segment.lost is None else lost + segment.lost
    report.lost_ids = sorted(set(lost_ids) - set(by_id))
    report.lost = None if lost is None else max(lost, len(report.lost_ids))
    report.documents = len(by_id)
    return list(by_id.values())


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

