"""Accuracy and speed of ``arsearch.extract.dates`` on real Arabic data.

1. Exact-span precision/recall/F1 of ``find_date_spans`` against the DATE
   spans of the Wojood nested-NER sample (tokens joined by single spaces,
   as the corpus is tokenized; no span normalization on either side).
2. Value accuracy of ``find_dates`` (no ``published``) on the absolute Arabic
   cases of dateparser's own test suite; relative and Persian cases, and cases
   without an expected value, are excluded and counted.
3. Milliseconds per seed article (``seeds/*.txt``).

    python benchmarks/extraction_dates.py [--wojood DIR] [--dateparser TSV]
        [--seeds DIR] [--errors SPLIT] [--write-docs [BLOCK]]

``--write-docs`` then writes the printed figures into docs/extraction.md, block
``dates`` unless another is named.

Reference: dateparser gets 0/6 of the Levantine and 0/21 of the Hijri cases.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import sys
import time
from pathlib import Path

from arsearch.extract.dates import find_date_spans, find_dates

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docpage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
Span = tuple[int, int]


# --- Wojood -------------------------------------------------------------------

def load_wojood(path: Path) -> list[tuple[str, set[Span]]]:
    """Sentences as (space-joined text, gold DATE character spans)."""
    sentences, tokens = [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            token, *tags = line.split(" ")
            tokens.append((token, tags))
            continue
        if not tokens:
            continue
        text, starts, gold, open_start = "", [], set(), None
        for i, (token, _tags) in enumerate(tokens):
            text += (" " if i else "")
            starts.append(len(text))
            text += token
        for i, (_token, tags) in enumerate([*tokens, ("", ["O"])]):
            end_prev = starts[i - 1] + len(tokens[i - 1][0]) if i else 0
            if "B-DATE" in tags or "I-DATE" not in tags:
                if open_start is not None:
                    gold.add((open_start, end_prev))
                open_start = starts[i] if "B-DATE" in tags else None
        sentences.append((text, gold))
        tokens = []
    return sentences


def score_spans(sentences: list[tuple[str, set[Span]]], errors: bool) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for text, gold in sentences:
        pred = set(find_date_spans(text))
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        if errors:
            for s, e in sorted(gold - pred):
                print(f"  FN «{text[s:e]}»   …{text[max(0, s - 30):e + 30]}…")
            for s, e in sorted(pred - gold):
                print(f"  FP «{text[s:e]}»   …{text[max(0, s - 30):e + 30]}…")
    return tp, fp, fn


def prf(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"gold {tp + fn:>4}  pred {tp + fp:>4}  P {p:.3f}  R {r:.3f}  F1 {f:.3f}"


# --- dateparser cases ------------------------------------------------------------

def _literal(node: ast.AST) -> object:
    """Strings, lists, tuples and ``datetime(...)`` calls of a ``param(...)`` source."""
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        if name == "datetime":
            return dt.date(*[ast.literal_eval(a) for a in node.args[:3]])
        return None
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {ast.literal_eval(k): None for k in node.keys}
    return ast.literal_eval(node)


def load_dateparser(path: Path) -> tuple[list[tuple[str, str, str | None]], dict[str, int]]:
    """Absolute cases as (group, text, expected ISO day or None = no date), and exclusions."""
    cases, excluded = [], {"relative (test_freshness / ago / period)": 0,
                           "Persian (fa)": 0, "no expected value in the case": 0}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        test_file, _line, source = line.split("\t", 2)
        source = source.strip('"').replace('""', '"')
        call = ast.parse(source, mode="eval").body
        args = [_literal(a) for a in call.args]
        kwargs = {k.arg: _literal(k.value) for k in call.keywords if k.arg}
        if test_file == "test_freshness_date_parser.py" or "ago" in kwargs or "period" in kwargs:
            excluded["relative (test_freshness / ago / period)"] += 1
        elif "fa" in args:
            excluded["Persian (fa)"] += 1
        elif test_file == "test_hijri.py":
            expected = kwargs.get("dt_obj") or (args[1] if len(args) > 1 else None)
            text = kwargs.get("dt_string") or args[0]
            cases.append(("hijri", text, expected.isoformat() if expected else None))
        elif test_file == "test_date_parser.py":
            cases.append(("absolute", args[0], args[1].isoformat()))
        elif test_file == "test_languages.py" and len(args) == 3 and isinstance(args[2], str):
            expected = _english_date(args[2])
            if expected is None:
                excluded["relative (test_freshness / ago / period)"] += 1
            else:
                group = "levantine" if args[0] != "ar" else "absolute"
                cases.append((group, args[1], expected))
        elif test_file == "test_search.py" and (len(args) >= 3 or "expected" in kwargs):
            text = kwargs.get("text") or args[1]
            expected = kwargs.get("expected") or args[2]
            if any(isinstance(s, str) and "ساعات" in s for s, _ in expected):
                excluded["relative (test_freshness / ago / period)"] += 1
                continue
            cases.extend(("search", text, day.isoformat()) for _surface, day in expected)
        else:
            excluded["no expected value in the case"] += 1
    return cases, excluded


_MONTHS_EN = ["january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december"]


def _english_date(english: str) -> str | None:
    """'6 january 2015 05:16 pm' -> '2015-01-06'; None for relative phrases."""
    words = english.split()
    for i, word in enumerate(words[1:-1], 1):
        if word in _MONTHS_EN and words[i - 1].isdigit() and words[i + 1].isdigit():
            month = _MONTHS_EN.index(word) + 1
            return dt.date(int(words[i + 1]), month, int(words[i - 1])).isoformat()
    return None


def score_values(cases: list[tuple[str, str, str | None]], verbose: bool) -> dict[str, list[int]]:
    by_group: dict[str, list[int]] = {}
    for group, text, expected in cases:
        values = [m.value for m in find_dates(text)]
        ok = (expected in values) if expected else not values
        by_group.setdefault(group, [0, 0])
        by_group[group][0] += ok
        by_group[group][1] += 1
        if verbose and not ok:
            print(f"  MISS {group}: «{text}» expected {expected} got {values}")
    return by_group


# --- main -------------------------------------------------------------------------

def main() -> int:
    """Parse the options, run the benchmark and, with ``--write-docs``, write its page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wojood", default=str(SHARED / "entities" / "wojood_sample"))
    parser.add_argument("--dateparser",
                        default=str(SHARED / "dates" / "dateparser_arabic_cases.tsv"))
    parser.add_argument("--seeds", default=str(ROOT / "seeds"))
    parser.add_argument("--errors", default="", help="print span errors of this Wojood split")
    docpage.add_option(parser, "extraction.md", "dates")
    args = parser.parse_args()
    return docpage.record(args.write_docs, "extraction.md", lambda: run(args), "dates")


