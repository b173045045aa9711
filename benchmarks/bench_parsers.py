"""Importer speed: our FIT, GPX and TCX readers against fitparse, garmin-fit-sdk, gpxpy and the
old TCX reader's recorded figures.

    python benchmarks/bench_parsers.py                 # print a Markdown report
    python benchmarks/bench_parsers.py --write         # also write docs/benchmarks-importers.md
    python benchmarks/bench_parsers.py --profile       # pyinstrument profile of our readers

Needs the bench extra (fitparse, garmin-fit-sdk, gpxpy, pyinstrument) and the shared corpus
(../shared/corpus or $SHOETRACK_CORPUS). Generated large files go to benchmarks/out/.

What is timed, per file, from the path on disk (after one warm-up; min and median of the runs,
ours and the peer interleaved in rounds so a busy moment of the shared machine hits both):
* ours: ``importers.read(path)`` (detection, CRC check, validation included); for FIT also with
  the optional compiled CRC switched off (``fit._arc = None``: the pure-Python fallback);
* fitparse: ``list(FitFile(path).get_messages())`` (full decode, CRC on);
* garmin-fit-sdk: ``Decoder(Stream.from_file(path)).read()`` (full decode, CRC on);
* gpxpy: ``gpxpy.parse(text).length_2d()`` on the UTF-8 text;
* TCX has no reference parser among the dependencies: ours is set against the figures of the
  former regex fast path (``OLD_TCX_MS``, measured once and recorded, see there).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

from fitwriter import activity  # noqa: E402

import importers  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
CORPUS = Path(os.environ.get("SHOETRACK_CORPUS") or ROOT.parent / "shared" / "corpus")


def best_of(fn, runs: int) -> float:
    return min(timings(fn, runs))


def timings(fn, runs: int) -> list[float]:
    """Seconds of ``runs`` calls after one warm-up (imports, lazy tables, file cache)."""
    fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def interleaved(fns, runs: int, rounds: int = 3) -> list[tuple[float, float]]:
    """(min, median) seconds of each function, run in alternating rounds."""
    got: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            got[i] += timings(fn, runs)
    return [(min(t), statistics.median(t)) for t in got]


def quiet(fn):
    """``fn`` with the reader's refusals (a course, an undatable file) counting as a read."""

    def run():
        try:
            fn()
        except importers.ParseError:
            pass

    return run


# The former TCX reader (commit c2a0da0: a regex fast path over a bare expat parse, declining to
# a SAX path) cannot ship beside the current one, so its figures are recorded: ms, (min, median)
# of ``importers.read_bytes`` on the file's bytes, 45 runs in 3 rounds, each round a fresh
# process alternating between a worktree of c2a0da0 and this one, on the machine described in
# docs/benchmarks.md (2 shared cores, Python 3.11.7), 2026-12-03, at a quiet moment (load 0.7;
# later runs under load gave the same minima and medians up to 2x higher).
OLD_TCX_MS = {
    "test.tcx": (1.36, 1.45),
    "sample.tcx": (3.00, 3.28),
    "course.tcx": (6.11, 6.60),
    "kona2013.tcx": (0.17, 0.18),
    "unknown_example.tcx": (3.99, 4.14),
    "pool_swim-activity_1.tcx": (0.21, 0.21),
    "6281425038.tcx": (0.01, 0.01),
}


def large_fit() -> Path:
    """4 h run at 1 Hz: 14,400 records with position, distance and heart rate."""
    p = OUT / "large-4h-1hz.fit"
    if not p.exists():
        data = activity(
            datetime(2026, 4, 1, 6, 0, tzinfo=timezone.utc),
            [{"sport": 1, "sub_sport": 0, "distance_m": 42195.0, "elapsed_s": 14399}],
            records_per_session=14400,
        ).to_bytes()
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
            rows.append(
                f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{300 + 20 * math.sin(i / 300):.1f}</ele>'
                f"<time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
            )
            h += rng.gauss(0, 0.1)
            lat += 2.9 * math.cos(h) / 111_195
            lon += 2.9 * math.sin(h) / (111_195 * math.cos(math.radians(lat)))
        p.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="bench" '
            'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Long run</name><trkseg>\n'
            + "\n".join(rows)
            + "\n</trkseg></trk></gpx>\n"
        )
    return p


def corpus_files(fmt: str, kinds=("activity",)):
    import json

    manifest = CORPUS / "manifest.json"
    if not manifest.exists():
        print(f"(corpus not found at {CORPUS}: generated files only)", file=sys.stderr)
        return []
    out = []
    for e in json.loads(manifest.read_text())["files"]:
        if e["format"] == fmt and e["kind"] in kinds and not e["compression"]:
            out.append(CORPUS / e["file"])
    return out


