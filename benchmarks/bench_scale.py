"""Does every database command stay flat as a history grows? Each against its floor, same run.

Run:  python benchmarks/bench_scale.py [--activities 100000] [--repeat 5]

Builds a store with N activities (6 pairs: 2 road pairs in rotation, a trail pair, a treadmill
pair, 2 retired; ~4.5 % of the runs waiting in the inbox) and an import log of 0.85 N files (1 %
of them failed), with
the project's own schema (migrations applied by ``open_store``) and bulk SQL for speed. Then times
each command as a runner runs it, a new process, repeated; min and median are printed, each beside
its floor measured in the same run:

- ``status`` on an empty store vs ``python -c "import click, sqlite3"`` (start-up);
- ``inbox --json``, ``inbox`` (the table), ``reassign --from``, ``activities --json --limit 0`` (and its peak RSS) and
  ``imports`` (newest 50, and the failed ones) at N, each vs a new process that runs the same
  SELECT with sqlite3 alone.

Then, in this process: the import log's query alone (newest 50, failed only), and which of
sqlite_utils / numpy a ``status`` run imports. The store is built in a child process, and
every command runs once untimed first (its bytecode cache written, as an installed shoetrack
has it): a child's peak RSS then is its own, not a copy of the builder's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shoetrack.store import open_store

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def build(path: Path, n: int) -> None:
    """A realistic store of ``n`` activities, written with bulk SQL through the real schema."""
    rnd = random.Random(7)
    open_store(path).close()  # the schema, through the migrations
    conn = sqlite3.connect(path)
    first = NOW - timedelta(days=max(400, n // 8))
    created = _iso(first - timedelta(days=1))
    pairs = [  # name, default sports, retired
        ("Road A", '["run"]', None),
        ("Road B", '["run"]', None),
        ("Trail", '["trail_run"]', None),
        ("Treadmill", '["treadmill_run"]', None),
        ("Old A", "[]", (first + timedelta(days=90)).date().isoformat()),
        ("Old B", "[]", (first + timedelta(days=200)).date().isoformat()),
    ]
    with conn:
        for name, sports, retired in pairs:
            conn.execute(
                "INSERT INTO shoes (name, purchased_on, retired_on, default_sports, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, first.date().isoformat(), retired, sports, created),
            )
        step = (NOW - first) / n
        files, acts, assigns = [], [], []
        for i in range(n):
            start = first + step * i + timedelta(seconds=rnd.randint(0, 3600))
            sport = rnd.choices(
                ["run", "trail_run", "treadmill_run", "cycling", "walk"], [60, 15, 10, 10, 5]
            )[0]
            dist = rnd.uniform(3000, 25000) if sport != "cycling" else rnd.uniform(15000, 80000)
            fid = None
            if i < int(n * 0.85) and i % 97 == 0:  # about 1 % of the log: files that failed
                files.append(
                    (
                        i + 1,
                        f"/home/runner/Garmin/Activities/{i:07d}.fit",
                        50_000 + i,
                        1.7e9 + i,
                        f"{i:064x}",
                        "fit",
                        "failed",
                        "truncated FIT file",
                        _iso(start),
                    )
                )
            elif i < int(n * 0.85):
                fid = i + 1
                files.append(
                    (
                        fid,
                        f"/home/runner/Garmin/Activities/{i:07d}.fit",
                        50_000 + i,
                        1.7e9 + i,
                        f"{i:064x}",
                        "fit",
                        "imported",
                        None,
                        _iso(start),
                    )
                )
            acts.append(
                (
                    i + 1,
                    _iso(start),
                    sport,
                    dist,
                    dist / 3.0,
                    "fit" if fid else "manual",
                    fid,
                    _iso(start),
                )
            )
            if sport in ("run", "trail_run", "treadmill_run", "walk") and rnd.random() > 0.045:
                shoe = {"run": rnd.choice([1, 2]), "trail_run": 3, "treadmill_run": 4, "walk": 1}[
                    sport
                ]
                assigns.append(
                    (i + 1, shoe, rnd.choice(["manual", "default", "inbox"]), _iso(start))
                )
        conn.executemany(
            "INSERT INTO files (id, path, size, mtime, sha256, format, status, reason, "
            "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            files,
        )
        conn.executemany(
            "INSERT INTO activities (id, start, sport, distance_m, elapsed_s, source, file_id, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            acts,
        )
        conn.executemany(
            "INSERT INTO assignments (activity_id, shoe_id, by, assigned_at) VALUES (?, ?, ?, ?)",
            assigns,
        )
    conn.execute("ANALYZE")
    conn.close()


# Starts one command and reports (seconds, peak RSS KiB, exit status). A child's ru_maxrss counts
# the memory of the process it was forked from, until its exec: forked from this process (which
# holds the store's modules) every command would read at least this process's size. So each run
# is forked from this small launcher (python -S -I, ~9 MiB), which times it from fork to exit.
LAUNCHER = """import os, sys, time
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - t, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run(cmd: list[str], env: dict, repeat: int) -> tuple[float, float, float]:
    """(min s, median s, peak RSS MiB) of ``cmd`` as a new process, ``repeat`` times after one
    untimed run."""
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    samples, rss = [], 0
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-S", "-I", "-c", LAUNCHER, *cmd],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if out[2] != "0":
            raise SystemExit(f"{' '.join(cmd)} exited {out[2]}")
        samples.append(float(out[0]))
        rss = max(rss, int(out[1]))
    return min(samples), statistics.median(samples), rss / 1024


