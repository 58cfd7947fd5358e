"""Rewrite a benchmark's figures in its page under ``docs/`` (``--write-docs``).

A page marks each block of figures a benchmark may rewrite::

    <!-- figures:begin NAME -->
    ...
    <!-- figures:end NAME -->

(``<!-- figures:begin -->`` / ``<!-- figures:end -->`` for a page's only block).
``record`` runs a benchmark while copying what it prints to stdout; when the run
succeeds, it replaces the named block with that output as a fenced text block,
preceded by the date, the machine and the command line. Everything outside the
markers is left as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import platform
import shlex
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DOCS = PROJECT / "docs"


def add_option(parser: argparse.ArgumentParser, page: str, default_block: str) -> None:
    """Add ``--write-docs [BLOCK]`` to a benchmark's parser."""
    parser.add_argument(
        "--write-docs", nargs="?", const="", default=None, metavar="BLOCK",
        help=f"after printing the figures, write them into the figures block BLOCK of "
             f"docs/{page} [default block: {default_block}]")


def markers(block: str) -> tuple[str, str]:
    """The begin and end markers of a block ("" for a page's only, unnamed block)."""
    name = f" {block}" if block else ""
    return f"<!-- figures:begin{name} -->", f"<!-- figures:end{name} -->"


def replace_block(text: str, block: str, body: str) -> str:
    """``text`` with the lines between the markers of ``block`` replaced by ``body``.

    Raises:
        ValueError: the markers are missing, repeated or out of order.
    """
    begin, end = markers(block)
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    if len(starts) != 1 or len(ends) != 1 or starts[0] > ends[0]:
        raise ValueError(f"expected one {begin!r} line followed by one {end!r} line")
    inner = body.rstrip("\n") + "\n" if body.strip() else ""
    return "".join([*lines[: starts[0] + 1], inner, *lines[ends[0]:]])


def machine() -> str:
    """Platform, cores, memory and Python version of this machine, on one line."""
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            kib = int(meminfo.readline().split()[1])  # MemTotal: N kB
        memory = f", {kib / 1024**2:.0f} GB RAM"
    return (f"{platform.platform()}, {os.cpu_count()} cores{memory}, "
            f"Python {platform.python_version()}")


def portable(text: str) -> str:
    """``text`` with paths of this checkout made relative and temporary paths generic.

    The project's own absolute path becomes relative to it (``../shared/data/…``
    for the shared data sets), and the temporary directory becomes ``$TMPDIR``.
    """
    replacements = [(str(PROJECT) + os.sep, ""), (str(PROJECT.parent) + os.sep, ".." + os.sep),
                    (tempfile.gettempdir().rstrip(os.sep) + os.sep, "$TMPDIR" + os.sep)]
    for old, new in replacements:
        text = text.replace(old, new)
    return text


def render(figures: str, command: str, when: dt.date | None = None) -> str:
    """The Markdown of a block: date, machine, command, then the printed figures."""
    day = (when or dt.date.today()).isoformat()
    printed = "\n".join(line.rstrip() for line in portable(figures).strip("\n").splitlines())
    return (f"Measured on {day}, on {machine()}, with:\n\n"
            f"```sh\n{portable(command)}\n```\n\n"
            f"```text\n{printed}\n```\n")


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command that ran this benchmark, as ``python benchmarks/NAME.py ARGS``."""
    args = list(sys.argv if argv is None else argv)
    script = Path(args[0]).resolve() if args else PROJECT / "benchmarks"
    with contextlib.suppress(ValueError):
        script = script.relative_to(PROJECT)
    return shlex.join(["python", str(script), *args[1:]])


def write_figures(page: str, block: str, figures: str, command: str,
                  docs: Path = DOCS) -> Path:
    """Replace ``block`` of ``docs/page`` with ``figures`` (see ``render``); returns the page."""
    path = docs / page
    text = path.read_text(encoding="utf-8")
    # Written beside the page and renamed over it: an interrupted run leaves it whole.
    fresh = path.with_name(f".{path.name}.new")
    fresh.write_text(replace_block(text, block, render(figures, command)), encoding="utf-8")
    fresh.replace(path)
    return path


class _Tee(io.TextIOBase):
    """A text stream that writes through to another and keeps a copy."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self._stream = stream
        self._copy = io.StringIO()

    def write(self, text: str) -> int:
        self._copy.write(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def getvalue(self) -> str:
        """Everything written so far."""
        return self._copy.getvalue()


def record(block_arg: str | None, page: str, run: Callable[[], int], default_block: str,
           *, command: str | None = None, docs: Path = DOCS) -> int:
    """Run a benchmark; with ``--write-docs`` (``block_arg`` not None), write its page.

    ``run`` prints the figures to stdout and returns the exit status. Only a
    run that returns 0 is written; the block is ``block_arg`` or, when the
    flag was given without a name, ``default_block``.

    Raises:
        ValueError: the page lacks the block's markers (checked before the run).
    """
    if block_arg is None:
        return run()
    block = block_arg or default_block
    # Check the page before a run that may take hours, not after it.
    replace_block((docs / page).read_text(encoding="utf-8"), block, "")
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        status = run()
    if status != 0:
        print(f"docs/{page} not written: the benchmark exited with status {status}",
              file=sys.stderr)
        return status
    path = write_figures(page, block, tee.getvalue(), command or command_line(), docs)
    print(f"wrote the figures into {path.name}, block {block or '(unnamed)'}", file=sys.stderr)
    return status
