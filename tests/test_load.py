"""Training load: weekly sums and the +10% flag (week boundaries, time zones, DST, empty weeks),
runs past the 30-day longest (including the first 30 days), the acute:chronic ratio, the `load`
command, and the optional load alert through the outbox (a real SMTP server)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from importers.model import Activity
from shoetrack import activities
from shoetrack.config import from_dict
from shoetrack.insight import alerting
from shoetrack.insight.load import acute_chronic, compute, sessions, spikes, week_of, weekly
from shoetrack.insight.settings import LoadSettings, load_settings

KM = 1000.0
MI = 1609.344


@pytest.fixture
def tz(monkeypatch):
    """Pin the machine's time zone: tz("Europe/Berlin")."""

    def set_zone(name: str):
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def add(
    store, start: datetime, meters: float, sport: str = "run", *, moving_s=None, elapsed_s=None
) -> int:
    act = Activity(
        start=start.astimezone(timezone.utc),
        sport=sport,
        distance_m=meters,
        source="manual",
        moving_s=moving_s,
        elapsed_s=elapsed_s,
    )
    with store.write():
        return activities.insert(store, act)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def by_week(weeks):
    return {w.week_start.isoformat(): w for w in weeks}


def test_week_boundary_follows_local_time_and_the_chosen_first_day(store, tz):
    tz("America/New_York")
    # Sunday 15 Nov 2026, 23:30 in New York is Monday 04:30 UTC: it is Sunday's run.
    add(store, utc(2026, 11, 16, 4, 30), 10 * KM)
    add(store, utc(2026, 11, 16, 15, 0), 5 * KM)  # Monday 10:00 local
    items = sessions(store, utc(2026, 11, 30))
    monday = by_week(weekly(items, date(2026, 11, 20), week_start=0))
    assert {k: w.distance_m for k, w in monday.items()} == {
        "2026-11-09": 10 * KM,
        "2026-11-16": 5 * KM,
    }
    sunday = by_week(weekly(items, date(2026, 11, 20), week_start=6))
    assert {k: w.distance_m for k, w in sunday.items()} == {"2026-11-15": 15 * KM}
    tz("UTC")  # the same runs seen from UTC: both on Monday 16 Nov
    monday_utc = by_week(weekly(sessions(store, utc(2026, 11, 30)), date(2026, 11, 20), 0))
    assert {k: w.distance_m for k, w in monday_utc.items()} == {"2026-11-16": 15 * KM}


@pytest.mark.parametrize(
    "late, early, before, after",
    [
        # Spring forward (Sunday 29 Mar 2026): 23:30 CEST is 21:30 UTC; Monday 00:30 CEST 22:30 UTC.
        (utc(2026, 3, 29, 21, 30), utc(2026, 3, 29, 22, 30), "2026-03-23", "2026-03-30"),
        # Fall back (Sunday 25 Oct 2026): 23:30 CET is 22:30 UTC; Monday 00:15 CET is 23:15 UTC.
        (utc(2026, 10, 25, 22, 30), utc(2026, 10, 25, 23, 15), "2026-10-19", "2026-10-26"),
    ],
)
def test_weeks_across_dst_changes(store, tz, late, early, before, after):
    tz("Europe/Berlin")
    add(store, late, 8 * KM)
    add(store, early, 6 * KM)
    weeks = by_week(
        weekly(sessions(store, late + timedelta(days=3)), (late + timedelta(days=3)).date())
    )
    assert {k: w.distance_m for k, w in weeks.items()} == {before: 8 * KM, after: 6 * KM}
    assert weeks[after].change == pytest.approx(6 / 8 - 1)


