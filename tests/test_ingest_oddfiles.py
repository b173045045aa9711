"""Files that used to stop a batch: FIFOs, sockets, devices, symlink loops, oversize files and
names that are not UTF-8. Each becomes one line in the import log; every other file imports.
Also transient failures (an I/O error, a locked database): retried, one log row per path.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys

import pytest
from builders import T1, gpx, track

from shoetrack.ingest import watch

BAD_NAME = b"caf\xe9.gpx"  # Latin-1, not UTF-8
BAD_SHOWN = "caf\\xe9.gpx"


def run_on(day: int) -> str:
    return gpx(track(T1.replace(day=day)))


@pytest.fixture
def pegasus(st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")


def odd_folder(root):
    """A folder holding good files and one of each kind of file that used to stop a batch.
    Returns (folder, {file name as shown: reason it is skipped})."""
    d = root / "odd"
    (d / "sub").mkdir(parents=True)
    (d / "a.gpx").write_text(run_on(3))
    (d / "sub" / "b.gpx").write_text(run_on(4))
    (d / "z.gpx").write_text(run_on(5))  # sorts after every bad one
    os.mkfifo(d / "fifo.fit")
    (d / "loop.gpx").symlink_to("loop.gpx")
    (d / "zero.fit").symlink_to("/dev/zero")
    (d / "sub" / "up").symlink_to("..")  # a folder loop: the walk must not go round it
    with open(d / "big.fit", "wb") as f:
        f.truncate(65 * 2**20)  # sparse: 65 MiB on paper, nothing on disk
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "sock.gpx"))
    sock.close()
    dbytes = os.fsencode(d)
    with open(os.path.join(dbytes, BAD_NAME), "wb") as f:  # a good run under a non-UTF-8 name
        f.write(run_on(6).encode())
    with open(os.path.join(dbytes, b"bad\xff.fit"), "wb") as f:
        f.write(b"not a FIT file at all")
    bad = {
        "big.fit": "skipped: file too large (65 MiB; the limit is 64 MiB)",
        "fifo.fit": "skipped: not a regular file (a FIFO)",
        "loop.gpx": "skipped: symlink loop",
        "sock.gpx": "skipped: not a regular file (a socket)",
        "zero.fit": "skipped: not a regular file (a character device)",
        "bad\\xff.fit": "unknown format: not FIT, GPX, TCX or gzip",
    }
    return d, bad


def check_outcome(st, d, bad):
    acts = st.json("activities")
    assert sorted(a["start"][:10] for a in acts) == [
        "2026-10-03",
        "2026-10-04",
        "2026-10-05",
        "2026-10-06",
    ]
    assert {a["shoe"] for a in acts} == {"Pegasus"}
    failed = st.json("imports", "--failed")
    assert sorted((r["path"].rsplit("/", 1)[1], r["reason"]) for r in failed) == sorted(bad.items())
    assert all(r["path"].startswith(str(d) + "/") for r in failed)
    assert not any(r["retry"] for r in failed)
    lines = st("imports", "--failed").stdout.splitlines()[2:]
    assert len(lines) == len(bad)  # one line each: no name splits a row


def test_import_of_a_folder_of_odd_files_imports_every_good_one(st, tmp_path, pegasus):
    d, bad = odd_folder(tmp_path)
    r = st("import", d, code=1)
    assert (
        r.stdout.splitlines()[0]
        == "Imported 4 files (4 activities); 0 duplicate, 0 not an activity, 6 failed."
    )
    assert f"  failed: {d}/fifo.fit: skipped: not a regular file (a FIFO)" in r.stderr.splitlines()
    assert (
        f"  failed: {d}/bad\\xff.fit: unknown format: not FIT, GPX, TCX or gzip"
        in r.stderr.splitlines()
    )
    check_outcome(st, d, bad)
    imported = [r["path"] for r in st.json("imports") if r["status"] == "imported"]
    assert f"{d}/{BAD_SHOWN}" in imported
    # a second run logs nothing twice: the special files' rows are updated, not repeated
    rows = len(st.json("imports", "--limit", "0"))
    st("import", d, code=1)
    assert len(st.json("imports", "--limit", "0")) == rows == 10


def test_import_as_a_real_process_ends_instead_of_hanging(st, tmp_path, pegasus):
    d, bad = odd_folder(tmp_path)
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "shoetrack", "import", str(d), "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("Imported 4 files (4 activities)")
    check_outcome(st, d, bad)


def test_watch_scan_imports_every_file_after_a_bad_one_and_logs_each_once(
    st, store, config, tmp_path, pegasus
):
    d, bad = odd_folder(tmp_path)
    watch.add(store, d)
    r = watch.scan(store, config, settle_s=0)
    assert r.count("imported") == 4 and r.count("failed") == 6
    check_outcome(st, d, bad)
    again = watch.scan(store, config, settle_s=0)
    assert again.files == [] and again.unchanged == 10
    assert store.scalar("SELECT count(*) FROM files") == 10


def test_names_are_shown_escaped_and_home_as_tilde(st, tmp_path, pegasus, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    d = tmp_path / "runs"
    d.mkdir()
    (d / "line\nbreak.gpx").write_text("<gpx>broken")
    with open(os.path.join(os.fsencode(d), BAD_NAME), "wb") as f:
        f.write(run_on(6).encode())
    r = st("import", d, "--dry-run", "--progress", code=1)  # the bar's file names do not crash it
    assert r.stderr.startswith("Importing")
    r = st("import", d, code=1)
    [line] = r.stderr.splitlines()  # the reader's reason follows the escaped name
    assert line.startswith("  failed: ~/runs/line\\nbreak.gpx: ") and "not well-formed" in line
    out = st("imports").stdout.splitlines()
    assert len(out) == 4
    assert "~/runs/line\\nbreak.gpx" in out[2] and "failed" in out[2]
    assert f"~/runs/{BAD_SHOWN}" in out[3] and "imported" in out[3]
    [row] = [x for x in st.json("imports") if x["status"] == "imported"]
    assert row["path"] == f"{d}/{BAD_SHOWN}"  # the full path in JSON


def test_unreadable_file_is_retried_with_one_log_row(store, config, tmp_path, pegasus):
    # Reading /proc/self/mem at offset 0 fails with EIO: a real I/O error, as from a flaky card.
    d = tmp_path / "card"
    d.mkdir()
    (d / "run.fit").symlink_to("/proc/self/mem")
    (d / "ok.gpx").write_text(run_on(3))
    watch.add(store, d)
    first = watch.scan(store, config, settle_s=0)
    assert [(f.path.rsplit("/", 1)[1], f.status, f.retry) for f in first.files] == [
        ("ok.gpx", "imported", False),
        ("run.fit", "failed", True),
    ]
    second = watch.scan(store, config, settle_s=0)
    assert [(f.path.rsplit("/", 1)[1], f.status) for f in second.files] == [("run.fit", "failed")]
    rows = store.q("SELECT path, status, reason, retry FROM files WHERE path LIKE '%run.fit'")
    assert rows == [
        {
            "path": str(d / "run.fit"),
            "status": "failed",
            "retry": 1,
            "reason": "cannot read: Input/output error (tried again at the next import or scan)",
        }
    ]


def test_locked_database_is_retried_by_the_next_scan(store, config, tmp_path, pegasus):
    d = tmp_path / "w"
    d.mkdir()
    (d / "a.gpx").write_text(run_on(3))
    (d / "b.gpx").write_text(run_on(4))
    (d / "c-route.gpx").write_text(
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        '<rte><rtept lat="1" lon="1"/><rtept lat="1.1" lon="1"/></rte></gpx>'
    )
    watch.add(store, d)
    store.conn.execute("PRAGMA busy_timeout = 0")  # fail at once instead of after 10 s
    other = sqlite3.connect(store.path)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    try:
        r = watch.scan(store, config, settle_s=0)
    finally:
        other.rollback()
        other.close()
    assert [(f.status, f.retry) for f in r.files] == [("failed", True)] * 3
    assert "database is locked" in r.files[0].reason
    assert store.scalar("SELECT count(*) FROM activities") == 0
    r = watch.scan(store, config, settle_s=0)
    assert (r.count("imported"), r.count("not-activity")) == (2, 1)
    assert store.q("SELECT status, retry FROM files ORDER BY path") == [
        {"status": "imported", "retry": 0}
    ] * 2 + [{"status": "not-activity", "retry": 0}]


def test_one_size_cap():
    import importers
    from shoetrack.ingest import pipeline, reading

    # The cap is applied where a file is read (`reading`, for the importer and its workers).
    assert not hasattr(pipeline, "MAX_FILE_BYTES") and not hasattr(reading, "MAX_FILE_BYTES")
    assert reading.MAX_BYTES is importers.MAX_BYTES == 64 * 2**20
