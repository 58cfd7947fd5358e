"""Name recall behind clitics: real names written as news text writes them, searched bare.

A probe of place and actor names (GeoNames' Syrian and Iraqi places, the
PETRARCH Arabic actor dictionary), each written with a clitic on its first
word as news text does (بتل أبيض, وجبل الزاوية, فعبد الكريم, للرقة), in a
short synthetic article; a second article holds the name bare. Name recall
is the fraction of names whose article is found when the name is searched
as written bare (bare -> clitic) and, the reverse, when searched with the
clitic (clitic -> bare). A search finds an article when it is among all its
hits (every word must match, as ``arsearch search`` does).

Side by side in one run: arsearch (the bundled analysis), arsearch with
analysis version 1 (stopwords matched after folding, no lexicon: the
analysis before the lexicon of attested words) and the Lucene stand-in
(``lucene_arabic.py``: every query term among the article's terms).

The names are split by a hash of the name: one in five is held out
(``held-out``), the rest is the part looked at while developing (``dev``).
Both are reported; tune on ``dev`` only.

    PYTHONPATH=$PWD python benchmarks/names.py [--write-docs]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import docpage
import lucene_arabic

import arsearch
from arsearch.text.analyzer import Analyzer

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GEONAMES = DATA / "gazetteer" / "geonames_middle_east.tsv"
PETRARCH = DATA / "entities" / "petrarch_ar" / "actor_dict_ar_v4.txt"
COUNTRIES = ("SY", "IQ")
#: Clitic stacks news text puts on a name's first word, for a word without and
#: with the article (ل+ال is written لل).
CLITICS = ("و", "ب", "ف", "ل", "ك", "وب", "فب", "ول", "فل", "وك")
ARTICLE_CLITICS = ("و", "ب", "ف", "لل", "ك", "وب", "فب", "ولل", "فلل", "وك")
HELD_OUT = 5  # one name in five
_ARABIC_NAME = re.compile(r"^[\u0621-\u064a]+(?: [\u0621-\u064a]+){0,3}$")
_TEMPLATES = (
    "قال مصدر محلي إن اشتباكات عنيفة اندلعت {} صباح اليوم",
    "أفادت مصادر ميدانية بوصول تعزيزات عسكرية {} مساء أمس",
    "نقلت وكالة أنباء عن شهود عيان أن قصفا مدفعيا طال {} الليلة الماضية",
)


def geonames_names(path: Path, countries: Iterable[str] = COUNTRIES) -> list[str]:
    """The Arabic-letter names of places in ``countries``."""
    names = []
    with path.open(encoding="utf-8") as rows:
        next(rows)
        for row in rows:
            cols = row.rstrip("\n").split("\t")
            if len(cols) > 8 and cols[1] in countries:
                names.extend(n.strip() for n in cols[8].split("|"))
    return names


def petrarch_names(path: Path) -> list[str]:
    """The actor names of the PETRARCH dictionary (its ``word_word_`` entries)."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line[0].isspace() or line.startswith("#"):
            continue
        name = line.split("[")[0].strip().strip("_").replace("_", " ")
        names.append(" ".join(name.split()))
    return names


def with_clitic(name: str) -> str:
    """The name with a clitic on its first word, chosen by a hash of the name."""
    article = name.startswith("ال")
    stacks = ARTICLE_CLITICS if article else CLITICS
    clitic = stacks[_hash(name + "|clitic") % len(stacks)]
    if clitic.endswith("لل"):
        return clitic + name[2:]
    return clitic + name


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def probe(names: Iterable[str], limit: int) -> list[str]:
    """Distinct names of 1 to 4 Arabic words and at least 2 letters, a hash-ordered
    sample of ``limit`` (all with 0)."""
    kept = {n for n in names if _ARABIC_NAME.match(n) and len(n.split()[0]) >= 2}
    ordered = sorted(kept, key=_hash)
    return ordered[:limit] if limit else ordered


def articles(names: list[str]) -> list[arsearch.Article]:
    """Per name, an article with the name behind a clitic (c<i>) and one with it bare (b<i>)."""
    out = []
    for i, name in enumerate(names):
        template = _TEMPLATES[i % len(_TEMPLATES)]
        out.append(arsearch.Article(f"c{i}", template.format(with_clitic(name))))
        out.append(arsearch.Article(f"b{i}", template.format(name)))
    return out