def test_change_against_four_prior_weeks_an_empty_week_and_the_flag(store, tz):
    tz("UTC")
    mondays = [utc(2026, 1, 5, 8) + timedelta(weeks=i) for i in range(8)]
    for monday, km in zip(mondays, [10, 0, 12, 10, 10, 12, 11.45, 11], strict=True):
        if km:
            add(store, monday, km * KM)
    add(store, mondays[0] + timedelta(days=2), 5, "cycling", moving_s=3000, elapsed_s=3600)
    weeks = weekly(sessions(store, mondays[-1]), mondays[-1].date())
    assert [w.week_start.isoformat() for w in weeks] == [m.date().isoformat() for m in mondays]
    assert [w.distance_m for w in weeks] == [km * KM for km in [10, 0, 12, 10, 10, 12, 11.45, 11]]
    assert weeks[0].change is None  # nothing before it to compare with
    assert weeks[1].change == pytest.approx(-1.0)  # the week with no runs
    assert weeks[2].change == pytest.approx(12 / 5 - 1) and weeks[2].over_guideline
    assert weeks[4].change == pytest.approx(10 / (32 / 4) - 1)  # 0, 12, 10 and 10 behind it
    # Only four weeks count: 12, 10, 10, 12 -> mean 11 (with the empty week five back it would be
    # 8.8, and +30%).
    assert weeks[6].change == pytest.approx(11.45 / 11 - 1) and not weeks[6].over_guideline
    assert weeks[5].change == pytest.approx(12 / 8 - 1) and weeks[5].over_guideline
    # Cross-training: moving time (50 min), not elapsed; its distance is not on foot.
    assert (weeks[0].cross_training_s, weeks[0].runs) == (3000, 1)
    assert weeks[-1].complete is False and weeks[-2].complete is True


def test_exactly_ten_percent_is_within_the_guideline(store, tz):
    tz("UTC")
    add(store, utc(2026, 1, 5, 8), 10 * KM)
    add(store, utc(2026, 1, 12, 8), 11 * KM)
    add(store, utc(2026, 1, 19, 8), 11.6 * KM)  # 10.5 km mean before: +10.5 %
    w = weekly(sessions(store, utc(2026, 1, 25)), date(2026, 1, 25))
    assert [x.over_guideline for x in w] == [False, False, True]
    assert w[1].change == pytest.approx(0.10)


def test_no_prior_distance_gives_no_change(store, tz):
    tz("UTC")
    add(store, utc(2026, 1, 5, 8), 0.0, "cycling", elapsed_s=3600)
    add(store, utc(2026, 1, 12, 8), 5 * KM)
    w = weekly(sessions(store, utc(2026, 1, 13)), date(2026, 1, 13))
    assert [(x.distance_m, x.change, x.over_guideline) for x in w] == [
        (0, None, False),
        (5 * KM, None, False),
    ]


def test_ignored_and_future_activities_do_not_count(store, tz):
    tz("UTC")
    add(store, utc(2026, 1, 5, 8), 5 * KM)
    test_id = add(store, utc(2026, 1, 6, 8), 40 * KM)
    with store.write():
        store.conn.execute("UPDATE activities SET ignored = 1 WHERE id = ?", (test_id,))
    add(store, utc(2026, 2, 1, 8), 7 * KM)  # after `now`
    [w] = weekly(sessions(store, utc(2026, 1, 7)), date(2026, 1, 7))
    assert w.distance_m == 5 * KM


def test_spikes_past_the_30_day_longest(store, tz):
    tz("UTC")
    t0 = utc(2026, 1, 1, 7)
    add(store, t0, 5 * KM)
    add(store, t0 + timedelta(days=10), 8 * KM)  # longer, but in the first 30 days: not judged
    add(store, t0 + timedelta(days=29, hours=23), 7 * KM)
    long_id = add(store, t0 + timedelta(days=31), 10 * KM)  # 8 km on day 10 is the longest before
    add(store, t0 + timedelta(days=45), 9.9 * KM)
    walk = add(store, t0 + timedelta(days=50), 25 * KM, "walk")  # walks are not runs
    add(store, t0 + timedelta(days=60), 10 * KM)  # equal to the longest (day 31): not longer
    back_id = add(store, t0 + timedelta(days=100), 6 * KM)  # first run after 39 days off
    add(store, t0 + timedelta(days=101), 6 * KM)
    double_id = add(store, t0 + timedelta(days=102), 12.6 * KM)
    found = spikes(sessions(store, t0 + timedelta(days=200)))
    assert [(s.id, s.longest_prior_m, s.excess, s.band) for s in found] == [
        (long_id, 8 * KM, pytest.approx(0.25), "10-30%"),
        (back_id, 0.0, None, "after a break"),
        (double_id, 6 * KM, pytest.approx(1.1), "over 100%"),
    ]
    assert walk not in [s.id for s in found]


