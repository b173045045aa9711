"""Rotation (which pairs carry the last 30 days), cost per distance, and lifetime of retired pairs
by model. Distances in meters; costs in whatever currency the runner typed for `--cost`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from shoetrack.mileage import PairStatus, compute
from shoetrack.units import iso, local_date

ROTATION_DAYS = 30
# Above this share of the last 30 days one pair is "carrying most of it": with two pairs that is
# 4:1, well past an ordinary uneven rotation.
MOST = 0.8


@dataclass
class PairUse:
    """One pair: recent_m (last 30 days), share of all pairs' recent distance (None when no
    pair was worn), days since last worn (None: never), total_m and cost_per_km (None: no cost
    or no distance)."""

    status: PairStatus
    recent_m: float
    share: float | None
    days_since_worn: int | None

    @property
    def cost_per_km(self) -> float | None:
        cost, total = self.status.shoe.cost, self.status.total_m
        if cost is None or total <= 0:
            return None
        return cost / (total / 1000)

    def to_json(self) -> dict:
        s = self.status.shoe
        return {
            "id": s.id,
            "name": s.name,
            "brand": s.brand,
            "model": s.model,
            "recent_m": round(self.recent_m, 3),
            "share": None if self.share is None else round(self.share, 4),
            "days_since_worn": self.days_since_worn,
            "last_worn": self.status.last_worn,
            "distance_m": round(self.status.total_m, 3),
            "cost": s.cost,
            "cost_per_km": None if self.cost_per_km is None else round(self.cost_per_km, 4),
        }


@dataclass
class Rotation:
    pairs: list[PairUse]
    note: str | None

    def to_json(self) -> dict:
        return {
            "days": ROTATION_DAYS,
            "pairs": [p.to_json() for p in self.pairs],
            "note": self.note,
        }


def _recent(store, now: datetime) -> dict[int, float]:
    since = now - timedelta(days=ROTATION_DAYS)
    return {
        r["shoe_id"]: r["dist"]
        for r in store.q(
            "SELECT g.shoe_id, sum(a.distance_m) AS dist FROM assignments g"
            " JOIN activities a ON a.id = g.activity_id"
            " WHERE a.ignored = 0 AND a.start > ? AND a.start <= ? GROUP BY g.shoe_id",
            (iso(since), iso(now)),
        )
    }


def rotation(store, config, *, now: datetime | None = None) -> Rotation:
    """Every active pair's share of the last 30 days' distance on pairs, most worn first."""

    now = now or datetime.now(timezone.utc)
    today = now.astimezone().date()
    recent = _recent(store, now)
    statuses = compute(store, config, now=now)
    total = sum(recent.get(st.shoe.id, 0.0) for st in statuses)
    pairs = []
    for st in statuses:
        r = recent.get(st.shoe.id, 0.0)
        since = (today - local_date(st.last_worn)).days if st.last_worn else None
        pairs.append(PairUse(st, r, r / total if total > 0 else None, since))
    pairs.sort(key=lambda p: (-p.recent_m, p.status.shoe.name.lower()))
    return Rotation(pairs, _note(pairs))


def _note(pairs: list[PairUse]) -> str | None:
    worn = [p for p in pairs if p.recent_m > 0]
    if not worn or worn[0].share is None or worn[0].share <= MOST:
        return None
    top = worn[0].status.shoe.name
    if len(pairs) == 1:
        return (
            f"All of the last {ROTATION_DAYS} days' running is on {top}, your only pair. "
            "Runners who used more than one pair in parallel had fewer running injuries "
            "(Malisoux et al. 2015)."
        )
    return (
        f"{top} carries {worn[0].share:.0%} of the last {ROTATION_DAYS} days' distance. "
        "Runners who used more than one pair in parallel had fewer running injuries "
        "(Malisoux et al. 2015)."
    )


@dataclass
class Retired:
    """A retired pair's life: distance reached against its replace target (fraction), days from
    purchase to retirement (None without a purchase date), cost per km."""

    status: PairStatus
    of_target: float
    days: int | None

    @property
    def model(self) -> str:
        s = self.status.shoe
        return " ".join(x for x in (s.brand, s.model) if x) or "(no model)"

    def to_json(self) -> dict:
        s = self.status.shoe
        cost_per_km = PairUse(self.status, 0, None, None).cost_per_km
        return {
            "id": s.id,
            "name": s.name,
            "model": self.model,
            "purchased_on": s.purchased_on,
            "retired_on": s.retired_on,
            "days": self.days,
            "distance_m": round(self.status.total_m, 3),
            "replace_at_m": self.status.replace_m,
            "of_target": round(self.of_target, 4),
            "cost": s.cost,
            "cost_per_km": None if cost_per_km is None else round(cost_per_km, 4),
        }


def retired(store, config, *, now: datetime | None = None) -> list[Retired]:
    """Every retired pair, latest retirement first."""

    out = []
    for st in compute(store, config, include_retired=True, now=now):
        s = st.shoe
        if not s.retired:
            continue
        days = None
        if s.purchased_on and s.retired_on:
            days = (date.fromisoformat(s.retired_on) - date.fromisoformat(s.purchased_on)).days
        out.append(Retired(st, st.total_m / st.replace_m, days))
    out.sort(key=lambda r: (r.status.shoe.retired_on, r.status.shoe.id), reverse=True)
    return out


def by_model(pairs: list[Retired]) -> list[dict]:
    """Retired pairs grouped by brand + model, longest-lasting first: mean distance (m), mean days,
    mean fraction of target, and km per unit of money over the pairs that have a cost."""
    groups: dict[str, list[Retired]] = defaultdict(list)
    for r in pairs:
        groups[r.model].append(r)
    out: list[dict] = []
    for model, rs in groups.items():
        costed = [r for r in rs if r.status.shoe.cost]
        spent = sum(r.status.shoe.cost or 0.0 for r in costed)
        days = [r.days for r in rs if r.days is not None]
        out.append(
            {
                "model": model,
                "pairs": len(rs),
                "mean_distance_m": round(sum(r.status.total_m for r in rs) / len(rs), 3),
                "mean_of_target": round(sum(r.of_target for r in rs) / len(rs), 4),
                "mean_days": round(sum(days) / len(days), 1) if days else None,
                "km_per_cost": round(sum(r.status.total_m for r in costed) / 1000 / spent, 4)
                if spent
                else None,
                "names": [r.status.shoe.name for r in rs],
            }
        )
    out.sort(key=lambda g: (-float(g["mean_distance_m"]), str(g["model"]).lower()))
    return out
