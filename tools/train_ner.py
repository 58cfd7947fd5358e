"""Train the PERS / ORG / LOC tagger (``arsearch/data/ner.crfsuite``) on ANERcorp.

Only the train part is used: the first 5/6 (by tokens) of
``ANERCorp_full_BIO.txt``; the last 1/6 holds the CAMeL Lab test split.
Hyperparameters are chosen on the last 10% of the train part (``--tune``),
never on the test split. Reproducible: same data and options give the same
model (L-BFGS is deterministic).

    python tools/train_ner.py                       # train with the chosen settings
    python tools/train_ner.py --tune                # grid over c1 / c2 on the held-out slice
    python tools/train_ner.py --check-leakage       # test split vs. train part overlap
    python tools/train_ner.py --evaluate-test       # also report the test split
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pycrfsuite

from arsearch.extract import ner
from arsearch.extract.conll import Scores, bio_spans, read_bio_sentences, span_scores

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "entities" / "anercorp"
DEFAULT_PETRARCH = ROOT.parent / "shared" / "data" / "entities" / "petrarch_ar"
DEFAULT_OUT = ROOT / "arsearch" / "data" / ner.MODEL_FILE
FULL_FILE = "ANERCorp_full_BIO.txt"
TEST_FILE = "ANERCorp_CamelLab_test.txt"
#: Chosen with --tune on the held-out 10% of the train part.
C1, C2, MAX_ITER, MIN_FREQ = 0.1, 0.05, 200, 1.0
AUGMENT = 2
AUGMENT_ORG = 0
#: Self-training: news sentences tagged by a first model, kept above MIN_PROB.
SELF_TRAIN, MIN_PROB = 0, 0.9
#: Consecutive sentences treated as one article when scoring name propagation.
DOC_SIZE = 20

Sentence = list[tuple[str, str]]  # (token, BIO tag)


def read_full(path: Path) -> list[tuple[str, str]]:
    """All (token, tag) lines of the whole-corpus file, in order."""
    rows = []
    for line in path.read_text("utf-8").split("\n"):
        if not line.strip():
            continue
        token, _, tag = line.rstrip().rpartition(" ")
        rows.append((token.strip(), tag))
    return rows


def train_part(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The first 5/6 of the corpus by tokens."""
    return rows[: len(rows) * 5 // 6]


def to_sentences(rows: Iterable[tuple[str, str]]) -> list[tuple[list[str], list[str]]]:
    """Gold tokens -> run-time pieces with tags, cut into sentences as at run time."""
    items: list[ner.Piece] = []
    tags: list[str] = []
    for token, tag in rows:
        label = tag.partition("-")[2]
        for k, piece in enumerate(ner.pieces(token)):
            items.append(piece)
            tags.append(tag if k == 0 else (f"I-{label}" if label else "O"))
    out = []
    pos = 0
    for sent in ner.sentences(items):
        out.append(([p.text for p in sent], tags[pos:pos + len(sent)]))
        pos += len(sent)
    return out


def train(data: Sequence[tuple[list[str], list[str]]], path: Path, *, c1: float, c2: float,
          max_iter: int, min_freq: float, verbose: bool = False,
          features: ner.Features | None = None) -> None:
    """Fit an L-BFGS CRF on (tokens, tags) sentences and save it to ``path``.

    ``features``: the clusters and gazetteer (None: the bundled ones).
    """
    features = features if features is not None else ner.features_of()
    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=verbose)
    for tokens, tags in data:
        trainer.append(features.sentence_features(tokens), tags)
    trainer.set_params({
        "c1": c1, "c2": c2, "max_iterations": max_iter,
        "feature.minfreq": min_freq, "feature.possible_transitions": True,
    })
    trainer.train(str(path))


# --- person-name augmentation ---------------------------------------------------

_TITLES = ("رئيس", "وزير", "ملك", "شيخ", "جنرال", "أمين", "عام", "نائب", "سفير", "أمير", "عاهل",
           "قائد", "مستشار", "زعيم", "سيد", "دكتور", "عقيد", "لواء", "عميد", "مرشد", "وزراء")


_NOT_NAMES = ("بيت", "جندي", "ملكة", "ضعف", "نسبة", "قوة", "شرطة")


