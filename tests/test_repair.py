"""``arsearch repair`` keeps what is intact and names what was lost.

Each damage kind is made on an index of the seeds built through the CLI in
two runs with ``--no-merge`` (two segments: seeds 000-001, then 002-004).
After a repair the index must pass ``arsearch check``, hold exactly the
articles that were intact, answer searches over them, and the report must
count the lost articles and list their ids where they can be read. When
nothing can be read back, repair exits 2 and leaves the index as it was.
"""

from __future__ import annotations

import pickle
import shutil
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arsearch
from arsearch.cli.commands import main
from tests.test_damage import DAMAGE, Payload, damage_one_file, replace_schema_pickle


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(main, list(args))


def ids_in(index_dir: Path) -> set[str]:
    with arsearch.Index.open(index_dir) as ix:
        return {hit.id for hit in ix.search(None, limit=None)}


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path
                 ) -> tuple[Path, dict[str, set[str]]]:
    """The seed index in two segments, and the ids each segment holds."""
    index_dir = tmp_path_factory.mktemp("repair") / "ix"
    seeds = sorted(seeds_dir.iterdir())
    segments: dict[str, set[str]] = {}
    for batch in (seeds[:2], seeds[2:]):
        before = set(index_dir.glob("MAIN_*.seg"))
        result = run("index", *map(str, batch), "--index", str(index_dir), "--no-merge")
        assert result.exit_code == 0, result.stderr
        (new,) = set(index_dir.glob("MAIN_*.seg")) - before
        segments[new.name] = ids_in(index_dir) - set().union(*segments.values())
        if len(segments) == 1:  # keep the first commit's TOC, which Whoosh removes
            shutil.copytree(index_dir, index_dir.parent / "first", dirs_exist_ok=True)
    assert [len(ids) for ids in segments.values()] == [2, 3]
    return index_dir, segments


@pytest.fixture
def index_dir(two_segments: tuple[Path, dict[str, set[str]]], tmp_path: Path) -> Path:
    return Path(shutil.copytree(two_segments[0], tmp_path / "ix"))


def all_ids(two_segments: tuple[Path, dict[str, set[str]]]) -> set[str]:
    return set().union(*two_segments[1].values())


def assert_repaired(index_dir: Path, kept: set[str]) -> None:
    """The repaired index checks intact, holds exactly ``kept`` and answers over them."""
    result = run("check", "--index", str(index_dir))
    assert result.exit_code == 0, result.output + result.stderr
    assert ids_in(index_dir) == kept
    with arsearch.Index.open(index_dir) as ix:
        assert len(ix) == len(kept)
        for article_id in kept:
            title = ix.get(article_id).title
            if title:  # each kept article is found by the words of its title
                hits = {hit.id for hit in ix.search(title.split()[0], limit=None)}
                assert article_id in hits and hits <= kept
    assert not list(index_dir.parent.glob("*.repairing"))
    assert not list(index_dir.parent.glob("*.old-*"))


def stored_column(segment: Path) -> tuple[int, int]:
    """(offset, length) of the stored-fields column inside a segment's compound file."""
    data = segment.read_bytes()
    directory = pickle.loads(data[struct.unpack(">q", data[:8])[0]:])
    (entry,) = [entry for name, entry in directory.items() if name.endswith("._stored.col")]
    return entry["offset"], entry["length"]


# --- an intact index ----------------------------------------------------------------

def test_repair_of_an_intact_index_changes_nothing(index_dir: Path, two_segments) -> None:
    before = {p.name: p.read_bytes() for p in index_dir.iterdir()}
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 0, result.stderr
    assert "5 articles, index opens and answers, every file intact; no leftovers" in result.output
    assert {p.name: p.read_bytes() for p in index_dir.iterdir()} == before
    report = arsearch.repair(index_dir)
    assert not report.damaged and report.documents == 5 and report.lost == 0


def test_repair_removes_a_killed_writers_leftovers(index_dir: Path) -> None:
    (index_dir / "MAIN_deadbeef00000000.seg").write_bytes(b"half a segment")
    report = arsearch.repair(index_dir)
    assert not report.damaged and report.removed == ["MAIN_deadbeef00000000.seg"]


# --- a damaged segment -----------------------------------------------------------------

