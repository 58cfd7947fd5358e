"""The archivist's query language, parsed into a query tree over arsearch fields.

Syntax (Elasticsearch ``query_string``-like, deliberately small):

* words: all must match (``match="all"``) or any may (``match="any"``);
* ``"exact phrase"``: the words in this order, each at any inflection; with
  ``match="any"`` the phrase only ranks first, and its words also count one by
  one (a pasted question or tweet quotes what an article may paraphrase);
* ``a OR b``, ``(a OR b) c``; ``-word``, ``-"a phrase"``, ``-(a OR b)`` or
  ``NOT word`` excludes;
* ``title:word``, ``title:"a phrase"``, ``source:SY24``, ``id:ID`` restrict a term
  to a field. A ``name:`` that is not a field is ordinary text (URLs stay text).
* ``actor:NAME``, ``place:NAME`` (``place:"دير الزور"``), ``date:RANGE`` and
  ``published:RANGE`` are the filters of ``arsearch.query.filters`` written inside the
  query: they behave exactly like ``--actor`` … (always required, also with
  ``match="any"``), and can be negated (``-place:حلب``) or OR-ed.
* Field names have Arabic aliases: عنوان، مصدر، معرف، فاعل (or جهة)، مكان،
  تاريخ، نشر (``مكان:الرقة``).
* ``دا*``: a trailing ``*`` is a prefix over the words as written (folded, not
  stemmed), also ``source:SY*`` and ``id:003*``. It expands to at most
  ``MAX_EXPANSIONS`` indexed words, the first in alphabetical order (as
  Elasticsearch's ``max_expansions``); the prefix needs ``MIN_PREFIX`` letters.
* Other operators of Lucene's syntax (``~``, ``^``, ``?``, ``*`` inside a word,
  ``/regex/``, ``!``, a leading ``+``, ``&&``, ``||``) are refused with ``UnsupportedOperator``
  rather than dropped: a query never means less than it says.

Each word is analyzed with the index's analyzer (``analyzer=``, by default
the bundled settings). It matches an article through its stems or its broad
key, and the score adds the exact form and the title (all boosted), so an
exact match outranks a same-stem match, which outranks a broad match
(``word_query``, ``hoist_optional``).

The result is a tree of ``arsearch.query.nodes``; ``arsearch.engine.compile``
turns it into the engine's queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from arsearch.errors import QuerySyntaxError, UnsupportedOperator
from arsearch.query import nodes
from arsearch.query.clauses import BOOSTS, all_of, hoist_optional, phrase_query, word_query
from arsearch.query.nodes import Node
from arsearch.text.analyzer import Analyzer, Term, default_analyzer
from arsearch.text.normalize import normalize

MATCH_MODES = ("all", "any")
#: Weight of a quoted phrase under ``match="any"``, times its field's boost: enough
#: to rank the phrase above its words apart; a larger bonus ranks pasted claims
#: a little worse (``benchmarks/relevance.py --claims``).
PHRASE_BONUS = 0.25
MAX_NESTING = 32
FIELDS = ("title", "source", "id", "actor", "place", "date", "published")
#: Fields that are filters (arsearch.query.filters), not words.
FILTER_FIELDS = ("actor", "place", "date", "published")
#: Arabic names of the fields.
FIELD_ALIASES = {
    "عنوان": "title", "مصدر": "source", "معرف": "id", "فاعل": "actor", "جهة": "actor",
    "مكان": "place", "تاريخ": "date", "نشر": "published",
}
#: Builds the query of a filter field from (field, value): ``Index`` passes one
#: that resolves names in its gazetteer.
FilterResolver = Callable[[str, str], Node]
#: Lists the indexed terms of a field that begin with a prefix, in term order, at most
#: ``limit``, with their article counts: (field, prefix, limit) -> [(term, count)].
#: ``Index`` passes one reading its lexicon.
PrefixExpander = Callable[[str, str, int], list[tuple[str, int]]]
#: Most indexed words one prefix (``دا*``) expands to; past it the search is capped
#: and says so (Elasticsearch's ``max_expansions``, here over the whole index).
MAX_EXPANSIONS = 1000
#: Words of a prefix highlighted in snippets, the commonest: each costs the snippet
#: maker a pattern to compile (about 7 ms), and a hit rarely holds more.
MAX_HIGHLIGHTED = 20
#: Fewest letters a prefix must have: ``ا*`` would expand to a tenth of the lexicon.
MIN_PREFIX = 2
#: Fields a prefix can be searched in: (the field searched, how its value is folded).
_PREFIX_FIELDS: dict[str | None, tuple[str, Callable[[str], str]]] = {
    None: ("exact", normalize), "source": ("source_key", str.lower), "id": ("id", str),
}
_UNSUPPORTED = (  # (pattern in a word, why it is refused: Lucene's syntax that arsearch lacks)
    (re.compile(r"^/.+/$"), "regular expressions (/…/) are not supported; quote the words"),
    (re.compile(r"~[\d.]*$"), "fuzzy and proximity search (~) are not supported; remove the ~"),
    (re.compile(r"\^[\d.]*$"), "boosting (^) is not supported; remove the ^"),
    (re.compile(r"^(&&|\|\|)$"), "&& and || are not supported; write AND or OR"),
    (re.compile(r"^!(?=.)"), "! is not supported; write NOT word or -word"),
    (re.compile(r"^\+(?=.)"), "+ (required) is not supported; without --any every word is "
     "required, so drop the +"),
    (re.compile(r"\?"), "the wildcard ? is not supported; only a trailing * (دا*)"),
    (re.compile(r"\*(?=.)"), "* inside a word is not supported; only a trailing * (دا*)"),
)
_OPERATORS = {"OR", "AND", "NOT"}
_TOKEN_RE = re.compile(r'\s+|\(|\)|"[^"]*"?|[^\s()"]+')


@dataclass
class ParsedQuery:
    """A parsed query (a tree of ``arsearch.query.nodes``) plus what was searched,
    for explanations and snippets."""

    query: Node
    terms: list[str] = field(default_factory=list)
    highlight: set[str] = field(default_factory=set)
    #: Every analyzed query word: (field it was restricted to or None, the word as
    #: typed, its analysis).
    words: list[tuple[str | None, str, Term]] = field(default_factory=list)
    #: Filters written in the query: (field, value, negated), e.g. ("place", "حلب", False).
    filters: list[tuple[str, str, bool]] = field(default_factory=list)
    #: Query words dropped as stopwords, as typed (على of «غارات على البادية»).
    stopwords: list[str] = field(default_factory=list)
    #: Prefixes searched (``دا*``), with what each expanded to.
    prefixes: list[PrefixSearch] = field(default_factory=list)


@dataclass
class PrefixSearch:
    """One prefix of a query (``دا*``): the field it was restricted to (None, ``source``
    or ``id``), the word as typed, the folded prefix, the indexed words it expanded to,
    and whether it was cut at ``MAX_EXPANSIONS`` (``capped``)."""

    field: str | None
    typed: str
    prefix: str
    expanded: list[str]
    capped: bool

    @property
    def label(self) -> str:
        """How the "searched:" note names it: ``دا*``, or ``ال* (first 1,000 words)``."""
        typed = f"{self.field}:{self.typed}" if self.field else self.typed
        return f"{typed} (first {len(self.expanded):,} words)" if self.capped else typed


@dataclass
class _Lexeme:
    kind: str  # "word", "phrase", "(", ")", "op"
    text: str
    pos: int
    negated: bool = False
    field: str | None = None


def _lex(text: str) -> list[_Lexeme]:
    out: list[_Lexeme] = []
    for match in _TOKEN_RE.finditer(text):
        raw, pos = match.group(), match.start()
        if raw.isspace():
            continue
        if raw in "()":
            out.append(_Lexeme(raw, raw, pos))
        elif raw.startswith('"'):
            if len(raw) == 1 or not raw.endswith('"'):
                raise QuerySyntaxError("unbalanced quote", text, pos)
            out.append(_Lexeme("phrase", raw[1:-1], pos))
        elif raw in _OPERATORS:
            out.append(_Lexeme("op", raw, pos))
        else:
            out.extend(_lex_word(raw, pos, text))
    return _attach_prefixes(out, text)


def _lex_word(raw: str, pos: int, text: str) -> list[_Lexeme]:
    negated = raw.startswith("-") and len(raw) > 1
    body = raw[1:] if negated else raw
    name, colon, rest = body.partition(":")
    fieldname = field_name(name) if colon else None
    if fieldname:
        offset = pos + len(raw) - len(rest)
        is_prefix = _operator(rest, offset, text)
        if is_prefix and fieldname not in _PREFIX_FIELDS:
            raise UnsupportedOperator("*", f"a prefix (*) is not supported in {fieldname}:, "
                                      "only in words, source: and id:", text, offset)
        return [_Lexeme("field_prefix" if is_prefix else "field", rest, pos, negated, fieldname)]
    is_prefix = _operator(body, pos + len(raw) - len(body), text)
    return [_Lexeme("prefix" if is_prefix else "word", body, pos, negated)]


def _operator(word: str, pos: int, text: str) -> bool:
    """Whether ``word`` (at ``pos`` in ``text``) ends in a prefix's ``*``.

    Raises:
        UnsupportedOperator: it holds another operator of Lucene's syntax.
    """
    if "://" in word:  # a URL is text (its ? and ~ included)
        return False
    for pattern, why in _UNSUPPORTED:
        if (found := pattern.search(word)) is not None:
            operator = found.group() if found.group() in ("&&", "||") else word[found.start()]
            raise UnsupportedOperator(operator, why, text, pos + found.start())
    return word.endswith("*")


def _attach_prefixes(lexemes: list[_Lexeme], text: str) -> list[_Lexeme]:
    """Join ``field:`` and ``-`` written before a phrase or a group (title:"a b")."""
    out: list[_Lexeme] = []
    for lexeme in lexemes:
        prev = out[-1] if out else None
        if (prev is not None and prev.kind == "word" and prev.text == "-" and not prev.negated
                and lexeme.kind in ("phrase", "(") and lexeme.pos == prev.pos + 1):
            lexeme.negated, lexeme.pos = True, prev.pos  # -"a b", -(a OR b)
            out[-1] = lexeme
            continue
        if prev is not None and prev.kind == "field" and prev.text == "":
            if lexeme.kind not in ("phrase", "word"):
                raise QuerySyntaxError(f"{prev.field}: needs a word or a phrase", text, prev.pos)
            prev.kind, prev.text = "field_" + lexeme.kind, lexeme.text
            continue
        out.append(lexeme)
    if out and out[-1].kind == "field" and out[-1].text == "":
        raise QuerySyntaxError(f"{out[-1].field}: needs a word or a phrase", text, out[-1].pos)
    return out


def field_name(name: str) -> str | None:
    """The field a ``name:`` prefix names (English or Arabic), or None."""
    lowered = name.lower()
    if lowered in FIELDS:
        return lowered
    return FIELD_ALIASES.get(normalize(name))


def default_filter(fieldname: str, value: str, *, analyzer: Analyzer | None = None) -> Node:
    """A filter field's query, names resolved in the bundled gazetteer (an unknown
    name searched as a phrase, analyzed by ``analyzer``)."""
    from arsearch.extract.gazetteer import Gazetteer
    from arsearch.query.filters import date_query, entity_query

    if fieldname in ("date", "published"):
        return date_query(value, ("published", "dates") if fieldname == "date" else ("published",))
    return entity_query(value, fieldname, Gazetteer.load(), analyzer=analyzer)


class _Word(NamedTuple):
    """A word's query and where the parser recorded it, for dropping repeats."""

    query: Node  # held, so that no other clause gets its id()
    key: str  # its first stem: a repeat, in any inflection, has the same
    term_index: int  # in _Parser.terms
    word_index: int  # in _Parser.words