def run(args: argparse.Namespace) -> int:
    """Score spans, values and speed, and print the figures."""
    wojood, dateparser, seeds = Path(args.wojood), Path(args.dateparser), Path(args.seeds)
    print("$ python benchmarks/extraction_dates.py " + " ".join(sys.argv[1:]))
    missing = [str(p) for p in (wojood, dateparser) if not p.exists()]
    if missing:
        print(f"data not found: {', '.join(missing)}; pass --wojood / --dateparser",
              file=sys.stderr)
        return 2

    print("\n1. Wojood DATE spans, exact match (find_date_spans; tuned on train/val)")
    totals = [0, 0, 0]
    for split in ("train", "val", "test"):
        sentences = load_wojood(wojood / f"{split}.txt")
        tp, fp, fn = score_spans(sentences, errors=args.errors == split)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        print(f"  {split:<6}{len(sentences):>5} sentences  {prf(tp, fp, fn)}")
    print(f"  {'all':<6}{'':>15}  {prf(*totals)}")

    print("\n2. dateparser's Arabic cases, value accuracy of find_dates (no published)")
    cases, excluded = load_dateparser(dateparser)
    groups = score_values(cases, verbose=bool(args.errors))
    for group, (ok, n) in groups.items():
        print(f"  {group:<10} {ok:>3}/{n:<3}")
    ok = sum(g[0] for g in groups.values())
    n = sum(g[1] for g in groups.values())
    print(f"  {'total':<10} {ok:>3}/{n:<3} = {ok / n:.3f}   (hijri includes 2 ambiguous-month "
          "cases expected to give no date)")
    print("  excluded: " + ", ".join(f"{why}: {k}" for why, k in excluded.items()))

    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    if texts:
        published = dt.date(2019, 3, 24)
        rounds = 50
        started = time.perf_counter()
        for _ in range(rounds):
            for text in texts:
                find_dates(text, published)
        ms = (time.perf_counter() - started) * 1000 / (rounds * len(texts))
        chars = sum(map(len, texts)) / len(texts)
        print(f"\n3. speed: {ms:.2f} ms per seed article ({len(texts)} articles, "
              f"mean {chars:.0f} chars, {rounds} rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
