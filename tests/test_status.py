"""Totals, states and forecasts (core, with an injected clock) and `shoetrack status` (CLI)."""

from datetime import date, datetime, timedelta, timezone

import pytest

from importers.model import Activity
from shoetrack import activities, shoes
from shoetrack.mileage import bar, compute

MI = 1609.344
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def run(store, shoe, days_ago, miles, sport="run"):
    act = Activity(
        start=NOW - timedelta(days=days_ago), sport=sport, distance_m=miles * MI, source="manual"
    )
    return activities.add_and_attribute(store, act, shoe=shoe)[0]


def test_states_through_a_pair_life(store, config):
    s = shoes.add(store, "P", purchased_on=date(2026, 1, 1))
    [st] = compute(store, config, now=NOW)
    assert (st.state, st.total_m, st.activities, st.forecast_warn) == ("ok", 0, 0, None)
    run(store, s, 100, 200)  # old: outside the 6-week forecast window
    [st] = compute(store, config, now=NOW)
    assert st.state == "ok" and st.rate_m_per_day == 0
    run(store, s, 100, 71)  # 271 mi < 270 = 90 % of 300 ... 271 >= 270: approaching
    [st] = compute(store, config, now=NOW)
    assert st.total_m == pytest.approx(271 * MI)
    assert st.state == "approaching"
    run(store, s, 1, 29)
    [st] = compute(store, config, now=NOW)
    assert st.state == "window" and st.total_m == pytest.approx(300 * MI)
    run(store, s, 1, 200)
    [st] = compute(store, config, now=NOW)
    assert st.state == "replace" and st.activities == 4


@pytest.mark.tz("UTC")  # its expected days are UTC calendar days
def test_forecast_from_last_six_weeks(store, config):
    s = shoes.add(store, "P", purchased_on=date(2026, 1, 1), start_distance_m=200 * MI)
    for week in range(6):  # 21 mi/week for six weeks = 126 mi recent
        run(store, s, 7 * week + 1, 21)
    [st] = compute(store, config, now=NOW)
    assert st.rate_m_per_day * 7 == pytest.approx(21 * MI)
    assert st.total_m == pytest.approx(326 * MI)
    assert st.state == "window"
    # (500 - 326) / 3 mi per day = 58 days
    assert st.forecast_replace == date(2026, 11, 25) + timedelta(days=58)
    assert st.forecast_warn is None


@pytest.mark.tz("UTC")  # its expected days are UTC calendar days
def test_forecast_makes_pair_approaching(store, config):
    s = shoes.add(store, "P", purchased_on=date(2026, 1, 1), start_distance_m=200 * MI)
    for d in range(1, 42, 2):  # 21 runs x 3 mi = 63 mi in 6 weeks -> 1.5 mi/day
        run(store, s, d, 3)
    [st] = compute(store, config, now=NOW)
    assert st.total_m == pytest.approx(263 * MI)  # below 270: approaching only by forecast
    assert st.forecast_warn == date(2026, 11, 25) + timedelta(days=25)  # 37 mi at 1.5/day
    assert st.state == "ok"
    run(store, s, 1, 10)  # 273 mi: within 10 % of warn
    [st] = compute(store, config, now=NOW)
    assert st.state == "approaching"


@pytest.mark.tz("UTC")  # its expected days are UTC calendar days
def test_new_pair_rate_uses_its_age(store, config):
    s = shoes.add(store, "New", purchased_on=date(2026, 11, 12))  # 14 days in use on Nov 25
    run(store, s, 1, 28)
    [st] = compute(store, config, now=NOW)
    assert st.rate_m_per_day == pytest.approx(2 * MI)


def test_ignored_and_future_activities_do_not_count(store, config):
    s = shoes.add(store, "P", purchased_on=date(2026, 1, 1))
    a = run(store, s, 3, 10)
    run(store, s, 2, 5)
    store.conn.execute("UPDATE activities SET ignored = 1 WHERE id = ?", (a,))
    [st] = compute(store, config, now=NOW)
    assert st.total_m == pytest.approx(5 * MI) and st.activities == 1


