"""The numpy CRF decoder: the best path by brute force, and unreadable model files."""

from __future__ import annotations

import itertools
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arsearch.errors import ArsearchError
from arsearch.extract import crf

_SCORES = st.floats(-4, 4, allow_nan=False).map(lambda x: round(x, 1))  # ties happen


def _score(path: tuple[int, ...], emissions: np.ndarray, transitions: np.ndarray) -> float:
    total = emissions[0, path[0]]
    for t in range(1, len(path)):
        total += transitions[path[t - 1], path[t]] + emissions[t, path[t]]
    return total


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_viterbi_finds_a_best_path_of_every_sentence(data: st.DataObject) -> None:
    labels = data.draw(st.integers(1, 3))
    lengths = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    longest = max(lengths)
    emissions = np.array(data.draw(st.lists(
        st.lists(st.lists(_SCORES, min_size=labels, max_size=labels),
                 min_size=longest, max_size=longest),
        min_size=len(lengths), max_size=len(lengths))))
    transitions = np.array(data.draw(st.lists(
        st.lists(_SCORES, min_size=labels, max_size=labels), min_size=labels, max_size=labels)))
    best = crf.viterbi(emissions, np.array(lengths), transitions)
    for b, n in enumerate(lengths):
        found = tuple(best[b, :n].tolist())
        top = max(_score(p, emissions[b], transitions)
                  for p in itertools.product(range(labels), repeat=n))
        assert _score(found, emissions[b], transitions) == pytest.approx(top)


def test_viterbi_of_nothing() -> None:
    assert crf.viterbi(np.zeros((0, 0, 3)), np.zeros(0, dtype=np.intp),
                       np.zeros((3, 3))).shape == (0, 0)


_TRUNCATED = b"lCRF" + bytes(4) + b"FOMC" + bytes(16) + (10**6).to_bytes(4, "little") + bytes(16)


@pytest.mark.parametrize("content", [b"", b"lCRF", b"\x00" * 64, b"lCRF" + b"\xff" * 60,
                                     _TRUNCATED])
def test_unreadable_model_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.crfsuite"
    path.write_bytes(content)
    with pytest.raises(crf.ModelError, match="model.crfsuite") as error:
        crf.Model.read(path, {"O": 0}, {"bias": 0})
    assert error.value.path == str(path)
    assert isinstance(error.value, ArsearchError) and isinstance(error.value, ValueError)


def test_a_feature_out_of_range(tmp_path: Path) -> None:
    """A model whose one feature names attribute 5 of 1."""
    feature = (0).to_bytes(4, "little") + (5).to_bytes(4, "little") + bytes(4) + bytes(8)
    header = (b"lCRF" + bytes(4) + b"FOMC" + bytes(8) + (1).to_bytes(4, "little") * 2
              + (48).to_bytes(4, "little") + bytes(16))
    path = tmp_path / "model.crfsuite"
    path.write_bytes(header + b"FEAT" + bytes(4) + (1).to_bytes(4, "little") + feature)
    with pytest.raises(crf.ModelError, match="lacks"):
        crf.Model.read(path, {"O": 0}, {"bias": 0})


#: The bundled model, whose names ``Model.load`` reads from its string tables.
BUNDLED = resources.files("arsearch.data").joinpath("ner.crfsuite").read_bytes()


@pytest.mark.parametrize("cut", [0, 30, 1_117_250, 1_119_700, 2_000_000])
def test_a_truncated_model_file_names_itself_when_its_names_are_read(cut: int) -> None:
    data = BUNDLED
    assert len(crf.Model.load(data, source="whole").attributes) > 30_000
    with pytest.raises(crf.ModelError, match="cut.crfsuite"):
        crf.Model.load(data[:cut], source="cut.crfsuite")


@settings(max_examples=40, deadline=None)
@given(st.integers(24, len(BUNDLED) - 1), st.integers(0, 255))
def test_a_damaged_byte_in_a_model_file_is_an_error_or_a_model(at: int, value: int) -> None:
    data = bytearray(BUNDLED)
    data[at] = value
    try:
        model = crf.Model.load(bytes(data), source="damaged")
    except crf.ModelError:
        return
    assert len(model.labels) == 9
