"""Importing a 5-year Strava export and a Garmin Connect export of 2,000 activities each, against
importing the same activity files as a plain folder.

    python benchmarks/bench_exports.py [--activities 2000] [--dir DIR]

For each export, as new processes (`shoetrack import --no-progress --json`): wall time and peak
RSS (best time of three runs, highest peak) of the export (zip) import, of the same export unzipped (folder), and of a plain folder
holding only its activity files (no gear, no tables: the ordinary import); and the export import
at a tenth of the size, to show that peak memory does not grow with the export. Ratios are
export / plain folder on the same files, same machine, same run.

The Strava export: one activity a day or so from 2019 to 2023; 80 % FIT (gzipped, as Strava
stores uploads from watches), 15 % GPX (a fifth gzipped), 5 % manual entries without a file; runs,
walks and rides over six pairs, the 101-column activities.csv. The Garmin export: the same
activities as summaries, gear.json and FIT files in UploadedFiles zips of 1,000.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import export_fixtures as ef  # noqa: E402
from bench_archive import cli_import  # noqa: E402

PAIRS = ["Pegasus 38", "Pegasus 39", "Ghost 14", "Ghost 15", "Speedgoat 5", "Walkers"]


def activities(n: int, seed: int = 7) -> list[ef.Act]:
    rng = random.Random(seed)
    t = ef.utc(2019, 1, 1, 6, 0, 0)
    out = []
    step = timedelta(days=5 * 365 / n)
    for i in range(n):
        t += step + timedelta(minutes=rng.randint(0, 90))
        kind = rng.choices(["Run", "Walk", "Ride"], [80, 12, 8])[0]
        dist = {
            "Run": rng.uniform(5000, 21000),
            "Walk": rng.uniform(2000, 6000),
            "Ride": rng.uniform(20000, 80000),
        }[kind]
        f = rng.choices(["fit.gz", "gpx", "gpx.gz", None], [80, 12, 3, 5])[0]
        gear = (
            None if kind == "Ride" else ("Walkers" if kind == "Walk" else PAIRS[(i * 5 // n) % 5])
        )
        out.append(
            ef.Act(
                t,
                kind,
                round(dist, 1),
                int(dist / 3.0),
                gear=gear,
                file=f,
                name=f"{kind} {i}",
                csv_m=round(dist, -1),
            )
        )
    return out


def plain_folder(export: Path, dest: Path, members: callable) -> Path:
    dest.mkdir(parents=True)
    for name, data in members(export):
        (dest / name.replace("/", "_")).write_bytes(data)
    return dest


def strava_files(export: Path):
    import zipfile

    with zipfile.ZipFile(export) as z:
        for n in z.namelist():
            if n.startswith("activities/"):
                yield n, z.read(n)


def garmin_files(export: Path):
    import io
    import zipfile

    with zipfile.ZipFile(export) as z:
        for n in z.namelist():
            if n.endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(z.read(n))) as inner:
                    for m in inner.namelist():
                        yield m, inner.read(m)


def unzip(export: Path, dest: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(export) as z:
        z.extractall(dest)  # our own generated file: trusted
    return dest


def build(kind: str, acts, base: Path) -> Path:
    if kind == "strava":
        shoes = [(p, "Brand", p, "Run" if p == "Pegasus 39" else "") for p in PAIRS]
        return ef.strava_export(base / "export_1.zip", acts, shoes)
    gear = [ef.garmin_gear(100 + i, p, begin="2018-12-01T00:00:00.0") for i, p in enumerate(PAIRS)]
    return ef.garmin_export(base / "garmin.zip", acts, gear, per_zip=1000)


def measure(kind: str, n: int, base: Path) -> dict:
    acts = activities(n)
    (base / kind).mkdir()
    export = build(kind, acts, base / kind)
    (base / kind / "small").mkdir()
    small = build(kind, acts[: n // 10], base / kind / "small")
    plain = plain_folder(
        export, base / kind / "plain", strava_files if kind == "strava" else garmin_files
    )
    folder = unzip(export, base / kind / "unzipped")
    out = {}
    for label, path in (
        ("export zip", export),
        ("export folder", folder),
        ("plain folder", plain),
        ("export zip, 1/10", small),
    ):
        runs = []
        for k in range(3):  # best of three, each into a new database: the machine is shared
            db = base / kind / f"{label.replace(' ', '_').replace('/', '')}{k}.db"
            runs.append(cli_import(path, db))
        secs, rss, rep = min(runs, key=lambda r: r[0])
        out[label] = (secs, max(r[1] for r in runs), rep["imported"], rep["failed"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--activities", type=int, default=2000)
    ap.add_argument("--dir", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for kind in ("strava", "garmin"):
            res = measure(kind, args.activities, Path(tmp))
            print(f"{kind}, {args.activities} activities:")
            for label, (secs, rss, imported, failed) in res.items():
                print(
                    f"  {label:18} {secs:6.2f} s  peak RSS {rss:5.0f} MiB  ({imported} imported, {failed} failed)"
                )
            base_s = res["plain folder"][0]
            print(
                f"  ratio zip / plain folder: {res['export zip'][0] / base_s:.2f}; "
                f"folder / plain folder: {res['export folder'][0] / base_s:.2f}; "
                f"peak RSS full / tenth: {res['export zip'][1] / res['export zip, 1/10'][1]:.2f}"
            )


if __name__ == "__main__":
    main()
