"""The writing commands through CliRunner: index (files, stdin, --jobs), remove, optimize,
repair, reindex, stats."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from arsearch.cli.commands import main


def run(*args: str, input: str | None = None):
    return CliRunner(mix_stderr=False).invoke(main, list(args), input=input)


def jsonl(n: int, prefix: str = "s") -> str:
    return "".join(json.dumps({"id": f"{prefix}{i}", "text": f"غارات على حلب رقم {i}",
                               "published": f"2019-0{i % 9 + 1}-01"}, ensure_ascii=False) + "\n"
                   for i in range(n))


def test_index_from_stdin_then_remove_optimize_stats(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    result = run("index", "-", "--index", ix, input=jsonl(12))
    assert result.exit_code == 0, result.stderr
    assert "added 12, replaced 0, unchanged 0, failed 0" in result.stdout
    assert "12 articles in the index" in result.stdout

    result = run("remove", "s1", "s2", "nope", "--index", ix)
    assert result.exit_code == 0 and "removed 2 of 3 ids" in result.stdout
    assert run("remove", "nope", "--index", ix).exit_code == 1
    result = run("remove", "-", "--index", ix, input="s3\ns4\n")
    assert "removed 2 of 2" in result.stdout

    assert run("optimize", "--jobs", "2", "--index", ix).exit_code == 0
    result = run("stats", "--json", "--index", ix)
    info = json.loads(result.stdout)["index"]
    assert info["documents"] == 8 and info["segments"] == 1
    assert (info["first_published"], info["last_published"]) == ("2019-01-01", "2019-09-01")
    assert "8 articles" in run("stats", "--index", ix).stdout


def test_index_with_jobs_reports_bad_lines_and_keeps_the_rest(tmp_path: Path) -> None:
    data = tmp_path / "news.jsonl"
    data.write_text(jsonl(250) + "{broken\n", encoding="utf-8")
    ix = str(tmp_path / "ix")
    result = run("index", str(data), "--jobs", "2", "--index", ix)
    assert result.exit_code == 2
    assert "added 250" in result.stdout and "failed 1" in result.stdout
    assert f"{data}:251" in result.stderr and "Traceback" not in result.stderr
    result = run("index", str(data), "--jobs", "2", "--index", ix, "--quiet")
    assert result.stdout == "" and result.exit_code == 2


def test_repair_and_reindex(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    run("index", "-", "--index", ix, input=jsonl(5))
    (tmp_path / "ix" / "arsearch.json").write_text('{"schema_version": 0}\n')
    result = run("search", "غارات", "--index", ix)
    assert result.exit_code == 2 and "arsearch reindex" in result.stderr
    assert "Traceback" not in result.stderr
    result = run("reindex", "--index", ix)
    assert result.exit_code == 0 and "added 5" in result.stdout
    assert run("search", "غارات", "--index", ix).exit_code == 0
    result = run("repair", "--index", ix)
    assert result.exit_code == 0 and "5 articles, index opens and answers" in result.stdout
    assert run("repair", "--index", str(tmp_path / "none")).exit_code == 2


@pytest.mark.parametrize(("flag", "segments"), [("--merge", 1), ("--no-merge", 3)])
def test_index_merges_the_segments_it_wrote_unless_told_not_to(tmp_path: Path, flag: str,
                                                               segments: int) -> None:
    ix = str(tmp_path / "ix")
    result = run("index", "-", "--batch", "5", flag, "--index", ix, input=jsonl(12))
    assert result.exit_code == 0, result.stderr
    assert ("merged 3 segments" in result.stdout) == (segments == 1)
    info = json.loads(run("stats", "--json", "--index", ix).stdout)["index"]
    assert (info["documents"], info["segments"]) == (12, segments)
