"""Strava, Garmin and Apple Health exports through `shoetrack import`: pairs, assignments,
distances, duplicates across sources, and importing again."""

from __future__ import annotations

import json

import export_fixtures as ef
import pytest
from export_fixtures import Act, utc
from helpers import db_dump


def local_day(dt) -> str:
    return dt.astimezone().date().isoformat()


def acts_json(st):
    return sorted(st.json("activities"), key=lambda a: a["start"])


def shoes_json(st):
    return {s["name"]: s for s in st.json("shoe", "list", "--all")}


def strava_acts():
    return [
        Act(
            utc(2022, 5, 29, 15, 53, 35),
            gear="Pegasus",
            gear_id="111",
            distance_m=10012.4,
            csv_m=10000.0,
        ),
        Act(
            utc(2022, 5, 30, 6, 0, 0),
            type="Walk",
            distance_m=3004.0,
            gear="Pegasus",
            gear_id="111",
            file="gpx.gz",
        ),
        Act(
            utc(2022, 6, 1, 6, 0, 0), file=None, distance_m=5000.0, gear_id="222", name="Treadmill"
        ),
        Act(
            utc(2022, 6, 2, 6, 0, 0), file="tcx.gz", distance_m=8000.0, gear="Pegasus", name="Tempo"
        ),
        Act(utc(2022, 6, 3, 17, 0, 0), type="Ride", distance_m=30000.0, gear="Canyon", file="fit"),
        Act(utc(2022, 6, 4, 6, 0, 0), distance_m=6000.0, file="gpx"),  # no gear at all
    ]


SHOES = [("Pegasus", "Nike", "Pegasus 39", "Run"), ("", "Brooks", "Ghost 15", "")]


def check_strava(st):
    a = acts_json(st)
    assert [(x["sport"], x["shoe"], x["assigned_by"], x["source"]) for x in a] == [
        ("run", "Pegasus", "archive", "fit"),
        ("walk", "Pegasus", "archive", "gpx"),
        ("run", "Brooks Ghost 15", "archive", "strava"),
        ("run", "Pegasus", "archive", "tcx"),
        ("cycling", None, None, "fit"),
        ("run", "Pegasus", "default", "gpx"),  # Pegasus is the Run default in shoes.csv
    ]
    assert a[0]["distance_m"] == pytest.approx(10012.4, abs=0.5)  # the FIT's, not the CSV's 10000
    assert a[2]["distance_m"] == 5000.0 and a[2]["name"] == "Treadmill"
    assert a[3]["name"] == "Tempo" and a[3]["distance_m"] == pytest.approx(8000.0)
    shoes = shoes_json(st)
    assert set(shoes) == {"Pegasus", "Brooks Ghost 15"}
    return a


@pytest.mark.parametrize(
    "header", [ef.STRAVA_94, ef.STRAVA_99, ef.STRAVA_101], ids=["94", "99", "101"]
)
def test_strava_zip_pairs_assignments_distances(st, tmp_path, header):
    z = ef.strava_export(tmp_path / "export_123.zip", strava_acts(), SHOES, header=header)
    out = st("import", z).stdout
    assert "Imported 6 files (6 activities); 0 duplicate, 0 not an activity, 0 failed." in out
    assert (
        "Created 2 pairs from the strava export: Pegasus (+16.8 mi), Brooks Ghost 15 (+3.1 mi)"
        in out
    )
    assert "  Pegasus: +16.8 mi" in out  # 10012.4 + 3004 + 8000 + 6000 m = 27.0 km
    assert "  Brooks Ghost 15: +3.1 mi" in out
    check_strava(st)
    peg = st.json("shoe", "show", "Pegasus")
    assert (peg["brand"], peg["model"], peg["default_sports"], peg["purchased_on"]) == (
        "Nike",
        "Pegasus 39",
        ["run"],
        local_day(utc(2022, 5, 29, 15, 53, 35)),
    )


