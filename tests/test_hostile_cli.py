"""Hostile input and hostile surroundings: every command with absurd arguments, a read-only
database, a full disk, a database from a newer shoetrack, a database another process is
writing. Each must end in one line and exit status 0, 1 or 2, with nothing half-written."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
import pytest
from helpers import db_dump

from shoetrack.cli import cli


def gpx_run(start: datetime, points: int = 60) -> str:
    """A GPX run of `points` points 10 s and ~22 m apart, starting at `start` (UTC)."""
    pts = "".join(
        f'<trkpt lat="{47 + i * 0.0002:.6f}" lon="8.000000"><time>'
        f"{start + timedelta(seconds=10 * i):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
        for i in range(points)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Run</name><type>running</type>'
        f"<trkseg>{pts}</trkseg></trk></gpx>\n"
    )


START = datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1e308",
    "100000000000000000000",
    "nan",
    "inf",
    "-inf",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "No Such Pair",
    "a\x00b",
    "\u202e💥",
    "../../../etc/passwd",
    "--",
    "5mi,10k",
    "99:99",
]
# Commands that would run until stopped are walked in their one-shot form.
ONE_SHOT = {("daemon",): ["--once"]}


def commands(group: click.Group, path=()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from commands(cmd, (*path, name))
            if not cmd.invoke_without_command:
                continue
        yield (*path, name), cmd


ALL = list(commands(cli))


def invocations(path, cmd):
    """Argument lists: every positional argument set to each hostile value, then each option
    (the required arguments filled with a hostile value too)."""
    args = [p for p in cmd.params if isinstance(p, click.Argument)]
    opts = [
        p
        for p in cmd.params
        if isinstance(p, click.Option)
        and not p.is_flag
        and not isinstance(p.type, click.Choice)
        and p.name != "units"
    ]
    base = [*path, *ONE_SHOT.get(path, [])]
    for value in HOSTILE:
        yield [*base, *[value for _ in args]]
    for opt in opts:
        for value in HOSTILE[:12]:
            yield [*base, *["P" for _ in args], opt.opts[-1], value]


def _survives(runner, argv):
    result = runner.invoke(cli, argv, catch_exceptions=True, prog_name="shoetrack", input="")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        tb = "".join(traceback.format_exception(*result.exc_info))
        return f"shoetrack {argv!r} raised:\n{tb}"
    if result.exit_code not in (0, 1, 2) or "Traceback" in result.output:
        return f"shoetrack {argv!r} exited {result.exit_code}:\n{result.output}"
    if result.exit_code and result.stderr.count("\n") > 1 and "not sent" not in result.stderr:
        return f"shoetrack {argv!r} printed more than one error line:\n{result.stderr}"
    return None


@pytest.fixture
def populated(st, tmp_path, monkeypatch):
    """A database with a pair, a retired pair, a run and an alert; the working folder empty
    (a hostile "" path must not walk the repository); desktop off so nothing waits on a bus."""
    (tmp_path / "config.toml").write_text("[desktop]\nenabled = false\n")
    st(
        "shoe",
        "add",
        "P",
        "--start-distance",
        "305mi",
        "--default-for",
        "run",
        "--purchased",
        "2026-01-01",
    )
    st("shoe", "add", "Old", "--purchased", "2025-01-01")
    st("shoe", "retire", "Old", "--date", "2025-06-01")
    st("log", "5mi", "--date", "2026-03-01")
    st("alerts", "check")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    # `serve` runs until Ctrl-C: once it has parsed its arguments, bound and printed its address,
    # press it at once (the stop path is walked too).
    try:
        from shoetrack.web.server import Server
    except ImportError:  # the web extra is absent: serve refuses with one line, nothing to stop
        return

    def ctrl_c(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Server, "serve_forever", ctrl_c)


@pytest.mark.parametrize("path, cmd", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_survives_hostile_arguments(populated, path, cmd):
    from click.testing import CliRunner

    runner = CliRunner()
    problems = [p for argv in invocations(path, cmd) if (p := _survives(runner, argv))]
    assert not problems, "\n".join(
        p.splitlines()[0] + "\n" + p.splitlines()[-1] for p in problems[:8]
    )


def test_the_walk_covers_every_command():
    names = {" ".join(p) for p, _ in ALL}
    assert {
        "log",
        "import",
        "shoe add",
        "shoe edit",
        "config set",
        "alerts snooze",
        "notify test",
        "watch scan",
        "daemon",
        "activities",
        "alerts",
    } <= names
    assert len(ALL) >= 30


def test_hostile_global_options(populated, tmp_path):
    from click.testing import CliRunner

    runner = CliRunner()
    for value in HOSTILE:
        for argv in (
            ["--db", value, "status"],
            ["--config", value, "status"],
            ["--units", value, "status"],
        ):
            assert _survives(runner, argv) is None


# --- specific cases that used to end in a traceback -------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["log", "5mi", "--date", "0001-01-01"],
            "Error: Invalid value for --date: date '0001-01-01' is implausibly early\n",
        ),
        (
            ["log", "5mi", "--date", "2026-02-30"],
            "Error: Invalid value for --date: date '2026-02-30' does not exist\n",
        ),
        (
            ["shoe", "add", "X", "--cost", "1e308"],
            "Error: value out of range for cost (the database refuses it: cost IS NULL OR "
            "(cost >= 0 AND cost < 1e6))\n",
        ),
        (
            ["shoe", "add", "X", "--max-age", "100000000000000000000"],
            "Error: Invalid value for '--max-age': 100000000000000000000 is too large.\n",
        ),
        (
            ["shoe", "add", "X", "--max-age", "9223372036854775807"],
            "Error: a number is too large to store\n",
        ),
        (
            ["activities", "--from", "2026-12-01", "--to", "2026-01-01"],
            "Error: --from 2026-12-01 is after --to 2026-01-01 (see 'shoetrack activities --help')\n",
        ),
    ],
)
def test_refused_in_one_line_and_nothing_changed(st, args, message):
    st("shoe", "add", "P")
    before = db_dump(st.db)
    assert st(*args, code=2).stderr == message
    assert db_dump(st.db) == before


@pytest.mark.parametrize("zone", ["Pacific/Pago_Pago", "Pacific/Kiritimati"])
def test_far_dates_in_far_zones(st, monkeypatch, zone):
    import time

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        r = st("log", "5mi", "--date", "9999-12-31", code=2)
        assert r.stderr == "Error: Invalid value for --date: date '9999-12-31' is in the future\n"
        r = st("log", "5mi", "--date", "0001-01-01", code=2)
        assert (
            r.stderr == "Error: Invalid value for --date: date '0001-01-01' is implausibly early\n"
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_newer_database_is_refused_naming_the_versions(st, tmp_path):
    st("shoe", "add", "P")
    conn = sqlite3.connect(st.db)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('shoetrack', '0099_from_the_future', '2027-01-01')"
    )
    conn.commit()
    conn.close()
    before = db_dump(st.db)
    from shoetrack.store import MIGRATIONS

    last = max(m.name for m in MIGRATIONS._migrations)
    for args in (["status"], ["shoe", "add", "Q"]):
        r = st(*args, code=1)
        assert r.stderr == (
            f"Error: database {st.db} was written by a newer shoetrack (schema "
            f"0099_from_the_future; this version knows up to {last}): upgrade "
            "shoetrack to use it\n"
        )
    assert db_dump(st.db) == before


def test_dry_run_while_another_process_writes(st, tmp_path, monkeypatch):
    from shoetrack import store as store_module

    st("shoe", "add", "P", "--default-for", "run", "--purchased", "2026-01-01")
    gpx = tmp_path / "run.gpx"
    gpx.write_text(gpx_run(START))
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(st.db)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\ntime.sleep(30)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        busy = (
            f"database {st.db} is busy (database is locked): another shoetrack process is "
            "writing to it; try again in a moment"
        )
        for args in (["import", "--dry-run", gpx], ["shoe", "add", "Q"]):
            assert st(*args, code=1).stderr == f"Error: {busy}\n"
        # A real import goes on with the next file, this one kept for a retry.
        r = st("import", gpx, code=1)
        assert busy in r.stderr and "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()
    assert st.json("activities") == []


# --- a read-only database and a full disk: real filesystems ----------------------------------


@contextlib.contextmanager
def mounted(*options: str):
    """A fresh tmpfs (root only: mount needs CAP_SYS_ADMIN); skips where mounting is refused."""
    where = Path(tempfile.mkdtemp(prefix="shoetrack-mnt-"))
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options or ("size=4m",)), "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


def dump_read_only(db: Path) -> dict:
    return db_dump(db, read_only=True)


def _remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


@contextlib.contextmanager
def read_only_copy(db: Path, *extra: Path):
    """A copy of `db` (and `extra` files beside it) the CLI cannot write, and a function
    running the CLI against it, which
    returns (exit status, stdout, stderr). Root ignores file modes, so chmod alone proves
    nothing: a read-only tmpfs mount when mounting works, else the CLI as user nobody on a
    copy in a folder nobody may write. Skips when neither is possible here."""
    where = Path(tempfile.mkdtemp(prefix="shoetrack-mnt-"))
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True
        ).returncode
        == 0
    ):
        try:
            for f in (db, *extra):
                shutil.copy(f, where / f.name)
            _remount_read_only(where)
            from click.testing import CliRunner

            def run(*args):
                r = CliRunner().invoke(cli, [str(a) for a in args], prog_name="shoetrack")
                assert not r.exception or isinstance(r.exception, SystemExit), r.exc_info
                return r.exit_code, r.stdout, r.stderr

            yield where / "shoetrack.db", run
        finally:
            subprocess.run(["umount", "-l", str(where)], check=False)
            where.rmdir()
        return
    where.rmdir()
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("neither a tmpfs mount nor setpriv (to run as nobody) is available")
    folder = Path(tempfile.mkdtemp(prefix="shoetrack-ro-"))
    try:
        for f in (db, *extra):
            shutil.copy(f, folder / f.name)
            os.chmod(folder / f.name, 0o444)
        os.chmod(folder, 0o555)

        def run(*args):
            # The test's own folders are private to root: point nobody at this one only.
            env = {
                **os.environ,
                "SHOETRACK_DB": str(folder / "shoetrack.db"),
                "SHOETRACK_CONFIG": str(folder / "config.toml"),
            }
            r = subprocess.run(
                [
                    setpriv,
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    sys.executable,
                    "-m",
                    "shoetrack",
                    *map(str, args),
                ],
                capture_output=True,
                text=True,
                env=env,
            )
            return r.returncode, r.stdout, r.stderr

        yield folder / "shoetrack.db", run
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


def test_read_only_database_reads_work_and_writes_say_so(st, tmp_path, monkeypatch):
    st("shoe", "add", "P", "--default-for", "run", "--purchased", "2026-01-01")
    st("log", "5mi", "--date", "2026-03-01")
    gpx = tmp_path / "run.gpx"
    gpx.write_text(gpx_run(START))
    with read_only_copy(st.db, gpx) as (db, run):
        gpx = db.parent / gpx.name
        monkeypatch.setenv("SHOETRACK_DB", str(db))
        before = dump_read_only(db)
        code, out, err = run("status")
        assert (code, err) == (0, "") and "P " in out
        code, out, _err = run("activities", "--json")
        assert code == 0 and '"distance_m": 8046.72' in out
        code, out, _err = run("shoe", "list")
        assert code == 0 and out.startswith("name")
        for args in (
            ["shoe", "add", "Q"],
            ["log", "3mi"],
            ["shoe", "retire", "P"],
            ["import", gpx],
            ["import", "--dry-run", gpx],
        ):
            assert run(*args) == (
                1,
                "",
                f"Error: database {db} is read-only: nothing was changed\n",
            ), args
        assert dump_read_only(db) == before


def test_full_disk_during_import_keeps_what_was_imported(st, tmp_path, monkeypatch):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):  # distinct runs, a day apart: none is a duplicate of another
        (folder / f"run{i:03d}.gpx").write_text(gpx_run(START - timedelta(days=i)))
    with mounted("size=16m") as where:
        db = where / "shoetrack.db"
        monkeypatch.setenv("SHOETRACK_DB", str(db))
        st("shoe", "add", "P", "--default-for", "run", "--purchased", "2024-01-01")
        # Fill the disk, leaving a little room: the import runs out part-way.
        with open(where / "filler", "wb") as f, contextlib.suppress(OSError):
            while os.statvfs(where).f_bavail * os.statvfs(where).f_frsize > 48 * 1024:
                f.write(b"\0" * 4096)
                f.flush()
        r = st("import", folder, code=1)
        assert r.stderr.endswith(
            f"Error: database {db}: the disk is full; the last change was not saved\n"
        )
        assert r.stderr.count("\n") == 1
        (where / "filler").unlink()
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            files_logged = conn.execute("SELECT count(*) FROM files").fetchone()[0]
        finally:
            conn.close()
        # What went in before the disk filled stays, and the next import finishes the rest.
        st("import", folder)
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 400
        finally:
            conn.close()
        assert files_logged < 400


# --- the command line says what it does ---------------------------------------------------------


def test_shoe_edit_help_claims_no_defaults(st):
    edit = st("shoe", "edit", "--help").stdout
    assert "(default today)" not in edit and "(default from config" not in edit
    add = st("shoe", "add", "--help").stdout
    assert "(default from config, 300mi)" in " ".join(add.split())


def test_shoe_list_says_how_many_retired_pairs_it_hides(st):
    st("shoe", "add", "New", "--purchased", "2026-01-01")
    st("shoe", "add", "Old", "--purchased", "2025-01-01")
    st("shoe", "retire", "Old", "--date", "2025-06-01")
    out = st("shoe", "list").stdout.splitlines()
    assert out[0].split() == ["name", "shoe", "default", "for", "purchased", "distance"]
    assert out[-1] == "1 retired pair hidden (--all shows them)."
    out = st("shoe", "list", "--all").stdout.splitlines()
    assert "retired" in out[0].split() and any("2025-06-01" in line for line in out)
    assert "hidden" not in out[-1]
    st("shoe", "retire", "New", "--date", "2026-06-01")
    assert st("shoe", "list").stdout == "2 retired pairs hidden (--all shows them).\n"


def test_log_and_activities_use_one_word_for_a_chosen_pair(st):
    st("shoe", "add", "P", "--purchased", "2026-01-01")
    r = st("log", "5mi", "--shoe", "P", "--date", "2026-03-01")
    assert r.stdout.endswith(" on P (manual).\n")
    [row] = st.json("activities")
    assert row["assigned_by"] == "manual"


def test_layers_depend_one_way():
    """alerts -> outbox -> notify: the channels know nothing of the outbox or the alerts, and
    the outbox does not ask the alerts anything."""
    import ast

    root = Path(__file__).resolve().parents[1] / "shoetrack"

    def imports(path: Path) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        return names

    for path in (root / "notify").glob("*.py"):
        assert not imports(path) & {
            "shoetrack.alerts",
            "shoetrack.alerts.planning",
            "shoetrack.alerts.outbox",
            "shoetrack.daemon",
        }, path
    assert not {"shoetrack.alerts.planning", "shoetrack.alerts.levels"} & imports(
        root / "alerts" / "outbox.py"
    )
    assert not {"shoetrack.daemon", "shoetrack.daemon.load_settings"} & imports(
        root / "ingest" / "watch.py"
    )
