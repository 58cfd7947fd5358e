"""The switch between the compiled core and its pure-Python twins.

Each compiled part is compared with its twin in the tests of what it computes
(test_stem, test_ner, test_gazetteer); here: how a process picks its path and
says which one it took.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from arsearch import native
from arsearch.cli.commands import main


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
    # The line is written when the CLI is imported: under the environment
    # this process started with (ARSEARCH_PURE_PYTHON set or not).
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.rstrip().endswith(native.describe())
