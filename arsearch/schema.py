"""The import path of the tokenizer pickled into indexes built by arsearch 0.1.

Whoosh stores the schema pickled, with each field's analyzer named by its
import path; indexes built before the engine subpackage name
``arsearch.schema.PreAnalyzedTokenizer``. New indexes name the class at
``arsearch.engine.schema``, which is the same class.
"""

from arsearch.engine.schema import PreAnalyzedTokenizer

__all__ = ["PreAnalyzedTokenizer"]