def petrarch_persons(path: Path) -> list[list[str]]:
    """Person names of the UniversalPetrarch Arabic actor dictionary (MIT).

    Persons are the multi-word entries with dated roles; organisation heads,
    titles and nationality adjectives are left out. Words are lemmas joined by
    ``_`` (a few surnames lose a final letter: اولمر), good enough for
    first names and most family names.
    """
    titles = ner.word_list(*_TITLES)
    adjectives = ner.features_of().adjectives
    stop = (ROOT / "arsearch" / "data" / "stopwords.txt").read_text("utf-8").split()
    triggers = ner.TRIGGERS
    skip = (titles | triggers["org"] | triggers["loc"] | triggers["pers"] | adjectives
            | ner.word_list(*stop, *_NOT_NAMES))
    lines = path.read_text("utf-8").split("\n")
    names: dict[tuple[str, ...], None] = {}
    for i, line in enumerate(lines):
        if not line or line[0].isspace() or line.startswith("#") or "[" in line:
            continue
        roles = list(itertools.takewhile(lambda x: x.startswith("\t"), lines[i + 1:]))
        if not any(any(c.isdigit() for c in r) for r in roles):
            continue
        words = [w for w in line.strip().split("_") if w]
        keys = [ner.token_word(w) for w in words]
        if 2 <= len(words) <= 4 and all(len(k) > 1 and k not in skip for k in keys):
            names[tuple(words)] = None
    return [list(n) for n in names]


def org_names(data: Sequence[tuple[list[str], list[str]]]) -> list[list[str]]:
    """The distinct ORG spans of the (train) sentences, clitic on the first word removed."""
    names: dict[tuple[str, ...], None] = {}
    for tokens, tags in data:
        for start, end, kind in bio_spans(tags):
            if kind == "ORG":
                name = list(tokens[start:end])
                if name[0][:1] in "وبلفك" and name[0][1:3] == "ال":
                    name[0] = name[0][1:]
                names[tuple(name)] = None
    return [list(n) for n in names]


def augment(data: list[tuple[list[str], list[str]]], names: Sequence[list[str]], copies: int,
            seed: int = 13, kind: str = "PERS") -> list[tuple[list[str], list[str]]]:
    """Copies of the sentences naming a ``kind``, with other names of that kind swapped in.

    A clitic (و، ب، ل، ف، ك) on the original name's first word is kept.
    """
    rng = random.Random(seed)
    out = []
    begin, inside = f"B-{kind}", f"I-{kind}"
    with_pers = [(t, g) for t, g in data if begin in g]
    for _ in range(copies):
        for tokens, tags in with_pers:
            new_t: list[str] = []
            new_g: list[str] = []
            i = 0
            while i < len(tokens):
                if tags[i] != begin:
                    new_t.append(tokens[i])
                    new_g.append(tags[i])
                    i += 1
                    continue
                j = i + 1
                while j < len(tokens) and tags[j] == inside:
                    j += 1
                name = list(rng.choice(names))
                first = tokens[i]
                if first[:1] in "وبلفك" and len(first) > 4 and first[1:2] != "ا":
                    name[0] = first[0] + name[0]
                new_t += name
                new_g += [begin] + [inside] * (len(name) - 1)
                i = j
            out.append((new_t, new_g))
    return out


# --- self-training on unlabelled news ----------------------------------------------

DEFAULT_NEWS = ROOT.parent / "shared" / "data" / "news"
NEWS_FILES = ("ant_v1.1.jsonl.gz", "ant_v2.1.jsonl.gz")  # ANT corpus, Apache-2.0


