"""Build ``arsearch/data/ner_clusters.tsv``: word clusters for the name tagger.

Two steps, offline (never needed at run time):

    # 1. tokenize the ANT news corpus the way the tagger does (project venv)
    python tools/ner_clusters.py prepare [--corpus ner_corpus.txt]
    # 2. word2vec + k-means (a venv with gensim, scikit-learn, numpy)
    python tools/ner_clusters.py build [--corpus ner_corpus.txt]

The corpus file defaults to ``ner_corpus.txt`` in the system's temporary
directory.

``prepare`` writes one sentence per line of normalized words (the ``w=``
form of ``arsearch.extract.ner``; digits become ``<num>``, punctuation is
dropped). ``build`` trains skip-gram word2vec on it, keeps the most frequent
words, and clusters their unit vectors with k-means at several granularities;
each line of the TSV is ``word<TAB>c1<TAB>c2...`` (cluster ids, coarse to
fine). Deterministic given the seed and one worker thread.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "news"
SOURCES = ("ant_v1.1.jsonl.gz", "ant_v2.1.jsonl.gz")  # Apache-2.0 (ANT corpus)
OUT = ROOT / "arsearch" / "data" / "ner_clusters.tsv"
CORPUS = Path(tempfile.gettempdir()) / "ner_corpus.txt"
SIZES = (64, 256, 1024)
VOCAB = 60000


def prepare(out: Path, sources: list[Path]) -> None:
    """Tokenized, normalized sentences of the news corpora, one per line."""
    from arsearch.extract import ner

    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for src in sources:
            with gzip.open(src, "rt", encoding="utf-8") as f:
                for line in f:
                    doc = json.loads(line)
                    text = "\n".join(x for x in (doc.get("title"), doc.get("text")) if x)
                    for sent in ner.sentences(ner.pieces(text), text):
                        words = [ner.token_word(p.text) for p in sent if p.is_word]
                        if len(words) > 2:
                            fh.write(" ".join(words) + "\n")
                            n += len(words)
    print(f"wrote {out}: {n} words", file=sys.stderr)


def build(corpus: Path, out: Path, vocab: int, sizes: tuple[int, ...], dim: int,
          seed: int, min_count: int = 5) -> None:
    """word2vec on the corpus, k-means over the ``vocab`` most frequent words."""
    import numpy as np
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    from sklearn.cluster import MiniBatchKMeans

    model = Word2Vec(LineSentence(str(corpus)), vector_size=dim, window=3, min_count=min_count,
                     sg=1, negative=10, epochs=5, workers=2, seed=seed)
    words = [w for w in model.wv.index_to_key if w != "<num>"][:vocab]
    vecs = np.stack([model.wv[w] for w in words])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    labels = []
    for k in sizes:
        km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=4096, n_init=3,
                             max_iter=200)
        labels.append(km.fit_predict(vecs))
        print(f"k-means {k} done", file=sys.stderr)
    with out.open("w", encoding="utf-8") as fh:
        for i, w in enumerate(words):
            fh.write(w + "\t" + "\t".join(str(lab[i]) for lab in labels) + "\n")
    print(f"wrote {out}: {len(words)} words, {out.stat().st_size / 1e6:.2f} MB", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("step", choices=("prepare", "build"))
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--news", type=Path, default=NEWS)
    ap.add_argument("--vocab", type=int, default=VOCAB)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-count", type=int, default=5)
    args = ap.parse_args(argv)
    if args.step == "prepare":
        prepare(args.out or args.corpus, [args.news / s for s in SOURCES])
    else:
        build(args.corpus, args.out or OUT, args.vocab,
              tuple(int(s) for s in args.sizes.split(",")), args.dim, args.seed,
              args.min_count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
