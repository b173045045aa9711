"""Per-pair totals, state in the replacement window, and forecast — always computed from the
activities (never a cached total that could drift)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from shoetrack.config import Config
from shoetrack.shoes import Shoe, all_shoes
from shoetrack.store import Store
from shoetrack.units import iso, local_date

FORECAST_DAYS = 42  # "recent use": the last 6 weeks of this pair's own activities
APPROACH_DAYS = 14
APPROACH_FRACTION = 0.9  # within 10 % of the warn distance


@dataclass
class PairStatus:
    """Distances in meters; rate in meters per day; forecast_* are local dates or None."""

    shoe: Shoe
    tracked_m: float
    activities: int
    last_worn: str | None  # ISO UTC start of the latest activity
    warn_m: float
    replace_m: float
    rate_m_per_day: float
    forecast_warn: date | None
    forecast_replace: date | None
    state: str

    @property
    def total_m(self) -> float:
        return self.shoe.start_distance_m + self.tracked_m

    def to_json(self) -> dict:
        s = self.shoe
        return {
            "id": s.id,
            "name": s.name,
            "brand": s.brand,
            "model": s.model,
            "distance_m": round(self.total_m, 3),
            "tracked_m": round(self.tracked_m, 3),
            "start_distance_m": s.start_distance_m,
            "warn_at_m": self.warn_m,
            "replace_at_m": self.replace_m,
            "state": self.state,
            "activities": self.activities,
            "last_worn": self.last_worn,
            "rate_m_per_week": round(self.rate_m_per_day * 7, 3),
            "forecast_warn": self.forecast_warn.isoformat() if self.forecast_warn else None,
            "forecast_replace": self.forecast_replace.isoformat()
            if self.forecast_replace
            else None,
            "purchased_on": s.purchased_on,  # null when unknown: see first_day
            "first_day": s.first_day.isoformat(),  # the first day rules and defaults use
            "retired_on": s.retired_on,
        }


def thresholds(shoe: Shoe, config: Config) -> tuple[float, float]:
    return (shoe.warn_at_m or config.warn_m, shoe.replace_at_m or config.replace_m)


def _forecast(total: float, target: float, rate: float, today: date) -> date | None:
    if total >= target:
        return None
    if rate <= 0:
        return None
    days = math.ceil((target - total) / rate - 1e-9)  # float noise must not add a day
    if days > 3650:
        return None
    return today + timedelta(days=days)


def state_of(
    total: float,
    warn: float,
    replace: float,
    forecast_warn: date | None,
    today: date,
    retired: bool,
) -> str:
    if retired:
        return "retired"
    if total >= replace:
        return "replace"
    if total >= warn:
        return "window"
    if total >= APPROACH_FRACTION * warn or (
        forecast_warn is not None and forecast_warn <= today + timedelta(days=APPROACH_DAYS)
    ):
        return "approaching"
    return "ok"


def compute(
    store: Store,
    config: Config,
    *,
    include_retired: bool = False,
    now: datetime | None = None,
    shoe_ids: list[int] | None = None,
) -> list[PairStatus]:
    """Status of every pair (active only unless include_retired), from one aggregate query."""
    now = now or datetime.now(timezone.utc)
    today = now.astimezone().date()
    since = now - timedelta(days=FORECAST_DAYS)
    agg = {
        r["shoe_id"]: r
        for r in store.q(
            """
            SELECT g.shoe_id, count(*) AS n, coalesce(sum(a.distance_m), 0) AS dist,
                   max(a.start) AS last, min(a.start) AS first,
                   coalesce(sum(CASE WHEN a.start >= ? AND a.start <= ? THEN a.distance_m END), 0)
                       AS recent
            FROM assignments g JOIN activities a ON a.id = g.activity_id
            WHERE a.ignored = 0 AND a.start <= ?
            GROUP BY g.shoe_id
            """,
            (iso(since), iso(now), iso(now)),
        )
    }
    out = []
    for shoe in all_shoes(store, include_retired=include_retired):
        if shoe_ids is not None and shoe.id not in shoe_ids:
            continue
        a = agg.get(shoe.id, {"n": 0, "dist": 0.0, "last": None, "first": None, "recent": 0.0})
        warn, replace = thresholds(shoe, config)
        # A pair bought last week has not had six weeks to show its rate.
        # Counted from its first day, or its first run when runs were logged before that day.
        first = min(shoe.first_day, local_date(a["first"])) if a["first"] else shoe.first_day
        window_days = max(7, min(FORECAST_DAYS, (today - first).days + 1))
        rate = a["recent"] / window_days
        total = shoe.start_distance_m + a["dist"]
        fw = _forecast(total, warn, rate, today)
        fr = _forecast(total, replace, rate, today)
        out.append(
            PairStatus(
                shoe=shoe,
                tracked_m=a["dist"],
                activities=a["n"],
                last_worn=a["last"],
                warn_m=warn,
                replace_m=replace,
                rate_m_per_day=rate,
                forecast_warn=fw,
                forecast_replace=fr,
                state=state_of(total, warn, replace, fw, today, shoe.retired),
            )
        )
    return out


def bar(total: float, warn: float, replace: float, width: int = 20) -> str:
    """Text bar over 0..replace with a '|' at the warn mark: [#########|###-----]."""
    filled = min(width, int(round(width * total / replace))) if replace > 0 else 0
    mark = min(width - 1, int(round(width * warn / replace)))
    cells = ["#" if i < filled else "-" for i in range(width)]
    cells[mark] = "|"
    over = "+" if total > replace else ""
    return "[" + "".join(cells) + "]" + over
