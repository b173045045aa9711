"""The per-request store: opened on first use, closed at the end of the request, and views
retried while another process (the daemon) holds the write lock.

Apart from the app factory so that the page and action modules, which the factory registers, can
use it without importing the factory back.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from flask import g

from shoetrack.config import Config
from shoetrack.errors import ShoetrackError
from shoetrack.store import open_store
from shoetrack.web.security import Guard


class Busy(ShoetrackError):
    """The database stayed locked by another writer for the whole retry deadline."""


@dataclass
class Settings:
    """db_path: the store; busy_deadline_s: how long a request keeps retrying while another
    process holds the write lock; busy_timeout_s: SQLite's wait per attempt (None: the store's)."""

    db_path: Path
    config: Config
    guard: Guard
    busy_deadline_s: float = 30.0
    busy_timeout_s: float | None = None


def is_busy(exc: BaseException | None) -> bool:
    """SQLITE_BUSY/LOCKED, raised directly or wrapped in a ShoetrackError by the store."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, sqlite3.OperationalError) and any(
            w in str(exc).lower() for w in ("locked", "busy")
        ):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def store():
    """This request's store, opened on first use and closed when the request ends."""
    if "store" not in g:
        settings: Settings = g.settings
        g.store = open_store(settings.db_path)
        if settings.busy_timeout_s is not None:
            g.store.conn.execute(f"PRAGMA busy_timeout = {int(settings.busy_timeout_s * 1000)}")
    return g.store


def _close_store() -> None:
    s = g.pop("store", None)
    if s is not None:
        s.close()


def retrying(view):
    """Run a view again, on a fresh connection, while another process holds the database.

    A failed attempt changed nothing (every write is one transaction, rolled back on error), so
    running it again is safe. Waits grow from 50 ms to 1 s; past the deadline the page says the
    database is busy, in a sentence, never as SQLite's "database is locked"."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        deadline = time.monotonic() + g.settings.busy_deadline_s
        pause = 0.05
        while True:
            try:
                return view(*args, **kwargs)
            except (sqlite3.OperationalError, ShoetrackError) as e:
                if not is_busy(e):
                    raise
                _close_store()
                if time.monotonic() + pause > deadline:
                    raise Busy(
                        "the database stayed busy (another shoetrack process is writing, "
                        "e.g. the daemon importing): nothing was changed, try again"
                    ) from None
                time.sleep(pause)
                pause = min(1.0, pause * 2)

    return wrapper
