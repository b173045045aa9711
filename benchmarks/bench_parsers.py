"""Importer speed: our FIT and GPX readers against fitparse, garmin-fit-sdk and gpxpy.

    python benchmarks/bench_parsers.py                 # print a Markdown report
    python benchmarks/bench_parsers.py --write         # also write docs/benchmarks-importers.md
    python benchmarks/bench_parsers.py --profile       # pyinstrument profile of our readers

Needs the bench extra (fitparse, garmin-fit-sdk, gpxpy, pyinstrument) and the shared corpus
(../shared/corpus or $SHOETRACK_CORPUS). Generated large files go to benchmarks/out/.

What is timed, per file, from the path on disk (best of several runs after one warm-up):
* ours: ``importers.read(path)`` (detection, CRC check, validation included);
* fitparse: ``list(FitFile(path).get_messages())`` (full decode, CRC on);
* garmin-fit-sdk: ``Decoder(Stream.from_file(path)).read()`` (full decode, CRC on);
* gpxpy: ``gpxpy.parse(text).length_2d()`` on the UTF-8 text.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

import importers  # noqa: E402
from fitwriter import activity  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
CORPUS = Path(os.environ.get("SHOETRACK_CORPUS") or ROOT.parent / "shared" / "corpus")


def best_of(fn, runs: int) -> float:
    fn()  # warm-up (imports, lazy tables, file cache)
    best = math.inf
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def large_fit() -> Path:
    """4 h run at 1 Hz: 14,400 records with position, distance and heart rate."""
    p = OUT / "large-4h-1hz.fit"
    if not p.exists():
        data = activity(datetime(2026, 4, 1, 6, 0, tzinfo=timezone.utc),
                        [{"sport": 1, "sub_sport": 0, "distance_m": 42195.0, "elapsed_s": 14399}],
                        records_per_session=14400).to_bytes()
        p.write_bytes(data)
    return p


def large_gpx() -> Path:
    """4 h at 1 Hz: 14,400 track points with elevation and time."""
    p = OUT / "large-4h-1hz.gpx"
    if not p.exists():
        rng = random.Random(7)
        lat, lon, h = 46.0, 14.5, 0.0
        t0 = datetime(2026, 4, 1, 6, 0, tzinfo=timezone.utc)
        rows = []
        for i in range(14400):
            t = t0 + timedelta(seconds=i)
            rows.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{300 + 20 * math.sin(i / 300):.1f}</ele>'
                        f'<time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>')
            h += rng.gauss(0, 0.1)
            lat += 2.9 * math.cos(h) / 111_195
            lon += 2.9 * math.sin(h) / (111_195 * math.cos(math.radians(lat)))
        p.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="bench" '
                     'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Long run</name><trkseg>\n'
                     + "\n".join(rows) + "\n</trkseg></trk></gpx>\n")
    return p


def corpus_files(fmt: str):
    import json

    manifest = CORPUS / "manifest.json"
    if not manifest.exists():
        print(f"(corpus not found at {CORPUS}: generated files only)", file=sys.stderr)
        return []
    out = []
    for e in json.loads(manifest.read_text())["files"]:
        if e["format"] == fmt and e["kind"] == "activity" and not e["compression"]:
            out.append(CORPUS / e["file"])
    return out


def bench_fit(runs: int):
    from fitparse import FitFile
    from garmin_fit_sdk import Decoder, Stream

    rows = []
    for path in corpus_files("fit") + [large_fit()]:
        def ours():
            try:
                importers.read(path)
            except importers.Undatable:
                pass  # compressed-speed-distance.fit: decoded, then refused for its date

        def fp():
            list(FitFile(str(path)).get_messages())

        def gs():
            msgs, errors = Decoder(Stream.from_file(str(path))).read()
            if errors:
                raise RuntimeError(errors[0])

        try:
            t_fp = best_of(fp, max(1, runs // 3))
        except Exception as exc:  # noqa: BLE001 - a reference parser refusing a file: skip it
            print(f"  skip {path.name}: fitparse {type(exc).__name__}", file=sys.stderr)
            continue
        try:
            t_gs = best_of(gs, max(1, runs // 3))
        except Exception as exc:  # noqa: BLE001
            print(f"  skip {path.name}: garmin-fit-sdk {type(exc).__name__}", file=sys.stderr)
            continue
        t_us = best_of(ours, runs)
        rows.append((path.name, path.stat().st_size, t_us, t_fp, t_gs))
        print(f"  {path.name}: ours {t_us * 1e3:.2f} ms, fitparse x{t_fp / t_us:.0f}, "
              f"garmin x{t_gs / t_us:.0f}", file=sys.stderr)
    return rows


def bench_gpx(runs: int):
    import gpxpy

    rows = []
    for path in corpus_files("gpx") + [large_gpx()]:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        try:
            ours_d = sum(a.distance_m for a in importers.read(path))  # all outings
        except importers.ParseError as exc:
            print(f"  skip {path.name}: {exc}", file=sys.stderr)
            continue
        g = gpxpy.parse(text)
        ref_d = g.length_2d()
        # Interleaved rounds with the same number of runs for both, so that a busy moment of
        # the (shared, 2-core) machine hits both sides alike.
        t_us = t_gp = math.inf
        for _ in range(3):
            t_us = min(t_us, best_of(lambda: importers.read(path), runs))
            t_gp = min(t_gp, best_of(lambda: gpxpy.parse(path.read_bytes().decode("utf-8-sig")).length_2d(),
                                     runs))
        rows.append((path.name, len(raw), t_us, t_gp, ours_d, ref_d))
        print(f"  {path.name}: ours {t_us * 1e3:.2f} ms, gpxpy x{t_gp / t_us:.1f}", file=sys.stderr)
    return rows


def report(fit_rows, gpx_rows) -> str:
    lines = []
    cpu = platform.processor() or platform.machine()
    lines += [
        "## Importers: parser speed",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {platform.system()} {cpu}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; best of several runs after a "
        "warm-up, each reader starting from the path on disk. Rerun: "
        "`python benchmarks/bench_parsers.py --write`.",
        "",
        "### FIT: `importers.read` vs full decodes",
        "",
        "| file | KB | ours ms | fitparse ms | x fitparse | garmin-fit-sdk ms | x garmin |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, size, us, fp, gs in fit_rows:
        lines.append(f"| {name} | {size / 1024:.0f} | {us * 1e3:.2f} | {fp * 1e3:.0f} | {fp / us:.0f} "
                     f"| {gs * 1e3:.0f} | {gs / us:.0f} |")
    if fit_rows:
        tu = sum(r[2] for r in fit_rows)
        tf = sum(r[3] for r in fit_rows)
        tg = sum(r[4] for r in fit_rows)
        lines.append(f"| **all files** | {sum(r[1] for r in fit_rows) / 1024:.0f} | {tu * 1e3:.1f} | "
                     f"{tf * 1e3:.0f} | **{tf / tu:.0f}** | {tg * 1e3:.0f} | **{tg / tu:.0f}** |")
    lines += [
        "",
        "### GPX: `importers.read` vs `gpxpy.parse(...).length_2d()`",
        "",
        "| file | KB | ours ms | gpxpy ms | x gpxpy | ours m | gpxpy 2-D m | diff % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, size, us, gp, d, ref in gpx_rows:
        diff = (d - ref) / ref * 100 if ref else 0.0
        lines.append(f"| {name} | {size / 1024:.0f} | {us * 1e3:.2f} | {gp * 1e3:.1f} | {gp / us:.1f} "
                     f"| {d:.1f} | {ref:.1f} | {diff:+.3f} |")
    if gpx_rows:
        tu = sum(r[2] for r in gpx_rows)
        tg = sum(r[3] for r in gpx_rows)
        lines.append(f"| **all files** | {sum(r[1] for r in gpx_rows) / 1024:.0f} | {tu * 1e3:.1f} | "
                     f"{tg * 1e3:.0f} | **{tg / tu:.1f}** | | | |")
    lines += ["", "(gpxpy's length is a flat-earth approximation, ~0.1 % longer than the haversine sum.)", ""]
    return "\n".join(lines)


def profile() -> None:
    from pyinstrument import Profiler

    for path in (large_fit(), large_gpx()):
        prof = Profiler(interval=0.0005)
        prof.start()
        for _ in range(20):
            importers.read(path)
        prof.stop()
        print(prof.output_text(unicode=False, color=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9, help="timed runs of our readers per file")
    ap.add_argument("--write", action="store_true", help="write docs/benchmarks-importers.md")
    ap.add_argument("--profile", action="store_true", help="pyinstrument profile, then exit")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.profile:
        profile()
        return
    print("FIT ...", file=sys.stderr)
    fit_rows = bench_fit(args.runs)
    print("GPX ...", file=sys.stderr)
    gpx_rows = bench_gpx(args.runs)
    text = report(fit_rows, gpx_rows)
    print(text)
    if args.write:
        (ROOT / "docs" / "benchmarks-importers.md").write_text(text)


if __name__ == "__main__":
    main()
