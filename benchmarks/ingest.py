"""Ingest throughput, peak memory and index size, side by side with plain Whoosh.

For each corpus size this writes the first N news articles to a JSON Lines
file (not timed), then times, each as its own process:

* ``arsearch index FILE --jobs J --quiet --index DIR``: the whole pipeline
  (reading, validation, analysis, extraction, indexing, commits);
* the do-nothing baseline: a plain Whoosh index of the same articles (``id``
  ID, ``title``/``text`` TEXT with ``StandardAnalyzer``, ``published`` ID, all
  stored), one writer, ``add_document`` per article, one commit at the end.

Both run in the same invocation, one after the other, so their ratio holds on
a noisy machine even when the absolute figures do not. Per run it reports
wall seconds, docs/s, CPU seconds of the process tree, peak memory of the
process tree (``VmRSS`` of the process and all its descendants polled every
``--poll`` seconds: the largest sum, the largest single process, and the
largest sum of ``Pss``, which counts pages that forked workers share with
their parent once) and the index size on disk.

Sizes above the corpus (72,716 articles) re-use articles with new ids
(``ID#2``, ``ID#3`` …), as a second ingest of the same archive would.
Articles are taken round-robin from the corpus files (``--order mixed``) so
that every size has the same mix of sources; ``--order files`` takes them
file after file.

    python benchmarks/ingest.py [--sizes 10000,36000,72716,145432] [--jobs 2]
                                [--without-extraction]

``--without-extraction`` adds a third run: the same ``arsearch index`` with
extraction (actors, places, dates) switched off, to show what it costs.

``--write-docs`` then writes the printed table into docs/ingest.md: the block
``sizes`` when ``--sizes`` lists several sizes, else ``corpus`` (or the block named).

Targets (issue 4): arsearch docs/s >= 1.0x the baseline with --jobs 2, peak
memory <= 1.5 GB, index <= 1.5x the baseline's. Reference figures on 2 cores:
plain Whoosh ingests the 72,716 articles at 358 docs/s (203 s, 308 MB index);
Lucene (Java) at about 7,800 docs/s.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import docpage
from whoosh import fields
from whoosh import index as windex
from whoosh.analysis import StandardAnalyzer

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = PROJECT.parent / "shared" / "data" / "news"
DEFAULT_SIZES = "10000,36000,72716,145432"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# --- the baseline (run as its own process: benchmarks/ingest.py --_baseline FILE DIR) ---

def baseline_schema() -> fields.Schema:
    analyzer = StandardAnalyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=analyzer),
        text=fields.TEXT(stored=True, analyzer=analyzer),
        published=fields.ID(stored=True),
    )


def build_baseline(jsonl: str, directory: str) -> int:
    """Plain Whoosh: one writer, ``add_document`` per article, one commit."""
    os.makedirs(directory, exist_ok=True)
    ix = windex.create_in(directory, baseline_schema())
    writer = ix.writer()
    count = 0
    with open(jsonl, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if not (record.get("text") or "").strip():
                continue  # arsearch rejects these too (missing required field 'text')
            writer.add_document(id=record["id"], title=record.get("title") or "",
                                text=record.get("text") or "",
                                published=record.get("published") or record.get("date") or "")
            count += 1
    writer.commit()
    return count


# --- arsearch without extraction (benchmarks/ingest.py --_no_extraction ARGS...) --------

def index_without_extraction(cli_args: list[str]) -> int:
    """``arsearch CLI_ARGS`` with extraction switched off, in this process and its workers.

    What ingest costs without tagging actors, places and dates: the patches are
    inherited by forked workers only, so this refuses to run where ingest would
    spawn them.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from contextlib import ExitStack

    from extraction import switched_off

    from arsearch.cli import commands as cli

    # Ingest forks its workers where it can (one thread, fork available): here.
    if "fork" not in multiprocessing.get_all_start_methods():
        print("--without-extraction needs forked workers (Linux)", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        for patch in switched_off("none"):
            stack.enter_context(patch)
        status = cli.main(cli_args, standalone_mode=False)
    return status if isinstance(status, int) else 0


# --- corpus ----------------------------------------------------------------------

def read_corpus(data: Path, order: str) -> Iterator[dict[str, Any]]:
    """The corpus's records once, round-robin over its files or file after file
    (``data``: a directory of ``*.jsonl.gz`` files, or one such file)."""
    files = [data] if data.is_file() else sorted(data.glob("*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no *.jsonl.gz files in {data}; pass --data")
    with ExitStack() as stack:
        streams = [stack.enter_context(gzip.open(f, "rt", encoding="utf-8")) for f in files]
        if order == "files":
            for stream in streams:
                for line in stream:
                    if line.strip():
                        yield json.loads(line)
            return
        live = list(streams)
        while live:
            for stream in list(live):
                line = stream.readline()
                while line and not line.strip():
                    line = stream.readline()
                if not line:
                    live.remove(stream)
                    continue
                yield json.loads(line)


def articles(data: Path, order: str) -> Iterator[dict[str, Any]]:
    """The corpus, then again with new ids (``#2``, ``#3`` …), for ever."""
    rounds = 1
    while True:
        seen = 0
        for record in read_corpus(data, order):
            seen += 1
            if rounds > 1:
                record["id"] = f"{record['id']}#{rounds}"
            yield record
        if not seen:
            return
        rounds += 1


def write_sample(data: Path, order: str, size: int, path: Path) -> tuple[int, int, int]:
    """The first ``size`` articles as JSON Lines; returns (records, with text, words)."""
    count = valid = words = 0
    with path.open("w", encoding="utf-8") as out:
        for record in islice(articles(data, order), size):
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
            count += 1
            text = record.get("text") or ""
            valid += bool(text.strip())
            words += len(text.split())
    return count, valid, words


# --- measuring a process tree ----------------------------------------------------

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(name))
    return children


def _tree(root: int) -> list[int]:
    children = _children_map()
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, ()))
    return pids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeMemory(threading.Thread):
    """Polls the memory of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.done = threading.Event()
        self.peak_sum_kb = self.peak_single_kb = self.peak_pss_kb = 0
        self.peak_root_kb = self.peak_child_kb = 0
        self.max_processes = 0
        self.samples = 0

    def run(self) -> None:
        while not self.done.is_set():
            pids = _tree(self.pid)
            rss = [_rss_kb(pid) for pid in pids]
            pss = sum(_pss_kb(pid) for pid in pids)
            self.peak_sum_kb = max(self.peak_sum_kb, sum(rss))
            self.peak_single_kb = max(self.peak_single_kb, max(rss, default=0))
            self.peak_root_kb = max(self.peak_root_kb, rss[0])
            self.peak_child_kb = max(self.peak_child_kb, max(rss[1:], default=0))
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.max_processes = max(self.max_processes, sum(1 for r in rss if r))
            self.samples += 1
            self.done.wait(self.interval)


@dataclass
class Run:
    """One timed ingest."""

    system: str
    docs: int
    indexed: int
    seconds: float
    docs_per_s: float
    cpu_seconds: float
    peak_rss_tree_mb: float
    peak_rss_process_mb: float
    peak_pss_tree_mb: float
    peak_main_process_mb: float
    peak_child_process_mb: float
    kernel_maxrss_mb: float
    processes: int
    index_mb: float
    exit_status: int
    ok: bool = True


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def timed_run(system: str, command: list[str], docs: int, index_dir: Path,
              interval: float) -> tuple[Run, str]:
    """Run ``command`` to completion, measuring wall time, CPU and tree memory."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    monitor = TreeMemory(proc.pid, interval)
    monitor.start()
    output: list[bytes] = []
    # Drain both pipes in threads so a chatty process never blocks on a full pipe.
    readers = [threading.Thread(target=lambda s=s: output.append(s.read()), daemon=True)
               for s in (proc.stdout, proc.stderr)]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    monitor.done.set()
    monitor.join()
    for reader in readers:
        reader.join()
    try:
        indexed = count_documents(system, index_dir)
    except Exception:  # noqa: BLE001 - a failed run is reported, not fatal
        indexed = 0
    run = Run(
        system=system, docs=docs, indexed=indexed, seconds=round(seconds, 2),
        docs_per_s=round(indexed / seconds, 1),
        # rusage of the child includes its waited-for children (the workers).
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 1),
        peak_rss_tree_mb=round(monitor.peak_sum_kb / 1024, 1),
        peak_rss_process_mb=round(monitor.peak_single_kb / 1024, 1),
        peak_pss_tree_mb=round(monitor.peak_pss_kb / 1024, 1),
        peak_main_process_mb=round(monitor.peak_root_kb / 1024, 1),
        peak_child_process_mb=round(monitor.peak_child_kb / 1024, 1),
        kernel_maxrss_mb=round(usage.ru_maxrss / 1024, 1),
        processes=monitor.max_processes,
        index_mb=round(dir_bytes(index_dir) / 1e6, 1) if index_dir.exists() else 0.0,
        exit_status=proc.returncode,
    )
    return run, b"".join(output).decode("utf-8", "replace")


