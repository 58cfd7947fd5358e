"""The ``arsearch`` command: parse options, call the library, format the output.

Exit status follows grep: 0 when something matched, 1 when nothing did,
2 on any error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from arsearch.analysis import analyze_terms
from arsearch.errors import ArsearchError
from arsearch.extract import extract
from arsearch.extract.gazetteer import GazetteerError
from arsearch.index import Index, SearchResults
from arsearch.models import Hit

DEFAULT_INDEX = os.path.join("indexes", "default")
EXIT_NO_MATCH = 1
EXIT_ERROR = 2

_INDEX_HELP = f"Index directory [default: $ARSEARCH_INDEX or {DEFAULT_INDEX}]."


def _index_callback(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """A command's --index wins over the group's, which wins over the default."""
    if value:
        return value
    parent = ctx.find_root().params.get("index_dir")
    return parent or os.environ.get("ARSEARCH_INDEX") or DEFAULT_INDEX


index_option = click.option(
    "--index", "index_dir", default=None, callback=_index_callback,
    type=click.Path(file_okay=False), help=_INDEX_HELP,
)


def _fail(message: str) -> None:
    click.echo(f"arsearch: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library and OS errors into one line on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ArsearchError, GazetteerError) as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))

    return wrapper


gazetteer_option = click.option(
    "--gazetteer", "gazetteer", multiple=True, type=click.Path(exists=True, dir_okay=False),
    help="Extra gazetteer TSV (same columns as arsearch/data/gazetteer.tsv); repeatable.",
)

_FILTER_HELP = """
\b
Filters (all must hold):
  --actor NAME   resolved through the gazetteer's aliases, any spelling,
                 clitics and adjectives (الروسية -> روسيا); an actor includes
                 its units (قوات النظام -> الفرقة الرابعة). A name the
                 gazetteer does not know matches discovered names of that
                 spelling, or the name as a phrase in the text.
  --place NAME   the same for places; a place includes every place inside it
                 (دير الزور -> البوكمال، الشولا).
  --date RANGE   publication date or any date the article mentions.
  --published RANGE  publication date only.
  RANGE: 2019, 2019-03, 2019-03-15, or A..B with either end open
         (2017-01..2017-12, 2019.., ..2020-06).
"""


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The shared --actor/--place/--date/--published options."""
    for option in reversed([
        click.option("--actor", multiple=True, help="Actor name; repeat to require several."),
        click.option("--place", multiple=True, help="Place name; repeat to require several."),
        click.option("--date", "date_range", help="Mentioned or publication date RANGE."),
        click.option("--published", "published_range", help="Publication date RANGE."),
        gazetteer_option,
    ]):
        command = option(command)
    return command


def _run_search(query: str, index_dir: str, gazetteer: tuple[str, ...], **kwargs: Any
                ) -> SearchResults:
    ix = Index.open(index_dir, gazetteer=gazetteer)
    return ix.search(
        query, actor=list(kwargs.pop("actor")), place=list(kwargs.pop("place")),
        date=kwargs.pop("date_range"), published=kwargs.pop("published_range"), **kwargs)


def _iso_day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_dir", default=None, type=click.Path(file_okay=False),
              help=_INDEX_HELP)
@click.version_option(package_name="arsearch")
def main(index_dir: str | None) -> None:
    """Full-text search for Arabic news archives.

    \b
    Examples:
      arsearch index seeds/
      arsearch search "الغارات الروسية"
      arsearch search '"دير الزور" OR الرقة -روسيا' --limit 0
      arsearch show 003_4d67c2310d9d160a
    """


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@gazetteer_option
@handle_errors
def index_command(paths: tuple[str, ...], index_dir: str, quiet: bool,
                  gazetteer: tuple[str, ...]) -> None:
    """Add articles from files and directories to the index (created if missing).

    Reads .txt files (one article each; the id is the file name) and JSON
    Lines (.jsonl, .jsonl.gz: id, title, text, published, source, author,
    url). Directories are read recursively. Re-indexing an id replaces the
    article; unchanged articles are skipped. Bad inputs are reported by
    name and the rest is still indexed (exit status 2 if any failed).

    Every article is tagged with the actors, places and dates it mentions.
    --gazetteer FILE keeps FILE with the index: its entries are used from
    this ingest on (articles are re-tagged) and when filters are resolved.
    """
    ix = Index.open_or_create(index_dir)
    for path in gazetteer:
        ix.add_gazetteer(path)
    report = ix.add_paths(paths)
    for error in report.errors:
        click.echo(f"arsearch: skipped {error}", err=True)
    if not quiet:
        click.echo(f"{index_dir}: {report.summary()}; {len(ix)} articles in the index")
    if report.failed:
        sys.exit(EXIT_ERROR)


@main.command("search")
@click.argument("query", required=False, default="")
@index_option
@click.option("--any", "match_any", is_flag=True,
              help="Rank by any query word instead of requiring all (for questions).")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(min=0),
              help="Hits to show; 0 shows all.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one object per hit.")
