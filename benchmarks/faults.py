"""Crash safety and concurrent use of ``arsearch index`` (issue 5), measured.

Kill-9 trials (the default mode). The first ``--articles`` news articles
(round-robin over ``../shared/data/news/*.jsonl.gz``, so every source is in
the mix) are written once to a JSON Lines file. One clean ingest of it is
timed first (and checked: it must hold exactly the input). Then each trial

1. starts ``arsearch index FILE --index DIR --jobs J --batch B --quiet`` in
   its own process group and SIGKILLs the whole group (``os.killpg``: the
   ingest and its worker processes) after a delay drawn uniformly over the
   measured duration of a full ingest (or over ``--max-delay``), so kills
   land before, between and during commits;
2. opens the index with ``arsearch.Index.open``, runs a search and filtered
   searches (none may raise) and reads every stored article: the ids must
   be input ids, each once (``len(ix)`` against the distinct ids listed),
   each stored text must be the input's, and the set must be what a whole
   number of batches commits: the first k batches of the input, never part
   of one ("holding exactly what was last committed");
3. re-runs the same command to completion, with no clean-up in between: it
   must exit 0 (or 2 with only ``arsearch: skipped`` lines for genuinely bad
   input records, if the sample has any), print no traceback, and leave
   exactly the input ids, each once, with their texts: nothing lost.

By default every trial starts from an empty index. ``--cumulative`` is the
cheaper mode: a killed ingest is continued by the next trial's ingest (itself
killed), and only the last trial (or one whose ingest finished before its
kill) runs to completion and is checked as in step 3.

``--concurrent`` instead runs one writer (the same ``arsearch index``) and
``--searchers`` (4) processes that loop ``Index.open`` + searches with and
without filters as fast as they can for the length of the ingest: every
exception is an error (target 0). Searchers also check what they see: the
article count never goes down and is always a whole number of batches.
Half-way through (of the measured ingest time), a second writer indexes the
last ``--second-articles`` (200) articles of the same input with the same
options: it must either wait for the lock and succeed, or fail cleanly
(exit 2, one ``locked`` line, no traceback). Afterwards the index must hold
exactly the input, each article once.

The work directory is a temporary one, removed at the end unless ``--keep``
or something failed (then it is kept for inspection and its path printed).

Batches smaller than ``arsearch.ingest.MIN_PARALLEL`` (200) articles are
written in the ingest process itself; from 200 on, worker processes write
segments that the ingest commits. The default ``--batch 500`` exercises
workers; small test runs should pick a batch of 200 or more to do so too.

    python benchmarks/faults.py [--articles 5000] [--trials 50] [--batch 500] [--jobs 2]
    python benchmarks/faults.py --concurrent [--articles 5000] [--searchers 4]

``--write-docs`` then writes what the run printed into docs/faults.md, block
``kill`` or ``concurrent`` (or the block named); a failed run is not written.

Targets (issue 5): 50/50 trials survived, 0 articles lost, 0 duplicated;
0 search errors in the concurrent run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import queue
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import docpage

import arsearch
from arsearch.errors import ArsearchError, IndexNotFound
from arsearch.models import Article

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = PROJECT.parent / "shared" / "data" / "news"
SKIPPED_PREFIX = "arsearch: skipped "
#: The line that counts the bad lines of a file beyond the first few shown.
MORE_SKIPPED = re.compile(r"… and (\d+) more bad lines? in ")
LOCKED_WORDS = "is locked by another writer"
#: Searches run after each kill, and in a loop by the concurrent searchers:
#: (query, keyword arguments of ``Index.search``).
QUERIES: list[tuple[str | None, dict[str, Any]]] = [
    ("الحكومة", {}),
    ("وزير الخارجية", {"match": "any", "limit": 20}),
    ('"رئيس الوزراء"', {}),
    ("الرئيس", {"place": "تونس"}),
    (None, {"published": "2015..2017", "limit": 5}),
    ("اقتصاد OR نفط", {"actor": "السعودية", "date": "2016"}),
]


# --- the input ---------------------------------------------------------------------

@dataclass
class Corpus:
    """The sample as written, and what a correct index of it holds."""

    path: Path
    lines: int
    bad: int  # records arsearch must reject (broken JSON, invalid article)
    expected: dict[str, str]  # id -> text of its last valid record
    versions: dict[str, set[str]]  # id -> every text it has in the input
    first_batch: dict[str, int]  # id -> index of the first batch it is in
    batches: int
    batch_ends: list[int]  # distinct ids committed after 1, 2, ... batches


def read_lines(data: Path, count: int) -> list[str]:
    """The first ``count`` non-empty lines, round-robin over the corpus files."""
    files = sorted(data.glob("*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no *.jsonl.gz files in {data}; pass --data")
    lines: list[str] = []
    with ExitStack() as stack:
        live = [stack.enter_context(gzip.open(f, "rt", encoding="utf-8")) for f in files]
        while live and len(lines) < count:
            for stream in list(live):
                line = stream.readline()
                while line and not line.strip():
                    line = stream.readline()
                if not line:
                    live.remove(stream)
                    continue
                lines.append(line.rstrip("\n"))
                if len(lines) >= count:
                    break
    return lines


def build_corpus(lines: list[str], path: Path, batch: int) -> Corpus:
    """Write the sample and work out, as ``arsearch.ingest`` batches it, what it commits."""
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    expected: dict[str, str] = {}
    versions: dict[str, set[str]] = {}
    first_batch: dict[str, int] = {}
    bad = 0
    current: dict[str, None] = {}
    batches = 0
    seen: set[str] = set()
    batch_ends: list[int] = []
    for line in lines:
        try:
            article = Article.from_dict(json.loads(line))
        except (ValueError, ArsearchError):
            bad += 1
            continue
        expected[article.id] = article.text
        versions.setdefault(article.id, set()).add(article.text)
        first_batch.setdefault(article.id, batches)
        current.pop(article.id, None)
        current[article.id] = None
        if len(current) >= batch:  # a batch is full when it holds `batch` distinct ids
            batches += 1
            seen.update(current)
            batch_ends.append(len(seen))
            current = {}
    if current:
        batches += 1
        seen.update(current)
        batch_ends.append(len(seen))
    return Corpus(path, len(lines), bad, expected, versions, first_batch, batches, batch_ends)


# --- looking at an index -------------------------------------------------------------

@dataclass
class State:
    """What an index directory holds, as the library sees it."""

    exists: bool = True
    error: str | None = None  # opening, searching or reading raised
    documents: int = 0  # len(ix)
    listed: int = 0  # search(None, limit=0).total
    distinct: int = 0
    duplicates: int = 0  # documents beyond one per id
    foreign: int = 0  # ids not in the input
    wrong_text: int = 0  # stored text that is no version of the input's
    missing: int = 0  # input ids absent (only a fault after a completed run)
    batches: int | None = 0  # k if the ids are exactly the first k batches, else None
    files: int = 0
    size: int = 0


def inspect(index_dir: Path, corpus: Corpus) -> State:
    """Open the index, search it with and without filters, and read every article."""
    state = State()
    if index_dir.is_dir():
        entries = [p for p in index_dir.rglob("*") if p.is_file()]
        state.files, state.size = len(entries), sum(p.stat().st_size for p in entries)
    try:
        ix = arsearch.Index.open(index_dir)
    except IndexNotFound:
        state.exists = False
        state.missing = len(corpus.expected)
        return state
    except Exception as exc:
        state.error = f"Index.open: {_describe(exc)}"
        return state
    try:
        state.documents = len(ix)
        for query, kwargs in QUERIES:
            res = ix.search(query, **kwargs)
            _ = [hit.id for hit in res]
        state.listed = ix.search(None, limit=0).total
        ids: Counter[str] = Counter()
        for doc in ix.documents(None):
            ids[doc["id"]] += 1
            if doc["id"] in corpus.versions and doc["text"] not in corpus.versions[doc["id"]]:
                state.wrong_text += 1
    except Exception as exc:
        state.error = f"search/read: {_describe(exc)}"
        return state
    state.distinct = len(ids)
    state.duplicates = max(state.documents, sum(ids.values()), state.listed) - len(ids)
    state.foreign = sum(1 for i in ids if i not in corpus.expected)
    state.missing = sum(1 for i in corpus.expected if i not in ids)
    batches = 1 + max((corpus.first_batch.get(i, -1) for i in ids), default=-1)
    whole = sum(1 for i, b in corpus.first_batch.items() if b < batches)
    state.batches = batches if whole == len(ids) - state.foreign else None
    return state


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


def listing(index_dir: Path) -> list[str]:
    """``name size`` of every file in the index directory, for a failure report."""
    if not index_dir.is_dir():
        return ["(no index directory)"]
    return [f"{p.relative_to(index_dir)} {p.stat().st_size}"
            for p in sorted(index_dir.rglob("*")) if p.is_file()]


def state_problems(state: State, complete: bool) -> list[str]:
    """What is wrong with a state; ``complete``: after an ingest that ran to its end."""
    problems = []
    if state.error:
        problems.append(state.error)
        return problems
    if complete and not state.exists:
        problems.append("no index after a completed ingest")
    if state.duplicates:
        problems.append(f"{state.duplicates} duplicate documents")
    if state.foreign:
        problems.append(f"{state.foreign} ids not in the input")
    if state.wrong_text:
        problems.append(f"{state.wrong_text} stored texts differ from the input")
    if state.exists and state.listed != state.documents:
        problems.append(f"len(ix) {state.documents} but search(None) lists {state.listed}")
    if complete and state.missing:
        problems.append(f"{state.missing} articles lost")
    elif not complete and state.exists and state.batches is None:
        problems.append("the ids are not a whole number of batches (a torn commit)")
    return problems


# --- running arsearch ----------------------------------------------------------------

def arsearch_command() -> list[str]:
    """The ``arsearch`` script beside this interpreter, else ``python -m arsearch``."""
    script = Path(sys.executable).with_name("arsearch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "arsearch"]


def index_command(args: argparse.Namespace, source: Path, index_dir: Path) -> list[str]:
    return [*arsearch_command(), "index", str(source), "--index", str(index_dir),
            "--jobs", str(args.jobs), "--batch", str(args.batch), "--quiet"]


@dataclass
class Run:
    """One finished run of a command."""

    exit: int | None
    seconds: float
    stderr: list[str]
    killed: bool = False


def start(command: list[str], log: Path) -> tuple[subprocess.Popen[bytes], Any]:
    """Start ``command`` in its own process group, output to ``log``."""
    out = log.open("wb")
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                            start_new_session=True)
    return proc, out


def finish(proc: subprocess.Popen[bytes], out: Any, log: Path, started: float,
           timeout: float | None = None) -> Run:
    """Wait for ``proc`` (killing its group after ``timeout``) and collect its output."""
    killed = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        killed = True
    seconds = time.perf_counter() - started
    out.close()
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return Run(proc.returncode, seconds, lines, killed)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group of ``proc`` and wait until none of it runs."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # orphaned workers: gone, or zombies of init
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)


def skipped_count(lines: list[str]) -> int:
    """How many bad records ``arsearch: skipped`` lines report: one per line, and N
    for a line counting N more bad lines of a file."""
    total = 0
    for line in lines:
        more = MORE_SKIPPED.search(line)
        total += int(more.group(1)) if more else 1
    return total


def run_problems(run: Run, corpus: Corpus) -> list[str]:
    """Whether a run to completion ended as it must: 0, or 2 for bad input only."""
    if run.killed:
        return [f"did not finish within the time limit ({run.seconds:.0f}s); killed"]
    problems = []
    skipped = [line for line in run.stderr if line.startswith(SKIPPED_PREFIX)]
    other = [line for line in run.stderr if not line.startswith(SKIPPED_PREFIX)]
    if any("Traceback" in line for line in run.stderr):
        problems.append("printed a traceback")
    if run.exit == 0 and not run.stderr:
        return problems
    if run.exit == 2 and not other and skipped_count(skipped) == corpus.bad:
        return problems  # genuinely bad records, reported and skipped
    first = other[-1] if other else (run.stderr[-1] if run.stderr else "")
    problems.append(f"exit {run.exit}" + (f": {first}" if first else ""))
    return problems


# --- kill-9 trials -------------------------------------------------------------------

@dataclass
class Trial:
    """One kill and what followed it."""

    n: int
    delay: float
    killed: bool = True  # False: the ingest ended before the kill
    first_seconds: float = 0.0
    first_exit: int | None = None  # exit status when it ended before the kill
    after_kill: State = field(default_factory=State)
    rerun: Run | None = None
    after_rerun: State | None = None
    problems: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the index directory after a failure

    @property
    def survived(self) -> bool:
        return not self.problems


def run_trial(n: int, args: argparse.Namespace, corpus: Corpus, index_dir: Path,
              workdir: Path, delay: float, complete: bool, limit: float) -> Trial:
    """Kill an ingest after ``delay`` s, check the index; with ``complete``, finish it."""
    trial = Trial(n, delay)
    command = index_command(args, corpus.path, index_dir)
    log = workdir / f"trial-{n}.log"
    started = time.perf_counter()
    proc, out = start(command, log)
    try:
        proc.wait(timeout=delay)
        trial.killed = False
    except subprocess.TimeoutExpired:
        kill_group(proc)
    first = finish(proc, out, log, started)
    trial.first_seconds = first.seconds
    if not trial.killed:  # it ran to its end: that must be a good completed run
        trial.first_exit = first.exit
        trial.problems += [f"ingest ended before the kill: {p}"
                           for p in run_problems(first, corpus)]
    trial.after_kill = inspect(index_dir, corpus)
    trial.problems += [f"after kill: {p}"
                       for p in state_problems(trial.after_kill, not trial.killed)]
    if trial.problems:
        trial.files = listing(index_dir)
    if complete:
        log = workdir / f"trial-{n}-rerun.log"
        started = time.perf_counter()
        proc, out = start(command, log)
        trial.rerun = finish(proc, out, log, started, timeout=limit)
        trial.problems += [f"re-run: {p}" for p in run_problems(trial.rerun, corpus)]
        trial.after_rerun = inspect(index_dir, corpus)
        problems = [f"after re-run: {p}" for p in state_problems(trial.after_rerun, True)]
        trial.problems += problems
        if problems:
            trial.files = listing(index_dir)
    elif not trial.killed:  # --cumulative: this ingest was the completing run
        trial.after_rerun = trial.after_kill
    return trial


def trial_line(trial: Trial, total: int, corpus: Corpus) -> str:
    """One line per trial."""
    state = trial.after_kill
    if trial.killed:
        what = f"killed at {trial.delay:5.1f}s"
    else:
        what = (f"ended at {trial.first_seconds:5.1f}s (exit {trial.first_exit}) "
                f"before the kill at {trial.delay:.1f}s")
    if not state.exists:
        seen = "no index yet"
    elif state.error:
        seen = "index broken"
    else:
        batches = f"{state.batches}/{corpus.batches} batches" if state.batches is not None \
            else "torn batch"
        seen = f"{state.documents} docs ({batches}), opens+searches ok"
    rerun = ""
    if trial.rerun is not None:
        rerun = f"; re-run exit {trial.rerun.exit} in {trial.rerun.seconds:.1f}s"
    if trial.after_rerun is not None:
        rerun += f" -> {trial.after_rerun.documents} docs"
    verdict = "ok" if trial.survived else "FAIL: " + "; ".join(trial.problems)
    return f"trial {trial.n:>3}/{total}: {what}; {seen}{rerun}; {verdict}"


def reference_run(args: argparse.Namespace, corpus: Corpus, workdir: Path
                  ) -> tuple[Run, State, list[str]]:
    """One clean ingest: its duration sets the kill window; it must hold the input."""
    index_dir = workdir / "reference"
    log = workdir / "reference.log"
    started = time.perf_counter()
    proc, out = start(index_command(args, corpus.path, index_dir), log)
    run = finish(proc, out, log, started)
    state = inspect(index_dir, corpus)
    problems = run_problems(run, corpus) + state_problems(state, True)
    shutil.rmtree(index_dir, ignore_errors=True)
    return run, state, problems


def kill_trials(args: argparse.Namespace, corpus: Corpus, workdir: Path, window: float,
                say: Any) -> dict[str, Any]:
    rng = random.Random(args.seed)
    index_dir = workdir / "index"
    limit = max(600.0, 10 * window)
    trials: list[Trial] = []
    for n in range(1, args.trials + 1):
        if not args.cumulative or n == 1 or trials[-1].after_rerun is not None:
            shutil.rmtree(index_dir, ignore_errors=True)
        complete = not args.cumulative or n == args.trials
        trial = run_trial(n, args, corpus, index_dir, workdir, rng.uniform(0, window),
                          complete, limit)
        trials.append(trial)
        say(trial_line(trial, args.trials, corpus))
        for name in trial.files:
            say(f"    {name}")
        if trial.problems and args.stop_on_failure:
            break
    completed = [t.after_rerun for t in trials if t.after_rerun is not None]
    return {
        "trials": len(trials),
        "survived": sum(t.survived for t in trials),
        "lost": sum(s.missing for s in completed),
        "duplicates": sum(t.after_kill.duplicates for t in trials)
        + sum(s.duplicates for s in completed),
        "failed_reruns": sum(1 for t in trials if any(
            p.startswith(("re-run", "ingest ended")) for p in t.problems)),
        "torn": sum(1 for t in trials if t.after_kill.exists and not t.after_kill.error
                    and t.after_kill.batches is None),
        "open_errors": sum(1 for t in trials if t.after_kill.error),
        "wrong_text": sum(t.after_kill.wrong_text for t in trials)
        + sum(s.wrong_text for s in completed),
        "completed_runs": len(completed),
        "per_trial": [_trial_json(t) for t in trials],
    }


def _trial_json(trial: Trial) -> dict[str, Any]:
    data = asdict(trial)
    data["survived"] = trial.survived
    return data


# --- concurrent searchers and writers ------------------------------------------------

def searcher_main(index_dir: str, whole: list[int], stop: Any, results: Any,
                  number: int) -> None:
    """A searching process: open + search in a loop until ``stop`` is set.

    ``whole``: the article counts of whole commits; any other count is a torn commit.
    """
    searches = errors = 0
    messages: Counter[str] = Counter()
    counts: set[int] = set()
    regressions = torn = 0
    last = 0
    latencies: list[float] = []
    whole_counts = set(whole)
    results.put(("ready", number, None))
    while not stop.is_set():
        try:
            ix = arsearch.Index.open(index_dir)
            count = len(ix)
            counts.add(count)
            regressions += count < last
            torn += count not in whole_counts
            last = count
            for query, kwargs in QUERIES:
                begun = time.perf_counter()
                res = ix.search(query, **kwargs)
                _ = [hit.id for hit in res]
                latencies.append(time.perf_counter() - begun)
                searches += 1
                if stop.is_set():
                    break
        except Exception as exc:
            errors += 1
            messages[_describe(exc)] += 1
    latencies.sort()
    results.put(("done", number, {
        "searches": searches, "errors": errors, "messages": dict(messages),
        "counts_seen": sorted(counts), "count_went_down": regressions,
        "torn_counts": torn,
        "median_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
        "max_ms": round(1000 * latencies[-1], 1) if latencies else None,
    }))


def concurrent_run(args: argparse.Namespace, corpus: Corpus, lines: list[str],
                   workdir: Path, window: float, say: Any) -> dict[str, Any]:
    index_dir = workdir / "concurrent"
    arsearch.Index.create(index_dir)  # the searchers open an existing (empty) index
    second_input = workdir / "second.jsonl"
    second_input.write_text("".join(line + "\n" for line in lines[-args.second_articles:]),
                            encoding="utf-8")
    # Counts a searcher may see: k whole batches of the writer, with or without
    # the second writer's articles.
    second_ids = set()
    for line in lines[-args.second_articles:]:
        with suppress(ValueError, ArsearchError):
            second_ids.add(Article.from_dict(json.loads(line)).id)
    whole = sorted({n for k, end in enumerate([0, *corpus.batch_ends])
                    for n in (end, end + sum(1 for i in second_ids
                                             if corpus.first_batch[i] >= k))})
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    results = context.Queue()
    procs = [context.Process(target=searcher_main, name=f"searcher-{i}",
                             args=(str(index_dir), whole, stop, results, i))
             for i in range(args.searchers)]
    for proc in procs:
        proc.start()
    for _ in procs:  # imports done, before the clock starts
        results.get(timeout=300)
    say(f"{args.searchers} searchers ready; starting the writer")
    log = workdir / "writer.log"
    started = time.perf_counter()
    writer, out = start(index_command(args, corpus.path, index_dir), log)
    second: dict[str, Any] = {"started": False}
    with suppress(subprocess.TimeoutExpired):
        writer.wait(timeout=window / 2)
    first_ended: float | None = None
    if writer.poll() is None:
        second_log = workdir / "second.log"
        command = index_command(args, second_input, index_dir)
        at = time.perf_counter() - started
        begun = time.perf_counter()
        proc, second_out = start(command, second_log)
        while proc.poll() is None and time.perf_counter() - begun < 600:
            if first_ended is None and writer.poll() is not None:
                first_ended = time.perf_counter()
            time.sleep(0.05)
        run = finish(proc, second_out, second_log, begun, timeout=0.1)
        second = {"started": True, "at": round(at, 1), "exit": run.exit,
                  "seconds": round(run.seconds, 1), "stderr": run.stderr,
                  "first_writer_running_at_end": first_ended is None}
        second["outcome"] = second_writer_outcome(run, second)
    else:
        second["outcome"] = "not started: the first writer finished before half-way"
    first = finish(writer, out, log, started, timeout=max(600.0, 10 * window))
    if first_ended is not None:
        first.seconds = first_ended - started
    stop.set()
    searched = time.perf_counter() - started
    reports = {}
    for _ in procs:
        try:
            _kind, number, report = results.get(timeout=120)
            reports[number] = report
        except queue.Empty:
            break
    for proc in procs:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    state = inspect(index_dir, corpus)
    problems = [f"writer: {p}" for p in run_problems(first, corpus)]
    problems += [f"index after the run: {p}" for p in state_problems(state, True)]
    if len(reports) < len(procs):
        problems.append(f"only {len(reports)} of {len(procs)} searchers reported")
    messages: Counter[str] = Counter()
    for report in reports.values():
        messages.update(report["messages"])
    searches = sum(r["searches"] for r in reports.values())
    return {
        "writer_exit": first.exit, "writer_seconds": round(first.seconds, 1),
        "searchers": len(procs), "searches": searches,
        "searches_per_second": round(searches / searched, 1),
        "searching_seconds": round(searched, 1),
        "errors": sum(r["errors"] for r in reports.values()),
        "error_messages": dict(messages),
        "count_went_down": sum(r["count_went_down"] for r in reports.values()),
        "torn_counts": sum(r["torn_counts"] for r in reports.values()),
        "second_writer": second, "documents": state.documents,
        "lost": state.missing, "duplicates": state.duplicates, "problems": problems,
        "per_searcher": reports,
    }


def second_writer_outcome(run: Run, info: dict[str, Any]) -> str:
    """What the second writer did, and whether that is one of the two clean outcomes."""
    traceback = any("Traceback" in line for line in run.stderr)
    if run.killed:
        return f"UNCLEAN: still running after {run.seconds:.0f}s; killed"
    skips = [line for line in run.stderr if line.startswith(SKIPPED_PREFIX)]
    if (run.exit == 0 and not run.stderr) or (run.exit == 2 and len(skips) == len(run.stderr)):
        info["clean"] = True
        note = f", {len(skips)} bad input records reported" if skips else ""
        return f"waited for the lock and wrote (exit {run.exit} after {run.seconds:.1f}s{note})"
    if run.exit == 2 and len(run.stderr) == 1 and LOCKED_WORDS in run.stderr[0] \
            and not traceback:
        info["clean"] = True
        return f"failed cleanly after {run.seconds:.1f}s: {run.stderr[0]}"
    info["clean"] = False
    last = run.stderr[-1] if run.stderr else ""
    return (f"UNCLEAN: exit {run.exit} after {run.seconds:.1f}s, {len(run.stderr)} stderr "
            f"lines{' with a traceback' if traceback else ''}: {last}")


# --- main ------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Kill-9 trials of `arsearch index` (open, search, complete re-run), "
                    "or a concurrent run of a writer and searchers (--concurrent).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="directory of news *.jsonl.gz files")
    parser.add_argument("--articles", type=int, default=5000, help="articles to ingest")
    parser.add_argument("--trials", type=int, default=50, help="kill-9 trials")
    parser.add_argument("--batch", type=int, default=500,
                        help="articles per commit (arsearch index --batch)")
    parser.add_argument("--jobs", type=int, default=2, help="arsearch index --jobs")
    parser.add_argument("--max-delay", type=float, default=None,
                        help="kill within this many seconds instead of within the measured "
                             "duration of a full ingest (skips the timed reference ingest)")
    parser.add_argument("--cumulative", action="store_true",
                        help="continue each trial from the previous killed index; only the "
                             "last trial (or an ingest that ends before its kill) completes")
    parser.add_argument("--concurrent", action="store_true",
                        help="one writer and --searchers searching processes instead of trials")
    parser.add_argument("--searchers", type=int, default=4,
                        help="searching processes of --concurrent")
    parser.add_argument("--second-articles", type=int, default=200,
                        help="the second writer of --concurrent indexes the last this many "
                             "articles of the same input (same --jobs and --batch); from 200 "
                             "on (MIN_PARALLEL) it writes through worker processes")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the kill times")
    parser.add_argument("--stop-on-failure", action="store_true",
                        help="stop at the first failed trial")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory (kept anyway when something failed)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="parent of the temporary work directory")
    parser.add_argument("--json", action="store_true",
                        help="print the results as one JSON object on stdout "
                             "(progress lines go to stderr)")
    docpage.add_option(parser, "faults.md", "kill, or concurrent with --concurrent")
    args = parser.parse_args(argv)
    for name in ("articles", "trials", "batch", "jobs", "searchers", "second_articles"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 30)
    return args


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the benchmark and, with ``--write-docs``, write its page."""
    args = parse_args(argv)
    block = "concurrent" if args.concurrent else "kill"
    command = None if argv is None else docpage.command_line([__file__, *argv])
    return docpage.record(args.write_docs, "faults.md", lambda: run(args, argv), block,
                          command=command)


