"""Alert decisions with an injected clock: a pair's life from approaching to reminders, re-arming,
snooze, retirement, age, and one digest per channel. No network here (see test_alerts_delivery)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from importers.model import Activity
from shoetrack import activities, shoes
from shoetrack.alerts import planning
from shoetrack.alerts.outbox import backoff
from shoetrack.config import Config
from shoetrack.mileage import compute

MI = 1609.344


# These tests give times in UTC and mean UTC calendar days ("today", a pair's age): the local
# zone is pinned to UTC so that they mean the same under any machine zone.
pytestmark = pytest.mark.tz("UTC")


def at(day: str, hour: int = 8) -> datetime:
    """`hour` o'clock UTC on `day`."""
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=timezone.utc)


def run(store, shoe, day: str, miles: float) -> int:
    """A run at noon UTC on `day`, put on `shoe`; returns the activity id."""
    act = Activity(start=at(day, 12), sport="run", distance_m=miles * MI, source="manual")
    activity_id, _ = activities.add_and_attribute(store, act, shoe=shoe)
    return activity_id


def pair(store, name="Pegasus", *, start_mi=0.0, purchased="2025-06-01", **values):
    return shoes.add(store, name, purchased_on=purchased, start_distance_m=start_mi * MI, **values)


def check(store, config, now) -> list[tuple[str, str, bool]]:
    """raise_due at `now`; (pair, level, notified) for every alert recorded."""
    r = planning.raise_due(store, config, now)
    return [(d.status.shoe.name, d.level, True) for d in r.notified] + [
        (d.status.shoe.name, d.level, False) for d in r.covered
    ]


@pytest.fixture
def quiet():
    """No channel enabled: these tests are about decisions, not delivery."""
    return Config(desktop={"enabled": False})


def rows(store):
    return store.q(
        "SELECT level, round(distance_m / 1609.344, 1) AS mi, raised_at, rearmed_at"
        " FROM alerts ORDER BY id"
    )


def test_a_pairs_life_each_level_fires_once(store, quiet):
    peg = pair(store, start_mi=195)
    run(store, peg, "2026-01-30", 5)
    assert check(store, quiet, at("2026-02-01")) == []  # 200 mi, slow: ok

    run(store, peg, "2026-02-09", 80)  # 280 mi: within 10 % of 300
    assert check(store, quiet, at("2026-02-10")) == [("Pegasus", "approaching", True)]
    assert check(store, quiet, at("2026-02-10", 9)) == []
    assert check(store, quiet, at("2026-02-11")) == []

    run(store, peg, "2026-02-14", 25)  # 305 mi
    assert check(store, quiet, at("2026-02-15")) == [("Pegasus", "window", True)]
    assert check(store, quiet, at("2026-02-16")) == []

    run(store, peg, "2026-02-20", 200)  # 505 mi
    assert check(store, quiet, at("2026-02-21")) == [("Pegasus", "replace", True)]

    run(store, peg, "2026-02-22", 80)  # 585 mi >= 115 % of 500, but the last alert is 1 day old
    assert check(store, quiet, at("2026-02-22", 18)) == []
    assert check(store, quiet, at("2026-03-03", 7)) == []  # 9 days 23 h
    assert check(store, quiet, at("2026-03-03", 8)) == [("Pegasus", "reminder", True)]
    assert check(store, quiet, at("2026-03-04")) == []
    # Ten more days, but not worn since the reminder: no nagging about a pair in the cupboard.
    assert check(store, quiet, at("2026-03-14")) == []
    run(store, peg, "2026-03-14", 3)
    assert check(store, quiet, at("2026-03-14", 13)) == [("Pegasus", "reminder", True)]

    assert [(r["level"], r["mi"], r["raised_at"]) for r in rows(store)] == [
        ("approaching", 280.0, "2026-02-10T08:00:00Z"),
        ("window", 305.0, "2026-02-15T08:00:00Z"),
        ("replace", 505.0, "2026-02-21T08:00:00Z"),
        ("reminder", 585.0, "2026-03-03T08:00:00Z"),
        ("reminder", 588.0, "2026-03-14T13:00:00Z"),
    ]


