"""Safe loading and checksums inside the engine: the allow-list, Whoosh's reads routed
through it, and the manifest each commit writes."""

from __future__ import annotations

import builtins
import json
import os
import pickle
import subprocess
from pathlib import Path

import pytest
import whoosh.codec.whoosh3
import whoosh.columns
import whoosh.filedb.structfile
import whoosh.index

import arsearch
from arsearch.engine import safeload
from arsearch.engine.checksums import MANIFEST, crc_of, latest_generation, toc_name
from arsearch.engine.schema import build_schema
from arsearch.engine.store import Store


class _Logging(pickle.Unpickler):
    found: set[tuple[str, str]] = set()

    def find_class(self, module: str, name: str):
        self.found.add((module, name))
        return super().find_class(module, name)


def _globals_of(data: bytes) -> set[tuple[str, str]]:
    import io
    _Logging.found = set()
    _Logging(io.BytesIO(data)).load()
    return _Logging.found


def test_the_allow_list_holds_what_a_schema_pickles_and_nothing_generic() -> None:
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        data = pickle.dumps(build_schema(), protocol)
        assert _globals_of(data) <= safeload.ALLOWED
        assert safeload.loads(data).names() == build_schema().names()
    modules = {module for module, _ in safeload.ALLOWED}
    assert not modules & {"os", "posix", "subprocess", "sys", "importlib", "pickle", "io"}
    assert ("builtins", "eval") not in safeload.ALLOWED
    assert ("builtins", "exec") not in safeload.ALLOWED
    assert ("builtins", "getattr") not in safeload.ALLOWED


@pytest.mark.parametrize("payload", [(os.system, ("true",)), (builtins.eval, ("1",)),
                                     (subprocess.call, (["true"],)), (builtins.getattr, (0, "x"))])
def test_a_pickled_call_outside_the_list_is_refused_unrun(payload) -> None:
    class Call:
        def __reduce__(self):
            return payload

    for protocol in (0, 2, pickle.HIGHEST_PROTOCOL):
        with pytest.raises(safeload.Refused) as caught:
            safeload.loads(pickle.dumps(Call(), protocol))
        assert caught.value.found.endswith(payload[0].__name__)


def test_bytes_of_protocol_2_rebuild_with_latin1_only() -> None:
    assert safeload.loads(pickle.dumps((b"\x00\xff", [1.0]), 2)) == (b"\x00\xff", [1.0])
    crafted = (b"\x80\x02c_codecs\nencode\nq\x00X\x02\x00\x00\x00abq\x01"
               b"X\x0a\x00\x00\x00zlib_codecq\x02\x86q\x03Rq\x04.")
    with pytest.raises(safeload.Refused, match="zlib_codec"):
        safeload.loads(crafted)


def test_whoosh_reads_index_pickles_through_the_safe_unpickler() -> None:
    assert safeload.installed()
    assert whoosh.index.pickle.loads is safeload.loads
    assert whoosh.filedb.structfile.load_pickle is safeload.load
    assert whoosh.codec.whoosh3.loads is safeload.loads
    assert whoosh.columns.loads is safeload.loads


def test_every_commit_writes_the_manifest_of_its_generation(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    folder = tmp_path / "ix"
    for n in range(3):
        ix.add_articles([{"id": f"a{n}", "text": "غارات على حلب"}])
        manifest = json.loads((folder / MANIFEST).read_text())
        assert manifest["generation"] == latest_generation(folder)
        assert toc_name(manifest["generation"]) in manifest["files"]
        for name, (size, crc) in manifest["files"].items():
            assert (folder / name).stat().st_size == size and crc_of(folder / name) == crc
    for step in (lambda: ix.merge_segments(10), ix.optimize, lambda: ix.delete(["a0"])):
        step()
        manifest = json.loads((folder / MANIFEST).read_text())
        assert manifest["generation"] == latest_generation(folder)
        assert set(manifest["files"]) == {p.name for p in folder.iterdir()
                                          if p.name.startswith(("MAIN_", "_MAIN_"))
                                          and not p.name.endswith("WRITELOCK")}
    assert ix.check().intact and len(ix) == 2
    ix.close()


def test_an_old_manifest_generation_is_not_checked(tmp_path: Path) -> None:
    folder = tmp_path / "ix"
    arsearch.Index.create(folder).add_articles([{"id": "a", "text": "حلب"}])
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["generation"] -= 1  # a commit interrupted between its TOC and its manifest
    manifest["files"] = {name: [0, 0] for name in manifest["files"]}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    assert len(Store.open(folder).view().documents().__next__()) > 0
