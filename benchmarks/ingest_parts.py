"""Where the time of an ingest goes, part by part, compiled core against pure Python.

Writes the first ``--articles`` articles of a news file to a JSON Lines file,
then ingests it twice, each time in a new process and one after the other in
the same run: with the compiled core (``arsearch.native``) and with
``ARSEARCH_PURE_PYTHON=1``. Each run is one process (``jobs=1``, so every part
runs where it can be timed), from a cold start, and adds up the CPU time spent
inside each part below; parts nest ("of which"), so a parent holds its
children. The documents both runs write are the same (``tests/test_native.py``
checks it); only the time differs.

    python benchmarks/ingest_parts.py [--data ../shared/data/news/ant_v2.1.jsonl.gz]
                                      [--articles 1500] [--repeat 3]
                                      [--write-docs]

``--write-docs`` writes the table into the ``parts`` block of docs/ingest.md.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import docpage

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = PROJECT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"

#: (label, depth, module, attribute): the function whose calls count as the part.
#: A module-level function is wrapped where its caller looks it up.
PARTS: list[tuple[str, int, str, str]] = [
    ("whole ingest (Index.add_paths)", 0, "arsearch.index", "Index.add_paths"),
    ("extraction", 1, "arsearch.ingest", "extract_articles"),
    ("name tagger", 2, "arsearch.extract.ner", "NameTagger.find_names_many"),
    ("splitting into pieces", 3, "arsearch.extract.ner", "pieces"),
    ("tagging (features, emissions, Viterbi, rules)", 3, "arsearch.extract.ner",
     "NameTagger.tag_sentences"),
    ("Viterbi", 4, "arsearch.extract.crf", "viterbi"),
    ("gazetteer scan", 2, "arsearch.extract", "find_entities"),
    ("dates", 2, "arsearch.extract.dates", "find_dates"),
    ("refinement of mentions", 2, "arsearch.extract", "refine"),
    ("analysis (Article -> document)", 1, "arsearch.ingest", "to_document"),
    ("segment writing", 1, "arsearch.engine.store", "Writer.update"),
    ("commit (postings encoded and written)", 1, "arsearch.engine.store", "Writer.commit"),
    ("stemming (cache misses; inside the parts above)", 1, "arsearch.text.stem",
     "Stemmer._stem_variants"),
]


def _wrap(totals: Counter[str], label: str, module: str, attribute: str) -> bool:
    """Count the CPU time of calls to ``module.attribute`` under ``label``; False if absent."""
    owner: Any = importlib.import_module(module)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    function = getattr(owner, name, None) if owner is not None else None
    if not callable(function):
        return False
    depth = [0]  # a recursive or re-entrant call counts once

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        if depth[0]:
            return function(*args, **kwargs)
        depth[0] += 1
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] += time.process_time() - start
            depth[0] -= 1

    setattr(owner, name, timed)
    return True


def _run_once(path: str) -> int:
    """One cold ingest of ``path`` in this process; prints the parts as JSON."""
    import arsearch
    from arsearch import native

    totals: Counter[str] = Counter()
    found = [label for label, _, module, attribute in PARTS
             if _wrap(totals, label, module, attribute)]
    with tempfile.TemporaryDirectory(prefix="arsearch-parts-") as work:
        index = arsearch.Index.create(Path(work) / "index")
        report = index.add_paths([path], jobs=1)
    print(json.dumps({"path": native.describe(), "added": report.added,
                      "parts": {label: totals[label] for label in found}}))
    return 0


def _measure(path: Path, *, pure: bool) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("ARSEARCH_PURE_PYTHON", None)
    if pure:
        env["ARSEARCH_PURE_PYTHON"] = "1"
    out = subprocess.run([sys.executable, __file__, "--_run", str(path)], env=env,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sample(data: Path, count: int, out: Path) -> int:
    opener: Callable[..., Any] = gzip.open if data.suffix == ".gz" else open
    with opener(data, "rt", encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        lines = list(islice(src, count))
        dst.writelines(lines)
    return len(lines)


def run(args: argparse.Namespace) -> int:
    """Print the table of both runs."""
    if not args.data.exists():
        print(f"error: {args.data}: no such file (see ../shared/data/README.md)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="arsearch-parts-") as work:
        sample = Path(work) / "articles.jsonl"
        count = _sample(args.data, args.articles, sample)
        # Alternated, and the least time of each part kept: CPU time too grows
        # when other processes share the cores.
        runs = [_measure(sample, pure=pure) for _ in range(args.repeat) for pure in (False, True)]
    compiled, pure = (_fastest(runs[start::2]) for start in (0, 1))
    print(f"{count:,} articles of {args.data.name}, one process (jobs=1), cold start;")
    print(f"CPU seconds inside each part, least of {args.repeat} alternated runs each")
    print(f"compiled: {compiled['path']}; {compiled['added']:,} articles added")
    print()
    width = max(2 * depth + len(label) for label, depth, _, _ in PARTS) + 9
    print(f"{'part':{width}} {'pure Python':>11} {'compiled':>9} {'speed-up':>8}")
    for label, depth, _, _ in PARTS:
        if label not in pure["parts"] or label not in compiled["parts"]:
            continue
        before, after = pure["parts"][label], compiled["parts"][label]
        name = "  " * depth + ("of which " if depth > 1 else "") + label
        speedup = f"{before / after:.1f}x" if after > 0 else "-"
        print(f"{name:{width}} {before:>9.2f} s {after:>7.2f} s {speedup:>8}")
    return 0


def _fastest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first run, with each part's least time over ``runs``."""
    parts = {label: min(run["parts"][label] for run in runs) for label in runs[0]["parts"]}
    return {**runs[0], "parts": parts}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run (or, with ``--_run``, be one measured process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="a news JSON Lines file (.jsonl or .jsonl.gz)")
    parser.add_argument("--articles", type=int, default=1500, help="articles to ingest")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each path, alternated; the least time of each part counts")
    parser.add_argument("--_run", help=argparse.SUPPRESS)
    docpage.add_option(parser, "ingest.md", "parts")
    args = parser.parse_args(argv)
    if args._run:
        return _run_once(args._run)
    return docpage.record(args.write_docs, "ingest.md", lambda: run(args), "parts")


if __name__ == "__main__":
    sys.exit(main())
