"""End-to-end import of a generated 3,000-file archive, against the same import done with full
reference parses (fitparse, gpxpy), and against merely hashing the same bytes (sha256sum).

    python benchmarks/bench_archive.py [--files 3000] [--sample 300] [--dir DIR]

What it measures, all on this machine in one run:
1. `shoetrack import --no-progress --json ARCHIVE` as a new process on the whole archive:
   wall time and peak RSS; the same on the first 10 % of the files, to show that peak memory
   does not grow with the archive.
2. The same import pipeline (hash, dedupe, one transaction per file, attribution) in-process on
   a random sample of `--sample` files, once with shoetrack's readers and once with reference
   readers that fully parse each file: fitparse (every message decoded, then the session
   values) for FIT, gpxpy.parse + length_2d for GPX, and for TCX (no reference parser among the
   dependencies) a full ElementTree parse of the document. The ratio is measured on identical
   files, per format and overall; the reference is not run on all 3,000 files (it would take
   about an hour).
3. `sha256sum` over every file of the archive: the floor no importer can beat.

The archive: FIT 80 %, GPX 15 % (a fifth of them gzipped), TCX 5 % (a Garmin export is all
FIT; a Strava export holds each upload as sent: FIT from watches, GPX from phone apps); runs,
trail and treadmill runs, walks and rides; 20 min to 4 h, smart recording (a point every 1-5 s) as Garmin watches
do by default; one activity a day or so from 2018 on, so no two are duplicates.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

from fitwriter import activity  # noqa: E402
from generate import _gpx, _tcx, _track  # noqa: E402

FIT_SPORTS = [
    (1, 0, 0.55),
    (1, 3, 0.1),
    (1, 1, 0.1),
    (11, 0, 0.1),
    (2, 0, 0.15),
]  # sport, sub, weight
SPEED = {1: 3.0, 11: 1.4, 2: 7.5}


def generate(folder: Path, n: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2018, 1, 1, 6, 0, tzinfo=timezone.utc)
    paths = []
    for i in range(n):
        when = start + timedelta(hours=21 * i + rng.randint(0, 3))
        long = rng.random() < 0.1
        minutes = rng.randint(120, 240) if long else rng.randint(20, 90)
        step = rng.choice((1, 2, 3, 4, 5))
        sub = f"{when:%Y}/{when:%m}"
        (folder / sub).mkdir(parents=True, exist_ok=True)
        kind = rng.random()
        if kind < 0.80:
            sport, sub_sport, _ = rng.choices(FIT_SPORTS, weights=[w for *_, w in FIT_SPORTS])[0]
            secs = minutes * 60
            meters = round(SPEED[sport] * secs * rng.uniform(0.8, 1.2), 2)
            gps = sub_sport != 1
            data = activity(
                when,
                [
                    {
                        "sport": sport,
                        "sub_sport": sub_sport,
                        "distance_m": meters,
                        "elapsed_s": secs,
                        "timer_s": secs - rng.randint(0, 120),
                    }
                ],
                records_per_session=secs // step,
                lat=47 + rng.random() if gps else None,
                lon=8 + rng.random() if gps else None,
            ).to_bytes()
            p = folder / sub / f"{when:%Y-%m-%d-%H%M}.fit"
        elif kind < 0.95:
            pts = _track(
                rng,
                when,
                minutes * 60 // step,
                step,
                rng.uniform(2.5, 3.5),
                47 + rng.random(),
                8 + rng.random(),
            )
            data = _gpx(pts, name=f"Run {i}", type_="running")
            p = folder / sub / f"{when:%Y-%m-%d-%H%M}.gpx"
            if rng.random() < 0.2:
                data = gzip.compress(data, compresslevel=6, mtime=0)
                p = p.with_suffix(".gpx.gz")
        else:
            pts = _track(
                rng,
                when,
                minutes * 60 // step,
                step,
                rng.uniform(2.5, 3.5),
                47 + rng.random(),
                8 + rng.random(),
            )
            data = _tcx(pts, sport="Running")
            p = folder / sub / f"{when:%Y-%m-%d-%H%M}.tcx"
        p.write_bytes(data)
        paths.append(p)
    return paths


# ---- reference readers: the same Activity, from full parses by the reference libraries ----


def _ref_fit(data: bytes):
    import fitparse

    from importers.model import Activity, NotAnActivity
    from importers.sports import fit_sport

    messages = list(fitparse.FitFile(io.BytesIO(data)).get_messages())  # full decode
    out = []
    for i, m in enumerate(x for x in messages if x.name == "session"):
        v = {f.name: f.raw_value for f in m.fields}
        start = datetime(1989, 12, 31, tzinfo=timezone.utc) + timedelta(seconds=v["start_time"])
        out.append(
            Activity(
                start=start,
                sport=fit_sport(v.get("sport"), v.get("sub_sport")),
                distance_m=v["total_distance"] / 100,
                source="fit",
                elapsed_s=v["total_elapsed_time"] / 1000,
                moving_s=v["total_timer_time"] / 1000,
                session_index=i,
            )
        )
    if not out:
        raise NotAnActivity("no session")
    return out


def _ref_gpx(data: bytes):
    import gpxpy

    from importers.model import Activity
    from importers.sports import text_sport

    gpx = gpxpy.parse(data.decode("utf-8-sig"))
    bounds = gpx.get_time_bounds()
    return [
        Activity(
            start=bounds.start_time.astimezone(timezone.utc),
            sport=text_sport(gpx.tracks[0].type),
            distance_m=gpx.length_2d(),
            source="gpx",
            elapsed_s=(bounds.end_time - bounds.start_time).total_seconds(),
            has_gps=True,
        )
    ]


def _ref_tcx(data: bytes):
    from xml.etree import ElementTree as ET

    from importers.model import Activity
    from importers.sports import text_sport

    ns = {"t": "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"}
    root = ET.fromstring(data)  # the whole tree, trackpoints included
    out = []
    for act in root.iterfind(".//t:Activities/t:Activity", ns):
        laps = act.findall("t:Lap", ns)
        start = datetime.fromisoformat(act.findtext("t:Id", namespaces=ns).replace("Z", "+00:00"))
        out.append(
            Activity(
                start=start,
                sport=text_sport(act.get("Sport")),
                source="tcx",
                distance_m=sum(float(lap.findtext("t:DistanceMeters", "0", ns)) for lap in laps),
                elapsed_s=sum(float(lap.findtext("t:TotalTimeSeconds", "0", ns)) for lap in laps),
                has_gps=act.find(".//t:Position", ns) is not None,
            )
        )
    return out


def reference_read_bytes(data: bytes, *, name=None, date=None):
    import importers

    raw = importers.gunzip(data) if data[:2] == b"\x1f\x8b" else data
    fmt = importers.detect(raw)
    if fmt == "fit":
        return _ref_fit(raw)
    if fmt == "gpx":
        return _ref_gpx(raw)
    return _ref_tcx(raw)


def _ours():
    import importers

    return importers.read_bytes


_OURS = _ours()


def import_in_process(paths: list[Path], db: Path, reader=None) -> float:
    import importers
    from shoetrack.ingest import pipeline
    from shoetrack.store import open_store

    store = open_store(db)
    real = importers.read_bytes
    if reader is not None:
        importers.read_bytes = reader
    try:
        t = time.perf_counter()
        # One process: the reference readers are patched in here, where workers would not see
        # them, and both sides of the ratio then parse alike.
        report = pipeline.import_paths(store, [], files=paths, workers=1)
        elapsed = time.perf_counter() - t
    finally:
        importers.read_bytes = real
        store.close()
    bad = [f for f in report.files if f.status != "imported"]
    assert not bad, bad[:3]
    return elapsed


def cli_import(folder: Path, db: Path) -> tuple[float, float, dict]:
    """Wall seconds and peak RSS (MiB) of `shoetrack import` as a new process."""
    env = {**os.environ, "SHOETRACK_DB": str(db), "SHOETRACK_CONFIG": str(db.with_suffix(".toml"))}
    script = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE);"
        "e = time.perf_counter() - t;"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "sys.stderr.write(f'{e} {r}\\n'); sys.stdout.buffer.write(p.stdout)"
    )
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            sys.executable,
            "-m",
            "shoetrack",
            "import",
            "--no-progress",
            "--json",
            str(folder),
        ],
        env=env,
        capture_output=True,
        check=True,
    )
    secs, rss_kib = p.stderr.decode().split()[-2:]
    return float(secs), int(rss_kib) / 1024, json.loads(p.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    base = args.dir or Path(tmp.name)
    archive = base / "archive"
    t = time.perf_counter()
    paths = sorted(generate(archive, args.files))
    gen_s = time.perf_counter() - t
    size = sum(p.stat().st_size for p in paths)
    by_ext = {}
    for p in paths:
        ext = "".join(p.suffixes)
        by_ext[ext] = by_ext.get(ext, 0) + 1
    print(
        f"archive: {len(paths)} files, {size / 2**20:.0f} MiB ({by_ext}); generated in {gen_s:.0f} s"
    )

    small = base / "small"
    for p in paths[: len(paths) // 10]:
        q = small / p.relative_to(archive)
        q.parent.mkdir(parents=True, exist_ok=True)
        os.link(p, q)
    s_secs, s_rss, s_rep = cli_import(small, base / "small.db")
    f_secs, f_rss, f_rep = cli_import(archive, base / "full.db")
    assert f_rep["imported"] == len(paths), {
        k: f_rep[k] for k in ("imported", "failed", "duplicate")
    }
    print(f"shoetrack import, {len(paths) // 10} files: {s_secs:.2f} s, peak RSS {s_rss:.0f} MiB")
    print(
        f"shoetrack import, {len(paths)} files: {f_secs:.2f} s, peak RSS {f_rss:.0f} MiB "
        f"({len(paths) / f_secs:.0f} files/s)"
    )

    t = time.perf_counter()
    subprocess.run(
        ["sh", "-c", f"find '{archive}' -type f -print0 | xargs -0 sha256sum > /dev/null"],
        check=True,
    )
    sha_s = time.perf_counter() - t
    print(f"sha256sum of the same files: {sha_s:.2f} s -> import / hash = {f_secs / sha_s:.1f}x")

    rnd = random.Random(1)
    sample = sorted(rnd.sample(paths, min(args.sample, len(paths))))
    total_ours = total_ref = 0.0
    per_file = {}
    for fmt in (".fit", ".gpx", ".tcx"):
        group = [p for p in sample if fmt in p.suffixes]
        ours = import_in_process(group, base / f"ours{fmt}.db")
        ref = import_in_process(group, base / f"ref{fmt}.db", reference_read_bytes)
        total_ours += ours
        total_ref += ref
        per_file[fmt] = (ours / len(group), ref / len(group))
        print(
            f"  {fmt[1:]:4} {len(group):4} files: shoetrack {ours * 1000 / len(group):7.1f} ms/file, "
            f"reference {ref * 1000 / len(group):7.1f} ms/file -> {ref / ours:5.0f}x"
        )
    print(
        f"sample of {len(sample)} files, in-process import: shoetrack readers {total_ours:.2f} s, "
        f"reference readers {total_ref:.2f} s -> {total_ref / total_ours:.0f}x faster"
    )
    print(
        f"(the reference on all {len(paths)} files would take about "
        f"{total_ref * len(paths) / len(sample) / 60:.0f} min)"
    )
    # The overall ratio depends on the mix: the same per-file costs, other archives.
    for label, mix in (
        ("a Garmin export, all FIT", (1, 0, 0)),
        ("this archive", (0.8, 0.15, 0.05)),
        ("FIT 65 %, GPX 25 %, TCX 10 %", (0.65, 0.25, 0.10)),
        ("a phone-app archive, all GPX", (0, 1, 0)),
    ):
        o = sum(w * per_file[f][0] for w, f in zip(mix, (".fit", ".gpx", ".tcx"), strict=True))
        r = sum(w * per_file[f][1] for w, f in zip(mix, (".fit", ".gpx", ".tcx"), strict=True))
        print(f"  mix {label}: {r / o:.0f}x")
    tmp.cleanup()


if __name__ == "__main__":
    main()
