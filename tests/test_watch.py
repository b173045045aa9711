"""Watched folders: add/list/remove, and scans that import new settled files once.

Time is injected: files get explicit mtimes (os.utime) and scans an explicit `now`, so the settle
rule is tested without sleeping.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from builders import T1, gpx, track

from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.ingest import pipeline, watch

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
HOUR_AGO = NOW.timestamp() - 3600


def put(path, text, mtime=HOUR_AGO):
    """Write an activity file with a given mtime (epoch seconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text if isinstance(text, bytes) else text.encode()
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def run_on(day: int):
    """A GPX run on 2026-10-`day` (distinct starts, so no two are duplicates)."""
    return gpx(track(T1.replace(day=day)))


@pytest.fixture
def pegasus(st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")


@pytest.fixture
def calls(monkeypatch):
    """Paths the importer was asked to read."""
    seen = []
    real = pipeline.import_file

    def counting(store, path, **kw):
        seen.append(str(path))
        return real(store, path, **kw)

    monkeypatch.setattr(pipeline, "import_file", counting)
    return seen


def files_rows(store):
    return store.q("SELECT path, size, mtime, status FROM files ORDER BY id")


# --- add / list / remove --------------------------------------------------------------------


def test_add_resolves_and_refuses_missing_file_and_duplicate(store, tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    w = watch.add(store, "link", now=NOW)
    assert w.folder == str(tmp_path / "real") and w.recursive and w.enabled and w.last_scan is None
    with pytest.raises(ShoetrackError, match=r"is already watched \(#1\)"):
        watch.add(store, tmp_path / "real")
    with pytest.raises(UsageProblem, match="no such folder"):
        watch.add(store, tmp_path / "nope")
    (tmp_path / "f.gpx").write_text("x")
    with pytest.raises(UsageProblem, match="not a folder"):
        watch.add(store, tmp_path / "f.gpx")
    flat = watch.add(store, tmp_path, recursive=False)
    assert [x.folder for x in watch.all_watches(store)] == [str(tmp_path / "real"), str(tmp_path)]
    assert not flat.recursive


def test_remove_by_id_or_path_even_when_folder_is_gone(store, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    wa, wb = watch.add(store, a), watch.add(store, b)
    b.rmdir()
    assert watch.remove(store, str(b)).id == wb.id  # unplugged: removable by its path
    assert watch.remove(store, f"#{wa.id}").id == wa.id
    assert watch.all_watches(store) == []
    with pytest.raises(UsageProblem, match="no watch matches '7'"):
        watch.remove(store, "7")


# --- scanning -------------------------------------------------------------------------------


def test_scan_imports_then_rescans_without_reading(store, config, tmp_path, pegasus, calls):
    d = tmp_path / "watch"
    put(d / "a.gpx", run_on(3))
    put(d / "sub" / "b.gpx.gz", gzip.compress(run_on(4).encode()))
    put(d / ".hidden" / "c.gpx", run_on(5))  # hidden: skipped like `shoetrack import` does
    put(d / "notes.txt", "not an activity file")
    w = watch.add(store, d)

    first = watch.scan(store, config, NOW, settle_s=60)
    assert sorted(f.status for f in first.files) == ["imported", "imported"]
    assert first.count("imported") == 2 and first.unchanged == 0 and first.settling == []
    assert [x.to_json() for x in first.watches] == [
        {"folder": str(d), "status": "scanned", "reason": None, "found": 2, "new": 2}
    ]
    assert {a["shoe_id"] for a in store.q("SELECT shoe_id FROM assignments")} == {1}
    assert watch.all_watches(store)[0].last_scan == "2026-11-20T12:00:00Z"
    rows = files_rows(store)
    assert len(calls) == 2

    later = NOW + timedelta(minutes=5)
    second = watch.scan(store, config, later, settle_s=60)
    assert second.files == [] and second.unchanged == 2
    assert len(calls) == 2  # the importer was not called: nothing was read or hashed
    assert files_rows(store) == rows
    assert watch.all_watches(store)[0].last_scan == "2026-11-20T12:05:00Z"
    assert w.id == 1


def test_not_recursive_and_overlapping_watches(store, config, tmp_path, pegasus, calls):
    d = tmp_path / "w"
    put(d / "a.gpx", run_on(3))
    put(d / "sub" / "b.gpx", run_on(4))
    watch.add(store, d / "sub")
    top = watch.add(store, d, recursive=False)
    assert watch.covering(store, top) is None
    r = watch.scan(store, config, NOW, settle_s=0)
    assert sorted(os.path.basename(p) for p in calls) == ["a.gpx", "b.gpx"]
    assert r.count("imported") == 2
    # a recursive parent scans the child's files too; each file is still considered once
    watch.add(store, tmp_path)
    r = watch.scan(store, config, NOW, settle_s=0)
    assert r.files == [] and r.unchanged == 2 and len(calls) == 2


def test_file_being_written_is_not_read_until_settled(store, config, tmp_path, pegasus, calls):
    d = tmp_path / "w"
    d.mkdir()
    watch.add(store, d)
    full = run_on(3)
    # half of the file, written "just now" (a copy from the watch over USB in progress)
    f = put(d / "run.gpx", full[: len(full) // 2], mtime=NOW.timestamp() - 5)
    r = watch.scan(store, config, NOW, settle_s=60)
    assert r.files == [] and r.settling == [str(f)] and calls == []
    assert files_rows(store) == []  # not even logged as failed
    # the copy completes 20 s later; 40 s after that it has been still for only 40 s
    put(f, full, mtime=NOW.timestamp() + 20)
    r = watch.scan(store, config, NOW + timedelta(seconds=60), settle_s=60)
    assert r.files == [] and r.settling == [str(f)]
    r = watch.scan(store, config, NOW + timedelta(seconds=80), settle_s=60)
    assert [x.status for x in r.files] == ["imported"] and r.settling == []


def test_mtime_in_the_future_settles_by_observation(store, config, tmp_path, pegasus):
    """A card whose clock is ahead (FAT keeps local time): the mtime cannot show the file is
    old, so it must be seen unchanged for settle_s across scans."""
    d = tmp_path / "w"
    d.mkdir()
    watch.add(store, d)
    memory = watch.Memory()
    ahead = NOW.timestamp() + 3 * 3600
    f = put(d / "run.gpx", run_on(3)[:300], mtime=ahead)
    assert watch.scan(store, config, NOW, settle_s=60, memory=memory).settling == [str(f)]
    # it grows: the clock of stillness restarts
    put(f, run_on(3), mtime=ahead + 2)
    r = watch.scan(store, config, NOW + timedelta(seconds=45), settle_s=60, memory=memory)
    assert r.settling == [str(f)] and memory.files[str(f)].since == NOW.timestamp() + 45
    r = watch.scan(store, config, NOW + timedelta(seconds=90), settle_s=60, memory=memory)
    assert r.settling == [str(f)]
    r = watch.scan(store, config, NOW + timedelta(seconds=105), settle_s=60, memory=memory)
    assert [x.status for x in r.files] == ["imported"] and memory.files == {}
    # without memory (a one-off `watch scan`), such a file waits for its mtime to pass
    g = put(d / "other.gpx", run_on(4), mtime=ahead)
    assert watch.scan(store, config, NOW + timedelta(hours=1), settle_s=60).settling == [str(g)]


def test_missing_folder_is_skipped_with_reason(store, config, tmp_path, pegasus):
    usb, home = tmp_path / "usb", tmp_path / "home"
    put(usb / "a.gpx", run_on(3))
    put(home / "b.gpx", run_on(4))
    wu, wh = watch.add(store, usb), watch.add(store, home)
    (usb / "a.gpx").unlink()
    usb.rmdir()  # unplugged
    r = watch.scan(store, config, NOW, settle_s=0)
    assert [(x.folder, x.status, x.reason) for x in r.watches] == [
        (str(usb), "skipped", "folder not found (unplugged or unmounted?)"),
        (str(home), "scanned", None),
    ]
    assert r.count("imported") == 1 and [x.folder for x in r.skipped] == [str(usb)]
    last = {x.id: x.last_scan for x in watch.all_watches(store)}
    assert last == {wu.id: None, wh.id: "2026-11-20T12:00:00Z"}


def test_touched_file_is_hashed_once_then_skipped(store, config, tmp_path, pegasus, calls):
    d = tmp_path / "w"
    f = put(d / "a.gpx", run_on(3))
    watch.add(store, d)
    watch.scan(store, config, NOW, settle_s=0)
    os.utime(f, (HOUR_AGO + 100, HOUR_AGO + 100))  # a sync tool rewrote the same bytes
    r = watch.scan(store, config, NOW, settle_s=0)
    assert r.files == [] and r.unchanged == 1 and len(calls) == 1
    assert [row["mtime"] for row in files_rows(store)] == [HOUR_AGO + 100]
    assert store.scalar("SELECT count(*) FROM activities") == 1


def test_failed_file_is_retried_only_when_it_changes(store, config, tmp_path, pegasus, calls):
    d = tmp_path / "w"
    f = put(d / "broken.gpx", "<gpx><trk><trkseg><trkpt lat=")
    watch.add(store, d)
    assert [x.status for x in watch.scan(store, config, NOW, settle_s=0).files] == ["failed"]
    assert watch.scan(store, config, NOW, settle_s=0).files == [] and len(calls) == 1
    put(f, run_on(3), mtime=HOUR_AGO + 10)  # fixed (e.g. the rest of the copy arrived)
    r = watch.scan(store, config, NOW, settle_s=0)
    assert [x.status for x in r.files] == ["imported"] and len(calls) == 2
    # one row per path: the failure's row now says the file imported (not a second row beside it)
    assert [row["status"] for row in files_rows(store)] == ["imported"]


def test_files_imported_by_hand_are_not_read_again(st, store, config, tmp_path, pegasus, calls):
    d = tmp_path / "w"
    put(d / "a.gpx", run_on(3))
    st("import", d)
    calls.clear()
    watch.add(store, d)
    r = watch.scan(store, config, NOW, settle_s=0)
    assert r.files == [] and r.unchanged == 1 and calls == []


def test_stop_ends_the_scan_between_files(store, config, tmp_path, pegasus):
    import threading

    d = tmp_path / "w"
    put(d / "a.gpx", run_on(3))
    put(d / "b.gpx", run_on(4))
    watch.add(store, d)
    stop = threading.Event()
    stop.set()
    r = watch.scan(store, config, NOW, settle_s=0, stop=stop)
    assert r.interrupted and r.files == [] and watch.all_watches(store)[0].last_scan is None
    assert watch.scan(store, config, NOW, settle_s=0).count("imported") == 2


def test_settle_defaults_to_constant_and_cli_uses_config(st, store, tmp_path, pegasus):
    import time

    d = tmp_path / "w"
    put(d / "a.gpx", run_on(3), mtime=NOW.timestamp() - 50)
    watch.add(store, d)
    assert watch.SETTLE_S == 60 and watch.scan(store, None, NOW).settling == [str(d / "a.gpx")]
    # `watch scan` passes the configured `[daemon] settle`
    put(d / "a.gpx", run_on(3), mtime=time.time() - 90)
    (tmp_path / "config.toml").write_text('[daemon]\nsettle = "2m"\n')
    assert "Waiting for 1 file to settle" in st("watch", "scan").stdout
    (tmp_path / "config.toml").write_text('[daemon]\nsettle = "1m"\n')
    assert st("watch", "scan").stdout.startswith("Imported 1 file (1 activity)")


def test_watch_does_not_import_daemon():
    import subprocess
    import sys

    code = "import sys, shoetrack.ingest.watch; print('shoetrack.daemon' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


# --- CLI ------------------------------------------------------------------------------------


def test_cli_watch_add_list_scan_remove(st, tmp_path, pegasus):
    d = tmp_path / "garmin"
    put(d / "a.gpx", run_on(3))
    put(d / "b.gpx", run_on(4))
    assert (
        st("watch", "list").stdout
        == "No watched folders; add one with `shoetrack watch add FOLDER`.\n"
    )
    out = st("watch", "add", d).stdout.splitlines()
    assert out[0] == f"Watching {d} (#1)."
    out = st("watch", "add", d / "..", "--no-recursive").stdout.splitlines()
    assert out[0] == f"Watching {tmp_path} (#2, not subfolders)."
    r = st("watch", "add", d, code=1)
    assert r.stderr == f"Error: {d} is already watched (#1)\n"
    r = st("watch", "add", tmp_path / "nope", code=2)
    assert r.stderr == f"Error: no such folder: {tmp_path / 'nope'}\n"
    [w1, w2] = st.json("watch", "list")
    assert w1 == {
        "id": 1,
        "folder": str(d),
        "recursive": True,
        "enabled": True,
        "last_scan": None,
        "created_at": w1["created_at"],
        "exists": True,
        "sport": None,
    }
    assert w2["recursive"] is False

    out = st("watch", "scan").stdout.splitlines()
    assert out[0] == "Imported 2 files (2 activities); 0 duplicate, 0 not an activity, 0 failed."
    assert out[1].startswith("  Pegasus: +")
    assert st("watch", "scan").stdout == "No new files in 2 folders (2 already seen).\n"
    lines = st("watch", "list").stdout.splitlines()
    assert lines[0].split() == ["#", "folder", "subfolders", "state", "last", "scan"]
    assert lines[2].split()[:4] == ["1", str(d), "yes", "present"]

    assert st("watch", "remove", "2").stdout == (
        f"No longer watching {tmp_path} (#2); its imported activities stay.\n"
    )
    assert st("watch", "remove", "9", code=2).stderr == (
        "Error: no watch matches '9' (see `shoetrack watch list`)\n"
    )


def test_cli_scan_skips_missing_and_waits_for_settling(st, tmp_path, pegasus):
    usb, d = tmp_path / "usb", tmp_path / "d"
    usb.mkdir()
    st("watch", "add", usb)
    usb.rmdir()
    f = put(d / "new.gpx", run_on(3), mtime=datetime.now(timezone.utc).timestamp())
    st("watch", "add", d)
    assert st("watch", "scan").stdout == (
        f"Skipped {usb}: folder not found (unplugged or unmounted?)\n"
        "No new files in 1 folder (0 already seen).\n"
        "Waiting for 1 file to settle (unchanged for 1m); the next scan reads it:\n"
        f"  {f}\n"
    )
    report = json.loads(st("watch", "scan", "--settle", "0s", "--json").stdout)
    assert report["imported"] == 1 and report["settling"] == []
    assert [w["status"] for w in report["watches"]] == ["skipped", "scanned"]
    r = st("watch", "scan", "--settle", "soon", code=2)
    assert r.stderr == (
        "Error: Invalid value for --settle: cannot read duration 'soon' (use e.g. 60s, 5m or 1h)\n"
    )


def test_cli_scan_exit_status_on_failed_file(st, tmp_path, pegasus):
    d = tmp_path / "d"
    put(d / "broken.gpx", "<gpx><trk><trkseg><trkpt lat=")
    st("watch", "add", d)
    r = st("watch", "scan", code=1)
    assert r.stderr.startswith(f"  failed: {d / 'broken.gpx'}: ")
    assert st("watch", "scan").stdout == "No new files in 1 folder (1 already seen).\n"


def test_help_has_examples(st):
    for cmd in (
        ("watch",),
        ("watch", "add"),
        ("watch", "list"),
        ("watch", "remove"),
        ("watch", "scan"),
        ("daemon",),
    ):
        out = st(*cmd, "--help").stdout
        assert out.startswith(f"Usage: shoetrack {' '.join(cmd)}") and "Example" in out, cmd


def test_statuses_are_the_schemas(store):
    """The scan index leaves out its status condition when every status is final: the list it
    checks against must be the one the schema allows."""
    sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'files'")
    assert "CHECK (status IN (" + ",".join(f"'{s}'" for s in watch.STATUSES) + "))" in sql


def test_known_files_at_once_or_one_by_one_scan_alike(tmp_path, monkeypatch):
    """A scan takes a watch's files at once (one stat each, a set look-up) or, for a second
    watch, a name that is not ASCII or a file gone, one by one: the same report and store."""
    import shutil

    from helpers import db_dump_timeless

    from shoetrack.store import open_store

    folder = tmp_path / "w"
    for i in range(6):
        put(folder / f"run{i}.gpx", run_on(i + 1))
    put(folder / "sub" / "later.gpx", run_on(9))
    put(folder / "big.fit", b"")
    os.truncate(folder / "big.fit", 65 * 2**20)  # sparse: too large, logged once
    os.utime(folder / "big.fit", (HOUR_AGO, HOUR_AGO))
    os.mkfifo(folder / "fifo.fit")
    os.utime(folder / "fifo.fit", (HOUR_AGO, HOUR_AGO))
    db = tmp_path / "w.db"
    store = open_store(db)
    watch.add(store, folder, now=NOW)
    watch.scan(store, now=NOW, settle_s=60)
    store.close()
    put(folder / "run2.gpx", gpx(track(T1.replace(day=3), n=90)))  # changed
    put(folder / "run7.gpx", run_on(8))  # new
    put(folder / "run8.gpx", run_on(10), mtime=NOW.timestamp())  # new, still settling
    os.utime(folder / "run4.gpx", (HOUR_AGO - 60, HOUR_AGO - 60))  # touched: same bytes

    def scan_copy(name):
        copy = tmp_path / name
        shutil.copy(db, copy)
        s = open_store(copy)
        try:
            return watch.scan(s, now=NOW, settle_s=60).to_json(), db_dump_timeless(copy)
        finally:
            s.close()

    at_once = scan_copy("at-once.db")
    assert at_once[0]["unchanged"] == 8  # 5 runs (one touched), later.gpx, big.fit, the FIFO
    monkeypatch.setattr(watch, "_known_at_once", lambda *a: None)
    one_by_one = scan_copy("one-by-one.db")

    assert at_once == one_by_one
