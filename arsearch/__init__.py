"""arsearch: full-text search for Arabic news.

Developers index and query articles through ``Index``; ``analyze`` shows the
terms the index sees for a text.
"""

from arsearch.analysis import analyze

__all__ = ["analyze"]
__version__ = "0.1.0"
