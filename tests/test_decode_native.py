"""The compiled decoding of the name tagger (``arsearch.extract._cdecode``) against
its pure-Python twins: Viterbi, emission scores, pieces and sentences give
identical results on the same inputs (skipped when the extension is not in use)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsearch import native
from arsearch.extract import crf, ner

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
ANT = ROOT.parent / "shared" / "data" / "news" / "ant_v2.1.jsonl.gz"
_MODULE = "arsearch.extract._cdecode"

compiled = pytest.mark.skipif(
    ner._decode is None or crf._native is None,
    reason="arsearch.extract._cdecode is not in use (not built, or ARSEARCH_PURE_PYTHON)")


@contextmanager
def _pure() -> Iterator[None]:
    """Both modules on their pure-Python twins for the duration."""
    saved = crf._native, ner._decode
    crf._native = ner._decode = None
    try:
        yield
    finally:
        crf._native, ner._decode = saved


def _both(run: Callable[[], Any]) -> tuple[Any, Any]:
    """``run()`` on the compiled path, then on the pure-Python one: (result or
    exception type, the same for the twin)."""
    def outcome() -> Any:
        try:
            return run()
        except Exception as exc:  # the twins must raise alike
            return type(exc)
    fast = outcome()
    with _pure():
        slow = outcome()
    return fast, slow


def test_the_modules_take_the_extension_the_switch_gives() -> None:
    assert ner._decode is native.load(_MODULE)
    assert crf._native is native.load(_MODULE)


# --- Viterbi -----------------------------------------------------------------

# Few distinct values: ties between labels and paths happen often.
_SCORE = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 0.1, 0.2, 0.3, -3.5, 1e300, -1e300])
_ODD_SCORE = st.sampled_from([np.inf, -np.inf, np.nan, 0.0, 1.0])


@compiled
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_viterbi_gives_the_label_ids_of_the_numpy_decoder(data: st.DataObject) -> None:
    labels = data.draw(st.integers(1, 5))
    count = data.draw(st.integers(0, 6))
    longest = data.draw(st.integers(0, 7))
    scores = st.one_of(_SCORE, st.floats(-10, 10, allow_nan=False))
    emissions = np.array(data.draw(st.lists(scores, min_size=count * longest * labels,
                                            max_size=count * longest * labels)),
                         dtype=np.float64).reshape(count, longest, labels)
    transitions = np.array(data.draw(st.lists(scores, min_size=labels * labels,
                                              max_size=labels * labels)),
                           dtype=np.float64).reshape(labels, labels)
    lengths = np.array(data.draw(st.lists(st.integers(-1, longest + 2), min_size=count,
                                          max_size=count)), dtype=np.intp)
    fast, slow = _both(lambda: crf.viterbi(emissions, lengths, transitions))
    assert isinstance(fast, np.ndarray) and fast.dtype == slow.dtype
    assert np.array_equal(fast, slow)


@compiled
@settings(max_examples=200, deadline=None)
@given(st.data())
def test_viterbi_treats_infinities_and_nan_as_numpy_does(data: st.DataObject) -> None:
    labels = data.draw(st.integers(1, 4))
    count, longest = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    emissions = np.array(data.draw(st.lists(_ODD_SCORE, min_size=count * longest * labels,
                                            max_size=count * longest * labels)),
                         dtype=np.float64).reshape(count, longest, labels)
    transitions = np.array(data.draw(st.lists(_ODD_SCORE, min_size=labels * labels,
                                              max_size=labels * labels)),
                           dtype=np.float64).reshape(labels, labels)
    lengths = np.array(data.draw(st.lists(st.integers(1, longest), min_size=count,
                                          max_size=count)), dtype=np.intp)
    # The same ids; numpy also warns of inf - inf, which the compiled path does not.
    with np.errstate(invalid="ignore"):
        fast, slow = _both(lambda: crf.viterbi(emissions, lengths, transitions))
    assert np.array_equal(fast, slow)


@compiled
@pytest.mark.parametrize(("emissions", "lengths", "transitions"), [
    (np.zeros((0, 0, 3)), np.zeros(0, dtype=np.intp), np.zeros((3, 3))),
    (np.zeros((2, 0, 3)), np.zeros(2, dtype=np.intp), np.zeros((3, 3))),
    (np.zeros((2, 3, 0)), np.array([1, 2]), np.zeros((0, 0))),  # no labels: numpy's error
    (np.ones((2, 3, 2), dtype=np.float32), np.array([3, 1]), np.eye(2)),  # not float64
    (np.arange(12.0).reshape(2, 3, 2)[:, ::-1], np.array([3, 2], dtype=np.int32), np.eye(2)),
    (np.arange(12.0).reshape(2, 3, 2), np.array([3, 2], dtype=np.uint8), np.eye(2).T),
])
def test_viterbi_of_odd_arrays(emissions: np.ndarray, lengths: np.ndarray,
                               transitions: np.ndarray) -> None:
    fast, slow = _both(lambda: crf.viterbi(emissions, lengths, transitions))
    if isinstance(slow, type):
        assert fast is slow
    else:
        assert np.array_equal(fast, slow)


# --- pieces and sentences ------------------------------------------------------

_MESSY = st.sampled_from(list(
    "قال الرئيس بشار الأسد في دمشق" "ًٌٍَُِّْ" "ـ" "abcXYZ" "0123456789" "٠١٢٣٤٥٦٧٨٩" "۰۱۲"
    ".!?؟…،؛:-–—()«»[]\"'/\\@#_*&%$+=" " \t\n\r\u00a0\u200c\u200d\u200f\u2028\ufeff"
) + ["\ud800", "\udfff", "\U0001f600", "\x00", "\x7f", "...", "--", "www.example.com"])
_TEXTS = st.one_of(
    st.lists(_MESSY, max_size=60).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=120),
)


@compiled
@settings(max_examples=500, deadline=None)
@given(_TEXTS)
def test_pieces_and_sentences_of_any_text(text: str) -> None:
    def run() -> tuple[list[ner.Piece], list[type], list[list[ner.Piece]], list[list[ner.Piece]]]:
        found = ner.pieces(text)
        return (found, [type(p) for p in found], list(ner.sentences(found, text)),
                list(ner.sentences(found)))
    fast, slow = _both(run)
    assert fast == slow


_PIECE = st.builds(ner.Piece, st.sampled_from(["", ".", "!", "؟", "…", "..", "a", "قال", "،"]),
                   st.integers(-3, 12), st.integers(-3, 12), st.booleans())


@compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECE, max_size=200), st.text(alphabet="a.\n ب", max_size=12))
def test_sentences_of_any_pieces(items: list[ner.Piece], text: str) -> None:
    fast, slow = _both(lambda: list(ner.sentences(items, text)))
    assert fast == slow


@compiled
def test_sentences_raise_as_the_twin_does() -> None:
    for items, text in [([ner.Piece("", 0, 0, False)], "x"), ([("a", 0, 1, True)], "a"),
                        ([ner.Piece(".", 0, 1, False)], 3), (5, "")]:
        fast, slow = _both(lambda: list(ner.sentences(items, text)))  # noqa: B023
        assert isinstance(slow, type) and fast is slow


@compiled
def test_pieces_raise_as_the_twin_does() -> None:
    for text in [None, 3, b"abc"]:
        fast, slow = _both(lambda: ner.pieces(text))  # type: ignore[arg-type]  # noqa: B023
        assert isinstance(slow, type) and fast is slow


# --- emission scores and names on real text --------------------------------------


def _seed_texts() -> list[str]:
    return [path.read_text("utf-8") for path in SEEDS]


def _ant_texts(path: Path = ANT, count: int = 1000) -> list[str]:
    """The first ``count`` articles of ANT v2.1 as ingest extracts them: title, line break, text."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        articles = [json.loads(line) for line in islice(lines, count)]
    return [f"{a['title']}\n{a['text']}" if a.get("title") else a["text"] for a in articles]


