"""The ``arsearch`` command: parse options, call the library, format the output.

Exit status follows grep: 0 when something matched, 1 when nothing did,
2 on any error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import sys
from typing import Any

import click

from arsearch import native
from arsearch.cli.display import Display, highlight_segments
from arsearch.cli.options import (
    EXIT_ERROR,
    EXIT_NO_MATCH,
    FILTER_HELP,
    INDEX_HELP,
    SEARCH_FORMATS,
    ArsearchGroup,
    analysis_options,
    bidi_option,
    cluster_options,
    color_option,
    fail,
    filter_options,
    gazetteer_option,
    handle_errors,
    index_option,
    iso_day,
    jobs_option,
    resolve_jobs,
    shards_option,
)
from arsearch.cli.progress import ProgressLine
from arsearch.cluster import Index, check, reindex, repair
from arsearch.extract import extract
from arsearch.index import SearchResults
from arsearch.ingest import DEFAULT_BATCH, estimate_count
from arsearch.models import plural
from arsearch.results.explain import explain as explain_hit
from arsearch.results.export import FORMATS as EXPORT_FORMATS
from arsearch.results.export import HIT_FIELDS, export, write_csv
from arsearch.results.suggest import capped_notes, no_match_help
from arsearch.results.timeline import GRANULARITIES, plot_png, timeline
from arsearch.text.analyzer import Analyzer


@click.group(cls=ArsearchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_dir", default=None, type=click.Path(file_okay=False),
              help=INDEX_HELP)
@click.version_option(package_name="arsearch",
                      message=f"%(prog)s, version %(version)s; {native.describe()}")
def main(index_dir: str | None) -> None:
    """Full-text search for Arabic news archives.

    \b
    Examples:
      arsearch index seeds/
      arsearch search "الغارات الروسية"
      arsearch search '"دير الزور" OR الرقة -روسيا' --limit 0
      arsearch show 003_4d67c2310d9d160a
      arsearch stats "غارات مكان:الرقة"
      arsearch timeline --actor داعش --by year --png isis.png
      arsearch export "هجوم" --place "دير الزور" -o hits.csv

    Shell completion: eval "$(_ARSEARCH_COMPLETE=bash_source arsearch)"
    """


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@index_option
@jobs_option("analysing articles")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), default=DEFAULT_BATCH,
              show_default=True, help="Articles per commit (memory vs. commit cost).")
@click.option("--merge/--no-merge", default=True, show_default=True,
              help="End by merging the segments written (and smaller ones) into one.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@gazetteer_option
@shards_option
@handle_errors
@analysis_options
@cluster_options
def index_command(paths: tuple[str, ...], index_dir: str, jobs: int | None, batch_size: int,
                  merge: bool, quiet: bool, gazetteer: tuple[str, ...],
                  analyzer: Analyzer | None, shards: int | None, cluster: str | None) -> None:
    """Add articles from files, directories and stdin to the index (created if missing).

    Reads .txt files (one article each; the id is the file name), JSON Lines
    (.jsonl, .jsonl.gz) and CSV (.csv, .csv.gz, a header row naming the
    fields: id, title, text, published, source, author, url). Directories
    are read recursively; - reads JSON Lines from stdin. Re-indexing an id
    replaces the article; unchanged articles are skipped. Bad inputs are
    reported by name and the rest is still indexed (exit status 2 if any
    failed). Commits every --batch articles: an interrupted ingest keeps
    what was committed, and running it again finishes the rest. Each commit
    adds a segment (two with --jobs 2); at the end they are merged into one,
    with any segment no larger than what was read, by --jobs processes
    (--no-merge to skip; a later run of the same command merges; see also
    arsearch optimize).

    Every article is tagged with the actors, places and dates it mentions.
    --gazetteer FILE keeps FILE with the index: its entries are used from
    this ingest on (articles are re-tagged) and when filters are resolved.

    The analysis options set a new index's word lists, which the index keeps
    (an existing index must be given the same ones, or none; to change them,
    arsearch reindex with the new lists).

    \b
    Examples:
      arsearch index seeds/
      arsearch index news.jsonl.gz more.csv --jobs 2
      zcat dump.jsonl.gz | arsearch index -
    """
    ix = Index.open_or_create(index_dir, analyzer=analyzer, shards=shards, cluster=cluster)
    for path in gazetteer:
        ix.add_gazetteer(path)
    interactive = not quiet and sys.stderr.isatty()
    progress = ProgressLine(sys.stderr, estimate_count(paths) if interactive else None,
                            enabled=interactive)
    try:
        report = ix.add_paths(paths, jobs=resolve_jobs(jobs),
                              batch_size=batch_size, progress=progress, merge=merge)
    except KeyboardInterrupt:
        progress.close()
        fail(f"interrupted; {index_dir} holds every batch committed before "
              "(run the same command again to finish)")
    progress.close()
    for error in report.error_lines():
        click.echo(f"arsearch: skipped {error}", err=True)
    if not quiet:
        click.echo(f"{index_dir}: {report.summary()}; {plural(len(ix), 'article')} in the index")
    if report.failed:
        sys.exit(EXIT_ERROR)


@main.command("remove")
@click.argument("ids", nargs=-1, required=True)
@index_option
@handle_errors
@cluster_options
def remove_command(ids: tuple[str, ...], index_dir: str, cluster: str | None) -> None:
    """Delete articles by id (- reads ids from stdin, one per line).

    Ids not in the index are named on stderr. Exit status 1 when none of
    the ids was in the index.
    """
    if ids == ("-",):
        ids = tuple(line.strip() for line in sys.stdin if line.strip())
    ix = Index.open(index_dir, cluster=cluster)
    missing = [i for i in dict.fromkeys(ids) if ix.get(i) is None]
    removed = ix.delete(ids)
    if missing:
        names = ", ".join(repr(i) for i in missing[:MAX_NAMED])
        more = f" and {len(missing) - MAX_NAMED} more" if len(missing) > MAX_NAMED else ""
        what = "no article with id" if len(missing) == 1 else "no articles with ids"
        click.echo(f"arsearch: {what} {names}{more} in {index_dir}", err=True)
    click.echo(f"{index_dir}: removed {removed} of {len(set(ids))} ids")
    if not removed:
        sys.exit(EXIT_NO_MATCH)


#: Ids a message names before it counts the rest.
MAX_NAMED = 10


@main.command("optimize")
@index_option
@jobs_option("sharing the merge out by field")
@handle_errors
@cluster_options
def optimize_command(index_dir: str, jobs: int | None, cluster: str | None) -> None:
    """Merge the index's segments into one (faster searches after many ingests)."""
    ix = Index.open(index_dir, cluster=cluster)
    before = ix.info()
    ix.optimize(jobs=resolve_jobs(jobs))
    after = ix.info()
    click.echo(f"{index_dir}: {plural(before.segments, 'segment')} -> {after.segments}, "
               f"{_megabytes(before.size_bytes)} -> {_megabytes(after.size_bytes)}")


