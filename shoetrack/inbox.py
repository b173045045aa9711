"""The rotation inbox: shoe activities on no pair, each with a suggested pair.

An activity lands here when nothing is eligible or several pairs fit equally (two defaults for
running), or when it was imported before the pair or rule that fits it existed. The suggestion
is, in order: the automatic choice as it stands now (a rule, or the one default pair), else the
pair of the most similar recent activity (same sport, distance within 25 %, up to 60 days
before, the pair still in use that day), else the least-worn pair of the rotation (the pairs
default for the sport and in use that day).

Taking a suggestion records `by='inbox'`, choosing a pair by hand `by='manual'`: both are a
person's choice, so `reassign` never changes them. Ignoring sets `activities.ignored`: the
activity never counts (`activity unassign` brings it back to the inbox).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from shoetrack import activities, attribution
from shoetrack.errors import ShoetrackError
from shoetrack.shoes import Shoe, all_shoes
from shoetrack.sports import SHOE_SPORTS
from shoetrack.store import Store
from shoetrack.units import from_iso, iso, local_date

SIMILAR_DAYS = 60
SIMILAR_RATIO = 1.25  # the longer of two activities is at most 25 % longer than the shorter
MAX_KEYS = 9  # pairs numbered 1..9: one keypress each

SQL = """
SELECT a.id, a.start, a.sport, a.distance_m, a.elapsed_s, a.device, a.name, a.file_id, a.ignored,
       f.path AS file
FROM activities a
LEFT JOIN assignments g ON g.activity_id = a.id
LEFT JOIN files f ON f.id = a.file_id
WHERE g.activity_id IS NULL AND a.ignored = 0 AND a.sport IN ({sports})
"""


@dataclass
class Suggestion:
    shoe: Shoe
    reason: str  # one line: "rule 3", "like #12 on 2026-11-18", "least worn of Novablast, Pegasus"


@dataclass
class Entry:
    """One inbox activity. `waiting`: why automation left it on no pair. `choices`: every pair
    in use on its date, by name (what --pick numbers 1..9)."""

    activity: dict
    suggestion: Suggestion | None
    waiting: str
    choices: list[Shoe] = field(default_factory=list)

    def to_json(self) -> dict:
        a = self.activity
        s = self.suggestion
        return {
            "id": a["id"],
            "start": a["start"],
            "date": local_date(a["start"]).isoformat(),
            "sport": a["sport"],
            "distance_m": a["distance_m"],
            "name": a["name"],
            "file": a["file"],
            "waiting": self.waiting,
            "suggestion": {"shoe": s.shoe.name, "shoe_id": s.shoe.id, "reason": s.reason} if s else None,
            "choices": [c.name for c in self.choices],
        }


class _Context:
    """What every suggestion needs, loaded once: pairs, rules, and each pair's wear (meters,
    starting distance included, ignored activities excluded)."""

    def __init__(self, store: Store):
        self.shoes = all_shoes(store)
        self.rules = attribution.load_rules(store)
        worn = {r["shoe_id"]: r["d"] for r in store.q(
            "SELECT g.shoe_id, sum(a.distance_m) AS d FROM assignments g"
            " JOIN activities a ON a.id = g.activity_id WHERE a.ignored = 0 GROUP BY g.shoe_id")}
        self.wear = {s.id: s.start_distance_m + (worn.get(s.id) or 0.0) for s in self.shoes}


def _similar(store: Store, act: dict, eligible: list[Shoe]) -> Suggestion | None:
    d = act["distance_m"]
    if d <= 0:
        return None  # no distance, nothing to compare
    start = from_iso(act["start"])
    ok = {s.id: s for s in eligible}
    best = None
    for r in store.q(
        "SELECT a.id, a.start, a.distance_m, g.shoe_id FROM activities a"
        " JOIN assignments g ON g.activity_id = a.id"
        " WHERE a.ignored = 0 AND a.sport = ? AND a.id != ? AND a.start <= ? AND a.start >= ?"
        " AND a.distance_m BETWEEN ? AND ?",
        (act["sport"], act["id"], act["start"], iso(start - timedelta(days=SIMILAR_DAYS)),
         d / SIMILAR_RATIO, d * SIMILAR_RATIO),
    ):
        if r["shoe_id"] not in ok:
            continue
        # Closest distance first, then the most recent.
        key = (abs(r["distance_m"] - d) / max(r["distance_m"], d), -from_iso(r["start"]).timestamp())
        if best is None or key < best[0]:
            best = (key, r)
    if best is None:
        return None
    r = best[1]
    return Suggestion(ok[r["shoe_id"]], f"like #{r['id']} on {local_date(r['start'])}")


def _suggest(store: Store, act: dict, ctx: _Context, eligible: list[Shoe],
             auto: attribution.Choice) -> Suggestion | None:
    if auto.shoe is not None:
        return Suggestion(auto.shoe, auto.reason)
    similar = _similar(store, act, eligible)
    if similar:
        return similar
    rotation = attribution.defaults_for(eligible, act["sport"])
    if not rotation:
        return None
    least = min(rotation, key=lambda s: (ctx.wear[s.id], s.name.lower()))
    if len(rotation) == 1:
        return Suggestion(least, f"default for {act['sport']}")
    return Suggestion(least, "least worn of " + ", ".join(s.name for s in rotation))


def _entry(store: Store, act: dict, ctx: _Context) -> Entry:
    eligible = attribution.eligible(ctx.shoes, local_date(act["start"]))
    auto = attribution.choose(store, act, path=act["file"], shoes=ctx.shoes, rules=ctx.rules)
    # An automatic choice that exists now means the activity predates the pair or rule behind it.
    waiting = auto.reason if auto.shoe is None else "added before its rule or pair existed, or unassigned by hand"
    return Entry(act, _suggest(store, act, ctx, eligible, auto), waiting, eligible)


def entries(store: Store, *, activity_ids: list[int] | None = None) -> list[Entry]:
    """The inbox, oldest first (a queue: catching up on a backlog goes forward in time)."""
    sql = SQL.format(sports=", ".join("?" for _ in SHOE_SPORTS))
    params: list = list(SHOE_SPORTS)
    if activity_ids is not None:
        sql += f" AND a.id IN ({', '.join('?' for _ in activity_ids)})"
        params += activity_ids
    ctx = _Context(store)
    return [_entry(store, act, ctx) for act in store.q(sql + " ORDER BY a.start, a.id", params)]


def entry(store: Store, activity_id: int) -> Entry | None:
    """One activity's inbox entry computed now (None once it is assigned or ignored), so that
    --pick suggestions take the choices just made into account."""
    found = entries(store, activity_ids=[activity_id])
    return found[0] if found else None


def _still_waiting(store: Store, activity_id: int) -> dict | None:
    return store.one(
        "SELECT a.* FROM activities a LEFT JOIN assignments g ON g.activity_id = a.id"
        " WHERE a.id = ? AND a.ignored = 0 AND g.activity_id IS NULL", (activity_id,))


def assign(store: Store, activity_id: int, shoe: Shoe, *, by: str = "manual") -> None:
    """Put an inbox activity on `shoe` (by 'manual' or 'inbox'); the pair must be in use on the
    activity's date. Raises ShoetrackError if the activity left the inbox meanwhile."""
    if by not in ("manual", "inbox"):
        raise ValueError(by)
    with store.write():
        row = _still_waiting(store, activity_id)
        if row is None:
            raise ShoetrackError(f"activity #{activity_id} is no longer in the inbox")
        choice = attribution.explicit(shoe, row)
        activities.set_assignment(store, activity_id, attribution.Choice(shoe, by, choice.reason))


