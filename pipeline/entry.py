"""The ``pipeline`` command's entry point.

Loading the program takes a moment (click, SQLite's wrapper, the readers): a Ctrl-C
in that moment ends the command as a stop does, with a sentence and status 130,
not with a traceback from whatever was being imported.
"""
import sys


def main() -> None:
    try:
        from .cli import cli
    except KeyboardInterrupt:
        sys.stderr.write("Stopped before anything was done.\n")
        sys.exit(130)
    cli(prog_name="pipeline")
