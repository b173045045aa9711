"""An import killed mid-way (kill -9) leaves every file fully in or not at all, and the next
import finishes the job without duplicates."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

from builders import T1, gpx, track


def test_kill_9_mid_import(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    n = 60
    for i in range(n):  # multi-segment-free runs a day apart, big enough to take a while
        (folder / f"run{i:03d}.gpx").write_text(gpx(track(T1 - timedelta(days=i), n=600)))
    db = tmp_path / "k.db"
    env = {**os.environ, "SHOETRACK_DB": str(db), "SHOETRACK_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shoetrack", "import", "--no-progress", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(db, timeout=5) as conn:
                seen = conn.execute("SELECT count(*) FROM files").fetchone()[0]
        except sqlite3.OperationalError:
            seen = 0  # the schema is not there yet
        if seen >= 5:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    files = conn.execute("SELECT id, status FROM files").fetchall()
    acts = conn.execute("SELECT file_id, count(*) FROM activities GROUP BY file_id").fetchall()
    assert 5 <= len(files) < n, "the kill did not land mid-import; the test proves nothing"
    assert all(status == "imported" for _, status in files)
    assert sorted(acts) == sorted(
        (fid, 1) for fid, _ in files
    )  # every logged file complete, no orphans
    conn.close()
    done = subprocess.run(
        [sys.executable, "-m", "shoetrack", "import", "--no-progress", "--json", str(folder)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM activities").fetchone()[0] == n
    assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == n
