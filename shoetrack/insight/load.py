"""Training load: weekly distance on foot, the week's change, runs past the 30-day longest, and
the acute:chronic ratio. docs/load.md says what each figure means and where it comes from.

Distances in meters, times in seconds. Weeks and days are the runner's local calendar (their
machine's time zone), so a Sunday-evening run counts in the week the runner lived it.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from shoetrack.insight.settings import WEEKDAYS, load_settings
from shoetrack.sports import RUN_SPORTS, SHOE_SPORTS
from shoetrack.units import from_iso

GUIDELINE = 0.10  # the familiar "no more than 10 % a week": a convention, see docs/load.md
PRIOR_WEEKS = 4
SPIKE_DAYS = 30
ACUTE_DAYS = 7
CHRONIC_DAYS = 28
# Frandsen et al. 2025: overuse-injury hazard by how far a run exceeds the 30-day longest.
SPIKE_BANDS = (
    (0.10, "up to 10%"),
    (0.30, "10-30%"),
    (1.00, "30-100%"),
    (float("inf"), "over 100%"),
)


@dataclass
class Session:
    """One counted activity: local start, sport, meters, seconds (moving, else elapsed)."""

    id: int
    start: datetime  # UTC
    sport: str
    distance_m: float
    time_s: float | None

    # The local day, computed once: weekly(), spikes() and acute_chronic() each need it, and the
    # conversion to local time was a third of the load page's time at 10,000 sessions.
    day: date = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.day = self.start.astimezone().date()


@dataclass
class Week:
    week_start: date
    distance_m: float = 0.0
    cross_training_s: float = 0.0
    runs: int = 0
    change: float | None = None
    complete: bool = True

    @property
    def over_guideline(self) -> bool:
        # The tolerance keeps exactly +10% (11 km after 10 km: 0.10000000000000009 in floats)
        # within the guideline, as a runner reading "no more than 10%" means it.
        return self.change is not None and self.change > GUIDELINE + 1e-9

    def to_json(self) -> dict:
        return {
            "week_start": self.week_start.isoformat(),
            "distance_m": round(self.distance_m, 3),
            "cross_training_s": round(self.cross_training_s, 3),
            "sessions_on_foot": self.runs,
            "change": None if self.change is None else round(self.change, 4),
            "over_guideline": self.over_guideline,
            "complete": self.complete,
        }


@dataclass
class Spike:
    """A run longer than every run of the 30 days before it. excess is a fraction (0.5 = 50 %
    longer); None for the first run after 30 days without any (nothing to compare with)."""

    id: int
    start: datetime
    distance_m: float
    longest_prior_m: float
    excess: float | None

    @property
    def band(self) -> str:
        if self.excess is None:
            return "after a break"
        return next(name for top, name in SPIKE_BANDS if self.excess <= top)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "start": self.start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "distance_m": round(self.distance_m, 3),
            "longest_prior_m": round(self.longest_prior_m, 3),
            "excess": None if self.excess is None else round(self.excess, 4),
            "band": self.band,
        }


@dataclass
class Ratio:
    """Exponentially weighted 7-day and 28-day daily distance (meters per day) and their ratio."""

    acute_m: float
    chronic_m: float
    ratio: float | None
    days: int  # days of history behind it

    def to_json(self) -> dict:
        return {
            "acute_m_per_day": round(self.acute_m, 3),
            "chronic_m_per_day": round(self.chronic_m, 3),
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "days": self.days,
        }


@dataclass
class Load:
    weeks: list[Week] = field(default_factory=list)
    spikes: list[Spike] = field(default_factory=list)
    ratio: Ratio | None = None
    week_start_day: int = 0

    def to_json(self) -> dict:

        return {
            "week_start_day": WEEKDAYS[self.week_start_day],
            "guideline": GUIDELINE,
            "weeks": [w.to_json() for w in self.weeks],
            "spikes": [s.to_json() for s in self.spikes],
            "acute_chronic": self.ratio.to_json() if self.ratio else None,
        }


def sessions(store, until: datetime) -> list[Session]:
    """Every counted activity (test recordings excluded) up to `until` (UTC), oldest first."""
    rows = store.q(
        "SELECT id, start, sport, distance_m, coalesce(moving_s, elapsed_s) AS time_s"
        " FROM activities WHERE ignored = 0 AND start <= ? ORDER BY start, id",
        (until.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),),
    )
    return [
        Session(r["id"], from_iso(r["start"]), r["sport"], r["distance_m"], r["time_s"])
        for r in rows
    ]


def week_of(day: date, week_start: int) -> date:
    """The first day of the training week holding `day` (week_start: 0 = Monday)."""
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def weekly(items: list[Session], today: date, week_start: int = 0) -> list[Week]:
    """One Week per calendar week from the first activity's to today's, empty weeks included.
    change = distance / mean of up to four previous weeks - 1; None for the first week and when
    those weeks hold no distance (no base to compare with)."""
    if not items:
        return []
    first = week_of(min(s.day for s in items), week_start)
    current = week_of(today, week_start)
    weeks: dict[date, Week] = {}
    day = first
    while day <= max(current, first):
        weeks[day] = Week(day, complete=day < current)
        day += timedelta(days=7)
    for s in items:
        w = weeks.get(week_of(s.day, week_start))
        if w is None:  # after today: not counted yet
            continue
        if s.sport in SHOE_SPORTS:
            w.distance_m += s.distance_m
            w.runs += 1
        else:
            w.cross_training_s += s.time_s or 0.0
    ordered = list(weeks.values())
    for i, w in enumerate(ordered):
        prior = ordered[max(0, i - PRIOR_WEEKS) : i]
        base = sum(p.distance_m for p in prior) / len(prior) if prior else 0.0
        w.change = w.distance_m / base - 1 if base > 0 else None
    return ordered


def spikes(items: list[Session]) -> list[Spike]:
    """Runs longer than the longest run of the 30 days before them (runs only: walks and hikes
    are not what the evidence measured). A run is judged only once the history covers those 30
    days: in the first 30 days after the first run there is no 30-day longest to exceed."""
    runs = [s for s in items if s.sport in RUN_SPORTS and s.distance_m > 0]
    if not runs:
        return []
    history_from = runs[0].start + timedelta(days=SPIKE_DAYS)
    out = []
    # A sliding-window maximum (indices of runs, distances decreasing): linear in the number of
    # runs, so ten years of history stays instant.
    window: deque[int] = deque()
    added = 0
    for r in runs:
        while added < len(runs) and runs[added].start < r.start:
            while window and runs[window[-1]].distance_m <= runs[added].distance_m:
                window.pop()
            window.append(added)
            added += 1
        since = r.start - timedelta(days=SPIKE_DAYS)
        while window and runs[window[0]].start < since:
            window.popleft()
        if r.start < history_from:
            continue
        longest = runs[window[0]].distance_m if window else 0.0
        if r.distance_m > longest:
            excess = r.distance_m / longest - 1 if longest > 0 else None
            out.append(Spike(r.id, r.start, r.distance_m, longest, excess))
    return out


def acute_chronic(items: list[Session], today: date) -> Ratio | None:
    """Williams et al. 2017's exponentially weighted moving averages of daily distance on foot:
    EWMA_t = load_t * L + (1 - L) * EWMA_(t-1), L = 2 / (N + 1), N = 7 (acute) and 28 (chronic),
    both starting from 0 the day before the first activity. ratio = acute / chronic, None when
    the chronic average is 0 or under 28 days of history lie behind it."""
    daily: dict[date, float] = defaultdict(float)
    for s in items:
        if s.sport in SHOE_SPORTS:
            daily[s.day] += s.distance_m
    if not daily:
        return None
    la, lc = 2 / (ACUTE_DAYS + 1), 2 / (CHRONIC_DAYS + 1)
    acute = chronic = 0.0
    day, days = min(daily), 0
    while day <= today:
        load = daily.get(day, 0.0)
        acute = load * la + (1 - la) * acute
        chronic = load * lc + (1 - lc) * chronic
        day += timedelta(days=1)
        days += 1
    ratio = acute / chronic if chronic > 0 and days >= CHRONIC_DAYS else None
    return Ratio(acute, chronic, ratio, days)


def compute(store, config, *, now: datetime | None = None, weeks: int | None = 12) -> Load:
    """The load picture at `now` (UTC): the last `weeks` weeks (None: all) and their spikes."""

    now = now or datetime.now(timezone.utc)
    settings = load_settings(config)
    today = now.astimezone().date()
    items = sessions(store, now)
    all_weeks = weekly(items, today, settings.week_start)
    shown = all_weeks[-weeks:] if weeks else all_weeks
    found = spikes(items)
    if shown:
        found = [s for s in found if s.start.astimezone().date() >= shown[0].week_start]
    return Load(
        weeks=shown,
        spikes=found,
        ratio=acute_chronic(items, today),
        week_start_day=settings.week_start,
    )
