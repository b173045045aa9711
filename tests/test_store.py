"""The store: migrations from empty, connection settings, constraints, transactions."""
import math
import multiprocessing
import sqlite3

import pytest

from shoetrack.errors import ShoetrackError
from shoetrack.store import MIGRATIONS, open_store

TABLES = {"shoes", "activities", "assignments", "files", "rules", "alerts", "deliveries",
          "delivery_alerts", "watches"}


def test_migrations_from_empty_and_idempotent(tmp_path):
    path = tmp_path / "new" / "deep" / "s.db"  # parent folders are created
    s = open_store(path)
    names = set(s.db.table_names())
    assert TABLES <= names
    applied = [m.name for m in MIGRATIONS.applied(s.db)]
    assert applied == [m.name for m in MIGRATIONS._migrations]
    assert s.scalar("PRAGMA journal_mode") == "wal"
    assert s.scalar("PRAGMA busy_timeout") == 10000
    assert s.scalar("PRAGMA foreign_keys") == 1
    s.close()
    s = open_store(path)  # re-opening applies nothing again
    assert [m.name for m in MIGRATIONS.applied(s.db)] == applied
    assert MIGRATIONS.pending(s.db) == []
    s.close()


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 2e6])
def test_constraints_refuse_bad_distances(store, value):
    with pytest.raises(sqlite3.IntegrityError):
        with store.write():
            store.conn.execute(
                "INSERT INTO activities (start, sport, distance_m, source, created_at)"
                " VALUES ('2026-01-01T00:00:00Z', 'run', ?, 'manual', 'x')", (value,))
    assert store.scalar("SELECT count(*) FROM activities") == 0


def test_constraints_refuse_1900_and_empty_names(store):
    with pytest.raises(sqlite3.IntegrityError):
        with store.write():
            store.conn.execute(
                "INSERT INTO activities (start, sport, distance_m, source, created_at)"
                " VALUES ('1900-01-01T00:00:00Z', 'run', 5, 'manual', 'x')")
    with pytest.raises(sqlite3.IntegrityError):
        with store.write():
            store.conn.execute("INSERT INTO shoes (name, created_at) VALUES ('  ', 'x')")


def test_write_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        with store.write():
            store.conn.execute("INSERT INTO shoes (name, created_at) VALUES ('A', 'x')")
            raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM shoes") == 0
    assert not store.conn.in_transaction


def test_unwritable_database_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ShoetrackError) as e:
        open_store(blocker / "s.db")
    assert str(e.value).startswith(f"cannot open database {blocker / 's.db'}: ")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ShoetrackError) as e:
        open_store(garbage)
    assert str(e.value) == f"cannot open database {garbage}: file is not a database"


def test_cli_unwritable_db(st, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = st("--db", blocker / "s.db", "shoe", "add", "A", code=1)
    assert r.stderr.startswith(f"Error: cannot open database {blocker / 's.db'}: ")
    assert r.stderr.count("\n") == 1


def _writer(path, n, tag):
    s = open_store(path)
    for i in range(n):
        with s.write():
            # read-then-write: exactly the pattern a deferred BEGIN fails on
            count = s.scalar("SELECT count(*) FROM shoes")
            s.conn.execute("INSERT INTO shoes (name, created_at) VALUES (?, ?)", (f"{tag}-{i}-{count}", "x"))
    s.close()


def test_concurrent_writers_never_see_locked(tmp_path):
    path = tmp_path / "c.db"
    open_store(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, 150, t)) for t in "abc"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    s = open_store(path)
    assert s.scalar("SELECT count(*) FROM shoes") == 450
    assert s.scalar("PRAGMA integrity_check") == "ok"
