"""Backfill and re-run of attribution: a plan of changes first, then exactly that plan applied.

Only automatic assignments (`rule:N`, `default`) and unassigned activities are recomputed;
choices a person made (`manual`, `inbox`, `archive`) and ignored activities never change.
Distances are meters; dates are the runner's local calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shoetrack import activities
from shoetrack.attribution import chooser
from shoetrack.errors import ShoetrackError
from shoetrack.shoes import Shoe, all_shoes
from shoetrack.store import Store
from shoetrack.units import day_start_utc, local_date

SQL = """
SELECT a.id, a.start, a.sport, a.distance_m, a.device, a.name, a.ignored, a.file_id, a.source,
       f.path AS file, g.shoe_id, g.by
FROM activities a
LEFT JOIN assignments g ON g.activity_id = a.id
LEFT JOIN files f ON f.id = a.file_id
WHERE a.ignored = 0 AND (g.by IS NULL OR g.by NOT IN ({user}))
"""


@dataclass
class Change:
    """One activity whose automatic choice differs from what is stored. `old_by`/`new_by` are
    `assignments.by` values (None = on no pair); `why` is the new choice's reason."""

    activity: dict
    old_shoe: Shoe | None
    old_by: str | None
    new_shoe: Shoe | None
    new_by: str | None
    why: str
    day: date  # the activity's local date

    @property
    def moves(self) -> bool:
        """False when only the reason changes (the same pair, e.g. rule:3 -> default)."""
        return _id(self.old_shoe) != _id(self.new_shoe)

    def to_json(self) -> dict:
        a = self.activity
        return {
            "activity_id": a["id"],
            "start": a["start"],
            "date": self.day.isoformat(),
            "sport": a["sport"],
            "distance_m": a["distance_m"],
            "old_shoe": self.old_shoe.name if self.old_shoe else None,
            "old_by": self.old_by,
            "new_shoe": self.new_shoe.name if self.new_shoe else None,
            "new_by": self.new_by,
            "why": self.why,
            "moves": self.moves,
        }


def _id(shoe: Shoe | None) -> int | None:
    return shoe.id if shoe else None


def plan(
    store: Store,
    shoe: Shoe | None = None,
    since: date | None = None,
    until: date | None = None,
    sport: str | None = None,
) -> list[Change]:
    """Changes the automatic choice would make now, oldest activity first.

    since/until: local dates, both inclusive. shoe: only changes that take an activity off or
    put one on that pair. sport: canonical sport name. Read-only.
    """
    sql = SQL.format(user=", ".join("?" for _ in chooser.USER_BY))
    params: list = list(chooser.USER_BY)
    if sport:
        sql += " AND a.sport = ?"
        params.append(sport)
    if since:
        sql += " AND a.start >= ?"
        params.append(day_start_utc(since))
    if until:
        sql += " AND a.start < ?"
        params.append(day_start_utc(until + timedelta(days=1)))
    sql += " ORDER BY a.start, a.id"
    shoes = all_shoes(store)
    by_id = {s.id: s for s in shoes}
    pairs = chooser.Pairs(shoes)  # each pair's dates parsed once, not once per activity
    rules = chooser.load_rules(store)
    out = []
    for row in store.q(sql, params):
        day = local_date(row["start"])
        choice = chooser.choose(store, row, path=row["file"], shoes=pairs, rules=rules, day=day)
        new_id = _id(choice.shoe)
        if new_id == row["shoe_id"] and choice.by == row["by"]:
            continue
        change = Change(
            activity={k: row[k] for k in ("id", "start", "sport", "distance_m", "name", "file")},
            old_shoe=by_id.get(row["shoe_id"]),
            old_by=row["by"],
            new_shoe=choice.shoe,
            new_by=choice.by,
            why=choice.reason,
            day=day,
        )
        if shoe is not None and shoe.id not in (row["shoe_id"], new_id):
            continue
        out.append(change)
    return out


def apply(store: Store, changes: list[Change]) -> None:
    """Apply exactly `changes` in one transaction. If any activity's assignment is no longer
    what the plan saw (changed meanwhile by another command or the daemon), nothing is applied."""
    with store.write():
        for c in changes:
            aid = c.activity["id"]
            now = store.one(
                "SELECT a.ignored, g.shoe_id, g.by FROM activities a"
                " LEFT JOIN assignments g ON g.activity_id = a.id WHERE a.id = ?",
                (aid,),
            )
            if (
                now is None
                or now["ignored"]
                or (now["shoe_id"], now["by"]) != (_id(c.old_shoe), c.old_by)
            ):
                raise ShoetrackError(
                    f"activity #{aid} changed since the plan was made: "
                    "run `shoetrack reassign` again"
                )
            activities.set_assignment(store, aid, chooser.Choice(c.new_shoe, c.new_by, c.why))


def moved(changes: list[Change]) -> list[dict]:
    """Distance moved per pair, in meters: [{shoe, lost_m, gained_m, net_m}] sorted by name;
    changes that keep their pair move nothing. shoe None = on no pair (the inbox)."""
    acc: dict[str | None, list[float]] = {}
    for c in changes:
        if not c.moves:
            continue
        d = c.activity["distance_m"]
        acc.setdefault(c.old_shoe.name if c.old_shoe else None, [0.0, 0.0])[0] += d
        acc.setdefault(c.new_shoe.name if c.new_shoe else None, [0.0, 0.0])[1] += d
    named = sorted((n for n in acc if n is not None), key=str.lower)
    names = [*named, None] if None in acc else named
    return [
        {"shoe": n, "lost_m": acc[n][0], "gained_m": acc[n][1], "net_m": acc[n][1] - acc[n][0]}
        for n in names
    ]
