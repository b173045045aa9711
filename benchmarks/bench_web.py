"""How fast each dashboard page renders on a store with 10,000 activities.

Run:  python benchmarks/bench_web.py        (needs: pip install -e '.[web]')
Builds a store (20 pairs, 10,000 runs over eight years, an import log row per run plus failures,
40 runs waiting in the inbox), then renders each page repeatedly through Flask's test client:
the whole request, the store opened and closed per request as the server does. Prints the
median and minimum per page when nothing changed between views, and for the first view after a
change made by another connection (as the daemon makes it): a run imported onto pair 1, and
pair 1's window edited. The floor: the `status` core query (mileage.compute) on the same store.
The script uses only the app and the core API, so it measures older versions the same way.
"""

from __future__ import annotations

import random
import statistics
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
from shoetrack.units import iso

PAIRS, ACTIVITIES, INBOX, FAILED, REPEAT = 20, 10_000, 40, 25, 15


def build(path: Path) -> None:
    rnd = random.Random(13)
    store = open_store(path)
    pairs = [
        shoes.add(
            store,
            f"Pair {i:02d}",
            purchased_on=date(2018, 1, 1),
            default_sports=["run"] if i < 2 else [],
        )
        for i in range(PAIRS)
    ]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    first = now - timedelta(days=8 * 365)
    step = (now - first) / ACTIVITIES
    stamp = iso(now)
    with store.write():
        for i in range(ACTIVITIES):
            start = first + step * i
            cur = store.conn.execute(
                "INSERT INTO files (path, size, mtime, sha256, format, status, imported_at)"
                " VALUES (?, 1000, 0, ?, 'fit', 'imported', ?)",
                (f"/archive/{start:%Y}/{i:05d}.fit", f"{i:064x}", stamp),
            )
            act = Activity(
                start=start,
                sport="run",
                distance_m=rnd.uniform(3000, 21000),
                source="fit",
                elapsed_s=3600,
            )
            aid = activities.insert(store, act, file_id=cur.lastrowid)
            if i < ACTIVITIES - INBOX:  # the newest runs wait in the inbox (a rotation of two)
                activities.set_assignment(store, aid, Choice(pairs[i % PAIRS], "default", ""))
        for i in range(FAILED):
            store.conn.execute(
                "INSERT INTO files (path, size, mtime, sha256, format, status, reason, imported_at)"
                " VALUES (?, 10, 0, ?, 'gpx', 'failed', 'not valid XML: unclosed token', ?)",
                (f"/archive/broken/{i}.gpx", f"f{i:063x}", stamp),
            )
    store.close()


def timed(fn, repeat: int = REPEAT) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), min(samples)


def changes(db: Path):
    """Two changes another process makes, each a little different every time it runs: a new
    run on pair 1 (an import by the daemon), and pair 1's warn distance (an edit)."""
    store = open_store(db)
    pair = shoes.get(store, 1)
    count = [0]

    def new_run():
        count[0] += 1
        act = Activity(
            start=datetime.now(timezone.utc) - timedelta(minutes=count[0]),
            sport="run",
            distance_m=5000 + count[0],
            source="fit",
            elapsed_s=1800,
        )
        activities.add_and_attribute(store, act, shoe=pair)

    def edit():
        count[0] += 1
        shoes.edit(store, pair, warn_at_m=480_000 + 1000 * (count[0] % 50))

    return store, new_run, edit


def after(change, view, repeat: int = REPEAT) -> tuple[float, float]:
    """(median, min) of `view` run right after `change`, timing the view only."""
    samples = []
    for _ in range(repeat):
        change()
        t = time.perf_counter()
        view()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), min(samples)


def main() -> None:
    from shoetrack.web.app import create_app
    from shoetrack.web.db import Settings
    from shoetrack.web.security import Guard

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        build(db)
        guard = Guard()
        guard.bind(8765)
        client = create_app(Settings(db_path=db, config=Config(), guard=guard)).test_client()
        base = "http://127.0.0.1:8765"

        def get(path):
            resp = client.get(path, base_url=base)
            assert resp.status_code == 200, (path, resp.status_code)

        pages = ["/", "/pair/1", "/inbox", "/load", "/imports"]
        for p in pages:
            get(p)  # imports and first drawings out of the way
        store = open_store(db)
        floor = timed(lambda: compute(store, Config()))
        opening = timed(lambda: open_store(db).close())
        print(
            f"store: {PAIRS} pairs, {ACTIVITIES:,} activities, {INBOX} in the inbox, "
            f"{ACTIVITIES + FAILED:,} import log rows; {REPEAT} renders each (ms)"
        )
        print(f"{'':40}{'median':>8}{'min':>8}")
        print(f"{'floor: status query (compute)':40}{floor[0] * 1e3:8.1f}{floor[1] * 1e3:8.1f}")
        print(f"{'open + close the store':40}{opening[0] * 1e3:8.1f}{opening[1] * 1e3:8.1f}")
        for p in pages:
            same = timed(lambda p=p: get(p))
            print(f"{p + ' (nothing changed)':40}{same[0] * 1e3:8.1f}{same[1] * 1e3:8.1f}")
        writer, new_run, edit = changes(db)
        for p in pages:
            first = after(new_run, lambda p=p: get(p))
            print(
                f"{p + ' (first view after an import)':40}{first[0] * 1e3:8.1f}{first[1] * 1e3:8.1f}"
            )
        for p in ("/pair/1", "/"):
            first = after(edit, lambda p=p: get(p))
            print(
                f"{p + ' (first view after an edit)':40}{first[0] * 1e3:8.1f}{first[1] * 1e3:8.1f}"
            )
        writer.close()
        store.close()


if __name__ == "__main__":
    main()
