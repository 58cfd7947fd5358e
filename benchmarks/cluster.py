"""Sharded indexes on a local Ray: ingest and query with 1, 2 and 4 shards, the
coordinator's overhead per query, and a projection to 10M articles on 10 and 50 machines.

The baseline, in the same run, is an unsharded index of the same articles in this
process (and a sharded one of 1 shard in this process, for the coordinator's own
cost). On one machine the shards' actors share its cores: the figures show what
sharding costs and where the time goes, not what many machines gain. That is
what the projection estimates, from the measured cost per shard and per query
(a linear model, labelled as a projection).

Each sharded index on Ray is also checked against the unsharded one: the TREC
titles with all words, any word and any word in سوريا, and three filter
searches, must give the same top 10 (ids, order, scores within 1e-9), total,
count and facets.

Every configuration uses the machine's cores: the unsharded index ingests with
``--jobs`` processes (the machine's core count), and N shards on Ray with
cores/N processes per shard actor (at least 1). The 1-shard index in this
process is the 1-shard index built on Ray, reopened here (no second ingest).

Usage:
    python benchmarks/cluster.py [--data ../shared/data/news/saudinewsnet.jsonl.gz]
        [--articles 2000] [--shards 1 2 4] [--write-docs]
    python benchmarks/cluster.py --data ../shared/data/news --articles 72716   # the 73k corpus

Needs the ``arsearch[cluster]`` extra (Ray).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docpage  # noqa: E402

import arsearch  # noqa: E402
from arsearch.io.readers import read_paths  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_DATA = SHARED / "news" / "saudinewsnet.jsonl.gz"
DEFAULT_TOPICS = SHARED / "queries" / "trec2002_ar_topics.txt"
#: Projected archive and machine counts.
PROJECTED_ARTICLES = 10_000_000
PROJECTED_MACHINES = (10, 50)


def titles(path: Path) -> list[str]:
    """The TREC topic titles (``<title>`` lines), or a few fixed queries without the file."""
    if not path.is_file():
        return ["غارات روسية", "داعش", "النفط", "الحوثيين", "مجلس الأمن"]
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [re.sub(r"^\s*(Topic:)?\s*", "", t).strip()
             for t in re.findall(r"<title>(.*)", text)]
    return [t for t in found if t]


def timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def query_times(ix: Any, queries: list[str], repeat: int) -> list[float]:
    """Seconds per search (top 10, with snippets), after one warm-up round."""
    for query in queries:
        ix.search(query)
    times = []
    for _ in range(repeat):
        for query in queries:
            times.append(timed(ix.search, query)[1])
    return times


#: Filter searches of the parity check, beside the titles (all words, any word, any in a place).
PARITY_FILTERS: list[dict[str, Any]] = [{"actor": "داعش"}, {"place": "سوريا"},
                                        {"date": "2015..2019"}]


def parity(single: Any, sharded: Any, queries: list[str]) -> tuple[int, list[str]]:
    """Searches giving the same top 10 (ids, order, scores within 1e-9), total, count and
    facets on both indexes; and a line for each search that differs."""
    searches: list[tuple[str | None, dict[str, Any]]] = []
    for query in queries:
        searches += [(query, {}), (query, {"match": "any"}),
                     (query, {"match": "any", "place": "سوريا"})]
    searches += [(None, filters) for filters in PARITY_FILTERS]
    differ = []
    for query, options in searches:
        syntax = {"syntax": False} if query else {}
        a = single.search(query, **options, **syntax)
        b = sharded.search(query, **options, **syntax)
        same = ([h.id for h in a] == [h.id for h in b] and a.total == b.total
                and all(abs(x.score - y.score) <= 1e-9 for x, y in zip(a, b, strict=True))
                and single.count(query, **options, **syntax)
                == sharded.count(query, **options, **syntax)
                and a.facets == b.facets)
        if not same:
            differ.append(f"{query!r} {options}")
    return len(searches) - len(differ), differ


def run(args: argparse.Namespace) -> int:
    import ray

    data = Path(args.data)
    if not data.exists():
        print(f"no data at {data} (give --data)", file=sys.stderr)
        return 2
    articles = [a for a in itertools.islice(read_paths([data]), args.articles)
                if isinstance(a, arsearch.Article)]
    queries = titles(Path(args.topics))[:args.queries]
    cores = os.cpu_count() or 1
    print(f"$ python benchmarks/cluster.py --articles {args.articles} "
          f"--shards {' '.join(map(str, args.shards))}")
    print(f"machine: {os.cpu_count()} cores (shared with other work; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}), Python "
          f"{platform.python_version()}, ray {ray.__version__}")
    print(f"data: {len(articles):,} articles (the valid ones of the first {args.articles:,} "
          f"records) of {data.name}; {len(queries)} TREC "
          f"titles, top 10 with snippets, {args.repeat} rounds after a warm-up")
    print(f"ingest processes: {cores} for the unsharded index, {cores}/N per shard actor "
          f"for N shards (at least 1)")
    rows: list[tuple[str, float | None, list[float]]] = []
    with tempfile.TemporaryDirectory() as root:
        single = arsearch.Index.create(Path(root) / "single")
        report, ingest_s = timed(single.add_articles, articles, jobs=cores)
        times = query_times(single, queries, args.repeat)
        rows.append(("unsharded, in process", ingest_s, times))
        base_p50 = statistics.median(times)
        quarter = arsearch.Index.create(Path(root) / "quarter")
        quarter.add_articles(articles[:len(articles) // 4], jobs=cores)
        quarter_p50 = statistics.median(query_times(quarter, queries, args.repeat))
        quarter.close()
        ray.init(num_cpus=cores, include_dashboard=False, logging_level="ERROR",
                 log_to_driver=False)
        round_trips = {}
        checks: dict[int, tuple[int, list[str]]] = {}
        for shards in sorted(set(args.shards) | {1}):
            ix = arsearch.Index.create(Path(root) / f"r{shards}", shards=shards,
                                       cluster="local")
            _, seconds = timed(ix.add_articles, articles, jobs=max(1, cores // shards))
            rows.append((f"{shards} shard{'s' * (shards > 1)}, local Ray", seconds,
                         query_times(ix, queries, args.repeat)))
            checks[shards] = parity(single, ix, queries)
            round_trips[shards] = statistics.median(
                timed(ix._all, "size")[1] for _ in range(50))
            ix.close()
            if shards == 1:  # the same index, its shard in this process
                ix = arsearch.Index.open(Path(root) / "r1")
                one_shard = query_times(ix, queries, args.repeat)
                rows.insert(1, ("1 shard, in process", None, one_shard))
                ix.close()
        ray.shutdown()
    print()
    print(f"{'configuration':<26}{'ingest s':>9}{'docs/s':>8}{'query p50 ms':>14}"
          f"{'p95 ms':>8}")
    for label, seconds, times in rows:
        ingest = (f"{seconds:>9.1f}{len(articles) / seconds:>8.0f}" if seconds
                  else f"{'(Ray 1)':>9}{'':>8}")
        print(f"{label:<26}{ingest}"
              f"{statistics.median(times) * 1e3:>14.1f}{percentile(times, 0.95) * 1e3:>8.1f}")
    print()
    print("coordinator overhead per query:")
    print(f"  two phases, merge and sequence lookups (1 shard in process vs unsharded, "
          f"p50): {(statistics.median(one_shard) - base_p50) * 1e3:+.1f} ms")
    for shards, seconds in round_trips.items():
        print(f"  one Ray round trip to {shards} actor(s): {seconds * 1e3:.1f} ms "
              f"(a search makes 3: statistics, candidates, hits)")
    print()
    print("parity with the unsharded index (ingested in this process): searches with the "
          "same top 10, scores within 1e-9, total, count and facets")
    for shards, (same, differ) in checks.items():
        print(f"  {shards} shard{'s' * (shards > 1)}, local Ray: {same} of "
              f"{same + len(differ)} searches identical"
              + (f"; differ: {'; '.join(differ[:5])}" if differ else ""))
    print()
    per_shard_ingest = len(articles) / ingest_s
    # Query time of one index as a + b * articles, from the two sizes measured above.
    small = len(articles) // 4
    slope = max(0.0, (base_p50 - quarter_p50) / (len(articles) - small)) * 1e3
    fixed = base_p50 * 1e3 - slope * len(articles)
    trip_ms = max(round_trips.values()) * 1e3
    print(f"PROJECTION (arithmetic on the figures above, not a measurement) for "
          f"{PROJECTED_ARTICLES:,} articles, one shard per machine, each machine as fast as "
          f"this one under the same load: ingest at the unsharded rate above per machine "
          f"({per_shard_ingest:.0f} docs/s); query p50 of one shard = {fixed:.1f} ms + "
          f"{slope * 1e3:.2f} us per article (fitted on {small:,} and {len(articles):,} "
          f"articles: {quarter_p50 * 1e3:.1f} and {base_p50 * 1e3:.1f} ms) plus 3 Ray round "
          f"trips ({trip_ms:.1f} ms each, the slowest measured above); merging k hits per shard "
          "is not modelled:")
    for machines in PROJECTED_MACHINES:
        share = PROJECTED_ARTICLES / machines
        ingest_h = share / per_shard_ingest / 3600
        p50 = fixed + slope * share + 3 * trip_ms
        print(f"  {machines} machines: {share:,.0f} articles per shard, ingest ~{ingest_h:.1f} h "
              f"(if reading keeps up), query ~{p50:,.0f} ms at p50")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="news JSON Lines")
    parser.add_argument("--topics", default=str(DEFAULT_TOPICS), help="TREC topics file")
    parser.add_argument("--articles", type=int, default=2000, help="articles to index")
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4],
                        help="shard counts run on the local Ray")
    parser.add_argument("--queries", type=int, default=20, help="TREC titles to run")
    parser.add_argument("--repeat", type=int, default=2, help="timed rounds")
    docpage.add_option(parser, "cluster.md", "the page's only one")
    args = parser.parse_args()
    return docpage.record(args.write_docs, "cluster.md", lambda: run(args), "")


if __name__ == "__main__":
    sys.exit(main())
