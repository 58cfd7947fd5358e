"""A shard's side of an ingest read on the cluster, where readers may send an id's
records out of order: the later record wins, and the counts are those of an
in-order read whichever record came first."""

from __future__ import annotations

from pathlib import Path

from arsearch.cluster.shard import Shard
from arsearch.models import Article

FIRST = Article(id="a1", text="قصفت طائرات حربية مدينة إدلب صباح اليوم.", title="قصف")
REWRITE = Article(id="a1", text=FIRST.text + " تعديل", title="قصف")
OTHER = Article(id="a2", text="وصل وفد إلى دمشق لبحث الهدنة.", title="وفد")


def counts(report: object) -> tuple[int, int, int]:
    return report.added, report.replaced, report.unchanged  # type: ignore[attr-defined]


def test_records_in_order_add_then_replace(tmp_path: Path) -> None:
    shard = Shard.create(tmp_path / "s")
    totals = [counts(shard.add([(0, FIRST), (1, OTHER)], since=0)),
              counts(shard.add([(5, REWRITE)], since=0))]
    assert [sum(c) for c in zip(*totals, strict=True)] == [2, 1, 0]
    assert shard.get("a1").text.endswith("تعديل")
    shard.close()


def test_an_earlier_record_sent_last_is_dropped_and_counted_as_replaced(tmp_path: Path) -> None:
    shard = Shard.create(tmp_path / "s")
    totals = [counts(shard.add([(5, REWRITE)], since=0)),
              counts(shard.add([(0, FIRST), (1, OTHER)], since=0))]
    assert [sum(c) for c in zip(*totals, strict=True)] == [2, 1, 0]
    assert shard.get("a1").text.endswith("تعديل") and len(shard) == 2
    shard.close()


def test_an_earlier_record_with_the_same_content_is_counted_unchanged(tmp_path: Path) -> None:
    shard = Shard.create(tmp_path / "s")
    assert counts(shard.add([(5, FIRST)], since=0)) == (1, 0, 0)
    assert counts(shard.add([(0, FIRST)], since=0)) == (0, 0, 1)
    shard.close()


def test_a_record_of_an_earlier_ingest_is_not_dropped(tmp_path: Path) -> None:
    shard = Shard.create(tmp_path / "s")
    shard.add([(5, FIRST)], since=0)
    assert counts(shard.add([(10, REWRITE)], since=10)) == (0, 1, 0)
    assert shard.get("a1").text.endswith("تعديل")
    shard.close()
