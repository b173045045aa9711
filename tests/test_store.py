"""The store: migrations from empty, connection settings, constraints, transactions."""

import math
import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import db_dump

from shoetrack.errors import ShoetrackError
from shoetrack.store import MIGRATION_STEPS, MIGRATIONS, open_store

DATA = Path(__file__).parent / "data"
ALL = [
    "0001_initial",
    "0002_ingest",
    "0003_attrib",
    "0005_insight",
    "0004_settings",
    "0006_imports_log",
]

TABLES = {
    "shoes",
    "activities",
    "assignments",
    "files",
    "rules",
    "alerts",
    "deliveries",
    "delivery_alerts",
    "watches",
}


def test_migrations_from_empty_and_idempotent(tmp_path):
    path = tmp_path / "new" / "deep" / "s.db"  # parent folders are created
    s = open_store(path)
    names = set(s.db.table_names())
    assert names >= TABLES
    applied = [m.name for m in MIGRATIONS.applied(s.db)]
    assert applied == [m.name for m in MIGRATIONS._migrations]
    assert s.scalar("PRAGMA journal_mode") == "wal"
    assert s.scalar("PRAGMA busy_timeout") == 10000
    assert s.scalar("PRAGMA foreign_keys") == 1
    s.close()
    s = open_store(path)  # re-opening applies nothing again
    assert [m.name for m in MIGRATIONS.applied(s.db)] == applied
    assert MIGRATIONS.pending(s.db) == []
    assert s.scalar("PRAGMA user_version") == len(ALL)
    s.close()


def test_migration_steps_are_one_ordered_list():
    assert [name for name, _ in MIGRATION_STEPS] == ALL
    assert [m.name for m in MIGRATIONS._migrations] == ALL


def test_each_migration_records_its_place_as_user_version(tmp_path):
    import sqlite_utils

    path = tmp_path / "partial.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="0003_attrib")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    MIGRATIONS.apply(db, stop_before="0004_settings")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    db.close()
    s = open_store(path)
    assert s.scalar("PRAGMA user_version") == len(ALL)
    assert [m.name for m in MIGRATIONS.applied(s.db)] == ALL
    s.close()


def test_a_failed_migration_leaves_the_version_where_it_was(tmp_path):
    path = tmp_path / "s.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE shoes (id INTEGER PRIMARY KEY)")  # 0001 cannot create it
    conn.close()
    with pytest.raises(ShoetrackError, match="table shoes already exists"):
        open_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [
        ("shoes",)
    ]
    conn.close()


def _database_before_user_version(path: Path) -> None:
    """The database the version before user_version wrote: migrations 0001-0005 recorded only in
    _sqlite_migrations, user_version 0 (a stored dump of one, made by that version)."""
    conn = sqlite3.connect(path)
    conn.executescript((DATA / "store-before-user-version.sql").read_text())
    conn.close()


def test_database_from_before_user_version_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    _database_before_user_version(path)
    before = db_dump(path)
    assert [r[2] for r in before["_sqlite_migrations"]] == ALL[:5]
    s = open_store(path)
    assert s.scalar("PRAGMA user_version") == len(ALL)
    assert [m.name for m in MIGRATIONS.applied(s.db)] == ALL
    assert {
        r["name"]
        for r in s.q("SELECT name FROM sqlite_master WHERE tbl_name = 'files' AND type = 'index'")
    } == {"files_sha256", "files_path", "files_imported_at", "files_status_imported_at"}
    s.close()
    after = db_dump(path)
    assert {t: rows for t, rows in after.items() if t != "_sqlite_migrations"} == {
        t: rows for t, rows in before.items() if t != "_sqlite_migrations"
    }
    assert after["_sqlite_migrations"][:5] == before["_sqlite_migrations"]
    assert len(before["activities"]) == 8 and len(before["files"]) == 6


def test_up_to_date_but_unversioned_database_gets_its_version(tmp_path):
    """Every migration applied, user_version 0 (as if the last migration were the old one): the
    open records the version, changing nothing else."""
    path = tmp_path / "s.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.close()
    before = db_dump(path)
    s = open_store(path)
    assert s.scalar("PRAGMA user_version") == len(ALL)
    s.close()
    assert db_dump(path) == before


LEAN = (
    "import sys; from shoetrack.store import open_store; s = open_store(sys.argv[1]);"
    " print(s.scalar('SELECT count(*) FROM activities'), 'sqlite_utils' in sys.modules)"
)


def test_a_current_database_opens_without_sqlite_utils(tmp_path):
    path = tmp_path / "old.db"
    _database_before_user_version(path)
    run = [sys.executable, "-c", LEAN, str(path)]
    # The first open upgrades, through sqlite-utils; every later one is two stdlib queries.
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout == "8 True\n"
    assert subprocess.run(run, capture_output=True, text=True, check=True).stdout == "8 False\n"


def test_log_disagreeing_with_user_version_takes_the_full_check(tmp_path):
    """A migration missing from the log, whatever user_version says, is applied again."""
    path = tmp_path / "s.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX files_imported_at")
    conn.execute("DROP INDEX files_status_imported_at")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_imports_log'")
    conn.commit()
    conn.close()
    s = open_store(path)
    assert [m.name for m in MIGRATIONS.applied(s.db)] == ALL
    assert s.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'files_imported_at'") == 1
    s.close()


@pytest.mark.parametrize(
    "future_row, schema",
    [
        (True, "0099_from_the_future"),
        (False, f"version {len(ALL) + 1}"),
    ],
)
def test_database_from_a_newer_version_is_refused_untouched(tmp_path, future_row, schema):
    path = tmp_path / "s.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(ALL) + 1}")
    if future_row:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('shoetrack', '0099_from_the_future', '2027-01-01')"
        )
    conn.commit()
    conn.close()
    before = db_dump(path)
    with pytest.raises(ShoetrackError) as e:
        open_store(path)
    assert str(e.value) == (
        f"database {path} was written by a newer shoetrack (schema {schema}; "
        "this version knows up to 0006_imports_log): upgrade shoetrack to use it"
    )
    assert db_dump(path) == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(ALL) + 1
    conn.close()


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 2e6])
def test_constraints_refuse_bad_distances(store, value):
    with pytest.raises(sqlite3.IntegrityError), store.write():
        store.conn.execute(
            "INSERT INTO activities (start, sport, distance_m, source, created_at)"
            " VALUES ('2026-01-01T00:00:00Z', 'run', ?, 'manual', 'x')",
            (value,),
        )
    assert store.scalar("SELECT count(*) FROM activities") == 0


def test_constraints_refuse_1900_and_empty_names(store):
    with pytest.raises(sqlite3.IntegrityError), store.write():
        store.conn.execute(
            "INSERT INTO activities (start, sport, distance_m, source, created_at)"
            " VALUES ('1900-01-01T00:00:00Z', 'run', 5, 'manual', 'x')"
        )
    with pytest.raises(sqlite3.IntegrityError), store.write():
        store.conn.execute("INSERT INTO shoes (name, created_at) VALUES ('  ', 'x')")


def test_write_rolls_back_on_error(store):
    with pytest.raises(RuntimeError), store.write():
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
            s.conn.execute(
                "INSERT INTO shoes (name, created_at) VALUES (?, ?)", (f"{tag}-{i}-{count}", "x")
            )
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
