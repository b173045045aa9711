"""Attribution rules: add, list, remove, move (docs/attribution.md).

Rules are tried in order of `position` (1..n, kept contiguous); the first whose conditions all
match an activity puts it on its pair, if that pair is in use on the activity's date; otherwise
the next rule, then the sport's default pair. Distances are meters. Changing rules never
rewrites existing assignments: `shoetrack reassign` shows and applies the consequences.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

from shoetrack.errors import UsageProblem
from shoetrack.shoes import Shoe
from shoetrack.sports import parse_sport, wears_shoes
from shoetrack.store import Store
from shoetrack.units import MAX_DISTANCE_M, iso

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()

LIST_SQL = """
SELECT r.*, s.name AS shoe, s.retired_on AS shoe_retired_on
FROM rules r JOIN shoes s ON s.id = r.shoe_id
ORDER BY r.position, r.id
"""


def parse_weekday(text: str | int) -> int:
    """0..6 (Monday = 0) for 'sat', 'Saturday', 'SAT'; at least three letters."""
    key = str(text).strip().lower()
    full_names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    for i, full in enumerate(full_names):
        if len(key) >= 3 and full.startswith(key):
            return i
    raise UsageProblem(f"unknown weekday {text!r} (use mon, tue, wed, thu, fri, sat or sun)")


def rows(store: Store) -> list[dict]:
    """All rules in the order they are tried, each with its pair's name (`shoe`) and the
    1-based `position` as shown to users (contiguous even if a pair's deletion left a gap)."""
    out = []
    for i, r in enumerate(store.q(LIST_SQL), start=1):
        r["position"] = i
        out.append(r)
    return out


def to_json(rule: dict) -> dict:
    """A rule for --json output: distances in meters, weekdays as names."""
    days = json.loads(rule["weekdays"]) if rule["weekdays"] else None
    return {
        "id": rule["id"],
        "position": rule["position"],
        "shoe": rule["shoe"],
        "shoe_id": rule["shoe_id"],
        "sport": rule["sport"],
        "min_distance_m": rule["min_distance_m"],
        "max_distance_m": rule["max_distance_m"],
        "device": rule["device"],
        "weekdays": [WEEKDAYS[d] for d in days] if days else None,
        "path_pattern": rule["path_pattern"],
        "created_at": rule["created_at"],
    }


def get(store: Store, rule_id: int) -> dict:
    for r in rows(store):
        if r["id"] == rule_id:
            return r
    raise UsageProblem(f"no rule with id {rule_id} (see `shoetrack rule list`)")


def _renumber(store: Store, ordered_ids: list[int]) -> None:
    for pos, rid in enumerate(ordered_ids, start=1):
        store.conn.execute("UPDATE rules SET position = ? WHERE id = ?", (pos, rid))


def _check_distance(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if not (0 <= value <= MAX_DISTANCE_M):  # also refuses NaN
        raise UsageProblem(f"{name} distance must be between 0 and {MAX_DISTANCE_M:.0f} m")
    return float(value)


def add(
    store: Store,
    shoe: Shoe,
    *,
    sport: str | None = None,
    min_distance_m: float | None = None,
    max_distance_m: float | None = None,
    device: str | None = None,
    weekdays: list[str | int] | None = None,
    path_pattern: str | None = None,
    position: int | None = None,
) -> dict:
    """Add a rule putting matching activities on `shoe`; returns the rule (as `rows` gives it).

    Distances in meters, both bounds inclusive. `weekdays` are names ('sat') or 0..6 (Monday = 0).
    `position` 1..n+1 (default: last); later rules move down one. At least one condition is
    required: a rule matching everything would silently replace the sport defaults.
    """
    if sport is not None:
        sport = parse_sport(sport)
        if not wears_shoes(sport):
            raise UsageProblem(f"{sport} never counts on shoes: a rule for it would never apply")
    min_distance_m = _check_distance("the minimum", min_distance_m)
    max_distance_m = _check_distance("the maximum", max_distance_m)
    if (
        min_distance_m is not None
        and max_distance_m is not None
        and min_distance_m > max_distance_m
    ):
        raise UsageProblem("the minimum distance is larger than the maximum")
    days = sorted(
        {d if isinstance(d, int) and 0 <= d <= 6 else parse_weekday(d) for d in weekdays or ()}
    )
    if device is not None:
        device = device.strip()
        if not device:
            raise UsageProblem("the device pattern is empty")
    if path_pattern is not None:
        # `~/Runs/Trail` typed in quotes reaches us unexpanded; files are stored expanded.
        path_pattern = os.path.expanduser(path_pattern.strip())
        if not path_pattern.strip("/\\"):
            raise UsageProblem("the path pattern is empty")
    if (sport, min_distance_m, max_distance_m, device, path_pattern) == (None,) * 5 and not days:
        raise UsageProblem(
            "a rule needs at least one condition (--sport, --min, --max, --device, "
            "--weekday or --path); to make a pair the default, use "
            "`shoetrack shoe edit NAME --default-for SPORT`"
        )
    with store.write():
        ordered = [r["id"] for r in rows(store)]
        if position is None:
            position = len(ordered) + 1
        if not 1 <= position <= len(ordered) + 1:
            raise UsageProblem(f"position must be between 1 and {len(ordered) + 1}")
        cur = store.conn.execute(
            "INSERT INTO rules (position, shoe_id, sport, min_distance_m, max_distance_m, device,"
            " weekdays, path_pattern, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                position,
                shoe.id,
                sport,
                min_distance_m,
                max_distance_m,
                device,
                json.dumps(days) if days else None,
                path_pattern,
                iso(datetime.now(timezone.utc)),
            ),
        )
        assert cur.lastrowid is not None  # an INSERT just ran
        ordered.insert(position - 1, cur.lastrowid)
        _renumber(store, ordered)
        return get(store, cur.lastrowid)


def remove(store: Store, rule_id: int) -> dict:
    """Delete a rule (the rules after it move up one); returns the rule as it was. Activities
    it assigned keep their pair (and `rule:N`) until `reassign --apply`."""
    with store.write():
        rule = get(store, rule_id)
        store.conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,))
        _renumber(store, [r["id"] for r in rows(store)])
    return rule


def move(store: Store, rule_id: int, position: int) -> dict:
    """Move a rule to `position` (1..n); the others keep their relative order."""
    with store.write():
        rule = get(store, rule_id)
        ordered = [r["id"] for r in rows(store)]
        if not 1 <= position <= len(ordered):
            raise UsageProblem(f"position must be between 1 and {len(ordered)}")
        ordered.remove(rule["id"])
        ordered.insert(position - 1, rule["id"])
        _renumber(store, ordered)
        return get(store, rule_id)
