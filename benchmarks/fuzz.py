"""Fuzz the index loader and the query parser with atheris, for a bounded time.

Not a test and not in CI: atheris (PyPI, libFuzzer for Python) is installed
by hand for a run (``pip install atheris``); nothing in ``arsearch`` or the
tests imports it. Two targets, each run in a child process of its own for
``--seconds`` seconds of coverage-guided fuzzing:

* ``loader``: the input's bytes become one file of a small index (its TOC,
  its segment, ``arsearch.json``, ``checksums.json`` or the lock file),
  written whole in its place, spliced into it or appended after a cut;
  then ``Index.open``, a search, ``Index.check`` and ``arsearch.repair``
  with ``dry_run`` (which reads only). Whatever raises other than an
  ``ArsearchError`` is a finding, and so is a search answering with other
  hits than the intact index's while ``check`` calls the index intact.
* ``parser``: the input's bytes decoded as UTF-8 (errors replaced) are a
  query: ``parse_query`` with and without syntax, then ``Index.search`` on
  the small index. Whatever raises other than an ``ArsearchError`` is a
  finding.

atheris starts from seeds: each index file as it is, and a query of each
construct of the language. The baseline, side by side: the same targets fed
uniformly random bytes (no coverage guidance) for ``--baseline-seconds``. A finding is counted once
per exception type and innermost arsearch or Whoosh line; the first input
of each is kept (hex) in the work directory.

    python benchmarks/fuzz.py --seconds 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import docpage

PROJECT = Path(__file__).resolve().parents[1]
TARGETS = ("loader", "parser")
#: The small index both targets use (three articles, two segments).
ARTICLES = [
    [{"id": "a", "text": "غارات على حلب وريفها", "title": "حلب",
      "published": "2016-05-01", "source": "عنب بلدي"},
     {"id": "b", "text": "داعش في البادية السورية"}],
    [{"id": "c", "text": "اشتباكات في حلب", "published": "2017-01-02"}],
]
QUERY = "حلب"


def build_index(path: Path) -> list[str]:
    """The small index at ``path``; returns the ids of the hits of ``QUERY``."""
    import arsearch

    with arsearch.Index.create(path) as ix:
        for batch in ARTICLES:
            ix.add_articles(batch)
        return sorted(hit.id for hit in ix.search(QUERY, limit=None))


# --- the child: one target under atheris (or random bytes) ------------------------

class Findings:
    """Distinct findings of a child, appended to a JSON Lines file as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: set[str] = set()
        self.count = 0

    def add(self, kind: str, where: str, message: str, data: bytes) -> None:
        self.count += 1
        key = f"{kind} at {where}"
        if key in self.seen:
            return
        self.seen.add(key)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"key": key, "message": message[:300],
                                  "input": data.hex()}) + "\n")

    def exception(self, exc: BaseException, data: bytes) -> None:
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "arsearch" in f.filename or "whoosh" in f.filename]
        frame = (ours or frames or [None])[-1]
        where = "?" if frame is None else \
            f"{docpage.portable(frame.filename).split('site-packages/')[-1]}:{frame.lineno}"
        self.add(type(exc).__name__, where, str(exc), data)


def loader_target(work: Path, findings: Findings, seeds: list[bytes]) -> Any:
    """The loader's test function: bytes -> one damaged file -> open, search, check
    (``seeds`` gets the inputs to start from)."""
    import arsearch

    base = work / "base"
    expected = build_index(base)
    names = sorted(p.name for p in base.iterdir() if p.is_file())
    originals = {name: (base / name).read_bytes() for name in names}
    trial = work / "trial"
    # Seeds: each file as it is (written whole), for libFuzzer to mutate from.
    seeds.extend(bytes([i, 0, 0]) + originals[name] for i, name in enumerate(names))

    def test(data: bytes) -> None:
        if len(data) < 3:
            return
        name = names[data[0] % len(names)]
        mode, cut, payload = data[1] % 3, data[2], data[3:]
        original = originals[name]
        at = cut * len(original) // 256
        damaged = (payload if mode == 0 else
                   original[:at] + payload + original[at + len(payload):] if mode == 1 else
                   original[:at] + payload)
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(base, trial)
        (trial / name).write_bytes(damaged)
        try:
            with arsearch.Index.open(trial) as ix:
                found = sorted(hit.id for hit in ix.search(QUERY, limit=None))
                intact = ix.check().intact
            if intact and found != expected:
                findings.add("WrongHits", name, f"{found} != {expected}", data)
        except arsearch.ArsearchError:
            pass
        except Exception as exc:  # noqa: BLE001 - every other exception is a finding
            findings.exception(exc, data)
        try:
            arsearch.check(trial)
            arsearch.repair(trial, dry_run=True)
        except arsearch.ArsearchError:
            pass
        except Exception as exc:  # noqa: BLE001
            findings.exception(exc, data)
    return test


#: Queries the parser's fuzzing starts from: every construct of the query language.
QUERIES = ['حلب', '"داعش في البادية"', 'حلب AND (غارات OR اشتباكات) -ريف', 'title:حلب',
           'actor:isis place:aleppo date:2016-05..2017', 'published:2016-05-01', 'حل*',
           'غارات~', '"غارات حلب"~3', 'NOT داعش', '+حلب -داعش', 'source:"عنب بلدي"']


