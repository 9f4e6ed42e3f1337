"""The ``pipeline`` command's entry point.

Loading the program takes a moment (click, SQLite's wrapper, the readers): a Ctrl-C
in that moment ends the command as a stop does, with a sentence and status 130,
not with a traceback from whatever was being imported. So does a Ctrl-C once the
command is done, while Python shuts down.
"""
import os
import signal
import sys


def main() -> None:
    try:
        from .cli import cli
    except KeyboardInterrupt:
        sys.stderr.write("Stopped before anything was done.\n")
        sys.exit(130)
    try:
        cli(prog_name="pipeline")
    finally:
        signal.signal(signal.SIGINT, _stop_at_exit)


def _stop_at_exit(signal_number, frame) -> None:
    """Ctrl-C while Python shuts down (waiting for threads): end now."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed pipe: nothing more to say
            pass
    os._exit(128 + signal_number)
