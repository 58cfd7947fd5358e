"""arsearch: full-text search for Arabic news.

Developers index and query articles through ``Index``; ``analyze`` shows the
terms the index sees for a text.

>>> import arsearch, tempfile
>>> ix = arsearch.Index.create(tempfile.mkdtemp())
>>> article = {"id": "a1", "title": "غارات روسية", "text": "شنّت الطائرات غاراتٍ على البادية."}
>>> ix.add_articles([article]).added
1
>>> [hit.id for hit in ix.search("الغارة")]
['a1']
"""

from arsearch.cluster import Index, ShardedIndex, check, reindex, repair
from arsearch.errors import (
    AnalyzerMismatch,
    ArsearchError,
    ClusterUnavailable,
    DamagedIndex,
    GazetteerError,
    IndexExists,
    IndexLocked,
    IndexNotFound,
    InputError,
    InvalidArgument,
    InvalidArticle,
    InvalidDateRange,
    InvalidFilter,
    ModelError,
    PlotUnavailable,
    QuerySyntaxError,
    SchemaMismatch,
    ShardFailed,
    UnsafeIndex,
    UnsupportedEngine,
    UnsupportedOperator,
)
from arsearch.extract import extract, extract_many
from arsearch.index import IngestReport, SearchResults
from arsearch.models import Article, Hit, Mention
from arsearch.results.explain import explain
from arsearch.results.export import export
from arsearch.results.suggest import no_match_help
from arsearch.results.timeline import timeline
from arsearch.text.analyzer import Analyzer, analyze

__all__ = [
    "Analyzer",
    "AnalyzerMismatch",
    "Article",
    "ArsearchError",
    "ClusterUnavailable",
    "DamagedIndex",
    "GazetteerError",
    "Hit",
    "Index",
    "IndexExists",
    "IndexLocked",
    "IndexNotFound",
    "IngestReport",
    "InputError",
    "InvalidArgument",
    "InvalidArticle",
    "InvalidDateRange",
    "InvalidFilter",
    "Mention",
    "ModelError",
    "PlotUnavailable",
    "QuerySyntaxError",
    "SchemaMismatch",
    "SearchResults",
    "ShardFailed",
    "ShardedIndex",
    "UnsafeIndex",
    "UnsupportedEngine",
    "UnsupportedOperator",
    "analyze",
    "check",
    "explain",
    "export",
    "extract",
    "extract_many",
    "no_match_help",
    "reindex",
    "repair",
    "timeline",
]
__version__ = "0.1.0"