@main.command("check")
@index_option
@handle_errors
def check_command(index_dir: str) -> None:
    """Read every file of the index and verify it against the last commit's checksums.

    Lists each file with its size and CRC-32, then each segment with the
    stored articles that read back. Exit status 0 when all is intact, 2 on
    damage (with the damaged files named on stderr).
    """
    report = check(index_dir)
    manifest = "recorded checksums" if report.has_manifest else \
        "no recorded checksums (sizes and articles checked only)"
    where = f"{plural(report.shards, 'shard')}" if report.shards else \
        f"generation {report.generation}"
    click.echo(f"{index_dir}: {where}, {manifest}")
    for file in report.files:
        status = "ok" if file.intact else "DAMAGED"
        size = "missing" if file.size is None else f"{file.size} bytes"
        crc = "" if file.crc is None else f"  crc32 {file.crc:08x}"
        problem = f"  ({file.problem})" if file.problem else ""
        click.echo(f"{status:8} {file.name}  {size}{crc}{problem}")
    for segment_id, counts in report.segments.items():
        click.echo(f"segment  {segment_id}: {counts[0]} of {plural(counts[1], 'stored article')} "
                   "read back")
    for problem in report.problems:
        click.echo(f"problem  {problem}")
    readable, total = report.articles
    if report.intact:
        click.echo(f"intact: {plural(total, 'article')}")
        return
    damaged = ", ".join(report.damaged_files) or "the table of contents"
    fail(f"index {index_dir!r} is damaged: {damaged}; {readable} of {plural(total, 'article')} "
         f"read back (arsearch repair --index {index_dir} keeps the intact ones)")


