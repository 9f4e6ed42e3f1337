"""Opening a raw file: only a regular file is read.

A folder of dumps may hold other things with names: a pipe (``mkfifo``), a link to a
device (``/dev/zero``), a socket. Reading a pipe waits for a writer that may never
come, and a device may never end; such a file is refused at once, as a file that
cannot be read.
"""
from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

NOT_REGULAR = "not a regular file (a pipe, a device or a socket): not read"


def open_raw(path: str | os.PathLike) -> BinaryIO:
    """``open(path, "rb")`` for a regular file (or a link to one); OSError for anything else."""
    # Opened without waiting: a pipe with no writer would block the open itself.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR, os.fspath(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