def news_sentences(news: Path, limit: int, seed: int = 7) -> list[list[str]]:
    """Up to ``limit`` tokenized sentences (5-60 pieces) sampled from the ANT news."""
    import gzip
    import json

    rng = random.Random(seed)
    out: list[list[str]] = []
    for name in NEWS_FILES:
        with gzip.open(news / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                if rng.random() > 0.25:
                    continue
                text = json.loads(line).get("text") or ""
                for sent in ner.sentences(ner.pieces(text), text):
                    if 5 <= len(sent) <= 60 and rng.random() < 0.3:
                        out.append([p.text for p in sent])
    rng.shuffle(out)
    return out[:limit]


def self_train_data(model: Path, news: Path, limit: int, min_prob: float,
                    features: ner.Features | None = None) -> list[tuple[list[str], list[str]]]:
    """News sentences the model tags with a name and sequence probability >= ``min_prob``."""
    features = features if features is not None else ner.features_of()
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    out = []
    for tokens in news_sentences(news, limit):
        tags = tagger.tag(features.sentence_features(tokens))
        if any(t[2:] in ner.TYPES for t in tags) and tagger.probability(tags) >= min_prob:
            out.append((tokens, list(tags)))
    print(f"self-training: {len(out)} of {limit} news sentences kept", file=sys.stderr)
    return out


# --- CoNLL-style span evaluation ----------------------------------------------

def score(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
          types: Sequence[str] = ner.TYPES) -> Scores:
    """Per type (precision, recall, F1, gold count) of tag sequences; exact span match."""
    return span_scores([set(bio_spans(g)) for g in gold], [set(bio_spans(p)) for p in pred],
                       types)


def predict(model: Path | None, sents: Sequence[Sentence], *, doc_size: int = 0,
            features: ner.Features | None = None) -> list[list[str]]:
    """Tags of gold sentences (as ``ner.tag_tokens``) by ``model`` (None: the bundled
    one) with ``features`` (None: the bundled clusters and gazetteer); with
    ``doc_size``, runs of that many sentences are treated as one article for
    ``ner.propagate``."""
    words = [[w for w, _ in sent] for sent in sents]
    if model is None:
        tagger = ner.name_tagger() if features is None else ner.NameTagger(features)
        pred = [tagger.tag_tokens(ws) for ws in words]
    else:
        crfsuite = pycrfsuite.Tagger()
        crfsuite.open(str(model))
        pred = [ner.tag_tokens_with(crfsuite, ws, features) for ws in words]
    if doc_size:
        out = []
        for k in range(0, len(pred), doc_size):
            out.extend(ner.propagate(words[k:k + doc_size], pred[k:k + doc_size]))
        pred = out
    return pred


def evaluate(model: Path | None, sents: Sequence[Sentence], *, doc_size: int = 0,
             features: ner.Features | None = None) -> dict[str, tuple[float, float, float, int]]:
    """Score a saved model (None: the bundled one) on gold sentences."""
    return score([[t for _, t in s] for s in sents],
                 predict(model, sents, doc_size=doc_size, features=features))


def show(name: str, result: dict[str, tuple[float, float, float, int]]) -> None:
    """Print one line per type."""
    for t, (p, r, f, n) in result.items():
        print(f"{name:24} {t:5} P={p:.3f} R={r:.3f} F1={f:.3f} (n={n})")


def gold_sentences(rows: Sequence[tuple[str, str]]) -> list[Sentence]:
    """Gold tokens cut at sentence-final punctuation, for scoring held-out rows."""
    out, cur = [], []
    for tok, tag in rows:
        cur.append((tok, tag))
        if tok in (".", "!", "?", "؟"):
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


# --- leakage check ------------------------------------------------------------

def check_leakage(rows: list[tuple[str, str]], test: list[Sentence], n: int = 8) -> None:
    """Report how test sentences relate to the train part and the last 1/6."""
    cut = len(rows) * 5 // 6
    train_words = [w for w, _ in rows[:cut]]
    tail_words = [w for w, _ in rows[cut:]]

    def grams(words: Sequence[str]) -> set[tuple[str, ...]]:
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}

    train_grams, tail_grams = grams(train_words), grams(tail_words)
    in_train = in_tail = total = 0
    sents_in_train = []
    for k, sent in enumerate(test):
        g = grams([w for w, _ in sent])
        total += len(g)
        in_train += len(g & train_grams)
        in_tail += len(g & tail_grams)
        if g and len(g & train_grams) / len(g) > 0.5:
            sents_in_train.append(k)
    print(f"train part: {cut} of {len(rows)} tokens; tail (last 1/6): {len(rows) - cut}")
    print(f"test: {len(test)} sentences, {sum(len(s) for s in test)} tokens")
    print(f"test {n}-grams found in the last 1/6: {in_tail}/{total} ({in_tail / total:.1%})")
    print(f"test {n}-grams found in the train part: {in_train}/{total} ({in_train / total:.1%})")
    print(f"test sentences with >50% of their {n}-grams in the train part: {len(sents_in_train)}")
    for k in sents_in_train[:10]:
        print("   ", " ".join(w for w, _ in test[k]))
    exact = {tuple(w for w, _ in s) for s in to_gold_train_sentences(rows[:cut])}
    dup = [s for s in test if tuple(w for w, _ in s) in exact]
    print(f"test sentences identical to a train sentence: {len(dup)}")


def to_gold_train_sentences(rows: Sequence[tuple[str, str]]) -> list[Sentence]:
    """Train rows cut into sentences (for the exact-duplicate check)."""
    return gold_sentences(rows)


# --- main -----------------------------------------------------------------------

