"""Display helpers: bidi decisions, shaping and reordering, widths, tables, bars."""

import io

import pytest

from arsearch.cli.display import (
    Display,
    bar_string,
    display_width,
    highlight_segments,
    reorder,
    resolve_bidi,
    terminal_does_bidi,
)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_bidi_only_on_a_terminal_that_does_not_do_it() -> None:
    assert resolve_bidi("auto", _Tty(), env={"TERM": "xterm-256color"})
    assert not resolve_bidi("auto", io.StringIO(), env={})  # a pipe
    assert not resolve_bidi("auto", _Tty(), env={"VTE_VERSION": "7200"})
    assert not resolve_bidi("auto", _Tty(), env={"KONSOLE_VERSION": "230805"})
    assert resolve_bidi("auto", _Tty(), env={"VTE_VERSION": "7200", "TMUX": "/run/tmux/0,1,0"})
    assert resolve_bidi(None, io.StringIO(), env={"ARSEARCH_BIDI": "on"})
    assert not resolve_bidi("off", _Tty(), env={})
    assert terminal_does_bidi({"TERM_PROGRAM": "Apple_Terminal"})
    with pytest.raises(ValueError):
        resolve_bidi("sometimes", None, env={})


def test_colour_respects_no_color() -> None:
    assert Display.for_stream(_Tty(), "off", env={}).color
    assert not Display.for_stream(_Tty(), "off", env={"NO_COLOR": "1"}).color
    assert not Display.for_stream(io.StringIO(), "off", env={}).color


def test_reorder_shapes_reverses_and_keeps_marks_after_their_letter() -> None:
    visual = "".join(t for t, _ in reorder([("دبّابة 2019", None)]))
    # Right to left: the number comes first (at the left), digits kept in order,
    # letters in presentation forms, the shadda right after its beh.
    assert visual.startswith("2019 ")
    assert "\u0651" in visual and all(not ("\u0621" <= c <= "\u064a") for c in visual)
    letters = visual[5:]
    assert letters.index("\u0651") == letters.rindex("\ufe91") + 1  # its beh, then shadda


def test_styles_follow_their_words_through_reordering() -> None:
    text = "قصفت الطائرات الرقة"
    segments = highlight_segments(text, [(5, 13)])
    visual = reorder(segments)
    styled = [t for t, style in visual if style == "match"]
    assert len(styled) == 1 and len(styled[0]) == len("الطائرات")
    assert visual[0][1] is None  # الرقة (unstyled) is leftmost


def test_off_leaves_text_alone() -> None:
    text = "يُصعّد «داعش» هجماته"
    assert Display(bidi=False).render(text) == text


def test_widths_ignore_combining_marks() -> None:
    assert display_width("يُصعّد") == 4
    assert display_width("日本") == 4


def test_table_aligns_by_visual_width_and_fits_the_terminal() -> None:
    display = Display(bidi=True, width=40)
    lines = display.table([["1", "يُصعّد النظام الغارات على دير الزور في البادية السورية"],
                           ["10", "short"]], headers=["#", "title"], align="r")
    assert all(display_width(line) <= 40 for line in lines)
    assert "…" in lines[1]
    # the second column starts at the same cell on every line
    assert lines[1].index("  ") == lines[2].index("  ")


def test_wrap_breaks_before_reordering() -> None:
    display = Display(bidi=True, width=20)
    lines = display.wrap("واحد اثنان ثلاثة أربعة خمسة ستة سبعة ثمانية")
    assert len(lines) > 1 and all(display_width(line) <= 20 for line in lines)
    assert not any(line.startswith(" ") or line.endswith(" ") for line in lines)


def test_bars() -> None:
    assert bar_string(10, 10, 5) == "█████"
    assert bar_string(1, 16, 4) == "▎"
    assert bar_string(0, 10, 5) == ""
    lines = Display(width=60).bars({"روسيا": 10, "دير الزور": 3})
    assert lines[0].index("10") == lines[1].index(" 3")
