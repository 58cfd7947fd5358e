"""Extraction benchmark: dates, entities, and what extraction costs at ingest.

Runs ``extraction_dates.py`` (Wojood DATE spans, dateparser's Arabic cases)
and ``extraction_entities.py`` (ANERcorp PERS/ORG/LOC), then ingests the same
real news articles twice in one run, with and without extraction, and prints
the ratio (target: extraction slows ingest by at most 2x).

    python benchmarks/extraction.py [--news ../shared/data/news/ant_v2.1.jsonl.gz] [-n 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import extraction_dates  # noqa: E402
import extraction_entities  # noqa: E402

import arsearch  # noqa: E402
from arsearch import schema  # noqa: E402

# ``arsearch.extract`` is also the name of the function the package exports.
extract_module = sys.modules["arsearch.extract"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NEWS = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"


def ingest_seconds(articles: list[dict], *, extraction: str) -> float:
    """Seconds to ingest ``articles`` with ``extraction`` "none", "rules" (no CRF) or "all"."""
    patches = {
        "none": mock.patch.object(schema, "extract", return_value=[]),
        "rules": mock.patch.object(extract_module, "find_names", return_value=[]),
        "all": contextlib.nullcontext(),
    }
    with tempfile.TemporaryDirectory() as directory, patches[extraction]:
        ix = arsearch.Index.create(directory)
        started = time.perf_counter()
        ix.add_articles(articles)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", default=str(DEFAULT_NEWS))
    parser.add_argument("-n", type=int, default=2000, help="articles to ingest")
    args = parser.parse_args()
    print("== dates ==", flush=True)
    sys.argv = [sys.argv[0]]
    status = extraction_dates.main()
    print("\n== entities ==", flush=True)
    status |= extraction_entities.main([])
    print("\n== ingest cost ==")
    news = Path(args.news)
    if not news.exists():
        print(f"news corpus not found at {news}; pass --news", file=sys.stderr)
        return 2
    with gzip.open(news, "rt", encoding="utf-8") as handle:
        articles = [json.loads(line) for line in itertools.islice(handle, args.n)]
    ingest_seconds(articles[:200], extraction="all")  # warm caches and models
    print(f"$ python benchmarks/extraction.py --news {args.news} -n {args.n}")
    plain = ingest_seconds(articles, extraction="none")
    print(f"{len(articles)} articles, analysis + indexing only: {plain:.1f}s "
          f"({len(articles) / plain:.0f} docs/s)")
    for label, mode in (("+ gazetteer and dates", "rules"), ("+ CRF name tagger too", "all")):
        seconds = ingest_seconds(articles, extraction=mode)
        print(f"  {label:<22} {seconds:.1f}s ({len(articles) / seconds:.0f} docs/s), "
              f"{seconds / plain:.2f}x")
    return status


if __name__ == "__main__":
    sys.exit(main())
