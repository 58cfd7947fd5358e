"""The CLI through click's CliRunner: output formats and grep-like exit codes."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from arsearch.cli.commands import main


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> str:
    index_dir = str(tmp_path_factory.mktemp("cli") / "ix")
    result = CliRunner().invoke(main, ["index", str(seeds_dir), "--index", index_dir])
    assert result.exit_code == 0, result.output
    assert "added 5" in result.output
    return index_dir


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_search_human_output(cli_index: str) -> None:
    result = run("search", "البوكمال", "--index", cli_index)
    assert result.exit_code == 0
    assert "003_4d67c2310d9d160a" in result.output and "بلدي نيوز" in result.output
    assert "1 of 1 matches" in result.output
    assert "\x1b[" not in result.output  # no colour when not a terminal


def test_search_json_lines(cli_index: str) -> None:
    result = run("search", "داعش", "--json", "--limit", "0", "--index", cli_index)
    assert result.exit_code == 0
    hits = [json.loads(line) for line in result.output.splitlines()]
    assert len(hits) == 5
    for hit in hits:
        assert {"id", "title", "score", "published", "source", "snippet"} <= hit.keys()
    assert "\\u" not in result.output  # Arabic is written as is


def test_limit_and_any(cli_index: str) -> None:
    assert "2 of 5 matches" in run("search", "داعش", "-n", "2", "--index", cli_index).output
    assert run("search", "البوكمال غويران", "--index", cli_index).exit_code == 1
    assert run("search", "البوكمال غويران", "--any", "--index", cli_index).exit_code == 0


def test_no_match_exit_1_says_what_was_searched(cli_index: str) -> None:
    result = run("search", "الصواريخ", "--index", cli_index)
    assert result.exit_code == 1
    assert "searched: صواريخ" in result.output


def test_syntax_error_exit_2_one_line(cli_index: str) -> None:
    result = run("search", '"داعش', "--index", cli_index)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "unbalanced quote" in result.output and "Traceback" not in result.output


def test_missing_index_exit_2(tmp_path: Path) -> None:
    result = run("search", "داعش", "--index", str(tmp_path / "none"))
    assert result.exit_code == 2 and "no index at" in result.output


def test_index_from_environment(cli_index: str) -> None:
    assert run("search", "داعش", env={"ARSEARCH_INDEX": cli_index}).exit_code == 0
    assert run("--index", cli_index, "search", "داعش").exit_code == 0


def test_show(cli_index: str) -> None:
    result = run("show", "001_a566d57b54ab058a", "--index", cli_index)
    assert result.exit_code == 0 and "مالك الرفاعي" in result.output
    data = json.loads(run("show", "001_a566d57b54ab058a", "--json", "--index", cli_index).output)
    assert data["author"] == "مالك الرفاعي" and data["source"] == "الحل نت"
    assert run("show", "nope", "--index", cli_index).exit_code == 1


def test_index_reports_bad_files_and_keeps_the_rest(tmp_path: Path, seeds_dir: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00binary")
    index_dir = str(tmp_path / "ix")
    result = run("index", str(seeds_dir), str(bad), "--index", index_dir)
    assert result.exit_code == 2
    assert "skipped" in result.output and "bad.txt" in result.output
    assert "added 5" in result.output and "failed 1" in result.output


def test_reindex_is_unchanged(cli_index: str, seeds_dir: Path) -> None:
    result = run("index", str(seeds_dir), "--index", cli_index)
    assert result.exit_code == 0 and "unchanged 5" in result.output


def test_analyze_command() -> None:
    result = run("analyze", "وبالمستشفيات")
    assert "stem=مستشف" in result.output


def test_every_command_has_help() -> None:
    for command in main.commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and len(result.output) > 100


def test_search_by_actor_place_date(cli_index: str) -> None:
    result = run("search", "غارات", "--actor", "روسيا", "--place", "الرقة", "--index", cli_index)
    assert result.exit_code == 0 and "2 of 2 matches" in result.output
    result = run("search", "--actor", "قسد", "--date", "2019", "--json", "--index", cli_index)
    hits = [json.loads(line) for line in result.output.splitlines()]
    assert {h["id"][:3] for h in hits} == {"000", "001"}
    assert all("قسد" in h["actors"] and h["places"] and h["dates"] for h in hits)
    result = run("search", "هجوم", "--place", "دير الزور", "--date", "2017-01..2017-12",
                 "--json", "--index", cli_index)
    assert [json.loads(line)["id"][:3] for line in result.output.splitlines()] == ["003"]


def test_search_needs_a_query_or_a_filter(cli_index: str) -> None:
    assert run("search", "--index", cli_index).exit_code == 2


def test_invalid_date_range_is_one_line_exit_2(cli_index: str) -> None:
    result = run("search", "داعش", "--date", "2019-13", "--index", cli_index)
    assert result.exit_code == 2 and "invalid date range '2019-13'" in result.output
    assert "Traceback" not in result.output


def test_stats(cli_index: str) -> None:
    result = run("stats", "--actor", "داعش", "--json", "--index", cli_index)
    data = json.loads(result.output)
    assert data["total"] == 5 and data["actors"]["داعش"] == 5 and "2017-11" in data["months"]
    human = run("stats", "--actor", "داعش", "--index", cli_index).output
    assert "5 matching articles" in human and "places:" in human


def test_extract_command() -> None:
    result = CliRunner().invoke(main, ["extract", "-", "--published", "2019-03-02", "--json"],
                                input="قصفت الطائرات الروسية الرقة أمس")
    mentions = [json.loads(line) for line in result.output.splitlines()]
    assert [(m["kind"], m["name"]) for m in mentions] == [
        ("actor", "روسيا"), ("place", "الرقة"), ("date", "2019-03-01")]
    assert run("extract", "x", "--published", "soon").exit_code == 2


def test_help_explains_resolution() -> None:
    text = run("search", "--help").output
    assert "includes every place inside it" in text and "2019.." in text
