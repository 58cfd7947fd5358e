"""Query latency on an existing arsearch index: warm in-process, and a cold process.

Warm: the index is opened once, every query is run once to warm caches
(gazetteer, Whoosh readers, length columns, the OS page cache), then
``--repeat`` rounds are timed. Each timed call is ``Index.search(...)`` as an
application makes it: the exact match count, and the top 10 hits with stored
fields and snippets (the thread's searcher stays open between calls). Query
texts are read with ``syntax=False`` (TREC titles hold parentheses and hyphens). The query sets:

* ``all``: the 50 TREC-2002 topic titles, every word required;
* ``any``: the same titles with ``match="any"`` (ranked by any word);
* ``filter``: filters alone (actor داعش, place سوريا, date 2018-03..2018-06
  and their combinations), newest first;
* ``all+filter``: each title with each single filter;
* ``facets``: the facets (actors, places, sources, months) of every filter
  query and of the whole index, every name with its count (``SearchResults.facets``);
* ``facets any``: the same of every title with ``match="any"``, timed alone
  after its top-10 search (the ``any`` row), next to ``count any``, the matching alone;
* ``facets any top 10``: the same, the 10 largest of each facet only
  (``SearchResults.top_facets``), as ``arsearch stats`` shows them;
* ``… [stored]``: the same facets read from every match's stored fields
  instead of the segments' facet columns (``arsearch.engine.columns``), the
  path an index written before columns takes: the baseline row.

``first facets after open`` is the facets of the whole index on a freshly
opened index, which also reads every segment's column file once.

With ``--baseline-index`` (a plain Whoosh index written by
``benchmarks/ingest.py --keep``, at ``WORKDIR/whoosh-N``) the same titles are
timed there as AND and as OR queries (Whoosh's ``QueryParser`` on ``text``,
top 10 with stored fields, no snippets, one searcher held open as the issue's
reference figures were measured): the do-nothing reference. It runs in a process
of its own that never imports arsearch, whose index loader refuses a plain Whoosh
index (its pickles are data arsearch did not write); the same warm-up and rounds
time it.

Cold: the wall time of whole ``arsearch search TITLE --index DIR`` processes
(start-up, imports, opening the index, one search, printing), next to the
start-up of a bare interpreter and the import of ``arsearch.cli.commands``, which
shows where a cold search spends its time. "Cold" is a new process; the
index files are likely in the OS page cache.

    python benchmarks/query.py --index indexes/news [--baseline-index DIR] [--repeat 3]
                               [--write-docs]

``--write-docs`` then writes the printed report into docs/query.md.

Targets (issue 4), on the 73k index: keyword queries p50 <= 10 ms and p95 <=
50 ms, filtered queries no slower than unfiltered ones, a cold search <= 0.5 s.
Reference on 2 cores: plain Whoosh answers the TREC titles as AND queries at
p50 6.8 ms / p95 62 ms, as OR queries at p50 26 ms / p95 185 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docpage
from whoosh import index as windex
from whoosh import qparser

if TYPE_CHECKING:  # imported where used: the baseline's process must not import it
    import arsearch

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_TOPICS = PROJECT.parent / "shared" / "data" / "queries" / "trec2002_ar_topics.txt"
DEFAULT_INDEX = os.path.join("indexes", "news")
LIMIT = 10

ACTOR = "داعش"
PLACE = "سوريا"
DATES = "2018-03..2018-06"
FILTERS: dict[str, dict[str, str]] = {
    "actor": {"actor": ACTOR},
    "place": {"place": PLACE},
    "date": {"date": DATES},
    "actor+place": {"actor": ACTOR, "place": PLACE},
    "actor+date": {"actor": ACTOR, "date": DATES},
    "place+date": {"place": PLACE, "date": DATES},
    "actor+place+date": {"actor": ACTOR, "place": PLACE, "date": DATES},
}
SINGLE_FILTERS = ("actor", "place", "date")


def trec_titles(path: Path) -> list[str]:
    """The ``<title>`` texts of a TREC topics file: up to the next tag, whitespace folded."""
    text = path.read_text(encoding="utf-8", errors="replace")
    titles = []
    for raw in re.findall(r"<title>(.*?)(?=<|\Z)", text, flags=re.S | re.I):
        title = " ".join(raw.split())
        title = re.sub(r"^(?:Topic|Title)\s*:\s*", "", title, flags=re.I)
        if title:
            titles.append(title)
    return titles


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


Query = tuple[str, Callable[[], Any]]
"""A label and a call that runs the query and returns its match count (or the count and
the milliseconds of the part it times itself)."""


def arsearch_queries(ix: arsearch.Index, titles: list[str]) -> dict[str, list[Query]]:
    def search(query: str | None, **kwargs: Any) -> Callable[[], int]:
        def run() -> int:
            res = ix.search(query, limit=LIMIT, syntax=False, **kwargs)
            for hit in res:  # snippets and fields are built by search(); touch them anyway
                _ = hit.snippet, hit.title
            return res.total
        return run

    def facets(query: str | None = None, columns: bool = True, alone: bool = False,
               top: int | None = None, **kwargs: Any) -> Callable[[], int | tuple[int, float]]:
        def run() -> int | tuple[int, float]:
            # The view is cached until the next commit; this switch is for comparison.
            ix._view().use_columns = columns
            res = ix.search(query, limit=LIMIT if alone else 1, syntax=False, **kwargs)
            started = time.perf_counter()
            _ = res.facets if top is None else res.top_facets(top)
            ms = (time.perf_counter() - started) * 1000
            ix._view().use_columns = True
            return (res.total, ms) if alone else res.total
        return run

    def count(query: str, **kwargs: Any) -> Callable[[], int]:
        return lambda: ix.count(query, syntax=False, **kwargs)

    everything = {**FILTERS, "everything": {}}
    return {
        "all": [(t, search(t)) for t in titles],
        "any": [(t, search(t, match="any")) for t in titles],
        "filter": [(name, search(None, **kw)) for name, kw in FILTERS.items()],
        "all+filter": [(f"{t} [{name}]", search(t, **FILTERS[name]))
                       for name in SINGLE_FILTERS for t in titles],
        "count any": [(t, count(t, match="any")) for t in titles],
        "facets any": [(t, facets(t, alone=True, match="any")) for t in titles],
        "facets any top 10": [(t, facets(t, alone=True, top=10, match="any")) for t in titles],
        "facets any [stored]": [(t, facets(t, False, alone=True, match="any")) for t in titles],
        "facets": [(name, facets(**kw)) for name, kw in everything.items()],
        "facets [stored]": [(name, facets(None, False, **kw)) for name, kw in everything.items()],
    }


def first_facets(path: str) -> float:
    """Milliseconds of the whole index's facets on a freshly opened index (reads the columns)."""
    import arsearch

    ix = arsearch.Index.open(path)
    try:
        started = time.perf_counter()
        _ = ix.search(None, limit=1).facets
        return (time.perf_counter() - started) * 1000
    finally:
        ix.close()


