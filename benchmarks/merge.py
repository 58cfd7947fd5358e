"""CPU time of a merge of an index's segments, compiled core against pure Python.

Each run copies an unmerged index afresh and merges all its segments into one
(``Index.merge_segments(10**9, jobs=1)``: one process, so all of it is timed)
in a new process, the paths alternated in the same run:

* ``compiled``: every compiled part (``arsearch.native``);
* ``compiled, reading in Python``: the same with the posting reader
  (``arsearch.engine._cread``) switched off in that process, so posting bytes
  are read by ``blocks``' pure twins and written by the compiled encoder;
* ``pure Python``: ``ARSEARCH_PURE_PYTHON=1``.

The merged postings are the same on every path (``tests/engine/test_cread.py``
checks it); only the time differs. Build the unmerged index with, e.g.,

    arsearch index ant5k.jsonl --index DIR --jobs 2 --no-merge --quiet
    python benchmarks/merge.py --index DIR [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PATHS = {"compiled": (False, False), "compiled, reading in Python": (False, True),
         "pure Python": (True, False)}


def _run_once(index: str, reader_off: bool) -> int:
    """One merge of ``index`` in this process; prints the CPU seconds as JSON."""
    import arsearch
    from arsearch import native
    from arsearch.engine import blocks

    if reader_off:
        blocks._R = None
    ix = arsearch.Index.open(Path(index))
    start = time.process_time()
    ix.merge_segments(10**9, jobs=1)
    seconds = time.process_time() - start
    print(json.dumps({"seconds": seconds, "path": native.describe()}))
    return 0


def _measure(index: Path, work: Path, name: str) -> dict[str, object]:
    pure, reader_off = PATHS[name]
    copy = work / "index"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(index, copy)
    env = dict(os.environ)
    env.pop("ARSEARCH_PURE_PYTHON", None)
    if pure:
        env["ARSEARCH_PURE_PYTHON"] = "1"
    command = [sys.executable, __file__, "--_run", str(copy)]
    if reader_off:
        command.append("--_reader-off")
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> int:
    """Print the least CPU time of each path over ``--repeat`` alternated runs."""
    if not any(args.index.glob("_MAIN_*.toc")):
        print(f"error: {args.index}: not an index", file=sys.stderr)
        return 2
    times: dict[str, list[float]] = {name: [] for name in PATHS}
    with tempfile.TemporaryDirectory(prefix="arsearch-merge-") as work:
        for _ in range(args.repeat):
            for name in PATHS:
                times[name].append(float(_measure(args.index, Path(work), name)["seconds"]))
    pure = min(times["pure Python"])
    print(f"merge of every segment of {args.index} (jobs=1), CPU seconds, "
          f"least of {args.repeat} alternated runs, each in a new process on a fresh copy")
    for name, found in times.items():
        best = min(found)
        print(f"{name:30} {best:7.2f} s  {pure / best:5.2f}x pure Python"
              f"  (runs: {', '.join(f'{t:.2f}' for t in found)})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run (or, with ``--_run``, be one measured process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an unmerged index (left as it is)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path, alternated")
    parser.add_argument("--_run", help=argparse.SUPPRESS)
    parser.add_argument("--_reader-off", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._run:
        return _run_once(args._run, args._reader_off)
    if args.index is None:
        parser.error("--index is required")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
