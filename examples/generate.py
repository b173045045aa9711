"""Write the sample activity files in examples/activities/ (deterministic: same bytes every run).

    python examples/generate.py

Two FIT runs (a road run with GPS, a treadmill run without), a FIT ride (cross-training that
never counts on shoes), a GPX trail run, a TCX run and a gzipped GPX run, all in April 2026.
"""

from __future__ import annotations

import gzip
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fitwriter import activity

OUT = Path(__file__).resolve().parent / "activities"
R = 6_371_008.8


def _track(
    rng: random.Random,
    start: datetime,
    n: int,
    step_s: int,
    speed_ms: float,
    lat0: float,
    lon0: float,
):
    """A wandering track: n points, ``step_s`` apart, at about ``speed_ms``."""
    lat, lon, heading = lat0, lon0, rng.uniform(0, 2 * math.pi)
    pts = []
    for i in range(n):
        pts.append(
            (
                round(lat, 7),
                round(lon, 7),
                start + timedelta(seconds=i * step_s),
                round(300 + 40 * math.sin(i / 40), 1),
            )
        )
        heading += rng.gauss(0, 0.25)
        d = speed_ms * step_s * rng.uniform(0.85, 1.15)
        lat += math.degrees(d * math.cos(heading) / R)
        lon += math.degrees(d * math.sin(heading) / (R * math.cos(math.radians(lat))))
    return pts


def _gpx(pts, *, name: str, type_: str) -> bytes:
    rows = "\n".join(
        f'   <trkpt lat="{la}" lon="{lo}"><ele>{e}</ele><time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>'
        for la, lo, t, e in pts
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="shoetrack examples/generate.py" '
        f'xmlns="http://www.topografix.com/GPX/1/1">\n'
        f" <metadata><name>{name}</name><time>{pts[0][2]:%Y-%m-%dT%H:%M:%SZ}</time></metadata>\n"
        f" <trk><name>{name}</name><type>{type_}</type><trkseg>\n{rows}\n </trkseg></trk>\n</gpx>\n"
    ).encode()


def _tcx(pts, *, sport: str) -> bytes:
    dist, rows = 0.0, []
    for i, (la, lo, t, e) in enumerate(pts):
        if i:
            p1, p2 = math.radians(pts[i - 1][0]), math.radians(la)
            a = (
                math.sin((p2 - p1) / 2) ** 2
                + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo - pts[i - 1][1]) / 2) ** 2
            )
            dist += 2 * R * math.asin(math.sqrt(a))
        rows.append(
            f"<Trackpoint><Time>{t:%Y-%m-%dT%H:%M:%SZ}</Time><Position><LatitudeDegrees>{la}"
            f"</LatitudeDegrees><LongitudeDegrees>{lo}</LongitudeDegrees></Position>"
            f"<AltitudeMeters>{e}</AltitudeMeters><DistanceMeters>{dist:.2f}</DistanceMeters>"
            f"</Trackpoint>"
        )
    start, secs = pts[0][2], (pts[-1][2] - pts[0][2]).total_seconds()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
        f'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">\n<Activities>'
        f'<Activity Sport="{sport}"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>'
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><TotalTimeSeconds>{secs:.1f}</TotalTimeSeconds>'
        f"<DistanceMeters>{dist:.2f}</DistanceMeters><Intensity>Active</Intensity>"
        f"<TriggerMethod>Manual</TriggerMethod><Track>\n"
        + "\n".join(rows)
        + '\n</Track></Lap><Creator xsi:type="Device_t" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Name>Forerunner 965</Name>'
        "</Creator></Activity></Activities>\n</TrainingCenterDatabase>\n"
    ).encode()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    utc = timezone.utc
    rng = random.Random(2026)
    files = {}
    files["2026-04-12-road-run.fit"] = activity(
        datetime(2026, 4, 12, 7, 5, tzinfo=utc),
        [{"sport": 1, "sub_sport": 0, "distance_m": 8046.72, "elapsed_s": 2520, "timer_s": 2490}],
        records_per_session=253,
        lat=47.3769,
        lon=8.5417,
        sport_name="Run",
    ).to_bytes()
    files["2026-04-15-treadmill.fit"] = activity(
        datetime(2026, 4, 15, 18, 30, tzinfo=utc),
        [{"sport": 1, "sub_sport": 1, "distance_m": 5000.0, "elapsed_s": 1620}],
        records_per_session=163,
        lat=None,
        lon=None,
        sport_name="Treadmill",
    ).to_bytes()
    files["2026-04-18-ride.fit"] = activity(
        datetime(2026, 4, 18, 9, 0, tzinfo=utc),
        [{"sport": 2, "sub_sport": 7, "distance_m": 30250.4, "elapsed_s": 4200, "timer_s": 3950}],
        records_per_session=211,
        product=3122,
        lat=47.40,
        lon=8.60,
        sport_name="Road Bike",
    ).to_bytes()
    trail = _track(rng, datetime(2026, 4, 20, 6, 45, tzinfo=utc), 450, 6, 2.6, 46.5584, 7.9352)
    files["2026-04-20-trail-run.gpx"] = _gpx(trail, name="Eiger trail", type_="trail running")
    road = _track(rng, datetime(2026, 4, 23, 17, 10, tzinfo=utc), 300, 6, 3.1, 51.5072, -0.1276)
    files["2026-04-23-run.tcx"] = _tcx(road, sport="Running")
    easy = _track(rng, datetime(2026, 4, 26, 8, 0, tzinfo=utc), 400, 5, 2.9, 40.7829, -73.9654)
    files["2026-04-26-easy-run.gpx.gz"] = gzip.compress(
        _gpx(easy, name="Central Park easy", type_="running"), compresslevel=9, mtime=0
    )
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