def sql_floor(db: Path, sql: str) -> list[str]:
    code = (
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
        "[sys.stdout.write(repr(r)) for r in c.execute(sys.argv[2])]"
    )
    return [sys.executable, "-c", code, str(db), sql]


def query_times(db: Path, sql: str, repeat: int) -> tuple[float, float]:
    """(min s, median s) of running ``sql`` to its last row, in this process."""
    conn = sqlite3.connect(db)
    samples = []
    for _ in range(repeat + 1):
        t = time.perf_counter()
        conn.execute(sql).fetchall()
        samples.append(time.perf_counter() - t)
    conn.close()
    return min(samples[1:]), statistics.median(samples[1:])


# The import log's query as `shoetrack imports` runs it (shoetrack.cli.importing.log_sql), written
# out so that this script also measures versions from before that function, on their schema.
LOG_SQL = (
    "SELECT f.id, f.path, f.format, f.status, f.reason, f.imported_at, f.size, f.sha256,"
    " f.retry, (SELECT count(*) FROM activities a WHERE a.file_id = f.id) AS activities"
    " FROM files f{where} ORDER BY f.imported_at DESC, f.id DESC LIMIT 50"
)

PROBE = (
    "import sys; sys.argv = ['shoetrack', 'status']; from shoetrack.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "sys.stderr.write(repr([m for m in ('sqlite_utils', 'numpy') if m in sys.modules]))"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--activities", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--build", metavar="PATH", help=argparse.SUPPRESS)  # the child that builds
    args = ap.parse_args()
    if args.build:
        build(Path(args.build), args.activities)
        return
    exe = [sys.executable, "-m", "shoetrack"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        empty, big = Path(tmp) / "empty.db", Path(tmp) / "big.db"
        open_store(empty).close()
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--build", str(big), "--activities", str(args.activities)],
            check=True,
        )
        print(
            f"built {args.activities:,} activities in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base["SHOETRACK_CONFIG"] = str(Path(tmp) / "none.toml")
        env_empty, env_big = (
            {**base, "SHOETRACK_DB": str(empty)},
            {**base, "SHOETRACK_DB": str(big)},
        )
        since = (NOW - timedelta(days=365 * 20)).date().isoformat()
        cases = [
            (
                "status, empty store",
                exe + ["status"],
                env_empty,
                [sys.executable, "-c", "import click, sqlite3"],
                "python -c 'import click, sqlite3'",
            ),
            (
                "inbox --json",
                exe + ["inbox", "--json"],
                env_big,
                sql_floor(
                    big,
                    "SELECT a.* FROM activities a LEFT JOIN assignments s ON s.activity_id = a.id "
                    "WHERE s.activity_id IS NULL AND a.sport IN ('run','trail_run','treadmill_run','walk')",
                ),
                "sqlite3 SELECT of the waiting runs",
            ),
            (
                "inbox",
                exe + ["inbox"],
                env_big,
                sql_floor(
                    big,
                    "SELECT a.* FROM activities a LEFT JOIN assignments s ON s.activity_id = a.id "
                    "WHERE s.activity_id IS NULL AND a.sport IN ('run','trail_run','treadmill_run','walk')",
                ),
                "sqlite3 SELECT of the waiting runs",
            ),
            (
                f"reassign --from {since}",
                exe + ["reassign", "--from", since],
                env_big,
                sql_floor(
                    big,
                    "SELECT * FROM activities a LEFT JOIN assignments s ON s.activity_id = a.id",
                ),
                "sqlite3 SELECT of every activity + assignment",
            ),
            (
                "activities --json --limit 0",
                exe + ["activities", "--json", "--limit", "0"],
                env_big,
                sql_floor(
                    big,
                    "SELECT * FROM activities a LEFT JOIN assignments s ON s.activity_id = a.id "
                    "ORDER BY a.start DESC",
                ),
                "sqlite3 SELECT of every activity, newest first",
            ),
            (
                "imports (newest 50)",
                exe + ["imports"],
                env_big,
                sql_floor(big, "SELECT * FROM files ORDER BY imported_at DESC, id DESC LIMIT 50"),
                "sqlite3 SELECT of the newest 50 rows",
            ),
            (
                "imports --failed",
                exe + ["imports", "--failed"],
                env_big,
                sql_floor(
                    big,
                    "SELECT * FROM files WHERE status = 'failed' ORDER BY imported_at DESC, id DESC LIMIT 50",
                ),
                "sqlite3 SELECT of the newest 50 failed",
            ),
        ]
        for name, cmd, env, floor_cmd, floor_name in cases:
            lo, med, rss = run(cmd, env, args.repeat)
            flo, fmed, _ = run(floor_cmd, env, args.repeat)
            rows.append(
                {
                    "what": name,
                    "min_s": lo,
                    "median_s": med,
                    "peak_rss_mib": rss,
                    "floor": floor_name,
                    "floor_min_s": flo,
                    "floor_median_s": fmed,
                    "ratio_median": med / fmed,
                }
            )
        queries = {
            "imports query, newest 50": query_times(big, LOG_SQL.format(where=""), args.repeat * 4),
            "imports query, failed": query_times(
                big, LOG_SQL.format(where=" WHERE f.status = 'failed'"), args.repeat * 4
            ),
        }
        probe = subprocess.run(
            [sys.executable, "-c", PROBE], env=env_empty, capture_output=True, text=True
        )
        numpy_installed = (
            subprocess.run([sys.executable, "-c", "import numpy"], capture_output=True).returncode
            == 0
        )
    print(f"{args.activities:,} activities; min / median of {args.repeat} runs, each a new process")
    print(f"{'what':<34} {'min':>8} {'median':>8} {'RSS':>8}   {'floor median':>12}  ratio  floor")
    for r in rows:
        print(
            f"{r['what']:<34} {r['min_s'] * 1000:6.0f}ms {r['median_s'] * 1000:6.0f}ms "
            f"{r['peak_rss_mib']:6.0f}Mi   {r['floor_median_s'] * 1000:10.0f}ms  {r['ratio_median']:5.1f}x  "
            f"{r['floor']}"
        )
    for name, (lo, med) in queries.items():
        print(
            f"{name:<34} {lo * 1000:6.1f}ms {med * 1000:6.1f}ms   (in-process, {args.repeat * 4} runs)"
        )
    print(f"numpy installed: {numpy_installed}; a status run imports: {probe.stderr or '?'}")
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
