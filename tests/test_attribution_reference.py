"""The inbox and reassign against a straightforward reference computation.

The inbox and `reassign` are built for 100,000 activities: eligibility worked out once per
stretch of days, the features of the history computed in SQL, learned suggestions shared by runs
alike. Here a generated store with a rotation (two road pairs, trail, a pair of unknown purchase
date, a retired pair, one bought mid-history, rules by weekday, device and folder, and a year of
the runner's own choices) is worked out again the plain way — every pair's dates for every
activity, features in Python from each row, one suggestion at a time — and the pairs, reasons
and order must be identical.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from importers.model import Activity
from shoetrack import activities, shoes
from shoetrack.attribution import chooser, inbox, reassign, rules, suggest
from shoetrack.sports import SHOE_SPORTS, wears_shoes
from shoetrack.units import from_iso, local_date

FIRST = date(2025, 3, 1)
DAYS = 420


# ---------------------------------------------------------------- the generated store


def _store_with_a_rotation(store) -> None:
    rnd = random.Random(15)
    road_a = shoes.add(store, "Road A", purchased_on="2025-01-01", default_sports=["run"])
    road_b = shoes.add(store, "Road B", purchased_on="2025-01-01", default_sports=["run"])
    trail = shoes.add(store, "Trail", purchased_on="2025-02-01", default_sports=["trail_run"])
    racer = shoes.add(store, "racer")  # purchase date unknown: automatic from today only
    old = shoes.add(
        store,
        "Old",
        purchased_on="2024-06-01",
        retired_on="2025-07-01",
        default_sports=["run", "walk"],
    )
    new = shoes.add(store, "New", purchased_on="2025-12-15", default_sports=["run"])
    rules.add(store, racer, min_distance_m=18000, weekdays=["sun"])
    rules.add(store, trail, path_pattern="*/Trail/*")
    rules.add(store, new, device="Coros*", sport="treadmill_run")
    with store.write():
        trail_file = store.conn.execute(
            "INSERT INTO files (path, status, imported_at) VALUES ('/runs/Trail/x.fit', 'imported',"
            " '2025-03-01T00:00:00Z')"
        ).lastrowid
        for i in range(DAYS * 2):
            day = FIRST + timedelta(days=i // 2)
            hour = rnd.choice([6, 7, 8, 12, 17, 18, 19, 21, 23, 2])
            sport = rnd.choices(
                ["run", "trail_run", "treadmill_run", "walk", "hike", "cycling"],
                [60, 12, 10, 8, 3, 7],
            )[0]
            km = rnd.uniform(3, 32)
            start = datetime(day.year, day.month, day.day, hour, rnd.randint(0, 59)).astimezone()
            a = Activity(
                start=start.astimezone(timezone.utc),
                sport=sport,
                distance_m=km * 1000,
                source=rnd.choice(["fit", "fit", "manual"]),
                session_index=0,
                sub_sport=rnd.choice([None, "street", "track"]) if sport == "run" else None,
                elapsed_s=km * rnd.uniform(260, 420),
                has_gps=sport != "treadmill_run",
                device=rnd.choice([None, "Forerunner 255", "Coros Pace"]),
            )
            aid = activities.insert(store, a, file_id=trail_file if rnd.random() < 0.03 else None)
            _assign(store, rnd, aid, a, day, [road_a, road_b, trail, racer, old, new])


def _assign(store, rnd, aid, a, day, pairs) -> None:
    """The runner's own choices with patterns (long Sundays on racer, Tuesday evenings on
    Road B, trails on Trail), automatic ones, ignored recordings, and about a third waiting."""
    road_a, road_b, trail, racer, old, new = pairs
    roll = rnd.random()
    if not wears_shoes(a.sport) or roll < 0.33:
        return
    if roll < 0.36:
        store.conn.execute("UPDATE activities SET ignored = 1 WHERE id = ?", (aid,))
        return
    local = a.start.astimezone()
    if a.sport == "trail_run":
        shoe = trail
    elif local.weekday() == 6 and a.distance_m > 16000:
        shoe = racer
    elif local.weekday() == 1 and local.hour >= 17:
        shoe = road_b
    else:
        shoe = rnd.choice([road_a, road_b, old if day < date(2025, 7, 1) else new])
    if not shoe.worn_by_hand_on(day):
        return
    by = rnd.choice(["manual", "manual", "inbox", "archive", "default", "rule:1"])
    activities.set_assignment(store, aid, chooser.Choice(shoe, by, by))


@pytest.fixture
def rotation_store(store):
    _store_with_a_rotation(store)
    return store


# ---------------------------------------------------------------- the reference


def _ref_choose(act: dict, every: list, rule_rows: list) -> chooser.Choice:
    """chooser.choose the plain way: every pair's dates read again for this one activity."""
    if act["ignored"]:
        return chooser.Choice(None, None, "ignored")
    sport = act["sport"]
    if not wears_shoes(sport):
        return chooser.Choice(None, None, f"{sport} is cross-training: it never counts on shoes")
    day = local_date(act["start"])
    hand = act["source"] == "manual"
    pool = [s for s in every if (s.worn_by_hand_on(day) if hand else s.in_use_on(day))]
    found = None
    for r in rule_rows:
        shoe = next((s for s in pool if s.id == r["shoe_id"]), None)
        if chooser.rule_matches(r, act, act["file"]) and shoe is not None:
            found = chooser.Choice(shoe, f"rule:{r['id']}", f"rule {r['id']}")
            break
    if found is None:
        candidates = chooser.defaults_for(pool, sport)
        if len(candidates) == 1:
            return chooser.Choice(candidates[0], "default", f"default for {sport}")
        why = (
            f"several pairs are default for {sport} ({', '.join(s.name for s in candidates)})"
            if candidates
            else f"no pair in use on {day} is default for {sport}"
        )
        found = chooser.Choice(None, None, why)
        later = [s for s in every if s not in pool and s.first_day > day and not s.retired_by(day)]
        matched = {r["shoe_id"] for r in rule_rows if chooser.rule_matches(r, act, act["file"])}
        defaults = {s.id for s in chooser.defaults_for(later, sport)}
        early = [s for s in later if s.id in matched or s.id in defaults]
        if early:
            found.reason += "; " + chooser.first_day_hint(early[0])
            found.predates = early
    return found


