"""Shared fixtures: the bundled seed articles and an index built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

import arsearch

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> arsearch.Index:
    """One index of the five seeds, shared by read-only tests."""
    ix = arsearch.Index.create(tmp_path_factory.mktemp("seed-index"))
    report = ix.add_paths([SEEDS])
    assert report.added == 5 and not report.errors
    return ix