@main.command("repair")
@index_option
@click.option("--dry-run", is_flag=True,
              help="Say what would be kept and lost; write nothing.")
@handle_errors
@cluster_options
def repair_command(index_dir: str, dry_run: bool, cluster: str | None) -> None:
    """Keep what is intact: clean up after a killed ingest, or rebuild a damaged index
    from the stored articles that still read back, naming the ones lost.

    The rebuilt index is written beside the damaged one and swapped in when
    complete. Exit status 0 when the index is intact or was repaired, 2 when
    nothing of a damaged index could be read back (it is left as it was).
    """
    report = repair(index_dir, dry_run=dry_run, cluster=cluster)
    lines = report.lines()
    if report.saved_nothing:
        for line in lines[1:]:
            click.echo(line)
        fail(f"{index_dir}: {lines[0]}")
    click.echo(f"{index_dir}: {lines[0]}")
    for line in lines[1:]:
        click.echo(line)


@main.command("reindex")
@index_option
@jobs_option("analysing articles")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@shards_option
@handle_errors
@analysis_options
@cluster_options
def reindex_command(index_dir: str, jobs: int | None, quiet: bool,
                    analyzer: Analyzer | None, shards: int | None, cluster: str | None
                    ) -> None:
    """Rebuild the index from the articles it stores, with this version of arsearch.

    Needed after an upgrade that changed the analysis or the schema (opening
    the index then says so), or to change the index's word lists (the
    analysis options; without them the index keeps its own). The old index
    stays in place until the new one is complete.
    """
    interactive = not quiet and sys.stderr.isatty()
    progress = ProgressLine(sys.stderr, None, enabled=interactive, label="reindexing")
    report = reindex(index_dir, jobs=resolve_jobs(jobs), progress=progress, analyzer=analyzer,
                     shards=shards, cluster=cluster)
    progress.close()
    for error in report.errors:
        click.echo(f"arsearch: skipped {error}", err=True)
    if not quiet:
        click.echo(f"{index_dir}: rebuilt; {report.summary()}")


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


@main.command("search")
@click.argument("query", required=False, default="")
@index_option
@click.option("--any", "match_any", is_flag=True,
              help="Rank by any query word instead of requiring all (for questions).")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(min=0),
              help="Hits to show; 0 shows all.")
@click.option("--format", "fmt", type=click.Choice(SEARCH_FORMATS), default="table",
              show_default=True,
              help="table: for reading; jsonl (or json): JSON Lines, one hit per line; "
                   "csv: one row per hit; ids: one id per line.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format jsonl.")
@click.option("--explain", is_flag=True,
              help="Show why each hit matched: words found, actor/place mentions, dates.")
