"""An article as a Whoosh document: the term fields and the mention fields."""

from __future__ import annotations

import pytest

import arsearch
from arsearch.engine.schema import ALTERNATIVES, GAP, mention_fields, to_document
from arsearch.models import Mention
from arsearch.text.analyzer import analyze_terms


@pytest.mark.parametrize("title", ["", "في", "«دا.عــش» #جبل_البشري", "سطر\nثان"])
def test_title_terms_are_the_titles_words_only(title: str) -> None:
    doc = to_document(arsearch.Article(id="x", title=title, text="غارات على الرقة"))
    title_stems = [ALTERNATIVES.join(t.stems) for t in analyze_terms(title)]
    assert doc.get("title_terms", "") == " ".join(title_stems)
    assert doc["stem"] == " ".join([*title_stems, GAP, "غار", "رقه"])


def test_discovered_names_are_found_by_id_not_kept_in_the_scope() -> None:
    mentions = [Mention("actor", "militia", "new:actor:لواء اسود الشرقيه", "لواء أسود الشرقية",
                        "لواء أسود الشرقية", 0, 17),
                Mention("actor", "armed_group", "isis", "داعش", "داعش", 20, 24)]
    fields = mention_fields(mentions, None)
    assert fields["actor_ids"].split(",") == ["new:actor:لواء اسود الشرقيه", "isis"]
    assert "new:" not in fields["actor_scope"] and "isis" in fields["actor_scope"].split(",")