def accept(store: Store, items: list[Entry]) -> list[Entry]:
    """Take the suggestion of every entry that has one, in one transaction; returns those taken.
    Entries that left the inbox since they were listed are passed over."""
    taken = []
    with store.write():
        for e in items:
            if e.suggestion is None or _still_waiting(store, e.activity["id"]) is None:
                continue
            assign(store, e.activity["id"], e.suggestion.shoe, by="inbox")
            taken.append(e)
    return taken


def ignore(store: Store, activity_id: int) -> None:
    """Mark an activity ignored (a test recording): it never counts and leaves the inbox."""
    with store.write():
        activities.get(store, activity_id)
        store.conn.execute("DELETE FROM assignments WHERE activity_id = ?", (activity_id,))
        store.conn.execute("UPDATE activities SET ignored = 1 WHERE id = ?", (activity_id,))


def interpret(key: str, e: Entry) -> tuple[str, Shoe | None, str | None]:
    """One keypress in --pick: (action, pair, message). Actions: pick (a digit: that pair),
    accept (Enter: the suggestion), skip (s), ignore (i), quit (q, Ctrl-D, end of input), or
    again (an unknown key, with a message saying why)."""
    if key in ("", "q", "Q", "\x04"):
        return "quit", None, None
    if key in ("\r", "\n"):
        if e.suggestion is None:
            return "again", None, "no suggestion: press a pair's number, s, i or q"
        return "accept", e.suggestion.shoe, None
    if key in ("s", "S", " "):
        return "skip", None, None
    if key in ("i", "I"):
        return "ignore", None, None
    if key.isdigit():
        n = int(key)
        shown = e.choices[:MAX_KEYS]
        if 1 <= n <= len(shown):
            return "pick", shown[n - 1], None
        return "again", None, (f"no pair {key}: press 1-{len(shown)}, Enter, s, i or q" if shown
                               else "no pair is in use on that date: press s, i or q")
    return "again", None, f"unknown key {key!r}: press a number, Enter, s, i or q"
