"""`shoetrack shoe ...` through the CLI: every subcommand and its errors."""

import pytest
from helpers import db_dump

MI = 1609.344


def test_add_list_show(st):
    r = st(
        "shoe",
        "add",
        "Pegasus 40",
        "--brand",
        "Nike",
        "--model",
        "Pegasus 40",
        "--purchased",
        "2026-01-10",
        "--start-distance",
        "40mi",
        "--warn",
        "350mi",
        "--replace",
        "550mi",
        "--default-for",
        "run",
        "--default-for",
        "treadmill",
        "--cost",
        "130",
        "--notes",
        "daily trainer",
        "--max-age",
        "12",
    )
    assert (
        r.stdout == "Added Pegasus 40 (in use from 2026-01-10, default for run, treadmill_run).\n"
    )
    [row] = st.json("shoe", "list")
    assert row["name"] == "Pegasus 40"
    assert row["default_sports"] == ["run", "treadmill_run"]
    assert row["start_distance_m"] == pytest.approx(40 * MI)
    assert row["warn_at_m"] == pytest.approx(350 * MI)
    assert row["replace_at_m"] == pytest.approx(550 * MI)
    assert row["distance_m"] == pytest.approx(40 * MI)
    shown = st.json("shoe", "show", "peg")
    assert shown["cost"] == 130 and shown["notes"] == "daily trainer"
    assert shown["max_age_days"] == 365
    text = st("shoe", "show", "PEG").stdout
    assert "Distance:    40.0 mi (0.0 mi tracked + 40.0 mi starting)" in text
    assert "Window:      warn 350.0 mi, replace 550.0 mi" in text
    table = st("shoe", "list").stdout.splitlines()
    assert table[0].split() == ["name", "shoe", "default", "for", "purchased", "distance"]
    assert "Pegasus 40" in table[2] and table[2].endswith("40.0 mi")


def test_defaults_from_config_and_units_km(st, tmp_path):
    (tmp_path / "config.toml").write_text(
        'units = "km"\n[thresholds]\nwarn = "400km"\nreplace = "700km"\n'
    )
    st("shoe", "add", "A", "--start-distance", "10")  # bare number: km from the config
    [row] = st.json("status")
    assert row["start_distance_m"] == pytest.approx(10000)
    assert row["warn_at_m"] == pytest.approx(400000)
    assert row["replace_at_m"] == pytest.approx(700000)


def test_names_unique_regardless_of_case(st):
    st("shoe", "add", "Pegasus")
    before = db_dump(st.db)
    r = st("shoe", "add", "pegasus", code=1)
    assert r.stderr == "Error: a pair named 'pegasus' already exists\n"
    assert db_dump(st.db) == before


def test_prefix_and_ambiguity(st):
    st("shoe", "add", "Pegasus 40")
    st("shoe", "add", "Pegasus 41")
    st("shoe", "add", "Speedgoat")
    assert st.json("shoe", "show", "speed")["name"] == "Speedgoat"
    r = st("shoe", "show", "peg", code=2)
    assert r.stderr == "Error: 'peg' is ambiguous: it matches Pegasus 40, Pegasus 41\n"
    r = st("shoe", "show", "nothing", code=2)
    assert r.stderr == "Error: no pair matches 'nothing' (see `shoetrack shoe list`)\n"
    # An exact name wins over being a prefix of another name.
    st("shoe", "add", "Peg")
    assert st.json("shoe", "show", "peg")["name"] == "Peg"


def test_edit(st):
    st("shoe", "add", "Pegasus", "--default-for", "run")
    r = st(
        "shoe", "edit", "peg", "--brand", "Nike", "--warn", "320mi", "--default-for", "trail_run"
    )
    assert r.stdout == "Updated Pegasus.\n"
    row = st.json("shoe", "show", "Pegasus")
    assert row["brand"] == "Nike"
    assert row["warn_at_m"] == pytest.approx(320 * MI)
    assert row["default_sports"] == ["trail_run"]
    st("shoe", "edit", "peg", "--no-defaults")
    assert st.json("shoe", "show", "Pegasus")["default_sports"] == []
    r = st("shoe", "edit", "peg", code=2)
    assert "nothing to change" in r.stderr


