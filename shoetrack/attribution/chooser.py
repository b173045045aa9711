"""Which pair an activity counts on, and why (docs/attribution.md).

explicit choice > first matching rule > the sport's default pair; only pairs in use on the
activity's local date are eligible; cross-training never counts. When nothing or several pairs
fit, the activity stays unassigned (the inbox).

Two calendars: automatic choices for imported files start on a pair's first day (its purchase
date, or the day it was added when that is unknown), so that years of imported history do not
pile onto a new pair. The runner's own word (`--shoe`, `activity assign`, an inbox pick, and a
run logged by hand) counts on a pair of unknown purchase date for any earlier day; before a
known purchase date it is refused with the command that moves the date.

Every assignment row says why (`assignments.by`):
  manual   the user chose the pair (`log --shoe`, `import --shoe`, `activity assign`, a number
           pressed in `inbox --pick`)
  inbox    the user accepted the inbox's suggestion (`inbox --accept`, Enter in `inbox --pick`)
  archive  an export's gear column
  rule:N   rule N matched (automatic)
  default  the pair is default for the sport (automatic)
Only the automatic ones (rule:N, default) are ever recomputed, by `shoetrack reassign`.
"""

from __future__ import annotations

import fnmatch
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from shoetrack.attribution.rules import rows as load_rules
from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.shoes import Shoe, all_shoes
from shoetrack.sports import RUN_SPORTS, wears_shoes
from shoetrack.store import Store
from shoetrack.units import local_date

# Choices a person made (or an export recorded): automation never changes them.
USER_BY = ("manual", "inbox", "archive")


@dataclass
class Choice:
    """The outcome for one activity: shoe (or None), `by` for the assignment row, and a
    one-line explanation for the user."""

    shoe: Shoe | None
    by: str | None
    reason: str
    predates: list[Shoe] = field(default_factory=list)  # would fit if their first day were earlier


def eligible(shoes: list[Shoe], day: date, *, by_hand: bool = False) -> list[Shoe]:
    """Pairs that may receive an activity of `day`: automatically (from each pair's first
    day), or by the runner's own word (`by_hand`: any day for a pair of unknown purchase date)."""
    if by_hand:
        return [s for s in shoes if s.worn_by_hand_on(day)]
    return [s for s in shoes if s.in_use_on(day)]


class Pairs:
    """The pairs, with the days on which any of them starts or stops being eligible worked out
    once. Between two such days the eligible pairs are the same, so `reassign` and the inbox,
    which ask about thousands of activities, compute each set once instead of parsing every
    pair's dates for every activity. The lists it returns are shared: read them, do not change
    them."""

    def __init__(self, shoes: list[Shoe]):
        self.shoes = list(shoes)
        cuts = set()
        for s in self.shoes:
            cuts.add(s.first_day)
            cuts.update(date.fromisoformat(d) for d in (s.purchased_on, s.retired_on) if d)
        self._cuts = sorted(cuts)
        self._memo: dict[tuple, object] = {}

    def _cached(self, key: tuple, make):
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    def eligible(self, day: date, *, by_hand: bool = False) -> list[Shoe]:
        """As `eligible(shoes, day, by_hand=...)`."""
        span = bisect_right(self._cuts, day)
        return self._cached(
            ("eligible", span, by_hand), lambda: eligible(self.shoes, day, by_hand=by_hand)
        )

    def by_id(self, day: date, by_hand: bool) -> dict[int, Shoe]:
        span = bisect_right(self._cuts, day)
        return self._cached(
            ("by_id", span, by_hand), lambda: {s.id: s for s in self.eligible(day, by_hand=by_hand)}
        )

    def defaults(self, day: date, by_hand: bool, sport: str) -> list[Shoe]:
        """`defaults_for` among the pairs eligible on `day`."""
        span = bisect_right(self._cuts, day)
        return self._cached(
            ("defaults", span, by_hand, sport),
            lambda: defaults_for(self.eligible(day, by_hand=by_hand), sport),
        )

    def later(self, day: date, by_hand: bool) -> list[Shoe]:
        """Pairs not eligible on `day` whose first day comes after it and that are not retired
        by then (the ones an activity may predate)."""
        span = bisect_right(self._cuts, day)

        def make():
            ids = {s.id for s in self.eligible(day, by_hand=by_hand)}
            return [
                s
                for s in self.shoes
                if s.id not in ids and s.first_day > day and not s.retired_by(day)
            ]

        return self._cached(("later", span, by_hand), make)


