"""Activities in the store: add (manual or imported), list, assign, unassign, delete."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

from importers.model import Activity
from shoetrack.attribution import chooser
from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.shoes import Shoe
from shoetrack.sports import family
from shoetrack.store import Store
from shoetrack.units import MAX_DISTANCE_M, day_start_utc, iso


def identity_key(start: datetime, sport: str) -> str:
    """Coarse key for the same activity exported twice (FIT and GPX): sport family + UTC minute.
    Candidates are then compared within 60 s and 2 % of distance."""
    return f"{family(sport)}@{iso(start)[:16]}"


def validate(act: Activity) -> None:
    """Refuse values that must never reach the store (belt and braces: the table CHECKs too)."""
    if act.start.tzinfo is None:
        raise ShoetrackError("activity start has no time zone")
    for name in ("distance_m", "elapsed_s", "moving_s"):
        v = getattr(act, name)
        if v is not None and (not math.isfinite(v) or v < 0):
            raise ShoetrackError(f"activity {name} is not a valid number: {v!r}")
    if act.distance_m > MAX_DISTANCE_M:
        raise ShoetrackError(f"activity distance {act.distance_m:.0f} m is implausible")
    if act.start.year < 1990:
        raise ShoetrackError(f"activity start {act.start:%Y-%m-%d} is implausible")


def insert(
    store: Store, act: Activity, *, file_id: int | None = None, note: str | None = None
) -> int:
    """Insert one activity row (inside the caller's transaction); returns its id."""
    validate(act)
    row = {
        "start": iso(act.start),
        "sport": act.sport,
        "sub_sport": act.sub_sport,
        "distance_m": float(act.distance_m),
        "elapsed_s": act.elapsed_s,
        "moving_s": act.moving_s,
        "name": act.name,
        "device": act.device,
        "source": act.source,
        "file_id": file_id,
        "session_index": act.session_index,
        "has_gps": int(bool(act.has_gps)),
        "recovered": int(bool(act.recovered)),
        "identity": identity_key(act.start, act.sport),
        "note": note,
        "created_at": iso(datetime.now(timezone.utc)),
    }
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cur = store.conn.execute(
        f"INSERT INTO activities ({cols}) VALUES ({marks})", list(row.values())
    )
    assert cur.lastrowid is not None  # an INSERT just ran
    return cur.lastrowid


def get(store: Store, activity_id: int) -> dict:
    row = store.one("SELECT * FROM activities WHERE id = ?", (activity_id,))
    if row is None:
        raise UsageProblem(f"no activity with id {activity_id}")
    return row


def set_assignment(store: Store, activity_id: int, choice: chooser.Choice) -> None:
    """Record (or clear, when choice.shoe is None) the pair an activity counts on."""
    if choice.shoe is None:
        store.conn.execute("DELETE FROM assignments WHERE activity_id = ?", (activity_id,))
        return
    store.conn.execute(
        "INSERT INTO assignments (activity_id, shoe_id, by, assigned_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(activity_id) DO UPDATE SET shoe_id = excluded.shoe_id, by = excluded.by,"
        " assigned_at = excluded.assigned_at",
        (activity_id, choice.shoe.id, choice.by, iso(datetime.now(timezone.utc))),
    )


def add_and_attribute(
    store: Store,
    act: Activity,
    *,
    shoe: Shoe | None = None,
    file_id: int | None = None,
    path: str | None = None,
    note: str | None = None,
) -> tuple[int, chooser.Choice]:
    """Insert an activity and attribute it (explicit pair, else rules/defaults)."""
    with store.write():
        activity_id = insert(store, act, file_id=file_id, note=note)
        row = get(store, activity_id)
        choice = chooser.explicit(shoe, row) if shoe else chooser.choose(store, row, path=path)
        set_assignment(store, activity_id, choice)
    return activity_id, choice


def assign(store: Store, activity_id: int, shoe: Shoe) -> chooser.Choice:
    with store.write():
        row = get(store, activity_id)
        choice = chooser.explicit(shoe, row)
        set_assignment(store, activity_id, choice)
    return choice


def unassign(store: Store, activity_id: int) -> dict | None:
    """Put an activity back in the inbox; `reassign` may assign it again. To keep it off every
    pair for good, ignore it (`inbox --pick`, key i)."""
    with store.write():
        get(store, activity_id)
        prev = store.one(
            "SELECT s.name, a.by FROM assignments a JOIN shoes s ON s.id = a.shoe_id"
            " WHERE a.activity_id = ?",
            (activity_id,),
        )
        store.conn.execute("DELETE FROM assignments WHERE activity_id = ?", (activity_id,))
        store.conn.execute("UPDATE activities SET ignored = 0 WHERE id = ?", (activity_id,))
    return prev


def delete(store: Store, activity_id: int) -> dict:
    with store.write():
        row = get(store, activity_id)
        store.conn.execute("DELETE FROM activities WHERE id = ?", (activity_id,))
    return row


LIST_SQL = """
SELECT a.id, a.start, a.sport, a.sub_sport, a.distance_m, a.elapsed_s, a.moving_s, a.name,
       a.device, a.source, a.note, a.ignored, a.recovered, a.sport_inferred, s.name AS shoe,
       g.by AS assigned_by,
       f.path AS file
FROM activities a
LEFT JOIN assignments g ON g.activity_id = a.id
LEFT JOIN shoes s ON s.id = g.shoe_id
LEFT JOIN files f ON f.id = a.file_id
"""


def query(store: Store, **filters) -> list[dict]:
    """rows() as a list: activities newest first, with the same filters (shoe, sport, since and
    until as local dates, both inclusive, unassigned, limit)."""
    return list(rows(store, **filters))


def rows(
    store: Store,
    *,
    shoe: Shoe | None = None,
    sport: str | None = None,
    since: date | None = None,
    until: date | None = None,
    unassigned: bool = False,
    limit: int | None = None,
):
    """The rows of query(), one at a time as SQLite finds them (newest first is the order of
    the activities_start index, so the first row comes before the last is read)."""
    where: list[str] = []
    params: list[object] = []
    if shoe is not None:
        where.append("g.shoe_id = ?")
        params.append(shoe.id)
    if unassigned:
        where.append("g.shoe_id IS NULL")
    if sport:
        where.append("a.sport = ?")
        params.append(sport)
    if since:
        where.append("a.start >= ?")
        params.append(day_start_utc(since))
    if until:
        where.append("a.start < ?")
        params.append(day_start_utc(until + timedelta(days=1)))
    sql = (
        LIST_SQL
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY a.start DESC, a.id DESC"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    return store.rows(sql, params)