@bidi_option
@color_option
@filter_options
@handle_errors
@cluster_options
def search_command(query: str, index_dir: str, match_any: bool, limit: int, fmt: str,
                   as_json: bool, explain: bool, bidi: str, color: str, **filters: Any
                   ) -> None:
    """Search the index by words, actor, place and date.

    \b
    Examples:
      arsearch search "غارات" --actor روسيا --place الرقة
      arsearch search "غارات مكان:الرقة فاعل:روسيا"
      arsearch search --actor "قسد" --date 2019 --format ids
      arsearch search "هجوم" --place "دير الزور" --date 2017-01..2017-12 --json
      arsearch search 'عنوان:داعش تاريخ:2019..' --explain

    \b
    Query syntax:
      words            all must match (or any, with --any)
      "a phrase"       these words in this order, any inflection
      a OR b, (a OR b) c, -word, NOT word
      title:word  title:"a phrase"  source:SY24  id:ID
      actor:NAME  place:NAME  place:"دير الزور"  date:RANGE  published:RANGE
                       the same as the options below; -place:حلب excludes
      Arabic field names: عنوان: مصدر: معرف: فاعل: (جهة:) مكان: تاريخ: نشر:
      دا*  source:SY*  id:003*
                       a prefix of the words as written (2 letters at
                       least; the first 1,000 words, said on stderr)
      ~ ^ ? /regex/ !  not supported: an error, never ignored
    Words match across spellings: diacritics, tatweel, hamza forms, ى/ي,
    ة/ه, clitics (وبالمستشفيات) and inflections (غارة/غارات/الغارات).
    Without QUERY, every article that passes the filters, newest first.
    When nothing matches, stderr says what was searched and suggests
    near words and names (exit status 1).
    """
    fmt = "jsonl" if as_json or fmt == "json" else fmt
    _require_query_or_filter(query, filters)
    ix, results = _search(query, index_dir, match="any" if match_any else "all", limit=limit,
                          **filters)
    if fmt == "jsonl":
        for hit in results:
            data = hit.to_dict()
            if explain:
                data["explain"] = explain_hit(ix, results, hit).to_dict()
            click.echo(json.dumps(data, ensure_ascii=False))
    elif fmt == "csv":
        rows = ({"rank": rank, **hit.to_dict()} for rank, hit in enumerate(results, start=1))
        write_csv(rows, click.get_text_stream("stdout"), HIT_FIELDS, bom=False)
    elif fmt == "ids":
        for hit in results:
            click.echo(hit.id)
    else:
        _print_results(ix, results, _display(bidi, color), explain)
    if not results.total:
        _no_match(ix, results, "any" if match_any else "all")


search_command.help = (search_command.help or "") + FILTER_HELP


def _search(query: str, index_dir: str, gazetteer: tuple[str, ...], **kwargs: Any
            ) -> tuple[Index, SearchResults]:
    ix = Index.open(index_dir, gazetteer=gazetteer, cluster=kwargs.pop("cluster"))
    results = ix.search(
        query, actor=list(kwargs.pop("actor")), place=list(kwargs.pop("place")),
        date=kwargs.pop("date_range"), published=kwargs.pop("published_range"), **kwargs)
    _notes(results)
    return ix, results


def _notes(results: SearchResults) -> None:
    """Say on stderr where a search did less than asked (a capped prefix)."""
    for note in capped_notes(results):
        click.echo(f"arsearch: note: {note}", err=True)


def _require_query_or_filter(query: str, filters: dict[str, Any]) -> None:
    # An empty filter given (--actor "") counts as given: the library refuses it by name.
    if not query.strip() and all(filters[k] in (None, ()) for k in (
            "actor", "place", "date_range", "published_range")):
        raise click.UsageError("give a QUERY or a filter (--actor, --place, --date, --published)")


def _display(bidi: str, color: str = "auto") -> Display:
    return Display.for_stream(click.get_text_stream("stdout"), bidi, color=color)


def _no_match(ix: Index, results: SearchResults, match: str) -> None:
    """Say on stderr what was searched and what is near, then exit 1."""
    for line in no_match_help(ix, results, match=match).lines():
        click.echo(line, err=True)
    sys.exit(EXIT_NO_MATCH)


