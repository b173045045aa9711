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


def db_dump_timeless(path: Path) -> dict:
    """db_dump() without the schema's migrations and the times rows were written (columns
    ending in `_at`): what two runs of the same work must agree on."""
    import sqlite3

    out = db_dump(path)
    del out["_sqlite_migrations"]
    conn = sqlite3.connect(path)
    try:
        for table, rows in out.items():
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            keep = [i for i, c in enumerate(cols) if not c.endswith("_at")]
            out[table] = [tuple(row[i] for i in keep) for row in rows]
    finally:
        conn.close()
    return out
