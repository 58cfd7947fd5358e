"""CPU time of a merge of an index's segments, compiled core against pure Python.

Each run copies an unmerged index afresh and merges all its segments into one
(``Index.merge_segments(10**9, jobs=1)``: one process, so all of it is timed)
in a new process, the paths alternated in the same run:

* ``compiled``: every compiled part (``arsearch.native``);
* ``compiled, merging in Python``: the same with the compiled merge of a field's
  terms (``arsearch.engine._cmerge``) switched off in that process, so the
  terms are merged by ``writer``'s Python loop around the compiled codec;
* ``compiled, reading in Python``: the same with the posting reader
  (``arsearch.engine._cread``) switched off, so posting bytes are read by
  ``blocks``' pure twins (and terms merged in Python, as the compiled merge
  calls the compiled reader) and written by the compiled encoder;
* ``pure Python``: ``ARSEARCH_PURE_PYTHON=1``.

The merged segment is the same on every path (``tests/engine/test_writer.py``
and ``tests/engine/test_cread.py`` check it); only the time differs.

``--index DIR`` merges an unmerged index of your own; without it, the first
``--articles`` articles of ``--data`` are ingested first (not timed) with
``arsearch index FILE --jobs 2 --no-merge --batch B``, B chosen so that the
index has ``--segments`` segments.

    python benchmarks/merge.py [--index DIR | --data FILE --articles 20000
                               --segments 10] [--repeat 3] [--write-docs]

``--write-docs`` writes the table into the ``merge`` block of docs/ingest.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docpage  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = PROJECT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"
#: Each path: (ARSEARCH_PURE_PYTHON, what to switch off in the measured process).
PATHS: dict[str, tuple[bool, str]] = {
    "compiled": (False, ""),
    "compiled, merging in Python": (False, "merge"),
    "compiled, reading in Python": (False, "reader"),
    "pure Python": (True, ""),
}


def _run_once(index: str, off: str) -> int:
    """One merge of ``index`` in this process, with ``off`` ("merge", "reader" or "")
    switched off; prints the CPU seconds as JSON."""
    import arsearch
    from arsearch import native
    from arsearch.engine import blocks, writer

    if off == "merge":
        writer._M = None
    elif off == "reader":
        blocks._R = None
    ix = arsearch.Index.open(Path(index))
    start = time.process_time()
    ix.merge_segments(10**9, jobs=1)
    seconds = time.process_time() - start
    print(json.dumps({"seconds": seconds, "path": native.describe()}))
    return 0


def _measure(index: Path, work: Path, name: str) -> dict[str, object]:
    pure, off = PATHS[name]
    copy = work / "index"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(index, copy)
    env = dict(os.environ)
    env.pop("ARSEARCH_PURE_PYTHON", None)
    if pure:
        env["ARSEARCH_PURE_PYTHON"] = "1"
    command = [sys.executable, __file__, "--_run", str(copy), "--_off", off]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _unmerged(data: Path, articles: int, segments: int, work: Path) -> Path:
    """An index of the first ``articles`` of ``data`` (with a text) in about ``segments``
    segments."""
    opener: Callable[..., Any] = gzip.open if data.suffix == ".gz" else open
    sample = work / "articles.jsonl"
    with opener(data, "rt", encoding="utf-8") as src, open(sample, "w", encoding="utf-8") as dst:
        # Records without a text are left out: the ingest would skip them, and fail.
        dst.writelines(islice((line for line in src if json.loads(line).get("text")), articles))
    index = work / "unmerged"
    batch = max(1, -(-articles // max(1, segments // 2)))  # two segments a batch (--jobs 2)
    subprocess.run([sys.executable, "-m", "arsearch", "index", str(sample), "--index",
                    str(index), "--jobs", "2", "--no-merge", "--batch", str(batch), "--quiet"],
                   check=True)
    return index


def run(args: argparse.Namespace) -> int:
    """Print the least CPU time of each path over ``--repeat`` alternated runs."""
    with tempfile.TemporaryDirectory(prefix="arsearch-merge-") as work:
        if args.index is None:
            if not args.data.exists():
                print(f"error: {args.data}: no such file (see ../shared/data/README.md)",
                      file=sys.stderr)
                return 2
            index = _unmerged(args.data, args.articles, args.segments, Path(work))
            source = f"the first {args.articles:,} articles of {args.data.name}"
        else:
            index, source = args.index, str(args.index)
        if not any(index.glob("_MAIN_*.toc")):
            print(f"error: {index}: not an index", file=sys.stderr)
            return 2
        import arsearch

        with arsearch.Index.open(index) as ix:
            info = ix.info()
        times: dict[str, list[float]] = {name: [] for name in PATHS}
        for _ in range(args.repeat):
            for name in PATHS:
                times[name].append(float(_measure(index, Path(work), name)["seconds"]))
    pure = min(times["pure Python"])
    print(f"merge of the {info.segments} segments of {source} ({info.documents:,} articles), "
          f"jobs=1, CPU seconds,")
    print(f"least of {args.repeat} alternated runs, each in a new process on a fresh copy")
    for name, found in times.items():
        best = min(found)
        print(f"{name:30} {best:7.2f} s  {pure / best:5.2f}x pure Python"
              f"  (runs: {', '.join(f'{t:.2f}' for t in found)})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run (or, with ``--_run``, be one measured process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an unmerged index (left as it is)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="a news JSON Lines file (.jsonl or .jsonl.gz), without --index")
    parser.add_argument("--articles", type=int, default=20000,
                        help="articles of --data to ingest, without --index")
    parser.add_argument("--segments", type=int, default=10,
                        help="segments to ingest them into, without --index")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path, alternated")
    parser.add_argument("--_run", help=argparse.SUPPRESS)
    parser.add_argument("--_off", default="", help=argparse.SUPPRESS)
    docpage.add_option(parser, "ingest.md", "merge")
    args = parser.parse_args(argv)
    if args._run:
        return _run_once(args._run, args._off)
    return docpage.record(args.write_docs, "ingest.md", lambda: run(args), "merge")


if __name__ == "__main__":
    sys.exit(main())
