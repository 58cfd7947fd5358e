"""The Whoosh the engine runs on: a supported release that still has every private name
the engine uses, and a clear refusal of any other release."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import whoosh

import arsearch
from arsearch.engine import compat
from arsearch.engine.compat import PRIVATE_NAMES, PrivateName, has_private_name
from arsearch.engine.store import Store
from arsearch.errors import UnsupportedEngine

ENGINE = Path(arsearch.__file__).parent / "engine"


def test_the_installed_whoosh_is_supported() -> None:
    assert whoosh.versionstring() in compat.SUPPORTED_WHOOSH
    compat.check_whoosh_version()


@pytest.mark.parametrize("entry", PRIVATE_NAMES,
                         ids=[f"{e.owner}.{e.name}:{e.used_by}" for e in PRIVATE_NAMES])
def test_every_private_name_the_engine_uses_exists(entry: PrivateName) -> None:
    assert has_private_name(entry), f"{entry.owner}.{entry.name} is gone ({entry.why})"
    assert entry.used_by.startswith("arsearch.engine.")
    assert (ENGINE / f"{entry.used_by.rsplit('.', 1)[1]}.py").is_file()


def test_a_name_whoosh_lacks_is_noticed() -> None:
    for owner, name in (("whoosh.writing.SegmentWriter", "_no_such_step"),
                        ("whoosh.system", "_NO_SUCH_SIZE"),
                        ("whoosh.no_such_module", "_x"),
                        ("whoosh.writing.NoSuchWriter", "_finish")):
        assert not has_private_name(PrivateName(owner, name, "arsearch.engine.store", ""))
    assert compat.missing_private_names() == []


def _private_uses(path: Path) -> set[str]:
    """Private names a module reaches on objects it did not define, or imports from Whoosh."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            own.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            own.add(node.id)
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name) and node.value.id == "self"):
            own.add(node.attr)
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = node.attr
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                continue  # os._exit
        elif isinstance(node, ast.keyword) and node.arg:
            name = node.arg
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            used |= {alias.name for alias in node.names if alias.name.startswith("_")}
            continue
        else:
            continue
        if name.startswith("_") and not name.startswith("__") and name not in own:
            used.add(name)
    return used


def test_the_table_lists_every_private_name_the_engine_reaches() -> None:
    listed: dict[str, set[str]] = {}
    for entry in PRIVATE_NAMES:
        listed.setdefault(entry.used_by, set()).add(entry.name)
    missing = {f"arsearch.engine.{path.stem}": sorted(unlisted)
               for path in sorted(ENGINE.glob("*.py"))
               if (unlisted := _private_uses(path)
                   - listed.get(f"arsearch.engine.{path.stem}", set()))}
    assert not missing, f"private Whoosh names missing from compat.PRIVATE_NAMES: {missing}"


def test_another_whoosh_release_is_refused_in_one_line(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    ix.add_articles([{"id": "a", "text": "غارات على حلب"}])
    ix.close()
    monkeypatch.setattr(whoosh, "versionstring", lambda: "3.0.0")
    for attempt in (lambda: arsearch.Index.open(tmp_path / "ix"),
                    lambda: arsearch.Index.create(tmp_path / "new"),
                    lambda: arsearch.repair(tmp_path / "ix")):
        with pytest.raises(UnsupportedEngine) as caught:
            attempt()
        message = str(caught.value)
        assert "\n" not in message
        assert "whoosh 3.0.0 is installed" in message and "2.7.5" in message
    with pytest.raises(UnsupportedEngine):  # writing to an index opened before
        ix.add_articles([{"id": "b", "text": "غارات على الرقة"}])
    with pytest.raises(UnsupportedEngine):
        Store.open(tmp_path / "ix")
    assert isinstance(UnsupportedEngine("3.0.0", ("2.7.5",)), arsearch.ArsearchError)
