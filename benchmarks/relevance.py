"""Relevance of ``Index.search(q, match="any")`` on real Arabic query sets.

For each set in ``../shared/data/relevance/`` (corpus.jsonl, queries.tsv,
qrels.tsv, optional splits/) this builds an arsearch index and, in the same
run, a plain Whoosh index with ``StandardAnalyzer`` (OR of the query's terms,
BM25 k1=1.2 b=0.75), and prints MRR@10, nDCG@10 and hit@10 for both.

    python benchmarks/relevance.py [--data ../shared/data/relevance] [--split test] [--claims]
                                   [--lucene] [--write-docs [BLOCK]]

``--claims`` adds a larger tuning set built from checkthat_ar's corpus alone
(no query or judgement of it): each claim's text as written on social media is
the query, and the fact-checkers' headlines (titles only) are the documents;
the claim's own headline is the one relevant. Its dev split has only 83 tweets.

``--lucene`` also runs ``lucene_arabic.py``, a plain-Python stand-in for Lucene's
ArabicAnalyzer with BM25, on every set, and compares it with arsearch query by
query: how many queries each ranks better, and a paired randomization test
(two-sided, 10,000 sign flips) of the difference in MRR@10.

Reference MRR@10 of Lucene's ArabicAnalyzer (data README): xquad_r_ar 0.733,
arcd test 0.795, tydiqa_ar 0.913, checkthat_ar test 0.942.

``--write-docs`` then writes the printed figures into docs/relevance.md, in the
block named after the split (``test`` or ``dev``) unless a block is named.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from whoosh import fields, index, scoring
from whoosh import query as wq
from whoosh.analysis import StandardAnalyzer

import arsearch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docpage  # noqa: E402
import lucene_arabic  # noqa: E402

LUCENE_ARABIC = {"xquad_r_ar": 0.733, "arcd": 0.795, "tydiqa_ar": 0.913, "checkthat_ar": 0.942}
K = 10


def load_corpus(directory: Path) -> list[dict]:
    """The documents of a set (corpus.jsonl)."""
    with (directory / "corpus.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def load_set(directory: Path, split: str) -> tuple[list[dict], dict[str, str], dict[str, dict]]:
    corpus = load_corpus(directory)
    queries = dict(
        line.rstrip("\n").split("\t", 1)
        for line in (directory / "queries.tsv").open(encoding="utf-8") if "\t" in line
    )
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (directory / "qrels.tsv").open(encoding="utf-8"):
        qid, docid, rel = line.split("\t")
        qrels[qid][docid] = int(rel)
    split_file = directory / "splits" / f"{split}.txt"
    if split_file.exists():
        keep = {line.strip() for line in split_file.open(encoding="utf-8") if line.strip()}
        queries = {q: t for q, t in queries.items() if q in keep}
    return corpus, {q: t for q, t in queries.items() if q in qrels}, qrels


def claims_set(directory: Path) -> tuple[list[dict], dict[str, str], dict[str, dict]]:
    """checkthat_ar's claims against its headlines (see the module docstring).

    A claim whose words all appear in its headline is left out: it is found
    by any analyzer and says nothing.
    """
    corpus = load_corpus(directory)
    headlines = [{"id": c["id"], "title": "", "text": c["title"]} for c in corpus]
    queries = {c["id"]: c["text"] for c in corpus
               if set(arsearch.analyze(c["text"])) - set(arsearch.analyze(c["title"]))}
    return headlines, queries, {q: {q: 1} for q in queries}


def metrics(ranked: list[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    rr = next((1.0 / (i + 1) for i, d in enumerate(ranked[:K]) if relevant.get(d)), 0.0)
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:K]))
    ideal = sorted(relevant.values(), reverse=True)[:K]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return rr, (dcg / idcg if idcg else 0.0), float(rr > 0)


def run_arsearch(corpus: list[dict], queries: dict[str, str], workdir: str) -> dict[str, list[str]]:
    ix = arsearch.Index.create(workdir)
    ix.add_articles(corpus)
    out = {}
    for qid, text in queries.items():
        try:
            out[qid] = [h.id for h in ix.search(text, match="any", limit=K)]
        except arsearch.QuerySyntaxError:
            # Questions with stray quotes or parentheses: read them as plain words.
            out[qid] = [h.id for h in ix.search(text, match="any", limit=K, syntax=False)]
    return out


def run_whoosh(corpus: list[dict], queries: dict[str, str], workdir: str) -> dict[str, list[str]]:
    schema = fields.Schema(id=fields.ID(stored=True), body=fields.TEXT(analyzer=StandardAnalyzer()))
    ix = index.create_in(workdir, schema)
    with ix.writer() as writer:
        for doc in corpus:
            writer.add_document(id=doc["id"], body=f"{doc.get('title', '')}\n{doc['text']}")
    analyzer = StandardAnalyzer()
    out = {}
    # A plain OR of the query's distinct analyzed terms, as in the reference
    # figures (with repeats counted, checkthat_ar test scores 0.881, not 0.891).
    with ix.searcher(weighting=scoring.BM25F(B=0.75, K1=1.2)) as searcher:
        for qid, text in queries.items():
            terms = list(dict.fromkeys(t.text for t in analyzer(text)))
            q = wq.Or([wq.Term("body", t) for t in terms]) if terms else wq.NullQuery
            out[qid] = [hit["id"] for hit in searcher.search(q, limit=K)]
    return out


def evaluate(name: str, runs: dict[str, list[str]], qrels: dict[str, dict]) -> tuple[float, ...]:
    scores = [metrics(runs[q], qrels[q]) for q in runs]
    n = len(scores) or 1
    return tuple(sum(s[i] for s in scores) / n for i in range(3))


def compare(ours: dict[str, list[str]], other: dict[str, list[str]], qrels: dict[str, dict],
            rounds: int = 10_000) -> tuple[int, int, float, float]:
    """(queries ours ranks better, queries other ranks better, mean difference in
    reciprocal rank, two-sided p of a paired randomization test).

    The test flips the sign of each query's difference at random: under "no
    difference" either system's reciprocal rank is as likely to be the higher.
    """
    diffs = [metrics(ours[q], qrels[q])[0] - metrics(other[q], qrels[q])[0] for q in ours]
    n = len(diffs) or 1
    observed = abs(sum(diffs)) / n
    rng = random.Random(0)
    extreme = sum(
        abs(sum(d if rng.random() < 0.5 else -d for d in diffs)) / n >= observed - 1e-12
        for _ in range(rounds)
    )
    return (sum(d > 0 for d in diffs), sum(d < 0 for d in diffs), sum(diffs) / n,
            extreme / rounds)


def main() -> int:
    """Parse the options, run the benchmark and, with ``--write-docs``, write its page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent
                                              / "shared" / "data" / "relevance"))
    parser.add_argument("--split", default="test", help="split to score where a set has splits")
    parser.add_argument("--sets", nargs="*", default=list(LUCENE_ARABIC))
    parser.add_argument("--claims", action="store_true",
                        help="also score checkthat_ar claims against its headlines")
    parser.add_argument("--lucene", action="store_true",
                        help="also run the Lucene ArabicAnalyzer stand-in and compare per query")
    docpage.add_option(parser, "relevance.md", "the split")
    args = parser.parse_args()
    return docpage.record(args.write_docs, "relevance.md", lambda: run(args), args.split)


