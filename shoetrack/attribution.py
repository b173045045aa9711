"""Which pair an activity counts on, and why (DESIGN.md section 3).

explicit choice > first matching rule > the sport's default pair; only pairs in use on the
activity's local date are eligible; cross-training never counts. When nothing or several pairs
fit, the activity stays unassigned (the inbox).

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
from dataclasses import dataclass
from datetime import date

from shoetrack.errors import ShoetrackError
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


def eligible(shoes: list[Shoe], day: date) -> list[Shoe]:
    return [s for s in shoes if s.in_use_on(day)]


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


def rule_matches(rule: dict, act: dict, path: str | None) -> bool:
    """Whether a rules row matches an activity row (meters, both bounds inclusive; weekday of
    the local date, Monday = 0).

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
        if local_date(act["start"]).weekday() not in days:
            return False
    return not rule.get("path_pattern") or path_matches(rule["path_pattern"], path)


def load_rules(store: Store) -> list[dict]:
    """Rules rows in the order they are tried (first match wins)."""
    return store.q("SELECT * FROM rules ORDER BY position, id")


def choose(store: Store, act: dict, *, path: str | None = None, shoes: list[Shoe] | None = None,
           rules: list[dict] | None = None) -> Choice:
    """Automatic choice for an activity row (dict with start, sport, distance_m, device)."""
    if act.get("ignored"):
        return Choice(None, None, "ignored")
    sport = act["sport"]
    if not wears_shoes(sport):
        return Choice(None, None, f"{sport} is cross-training: it never counts on shoes")
    day = local_date(act["start"])
    shoes = eligible(shoes if shoes is not None else all_shoes(store), day)
    if rules is None:
        rules = load_rules(store)
    by_id = {s.id: s for s in shoes}
    for rule in rules:
        if rule_matches(rule, act, path):
            shoe = by_id.get(rule["shoe_id"])
            if shoe is None:
                continue  # the rule's pair was not in use that day: fall through
            return Choice(shoe, f"rule:{rule['id']}", f"rule {rule['id']}")
    candidates = defaults_for(shoes, sport)
    if len(candidates) == 1:
        return Choice(candidates[0], "default", f"default for {sport}")
    if not candidates:
        return Choice(None, None, f"no pair in use on {day} is default for {sport}")
    names = ", ".join(s.name for s in candidates)
    return Choice(None, None, f"several pairs are default for {sport} ({names})")


def explicit(shoe: Shoe, act: dict) -> Choice:
    """A manual choice: any shoe sport may go on any pair, but only on a pair in use that day."""
    if not wears_shoes(act["sport"]):
        raise ShoetrackError(f"{act['sport']} is cross-training: it cannot count on {shoe.name}")
    day = local_date(act["start"])
    if not shoe.in_use_on(day):
        span = f"{shoe.purchased_on or '…'} to {shoe.retired_on or 'now'}"
        raise ShoetrackError(f"{shoe.name} was not in use on {day} (in use {span})")
    return Choice(shoe, "manual", "manual")  # the same word `activities` shows
