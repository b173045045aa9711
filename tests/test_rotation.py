"""Rotation shares, days since worn, cost per distance, and retired pairs by model (`rotation`,
`shoe history`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from importers.model import Activity
from shoetrack import activities, shoes
from shoetrack.insight.rotation import by_model, retired, rotation

KM = 1000.0
MI = 1609.344
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


pytestmark = pytest.mark.tz("UTC")  # the expected days are UTC calendar days


def run(store, shoe, when: datetime, meters: float, sport: str = "run") -> int:
    act = Activity(start=when, sport=sport, distance_m=meters, source="manual")
    return activities.add_and_attribute(store, act, shoe=shoe)[0]


def test_shares_days_since_worn_and_the_note(store, config):
    a = shoes.add(store, "Alpha", purchased_on=date(2026, 1, 1), cost=120.0)
    b = shoes.add(store, "Bravo", purchased_on=date(2026, 1, 1))
    c = shoes.add(store, "Cupboard", purchased_on=date(2026, 1, 1))
    shoes.add(store, "Never", purchased_on=date(2026, 11, 1))
    run(store, a, NOW - timedelta(days=40), 100 * KM)  # before the 30 days
    run(store, a, NOW - timedelta(days=2), 30 * KM)
    run(store, b, NOW - timedelta(days=29, hours=23), 10 * KM)
    run(store, c, NOW - timedelta(days=31), 5 * KM)
    rot = rotation(store, config, now=NOW)
    got = [(p.status.shoe.name, p.recent_m, p.share, p.days_since_worn) for p in rot.pairs]
    assert got == [
        ("Alpha", 30 * KM, 0.75, 2),
        ("Bravo", 10 * KM, 0.25, 30),
        ("Cupboard", 0.0, 0.0, 31),
        ("Never", 0.0, 0.0, None),
    ]
    assert rot.note is None  # 75 % is an uneven rotation, not one pair carrying it all
    assert rot.pairs[0].cost_per_km == pytest.approx(120 / 130)
    assert rot.pairs[1].cost_per_km is None
    run(store, a, NOW - timedelta(days=1), 20 * KM)  # 50 of 60 km: 83 %
    rot = rotation(store, config, now=NOW)
    assert rot.pairs[0].share == pytest.approx(50 / 60)
    assert rot.note == (
        "Alpha carries 83% of the last 30 days' distance. Runners who used more "
        "than one pair in parallel had fewer running injuries (Malisoux et al. 2015)."
    )


def test_one_pair_and_no_recent_running(store, config):
    a = shoes.add(store, "Only", purchased_on=date(2026, 1, 1))
    assert rotation(store, config, now=NOW).note is None  # nothing worn at all
    assert rotation(store, config, now=NOW).pairs[0].share is None
    run(store, a, NOW - timedelta(days=3), 8 * KM)
    rot = rotation(store, config, now=NOW)
    assert rot.pairs[0].share == 1.0
    assert rot.note.startswith("All of the last 30 days' running is on Only, your only pair.")


def test_retired_pairs_against_their_target_and_by_model(store, config):
    def pair(name, brand, model, miles, cost, bought, retired_on, replace=None):
        s = shoes.add(
            store,
            name,
            brand=brand,
            model=model,
            purchased_on=date.fromisoformat(bought),
            start_distance_m=miles * MI,
            cost=cost,
            **({"replace_at_m": replace * MI} if replace else {}),
        )
        shoes.retire(store, s, on=date.fromisoformat(retired_on))

    pair("Peg 1", "Nike", "Pegasus", 500, 100.0, "2025-01-01", "2025-06-01")
    pair("Peg 2", "Nike", "Pegasus", 400, 100.0, "2025-06-01", "2025-10-01")
    pair("Clif", "Hoka", "Clifton", 600, 150.0, "2025-02-01", "2025-12-01", replace=400)
    pair("Mystery", None, None, 300, None, "2025-03-01", "2025-04-01")
    shoes.add(store, "Current", brand="Nike", model="Pegasus")  # active: not in the history
    rs = retired(store, config, now=NOW)
    assert [(r.status.shoe.name, r.of_target, r.days) for r in rs] == [
        ("Clif", pytest.approx(1.5), 303),
        ("Peg 2", pytest.approx(0.8), 122),
        ("Peg 1", pytest.approx(1.0), 151),
        ("Mystery", pytest.approx(0.6), 31),
    ]  # latest first
    models = by_model(rs)
    assert [(m["model"], m["pairs"], m["mean_distance_m"], m["mean_days"]) for m in models] == [
        ("Hoka Clifton", 1, round(600 * MI, 3), 303.0),
        ("Nike Pegasus", 2, round(450 * MI, 3), 136.5),
        ("(no model)", 1, round(300 * MI, 3), 31.0),
    ]
    assert models[0]["km_per_cost"] == pytest.approx(600 * MI / 1000 / 150, abs=1e-4)
    assert models[1]["km_per_cost"] == pytest.approx(900 * MI / 1000 / 200, abs=1e-4)
    assert models[2]["km_per_cost"] is None


def test_rotation_and_history_through_the_cli(st, store):
    now = datetime.now(timezone.utc)
    a = shoes.add(store, "Alpha", cost=100.0, purchased_on=date(2026, 1, 1))
    b = shoes.add(store, "Bravo", purchased_on=date(2026, 1, 1))
    run(store, a, now - timedelta(days=1), 40 * MI)
    run(store, b, now - timedelta(days=2), 10 * MI)
    out = st("rotation").stdout
    assert out == (
        "pair   last 30 days  share  days since worn  cost/mi\n"
        "-----  ------------  -----  ---------------  -------\n"
        "Alpha       40.0 mi    80%                1     2.50\n"
        "Bravo       10.0 mi    20%                2        -\n"
    )
    assert "1.55" in st("--units", "km", "rotation").stdout  # 100 / 64.37 km
    data = st.json("rotation")
    assert data["days"] == 30 and data["note"] is None
    assert [(p["name"], p["share"], p["cost_per_km"]) for p in data["pairs"]] == [
        ("Alpha", 0.8, round(100 / (40 * MI / 1000), 4)),
        ("Bravo", 0.2, None),
    ]

    assert st("shoe", "history").stdout.startswith("No retired pairs yet")
    st(
        "shoe",
        "add",
        "Old",
        "--brand",
        "Nike",
        "--model",
        "Pegasus",
        "--purchased",
        "2025-01-01",
        "--start-distance",
        "450mi",
        "--cost",
        "90",
    )
    st("shoe", "retire", "Old", "--date", "2025-09-01")
    out = st("shoe", "history").stdout
    assert "Old   Nike Pegasus  2025-09-01  450.0 mi        90%   243     0.20" in out
    assert out.endswith(
        "Lasted longest: Nike Pegasus.\nMost distance for the money: Nike Pegasus.\n"
    )
    h = st.json("shoe", "history")
    assert (h["longest"], h["best_value"]) == ("Nike Pegasus", "Nike Pegasus")
    [p] = h["pairs"]
    assert (p["name"], p["days"], p["of_target"], p["replace_at_m"]) == ("Old", 243, 0.9, 500 * MI)
