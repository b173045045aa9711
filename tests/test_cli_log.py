"""Manual logging, activities listing, assign/unassign/delete, and attribution of manual entries."""
import pytest

from helpers import db_dump

MI = 1609.344


@pytest.fixture
def pegasus(st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")


def test_log_default_pair(st, pegasus):
    r = st("log", "5mi", "--date", "2026-11-20", "--duration", "40:00", "--note", "easy")
    assert r.stdout == "Logged #1: 5.0 mi run on 2026-11-20 on Pegasus (default for run).\n"
    [a] = st.json("activities")
    assert a["distance_m"] == pytest.approx(5 * MI)
    assert a["elapsed_s"] == 2400
    assert a["shoe"] == "Pegasus" and a["assigned_by"] == "default"
    assert a["source"] == "manual" and a["sport"] == "run"
    assert a["start"].startswith("2026-11-20") or a["start"].startswith("2026-11-19")


def test_units_round_trip_km_to_miles(st, pegasus):
    st("log", "10k", "--date", "2026-11-20")
    st("log", "half", "--date", "2026-11-21")
    [row] = st.json("status")
    assert row["distance_m"] == pytest.approx(31097.5)
    assert "19.3 mi" in st("status").stdout  # 31.0975 km = 19.32 mi
    assert "31.1 km" in st("--units", "km", "status").stdout


def test_bare_number_uses_configured_unit(st, pegasus, tmp_path):
    st("config", "set", "units", "km")
    st("log", "8", "--date", "2026-11-20")
    assert st.json("activities")[0]["distance_m"] == pytest.approx(8000)
    assert "Logged #2: 8.0 km" in st("log", "8", "--date", "2026-11-21").stdout


def test_log_explicit_shoe_and_sport(st, pegasus):
    st("shoe", "add", "Speedgoat", "--purchased", "2026-01-01", "--default-for", "trail_run")
    r = st("log", "10k", "--shoe", "peg", "--date", "2026-11-20", "--duration", "52:30",
           "--sport", "trail", "--note", "hills")
    assert r.stdout == "Logged #1: 6.2 mi trail_run on 2026-11-20 on Pegasus (manual).\n"
    [a] = st.json("activities")
    assert (a["shoe"], a["assigned_by"], a["sport"], a["elapsed_s"], a["note"]) == (
        "Pegasus", "manual", "trail_run", 3150, "hills")
    r = st("log", "10k", "--date", "2026-11-21", "--sport", "trail_run")
    assert r.stdout.endswith("on Speedgoat (default for trail_run).\n")


def test_treadmill_falls_back_to_run_default(st, pegasus):
    r = st("log", "5k", "--date", "2026-11-20", "--sport", "treadmill_run")
    assert r.stdout.endswith("on Pegasus (default for treadmill_run).\n")


def test_cross_training_never_counts(st, pegasus):
    r = st("log", "20k", "--sport", "cycling", "--date", "2026-11-20")
    assert r.stdout == ("Logged #1: 12.4 mi cycling on 2026-11-20, not counted on any pair: "
                        "cycling is cross-training: it never counts on shoes.\n")
    before = db_dump(st.db)
    r = st("log", "20k", "--sport", "cycling", "--shoe", "peg", "--date", "2026-11-20", code=1)
    assert r.stderr == "Error: cycling is cross-training: it cannot count on Pegasus\n"
    assert db_dump(st.db) == before


def test_walk_only_on_walk_default(st, pegasus):
    r = st("log", "2mi", "--sport", "walk", "--date", "2026-11-20")
    assert "not counted on any pair: no pair in use on 2026-11-20 is default for walk" in r.stdout
    st("shoe", "add", "Walkers", "--purchased", "2026-01-01", "--default-for", "walk")
    assert st("log", "2mi", "--sport", "walk", "--date", "2026-11-20").stdout.endswith(
        "on Walkers (default for walk).\n")


def test_two_defaults_stay_unassigned(st, pegasus):
    st("shoe", "add", "Novablast", "--purchased", "2026-01-01", "--default-for", "run")
    r = st("log", "5mi", "--date", "2026-11-20")
    assert r.stdout == ("Logged #1: 5.0 mi run on 2026-11-20, not counted on any pair: several pairs "
                        "are default for run (Novablast, Pegasus).\n")


def test_date_window_edges(st):
    st("shoe", "add", "Old", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "retire", "Old", "--date", "2026-06-01")
    st("shoe", "add", "New", "--purchased", "2026-06-01", "--default-for", "run")
    assert st("log", "5k", "--date", "2026-05-31").stdout.endswith("on Old (default for run).\n")
    assert st("log", "5k", "--date", "2026-06-01").stdout.endswith("on New (default for run).\n")
    assert "no pair in use on 2025-12-31" in st("log", "5k", "--date", "2025-12-31").stdout
    r = st("log", "5k", "--date", "2026-06-02", "--shoe", "Old", code=1)
    assert r.stderr == "Error: Old was not in use on 2026-06-02 (in use 2026-01-01 to 2026-06-01)\n"


@pytest.mark.parametrize("args,message", [
    (["--", "abc"], "Error: Invalid value for distance: cannot read distance 'abc' (try 5mi, 10k, 800m, marathon)\n"),
    (["five"], "Error: Invalid value for distance: cannot read distance 'five' (try 5mi, 10k, 800m, marathon)\n"),
    (["--", "-5mi"], "Error: Invalid value for distance: distance must not be negative: '-5mi'\n"),
    (["5mi", "--date", "2999-01-01"], "Error: Invalid value for --date: date '2999-01-01' is in the future\n"),
    (["5mi", "--date", "someday"], "Error: Invalid value for --date: cannot read date 'someday' (use YYYY-MM-DD)\n"),
    (["5mi", "--duration", "fast"], "Error: Invalid value for --duration: cannot read duration 'fast' (try 52:30 or 1:02:03)\n"),
    (["5mi", "--sport", "jousting"], "Error: Invalid value for --sport: unknown sport 'jousting'; use one of: "
     "run, trail_run, treadmill_run, track_run, walk, hike, cycling, swimming, rowing, strength, "
     "transition, multisport, other\n"),
    (["5mi", "--shoe", "nope"], "Error: no pair matches 'nope' (see `shoetrack shoe list`)\n"),
])
def test_log_errors_exit_2_and_change_nothing(st, pegasus, args, message):
    before = db_dump(st.db)
    r = st("log", *args, code=2)
    assert r.stderr == message  # one line, no usage dump
    assert "Traceback" not in r.output
    assert db_dump(st.db) == before


def test_activities_filters(st, pegasus):
    st("shoe", "add", "Trail", "--purchased", "2026-01-01", "--default-for", "trail_run")
    st("log", "5mi", "--date", "2026-11-01")
    st("log", "6mi", "--date", "2026-11-10", "--sport", "trail_run")
    st("log", "7mi", "--date", "2026-11-20")
    st("log", "10mi", "--date", "2026-11-21", "--sport", "cycling")
    ids = lambda *a: [x["id"] for x in st.json("activities", *a)]  # noqa: E731
    assert ids() == [4, 3, 2, 1]
    assert ids("--shoe", "peg") == [3, 1]
    assert ids("--sport", "trail_run") == [2]
    assert ids("--from", "2026-11-10") == [4, 3, 2]
    assert ids("--to", "2026-11-10") == [2, 1]
    assert ids("--from", "2026-11-02", "--to", "2026-11-20") == [3, 2]
    assert ids("--unassigned") == [4]
    assert ids("--limit", "1") == [4]
    out = st("activities").stdout.splitlines()
    assert out[0].split() == ["id", "date", "sport", "distance", "time", "shoe", "why", "source", "name"]
    assert st("activities", "--sport", "run", "--from", "2026-11-25").stdout == "No activities match.\n"
    assert st("activities", "--from", "bad", code=2).stderr == (
        "Error: Invalid value for --from: cannot read date 'bad' (use YYYY-MM-DD)\n")


def test_assign_unassign_delete(st, pegasus):
    st("shoe", "add", "Other", "--purchased", "2026-01-01")
    st("log", "5mi", "--date", "2026-11-20")
    r = st("activity", "assign", "1", "oth")
    assert r.stdout == "Activity #1 (5.0 mi on 2026-11-20) now counts on Other.\n"
    assert st.json("activities")[0]["assigned_by"] == "manual"
    assert [p["distance_m"] for p in st.json("status")] == [pytest.approx(5 * MI), 0]
    assert st("activity", "unassign", "1").stdout == "Activity #1 no longer counts on Other.\n"
    assert st("activity", "unassign", "1").stdout == "Activity #1 was not on any pair.\n"
    assert st.json("activities")[0]["shoe"] is None
    assert st("activity", "delete", "1").stdout == "Deleted activity #1 (5.0 mi run on 2026-11-20).\n"
    assert st.json("activities") == []
    assert st("activity", "delete", "1", code=2).stderr == "Error: no activity with id 1\n"
    assert st("activity", "assign", "7", "Other", code=2).stderr == "Error: no activity with id 7\n"
    assert st("activity", "assign", "x", "Other", code=2).stderr == (
        "Error: Invalid value for 'ACTIVITY_ID': 'x' is not a valid integer.\n")
    assert st("activity", "frobnicate", code=2).stderr == (
        "Error: No such command 'frobnicate'. (see 'shoetrack activity --help')\n")


def test_notice_when_crossing_a_level(st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run",
       "--start-distance", "290mi")
    r = st("log", "15mi", "--date", "2026-11-20")
    assert r.stdout.splitlines()[1].startswith("Pegasus entered its replacement window: 305 mi of 300–500")
    r = st("log", "1mi", "--date", "2026-11-21")
    assert len(r.stdout.splitlines()) == 1  # still in the window: no new notice
    r = st("log", "200mi", "--date", "2026-11-22")
    assert r.stdout.splitlines()[1] == ("Pegasus reached its replace distance: 506 mi of 300–500; "
                                        "time for a new pair")
