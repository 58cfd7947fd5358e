"""An index from elsewhere is data, never code; damage is detected and named.

Each check runs on an index of the seeds built through the CLI: a TOC whose
pickled schema is a payload (it must not run), a TOC with flipped bytes, a
segment truncated to half, a damaged ``arsearch.json``. Each must exit 2
with at most two lines on stderr and no traceback; ``arsearch check`` names
the damaged file.
"""

from __future__ import annotations

import os
import pickle
import pickletools
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arsearch
from arsearch.cli.commands import main

FIXTURE_0_1 = Path(__file__).parent / "data" / "index_0_1"


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(main, list(args))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    index_dir = tmp_path_factory.mktemp("damage") / "ix"
    result = run("index", str(seeds_dir), "--index", str(index_dir))
    assert result.exit_code == 0, result.stderr
    return index_dir


@pytest.fixture
def index_dir(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seed index, to damage."""
    return Path(shutil.copytree(built, tmp_path / "ix"))


def toc_of(index_dir: Path) -> Path:
    return next(index_dir.glob("_MAIN_*.toc"))


def segment_of(index_dir: Path) -> Path:
    return next(index_dir.glob("MAIN_*.seg"))


def assert_one_clean_error(result, *expected: str) -> None:
    """Exit 2, at most two lines on stderr, no traceback, the expected words."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr
    for word in expected:
        assert word in result.stderr, (word, result.stderr)


# --- a crafted TOC: the pickled schema is a payload ----------------------------

def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def replace_schema_pickle(toc: Path, payload: bytes) -> None:
    """Rewrite a TOC with ``payload`` in place of its pickled schema (a varint-prefixed
    string after the header, as Whoosh's ``TOC.write`` puts it)."""
    data = toc.read_bytes()
    start = data.index(b"\x80\x02")  # the schema is pickled with protocol 2
    stop = max(pos for _, _, pos in pickletools.genops(data[start:])) + 1
    prefix = _varint(stop)
    assert data[start - len(prefix):start] == prefix
    toc.write_bytes(data[:start - len(prefix)] + _varint(len(payload)) + payload
                    + data[start + stop:])


class Payload:
    """Unpickled, it would create ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("manifest", ["removed", "kept"])
def test_a_toc_pickling_a_payload_never_runs_it(index_dir: Path, tmp_path: Path,
                                                manifest: str) -> None:
    marker = tmp_path / "payload-ran"
    replace_schema_pickle(toc_of(index_dir), pickle.dumps(Payload(marker), 2))
    if manifest == "removed":  # a crafted index comes without checksums: the unpickler refuses
        (index_dir / "checksums.json").unlink()
    # (``repair`` rebuilds it from its segments: tests/test_repair.py)
    for args in (("search", "داعش"), ("stats",), ("check",), ("reindex",)):
        result = run(*args, "--index", str(index_dir))
        assert not marker.exists(), args
        assert_one_clean_error(result, str(index_dir))
    if manifest == "removed":
        assert "posix.system" in result.stderr or "refused" in result.stderr
        with pytest.raises(arsearch.UnsafeIndex) as caught:
            arsearch.Index.open(index_dir)
        assert caught.value.found == "posix.system" and "\n" not in str(caught.value)
        assert toc_of(index_dir).name in run("check", "--index", str(index_dir)).stderr
    else:  # the checksum of the last commit tells first
        with pytest.raises(arsearch.DamagedIndex, match="_MAIN_1.toc"):
            arsearch.Index.open(index_dir)
    assert not marker.exists()


# --- flipped bytes in the TOC, a truncated segment -----------------------------

@pytest.mark.parametrize("manifest", ["removed", "kept"])
def test_a_toc_with_flipped_bytes_is_named(index_dir: Path, manifest: str) -> None:
    toc = toc_of(index_dir)
    data = bytearray(toc.read_bytes())
    for position in range(40, len(data), 97):
        data[position] ^= 0xFF
    toc.write_bytes(bytes(data))
    if manifest == "removed":
        (index_dir / "checksums.json").unlink()
    assert_one_clean_error(run("search", "داعش", "--index", str(index_dir)),
                           toc.name, "arsearch check")
    assert_one_clean_error(run("check", "--index", str(index_dir)), toc.name)
    assert not arsearch.check(index_dir).intact
    with pytest.raises(arsearch.DamagedIndex, match=toc.name):
        arsearch.Index.open(index_dir)


def test_a_segment_truncated_to_half_is_named(index_dir: Path) -> None:
    segment = segment_of(index_dir)
    with segment.open("r+b") as handle:
        handle.truncate(segment.stat().st_size // 2)
    result = run("search", "داعش", "--index", str(index_dir))
    assert_one_clean_error(result, segment.name, "arsearch check")
    with pytest.raises(arsearch.DamagedIndex, match="where the last commit wrote"):
        arsearch.Index.open(index_dir)


def test_a_truncated_segment_without_checksums_is_still_an_error(index_dir: Path) -> None:
    (index_dir / "checksums.json").unlink()
    segment = segment_of(index_dir)
    with segment.open("r+b") as handle:
        handle.truncate(segment.stat().st_size // 2)
    result = run("search", "داعش", "--index", str(index_dir))
    assert_one_clean_error(result, str(index_dir), "arsearch check")


@pytest.mark.parametrize("damaged", ['{"schema_version": ', "{}", "[]", "\udcff"])
def test_a_damaged_arsearch_json_points_to_check_not_reindex(index_dir: Path,
                                                             damaged: str) -> None:
    (index_dir / "arsearch.json").write_bytes(damaged.encode("utf-8", "surrogateescape"))
    result = run("search", "داعش", "--index", str(index_dir))
    assert_one_clean_error(result, "arsearch.json", "arsearch check", "arsearch repair")
    assert "reindex" not in result.stderr
    result = run("check", "--index", str(index_dir))
    assert result.exit_code == 2 and "arsearch.json" in result.stderr


@pytest.mark.parametrize(("old", "new"), [('"schema_version": 9', '"schema_version": 8'),
                                          ('"على"', '"علي"')])
def test_damage_to_arsearch_json_that_still_parses_is_named(index_dir: Path, old: str,
                                                            new: str) -> None:
    meta = index_dir / "arsearch.json"
    text = meta.read_text(encoding="utf-8")
    assert old in text and '"crc32"' in text
    meta.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run("search", "داعش", "--index", str(index_dir))
    assert_one_clean_error(result, "arsearch.json", "crc32", "arsearch repair")
    assert "reindex" not in result.stderr
    assert run("check", "--index", str(index_dir)).exit_code == 2
    assert run("repair", "--index", str(index_dir)).exit_code == 0
    assert run("search", "داعش", "--index", str(index_dir)).exit_code == 0


# --- arsearch check -------------------------------------------------------------

def test_check_of_an_intact_index(built: Path) -> None:
    result = run("check", "--index", str(built))
    assert result.exit_code == 0, result.stderr
    assert "intact: 5 articles" in result.output
    assert "5 of 5 stored articles read back" in result.output
    assert "DAMAGED" not in result.output
    report = arsearch.Index.open(built).check()
    assert report.intact and report.has_manifest and report.articles == (5, 5)
    names = {f.name for f in report.files}
    assert {"arsearch.json", toc_of(built).name, segment_of(built).name} <= names
    assert all(f.crc is not None for f in report.files)


def test_check_names_a_damaged_segment(index_dir: Path) -> None:
    segment = segment_of(index_dir)
    data = bytearray(segment.read_bytes())
    data[len(data) // 3] ^= 0x55  # same size: only the full checksum tells
    segment.write_bytes(bytes(data))
    report = arsearch.check(index_dir)
    assert not report.intact and report.damaged_files == [segment.name]
    result = run("check", "--index", str(index_dir))
    assert result.exit_code == 2
    assert segment.name in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert f"DAMAGED  {segment.name}" in result.output


def test_check_of_a_missing_index(tmp_path: Path) -> None:
    result = run("check", "--index", str(tmp_path / "none"))
    assert result.exit_code == 2 and "no index at" in result.stderr


# --- indexes built before checksums ------------------------------------------------

def test_an_index_of_arsearch_0_1_still_opens(tmp_path: Path) -> None:
    index_dir = Path(shutil.copytree(FIXTURE_0_1, tmp_path / "ix"))
    assert not (index_dir / "checksums.json").exists()
    with arsearch.Index.open(index_dir) as ix:
        assert ix.search("البادية", limit=None).total == 5
        report = ix.check()
    assert report.intact and not report.has_manifest
    result = run("search", "البادية", "--index", str(index_dir))
    assert result.exit_code == 0 and result.stderr == ""


def test_commits_keep_the_manifest_current(index_dir: Path, seeds_dir: Path) -> None:
    with arsearch.Index.open(index_dir) as ix:
        ix.add_articles([{"id": "extra", "text": "غارات على حلب"}])
        ix.delete(["extra"])
        ix.optimize()
        assert ix.check().intact
    assert arsearch.check(index_dir).intact


# --- any damage to any file: a clean error or the right answer ---------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    index_dir = tmp_path_factory.mktemp("tiny") / "ix"
    with arsearch.Index.create(index_dir) as ix:
        ix.add_articles([{"id": "a", "text": "غارات على حلب وريفها", "title": "حلب"},
                         {"id": "b", "text": "داعش في البادية السورية"}])
        ix.add_articles([{"id": "c", "text": "اشتباكات في حلب"}])
        expected = sorted(hit.id for hit in ix.search("حلب", limit=None))
    return index_dir, expected


DAMAGE = st.sampled_from(["flip", "truncate", "extend"])


def damage_one_file(index_dir: Path, which: int, how: str, where: float, value: int) -> Path:
    """Damage file ``which`` (modulo their number) of an index: flip a byte at ``where``
    (a share of its length) by ``value``, truncate it there, or insert 7 bytes."""
    files = sorted(p for p in index_dir.iterdir() if p.is_file() and p.stat().st_size)
    target = files[which % len(files)]
    data = bytearray(target.read_bytes())
    position = min(int(where * len(data)), len(data) - 1)
    if how == "flip":
        data[position] ^= value
    elif how == "truncate":
        del data[position:]
    else:
        data[position:position] = bytes([value]) * 7
    target.write_bytes(bytes(data))
    return target


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(min_value=0, max_value=1000), how=DAMAGE,
       where=st.floats(min_value=0.0, max_value=1.0), value=st.integers(1, 255))
def test_damage_to_any_file_is_a_clean_error_or_the_right_answer(
        tiny: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory,
        which: int, how: str, where: float, value: int) -> None:
    source, expected = tiny
    index_dir = Path(shutil.copytree(source, tmp_path_factory.mktemp("hit") / "ix"))
    target = damage_one_file(index_dir, which, how, where, value)
    try:
        with arsearch.Index.open(index_dir) as ix:
            found = sorted(hit.id for hit in ix.search("حلب", limit=None))
            intact = ix.check().intact
    except arsearch.ArsearchError as exc:
        assert "\n" not in str(exc)
        return
    assert found == expected or not intact, (target.name, how)


def test_a_commit_seen_by_an_open_index_is_checked_too(index_dir: Path, tmp_path: Path) -> None:
    reader = arsearch.Index.open(index_dir)
    assert len(reader) == 5
    with arsearch.Index.open(index_dir) as writer:
        writer.add_articles([{"id": "extra", "text": "غارات على حلب"}])
    segment = max(index_dir.glob("MAIN_*.seg"), key=lambda p: p.stat().st_mtime_ns)
    with segment.open("r+b") as handle:
        handle.truncate(segment.stat().st_size // 2)
    with pytest.raises(arsearch.DamagedIndex, match=segment.name):
        reader.search("حلب")
    reader.close()


def test_a_segment_file_with_a_wrong_header_inside_is_named(index_dir: Path) -> None:
    """Found by benchmarks/fuzz.py: the header of the term table inside a segment,
    overwritten in place (same size, no manifest), was Whoosh's FileFormatError."""
    (index_dir / "checksums.json").unlink()
    segment = segment_of(index_dir)
    data = bytearray(segment.read_bytes())
    directory = pickle.loads(bytes(data[int.from_bytes(data[:8], "big"):]))
    (terms,) = [entry for name, entry in directory.items() if name.endswith(".trm")]
    data[terms["offset"]:terms["offset"] + 4] = b" \x1cH3"
    segment.write_bytes(bytes(data))
    assert_one_clean_error(run("search", "داعش", "--index", str(index_dir)),
                           str(index_dir), "arsearch check")
    assert not arsearch.check(index_dir).intact


def test_a_toc_whose_schema_is_not_a_schema_is_named(index_dir: Path) -> None:
    """Found by benchmarks/fuzz.py: a TOC whose pickled schema reads back as a string
    was Whoosh's FieldConfigurationError in ``arsearch check``."""
    (index_dir / "checksums.json").unlink()
    replace_schema_pickle(toc_of(index_dir), pickle.dumps("titlp", 2))
    for args in (("search", "داعش"), ("check",)):
        assert_one_clean_error(run(*args, "--index", str(index_dir)), toc_of(index_dir).name)
    assert not arsearch.check(index_dir).intact
    assert run("repair", "--index", str(index_dir)).exit_code == 0
    assert arsearch.check(index_dir).intact
