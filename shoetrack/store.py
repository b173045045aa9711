"""The SQLite store: schema (through sqlite-utils migrations), connection settings, transactions.

Opening a database whose schema is current costs two stdlib queries (`PRAGMA user_version`, set
by every migration, and the count of applied migrations): sqlite-utils and its migration
machinery are imported only when the schema is behind, or when a caller asks for `Store.db`.

All distances are meters, durations seconds, times ISO-8601 UTC text ('2026-11-20T07:30:00Z',
which sorts correctly as text). CHECK constraints keep non-finite or absurd values out even if
a caller forgets to validate: SQLite stores NaN as NULL and inf as inf, and one inf makes every
SUM infinite.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

from shoetrack.errors import ShoetrackError, UsageProblem

BUSY_TIMEOUT_S = 10.0
# What SQLite raises when a write cannot happen (read-only, disk full, locked): turned into
# one-line errors by Store.failure(). A value the schema refuses (IntegrityError) stays an
# IntegrityError here, for callers that record it (an import); the CLI turns it into one line.
_REFUSALS = (sqlite3.OperationalError,)


class Store:
    """An open database: `conn` is the sqlite3 connection; write() opens one transaction.

    `db`, a sqlite_utils.Database on the same connection, is made on first use: a command that
    only reads never imports sqlite-utils (measured: 30-40 ms of every command's start-up).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path | None):
        self.conn = conn
        self.path = path
        self._db = None

    @property
    def db(self):
        if self._db is None:
            self._db = _import_sqlite_utils().Database(self.conn)
        return self._db

    def q(self, sql: str, params=()) -> list[dict]:
        """Rows as dicts."""
        return list(self.rows(sql, params))

    def rows(self, sql: str, params=()):
        """Rows as dicts, one at a time as SQLite produces them (a listing of any size in flat
        memory). The query runs when this is called, so its errors surface here."""
        cur = self.conn.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return (dict(zip(cols, row, strict=True)) for row in cur)

    def one(self, sql: str, params=()):
        rows = self.q(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params=()):
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    @contextlib.contextmanager
    def write(self):
        """One write transaction, opened with BEGIN IMMEDIATE.

        A deferred BEGIN that reads first fails at once with "database is locked" when another
        process (the daemon) writes meanwhile; IMMEDIATE takes the write lock up front and waits
        up to the busy timeout instead (measured: no "database is locked" errors with concurrent
        writers once every write transaction starts this way). A nested call becomes a
        savepoint, so its failure undoes only its own part (a dry-run import holds an outer
        transaction and rolls it all back at the end).
        """
        if self.conn.in_transaction:
            self._depth = getattr(self, "_depth", 0) + 1
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException as e:
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                if isinstance(e, _REFUSALS):
                    raise self.failure(e) from None
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self._begin()
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException as e:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(e, _REFUSALS):
                raise self.failure(e) from None
            raise

    def _begin(self) -> None:
        """Take the write lock (waiting up to the busy timeout), or fail in one line."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise self.failure(e) from None

    def failure(self, e: Exception) -> ShoetrackError:
        """A one-line error for what SQLite says when a write cannot happen."""
        text = str(e)
        if isinstance(e, (sqlite3.IntegrityError, OverflowError)):
            return refusal(e)
        if "readonly" in text or "read-only" in text:
            return ShoetrackError(f"database {self.path} is read-only: nothing was changed")
        if "locked" in text or "busy" in text:
            return ShoetrackError(
                f"database {self.path} is busy ({text}): another shoetrack "
                "process is writing to it; try again in a moment"
            )
        if "full" in text:
            return ShoetrackError(
                f"database {self.path}: the disk is full; the last change was not saved"
            )
        return ShoetrackError(f"database {self.path}: {text}")

    @contextlib.contextmanager
    def trial(self):
        """One write transaction that is always rolled back (a dry run): the same work as a
        real run, nothing kept. Nested write() calls inside become savepoints."""
        self._begin()
        try:
            yield self
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def close(self):
        self.conn.close()


def refusal(e: Exception) -> UsageProblem:
    """A value the schema refuses (a CHECK constraint, an integer beyond 64 bits) is a bad
    argument that got past the checks in front: one line, exit status 2, nothing written."""
    text = str(e)
    if isinstance(e, OverflowError):
        return UsageProblem("a number is too large to store")
    if text.startswith("CHECK constraint failed: "):
        rule = text.split(": ", 1)[1]
        column = re.match(r"\w+", rule)
        what = f" for {column.group(0)}" if column else ""
        return UsageProblem(f"value out of range{what} (the database refuses it: {rule})")
    return UsageProblem(f"the database refuses this change: {text}")


def _import_sqlite_utils() -> ModuleType:
    """sqlite_utils, without the numpy and pandas it loads whenever they are installed.

    It imports them only to map their scalar types when a table is created from values, which
    the store never does (the schema is SQL, the values are Python floats and ints); with the
    charts extra installed numpy alone added 50-70 ms to every database command. So they are
    hidden while it imports, unless something has loaded them already; later imports (a chart)
    find them as usual.
    """
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        import sqlite_utils
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]
    return sqlite_utils


def open_store(path: Path | str, *, create: bool = True) -> Store:
    """Open the database at `path` and apply pending migrations.

    `create`: make the folder and the file when missing (only for the default location; a
    path the user named must have an existing folder, or a typo would look like lost data).
    A file this process may not write is opened read-only: reads work, writes fail with one
    line. A database written by a newer shoetrack is refused, naming the versions.
    """
    path = Path(path)
    memory = str(path) == ":memory:"
    try:
        if not memory and not path.parent.is_dir():
            if not create:
                raise ShoetrackError(
                    f"cannot open database {path}: folder {path.parent} does not exist"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        conn, read_only = _connect(path, memory)
        store = Store(conn, path)
        current = _is_current(store)
        if not current:
            _refuse_newer(store)
        if not read_only:
            _tune(conn, memory)
        if not current:
            _upgrade(store, read_only)
    except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError, ValueError) as e:
        # ValueError: a path with a NUL byte in it.
        reason = getattr(e, "strerror", None) or str(e)
        raise ShoetrackError(f"cannot open database {path}: {reason}") from None
    return store


def _connect(path: Path, memory: bool) -> tuple[sqlite3.Connection, bool]:
    """A connection with the busy timeout, and whether it is read-only. A database SQLite
    cannot open for writing (a read-only disk, or a WAL file whose folder may not be written)
    is opened immutable and read-only, so reads such as `status` still work."""
    conn = _busy(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S))
    if memory or not path.is_file():
        return conn, False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, False
    except sqlite3.OperationalError as e:
        conn.close()
        # A read-only mount says "unable to open"; a WAL file in a folder this user may not
        # write says "readonly" (the -shm file cannot be made), even to read it.
        if "unable to open" not in str(e) and "readonly" not in str(e):
            raise
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    return _busy(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)), True


def _busy(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    # What sqlite_utils.Database sets on every connection it wraps; set here so that a store
    # opened without sqlite-utils behaves the same (REPLACE deletions fire delete triggers).
    conn.execute("PRAGMA recursive_triggers = ON")
    return conn


def _tune(conn: sqlite3.Connection, memory: bool) -> None:
    if not memory:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            try:
                with conn:
                    conn.execute("PRAGMA journal_mode = wal")
            except sqlite3.OperationalError as e:
                if "readonly" not in str(e):  # a read-only file stays as it is
                    raise
        # WAL + NORMAL never corrupts; a power cut may undo the last commits, and a file whose
        # import is undone is also absent from the import log, so the next scan re-imports it.
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")


# ---------------------------------------------------------------------------------------------
# Schema versions

MIGRATION_SET = "shoetrack"


def _is_current(store: Store) -> bool:
    """Whether every migration this version knows is applied, from stdlib queries alone: each
    migration sets `PRAGMA user_version` to its place in MIGRATION_STEPS, and sqlite-utils
    records it in _sqlite_migrations. A database from before user_version was kept (0) reads
    as behind, and so does one whose log disagrees with its version; `_upgrade` sorts them out.
    Raises when the version is beyond what this version knows."""
    version = store.scalar("PRAGMA user_version")
    if version > len(MIGRATION_STEPS):
        _refuse_newer(store, version)
    if version < len(MIGRATION_STEPS):
        return False
    try:
        applied = store.scalar(
            "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
        )
    except sqlite3.OperationalError as e:
        if "no such table" not in str(e):
            raise
        return False
    return applied == len(MIGRATION_STEPS)


def _refuse_newer(store: Store, version: int = 0) -> None:
    """A migration this version does not know means a newer shoetrack wrote the database:
    reading it would misread renamed or new columns, so it is refused. `version`: the
    database's user_version when it is already known to be beyond ours."""
    known = [name for name, _ in MIGRATION_STEPS]
    unknown = []
    if store.scalar("SELECT count(*) FROM sqlite_master WHERE name = '_sqlite_migrations'"):
        applied = [
            r["name"]
            for r in store.q(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                (MIGRATION_SET,),
            )
        ]
        unknown = [n for n in applied if n not in known]
    if unknown or version:
        schema = max(unknown) if unknown else f"version {version}"
        raise ShoetrackError(
            f"database {store.path} was written by a newer shoetrack (schema {schema}; "
            f"this version knows up to {max(known)}): upgrade shoetrack to use it"
        )


def _upgrade(store: Store, read_only: bool) -> None:
    """Apply the pending migrations (sqlite-utils imported only here), and bring user_version
    up to date in the same transaction: a database from before it was kept has every
    migration applied and version 0."""
    if not MIGRATIONS.pending(store.db):
        if read_only:  # readable as it is; the version is recorded on the next writable open
            return
    elif read_only:
        raise ShoetrackError(
            f"database {store.path} is read-only and needs an upgrade to "
            "this version of shoetrack: open it once with write access"
        )
    with store.write():
        MIGRATIONS.apply(store.db)
        store.conn.execute(f"PRAGMA user_version = {len(MIGRATION_STEPS)}")


def _versioned(fn, version: int):
    """`fn`, then `PRAGMA user_version = version`, inside the migration's own transaction (a
    migration that fails leaves the version where it was)."""

    def migrate(db) -> None:
        fn(db)
        db.execute(f"PRAGMA user_version = {version}")

    migrate.__name__ = fn.__name__
    return migrate


def _build():
    m = _import_sqlite_utils().Migrations(MIGRATION_SET)
    for version, (name, fn) in enumerate(MIGRATION_STEPS, start=1):
        m(name=name)(_versioned(fn, version))
    return m


class _LazyMigrations:
    """The sqlite-utils migration set, built on first use so that opening a current database
    never imports sqlite-utils."""

    _m = None

    def __getattr__(self, name):
        if _LazyMigrations._m is None:
            _LazyMigrations._m = _build()
        return getattr(_LazyMigrations._m, name)


MIGRATIONS = _LazyMigrations()


def _run_script(db, script: str) -> None:
    # Not executescript(): it COMMITs first, which would break the migration's transaction.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


# ---------------------------------------------------------------------------------------------
# Migrations: each takes the database (anything with execute(sql)) and changes the schema
# inside the transaction it is given. They run in the order of MIGRATION_STEPS, below.


# The whole planned schema at once, so later changes add migrations, not rewrites.
_INITIAL_SCHEMA = """
CREATE TABLE shoes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
    brand TEXT,
    model TEXT,
    purchased_on TEXT,              -- local calendar date YYYY-MM-DD
    retired_on TEXT,                -- first day the pair is no longer in use
    start_distance_m REAL NOT NULL DEFAULT 0
        CHECK (start_distance_m >= 0 AND start_distance_m < 1e7),
    warn_at_m REAL CHECK (warn_at_m IS NULL OR (warn_at_m > 0 AND warn_at_m < 1e7)),
    replace_at_m REAL CHECK (replace_at_m IS NULL OR (replace_at_m > 0 AND replace_at_m < 1e7)),
    max_age_days INTEGER CHECK (max_age_days IS NULL OR max_age_days > 0),
    default_sports TEXT NOT NULL DEFAULT '[]',   -- JSON list of canonical sports
    cost REAL CHECK (cost IS NULL OR (cost >= 0 AND cost < 1e6)),
    notes TEXT,
    snoozed_until TEXT,             -- alerts held until this UTC time
    created_at TEXT NOT NULL
);

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    size INTEGER,
    mtime REAL,
    sha256 TEXT,
    format TEXT,
    status TEXT NOT NULL CHECK (status IN ('imported','duplicate','not-activity','failed')),
    reason TEXT,
    duplicate_of INTEGER REFERENCES files(id),
    imported_at TEXT NOT NULL
);
CREATE INDEX files_sha256 ON files(sha256);
CREATE INDEX files_path ON files(path);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    start TEXT NOT NULL CHECK (start >= '1990-01-01'),
    sport TEXT NOT NULL,
    sub_sport TEXT,
    distance_m REAL NOT NULL CHECK (distance_m >= 0 AND distance_m < 1e6),
    elapsed_s REAL CHECK (elapsed_s IS NULL OR (elapsed_s >= 0 AND elapsed_s < 604800)),
    moving_s REAL CHECK (moving_s IS NULL OR (moving_s >= 0 AND moving_s < 604800)),
    name TEXT,
    device TEXT,
    source TEXT NOT NULL,           -- fit / gpx / tcx / manual / strava
    file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
    session_index INTEGER NOT NULL DEFAULT 0,
    has_gps INTEGER NOT NULL DEFAULT 0,
    recovered INTEGER NOT NULL DEFAULT 0,
    identity TEXT,                  -- cross-format dedupe key: family + minute
    note TEXT,
    ignored INTEGER NOT NULL DEFAULT 0,   -- a test recording: never counts
    created_at TEXT NOT NULL
);
CREATE INDEX activities_start ON activities(start);
CREATE INDEX activities_file ON activities(file_id);

CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    shoe_id INTEGER NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
    sport TEXT,
    min_distance_m REAL,
    max_distance_m REAL,
    device TEXT,                    -- glob, case-insensitive
    weekdays TEXT,                  -- JSON list of 0..6 (Monday = 0)
    path_pattern TEXT,              -- glob on the file path, e.g. */Trail/*
    created_at TEXT NOT NULL
);

CREATE TABLE assignments (
    activity_id INTEGER PRIMARY KEY REFERENCES activities(id) ON DELETE CASCADE,
    shoe_id INTEGER NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
    by TEXT NOT NULL,               -- manual / inbox / rule:N / default / archive
    assigned_at TEXT NOT NULL
);
CREATE INDEX assignments_shoe ON assignments(shoe_id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    shoe_id INTEGER NOT NULL REFERENCES shoes(id) ON DELETE CASCADE,
    level TEXT NOT NULL,            -- approaching / window / replace / reminder / age
    distance_m REAL NOT NULL,
    raised_at TEXT NOT NULL,
    message TEXT NOT NULL,
    rearmed_at TEXT                 -- set when the pair fell back below the level
);
CREATE INDEX alerts_shoe ON alerts(shoe_id, level);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,          -- email / desktop
    status TEXT NOT NULL CHECK (status IN ('pending','sent','failed')),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE TABLE delivery_alerts (
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    PRIMARY KEY (delivery_id, alert_id)
);

CREATE TABLE watches (
    id INTEGER PRIMARY KEY,
    folder TEXT NOT NULL UNIQUE,
    recursive INTEGER NOT NULL DEFAULT 1,
    enabled INTEGER NOT NULL DEFAULT 1,
    last_scan TEXT,
    created_at TEXT NOT NULL
);
"""


def _initial(db) -> None:
    _run_script(db, _INITIAL_SCHEMA)


def _ingest(db) -> None:
    # sport_inferred: the file named no sport and the reader guessed it from the track, so a
    # wrong guess can be found and fixed. files.retry: the failure was transient (database
    # locked, an I/O error); a scan tries the file again instead of treating it as final.
    # watches.sport: the sport for files in that folder that do not say theirs.
    _run_script(
        db,
        """
        ALTER TABLE activities ADD COLUMN sport_inferred INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE files ADD COLUMN retry INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE watches ADD COLUMN sport TEXT
        """,
    )


def _attrib(db) -> None:
    # Older versions filled a missing purchase date with the day the pair was added. Such a
    # date cannot be told from one typed on that same day; both now read as unknown. Nothing
    # automatic changes (the first automatic day is still the day it was added), but the
    # runner's own choices before that day are no longer refused.
    db.execute(
        "UPDATE shoes SET purchased_on = NULL WHERE purchased_on IN"
        " (date(created_at, 'localtime'), date(created_at))"
    )


def _insight(db) -> None:
    # The optional load alerts (a long run, a steep week) are about the runner, not a pair,
    # so they cannot live in `alerts` (one row per pair); `key` makes each fire once.
    _run_script(
        db,
        """
        CREATE TABLE load_alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('spike', 'week')),
            key TEXT NOT NULL UNIQUE,       -- spike:<activity id> / week:<first day>
            raised_at TEXT NOT NULL,
            message TEXT NOT NULL
        );
        """,
    )


def _delivery_claims(db) -> None:
    # Who is sending a delivery right now (a lease, ISO UTC): two checks at the same instant
    # must not both send it, even when both are forced past the retry backoff.
    db.execute("ALTER TABLE deliveries ADD COLUMN claimed_until TEXT")


def _imports_log(db) -> None:
    # The import log (`shoetrack imports`) lists files newest first, all of them or the failed
    # ones: without an index in that order SQLite sorts the whole table in a temporary B-tree
    # for every listing (measured: 100-170 ms at 85,000 files, for the newest 50). The rowid
    # follows imported_at in each index entry, so `imported_at DESC, id DESC` is index order.
    _run_script(
        db,
        """
        CREATE INDEX files_imported_at ON files(imported_at);
        CREATE INDEX files_status_imported_at ON files(status, imported_at)
        """,
    )


# The schema's history, oldest first: (name recorded in _sqlite_migrations, function). A new
# migration is one entry appended here; its place in the list (from 1) becomes user_version.
# Never reorder, rename or remove an entry: databases in use have them applied under these names.
MIGRATION_STEPS = [
    ("0001_initial", _initial),
    ("0002_ingest", _ingest),
    ("0003_attrib", _attrib),
    ("0005_insight", _insight),
    ("0004_settings", _delivery_claims),
    ("0006_imports_log", _imports_log),
]
