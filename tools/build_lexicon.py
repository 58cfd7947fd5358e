"""Build ``arsearch/data/lexicon.tsv``: short words attested in news text, with counts.

The stemmer reads a short word that begins like a clitic (بتل, وجبل, بقوة) as
clitic + word too when the rest is a word that news text uses on its own
(``arsearch.text.stem``). This script counts the words of the ANT news corpus
(Apache-2.0, see ``arsearch/data/LEXICON_SOURCES.md``) and keeps the short
ones seen often enough:

    python tools/build_lexicon.py [--news ../shared/data/news] [--min-count 20]

Words are folded as the analyzer folds them (``fold_letters``, ة as ه);
only words of 2 to ``MAX_LETTERS`` Arabic letters are kept, since a longer
word's clitics are decided without the lexicon. Deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from pathlib import Path

from arsearch.text.normalize import fold_letters, normalize_teh_marbuta

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "data" / "news"
SOURCES = ("ant_v1.1.jsonl.gz", "ant_v2.1.jsonl.gz")  # Apache-2.0 (ANT corpus)
OUT = ROOT / "arsearch" / "data" / "lexicon.tsv"
MAX_LETTERS = 5
_WORD_RE = re.compile(r"[\u0621-\u064a\u0640\u064b-\u0652\u0670]+")


def count(sources: list[Path]) -> Counter[str]:
    """Folded short words of the corpora and how often each occurs."""
    counts: Counter[str] = Counter()
    for source in sources:
        with gzip.open(source, "rt", encoding="utf-8") as lines:
            for line in lines:
                article = json.loads(line)
                text = " ".join(article.get(k) or "" for k in ("title", "abstract", "text"))
                for raw in _WORD_RE.findall(text):
                    word = normalize_teh_marbuta(fold_letters(raw))
                    if 2 <= len(word) <= MAX_LETTERS:
                        counts[word] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news", type=Path, default=NEWS, help="folder of the ANT files")
    parser.add_argument("--min-count", type=int, default=20,
                        help="keep words seen at least this often")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    counts = count([args.news / name for name in SOURCES])
    kept = sorted((w for w, n in counts.items() if n >= args.min_count),
                  key=lambda w: (-counts[w], w))
    header = ("# Short words attested in the ANT news corpus (Apache-2.0), folded, and their\n"
              f"# counts (>= {args.min_count}); built by tools/build_lexicon.py.\n")
    args.out.write_text(header + "".join(f"{w}\t{counts[w]}\n" for w in kept),
                        encoding="utf-8")
    print(f"{len(kept)} words of {len(counts)} written to {args.out}")


if __name__ == "__main__":
    main()
