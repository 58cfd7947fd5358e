"""Terminal rendering: readable Arabic (shaping and bidi reordering), colour, tables, bars.

Many terminals (xterm, tmux, kitty, alacritty, Windows Terminal …) draw Arabic
letters left to right and unjoined. With bidi on, every line is shaped
(``arabic_reshaper``: contextual letter forms, lam-alef) and reordered into
visual order (the Unicode bidi algorithm from ``python-bidi``) before it is
printed, and column widths are measured on the result. Terminals that do
bidi themselves must get the logical text, or they would reverse it twice.

Only output meant for human eyes goes through here: JSON, CSV and ids are
never altered.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from arsearch.text.bidi import Segment, append_segment, reorder

BIDI_MODES = ("auto", "on", "off")
BIDI_ENV = "ARSEARCH_BIDI"
COLOR_MODES = ("auto", "always", "never")
COLOR_ENV = "ARSEARCH_COLOR"
ELLIPSIS = "…"
#: ANSI styles by name; ``match`` marks a matched word in a snippet.
STYLES: dict[str, str] = {
    "match": "\x1b[1;33m",
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "bar": "\x1b[36m",
}
_RESET = "\x1b[0m"
_EIGHTHS = " ▏▎▍▌▋▊▉█"
_SEPARATORS = re.compile(r"(\s*[←;,:\[\]«»()]\s*)")



def terminal_does_bidi(env: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal is known to shape and reorder Arabic itself.

    VTE terminals (GNOME Terminal, Tilix … ``VTE_VERSION`` 0.58 and later),
    Konsole, mlterm and macOS Terminal.app do; xterm, tmux, screen, kitty,
    alacritty, iTerm2 and Windows Terminal do not (by default).
    """
    env = os.environ if env is None else env
    if env.get("TMUX") or env.get("TERM", "").startswith(("screen", "tmux")):
        # A multiplexer lays out cells itself; the outer terminal's bidi cannot help.
        return False
    try:
        if int(env.get("VTE_VERSION", "0")) >= 5800:
            return True
    except ValueError:
        pass
    return bool(env.get("KONSOLE_VERSION") or env.get("MLTERM")
                or env.get("TERM", "").startswith("mlterm")
                or env.get("TERM_PROGRAM") == "Apple_Terminal")


def resolve_bidi(mode: str | None, stream: IO[Any] | None = None,
                 env: Mapping[str, str] | None = None) -> bool:
    """Whether to reorder for display: ``on``/``off`` as said; ``auto`` (the
    default, also from ``$ARSEARCH_BIDI``) only on a terminal that does not do
    bidi itself, never into a pipe or file."""
    env = os.environ if env is None else env
    mode = _mode("bidi", mode, env.get(BIDI_ENV), BIDI_MODES)
    if mode != "auto":
        return mode == "on"
    return _isatty(stream) and not terminal_does_bidi(env)


def color_enabled(stream: IO[Any] | None = None, env: Mapping[str, str] | None = None,
                  mode: str | None = None) -> bool:
    """Whether to colour, as ripgrep's ``--color``: ``always`` and ``never`` as said
    (``always`` keeps highlights through ``| less -R``); ``auto`` (the default, also
    from ``$ARSEARCH_COLOR``) only on a terminal, and never when ``NO_COLOR`` is set
    (no-color.org)."""
    env = os.environ if env is None else env
    mode = _mode("color", mode, env.get(COLOR_ENV), COLOR_MODES)
    if mode != "auto":
        return mode == "always"
    return _isatty(stream) and not env.get("NO_COLOR")


def _mode(what: str, given: str | None, from_env: str | None, modes: Sequence[str]) -> str:
    """The mode asked for (the option, else the environment, else ``auto``), checked."""
    mode = (given or from_env or "auto").lower()
    if mode not in modes:
        raise ValueError(f"{what} mode must be one of {', '.join(modes)}, got {mode!r}")
    return mode