def test_messages_and_forecast(store, quiet):
    """Forecast from the pair's own last 6 weeks: 180 mi in 42 days = 30 mi/week."""
    peg = pair(store, start_mi=70)
    for i in range(6):
        run(store, peg, (date(2026, 2, 1) + timedelta(days=7 * i)).isoformat(), 30)
    now = at("2026-03-14")
    [d] = planning.due(compute(store, quiet, now=now), [], now)
    # 250 mi is not yet within 10 % of 300, but 50 mi at 30 mi/week is 12 days away.
    assert (d.level, d.notify) == ("approaching", True)
    assert d.message == (
        "Pegasus is approaching its replacement window: 250 mi of 300–500; "
        "it gets there in about 12 days at your current ~30 mi/week"
    )


def test_higher_level_reached_directly_notifies_only_the_highest(store, quiet):
    pair(store, "Old", start_mi=600)
    r = planning.raise_due(store, quiet, at("2026-02-01"))
    assert [d.level for d in r.notified] == ["replace"]
    assert [d.level for d in r.covered] == ["approaching", "window"]
    assert [x["level"] for x in rows(store)] == ["approaching", "window", "replace"]
    # 600 mi is past 115 % of 500, but the pair has just been told: no reminder on top.
    assert check(store, quiet, at("2026-02-20")) == []
    listed = {a["level"]: a["covered_by"] for a in planning.listing(store)}
    assert listed == {"approaching": "replace", "window": "replace", "replace": None}


def test_moving_activities_off_rearms_the_levels_fallen_below(store, quiet):
    peg = pair(store, start_mi=280)
    big = run(store, peg, "2026-02-01", 230)  # 510 mi
    assert check(store, quiet, at("2026-02-02")) == [
        ("Pegasus", "replace", True),
        ("Pegasus", "approaching", False),
        ("Pegasus", "window", False),
    ]

    activities.unassign(store, big)  # a friend's run, logged on the wrong pair: 280 mi
    plan = planning.plan(
        compute(store, quiet, now=at("2026-02-03")),
        store.q("SELECT * FROM alerts"),
        at("2026-02-03"),
    )
    assert plan.due == []
    r = planning.raise_due(store, quiet, at("2026-02-03"))
    assert sorted(x["level"] for x in r.rearmed) == [
        "replace",
        "window",
    ]  # 280 is still approaching
    assert [(x["level"], x["rearmed_at"]) for x in rows(store)] == [
        ("approaching", None),
        ("window", "2026-02-03T08:00:00Z"),
        ("replace", "2026-02-03T08:00:00Z"),
    ]
    assert check(store, quiet, at("2026-02-04")) == []

    activities.assign(store, big, peg)  # it was ours after all: the levels fire again, once
    assert check(store, quiet, at("2026-02-05")) == [
        ("Pegasus", "replace", True),
        ("Pegasus", "window", False),
    ]
    assert check(store, quiet, at("2026-02-06")) == []


def test_a_slower_forecast_does_not_rearm_approaching(store, quiet):
    peg = pair(store, start_mi=70)
    for i in range(6):
        run(store, peg, (date(2026, 2, 1) + timedelta(days=7 * i)).isoformat(), 30)
    assert check(store, quiet, at("2026-03-14")) == [("Pegasus", "approaching", True)]
    # Two months off: the forecast no longer reaches 300 within 14 days (state "ok"), but no
    # distance came off the pair, so the alert stays raised and cannot flap.
    later = at("2026-05-20")
    [st] = compute(store, quiet, now=later)
    assert st.state == "ok"
    assert check(store, quiet, later) == []
    assert rows(store)[0]["rearmed_at"] is None


