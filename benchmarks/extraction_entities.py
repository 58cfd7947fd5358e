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
(c) CRF + propagation, plus gazetteer matches where the CRF saw nothing;
(d) the public function ``arsearch.extract.extract`` (gazetteer, tagger and
    ``refine``) on pseudo-articles of 20 consecutive sentences, its mentions
    mapped back to token spans by their character offsets: places and named
    states -> LOC, persons -> PERS, other actors and sources -> ORG. This is
    what an index sees.

    python benchmarks/extraction_entities.py [--data ../shared/data/entities/anercorp]
                                             [--write-docs [BLOCK]]

``--write-docs`` then writes the printed figures into docs/extraction.md, block
``entities`` unless another is named.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from arsearch.extract import ner
from arsearch.extract.conll import Scores, Span, bio_spans, read_bio_sentences, span_scores
from arsearch.extract.gazetteer import (
    Gazetteer,
    bundled_rows,
    clitic_variants,
    merge_rows,
    name_key,
)
from arsearch.models import Mention

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


def article_text(sents: Sequence[Sentence]) -> tuple[str, list[list[tuple[int, int]]]]:
    """The sentences as one text (words joined by spaces, sentences by new lines)
    and the character span of every word of every sentence."""
    text, offsets = "", []
    for sent in sents:
        words = []
        for word, _ in sent:
            words.append((len(text), len(text) + len(word)))
            text += word + " "
        text = text[:-1] + "\n" if sent else text
        offsets.append(words)
    return text, offsets


def extract_kind(mention: Mention, gazetteer: Gazetteer) -> str | None:
    """The ANERcorp type of an ``extract`` mention (None: no name span).

    A gazetteer place or state is named (في العراق, المدعومة من إيران: LOC),
    also by its capital («اتهمت أنقرة»: Turkey acting, a LOC span in
    ANERcorp), or only qualified by an adjective phrase (الرئيس الأميركي,
    العاصمة المغربية), which names no span: ANERcorp tags no adjective.
    """
    if mention.kind == "source":
        return "ORG"  # a news outlet named as the informant: no facet, still a name
    if mention.kind not in ("place", "actor"):
        return None
    if mention.kind == "place" or mention.type == "state":
        if mention.id.startswith("new:") or _resolves(gazetteer, mention.text, mention.id):
            return "LOC"
        if mention.type == "state" and any(
                _resolves(gazetteer, mention.text, capital.id) for capital in gazetteer
                if capital.type == "capital" and capital.parent == mention.id):
            return "LOC"
        head, _, rest = mention.text.partition(" ")
        return "LOC" if rest and _resolves(gazetteer, rest, mention.id) else None
    return "PERS" if mention.type == "person" else "ORG"


def _resolves(gazetteer: Gazetteer, text: str, entity: str) -> bool:
    """``text`` is a name or alias of the gazetteer entry ``entity``, not an
    adjective of it; a mention of «للعراق» starts after the preposition, at
    «لعراق» (العراق with its alif elided)."""
    entry = gazetteer.get(entity)
    if entry is None:
        return False
    names = {name_key(n) for n in (*entry.names, *entry.context_aliases)}
    for form in ([text, "ا" + text] if text.startswith("ل") else [text]):
        key = name_key(form)
        if key and any((first, *key[1:]) in names for _, first in clitic_variants(key[0])):
            return True
    return False


def name_part(mention: Mention, gazetteer: Gazetteer) -> tuple[int, int] | None:
    """The characters of ``mention`` that are the name in ANERcorp's sense
    (None: the mention names no span).

    A gazetteer place that opens with a descriptor (دولة الكويت, محافظة
    الأنبار) or a person with a title (الرئيس السوري بشار الأسد) loses it
    when the rest still names the same entry: ANERcorp tags names without
    them. A person named only by a title alias (الرئيس الروسي, no
    word of the name) names no span. Organisations are left whole: ANERcorp
    tags them both with and without their head noun.
    """
    label = extract_kind(mention, gazetteer)
    if label is None:
        return None
    entry = None if mention.id.startswith("new:") else gazetteer.get(mention.id)
    if entry is None or label == "ORG":
        return mention.start, mention.end
    if label == "PERS" and not set(name_key(mention.text)) & set(name_key(entry.name_ar)):
        return None
    # A place loses one descriptor word (المملكة العربية السعودية stays whole);
    # a person the words of a title before the first word of its name.
    own = set(name_key(entry.name_ar))
    offset = 0
    for word in mention.text.split(" ")[:-1]:
        if label == "PERS" and set(name_key(word)) & own:
            break
        offset += len(word) + 1
        if _resolves(gazetteer, mention.text[offset:], mention.id):
            return mention.start + offset, mention.end
        if label == "LOC":
            break
    return mention.start, mention.end


def extract_spans(sents: Sequence[Sentence], doc_size: int) -> list[set[tuple[int, int, str]]]:
    """Token spans per sentence of ``arsearch.extract.extract`` run on pseudo-articles
    of ``doc_size`` sentences; a mention covers the words it overlaps."""
    from arsearch.extract import extract

    gazetteer = Gazetteer.load()
    out: list[set[tuple[int, int, str]]] = []
    for k in range(0, len(sents), doc_size):
        text, offsets = article_text(sents[k:k + doc_size])
        spans: list[set[tuple[int, int, str]]] = [set() for _ in offsets]
        for m in extract(text, gazetteer=gazetteer):
            label = extract_kind(m, gazetteer)
            if label is None:
                continue
            span = name_part(m, gazetteer)
            if span is None:
                continue
            start, end = span
            for i, words in enumerate(offsets):
                hit = [j for j, (s, e) in enumerate(words) if s < end and start < e]
                if hit:
                    spans[i].add((hit[0], hit[-1] + 1, label))
                    break
        out.extend(spans)
    return out


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
    print("command: python benchmarks/extraction_entities.py --data", os.path.relpath(args.data))
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
    show(f"(d) arsearch.extract, articles/{DOC_SIZE}", score(gold, extract_spans(sents, DOC_SIZE)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
