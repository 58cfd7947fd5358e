"""Extraction of actors, places and dates from article text (no index code here)."""
