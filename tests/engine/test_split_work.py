"""split_work: balanced groups, and work run in forked processes with failures passed back."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from arsearch.engine.split_work import balanced_groups, can_fork, run_apart

needs_fork = pytest.mark.skipif(not can_fork(), reason="the platform does not fork by default")


def test_groups_hold_every_key_once_and_balance_the_heaviest_apart() -> None:
    weights = {"exact": 32, "stem": 17, "actor_ids": 5, "broad": 4, "title_terms": 3, "id": 1}
    groups = balanced_groups(weights, 2)
    assert sorted(k for g in groups for k in g) == sorted(weights)
    assert not {"exact", "stem"} <= set(groups[0]) and not {"exact", "stem"} <= set(groups[1])
    totals = sorted(sum(weights[k] for k in g) for g in groups)
    assert totals[1] - totals[0] <= max(weights.values()) - min(weights.values())


def test_fewer_keys_than_groups_leaves_no_empty_group() -> None:
    assert balanced_groups({"a": 1}, 4) == [["a"]]
    assert balanced_groups({}, 2) == []


@needs_fork
def test_every_group_is_worked_on_once(tmp_path: Path) -> None:
    def work(group: Sequence[str]) -> None:
        for key in group:
            (tmp_path / key).write_text(str(os.getpid()))

    run_apart([["a", "b"], ["c"], ["d"]], work, tmp_path)
    pids = {key: (tmp_path / key).read_text() for key in "abcd"}
    assert pids["a"] == pids["b"] == str(os.getpid())
    assert len({pids["a"], pids["c"], pids["d"]}) == 3


@needs_fork
def test_a_childs_exception_is_raised_here_with_its_type(tmp_path: Path) -> None:
    parent = os.getpid()

    def work(group: Sequence[str]) -> None:
        if os.getpid() != parent:
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as caught:
        run_apart([["a"], ["b"]], work, tmp_path)
    assert caught.value.errno == errno.ENOSPC


@needs_fork
def test_a_child_that_dies_is_reported(tmp_path: Path) -> None:
    parent = os.getpid()

    def work(group: Sequence[str]) -> None:
        if os.getpid() != parent:
            os._exit(3)

    with pytest.raises(RuntimeError, match="exit status 3"):
        run_apart([["a"], ["b"]], work, tmp_path)


@needs_fork
def test_children_are_stopped_when_this_part_fails(tmp_path: Path) -> None:
    parent = os.getpid()
    started = tmp_path / "child.pid"

    def work(group: Sequence[str]) -> None:
        if os.getpid() != parent:
            started.write_text(str(os.getpid()))
            os.pause()  # until killed
        while not started.exists() or not started.read_text():
            time.sleep(0.01)
        raise ValueError("here")

    with pytest.raises(ValueError, match="here"):
        run_apart([["a"], ["b"]], work, tmp_path)
    with pytest.raises(ChildProcessError):  # killed and reaped, not left running
        os.waitpid(int(started.read_text()), os.WNOHANG)