def count_documents(system: str, index_dir: Path) -> int:
    """The documents in an index, counted in a new process: importing arsearch
    makes Whoosh's reads safe for the whole process (``arsearch.engine.safeload``),
    and then plain Whoosh refuses the baseline's StandardAnalyzer schema."""
    out = subprocess.run([sys.executable, __file__, "--_count", system, str(index_dir)],
                         check=True, capture_output=True, text=True)
    return int(out.stdout)


def _count_here(system: str, index_dir: Path) -> int:
    if system == "whoosh":
        return windex.open_dir(str(index_dir)).doc_count()
    import arsearch  # only here: the baseline process must not pay for the import

    return len(arsearch.Index.open(index_dir))


def arsearch_command() -> list[str]:
    """The ``arsearch`` console script of this interpreter, else ``python -m arsearch``."""
    script = Path(sys.executable).with_name("arsearch")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "arsearch"]


# --- report ---------------------------------------------------------------------

def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info["memory_gb"] = round(int(f.readline().split()[1]) / 1024 ** 2, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        from importlib.metadata import version

        info["arsearch"] = version("arsearch")
        info["whoosh"] = version("whoosh-reloaded")
    except Exception:  # noqa: BLE001 - versions are nice to have
        pass
    try:
        head = subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(PROJECT), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        info["commit"] = head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


def print_table(results: list[dict[str, Any]], info: dict[str, Any], command: str,
                jobs: int) -> None:
    print(f"$ {command}")
    print(f"machine: {info['cores']} cores, {info.get('memory_gb', '?')} GB, Python "
          f"{info['python']}, {info['platform']}; arsearch {info.get('arsearch', '?')} "
          f"({info.get('commit', '?')}), whoosh {info.get('whoosh', '?')}; load average "
          f"before {' '.join(map(str, info['load_average']))}, after "
          f"{' '.join(map(str, info.get('load_average_after', [])))}")
    if any(row["with_text"] < row["docs"] for row in results):
        print("records without text are skipped by both (docs/s counts indexed articles): "
              + ", ".join(f"{row['docs'] - row['with_text']} of {row['docs']}"
                          for row in results))
    header = (f"{'docs':>8} {'words/doc':>9}  {'system':<18}{'wall s':>8}{'docs/s':>8}"
              f"{'CPU s':>8}{'RSS tree MB':>12}{'max proc MB':>12}{'PSS tree MB':>12}"
              f"{'procs':>6}{'index MB':>10}")
    print(header)
    print("-" * len(header))
    for row in results:
        words = f"{row['words'] / max(row['with_text'], 1):.0f}"
        for key, label in (("arsearch", f"arsearch -j{jobs}"),
                           ("arsearch_no_extraction", "  no extraction"),
                           ("whoosh", "whoosh std")):
            run = row.get(key)
            if run is None:
                continue
            flag = "" if run["ok"] else (
                f"  !! exit {run['exit_status']}, {run['indexed']} of {row['with_text']} "
                "indexed")
            print(f"{row['docs']:>8} {words:>9}  {label:<18}{run['seconds']:>8.1f}"
                  f"{run['docs_per_s']:>8.0f}{run['cpu_seconds']:>8.1f}"
                  f"{run['peak_rss_tree_mb']:>12.0f}{run['peak_rss_process_mb']:>12.0f}"
                  f"{run['peak_pss_tree_mb']:>12.0f}{run['processes']:>6}"
                  f"{run['index_mb']:>10.1f}{flag}")
        if "speed_ratio" in row:
            print(f"{'':>8} {'':>9}  {'ratio ars/whoosh':<18}{'':>8}"
                  f"{row['speed_ratio']:>7.2f}x{row['cpu_ratio']:>7.2f}x"
                  f"{row['memory_ratio']:>11.2f}x{'':>12}{'':>12}{'':>6}"
                  f"{row['size_ratio']:>9.2f}x")
        if "round_ratios" in row:
            print(f"{'':>8} {'':>9}  ratio in each round (arsearch ÷ the Whoosh run after it): "
                  + ", ".join(f"{r:.2f}x" for r in row["round_ratios"]))
        if "no_extraction_speed_ratio" in row:
            print(f"{'':>8} {'':>9}  {'  no extr./whoosh':<18}{'':>8}"
                  f"{row['no_extraction_speed_ratio']:>7.2f}x")
    print("how to read this: docs/s ratio is arsearch ÷ whoosh (target >= 1.0x with "
          "--jobs 2); RSS tree is the peak sum over the process and its workers (target "
          "<= 1.5 GB; PSS counts shared pages once); index ratio target <= 1.5x. Wall "
          "time includes interpreter start-up and imports for both.")


def main() -> int:
    """Parse the options, run the benchmark and, with ``--write-docs``, write its page."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example (small, for a quick check): python benchmarks/ingest.py "
               "--sizes 500,1500",
    )
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="a directory of news *.jsonl.gz, or one such file "
                             "[default: %(default)s]")
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="comma-separated corpus sizes; above the corpus, articles are "
                             "re-used with new ids [default: %(default)s]")
    parser.add_argument("--jobs", type=int, default=2,
                        help="arsearch index --jobs [default: %(default)s]")
    parser.add_argument("--batch", type=int, default=None,
                        help="arsearch index --batch (articles per commit) [default: its own]")
    parser.add_argument("--no-merge", action="store_true",
                        help="arsearch index --no-merge: leave the segments as committed")
    parser.add_argument("--order", choices=("mixed", "files"), default="mixed",
                        help="mixed: round-robin over the corpus files (same mix of sources "
                             "at every size); files: file after file [default: %(default)s]")
    parser.add_argument("--workdir", help="where to write samples and indexes "
                        "[default: a temporary directory, removed afterwards]")
    parser.add_argument("--keep", action="store_true",
                        help="keep the samples and indexes (e.g. for benchmarks/query.py "
                             "--baseline-index WORKDIR/whoosh-N)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time each system this many times, alternated; the table "
                             "shows each one's fastest round [default: %(default)s]")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="time arsearch only (no ratios)")
    parser.add_argument("--poll", type=float, default=0.1,
                        help="seconds between memory samples [default: %(default)s]")
    parser.add_argument("--json", action="store_true",
                        help="print the results as one JSON object instead of the table")
    parser.add_argument("--without-extraction", action="store_true",
                        help="also time arsearch index with extraction switched off, to "
                             "show what tagging actors, places and dates costs")
    docpage.add_option(parser, "ingest.md", "sizes or corpus")
    parser.add_argument("--_baseline", nargs=2, metavar=("FILE", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--_no_extraction", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.add_argument("--_count", nargs=2, metavar=("SYSTEM", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._count:
        print(_count_here(args._count[0], Path(args._count[1])))
        return 0
    if args._baseline:
        build_baseline(*args._baseline)
        return 0
    if args._no_extraction is not None:
        return index_without_extraction(args._no_extraction)

    data = Path(args.data)
    if not data.exists():
        print(f"news data not found at {data}; pass --data", file=sys.stderr)
        return 2
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.jobs < 1 or args.rounds < 1:
        parser.error("sizes, --jobs and --rounds must be positive")
    block = "sizes" if len(sizes) > 1 else "corpus"
    return docpage.record(args.write_docs, "ingest.md", lambda: run(args, data, sizes), block)


def _skip_line(line: str) -> bool:
    """Whether arsearch's stderr ``line`` only reports records without text: one
    record, or the "… and N more bad lines" that ends a capped list of them."""
    return "missing required field 'text'" in line or bool(_MORE_BAD.search(line))


_MORE_BAD = re.compile(r"… and \d+ more bad lines? in ")


def time_system(system: str, cmd: list[str], docs: int, valid: int, index_dir: Path,
                args: argparse.Namespace, last: bool) -> Run:
    """One timed ingest of ``system`` into a fresh ``index_dir``, kept after the last
    round with ``--keep``."""
    if index_dir.exists():
        shutil.rmtree(index_dir)
    print(f"  {system}: {shlex.join([*cmd, str(index_dir)])}", file=sys.stderr)
    run, output = timed_run(system, [*cmd, str(index_dir)], docs, index_dir, args.poll)
    lines = output.strip().splitlines()
    skipped = sum(map(_skip_line, lines))
    run.ok = run.indexed == valid and (
        run.exit_status == 0 or (run.exit_status == 2 and skipped == len(lines)))
    if not run.ok or len(lines) > skipped:
        print(f"  {system} exit status {run.exit_status}; output:\n"
              + "\n".join(lines[-20:]), file=sys.stderr)
    print(f"  {system}: {run.seconds:.1f} s, {run.docs_per_s:.0f} docs/s, "
          f"peak RSS tree {run.peak_rss_tree_mb:.0f} MB (main process "
          f"{run.peak_main_process_mb:.0f}, largest child "
          f"{run.peak_child_process_mb:.0f}), index "
          f"{run.index_mb:.1f} MB", file=sys.stderr)
    if not (args.keep and last):
        shutil.rmtree(index_dir, ignore_errors=True)
    return run


def run(args: argparse.Namespace, data: Path, sizes: list[int]) -> int:
    """Time every system at every size and print the table; 1 if a run failed."""
    command = shlex.join(["python", *sys.argv])
    this_script = [sys.executable, str(Path(__file__).resolve())]  # its hidden modes
    info = machine()
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ingest-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        for size in sizes:
            sample = workdir / f"news-{size}.jsonl"
            print(f"writing {size:,} articles to {sample} …", file=sys.stderr)
            docs, valid, words = write_sample(data, args.order, size, sample)
            row: dict[str, Any] = {"docs": docs, "with_text": valid, "words": words}
            if valid < docs:
                print(f"  {docs - valid} records have no text: both systems skip them "
                      f"(arsearch reports them and exits with status 2)", file=sys.stderr)
            batch = ["--batch", str(args.batch)] if args.batch else []
            if args.no_merge:
                batch.append("--no-merge")
            index_args = ["index", str(sample), "--jobs", str(args.jobs), *batch, "--quiet",
                          "--index"]
            runs = [("arsearch", [*arsearch_command(), *index_args])]
            if args.without_extraction:
                runs.append(("arsearch_no_extraction",
                             [*this_script, "--_no_extraction", *index_args]))
            if not args.skip_baseline:
                runs.append(("whoosh", [*this_script, "--_baseline", str(sample)]))
            # Rounds alternate the systems (arsearch, Whoosh, arsearch, …), so a
            # drift of the machine's speed during the run touches both; the
            # table keeps each system's fastest round, or a failed one, which
            # is then reported.
            per_round: dict[str, list[float]] = {system: [] for system, _ in runs}
            for round_number in range(args.rounds):
                for system, cmd in runs:
                    run = time_system(system, cmd, docs, valid, workdir / f"{system}-{size}",
                                      args, last=round_number == args.rounds - 1)
                    per_round[system].append(run.docs_per_s)
                    best = row.get(system)
                    if best is None or not run.ok or (best["ok"]
                                                       and run.seconds < best["seconds"]):
                        row[system] = asdict(run)
            if args.rounds > 1 and "whoosh" in per_round:
                row["round_ratios"] = [round(ours / base, 3) for ours, base in zip(
                    per_round["arsearch"], per_round["whoosh"], strict=True)]
            if "whoosh" in row:
                ours, base = row["arsearch"], row["whoosh"]
                row["speed_ratio"] = round(ours["docs_per_s"] / base["docs_per_s"], 3)
                row["cpu_ratio"] = round(ours["cpu_seconds"] / max(base["cpu_seconds"], 0.01), 3)
                row["memory_ratio"] = round(
                    ours["peak_rss_tree_mb"] / max(base["peak_rss_tree_mb"], 0.1), 3)
                row["size_ratio"] = round(ours["index_mb"] / max(base["index_mb"], 0.01), 3)
                if "arsearch_no_extraction" in row:
                    row["no_extraction_speed_ratio"] = round(
                        row["arsearch_no_extraction"]["docs_per_s"] / base["docs_per_s"], 3)
            results.append(row)
            if not args.keep:
                sample.unlink(missing_ok=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept samples and indexes in {workdir}", file=sys.stderr)
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps({"command": command, "machine": info, "jobs": args.jobs,
                          "order": args.order, "results": results},
                         ensure_ascii=False, indent=1))
    else:
        print_table(results, info, command, args.jobs)
    failed = any(not row.get(s, {}).get("ok", True) for row in results
                 for s in ("arsearch", "arsearch_no_extraction", "whoosh"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
