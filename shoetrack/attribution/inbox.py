"""The rotation inbox: shoe activities on no pair, each with a suggested pair.

An activity lands here when nothing is eligible or several pairs fit equally (two defaults for
running), or when it was imported before the pair or rule that fits it existed. The suggestion
is, in order: the automatic choice as it stands now (a rule, or the one default pair); else the
pair the runner's own past choices point to (shoetrack.attribution.suggest); else the least-worn pair of the
rotation (the pairs default for the sport that may be worn that day). The list is worked out in
order, each suggestion adding its distance to its pair, so that "least worn" spreads a rotation
and `--accept` takes exactly the suggestions listed.

Suggestions and choices are the runner's word: a pair of unknown purchase date may take a run
from before the day it was added. Taking a suggestion records `by='inbox'`, choosing a pair by
hand `by='manual'`: both are a person's choice, so `reassign` never changes them. Ignoring sets
`activities.ignored`: the activity never counts (`activity unassign` brings it back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shoetrack import activities
from shoetrack.attribution import chooser, suggest
from shoetrack.errors import ShoetrackError
from shoetrack.shoes import Shoe, all_shoes
from shoetrack.sports import SHOE_SPORTS
from shoetrack.store import Store
from shoetrack.units import local_date

MAX_KEYS = 9  # pairs numbered 1..9: one keypress each

# What is in the inbox: a shoe-sport activity on no pair and not ignored. The one definition,
# for the inbox itself and for the counts other commands show.
WAITING = (
    " FROM activities a LEFT JOIN assignments g ON g.activity_id = a.id"
    " WHERE g.activity_id IS NULL AND a.ignored = 0"
    f" AND a.sport IN ({', '.join(repr(s) for s in SHOE_SPORTS)})"
)

SQL = f"""
SELECT a.id, a.start, a.sport, a.distance_m, a.elapsed_s, a.device, a.name, a.file_id, a.ignored,
       a.source, (SELECT path FROM files f WHERE f.id = a.file_id) AS file, {suggest.FEATURES_SQL}
{WAITING}
"""


def count(store: Store) -> int:
    """How many activities wait in the inbox."""
    return store.scalar("SELECT count(*)" + WAITING)


@dataclass
class Suggestion:
    shoe: Shoe
    reason: str  # one line: "rule 3", "like your 6 long Sunday runs", "least worn of Nova, Pegasus"


@dataclass
class Entry:
    """One inbox activity. `waiting`: why automation left it on no pair. `choices`: every pair
    that may be worn on its date, by name (what --pick numbers 1..9). `predates`: pairs a rule
    or default would give it if their first day were earlier."""

    activity: dict
    suggestion: Suggestion | None
    waiting: str
    day: date  # the activity's local date
    choices: list[Shoe] = field(default_factory=list)
    predates: list[Shoe] = field(default_factory=list)

    def to_json(self) -> dict:
        a = self.activity
        s = self.suggestion
        return {
            "id": a["id"],
            "start": a["start"],
            "date": self.day.isoformat(),
            "sport": a["sport"],
            "distance_m": a["distance_m"],
            "name": a["name"],
            "file": a["file"],
            "waiting": self.waiting,
            "suggestion": {"shoe": s.shoe.name, "shoe_id": s.shoe.id, "reason": s.reason}
            if s
            else None,
            "choices": [c.name for c in self.choices],
            "predates": [p.name for p in self.predates],
        }


class _Context:
    """What every suggestion needs, loaded once: pairs, rules, the learned model, and each
    pair's wear (meters, starting distance included, ignored activities excluded), which grows
    as suggestions are handed out."""

    def __init__(self, store: Store, waiting: list[dict]):
        self.shoes = all_shoes(store)
        self.pairs = chooser.Pairs(self.shoes)  # each pair's dates parsed once, not per activity
        self.rules = chooser.load_rules(store)
        self.model = suggest.load(store, waiting[0]["start"], waiting[-1]["start"])
        worn = {
            r["shoe_id"]: r["d"]
            for r in store.q(
                "SELECT g.shoe_id, sum(a.distance_m) AS d FROM assignments g"
                " JOIN activities a ON a.id = g.activity_id WHERE a.ignored = 0 GROUP BY g.shoe_id"
            )
        }
        self.wear = {s.id: s.start_distance_m + (worn.get(s.id) or 0.0) for s in self.shoes}


def _suggest(
    act: dict, ctx: _Context, choices: list[Shoe], auto: chooser.Choice
) -> Suggestion | None:
    if auto.shoe is not None:
        return Suggestion(auto.shoe, auto.reason)
    learned = ctx.model.suggest(act, choices)
    if learned and learned.shoe:
        return Suggestion(learned.shoe, learned.reason)
    if learned and len(learned.likely) > 1:
        # Runs like this one went on several pairs: balance wear among those.
        least = min(learned.likely, key=lambda s: (ctx.wear[s.id], s.name.lower()))
        names = ", ".join(s.name for s in sorted(learned.likely, key=lambda s: s.name.lower()))
        return Suggestion(least, f"least worn of {names}, worn for runs like this")
    rotation = chooser.defaults_for(choices, act["sport"])
    if not rotation:
        return None
    least = min(rotation, key=lambda s: (ctx.wear[s.id], s.name.lower()))
    if len(rotation) == 1:
        return Suggestion(least, f"default for {act['sport']}")
    return Suggestion(least, "least worn of " + ", ".join(s.name for s in rotation))


def _entry(store: Store, act: dict, ctx: _Context) -> Entry:
    day = local_date(act["start"])
    choices = list(ctx.pairs.eligible(day, by_hand=True))
    auto = chooser.choose(store, act, path=act["file"], shoes=ctx.pairs, rules=ctx.rules, day=day)
    # An automatic choice that exists now means the activity predates the pair or rule behind it.
    waiting = (
        auto.reason
        if auto.shoe is None
        else "added before its rule or pair existed, or unassigned by hand"
    )
    return Entry(act, _suggest(act, ctx, choices, auto), waiting, day, choices, auto.predates)


def entries(store: Store, *, activity_ids: list[int] | None = None) -> list[Entry]:
    """The inbox, oldest first (a queue: catching up on a backlog goes forward in time). Each
    suggestion counts the ones before it as taken, as `accept` does."""
    sql, params = SQL, []
    if activity_ids is not None:
        sql += f" AND a.id IN ({', '.join('?' for _ in activity_ids)})"
        params = list(activity_ids)
    waiting = store.q(sql + " ORDER BY a.start, a.id", params)
    if not waiting:
        return []
    ctx = _Context(store, waiting)
    out = []
    for act in waiting:
        e = _entry(store, act, ctx)
        if e.suggestion:
            ctx.wear[e.suggestion.shoe.id] += act["distance_m"]
        out.append(e)
    return out


def entry(store: Store, activity_id: int) -> Entry | None:
    """One activity's inbox entry computed now (None once it is assigned or ignored), so that
    --pick suggestions take the choices just made into account."""
    found = entries(store, activity_ids=[activity_id])
    return found[0] if found else None


def _still_waiting(store: Store, activity_id: int) -> dict | None:
    return store.one("SELECT a.*" + WAITING + " AND a.id = ?", (activity_id,))


def assign(store: Store, activity_id: int, shoe: Shoe, *, by: str = "manual") -> None:
    """Put an inbox activity on `shoe` (by 'manual' or 'inbox'); the pair must be in use on the
    activity's date. Raises ShoetrackError if the activity left the inbox meanwhile."""
    if by not in ("manual", "inbox"):
        raise ValueError(by)
    with store.write():
        row = _still_waiting(store, activity_id)
        if row is None:
            raise ShoetrackError(f"activity #{activity_id} is no longer in the inbox")
        choice = chooser.explicit(shoe, row)
        activities.set_assignment(store, activity_id, chooser.Choice(shoe, by, choice.reason))


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
        return (
            "again",
            None,
            (
                f"no pair {key}: press 1-{len(shown)}, Enter, s, i or q"
                if shown
                else "no pair is in use on that date: press s, i or q"
            ),
        )
    return "again", None, f"unknown key {key!r}: press a number, Enter, s, i or q"