def test_strava_german_folder_day_first(st, tmp_path):
    acts = strava_acts()
    acts[0].start = utc(2022, 3, 4, 7, 5, 6)  # 04.03.2022: day-first, not April 3rd
    folder = ef.strava_export(tmp_path / "export_9", acts, SHOES, german=True, folder=True)
    assert "Aktivitätsausrüstung" in (folder / "activities.csv").read_text()
    st("import", folder)
    a = check_strava(st)
    assert a[0]["start"] == "2022-03-04T07:05:06Z"
    assert a[2]["distance_m"] == 5000.0  # the meters column, German decimal comma elsewhere


def test_strava_reimport_changes_nothing_and_dry_run_writes_nothing(st, tmp_path):
    z = ef.strava_export(tmp_path / "export_123.zip", strava_acts(), SHOES)
    before = db_dump(st.db) if st.db.exists() else None
    dry = st("import", "--dry-run", z).stdout
    assert "Would import 6 files (6 activities)" in dry
    assert (
        "Would create 2 pairs from the strava export: Pegasus (+16.8 mi), Brooks Ghost 15 (+3.1 mi)"
        in dry
    )
    assert st.json("shoe", "list", "--all") == [] and st.json("activities") == []
    assert before is None or before == db_dump(st.db)
    st("import", z)
    first = db_dump(st.db)
    again = st("import", z).stdout
    assert "Imported 0 files (0 activities); 6 duplicate" in again
    assert "Matched 2 existing pairs: Pegasus (+0.0 mi), Brooks Ghost 15 (+0.0 mi)" in again
    assert db_dump(st.db) == first


def test_archive_choice_survives_reassign_and_rules(st, tmp_path):
    st("shoe", "add", "Road", "--default-for", "run", "--purchased", "2020-01-01")
    acts = strava_acts()
    z = ef.strava_export(
        tmp_path / "export_1.zip", [acts[0], acts[5]], [("Pegasus", "Nike", "P", "")]
    )
    st("import", z)
    st("rule", "add", "--shoe", "Road", "--sport", "run")
    st("reassign", "--apply")
    a, b = acts_json(st)
    assert (a["shoe"], a["assigned_by"]) == ("Pegasus", "archive")
    assert (b["shoe"], b["assigned_by"]) == ("Road", "rule:1")  # the rule does apply elsewhere


@pytest.mark.parametrize("bought,verb", [(["--purchased", "2024-02-02"], "moved"), ([], "set")])
def test_existing_pair_matched_and_purchase_date_moved_back(st, tmp_path, bought, verb):
    st("shoe", "add", "pegasus", *bought)
    z = ef.strava_export(tmp_path / "export_1.zip", strava_acts()[:1], [])
    out = st("import", z).stdout
    assert "Matched 1 existing pair: pegasus (+6.2 mi)" in out
    first = local_day(utc(2022, 5, 29, 15, 53, 35))  # the runner's calendar day of the first run
    assert f"pegasus: purchase date {verb} to {first}, its first use in the export" in out
    [a] = st.json("activities")
    assert a["shoe"] == "pegasus"
    assert st.json("shoe", "show", "pegasus")["purchased_on"] == first


def garmin_acts():
    return [
        Act(
            utc(2023, 1, 10, 7, 0, 0),
            gear="Ghost",
            distance_m=12000.0,
            csv_m=11990.0,
            name="Ljubljana Run",
        ),
        Act(utc(2023, 1, 11, 7, 0, 0), gear="Old Ghost", type="Walk", distance_m=4000.0),
        Act(
            utc(2023, 1, 12, 7, 0, 0), gear="Ghost", file=None, distance_m=7000.0, name="Treadmill"
        ),
        Act(utc(2023, 1, 13, 7, 0, 0), type="Ride", distance_m=40000.0),
    ]


GARMIN_GEAR = [
    ef.garmin_gear(501, "Ghost", maximum_m=800000.0),
    ef.garmin_gear(
        502,
        "Old Ghost",
        status="retired",
        begin="2022-01-01T00:00:00.0",
        end="2023-01-20T00:00:00.0",
    ),
    ef.garmin_gear(503, "Roadbike", kind="Bike"),
]