def arsearch_finder(docs: list[arsearch.Article], analyzer: Analyzer, directory: Path
                    ) -> Callable[[str, str], bool]:
    """Whether the article ``id`` is among the hits of a query, in an index of ``docs``."""
    ix = arsearch.Index.create(directory, analyzer=analyzer)
    ix.add_articles(docs)

    def found(query: str, id_: str) -> bool:
        return any(doc["id"] == id_ for doc in ix.documents(query, syntax=False))
    return found


def lucene_finder(docs: list[arsearch.Article]) -> Callable[[str, str], bool]:
    """Whether every query term of the Lucene stand-in is among the article's terms."""
    terms = {doc.id: set(lucene_arabic.analyze(doc.text)) for doc in docs}

    def found(query: str, id_: str) -> bool:
        words = lucene_arabic.analyze(query)
        return bool(words) and set(words) <= terms[id_]
    return found


def recall(names: list[str], found: Callable[[str, str], bool]) -> dict[str, list[float]]:
    """Per part (dev, held-out), the bare -> clitic and clitic -> bare found flags."""
    parts: dict[str, list[float]] = {}
    for i, name in enumerate(names):
        part = "held-out" if _hash(name) % HELD_OUT == 0 else "dev"
        parts.setdefault(part + " bare->clitic", []).append(found(name, f"c{i}"))
        parts.setdefault(part + " clitic->bare", []).append(found(with_clitic(name), f"b{i}"))
    return parts


def run(args: argparse.Namespace) -> int:
    """Build the probe, index it three ways and print the recall table."""
    sources = {"geonames": (args.geonames, geonames_names), "petrarch": (args.petrarch,
                                                                        petrarch_names)}
    names: list[str] = []
    for label, (path, read) in sources.items():
        if not path.is_file():
            print(f"{label} data not found at {path}; pass --{label}", file=sys.stderr)
            return 2
        names += probe(read(path), args.limit)
    names = list(dict.fromkeys(names))
    docs = articles(names)
    systems: dict[str, Callable[[str, str], bool]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        systems["arsearch"] = arsearch_finder(docs, Analyzer(), Path(tmp, "now"))
        systems["arsearch v1"] = arsearch_finder(docs, Analyzer(version=1), Path(tmp, "v1"))
        systems["lucene stand-in"] = lucene_finder(docs)
        results = {system: recall(names, found) for system, found in systems.items()}
        missed = [n for i, n in enumerate(names)
                  if not systems["arsearch"](n, f"c{i}") and _hash(n) % HELD_OUT]
    sizes = {part: len(flags) for part, flags in results["arsearch"].items()}
    per_source = f"at most {args.limit}" if args.limit else "all"
    print(f"names: {len(names)} ({per_source} per source from GeoNames "
          f"{'+'.join(COUNTRIES)} and PETRARCH), 1 in {HELD_OUT} held out")
    print()
    print(f"{'name recall':<24}{'names':>7}" + "".join(f"{s:>17}" for s in systems))
    for part in sorted(sizes):
        row = "".join(f"{sum(results[s][part]) / sizes[part]:>17.3f}" for s in systems)
        print(f"{part:<24}{sizes[part]:>7}{row}")
    if args.show_missed:
        print()
        print(f"missed by arsearch (dev, bare->clitic): {len(missed)}")
        for name in missed[:args.show_missed]:
            print(f"  {with_clitic(name)}  ({name})")
    return 0


def main() -> int:
    """Parse the options, run the benchmark and, with ``--write-docs``, write its page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--geonames", type=Path, default=GEONAMES)
    parser.add_argument("--petrarch", type=Path, default=PETRARCH)
    parser.add_argument("--limit", type=int, default=1500,
                        help="names per source, a hash-ordered sample (0: all)")
    parser.add_argument("--show-missed", type=int, default=0, metavar="N",
                        help="list N dev names arsearch misses")
    docpage.add_option(parser, "names.md", "the page's only one")
    args = parser.parse_args()
    return docpage.record(args.write_docs, "names.md", lambda: run(args), "")


if __name__ == "__main__":
    sys.exit(main())
