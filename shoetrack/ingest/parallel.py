"""Parsing activity files in worker processes, while the importing process alone writes.

The readers (`importers.read_bytes`) are pure bytes-to-activities functions, and parsing is most
of an import's time; the store is SQLite, which takes one writer at a time. So an import reads
and hashes each file itself, hands the files it has not seen to a pool of worker processes
(which read them again from the page cache and parse them only if they hold the same bytes), and takes the parsed activities back in the files' order, writing one transaction
per file exactly as a single-process import does.

The pool uses the `spawn` start method on every system (the only one Windows has, the default on
macOS): a worker inherits no open database, no lock and no thread from the importer. A worker
ignores Ctrl-C (the importer alone handles it, and shuts the pool down) and exits by itself when
the importer dies, even by kill -9, so no worker outlives it.
"""

from __future__ import annotations

import os
import signal
import threading
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# multiprocessing and concurrent.futures are imported when a pool starts: about 15 ms of the
# start-up of every import, and a re-import of known files or a handful of new ones starts none.

# A parse outcome is plain values, so it crosses from a worker by pickle:
#   ("ok", fmt, [Activity, ...]) | ("not-activity", fmt, reason) | ("parse-error", fmt, reason)
#   | ("bug", fmt, "TypeName: message", traceback text) | ("died", None, reason)
DIED = "the process reading it stopped unexpectedly (killed, or out of memory?)"


def parse(data: bytes, name: str | None, when) -> tuple:
    """The outcome of reading one file's bytes (see the shapes above). Runs in a worker, or in
    the importing process for small batches; `when` dates a GPX without timestamps."""
    import importers

    fmt = None
    try:
        fmt = importers.detect(data)
        return ("ok", fmt, importers.read_bytes(data, name=name, date=when))
    except importers.NotAnActivity as e:
        return ("not-activity", fmt, str(e))
    except importers.ParseError as e:
        return ("parse-error", fmt, str(e))
    except Exception as e:  # a reader bug must not stop the other files
        return ("bug", fmt, f"{type(e).__name__}: {e}", traceback.format_exc())


# A worker reads the file itself, by its path, rather than being sent its bytes through a
# pipe (pickling 230 MiB of an archive to two workers cost the importer 0.6 s of its own time):
# the file is in the page cache, the importer just read it. It parses only the bytes the
# importer hashed: anything else (the file changed or went in between) is MOVED, and the
# importer parses the bytes it holds. The worker reads as the importer does (`reading`): a
# FIFO or device put there in between is never opened blocking.
MOVED = "moved"


def parse_file(fn, path: str, size: int, sha: str, name: str | None, when) -> tuple:
    """``fn(data, name, when)`` (see ``parse``) on the file at ``path`` if it still holds the
    ``size`` bytes of sha256 ``sha``; else (MOVED, None, None)."""
    data = _read_same(path, size, sha)
    if data is None:
        return (MOVED, None, None)
    return fn(data, name, when)


def _read_same(path: str, size: int, sha: str) -> bytes | None:
    """The file's bytes if they are still the ``size`` bytes of sha256 ``sha``, else None."""
    import hashlib

    from shoetrack.ingest.reading import Unreadable, read_file

    try:
        data, _st = read_file(path)
    except Unreadable:
        return None
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
        return None
    return data


def default_workers() -> int:
    """Worker processes for a large import: one per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on macOS or Windows
        return os.cpu_count() or 1


def _worker_start() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the importer decides what it means.
    import multiprocessing

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel) -> None:
    """Wait until the importer is gone (its sentinel becomes ready), then exit at once: a worker
    of an importer killed with -9 would otherwise wait for work forever."""
    from multiprocessing.connection import wait

    wait([sentinel])
    os._exit(1)


class Pool:
    """Worker processes that parse, started on first use; `fn` is the parse function (default
    `parse`; a module-level function, as spawn imports it by name in each worker)."""

    def __init__(self, workers: int, fn=None):
        self.workers, self.fn = workers, fn
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def submit(self, data: bytes, name: str | None, when, path=None, sha=None) -> Future:
        """Parse ``data`` in a worker; given the ``path`` it was read from and its ``sha``
        (sha256 hex), the worker reads it there instead (see ``parse_file``)."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_start,
            )
        fn = self.fn or parse
        if path is not None and sha is not None:
            return self._pool.submit(parse_file, fn, os.fspath(path), len(data), sha, name, when)
        return self._pool.submit(fn, data, name, when)

    def outcome(self, future: Future) -> tuple:
        """The outcome of a submitted parse. A worker that died (killed, out of memory) breaks
        the whole pool and loses every parse in it: each is reported as DIED, and the next
        submit starts a new pool."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool:
            self.close()
            return ("died", None, DIED)

    def alone(self, data: bytes, name: str | None, when) -> tuple:
        """Parse one file in this pool, then stop it (a file whose parse was lost with a broken
        pool: DIED now means that this file kills a worker)."""
        try:
            return self.outcome(self.submit(data, name, when))
        finally:
            self.close()

    def close(self, cancel: bool = False) -> None:
        """Stop the workers and wait for them (those parsing finish their file first); `cancel`
        drops parses not started (Ctrl-C, or an error in the importer)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=cancel)
