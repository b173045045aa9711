"""Imports parsed by worker processes (spawn): the same store as parsing in one process, a worker
that dies costs only its file, and Ctrl-C or kill -9 leaves no process behind."""

from __future__ import annotations

import gzip
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from builders import T1, gpx, tcx, track
from helpers import db_dump
from importer_fixtures import fit_run

from shoetrack.ingest import parallel, pipeline
from shoetrack.store import open_store

REAL_PARSE = parallel.parse


def archive(folder):
    """58 files of every kind an import meets: runs in GPX (plain and gzipped), FIT and TCX, the
    same activity in two formats, a byte-for-byte copy, a file that is no activity, a broken
    one, an empty one, and a GPX with no times (dated by --date)."""
    folder.mkdir()
    for i in range(50):
        (folder / f"run{i:02d}.gpx").write_text(gpx(track(T1 - timedelta(days=i), n=120)))
    (folder / "copy.gpx").write_text(gpx(track(T1, n=120)))  # same bytes as run00.gpx
    (folder / "run00-again.tcx").write_text(tcx(T1, 2600, 1190))  # the same run, another format
    (folder / "z.gpx.gz").write_bytes(
        gzip.compress(gpx(track(T1 - timedelta(days=60))).encode(), mtime=0)
    )
    (folder / "watch.fit").write_bytes(fit_run())
    (folder / "route.gpx").write_text(
        '<?xml version="1.0"?><gpx version="1.1" '
        'xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="1" lon="2"/></gpx>'
    )
    (folder / "broken.fit").write_bytes(b"\x0e\x10" + b"\x00" * 40)
    (folder / "empty.tcx").write_bytes(b"")
    (folder / "untimed.gpx").write_text(gpx(track(T1 - timedelta(days=70)), times=False))
    return folder


def dump(db):
    """Every table, with the times rows were written (`imported_at`, `created_at`, ...) and the
    schema's migration times left out: all else must be equal."""
    out = db_dump(db)
    del out["_sqlite_migrations"]
    conn = sqlite3.connect(db)
    for table, rows in out.items():
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        keep = [i for i, c in enumerate(cols) if not c.endswith("_at")]
        out[table] = [tuple(row[i] for i in keep) for row in rows]
    conn.close()
    return out


def run_import(db, folder, workers, **kw):
    store = open_store(db)
    try:
        return pipeline.import_paths(store, [folder], workers=workers, **kw)
    finally:
        store.close()


@pytest.fixture
def submits(monkeypatch):
    """How many parses went to a worker pool."""
    count = []
    real = parallel.Pool.submit

    def counted(self, *args):
        count.append(1)
        return real(self, *args)

    monkeypatch.setattr(parallel.Pool, "submit", counted)
    return count


def test_pool_gives_the_same_store_and_log_as_one_process(tmp_path, submits):
    from datetime import date

    folder = archive(tmp_path / "a")
    one = run_import(tmp_path / "one.db", folder, 1, when=date(2026, 9, 1))
    assert submits == []
    pool = run_import(tmp_path / "pool.db", folder, 2, when=date(2026, 9, 1))
    assert len(submits) == 58  # every file, read and hashed here, parsed by a worker
    assert [f.to_json() for f in pool.files] == [f.to_json() for f in one.files]
    assert (
        pool.count("imported"),
        pool.count("duplicate"),
        pool.count("not-activity"),
        pool.count("failed"),
    ) == (53, 2, 1, 2)
    assert dump(tmp_path / "pool.db") == dump(tmp_path / "one.db")
    # Again, all known: nothing to parse, so no pool; the same answers.
    again_one = run_import(tmp_path / "one.db", folder, 1)
    again_pool = run_import(tmp_path / "pool.db", folder, 2)
    assert len(submits) == 58
    assert [f.to_json() for f in again_pool.files] == [f.to_json() for f in again_one.files]
    assert dump(tmp_path / "pool.db") == dump(tmp_path / "one.db")


def test_a_small_batch_is_parsed_in_process(tmp_path, submits):
    folder = tmp_path / "few"
    folder.mkdir()
    for i in range(pipeline.POOL_MIN_FILES - 1):
        (folder / f"run{i}.gpx").write_text(gpx(track(T1 - timedelta(days=i))))
    report = run_import(tmp_path / "s.db", folder, 2)
    assert report.count("imported") == pipeline.POOL_MIN_FILES - 1
    assert submits == []


def crash_on_bad(data, name, when):
    """The reader, except that a worker reading bad.gpx dies as if killed (out of memory)."""
    if name == "bad.gpx" and multiprocessing.parent_process() is not None:
        os._exit(9)
    return REAL_PARSE(data, name, when)