def baseline_queries(path: str, titles: list[str]) -> dict[str, list[Query]]:
    """The titles as AND and OR queries on a plain Whoosh index, one searcher held open."""
    searcher = windex.open_dir(path).searcher()

    def search(query: Any) -> Callable[[], int]:
        def run() -> int:
            results = searcher.search(query, limit=LIMIT)
            for hit in results:
                hit.fields()
            return len(results)
        return run

    sets = {}
    for name, group in (("whoosh AND", qparser.AndGroup), ("whoosh OR", qparser.OrGroup)):
        parser = qparser.QueryParser("text", searcher.schema, group=group)
        sets[name] = [(t, search(parser.parse(t))) for t in titles]
    return sets


def time_baseline(path: str, topics: str, repeat: int) -> dict[str, dict[str, Any]]:
    """``time_warm`` of ``baseline_queries`` in a process of its own (see the module's doc)."""
    command = [sys.executable, __file__, "--_baseline", path, topics, str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the Whoosh baseline failed on {path}: "
                         f"{(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(done.stdout)


def _count(out: int | tuple[int, float]) -> int:
    return out[0] if isinstance(out, tuple) else out


def time_warm(sets: dict[str, list[Query]], repeat: int) -> dict[str, dict[str, Any]]:
    """Run every query once to warm, then time ``repeat`` rounds of all of them."""
    totals = {name: [_count(run()) for _, run in queries] for name, queries in sets.items()}
    samples: dict[str, list[float]] = {name: [] for name in sets}
    slowest: dict[str, tuple[float, str]] = {name: (0.0, "") for name in sets}
    for _ in range(repeat):
        for name, queries in sets.items():
            for label, run in queries:
                started = time.perf_counter()
                out = run()
                ms = out[1] if isinstance(out, tuple) else (time.perf_counter() - started) * 1000
                samples[name].append(ms)
                slowest[name] = max(slowest[name], (ms, label))
    out = {}
    for name, ms in samples.items():
        out[name] = {
            "queries": len(sets[name]), "timed": len(ms),
            "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "max_ms": round(max(ms), 2), "mean_ms": round(statistics.fmean(ms), 2),
            "zero_hits": sum(1 for t in totals[name] if not t),
            "median_matches": statistics.median(totals[name]),
            "slowest": slowest[name][1],
        }
    return out


def wall(command: list[str], runs: int) -> dict[str, Any]:
    """Median and min wall seconds of ``runs`` runs of a whole process."""
    seconds, statuses = [], set()
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False)
        seconds.append(time.perf_counter() - started)
        statuses.add(done.returncode)
    return {"median_s": round(statistics.median(seconds), 3), "min_s": round(min(seconds), 3),
            "runs": runs, "exit_status": sorted(statuses)}


