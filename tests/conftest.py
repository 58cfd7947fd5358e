"""Shared fixtures: the bundled seed articles and an index built from them."""

from __future__ import annotations

import gzip
import importlib
import itertools
import json
from pathlib import Path
from types import ModuleType

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


@pytest.fixture(scope="session")
def ctext() -> ModuleType:
    """The compiled core's analysis part (skips when it is not built)."""
    try:
        return importlib.import_module("arsearch.text._ctext")
    except ImportError:
        pytest.skip("the compiled core (arsearch/text/_ctext.c) is not built")


@pytest.fixture(scope="session")
def real_texts() -> list[str]:
    """The seeds and, when ../shared is here, the titles and texts of the first 1,000
    ANT v2.1 articles: real text to compare compiled parts with their twins on."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir())]
    news = SHARED / "data" / "news" / "ant_v2.1.jsonl.gz"
    if news.exists():
        with gzip.open(news, "rt", encoding="utf-8") as lines:
            for line in itertools.islice(lines, 1000):
                article = json.loads(line)
                texts.extend(article.get(key) or "" for key in ("title", "text"))
    return texts