def parser_target(work: Path, findings: Findings, seeds: list[bytes]) -> Any:
    """The parser's test function: bytes -> text -> parse_query, Index.search
    (``seeds`` gets the inputs to start from)."""
    import arsearch
    from arsearch.query.parser import parse_query

    seeds.extend(query.encode("utf-8") for query in QUERIES)

    build_index(work / "base")
    ix = arsearch.Index.open(work / "base")

    def test(data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        try:
            parse_query(text)
            parse_query(text, syntax=False, match="any")
            ix.search(text, limit=5)
        except arsearch.ArsearchError:
            pass
        except Exception as exc:  # noqa: BLE001 - every other exception is a finding
            findings.exception(exc, data)
    return test


def child(args: argparse.Namespace) -> int:
    """Run one target: under atheris, or on random bytes with ``--random``."""
    work = Path(args.work)
    findings = Findings(work / "findings.jsonl")
    target = loader_target if args.child == "loader" else parser_target
    seeds: list[bytes] = []
    if args.random:
        test = target(work, findings, seeds)
        rng = random.Random(args.seed)
        runs, stop = 0, time.monotonic() + args.seconds
        while time.monotonic() < stop:
            test(rng.randbytes(rng.randint(0, 400)))
            runs += 1
        print(f"random runs: {runs}", file=sys.stderr)
        return 0
    import atheris

    with atheris.instrument_imports(include=["arsearch", "whoosh"]):
        import arsearch  # noqa: F401
        import arsearch.maintenance  # noqa: F401
        import arsearch.query.parser  # noqa: F401
    test = target(work, findings, seeds)
    corpus = work / "corpus"
    corpus.mkdir(exist_ok=True)
    for number, seed in enumerate(seeds):
        (corpus / f"seed-{number}").write_bytes(seed)
    longest = max(4096, *(len(seed) + 64 for seed in seeds))
    atheris.Setup([sys.argv[0], f"-max_total_time={args.seconds}", "-timeout=30",
                   f"-max_len={longest}",
                   "-rss_limit_mb=4096", "-print_final_stats=1", f"-seed={args.seed}",
                   str(corpus)], test)
    atheris.Fuzz()
    return 0


# --- the parent: run each target, read the figures ---------------------------------

STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)
COVERAGE = re.compile(r"cov: (\d+) ft: (\d+)")


def run_child(target: str, mode: str, seconds: int, seed: int, work: Path) -> dict[str, Any]:
    """Run a target in a child process; its figures and findings."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    command = [sys.executable, __file__, "--child", target, "--seconds", str(seconds),
               "--seed", str(seed), "--work", str(work)]
    if mode == "random":
        command.append("--random")
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                          cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    elapsed = time.monotonic() - started
    stderr = done.stderr
    stats = {name: int(value) for name, value in STAT.findall(stderr)}
    coverage = COVERAGE.findall(stderr)
    runs = stats.get("number_of_executed_units")
    if mode == "random":
        found = re.search(r"random runs: (\d+)", stderr)
        runs = int(found.group(1)) if found else None
    findings_file = work / "findings.jsonl"
    findings = [json.loads(line) for line in findings_file.read_text().splitlines()] \
        if findings_file.exists() else []
    if done.returncode != 0 and ("timeout" in stderr.lower() or "out-of-memory" in stderr):
        findings.append({"key": "libFuzzer: " + next(
            (line for line in stderr.splitlines() if "ERROR: libFuzzer" in line), "crash"),
            "message": "", "input": ""})
    return {"target": target, "mode": mode, "seconds": round(elapsed), "runs": runs,
            "coverage": coverage[-1] if coverage else None,
            "new_units": stats.get("new_units_added"), "findings": findings,
            "status": done.returncode, "tail": stderr.strip().splitlines()[-3:]}


def report(results: list[dict[str, Any]]) -> None:
    print(f"{'target':8} {'inputs':28} {'seconds':>7} {'runs':>9} {'runs/s':>7} "
          f"{'cov':>6} {'ft':>6} {'findings':>8}")
    for r in results:
        cov, ft = r["coverage"] or ("-", "-")
        rate = f"{r['runs'] / max(r['seconds'], 1):.0f}" if r["runs"] else "-"
        label = "atheris (coverage-guided)" if r["mode"] == "atheris" else "random bytes (baseline)"
        print(f"{r['target']:8} {label:28} {r['seconds']:>7} {r['runs'] or '-':>9} {rate:>7} "
              f"{cov:>6} {ft:>6} {len(r['findings']):>8}")
    for r in results:
        for finding in r["findings"]:
            print(f"finding  {r['target']} ({r['mode']}): {finding['key']}: "
                  f"{finding['message'][:120]}")
    if not any(r["findings"] for r in results):
        print("no findings: every input gave an ArsearchError or the right answer")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Fuzz the index loader and the query parser with atheris (bounded).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--seconds", type=int, default=300,
                        help="seconds of coverage-guided fuzzing per target")
    parser.add_argument("--baseline-seconds", type=int, default=30,
                        help="seconds of random bytes per target (the baseline; 0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the small indexes, corpora and findings go "
                             "[default: a new temporary directory, kept]")
    parser.add_argument("--child", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--random", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    docpage.add_option(parser, "fuzz.md", "fuzz")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="arsearch-fuzz-"))
    targets = TARGETS if args.target == "all" else (args.target,)
    results = []
    for target in targets:
        if args.baseline_seconds:
            results.append(run_child(target, "random", args.baseline_seconds, args.seed,
                                     workdir / f"{target}-random"))
        result = run_child(target, "atheris", args.seconds, args.seed, workdir / target)
        if result["runs"] is None:
            print(f"{target}: atheris did not run: {' | '.join(result['tail'])}",
                  file=sys.stderr)
            return 2
        results.append(result)
    report(results)
    print(f"(inputs and findings kept in {workdir})", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args)
    command = None if argv is None else docpage.command_line([__file__, *argv])
    return docpage.record(args.write_docs, "fuzz.md", lambda: run(args), "fuzz",
                          command=command)


if __name__ == "__main__":
    sys.exit(main())
