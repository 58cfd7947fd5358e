"""``--shards``, ``--cluster`` and ``--trust-cluster`` through click's CliRunner: a sharded
index of the seeds answers as an unsharded one; a bad cluster is one line, exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from arsearch.cli.commands import main
from arsearch.cluster import is_private


def run(*args: str, env: dict | None = None) -> Result:
    return CliRunner(mix_stderr=False).invoke(main, list(args), env=env)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> tuple[str, str]:
    """(an index of the seeds, a 3-shard index of them), built through the CLI."""
    root = tmp_path_factory.mktemp("cli-shards")
    one, sharded = str(root / "one"), str(root / "sharded")
    assert run("index", str(seeds_dir), "--index", one).exit_code == 0
    result = run("index", str(seeds_dir), "--shards", "3", "--index", sharded)
    assert result.exit_code == 0, result.output + result.stderr
    assert "added 5" in result.output and "5 articles in the index" in result.output
    assert (root / "sharded" / "arsearch-shards.json").is_file()
    return one, sharded


@pytest.mark.parametrize("args", [
    ["search", "داعش", "--json", "--limit", "0"],
    ["search", "غارات", "--any", "--format", "csv"],
    ["search", "--actor", "روسيا", "--format", "ids"],
    ["search", '"قوات النظام"', "--place", "البادية السورية", "--json"],
    ["stats", "--actor", "داعش", "--json"],
    ["timeline", "داعش", "--by", "year", "--mentioned", "--json"],
    ["export", "هجوم", "--format", "jsonl"],
    ["show", "003_4d67c2310d9d160a", "--json"],
    ["search", "كلمةغيرموجودة"],
])
def test_a_sharded_index_answers_as_an_unsharded_one(both: tuple[str, str],
                                                     args: list[str]) -> None:
    one, sharded = both
    expected, got = run(*args, "--index", one), run(*args, "--index", sharded)
    assert got.exit_code == expected.exit_code
    if args[0] == "stats":  # the index's own path and size differ, nothing else
        a, b = json.loads(expected.output), json.loads(got.output)
        assert a.pop("index")["documents"] == b.pop("index")["documents"] == 5
        assert a == b
    else:
        assert got.output == expected.output
    assert got.stderr == expected.stderr


def test_remove_optimize_repair_and_a_reshard(tmp_path: Path, seeds_dir: Path) -> None:
    index = str(tmp_path / "ix")
    assert run("index", str(seeds_dir), "--shards", "2", "--index", index).exit_code == 0
    before = run("search", "داعش", "--format", "ids", "--index", index).output
    assert run("optimize", "--index", index).exit_code == 0
    assert "5 articles, index opens and answers" in run("repair", "--index", index).output
    result = run("reindex", "--shards", "4", "--index", index, "-q")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "ix" / "arsearch-shards.json").read_text())
    assert manifest["shards"] == 4
    assert run("search", "داعش", "--format", "ids", "--index", index).output == before
    removed = run("remove", "000_86ced10227b96f15", "--index", index)
    assert removed.exit_code == 0 and "removed 1 of 1" in removed.output
    assert "000_86ced10227b96f15" not in run("search", "داعش", "--format", "ids",
                                             "--index", index).output


@pytest.mark.parametrize("address", ["nonsense", "host:notaport", "ray://:10001"])
def test_a_malformed_cluster_is_one_line_and_exit_2(both: tuple[str, str],
                                                    address: str) -> None:
    for args in (["search", "داعش"], ["show", "x"], ["stats"], ["remove", "x"], ["repair"],
                 ["reindex"]):
        result = run(*args, "--index", both[1], "--cluster", address)
        assert result.exit_code == 2
        assert result.stderr.startswith(f"arsearch: error: cluster {address!r} is unavailable")
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["search", "داعش"], ["repair"], ["reindex"],
                                  ["reindex", "--shards", "2"]])
def test_an_unreachable_cluster_is_one_line_and_exit_2(both: tuple[str, str],
                                                       args: list[str]) -> None:
    result = run(*args, "--index", both[1], env={"ARSEARCH_CLUSTER": "127.0.0.1:1"})
    assert result.exit_code == 2
    assert result.stderr.startswith("arsearch: error: cluster '127.0.0.1:1' is unavailable")
    assert len(result.stderr.splitlines()) == 1


def test_a_public_cluster_draws_a_warning_unless_trusted(
        both: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_args: object, **_kwargs: object) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    # No packet leaves this machine: the connection is refused here.
    monkeypatch.setattr("arsearch.cluster.backends.socket.create_connection", refused)
    warned = run("search", "داعش", "--index", both[1], "--cluster", "1.1.1.1:6379")
    assert warned.exit_code == 2
    first, second = warned.stderr.splitlines()
    assert first.startswith("arsearch: warning: cluster '1.1.1.1:6379' is not on a private")
    assert "--trust-cluster" in first and "unavailable" in second
    trusted = run("search", "داعش", "--index", both[1], "--cluster", "1.1.1.1:6379",
                  "--trust-cluster")
    assert len(trusted.stderr.splitlines()) == 1 and "warning" not in trusted.stderr


@pytest.mark.parametrize(("address", "private"), [
    ("local", True), ("auto", True), ("127.0.0.1:6379", True), ("localhost:6379", True),
    ("10.1.2.3:6379", True), ("192.168.0.9:6379", True), ("172.16.5.5:6379", True),
    ("ray://10.0.0.1:10001", True), ("[::1]:6379", True), ("[fd00::1]:6379", True),
    ("1.1.1.1:6379", False), ("ray://8.8.8.8:10001", False), ("[2001:4860::1]:6379", False),
])
def test_private_addresses(address: str, private: bool) -> None:
    assert is_private(address) is private


def test_shards_that_differ_from_the_index_are_refused(both: tuple[str, str],
                                                       seeds_dir: Path) -> None:
    for index, has in ((both[0], "no shards"), (both[1], "3 shards")):
        result = run("index", str(seeds_dir), "--shards", "2", "--index", index)
        assert result.exit_code == 2 and has in result.stderr
        assert "arsearch reindex --shards 2" in result.stderr
    again = run("index", str(seeds_dir), "--shards", "3", "--index", both[1])
    assert again.exit_code == 0 and "unchanged 5" in again.output


def test_check_reads_every_shard_and_names_a_damaged_one(both: tuple[str, str],
                                                        tmp_path: Path) -> None:
    result = run("check", "--index", both[1])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"{both[1]}: 3 shards")
    assert "shard-002/arsearch.json" in result.output and "intact: 5 articles" in result.output
    copy = tmp_path / "copy"
    shutil.copytree(both[1], copy)
    segment = next((copy / "shard-001").glob("*.seg"))
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])
    damaged = run("check", "--index", str(copy))
    assert damaged.exit_code == 2 and len(damaged.stderr.splitlines()) == 1
    assert f"shard-001/{segment.name}" in damaged.stderr
    shutil.rmtree(copy / "shard-002")
    missing = run("check", "--index", str(copy))
    assert missing.exit_code == 2 and "shard-002" in missing.stderr


def test_no_match_help_and_prefixes_equal_a_single_index(both: tuple[str, str]) -> None:
    # The help names what the whole index holds, and a prefix expands to its words.
    helps = [run("search", "--actor", "حزب الله", "--index", index) for index in both]
    assert [r.exit_code for r in helps] == [1, 1]
    assert "did you mean كتائب حزب الله (1)" in helps[1].stderr
    assert helps[0].stderr == helps[1].stderr.replace(both[1], both[0])
    prefixes = [run("search", "دا*", "--index", index, "--color", "never") for index in both]
    assert prefixes[0].exit_code == 0 and prefixes[0].stdout == prefixes[1].stdout
