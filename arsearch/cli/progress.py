"""A one-line progress display for long ingests: count, percent, rate and ETA.

Drawn on a terminal only (the CLI passes ``enabled=False`` when stderr is
piped or ``--quiet`` is given), redrawn at most a few times a second.
"""

from __future__ import annotations

import time
from typing import TextIO

_REDRAW = 0.2  # seconds between redraws
_BAR = 24


def format_seconds(seconds: float) -> str:
    """``75`` -> ``1m15s``; ``4000`` -> ``1h06m``."""
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class ProgressLine:
    """Call with the number of items done; ``close()`` clears the line.

    ``total`` may be None (input from a pipe): then count and rate only.
    """

    def __init__(self, stream: TextIO, total: int | None, *, enabled: bool = True,
                 label: str = "indexing") -> None:
        self.stream = stream
        self.total = total or None
        self.enabled = enabled
        self.label = label
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0
        self._counting = True

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or not self._counting or now - self._drawn < _REDRAW:
            return
        self._drawn = now
        line = self.render(done, now - self.started)
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def render(self, done: int, elapsed: float) -> str:
        """The text of the line after ``elapsed`` seconds."""
        rate = done / elapsed if elapsed > 0 else 0.0
        if self.total is None:
            return f"{self.label} {done:,} articles  {rate:,.0f}/s  {format_seconds(elapsed)}"
        # The total is an estimate (lines of the input): never show more than 100%.
        share = min(done / self.total, 1.0)
        filled = int(share * _BAR)
        eta = (self.total - done) / rate if rate > 0 and done < self.total else 0.0
        return (f"{self.label} [{'#' * filled}{'.' * (_BAR - filled)}] {share:4.0%} "
                f"{done:,}/{self.total:,}  {rate:,.0f}/s  ETA {format_seconds(eta)}")

    def phase(self, label: str) -> None:
        """Show ``label`` alone from now on (a step with no count, such as a merge)."""
        if self.enabled:
            line = f"{label}…"
            self.stream.write("\r" + line.ljust(self._width))
            self.stream.flush()
            self._width = max(self._width, len(line))
        self._counting = False

    def close(self) -> None:
        """Erase the line so the summary starts on a clean line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
