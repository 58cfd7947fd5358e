"""Extraction benchmark: dates, entities, and what extraction costs at ingest.

Runs ``extraction_dates.py`` (Wojood DATE spans, dateparser's Arabic cases)
and ``extraction_entities.py`` (ANERcorp PERS/ORG/LOC), then ingests the same
real news articles twice in one run, with and without extraction, and prints
the ratio (target: extraction slows ingest by at most 2x).

    python benchmarks/extraction.py [--news ../shared/data/news/ant_v2.1.jsonl.gz] [-n 2000]
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NEWS = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"


def ingest_seconds(articles: list[dict], *, with_extraction: bool) -> float:
    with tempfile.TemporaryDirectory() as directory:
        ix = arsearch.Index.create(directory)
        patch = mock.patch.object(schema, "extract", return_value=[])
        started = time.perf_counter()
        if with_extraction:
            ix.add_articles(articles)
        else:
            with patch:
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
    ingest_seconds(articles[:200], with_extraction=True)  # warm caches and models
    plain = ingest_seconds(articles, with_extraction=False)
    full = ingest_seconds(articles, with_extraction=True)
    print(f"$ python benchmarks/extraction.py --news {args.news} -n {args.n}")
    print(f"{len(articles)} articles: analysis+indexing {plain:.1f}s ({len(articles) / plain:.0f} "
          f"docs/s), with extraction {full:.1f}s ({len(articles) / full:.0f} docs/s), "
          f"ratio {full / plain:.2f}x")
    return status


if __name__ == "__main__":
    sys.exit(main())
