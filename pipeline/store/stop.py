"""Stopping a load when asked (Ctrl-C, SIGTERM), at a point where its account is true.

A signal handler calls ``request_stop``. Outside a section that must end whole, it
may stop the load at once by raising KeyboardInterrupt; a long SQLite statement
notices the request through its progress handler (``should_stop``). Inside such a
section (``whole``: a batch of files written and counted), the request waits for
the section's end, which raises it, so that what the load says it saved is what the
database holds.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

__all__ = ["request_stop", "reset", "should_stop", "whole"]


class _State:
    requested = False
    holding = 0  # how deep in sections that must end whole


def reset() -> None:
    """Forget an earlier request: a new load begins."""
    _State.requested = False


def request_stop() -> bool:
    """Ask the load under way to stop, keeping what it wrote.

    Safe to call from a signal handler. Returns whether the caller may stop it at
    once by raising KeyboardInterrupt; if not, the section under way raises it as
    it ends.
    """
    _State.requested = True
    return _State.holding == 0


def should_stop() -> bool:
    """Whether a statement running now should be cut short (a progress handler)."""
    return _State.requested and _State.holding == 0


@contextlib.contextmanager
def whole() -> Iterator[None]:
    """A section that a request to stop must not cut in two."""
    _State.holding += 1
    try:
        yield
    finally:
        _State.holding -= 1
    if _State.requested and _State.holding == 0:
        raise KeyboardInterrupt
