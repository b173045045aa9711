"""Helpers shared by tests (importable: tests/ is on sys.path via conftest)."""

from __future__ import annotations

from pathlib import Path


def db_dump(path: Path, *, read_only: bool = False) -> dict:
    """Every row of every table: to assert that a failed command changed nothing.

    read_only: for a file on a read-only filesystem, where a normal open would need to create
    the -shm file."""
    import sqlite3

    if read_only:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
    else:
        conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()
