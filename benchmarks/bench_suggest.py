"""How often the inbox suggests the pair the runner then picks, replayed over generated histories.

Run:  python benchmarks/bench_suggest.py [--speed]

Each runner is a rotation with a few realistic patterns (below) plus noise. Every pair is
default for runs, so every run waits in the inbox. The replay goes forward in time through a real
store: import the run, ask the inbox for its suggestion (`inbox.entry`, exactly what `shoetrack
inbox` shows), compare it with the runner's choice, then record that choice by hand. Two
baselines are scored on the same runs: "least worn" (the old fallback: the lowest total among the
pairs in use) and "same as last time" (the pair of the previous run of the same sport).

--speed also times `inbox.entries` on a database of 100,000 activities with 300 waiting.
Results are written up in docs/attribution.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importers.model import Activity
from shoetrack import activities, shoes
from shoetrack.attribution import chooser, inbox
from shoetrack.store import open_store

START = date(2024, 1, 1)
DAYS = 2 * 365
NOISE = 0.05  # a run put on a random pair in use, whatever the pattern says


@dataclass
class Run:
    day: date
    hour: int
    sport: str
    km: float
    pace: float  # min/km
    gps: bool
    pattern: str
    pair: str = ""


def week_plan(rnd: random.Random, day: date, daily: list[str]) -> Run | None:
    """The runner's week: what they run on `day` and which pair they would wear."""
    wd = day.weekday()  # Monday = 0
    winter = day.month in (11, 12, 1, 2)
    if wd == 6:
        return Run(
            day,
            rnd.choice((7, 8, 9)),
            "run",
            rnd.uniform(16, 30),
            rnd.uniform(5.5, 6.0),
            True,
            "long Sunday run",
            "Cushion",
        )
    if wd in (1, 3) and rnd.random() < 0.8:
        return Run(
            day,
            rnd.choice((18, 19)),
            "run",
            rnd.uniform(8, 12),
            rnd.uniform(4.1, 4.6),
            True,
            "intervals / tempo",
            "Light",
        )
    if wd == 5 and rnd.random() < 0.7:
        sport = "trail_run" if rnd.random() < 0.7 else "run"  # some watches record trails as runs
        return Run(
            day,
            rnd.choice((8, 9, 10)),
            sport,
            rnd.uniform(10, 20),
            rnd.uniform(6.5, 8.0),
            True,
            "trail",
            "Trail",
        )
    if wd in (0, 2) and winter and rnd.random() < 0.8:
        return Run(
            day,
            rnd.choice((6, 7)),
            "treadmill_run",
            rnd.uniform(6, 10),
            rnd.uniform(5.2, 5.8),
            False,
            "treadmill",
            "Tread",
        )
    if rnd.random() < 0.55:
        return Run(
            day,
            rnd.choice((7, 12, 18)),
            "run",
            rnd.uniform(6, 11),
            rnd.uniform(5.4, 6.2),
            True,
            "easy",
            rnd.choice(daily),
        )
    return None


def history(seed: int, daily: list[str]) -> list[Run]:
    rnd = random.Random(seed)
    runs = []
    for i in range(DAYS):
        run = week_plan(rnd, START + timedelta(days=i), daily)
        if run:
            runs.append(run)
    return runs


PROFILES = {
    # name: (pairs, pairs for easy runs, replaced pairs: old -> (new, day index))
    "four pairs, easy runs in Cushion or Light": (
        ["Cushion", "Light", "Trail", "Tread"],
        ["Cushion", "Light"],
        {},
    ),
    "five pairs, easy runs in a daily trainer": (
        ["Cushion", "Light", "Trail", "Tread", "Daily"],
        ["Daily"],
        {},
    ),
    "five pairs, Cushion replaced after a year": (
        ["Cushion", "Light", "Trail", "Tread", "Daily"],
        ["Daily"],
        {"Cushion": ("Cushion 2", 365)},
    ),
}


def _apply_noise_and_replacements(rnd, runs, pairs, replaced):
    for r in runs:
        for old, (new, at_day) in replaced.items():
            if r.pair == old and (r.day - START).days >= at_day:
                r.pair = new
        if rnd.random() < NOISE:
            in_use = [p for p in pairs if _in_use(p, r.day, replaced)]
            r.pair = rnd.choice(in_use)


def _in_use(name, day, replaced):
    for old, (new, at_day) in replaced.items():
        if name == old:
            return (day - START).days < at_day
        if name == new:
            return (day - START).days >= at_day
    return True


def _setup(store, pairs, replaced):
    made = {}
    for name in pairs + [new for new, _ in replaced.values()]:
        values = {"purchased_on": START, "default_sports": ["run"]}
        for new, at_day in replaced.values():
            if name == new:
                values["purchased_on"] = START + timedelta(days=at_day)
        made[name] = shoes.add(store, name, **values)
    for old, (_, at_day) in replaced.items():
        made[old] = shoes.retire(store, made[old], START + timedelta(days=at_day))
    return made


