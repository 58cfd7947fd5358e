"""The ``arsearch`` command: parse options, call the library, format the output.

Exit status follows grep: 0 when something matched, 1 when nothing did,
2 on any error (one line on stderr, never a traceback).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from arsearch.analysis import analyze_terms
from arsearch.errors import ArsearchError
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
        except ArsearchError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))

    return wrapper


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
@handle_errors
def index_command(paths: tuple[str, ...], index_dir: str, quiet: bool) -> None:
    """Add articles from files and directories to the index (created if missing).

    Reads .txt files (one article each; the id is the file name) and JSON
    Lines (.jsonl, .jsonl.gz: id, title, text, published, source, author,
    url). Directories are read recursively. Re-indexing an id replaces the
    article; unchanged articles are skipped. Bad inputs are reported by
    name and the rest is still indexed (exit status 2 if any failed).
    """
    ix = Index.open_or_create(index_dir)
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
@handle_errors
def search_command(query: str, index_dir: str, match_any: bool, limit: int, as_json: bool) -> None:
    """Search the index.

    \b
    Query syntax:
      words            all must match (or any, with --any)
      "a phrase"       these words in this order, any inflection
      a OR b, (a OR b) c, -word, NOT word
      title:word  title:"a phrase"  source:SY24  id:ID
    Words match across spellings: diacritics, tatweel, hamza forms, ى/ي,
    ة/ه, clitics (وبالمستشفيات) and inflections (غارة/غارات/الغارات).
    """
    if not query.strip():
        raise click.UsageError("give a QUERY to search for")
    ix = Index.open(index_dir)
    results = ix.search(query, match="any" if match_any else "all", limit=limit)
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


def _print_results(results: SearchResults) -> None:
    for rank, hit in enumerate(results, start=1):
        title = hit.title or _lead(hit.snippet)
        click.echo(click.style(f"{rank}. {title}", bold=True), color=_color())
        meta = " · ".join(x for x in (hit.id, hit.published, hit.source, hit.author) if x)
        click.echo(f"   {meta} · score {hit.score:.2f}")
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