def by_hand(act: dict) -> bool:
    """A run logged by hand is the runner's word that it happened in their shoes."""
    return act.get("source") == "manual"


def defaults_for(shoes: list[Shoe], sport: str) -> list[Shoe]:
    """Pairs that are default for `sport`; a run variant falls back to the plain 'run' defaults
    (a treadmill run lands on the running pair unless a pair is default for treadmill runs)."""
    exact = [s for s in shoes if sport in s.default_sports]
    if exact or sport not in RUN_SPORTS or sport == "run":
        return exact
    return [s for s in shoes if "run" in s.default_sports]


GLOB_CHARS = "*?["


def path_matches(pattern: str, path: str | None) -> bool:
    """Whether a rule's path pattern matches a file path (case-insensitive, / or \\ alike).

    A pattern with wildcards is a glob on the whole path (`*` crosses folders): `*/Trail/*`.
    A pattern without wildcards names a folder or file anywhere in the path, whole names only:
    `Trail` matches `/runs/Trail/a.fit` but not `/runs/Trails/a.fit`; an absolute one
    (`/home/me/Runs/Trail`, `C:/Runs`) is the folder itself. Relative paths (a folder imported
    as `shoetrack import Trail`) match as if they started with `/`.
    """
    if not path:
        return False
    norm = path.replace("\\", "/").lower()
    rooted = norm if norm.startswith("/") else "/" + norm
    pat = pattern.replace("\\", "/").lower()
    if any(c in pat for c in GLOB_CHARS):
        return fnmatch.fnmatchcase(norm, pat) or fnmatch.fnmatchcase(rooted, pat)
    if not pat.strip("/"):
        return False
    if pat.startswith("/") or pat[1:3] == ":/":  # an absolute folder: anchored at the start
        return (norm + "/").startswith(pat.rstrip("/") + "/")
    return ("/" + pat.strip("/") + "/") in (rooted + "/")


def device_matches(pattern: str, device: str | None) -> bool:
    """Case-insensitive glob on the device name; without wildcards, 'contains' ('forerunner'
    matches 'Garmin Forerunner 255')."""
    if not device:
        return False
    dev, pat = device.lower(), pattern.lower()
    if any(c in pat for c in GLOB_CHARS):
        return fnmatch.fnmatchcase(dev, pat)
    return pat in dev


def rule_matches(rule: dict, act: dict, path: str | None, day: date | None = None) -> bool:
    """Whether a rules row matches an activity row (meters, both bounds inclusive; weekday of
    the local date, Monday = 0). `day`: the activity's local date, when the caller has it.

    A rule without a sport applies to the run sports only: walks and hikes go automatically only
    to pairs that are default for them, or through a rule that names walk or hike.
    """
    if rule.get("sport"):
        if rule["sport"] != act["sport"]:
            return False
    elif act["sport"] not in RUN_SPORTS:
        return False
    if rule.get("min_distance_m") is not None and act["distance_m"] < rule["min_distance_m"]:
        return False
    if rule.get("max_distance_m") is not None and act["distance_m"] > rule["max_distance_m"]:
        return False
    if rule.get("device") and not device_matches(rule["device"], act.get("device")):
        return False
    if rule.get("weekdays"):
        days = json.loads(rule["weekdays"])
        if (day or local_date(act["start"])).weekday() not in days:
            return False
    return not rule.get("path_pattern") or path_matches(rule["path_pattern"], path)


