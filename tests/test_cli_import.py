"""`shoetrack import` / `imports` end to end with small files written by the tests."""

import gzip
import json
from datetime import timedelta

import pytest
from builders import T1, T2, gpx, length, tcx, track
from helpers import db_dump


@pytest.fixture
def folder(tmp_path, st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")
    d = tmp_path / "export"
    (d / "sub").mkdir(parents=True)
    (d / "a.gpx").write_text(gpx(track(T1)))
    (d / "sub" / "b.gpx.gz").write_bytes(gzip.compress(gpx(track(T2, n=100)).encode()))
    (d / "broken.gpx").write_text("<gpx><trk><trkseg><trkpt lat=")
    (d / "route.gpx").write_text(
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        '<rte><rtept lat="1" lon="1"/><rtept lat="1.1" lon="1"/></rte></gpx>'
    )
    (d / "notes.txt").write_text("ignored: not an activity file suffix")
    return d


def test_import_folder_summary_and_exit_status(st, folder):
    r = st("import", folder, code=1)
    expected_m = length(track(T1)) + length(track(T2, n=100))
    lines = r.stdout.splitlines()
    assert lines[0] == "Imported 2 files (2 activities); 0 duplicate, 1 not an activity, 1 failed."
    assert lines[1] == f"  Pegasus: +{expected_m / 1609.344:,.1f} mi"
    assert (
        lines[2]
        == f"  not an activity: {folder / 'route.gpx'} (GPX route without a recorded track)"
    )
    [failed] = r.stderr.splitlines()
    assert failed.startswith(f"  failed: {folder / 'broken.gpx'}: ")
    [p] = st.json("status")
    assert p["distance_m"] == pytest.approx(expected_m, abs=0.001)  # JSON keeps millimeters
    acts = st.json("activities")
    assert [a["distance_m"] for a in acts] == [
        pytest.approx(length(track(T2, n=100))),
        pytest.approx(length(track(T1))),
    ]
    assert {a["source"] for a in acts} == {"gpx"} and {a["shoe"] for a in acts} == {"Pegasus"}
    assert acts[1]["start"] == "2026-10-03T07:00:00Z" and acts[1]["elapsed_s"] == 590
    log = st.json("imports")
    assert sorted((row["path"].split("/")[-1], row["status"]) for row in log) == [
        ("a.gpx", "imported"),
        ("b.gpx.gz", "imported"),
        ("broken.gpx", "failed"),
        ("route.gpx", "not-activity"),
    ]
    [f] = st.json("imports", "--failed")
    assert f["path"] == str(folder / "broken.gpx") and "\n" not in f["reason"] and f["reason"]


def test_reimport_changes_nothing(st, folder):
    st("import", folder, code=1)
    before = db_dump(st.db)
    r = st("import", folder, code=1)  # the broken file still fails
    assert (
        r.stdout.splitlines()[0]
        == "Imported 0 files (0 activities); 3 duplicate, 0 not an activity, 1 failed."
    )
    after = db_dump(st.db)
    # the failed file's log row is updated in place (its time), nothing else moves
    assert {k: v for k, v in after.items() if k != "files"} == {
        k: v for k, v in before.items() if k != "files"
    }
    assert len(after["files"]) == len(before["files"])


def test_same_activity_in_two_formats_is_a_duplicate(st, tmp_path, folder):
    pts = track(T1)
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.tcx").write_text(tcx(T1 + timedelta(seconds=30), length(pts) * 1.01, 590))
    st("import", folder / "a.gpx")
    r = st("import", other / "a.tcx")
    assert r.stdout.splitlines() == [
        "Imported 0 files (0 activities); 1 duplicate, 0 not an activity, 0 failed.",
        f"  duplicate: {other / 'a.tcx'}: same activity as #1 from {folder / 'a.gpx'}",
    ]
    # 3 % longer is another activity
    (other / "b.tcx").write_text(tcx(T1 + timedelta(seconds=30), length(pts) * 1.03, 590))
    assert st("import", other / "b.tcx").stdout.startswith("Imported 1 file (1 activity)")


def test_dry_run_writes_nothing_and_matches_real_run(st, folder):
    before = db_dump(st.db)
    dry = json.loads(st("import", "--dry-run", "--json", folder, code=1).stdout)
    assert db_dump(st.db) == before
    real = json.loads(st("import", "--json", folder, code=1).stdout)
    assert dry["dry_run"] is True and real["dry_run"] is False

    def strip(rep):
        return [
            (f["path"], f["status"], f["reason"], f["activities"], f["distance_m_by_shoe"])
            for f in rep["files"]
        ]

    assert strip(dry) == strip(real)
    assert real["imported"] == 2 and real["failed"] == 1 and real["not_activity"] == 1


def test_explicit_shoe_and_cross_training(st, tmp_path):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Racer", "--purchased", "2026-01-01")
    (tmp_path / "run.gpx").write_text(gpx(track(T1)))
    (tmp_path / "ride.gpx").write_text(gpx(track(T2), sport="cycling"))
    r = st("import", "--shoe", "rac", tmp_path / "run.gpx", tmp_path / "ride.gpx")
    assert r.stdout.splitlines()[1] == f"  Racer: +{length(track(T1)) / 1609.344:,.1f} mi"
    acts = {a["sport"]: a for a in st.json("activities")}
    assert acts["run"]["shoe"] == "Racer" and acts["run"]["assigned_by"] == "manual"
    assert acts["cycling"]["shoe"] is None


def test_gpx_without_times_needs_date(st, tmp_path):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")
    f = tmp_path / "notime.gpx"
    f.write_text(gpx(track(T1), times=False))
    r = st("import", f, code=1)
    assert "--date" in r.stderr and r.stderr.count("\n") == 1
    r = st("import", "--date", "2026-10-01", f)
    assert r.stdout.startswith("Imported 1 file (1 activity)")
    [a] = st.json("activities")
    assert a["start"].startswith("2026-10-0") and a["distance_m"] == pytest.approx(
        length(track(T1))
    )


@pytest.mark.tz("UTC")  # T1 is early on 2026-10-03 in UTC: the day named is the local one
def test_unassigned_runs_are_listed(st, tmp_path):
    (tmp_path / "run.gpx").write_text(gpx(track(T1)))
    r = st("import", tmp_path / "run.gpx")
    assert r.stdout.splitlines()[1:] == [
        "  1 activity on no pair (see `shoetrack activities --unassigned`):",
        "    #1 run: no pair in use on 2026-10-03 is default for run",
    ]


def test_one_transaction_per_file(st, tmp_path, monkeypatch):
    """A failure in the middle of a file leaves none of it behind; other files still import."""
    from shoetrack import activities

    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")
    (tmp_path / "a.gpx").write_text(gpx(track(T1)))
    (tmp_path / "b.gpx").write_text(gpx(track(T2)))
    real = activities.set_assignment

    def fail_for_b(store, activity_id, choice):
        if store.scalar(
            "SELECT f.path FROM activities a JOIN files f ON f.id = a.file_id WHERE a.id = ?",
            (activity_id,),
        ).endswith("b.gpx"):
            raise RuntimeError("power cut")
        return real(store, activity_id, choice)

    monkeypatch.setattr(activities, "set_assignment", fail_for_b)
    r = st("import", tmp_path, code=1)
    assert (
        "failed: "
        + str(tmp_path / "b.gpx")
        + ": unexpected error (please report): RuntimeError: power cut"
        in r.stderr
    )
    acts = st.json("activities")
    assert len(acts) == 1 and acts[0]["start"] == "2026-10-03T07:00:00Z"
    assert [(f["path"].split("/")[-1], f["status"]) for f in st.json("imports")] == [
        ("b.gpx", "failed"),
        ("a.gpx", "imported"),
    ]


def test_missing_path_is_usage_error(st, tmp_path):
    r = st("import", tmp_path / "nope", code=2)
    assert r.stderr.startswith("Error: Invalid value for 'PATHS...': Path ")
    assert st("imports").stdout == "Nothing imported yet.\n"
