"""How fast `shoetrack status` answers on a realistic database: 20 pairs, 5,000 activities.

Run:  python benchmarks/bench_status.py
Prints the median of repeated runs of (a) the whole CLI as a user runs it (a new process:
interpreter start-up, imports, opening the database, the query, the table) and (b) the core
`mileage.compute` call alone, plus `shoetrack --help` for start-up cost and
`python -c "import click, sqlite3"`, the floor any click + sqlite3 command pays. Each command
runs once untimed first, with bytecode caches written (as an installed shoetrack has them).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importers.model import Activity
from shoetrack import activities, shoes
from shoetrack.attribution.chooser import Choice
from shoetrack.config import Config
from shoetrack.mileage import compute
from shoetrack.store import open_store

PAIRS, ACTIVITIES, REPEAT = 20, 5000, 15


def build(path: Path) -> None:
    rnd = random.Random(42)
    store = open_store(path)
    pairs = [
        shoes.add(
            store,
            f"Pair {i:02d}",
            purchased_on=date(2020, 1, 1),
            default_sports=["run"] if i == 0 else [],
        )
        for i in range(PAIRS)
    ]
    start = datetime(2020, 1, 2, 7, tzinfo=timezone.utc)
    with store.write():
        for i in range(ACTIVITIES):
            act = Activity(
                start=start + timedelta(hours=8 * i),
                sport="run",
                distance_m=rnd.uniform(3000, 21000),
                source="manual",
                elapsed_s=3600,
            )
            aid = activities.insert(store, act)
            activities.set_assignment(store, aid, Choice(pairs[i % PAIRS], "manual", ""))
    store.close()


def timed(fn) -> float:
    samples = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        build(db)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(SHOETRACK_DB=str(db), SHOETRACK_CONFIG=str(Path(tmp) / "none.toml"))
        exe = [sys.executable, "-m", "shoetrack"]
        for warm in (["status"], ["--help"]):
            subprocess.run(exe + warm, env=env, check=True, capture_output=True)
        cli_status = timed(
            lambda: subprocess.run(exe + ["status"], env=env, check=True, capture_output=True)
        )
        cli_json = timed(
            lambda: subprocess.run(
                exe + ["status", "--json"], env=env, check=True, capture_output=True
            )
        )
        cli_help = timed(
            lambda: subprocess.run(exe + ["--help"], env=env, check=True, capture_output=True)
        )
        bare = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
        floor = timed(
            lambda: subprocess.run([sys.executable, "-c", "import click, sqlite3"], check=True)
        )
        store = open_store(db)
        core = timed(lambda: compute(store, Config()))
        print(f"database: {PAIRS} pairs, {ACTIVITIES} activities; median of {REPEAT} runs")
        print(f"shoetrack status (new process)        {cli_status * 1000:7.1f} ms")
        print(f"shoetrack status --json (new process) {cli_json * 1000:7.1f} ms")
        print(f"shoetrack --help (new process)        {cli_help * 1000:7.1f} ms")
        print(f"python -c pass (interpreter floor)    {bare * 1000:7.1f} ms")
        print(f"python -c 'import click, sqlite3'     {floor * 1000:7.1f} ms")
        print(f"mileage.compute (core, warm)          {core * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
