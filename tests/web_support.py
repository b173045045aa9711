"""Shared by the dashboard tests: a store built through the CLI, the app behind a test client,
and the real server on a free loopback port."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date, timedelta
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "activities"
PORT = 8765  # what the test client's Host header says; nothing listens there


def build(st, tmp_path: Path) -> None:
    """Three pairs (two of them default for run: a rotation, so untagged runs wait in the
    inbox), the example files, a file that fails, and ten weeks of logged runs."""
    st(
        "shoe",
        "add",
        "Pegasus 40",
        "--brand",
        "Nike",
        "--purchased",
        "2026-01-05",
        "--default-for",
        "run",
        "--start-distance",
        "265mi",
    )
    st(
        "shoe",
        "add",
        "Novablast 4",
        "--brand",
        "Asics",
        "--purchased",
        "2026-03-01",
        "--default-for",
        "run",
    )
    st(
        "shoe",
        "add",
        "Speedgoat 5",
        "--brand",
        "Hoka",
        "--purchased",
        "2026-02-01",
        "--default-for",
        "trail_run",
    )
    st("import", "--no-progress", EXAMPLES)
    bad = tmp_path / "incoming" / "broken.gpx"
    bad.parent.mkdir()
    bad.write_text("<gpx><trk>not a track")
    st("import", "--no-progress", bad, code=1)
    today = date.today()
    for i in range(20):
        day = today - timedelta(days=70 - 3 * i)
        st(
            "log",
            f"{5 + (i % 4) * 2}k",
            "--shoe",
            "pegasus" if i % 2 else "novablast",
            "--date",
            day.isoformat(),
            "--duration",
            "40:00",
        )
    # Two runs with no pair: they wait in the inbox with a suggestion.
    st("log", "10k", "--date", (today - timedelta(days=5)).isoformat())
    st("log", "21k", "--date", (today - timedelta(days=2)).isoformat())


def settings(db: Path, *, read_only: bool = False, host: str | None = None, config=None, **kw):
    from shoetrack.config import Config
    from shoetrack.web.db import Settings
    from shoetrack.web.security import Guard

    guard = Guard.for_host(host, read_only=read_only)
    guard.bind(PORT)
    return Settings(db_path=db, config=config or Config(), guard=guard, **kw)


def client(db: Path, **kw):
    """(test client, guard) for an app on PORT; requests say Host 127.0.0.1:PORT."""
    from shoetrack.web.app import create_app

    s = settings(db, **kw)
    app = create_app(s)
    return Client(app.test_client()), s.guard


class Client:
    """Flask's test client with the base URL (and so the Host header) of the app on PORT."""

    base = f"http://127.0.0.1:{PORT}"

    def __init__(self, client):
        self.client = client

    def get(self, path, **kw):
        kw.setdefault("base_url", self.base)
        return self.client.get(path, **kw)

    def post(self, path, **kw):
        kw.setdefault("base_url", self.base)
        return self.client.post(path, **kw)


@contextlib.contextmanager
def server(db: Path, **kw):
    """The real dashboard on a free loopback port, serving from a thread."""
    from shoetrack.config import Config
    from shoetrack.web.server import Server

    srv = Server(db, Config(), **kw)
    srv.start()
    try:
        yield srv
    finally:
        srv.shutdown()


def assignments(db: Path) -> list[tuple]:
    """(activity, pair name, by) for every activity, unassigned as None: what an inbox action
    changes, without the time it was done."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT a.id, s.name, g.by, a.ignored FROM activities a"
            " LEFT JOIN assignments g ON g.activity_id = a.id LEFT JOIN shoes s ON s.id = g.shoe_id"
            " ORDER BY a.id"
        ).fetchall()
    finally:
        conn.close()


def shoes(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM shoes ORDER BY id").fetchall()
    finally:
        conn.close()


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a WAL database (the backup API, not a file copy)."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dst
