"""Entity-extraction benchmark: PERS / ORG / LOC on the ANERcorp test split.

Span-level exact match, CoNLL style, per type, on the standard CAMeL Lab
test split (924 sentences) for:

(0) the baseline: the CRF alone, before the organisation rules of issue 27
    (no ``NameRules``, no ``gazetteer_organisations.tsv``), with propagation;
(a) the tagger (``arsearch.extract.ner``: the CRF and its ``NameRules``),
    sentence by sentence, and with name propagation over pseudo-articles of
    20 consecutive sentences;
(b) the gazetteer matcher (``arsearch.extract.entities.find_entities``):
    places -> LOC, person actors -> PERS, other actors -> ORG;
(c) CRF + propagation, plus gazetteer matches where the CRF saw nothing.

    python benchmarks/extraction_entities.py [--data ../shared/data/entities/anercorp]
                                             [--write-docs [BLOCK]]

``--write-docs`` then writes the printed figures into docs/extraction.md, block
``entities`` unless another is named.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from arsearch.extract import ner
from arsearch.extract.conll import Scores, Span, bio_spans, read_bio_sentences, span_scores
from arsearch.extract.gazetteer import Gazetteer, bundled_rows, merge_rows

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docpage  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "entities" / "anercorp"
TEST_FILE = "ANERCorp_CamelLab_test.txt"
DOC_SIZE = 20
ORGANISATIONS_FILE = "gazetteer_organisations.tsv"

Sentence = list[tuple[str, str]]


def crf_tags(sents: Sequence[Sentence], doc_size: int,
             tagger: ner.NameTagger | None = None) -> list[list[str]]:
    """Tags per sentence by ``tagger`` (None: the bundled one, as ``extract`` tags);
    with ``doc_size``, propagated over pseudo-articles (short forms of organisations
    too, unless the tagger runs without its rules)."""
    words = [[w for w, _ in s] for s in sents]
    tags = [(tagger or ner.name_tagger()).tag_tokens(ws) for ws in words]
    if not doc_size:
        return tags
    short_forms = tagger is None or tagger.rules
    out: list[list[str]] = []
    for k in range(0, len(tags), doc_size):
        out.extend(ner.propagate(words[k:k + doc_size], tags[k:k + doc_size],
                                 short_forms=short_forms))
    return out


def baseline_tagger() -> ner.NameTagger:
    """The tagger as it was before the organisation rules (issue 27): the same
    CRF model, without ``NameRules`` and without the organisations' gazetteer file."""
    rows = [row for row in bundled_rows() if not row[0].endswith(ORGANISATIONS_FILE)]
    return ner.NameTagger(ner.Features(gazetteer=Gazetteer(merge_rows(rows))), rules=False)


def gazetteer_spans(sent: Sentence) -> set[tuple[int, int, str]] | None:
    """Token spans the gazetteer matcher finds in the sentence (None: no matcher)."""
    try:
        from arsearch.extract.entities import find_entities
    except ImportError:
        return None
    text, starts, ends = "", [], []
    for word, _ in sent:
        starts.append(len(text))
        text += word
        ends.append(len(text))
        text += " "
    spans = set()
    for m in find_entities(text):
        if m.kind == "place":
            kind = "LOC"
        elif m.kind == "actor":
            kind = "PERS" if m.type == "person" else "ORG"
        else:
            continue
        first = next((i for i, e in enumerate(ends) if e > m.start), None)
        last = next((i for i in range(len(starts) - 1, -1, -1) if starts[i] < m.end), None)
        if first is not None and last is not None and first <= last:
            spans.add((first, last + 1, kind))
    return spans


def combine(crf: set[tuple[int, int, str]],
            gaz: set[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
    """CRF spans, plus gazetteer LOC spans over tokens the CRF left untagged."""
    covered = {i for s, e, _ in crf for i in range(s, e)}
    extra = {(s, e, k) for s, e, k in gaz
             if k == "LOC" and not covered.intersection(range(s, e))}
    return crf | extra


def score(gold: list[set[Span]], pred: list[set[Span]]) -> Scores:
    """Per type P/R/F1 over the tagger's types."""
    return span_scores(gold, pred, ner.TYPES)


def show(name: str, result: Scores) -> None:
    """One line per type."""
    for t, (p, r, f, n) in result.items():
        print(f"{name:34} {t:5} P={p:.3f} R={r:.3f} F1={f:.3f} (gold {n})")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; ``--write-docs`` also writes its page."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help=f"directory holding {TEST_FILE} (default: {DEFAULT_DATA})")
    docpage.add_option(ap, "extraction.md", "entities")
    args = ap.parse_args(argv)
    command = None if argv is None else docpage.command_line([__file__, *argv])
    return docpage.record(args.write_docs, "extraction.md", lambda: run(args), "entities",
                          command=command)


def run(args: argparse.Namespace) -> int:
    """Score the tagger and the gazetteer on the test split and print the figures."""
    path = args.data / TEST_FILE
    if not path.exists():
        print(f"ANERcorp test split not found: {path}\n"
              "pass --data DIR (see ../shared/data/README.md)", file=sys.stderr)
        return 2
    sents = read_bio_sentences(path)
    gold = [set(bio_spans([t for _, t in s])) for s in sents]
    n_tokens = sum(len(s) for s in sents)
    print("command: python benchmarks/extraction_entities.py --data", args.data)
    print(f"test split: {len(sents)} sentences, {n_tokens} tokens\n")

    base = [set(bio_spans(t)) for t in crf_tags(sents, DOC_SIZE, baseline_tagger())]
    show(f"(0) baseline: CRF alone + prop./{DOC_SIZE}", score(gold, base))
    ner.tag_tokens(["تحميل"])  # load the model outside the timing
    t0 = time.perf_counter()
    plain = crf_tags(sents, 0)
    elapsed = time.perf_counter() - t0
    show("(a) tagger, per sentence", score(gold, [set(bio_spans(t)) for t in plain]))
    print(f"    {elapsed * 1000 / n_tokens * 1000:.0f} ms per 1000 tokens")
    propagated = [set(bio_spans(t)) for t in crf_tags(sents, DOC_SIZE)]
    show(f"(a) tagger + propagation/{DOC_SIZE}", score(gold, propagated))

    gaz = [gazetteer_spans(s) for s in sents]
    if any(g is None for g in gaz):
        print("(b) gazetteer: arsearch.extract.entities.find_entities not available")
        return 0
    gaz_spans = [g or set() for g in gaz]
    show("(b) gazetteer find_entities", score(gold, gaz_spans))
    show("(c) tagger + prop. + gaz LOC", score(
        gold, [combine(c, g) for c, g in zip(propagated, gaz_spans, strict=True)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