def test_bar():
    assert bar(0, 300, 500) == "[------------|-------]"
    assert bar(250, 300, 500) == "[##########--|-------]"
    assert bar(400, 300, 500) == "[############|###----]"
    assert bar(600, 300, 500) == "[############|#######]+"


@pytest.mark.tz("UTC")  # its expected days are UTC calendar days
def test_status_cli(st):
    st(
        "shoe",
        "add",
        "Pegasus",
        "--purchased",
        "2026-01-01",
        "--default-for",
        "run",
        "--start-distance",
        "100mi",
    )
    st("shoe", "add", "Retired", "--purchased", "2026-01-01")
    st("shoe", "retire", "Retired", "--date", "2026-02-01")
    st("log", "10mi", "--date", "2026-03-01")
    st("log", "3mi", "--date", "2026-03-02", "--sport", "hike")
    out = st("status").stdout.splitlines()
    assert out[0].split()[:3] == ["pair", "distance", "window"]
    assert out[2].split()[:7] == [
        "Pegasus",
        "110.0",
        "mi",
        "[####--------|-------]",
        "ok",
        "1",
        "2026-03-01",
    ]
    assert len(out) == 5 and out[4] == "1 shoe activity is on no pair (see `shoetrack inbox`)."
    data = st.json("status", "--all")
    assert [d["name"] for d in data] == ["Pegasus", "Retired"]
    p = data[0]
    assert p["distance_m"] == pytest.approx(110 * MI)
    assert p["start_distance_m"] == pytest.approx(100 * MI)
    assert p["warn_at_m"] == pytest.approx(300 * MI) and p["replace_at_m"] == pytest.approx(
        500 * MI
    )
    assert (p["state"], p["activities"], p["forecast_warn"], p["forecast_replace"]) == (
        "ok",
        1,
        None,
        None,
    )
    assert p["last_worn"].startswith("2026-03-0")
    assert data[1]["state"] == "retired"


def test_status_empty(st):
    assert (
        st("status").stdout
        == "No pairs yet: add one with `shoetrack shoe add NAME --default-for run`.\n"
    )
    assert st.json("status") == []


def test_status_says_when_a_purchase_date_is_unknown(st):
    st("shoe", "add", "Pegasus", "--default-for", "run")
    st("shoe", "add", "Nova", "--purchased", "2026-01-01")
    out = st("status").stdout.splitlines()
    assert out[-1] == (
        "Purchase date unknown: Pegasus (rules and defaults count it from the day it was added; "
        "set it with `shoetrack shoe edit Pegasus --purchased YYYY-MM-DD`)."
    )
    data = {p["name"]: p for p in st.json("status")}
    assert data["Pegasus"]["purchased_on"] is None and data["Nova"]["first_day"] == "2026-01-01"
    st("shoe", "add", "Clifton")
    assert st("status").stdout.splitlines()[-1] == (
        "Purchase date unknown: Clifton, Pegasus (rules and defaults count each from the day it was added; "
        "set it with `shoetrack shoe edit NAME --purchased YYYY-MM-DD`)."
    )


def test_status_inbox_count_is_the_inbox(st):
    """One definition of what waits: status counts exactly what `inbox` lists."""
    st("shoe", "add", "A", "--purchased", "2026-01-01", "--default-for", "run")
    st("shoe", "add", "B", "--purchased", "2026-01-01", "--default-for", "run")
    for d in ("2026-03-01", "2026-03-02", "2026-03-03"):
        st("log", "5k", "--date", d)
    st("log", "5k", "--date", "2026-03-04", "--sport", "cycling")  # never waits
    st("log", "5k", "--date", "2026-03-04", "--shoe", "a")
    st("inbox", "--pick", input="i")  # ignored: no longer waits
    assert len(st.json("inbox")) == 2
    assert (
        st("status").stdout.splitlines()[-1]
        == "2 shoe activities are on no pair (see `shoetrack inbox`)."
    )