@filter_options
@handle_errors
def search_command(query: str, index_dir: str, match_any: bool, limit: int, as_json: bool,
                   **filters: Any) -> None:
    """Search the index by words, actor, place and date.

    \b
    Examples:
      arsearch search "غارات" --actor روسيا --place الرقة
      arsearch search --actor "قسد" --date 2019
      arsearch search "هجوم" --place "دير الزور" --date 2017-01..2017-12 --json

    \b
    Query syntax:
      words            all must match (or any, with --any)
      "a phrase"       these words in this order, any inflection
      a OR b, (a OR b) c, -word, NOT word
      title:word  title:"a phrase"  source:SY24  id:ID
    Words match across spellings: diacritics, tatweel, hamza forms, ى/ي,
    ة/ه, clitics (وبالمستشفيات) and inflections (غارة/غارات/الغارات).
    Without QUERY, every article that passes the filters, newest first.
    """
    if not query.strip() and not any(filters[k] for k in (
            "actor", "place", "date_range", "published_range")):
        raise click.UsageError("give a QUERY or a filter (--actor, --place, --date, --published)")
    results = _run_search(query, index_dir, match="any" if match_any else "all", limit=limit,
                          **filters)
    if as_json:
        for hit in results:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
    else:
        _print_results(results)
    if not results.total:
        if not as_json:
            searched = ", ".join(results.terms) or "no searchable words (only stopwords?)"
            click.echo(f"no matches for {query!r} (searched: {searched})", err=True)
        sys.exit(EXIT_NO_MATCH)


search_command.help = (search_command.help or "") + _FILTER_HELP


def _print_results(results: SearchResults) -> None:
    for rank, hit in enumerate(results, start=1):
        title = hit.title or _lead(hit.snippet)
        click.echo(click.style(f"{rank}. {title}", bold=True), color=_color())
        meta = " · ".join(x for x in (hit.id, hit.published, hit.source, hit.author) if x)
        click.echo(f"   {meta} · score {hit.score:.2f}")
        tags = "; ".join(f"{label}: {'، '.join(values[:6])}" for label, values in (
            ("actors", hit.actors), ("places", hit.places), ("dates", hit.dates)) if values)
        if tags:
            click.echo(f"   {tags}")
        click.echo(f"   {_highlight(hit)}", color=_color())
        click.echo()
    if results.total:
        click.echo(f"{len(results)} of {results.total} matches")


def _lead(text: str, words: int = 12) -> str:
    parts = text.lstrip("…").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _highlight(hit: Hit) -> str:
    out, last = [], 0
    for start, end in hit.highlights or []:
        out.append(hit.snippet[last:start])
        out.append(click.style(hit.snippet[start:end], fg="yellow", bold=True))
        last = end
    out.append(hit.snippet[last:])
    return "".join(out)


@main.command("stats")
@click.argument("query", required=False, default="")
@index_option
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="Entries per list.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with all the counts.")
@filter_options
@handle_errors
def stats_command(query: str, index_dir: str, top: int, as_json: bool, **filters: Any) -> None:
    """Top actors, places and months among the matching articles.

    Without QUERY or filters: over the whole index.

    \b
    Examples:
      arsearch stats --actor داعش
      arsearch stats "غارات" --place "دير الزور" --json
    """
    results = _run_search(query, index_dir, limit=1, **filters)
    facets = {name: dict(list(counts.items())[:top]) if name != "months" else counts
              for name, counts in results.facets.items()}
    if as_json:
        click.echo(json.dumps({"total": results.total, **facets}, ensure_ascii=False))
    else:
        click.echo(f"{results.total} matching articles")
        for name, counts in facets.items():
            click.echo(f"\n{name}:")
            width = max((len(label) for label in counts), default=0)
            for label, count in counts.items():
                click.echo(f"  {label:<{width}}  {count}")
    if not results.total:
        sys.exit(EXIT_NO_MATCH)


stats_command.help = (stats_command.help or "") + _FILTER_HELP


@main.command("extract")
@click.argument("text", required=False, default="-")
@click.option("--published", "published", callback=lambda _c, _p, v: _iso_day(v),
              help="Publication date YYYY-MM-DD (resolves أمس …).")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one mention per line.")
@gazetteer_option
@handle_errors
def extract_command(text: str, published: str | None, as_json: bool,
                    gazetteer: tuple[str, ...]) -> None:
    """Tag a text with the actors, places and dates it mentions (TEXT or - for stdin)."""
    from arsearch.extract.gazetteer import Gazetteer

    body = click.get_text_stream("stdin").read() if text == "-" else text
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
@handle_errors
def show_command(article_id: str, index_dir: str, as_json: bool) -> None:
    """Print one stored article by id."""
    article = Index.open(index_dir).get(article_id)
    if article is None:
        click.echo(f"arsearch: no article with id {article_id!r}", err=True)
        sys.exit(EXIT_NO_MATCH)
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False))
        return
    if article.title:
        click.echo(click.style(article.title, bold=True), color=_color())
    meta = " · ".join(x for x in (article.id, article.published, article.source, article.author,
                                  article.url) if x)
    click.echo(meta + "\n")
    click.echo(article.text)


@main.command("analyze")
@click.argument("text")
@handle_errors
def analyze_command(text: str) -> None:
    """Show how a text is analyzed: each word, its exact form, stems and broad key."""
    for term in analyze_terms(text):
        stems = "|".join(term.stems)
        click.echo(f"{text[term.start:term.end]}\texact={term.exact}\tstem={stems}\tbroad={term.broad}")


if __name__ == "__main__":  # pragma: no cover
    main()
