"""Extraction benchmark: dates, entities, and what extraction costs at ingest.

Runs ``extraction_dates.py`` (Wojood DATE spans, dateparser's Arabic cases)
and ``extraction_entities.py`` (ANERcorp PERS/ORG/LOC), then ingests the same
real news articles in one run, without extraction, with the rules only and with
everything, and prints the ratio (target: extraction slows ingest by at most 2x).
The three ingests take turns ``--repeat`` times and the fastest of each counts,
so that a busy moment of a shared machine does not land on one of them only;
each runs in a fresh process, with the models loaded and empty word caches.

    python benchmarks/extraction.py [--news ../shared/data/news/ant_v2.1.jsonl.gz] [-n 2000]
                                    [--repeat 3] [--write-docs [BLOCK]]

``--write-docs`` then writes each part's figures into docs/extraction.md: the
``dates`` and ``entities`` blocks as those benchmarks do, and the ingest cost
into the block ``cost`` (or the block named).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docpage  # noqa: E402
import extraction_dates  # noqa: E402
import extraction_entities  # noqa: E402

import arsearch  # noqa: E402
from arsearch.engine import schema  # noqa: E402

# ``arsearch.extract`` is also the name of the function the package exports.
extract_module = sys.modules["arsearch.extract"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NEWS = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"


def _nothing_each(texts: list, *args: object, **kwargs: object) -> list[list]:
    return [[] for _ in texts]


def switched_off(extraction: str) -> list[contextlib.AbstractContextManager]:
    """Patches that leave ingest with ``extraction`` "none", "rules" (no CRF) or "all".

    Ingest extracts a chunk of articles at once (extract_many, find_names_many),
    and one article at a time when that fails (extract, find_names).
    """
    return {
        "none": [mock.patch.object(schema, "extract", return_value=[]),
                 mock.patch.object(schema, "extract_many", _nothing_each)],
        "rules": [mock.patch.object(extract_module, "find_names", return_value=[]),
                  mock.patch.object(extract_module, "find_names_many", _nothing_each)],
        "all": [],
    }[extraction]


def ingest_seconds(news: Path, n: int, *, extraction: str) -> float:
    """Seconds to ingest the first ``n`` articles of ``news`` with ``extraction`` "none",
    "rules" (no CRF) or "all", in a fresh process: word caches start empty, models loaded."""
    out = subprocess.run([sys.executable, __file__, "--time-one", extraction,
                          "--news", str(news), "-n", str(n)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def time_one(news: Path, n: int, extraction: str) -> float:
    """The child's part of ``ingest_seconds``: load the models, then time the ingest."""
    articles = read_articles(news, n)
    arsearch.extract_many(["التقى الرئيس في دمشق أمس"])  # loads the tagger and the dates
    with tempfile.TemporaryDirectory() as directory, contextlib.ExitStack() as stack:
        for patch in switched_off(extraction):
            stack.enter_context(patch)
        ix = arsearch.Index.create(directory)
        started = time.perf_counter()
        ix.add_articles(articles)
        return time.perf_counter() - started


def read_articles(news: Path, n: int) -> list[dict]:
    """The first ``n`` records of a JSON Lines news file."""
    with gzip.open(news, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in itertools.islice(handle, n)]


def main() -> int:
    """Run the three parts; with ``--write-docs``, each writes its block of the page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", default=str(DEFAULT_NEWS))
    parser.add_argument("-n", type=int, default=2000, help="articles to ingest")
    parser.add_argument("--repeat", type=int, default=3,
                        help="ingests of each kind, the fastest counts [default: 3]")
    parser.add_argument("--time-one", choices=("none", "rules", "all"), help=argparse.SUPPRESS)
    docpage.add_option(parser, "extraction.md", "cost")
    args = parser.parse_args()
    if args.time_one:
        print(time_one(Path(args.news), args.n, args.time_one))
        return 0
    command = docpage.command_line()
    write_docs = [] if args.write_docs is None else ["--write-docs"]
    print("== dates ==", flush=True)
    sys.argv = [extraction_dates.__file__, *write_docs]
    status = extraction_dates.main()
    print("\n== entities ==", flush=True)
    status |= extraction_entities.main(write_docs)
    print("\n== ingest cost ==")
    return status | docpage.record(args.write_docs, "extraction.md", lambda: ingest_cost(args),
                                   "cost", command=command)


def ingest_cost(args: argparse.Namespace) -> int:
    """Time the ingest without extraction, with the rules, and with everything."""
    news = Path(args.news)
    if not news.exists():
        print(f"news corpus not found at {news}; pass --news", file=sys.stderr)
        return 2
    print(f"$ python benchmarks/extraction.py --news {args.news} -n {args.n} "
          f"--repeat {args.repeat}")
    modes = ("none", "rules", "all")
    best = dict.fromkeys(modes, float("inf"))
    for _ in range(max(args.repeat, 1)):
        for mode in modes:
            best[mode] = min(best[mode], ingest_seconds(news, args.n, extraction=mode))
    plain = best["none"]
    count = len(read_articles(news, args.n))
    print(f"{count} articles, analysis + indexing only: {plain:.1f}s "
          f"({count / plain:.0f} docs/s)")
    for label, mode in (("+ gazetteer and dates", "rules"), ("+ CRF name tagger too", "all")):
        seconds = best[mode]
        print(f"  {label:<22} {seconds:.1f}s ({count / seconds:.0f} docs/s), "
              f"{seconds / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