@pytest.mark.parametrize("layout", ["zip", "folder", "old", "startTimeGmt"])
def test_garmin_export(st, tmp_path, layout):
    path = ef.garmin_export(
        tmp_path / ("garmin.zip" if layout != "folder" else "garmin"),
        garmin_acts(),
        GARMIN_GEAR,
        folder=layout == "folder",
        old_layout=layout == "old",
        start_time_gmt=layout == "startTimeGmt",
        per_zip=2,
    )
    out = st("import", path).stdout
    assert "Created 2 pairs from the garmin export: Ghost (+11.8 mi), Old Ghost (+2.5 mi)" in out
    a = acts_json(st)
    assert [(x["sport"], x["shoe"], x["assigned_by"], x["source"]) for x in a] == [
        ("run", "Ghost", "archive", "fit"),
        ("walk", "Old Ghost", "archive", "fit"),
        ("run", "Ghost", "archive", "garmin"),
        ("cycling", None, None, "fit"),
    ]
    assert a[0]["distance_m"] == pytest.approx(
        12000.0
    )  # the FIT's, not the summary's 119.9 km... in cm
    assert a[0]["name"] == "Ljubljana Run"
    assert (a[2]["distance_m"], a[2]["elapsed_s"]) == (7000.0, 3000.0)  # centimeters, milliseconds
    shoes = shoes_json(st)
    assert (shoes["Ghost"]["warn_at_m"], shoes["Ghost"]["replace_at_m"]) == (480000.0, 800000.0)
    assert shoes["Old Ghost"]["retired_on"] == "2023-01-21"
    assert shoes["Ghost"]["purchased_on"] == "2021-01-01"
    first = db_dump(st.db)
    st("import", path)
    assert db_dump(st.db) == first


def test_same_run_in_strava_garmin_and_watch_folder_is_one_activity(st, tmp_path):
    run = Act(utc(2023, 4, 1, 6, 30, 0), gear="Ghost", distance_m=15000.0, file="fit")
    watch = tmp_path / "watch"
    watch.mkdir()
    (watch / "2023-04-01.fit").write_bytes(ef.fit_bytes(run))
    st("import", watch)
    strava = ef.strava_export(
        tmp_path / "export_1.zip",
        [
            Act(
                **{
                    **run.__dict__,
                    "distance_m": 15100.0,
                    "start": run.start + __import__("datetime").timedelta(seconds=20),
                }
            )
        ],
        [("Ghost", "Brooks", "Ghost 15", "")],
    )
    out = st("import", strava).stdout
    assert "1 duplicate" in out and "Ghost: +9.3 mi" in out
    garmin = ef.garmin_export(tmp_path / "g.zip", [run], [ef.garmin_gear(501, "Ghost")])
    st("import", garmin)
    [a] = st.json("activities")
    assert (a["shoe"], a["assigned_by"], a["source"], a["distance_m"]) == (
        "Ghost",
        "archive",
        "fit",
        15000.0,
    )
    assert len(shoes_json(st)) == 1
    first = db_dump(st.db)
    for p in (watch, strava, garmin):
        st("import", p)
    assert db_dump(st.db) == first


@pytest.mark.parametrize("ios16,unit", [(False, "km"), (False, "mi"), (True, "km"), (True, "mi")])
def test_apple_health(st, tmp_path, ios16, unit):
    acts = [
        Act(utc(2022, 5, 29, 15, 53, 35), distance_m=10020.0),
        Act(utc(2022, 5, 30, 16, 0, 0), type="Walk", distance_m=2500.0),
        Act(utc(2022, 5, 31, 16, 0, 0), type="Ride", distance_m=20000.0),
    ]
    z = ef.health_export(tmp_path / "export.zip", acts, ios16=ios16, unit=unit)
    out = st("import", z).stdout
    assert "Imported 3 files (3 activities)" in out
    a = acts_json(st)
    assert [(x["sport"], x["source"], x["shoe"]) for x in a] == [
        ("run", "apple", None),
        ("walk", "apple", None),
        ("cycling", "apple", None),
    ]
    assert [x["distance_m"] for x in a] == pytest.approx([10020.0, 2500.0, 20000.0], abs=0.01)
    assert a[0]["start"] == "2022-05-29T15:53:35Z" and a[0]["elapsed_s"] == pytest.approx(3000.0)
    first = db_dump(st.db)
    st("import", z)
    assert db_dump(st.db) == first