def test_a_history_shorter_than_30_days_has_no_spikes(store, tz):
    tz("UTC")
    t0 = utc(2026, 1, 1, 7)
    for day, km in [(0, 3), (5, 6), (12, 10), (29, 15)]:
        add(store, t0 + timedelta(days=day), km * KM)
    assert spikes(sessions(store, t0 + timedelta(days=30))) == []


def test_spikes_match_a_brute_force_reading_of_the_rule():
    """The sliding window gives what the rule says, on a long random history with ties."""
    import random

    from shoetrack.insight.load import Session

    rng = random.Random(12)
    t0 = utc(2020, 1, 1)
    items = sorted(
        (
            Session(
                i,
                t0 + timedelta(hours=rng.randrange(0, 24 * 700)),
                rng.choice(["run", "run", "trail_run", "walk"]),
                rng.choice([3000, 5000, 5000, 8000, 10000, 12000, 21100, 0]),
                None,
            )
            for i in range(200)
        ),
        key=lambda s: (s.start, s.id),
    )
    runs = [s for s in items if s.sport != "walk" and s.distance_m > 0]
    want = []
    for r in runs:
        if r.start < runs[0].start + timedelta(days=30):
            continue
        prior = [p.distance_m for p in runs if r.start - timedelta(days=30) <= p.start < r.start]
        longest = max(prior, default=0.0)
        if r.distance_m > longest:
            want.append((r.id, longest))
    got = [(s.id, s.longest_prior_m) for s in spikes(items)]
    assert got == want and len(want) > 10


def test_acute_chronic_ratio_exact(store, tz):
    tz("UTC")
    for day, meters in [(0, 1000), (2, 2000)]:
        add(store, utc(2026, 1, 1, 7) + timedelta(days=day), meters)
    r = acute_chronic(sessions(store, utc(2026, 1, 4)), date(2026, 1, 3))
    la, lc = 0.25, 2 / 29
    assert r.acute_m == pytest.approx(2000 * la + (1 - la) ** 2 * 1000 * la, rel=1e-12)
    assert r.acute_m == pytest.approx(640.625, rel=1e-12)
    assert r.chronic_m == pytest.approx(2000 * lc + (1 - lc) ** 2 * 1000 * lc, rel=1e-12)
    assert (r.days, r.ratio) == (3, None)  # under 28 days of history: no ratio


def test_acute_chronic_ratio_of_a_steady_month(store, tz):
    tz("UTC")
    start = utc(2026, 2, 1, 7)
    for day in range(28):
        add(store, start + timedelta(days=day), 5000)
    add(store, start + timedelta(days=3), 900, "cycling", elapsed_s=3600)  # not on foot
    r = acute_chronic(sessions(store, start + timedelta(days=28)), date(2026, 2, 28))
    # Constant load L from zero: EWMA after n days = L * (1 - (1 - lambda)^n).
    acute, chronic = 5000 * (1 - 0.75**28), 5000 * (1 - (27 / 29) ** 28)
    assert (r.acute_m, r.chronic_m) == (
        pytest.approx(acute, rel=1e-12),
        pytest.approx(chronic, rel=1e-12),
    )
    assert r.ratio == pytest.approx(acute / chronic, rel=1e-12)
    assert r.ratio == pytest.approx(1.1560, abs=1e-4) and r.days == 28  # 0.99968 / 0.86479


def test_week_of():
    assert week_of(date(2026, 12, 3), 0) == date(2026, 11, 30)  # a Thursday, Monday weeks
    assert week_of(date(2026, 12, 3), 6) == date(2026, 11, 29)  # Sunday weeks
    assert week_of(date(2026, 11, 29), 6) == date(2026, 11, 29)


def test_settings_from_the_config():
    assert load_settings(from_dict({})) == LoadSettings(0, False, 0.10, True)
    s = load_settings(from_dict({"load": {"week_start": "Sun", "alert": True, "alert_spike": 25}}))
    assert s == LoadSettings(6, True, 0.25, True)
    for bad, msg in [
        ({"week_start": "someday"}, "load.week_start must be a weekday .* not 'someday'"),
        ({"week_start": "t"}, "must be a weekday"),  # tuesday or thursday?
        ({"alert_spike": "lots"}, "load.alert_spike must be a number from 0 to 1000, not 'lots'"),
        ({"alert": "yes"}, "load.alert must be true or false, not 'yes'"),
    ]:
        with pytest.raises(Exception, match=msg):
            load_settings(from_dict({"load": bad}))