def test_a_segment_truncated_before_its_records_loses_only_its_articles(
        index_dir: Path, two_segments) -> None:
    name, lost = next((n, ids) for n, ids in two_segments[1].items() if len(ids) == 3)
    segment = index_dir / name
    with segment.open("r+b") as handle:
        handle.truncate(min(segment.stat().st_size // 2, stored_column(segment)[0]))
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 0, result.stderr
    assert f"damaged ({name}): rebuilt with 2 intact articles, lost 3 articles" in result.output
    assert "the ids of 3 lost articles could not be read" in result.output
    assert_repaired(index_dir, all_ids(two_segments) - lost)


def test_a_segment_truncated_to_half_keeps_every_record_before_the_cut(
        index_dir: Path, two_segments) -> None:
    name, ids = next((n, ids) for n, ids in two_segments[1].items() if len(ids) == 3)
    segment = index_dir / name
    offset, length = stored_column(segment)
    half = segment.stat().st_size // 2
    with segment.open("r+b") as handle:
        handle.truncate(half)
    report = arsearch.repair(index_dir)
    assert report.damaged and report.documents + report.lost == 5
    if offset + length <= half:  # Whoosh put the stored fields in the first half
        assert report.lost == 0
    elif offset >= half:
        assert report.lost == 3
    assert_repaired(index_dir, ids_in(index_dir))
    assert ids_in(index_dir) >= all_ids(two_segments) - ids


def test_a_segment_cut_short_keeps_the_records_before_the_cut(index_dir: Path,
                                                              two_segments) -> None:
    name, ids = next((n, ids) for n, ids in two_segments[1].items() if len(ids) == 3)
    segment = index_dir / name
    offset, length = stored_column(segment)
    with segment.open("r+b") as handle:  # the directory and the last record are gone
        handle.truncate(offset + length - 40)
    report = arsearch.repair(index_dir)
    assert report.damaged and report.damaged_files == [name]
    assert report.documents == 4 and report.lost == 1 and report.lost_ids == []
    kept = ids_in(index_dir)
    assert len(kept) == 4 and kept < all_ids(two_segments)
    assert_repaired(index_dir, kept)


def test_a_damaged_record_is_lost_by_name(index_dir: Path, two_segments) -> None:
    name, ids = next((n, ids) for n, ids in two_segments[1].items() if len(ids) == 3)
    segment = index_dir / name
    offset, length = stored_column(segment)
    data = bytearray(segment.read_bytes())
    data[offset + 30] ^= 0x5A  # inside the first article's record: its zlib stream fails
    segment.write_bytes(bytes(data))
    dry = run("repair", "--index", str(index_dir), "--dry-run")
    assert dry.exit_code == 0 and "would keep 4 intact articles, lost 1 article" in dry.output
    assert segment.read_bytes() == bytes(data)  # the dry run wrote nothing
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 0, result.stderr
    (lost,) = ids - {line for line in ids if f" {line}" not in result.output}
    assert f"lost ids (re-ingest them from their source): {lost}" in result.output
    assert_repaired(index_dir, all_ids(two_segments) - {lost})


def test_nothing_read_back_exits_2_and_leaves_the_index(tmp_path: Path, seeds_dir: Path
                                                       ) -> None:
    index_dir = tmp_path / "one"
    assert run("index", str(seeds_dir), "--index", str(index_dir)).exit_code == 0
    (segment,) = index_dir.glob("MAIN_*.seg")
    with segment.open("r+b") as handle:
        handle.truncate(min(segment.stat().st_size // 2, stored_column(segment)[0]))
    before = {p.name: p.read_bytes() for p in index_dir.iterdir()}
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "no article reads back, lost 5 articles; the index is left as it was" in result.stderr
    assert {p.name: p.read_bytes() for p in index_dir.iterdir()} == before
    assert arsearch.repair(index_dir, dry_run=True).saved_nothing


# --- a damaged TOC ---------------------------------------------------------------------

def test_a_toc_with_flipped_bytes_is_rebuilt_from_the_segments(index_dir: Path,
                                                               two_segments) -> None:
    (toc,) = index_dir.glob("_MAIN_*.toc")
    data = bytearray(toc.read_bytes())
    for position in range(40, len(data), 97):
        data[position] ^= 0xFF
    toc.write_bytes(bytes(data))
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 0, result.stderr
    assert f"damaged ({toc.name}): rebuilt with 5 intact articles, lost 0 articles" \
        in result.output
    assert "assumed: segments taken from the checksum manifest" in result.output
    assert_repaired(index_dir, all_ids(two_segments))


def test_a_toc_pickling_a_payload_is_repaired_without_running_it(
        index_dir: Path, tmp_path: Path, two_segments) -> None:
    marker = tmp_path / "payload-ran"
    (toc,) = index_dir.glob("_MAIN_*.toc")
    replace_schema_pickle(toc, pickle.dumps(Payload(marker), 2))
    (index_dir / "checksums.json").unlink()  # as a crafted index would come
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 0, result.stderr
    assert not marker.exists()
    assert "segment files present (no manifest)" in result.output
    assert_repaired(index_dir, all_ids(two_segments))
    assert not marker.exists()


def test_an_earlier_intact_toc_is_used_when_the_last_is_damaged(index_dir: Path,
                                                                two_segments) -> None:
    (earlier,) = (two_segments[0].parent / "first").glob("_MAIN_*.toc")
    shutil.copyfile(earlier, index_dir / earlier.name)  # the first commit's TOC
    (toc,) = set(index_dir.glob("_MAIN_*.toc")) - {index_dir / earlier.name}
    toc.write_bytes(toc.read_bytes()[:100])
    report = arsearch.repair(index_dir)
    assert report.damaged and report.lost == 0 and report.documents == 5
    generation = earlier.stem.rsplit("_", 1)[1]
    assert any(f"taken from generation {generation}" in note for note in report.assumed)
    assert_repaired(index_dir, all_ids(two_segments))


# --- a damaged arsearch.json -------------------------------------------------------------

def test_a_damaged_arsearch_json_is_rebuilt_with_the_defaults(index_dir: Path,
                                                              two_segments) -> None:
    (index_dir / "arsearch.json").write_text('{"schema_version": ', encoding="utf-8")
    search = run("search", "داعش", "--index", str(index_dir))
    assert search.exit_code == 2 and "arsearch repair" in search.stderr
    assert "reindex" not in search.stderr
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 0, result.stderr
    assert "rebuilt with 5 intact articles, lost 0 articles" in result.output
    assert "assumed: arsearch.json unreadable" in result.output
    assert "bundled analysis settings" in result.output
    assert_repaired(index_dir, all_ids(two_segments))
    assert run("search", "داعش", "--index", str(index_dir)).exit_code == 0


def test_the_gazetteer_kept_with_the_index_survives_a_repair(index_dir: Path,
                                                             tmp_path: Path) -> None:
    table = tmp_path / "people.tsv"
    table.write_text(
        "id\tkind\ttype\tname_ar\tname_en\tparent\tlat\tlon\taliases\tadjectives\n"
        "red-falcons\tactor\tarmed_group\tكتيبة الصقور الحمر\tRed Falcons\t\t\t\t\t\n",
        encoding="utf-8")
    with arsearch.Index.open(index_dir) as ix:
        ix.add_gazetteer(table)
    (index_dir / "arsearch.json").write_text("[]", encoding="utf-8")
    arsearch.repair(index_dir)
    assert (index_dir / "gazetteer" / "people.tsv").is_file()
    assert arsearch.check(index_dir).intact


# --- any single-file damage: repaired and right, or exit 2 ------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    """A small index in two segments, and the hits of each query word by id."""
    index_dir = tmp_path_factory.mktemp("tiny") / "ix"
    with arsearch.Index.create(index_dir) as ix:
        ix.add_articles([{"id": "a", "text": "غارات على حلب وريفها", "title": "حلب"},
                         {"id": "b", "text": "داعش في البادية السورية"}])
        ix.add_articles([{"id": "c", "text": "اشتباكات في حلب"}])
        hits = {word: {hit.id for hit in ix.search(word, limit=None)}
                for word in ("حلب", "داعش", "البادية")}
    return index_dir, hits


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(min_value=0, max_value=1000),
       how=DAMAGE,
       where=st.floats(min_value=0.0, max_value=1.0), value=st.integers(1, 255))
def test_repairing_any_single_file_damage_is_right_or_exits_2(
        tiny: tuple[Path, dict[str, set[str]]], tmp_path_factory: pytest.TempPathFactory,
        which: int, how: str, where: float, value: int) -> None:
    source, hits = tiny
    index_dir = Path(shutil.copytree(source, tmp_path_factory.mktemp("hit") / "ix"))
    target = damage_one_file(index_dir, which, how, where, value)
    result = run("repair", "--index", str(index_dir))
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert isinstance(result.exception, SystemExit)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        return
    assert result.exit_code == 0, (target.name, how, result.output, result.exception)
    assert run("check", "--index", str(index_dir)).exit_code == 0, (target.name, how)
    kept = ids_in(index_dir)
    assert kept <= {"a", "b", "c"}
    with arsearch.Index.open(index_dir) as ix:
        for word, expected in hits.items():  # no wrong hits: exactly the kept ones
            assert {hit.id for hit in ix.search(word, limit=None)} == expected & kept


def test_a_toc_naming_an_impossible_segment_is_repaired(index_dir: Path, two_segments) -> None:
    """Found by benchmarks/fuzz.py: a TOC whose segment name held a NUL byte made
    repair raise ValueError."""
    from whoosh import index as windex
    from whoosh.filedb.filestore import FileStorage

    (toc,) = index_dir.glob("_MAIN_*.toc")
    read = windex.TOC.read(FileStorage(str(index_dir)), "MAIN")
    gone = read.segments[0]
    gone.segid = "ab\x00cd"
    toc.unlink()
    read.write(FileStorage(str(index_dir)), "MAIN")
    (index_dir / "checksums.json").unlink()
    result = run("repair", "--index", str(index_dir))
    assert result.exit_code == 0, result.output + result.stderr
    assert "impossible name" in result.output
    kept = ids_in(index_dir)
    assert len(kept) in (2, 3) and kept < all_ids(two_segments)
    assert_repaired(index_dir, kept)
