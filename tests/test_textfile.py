"""Title, byline, source and boilerplate of scraped plain-text articles."""

from pathlib import Path

import pytest

from arsearch.io.textfile import find_source, parse_text_article

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed(name: str) -> dict:
    (path,) = SEEDS.glob(f"{name}_*.txt")
    return parse_text_article(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "title_start", "author", "source"),
    [
        ("000", "«داعش» يُصعّد ضد القوات السورية", None, "الحل نت"),  # title repeated
        ("001", "", "مالك الرفاعي", "الحل نت"),  # opens with the author's name
        ("002", "", None, "SY24"),  # no title
        ("003", '"دا.عــش" يصعد عملياته', "محمد خضير", "بلدي نيوز"),  # site tag + byline
        ("004", "", None, "SY24"),
    ],
)
def test_seed_fields(name: str, title_start: str, author: str | None, source: str) -> None:
    fields = seed(name)
    assert fields["title"].startswith(title_start)
    assert fields["author"] == author
    assert fields["source"] == source


def test_repeated_title_and_site_tag_are_removed_from_the_body() -> None:
    fields = seed("003")
    assert "It's Over 9000" not in fields["title"]
    assert fields["title"] not in fields["text"]
    assert "بلدي نيوز - (محمد خضير)" not in fields["text"]


def test_boilerplate_is_dropped() -> None:
    assert "نشرتنا البريدية" not in seed("000")["text"]
    body = seed("003")["text"]
    assert "مقالات ذات صلة" not in body
    assert "موسم حصاد الزيتون" not in body  # a related-article link
    assert body.rstrip().endswith('بطرد تنظيم "داعش" منها.')


def test_crlf_and_first_line_headline() -> None:
    fields = parse_text_article("غارات على الرقة\r\n\r\nشنت الطائرات غارات على الرقة أمس.\r\n")
    assert fields["title"] == "غارات على الرقة"
    assert fields["text"] == "شنت الطائرات غارات على الرقة أمس."


def test_unknown_outlet_is_none() -> None:
    assert find_source("قال مصدر لـ (موقع غير معروف) إن") is None
