"""Manual logging, activities listing, assign/unassign/delete, and attribution of manual entries."""

from datetime import datetime

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
    r = st(
        "log",
        "10k",
        "--shoe",
        "peg",
        "--date",
        "2026-11-20",
        "--duration",
        "52:30",
        "--sport",
        "trail",
        "--note",
        "hills",
    )
    assert r.stdout == "Logged #1: 6.2 mi trail_run on 2026-11-20 on Pegasus (manual).\n"
    [a] = st.json("activities")
    assert (a["shoe"], a["assigned_by"], a["sport"], a["elapsed_s"], a["note"]) == (
        "Pegasus",
        "manual",
        "trail_run",
        3150,
        "hills",
    )
    r = st("log", "10k", "--date", "2026-11-21", "--sport", "trail_run")
    assert r.stdout.endswith("on Speedgoat (default for trail_run).\n")


def test_treadmill_falls_back_to_run_default(st, pegasus):
    r = st("log", "5k", "--date", "2026-11-20", "--sport", "treadmill_run")
    assert r.stdout.endswith("on Pegasus (default for treadmill_run).\n")


def test_cross_training_never_counts(st, pegasus):
    r = st("log", "20k", "--sport", "cycling", "--date", "2026-11-20")
    assert r.stdout == (
        "Logged #1: 12.4 mi cycling on 2026-11-20, not counted on any pair: "
        "cycling is cross-training: it never counts on shoes.\n"
    )
    before = db_dump(st.db)
    r = st("log", "20k", "--sport", "cycling", "--shoe", "peg", "--date", "2026-11-20", code=1)
    assert r.stderr == "Error: cycling is cross-training: it cannot count on Pegasus\n"
    assert db_dump(st.db) == before


def test_walk_only_on_walk_default(st, pegasus):
    r = st("log", "2mi", "--sport", "walk", "--date", "2026-11-20")
    assert "not counted on any pair: no pair in use on 2026-11-20 is default for walk" in r.stdout
    st("shoe", "add", "Walkers", "--purchased", "2026-01-01", "--default-for", "walk")
    assert st("log", "2mi", "--sport", "walk", "--date", "2026-11-20").stdout.endswith(
        "on Walkers (default for walk).\n"
    )


def test_two_defaults_stay_unassigned(st, pegasus):
    st("shoe", "add", "Novablast", "--purchased", "2026-01-01", "--default-for", "run")
    r = st("log", "5mi", "--date", "2026-11-20")
    assert r.stdout == (
        "Logged #1: 5.0 mi run on 2026-11-20, not counted on any pair: several pairs "
        "are default for run (Novablast, Pegasus).\n"
    )


def test_date_window_edges(st):
    st("shoe", "add", "Old", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "retire", "Old", "--date", "2026-06-01")
    st("shoe", "add", "New", "--purchased", "2026-06-01", "--default-for", "run")
    assert st("log", "5k", "--date", "2026-05-31").stdout.endswith("on Old (default for run).\n")
    assert st("log", "5k", "--date", "2026-06-01").stdout.endswith("on New (default for run).\n")
    assert "no pair in use on 2025-12-31" in st("log", "5k", "--date", "2025-12-31").stdout
    r = st("log", "5k", "--date", "2026-06-02", "--shoe", "Old", code=1)
    assert r.stderr == "Error: Old was not in use on 2026-06-02 (in use 2026-01-01 to 2026-06-01)\n"


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--", "abc"],
            "Error: Invalid value for distance: cannot read distance 'abc' (try 5mi, 10k, 800m, marathon)\n",
        ),
        (
            ["five"],
            "Error: Invalid value for distance: cannot read distance 'five' (try 5mi, 10k, 800m, marathon)\n",
        ),
        (
            ["--", "-5mi"],
            "Error: Invalid value for distance: distance must not be negative: '-5mi'\n",
        ),
        (
            ["5mi", "--date", "2999-01-01"],
            "Error: Invalid value for --date: date '2999-01-01' is in the future\n",
        ),
        (
            ["5mi", "--date", "someday"],
            "Error: Invalid value for --date: cannot read date 'someday' (use YYYY-MM-DD)\n",
        ),
        (
            ["5mi", "--duration", "fast"],
            "Error: Invalid value for --duration: cannot read duration 'fast' (try 52:30 or 1:02:03)\n",
        ),
        (
            ["5mi", "--sport", "jousting"],
            "Error: Invalid value for --sport: unknown sport 'jousting'; use one of: "
            "run, trail_run, treadmill_run, track_run, walk, hike, cycling, swimming, rowing, strength, "
            "transition, multisport, other\n",
        ),
        (["5mi", "--shoe", "nope"], "Error: no pair matches 'nope' (see `shoetrack shoe list`)\n"),
    ],
)
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
    assert out[0].split() == [
        "id",
        "date",
        "sport",
        "distance",
        "time",
        "shoe",
        "why",
        "source",
        "name",
    ]
    assert (
        st("activities", "--sport", "run", "--from", "2026-11-25").stdout
        == "No activities match.\n"
    )
    assert st("activities", "--from", "bad", code=2).stderr == (
        "Error: Invalid value for --from: cannot read date 'bad' (use YYYY-MM-DD)\n"
    )


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
    assert (
        st("activity", "delete", "1").stdout == "Deleted activity #1 (5.0 mi run on 2026-11-20).\n"
    )
    assert st.json("activities") == []
    assert st("activity", "delete", "1", code=2).stderr == "Error: no activity with id 1\n"
    assert st("activity", "assign", "7", "Other", code=2).stderr == "Error: no activity with id 7\n"
    assert st("activity", "assign", "x", "Other", code=2).stderr == (
        "Error: Invalid value for 'ACTIVITY_ID': 'x' is not a valid integer.\n"
    )
    assert st("activity", "frobnicate", code=2).stderr == (
        "Error: No such command 'frobnicate'. (see 'shoetrack activity --help')\n"
    )