def test_apple_workout_already_imported_from_watch_is_duplicate(st, tmp_path):
    run = Act(utc(2022, 5, 29, 15, 53, 35), distance_m=10020.0)
    (tmp_path / "w.fit").write_bytes(ef.fit_bytes(run))
    st("shoe", "add", "Daily", "--default-for", "run", "--purchased", "2022-01-01")
    st("import", tmp_path / "w.fit")
    folder = ef.health_export(tmp_path / "apple_health_export", [run], ios16=True, folder=True)
    out = st("import", folder).stdout
    assert "Imported 0 files (0 activities); 1 duplicate" in out
    [a] = st.json("activities")
    assert (a["source"], a["shoe"]) == ("fit", "Daily")


def test_import_json_lists_export_pairs(st, tmp_path):
    z = ef.strava_export(tmp_path / "export_1.zip", strava_acts()[:3], SHOES)
    doc = json.loads(st("import", "--json", z).stdout)
    assert doc["exports"] == [
        {
            "path": str(z),
            "kind": "strava",
            "pairs_created": ["Pegasus", "Brooks Ghost 15"],
            "pairs_matched": [],
            "notes": [],
        }
    ]
    assert doc["imported"] == 3
    assert doc["distance_m_by_shoe"] == {
        "Pegasus": pytest.approx(13016.4, abs=1),
        "Brooks Ghost 15": 5000.0,
    }


def test_shoe_option_refused_for_export(st, tmp_path):
    st("shoe", "add", "X")
    z = ef.strava_export(tmp_path / "export_1.zip", strava_acts()[:1], SHOES)
    r = st("import", "--shoe", "X", z, code=2)
    assert "--shoe does not apply to an export" in r.stderr


def test_pairs_known_only_by_id_and_missing_file(st, tmp_path):
    acts = [
        Act(utc(2022, 1, 1, 6, 0, 0), gear_id="301", file=None, distance_m=4000.0),
        Act(utc(2022, 1, 2, 6, 0, 0), gear_id="302", file=None, distance_m=6000.0),
        Act(utc(2022, 1, 3, 6, 0, 0), gear="Named", gear_id="303", distance_m=5000.0),
        Act(utc(2022, 1, 4, 6, 0, 0), gear_id="303", file=None, distance_m=3000.0),
    ]
    z = ef.strava_export(
        tmp_path / "export_1.zip",
        acts,
        [("", "Brooks", "Ghost 15", ""), ("", "Hoka", "Clifton 9", "")],
    )
    with __import__("zipfile").ZipFile(z) as zf:  # drop the file the third row names
        members = {n: zf.read(n) for n in zf.namelist() if not n.endswith("8000000002.fit.gz")}
    z2 = ef.write_tree(tmp_path / "export_2.zip", members, False)
    out = st("import", z2).stdout
    assert (
        "note: activities/8000000002.fit.gz: named in activities.csv but not in the export; "
        "imported from its figures"
    ) in out
    a = acts_json(st)
    # two nameless pairs and two ids seen only as ids: which is which cannot be known
    assert [x["shoe"] for x in a] == ["Strava gear 301", "Strava gear 302", "Named", "Named"]
    assert [x["source"] for x in a] == ["strava"] * 4
    assert set(shoes_json(st)) == {
        "Strava gear 301",
        "Strava gear 302",
        "Named",
        "Brooks Ghost 15",
        "Hoka Clifton 9",
    }


