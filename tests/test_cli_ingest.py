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


def test_word_list_options_set_and_keep_an_index_s_analysis(tmp_path: Path,
                                                            seeds_dir: Path) -> None:
    ix = str(tmp_path / "ix")
    (tmp_path / "stop.txt").write_text("# extra stopwords\nالبادية\n", encoding="utf-8")
    (tmp_path / "few.txt").write_text("على\n", encoding="utf-8")
    result = run("index", str(seeds_dir), "--index", ix, "--add-stopwords",
                 str(tmp_path / "stop.txt"), "-q")
    assert result.exit_code == 0, result.stderr
    assert run("search", "البادية", "--index", ix).exit_code == 1
    assert "exact=الباديه" not in run("analyze", "البادية", "--index", ix).stdout
    assert "exact=الباديه" in run("analyze", "البادية").stdout  # no such index: bundled
    # The same lists again, or none, add to the index; other lists are refused.
    assert run("index", str(seeds_dir), "--index", ix, "-q").exit_code == 0
    result = run("index", str(seeds_dir), "--index", ix, "-q",
                 "--stopwords", str(tmp_path / "few.txt"))
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "other analysis settings" in result.stderr
    # reindex keeps the lists, or takes new ones.
    assert run("reindex", "--index", ix, "-q").exit_code == 0
    assert run("search", "البادية", "--index", ix).exit_code == 1
    result = run("reindex", "--index", ix, "-q", "--stopwords", str(tmp_path / "few.txt"))
    assert result.exit_code == 0, result.stderr
    result = run("search", "البادية", "--index", ix, "--format", "ids")
    assert result.exit_code == 0 and len(result.stdout.split()) == 5


@pytest.mark.parametrize(("content", "message"), [
    (None, "No such file"),
    (b"\x00\x01binary", "binary"),
    ("\ufeff# only a comment\n\n".encode(), "holds no word"),
    (b"\xff\xfe\xfa", "not UTF-8"),
])
def test_a_bad_word_list_gives_one_line_naming_it(tmp_path: Path, content: bytes | None,
                                                  message: str) -> None:
    words = tmp_path / "words.txt"
    if content is not None:
        words.write_bytes(content)
    result = run("index", "-", "--index", str(tmp_path / "ix"), "--protected", str(words),
                 input=jsonl(1))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "words.txt" in result.stderr
    assert message in result.stderr
    assert not (tmp_path / "ix").exists()


def binary_bytes(size: int = 60_000) -> bytes:
    """Seeded noise with NUL bytes and newlines, like an executable named .jsonl."""
    import random
    rng = random.Random(24)
    return bytes(rng.choice(b"\x00\x00\n" + bytes(range(256))) for _ in range(size))


@pytest.mark.parametrize("name", ["ls.jsonl", "ls.csv", "ls.jsonl.gz"])
def test_a_binary_file_is_one_line_not_one_per_line(tmp_path: Path, name: str) -> None:
    # Issue 24: /bin/ls named .jsonl printed about 500 lines and the summary scrolled away.
    import gzip
    path = tmp_path / name
    data = Path("/bin/ls").read_bytes() if Path("/bin/ls").is_file() else binary_bytes()
    assert data.count(b"\n") > 50 and b"\x00" in data
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    ix = str(tmp_path / "ix")
    result = run("index", str(path), str(path.with_name("noise.jsonl")), "--index", ix)
    assert result.exit_code == 2
    what = "CSV" if ".csv" in name else "JSON Lines"
    assert result.stderr.splitlines()[0] == (f"arsearch: skipped {path}: a binary file, "
                                             f"not {what}")
    assert len(result.stderr.splitlines()) <= 5
    assert "failed 2" in result.stdout  # and the missing noise.jsonl
    path.with_name("noise.jsonl").write_bytes(binary_bytes())
    result = run("index", str(path.with_name("noise.jsonl")), "--index", ix)
    assert result.exit_code == 2 and len(result.stderr.splitlines()) <= 5, result.stderr
    assert "a binary file, not JSON Lines" in result.stderr and "failed 1" in result.stdout


def test_many_bad_lines_of_a_file_are_capped_and_counted(tmp_path: Path) -> None:
    good = jsonl(2, "g").splitlines()
    lines = [good[0]] + [f"bad {i}" for i in range(40)] + [good[1]]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    few = tmp_path / "few.jsonl"
    few.write_text("oops\n[1]\n" + jsonl(1, "f") + "{\n", encoding="utf-8")
    ix = str(tmp_path / "ix")
    result = run("index", str(path), str(few), "--index", ix)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"arsearch: skipped {path}:2: invalid JSON (Expecting value at column 1)",
        f"arsearch: skipped {path}:3: invalid JSON (Expecting value at column 1)",
        f"arsearch: skipped {path}:4: invalid JSON (Expecting value at column 1)",
        f"arsearch: skipped … and 37 more bad lines in {path}",
        # three of one file are all shown
        f"arsearch: skipped {few}:1: invalid JSON (Expecting value at column 1)",
        f"arsearch: skipped {few}:2: an article must be a JSON object, got an array",
        f"arsearch: skipped {few}:4: invalid JSON (Expecting property name enclosed in "
        "double quotes at column 1)",
    ]
    assert "added 3, replaced 0, unchanged 0, failed 43" in result.stdout
    assert "3 articles in the index" in result.stdout


def test_ingest_report_keeps_every_error(tmp_path: Path) -> None:
    import arsearch
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(["x"] * 10 + jsonl(1).splitlines()) + "\n", encoding="utf-8")
    binary = tmp_path / "b.jsonl"
    binary.write_bytes(binary_bytes())
    report = arsearch.Index.create(tmp_path / "ix").add_paths([path, binary])
    assert (report.added, report.failed, len(report.errors)) == (1, 11, 11)
    assert report.errors[-1] == f"{binary}: a binary file, not JSON Lines"
    assert report.error_lines() == [*report.errors[:3],
                                    f"… and 7 more bad lines in {path}", report.errors[-1]]
    assert report.error_lines(per_file=20) == report.errors
