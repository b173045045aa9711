"""What the import does beyond reading: a file changed after import replaces its activities,
paths are stored absolute, the runner's --shoe / --sport win, a wrong sport is fixed with one
command, and the import log's listing is complete. All through the CLI on a real database.
"""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta

import pytest
from builders import T1, T2, gpx, length, track
from helpers import db_dump

import importers


@pytest.fixture
def pairs(st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Racer", "--purchased", "2026-01-01")


def rewrite(path, text):
    """Replace a file's content and move its mtime on (a sync tool replacing it)."""
    path.write_text(text)
    later = time.time() + 5
    os.utime(path, (later, later))


# --- a file that changes after import ------------------------------------------------------


def test_changed_file_replaces_its_activity_and_keeps_the_chosen_pair(st, tmp_path, pairs):
    f = tmp_path / "run.gpx"
    f.write_text(gpx(track(T1, n=30)))  # the watch was still writing it
    st("import", f)
    st("activity", "assign", "1", "racer")
    rewrite(f, gpx(track(T1, n=90)))  # the whole run
    r = st("import", f)
    assert r.stdout.splitlines() == [
        "Imported 1 file (1 activity); 0 duplicate, 0 not an activity, 0 failed.",
        f"  Racer: +{length(track(T1, n=90)) / 1609.344:,.1f} mi",
        f"  changed since its import: {f}: its 1 earlier activity was replaced by the new content",
    ]
    [a] = st.json("activities")
    assert a["distance_m"] == pytest.approx(length(track(T1, n=90)))
    assert (a["shoe"], a["assigned_by"]) == ("Racer", "manual")
    [row] = st.json("imports")  # one row for the path, not a ghost beside it
    assert row["path"] == str(f) and row["activities"] == 1


def test_changed_file_with_another_start_is_attributed_afresh(st, tmp_path, pairs):
    f = tmp_path / "run.gpx"
    f.write_text(gpx(track(T1)))
    st("import", f)
    st("activity", "assign", "1", "racer")
    rewrite(f, gpx(track(T2)))  # another outing entirely: the old choice does not apply
    st("import", f)
    [a] = st.json("activities")
    assert a["start"] == "2026-10-05T07:00:00Z" and (a["shoe"], a["assigned_by"]) == (
        "Pegasus",
        "default",
    )


def test_changed_file_through_watch_scan(st, tmp_path, pairs):
    d = tmp_path / "garmin"
    d.mkdir()
    f = d / "run.gpx"
    f.write_text(gpx(track(T1, n=30)))
    os.utime(f, (time.time() - 600, time.time() - 600))
    st("watch", "add", d)
    st("watch", "scan")
    st("activity", "assign", "1", "racer")
    f.write_text(gpx(track(T1, n=90)))
    os.utime(f, (time.time() - 300, time.time() - 300))
    out = st("watch", "scan").stdout
    assert f"changed since its import: {f}" in out
    [a] = st.json("activities")
    assert a["distance_m"] == pytest.approx(length(track(T1, n=90))) and a["shoe"] == "Racer"
    assert len(st.json("imports")) == 1
    assert st("watch", "scan").stdout == "No new files in 1 folder (1 already seen).\n"


def test_changed_file_that_now_fails_keeps_its_activities(st, tmp_path, pairs):
    f = tmp_path / "run.gpx"
    f.write_text(gpx(track(T1)))
    st("import", f)
    rewrite(f, "<gpx><trk>")
    r = st("import", f, code=1)
    assert r.stderr.rstrip().endswith("; the 1 activity from its earlier content stay")
    assert len(st.json("activities")) == 1


def test_legacy_ghosts_are_folded_into_one(st, tmp_path, pairs):
    # Databases from before this change hold a second "ghost" activity per changed file.
    f = tmp_path / "run.gpx"
    f.write_text(gpx(track(T1, n=30)))
    st("import", f)
    import sqlite3

    conn = sqlite3.connect(st.db)
    with conn:
        conn.execute(
            "INSERT INTO files (path, size, mtime, sha256, format, status, imported_at)"
            " VALUES (?, 1, 1, 'old', 'gpx', 'imported', '2026-10-01T00:00:00Z')",
            (str(f),),
        )
        fid = conn.execute("SELECT max(id) FROM files").fetchone()[0]
        conn.execute(
            "INSERT INTO activities (start, sport, distance_m, source, file_id, created_at)"
            " VALUES ('2026-10-03T07:00:10Z', 'run', 100, 'gpx', ?, 'x')",
            (fid,),
        )
    conn.close()
    assert len(st.json("activities")) == 2
    rewrite(f, gpx(track(T1, n=90)))
    st("import", f)
    [a] = st.json("activities")
    assert a["distance_m"] == pytest.approx(length(track(T1, n=90)))


# --- absolute paths -------------------------------------------------------------------------


def test_paths_are_absolute_so_path_rules_match_wherever_you_stand(
    st, tmp_path, pairs, monkeypatch
):
    st("rule", "add", "--shoe", "racer", "--path", "*/Trail/*")
    trail = tmp_path / "runs" / "Trail"
    trail.mkdir(parents=True)
    (trail / "a.gpx").write_text(gpx(track(T1)))
    (trail / "b.gpx").write_text(gpx(track(T2)))
    monkeypatch.chdir(trail)
    st("import", "a.gpx")  # stood inside the folder: the old relative path "a.gpx" matched nothing
    monkeypatch.chdir(tmp_path / "runs")
    st("import", "Trail/../Trail/b.gpx")
    acts = st.json("activities")
    assert [(a["file"], a["shoe"]) for a in acts] == [
        (str(trail / "b.gpx"), "Racer"),
        (str(trail / "a.gpx"), "Racer"),
    ]


def test_symlinked_folder_keeps_the_path_the_runner_sees(st, tmp_path, pairs):
    st("rule", "add", "--shoe", "racer", "--path", "*/Trail/*")
    disk = tmp_path / "disk" / "x"
    disk.mkdir(parents=True)
    (disk / "a.gpx").write_text(gpx(track(T1)))
    (tmp_path / "Trail").symlink_to(disk)
    st("import", tmp_path / "Trail")
    [a] = st.json("activities")
    assert a["file"] == str(tmp_path / "Trail" / "a.gpx") and a["shoe"] == "Racer"


def test_dotdot_after_a_symlink_names_the_file_the_system_opens(st, tmp_path, pairs, monkeypatch):
    disk = tmp_path / "disk"
    (disk / "x").mkdir(parents=True)
    (disk / "a.gpx").write_text(gpx(track(T1)))
    (tmp_path / "a.gpx").write_text("not this one")
    (tmp_path / "link").symlink_to(disk / "x")
    monkeypatch.chdir(tmp_path)
    st("import", "link/../a.gpx")  # the system opens disk/a.gpx, not ./a.gpx
    [a] = st.json("activities")
    assert a["file"] == str(disk / "a.gpx")


# --- the runner's word ----------------------------------------------------------------------


def test_import_shoe_of_a_file_imported_before_assigns_it(st, tmp_path, pairs):
    f = tmp_path / "run.gpx"
    f.write_text(gpx(track(T1)))
    st("import", f)
    dry = st("import", f, "--shoe", "racer", "--dry-run").stdout.splitlines()
    assert dry[1] == f"  {f}: already imported as activity 1; would count on Racer"
    assert st.json("activities")[0]["shoe"] == "Pegasus"
    r = st("import", f, "--shoe", "racer")
    assert r.stdout.splitlines() == [
        "Imported 0 files (0 activities); 1 duplicate, 0 not an activity, 0 failed.",
        f"  {f}: already imported as activity 1; now counts on Racer",
    ]
    [a] = st.json("activities")
    assert (a["shoe"], a["assigned_by"]) == ("Racer", "manual")
    again = st("import", f, "--shoe", "racer").stdout.splitlines()[1]
    assert again == f"  {f}: already imported as activity 1; it already counts on Racer"


def test_import_shoe_of_the_same_run_in_another_format(st, tmp_path, pairs):
    from builders import tcx

    st("import", _write(tmp_path / "a.gpx", gpx(track(T1))))
    st("import", _write(tmp_path / "a.tcx", tcx(T1, length(track(T1)), 590)))  # a duplicate
    r = st("import", tmp_path / "a.tcx", "--shoe", "racer")
    assert r.stdout.splitlines()[1:] == [
        f"  duplicate: {tmp_path / 'a.tcx'}: same activity as #1 from {tmp_path / 'a.gpx'}",
        f"  {tmp_path / 'a.tcx'}: already imported as activity 1; now counts on Racer",
    ]
    assert st.json("activities")[0]["shoe"] == "Racer"


def _write(path, text):
    path.write_text(text)
    return path


def test_import_sport_sets_the_sport_of_files_that_do_not_say(st, tmp_path, pairs):
    (tmp_path / "odd.gpx").write_text(
        gpx(track(T1), sport="zorbing")
    )  # a type no one maps: "other"
    (tmp_path / "typed.gpx").write_text(gpx(track(T2), sport="running"))
    st("import", tmp_path, "--sport", "cycling")
    acts = {a["file"].rsplit("/", 1)[1]: a for a in st.json("activities")}
    assert (acts["odd.gpx"]["sport"], acts["odd.gpx"]["shoe"]) == ("cycling", None)
    assert (acts["typed.gpx"]["sport"], acts["typed.gpx"]["shoe"]) == (
        "run",
        "Pegasus",
    )  # the file said
    assert acts["odd.gpx"]["sport_inferred"] is False
    r = st("import", tmp_path, "--sport", "sofa", code=2)
    assert "unknown sport 'sofa'" in r.stderr


def test_watch_add_sport(st, tmp_path, pairs):
    d = tmp_path / "bike"
    d.mkdir()
    f = d / "ride.gpx"
    f.write_text(gpx(track(T1), sport="zorbing"))
    os.utime(f, (time.time() - 600, time.time() - 600))
    assert st("watch", "add", d, "--sport", "bike").stdout.splitlines()[0] == (
        f"Watching {d} (#1; untyped files are cycling)."
    )
    assert st.json("watch", "list")[0]["sport"] == "cycling"
    st("watch", "scan")
    [a] = st.json("activities")
    assert a["sport"] == "cycling" and a["shoe"] is None


@pytest.mark.skipif(
    not hasattr(importers.Activity, "sport_inferred"),
    reason="needs the readers' sport inference (importers.Activity.sport_inferred)",
)
def test_inferred_sport_is_stored_shown_and_overridden(st, tmp_path, pairs):
    fast = [
        (47.0 + i * 0.0008, 8.0, T1 + timedelta(seconds=10 * i)) for i in range(120)
    ]  # ~32 km/h
    ride = tmp_path / "ride.gpx"
    ride.write_text(gpx(fast).replace("<type>running</type>", ""))
    r = st("import", ride)
    [a] = st.json("activities")
    assert a["sport_inferred"] is True and a["sport"] == "cycling"
    assert "sport inferred: cycling" in r.stdout
    assert "#1: sport inferred: cycling; if wrong: `shoetrack activity sport 1 SPORT`" in r.stdout
    st("activity", "delete", "1")
    (tmp_path / "ride2.gpx").write_text(
        ride.read_text().replace("Morning Run", "Ride 2")
    )  # other bytes
    st("import", tmp_path / "ride2.gpx", "--sport", "run")
    [b] = st.json("activities")
    assert (b["sport"], b["sport_inferred"], b["shoe"]) == ("run", False, "Pegasus")


# --- fixing the sport -----------------------------------------------------------------------


def test_activity_sport_moves_a_run_that_was_a_ride_off_its_pair(st, tmp_path, pairs):
    (tmp_path / "a.gpx").write_text(gpx(track(T1)))
    st("import", tmp_path / "a.gpx")
    r = st("activity", "sport", "1", "cycling")
    assert r.stdout == (
        "Activity #1 (0.8 mi on 2026-10-03): run -> cycling; no longer counts on Pegasus: "
        "cycling is cross-training: it never counts on shoes.\n"
    )
    [a] = st.json("activities")
    assert (a["sport"], a["shoe"], a["sport_inferred"]) == ("cycling", None, False)
    r = st("activity", "sport", "1", "run")  # and back: the default pair takes it again
    assert r.stdout.endswith("cycling -> run; counts on Pegasus (default for run).\n")
    st("status")


def test_activity_sport_keeps_a_chosen_pair_while_shoes_are_worn(st, tmp_path, pairs):
    (tmp_path / "a.gpx").write_text(gpx(track(T1)))
    st("import", tmp_path / "a.gpx", "--shoe", "racer")
    r = st("activity", "sport", "1", "trail")
    assert r.stdout.endswith("run -> trail_run; counts on Racer (your choice, kept).\n")
    # even a chosen pair comes off for cross-training: no shoes are worn on a bike
    r = st("activity", "sport", "1", "cycling")
    assert "no longer counts on Racer" in r.stdout
    assert st("activity", "sport", "9", "run", code=2).stderr == "Error: no activity with id 9\n"


# --- the import log ---------------------------------------------------------------------------


def test_imports_says_how_many_rows_it_left_out(st, tmp_path):
    for i in range(5):
        (tmp_path / f"bad{i}.gpx").write_text("nope")
    st("import", tmp_path, code=1)
    out = st("imports", "--failed", "--limit", "3").stdout.splitlines()
    assert len(out) == 2 + 3 + 1 and out[-1] == "… 2 more (--limit 0)"
    assert len(st("imports", "--failed", "--limit", "0").stdout.splitlines()) == 2 + 5


def test_dry_run_suggests_no_command(st, tmp_path):
    (tmp_path / "a.gpx").write_text(gpx(track(T1)))
    st("shoe", "list")  # creates the database
    before = db_dump(st.db)
    out = st("import", "--dry-run", tmp_path / "a.gpx").stdout
    assert out.splitlines() == [
        "Would import 1 file (1 activity); 0 duplicate, 0 not an activity, 0 failed.",
        "  1 activity on no pair:",
        "    #1 run: no pair in use on 2026-10-03 is default for run",
    ]
    assert "`" not in out and db_dump(st.db) == before


def test_json_report_carries_the_new_fields(st, tmp_path, pairs):
    (tmp_path / "a.gpx").write_text(gpx(track(T1)))
    rep = json.loads(st("import", "--json", tmp_path / "a.gpx").stdout)
    [f] = rep["files"]
    assert (f["path"], f["replaced"], f["retry"], f["notes"], f["sport_inferred"]) == (
        str(tmp_path / "a.gpx"),
        0,
        False,
        [],
        [],
    )


# --- migration ------------------------------------------------------------------------------


def test_migration_0002_from_a_database_at_0001(tmp_path):
    import sqlite3

    import sqlite_utils

    from shoetrack.store import MIGRATIONS, open_store

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="0002_ingest")
    db.execute("INSERT INTO files (path, status, imported_at) VALUES ('run.gpx', 'failed', 'x')")
    db.execute(
        "INSERT INTO activities (start, sport, distance_m, source, created_at)"
        " VALUES ('2026-10-03T07:00:00Z', 'run', 5000, 'gpx', 'x')"
    )
    db.execute("INSERT INTO watches (folder, created_at) VALUES ('/w', 'x')")
    db.conn.commit()
    db.close()
    s = open_store(path)
    assert "0002_ingest" in [m.name for m in MIGRATIONS.applied(s.db)]
    # relative paths of old databases are left as they are: the folder they were relative to
    # is not known
    assert s.q("SELECT path, retry FROM files") == [{"path": "run.gpx", "retry": 0}]
    assert s.scalar("SELECT sport_inferred FROM activities") == 0
    assert s.scalar("SELECT sport FROM watches") is None
    s.close()


@pytest.mark.parametrize(
    "text",
    [
        "/a/b.fit",
        "/a//b.fit",
        "//a/b.fit",
        "/a/./b.fit",
        "/a/../b.fit",
        "/a/b/",
        "/a/.b.fit",
        "/.a/b.fit",
        "/a/b.fit/.",
        "/a/b..fit",
        "/",
        "a/b.fit",
        "~/b.fit",
    ],
)
def test_absolute_text_shortcut_is_the_long_way(text, tmp_path, monkeypatch):
    """A folded absolute path is returned as it is; any other goes the long way, as before."""
    from shoetrack.ingest import paths

    monkeypatch.chdir(tmp_path)
    shortcut = paths.absolute_text(text)
    monkeypatch.setattr(paths, "_FOLDED", False)
    assert shortcut == paths.absolute_text(text)