def arsearch_command() -> list[str]:
    """The ``arsearch`` console script of this interpreter, else ``python -m arsearch``."""
    script = Path(sys.executable).with_name("arsearch")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "arsearch"]


def time_cold(index: str, query: str, runs: int) -> dict[str, dict[str, Any]]:
    return {
        "python -c pass": wall([sys.executable, "-c", "pass"], runs),
        "import arsearch.cli": wall([sys.executable, "-c", "import arsearch.cli"], runs),
        "arsearch search": wall([*arsearch_command(), "search", query, "--index", index], runs),
        "arsearch stats": wall([*arsearch_command(), "stats", query, "--index", index],
                               runs),
    }


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cores": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform(),
                            "load_average": [round(x, 2) for x in os.getloadavg()]}
    try:
        from importlib.metadata import version

        info["arsearch"] = version("arsearch")
        info["whoosh"] = version("whoosh-reloaded")
    except Exception:  # noqa: BLE001 - versions are nice to have
        pass
    return info


def print_report(report: dict[str, Any]) -> None:
    info, index = report["machine"], report["index"]
    print(f"$ {report['command']}")
    print(f"machine: {info['cores']} cores, Python {info['python']}, {info['platform']}; "
          f"arsearch {info.get('arsearch', '?')}, whoosh {info.get('whoosh', '?')}; load "
          f"average {' '.join(map(str, info['load_average']))}")
    print(f"index: {index['path']}: {index['documents']:,} articles, "
          f"{index['size_mb']:,.1f} MB, {index['segments']} segments, opened in "
          f"{index['open_ms']:.0f} ms; {report['titles']} TREC titles, {report['repeat']} "
          "timed rounds after one warm-up")
    header = (f"{'warm, top ' + str(LIMIT):<24}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'max ms':>9}{'mean ms':>9}{'0 hits':>8}{'median matches':>16}")
    print(header)
    print("-" * len(header))
    for name, row in report["warm"].items():
        print(f"{name:<24}{row['queries']:>8}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
              f"{row['max_ms']:>9.1f}{row['mean_ms']:>9.1f}{row['zero_hits']:>8}"
              f"{row['median_matches']:>16.0f}")
    for name, row in report["warm"].items():
        print(f"  slowest {name}: {row['slowest']}")
    print(f"first facets after open (the whole index, reading the column files): "
          f"{report['first_facets_ms']:.0f} ms")
    if report.get("cold"):
        print(f"cold processes ({report['cold_runs']} runs each; search: "
              f"{report['cold_query']!r})")
        for name, row in report["cold"].items():
            print(f"  {name:<20} median {row['median_s']:.3f} s, min {row['min_s']:.3f} s"
                  + (f"  (exit {row['exit_status']})" if name.startswith("arsearch") else ""))
    print("how to read this: targets on the 73k index are all/any p50 <= 10 ms and p95 "
          "<= 50 ms, filtered rows no slower than 'all', cold arsearch search <= 0.5 s; "
          "Whoosh reference there: AND p50 6.8 / p95 62 ms, OR p50 26 / p95 185 ms. "
          "Facets (issue 25): 'facets any' (and its top 10, as stats shows) p95 <= 'any' "
          "p95 on any index, <= 200 ms at 73k; "
          "cold arsearch stats <= 1 s at 73k.")