def _print_results(ix: Index, results: SearchResults, display: Display, explain: bool) -> None:
    if not results.hits:
        return
    rows = [[str(rank), f"{hit.score:.2f}" if hit.score else "", hit.published or "",
             hit.source or "", hit.title or _lead(hit.snippet)]
            for rank, hit in enumerate(results, start=1)]
    lines = display.table(rows, headers=["#", "score", "date", "source", "title"], align="rr")
    echo = functools.partial(click.echo, color=display.color)
    echo(lines[0])
    indent = " " * (len(str(len(rows))) + 2)
    for hit, line in zip(results, lines[1:], strict=True):
        echo(line)
        echo(indent + display.render(" · ".join(x for x in (hit.id, hit.author) if x)))
        for text in display.wrap(highlight_segments(hit.snippet, hit.highlights),
                                 indent=indent):
            echo(text)
        for label, values in (("actors", hit.actors), ("places", hit.places),
                              ("dates", hit.dates)):
            if values:
                echo(indent + display.render([(f"{label}: ", "dim"),
                                              ("، ".join(values[:8]), None)], base="L"))
        if explain:
            for text in explain_hit(ix, results, hit).lines():
                echo(indent + display.render_ltr([("why: ", "dim"), (text, None)]))
        echo()
    echo(f"{len(results)} of {results.total} matches")


def _lead(text: str, words: int = 12) -> str:
    parts = text.lstrip("…").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


@main.command("stats")
@click.argument("query", required=False, default="")
@index_option
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="Entries per list (months are all shown).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with all the counts.")
@bidi_option
@color_option
@filter_options
@handle_errors
@cluster_options
def stats_command(query: str, index_dir: str, top: int, as_json: bool, bidi: str, color: str,
                  **filters: Any) -> None:
    """Top actors, places, sources and months of the matching articles, as bar charts.

    Without QUERY or filters: over the whole index.

    \b
    Examples:
      arsearch stats --actor داعش
      arsearch stats "غارات مكان:الرقة"
      arsearch stats "غارات" --place "دير الزور" --json
    """
    ix, results = _search(query, index_dir, limit=1, **filters)
    facets = results.top_facets(top)
    info = ix.info()
    if as_json:
        click.echo(json.dumps({"index": dataclasses.asdict(info), "total": results.total,
                               **facets}, ensure_ascii=False))
    else:
        display = _display(bidi, color)
        span = (f", published {info.first_published} .. {info.last_published}"
                if info.first_published else "")
        click.echo(f"{index_dir}: {plural(info.documents, 'article', spec=',')}, "
                   f"{_megabytes(info.size_bytes)}, {plural(info.segments, 'segment')}{span}")
        if not info.gazetteer_current:
            click.echo("note: built with another version of the bundled gazetteer; "
                       f"arsearch reindex --index {index_dir} re-tags the articles")
        click.echo(f"{plural(results.total, 'matching article')}")
        for name, counts in facets.items():
            if counts:
                click.echo(f"\n{name}:")
                for line in display.bars(counts):
                    click.echo(line, color=display.color)
    if not results.total:
        _no_match(ix, results, "all")


stats_command.help = (stats_command.help or "") + FILTER_HELP