class _Parser:
    def __init__(self, text: str, match: str, syntax: bool = True,
                 resolve: FilterResolver | None = None,
                 analyzer: Analyzer | None = None,
                 expand: PrefixExpander | None = None) -> None:
        self.text = text
        self.match = match
        self.analyzer = analyzer if analyzer is not None else default_analyzer()
        self.lexemes = _lex(text) if syntax else [_Lexeme("word", text, 0)]
        self.i = 0
        self.depth = 0  # open parentheses around the current position
        # None in terms and words: a dropped repeat (_unique)
        self.terms: list[str | None] = []
        self.highlight: set[str] = set()
        self.words: list[tuple[str | None, str, Term] | None] = []
        self.filters: list[tuple[str, str, bool]] = []
        self.prefixes: list[PrefixSearch] = []
        self.stopwords: list[str] = []
        self.resolve = resolve or partial(default_filter, analyzer=self.analyzer)
        self.expand = expand
        self._negating = False  # the operand being parsed follows NOT
        self._word_keys: dict[int, _Word] = {}  # id(word query) -> the word

    def parse(self) -> Node | None:
        if not self.lexemes:
            return None
        node = self._or()
        if self.i < len(self.lexemes):
            lexeme = self.lexemes[self.i]
            raise QuerySyntaxError(f"unexpected {lexeme.text!r}", self.text, lexeme.pos)
        return node

    def _peek(self) -> _Lexeme | None:
        return self.lexemes[self.i] if self.i < len(self.lexemes) else None

    def _or(self) -> Node | None:
        parts = [self._and()]
        while (lexeme := self._peek()) is not None and lexeme.kind == "op" and lexeme.text == "OR":
            self.i += 1
            if self._peek() is None or self._peek().kind == ")":
                raise QuerySyntaxError("OR needs a term on both sides", self.text, lexeme.pos)
            parts.append(self._and())
        kept = [p for p in parts if p is not None]
        return kept[0] if len(kept) == 1 else (nodes.Or(kept) if kept else None)

    def _and(self) -> Node | None:
        positive: list[Node] = []
        negative: list[Node] = []
        required: list[Node] = []  # filter fields: required whatever the match mode
        start = self._peek()
        while (lexeme := self._peek()) is not None and not (
            lexeme.kind == ")" or (lexeme.kind == "op" and lexeme.text == "OR")
        ):
            if lexeme.kind == "op" and lexeme.text == "AND":
                self.i += 1
                continue
            negated = False
            if lexeme.kind == "op" and lexeme.text == "NOT":
                self.i += 1
                negated = True
                if self._peek() is None or self._peek().kind in (")", "op"):
                    raise QuerySyntaxError("NOT needs a term after it", self.text, lexeme.pos)
            if lexeme.kind == "word" and not (negated or lexeme.negated):
                # Its words join the others', so a repeat anywhere is dropped (_unique).
                self.i += 1
                positive.extend(self._word_clauses(lexeme.text))
                continue
            if lexeme.kind == "phrase" and self.match == "any" and not (
                    negated or lexeme.negated):
                self.i += 1
                positive.extend(self._any_phrase(lexeme.text))
                continue
            is_filter = lexeme.kind.startswith("field") and lexeme.field in FILTER_FIELDS
            self._negating = negated
            node, node_negated = self._unary()
            if node is None:
                continue
            if negated or node_negated:
                negative.append(node)
            else:
                (required if is_filter else positive).append(node)
        if start is not None and start.kind == "op" and start.text == "OR":
            raise QuerySyntaxError("OR needs a term on both sides", self.text, start.pos)
        if not positive and not negative and not required:
            return None
        combine = all_of if self.match == "all" else nodes.Or
        positive = self._unique(positive)
        base: Node
        if not positive:
            base = nodes.Every() if not required else (
                required[0] if len(required) == 1 else nodes.And(required))
        elif len(positive) == 1:
            base = positive[0]
        else:
            base = combine(positive)
        if positive and required:
            base = nodes.And([base, *required])
        if negative:
            return nodes.AndNot(base, nodes.Or(negative) if len(negative) > 1 else negative[0])
        return base

    def _unary(self) -> tuple[Node | None, bool]:
        lexeme = self.lexemes[self.i]
        self.i += 1
        if lexeme.kind == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:  # the parser and Whoosh both recurse per level
                raise QuerySyntaxError(f"parentheses nested more than {MAX_NESTING} deep",
                                       self.text, lexeme.pos)
            node = self._or()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise QuerySyntaxError("unbalanced parenthesis", self.text, lexeme.pos)
            self.i += 1
            self.depth -= 1
            return node, lexeme.negated
        if lexeme.kind == ")":
            raise QuerySyntaxError("unbalanced parenthesis", self.text, lexeme.pos)
        if lexeme.kind == "word":
            return self._words(lexeme.text), lexeme.negated
        if lexeme.kind == "phrase":
            return self._phrase(lexeme.text, ("stem", "title_terms")), lexeme.negated
        if lexeme.kind == "prefix":
            return self._prefix(lexeme.text, None, lexeme.pos), lexeme.negated
        if lexeme.kind == "field_prefix":
            return self._prefix(lexeme.text, lexeme.field, lexeme.pos), lexeme.negated
        return self._field(lexeme), lexeme.negated

    def _field(self, lexeme: _Lexeme) -> Node | None:
        name = lexeme.field
        if name in FILTER_FIELDS:
            value = lexeme.text.replace("_", " ").strip()
            if not value:
                raise QuerySyntaxError(f"{name}: needs a value", self.text, lexeme.pos)
            self.filters.append((name, value, lexeme.negated or self._negating))
            return self.resolve(name, value)
        if name in ("source", "id"):
            value = lexeme.text.lower() if name == "source" else lexeme.text
            return nodes.Term("source_key" if name == "source" else "id", value)
        if lexeme.kind == "field_phrase":
            return self._phrase(lexeme.text, ("title_terms",))
        return self._words(lexeme.text, fields=("title_terms",))

    def _prefix(self, typed: str, fieldname: str | None, pos: int) -> Node:
        """The indexed words of the field that begin with ``typed`` minus its ``*``:
        at most ``MAX_EXPANSIONS``, each a reading of one word (the best one scores).
        Without an expander, a ``nodes.Prefix`` the engine expands in full."""
        indexed, fold = _PREFIX_FIELDS[fieldname]
        prefix = fold(typed[:-1])
        if fieldname is None:
            prefix = prefix.strip("\"'«»“”‘’.,،؛:;")
        if len(prefix) < MIN_PREFIX:
            raise QuerySyntaxError(
                f"a prefix needs at least {MIN_PREFIX} letters before its * "
                f"({typed!r} would match too many words)", self.text, pos)
        if self.expand is None:
            self.prefixes.append(PrefixSearch(fieldname, typed, prefix, [], False))
            self.terms.append(self.prefixes[-1].label)
            self.highlight.add(prefix)
            return nodes.Prefix(indexed, prefix)
        counted = self.expand(indexed, prefix, MAX_EXPANSIONS + 1)
        capped = len(counted) > MAX_EXPANSIONS
        counted = counted[:MAX_EXPANSIONS]
        found = [term for term, _ in counted]
        self.prefixes.append(PrefixSearch(fieldname, typed, prefix, found, capped))
        self.terms.append(self.prefixes[-1].label)
        if fieldname is None:
            commonest = sorted(counted, key=lambda tc: -tc[1])[:MAX_HIGHLIGHTED]
            self.highlight.update(term for term, _ in commonest)
        boost = BOOSTS["exact"]
        readings = [nodes.Term(indexed, t, boost=boost) for t in found]
        if not readings:
            return nodes.NULL
        return readings[0] if len(readings) == 1 else nodes.DisjunctionMax(readings)

    def _words(self, text: str, fields: tuple[str, ...] | None = None) -> Node | None:
        clauses = self._unique(self._word_clauses(text, fields))
        if not clauses:
            return None
        if len(clauses) == 1:
            return clauses[0]
        # Several words in one lexeme (syntax off, a ligature): combine by mode.
        return all_of(clauses) if self.match == "all" else nodes.Or(clauses)

    def _word_clauses(self, text: str, fields: tuple[str, ...] | None = None,
                      terms: list[Term] | None = None) -> list[Node]:
        """One clause per analyzed word of ``text`` (``terms``, if already analyzed)."""
        clauses = []
        for term in self._analyze(text) if terms is None else terms:
            self.terms.append(term.stems[0])
            self.words.append((fields[0] if fields else None, text[term.start:term.end], term))
            self.highlight.update((term.exact, *term.stems, term.broad))
            clauses.append(word_query(term.exact, term.stems, term.broad, fields))
            if fields is None:
                self._word_keys[id(clauses[-1])] = _Word(
                    clauses[-1], term.stems[0], len(self.terms) - 1, len(self.words) - 1)
        return clauses

    def _unique(self, clauses: list[Node]) -> list[Node]:
        """The clauses without repeats: a word given twice, in any inflection
        (غارة ... غارات), counts once, as it does for matching. Tweets repeat
        words for emphasis; summing each repeat let them outweigh the rest.
        A dropped repeat leaves what was searched (terms, words) too."""
        seen: set[object] = set()
        out = []
        for clause in clauses:
            word = self._word_keys.get(id(clause))
            key = word.key if word is not None else clause
            if key not in seen:
                seen.add(key)
                out.append(clause)
            elif word is not None:
                self.terms[word.term_index] = None
                self.words[word.word_index] = None
        return out

    def _any_phrase(self, text: str) -> list[Node]:
        """A phrase under ``match="any"``: its words, plus the phrase as a bonus.

        Read only as a phrase, a quotation in a pasted claim would count for
        nothing in an article that paraphrases it (claims against fact-check
        headlines: ``benchmarks/relevance.py --claims``).
        """
        terms = self._analyze(text)
        words = self._word_clauses(text, terms=terms)
        if len(terms) < 2:
            return words
        return [*words, *(phrase_query(terms, name, boost=BOOSTS[name] * PHRASE_BONUS)
                          for name in ("stem", "title_terms"))]

    def _analyze(self, text: str) -> list[Term]:
        """The analyzed words of ``text``; the stopwords it drops are noted."""
        self.stopwords.extend(self.analyzer.stopwords_in(text))
        return list(self.analyzer.analyze_terms(text))

    def _phrase(self, text: str, fields: tuple[str, ...]) -> Node | None:
        terms = self._analyze(text)
        if not terms:
            return None
        if len(terms) == 1:
            return self._words(text, fields=None if "stem" in fields else fields)
        self.terms.append(" ".join(t.stems[0] for t in terms))
        for term in terms:
            self.highlight.update(term.stems)
            self.words.append((None if "stem" in fields else fields[0],
                               text[term.start:term.end], term))
        phrases = [phrase_query(terms, name, boost=BOOSTS[name]) for name in fields]
        return phrases[0] if len(phrases) == 1 else nodes.Or(phrases)


