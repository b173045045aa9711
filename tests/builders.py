"""Small activity files for the import tests, written as text: a GPX track, a one-lap TCX, and
the haversine length the readers must find for them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

R = 6371008.8


def haversine(p, q):
    lat1, lon1, lat2, lon2 = map(math.radians, (*p, *q))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * R * math.asin(math.sqrt(a))


def track(start, n=60, step_deg=0.0002, lat=47.0, lon=8.0):
    """n points 10 s apart heading north: ~22 m per step."""
    return [(lat + i * step_deg, lon, start + timedelta(seconds=10 * i)) for i in range(n)]


def gpx(points, sport="running", name="Morning Run", times=True):
    pts = "\n".join(
        f'<trkpt lat="{la:.6f}" lon="{lo:.6f}">'
        + (f"<time>{t:%Y-%m-%dT%H:%M:%SZ}</time>" if times else "")
        + "</trkpt>"
        for la, lo, t in points
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" '
        f'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>{name}</name><type>{sport}</type>'
        f"<trkseg>{pts}</trkseg></trk></gpx>\n"
    )


def tcx(start, meters, seconds, sport="Running"):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
        f'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        f'<Activity Sport="{sport}"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>'
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><TotalTimeSeconds>{seconds}</TotalTimeSeconds>'
        f"<DistanceMeters>{meters}</DistanceMeters></Lap></Activity></Activities></TrainingCenterDatabase>\n"
    )


def length(points):
    return sum(haversine(a[:2], b[:2]) for a, b in zip(points, points[1:], strict=False))


T1 = datetime(2026, 10, 3, 7, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 10, 5, 7, 0, tzinfo=timezone.utc)
