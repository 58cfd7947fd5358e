"""CSV files and standard input: the formats beside .txt and JSON Lines."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import sys
from pathlib import Path

import pytest

import arsearch
from arsearch.errors import InputError
from arsearch.io import readers
from arsearch.io.readers import read_paths, read_stream
from arsearch.models import Article

TEXT = "شنت الطائرات الروسية غارات على بلدات في ريف إدلب الجنوبي."


def read(*paths: Path | str) -> list[Article | InputError]:
    return list(read_paths(paths))


def split(items: list[Article | InputError]) -> tuple[list[Article], list[str]]:
    return ([i for i in items if isinstance(i, Article)],
            [str(i) for i in items if isinstance(i, InputError)])


# --- CSV -----------------------------------------------------------------


def test_csv_with_bom_multiline_fields_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    rows = [["ID", "Title", "text", "date", "source", "likes"],
            ["a1", "غارات", f"{TEXT}\nسطر ثان, بفاصلة و\"اقتباس\"", "2019-03-15", "SY24", "7"],
            ["a2", "", "نص", "", "", ""]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8"))
    first, second = read(path)
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.id == "a1" and first.title == "غارات" and first.source == "SY24"
    assert first.text.endswith('سطر ثان, بفاصلة و"اقتباس"') and first.published == "2019-03-15"
    assert second.id == "a2" and second.title == "" and second.published is None


def test_csv_gz_and_semicolon_separator(tmp_path: Path) -> None:
    path = tmp_path / "news.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        handle.write("id;text;published\r\nb1;نص أول;2020-01-02\r\nb2;نص ثان;\r\n")
    articles, errors = split(read(path))
    assert [a.id for a in articles] == ["b1", "b2"] and not errors
    assert articles[0].published == "2020-01-02"


def test_csv_bad_rows_are_reported_by_line_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "id,text,title\n"           # 1
        "ok1,نص,عنوان\n"            # 2
        "short,نص\n"                # 3: too few columns
        "long,نص,عنوان,زائد\n"      # 4: too many
        '"multi,"سطر\n'             # 5: broken quoting
        'ok2,"سطر\nثان",ع\n'        # 6-7: a good multi-line row after it
        ",نص بلا معرف,ع\n"          # 8: empty id
        "nodate,نص,ع\n"             # 9
        "\n"                        # 10: blank lines are not rows
        "ok3,نص,ع\n",               # 11
        encoding="utf-8",
    )
    articles, errors = split(read(path))
    assert [a.id for a in articles] == ["ok1", "ok2", "nodate", "ok3"]
    assert articles[1].text == "سطر\nثان"
    assert [e.split(": ", 1)[0] for e in errors] == [f"{path}:{n}" for n in (3, 4, 5, 8)]
    assert "2 columns where the header has 3" in errors[0]
    assert "malformed CSV" in errors[2] and "'id'" in errors[3]


def test_csv_unterminated_quote_does_not_swallow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('id,text\n1,"نص لم يغلق\n2,نص\n3,نص\n', encoding="utf-8")
    articles, errors = split(read(path))
    assert [a.id for a in articles] == ["2", "3"]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:2: malformed CSV")


def test_csv_huge_field_is_read_and_an_oversized_one_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.csv"
    big = "كلمة " * 60_000  # 300 k characters: over csv's default 128 KiB field limit
    path.write_text(f'id,text\nbig,"{big}"\nsmall,نص\n', encoding="utf-8")
    articles, errors = split(read(path))
    assert [a.id for a in articles] == ["big", "small"] and not errors
    assert len(articles[0].text) == len(big)
    # Over the article limit: reported by line, the next row still read.
    monkeypatch.setattr(readers, "MAX_ARTICLE_BYTES", 100_000)
    articles, errors = split(read(path))
    assert [a.id for a in articles] == ["small"]
    assert len(errors) == 1 and errors[0].startswith(f"{path}:2: line longer than")


def test_csv_field_size_limit_is_raised_not_lowered() -> None:
    readers._raise_field_limit()
    assert csv.field_size_limit() >= readers.MAX_ARTICLE_BYTES


def test_csv_header_without_id_or_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    (error,) = read(path)
    assert isinstance(error, InputError)
    assert str(error).startswith(f"{path}:1: the CSV header must name the columns 'id' and 'text'")


@pytest.mark.parametrize("content", [b"", b"\n \n", codecs.BOM_UTF8])
def test_empty_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    (error,) = read(path)
    assert isinstance(error, InputError) and "empty" in str(error)


def test_csv_header_only_is_no_articles_and_no_error(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("id,text\n", encoding="utf-8")
    assert read(path) == []


def test_csv_in_cp1256_and_utf16(tmp_path: Path) -> None:
    content = f"id,text\nc1,{TEXT}\n"
    old = tmp_path / "old.csv"
    old.write_bytes(content.encode("cp1256"))
    wide = tmp_path / "wide.csv"
    wide.write_bytes(content.encode("utf-16"))  # with BOM
    articles, errors = split(read(old, wide))
    assert not errors and [a.text for a in articles] == [TEXT, TEXT]


def test_csv_in_a_directory_is_indexed(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text(f"id,text\ncsv1,{TEXT}\n", encoding="utf-8")
    ix = arsearch.Index.create(tmp_path / "ix")
    report = ix.add_paths([tmp_path / "in"])
    assert report.added == 1 and not report.errors
    assert [hit.id for hit in ix.search("غارة")] == ["csv1"]


# --- standard input ------------------------------------------------------


def jsonl(*records: object) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def test_read_stream_jsonl_names_the_stream() -> None:
    data = jsonl({"id": "s1", "text": TEXT}, "not an object") + b"{broken\n"
    first, second, third = read_stream(io.BytesIO(data))
    assert isinstance(first, Article) and first.id == "s1"
    assert str(second).startswith("<stdin>:2: an article must be a JSON object")
    assert str(third).startswith("<stdin>:3: invalid JSON")


def test_read_stream_gzip_csv_and_custom_name() -> None:
    (article,) = read_stream(io.BytesIO(gzip.compress(jsonl({"id": "g", "text": "نص"}))))
    assert article.id == "g"
    (row,) = read_stream(io.BytesIO(b"id,text\nc,\xd9\x86\xd8\xb5\n"), "pipe", kind="csv")
    assert isinstance(row, Article) and row.text == "نص"
    (error,) = read_stream(io.BytesIO(b""), "pipe")
    assert str(error) == "pipe: empty input, no articles"
    with pytest.raises(ValueError):
        list(read_stream(io.BytesIO(b""), kind="xml"))


def test_dash_reads_stdin_between_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(jsonl({"id": "file", "text": "نص"}))
    stdin = io.TextIOWrapper(io.BytesIO(jsonl({"id": "piped", "text": "نص"})), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert [a.id for a in read(path, "-", path)] == ["file", "piped", "file"]


def test_index_add_paths_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(jsonl({"id": "p1", "text": TEXT})), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    ix = arsearch.Index.create(tmp_path / "ix")
    assert ix.add_paths(["-"]).added == 1
    assert ix.get("p1") is not None
