"""The query language (``parser``) and the actor/place/date filters (``filters``)."""