def test_notice_when_crossing_a_level(st):
    st(
        "shoe",
        "add",
        "Pegasus",
        "--purchased",
        "2026-01-01",
        "--default-for",
        "run",
        "--start-distance",
        "290mi",
    )
    r = st("log", "15mi", "--date", "2026-11-20")
    assert r.stdout.splitlines()[1].startswith(
        "Pegasus entered its replacement window: 305 mi of 300–500"
    )
    r = st("log", "1mi", "--date", "2026-11-21")
    assert len(r.stdout.splitlines()) == 1  # still in the window: no new notice
    r = st("log", "200mi", "--date", "2026-11-22")
    assert r.stdout.splitlines()[1] == (
        "Pegasus reached its replace distance: 506 mi of 300–500; time for a new pair"
    )


# ---------------------------------------------------------------- unknown and known purchase dates


def test_runner_s_word_counts_before_an_unknown_purchase_date(st):
    """A pair added without --purchased: the runner's own choices count on any earlier day."""
    r = st("shoe", "add", "Pegasus 40", "--default-for", "run", "--start-distance", "120mi")
    assert r.stdout.startswith(
        "Added Pegasus 40 (purchase date unknown: rules and defaults count it from "
    )
    [p] = st.json("shoe", "list")
    assert p["purchased_on"] is None
    r = st("log", "5mi", "--shoe", "peg", "--date", "2026-11-20")
    assert r.stdout == "Logged #1: 5.0 mi run on 2026-11-20 on Pegasus 40 (manual).\n"
    # Logged by hand without --shoe: the one pair default for runs takes it, as before the pair
    # was added the runner still ran in it.
    r = st("log", "10k", "--date", "2026-11-21")
    assert r.stdout == "Logged #2: 6.2 mi run on 2026-11-21 on Pegasus 40 (default for run).\n"
    st("activity", "unassign", "2")
    assert st("activity", "assign", "2", "pegasus").stdout == (
        "Activity #2 (6.2 mi on 2026-11-21) now counts on Pegasus 40.\n"
    )
    assert {a["id"]: (a["shoe"], a["assigned_by"]) for a in st.json("activities")} == {
        1: ("Pegasus 40", "manual"),
        2: ("Pegasus 40", "manual"),
    }
    assert st.json("status")[0]["distance_m"] == pytest.approx(125 * MI + 10000)
    # reassign keeps the logged run on the pair (by hand, its date is no limit).
    st("log", "3mi", "--date", "2026-11-22")
    assert st.json("reassign")["changes"] == []