def run(args: argparse.Namespace) -> int:
    """Score every set named in ``args`` and print the figures."""
    data = Path(args.data)
    if not data.is_dir():
        print(f"relevance data not found at {data}; pass --data", file=sys.stderr)
        return 2
    print(f"$ python benchmarks/relevance.py --data {args.data} --split {args.split}"
          + (f" --sets {' '.join(args.sets)}" if args.sets != list(LUCENE_ARABIC) else "")
          + (" --claims" if args.claims else "") + (" --lucene" if args.lucene else ""))
    print(f"{'set':<14}{'queries':>8}  {'arsearch MRR/nDCG/hit@10':>26}  "
          f"{'whoosh-std MRR/nDCG/hit@10':>28}  {'Lucene-ar MRR':>13}"
          + (f"  {'stand-in MRR':>12}" if args.lucene else "") + "  secs")
    mrrs = []
    comparisons = []
    for name in [*args.sets, *(["claims"] if args.claims else [])]:
        if name == "claims":
            corpus, queries, qrels = claims_set(data / "checkthat_ar")
        else:
            corpus, queries, qrels = load_set(data / name, args.split)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            ours_runs = run_arsearch(corpus, queries, a)
            ours = evaluate(name, ours_runs, qrels)
            base = evaluate(name, run_whoosh(corpus, queries, b), qrels)
        stand_in = ""
        if args.lucene:
            lucene_runs = lucene_arabic.run(corpus, queries, k=K)
            stand_in = f"  {evaluate(name, lucene_runs, qrels)[0]:>12.3f}"
            comparisons.append((name, compare(ours_runs, lucene_runs, qrels)))
        if name in LUCENE_ARABIC:
            mrrs.append(ours[0])
        # The reference figures are for the test splits (and the sets without splits).
        on_test = args.split == "test" or not (data / name / "splits").is_dir()
        ref = f"{LUCENE_ARABIC[name]:>13.3f}" if name in LUCENE_ARABIC and on_test else f"{'-':>13}"
        print(f"{name:<14}{len(queries):>8}  {ours[0]:>8.3f}{ours[1]:>9.3f}{ours[2]:>9.3f}  "
              f"{base[0]:>10.3f}{base[1]:>9.3f}{base[2]:>9.3f}  {ref}{stand_in}  "
              f"{time.perf_counter() - started:.0f}")
    if len(mrrs) == len(LUCENE_ARABIC) and args.split == "test":
        print(f"mean MRR@10: arsearch {sum(mrrs) / len(mrrs):.3f}, "
              f"Lucene ArabicAnalyzer {sum(LUCENE_ARABIC.values()) / len(LUCENE_ARABIC):.3f}")
    for name, (better, worse, mean, p) in comparisons:
        print(f"{name}: arsearch better on {better} queries, the stand-in on {worse}; "
              f"MRR@10 difference {mean:+.3f}, paired randomization p = {p:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
