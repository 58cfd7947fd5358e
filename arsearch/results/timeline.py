"""Matching articles over time: counts per day, week, month or year, and a PNG chart.

Articles are placed by publication date, or with ``mentioned=True`` by the
dates they mention (an article mentioning two days of one month counts once
in that month). A date less precise than the buckets (a bare year, by month)
cannot be placed and is counted as ``undated``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from arsearch.errors import PlotUnavailable
from arsearch.index import SearchResults
from arsearch.text.bidi import visual_line

GRANULARITIES = ("day", "week", "month", "year")
_PRECISION = {"year": 4, "month": 7, "day": 10, "week": 10}


@dataclass
class Timeline:
    """Articles per period, consecutive periods from the first to the last (zeros included).

    Attributes:
        by: ``day``, ``week`` (ISO weeks, ``2019-W11``), ``month`` or ``year``.
        mentioned: counted by mentioned dates instead of the publication date.
        counts: period label -> matching articles, in time order.
        total: matching articles.
        undated: matching articles without a date at this precision.
    """

    by: str
    mentioned: bool
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    undated: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"by": self.by, "mentioned": self.mentioned, "total": self.total,
                "undated": self.undated, "counts": dict(self.counts)}


def bucket(value: str, by: str) -> str | None:
    """The period of an ISO date (``2019``, ``2019-03`` or ``2019-03-15``), or None
    when the date is less precise than the period.

    >>> bucket("2019-03-15", "week"), bucket("2019-03-15", "month"), bucket("2019", "month")
    ('2019-W11', '2019-03', None)
    """
    if by not in GRANULARITIES:
        raise ValueError(f"by must be one of {', '.join(GRANULARITIES)}, got {by!r}")
    if len(value) < _PRECISION[by]:
        return None
    if by != "week":
        return value[: _PRECISION[by]]
    try:
        year, week, _ = dt.date.fromisoformat(value[:10]).isocalendar()
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def periods(first: str, last: str, by: str) -> list[str]:
    """Every period label from ``first`` to ``last`` inclusive.

    >>> periods("2019-11", "2020-02", "month")
    ['2019-11', '2019-12', '2020-01', '2020-02']
    """
    if by == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    if by == "month":
        out, (y, m) = [], (int(first[:4]), int(first[5:7]))
        while f"{y:04d}-{m:02d}" <= last:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    step = dt.timedelta(days=7 if by == "week" else 1)
    day = _period_start(first, by)
    end = _period_start(last, by)
    out = []
    while day <= end:
        out.append(day.isoformat() if by == "day" else bucket(day.isoformat(), "week") or "")
        day += step
    return out


def _period_start(label: str, by: str) -> dt.date:
    if by == "day":
        return dt.date.fromisoformat(label)
    year, week = label.split("-W")
    return dt.date.fromisocalendar(int(year), int(week), 1)


def timeline(results: SearchResults, by: str = "month", mentioned: bool = False,
             fill: bool = True, fall_back: bool = False) -> Timeline:
    """Count the matching articles of ``results`` per period (see the module doc).

    ``fill`` adds the empty periods between the first and the last, so the
    counts read as a time axis. With ``fall_back``, when articles match but
    none has a publication date, they are counted by the dates they mention
    (the timeline's ``mentioned`` is then True).
    """
    if fall_back and not mentioned and results.total and not results.count_by("published"):
        mentioned = True
    fieldname = "dates" if mentioned else "published"
    counts = results.count_by(fieldname, lambda value: bucket(value, by))
    placed = sum(results.count_by(fieldname, lambda value: "*" if bucket(value, by) else None
                                  ).values())
    if fill and counts:
        labels = list(counts)
        counts = {label: counts.get(label, 0) for label in periods(labels[0], labels[-1], by)}
    return Timeline(by, mentioned, counts, results.total, results.total - placed)


def plot_png(tl: Timeline, path: str | os.PathLike[str], title: str = "") -> None:
    """Draw ``tl`` as a bar chart into a PNG file, Arabic labels shaped and in order.

    Raises:
        PlotUnavailable: matplotlib is not installed.
        ValueError: ``tl`` has no period to draw (no article has a date).
    """
    if not tl.counts:
        raise ValueError("nothing to draw: no matching article has a date of this precision")
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise PlotUnavailable() from None

    # matplotlib neither joins Arabic letters nor reorders right-to-left text.
    by_label = {"day": "اليوم", "week": "الأسبوع", "month": "الشهر", "year": "السنة"}[tl.by]
    basis = "التواريخ المذكورة" if tl.mentioned else "تاريخ النشر"
    heading = f"المقالات المطابقة: {title}" if title else "المقالات المطابقة"
    labels = list(tl.counts)
    fig, ax = plt.subplots(figsize=(max(6.0, min(16.0, 0.35 * len(labels) + 3)), 4.5), dpi=100)
    try:
        ax.bar(range(len(labels)), list(tl.counts.values()), color="#2b6ca3", width=0.8)
        step = max(1, len(labels) // 24)
        ax.set_xticks(range(0, len(labels), step))
        ax.set_xticklabels(labels[::step], rotation=60 if len(labels) > 8 else 0,
                           ha="right" if len(labels) > 8 else "center", fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(visual_line(heading, base="R"), fontsize=13)
        ax.set_xlabel(visual_line(f"{by_label} ({basis})", base="R"))
        ax.set_ylabel(visual_line("عدد المقالات", base="R"))
        ax.spines[["top", "right"]].set_visible(False)
        note = articles_ar(tl.total) + (f"، {tl.undated} بلا تاريخ" if tl.undated else "")
        ax.text(1.0, 1.02, visual_line(note, base="R"), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8, color="#555555")
        fig.tight_layout()
        fig.savefig(os.fspath(path), format="png")
    finally:
        plt.close(fig)


def articles_ar(n: int) -> str:
    """``n`` articles in Arabic, the noun agreeing with the number.

    >>> [articles_ar(n) for n in (1, 2, 5, 10, 11, 100, 103)]
    ['1 مقالة', '2 مقالتان', '5 مقالات', '10 مقالات', '11 مقالة', '100 مقالة', '103 مقالات']
    """
    if n == 2:
        return "2 مقالتان"
    if 3 <= n % 100 <= 10:
        return f"{n} مقالات"
    return f"{n} مقالة"
