"""How the engine collects matches: publication dates read a segment at a time."""

from pathlib import Path

from whoosh import index as windex

import arsearch
from arsearch.engine.collect import published_column


def test_the_publication_dates_read_whole_equal_a_read_per_article(tmp_path: Path) -> None:
    ix = arsearch.Index.create(tmp_path)
    for batch in range(3):  # three segments, undated articles among them, one deleted
        ix.add_articles([{"id": f"{batch}-{i}", "text": f"خبر رقم {i}",
                          **({"published": f"201{batch}-0{1 + i % 9}-1{i % 10}"}
                             if i % 3 else {})} for i in range(40)])
    ix.delete(["1-4"])
    ix.add_articles([{"id": "late", "text": "خبر أخير"}])  # undated, in a segment of its own
    with windex.open_dir(str(ix.path)).searcher() as searcher:
        column = searcher.reader().column_reader("published")

        def one(docnum: int) -> str:
            try:
                return column[docnum] or ""
            except IndexError:  # a segment's column ends at its last dated article
                return ""

        each = [one(d) for d in range(searcher.reader().doc_count_all())]
        assert len(searcher.leaf_searchers()) > 1
        assert published_column(searcher) == each and any(each) and "" in each
    assert [h.published for h in ix.search(None, limit=2)] == ["2012-09-18", "2012-09-17"]