# ---------------------------------------------------------------------------------------------
# Through the CLI (dates relative to the real clock: the command reads `now` itself)


def _recent_history(store):
    """Five weeks of 10 km a week ending last week, and this week 8 km + a 9 km run."""
    now = datetime.now(timezone.utc)
    this_week = week_of(now.astimezone().date(), 0)
    noon = lambda d: datetime.combine(d, datetime.min.time()).astimezone() + timedelta(hours=1)  # noqa
    for i in range(1, 6):
        add(store, noon(this_week - timedelta(weeks=i)), 5 * KM)
        add(store, noon(this_week - timedelta(weeks=i) + timedelta(days=2)), 5 * KM)
    spike = add(store, noon(this_week), 9 * KM)
    add(store, noon(this_week), 3600, "cycling", elapsed_s=2700)
    return this_week, spike


def test_load_json_through_the_cli(st, store, tz):
    tz("UTC")
    this_week, spike = _recent_history(store)
    data = st.json("load", "--weeks", "3")
    assert data["week_start_day"] == "monday" and data["guideline"] == 0.1
    assert [w["week_start"] for w in data["weeks"]] == [
        (this_week - timedelta(weeks=i)).isoformat() for i in (2, 1, 0)
    ]
    last = data["weeks"][-1]
    assert (
        last["distance_m"],
        last["cross_training_s"],
        last["change"],
        last["over_guideline"],
        last["complete"],
    ) == (9000.0, 2700.0, -0.1, False, False)
    assert data["weeks"][0]["change"] == 0.0
    [s] = data["spikes"]
    assert (s["id"], s["distance_m"], s["longest_prior_m"], s["excess"], s["band"]) == (
        spike,
        9000.0,
        5000.0,
        0.8,
        "30-100%",
    )
    assert data["acute_chronic"]["days"] >= 28 and data["acute_chronic"]["ratio"] > 0
    assert st.json("weekly", "--weeks", "3") == data


def test_load_table_and_week_start_from_the_config(st, store, tz, tmp_path):
    tz("UTC")
    this_week, _ = _recent_history(store)
    out = st("--units", "km", "load", "--weeks", "2").stdout
    assert f"\n{this_week} (so far)   9.0 km         1           45:00            -10%\n" in out
    assert "+80%" in out and "Acute:chronic ratio" in out
    (tmp_path / "config.toml").write_text('[load]\nweek_start = "sunday"\n')
    data = st.json("load", "--weeks", "1")
    assert data["week_start_day"] == "sunday"
    assert date.fromisoformat(data["weeks"][0]["week_start"]).weekday() == 6
    (tmp_path / "config.toml").write_text('[load]\nweek_start = "someday"\n')
    r = st("load", code=1)
    assert r.stderr == (
        f"Error: config {tmp_path / 'config.toml'}: load.week_start must be a "
        "weekday (monday .. sunday), not 'someday'\n"
    )


def test_load_with_no_activities(st):
    assert st("load").stdout.startswith("No activities yet")
    assert st.json("load") == {
        "week_start_day": "monday",
        "guideline": 0.1,
        "weeks": [],
        "spikes": [],
        "acute_chronic": None,
    }


# ---------------------------------------------------------------------------------------------
# The optional load alert


def _picture(store, config, now):
    return compute(store, config, now=now, weeks=2)