def _baselines(store, act, last_by_sport, made):
    """(least worn, same as last time) among the pairs in use that day."""
    day = act["day"]
    in_use = [s for s in made.values() if s.worn_by_hand_on(day)]
    worn = {
        r["shoe_id"]: r["d"]
        for r in store.q(
            "SELECT g.shoe_id, sum(a.distance_m) AS d FROM assignments g JOIN activities a ON a.id = g.activity_id"
            " GROUP BY g.shoe_id"
        )
    }
    least = min(in_use, key=lambda s: (worn.get(s.id, 0.0), s.name.lower())).name
    last = last_by_sport.get(act["sport"])
    same = last if last in {s.name for s in in_use} else least
    return least, same


def replay(profile: str, seed: int) -> dict:
    pairs, daily, replaced = PROFILES[profile]
    rnd = random.Random(seed + 1000)
    runs = history(seed, daily)
    _apply_noise_and_replacements(rnd, runs, pairs, replaced)
    score: dict[str, Counter] = defaultdict(Counter)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        made = _setup(store, pairs, replaced)
        last_by_sport: dict[str, str] = {}
        for r in runs:
            start = (
                datetime(r.day.year, r.day.month, r.day.day, r.hour)
                .astimezone()
                .astimezone(timezone.utc)
            )
            a = Activity(
                start=start,
                sport=r.sport,
                distance_m=r.km * 1000,
                source="fit",
                elapsed_s=r.km * r.pace * 60,
                has_gps=r.gps,
                device="Forerunner 255",
            )
            with store.write():
                aid = activities.insert(store, a)
            e = inbox.entry(store, aid)
            least, same = _baselines(store, {"day": r.day, "sport": r.sport}, last_by_sport, made)
            learned = e.suggestion.reason.startswith("like") if e and e.suggestion else False
            for name, guess in (
                ("suggestion", e.suggestion.shoe.name if e and e.suggestion else None),
                ("least worn", least),
                ("same as last time", same),
            ):
                score[name]["all"] += guess == r.pair
                score[name][r.pattern] += guess == r.pair
            score["n"]["all"] += 1
            score["n"][r.pattern] += 1
            score["learned"]["all"] += learned
            with store.write():
                activities.set_assignment(
                    store, aid, chooser.Choice(made[r.pair], "manual", "chosen")
                )
            last_by_sport[r.sport] = r.pair
        store.close()
    return score


def report(profile: str, seeds: list[int]) -> None:
    total: dict[str, Counter] = defaultdict(Counter)
    for seed in seeds:
        for k, c in replay(profile, seed).items():
            total[k].update(c)
    n = total["n"]
    print(
        f"\n{profile}: {n['all']} runs over {len(seeds)} runners x 2 years; "
        f"learned suggestion on {total['learned']['all'] / n['all']:.0%} of runs"
    )
    patterns = ["all"] + sorted(k for k in n if k != "all")
    print(
        f"  {'pattern':<20} {'runs':>5}  {'suggestion':>10}  {'least worn':>10}  {'same as last':>12}"
    )
    for p in patterns:
        cells = [
            f"{total[m][p] / n[p]:.0%}" for m in ("suggestion", "least worn", "same as last time")
        ]
        print(f"  {p:<20} {n[p]:>5}  {cells[0]:>10}  {cells[1]:>10}  {cells[2]:>12}")


def speed() -> None:
    """inbox.entries on 100,000 activities (20 pairs, 2/3 chosen by hand or export), 300 waiting:
    features drawn at random, the worst case for the grouped history query."""
    rnd = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "big.db")
        pairs = [
            shoes.add(
                store,
                f"Pair {i:02d}",
                purchased_on=date(2000, 1, 1),
                default_sports=["run"] if i < 3 else [],
            )
            for i in range(20)
        ]
        start = datetime(2001, 1, 2, 7, tzinfo=timezone.utc)
        with store.write():
            for i in range(100_000):
                a = Activity(
                    start=start + timedelta(hours=2 * i),
                    source="fit",
                    elapsed_s=3600,
                    sport=rnd.choice(["run", "run", "trail_run", "treadmill_run"]),
                    distance_m=rnd.uniform(3000, 25000),
                    device=rnd.choice(["fenix", "FR255", None]),
                )
                aid = activities.insert(store, a)
                if i < 100_000 - 300:
                    by = rnd.choice(["manual", "archive", "default"])
                    activities.set_assignment(
                        store, aid, chooser.Choice(pairs[rnd.randrange(20)], by, "")
                    )
        wall, cpu = [], []
        for _ in range(5):
            t, c = time.perf_counter(), time.process_time()
            n = len(inbox.entries(store))
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        store.close()
    # CPU time is the steadier figure on a shared machine.
    print(
        f"\ninbox.entries, 100,000 activities, {n} waiting: median of 5 "
        f"{sorted(cpu)[2] * 1000:.0f} ms CPU, {sorted(wall)[2] * 1000:.0f} ms wall"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="runners per profile")
    parser.add_argument(
        "--speed", action="store_true", help="also time the inbox at 100,000 activities"
    )
    args = parser.parse_args()
    for profile in PROFILES:
        report(profile, list(range(args.seeds)))
    if args.speed:
        speed()


if __name__ == "__main__":
    main()
