"""Shoes: add, find by name or prefix, edit, retire, delete."""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass
from datetime import date, datetime, timezone

from shoetrack.errors import ShoetrackError, UsageProblem
from shoetrack.sports import parse_sport, wears_shoes
from shoetrack.store import Store
from shoetrack.units import iso, local_date

EDITABLE = (
    "brand",
    "model",
    "purchased_on",
    "retired_on",
    "start_distance_m",
    "warn_at_m",
    "replace_at_m",
    "max_age_days",
    "default_sports",
    "cost",
    "notes",
)


@dataclass
class Shoe:
    """A pair. Distances in meters; purchased_on/retired_on are local calendar dates."""

    id: int
    name: str
    brand: str | None
    model: str | None
    purchased_on: str | None
    retired_on: str | None
    start_distance_m: float
    warn_at_m: float | None
    replace_at_m: float | None
    max_age_days: int | None
    default_sports: list[str]
    cost: float | None
    notes: str | None
    snoozed_until: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: dict) -> Shoe:
        row = dict(row)
        row["default_sports"] = json.loads(row["default_sports"] or "[]")
        return cls(**row)

    @property
    def purchase_known(self) -> bool:
        return self.purchased_on is not None

    @property
    def first_day(self) -> date:
        """The first day automatic attribution uses: the purchase date, or when it is unknown the
        local day the pair was added (so years of imported history do not pile onto a new pair)."""
        if self.purchased_on:
            return date.fromisoformat(self.purchased_on)
        return local_date(self.created_at)

    def in_use_on(self, day: date) -> bool:
        """For rules and defaults: first_day <= day < retired_on (the first day counts, the
        retirement day not)."""
        return self.first_day <= day and not self.retired_by(day)

    def worn_by_hand_on(self, day: date) -> bool:
        """For the runner's own word (log, --shoe, assign, an inbox pick): before a known
        purchase date no, but a pair of unknown purchase date may have been worn on any earlier
        day; never on or after its retirement day."""
        if self.purchased_on and day < date.fromisoformat(self.purchased_on):
            return False
        return not self.retired_by(day)

    def retired_by(self, day: date) -> bool:
        return self.retired_on is not None and day >= date.fromisoformat(self.retired_on)

    def edit_date_hint(self, day: date | str = "YYYY-MM-DD") -> str:
        """The command that moves the pair's purchase date (quoted for a shell)."""
        return f"`shoetrack shoe edit {shlex.quote(self.name)} --purchased {day}`"

    @property
    def retired(self) -> bool:
        return self.retired_on is not None


def all_shoes(store: Store, *, include_retired: bool = True) -> list[Shoe]:
    sql = "SELECT * FROM shoes"
    if not include_retired:
        sql += " WHERE retired_on IS NULL"
    return [Shoe.from_row(r) for r in store.q(sql + " ORDER BY name COLLATE NOCASE")]


def get(store: Store, shoe_id: int) -> Shoe:
    row = store.one("SELECT * FROM shoes WHERE id = ?", (shoe_id,))
    if row is None:
        raise ShoetrackError(f"no pair with id {shoe_id}")
    return Shoe.from_row(row)


def resolve(store: Store, ref: str) -> Shoe:
    """The pair named `ref` (case-insensitive), else the only pair whose name starts with it.

    An exact name always wins over a prefix: with "Clifton" and "Clifton 9", `clifton` is
    "Clifton". Compared with str.casefold, so "évasion" finds "Évasion" too.
    """
    key = ref.strip().casefold()
    if not key:
        raise UsageProblem("empty shoe name")
    pairs = all_shoes(store)
    exact = [s for s in pairs if s.name.casefold() == key]
    if exact:
        return exact[0]
    starts = [s for s in pairs if s.name.casefold().startswith(key)]
    if not starts:
        raise UsageProblem(f"no pair matches {ref.strip()!r} (see `shoetrack shoe list`)")
    if len(starts) > 1:
        names = ", ".join(s.name for s in starts)
        raise UsageProblem(f"{ref.strip()!r} is ambiguous: it matches {names}")
    return starts[0]


def prefix_warning(store: Store, shoe: Shoe) -> str | None:
    """One line when `shoe`'s name is how other pairs' names start: typing it now means this
    pair, no longer the longer one it used to find."""
    key = shoe.name.casefold()
    longer = [
        s.name for s in all_shoes(store) if s.id != shoe.id and s.name.casefold().startswith(key)
    ]
    if not longer:
        return None
    return (
        f"Note: {', '.join(longer)} also start{'s' if len(longer) == 1 else ''} with "
        f"{shoe.name!r}: that name now means {shoe.name}; type more for the other."
    )


def _check_values(values: dict) -> dict:
    out = dict(values)
    for key in ("start_distance_m", "warn_at_m", "replace_at_m", "cost"):
        v = out.get(key)
        if v is not None and (not math.isfinite(v) or v < 0):
            raise UsageProblem(f"{key.replace('_', ' ')} must be a non-negative number")
    if "default_sports" in out:
        sports = [parse_sport(s) for s in out["default_sports"]]
        for sport in sports:
            if not wears_shoes(sport):
                raise UsageProblem(
                    f"{sport} never counts on shoes: a pair cannot be default for it"
                )
        out["default_sports"] = json.dumps(sorted(set(sports)))
    for key in ("purchased_on", "retired_on"):
        if out.get(key) is not None:
            d = out[key] if isinstance(out[key], date) else date.fromisoformat(out[key])
            if d > datetime.now().astimezone().date():
                raise UsageProblem(f"{key.replace('_', ' ')} {d} is in the future")
            out[key] = d.isoformat()
    return out