def main() -> int:
    """Parse the options, run the benchmark and, with ``--write-docs``, write its page."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example (small, for a quick check): arsearch index sample.jsonl --index "
               "indexes/qbench && python benchmarks/query.py --index indexes/qbench",
    )
    parser.add_argument("--index", default=DEFAULT_INDEX,
                        help="arsearch index directory [default: %(default)s]")
    parser.add_argument("--topics", default=str(DEFAULT_TOPICS),
                        help="TREC topics file (SGML with <title>) [default: %(default)s]")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed rounds over every query [default: %(default)s]")
    parser.add_argument("--baseline-index", metavar="DIR",
                        help="plain Whoosh index from benchmarks/ingest.py --keep, to time "
                             "the same titles as AND and OR queries")
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="runs of each cold process, 0 to skip [default: %(default)s]")
    parser.add_argument("--cold-query", help="query of the cold arsearch search [default: "
                        "the first TREC title with matches]")
    parser.add_argument("--json", action="store_true",
                        help="print the results as one JSON object instead of the table")
    docpage.add_option(parser, "query.md", "the page's only one")
    parser.add_argument("--_baseline", nargs=3, metavar=("DIR", "TOPICS", "REPEAT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._baseline:
        path, topics, repeat = args._baseline
        sets = baseline_queries(path, trec_titles(Path(topics)))
        print(json.dumps(time_warm(sets, int(repeat)), ensure_ascii=False))
        return 0
    if args.repeat < 1 or args.cold_runs < 0:
        parser.error("--repeat must be >= 1 and --cold-runs >= 0")
    return docpage.record(args.write_docs, "query.md", lambda: run(args), "")


def run(args: argparse.Namespace) -> int:
    """Time the query sets on the index and print the report."""
    topics = Path(args.topics)
    if not topics.is_file():
        print(f"topics not found at {topics}; pass --topics", file=sys.stderr)
        return 2
    titles = trec_titles(topics)
    if not titles:
        print(f"no <title> in {topics}", file=sys.stderr)
        return 2
    if args.baseline_index and not any(Path(args.baseline_index).glob("_MAIN_*.toc")):
        print(f"no Whoosh index at {args.baseline_index}; pass --baseline-index",
              file=sys.stderr)
        return 2
    import arsearch

    try:
        started = time.perf_counter()
        ix = arsearch.Index.open(args.index)
        open_ms = (time.perf_counter() - started) * 1000
    except arsearch.ArsearchError as exc:
        print(f"cannot open the index: {exc}", file=sys.stderr)
        return 2
    info = ix.info()
    command = shlex.join(["python", *sys.argv])

    print(f"warming and timing {len(titles)} titles on {args.index} …", file=sys.stderr)
    warm = time_warm(arsearch_queries(ix, titles), args.repeat)
    if args.baseline_index:
        print(f"timing the same titles on {args.baseline_index} …", file=sys.stderr)
        warm.update(time_baseline(args.baseline_index, args.topics, args.repeat))

    report: dict[str, Any] = {
        "command": command, "machine": machine(), "repeat": args.repeat,
        "titles": len(titles),
        "index": {"path": args.index, "documents": info.documents,
                  "size_mb": round(info.size_bytes / 1e6, 1), "segments": info.segments,
                  "open_ms": round(open_ms, 1)},
        "warm": warm,
        "first_facets_ms": round(first_facets(args.index), 1),
    }
    if args.cold_runs:
        query = args.cold_query or next(
            (t for t in titles if ix.search(t, limit=1, syntax=False).total), titles[0])
        print(f"timing cold processes ({args.cold_runs} runs each) …", file=sys.stderr)
        report.update(cold_query=query, cold_runs=args.cold_runs,
                      cold=time_cold(args.index, query, args.cold_runs))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
