"""Storing: parsed files to SQLite rows, the load, its finishing work and its checks."""