def test_a_worker_that_dies_costs_only_its_file(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "parse", crash_on_bad)
    folder = tmp_path / "f"
    folder.mkdir()
    n = pipeline.POOL_MIN_FILES
    for i in range(n):
        (folder / f"run{i:02d}.gpx").write_text(gpx(track(T1 - timedelta(days=i))))
    (folder / "bad.gpx").write_text(gpx(track(T1 - timedelta(days=n + 5))))
    report = run_import(tmp_path / "d.db", folder, 2)
    assert [
        (os.path.basename(f.path), f.status) for f in report.files if f.status != "imported"
    ] == [("bad.gpx", "failed")]
    assert report.count("imported") == n
    conn = sqlite3.connect(tmp_path / "d.db")
    assert conn.execute("SELECT reason, retry FROM files WHERE status = 'failed'").fetchall() == [
        (f"{parallel.DIED} {pipeline.RETRY_NOTE}", 1)
    ]
    assert conn.execute("SELECT count(*) FROM activities").fetchone()[0] == n
    assert multiprocessing.active_children() == []


def test_spawn_workers_parse_like_this_process(tmp_path):
    """The pool's own start method is spawn (as on macOS and Windows): a worker imports the
    readers afresh and its activities come back equal."""
    data = gpx(track(T1)).encode()
    pool = parallel.Pool(2)
    try:
        future = pool.submit(data, "run.gpx", None)
        assert future.result() == parallel.parse(data, "run.gpx", None)
        assert pool._pool._mp_context.get_start_method() == "spawn"
    finally:
        pool.close()
    assert multiprocessing.active_children() == []


def _session_processes(sid: int) -> list[int]:
    """Processes still alive in session `sid` (Linux /proc)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(pid))
    return out


def _start_big_import(tmp_path, n=60):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(n):
        (folder / f"run{i:03d}.gpx").write_text(gpx(track(T1 - timedelta(days=i), n=600)))
    db = tmp_path / "k.db"
    env = {**os.environ, "SHOETRACK_DB": str(db), "SHOETRACK_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shoetrack", "import", "--no-progress", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                if conn.execute("SELECT count(*) FROM files").fetchone()[0] >= 5:
                    break
        except sqlite3.OperationalError:
            pass  # the schema is not there yet
        time.sleep(0.01)
    assert proc.poll() is None, "the import ended before it could be interrupted"
    assert len(_session_processes(proc.pid)) >= 2, "no worker processes: the test proves nothing"
    return proc, db, n


def _gone(sid: int, seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while _session_processes(sid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _session_processes(sid)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="counts processes through /proc")
def test_ctrl_c_stops_the_import_and_its_workers(tmp_path):
    proc, db, n = _start_big_import(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    proc.wait(30)
    assert proc.returncode != 0
    assert _gone(proc.pid) == []
    conn = sqlite3.connect(db)
    files = conn.execute("SELECT id, status FROM files").fetchall()
    assert 5 <= len(files) < n and all(status == "imported" for _, status in files)
    assert conn.execute("SELECT count(*) FROM activities").fetchone()[0] == len(files)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="counts processes through /proc")
def test_kill_9_of_the_importer_takes_its_workers(tmp_path):
    proc, db, n = _start_big_import(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert _gone(proc.pid) == []


def test_a_worker_parses_only_the_bytes_the_importer_hashed(tmp_path):
    """A worker reads the file again by its path: the same bytes are parsed; a file changed,
    gone or replaced by a FIFO since the importer read it is MOVED (never a blocked worker),
    and the importer then parses the bytes it hashed."""
    import hashlib

    path = tmp_path / "run.gpx"
    data = gpx(track(T1)).encode()
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    want = parallel.parse(data, "run.gpx", None)
    assert want[0] == "ok"
    assert parallel.parse_file(parallel.parse, str(path), len(data), sha, "run.gpx", None) == want
    moved = (parallel.MOVED, None, None)
    path.write_bytes(data.replace(b"<trkpt", b"<trkpt ", 1))  # other bytes, one longer
    assert parallel.parse_file(parallel.parse, str(path), len(data), sha, "run.gpx", None) == moved
    path.write_bytes(data[:-1] + b" ")  # the same size, other bytes
    assert parallel.parse_file(parallel.parse, str(path), len(data), sha, "run.gpx", None) == moved
    path.unlink()
    assert parallel.parse_file(parallel.parse, str(path), len(data), sha, "run.gpx", None) == moved
    if hasattr(os, "mkfifo"):
        os.mkfifo(path)
        assert (
            parallel.parse_file(parallel.parse, str(path), len(data), sha, "run.gpx", None) == moved
        )
        path.unlink()
    # Through a real pool and the importer's read-ahead: the bytes it holds are parsed.
    path.write_bytes(b"not the file any more")
    pool = parallel.Pool(1)
    ahead = pipeline._Ahead.__new__(pipeline._Ahead)
    ahead.when = None
    try:
        future = pool.submit(data, "run.gpx", None, str(path), sha)
        assert future.result() == moved
        assert ahead._outcome(pool, future, data, "run.gpx") == want
    finally:
        pool.close()
    assert multiprocessing.active_children() == []
