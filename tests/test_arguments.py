"""Bad arguments (issue 24): refused by name, the same in the library and the CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import arsearch
from arsearch.cli.commands import main


@pytest.fixture(scope="module")
def ix_dir(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> str:
    index_dir = str(tmp_path_factory.mktemp("args") / "ix")
    assert CliRunner().invoke(main, ["index", str(seeds_dir), "--index", index_dir,
                                     "-q"]).exit_code == 0
    return index_dir


def run(*args: str, env: dict | None = None):
    return CliRunner(mix_stderr=False).invoke(main, list(args), env=env)


EMPTY_FILTERS = [("actor", ""), ("place", " "), ("date", ""), ("published", " \t"),
                 ("actor", ["روسيا", ""]), ("place", ("الرقة", "  "))]


@pytest.mark.parametrize(("name", "value"), EMPTY_FILTERS)
def test_empty_filter_is_invalid_filter_in_the_library(
        seed_index: arsearch.Index, name: str, value: object) -> None:
    for call in (lambda: seed_index.search(None, **{name: value}),
                 lambda: seed_index.search("داعش", **{name: value}),
                 lambda: seed_index.count(**{name: value}),
                 lambda: seed_index.documents(**{name: value})):
        with pytest.raises(arsearch.InvalidFilter) as caught:
            call()
        assert isinstance(caught.value, ValueError) and caught.value.name == name
        assert "\n" not in str(caught.value) and name in str(caught.value)


def test_empty_filter_in_export_writes_nothing(seed_index: arsearch.Index) -> None:
    out = io.StringIO()
    with pytest.raises(arsearch.InvalidFilter):
        arsearch.export(seed_index, out, "csv", actor="")
    assert out.getvalue() == ""


@pytest.mark.parametrize("args", [
    ["search", "--actor", ""], ["search", "--place", " "], ["search", "--date", ""],
    ["search", "--published", " "], ["search", "داعش", "--actor", "روسيا", "--actor", ""],
    ["stats", "--actor", ""], ["timeline", "--place", ""], ["export", "--date", " "]])
def test_empty_filter_exits_2_with_one_line(ix_dir: str, args: list[str]) -> None:
    result = run(*args, "--index", ix_dir)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "filter" in result.stderr


def test_negative_limit_is_refused(seed_index: arsearch.Index) -> None:
    with pytest.raises(arsearch.InvalidArgument) as caught:
        seed_index.search("داعش", limit=-1)
    assert caught.value.name == "limit" and caught.value.value == -1
    assert isinstance(caught.value, ValueError)
    assert len(seed_index.search("داعش", limit=0)) == 5
    assert len(seed_index.search("داعش", limit=None)) == 5


def test_no_match_help_of_a_long_query_is_short(ix_dir: str, seed_index: arsearch.Index
                                                ) -> None:
    query = " ".join(f"كلمةغريبة{i}" for i in range(5000))
    result = run("search", query, "--index", ix_dir)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(result.stderr.encode()) < 4000 and len(lines) < 30
    echoed = lines[0].split("'")[1]
    assert len(echoed) == 80 and echoed.endswith("…") and query.startswith(echoed[:-1])
    assert lines[-1].startswith("  … and ") and lines[-1].endswith(" more words")
    help_ = arsearch.no_match_help(seed_index, seed_index.search(query))
    assert len(help_.words) == 20 and help_.more_words > 4000
    short = run("search", "الصواريخ", "--index", ix_dir).stderr.splitlines()
    assert short[0] == "no matches for 'الصواريخ' (searched: صواريخ)"  # unchanged


def test_a_query_starting_with_a_dash_gets_a_hint(ix_dir: str) -> None:
    result = run("search", "-روسيا", "--index", ix_dir)
    assert result.exit_code == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error == ["Error: No such option: -ر; a query that begins with - goes after --: "
                     "arsearch search -- '-روسيا'"]
    assert run("search", "--index", ix_dir, "--", "-روسيا").exit_code in (0, 1)
    other = run("search", "-x", "--index", ix_dir)
    assert other.exit_code == 2 and "goes after --" not in other.stderr


def test_export_bom_only_in_a_file_unless_asked(ix_dir: str, tmp_path: Path) -> None:
    def raw(*args: str) -> bytes:
        result = CliRunner(mix_stderr=False).invoke(main, ["export", "داعش", "--index", ix_dir,
                                                           *args])
        assert result.exit_code == 0, result.stderr
        return result.stdout_bytes

    assert raw().startswith(b"id,title,")  # a pipe: cut and awk see the header
    assert raw("--bom").startswith(b"\xef\xbb\xbfid,title,")
    path = tmp_path / "hits.csv"
    raw("-o", str(path))
    assert path.read_bytes().startswith(b"\xef\xbb\xbfid,title,")  # for Excel
    raw("-o", str(path), "--no-bom")
    assert path.read_bytes().startswith(b"id,title,")
    assert not raw("--format", "jsonl", "--bom").startswith(b"\xef")


def test_jsonl_is_the_name_of_json_lines_and_json_stays(ix_dir: str) -> None:
    jsonl = run("search", "داعش", "--format", "jsonl", "-n", "0", "--index", ix_dir)
    assert jsonl.exit_code == 0 and len(jsonl.stdout.splitlines()) == 5
    for other in (["--format", "json"], ["--json"]):
        assert run("search", "داعش", *other, "-n", "0", "--index", ix_dir).stdout == jsonl.stdout
    assert "jsonl" in run("search", "-h").stdout and "--bom" in run("export", "-h").stdout


def test_the_package_says_it_is_typed() -> None:
    import configparser
    from importlib import resources
    assert resources.files("arsearch").joinpath("py.typed").is_file()
    setup = configparser.ConfigParser()
    setup.read(Path(__file__).resolve().parents[1] / "setup.cfg", encoding="utf-8")
    assert "py.typed" in setup["options.package_data"]["arsearch"]


@pytest.mark.parametrize("args", [
    ["search", "البوكمال"], ["show", "003_4d67c2310d9d160a"], ["stats", "--actor", "داعش"],
    ["timeline", "--actor", "داعش"]])
def test_color_always_keeps_styles_through_a_pipe(ix_dir: str, args: list[str]) -> None:
    plain = run(*args, "--index", ix_dir)
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout  # auto: not a terminal
    assert run(*args, "--color", "never", "--index", ix_dir).stdout == plain.stdout
    for colored in (run(*args, "--color", "always", "--index", ix_dir),
                    run(*args, "--index", ix_dir, env={"ARSEARCH_COLOR": "always"})):
        assert colored.exit_code == 0 and "\x1b[" in colored.stdout


def test_color_modes_of_the_display() -> None:
    from arsearch.cli.display import Display, color_enabled

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert color_enabled(io.StringIO(), {}, "always")
    assert color_enabled(io.StringIO(), {"NO_COLOR": "1"}, "always")
    assert not color_enabled(Tty(), {}, "never")
    assert color_enabled(Tty(), {}) and not color_enabled(Tty(), {"NO_COLOR": "1"}, "auto")
    assert color_enabled(io.StringIO(), {"ARSEARCH_COLOR": "always"})
    assert Display.for_stream(io.StringIO(), "off", env={}, color="always").color
    with pytest.raises(ValueError):
        color_enabled(Tty(), {}, "sometimes")


def test_plural() -> None:
    from arsearch.models import plural
    assert plural(1, "article") == "1 article" and plural(0, "article") == "0 articles"
    assert plural(2, "entity", "entities") == "2 entities"
    assert plural(1234, "article", spec=",") == "1,234 articles"


def test_one_is_singular_in_messages(tmp_path: Path, seeds_dir: Path) -> None:
    ix = str(tmp_path / "ix")
    one = next(iter(sorted(seeds_dir.iterdir())))
    result = run("index", str(one), "--index", ix)
    assert result.exit_code == 0 and "; 1 article in the index" in result.stdout
    stats = run("stats", "--index", ix).stdout.splitlines()
    assert stats[0].startswith(f"{ix}: 1 article, ") and ", 1 segment" in stats[0]
    assert stats[1] == "1 matching article"
    assert run("timeline", "--index", ix, "--mentioned").stdout.startswith("1 matching article by")
    assert run("check", "--index", ix).stdout.splitlines()[-1] == "intact: 1 article"
    assert "1 segment -> 1" in run("optimize", "--index", ix).stdout
    assert run("export", "-o", str(tmp_path / "a.csv"), "--index", ix).stderr == \
        f"{tmp_path / 'a.csv'}: 1 article\n"
    assert run("repair", "--index", ix).stdout.startswith(f"{ix}: 1 article, ")


def test_remove_names_the_missing_ids(tmp_path: Path, seeds_dir: Path) -> None:
    ix = str(tmp_path / "ix")
    assert run("index", str(seeds_dir), "--index", ix, "-q").exit_code == 0
    result = run("remove", "nope", "--index", ix)
    assert result.exit_code == 1 and result.stdout == f"{ix}: removed 0 of 1 ids\n"
    assert result.stderr == f"arsearch: no article with id 'nope' in {ix}\n"
    result = run("remove", "003_4d67c2310d9d160a", "a", "b", "--index", ix)
    assert result.exit_code == 0 and result.stdout == f"{ix}: removed 1 of 3 ids\n"
    assert result.stderr == f"arsearch: no articles with ids 'a', 'b' in {ix}\n"


@pytest.mark.parametrize("text", ["", "  \n"])
def test_extract_of_an_empty_text_says_nothing_to_tag(text: str) -> None:
    for args, stdin in ((["extract", text], None), (["extract"], text)):
        result = CliRunner(mix_stderr=False).invoke(main, args, input=stdin)
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == "arsearch: nothing to tag: the text is empty\n"


@pytest.mark.parametrize("args", [
    ["--actor", ""], ["--place", " "], ["--date", "2019-13"], ["--published", "March"],
    ["داعش~"], ["*"], ["--format", "xml"], ["--any", "--actor", "\t"]])
def test_export_with_a_bad_argument_leaves_the_output_as_it_was(
        ix_dir: str, tmp_path: Path, args: list[str]) -> None:
    # Issue 24: every argument is checked before -o FILE is opened.
    kept = tmp_path / "kept.csv"
    kept.write_text("yesterday's export\n", encoding="utf-8")
    result = run("export", *args, "-o", str(kept), "--index", ix_dir)
    assert result.exit_code == 2 and result.stdout == ""
    assert kept.read_text(encoding="utf-8") == "yesterday's export\n"
    if args[0] != "--format":  # click's usage error names the option over three lines
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("arsearch: error: ")
    fresh = tmp_path / "fresh.csv"
    assert run("export", *args, "-o", str(fresh), "--index", ix_dir).exit_code == 2
    assert not fresh.exists()


def test_export_takes_json_as_another_name_of_jsonl(ix_dir: str) -> None:
    jsonl = run("export", "داعش", "--format", "jsonl", "--index", ix_dir)
    assert jsonl.exit_code == 0 and len(jsonl.stdout.splitlines()) == 5
    assert run("export", "داعش", "--format", "json", "--index", ix_dir).stdout == jsonl.stdout
