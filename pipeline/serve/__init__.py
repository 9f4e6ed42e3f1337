"""Serving: the database to people and other tools (the Datasette plugin)."""