def parse_query(text: str, *, match: str = "all", syntax: bool = True,
                resolve: FilterResolver | None = None,
                analyzer: Analyzer | None = None,
                expand: PrefixExpander | None = None) -> ParsedQuery | None:
    """Parse a query string; None when it holds no searchable word (only stopwords).

    ``analyzer`` analyzes the words as the index did (None: the bundled
    settings, ``arsearch.text.analyzer.default_analyzer()``). ``resolve``
    builds the queries of ``actor:``/``place:``/``date:``/``published:``
    (default: ``default_filter``, the bundled gazetteer and ``analyzer``).
    ``expand`` lists the indexed words a prefix (``دا*``) stands for (None: the
    prefix stays a ``nodes.Prefix``, expanded in full by the engine).

    With ``syntax=False`` the text is only a bag of words: quotes, parentheses,
    operators and prefixes are ordinary characters, so it never raises.

    Raises:
        QuerySyntaxError: unbalanced quotes or parentheses, dangling operators, a
            prefix shorter than ``MIN_PREFIX``; ``UnsupportedOperator`` (a subclass)
            for ``~``, ``^``, ``?`` and the other operators arsearch does not support.
        ValueError: ``match`` is not ``"all"`` or ``"any"``.
    """
    if match not in MATCH_MODES:
        raise ValueError(f"match must be one of {MATCH_MODES}, got {match!r}")
    parser = _Parser(text, match, syntax, resolve, analyzer, expand)
    node = parser.parse()
    if node is None:
        return None
    return ParsedQuery(hoist_optional(node), [t for t in parser.terms if t is not None],
                       parser.highlight, [w for w in parser.words if w is not None],
                       parser.filters, parser.stopwords, parser.prefixes)
