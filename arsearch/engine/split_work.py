"""Work split over forked processes: balanced groups, run at once, failures passed back.

Merging segments (``arsearch.engine.writer``) is one process's work unless split:
each field's terms can be encoded on their own, so the fields are shared out
among processes and their outputs put together in order afterwards.
"""

from __future__ import annotations

import contextlib
import heapq
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Sequence
from pathlib import Path


def can_fork() -> bool:
    """True where forking is the platform's default and safe (no other threads).

    macOS and Windows start processes afresh instead; forking a process with
    threads can deadlock in the child.
    """
    default = multiprocessing.get_start_method(allow_none=True) or \
        multiprocessing.get_all_start_methods()[0]
    return hasattr(os, "fork") and default == "fork" and threading.active_count() == 1


def balanced_groups(weights: dict[str, float], count: int) -> list[list[str]]:
    """``weights``' keys in at most ``count`` groups of about equal total weight.

    Heaviest first, each to the lightest group so far (longest processing
    time first); keys within a group keep their sorted order. Empty groups
    are left out.

    >>> balanced_groups({"a": 5, "b": 4, "c": 3, "d": 2}, 2)
    [['a', 'd'], ['b', 'c']]
    """
    groups: list[tuple[float, int, list[str]]] = [(0.0, i, []) for i in range(max(count, 1))]
    for key in sorted(weights, key=lambda k: (-weights[k], k)):
        total, i, keys = heapq.heappop(groups)
        keys.append(key)
        heapq.heappush(groups, (total + weights[key], i, keys))
    return [sorted(keys) for _, _, keys in sorted(groups, key=lambda g: g[1]) if keys]


def run_apart(groups: Sequence[Sequence[str]], work: Callable[[Sequence[str]], None],
              scratch: Path, here: Callable[[], None] | None = None) -> None:
    """``work(group)`` for every group at once: the first here, the others in forked children.

    With ``here``, every group goes to a child and this process runs ``here()``
    meanwhile.

    Call only where ``can_fork()``. A child ignores Ctrl-C (this process
    decides) and leaves by ``os._exit``, so it never flushes this process's
    open files. If a part fails, the children are stopped and the first
    child's exception is raised here (an ``OSError`` stays one, so a full
    disk reads the same wherever it happened).

    Raises:
        Exception: what a child raised (``RuntimeError`` if it cannot be
            passed on, or the child died).
    """
    children: dict[int, Path] = {}
    try:
        forked = groups if here is not None else groups[1:]
        for n, group in enumerate(forked, start=1):
            report = scratch / f"part-{n}.error"
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, reported by its status
                _child(work, group, report)
            children[pid] = report
        if here is not None:
            here()
        elif groups:
            work(groups[0])
        failure: BaseException | None = None
        for pid, report in list(children.items()):
            _, status = os.waitpid(pid, 0)
            del children[pid]
            if status and failure is None:
                failure = _failure(report, status)
        if failure is not None:
            raise failure
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        for pid in list(children):
            os.waitpid(pid, 0)


def _failure(report: Path, status: int) -> BaseException:
    """The exception a child left in ``report``, or one saying how it ended."""
    try:
        failure = pickle.loads(report.read_bytes())
    except Exception:
        how = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit status {os.WEXITSTATUS(status)}")
        return RuntimeError(f"a merge process failed ({how})")
    return failure if isinstance(failure, BaseException) else RuntimeError(str(failure))


def _child(work: Callable[[Sequence[str]], None], group: Sequence[str],
           report: Path) -> None:  # pragma: no cover - runs in the child
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        work(group)
        status = 0
    except BaseException as exc:
        try:
            report.write_bytes(pickle.dumps(exc))
        except Exception:
            with contextlib.suppress(Exception):
                report.write_bytes(pickle.dumps(RuntimeError(f"a merge process failed: {exc!r}")))
    finally:
        os._exit(status)
