"""The storage and scoring engine: the only subpackage that imports Whoosh.

``compat`` lists every private Whoosh name the engine relies on and checks
the installed Whoosh version; the other modules build on Whoosh's segments,
postings and searchers.
"""
