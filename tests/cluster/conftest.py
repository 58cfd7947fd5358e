"""Fixtures of the cluster tests: a generated corpus of a few hundred articles made of
the seeds' sentences, with dates, sources, repeated texts (equal scores) and shared
days (equal dates), so that ties are broken as often as scores are compared; and
a single index and a 3-shard index of it plus the seeds."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

import arsearch
from arsearch.io.readers import read_paths
from arsearch.models import Article

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

SOURCES = ["SY24", "الحل نت", "بلدي نيوز", "Enab Baladi", "enab baladi"]


def generated_articles(seeds: Path, count: int = 300, seed: int = 26) -> list[Article]:
    """``count`` articles built from the seeds' sentences (deterministic for ``seed``)."""
    rng = random.Random(seed)
    texts = [a.text for a in read_paths([seeds]) if isinstance(a, Article)]
    sentences = [s.strip() for text in texts for s in re.split(r"(?<=[.!؟?])\s+|\n+", text)
                 if len(s.strip().split()) >= 4]
    articles: list[Article] = []
    for number in range(count):
        if articles and number % 17 == 0:  # a copy of an earlier article under a new id
            copied = articles[rng.randrange(len(articles))]
            articles.append(Article(id=f"g{number:04d}", title=copied.title, text=copied.text,
                                    published=copied.published, source=copied.source))
            continue
        body = " ".join(rng.sample(sentences, rng.randint(2, 6)))
        title = " ".join(rng.choice(sentences).split()[:rng.randint(4, 9)])
        day = f"20{rng.randint(17, 20)}-{rng.randint(1, 12):02d}-{rng.randint(1, 3):02d}"
        articles.append(Article(
            id=f"g{number:04d}", title=title, text=body,
            published=day if number % 11 else None, source=rng.choice(SOURCES)))
    return articles


def all_articles() -> list[Article]:
    """The seeds, then the generated corpus."""
    seeds = [a for a in read_paths([SEEDS]) if isinstance(a, Article)]
    return seeds + generated_articles(SEEDS)


@pytest.fixture(scope="session")
def corpus() -> list[Article]:
    return all_articles()


@pytest.fixture(scope="session")
def single_index(tmp_path_factory: pytest.TempPathFactory, corpus: list[Article]
                 ) -> arsearch.Index:
    """One ordinary index of the corpus."""
    ix = arsearch.Index.create(tmp_path_factory.mktemp("single") / "ix")
    assert ix.add_articles(corpus, batch_size=120).added == len(corpus)
    return ix


@pytest.fixture(scope="session")
def sharded_path(tmp_path_factory: pytest.TempPathFactory, corpus: list[Article]) -> Path:
    """A 3-shard index of the corpus, built in this process (closed again)."""
    path = tmp_path_factory.mktemp("sharded") / "ix"
    with arsearch.Index.create(path, shards=3) as ix:
        assert ix.add_articles(corpus, batch_size=120).added == len(corpus)
    return path

#: (query, search arguments): words, phrases, OR, exclusions, match="any",
#: actor/place/date filters, field prefixes, and no words at all (newest first).
SEARCHES: list[tuple[str | None, dict[str, Any]]] = [
    ("داعش", {}),
    ("الغارات الجوية", {}),
    ('"قوات النظام"', {}),
    ("روسيا OR تركيا", {}),
    ("داعش -روسيا", {}),
    ("هجوم البادية السورية", {"match": "any"}),
    ("النظام", {"actor": "روسيا"}),
    ("هجمات", {"place": "دير الزور"}),
    ("داعش", {"date": "2019"}),
    ("قوات", {"published": "2018..2019-06"}),
    ("title:داعش", {}),
    ("دا*", {}),  # a prefix expands to the whole index's words, not a shard's
    ("ال* روسيا", {"match": "any"}),
    ("source:sy*", {}),
    ("البادية", {"limit": None}),
    ("الشولا كباجب", {"match": "any", "limit": 25}),
    (None, {"actor": "داعش"}),
    (None, {"place": "سوريا", "limit": 40}),
    (None, {}),
]


def compare_results(single: Any, sharded: Any, query: str | None, args: dict[str, Any]) -> None:
    """Same ids in the same order, scores within 1e-9, same snippets, total, count,
    facets and months."""
    a = single.search(query, **args)
    b = sharded.search(query, **args)
    assert [h.id for h in b] == [h.id for h in a], (query, args)
    for x, y in zip(a, b, strict=True):
        assert abs(x.score - y.score) <= 1e-9, (query, args, x.id, x.score, y.score)
        assert (y.snippet, y.highlights, y.actors, y.places) == (
            x.snippet, x.highlights, x.actors, x.places)
    assert b.total == a.total
    count_args = {k: v for k, v in args.items() if k != "limit"}
    assert sharded.count(query, **count_args) == single.count(query, **count_args) == a.total
    assert b.facets == a.facets
    assert b.count_by("months") == a.count_by("months")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking ``search_case`` runs once per search of ``SEARCHES``."""
    if "search_case" in metafunc.fixturenames:
        metafunc.parametrize("search_case", SEARCHES, ids=[f"{q}-{a}" for q, a in SEARCHES])


@pytest.fixture(scope="session")
def compare() -> Any:
    """``compare_results``: the parity check of one search."""
    return compare_results