def _ref_features(row: dict) -> dict:
    """The FEATURES_SQL columns computed in Python from one activity row."""
    local = from_iso(row["start"]).astimezone()
    m, t = row["distance_m"], row["moving_s"] or row["elapsed_s"]
    hour = local.hour
    tod = (
        "night"
        if hour < 5
        else "early"
        if hour < 9
        else "morning"
        if hour < 12
        else "lunchtime"
        if hour < 14
        else "afternoon"
        if hour < 18
        else "evening"
        if hour < 22
        else "night"
    )
    return {
        "kind": f"{row['sport']}/{row['sub_sport'] or ''}",
        "dist": sum(m >= b for b in (5000, 8000, 12000, 16000, 21500, 30000)),
        "wd": (local.weekday() + 1) % 7,
        "tod": tod,
        "pace": min(16, max(6, int(t * 1000.0 / m / 30))) if m > 500 and t and t > 0 else -1,
        "gps": row["has_gps"],
        "device": row["device"] or "",
    }


def _ref_history(store, waiting: list[dict]) -> list[dict]:
    """One row per past choice around the waiting runs, features from Python."""
    lo = from_iso(waiting[0]["start"]) - timedelta(days=suggest.HISTORY_DAYS)
    hi = from_iso(waiting[-1]["start"]) + timedelta(days=suggest.HISTORY_DAYS)
    rows = []
    for r in store.q(
        "SELECT a.*, g.shoe_id FROM assignments g JOIN activities a ON a.id = g.activity_id"
        " WHERE g.by IN ('manual', 'inbox', 'archive') AND a.ignored = 0"
    ):
        if r["sport"] in SHOE_SPORTS and lo <= from_iso(r["start"]) <= hi:
            rows.append({"shoe_id": r["shoe_id"], **_ref_features(r), "n": 1})
    return rows


def _least(pairs, wear):
    return min(pairs, key=lambda s: (wear[s.id], s.name.lower()))


def _ref_inbox(store) -> list[tuple]:
    """(activity id, suggested pair or None, reason or waiting, choices, predates) in order."""
    every = shoes.all_shoes(store)
    rule_rows = rules.rows(store)
    waiting = [
        r
        for r in store.q(
            "SELECT a.*, (SELECT path FROM files f WHERE f.id = a.file_id) AS file FROM activities a"
            " WHERE a.ignored = 0 AND NOT EXISTS (SELECT 1 FROM assignments g WHERE g.activity_id = a.id)"
            " ORDER BY a.start, a.id"
        )
        if r["sport"] in SHOE_SPORTS
    ]
    history = _ref_history(store, waiting)
    wear = {s.id: s.start_distance_m for s in every}
    for r in store.q(
        "SELECT g.shoe_id, a.distance_m FROM assignments g JOIN activities a"
        " ON a.id = g.activity_id WHERE a.ignored = 0"
    ):
        wear[r["shoe_id"]] += r["distance_m"]
    out = []
    for act in waiting:
        day = local_date(act["start"])
        choices = [s for s in every if s.worn_by_hand_on(day)]
        auto = _ref_choose(act, every, rule_rows)
        shoe, reason = auto.shoe, auto.reason
        if shoe is None:
            # A model of its own for every run: nothing carried over from the one before.
            learned = suggest.Model(history).suggest({**act, **_ref_features(act)}, choices)
            rotation = chooser.defaults_for(choices, act["sport"])
            if learned and learned.shoe:
                shoe, reason = learned.shoe, learned.reason
            elif learned and len(learned.likely) > 1:
                shoe = _least(learned.likely, wear)
                names = ", ".join(
                    s.name for s in sorted(learned.likely, key=lambda s: s.name.lower())
                )
                reason = f"least worn of {names}, worn for runs like this"
            elif rotation:
                shoe = _least(rotation, wear)
                reason = (
                    f"default for {act['sport']}"
                    if len(rotation) == 1
                    else "least worn of " + ", ".join(s.name for s in rotation)
                )
        if shoe is not None:
            wear[shoe.id] += act["distance_m"]
        out.append(
            (
                act["id"],
                shoe.name if shoe else None,
                reason if shoe else None,
                [s.name for s in choices],
                [s.name for s in auto.predates],
            )
        )
    return out


