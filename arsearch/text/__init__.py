"""Text analysis: characters, normalization, tokens, stems, and the ``Analyzer``.

Nothing here knows about indexes or Whoosh: text goes in, terms come out.
"""