def test_edit_window_validation_leaves_db_unchanged(st):
    st("shoe", "add", "Pegasus", "--warn", "300mi", "--replace", "500mi")
    before = db_dump(st.db)
    r = st("shoe", "edit", "peg", "--warn", "600mi", code=2)
    assert r.stderr == "Error: the replace distance must be larger than the warn distance\n"
    assert db_dump(st.db) == before
    r = st("shoe", "add", "X", "--purchased", "2999-01-01", code=2)
    assert r.stderr == "Error: purchased on 2999-01-01 is in the future\n"
    r = st("shoe", "add", "X", "--start-distance", "-3mi", code=2)
    assert "distance must not be negative" in r.stderr
    assert db_dump(st.db) == before


def test_retire_unretire(st):
    st("shoe", "add", "Old", "--purchased", "2025-01-01")
    assert (
        st("shoe", "retire", "old", "--date", "2026-06-01").stdout
        == "Retired Old from 2026-06-01.\n"
    )
    assert st.json("status") == []
    [row] = st.json("status", "--all")
    assert row["state"] == "retired" and row["retired_on"] == "2026-06-01"
    assert (
        st("shoe", "retire", "old", code=1).stderr
        == "Error: Old is already retired (since 2026-06-01)\n"
    )
    assert st("shoe", "unretire", "old").stdout == "Old is in use again.\n"
    assert st.json("status")[0]["retired_on"] is None
    assert st("shoe", "unretire", "old", code=1).stderr == "Error: Old is not retired\n"


def test_retire_before_purchase_refused(st):
    st("shoe", "add", "Old", "--purchased", "2025-01-01")
    r = st("shoe", "retire", "old", "--date", "2024-01-01", code=2)
    assert r.stderr == "Error: a pair cannot be retired before it was bought\n"
    assert st.json("status")[0]["retired_on"] is None