def _got_inbox(store) -> list[tuple]:
    return [
        (
            e.activity["id"],
            e.suggestion.shoe.name if e.suggestion else None,
            e.suggestion.reason if e.suggestion else None,
            [s.name for s in e.choices],
            [s.name for s in e.predates],
        )
        for e in inbox.entries(store)
    ]


# ---------------------------------------------------------------- the comparisons


def test_the_generated_store_exercises_every_kind_of_suggestion(rotation_store):
    reasons = [r for _, _, r, _, _ in _ref_inbox(rotation_store)]
    kinds = {
        (
            "like"
            if r.startswith("like ")
            else "runs like this"
            if r.endswith("runs like this")
            else "least worn"
            if r.startswith("least worn")
            else r.split(" ")[0]
        )
        if r
        else None
        for r in reasons
    }
    assert kinds == {"like", "runs like this", "least worn", "rule", "default", None}
    assert len(reasons) > 150
    assert any(p for *_, p in _ref_inbox(rotation_store))  # runs predating New


def test_inbox_matches_the_reference(rotation_store):
    assert _got_inbox(rotation_store) == _ref_inbox(rotation_store)


def test_inbox_matches_the_reference_after_accepting_half(rotation_store):
    """Accepted suggestions become history (by 'inbox') and wear: the rest must still agree."""
    items = inbox.entries(rotation_store)
    inbox.accept(rotation_store, items[::2])
    assert _got_inbox(rotation_store) == _ref_inbox(rotation_store)


def test_features_in_sql_match_python(rotation_store):
    rows = rotation_store.q(f"SELECT a.*, {suggest.FEATURES_SQL} FROM activities a")
    assert len(rows) == DAYS * 2
    for r in rows:
        assert {
            k: r[k] for k in ("kind", "dist", "wd", "tod", "pace", "gps", "device")
        } == _ref_features(r)


def test_reassign_matches_the_reference(rotation_store):
    store = rotation_store
    every = shoes.all_shoes(store)
    rule_rows = rules.rows(store)
    # Move the first days and rules about so that automatic choices change.
    shoes.edit(store, shoes.resolve(store, "New"), purchased_on="2025-09-01")
    rules.move(store, rule_rows[-1]["id"], 1)
    every = shoes.all_shoes(store)
    rule_rows = rules.rows(store)
    expected = []
    for row in store.q(
        "SELECT a.*, f.path AS file, g.shoe_id, g.by FROM activities a"
        " LEFT JOIN assignments g ON g.activity_id = a.id LEFT JOIN files f ON f.id = a.file_id"
        " WHERE a.ignored = 0 ORDER BY a.start, a.id"
    ):
        if row["by"] in chooser.USER_BY:
            continue
        c = _ref_choose(row, every, rule_rows)
        if (c.shoe.id if c.shoe else None, c.by) != (row["shoe_id"], row["by"]):
            expected.append((row["id"], c.shoe.name if c.shoe else None, c.by, c.reason))
    got = [
        (c.activity["id"], c.new_shoe.name if c.new_shoe else None, c.new_by, c.why)
        for c in reassign.plan(store)
    ]
    assert len(got) > 100
    assert got == expected
    since, until = date(2025, 8, 1), date(2025, 12, 31)
    in_range = [
        g
        for g in got
        if since
        <= local_date(store.one("SELECT start FROM activities WHERE id = ?", (g[0],))["start"])
        <= until
    ]
    assert [
        (c.activity["id"], c.new_by) for c in reassign.plan(store, since=since, until=until)
    ] == [(g[0], g[2]) for g in in_range]


def test_pairs_eligibility_equals_every_pair_asked(rotation_store):
    """chooser.Pairs answers per stretch of days; every day of the history (and its edges)
    must give what asking each pair gives."""
    every = shoes.all_shoes(rotation_store)
    pairs = chooser.Pairs(every)
    for i in range(-400, DAYS + 400):
        day = FIRST + timedelta(days=i)
        for hand in (False, True):
            assert pairs.eligible(day, by_hand=hand) == chooser.eligible(every, day, by_hand=hand)
            assert pairs.later(day, hand) == [
                s
                for s in every
                if s not in chooser.eligible(every, day, by_hand=hand)
                and s.first_day > day
                and not s.retired_by(day)
            ]
