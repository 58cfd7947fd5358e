"""Every error a user can meet is an ``ArsearchError`` from ``arsearch.errors``."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import arsearch
from arsearch import errors

PACKAGE = Path(arsearch.__file__).parent


def test_every_error_class_is_an_arsearch_error_exported_at_the_top() -> None:
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if c.__module__ == errors.__name__]
    assert len(classes) > 10
    for cls in classes:
        assert issubclass(cls, arsearch.ArsearchError), cls
        assert getattr(arsearch, cls.__name__) is cls, f"arsearch.{cls.__name__} missing"
        assert cls.__doc__, cls


def test_no_public_exception_is_defined_outside_errors_py() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ClassDef) and not node.name.startswith("_")
                    and any(isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception"))
                            for b in node.bases)):
                found.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert not found, found


def test_errors_carry_their_bad_value_on_one_line(tmp_path: Path) -> None:
    cases = [
        (errors.IndexNotFound("ix"), "path", "ix"),
        (errors.InvalidDateRange("2019-13", "month must be in 1..12"), "value", "2019-13"),
        (errors.GazetteerError("g.tsv", 3, "empty id"), "line", 3),
        (errors.ModelError("m.crfsuite", "too short"), "path", "m.crfsuite"),
        (errors.AnalyzerMismatch("ix", "stopwords: 1 added, 0 removed"), "path", "ix"),
        (errors.UnsupportedEngine("2.8.0", ("2.7.5",)), "found", "2.8.0"),
        (errors.PlotUnavailable(), "missing", "matplotlib"),
    ]
    for error, attribute, value in cases:
        assert getattr(error, attribute) == value
        assert "\n" not in str(error)