@main.command("export")
@click.argument("query", required=False, default="")
@index_option
@click.option("--format", "fmt", type=click.Choice((*EXPORT_FORMATS, "json")), default="csv",
              show_default=True,
              help="csv: for spreadsheets (UTF-8, quoted); jsonl (or json): one JSON "
                   "object per line.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="File to write [default: stdout].")
@click.option("--bom/--no-bom", default=None,
              help="Start CSV with a UTF-8 byte-order mark, which Excel needs to read "
                   "Arabic [default: with -o FILE, not on stdout].")
@click.option("--any", "match_any", is_flag=True, help="Match any query word instead of all.")
@filter_options
@handle_errors
@cluster_options
def export_command(query: str, index_dir: str, fmt: str, output: str, match_any: bool,
                   bom: bool | None, **filters: Any) -> None:
    """Write every matching article with all its fields (no limit).

    Columns: id, title, published, source, author, url, score, actors,
    places, dates, text (lists joined by " | "). Without QUERY or filters:
    the whole index. CSV written to a file (-o) starts with a byte-order
    mark, which Excel needs to read UTF-8 Arabic; on stdout it does not
    (for cut and awk) unless --bom is given.

    \b
    Examples:
      arsearch export "غارات" --place الرقة -o raqqa.csv
      arsearch export --actor داعش --date 2019 --format jsonl > isis-2019.jsonl
    """
    fmt = "jsonl" if fmt == "json" else fmt
    ix = Index.open(index_dir, gazetteer=filters.pop("gazetteer"), cluster=filters.pop("cluster"))
    args = {"actor": list(filters["actor"]), "place": list(filters["place"]),
            "date": filters["date_range"], "published": filters["published_range"],
            "match": "any" if match_any else "all"}
    # Every argument is checked before the output is opened: a bad one leaves FILE as it was.
    _notes(ix.search(query, limit=1, **args))
    args["bom"] = output != "-" if bom is None else bom
    if output == "-":
        stream = io.TextIOWrapper(click.get_binary_stream("stdout"), encoding="utf-8",
                                  newline="")
        try:
            written = export(ix, stream, fmt, query, **args)
        finally:
            stream.flush()
            stream.detach()
    else:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            written = export(ix, stream, fmt, query, **args)
        click.echo(f"{output}: {plural(written, 'article')}", err=True)
    if not written:
        sys.exit(EXIT_NO_MATCH)


export_command.help = (export_command.help or "") + FILTER_HELP


@main.command("timeline")
@click.argument("query", required=False, default="")
@index_option
@click.option("--by", type=click.Choice(GRANULARITIES), default="month", show_default=True,
              help="Period of each bar (weeks are ISO weeks: 2019-W11).")
@click.option("--mentioned", is_flag=True,
              help="Count by the dates the articles mention, not the publication date.")
@click.option("--png", type=click.Path(dir_okay=False),
              help="Also draw the chart into this PNG file (needs arsearch[plot]).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with the counts.")
@bidi_option
@color_option
@filter_options
@handle_errors
@cluster_options
def timeline_command(query: str, index_dir: str, by: str, mentioned: bool, png: str | None,
                     as_json: bool, bidi: str, color: str, **filters: Any) -> None:
    """Matching articles over time, as bars (and optionally a PNG chart).

    Every period from the first to the last is shown, empty ones too.

    \b
    Examples:
      arsearch timeline "غارات" --place الرقة
      arsearch timeline --actor داعش --by year --mentioned
      arsearch timeline "ترامب" --by week --png trump.png
    """
    ix, results = _search(query, index_dir, limit=1, **filters)
    tl = timeline(results, by=by, mentioned=mentioned, fall_back=True)
    if png and results.total and not tl.counts:  # never an empty chart
        dated = ("mentions a date" if mentioned else "has a publication date or mentions a date"
                 if tl.mentioned else "has a publication date")
        click.echo(f"arsearch: no matching article {dated} to place by {by}; {png} not written",
                   err=True)
        sys.exit(EXIT_NO_MATCH)
    if png and tl.counts:
        plot_png(tl, png, title=query.strip() or _filters_title(filters))
    if tl.mentioned and not mentioned:
        click.echo("arsearch: no article has a publication date; counting the dates they "
                   "mention (--mentioned)", err=True)
    if as_json:
        click.echo(json.dumps(tl.to_dict(), ensure_ascii=False))
    else:
        display = _display(bidi, color)
        basis = "mentioned dates" if tl.mentioned else "publication date"
        click.echo(f"{plural(tl.total, 'matching article')} by {by} ({basis})"
                   + (f"; {tl.undated} without a date at this precision" if tl.undated else ""))
        for line in display.bars(tl.counts):
            click.echo(line, color=display.color)
    if png and tl.counts:
        click.echo(f"{png}: chart written", err=True)
    if not results.total:
        _no_match(ix, results, "all")


timeline_command.help = (timeline_command.help or "") + FILTER_HELP


def _filters_title(filters: dict[str, Any]) -> str:
    parts = [*filters["actor"], *filters["place"], filters["date_range"] or "",
             filters["published_range"] or ""]
    return " ".join(p for p in parts if p)


@main.command("extract")
@click.argument("text", required=False, default="-")
@click.option("--published", "published", callback=lambda _c, _p, v: iso_day(v),
              help="Publication date YYYY-MM-DD (resolves أمس …).")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one mention per line.")
@gazetteer_option
@handle_errors
def extract_command(text: str, published: str | None, as_json: bool,
                    gazetteer: tuple[str, ...]) -> None:
    """Tag a text with the actors, places and dates it mentions (TEXT or - for stdin).

    Exit status 1 when the text mentions nothing; an empty or blank text
    also exits 1 (there is nothing to find), saying "nothing to tag" on stderr.
    """
    from arsearch.extract.gazetteer import Gazetteer

    body = click.get_text_stream("stdin").read() if text == "-" else text
    if not body.strip():
        click.echo("arsearch: nothing to tag: the text is empty", err=True)
        sys.exit(EXIT_NO_MATCH)
    mentions = extract(body, published, gazetteer=Gazetteer.load(gazetteer))
    for m in mentions:
        if as_json:
            click.echo(json.dumps(m.to_dict(), ensure_ascii=False))
        else:
            click.echo(f"{m.start}-{m.end}\t{m.kind}\t{m.type}\t{m.id}\t{m.name}\t{m.text}")
    if not mentions:
        sys.exit(EXIT_NO_MATCH)


@main.command("show")
@click.argument("article_id")
@index_option
@click.option("--json", "as_json", is_flag=True, help="The stored article as one JSON object.")
@bidi_option
@color_option
@handle_errors
@cluster_options
def show_command(article_id: str, index_dir: str, as_json: bool, bidi: str, color: str,
                 cluster: str | None) -> None:
    """Print one stored article by id.

    \b
    Example:
      arsearch show 003_4d67c2310d9d160a --bidi on | less -R
    """
    article = Index.open(index_dir, cluster=cluster).get(article_id)
    if article is None:
        click.echo(f"arsearch: no article with id {article_id!r}", err=True)
        sys.exit(EXIT_NO_MATCH)
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))
        return
    display = _display(bidi, color)
    echo = functools.partial(click.echo, color=display.color)
    if article.title:
        for line in display.wrap([(article.title, "bold")]):
            echo(line)
    meta = " · ".join(x for x in (article.id, article.published, article.source, article.author,
                                  article.url) if x)
    echo(display.render(meta) + "\n")
    for paragraph in article.text.splitlines():
        for line in display.wrap(paragraph) if paragraph.strip() else [""]:
            echo(line)


@main.command("analyze")
@click.argument("text")
@index_option
@handle_errors
def analyze_command(text: str, index_dir: str) -> None:
    """Show how a text is analyzed: each word, its exact form, stems and broad key.

    With the index's own word lists when the index exists, else the bundled ones.
    """
    analyzer = Index.open(index_dir).analyzer if Index.exists(index_dir) else Analyzer()
    for term in analyzer.analyze_terms(text):
        stems = "|".join(term.stems)
        click.echo(f"{text[term.start:term.end]}\texact={term.exact}\tstem={stems}\tbroad={term.broad}")


if __name__ == "__main__":  # pragma: no cover
    main()
