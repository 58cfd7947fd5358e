"""The option bundles several ``arsearch`` commands share, and the error handling.

As sqlite-utils keeps its output options in one decorator, each bundle here
is declared once and applied to every command that takes it.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shlex
import sys
from collections.abc import Callable
from typing import Any

import click

from arsearch.cli.display import BIDI_ENV, BIDI_MODES, COLOR_ENV, COLOR_MODES
from arsearch.cluster import CLUSTER_ENV, is_private
from arsearch.cluster.backends import check_address
from arsearch.errors import ArsearchError
from arsearch.io.wordlist import read_word_list
from arsearch.text.analyzer import Analyzer

DEFAULT_INDEX = os.path.join("indexes", "default")
EXIT_NO_MATCH = 1
EXIT_ERROR = 2

INDEX_HELP = f"Index directory [default: $ARSEARCH_INDEX or {DEFAULT_INDEX}]."


def _index_callback(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """A command's --index wins over the group's, which wins over the default."""
    if value:
        return value
    parent = ctx.find_root().params.get("index_dir")
    return parent or os.environ.get("ARSEARCH_INDEX") or DEFAULT_INDEX


index_option = click.option(
    "--index", "index_dir", default=None, callback=_index_callback,
    type=click.Path(file_okay=False), help=INDEX_HELP,
)


def fail(message: str) -> None:
    click.echo(f"arsearch: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library and OS errors into one line on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            # The reader went away (| head): stop quietly, like grep.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except ArsearchError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))

    return wrapper


def _dash_word_hint(command: str, option: str, args: list[str]) -> str | None:
    """The hint for ``-روسيا`` read as options: a dash then a letter no option uses."""
    if len(option) < 2 or option[0] != "-" or option[1] == "-":
        return None
    if not (option[1].isalpha() and not option[1].isascii()):
        return None
    word = next((a for a in args if a.startswith(option)), option)
    return (f"a query that begins with - goes after --: "
            f"arsearch {command} -- {shlex.quote(word)}")


class ArsearchCommand(click.Command):
    """A command whose "No such option: -ر" says how to search for ``-روسيا``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        original = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            hint = _dash_word_hint(ctx.info_name or self.name or "", exc.option_name, original)
            if hint:
                exc.message = f"{exc.message}; {hint}"
            raise


class ArsearchGroup(click.Group):
    """The ``arsearch`` group: its commands are ``ArsearchCommand``s."""

    command_class = ArsearchCommand


def jobs_option(doing: str) -> Callable[..., Any]:
    """``--jobs N``: processes ``doing`` something; None means one per core (``_jobs``)."""
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help=f"Processes {doing} [default: the number of cores].")


def resolve_jobs(jobs: int | None) -> int:
    return jobs or os.cpu_count() or 1


gazetteer_option = click.option(
    "--gazetteer", "gazetteer", multiple=True, type=click.Path(exists=True, dir_okay=False),
    help="Extra gazetteer TSV (same columns as arsearch/data/gazetteer.tsv); repeatable.",
)

FILTER_HELP = """
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


#: ``json`` is kept as another name of ``jsonl`` (JSON Lines, as in ``export``).
SEARCH_FORMATS = ("table", "jsonl", "json", "csv", "ids")

bidi_option = click.option(
    "--bidi", type=click.Choice(BIDI_MODES), default="auto", envvar=BIDI_ENV,
    show_default=True, show_envvar=True,
    help="Shape and reorder Arabic for terminals that show it reversed and unjoined. "
         "auto: only on a terminal that does not do bidi itself (VTE/GNOME Terminal, "
         "Konsole, mlterm and Terminal.app do); never for JSON, CSV or pipes.",
)


color_option = click.option(
    "--color", type=click.Choice(COLOR_MODES), default="auto", envvar=COLOR_ENV,
    show_default=True, show_envvar=True,
    help="Colour and highlights: auto only on a terminal (and not with NO_COLOR set); "
         "always keeps them through a pipe (| less -R); never.",
)


def iso_day(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None



_ANALYSIS_FILES = (
    ("--stopwords", "stopwords", "Words never indexed or searched, one per line: "
                                 "replaces the bundled list."),
    ("--add-stopwords", "extra_stopwords", "Words added to the stopwords, one per line."),
    ("--protected", "protected", "Single-word names stemming leaves whole, one per line: "
                                 "replaces the bundled list."),
    ("--add-protected", "extra_protected", "Names added to the protected ones, one per line."),
)


def analysis_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--stopwords``/``--add-stopwords``/``--protected``/``--add-protected`` FILE,
    collected into one ``analyzer`` argument (None when none is given)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        files = {key: kwargs.pop(key) for _, key, _ in _ANALYSIS_FILES}
        kwargs["analyzer"] = analyzer_from_files(**files)
        return command(*args, **kwargs)

    for flag, key, text in reversed(_ANALYSIS_FILES):
        wrapper = click.option(flag, key, type=click.Path(dir_okay=False), default=None,
                               help=text)(wrapper)
    return wrapper


def analyzer_from_files(stopwords: str | None = None, extra_stopwords: str | None = None,
                        protected: str | None = None, extra_protected: str | None = None
                        ) -> Analyzer | None:
    """The analyzer the word-list files describe; None when no file is given."""
    if not any((stopwords, extra_stopwords, protected, extra_protected)):
        return None

    def words(path: str | None) -> list[str] | None:
        return None if path is None else read_word_list(path)

    return Analyzer(stopwords=words(stopwords), protected=words(protected),
                    extra_stopwords=words(extra_stopwords) or (),
                    extra_protected=words(extra_protected) or ())


CLUSTER_HELP = (f"Run a sharded index's shards on this Ray cluster [default: ${CLUSTER_ENV}, "
                "else in this process]: local (start one here), auto (the one this machine "
                "belongs to), HOST:PORT or ray://HOST:10001.")


def cluster_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--cluster ADDR`` (or ``$ARSEARCH_CLUSTER``) and ``--trust-cluster``, collected
    into one ``cluster`` argument (None: shards in this process).

    Ray runs whatever code a client sends and has no authentication, so an
    address outside loopback and the private ranges draws a warning on stderr
    (docs/cluster.md), unless ``--trust-cluster`` says it is meant.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cluster, trusted = kwargs.pop("cluster") or None, kwargs.pop("trust_cluster")
        if cluster is not None:
            check_address(cluster)  # a malformed address fails here, in one line
            if not trusted and not is_private(cluster):
                click.echo(f"arsearch: warning: cluster {cluster!r} is not on a private "
                           "network: whoever can reach its ports controls it and everything "
                           "it reads (--trust-cluster if you mean it; see docs/cluster.md)",
                           err=True)
        kwargs["cluster"] = cluster
        return command(*args, **kwargs)

    wrapper = click.option("--trust-cluster", is_flag=True,
                           help="Do not warn that --cluster is outside private networks.")(wrapper)
    return click.option("--cluster", "cluster", envvar=CLUSTER_ENV, default=None,
                        show_envvar=True, help=CLUSTER_HELP)(wrapper)


shards_option = click.option(
    "--shards", type=click.IntRange(min=1), default=None,
    help="Make (index) or re-shard into (reindex) a sharded index of N shards: N ordinary "
         "indexes and a manifest, searched as one (docs/cluster.md).")
