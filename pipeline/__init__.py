"""Blogger post dumps to one SQLite database: posts, comments, replies and dates."""

__version__ = "0.1.0"
