"""Import and watch-scan speed as ratios against the floor each cannot beat, measured in the same
run, repeated (min and median):

    python benchmarks/bench_ingest.py [--files 3000] [--known 10000] [--repeat 3] [--dir DIR]
        [--only scan,first,reimport,one]

1. `watch scan` of a watched folder of `--known` small FIT files, all known, in-process
   (`watch.scan`) against a Python os.scandir walk that stats every file.
2. First import of bench_archive's generated archive (FIT 80 %, GPX 15 %, TCX 5 %) with
   `shoetrack import --no-progress` as a new process (parsing in worker processes, the
   default), against the floor: a new Python process that walks the folder, reads every file
   and sha256-hashes it.
3. Re-import of the same folder (every file known): the same command, the same floor.
4. The first import again in-process with `pipeline.import_paths(workers=1)`: everything
   parsed in one process, for the pool's gain.

The project's bytecode is compiled first, as installing it does: in a source checkout where
PYTHONDONTWRITEBYTECODE=1 is set, every new process would otherwise compile every module it
imports again (about 40 ms of each command's start-up).

`--only` runs some of them (default: all). Re-import without the first import re-imports into
a store imported once and kept in `--dir` (reimport.db): a re-import of known files writes
nothing, so the store stays as it was.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "benchmarks"))

FLOOR_READ = """
import hashlib, os, sys
stack = [sys.argv[1]]
while stack:
    d = stack.pop()
    with os.scandir(d) as it:
        for e in it:
            if e.is_dir():
                stack.append(e.path)
            else:
                with open(e.path, "rb") as f:
                    hashlib.sha256(f.read()).hexdigest()
"""


def burn(_=None) -> float:
    t = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - t


def cores_free() -> float:
    """Cores this run really had: a CPU loop's time alone, over its time with one copy per core
    at once (2.0 on an idle 2-core machine; near 1 when another job holds a core)."""
    import multiprocessing

    from shoetrack.ingest.parallel import default_workers

    n = default_workers()
    alone = min(burn() for _ in range(3))
    with multiprocessing.get_context("spawn").Pool(n) as pool:
        together = max(pool.map(burn, range(n)))
    return n * alone / together


def compiled() -> None:
    """Bytecode for the packages the command imports, as an install writes it."""
    import compileall

    for package in ("shoetrack", "importers"):
        compileall.compile_dir(ROOT / package, quiet=1)


def walk_stat(root: str) -> int:
    n, stack = 0, [root]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir():
                    stack.append(e.path)
                else:
                    os.stat(e.path)
                    n += 1
    return n


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run(cmd, env=None):
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


def report(label: str, runs: list[float], floors: list[float]) -> None:
    ratios = [r / f for r, f in zip(runs, floors, strict=True)]
    print(
        f"{label}: min {min(runs):.3f} s, median {statistics.median(runs):.3f} s; "
        f"floor min {min(floors):.3f} s; ratio min {min(ratios):.1f}x, median {statistics.median(ratios):.1f}x"
    )


def bench_import(base: Path, files: int, repeat: int, parts: set[str]) -> None:
    import bench_archive

    archive = base / "archive"
    if not archive.exists():
        bench_archive.generate(archive, files)
    env = {**os.environ, "SHOETRACK_CONFIG": str(base / "none.toml")}
    floor = [sys.executable, "-c", FLOOR_READ, str(archive)]
    cmd = [sys.executable, "-m", "shoetrack", "import", "--no-progress", str(archive)]
    first, again, floors_first, floors_again = [], [], [], []
    if "first" in parts:
        for i in range(repeat):
            db = base / f"import{i}.db"
            env["SHOETRACK_DB"] = str(db)
            floors_first.append(timed(lambda: run(floor)))
            first.append(timed(lambda: run(cmd, env)))
            if "reimport" in parts:
                floors_again.append(timed(lambda: run(floor)))
                again.append(timed(lambda: run(cmd, env)))
            db.unlink()
        report(f"first import, {files} files (pool)", first, floors_first)
    elif "reimport" in parts:
        db = base / "reimport.db"
        env["SHOETRACK_DB"] = str(db)
        if not db.exists():
            run(cmd, env)
        for _ in range(repeat):
            floors_again.append(timed(lambda: run(floor)))
            again.append(timed(lambda: run(cmd, env)))
    if "reimport" in parts:
        report(f"re-import, {files} known files", again, floors_again)
    if "one" in parts:
        one, floors_one = [], []
        for i in range(repeat):  # the same import parsed in this process only, for the pool's gain
            floors_one.append(timed(lambda: run(floor)))
            one.append(timed(lambda i=i: in_process(archive, base / f"one{i}.db", workers=1)))
        report(f"first import, {files} files (one process, in-process)", one, floors_one)


def in_process(folder: Path, db: Path, workers: int | None) -> None:
    from shoetrack.ingest import pipeline
    from shoetrack.store import open_store

    store = open_store(db)
    try:
        try:
            pipeline.import_paths(store, [folder], workers=workers)
        except TypeError:  # a tree from before the worker pool: one process is all it has
            pipeline.import_paths(store, [folder])
    finally:
        store.close()
        db.unlink()


def known_folder(base: Path, n: int) -> tuple[Path, Path]:
    """`n` small FIT runs, six hours apart, imported and watched: every file is known."""
    from fitwriter import activity

    from shoetrack.ingest import pipeline, watch
    from shoetrack.store import open_store

    folder, db = base / "watched", base / "watch.db"
    if db.exists():
        return folder, db
    start = datetime(2015, 1, 1, 6, tzinfo=timezone.utc)
    for i in range(n):
        when = start + timedelta(hours=6 * i)
        d = folder / f"{when:%Y}" / f"{when:%m}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{when:%Y-%m-%d-%H%M}.fit").write_bytes(
            activity(
                when,
                [
                    {
                        "sport": 1,
                        "sub_sport": 0,
                        "distance_m": 5000 + i % 100,
                        "elapsed_s": 1800,
                        "timer_s": 1790,
                    }
                ],
                records_per_session=5,
            ).to_bytes()
        )
    store = open_store(db)
    pipeline.import_paths(store, [folder])
    watch.add(store, folder)
    store.close()
    return folder, db


def bench_scan(base: Path, n: int, repeat: int) -> None:
    from shoetrack.ingest import watch
    from shoetrack.store import open_store

    folder, db = known_folder(base, n)
    store = open_store(db)
    scans, floors = [], []
    for _ in range(max(repeat, 5)):
        floors.append(timed(lambda: walk_stat(str(folder))))
        scans.append(timed(lambda: watch.scan(store, settle_s=0)))
    rep = watch.scan(store, settle_s=0)
    assert rep.unchanged == n and not rep.files, (rep.unchanged, len(rep.files))
    store.close()
    report(f"watch scan, {n} known files", scans, floors)


PARTS = ("scan", "first", "reimport", "one")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--known", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, help="keep the generated files here (reused when present)")
    ap.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all)",
    )
    args = ap.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if not parts or parts - set(PARTS):
        ap.error(f"--only takes parts of {','.join(PARTS)}")
    tmp = None if args.dir else tempfile.mkdtemp()
    base = args.dir or Path(tmp)
    base.mkdir(parents=True, exist_ok=True)
    try:
        compiled()
        print(f"cores free for this run: {cores_free():.1f}")
        if "scan" in parts:
            bench_scan(base, args.known, args.repeat)
        if parts & {"first", "reimport", "one"}:
            bench_import(base, args.files, args.repeat, parts)
        print(f"cores free for this run: {cores_free():.1f}")
    finally:
        if tmp:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