def extra_data(args: argparse.Namespace,
               data: list[tuple[list[str], list[str]]]) -> list[tuple[list[str], list[str]]]:
    """Augmented sentences, if asked for and the petrarch dictionary is there."""
    path = args.petrarch / "actor_dict_ar_v4.txt"
    orgs = []
    if args.augment_org:
        names = org_names(data)
        print(f"augmenting with {len(names)} train-part ORG names x{args.augment_org}",
              file=sys.stderr)
        orgs = augment(data, names, args.augment_org, seed=17, kind="ORG")
    if not args.augment:
        return orgs
    if not path.exists():
        print(f"petrarch dictionary not found: {path}; training without augmentation",
              file=sys.stderr)
        return orgs
    names = petrarch_persons(path)
    print(f"augmenting with {len(names)} petrarch person names x{args.augment}", file=sys.stderr)
    return augment(data, names, args.augment) + orgs


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help=f"directory holding {FULL_FILE} and {TEST_FILE}")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--c1", type=float, default=C1)
    ap.add_argument("--c2", type=float, default=C2)
    ap.add_argument("--max-iter", type=int, default=MAX_ITER)
    ap.add_argument("--min-freq", type=float, default=MIN_FREQ)
    ap.add_argument("--petrarch", type=Path, default=DEFAULT_PETRARCH,
                    help="directory of the UniversalPetrarch Arabic dictionaries")
    ap.add_argument("--augment", type=int, default=AUGMENT,
                    help="copies of person sentences with petrarch names swapped in (0: none)")
    ap.add_argument("--clusters", type=Path,
                    help="word-cluster table to use instead of arsearch/data/ner_clusters.tsv")
    ap.add_argument("--self-train", type=int, default=SELF_TRAIN,
                    help="news sentences to tag for self-training (0: none)")
    ap.add_argument("--min-prob", type=float, default=MIN_PROB,
                    help="sequence probability a self-tagged sentence needs")
    ap.add_argument("--news", type=Path, default=DEFAULT_NEWS)
    ap.add_argument("--augment-org", type=int, default=AUGMENT_ORG,
                    help="copies of ORG sentences with other train-part ORG names swapped in")
    ap.add_argument("--tune", action="store_true", help="grid-search c1/c2 on the held-out slice")
    ap.add_argument("--grid-c1", default="0.05,0.1,0.2,0.4")
    ap.add_argument("--grid-c2", default="0.01,0.05,0.1")
    ap.add_argument("--holdout", action="store_true",
                    help="train on 90%% of the train part and score the last 10%%")
    ap.add_argument("--check-leakage", action="store_true")
    ap.add_argument("--evaluate-test", action="store_true",
                    help="score the written model on the test split (report only)")
    args = ap.parse_args(argv)

    full = args.data / FULL_FILE
    if not full.exists():
        print(f"ANERcorp not found: {full} (use --data)", file=sys.stderr)
        return 2
    features = (ner.Features(clusters=ner.load_clusters(args.clusters)) if args.clusters
                else ner.features_of())
    rows = read_full(full)
    train_rows = train_part(rows)
    test_path = args.data / TEST_FILE

    if args.check_leakage:
        check_leakage(rows, read_bio_sentences(test_path))
        return 0

    if args.tune or args.holdout:
        cut = len(train_rows) * 9 // 10
        fit, held = to_sentences(train_rows[:cut]), gold_sentences(train_rows[cut:])
        fit += extra_data(args, fit)
        if args.self_train:
            with tempfile.TemporaryDirectory() as tmp:
                first = Path(tmp) / "m0.crfsuite"
                train(fit, first, c1=args.c1, c2=args.c2, max_iter=args.max_iter,
                      min_freq=args.min_freq, features=features)
                fit += self_train_data(first, args.news, args.self_train, args.min_prob,
                                       features)
        grid = (itertools.product(map(float, args.grid_c1.split(",")),
                                  map(float, args.grid_c2.split(",")))
                if args.tune else [(args.c1, args.c2)])
        with tempfile.TemporaryDirectory() as tmp:
            for c1, c2 in grid:
                path = Path(tmp) / "m.crfsuite"
                t0 = time.time()
                train(fit, path, c1=c1, c2=c2, max_iter=args.max_iter, min_freq=args.min_freq,
                      features=features)
                for doc_size in (0, DOC_SIZE):
                    res = evaluate(path, held, doc_size=doc_size, features=features)
                    macro = sum(v[2] for v in res.values()) / len(res)
                    print(f"c1={c1} c2={c2} doc={doc_size} "
                          f"size={path.stat().st_size / 1e6:.1f}MB "
                          f"{time.time() - t0:.0f}s macroF1={macro:.4f} "
                          + " ".join(f"{t}={v[2]:.3f}" for t, v in res.items()), flush=True)
        return 0

    t0 = time.time()
    data = to_sentences(train_rows)
    data += extra_data(args, data)
    if args.self_train:
        train(data, args.out, c1=args.c1, c2=args.c2, max_iter=args.max_iter,
              min_freq=args.min_freq, features=features)
        data += self_train_data(args.out, args.news, args.self_train, args.min_prob, features)
    train(data, args.out, c1=args.c1, c2=args.c2, max_iter=args.max_iter,
          min_freq=args.min_freq, features=features)
    print(f"trained on {len(train_rows)} tokens / {len(data)} sentences in "
          f"{time.time() - t0:.0f}s; wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    if args.evaluate_test:
        test = read_bio_sentences(test_path)
        show("test, sentences", evaluate(args.out, test, features=features))
        show(f"test, +propagate/{DOC_SIZE}",
             evaluate(args.out, test, doc_size=DOC_SIZE, features=features))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