def _assert_same_decoding(tagger: ner.NameTagger, texts: list[str]) -> None:
    """The same pieces, emission arrays, label ids and names on both paths, batch by batch."""
    for first in range(0, len(texts), 50):
        batch = texts[first:first + 50]
        fast, slow = _both(lambda: [list(ner.sentences(ner.pieces(t), t)) for t in batch])  # noqa: B023
        assert fast == slow
        sents = [[p.text for p in sent] for per_text in slow for sent in per_text]
        if not sents:
            continue
        padded, weights = tagger.tokens.run(sents)
        lengths = np.array([len(sent) for sent in sents], dtype=np.intp)
        starts = np.cumsum(lengths + 2) - lengths - 2
        fast, slow = _both(lambda: tagger._emissions(padded, weights, starts.tolist(),  # noqa: B023
                                                     lengths.tolist()))  # noqa: B023
        assert np.array_equal(fast, slow)
        index = np.minimum(starts[:, None] + np.arange(lengths.max()), len(slow) - 1)
        scores = slow[index]
        fast, slow = _both(lambda: crf.viterbi(scores, lengths,  # noqa: B023
                                               tagger.model.model.transitions))
        assert np.array_equal(fast, slow)
        fast, slow = _both(lambda: tagger.find_names_many(batch))  # noqa: B023
        assert fast == slow


@compiled
def test_the_seeds_decode_alike() -> None:
    texts = _seed_texts()
    _assert_same_decoding(ner.name_tagger(), texts + ["\n".join(texts), ""])


@compiled
@pytest.mark.skipif(not ANT.exists(), reason="../shared/data/news/ant_v2.1.jsonl.gz is absent")
def test_a_thousand_ant_articles_decode_alike() -> None:
    _assert_same_decoding(ner.name_tagger(), _ant_texts())


def _seed_words() -> list[str]:
    return sorted({p.text for text in _seed_texts() for p in ner.pieces(text)})


_WORDS = _seed_words()
_TOKENS = st.one_of(st.sampled_from(_WORDS), st.sampled_from(["", ".", "«", "في", "حلب", "x"]),
                    st.text(alphabet=st.sampled_from(list("بشاركالأسد.ـَ1٣a")), max_size=6))


@compiled
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_TOKENS, min_size=1, max_size=30), min_size=1, max_size=8))
def test_emission_scores_of_random_sentences(sents: list[list[str]]) -> None:
    """Shuffled real words make pairs and gazetteer contexts the texts may not hold."""
    tagger = ner.name_tagger()
    padded, weights = tagger.tokens.run(sents)
    lengths = [len(sent) for sent in sents]
    starts = (np.cumsum(np.array(lengths) + 2) - np.array(lengths) - 2).tolist()
    fast, slow = _both(lambda: tagger._emissions(padded, weights, starts, lengths))
    assert np.array_equal(fast, slow)
    fast, slow = _both(lambda: tagger.tag_sentences(sents)[0])
    assert fast == slow
