"""Hostile and odd inputs: every one yields articles or one-line errors naming it.

Fixtures are generated here in ``tmp_path``; nothing is read from the network.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import tracemalloc
from pathlib import Path

import pytest

import arsearch
from arsearch.errors import InputError
from arsearch.io import readers
from arsearch.io.readers import read_paths
from arsearch.models import Article

TITLE = "غارات روسية على ريف إدلب"
BODY = "شنت الطائرات الروسية غارات على بلدات في ريف إدلب الجنوبي، وفق مصادر محلية."
ARTICLE = f"{TITLE}\n\n{BODY}\n"


def read(*paths: Path | str) -> list[Article | InputError]:
    return list(read_paths(paths))


def split(items: list[Article | InputError]) -> tuple[list[Article], list[str]]:
    return ([i for i in items if isinstance(i, Article)],
            [str(i) for i in items if isinstance(i, InputError)])


def only_error(path: Path) -> str:
    (item,) = read(path)
    assert isinstance(item, InputError), item
    message = str(item)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def jsonl_line(record: object) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


# --- encodings -----------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256"])
def test_text_file_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    path = tmp_path / "a.txt"
    path.write_bytes(bom + ARTICLE.encode(encoding))
    (article,) = read(path)
    assert isinstance(article, Article), article
    assert article.title == TITLE and article.text == BODY


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1256"])
def test_jsonl_encodings_are_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.jsonl"
    lines = jsonl_line({"id": "a", "text": BODY}) + jsonl_line({"id": "b", "text": TITLE})
    path.write_bytes(lines.encode(encoding))
    articles, errors = split(read(path))
    assert not errors and [(a.id, a.text) for a in articles] == [("a", BODY), ("b", TITLE)]


def test_broken_utf8_is_an_error_not_mojibake(tmp_path: Path) -> None:
    """One bad byte in UTF-8 Arabic must not pass for cp1256 (it would read ط§ظ„...)."""
    data = ARTICLE.encode()
    cut = len(ARTICLE[:20].encode())
    path = tmp_path / "broken.txt"
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    message = only_error(path)
    assert f"not UTF-8 text (invalid byte 0xff at offset {cut};" in message


@pytest.mark.parametrize("text, encoding", [
    ("Привет, мир! Это проверка кодировки и ещё немного текста.", "cp1251"),
    ("Déjà vu à Marseille: l'été était très chaud, écrit-il.", "latin-1"),
])
def test_other_legacy_encodings_are_refused(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))
    assert "not UTF-8 text" in only_error(path)


def test_binary_files(tmp_path: Path) -> None:
    png = tmp_path / "image.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes((i * 151 + 7) % 256 for i in range(4096)).replace(b"\x00", b"\x01"))
    late_nul = tmp_path / "late.txt"
    late_nul.write_bytes(ARTICLE.encode() * 500 + b"\x00" + ARTICLE.encode())
    assert "binary file" in only_error(png)
    assert "not UTF-8 text" in only_error(noise) and "binary file" in only_error(noise)
    assert "binary file (contains NUL bytes)" in only_error(late_nul)


def test_utf16_without_bom_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes(ARTICLE.encode("utf-16-le"))
    assert "UTF-16 without a byte-order mark" in only_error(path)


def test_nul_bytes_in_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    raw = jsonl_line({"id": "raw", "text": "نص"}).replace("نص", "ن\x00ص").encode()
    escaped = jsonl_line({"id": "esc\u0000aped", "text": "ن\u0000ص"}).encode()
    assert b"\x00" in raw and b"\x00" not in escaped
    path.write_bytes(raw + escaped)
    error, article = read(path)
    assert str(error).startswith(f"{path}:1: contains NUL bytes")
    assert isinstance(article, Article) and article.id == "escaped" and article.text == "نص"


def test_binary_jsonl_and_csv_are_one_error(tmp_path: Path) -> None:
    # Issue 24: a binary file is reported once, not once per "line".
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8 + b"\n\x00\x00{\n" * 300
    for name, what in (("ls.jsonl", "JSON Lines"), ("ls.ndjson", "JSON Lines"), ("ls.csv", "CSV")):
        path = tmp_path / name
        path.write_bytes(elf)
        assert only_error(path) == f"{path}: a binary file, not {what}"
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes(jsonl_line({"id": "w", "text": "نص"}).encode("utf-16-le") * 3)
    assert "a binary file (or UTF-16 without a byte-order mark)" in only_error(wide)
    # A good line in the first block: read line by line as before.
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(elf[:8] + b"\n" + jsonl_line({"id": "ok", "text": "نص"}).encode())
    articles, errors = split(read(mixed))
    assert [a.id for a in articles] == ["ok"] and errors == [f"{mixed}:1: contains NUL bytes "
                                                             "(binary data?)"]


def test_lone_surrogates_are_replaced_so_the_index_can_store_them(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "s\\ud800", "text": "نص \\udc80 سليم", "title": "\\ud83d\\ude00"}\n',
                    encoding="utf-8")
    (article,) = read(path)
    assert isinstance(article, Article)
    assert article.id == "s\ufffd" and article.text == "نص \ufffd سليم" and article.title == "😀"
    ix = arsearch.Index.create(tmp_path / "ix")
    assert ix.add_paths([path]).added == 1
    assert [hit.id for hit in ix.search("سليم")] == ["s\ufffd"]


# --- empty and huge ------------------------------------------------------


@pytest.mark.parametrize("content", ["", " \n\t\r\n", "\ufeff", "\u200f\u200b \u200e\n\u2067"])
def test_empty_text_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(content, encoding="utf-8")
    assert "empty file" in only_error(path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", codecs.BOM_UTF8 + b"\n"])
def test_empty_jsonl_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    assert "empty input" in only_error(path)


def test_a_50_mb_text_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk and no time
    tracemalloc.start()
    try:
        message = only_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "too large for one article (50.0 MiB, limit 10.0 MiB)" in message
    assert peak < 1024 * 1024


def test_text_file_limit_applies_at_the_boundary(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setattr(readers, "MAX_ARTICLE_BYTES", size)
    assert isinstance(read(path)[0], Article)
    monkeypatch.setattr(readers, "MAX_ARTICLE_BYTES", size - 1)
    assert "too large" in only_error(path)


def test_a_50_mb_jsonl_file_streams_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    line = jsonl_line({"id": "x", "text": BODY * 60}).encode()  # about 8 KB
    count = 50 * 1024 * 1024 // len(line) + 1
    with path.open("wb") as handle:
        for i in range(count):
            handle.write(line.replace(b'"x"', b'"%d"' % i, 1))
    assert path.stat().st_size > 50 * 1024 * 1024
    tracemalloc.start()
    try:
        seen = sum(1 for item in read_paths([path]) if isinstance(item, Article))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 4 * 1024 * 1024  # a few lines' worth, not the file


def test_an_over_long_jsonl_line_is_skipped_and_the_next_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_ARTICLE_BYTES", 1000)
    monkeypatch.setattr(readers, "_SKIP_CHUNK", 64)
    path = tmp_path / "long.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(jsonl_line({"id": "long", "text": "ن" * 5000}))
        handle.write(jsonl_line({"id": "short", "text": "نص"}))
    error, article = read(path)
    assert str(error).startswith(f"{path}:1: line longer than 1000 bytes")
    assert isinstance(article, Article) and article.id == "short"


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "not gzip"])
def test_damaged_gzip_keeps_what_was_read(tmp_path: Path, damage: str) -> None:
    lines = "".join(jsonl_line({"id": f"g{i}", "text": BODY * 10}) for i in range(200)).encode()
    data = gzip.compress(lines)
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "corrupt":
        data = data[:len(data) // 2] + bytes(64) + data[len(data) // 2 + 64:]
    else:
        data = lines
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(data)
    articles, errors = split(read(path))
    assert errors and len(articles) < 200 and all("\n" not in e for e in errors)
    if damage != "corrupt":  # garbage inflated from a corrupt stream is reported line by line
        assert len(errors) == 1 and errors[0].startswith(f"{path}: cannot read")


# --- JSON Lines records --------------------------------------------------


def test_bad_jsonl_records_are_reported_by_line_and_the_rest_indexed(tmp_path: Path) -> None:
    lines = [
        jsonl_line({"id": "ok1", "text": BODY}),                        # 1
        '{"id": "broken", "text": \n',                                 # 2
        "[1, 2, 3]\n",                                                 # 3
        '"just a string"\n',                                           # 4
        "null\n",                                                      # 5
        jsonl_line({"text": BODY}),                                    # 6 no id
        jsonl_line({"id": "", "text": BODY}),                          # 7 empty id
        jsonl_line({"id": " \u200f ", "text": BODY}),                  # 8 invisible id
        jsonl_line({"id": "t", "text": ["a", "list"]}),                # 9
        jsonl_line({"id": "t", "text": BODY, "title": 5}),             # 10
        jsonl_line({"id": True, "text": BODY}),                        # 11
        jsonl_line({"id": 1.5, "text": BODY}),                         # 12
        jsonl_line({"id": "d1", "text": BODY, "published": "0000-13-45"}),   # 13
        jsonl_line({"id": "d2", "text": BODY, "published": "99999-01-01"}),  # 14
        jsonl_line({"id": "d3", "text": BODY, "date": "2019-02-30"}),        # 15
        jsonl_line({"id": "d4", "text": BODY, "published": 20190315}),       # 16
        '{"id": "n", "text": "x", "views": ' + "9" * 5000 + "}\n",     # 17 int too long
        "[" * 100_000 + "]" * 100_000 + "\n",                          # 18 nested too deep
        jsonl_line({"id": "x" * 1001, "text": BODY}),                  # 19 absurd id
        jsonl_line({"id": "t", "text": "   "}),                        # 20 blank text
        jsonl_line({"id": 42, "text": BODY, "published": "2019-03-15T10:00:00Z",
                    "extra": {"nested": [1]}}),                        # 21 ok
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    items = read(path)
    assert len(items) == len(lines)
    articles, errors = split(items)
    assert [(a.id, a.published) for a in articles] == [("ok1", None), ("42", "2019-03-15")]
    assert [e.split(": ", 1)[0] for e in errors] == [f"{path}:{n}" for n in range(2, 21)]
    assert all("\n" not in e and len(e) < 300 for e in errors)
    by_line = {int(e.split(": ", 1)[0].rsplit(":", 1)[1]): e for e in errors}
    assert "invalid JSON" in by_line[2] and "must be a JSON object, got an array" in by_line[3]
    assert "missing required field 'id'" in by_line[6] and "'id'" in by_line[8]
    assert "field 'text' must be a string, got an array" in by_line[9]
    assert "'id' must be a string, got a boolean" in by_line[11]
    assert "YYYY-MM-DD, got '0000-13-45'" in by_line[13] and "99999-01-01" in by_line[14]
    assert "2019-02-30" in by_line[15] and "'published' must be a string" in by_line[16]
    assert "invalid JSON" in by_line[17] and "nested too deeply" in by_line[18]
    assert "longer than 1000" in by_line[19] and "'text'" in by_line[20]
    ix = arsearch.Index.create(tmp_path / "ix")
    report = ix.add_paths([path])
    assert (report.added, report.failed) == (2, 19)


def test_duplicate_ids_in_one_file_last_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text(jsonl_line({"id": "d", "text": "النسخة الأولى"})
                    + jsonl_line({"id": "other", "text": BODY})
                    + jsonl_line({"id": "d", "text": "النسخة الثانية"}), encoding="utf-8")
    assert [a.id for a in read(path)] == ["d", "other", "d"]  # the reader keeps both
    ix = arsearch.Index.create(tmp_path / "ix")
    report = ix.add_paths([path])
    # One batch keyed by id: the second "d" overwrote the first before writing.
    assert (report.added, report.replaced, report.failed) == (2, 0, 0)
    assert len(ix) == 2 and ix.get("d").text == "النسخة الثانية"
    assert [h.id for h in ix.search("الأولى")] == []


# --- invisible characters ------------------------------------------------

INVISIBLES = {
    "ZWSP": "\u200b", "ZWNJ": "\u200c", "ZWJ": "\u200d", "LRM": "\u200e", "RLM": "\u200f",
    "ALM": "\u061c", "RLE": "\u202b", "PDF": "\u202c", "RLO": "\u202e", "RLI": "\u2067",
    "PDI": "\u2069", "WJ": "\u2060", "ZWNBSP": "\ufeff", "SHY": "\u00ad",
}


@pytest.mark.parametrize("name", sorted(INVISIBLES))
def test_invisible_marks_inside_and_around_words_do_not_change_terms(name: str) -> None:
    mark = INVISIBLES[name]
    clean = "الغارات الروسية على بغداد"
    inside = "الغا" + mark + "رات الروسـ" + mark + "ـية على بغ" + mark + "داد"
    around = mark + clean.replace(" ", mark + " " + mark) + mark
    assert arsearch.analyze(inside) == arsearch.analyze(clean) == ["غار", "روس", "بغداد"]
    assert arsearch.analyze(around) == arsearch.analyze(clean)


def test_search_matches_words_written_with_invisible_marks(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path / "ix")
    text = "\u202bشنت الطائرات \u200fالغا\u200cرات على\u200b بغ\u200dداد\u202c"
    ix.add_articles([{"id": "m", "text": text}])
    assert [h.id for h in ix.search("غارات بغداد")] == ["m"]
    assert [h.id for h in ix.search('"الغا\u200fرات على بغداد"')] == ["m"]


# --- the file system -----------------------------------------------------


def test_unreadable_files_and_directories_are_named(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated with a patched ``open``/``scandir``: as root chmod denies nothing."""
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "secret.jsonl").write_text(jsonl_line({"id": "j", "text": "ن"}), "utf-8")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "in.txt").write_text(ARTICLE, encoding="utf-8")
    real_open, real_scandir = Path.open, os.scandir

    def deny_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name.startswith("secret"):
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def deny_scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", deny_open)
    monkeypatch.setattr(os, "scandir", deny_scandir)
    articles, errors = split(read(tmp_path))
    assert [a.id for a in articles] == ["good"]
    assert errors == [f"{tmp_path / 'secret.jsonl'}: cannot read: permission denied",
                      f"{tmp_path / 'secret.txt'}: cannot read: permission denied",
                      f"{tmp_path / 'locked'}: cannot list directory: permission denied"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_for_real(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    path.chmod(0)
    try:
        assert "permission denied" in only_error(path)
    finally:
        path.chmod(0o644)


def test_symlink_loops_and_broken_links(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "sub" / "up").symlink_to("..")                 # directory loop
    (root / "loop1.txt").symlink_to("loop2.txt")           # file loop
    (root / "loop2.txt").symlink_to("loop1.txt")
    (root / "dangling.jsonl").symlink_to("nowhere.jsonl")  # broken link
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "linked").symlink_to(tmp_path / "elsewhere")   # followed
    articles, errors = split(read(root, root / "loop1.txt"))
    assert [a.id for a in articles] == ["b", "a"]
    assert errors == [
        f"{root / 'dangling.jsonl'}: broken symbolic link (its target does not exist)",
        f"{root / 'loop1.txt'}: symbolic link loop (too many levels of symbolic links)",
        f"{root / 'loop2.txt'}: symbolic link loop (too many levels of symbolic links)",
        f"{root / 'sub' / 'up'}: symbolic link loop (leads back to a directory above it)",
        f"{root / 'loop1.txt'}: symbolic link loop (too many levels of symbolic links)",
    ]


def test_special_files_and_odd_names(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")  # reading it would block forever
    odd = tmp_path / "line\nbreak.txt"
    odd.write_bytes(b"\x00binary")
    errors = [str(e) for e in read(tmp_path, "bad\x00name.txt")]
    assert errors == [f"{tmp_path}/line\\x0abreak.txt: binary file (contains NUL bytes)",
                      f"{tmp_path / 'pipe.jsonl'}: not a regular file",
                      "bad\\x00name.txt: invalid file name"]
