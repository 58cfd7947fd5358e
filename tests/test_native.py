"""The switch between the compiled core and its pure-Python twins.

Each compiled part is compared with its twin in the tests of what it computes
(test_stem, test_ner, test_gazetteer); here: how a process picks its path and
says which one it took.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from arsearch import native
from arsearch.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def test_the_environment_variable_turns_every_part_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.PURE_PYTHON_ENV, "1")
    assert native.disabled()
    assert all(native.load(name) is None for name in native.EXTENSIONS)
    assert native.describe() == f"pure Python: {native.PURE_PYTHON_ENV} is set"


@pytest.mark.parametrize("value", ["", "0"])
def test_empty_or_zero_leaves_the_compiled_core_on(monkeypatch: pytest.MonkeyPatch,
                                                    value: str) -> None:
    monkeypatch.setenv(native.PURE_PYTHON_ENV, value)
    assert not native.disabled()


def test_a_module_that_was_not_built_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(native.PURE_PYTHON_ENV, raising=False)
    assert native.load("arsearch.text._cnot_there") is None


def test_the_status_names_every_known_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(native.PURE_PYTHON_ENV, raising=False)
    used = native.status()
    assert set(used) == set(native.EXTENSIONS)
    line = native.describe()
    if any(used.values()):
        assert line.startswith("compiled core: ")
        assert all(native.EXTENSIONS[name] in line for name in used)
    else:
        assert line == "pure Python: the compiled core was not built"


def test_version_says_which_path_is_in_use() -> None:
    # The path is chosen when the modules are imported, under this process's environment.
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.rstrip().endswith(native.describe())


# What the pipeline makes of articles, end to end: every compiled part is on
# this path (tokenizing, stemming, the tagger, the scans, posting values).
_DOCUMENTS = """
import json, sys
from itertools import islice
from arsearch.engine.schema import extract_articles, to_document
from arsearch.io.readers import read_paths
articles = [a for a in islice(read_paths(sys.argv[1:]), 300) if not isinstance(a, Exception)]
found = extract_articles(articles)
docs = [to_document(a, None, None, m) for a, m in zip(articles, found)]
print(json.dumps([[[repr(x) for x in m] for m in found], docs], default=str,
                 ensure_ascii=False))
"""


def _documents(paths: list[Path], *, pure: bool) -> list:
    env = dict(os.environ)
    env.pop(native.PURE_PYTHON_ENV, None)
    if pure:
        env[native.PURE_PYTHON_ENV] = "1"
    out = subprocess.run([sys.executable, "-c", _DOCUMENTS, *map(str, paths)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _corpora() -> list[list[Path]]:
    found = [[SEEDS]]
    sample = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"
    if sample.exists():  # its first 300 articles
        found.append([sample])
    return found


@pytest.mark.parametrize("paths", _corpora(), ids=["seeds", "ant_v2.1"][:len(_corpora())])
def test_compiled_and_pure_python_make_the_same_documents(paths: list[Path]) -> None:
    if native.disabled() or not any(native.status().values()):
        pytest.skip("the compiled core is not in use: there is nothing to compare")
    assert _documents(paths, pure=False) == _documents(paths, pure=True)