def run(args: argparse.Namespace, argv: list[str] | None) -> int:
    """Run the kill trials or the concurrent run and print the outcome; 1 on a failure."""
    stream = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=stream, flush=True)

    command_line = shlex.join([Path(sys.executable).name, *sys.argv]) if argv is None \
        else shlex.join(["faults.py", *argv])
    if "--seed" not in command_line:
        command_line += f" --seed {args.seed}"
    workdir = Path(tempfile.mkdtemp(prefix="arsearch-faults-", dir=args.workdir))
    failed = True
    try:
        lines = read_lines(args.data, args.articles)
        corpus = build_corpus(lines, workdir / "articles.jsonl", args.batch)
        say(f"input: {corpus.lines} articles ({len(corpus.expected)} ids, {corpus.bad} bad), "
            f"{corpus.batches} batches of {args.batch}, --jobs {args.jobs}; workdir {workdir}")
        result: dict[str, Any] = {"command": command_line, "articles": corpus.lines,
                                  "ids": len(corpus.expected), "bad_records": corpus.bad,
                                  "batch": args.batch, "jobs": args.jobs,
                                  "batches": corpus.batches, "seed": args.seed}
        if args.max_delay is not None:
            window = args.max_delay
            say(f"kill window: {window:.1f}s (--max-delay)")
        else:
            run, state, problems = reference_run(args, corpus, workdir)
            window = run.seconds
            result["reference"] = {"exit": run.exit, "seconds": round(run.seconds, 1),
                                   "documents": state.documents, "problems": problems}
            rate = state.documents / run.seconds if run.seconds else 0
            say(f"reference ingest: exit {run.exit}, {state.documents} docs in "
                f"{run.seconds:.1f}s ({rate:.0f} docs/s)"
                + ("; FAIL: " + "; ".join(problems) if problems else "; exact"))
            if problems:
                result["failed"] = True
        if args.concurrent:
            result["concurrent"] = outcome = concurrent_run(args, corpus, lines, workdir,
                                                            window, say)
            failed = bool(outcome["errors"] or outcome["problems"]
                          or not outcome["second_writer"].get("clean", True)
                          or outcome["count_went_down"] or outcome["torn_counts"])
            report_concurrent(outcome, say)
        else:
            result["trials"] = outcome = kill_trials(args, corpus, workdir, window, say)
            failed = outcome["survived"] < outcome["trials"]
            per_trial = outcome.pop("per_trial")
            say(summary_line(outcome))
            outcome["per_trial"] = per_trial
        failed = failed or bool(result.get("failed"))
        result["failed"] = failed
        say(f"command: {command_line}")
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    finally:
        if args.keep or failed:
            say(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def summary_line(outcome: dict[str, Any]) -> str:
    return (f"trials {outcome['trials']}, survived {outcome['survived']}, "
            f"documents lost {outcome['lost']}, duplicates {outcome['duplicates']}, "
            f"failed re-runs {outcome['failed_reruns']}, torn commits {outcome['torn']}, "
            f"open/search errors {outcome['open_errors']}, wrong texts {outcome['wrong_text']}"
            f" ({outcome['completed_runs']} completed runs checked)")


def report_concurrent(outcome: dict[str, Any], say: Any) -> None:
    say(f"writer: exit {outcome['writer_exit']} in {outcome['writer_seconds']}s, "
        f"{outcome['documents']} docs, lost {outcome['lost']}, "
        f"duplicates {outcome['duplicates']}")
    say(f"searches {outcome['searches']} by {outcome['searchers']} processes "
        f"in {outcome['searching_seconds']}s ({outcome['searches_per_second']}/s), "
        f"errors {outcome['errors']}, "
        f"count went down {outcome['count_went_down']}, "
        f"torn counts seen {outcome['torn_counts']}")
    for message, count in outcome["error_messages"].items():
        say(f"    {count} x {message}")
    for number, report in sorted(outcome["per_searcher"].items()):
        say(f"    searcher {number}: {report['searches']} searches, {report['errors']} errors, "
            f"median {report['median_ms']} ms, max {report['max_ms']} ms, "
            f"counts seen {report['counts_seen']}")
    say(f"second writer: {outcome['second_writer']['outcome']}")
    for problem in outcome["problems"]:
        say(f"FAIL: {problem}")


if __name__ == "__main__":
    sys.exit(main())
