"""Reading one activity file safely: a regular file within the size cap, never a FIFO, socket or
device (opening a FIFO blocks until a writer comes), in one read of its size.

Shared by the import pipeline and by the parse workers (which read a file again by its path):
it imports nothing from the store, so a worker starts without it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from importers import MAX_BYTES

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


class Unreadable(Exception):
    """A file not read: `reason` for the log, `st` (stat, or lstat of a broken link, or None)
    and `retry` (the cause may pass: an I/O error, a permission being fixed)."""

    def __init__(self, reason: str, st: os.stat_result | None, retry: bool = False):
        super().__init__(reason)
        self.reason, self.st, self.retry = reason, st, retry


def probe(path: str | Path) -> os.stat_result:
    """stat() of a file about to be read, without opening it (opening a FIFO blocks until a
    writer comes). Raises Unreadable for anything that is not a regular file within MAX_BYTES."""
    try:
        st = os.stat(path)
    except OSError as e:
        try:
            lst = os.lstat(path)
        except OSError:
            raise Unreadable(f"cannot read: {e.strerror or e}", None, retry=True) from None
        if e.errno == errno.ELOOP:
            raise Unreadable("skipped: symlink loop", lst) from None
        if stat.S_ISLNK(lst.st_mode):
            raise Unreadable("skipped: broken symlink (its target is missing)", lst) from None
        raise Unreadable(f"cannot read: {e.strerror or e}", lst, retry=True) from None
    _check_kind(st)
    return st


def _check_kind(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a plain file")
        raise Unreadable(f"skipped: not a regular file ({kind})", st)
    if st.st_size > MAX_BYTES:
        raise Unreadable(
            f"skipped: file too large ({st.st_size // 2**20} MiB; "
            f"the limit is {MAX_BYTES // 2**20} MiB)",
            st,
        )


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def read_file(path: str | Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular activity file (at most MAX_BYTES) and its stat. The file is
    opened non-blocking and checked again on the open descriptor, so a file swapped for a FIFO
    or a device between the check and the open cannot hang or flood the import."""
    st = probe(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        raise Unreadable(f"cannot read: {e.strerror or e}", st, retry=True) from None
    try:
        st = os.fstat(fd)
        _check_kind(st)
        chunks, total = [], 0
        # The size it has now, and one byte more to see whether it grew: one read of the whole
        # file, without a 1 MiB buffer for a file of 80 kB. Then 1 MiB at a time, if it grew.
        want = st.st_size + 1
        while total <= MAX_BYTES:
            chunk = os.read(fd, min(want, MAX_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = 1 << 20
    except OSError as e:
        raise Unreadable(f"cannot read: {e.strerror or e}", st, retry=True) from None
    finally:
        os.close(fd)
    if total > MAX_BYTES:
        raise Unreadable(f"skipped: file grew beyond {MAX_BYTES // 2**20} MiB while being read", st)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks), st
