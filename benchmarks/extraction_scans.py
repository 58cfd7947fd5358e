"""The gazetteer and date scans, compiled (``arsearch.extract._cgaz``) and in pure Python.

Runs ``find_entities`` and ``find_dates`` on the first ``-n`` articles of a
news file, both paths on each article in turn (which one goes first
alternates), so a busy moment of a shared machine falls on both alike; checks
that both give the same mentions, and prints the CPU time (``process_time``)
of each path per round. The articles are tokenized before ``find_entities``
is timed, as the analyzer has done at ingest (the token cache).

    python benchmarks/extraction_scans.py [--news ../shared/data/news/ant_v2.1.jsonl.gz]
                                          [-n 1500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from arsearch.extract import Gazetteer, dates, entities
from arsearch.text.tokenize import tokens

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NEWS = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"


def read_texts(news: Path, n: int) -> list[tuple[str, dt.date | None]]:
    """(title, a line break, text) and publication date of the first ``n`` articles."""
    out = []
    with gzip.open(news, "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, n):
            article = json.loads(line)
            title, text = article.get("title") or "", article.get("text") or ""
            date = article.get("date")
            out.append((f"{title}\n{text}" if title else text,
                        dt.date.fromisoformat(date[:10]) if date else None))
    return out


def use_compiled(compiled: bool, handles: dict[tuple[Any, str], Any]) -> None:
    """Point the scans at the extension (True) or at their pure-Python twins."""
    for (module, name), value in handles.items():
        setattr(module, name, value if compiled else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", default=str(DEFAULT_NEWS))
    parser.add_argument("-n", type=int, default=1500, help="articles [default: 1500]")
    parser.add_argument("--rounds", type=int, default=3, help="passes over them [default: 3]")
    args = parser.parse_args()
    news = Path(args.news)
    if not news.exists():
        print(f"news corpus not found at {news}; pass --news", file=sys.stderr)
        return 2
    handles = {(module, name): getattr(module, name) for module, name in (
        (entities, "_cgaz"), (dates, "_FOLD_TABLE"), (dates, "_DATE_ANCHORS"),
        (dates, "_RELATIVE_SCANNERS"))}
    if any(value is None for value in handles.values()):
        print("arsearch.extract._cgaz is not built (or ARSEARCH_PURE_PYTHON is set)",
              file=sys.stderr)
        return 2
    texts = read_texts(news, args.n)
    gazetteer = Gazetteer.load()
    # A matcher per path: neither finds the words the other has already looked at.
    matchers = {False: entities._Matcher(gazetteer), True: entities._Matcher(gazetteer)}
    scans: dict[str, Callable[[bool, str, dt.date | None], object]] = {
        "find_entities": lambda c, text, _: entities._Scan(text, matchers[c]).run(),
        "find_dates": lambda c, text, published: dates.find_dates(text, published),
    }
    spent: dict[tuple[str, bool, int], float] = {}
    for round_ in range(args.rounds):
        for number, (text, published) in enumerate(texts):
            tokens(text)
            found = {}
            for compiled in (False, True) if (number + round_) % 2 else (True, False):
                use_compiled(compiled, handles)
                for name, scan in scans.items():
                    started = time.process_time()
                    found[name, compiled] = scan(compiled, text, published)
                    key = (name, compiled, round_)
                    spent[key] = spent.get(key, 0.0) + time.process_time() - started
            for name in scans:
                if found[name, False] != found[name, True]:
                    print(f"{name}: the paths differ on article {number}", file=sys.stderr)
                    return 1
    use_compiled(True, handles)
    print(f"$ python benchmarks/extraction_scans.py --news {args.news} -n {args.n} "
          f"--rounds {args.rounds}")
    print(f"{len(texts)} articles, the same mentions on both paths; CPU seconds per round")
    for name in scans:
        for round_ in range(args.rounds):
            pure, compiled = spent[name, False, round_], spent[name, True, round_]
            print(f"{name:14} round {round_ + 1}: pure Python {pure:6.3f}  "
                  f"compiled {compiled:6.3f}  {pure / compiled:4.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