def test_rename(st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01")
    st("shoe", "add", "Other")
    st("log", "5mi", "--shoe", "Pegasus", "--date", "2026-02-01")
    assert st("shoe", "rename", "peg", "Pegasus 40").stdout == "Renamed Pegasus to Pegasus 40.\n"
    assert st.json("activities")[0]["shoe"] == "Pegasus 40"
    r = st("shoe", "rename", "Pegasus 40", "OTHER", code=1)
    assert r.stderr == "Error: a pair named 'OTHER' already exists\n"
    st("shoe", "rename", "Pegasus 40", "pegasus 40")  # a change of case only is allowed
    assert st.json("shoe", "show", "peg")["name"] == "pegasus 40"


def test_delete_needs_force_with_activities(st):
    st("shoe", "add", "Pegasus", "--purchased", "2026-01-01")
    st("log", "5mi", "--shoe", "Pegasus", "--date", "2026-02-01")
    st("log", "5mi", "--shoe", "Pegasus", "--date", "2026-02-02")
    before = db_dump(st.db)
    r = st("shoe", "delete", "peg", code=1)
    assert r.stderr == (
        "Error: Pegasus has 2 activities; use --force to delete it "
        "(the activities stay, unassigned)\n"
    )
    assert db_dump(st.db) == before
    r = st("shoe", "delete", "peg", "--force")
    assert r.stdout == "Deleted Pegasus: 2 activities (10.0 mi) now unassigned.\n"
    assert st.json("shoe", "list") == []
    acts = st.json("activities")
    assert [a["shoe"] for a in acts] == [None, None]
    st("shoe", "add", "Empty")
    assert st("shoe", "delete", "Empty").stdout == "Deleted Empty.\n"


def test_every_shoe_command_has_help(st):
    for sub in ["add", "list", "show", "edit", "retire", "unretire", "rename", "delete"]:
        r = st("shoe", sub, "--help")
        assert r.stdout.startswith(f"Usage: shoetrack shoe {sub}")


def test_date_changes_hint_at_reassign_but_rewrite_nothing(st):
    st("shoe", "add", "Old", "--purchased", "2026-01-01", "--default-for", "run")
    st("log", "5mi", "--date", "2026-03-01")
    r = st("shoe", "retire", "Old", "--date", "2026-02-01")
    assert r.stdout == (
        "Retired Old from 2026-02-01.\n1 past activity would change: run "
        "`shoetrack reassign` to review, `shoetrack reassign --apply` to apply.\n"
    )
    assert st.json("activities")[0]["shoe"] == "Old"  # history is not silently rewritten
    assert st("shoe", "unretire", "Old").stdout == "Old is in use again.\n"
    r = st("shoe", "edit", "Old", "--purchased", "2026-04-01")
    assert r.stdout.endswith(
        "1 past activity would change: run `shoetrack reassign` to review, "
        "`shoetrack reassign --apply` to apply.\n"
    )


def test_retire_warns_about_runs_chosen_by_hand_after_the_date(st):
    st("shoe", "add", "Old", "--purchased", "2026-01-01")
    st("log", "5mi", "--date", "2026-03-01", "--shoe", "Old")
    st("log", "5mi", "--date", "2026-01-15", "--shoe", "Old")
    r = st("shoe", "retire", "Old", "--date", "2026-02-01")
    assert r.stdout == (
        "Retired Old from 2026-02-01.\n1 activity from 2026-02-01 on still counts on Old, "
        "as you chose (#1); move it with `shoetrack activity assign ID PAIR`.\n"
    )


@pytest.mark.parametrize(
    "cmd", [["shoe", "add", "W", "--default-for", "run"], ["shoe", "edit", "W"]]
)
@pytest.mark.parametrize("sport", ["cycling", "swim", "strength"])
def test_default_for_a_sport_without_shoes_is_refused(st, cmd, sport):
    st("shoe", "add", "V", "--purchased", "2026-01-01")
    if cmd[1] == "edit":
        st("shoe", "add", "W", "--purchased", "2026-01-01")
    before = db_dump(st.db)
    canonical = {"swim": "swimming"}.get(sport, sport)
    r = st(*cmd, "--default-for", sport, code=2)
    assert (
        r.stderr == f"Error: {canonical} never counts on shoes: a pair cannot be default for it\n"
    )
    assert db_dump(st.db) == before


def test_a_name_that_prefixes_another_warns_and_exact_wins(st):
    st("shoe", "add", "Clifton 9", "--purchased", "2026-01-01")
    st("shoe", "add", "Ghost", "--purchased", "2026-01-01")
    r = st("shoe", "rename", "ghost", "clifton")
    assert r.stdout == "Renamed Ghost to clifton.\n"
    assert (
        r.stderr
        == "Note: Clifton 9 also starts with 'clifton': that name now means clifton; type more for the other.\n"
    )
    r = st("shoe", "retire", "CLIFTON", "--date", "2026-06-01")
    assert r.stdout.startswith("Retired clifton from 2026-06-01.")
    assert {p["name"]: p["retired_on"] for p in st.json("status", "--all")} == {
        "Clifton 9": None,
        "clifton": "2026-06-01",
    }
    r = st("shoe", "add", "Clif", "--purchased", "2026-01-01")
    assert r.stderr == (
        "Note: clifton, Clifton 9 also start with 'Clif': that name now means Clif; "
        "type more for the other.\n"
    )
    assert (
        st("shoe", "add", "Clifton 9 GTX", "--purchased", "2026-01-01").stderr == ""
    )  # longer: no clash
    assert st.json("shoe", "show", "clifton 9")["name"] == "Clifton 9"
    st("shoe", "add", "Évasion", "--purchased", "2026-01-01")
    assert st.json("shoe", "show", "évasion")["name"] == "Évasion"  # case-insensitive beyond ASCII


def test_unknown_purchase_date_is_shown(st):
    st("shoe", "add", "Pegasus", "--default-for", "run")
    first = st.json("status")[0]["first_day"]
    text = st("shoe", "show", "peg").stdout.splitlines()
    assert text[2] == "In use:      unknown to now"
    assert text[3] == (
        f"Purchased:   unknown: rules and defaults count it from {first} (the day it was "
        "added), runs you log or assign on any date; set it with "
        "`shoetrack shoe edit Pegasus --purchased YYYY-MM-DD`"
    )
    assert st("shoe", "list").stdout.splitlines()[2].split()[2] == "unknown"
    st("shoe", "edit", "Pegasus", "--purchased", "2026-01-01")
    assert st("shoe", "show", "peg").stdout.splitlines()[2:4] == [
        "In use:      2026-01-01 to now",
        "Default for: run",
    ]