def test_a_choice_before_a_known_purchase_date_is_refused_with_the_fix(st):
    st("shoe", "add", "Nova", "--purchased", "2026-11-25", "--default-for", "run")
    before = db_dump(st.db)
    hint = (
        "Error: Nova was bought on 2026-11-25, after 2026-11-24: if you wore it then, move its "
        "purchase date with `shoetrack shoe edit Nova --purchased 2026-11-24`\n"
    )
    assert st("log", "3mi", "--shoe", "nova", "--date", "2026-11-24", code=2).stderr == hint
    assert db_dump(st.db) == before
    r = st("log", "3mi", "--date", "2026-11-24")  # without --shoe: on no pair, with the same fix
    assert r.stdout == (
        "Logged #1: 3.0 mi run on 2026-11-24, not counted on any pair: no pair in use on "
        "2026-11-24 is default for run; Nova was bought on 2026-11-25 (worn before? "
        "`shoetrack shoe edit Nova --purchased YYYY-MM-DD`).\n"
    )
    assert st("activity", "assign", "1", "nova", code=2).stderr == hint
    st("shoe", "edit", "Nova", "--purchased", "2026-11-24")
    assert st("activity", "assign", "1", "nova").stdout.endswith("now counts on Nova.\n")
    st("shoe", "add", "Old Pair", "--purchased", "2026-11-25")
    r = st("log", "1mi", "--shoe", "old", "--date", "2026-11-20", code=2)
    assert r.stderr.endswith("`shoetrack shoe edit 'Old Pair' --purchased 2026-11-20`\n")  # quoted


def test_imported_file_before_the_added_day_waits_with_the_hint(st):
    """Automatic attribution of an imported file starts on the day the pair was added."""
    from pathlib import Path

    fit = (
        Path(__file__).resolve().parents[1] / "examples" / "activities" / "2026-04-12-road-run.fit"
    )
    st("shoe", "add", "Pegasus", "--default-for", "run")
    added = st.json("status")[0]["first_day"]
    r = st("import", str(fit))
    run_day = st.json("activities")[0][
        "start"
    ]  # 2026-04-12T07:05Z: its local date depends on the zone
    run_day = datetime.fromisoformat(run_day.replace("Z", "+00:00")).astimezone().date()
    fix = (
        f"no pair in use on {run_day} is default for run; Pegasus counts automatically from {added}, "
        "the day it was added (worn before? `shoetrack shoe edit Pegasus --purchased YYYY-MM-DD`)"
    )
    assert r.stdout.splitlines()[1:3] == [
        "  1 activity on no pair (see `shoetrack activities --unassigned`):",
        f"    #1 run: {fix}",
    ]
    [e] = st.json("inbox")
    assert (e["waiting"], e["predates"], e["suggestion"]) == (
        fix,
        ["Pegasus"],
        {"shoe": "Pegasus", "shoe_id": 1, "reason": "default for run"},
    )
    assert st("inbox").stdout.splitlines()[-1] == (
        f"1 waiting activity predates Pegasus's first day, {added}, the day it was added (purchase date "
        "unknown): if you wore it then, `shoetrack shoe edit Pegasus --purchased YYYY-MM-DD`, then "
        "`shoetrack reassign --apply`."
    )
    # A pick in the inbox is the runner's word: it counts on the pair before the day it was added.
    r = st("inbox", "--pick", input="1")
    assert "    1 Pegasus\n" in r.stdout and "-> Pegasus\n" in r.stdout
    assert [(a["shoe"], a["assigned_by"]) for a in st.json("activities")] == [("Pegasus", "manual")]
    st("activity", "unassign", "1")
    # Following the hint puts it on the pair automatically.
    st("shoe", "edit", "Pegasus", "--purchased", "2026-04-01")
    assert st.json("reassign", "--apply")["changes"][0]["new_shoe"] == "Pegasus"
    assert st.json("inbox") == []


def test_import_shoe_before_an_unknown_and_a_known_purchase_date(st):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "examples" / "activities"
    st("shoe", "add", "Pegasus")
    st("shoe", "add", "Nova", "--purchased", "2026-04-20")
    st("import", "--shoe", "peg", str(folder / "2026-04-12-road-run.fit"))
    r = st("import", "--shoe", "nova", str(folder / "2026-04-15-treadmill.fit"))
    day = [a for a in st.json("activities") if a["id"] == 2][0]["start"]
    day = (
        datetime.fromisoformat(day.replace("Z", "+00:00")).astimezone().date()
    )  # local: 04-15 or 04-16
    assert r.stdout.splitlines()[2] == (
        f"    #2 treadmill_run: Nova was bought on 2026-04-20, after {day}: if you wore it then, "
        f"move its purchase date with `shoetrack shoe edit Nova --purchased {day}`"
    )
    assert {a["id"]: a["shoe"] for a in st.json("activities")} == {1: "Pegasus", 2: None}
