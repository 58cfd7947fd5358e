"""Reading articles from files: formats, encodings and errors that name the input."""

import gzip
import json
from pathlib import Path

from arsearch.errors import InputError
from arsearch.io.readers import read_paths
from arsearch.models import Article


def read(*paths: Path) -> list:
    return list(read_paths(paths))


def test_seed_directory(seeds_dir: Path) -> None:
    articles = read(seeds_dir)
    assert [a.id for a in articles] == sorted(p.stem for p in seeds_dir.glob("*.txt"))
    assert all(isinstance(a, Article) for a in articles)


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffعنوان\r\n\r\nنص المقال هنا.\r\n".encode())
    (article,) = read(path)
    assert article.id == "bom" and article.title == "عنوان" and article.text == "نص المقال هنا."


def test_jsonl_gz_with_date_field(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl.gz"
    rows = [{"id": "a", "title": "t", "text": "نص", "date": "2018-02-18", "source": "bbc"}]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    (article,) = read(path)
    assert article.published == "2018-02-18" and article.source == "bbc"


def test_broken_jsonl_line_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"id": "ok", "text": "نص"}\n{broken\n{"id": "x"}\n', encoding="utf-8")
    items = read(path)
    assert isinstance(items[0], Article)
    assert isinstance(items[1], InputError) and str(items[1]).startswith(f"{path}:2:")
    assert isinstance(items[2], InputError) and "'text'" in str(items[2])


def test_bad_files_are_errors_not_exceptions(tmp_path: Path) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    latin1 = tmp_path / "old.txt"  # not UTF-8, and not Arabic in cp1256 either
    latin1.write_bytes("Déjà vu à Marseille, été".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    other = tmp_path / "notes.xml"
    other.write_text("<a/>", encoding="utf-8")
    errors = read(binary, latin1, empty, other, tmp_path / "missing.txt")
    assert all(isinstance(e, InputError) for e in errors)
    messages = [str(e) for e in errors]
    assert "binary" in messages[0] and "UTF-8" in messages[1] and "empty" in messages[2]
    assert "unsupported" in messages[3] and "no such file" in messages[4]
    assert all(m.startswith(str(tmp_path)) for m in messages)


def test_bad_date_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "text": "نص", "published": "yesterday"}\n', encoding="utf-8")
    (error,) = read(path)
    assert isinstance(error, InputError) and "YYYY-MM-DD" in str(error)