def test_load_alert_decision(store, tz):
    tz("UTC")
    t0 = utc(2026, 1, 1, 7)
    for day in range(0, 35, 7):
        add(store, t0 + timedelta(days=day), 8 * KM)
    big = add(store, t0 + timedelta(days=36), 9.2 * KM)  # +15 %
    now = t0 + timedelta(days=37)
    off = from_dict({})
    on = from_dict({"load": {"alert": True, "alert_spike": 20, "alert_week": False}})
    assert alerting.due(_picture(store, off, now), load_settings(off), set(), now) == []
    assert alerting.due(_picture(store, on, now), load_settings(on), set(), now) == []  # 15 <= 20
    low = from_dict({"load": {"alert": True, "alert_spike": 10, "alert_week": False}})
    [a] = alerting.due(_picture(store, low, now), load_settings(low), set(), now, units="km")
    assert (a.kind, a.key) == ("spike", f"spike:{big}")
    assert a.message.startswith(
        "Long run: 9.2 km on 2026-02-06 was 15% longer than your longest "
        "run of the 30 days before (8.0 km)."
    )
    assert alerting.due(_picture(store, low, now), load_settings(low), {a.key}, now) == []
    later = now + timedelta(days=8)  # no longer recent
    assert alerting.due(_picture(store, low, later), load_settings(low), set(), later) == []


def test_load_alert_for_a_steep_week(store, tz):
    tz("UTC")
    mondays = [utc(2026, 1, 5, 8) + timedelta(weeks=i) for i in range(5)]
    for m, km in zip(mondays, [10, 10, 10, 10, 12], strict=True):
        add(store, m, km * KM)
    now = mondays[-1] + timedelta(hours=2)
    cfg = from_dict({"load": {"alert": True, "alert_spike": 50}})
    [a] = alerting.due(_picture(store, cfg, now), load_settings(cfg), set(), now, units="km")
    assert (a.kind, a.key) == ("week", "week:2026-02-02")
    assert a.message == (
        "Week of 2026-02-02: 12.0 km on foot so far, 20% above the mean of the "
        "four weeks before (the usual guideline is 10%, a convention rather than "
        "a proven limit)."
    )


def test_load_alert_emailed_once_through_alerts_check(
    st, store, tmp_path, tz, smtp_server, monkeypatch
):
    from conftest_services import SMTP_PASSWORD, SMTP_USER

    tz("UTC")
    monkeypatch.setenv("SHOETRACK_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("SHOETRACK_NOW", "2026-02-07T09:00:00Z")
    t0 = utc(2026, 1, 1, 7)
    for day in range(0, 35, 7):
        add(store, t0 + timedelta(days=day), 8 * KM)
    add(store, t0 + timedelta(days=36), 12 * KM)  # +50 % on 6 Feb
    email = (
        f'[email]\nenabled = true\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\n'
        f'security = "{smtp_server.mode}"\nusername = "{SMTP_USER}"\n'
        f'from = "shoetrack <{SMTP_USER}>"\nto = ["runner@example.net"]\n'
        f'cafile = "{smtp_server.cafile}"\ntimeout = 5\n[desktop]\nenabled = false\n'
    )
    (tmp_path / "config.toml").write_text(email)
    assert st("alerts", "check").stdout == "Nothing due; the outbox is empty.\n"  # off by default
    (tmp_path / "config.toml").write_text(email + "[load]\nalert = true\nalert_week = false\n")
    out = st("--units", "km", "alerts", "check").stdout
    assert out.startswith(
        "Raised: Long run: 12.0 km on 2026-02-06 was 50% longer than your "
        "longest run of the 30 days before (8.0 km)."
    )
    [got] = smtp_server.messages
    assert got.message["Subject"] == "shoetrack: Training load: a long run"
    assert "Turn these off with `alert = false` under [load]" in got.message.get_content()
    assert st("alerts", "check").stdout == "Nothing due; the outbox is empty.\n"
    assert len(smtp_server.messages) == 1
    assert store.q("SELECT kind, key FROM load_alerts") == [{"kind": "spike", "key": "spike:6"}]


def test_migration_from_the_previous_version(tmp_path):
    """A database made before 0005_insight gains the load_alerts table and keeps its rows."""
    import sqlite3

    from shoetrack.store import MIGRATIONS, open_store

    path = tmp_path / "old.db"
    s = open_store(path)
    add(s, utc(2026, 1, 1, 7), 5 * KM)
    s.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE load_alerts")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0005_insight'")
    conn.commit()
    conn.close()
    s = open_store(path)
    assert not MIGRATIONS.pending(s.db)
    assert s.scalar("SELECT count(*) FROM load_alerts") == 0
    assert s.scalar("SELECT count(*) FROM activities") == 1
    s.close()