def test_snooze_holds_reminders_only(store, quiet):
    peg = pair(store, start_mi=600)
    other = pair(store, "Ghost", start_mi=250)
    check(store, quiet, at("2026-02-01"))
    until = planning.snooze(store, peg, 14, at("2026-02-01"))
    assert until == "2026-02-15T08:00:00Z"
    planning.snooze(store, other, 14, at("2026-02-01"))

    run(store, peg, "2026-02-11", 5)
    assert check(store, quiet, at("2026-02-12")) == []  # reminder due, but held
    run(store, other, "2026-02-12", 60)  # 310 mi: window is news, snooze or not
    assert check(store, quiet, at("2026-02-13")) == [
        ("Ghost", "window", True),
        ("Ghost", "approaching", False),
    ]
    assert check(store, quiet, at("2026-02-15", 9)) == [("Pegasus", "reminder", True)]

    planning.snooze(store, peg, 30, at("2026-02-16"))
    assert planning.snooze(store, peg, None, at("2026-02-16")) is None  # cleared
    run(store, peg, "2026-02-26", 5)
    assert check(store, quiet, at("2026-02-26", 13)) == [("Pegasus", "reminder", True)]


def test_retired_pairs_never_alert(store, quiet):
    peg = pair(store, start_mi=290)
    check(store, quiet, at("2026-02-01"))
    peg = shoes.retire(store, peg, on=date(2026, 2, 3))  # after the run in every time zone
    run(store, peg, "2026-02-01", 300)  # an old run found later: 590 mi on a retired pair
    assert check(store, quiet, at("2026-03-01")) == []
    assert check(store, quiet, at("2026-04-01")) == []
    # Its earlier alert stays as it was (not re-armed, not repeated).
    assert [(x["level"], x["rearmed_at"]) for x in rows(store)] == [("approaching", None)]
    # The pure function ignores retired pairs even when handed one.
    statuses = compute(store, quiet, include_retired=True, now=at("2026-04-01"))
    assert planning.due(statuses, [], at("2026-04-01")) == []


def test_age_level(store, quiet):
    pair(store, "Trail", purchased="2025-06-01", max_age_days=100)
    assert check(store, quiet, at("2025-09-09")) == []  # 100 days: not older yet
    assert check(store, quiet, at("2025-09-10")) == [("Trail", "age", True)]
    assert check(store, quiet, at("2025-12-01")) == []
    [a] = planning.listing(store)
    assert a["message"] == ("Trail is older than its age limit (100 days): foam ages even unworn")
    # A longer limit puts the pair back below its age: the alert re-arms and can fire again.
    trail = shoes.resolve(store, "Trail")
    shoes.edit(store, trail, max_age_days=400)
    r = planning.raise_due(store, quiet, at("2025-12-02"))
    assert [x["level"] for x in r.rearmed] == ["age"]
    assert check(store, quiet, at("2026-07-07")) == [("Trail", "age", True)]