def large_tcx() -> Path:
    """1 h run, a trackpoint every 2 s (Garmin layout: position, altitude, distance, HR)."""
    p = OUT / "garmin-1h.tcx"
    if not p.exists():
        from generate import _tcx, _track

        pts = _track(
            random.Random(7), datetime(2026, 4, 1, 7, tzinfo=timezone.utc), 1801, 2, 3.0, 47.0, 8.0
        )
        p.write_bytes(_tcx(pts, sport="Running"))
    return p


def bench_fit(runs: int):
    from fitparse import FitFile
    from garmin_fit_sdk import Decoder, Stream

    from importers import fit

    compiled = fit._arc
    rows = []
    for path in corpus_files("fit") + [large_fit()]:

        def ours(path=path):
            try:
                importers.read(path)
            except importers.Undatable:
                pass  # compressed-speed-distance.fit: decoded, then refused for its date

        def pure():
            fit._arc = None
            try:
                ours()
            finally:
                fit._arc = compiled

        def fp(path=path):
            list(FitFile(str(path)).get_messages())

        def gs(path=path):
            msgs, errors = Decoder(Stream.from_file(str(path))).read()
            if errors:
                raise RuntimeError(errors[0])

        try:
            t_fp = best_of(fp, max(1, runs // 3))
        except Exception as exc:
            print(f"  skip {path.name}: fitparse {type(exc).__name__}", file=sys.stderr)
            continue
        try:
            t_gs = best_of(gs, max(1, runs // 3))
        except Exception as exc:
            print(f"  skip {path.name}: garmin-fit-sdk {type(exc).__name__}", file=sys.stderr)
            continue
        (t_us, m_us), (t_py, m_py) = interleaved([ours, pure], runs)
        rows.append((path.name, path.stat().st_size, t_us, m_us, t_py, m_py, t_fp, t_gs))
        print(
            f"  {path.name}: ours {t_us * 1e3:.2f} ms (pure CRC {t_py * 1e3:.2f}), "
            f"fitparse x{t_fp / t_us:.0f}, garmin x{t_gs / t_us:.0f}",
            file=sys.stderr,
        )
    return rows, compiled is not None


def bench_gpx(runs: int):
    import gpxpy

    rows = []
    for path in corpus_files("gpx") + [large_gpx()]:
        raw = path.read_bytes()
        try:
            ours_d = sum(a.distance_m for a in importers.read(path))  # all outings
        except importers.ParseError as exc:
            print(f"  skip {path.name}: {exc}", file=sys.stderr)
            continue
        ref_d = gpxpy.parse(raw.decode("utf-8-sig")).length_2d()
        (t_us, m_us), (t_gp, m_gp) = interleaved(
            [
                lambda path=path: importers.read(path),
                lambda path=path: gpxpy.parse(path.read_bytes().decode("utf-8-sig")).length_2d(),
            ],
            runs,
        )
        rows.append((path.name, len(raw), t_us, m_us, t_gp, m_gp, ours_d, ref_d))
        print(
            f"  {path.name}: ours {t_us * 1e3:.2f} ms, gpxpy x{t_gp / t_us:.1f} (min), "
            f"x{m_gp / m_us:.1f} (median)",
            file=sys.stderr,
        )
    return rows


def bench_tcx(runs: int):
    rows = []
    for path in corpus_files("tcx", ("activity", "not-activity", "broken")) + [large_tcx()]:
        data = path.read_bytes()
        ((t_us, m_us),) = interleaved([quiet(lambda data=data: importers.read_bytes(data))], runs)
        old = OLD_TCX_MS.get(path.name)
        rows.append((path.name, path.stat().st_size, t_us, m_us, old))
        print(f"  {path.name}: ours {t_us * 1e3:.2f} ms (old {old})", file=sys.stderr)
    return rows


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}" if b else "-"


def report(fit_rows, compiled: bool, gpx_rows, tcx_rows) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        "## Importers: parser speed",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {platform.system()} {cpu}, "
        f"{os.cpu_count()} cores (shared with other work), Python {platform.python_version()}; "
        "each reader from the path on disk, after a warm-up, ours and the peer interleaved in "
        "rounds; min and median of the runs. Rerun: `python benchmarks/bench_parsers.py --write` "
        "(the text after the tables is kept).",
        "",
        "### FIT: `importers.read` vs full decodes",
        "",
        f'"ours" with the compiled CRC ({"fastcrc, the `fast` extra" if compiled else "not installed: pure Python"}), '
        "\"pure\" with the pure-Python CRC; the ratios are fitparse's and garmin-fit-sdk's best "
        "time over our min.",
        "",
        "| file | KB | ours min ms | ours median | pure min ms | pure median | fitparse ms "
        "| x fitparse | x fitparse (pure) | garmin-fit-sdk ms | x garmin |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, size, us, mus, py, mpy, fp, gs in fit_rows:
        lines.append(
            f"| {name} | {size / 1024:.0f} | {us * 1e3:.2f} | {mus * 1e3:.2f} | {py * 1e3:.2f} "
            f"| {mpy * 1e3:.2f} | {fp * 1e3:.0f} | {fp / us:.0f} | {fp / py:.0f} "
            f"| {gs * 1e3:.0f} | {gs / us:.0f} |"
        )
    if fit_rows:
        tu, tp = sum(r[2] for r in fit_rows), sum(r[4] for r in fit_rows)
        tf, tg = sum(r[6] for r in fit_rows), sum(r[7] for r in fit_rows)
        lines.append(
            f"| **all files** | {sum(r[1] for r in fit_rows) / 1024:.0f} | {tu * 1e3:.1f} | "
            f"| {tp * 1e3:.1f} | | {tf * 1e3:.0f} | **{tf / tu:.0f}** | **{tf / tp:.0f}** "
            f"| {tg * 1e3:.0f} | **{tg / tu:.0f}** |"
        )
    lines += [
        "",
        "### GPX: `importers.read` vs `gpxpy.parse(...).length_2d()`",
        "",
        "| file | KB | ours min ms | ours median | gpxpy min ms | gpxpy median | x gpxpy (min) "
        "| x gpxpy (median) | ours m | gpxpy 2-D m | diff % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, size, us, mus, gp, mgp, d, ref in gpx_rows:
        diff = (d - ref) / ref * 100 if ref else 0.0
        lines.append(
            f"| {name} | {size / 1024:.0f} | {us * 1e3:.2f} | {mus * 1e3:.2f} | {gp * 1e3:.1f} "
            f"| {mgp * 1e3:.1f} | {gp / us:.1f} | {mgp / mus:.1f} | {d:.1f} | {ref:.1f} "
            f"| {diff:+.3f} |"
        )
    if gpx_rows:
        per_file = sorted(r[5] / r[3] for r in gpx_rows)
        tu, tg = sum(r[2] for r in gpx_rows), sum(r[4] for r in gpx_rows)
        lines.append(
            f"| **all files** | {sum(r[1] for r in gpx_rows) / 1024:.0f} | {tu * 1e3:.1f} | | "
            f"{tg * 1e3:.0f} | | **{tg / tu:.1f}** | | | | |"
        )
        lines += [
            "",
            f"Per file, x gpxpy (medians): slowest file **{per_file[0]:.1f}x**, median "
            f"file **{statistics.median(per_file):.1f}x**.",
        ]
    lines += [
        "",
        "(gpxpy's length is a flat-earth approximation, ~0.1 % longer than the haversine sum.)",
        "",
        "### TCX: `importers.read_bytes` vs the former regex fast path (recorded figures)",
        "",
        'No reference TCX parser is a dependency; "old" is the reader of commit c2a0da0 (a '
        "bare expat parse, then regular expressions over the trackpoints, declining to a "
        "SAX path), measured once in the same way (`OLD_TCX_MS` in the script says how). "
        "x old > 1: ours is faster.",
        "",
        "| file | KB | ours min ms | ours median | old min ms | old median | x old (min) "
        "| x old (median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, size, us, mus, old in tcx_rows:
        o_min, o_med = old or (None, None)
        lines.append(
            f"| {name} | {size / 1024:.0f} | {us * 1e3:.2f} | {mus * 1e3:.2f} | "
            + (
                f"{o_min:.2f} | {o_med:.2f} | {_ratio(o_min, us * 1e3)} | {_ratio(o_med, mus * 1e3)} |"
                if old
                else "- | - | - | - |"
            )
        )
    lines.append("")
    return "\n".join(lines)


def profile() -> None:
    from pyinstrument import Profiler

    for path in (large_fit(), large_gpx(), large_tcx()):
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
    fit_rows, compiled = bench_fit(args.runs)
    print("GPX ...", file=sys.stderr)
    gpx_rows = bench_gpx(args.runs)
    print("TCX ...", file=sys.stderr)
    tcx_rows = bench_tcx(args.runs)
    text = report(fit_rows, compiled, gpx_rows, tcx_rows)
    print(text)
    if args.write:
        doc = ROOT / "docs" / "benchmarks-importers.md"
        old = doc.read_text() if doc.exists() else ""
        kept = old[old.index(KEEP) :] if KEEP in old else KEEP + "\n"
        doc.write_text(text + "\n" + kept)


# --write replaces the generated tables and keeps the hand-written reading from this line on.
KEEP = "### Against the targets"


if __name__ == "__main__":
    main()