def _check_window(shoe: Shoe, defaults: tuple[float, float] | None) -> None:
    """defaults: the config's (warn, replace) in meters, for a pair that overrides only one."""
    warn, replace = shoe.warn_at_m, shoe.replace_at_m
    if defaults:
        warn, replace = warn or defaults[0], replace or defaults[1]
    if warn and replace and replace <= warn:
        raise UsageProblem("the replace distance must be larger than the warn distance")
    if shoe.purchased_on and shoe.retired_on and shoe.retired_on < shoe.purchased_on:
        raise UsageProblem("a pair cannot be retired before it was bought")


def add(store: Store, name: str, *, defaults: tuple[float, float] | None = None, **values) -> Shoe:
    name = name.strip()
    if not name:
        raise UsageProblem("a pair needs a name")
    row = _check_values({k: v for k, v in values.items() if k in EDITABLE})
    row.setdefault("start_distance_m", 0.0)
    row.setdefault("default_sports", "[]")
    # Without --purchased the purchase date stays unknown (NULL): automatic attribution starts
    # on the day the pair was added (created_at), the runner's own choices on any earlier day.
    row["name"] = name
    row["created_at"] = iso(datetime.now(timezone.utc))
    with store.write():
        if store.one("SELECT id FROM shoes WHERE name = ? COLLATE NOCASE", (name,)):
            raise ShoetrackError(f"a pair named {name!r} already exists")
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = store.conn.execute(f"INSERT INTO shoes ({cols}) VALUES ({marks})", list(row.values()))
        assert cur.lastrowid is not None  # an INSERT just ran
        shoe = get(store, cur.lastrowid)
        _check_window(shoe, defaults)
    return shoe


def edit(
    store: Store, shoe: Shoe, *, defaults: tuple[float, float] | None = None, **values
) -> Shoe:
    changes = _check_values({k: v for k, v in values.items() if k in EDITABLE})
    if not changes:
        return shoe
    with store.write():
        sets = ", ".join(f"{k} = ?" for k in changes)
        store.conn.execute(f"UPDATE shoes SET {sets} WHERE id = ?", [*changes.values(), shoe.id])
        updated = get(store, shoe.id)
        _check_window(updated, defaults)  # raising rolls the update back
    return updated


def rename(store: Store, shoe: Shoe, new_name: str) -> Shoe:
    new_name = new_name.strip()
    if not new_name:
        raise UsageProblem("a pair needs a name")
    with store.write():
        clash = store.one(
            "SELECT id FROM shoes WHERE name = ? COLLATE NOCASE AND id != ?", (new_name, shoe.id)
        )
        if clash:
            raise ShoetrackError(f"a pair named {new_name!r} already exists")
        store.conn.execute("UPDATE shoes SET name = ? WHERE id = ?", (new_name, shoe.id))
    return get(store, shoe.id)


def retire(store: Store, shoe: Shoe, on: date | None = None) -> Shoe:
    if shoe.retired_on:
        raise ShoetrackError(f"{shoe.name} is already retired (since {shoe.retired_on})")
    on = on or datetime.now().astimezone().date()
    return edit(store, shoe, retired_on=on)


def unretire(store: Store, shoe: Shoe) -> Shoe:
    if not shoe.retired_on:
        raise ShoetrackError(f"{shoe.name} is not retired")
    with store.write():
        store.conn.execute("UPDATE shoes SET retired_on = NULL WHERE id = ?", (shoe.id,))
    return get(store, shoe.id)


def delete(store: Store, shoe: Shoe, *, force: bool = False) -> dict:
    """Delete a pair. Its activities stay (unassigned); its rules and alerts go.

    Returns counts of what was removed. Without force, refuses when activities count on it.
    """
    with store.write():
        n_acts = store.scalar("SELECT count(*) FROM assignments WHERE shoe_id = ?", (shoe.id,))
        dist = store.scalar(
            "SELECT coalesce(sum(a.distance_m), 0) FROM assignments s JOIN activities a"
            " ON a.id = s.activity_id WHERE s.shoe_id = ?",
            (shoe.id,),
        )
        n_rules = store.scalar("SELECT count(*) FROM rules WHERE shoe_id = ?", (shoe.id,))
        n_alerts = store.scalar("SELECT count(*) FROM alerts WHERE shoe_id = ?", (shoe.id,))
        if n_acts and not force:
            raise ShoetrackError(
                f"{shoe.name} has {n_acts} activit{'y' if n_acts == 1 else 'ies'}; "
                "use --force to delete it (the activities stay, unassigned)"
            )
        store.conn.execute("DELETE FROM shoes WHERE id = ?", (shoe.id,))
    return {"assignments": n_acts, "distance_m": dist, "rules": n_rules, "alerts": n_alerts}