def choose(
    store: Store,
    act: dict,
    *,
    path: str | None = None,
    shoes: list[Shoe] | Pairs | None = None,
    rules: list[dict] | None = None,
    day: date | None = None,
) -> Choice:
    """Automatic choice for an activity row (dict with start, sport, distance_m, device, source).

    Rules and defaults among the pairs in use that day; for a run logged by hand, pairs of
    unknown purchase date count as in use before the day they were added. `shoes`: the pairs
    (a `Pairs` when choosing for many activities); `day`: the activity's local date, if known."""
    if act.get("ignored"):
        return Choice(None, None, "ignored")
    sport = act["sport"]
    if not wears_shoes(sport):
        return Choice(None, None, f"{sport} is cross-training: it never counts on shoes")
    day = day or local_date(act["start"])
    pairs = (
        shoes
        if isinstance(shoes, Pairs)
        else Pairs(shoes if shoes is not None else all_shoes(store))
    )
    if rules is None:
        rules = load_rules(store)
    hand = by_hand(act)
    found = _pick(pairs, day, hand, act, path, rules)
    if found.shoe is None:
        early = predating(pairs.later(day, hand), act, path, rules, day)
        if early:
            found.reason += "; " + first_day_hint(early[0])
            found.predates = early
    return found


def _pick(
    pairs: Pairs, day: date, hand: bool, act: dict, path: str | None, rules: list[dict]
) -> Choice:
    if rules:
        by_id = pairs.by_id(day, hand)
        for rule in rules:
            if rule_matches(rule, act, path, day):
                shoe = by_id.get(rule["shoe_id"])
                if shoe is None:
                    continue  # the rule's pair was not in use that day: fall through
                return Choice(shoe, f"rule:{rule['id']}", f"rule {rule['id']}")
    sport = act["sport"]
    candidates = pairs.defaults(day, hand, sport)
    if len(candidates) == 1:
        return Choice(candidates[0], "default", f"default for {sport}")
    if not candidates:
        return Choice(None, None, f"no pair in use on {day} is default for {sport}")
    names = ", ".join(s.name for s in candidates)
    return Choice(None, None, f"several pairs are default for {sport} ({names})")


def predating(
    later: list[Shoe], act: dict, path: str | None, rules: list[dict], day: date
) -> list[Shoe]:
    """Of `later` (pairs whose first day comes after the activity's local `day` and not retired
    by then), those a rule or default would give it if their first day were earlier."""
    if not later:
        return []
    ids = {r["shoe_id"] for r in rules if rule_matches(r, act, path, day)}
    defaults = {s.id for s in defaults_for(later, act["sport"])}
    return [s for s in later if s.id in ids or s.id in defaults]


def first_day_hint(shoe: Shoe) -> str:
    """Why `shoe` did not get an earlier activity, and the command that changes it."""
    if shoe.purchase_known:
        since = f"{shoe.name} was bought on {shoe.purchased_on}"
    else:
        since = f"{shoe.name} counts automatically from {shoe.first_day}, the day it was added"
    return f"{since} (worn before? {shoe.edit_date_hint()})"


def explicit(shoe: Shoe, act: dict) -> Choice:
    """A manual choice: any shoe sport may go on any pair worn that day. A pair of unknown
    purchase date counts for any day before its retirement; before a known purchase date the
    choice is refused with the command that moves the date (exit status 2)."""
    if not wears_shoes(act["sport"]):
        raise ShoetrackError(f"{act['sport']} is cross-training: it cannot count on {shoe.name}")
    day = local_date(act["start"])
    if shoe.retired_by(day):
        span = f"{shoe.purchased_on or '…'} to {shoe.retired_on}"
        raise ShoetrackError(f"{shoe.name} was not in use on {day} (in use {span})")
    if not shoe.worn_by_hand_on(day):
        raise UsageProblem(
            f"{shoe.name} was bought on {shoe.purchased_on}, after {day}: if you wore "
            f"it then, move its purchase date with {shoe.edit_date_hint(day)}"
        )
    return Choice(shoe, "manual", "manual")  # the same word `activities` shows
