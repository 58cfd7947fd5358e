"""BIO tag sequences: reading CoNLL-style files, spans, and conlleval-style scores.

Shared by the name tagger (``ner.propagate``), its training tool
(``tools/train_ner.py``) and the entity benchmark, so that all three read
and score ANERcorp the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

Span = tuple[int, int, str]  # (start, end, type), token offsets
Scores = dict[str, tuple[float, float, float, int]]  # type -> (P, R, F1, gold count)


def read_bio_sentences(path: Path) -> list[list[tuple[str, str]]]:
    """Sentences of (token, tag) from lines ``token tag``, blank lines between sentences."""
    out = []
    for block in path.read_text("utf-8").split("\n\n"):
        rows = [line.rstrip().rpartition(" ") for line in block.split("\n") if line.strip()]
        if rows:
            out.append([(tok, tag) for tok, _, tag in rows])
    return out


def bio_spans(tags: Sequence[str]) -> Iterator[Span]:
    """Spans of a BIO sequence, conlleval style (an I- after O opens a span).

    >>> list(bio_spans(["B-PERS", "I-PERS", "O", "I-LOC", "B-LOC"]))
    [(0, 2, 'PERS'), (3, 4, 'LOC'), (4, 5, 'LOC')]
    """
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if tag == "O" and start < 0:  # most tags: nothing open, nothing to open
            continue
        prefix, _, label = tag.partition("-")
        if start >= 0 and (prefix != "I" or label != kind):
            yield start, i, kind
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, kind = i, label


def span_scores(gold: Iterable[set[Span]], pred: Iterable[set[Span]],
                types: Sequence[str]) -> Scores:
    """Per type precision, recall, F1 and gold count of exact span matches."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        tp.update(s[2] for s in g & p)
        fp.update(s[2] for s in p - g)
        fn.update(s[2] for s in g - p)
    out = {}
    for t in types:
        prec = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        rec = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[t] = (prec, rec, f1, tp[t] + fn[t])
    return out
