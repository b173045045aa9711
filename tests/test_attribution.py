"""Attribution: precedence, date windows, sports, rules, the inbox and
reassign — through the core and through the CLI (including a real terminal for `inbox --pick`)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from datetime import time as dtime
from pathlib import Path

import pytest
from helpers import db_dump

MI = 1609.344


# ---------------------------------------------------------------- helpers


def local_at(day: str, hour: int = 12) -> datetime:
    """UTC start of local `hour` on `day` (so the local date is `day` in any time zone)."""
    return (
        datetime.combine(date.fromisoformat(day), dtime(hour)).astimezone().astimezone(timezone.utc)
    )


def pair(store, name, purchased="2026-01-01", retired=None, defaults=("run",), start_m=0.0):
    from shoetrack import shoes

    return shoes.add(
        store,
        name,
        purchased_on=purchased,
        retired_on=retired,
        default_sports=list(defaults),
        start_distance_m=start_m,
    )


def act(
    store,
    day,
    meters=8000.0,
    sport="run",
    *,
    shoe=None,
    file_id=None,
    path=None,
    device=None,
    session=0,
    hour=12,
):
    """Insert and attribute one activity like log/import do; returns (id, Choice)."""
    from importers.model import Activity
    from shoetrack import activities

    a = Activity(
        start=local_at(day, hour),
        sport=sport,
        distance_m=meters,
        source="fit" if file_id else "manual",
        device=device,
        session_index=session,
    )
    return activities.add_and_attribute(store, a, shoe=shoe, file_id=file_id, path=path)


def file_row(store, path):
    with store.write():
        cur = store.conn.execute(
            "INSERT INTO files (path, status, imported_at) VALUES (?, 'imported', '2026-03-01T00:00:00Z')",
            (path,),
        )
    return cur.lastrowid


def on(store, activity_id):
    """(pair name, by) an activity counts on, or None."""
    row = store.one(
        "SELECT s.name, g.by FROM assignments g JOIN shoes s ON s.id = g.shoe_id"
        " WHERE g.activity_id = ?",
        (activity_id,),
    )
    return (row["name"], row["by"]) if row else None


def assignments(db: Path) -> dict:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return {
            aid: (shoe, by)
            for aid, shoe, by in conn.execute(
                "SELECT g.activity_id, s.name, g.by FROM assignments g JOIN shoes s ON s.id = g.shoe_id"
            )
        }
    finally:
        conn.close()


# ---------------------------------------------------------------- precedence


def test_precedence_explicit_rule_default_inbox(store):
    from shoetrack.attribution import inbox, rules

    pair(store, "Road")
    race = pair(store, "Race", defaults=())
    trail = pair(store, "Trail", defaults=())
    rule = rules.add(store, race, min_distance_m=20000)
    # 1. explicit beats a matching rule
    a1, c1 = act(store, "2026-03-01", 21000, shoe=trail)
    assert (c1.shoe.name, c1.by, c1.reason) == ("Trail", "manual", "manual")
    # 2. the rule beats the default
    a2, c2 = act(store, "2026-03-02", 21000)
    assert (c2.shoe.name, c2.by, c2.reason) == ("Race", f"rule:{rule['id']}", f"rule {rule['id']}")
    # 3. the default when no rule matches
    a3, c3 = act(store, "2026-03-03", 8000)
    assert (c3.shoe.name, c3.by, c3.reason) == ("Road", "default", "default for run")
    # 4. the inbox when nothing fits: a second default makes a rotation
    from shoetrack import shoes

    shoes.edit(store, trail, default_sports=["run"])
    a4, c4 = act(store, "2026-03-04", 8000)
    assert c4.shoe is None and c4.reason == "several pairs are default for run (Road, Trail)"
    assert [(a1, a2, a3), [on(store, i) for i in (a1, a2, a3, a4)]] == [
        (1, 2, 3),
        [("Trail", "manual"), ("Race", "rule:1"), ("Road", "default"), None],
    ]
    assert [e.activity["id"] for e in inbox.entries(store)] == [a4]


def test_first_matching_rule_wins_and_move_changes_it(store):
    from shoetrack.attribution import chooser, rules

    a, b = pair(store, "A", defaults=()), pair(store, "B", defaults=())
    r1 = rules.add(store, a, min_distance_m=10000)
    r2 = rules.add(store, b, weekdays=["sun"])
    sunday_long = {
        "id": 0,
        "start": local_at("2026-03-01").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sport": "run",
        "distance_m": 15000.0,
    }
    assert date(2026, 3, 1).weekday() == 6
    assert chooser.choose(store, sunday_long).shoe.name == "A"
    rules.move(store, r2["id"], 1)
    assert [r["id"] for r in rules.rows(store)] == [r2["id"], r1["id"]]
    assert chooser.choose(store, sunday_long).by == f"rule:{r2['id']}"


def test_rule_for_pair_not_in_use_falls_through_to_default(store):
    from shoetrack.attribution import rules

    pair(store, "Road")
    old = pair(store, "Old", purchased="2025-01-01", retired="2026-02-01", defaults=())
    rules.add(store, old, sport="run")
    assert on(store, act(store, "2026-01-31")[0]) == ("Old", "rule:1")
    assert on(store, act(store, "2026-02-01")[0]) == ("Road", "default")


# ---------------------------------------------------------------- dates and sports


def test_date_window_edges(store):
    from shoetrack import activities, shoes
    from shoetrack.errors import ShoetrackError

    p = pair(store, "Pegasus", purchased="2026-03-10", retired="2026-04-10")
    got = {
        day: act(store, day)[1] for day in ("2026-03-09", "2026-03-10", "2026-04-09", "2026-04-10")
    }
    assert {d: c.shoe.name if c.shoe else c.reason for d, c in got.items()} == {
        "2026-03-09": "no pair in use on 2026-03-09 is default for run; Pegasus was bought on "
        "2026-03-10 (worn before? `shoetrack shoe edit Pegasus --purchased YYYY-MM-DD`)",
        "2026-03-10": "Pegasus",  # the purchase day counts
        "2026-04-09": "Pegasus",
        "2026-04-10": "no pair in use on 2026-04-10 is default for run",  # the retirement day not
    }
    # Early and late hours of the edge days still fall on those local dates.
    assert act(store, "2026-03-10", hour=0)[1].shoe.name == "Pegasus"
    assert act(store, "2026-04-09", hour=23)[1].shoe.name == "Pegasus"
    assert act(store, "2026-04-10", hour=0)[1].shoe is None
    # Even by hand, a pair only takes activities from its own window.
    with pytest.raises(
        ShoetrackError,
        match=r"^Pegasus was not in use on 2026-04-10 \(in use 2026-03-10 to 2026-04-10\)$",
    ):
        activities.assign(store, 4, shoes.get(store, p.id))
    assert activities.assign(store, 3, p).by == "manual"


def test_retired_default_pair(store):
    from shoetrack.attribution import inbox

    pair(store, "Old", purchased="2025-06-01", retired="2026-05-01")
    assert on(store, act(store, "2026-04-30")[0]) == ("Old", "default")
    later, choice = act(store, "2026-05-01")
    assert choice.reason == "no pair in use on 2026-05-01 is default for run"
    [e] = inbox.entries(store)
    assert (e.activity["id"], e.suggestion, e.choices) == (
        later,
        None,
        [],
    )  # never the retired pair
    pair(store, "New", purchased="2026-05-01")
    assert on(store, act(store, "2026-05-02")[0]) == ("New", "default")
    # A pair bought now never receives earlier runs, not even as a suggestion.
    [e] = inbox.entries(store)
    assert (e.suggestion.shoe.name, e.suggestion.reason) == ("New", "default for run")
    early, _ = act(store, "2026-04-29")
    assert on(store, early) == ("Old", "default")


def test_two_defaults_land_in_inbox_with_suggestions(store):
    from shoetrack.attribution import inbox

    pair(store, "Nova", start_m=50 * MI)
    pair(store, "Pegasus", start_m=10 * MI)
    a1, c1 = act(store, "2026-03-01", 8000)
    assert c1.shoe is None
    [e] = inbox.entries(store)
    assert (e.suggestion.shoe.name, e.suggestion.reason) == (
        "Pegasus",
        "least worn of Nova, Pegasus",
    )
    assert e.waiting == "several pairs are default for run (Nova, Pegasus)"
    assert [inbox.accept(store, [e])[0].activity["id"]] == [a1]
    assert on(store, a1) == ("Pegasus", "inbox")
    # One past choice is no pattern yet: wear decides, counting each suggestion as taken.
    a2, _ = act(store, "2026-03-02", 30000)
    a3, _ = act(store, "2026-03-03", 8000)
    got = {
        e.activity["id"]: (e.suggestion.shoe.name, e.suggestion.reason)
        for e in inbox.entries(store)
    }
    assert got == {
        a2: ("Pegasus", "least worn of Nova, Pegasus"),  # Pegasus 24.1 km, Nova 80.5 km
        a3: ("Pegasus", "least worn of Nova, Pegasus"),
    }  # Pegasus 54.1 km


def test_multisport_only_run_legs_reach_a_shoe(store):
    from shoetrack.attribution import inbox

    pair(store, "Tri")
    fid = file_row(store, "/data/race/tri.fit")
    legs = [
        ("swimming", 1500),
        ("transition", 300),
        ("cycling", 40000),
        ("transition", 200),
        ("run", 10000),
    ]
    ids = [
        act(store, "2026-06-07", m, s, file_id=fid, path="/data/race/tri.fit", session=i)[0]
        for i, (s, m) in enumerate(legs)
    ]
    assert [on(store, i) for i in ids] == [None, None, None, None, ("Tri", "default")]
    assert inbox.entries(store) == []  # cross-training never waits for a pair


def test_multisport_totals_count_only_the_run(st, store):
    pair(store, "Tri")
    for i, (s, m) in enumerate([("swimming", 1500), ("cycling", 40000), ("run", 10000)]):
        act(store, "2026-06-07", m, s, session=i)
    [row] = st.json("status")
    assert row["distance_m"] == pytest.approx(10000) and row["activities"] == 1


def test_walk_and_run_defaults(store):
    from shoetrack import activities
    from shoetrack.attribution import inbox, rules

    road = pair(store, "Road")
    walk1, c = act(store, "2026-03-01", 3000, "walk")
    assert c.reason == "no pair in use on 2026-03-01 is default for walk"
    hike1, _ = act(store, "2026-03-01", 9000, "hike")
    [e1, e2] = inbox.entries(store)
    assert (e1.activity["id"], e1.suggestion, [s.name for s in e1.choices]) == (
        walk1,
        None,
        ["Road"],
    )
    assert e2.activity["id"] == hike1 and e2.suggestion is None
    # A rule without a sport is for runs: it does not pull walks onto a pair either.
    rules.add(store, road, weekdays=["sun"])
    assert date(2026, 3, 1).weekday() == 6
    assert act(store, "2026-03-01", 3000, "walk")[1].shoe is None
    pair(store, "Walkers", defaults=("walk",))
    assert on(store, act(store, "2026-03-02", 3000, "walk")[0]) == ("Walkers", "default")
    assert on(store, act(store, "2026-03-02", 9000, "hike")[0]) is None
    assert on(store, act(store, "2026-03-02", 8000, "run")[0]) == ("Road", "default")
    assert on(store, act(store, "2026-03-02", 5000, "treadmill_run")[0]) == ("Road", "default")
    # By hand, a walk may go on any pair in use.
    assert activities.assign(store, walk1, road).by == "manual"
    # A rule naming walk does apply to walks.
    r = rules.add(store, road, sport="walk", min_distance_m=5000)
    assert on(store, act(store, "2026-03-03", 6000, "walk")[0]) == ("Road", f"rule:{r['id']}")


def test_rule_by_folder(store):
    from shoetrack.attribution import chooser, rules

    pair(store, "Road")
    trail = pair(store, "Speedgoat", defaults=())
    rules.add(store, trail, path_pattern="*/Trail/*")
    f_trail = file_row(store, "/home/me/Runs/Trail/2026-03-01.fit")
    f_road = file_row(store, "/home/me/Runs/Road/2026-03-02.fit")
    a1, _ = act(store, "2026-03-01", file_id=f_trail, path="/home/me/Runs/Trail/2026-03-01.fit")
    a2, _ = act(store, "2026-03-02", file_id=f_road, path="/home/me/Runs/Road/2026-03-02.fit")
    assert [on(store, a1), on(store, a2)] == [("Speedgoat", "rule:1"), ("Road", "default")]
    row = {"id": 0, "start": "2026-03-03T12:00:00Z", "sport": "run", "distance_m": 5000.0}
    assert chooser.choose(store, row, path="C:\\Users\\me\\trail\\x.FIT").shoe.name == "Speedgoat"
    assert chooser.choose(store, row, path="Trail/x.fit").shoe.name == "Speedgoat"  # relative
    assert chooser.choose(store, row, path="/runs/Trails/x.fit").shoe.name == "Road"
    assert chooser.choose(store, row).shoe.name == "Road"  # a manual entry has no file


@pytest.mark.parametrize(
    "pattern,path,expected",
    [
        ("*/Trail/*", "/a/Trail/b.fit", True),
        ("*/Trail/*", "/a/trail/b.fit", True),
        ("*/Trail/*", "/a/Trails/b.fit", False),
        ("Trail", "/a/Trail/b.fit", True),
        ("Trail", "/a/Trails/b.fit", False),
        ("Trail", "Trail/b.fit", True),
        ("Runs/Trail", "/home/me/Runs/Trail/x/b.fit", True),
        ("/home/me/Runs", "/home/me/Runs/b.fit", True),
        ("/home/me/Runs", "/other/home/me/Runs/b.fit", False),
        ("b.fit", "/a/b.fit", True),
        ("*_race.fit", "/a/2026_race.fit", True),
        ("*_race.fit", "/a/2026_race.gpx", False),
        ("*/Trail/*", None, False),
    ],
)
def test_path_matches(pattern, path, expected):
    from shoetrack.attribution.chooser import path_matches

    assert path_matches(pattern, path) is expected


@pytest.mark.parametrize(
    "pattern,device,expected",
    [
        ("Forerunner*", "Forerunner 255", True),
        ("forerunner", "Garmin Forerunner 255", True),
        ("Forerunner*", "Garmin Forerunner 255", False),
        ("fenix", "Forerunner 255", False),
        ("fenix", None, False),
    ],
)
def test_device_matches(pattern, device, expected):
    from shoetrack.attribution.chooser import device_matches

    assert device_matches(pattern, device) is expected


def test_rule_conditions_all_must_match(store):
    from shoetrack.attribution import chooser, rules

    p = pair(store, "P", defaults=())
    rules.add(
        store,
        p,
        sport="trail_run",
        min_distance_m=5000,
        max_distance_m=10000,
        device="fenix*",
        weekdays=["sat"],
        path_pattern="Trail",
    )
    base = {
        "id": 0,
        "start": local_at("2026-03-07").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sport": "trail_run",
        "distance_m": 5000.0,
        "device": "Fenix 7",
    }
    assert date(2026, 3, 7).weekday() == 5
    path = "/r/Trail/a.fit"
    assert chooser.choose(store, base, path=path).shoe.name == "P"
    assert (
        chooser.choose(store, base | {"distance_m": 10000.0}, path=path).shoe.name == "P"
    )  # inclusive
    for change in (
        {"distance_m": 4999.0},
        {"distance_m": 10001.0},
        {"sport": "run"},
        {"device": "Forerunner"},
        {"device": None},
        {"start": local_at("2026-03-08").strftime("%Y-%m-%dT%H:%M:%SZ")},
    ):
        assert chooser.choose(store, base | change, path=path).shoe is None, change
    assert chooser.choose(store, base, path="/r/Road/a.fit").shoe is None


# ---------------------------------------------------------------- rules (core and CLI)


def test_rule_positions_stay_contiguous(store):
    from shoetrack import shoes
    from shoetrack.attribution import rules

    p = pair(store, "P", defaults=())
    q = pair(store, "Q", defaults=())
    for i in range(1, 5):
        rules.add(store, p, min_distance_m=i * 1000.0)
    assert [(r["id"], r["position"]) for r in rules.rows(store)] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert rules.add(store, q, sport="walk", position=2)["position"] == 2
    assert [r["id"] for r in rules.rows(store)] == [1, 5, 2, 3, 4]
    rules.remove(store, 2)
    rules.move(store, 4, 1)
    assert [(r["id"], r["position"]) for r in rules.rows(store)] == [(4, 1), (1, 2), (5, 3), (3, 4)]
    assert [r["position"] for r in store.q("SELECT position FROM rules ORDER BY position")] == [
        1,
        2,
        3,
        4,
    ]
    # Deleting a pair takes its rules with it; positions shown stay 1..n.
    shoes.delete(store, q)
    assert [(r["id"], r["position"]) for r in rules.rows(store)] == [(4, 1), (1, 2), (3, 3)]
    rules.move(store, 3, 1)
    assert [(r["position"]) for r in store.q("SELECT position FROM rules ORDER BY position")] == [
        1,
        2,
        3,
    ]


def test_rule_cli_add_list_move_remove(st):
    st("shoe", "add", "Road", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Speedgoat", "--purchased", "2026-01-01")
    st("shoe", "add", "Vaporfly", "--purchased", "2026-01-01")
    r = st("rule", "add", "--shoe", "speed", "--path", "*/Trail/*")
    assert r.stdout == "Added rule 1 at position 1: path */Trail/* -> Speedgoat.\n"
    r = st(
        "rule",
        "add",
        "--shoe",
        "vapor",
        "--min",
        "13",
        "--max",
        "marathon",
        "--weekday",
        "sun",
        "--weekday",
        "Saturday",
        "--device",
        "Forerunner*",
        "--sport",
        "run",
        "--position",
        "1",
    )
    assert r.stdout == (
        "Added rule 2 at position 1: run; 13.0 to 26.2 mi; device Forerunner*; sat, sun"
        " -> Vaporfly.\n"
    )
    assert st("rule", "list").stdout == (
        "pos  id  pair       when\n"
        "---  --  ---------  --------------------------------------------------\n"
        "  1   2  Vaporfly   run; 13.0 to 26.2 mi; device Forerunner*; sat, sun\n"
        "  2   1  Speedgoat  path */Trail/*\n"
        "\nFirst match wins (if its pair is in use that day); then the sport's default pair.\n"
    )
    [j2, j1] = st.json("rule", "list")
    assert j2 | {"created_at": None} == {
        "id": 2,
        "position": 1,
        "shoe": "Vaporfly",
        "shoe_id": 3,
        "sport": "run",
        "min_distance_m": pytest.approx(13 * MI),
        "max_distance_m": pytest.approx(42195),
        "device": "Forerunner*",
        "weekdays": ["sat", "sun"],
        "path_pattern": None,
        "created_at": None,
    }
    assert (j1["id"], j1["position"], j1["path_pattern"]) == (1, 2, "*/Trail/*")
    assert st("rule", "move", "1", "1").stdout == "Moved rule 1 to position 1.\n"
    assert [r["id"] for r in st.json("rule", "list")] == [1, 2]
    assert st("rule", "remove", "1").stdout == "Removed rule 1: path */Trail/* -> Speedgoat.\n"
    assert [(r["id"], r["position"]) for r in st.json("rule", "list")] == [(2, 1)]
    st("--units", "km", "rule", "add", "--shoe", "road", "--max", "5")
    assert st.json("rule", "list")[1]["max_distance_m"] == pytest.approx(5000)
    st("rule", "remove", "2")
    st("rule", "remove", "3")
    assert (
        st("rule", "list").stdout
        == "No rules: activities go on the pair that is default for their sport.\n"
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--shoe", "Road"],
            (
                "Error: a rule needs at least one condition (--sport, --min, --max, --device, "
                "--weekday or --path); to make a pair the default, use "
                "`shoetrack shoe edit NAME --default-for SPORT`"
            ),
        ),
        (
            ["--shoe", "Nope", "--sport", "run"],
            "Error: no pair matches 'Nope' (see `shoetrack shoe list`)",
        ),
        (
            ["--shoe", "Road", "--sport", "cycling"],
            "Error: cycling never counts on shoes: a rule for it would never apply",
        ),
        (["--shoe", "Road", "--sport", "yoga"], None),
        (
            ["--shoe", "Road", "--min", "10mi", "--max", "5mi"],
            "Error: the minimum distance is larger than the maximum",
        ),
        (["--shoe", "Road", "--min", "ten"], None),
        (
            ["--shoe", "Road", "--weekday", "sa"],
            "Error: unknown weekday 'sa' (use mon, tue, wed, thu, fri, sat or sun)",
        ),
        (["--shoe", "Road", "--path", "/"], "Error: the path pattern is empty"),
        (["--shoe", "Road", "--device", " "], "Error: the device pattern is empty"),
        (
            ["--shoe", "Road", "--sport", "run", "--position", "3"],
            "Error: position must be between 1 and 2",
        ),
        (
            ["--shoe", "Road", "--sport", "run", "--position", "0"],
            "Error: position must be between 1 and 2",
        ),
    ],
)
def test_rule_add_errors(st, args, message):
    st("shoe", "add", "Road", "--purchased", "2026-01-01", "--default-for", "run")
    st("rule", "add", "--shoe", "Road", "--sport", "trail")
    before = db_dump(st.db)
    r = st("rule", "add", *args, code=2)
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1
    if message:
        assert r.stderr == message + "\n"
    assert db_dump(st.db) == before


def test_rule_remove_move_errors(st):
    st("shoe", "add", "Road", "--purchased", "2026-01-01")
    st("rule", "add", "--shoe", "Road", "--sport", "trail")
    assert (
        st("rule", "remove", "7", code=2).stderr
        == "Error: no rule with id 7 (see `shoetrack rule list`)\n"
    )
    assert (
        st("rule", "move", "7", "1", code=2).stderr
        == "Error: no rule with id 7 (see `shoetrack rule list`)\n"
    )
    assert (
        st("rule", "move", "1", "2", code=2).stderr == "Error: position must be between 1 and 1\n"
    )


def test_rule_change_never_rewrites_history(st):
    st("shoe", "add", "Road", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Race", "--purchased", "2026-01-01")
    st("log", "13.1mi", "--date", "2026-03-01")
    st("log", "5mi", "--date", "2026-03-02")
    before = db_dump(st.db)["assignments"]
    r = st("rule", "add", "--shoe", "race", "--min", "13mi")
    assert r.stdout == (
        "Added rule 1 at position 1: at least 13.0 mi -> Race.\n"
        "1 past activity would change: run `shoetrack reassign` to review, "
        "`shoetrack reassign --apply` to apply.\n"
    )
    assert db_dump(st.db)["assignments"] == before
    st("shoe", "edit", "Road", "--purchased", "2026-03-02")  # a pair's dates: same
    assert db_dump(st.db)["assignments"] == before
    assert st.json("activities")[1]["assigned_by"] == "default"


# ---------------------------------------------------------------- reassign


@pytest.fixture
def history(st):
    """Road (default run), Race, Walkers; six activities; then a rule and a pair-date change
    made after the fact, so that reassign has work to do."""
    st("shoe", "add", "Road", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Race", "--purchased", "2026-01-01")
    st("shoe", "add", "Walkers", "--purchased", "2026-01-01", "--default-for", "walk")
    st("log", "13.1mi", "--date", "2026-03-01")  # 1 default Road -> rule Race
    st("log", "5mi", "--date", "2026-03-02")  # 2 default Road, stays
    st("log", "26.2mi", "--date", "2026-03-08", "--shoe", "road")  # 3 manual Road: never moves
    st("log", "3mi", "--date", "2026-03-09", "--sport", "walk")  # 4 default Walkers
    st("log", "15mi", "--date", "2026-04-05")  # 5 default Road -> rule Race
    st("log", "14mi", "--date", "2026-04-06", "--sport", "cycling")  # 6 cross-training
    st("rule", "add", "--shoe", "race", "--min", "13mi", "--sport", "run")
    # Walkers were in fact bought later: the March walk was on no walking pair.
    st("shoe", "edit", "Walkers", "--purchased", "2026-03-10")
    return st


WALK_WHY = (
    "no pair in use on 2026-03-09 is default for walk; Walkers was bought on 2026-03-10 "
    "(worn before? `shoetrack shoe edit Walkers --purchased YYYY-MM-DD`)"
)


def test_reassign_dry_run_table(history):
    st = history
    before = db_dump(st.db)
    r = st("reassign")
    assert r.stdout == (
        "id  date        sport  distance  from               to       why\n"
        "--  ----------  -----  --------  -----------------  -------  " + "-" * len(WALK_WHY) + "\n"
        " 1  2026-03-01  run     13.1 mi  Road (default)     Race     rule 1\n"
        " 4  2026-03-09  walk     3.0 mi  Walkers (default)  (inbox)  " + WALK_WHY + "\n"
        " 5  2026-04-05  run     15.0 mi  Road (default)     Race     rule 1\n"
        "\n"
        "pair       loses    gains       net\n"
        "-------  -------  -------  --------\n"
        "Race      0.0 mi  28.1 mi  +28.1 mi\n"
        "Road     28.1 mi   0.0 mi  -28.1 mi\n"
        "Walkers   3.0 mi   0.0 mi   -3.0 mi\n"
        "(inbox)   0.0 mi   3.0 mi   +3.0 mi\n"
        "\n"
        "3 activities would change. Nothing changed yet: run again with --apply.\n"
    )
    assert db_dump(st.db) == before


def test_reassign_dry_run_is_exactly_what_apply_does(history):
    st = history
    before = assignments(st.db)
    dry = st.json("reassign")
    assert dry["applied"] is False
    applied = st.json("reassign", "--apply")
    assert applied["applied"] is True
    assert applied["changes"] == dry["changes"] and applied["moved"] == dry["moved"]
    # The database moved by exactly the planned changes, and nothing else.
    expected = dict(before)
    for c in dry["changes"]:
        if c["new_shoe"] is None:
            del expected[c["activity_id"]]
        else:
            expected[c["activity_id"]] = (c["new_shoe"], c["new_by"])
    assert assignments(st.db) == expected
    assert expected == {
        1: ("Race", "rule:1"),
        2: ("Road", "default"),
        3: ("Road", "manual"),
        5: ("Race", "rule:1"),
    }
    # Once applied, nothing is left to do.
    assert (
        st("reassign").stdout
        == "Nothing to change: every automatic choice in range is up to date.\n"
    )
    assert st.json("reassign") == {"applied": False, "changes": [], "moved": []}


def test_reassign_apply_output_and_totals_exact(history):
    st = history
    status = {r["name"]: r["distance_m"] for r in st.json("status")}
    assert status == pytest.approx(
        {"Road": (13.1 + 5 + 26.2 + 15) * MI, "Race": 0, "Walkers": 3 * MI}
    )
    dry = st("reassign").stdout
    r = st("reassign", "--apply")
    assert r.stdout == dry.replace(
        "3 activities would change. Nothing changed yet: run again with --apply.",
        "Changed 3 activities.",
    )
    status = {r["name"]: r["distance_m"] for r in st.json("status")}
    assert status == pytest.approx(
        {"Road": (5 + 26.2) * MI, "Race": (13.1 + 15) * MI, "Walkers": 0}
    )
    acts = {a["id"]: (a["shoe"], a["assigned_by"]) for a in st.json("activities")}
    assert acts == {
        1: ("Race", "rule:1"),
        2: ("Road", "default"),
        3: ("Road", "manual"),
        4: (None, None),
        5: ("Race", "rule:1"),
        6: (None, None),
    }


def test_manual_and_inbox_choices_survive_reassign_apply(st):
    st("shoe", "add", "Nova", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")
    for d in ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"):
        st("log", "5mi", "--date", d)
    st("activity", "assign", "1", "Nova")
    st("inbox", "--accept")  # 2, 3, 4 take suggestions: by 'inbox'
    st("rule", "add", "--shoe", "pegasus", "--sport", "run")  # would catch every run
    before = assignments(st.db)
    assert before == {
        1: ("Nova", "manual"),
        2: ("Pegasus", "inbox"),
        3: ("Nova", "inbox"),
        4: ("Pegasus", "inbox"),
    }
    assert st.json("reassign", "--apply")["changes"] == []
    assert assignments(st.db) == before
    st("log", "5mi", "--date", "2026-03-05")  # a new run does follow the rule
    assert assignments(st.db)[5] == ("Pegasus", "rule:1")


def test_reassign_filters(history):
    st = history

    def ids(*a):
        return [c["activity_id"] for c in st.json("reassign", *a)["changes"]]

    assert ids() == [1, 4, 5]
    assert ids("--shoe", "walkers") == [4]
    assert ids("--shoe", "race") == [1, 5]
    assert ids("--from", "2026-03-09") == [4, 5]
    assert ids("--to", "2026-03-09") == [1, 4]
    assert ids("--from", "2026-03-02", "--to", "2026-04-04") == [4]
    assert ids("--sport", "walking") == [4]
    st("reassign", "--apply", "--shoe", "walkers")
    assert ids() == [1, 5]
    r = st("reassign", "--from", "2026-04-01", "--to", "2026-03-01", code=2)
    assert r.stderr == "Error: Invalid value for --from: --from is after --to\n"
    assert st("reassign", "--sport", "yoga", code=2).stderr.startswith(
        "Error: Invalid value for --sport: unknown sport 'yoga';"
    )


def test_reassign_relabels_and_backfills(store):
    from shoetrack.attribution import reassign, rules

    road = pair(store, "Road")
    r = rules.add(store, road, sport="run", min_distance_m=1)
    a1, _ = act(store, "2026-03-01")
    assert on(store, a1) == ("Road", f"rule:{r['id']}")
    rules.remove(store, r["id"])
    [c] = reassign.plan(store)
    assert (
        c.activity["id"],
        c.old_shoe.name,
        c.old_by,
        c.new_shoe.name,
        c.new_by,
        c.why,
        c.moves,
    ) == (a1, "Road", "rule:1", "Road", "default", "default for run", False)
    assert reassign.moved([c]) == []
    reassign.apply(store, [c])
    assert on(store, a1) == ("Road", "default")
    # Backfill: history imported before any pair existed goes on a pair bought back then.
    with store.write():
        store.conn.execute("DELETE FROM shoes")  # takes #1's assignment with it
    a2, choice = act(store, "2025-06-01", 5000)
    assert choice.shoe is None
    pair(store, "Old", purchased="2025-01-01", retired="2026-01-01")
    pair(store, "Now", purchased="2026-01-01")
    changes = reassign.plan(store)
    assert [(c.activity["id"], c.old_shoe, c.new_shoe.name, c.new_by) for c in changes] == [
        (a2, None, "Old", "default"),
        (a1, None, "Now", "default"),
    ]
    assert reassign.moved(changes) == [
        {"shoe": "Now", "lost_m": 0.0, "gained_m": 8000.0, "net_m": 8000.0},
        {"shoe": "Old", "lost_m": 0.0, "gained_m": 5000.0, "net_m": 5000.0},
        {"shoe": None, "lost_m": 13000.0, "gained_m": 0.0, "net_m": -13000.0},
    ]


def test_reassign_apply_refuses_a_stale_plan(store):
    from shoetrack import activities
    from shoetrack.attribution import reassign, rules
    from shoetrack.errors import ShoetrackError

    road = pair(store, "Road")
    race = pair(store, "Race", defaults=())
    a1, _ = act(store, "2026-03-01", 20000)
    a2, _ = act(store, "2026-03-02", 21000)
    rules.add(store, race, min_distance_m=15000)
    changes = reassign.plan(store)
    assert [c.activity["id"] for c in changes] == [a1, a2]
    activities.assign(store, a2, road)  # changed by hand after the plan was made
    with pytest.raises(ShoetrackError, match=rf"^activity #{a2} changed since the plan was made"):
        reassign.apply(store, changes)
    assert [on(store, a1), on(store, a2)] == [
        ("Road", "default"),
        ("Road", "manual"),
    ]  # nothing applied


def test_ignored_activities_never_count_and_never_move(st):
    st("shoe", "add", "Road", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Nova", "--purchased", "2026-01-01", "--default-for", "run")
    st("log", "1mi", "--date", "2026-03-01")
    st("log", "5mi", "--date", "2026-03-02", "--shoe", "road")
    from shoetrack.attribution import inbox
    from shoetrack.store import open_store

    s = open_store(st.db)
    inbox.ignore(s, 1)
    s.close()
    assert st.json("inbox") == []
    st("shoe", "edit", "Nova", "--no-defaults")
    assert st.json("reassign")["changes"] == []  # Road alone is default now, but #1 is ignored
    assert {r["name"]: r["distance_m"] for r in st.json("status")} == pytest.approx(
        {"Road": 5 * MI, "Nova": 0}
    )
    assert "(ignored)" in st("activities").stdout
    st("activity", "unassign", "1")  # brings it back
    assert [e["id"] for e in st.json("inbox")] == [1]


# ---------------------------------------------------------------- inbox CLI


@pytest.fixture
def rotation(st):
    """Two defaults for running and a walking pair that is default for nothing: every activity
    logged waits in the inbox."""
    st("shoe", "add", "Nova", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "Walkers", "--purchased", "2026-01-01")
    st("log", "5mi", "--date", "2026-03-01")  # 1
    st("log", "3mi", "--date", "2026-03-02", "--sport", "walk")  # 2
    st("log", "10k", "--date", "2026-03-03")  # 3
    st("log", "1mi", "--date", "2026-03-04")  # 4 a test recording
    st("log", "5mi", "--date", "2026-03-05")  # 5
    st("log", "20k", "--date", "2026-03-05", "--sport", "cycling")  # 6 never in the inbox
    return st


def test_inbox_list(rotation):
    st = rotation
    assert st("inbox").stdout == (
        "id  date        sport  distance  name  suggested  because\n"
        "--  ----------  -----  --------  ----  ---------  ------------------------------------------------\n"
        " 1  2026-03-01  run      5.0 mi        Nova       least worn of Nova, Pegasus\n"
        " 2  2026-03-02  walk     3.0 mi        -          no pair in use on 2026-03-02 is default for walk\n"
        " 3  2026-03-03  run      6.2 mi        Pegasus    least worn of Nova, Pegasus\n"
        " 4  2026-03-04  run      1.0 mi        Nova       least worn of Nova, Pegasus\n"
        " 5  2026-03-05  run      5.0 mi        Nova       least worn of Nova, Pegasus\n"
        "\n5 activities wait for a pair: `shoetrack inbox --pick` to go through them, "
        "`--accept` to take every suggestion.\n"
    )
    first = st.json("inbox")[0]
    assert first == {
        "id": 1,
        "start": first["start"],
        "date": "2026-03-01",
        "sport": "run",
        "distance_m": pytest.approx(5 * MI),
        "name": None,
        "file": None,
        "waiting": "several pairs are default for run (Nova, Pegasus)",
        "suggestion": {"shoe": "Nova", "shoe_id": 1, "reason": "least worn of Nova, Pegasus"},
        "choices": ["Nova", "Pegasus", "Walkers"],
        "predates": [],
    }


def test_inbox_accept(rotation):
    st = rotation
    listed = st.json("inbox")
    r = st("inbox", "--accept")
    assert r.stdout == (
        "#1 2026-03-01 run 5.0 mi -> Nova (least worn of Nova, Pegasus)\n"
        "#3 2026-03-03 run 6.2 mi -> Pegasus (least worn of Nova, Pegasus)\n"
        "#4 2026-03-04 run 1.0 mi -> Nova (least worn of Nova, Pegasus)\n"
        "#5 2026-03-05 run 5.0 mi -> Nova (least worn of Nova, Pegasus)\n"
        "Assigned 4 activities; 1 without a suggestion stay in the inbox.\n"
    )
    # Exactly the listed suggestions were taken.
    assert assignments(st.db) == {
        e["id"]: (e["suggestion"]["shoe"], "inbox") for e in listed if e["suggestion"]
    }
    assert [e["id"] for e in st.json("inbox")] == [2]
    # Each suggestion counted the ones before it: the rotation is spread, not piled on Nova.
    assert [p["distance_m"] for p in st.json("status")[:2]] == pytest.approx([11 * MI, 10000])
    assert (
        st("inbox", "--accept").stdout
        == "Assigned 0 activities; 1 without a suggestion stay in the inbox.\n"
    )
    assert st("inbox", "--pick", "--accept", code=2).stderr == (
        "Error: use --pick or --accept, not both (see 'shoetrack inbox --help')\n"
    )


PICK_HEAD = "[{n}/5] #{id} {day} {sport} {dist}\n"
PROMPT = "    1-3 pair, Enter suggestion, s skip, i ignore, q quit: "
NO_SUGGESTION_PROMPT = "    1-3 pair, s skip, i ignore, q quit: "
CHOICES = "    1 Nova   2 Pegasus   3 Walkers\n"
TWO_DEFAULTS = "    waiting: several pairs are default for run (Nova, Pegasus)\n"


def test_inbox_pick_through_cli_runner(rotation):
    st = rotation
    # x: unknown key; 2: Pegasus. Enter on the walk: no suggestion; 3: Walkers. Enter on #3: its
    # suggestion (Nova: least worn now that #1 is on Pegasus). i: ignore #4. s: skip #5.
    r = st("inbox", "--pick", input="x2\n3\nis")
    assert r.stdout == (
        "\n[1/5] #1 2026-03-01 run 5.0 mi\n"
        + TWO_DEFAULTS
        + "    suggested: Nova (least worn of Nova, Pegasus)\n"
        + CHOICES
        + PROMPT
        + "unknown key 'x': press a number, Enter, s, i or q\n"
        + PROMPT
        + "-> Pegasus\n"
        "\n[2/5] #2 2026-03-02 walk 3.0 mi\n"
        "    waiting: no pair in use on 2026-03-02 is default for walk\n"
        + CHOICES
        + NO_SUGGESTION_PROMPT
        + "no suggestion: press a pair's number, s, i or q\n"
        + NO_SUGGESTION_PROMPT
        + "-> Walkers\n"
        "\n[3/5] #3 2026-03-03 run 6.2 mi\n"
        + TWO_DEFAULTS
        + "    suggested: Nova (least worn of Nova, Pegasus)\n"
        + CHOICES
        + PROMPT
        + "-> Nova\n"
        "\n[4/5] #4 2026-03-04 run 1.0 mi\n"
        + TWO_DEFAULTS
        + "    suggested: Pegasus (least worn of Nova, Pegasus)\n"
        + CHOICES
        + PROMPT
        + "ignored: it will never count\n"
        "\n[5/5] #5 2026-03-05 run 5.0 mi\n"
        + TWO_DEFAULTS
        + "    suggested: Pegasus (least worn of Nova, Pegasus)\n"
        + CHOICES
        + PROMPT
        + "skipped\n"
        "\n3 assigned, 1 ignored, 1 skipped; 1 still in the inbox.\n"
    )
    assert assignments(st.db) == {
        1: ("Pegasus", "manual"),
        2: ("Walkers", "manual"),
        3: ("Nova", "inbox"),
    }
    acts = {a["id"]: a for a in st.json("activities")}
    assert (acts[4]["ignored"], acts[4]["shoe"]) == (True, None)
    assert {r["name"]: r["distance_m"] for r in st.json("status")} == pytest.approx(
        {"Nova": 10000, "Pegasus": 5 * MI, "Walkers": 3 * MI}
    )
    # q quits at once; so does the end of input.
    r = st("inbox", "--pick", input="q")
    assert r.stdout.endswith(
        PROMPT + "quit\n\n0 assigned, 0 ignored, 0 skipped (quit); 1 still in the inbox.\n"
    )
    r = st("inbox", "--pick", input="")
    assert r.stdout.endswith("(quit); 1 still in the inbox.\n")
    r = st("inbox", "--pick", input="9")
    assert "no pair 9: press 1-3, Enter, s, i or q" in r.stdout


def test_inbox_pick_empty_and_not_in_use(st):
    assert (
        st("inbox", "--pick").stdout
        == "The inbox is empty: every shoe activity is on a pair or ignored.\n"
    )
    assert (
        st("inbox").stdout == "The inbox is empty: every shoe activity is on a pair or ignored.\n"
    )
    st("log", "5mi", "--date", "2026-03-01")
    r = st("inbox", "--pick", input="1i")
    assert r.stdout == (
        "\n[1/1] #1 2026-03-01 run 5.0 mi\n"
        "    waiting: no pair in use on 2026-03-01 is default for run\n"
        "    no pair was in use on that date\n"
        "    s skip, i ignore, q quit: no pair is in use on that date: press s, i or q\n"
        "    s skip, i ignore, q quit: ignored: it will never count\n"
        "\n0 assigned, 1 ignored, 0 skipped; 0 still in the inbox.\n"
    )


def _read_until(fd: int, needle: bytes, buf: bytearray, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(
                f"timed out waiting for {needle!r}; got:\n{buf.decode(errors='replace')}"
            )
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(
                    f"terminal closed before {needle!r}; got:\n{buf.decode(errors='replace')}"
                )
            buf.extend(chunk)


def _send_key_when_raw(fd: int, key: bytes, timeout: float = 20.0) -> None:
    """Wait until the program has put the terminal in raw mode (click.getchar is reading), then
    press the key: keys typed earlier would be flushed when raw mode starts."""
    import termios

    deadline = time.monotonic() + timeout
    while termios.tcgetattr(fd)[3] & termios.ICANON:
        if time.monotonic() > deadline:
            raise AssertionError("the program never read a key")
        time.sleep(0.01)
    os.write(fd, key)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")
def test_inbox_pick_in_a_real_terminal(rotation, tmp_path):
    import pty

    st = rotation
    env = dict(
        os.environ,
        SHOETRACK_DB=str(st.db),
        SHOETRACK_CONFIG=str(tmp_path / "config.toml"),
        TERM="xterm",
        COLUMNS="100",
    )
    pid, fd = pty.fork()
    if pid == 0:  # the child: shoetrack on the terminal's other end
        os.execve(sys.executable, [sys.executable, "-m", "shoetrack", "inbox", "--pick"], env)
    buf = bytearray()
    try:
        # One keypress each: 2 = Pegasus; 3 = Walkers for the walk; Enter (a raw terminal sends
        # CR) = the suggestion; i = ignore; an arrow key (an escape sequence) is one unknown key; q.
        for key, result in [
            (b"2", b"-> Pegasus"),
            (b"3", b"-> Walkers"),
            (b"\r", b"-> Nova"),
            (b"i", b"ignored: it will never count"),
            (b"\x1b[A", b"unknown key"),
            (b"q", b"still in the inbox."),
        ]:
            _read_until(fd, b"q quit: ", buf)
            del buf[:]
            _send_key_when_raw(fd, key)
            _read_until(fd, result, buf)
        _, status = os.waitpid(pid, 0)
        pid = None
        text = buf.decode().replace("\r\n", "\n")
        assert "quit\n\n3 assigned, 1 ignored, 0 skipped (quit); 1 still in the inbox." in text
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    assert assignments(st.db) == {
        1: ("Pegasus", "manual"),
        2: ("Walkers", "manual"),
        3: ("Nova", "inbox"),
    }
    assert [e["id"] for e in st.json("inbox")] == [5]


def test_inbox_pick_without_a_terminal_says_so(rotation, tmp_path):
    st = rotation
    env = dict(os.environ, SHOETRACK_DB=str(st.db), SHOETRACK_CONFIG=str(tmp_path / "config.toml"))
    # start_new_session: no controlling terminal, so /dev/tty cannot be opened either.
    p = subprocess.run(
        [sys.executable, "-m", "shoetrack", "inbox", "--pick"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
        check=False,
    )
    assert p.returncode == 1
    assert p.stderr == (
        "Error: inbox --pick needs a terminal: use `shoetrack inbox --accept` or "
        "`shoetrack activity assign ID PAIR`\n"
    )
    assert p.stdout.endswith("q quit: \n")
    assert json.loads(st("inbox", "--json").stdout)[0]["id"] == 1


# ---------------------------------------------------------------- rotation and learned suggestions


def test_inbox_accept_spreads_a_rotation(st):
    """Two pairs default for runs, 23 runs waiting: each suggestion counts the ones before it,
    so "least worn" alternates instead of piling every run on one pair."""
    st("shoe", "add", "Alpha", "--purchased", "2026-01-01", "--default-for", "run")
    st(
        "shoe",
        "add",
        "Bravo",
        "--purchased",
        "2026-01-01",
        "--default-for",
        "run",
        "--start-distance",
        "40k",
    )
    for i in range(23):
        st("log", "8k", "--date", f"2026-03-{i + 1:02d}")
    listed = st.json("inbox")
    # Alpha catches up over the first five runs (a tie at 40 km goes to the first name), then
    # they alternate.
    expected = "AAAAAA" + "BA" * 8 + "B"
    assert "".join(e["suggestion"]["shoe"][0] for e in listed) == expected
    assert {e["suggestion"]["reason"] for e in listed} == {"least worn of Alpha, Bravo"}
    r = st("inbox", "--accept")
    assert r.stdout.splitlines()[-1] == "Assigned 23 activities."
    got = assignments(st.db)
    assert "".join(got[i + 1][0][0] for i in range(23)) == expected
    assert {p["name"]: (p["activities"], p["distance_m"]) for p in st.json("status")} == {
        "Alpha": (14, pytest.approx(112000)),
        "Bravo": (9, pytest.approx(40000 + 72000)),
    }


def _history(store):
    """Eight weeks of a runner's own choices: the long Sunday run in Cushion, Tuesday intervals
    in Light, Thursday trails in Trail, Wednesday treadmill runs in Tread, and Saturday easy
    runs split between Cushion and Light. All four pairs are default for runs (a rotation)."""
    from importers.model import Activity
    from shoetrack import activities
    from shoetrack.attribution import chooser

    pairs = {n: pair(store, n) for n in ("Cushion", "Light", "Trail", "Tread")}
    week = [  # (weekday offset from Sunday 2026-03-01, hour, sport, km, min/km, gps, pair)
        (0, 8, "run", 22, 5.7, True, "Cushion"),
        (2, 18, "run", 10, 4.3, True, "Light"),
        (4, 7, "trail_run", 12, 6.5, True, "Trail"),
        (3, 19, "treadmill_run", 8, 5.5, False, "Tread"),
        (6, 9, "run", 8, 5.8, True, None),
    ]
    with store.write():
        for w in range(8):
            for off, hour, sport, km, pace, gps, name in week:
                day = date(2026, 3, 1).toordinal() + 7 * w + off
                a = Activity(
                    start=local_at(date.fromordinal(day).isoformat(), hour),
                    sport=sport,
                    distance_m=km * 1000,
                    source="fit",
                    elapsed_s=km * pace * 60,
                    has_gps=gps,
                )
                aid = activities.insert(store, a)
                name = name or ("Cushion", "Light")[w % 2]
                activities.set_assignment(
                    store, aid, chooser.Choice(pairs[name], "manual", "manual")
                )
    return pairs


def test_learned_suggestions_follow_the_runner_s_rotation(st, store):
    from importers.model import Activity
    from shoetrack import activities

    _history(store)
    waiting = [  # date, hour, sport, km, min/km, gps
        ("2026-04-26", 8, "run", 24, 5.6, True),  # a Sunday long run
        ("2026-04-28", 18, "run", 9, 4.2, True),  # Tuesday intervals
        ("2026-04-30", 7, "trail_run", 14, 6.8, True),  # a trail
        ("2026-04-29", 19, "treadmill_run", 6, 5.4, False),  # the treadmill
        ("2026-05-02", 9, "run", 8, 5.8, True),  # Saturday easy: split 4/4
    ]
    with store.write():
        for day, hour, sport, km, pace, gps in waiting:
            activities.insert(
                store,
                Activity(
                    start=local_at(day, hour),
                    sport=sport,
                    distance_m=km * 1000,
                    source="fit",
                    elapsed_s=km * pace * 60,
                    has_gps=gps,
                ),
            )
    got = [
        (e["date"], e["suggestion"]["shoe"], e["suggestion"]["reason"]) for e in st.json("inbox")
    ]
    assert got == [
        ("2026-04-26", "Cushion", "like your 8 long Sunday runs"),
        ("2026-04-28", "Light", "like your 8 mid-length Tuesday runs"),
        ("2026-04-29", "Tread", "like your 8 mid-length treadmill runs"),
        ("2026-04-30", "Trail", "like your 8 longer trail runs"),
        # Split 4/4 between Cushion and Light: wear decides between those two only (Light has
        # 121 km with the Tuesday run listed before it, Cushion 232 km).
        ("2026-05-02", "Light", "least worn of Cushion, Light, worn for runs like this"),
    ]
    text = st("inbox").stdout
    assert "Cushion    like your 8 long Sunday runs" in text
    # Automatic choices teach nothing: the same history recorded as `default` leaves wear to decide.
    store.conn.execute("UPDATE assignments SET by = 'default'")
    store.conn.commit()
    assert {e["suggestion"]["reason"] for e in st.json("inbox")} == {
        "least worn of Cushion, Light, Trail, Tread"
    }


def test_migration_0003_reads_old_filled_in_purchase_dates_as_unknown(tmp_path):
    """Old versions filled a missing purchase date with the day the pair was added: from a
    database at the previous version, such dates become unknown; real ones stay."""
    import sqlite3

    import sqlite_utils

    from shoetrack.store import MIGRATIONS, open_store

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="0003_attrib")
    assert "0003_attrib" not in [m.name for m in MIGRATIONS.applied(db)]
    added = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    local_day = added.astimezone().date().isoformat()
    for name, bought in (("Filled", local_day), ("Real", "2026-01-05")):
        db.execute(
            "INSERT INTO shoes (name, purchased_on, created_at) VALUES (?, ?, ?)",
            [name, bought, "2026-11-20T12:00:00Z"],
        )
    db.conn.commit()
    db.close()
    store = open_store(path)
    try:
        assert {r["name"]: r["purchased_on"] for r in store.q("SELECT * FROM shoes")} == {
            "Filled": None,
            "Real": "2026-01-05",
        }
        assert MIGRATIONS.pending(store.db) == []
    finally:
        store.close()
