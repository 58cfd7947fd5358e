"""Facet benchmark: are an article's top actors and places right (docs/facets.md)?

For each of 240 conflict-news articles of the ANT corpus (v2.1, Apache-2.0),
listed by id in ``facets_judged.tsv``, the article's top actors and top places
(``TOP`` each, by number of mentions, then first mention) are compared with
hand judgements of each entry, for this checkout and for a baseline (by
default the extraction of the commit this work started from, exported with
``git archive`` and run in a subprocess in the same run).

* precision: correct entries / judged entries of the lists;
* recall: correct entities a system lists / correct entities either system
  lists (pooled, as in TREC: only listed entries are judged).

The articles are split into a tuning part (``dev``) and sixteen held-back parts:
``held`` was held back from the first tuning round only, ``held2`` was
chosen and judged once the rules were frozen after round 2, ``held3``,
``held4``, ``held5``, ``held6``, ``held7``, ``held8``, ``held9``, ``held10``,
``held11``, ``held12``, ``held13`` and ``held14`` were chosen and judged
before rounds 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 and 14, and ``held15``
(30 articles) was chosen and judged once the rules were frozen after round
14, as ``held16`` (30 articles) was after round 15 (docs/facets.md).
Entries nobody has judged yet are counted apart (and printed with
``--show``).

``--choose FIRST LAST`` prints the ids at positions FIRST..LAST (from 1) of
the choice the held-back parts since ``held3`` come from (``choice``).

    python benchmarks/facets.py [--data ../shared/data/news/ant_v2.1.jsonl.gz]
                                [--baseline REV] [--show] [--lists]
                                [--choose FIRST LAST] [--write-docs [BLOCK]]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docpage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"
JUDGED = Path(__file__).resolve().parent / "facets_judged.tsv"
#: The commit before the facet rules (refine.py): the baseline's extraction.
BASE_REV = "7947e74"
TOP = 5
KINDS = ("actor", "place")
#: dev: tuned on; held: held back from the first tuning round only; held2:
#: chosen and judged once the rules were frozen after round 2; held3, held4,
#: held5, held6, held7, held8, held9, held10, held11, held12, held13, held14:
#: chosen and judged before round 3, round 4, round 5, round 6, round 7, round
#: 8, round 9, round 10, round 11, round 12, round 13, round 14; held15 (30
#: articles): chosen and judged once the rules were frozen after round 14;
#: held16 (30 articles): the same after round 15 (docs/facets.md).
PARTS = ("dev", "held", "held2", "held3", "held4", "held5", "held6", "held7",
         "held8", "held9", "held10", "held11", "held12", "held13", "held14",
         "held15", "held16")
#: The choice of articles: these categories, this much text (characters) and
#: at least CONFLICT_MIN of these words in the text (as substrings).
CATEGORIES = ("middleEast", "internationalNews")
TEXT_CHARS = (800, 2500)
CONFLICT_WORDS = ("قصف هجوم قوات مقاتل غارة اشتباك ميليشيا مسلح قتل الجيش معارك صاروخ "
                  "عسكري الحرب تفجير").split()
CONFLICT_MIN = 3

Lists = dict[str, dict[str, list[str]]]  # article id -> kind -> normalized names


def facet_lists(articles: list[dict[str, Any]]) -> dict[str, dict[str, list[list[str]]]]:
    """Top actors and places of each article: [[normalized name, shown name], ...].

    Runs with whatever ``arsearch`` is importable (this checkout or the baseline's).
    """
    from arsearch.extract import extract
    from arsearch.text.normalize import normalize

    result = {}
    for article in articles:
        body = f"{article['title']}\n{article['text']}" if article.get("title") else article["text"]
        try:
            mentions = extract(body, article.get("date"), source=article.get("source"))
        except TypeError:  # an extraction that does not know the source
            mentions = extract(body, article.get("date"))
        lists = {}
        for kind in KINDS:
            count: Counter[str] = Counter()
            first: dict[str, int] = {}
            shown: dict[str, str] = {}
            for m in mentions:
                if m.kind == kind:
                    count[m.id] += 1
                    first.setdefault(m.id, m.start)
                    shown.setdefault(m.id, m.name)
            top = sorted(count, key=lambda i: (-count[i], first[i]))[:TOP]
            lists[kind] = [[key(normalize(shown[i])), shown[i]] for i in top]
        result[article["id"]] = lists
    return result


def key(name: str) -> str:
    """The words of a normalized name, without quotes or other signs."""
    return " ".join(re.findall(r"\w+", name))


def read_judgements(path: Path) -> tuple[dict[str, str], dict[tuple[str, str, str], str]]:
    """(article id -> part, (article id, kind, normalized name) -> verdict)."""
    parts: dict[str, str] = {}
    verdicts: dict[tuple[str, str, str], str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if fields[0] == "article":
            parts[fields[1]] = fields[2]
        else:
            article, kind, name, verdict = fields[:4]
            verdicts[(article, kind, name)] = verdict
    return parts, verdicts


def read_articles(path: Path, ids: set[str]) -> list[dict[str, Any]]:
    found = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if any(f'"{i}"' in line for i in ids):
                record = json.loads(line)
                if record["id"] in ids:
                    found[record["id"]] = record
    return [found[i] for i in sorted(found)]


def choice(path: Path) -> list[str]:
    """The ids of the articles of the choice, in SHA-1 order of the id.

    Positions 60-69 of this order (from 1) are ``held3``, 70-79 ``held4``,
    80-89 ``held5``, 90-99 ``held6``, 100-109 ``held7``, 110-119 ``held8``,
    120-129 ``held9``, 130-139 ``held10``, 140-149 ``held11``, 150-159
    ``held12``, 160-169 ``held13``, 170-179 ``held14``, 180-209
    ``held15`` and 210-239 ``held16``; the earlier parts are among the
    first 59 but not all of them (docs/facets.md).
    """
    ids = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            text = record["text"]
            if (record["category"] in CATEGORIES
                    and TEXT_CHARS[0] <= len(text) <= TEXT_CHARS[1]
                    and sum(word in text for word in CONFLICT_WORDS) >= CONFLICT_MIN):
                ids.append(record["id"])
    return sorted(ids, key=lambda i: hashlib.sha1(i.encode()).hexdigest())


def baseline_run(rev: str, articles: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    """``facet_lists`` and ``seeds_facets`` run by the ``arsearch`` package of commit ``rev``."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "arsearch"],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        env = {**os.environ, "PYTHONPATH": tmp}
        out = subprocess.run([sys.executable, __file__, "--emit"], input=json.dumps(articles),
                             check=True, capture_output=True, text=True, env=env, cwd=tmp).stdout
        return json.loads(out), seeds_facets(tmp)


def seeds_facets(package_root: str) -> str:
    """The actors and places of ``arsearch stats --top 40`` on an index of ``seeds/``,
    with the ``arsearch`` package found in ``package_root``."""
    env = {**os.environ, "PYTHONPATH": package_root}
    with tempfile.TemporaryDirectory() as tmp:
        index = str(Path(tmp) / "seeds-index")
        cli = [sys.executable, "-m", "arsearch", "--index", index]
        subprocess.run([*cli, "index", str(ROOT / "seeds")], check=True, capture_output=True,
                       env=env, cwd=tmp)
        out = subprocess.run([*cli, "stats", "--top", "40"], check=True, capture_output=True,
                             text=True, env=env, cwd=tmp).stdout
    shown = out.split("actors:", 1)[-1].split("sources:", 1)[0]
    return "actors:" + "\n".join(line.split("  █")[0].rstrip() for line in shown.splitlines())


def score(lists: dict[str, Any], parts: dict[str, str],
          verdicts: dict[tuple[str, str, str], str], part: str
          ) -> tuple[int, int, int, set[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(correct entries, judged entries, unjudged entries, correct entities, unjudged keys).

    A verdict is ``y`` (right), ``n`` (wrong) or ``=NAME``: the same entity as
    NAME, right only when NAME is not in the same list (else a duplicate).
    """
    correct = judged = 0
    entities: set[tuple[str, str, str]] = set()
    unjudged: list[tuple[str, str, str]] = []
    for article, kinds in lists.items():
        if parts.get(article) != part:
            continue
        for kind in KINDS:
            names = [n for n, _ in kinds[kind]]
            for name in names:
                verdict = verdicts.get((article, kind, name))
                if verdict is None:
                    unjudged.append((article, kind, name))
                    continue
                judged += 1
                entity = verdict[1:] if verdict.startswith("=") else name
                if verdict == "y" or verdict.startswith("=") and entity not in names:
                    correct += 1
                    entities.add((article, kind, entity))
    return correct, judged, len(unjudged), entities, unjudged


def run(args: argparse.Namespace) -> int:
    if not args.data.exists():
        print(f"ANT data not found: {args.data}\npass --data FILE (see "
              "../shared/data/README.md)", file=sys.stderr)
        return 2
    parts, verdicts = read_judgements(args.judged)
    articles = read_articles(args.data, set(parts))
    base_lists, base_seeds = baseline_run(args.baseline, articles)
    systems = {"baseline": base_lists, "this checkout": facet_lists(articles)}
    sizes = Counter(parts.values())
    print(f"articles: {len(articles)} ({', '.join(f'{sizes[p]} {p}' for p in PARTS)}); "
          f"top {TOP} actors and {TOP} places each; baseline = {args.baseline}")
    print(f"{'system':14} {'part':6} {'precision':>16} {'recall':>14} {'unjudged':>9}")
    for part in PARTS:
        scored = {name: score(lists, parts, verdicts, part) for name, lists in systems.items()}
        pool = set().union(*(s[3] for s in scored.values()))
        for name, (correct, judged, unjudged, entities, keys) in scored.items():
            precision = correct / judged if judged else 0.0
            recall = len(entities) / len(pool) if pool else 0.0
            print(f"{name:14} {part:6} {precision:6.3f} ({correct:3}/{judged:3}) "
                  f"{recall:6.3f} ({len(entities):3}/{len(pool):3}) {unjudged:9}")
            if args.show:
                for article, kind, entry in keys:
                    print(f"  unjudged\t{article}\t{kind}\t{entry}")
    for name, shown in (("baseline", base_seeds), ("this checkout", seeds_facets(str(ROOT)))):
        print(f"\nthe seeds' facets, {name} (arsearch stats --top 40; articles):\n"
              f"{shown.rstrip()}")
    if args.lists:
        for article in articles:
            for name, lists in systems.items():
                for kind in KINDS:
                    shown = "، ".join(s for _, s in lists[article["id"]][kind])
                    print(f"{article['id']}\t{name}\t{kind}\t{shown}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; ``--write-docs`` also writes its page."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help=f"ANT v2.1 JSON Lines (default: {DEFAULT_DATA})")
    ap.add_argument("--judged", type=Path, default=JUDGED, help="the judgements (TSV)")
    ap.add_argument("--baseline", default=BASE_REV,
                    help=f"git revision whose extraction is the baseline [default: {BASE_REV}]")
    ap.add_argument("--show", action="store_true", help="print the unjudged entries")
    ap.add_argument("--lists", action="store_true", help="print every article's lists")
    ap.add_argument("--choose", nargs=2, type=int, metavar=("FIRST", "LAST"),
                    help="print the ids at positions FIRST..LAST (from 1) of the choice")
    ap.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    docpage.add_option(ap, "facets.md", "")
    args = ap.parse_args(argv)
    if args.choose:
        parts, _ = read_judgements(args.judged)
        first, last = args.choose
        for position, article in enumerate(choice(args.data)[first - 1:last], first):
            print(f"{position}\t{article}\t{parts.get(article, '-')}")
        return 0
    if args.emit:  # the baseline's subprocess: articles on stdin, lists on stdout
        json.dump(facet_lists(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
        return 0
    command = None if argv is None else docpage.command_line([__file__, *argv])
    return docpage.record(args.write_docs, "facets.md", lambda: run(args), "",
                          command=command)


if __name__ == "__main__":
    sys.exit(main())