def test_several_pairs_go_out_as_one_digest_per_channel(store):
    config = Config(email={"enabled": True, "host": "mail.invalid"}, desktop={"enabled": True})
    pair(store, "Pegasus", start_mi=305)
    pair(store, "Ghost", start_mi=510)
    pair(store, "Fresh", start_mi=10)
    r = planning.raise_due(store, config, at("2026-02-01"))
    assert r.channels == ["email", "desktop"]
    assert len(r.deliveries) == 2
    out = store.q("SELECT id, channel, status, subject, body, attempts FROM deliveries ORDER BY id")
    assert [(d["channel"], d["status"], d["attempts"]) for d in out] == [
        ("email", "pending", 0),
        ("desktop", "pending", 0),
    ]
    notified = [
        a["id"]
        for a in store.q(
            "SELECT id FROM alerts WHERE level IN ('window', 'replace') AND id IN"
            " (SELECT max(id) FROM alerts GROUP BY shoe_id) ORDER BY id"
        )
    ]
    for d in out:
        linked = [
            x["alert_id"]
            for x in store.q(
                "SELECT alert_id FROM delivery_alerts WHERE delivery_id = ? ORDER BY alert_id",
                (d["id"],),
            )
        ]
        assert linked == notified  # the covered lower levels are not part of the message
    email, desktop = out
    assert email["subject"] == "shoetrack: 2 pairs need attention: Ghost, Pegasus"
    assert desktop["subject"] == "2 pairs need attention: Ghost, Pegasus"
    assert desktop["body"] == (
        "Ghost reached its replace distance: 510 mi of 300–500; time for a new pair\n"
        "Pegasus entered its replacement window: 305 mi of 300–500"
    )
    # The signature separator is "-- " with its trailing space (RFC 3676), kept here as "\x20".
    assert (
        email["body"]
        == """\
2 shoe alerts:

Ghost reached its replace distance.

  Distance:   510 mi (warn at 300 mi, replace at 500 mi)
  Forecast:   past the replace distance by 10 mi; not worn in the last 6 weeks
  What to do: Retire it (keep it for walks if you like):
                shoetrack shoe retire "Ghost"
              If it still feels good, raise its limit instead:
                shoetrack shoe edit "Ghost" --replace 600mi

Pegasus entered its replacement window.

  Distance:   305 mi (warn at 300 mi, replace at 500 mi)
  Forecast:   no runs on it in the last 6 weeks to forecast from
  What to do: Start rotating in a fresh pair. Retire this one when the
              cushioning feels flat or your legs complain, and by 500 mi at
              the latest.

--\x20
Sent by shoetrack. `shoetrack status` shows every pair; `shoetrack alerts`
lists the alerts. Hold a pair's reminders with
shoetrack alerts snooze NAME --days 14
"""
    )
    # Nothing more is due, so a second check queues nothing.
    assert planning.raise_due(store, config, at("2026-02-02")).deliveries == []


def test_window_email_block_has_the_forecast(store):
    config = Config(email={"enabled": True, "host": "mail.invalid"}, desktop={"enabled": False})
    peg = pair(store, start_mi=134)
    for i in range(6):  # 132 mi in 42 days: ~22 mi/week
        run(store, peg, (date(2026, 1, 20) + timedelta(days=7 * i)).isoformat(), 22)
    planning.raise_due(store, config, at("2026-03-03"))
    [d] = store.q("SELECT subject, body FROM deliveries")
    assert d["subject"] == "shoetrack: Pegasus is approaching its replacement window"
    # 266 mi, 34 mi to go at 22/week: 11 days.
    assert (
        "  Forecast:   300 mi around 2026-03-14, about 11 days at your current ~22 mi/week\n"
        in d["body"]
    )
    run(store, peg, "2026-03-03", 40)  # 306 mi
    planning.raise_due(store, config, at("2026-03-04"))
    d = store.q("SELECT subject, body FROM deliveries ORDER BY id")[-1]
    assert d["subject"] == "shoetrack: Pegasus entered its replacement window"
    # 194 mi to go at (22*5+40)/42 mi/day = 25 mi/week: 55 days, "about 8 weeks".
    assert (
        "  Forecast:   500 mi around 2026-04-28, about 8 weeks at your current ~25 mi/week\n"
        in d["body"]
    )


def test_enabled_channels():
    assert Config().enabled_channels() == ["desktop"]
    assert Config(email={"host": "h"}, desktop={"enabled": False}).enabled_channels() == ["email"]
    assert Config(email={"host": "h", "enabled": False}).enabled_channels() == ["desktop"]
    assert Config(push={"urls": ["ntfy://h/t"]}).enabled_channels() == ["desktop", "push"]
    assert Config(push={"urls": ["ntfy://h/t"], "enabled": False}).enabled_channels() == ["desktop"]


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n) / timedelta(minutes=1) for n in (1, 2, 3, 4, 8, 9, 30)] == [
        2,
        4,
        8,
        16,
        256,
        360,
        360,
    ]