def _isatty(stream: IO[Any] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def char_width(ch: str) -> int:
    """Terminal cells of one character: 0 for combining marks and format
    characters, 2 for wide East Asian characters, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Terminal cells a (visual, escape-free) string takes."""
    return sum(char_width(ch) for ch in text)


def highlight_segments(text: str, spans: Iterable[tuple[int, int]] | None,
                       style: str = "match") -> list[Segment]:
    """``text`` cut into plain pieces and ``style``d pieces at the (start, end) spans."""
    out: list[Segment] = []
    last = 0
    for start, end in sorted(spans or []):
        if start < last:
            continue
        if start > last:
            out.append((text[last:start], None))
        out.append((text[start:end], style))
        last = end
    if last < len(text):
        out.append((text[last:], None))
    return out


def _as_segments(value: str | Sequence[Segment]) -> list[Segment]:
    return [(value, None)] if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class Display:
    """How to render for one output stream.

    Attributes:
        bidi: shape and reorder Arabic into visual order.
        color: add ANSI styles.
        width: terminal columns to fit lines into; None (a pipe) never cuts.
    """

    bidi: bool = False
    color: bool = False
    width: int | None = None

    @classmethod
    def for_stream(cls, stream: IO[Any] | None, bidi: str | None = None,
                   env: Mapping[str, str] | None = None, color: str | None = None
                   ) -> Display:
        """The display for ``stream``: bidi per ``resolve_bidi``, colour per
        ``color_enabled`` (``color`` auto/always/never), width only on a terminal."""
        tty = _isatty(stream)
        width = shutil.get_terminal_size((100, 24)).columns if tty else None
        return cls(bidi=resolve_bidi(bidi, stream, env),
                   color=color_enabled(stream, env, color), width=width)

    def visual(self, value: str | Sequence[Segment], base: str | None = None) -> list[Segment]:
        """One logical line as pieces in display order (reordered only with bidi on)."""
        segments = _as_segments(value)
        return reorder(segments, base) if self.bidi else [s for s in segments if s[0]]

    def render(self, value: str | Sequence[Segment], base: str | None = None) -> str:
        """One logical line, ready to print."""
        return self.paint(self.visual(value, base))

    def render_ltr(self, value: str | Sequence[Segment]) -> str:
        """A left-to-right line listing Arabic items (``a ← b [id]; c``): with bidi
        on, a left-to-right mark around each separator keeps the items in order."""
        if not self.bidi:
            return self.render(value)
        marked = [(_SEPARATORS.sub("\u200e\\1\u200e", text), style)
                  for text, style in _as_segments(value)]
        return self.paint((text.replace("\u200e", ""), style)
                          for text, style in reorder(marked, base="L"))

    def paint(self, segments: Iterable[Segment]) -> str:
        """Join visual pieces, with ANSI styles when colour is on."""
        if not self.color:
            return "".join(text for text, _ in segments)
        return "".join(f"{STYLES[style]}{text}{_RESET}" if style in STYLES else text
                       for text, style in segments)

    def fit(self, value: str | Sequence[Segment], width: int) -> list[Segment]:
        """The visual pieces of a line cut (at its logical end) to ``width`` cells."""
        segments = _as_segments(value)
        visual = self.visual(segments)
        if _width(visual) <= width:
            return visual
        chars = [(ch, style) for text, style in segments for ch in text]
        low, high = 0, len(chars)
        while low < high:  # the longest logical prefix that fits with an ellipsis
            mid = (low + high + 1) // 2
            if _width(self.visual(_regroup(chars[:mid]) + [(ELLIPSIS, None)])) <= width:
                low = mid
            else:
                high = mid - 1
        return self.visual(_regroup(chars[:low]) + [(ELLIPSIS, None)])

    def wrap(self, value: str | Sequence[Segment], width: int | None = None,
             indent: str = "") -> list[str]:
        """A logical paragraph broken into lines of at most ``width`` cells
        (before reordering, so each line reads on its own), each rendered."""
        width = width if width is not None else self.width
        segments = _as_segments(value)
        if width is None:
            return [indent + self.render(segments)]
        room = max(10, width - display_width(indent))
        lines: list[list[Segment]] = [[]]
        used = 0
        for word in _words(segments):
            w = sum(display_width(t) for t, _ in word)
            if used and used + w > room and not word[0][0].isspace():
                lines.append([])
                used = 0
            if not used and word[0][0].isspace():
                continue  # no leading blank on a wrapped line
            lines[-1].extend(word)
            used += w
        for line in lines:  # trailing blanks would show at the start of an RTL line
            while line and line[-1][0].isspace():
                line.pop()
        return [indent + self.render(line) for line in lines if line]

    def table(self, rows: Sequence[Sequence[str | Sequence[Segment]]],
              headers: Sequence[str] | None = None, align: str = "",
              flex: int | None = None) -> list[str]:
        """Rows as aligned columns, widths measured after shaping and reordering.

        ``align`` has one letter per column (``l`` or ``r``, default ``l``);
        column ``flex`` (default: the last) is cut to fit the terminal width.
        """
        all_rows = ([[(h, "bold")] for h in headers], *rows) if headers else tuple(rows)
        cells = [[self.visual(cell) for cell in row] for row in all_rows]
        if not cells:
            return []
        ncols = max(len(row) for row in cells)
        widths = [max((_width(row[i]) for row in cells if i < len(row)), default=0)
                  for i in range(ncols)]
        flex = ncols - 1 if flex is None else flex
        if self.width is not None:
            room = self.width - sum(w for i, w in enumerate(widths) if i != flex) - 2 * (ncols - 1)
            if widths[flex] > room:
                widths[flex] = max(8, room)
                cells = [[self.fit(all_rows[r][i], widths[i]) if i == flex else cell
                          for i, cell in enumerate(row)] for r, row in enumerate(cells)]
        lines = []
        for row in cells:
            parts = []
            for i, cell in enumerate(row):
                pad = " " * (widths[i] - _width(cell))
                right = i < len(align) and align[i] == "r"
                last = i == len(row) - 1
                parts.append(pad + self.paint(cell) if right
                             else self.paint(cell) + ("" if last else pad))
            lines.append("  ".join(parts).rstrip())
        return lines

    def bars(self, counts: Mapping[str, int], width: int | None = None,
             max_bar: int = 50) -> list[str]:
        """A horizontal bar chart: label, count, bar; labels and counts aligned."""
        if not counts:
            return []
        labels = {label: self.visual(label) for label in counts}
        label_w = max(_width(v) for v in labels.values())
        count_w = max(len(str(n)) for n in counts.values())
        total = width if width is not None else self.width
        room = max_bar if total is None else min(max_bar, total - label_w - count_w - 6)
        room = max(10, room)
        top = max(counts.values()) or 1
        lines = []
        for label, n in counts.items():
            pad = " " * (label_w - _width(labels[label]))
            bar = [(bar_string(n, top, room), "bar")]
            lines.append(f"  {self.paint(labels[label])}{pad}  {n:>{count_w}}  "
                         f"{self.paint(bar)}".rstrip())
        return lines


def bar_string(value: float, top: float, width: int) -> str:
    """A bar of ``value/top`` of ``width`` cells, in eighths of a cell."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _width(segments: Iterable[Segment]) -> int:
    return sum(display_width(text) for text, _ in segments)


def _regroup(chars: Sequence[tuple[str, str | None]]) -> list[Segment]:
    out: list[Segment] = []
    for ch, style in chars:
        append_segment(out, ch, style)
    return out


def _words(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Split styled pieces into words and blanks, keeping styles."""
    words: list[list[Segment]] = []
    current: list[Segment] = []
    blank: bool | None = None
    for text, style in segments:
        start = 0
        for i, ch in enumerate(text):
            is_blank = ch.isspace()
            if blank is not None and is_blank != blank:
                if start < i:
                    current.append((text[start:i], style))
                words.append(current)
                current, start = [], i
            blank = is_blank
        if start < len(text):
            current.append((text[start:], style))
    if current:
        words.append(current)
    return words