def test_zip_of_plain_activity_files(st, tmp_path):
    z = ef.write_tree(
        tmp_path / "runs.zip",
        {
            "a/1.fit": ef.fit_bytes(Act(utc(2022, 1, 1, 6, 0, 0))),
            "b/2.gpx": ef.gpx_text(Act(utc(2022, 1, 2, 6, 0, 0))).encode(),
            "readme.txt": b"hello",
        },
        False,
    )
    out = st("import", z).stdout
    assert "Imported 2 files (2 activities)" in out
    assert sorted(f["path"] for f in st.json("imports")) == [f"{z}!a/1.fit", f"{z}!b/2.gpx"]


def test_progress_bar_and_plain_paths_beside_an_export(st, tmp_path):
    z = ef.strava_export(tmp_path / "export_1.zip", strava_acts()[:2], SHOES)
    loose = tmp_path / "loose.fit"
    loose.write_bytes(ef.fit_bytes(Act(utc(2024, 1, 1, 6, 0, 0))))
    r = st("import", "--progress", z, loose)
    assert "Importing" in r.stderr
    assert "Imported 3 files (3 activities)" in r.stdout


def test_bad_rows_fail_alone(st, tmp_path):
    z = ef.strava_export(tmp_path / "export_1.zip", strava_acts()[:2], SHOES)
    with __import__("zipfile").ZipFile(z) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    lines = members["activities.csv"].decode().splitlines()
    bad = lines[1].replace("May 29, 2022, 3:53:35 PM", "sometime")
    members["activities.csv"] = "\n".join([lines[0], bad, lines[2], ""]).encode()
    z2 = ef.write_tree(tmp_path / "export_2.zip", members, False)
    r = st("import", z2, code=1)
    assert f"failed: {z2}!activities.csv#line 2: unreadable date 'sometime'" in r.stderr
    assert (
        "Imported 2 files (2 activities)" in r.stdout
    )  # the row's file still imports, without gear
    g = garmin_acts()[:2]
    gz = ef.garmin_export(tmp_path / "g.zip", g, GARMIN_GEAR)
    with __import__("zipfile").ZipFile(gz) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = "DI_CONNECT/DI-Connect-Fitness/runner_0_summarizedActivities.json"
    doc = json.loads(members[name])
    del doc[0]["summarizedActivitiesExport"][1]["beginTimestamp"]
    members[name] = json.dumps(doc).encode()
    gz2 = ef.write_tree(tmp_path / "g2.zip", members, False)
    r = st("import", gz2, code=1)
    assert (
        f"failed: {gz2}!{name}#9000000001: no start time (beginTimestamp or startTimeGmt)"
        in r.stderr
    )


def test_zip_without_activities_says_so(st, tmp_path):
    z = ef.write_tree(tmp_path / "photos.zip", {"a.jpg": b"\xff\xd8"}, False)
    out = st("import", z).stdout
    assert "Imported 0 files (0 activities)" in out
    assert f"note: {z}: not a Strava, Garmin or Health export, and no activity files in it" in out


def test_garmin_fit_that_fails_leaves_its_summary_to_be_imported(st, tmp_path):
    import io
    import zipfile

    g = ef.garmin_export(tmp_path / "g.zip", garmin_acts()[:1], GARMIN_GEAR)
    with zipfile.ZipFile(g) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    part = "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip"
    with zipfile.ZipFile(io.BytesIO(members[part])) as inner:
        [fit] = inner.namelist()
    members[part] = ef.zip_bytes({fit: b"\x0e\x20" + bytes(30)})  # a FIT header and nothing sane
    g2 = ef.write_tree(tmp_path / "g2.zip", members, False)
    r = st("import", g2, code=1)
    assert f"failed: {g2}!{part}!{fit}:" in r.stderr
    [a] = st.json("activities")
    assert (a["source"], a["shoe"], a["distance_m"]) == ("garmin", "Ghost", 11990.0)
