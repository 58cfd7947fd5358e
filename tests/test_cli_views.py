"""search formats, stats, export, timeline, zero-hit help and query prefixes through CliRunner."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from arsearch.cli.commands import main


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> str:
    index_dir = str(tmp_path_factory.mktemp("views") / "ix")
    result = CliRunner().invoke(main, ["index", str(seeds_dir), "--index", index_dir])
    assert result.exit_code == 0, result.output
    return index_dir


def run(*args: str, env: dict | None = None):
    return CliRunner(mix_stderr=False).invoke(main, list(args), env=env)


def test_format_ids_and_json_alias(ix: str) -> None:
    ids = run("search", "داعش", "--format", "ids", "-n", "0", "--index", ix)
    assert ids.exit_code == 0 and len(ids.stdout.split()) == 5
    as_json = run("search", "داعش", "--json", "-n", "0", "--index", ix).stdout
    assert as_json == run("search", "داعش", "--format", "json", "-n", "0", "--index", ix).stdout
    assert [json.loads(line)["id"] for line in as_json.splitlines()] == ids.stdout.split()


def test_format_csv(ix: str) -> None:
    result = run("search", "البوكمال", "--format", "csv", "--index", ix)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1 and rows[0]["id"] == "003_4d67c2310d9d160a" and rows[0]["rank"] == "1"
    assert "البوكمال" in rows[0]["places"].split(" | ")


def test_table_bidi_on_reorders_and_json_never_does(ix: str) -> None:
    plain = run("search", "البوكمال", "--index", ix).stdout
    shaped = run("search", "البوكمال", "--bidi", "on", "--index", ix).stdout
    assert "البوكمال" in plain and "البوكمال" not in shaped
    assert "\ufe8d" in shaped  # isolated alef: presentation forms
    env_on = run("search", "البوكمال", "--json", "--index", ix, env={"ARSEARCH_BIDI": "on"})
    assert "البوكمال" in env_on.stdout
    assert run("search", "x", "--bidi", "maybe", "--index", ix).exit_code == 2


def test_explain(ix: str) -> None:
    result = run("search", "الغارات مكان:الرقة", "--explain", "--index", ix)
    assert result.exit_code == 0
    assert "why: الغارات ← غارة (stem)" in result.stdout
    assert "why: place:الرقة ← " in result.stdout and "الرقة [sy-raqqa] «الرقة»" in result.stdout
    hit = json.loads(run("search", "البوكمال", "--json", "--explain", "--index", ix).stdout)
    assert hit["explain"]["words"]["البوكمال"][0]["form"] == "البوكمال"


def test_prefixes_behave_like_filters(ix: str) -> None:
    def ids(*args: str) -> list[str]:
        return run("search", *args, "--format", "ids", "-n", "0", "--index", ix).stdout.split()

    assert ids("داعش place:الرقة") == ids("داعش", "--place", "الرقة")
    assert ids("داعش مكان:الرقة") == ids("داعش", "--place", "الرقة")
    assert ids('فاعل:"قوات النظام" تاريخ:2019') == ids("--actor", "قوات النظام", "--date", "2019")
    # required also with --any
    assert ids("البوكمال غويران actor:روسيا", "--any") == ids(
        "البوكمال غويران", "--any", "--actor", "روسيا")


def test_zero_hits_say_what_was_searched_and_suggest(ix: str) -> None:
    result = run("search", "البوكمل", "--place", "الرقه", "--actor", "روسيه", "--index", ix)
    assert result.exit_code == 1 and result.stdout == ""
    assert "searched: بوكمل" in result.stderr
    assert "did you mean البوكمال" in result.stderr
    assert "place الرقه: الرقة (sy-raqqa)" in result.stderr
    unknown = run("search", "--place", "البوكمل", "--index", ix)
    assert unknown.exit_code == 1 and "did you mean البوكمال" in unknown.stderr


def test_stats_bars_and_json(ix: str) -> None:
    result = run("stats", "--actor", "داعش", "--index", ix)
    assert result.exit_code == 0
    assert "sources:" in result.stdout and "█" in result.stdout
    data = json.loads(run("stats", "--actor", "داعش", "--json", "--index", ix).stdout)
    assert data["total"] == 5 and data["sources"] == {"SY24": 2, "الحل نت": 2, "بلدي نيوز": 1}
    assert run("stats", "الصواريخ", "--index", ix).exit_code == 1


def test_export_csv_for_spreadsheets(ix: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run("export", "داعش", "-o", str(out), "--index", ix)
    assert result.exit_code == 0 and "5 articles" in result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 5 and rows[0].keys() >= {"id", "title", "text", "actors", "dates"}
    assert any("\n" in row["text"] for row in rows)  # multi-line text survives quoting


def test_export_jsonl_to_stdout_and_no_match(ix: str) -> None:
    result = run("export", "--actor", "داعش", "--format", "jsonl", "--index", ix)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and len(records) == 5 and records[0]["text"]
    assert run("export", "الصواريخ", "--index", ix).exit_code == 1


def test_timeline(ix: str) -> None:
    result = run("timeline", "داعش", "--mentioned", "--by", "year", "--json", "--index", ix)
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["total"] == 5 and data["by"] == "year"
    years = list(data["counts"])
    assert years == [str(y) for y in range(int(years[0]), int(years[-1]) + 1)]  # gaps filled
    text = run("timeline", "داعش", "--mentioned", "--index", ix)
    assert "matching articles by month (mentioned dates)" in text.stdout


def test_timeline_png(ix: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "t.png"
    result = run("timeline", "داعش", "--mentioned", "--png", str(out), "--index", ix)
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


def test_timeline_png_without_matplotlib(ix: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("timeline", "داعش", "--png", str(tmp_path / "t.png"), "--index", ix)
    assert result.exit_code == 2
    assert result.stderr.strip() == ("arsearch: error: PNG charts need matplotlib: "
                                     "pip install 'arsearch[plot]'")


def test_show_bidi(ix: str) -> None:
    plain = run("show", "003_4d67c2310d9d160a", "--index", ix)
    assert plain.exit_code == 0 and "البوكمال" in plain.stdout
    assert "البوكمال" not in run("show", "003_4d67c2310d9d160a", "--bidi", "on",
                                 "--index", ix).stdout


def test_completion_script() -> None:
    result = CliRunner().invoke(main, [], prog_name="arsearch",
                                env={"_ARSEARCH_COMPLETE": "bash_source"})
    assert "_arsearch_completion" in result.output


def test_stats_after_remove_ignores_deleted_articles(tmp_path: Path) -> None:
    # Issue 24: a removed article's publication date stayed in the stats until optimize.
    data = tmp_path / "dated.jsonl"
    rows = [{"id": "early", "text": "غارات على حلب", "published": "2019-03-01"},
            {"id": "late", "text": "قصف الرقة", "published": "2019-03-15"},
            {"id": "undated", "text": "اجتماع في دمشق"}]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    index_dir = str(tmp_path / "ix")
    assert run("index", str(data), "--index", index_dir).exit_code == 0

    def stats() -> tuple[dict, str]:
        as_json = run("stats", "--json", "--index", index_dir)
        text = run("stats", "--index", index_dir)
        assert as_json.exit_code == text.exit_code == 0, text.stderr
        return json.loads(as_json.stdout)["index"], text.stdout.splitlines()[0]

    info, line = stats()
    assert (info["first_published"], info["last_published"]) == ("2019-03-01", "2019-03-15")
    assert line.endswith("published 2019-03-01 .. 2019-03-15")
    assert run("remove", "late", "--index", index_dir).exit_code == 0
    info, line = stats()
    assert (info["documents"], info["first_published"], info["last_published"]) == (
        2, "2019-03-01", "2019-03-01")
    assert line.endswith("published 2019-03-01 .. 2019-03-01")
    assert run("remove", "early", "--index", index_dir).exit_code == 0
    info, line = stats()
    assert (info["documents"], info["first_published"], info["last_published"]) == (
        1, None, None)
    assert "published" not in line


def test_timeline_without_publication_dates_counts_mentioned_dates(ix: str,
                                                                    tmp_path: Path) -> None:
    # Issue 24: the seeds have no publication dates, so the first timeline was empty.
    note = ("arsearch: no article has a publication date; counting the dates they mention "
            "(--mentioned)")
    result = run("timeline", "--index", ix)
    assert result.exit_code == 0 and result.stderr.splitlines() == [note]
    assert result.stdout.startswith("5 matching articles by month (mentioned dates)")
    assert result.stdout == run("timeline", "--mentioned", "--index", ix).stdout
    assert not run("timeline", "--mentioned", "--index", ix).stderr
    data = json.loads(run("timeline", "--by", "year", "--json", "--index", ix).stdout)
    assert data["mentioned"] and sum(data["counts"].values()) > 0
    # Nothing to place by day: no chart, one line, exit 1.
    out = tmp_path / "day.png"
    result = run("timeline", "--by", "day", "--png", str(out), "--index", ix)
    assert result.exit_code == 1 and not out.exists()
    assert result.stderr.splitlines() == [
        "arsearch: no matching article has a publication date or mentions a date to place "
        f"by day; {out} not written"]
    result = run("timeline", "--by", "day", "--mentioned", "--png", str(out), "--index", ix)
    assert result.exit_code == 1 and not out.exists() and len(result.stderr.splitlines()) == 1


def test_timeline_png_of_undated_seeds_is_not_blank(ix: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "t.png"
    result = run("timeline", "--png", str(out), "--index", ix)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"{out}: chart written"
    assert out.read_bytes().startswith(b"\x89PNG")


def test_timeline_of_dated_articles_does_not_fall_back(tmp_path: Path) -> None:
    data = tmp_path / "dated.jsonl"
    data.write_text(json.dumps({"id": "d", "text": "غارات على حلب في 3 آذار 2017",
                                "published": "2019-03-01"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    index_dir = str(tmp_path / "ix")
    assert run("index", str(data), "--index", index_dir).exit_code == 0
    result = run("timeline", "--json", "--index", index_dir)
    assert result.exit_code == 0 and not result.stderr
    assert json.loads(result.stdout) == {"by": "month", "mentioned": False, "total": 1,
                                         "undated": 0, "counts": {"2019-03": 1}}


def test_arabic_article_count_agrees_with_the_number() -> None:
    from arsearch.results.timeline import articles_ar
    assert [articles_ar(n) for n in (1, 2, 3, 5, 10, 11, 99, 100, 103)] == [
        "1 مقالة", "2 مقالتان", "3 مقالات", "5 مقالات", "10 مقالات", "11 مقالة", "99 مقالة",
        "100 مقالة", "103 مقالات"]


def test_plot_png_refuses_an_empty_timeline(tmp_path: Path) -> None:
    from arsearch.results.timeline import Timeline, plot_png
    with pytest.raises(ValueError, match="nothing to draw"):
        plot_png(Timeline("month", False, {}, 5, 5), tmp_path / "t.png")
    assert not (tmp_path / "t.png").exists()


# --- issue 24: names that hold a filter's value, prefixes, refused operators ----------


def test_an_actor_that_finds_nothing_names_the_actors_that_hold_it(ix: str) -> None:
    result = run("search", "--actor", "حزب الله", "--index", ix)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "no matches (searched: filters only)",
        "  actor حزب الله: حزب الله (hezbollah) and everything under them; 0 articles alone; "
        "did you mean كتائب حزب الله (1)"]
    assert run("search", "--actor", "كتائب حزب الله", "--format", "ids",
               "--index", ix).stdout.split() == ["003_4d67c2310d9d160a"]


def test_a_place_that_finds_nothing_names_the_places_that_hold_it(ix: str, tmp_path: Path
                                                                  ) -> None:
    # A user gazetteer knows الصناعة, which no seed was tagged with; سجن الصناعة is in 001.
    gazetteer = tmp_path / "places.tsv"
    gazetteer.write_text("id\tkind\ttype\tname_ar\tname_en\tparent\tlat\tlon\taliases\t"
                         "adjectives\tcontext_aliases\nx-sinaa\tplace\tcity\tالصناعة\tSinaa"
                         "\t\t\t\t\t\t\n", encoding="utf-8")
    result = run("stats", "--place", "الصناعه", "--gazetteer", str(gazetteer), "--index", ix)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].endswith("did you mean سجن الصناعة (1)")


def test_a_prefix_searches_the_words_that_begin_with_it(ix: str) -> None:
    result = run("search", "البوكم*", "--format", "ids", "--index", ix)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.split() == ["003_4d67c2310d9d160a"]
    assert len(run("search", "دا*", "-n", "0", "--format", "ids",
                   "--index", ix).stdout.split()) == 5
    missed = run("search", "زز* داعش", "--index", ix)
    assert missed.exit_code == 1 and missed.stderr.splitlines() == [
        "no matches for 'زز* داعش' (searched: زز*, داعش)",
        "  word داعش: searched داعش; 5 articles alone",
        "  prefix زز*: no indexed word begins with زز; 0 articles alone"]


def test_a_capped_prefix_says_so_on_stderr(ix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsearch.query import parser

    monkeypatch.setattr(parser, "MAX_EXPANSIONS", 2)
    for command in (["search", "دا*"], ["stats", "دا*"], ["export", "دا*"],
                    ["timeline", "دا*"]):
        result = run(*command, "--index", ix)
        assert result.exit_code == 0, result.stderr
        assert result.stderr.splitlines()[0] == (
            "arsearch: note: دا* begins more than 2 indexed words; searched the first 2 in "
            "alphabetical order (a longer prefix narrows it)")


@pytest.mark.parametrize(("query", "position", "message"), [
    ("داعش~", 5, "fuzzy and proximity search (~) are not supported; remove the ~"),
    ("داعش^3", 5, "boosting (^) is not supported; remove the ^"),
    ("دا?ش", 3, "the wildcard ? is not supported; only a trailing * (دا*)"),
    ("*", 1, "a prefix needs at least 2 letters before its * ('*' would match too many words)"),
    ("د*", 1, "a prefix needs at least 2 letters before its * ('د*' would match too many "
              "words)"),
])
def test_an_unsupported_operator_is_one_line_and_exit_2(ix: str, query: str, position: int,
                                                         message: str) -> None:
    for command in ("search", "stats", "export", "timeline"):
        result = run(command, query, "--index", ix)
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [
            f"arsearch: error: query syntax error at character {position}: {message}"]
